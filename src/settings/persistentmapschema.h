// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

/// PersistentMapSchema: the keys a settings store knows, each with a type, a default, optionally
/// an inclusive range and a list of choices, and a description: what a GSettings schema
/// (`<key>` with `<default>`, `<range>` and `<choices>`) or a KConfigXT .kcfg file (`<entry>` with
/// `<default>`, `<min>`, `<max>` and `<choices>`) declares. Given to
/// PersistentMap::setSchema(), it makes value() fall back to the default of a key that is not
/// stored, and makes insert()/apply() refuse a value that is not of the key's type or breaks its
/// range or choices (PersistentMapError::Code::SchemaViolation). docs/SCHEMA.md.
///
/// A value type, implicitly shared (copying is cheap), reentrant: distinct objects may be used
/// from distinct threads; a const object from any number of threads.
///
/// A schema never contradicts itself: add() and fromJson() refuse a declaration whose default or
/// choices are not of the key's type, whose default is outside its range or not among its
/// choices, whose minimum is above its maximum, or whose type has no tag in docs/FORMAT.md; they
/// throw PersistentMapError with Code::InvalidSchema and a message naming the key and the field.
#ifndef PERSISTENTMAPSCHEMA_H
#define PERSISTENTMAPSCHEMA_H

#include <PersistentMap/persistentmap_export.h>

#include <QtCore/QByteArray>
#include <QtCore/QMetaType>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QVariant>
#include <QtCore/QVariantList>
#include <QtCore/QVariantMap>

class PersistentMapSchemaPrivate;
class QJsonObject;
class PersistentMapSchemaKeyPrivate;

class PERSISTENTMAP_EXPORT PersistentMapSchema
{
public:
    /// One declared key. A value type whose setters return *this, so a declaration reads as one
    /// expression:
    ///
    ///     schema.add(PersistentMapSchema::Key(u"fontSize"_qs, 12).setRange(6, 72));
    ///     schema.add(PersistentMapSchema::Key(u"theme"_qs, u"light"_qs)
    ///                        .setChoices({u"light"_qs, u"dark"_qs})
    ///                        .setDescription(u"Colour scheme of the main window"_qs));
    ///
    /// Nothing is checked until PersistentMapSchema::add() takes the key.
    class PERSISTENTMAP_EXPORT Key
    {
    public:
        Key(); ///< a key with no name and no type: isValid() is false
        /// A key of `type` without a default: value() gives an invalid QVariant while it is not
        /// stored, as for an undeclared key.
        Key(const QString &name, QMetaType type);
        /// A key of the default's type (a QVariant holding an int declares an int key).
        Key(const QString &name, const QVariant &defaultValue);
        Key(const Key &other);
        Key(Key &&other) noexcept;
        Key &operator=(const Key &other);
        Key &operator=(Key &&other) noexcept;
        ~Key();

        bool isValid() const; ///< has a name and a type

        QString name() const;
        QMetaType type() const;
        /// The type's tag in docs/FORMAT.md ("int", "string", "stringlist", ...).
        QString typeName() const;
        bool hasDefault() const;
        QVariant defaultValue() const; ///< invalid when hasDefault() is false
        QVariant minimum() const; ///< invalid when there is no lower bound
        QVariant maximum() const; ///< invalid when there is no upper bound
        QVariantList choices() const; ///< empty when any value of the type is allowed
        QString description() const;

        Key &setDefaultValue(const QVariant &value);
        /// Inclusive bounds, of the key's type (or converting to it exactly); an invalid
        /// QVariant leaves that side open. Numbers, dates, times and date-times only.
        Key &setRange(const QVariant &minimum, const QVariant &maximum);
        Key &setMinimum(const QVariant &minimum);
        Key &setMaximum(const QVariant &maximum);
        /// The only values allowed, compared as the store compares them (their stored text).
        Key &setChoices(const QVariantList &choices);
        Key &setDescription(const QString &description);

    private:
        friend class PersistentMapSchema;
        QSharedDataPointer<PersistentMapSchemaKeyPrivate> d;
    };

    PersistentMapSchema(); ///< no keys, version 0
    PersistentMapSchema(const PersistentMapSchema &other);
    PersistentMapSchema(PersistentMapSchema &&other) noexcept;
    PersistentMapSchema &operator=(const PersistentMapSchema &other);
    PersistentMapSchema &operator=(PersistentMapSchema &&other) noexcept;
    ~PersistentMapSchema();

    /// Declares a key (replacing a declaration of the same name), with its default, bounds and
    /// choices converted exactly to its type. Throws PersistentMapError (Code::InvalidSchema)
    /// when the declaration contradicts itself; the schema is then unchanged.
    PersistentMapSchema &add(const Key &key);

    /// The schema's own version, 0 unless set: a number the application raises when it changes
    /// the schema, which migrations may compare with the version a store was written with.
    int version() const;
    PersistentMapSchema &setVersion(int version);

    bool isEmpty() const;
    bool contains(const QString &name) const;
    QStringList keys() const; ///< in the order they were first declared
    Key key(const QString &name) const; ///< an invalid Key for a name not declared
    /// The declared default; an invalid QVariant for a key without a default or not declared.
    QVariant defaultValue(const QString &name) const;

    /// Whether `value` may be stored under `name`: true for an undeclared name (*converted is
    /// then `value`); for a declared one, true when the value converts exactly to the key's type
    /// (PersistentMap::get<T>()'s rule: 12.0 to int 12, but neither 12.5 nor "abc") and the
    /// result is within the range and among the choices, with the result in *converted.
    /// Otherwise false, and *why says which key, which value and which rule, as in
    /// "key 'fontSize': 'abc' (QString) is not an int".
    bool check(const QString &name, const QVariant &value, QVariant *converted = nullptr,
               QString *why = nullptr) const;

    /// Reads the JSON form of docs/SCHEMA.md. Throws PersistentMapError: Code::InvalidSchema for
    /// text that is not JSON, a field that is not known or not of its JSON type, and every
    /// contradiction add() refuses; the message names the key and the field.
    static PersistentMapSchema fromJson(const QByteArray &json);
    /// fromJson() of a file's bytes; Code::OpenFailed (naming the path) when it cannot be read.
    static PersistentMapSchema fromJsonFile(const QString &path);
    /// fromJson() of the same shape as a QVariantMap (what a JavaScript object becomes in QML).
    static PersistentMapSchema fromVariantMap(const QVariantMap &map);
    /// The JSON form fromJson() reads back as an equal schema.
    QByteArray toJson() const;

    friend PERSISTENTMAP_EXPORT bool operator==(const PersistentMapSchema &a,
                                                const PersistentMapSchema &b);
    friend bool operator!=(const PersistentMapSchema &a, const PersistentMapSchema &b)
    {
        return !(a == b);
    }

private:
    static PersistentMapSchema fromJsonObject(const QJsonObject &root);

    QSharedDataPointer<PersistentMapSchemaPrivate> d;
};

#endif // PERSISTENTMAPSCHEMA_H
