// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmaperror.h>
#include <PersistentMap/persistentmapschema.h>

#include "codec/valuecodec_p.h"
#include "core/exactconversion_p.h"

#include <QtCore/QFile>
#include <QtCore/QHash>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QSet>

#include <cmath>
#include <limits>

using PersistentMapInternal::convertExactly;

class PersistentMapSchemaKeyPrivate : public QSharedData
{
public:
    QString name;
    QMetaType type;
    bool hasDefault = false;
    QVariant defaultValue;
    QVariant minimum;
    QVariant maximum;
    QVariantList choices;
    QString description;
};

class PersistentMapSchemaPrivate : public QSharedData
{
public:
    QList<PersistentMapSchema::Key> keys; // declaration order
    QHash<QString, qsizetype> index; // name -> position in keys
    int version = 0;
};

namespace {

[[noreturn]] void refuse(const QString &message)
{
    throw PersistentMapError(PersistentMapError::Code::InvalidSchema, message);
}

// "an int", "a uint", "a string": the rule's words for a type.
QString article(const QString &tag)
{
    static const QString vowels = QStringLiteral("aeio");
    return (!tag.isEmpty() && vowels.contains(tag.front()) ? QStringLiteral("an ")
                                                           : QStringLiteral("a ")) +
            tag;
}

// A value as messages show it: its stored text (shortened) and its C++ type.
QString describe(const QVariant &value)
{
    if (!value.isValid() || value.metaType().id() == QMetaType::Nullptr)
        return QStringLiteral("null");
    QString text;
    if (PersistentMapInternal::isEncodable(value))
        text = PersistentMapInternal::encodeValue(value).text;
    else
        text = value.toString();
    if (text.size() > 64)
        text = text.left(61) + QStringLiteral("...");
    return QStringLiteral("'%1' (%2)").arg(text, QString::fromLatin1(value.metaType().name()));
}

// Bare text of a bound or a choice, as the schema wrote it.
QString bare(const QVariant &value)
{
    return PersistentMapInternal::isEncodable(value)
            ? PersistentMapInternal::encodeValue(value).text
            : value.toString();
}

bool isOrdered(QMetaType type)
{
    switch (type.id()) {
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
    case QMetaType::Double:
    case QMetaType::Float:
    case QMetaType::QDate:
    case QMetaType::QTime:
    case QMetaType::QDateTime:
        return true;
    default:
        return false;
    }
}

bool isInteger(QMetaType type)
{
    switch (type.id()) {
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
    case QMetaType::Long:
    case QMetaType::ULong:
    case QMetaType::Short:
    case QMetaType::UShort:
    case QMetaType::Char:
    case QMetaType::SChar:
    case QMetaType::UChar:
        return true;
    default:
        return false;
    }
}

bool sameStored(const QVariant &a, const QVariant &b)
{
    using namespace PersistentMapInternal;
    if (a.metaType() != b.metaType())
        return false;
    if (isEncodable(a) && isEncodable(b)) {
        const EncodedValue x = encodeValue(a);
        const EncodedValue y = encodeValue(b);
        return x.text == y.text;
    }
    return a == b;
}

// The rule `value` (already of the key's type) breaks, or an empty string.
QString brokenRule(const PersistentMapSchemaKeyPrivate &key, const QVariant &value)
{
    if (key.minimum.isValid()) {
        const QPartialOrdering order = QVariant::compare(value, key.minimum);
        if (order == QPartialOrdering::Less)
            return QStringLiteral("is below the minimum %1").arg(bare(key.minimum));
        if (order == QPartialOrdering::Unordered)
            return QStringLiteral("is not comparable with the minimum %1").arg(bare(key.minimum));
    }
    if (key.maximum.isValid()) {
        const QPartialOrdering order = QVariant::compare(value, key.maximum);
        if (order == QPartialOrdering::Greater)
            return QStringLiteral("is above the maximum %1").arg(bare(key.maximum));
        if (order == QPartialOrdering::Unordered)
            return QStringLiteral("is not comparable with the maximum %1").arg(bare(key.maximum));
    }
    if (!key.choices.isEmpty()) {
        for (const QVariant &choice : key.choices) {
            if (sameStored(value, choice))
                return QString();
        }
        QStringList names;
        for (const QVariant &choice : key.choices)
            names.append(QLatin1Char('\'') + bare(choice) + QLatin1Char('\''));
        return QStringLiteral("is not one of %1").arg(names.join(QStringLiteral(", ")));
    }
    return QString();
}

// A JSON value as a value of `type` (docs/SCHEMA.md, "Values"): a JSON string is the type's
// text form of docs/FORMAT.md (the text itself for "string"), a JSON bool or number is
// converted exactly, a JSON array for "stringlist"/"intlist" is that list, other arrays and
// objects are lists and maps of their JSON values.
bool fromJsonValue(const QJsonValue &json, QMetaType type, QVariant *out, QString *why)
{
    using namespace PersistentMapInternal;
    const QString tag = tagOfType(type);
    if (json.isString() && type.id() != QMetaType::QString) {
        QString error;
        if (decodeValue(tag, json.toString(), out, &error))
            return true;
        *why = QStringLiteral("%1 is not the text of %2 (%3)")
                       .arg(describe(json.toString()), article(tag), error);
        return false;
    }
    if (json.isArray() &&
        (type.id() == QMetaType::QStringList || tag == QLatin1StringView("intlist"))) {
        QString error;
        const QString text =
                QString::fromUtf8(QJsonDocument(json.toArray()).toJson(QJsonDocument::Compact));
        if (decodeValue(tag, text, out, &error))
            return true;
        *why = QStringLiteral("%1 is not %2 (%3)").arg(text.left(64), article(tag), error);
        return false;
    }
    const QVariant plain = json.toVariant();
    // QJsonDocument keeps an integer literal within qint64 as an integer; any other number
    // arrives as a double, rounded beyond 2^53 (9223372036854775809 becomes 2^63), and Qt 6.4
    // gives every literal from -2^63 - 1024 to -2^63 as the integer -2^63: no exact integer can
    // come from either.
    const bool roundedDouble = plain.metaType().id() == QMetaType::Double && isInteger(type) &&
            std::abs(plain.toDouble()) > 9007199254740992.0;
    const bool clampedInteger = plain.metaType().id() == QMetaType::LongLong &&
            plain.toLongLong() == std::numeric_limits<qint64>::min();
    if (roundedDouble || clampedInteger) {
        *why = QStringLiteral("%1 is a JSON number JSON may have rounded; write %2 value this "
                              "large as a string")
                       .arg(describe(plain), article(tag));
        return false;
    }
    if (convertExactly(plain, type, out))
        return true;
    *why = QStringLiteral("%1 is not %2").arg(describe(plain), article(tag));
    return false;
}

// QJsonDocument keeps the last of two members with one name and says nothing. This walks JSON
// text that parsed and finds the first name given twice in one object: true, with the member
// names leading to that object in *path and the name in *name.
bool findDuplicateName(const QByteArray &json, QStringList *path, QString *name)
{
    struct Frame
    {
        bool isObject = false;
        bool expectName = false;
        QString via; // the member name that leads to this value ("" in an array or at the root)
        QSet<QString> names;
    };
    QList<Frame> stack;
    QString lastName;
    for (qsizetype i = 0; i < json.size(); ++i) {
        const char c = json.at(i);
        switch (c) {
        case '{':
        case '[': {
            Frame frame;
            frame.isObject = c == '{';
            frame.expectName = frame.isObject;
            frame.via = !stack.isEmpty() && stack.constLast().isObject ? lastName : QString();
            stack.append(std::move(frame));
            break;
        }
        case '}':
        case ']':
            if (!stack.isEmpty())
                stack.removeLast();
            break;
        case ',':
            if (!stack.isEmpty() && stack.constLast().isObject)
                stack.last().expectName = true;
            break;
        case ':':
            if (!stack.isEmpty())
                stack.last().expectName = false;
            break;
        case '"': {
            const qsizetype start = i;
            for (++i; i < json.size() && json.at(i) != '"'; ++i) {
                if (json.at(i) == '\\')
                    ++i;
            }
            if (stack.isEmpty() || !stack.constLast().isObject || !stack.constLast().expectName)
                break;
            // The name as JSON means it (escapes decoded): "\u0061" and "a" are one name.
            const QByteArray token = '[' + json.mid(start, i - start + 1) + ']';
            lastName = QJsonDocument::fromJson(token).array().at(0).toString();
            Frame &top = stack.last();
            if (top.names.contains(lastName)) {
                path->clear();
                for (qsizetype f = 1; f < stack.size(); ++f)
                    path->append(stack.at(f).via);
                *name = lastName;
                return true;
            }
            top.names.insert(lastName);
            break;
        }
        default:
            break;
        }
    }
    return false;
}

QJsonValue toJsonValue(const QVariant &value)
{
    using namespace PersistentMapInternal;
    switch (value.metaType().id()) {
    case QMetaType::Bool:
        return value.toBool();
    case QMetaType::Int:
    case QMetaType::UInt:
        return value.toLongLong();
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
        // Exact in a double up to 2^53; beyond that the text form keeps every digit.
        if (std::abs(value.toDouble()) <= 9007199254740992.0)
            return value.toDouble();
        break;
    case QMetaType::Double:
    case QMetaType::Float:
        if (std::isfinite(value.toDouble()) &&
            !(value.toDouble() == 0 && std::signbit(value.toDouble())))
            return value.toDouble();
        break;
    case QMetaType::QString:
        return value.toString();
    case QMetaType::QStringList:
        return QJsonArray::fromStringList(value.toStringList());
    default:
        break;
    }
    return encodeValue(value).text; // the type's text form (JSON text for a container)
}

} // namespace

// --- Key -------------------------------------------------------------------------------------

PersistentMapSchema::Key::Key()
    : d(new PersistentMapSchemaKeyPrivate)
{
}

PersistentMapSchema::Key::Key(const QString &name, QMetaType type)
    : d(new PersistentMapSchemaKeyPrivate)
{
    d->name = name;
    d->type = type;
}

PersistentMapSchema::Key::Key(const QString &name, const QVariant &defaultValue)
    : d(new PersistentMapSchemaKeyPrivate)
{
    d->name = name;
    d->type = defaultValue.metaType();
    d->hasDefault = true;
    d->defaultValue = defaultValue;
}

PersistentMapSchema::Key::Key(const Key &other) = default;
PersistentMapSchema::Key::Key(Key &&other) noexcept = default;
PersistentMapSchema::Key &PersistentMapSchema::Key::operator=(const Key &other) = default;
PersistentMapSchema::Key &PersistentMapSchema::Key::operator=(Key &&other) noexcept = default;
PersistentMapSchema::Key::~Key() = default;

bool PersistentMapSchema::Key::isValid() const
{
    return !d->name.isEmpty() && d->type.isValid();
}

QString PersistentMapSchema::Key::name() const
{
    return d->name;
}

QMetaType PersistentMapSchema::Key::type() const
{
    return d->type;
}

QString PersistentMapSchema::Key::typeName() const
{
    return PersistentMapInternal::tagOfType(d->type);
}

bool PersistentMapSchema::Key::hasDefault() const
{
    return d->hasDefault;
}

QVariant PersistentMapSchema::Key::defaultValue() const
{
    return d->defaultValue;
}

QVariant PersistentMapSchema::Key::minimum() const
{
    return d->minimum;
}

QVariant PersistentMapSchema::Key::maximum() const
{
    return d->maximum;
}

QVariantList PersistentMapSchema::Key::choices() const
{
    return d->choices;
}

QString PersistentMapSchema::Key::description() const
{
    return d->description;
}

PersistentMapSchema::Key &PersistentMapSchema::Key::setDefaultValue(const QVariant &value)
{
    d->hasDefault = value.isValid();
    d->defaultValue = value;
    return *this;
}

PersistentMapSchema::Key &PersistentMapSchema::Key::setRange(const QVariant &minimum,
                                                             const QVariant &maximum)
{
    d->minimum = minimum;
    d->maximum = maximum;
    return *this;
}

PersistentMapSchema::Key &PersistentMapSchema::Key::setMinimum(const QVariant &minimum)
{
    d->minimum = minimum;
    return *this;
}

PersistentMapSchema::Key &PersistentMapSchema::Key::setMaximum(const QVariant &maximum)
{
    d->maximum = maximum;
    return *this;
}

PersistentMapSchema::Key &PersistentMapSchema::Key::setChoices(const QVariantList &choices)
{
    d->choices = choices;
    return *this;
}

PersistentMapSchema::Key &PersistentMapSchema::Key::setDescription(const QString &description)
{
    d->description = description;
    return *this;
}

// --- Schema ----------------------------------------------------------------------------------

PersistentMapSchema::PersistentMapSchema()
    : d(new PersistentMapSchemaPrivate)
{
}
PersistentMapSchema::PersistentMapSchema(const PersistentMapSchema &other) = default;
PersistentMapSchema::PersistentMapSchema(PersistentMapSchema &&other) noexcept = default;
PersistentMapSchema &PersistentMapSchema::operator=(const PersistentMapSchema &other) = default;
PersistentMapSchema &PersistentMapSchema::operator=(PersistentMapSchema &&other) noexcept = default;
PersistentMapSchema::~PersistentMapSchema() = default;

PersistentMapSchema &PersistentMapSchema::add(const Key &declared)
{
    using PersistentMapInternal::tagOfType;
    const QString &name = declared.d->name;
    if (name.isEmpty())
        refuse(QStringLiteral("a key without a name"));
    if (!QStringView(name).isValidUtf16())
        refuse(QStringLiteral("key '%1': the name contains an unpaired UTF-16 surrogate")
                       .arg(name.left(64)));
    const QString tag = tagOfType(declared.d->type);
    if (tag.isEmpty()) {
        refuse(QStringLiteral("key '%1', field 'type': %2 has no type tag in docs/FORMAT.md")
                       .arg(name,
                            declared.d->type.isValid()
                                    ? QString::fromLatin1(declared.d->type.name())
                                    : QStringLiteral("an invalid type")));
    }

    Key key = declared;
    key.d.detach();
    PersistentMapSchemaKeyPrivate &k = *key.d;
    const auto toType = [&](const QVariant &value, const char *field) {
        QVariant converted;
        if (!convertExactly(value, k.type, &converted)) {
            refuse(QStringLiteral("key '%1', field '%2': %3 is not %4")
                           .arg(name, QLatin1StringView(field), describe(value), article(tag)));
        }
        return converted;
    };
    for (auto [bound, field] :
         {std::pair{&k.minimum, "minimum"}, std::pair{&k.maximum, "maximum"}}) {
        if (!bound->isValid())
            continue;
        if (!isOrdered(k.type)) {
            refuse(QStringLiteral("key '%1', field '%2': %3 values have no order")
                           .arg(name, QLatin1StringView(field), tag));
        }
        *bound = toType(*bound, field);
        if (QVariant::compare(*bound, *bound) == QPartialOrdering::Unordered) // NaN
            refuse(QStringLiteral("key '%1', field '%2': NaN is no bound")
                           .arg(name, QLatin1StringView(field)));
    }
    if (k.minimum.isValid() && k.maximum.isValid() &&
        QVariant::compare(k.minimum, k.maximum) == QPartialOrdering::Greater) {
        refuse(QStringLiteral("key '%1', field 'minimum': %2 is above the maximum %3")
                       .arg(name, bare(k.minimum), bare(k.maximum)));
    }
    for (QVariant &choice : k.choices) {
        choice = toType(choice, "choices");
        if (const QString rule =
                    [&] {
                        PersistentMapSchemaKeyPrivate bounds = k;
                        bounds.choices.clear();
                        return brokenRule(bounds, choice);
                    }();
            !rule.isEmpty()) {
            refuse(QStringLiteral("key '%1', field 'choices': %2 %3")
                           .arg(name, describe(choice), rule));
        }
    }
    if (k.hasDefault) {
        k.defaultValue = toType(k.defaultValue, "default");
        if (const QString rule = brokenRule(k, k.defaultValue); !rule.isEmpty()) {
            refuse(QStringLiteral("key '%1', field 'default': %2 %3")
                           .arg(name, describe(k.defaultValue), rule));
        }
    }

    if (const auto it = d->index.constFind(name); it != d->index.cend()) {
        d->keys[*it] = key;
    } else {
        d->index.insert(name, d->keys.size());
        d->keys.append(key);
    }
    return *this;
}

int PersistentMapSchema::version() const
{
    return d->version;
}

PersistentMapSchema &PersistentMapSchema::setVersion(int version)
{
    d->version = version;
    return *this;
}

bool PersistentMapSchema::isEmpty() const
{
    return d->keys.isEmpty();
}

bool PersistentMapSchema::contains(const QString &name) const
{
    return d->index.contains(name);
}

QStringList PersistentMapSchema::keys() const
{
    QStringList names;
    names.reserve(d->keys.size());
    for (const Key &key : d->keys)
        names.append(key.d->name);
    return names;
}

PersistentMapSchema::Key PersistentMapSchema::key(const QString &name) const
{
    const auto it = d->index.constFind(name);
    return it == d->index.cend() ? Key() : d->keys.at(*it);
}

QVariant PersistentMapSchema::defaultValue(const QString &name) const
{
    const auto it = d->index.constFind(name);
    return it == d->index.cend() ? QVariant() : d->keys.at(*it).d->defaultValue;
}

bool PersistentMapSchema::check(const QString &name, const QVariant &value, QVariant *converted,
                                QString *why) const
{
    const auto it = d->index.constFind(name);
    if (it == d->index.cend()) {
        if (converted)
            *converted = value;
        return true;
    }
    const PersistentMapSchemaKeyPrivate &k = *d->keys.at(*it).d;
    QVariant result;
    QString rule;
    if (!convertExactly(value, k.type, &result))
        rule = QStringLiteral("is not %1").arg(article(PersistentMapInternal::tagOfType(k.type)));
    else
        rule = brokenRule(k, result);
    if (!rule.isEmpty()) {
        if (why)
            *why = QStringLiteral("key '%1': %2 %3").arg(name, describe(value), rule);
        return false;
    }
    if (converted)
        *converted = std::move(result);
    return true;
}

PersistentMapSchema PersistentMapSchema::fromJson(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (document.isNull()) {
        refuse(QStringLiteral("not JSON: %1 at offset %2")
                       .arg(error.errorString())
                       .arg(error.offset));
    }
    if (!document.isObject())
        refuse(QStringLiteral("the schema is not a JSON object"));
    QStringList path;
    QString name;
    if (findDuplicateName(json, &path, &name)) {
        const QJsonObject root = document.object();
        const QJsonValue keysMember = root.value(QLatin1StringView("keys"));
        // As fromJsonObject() tells the two forms apart.
        const bool longForm = keysMember.isObject() &&
                !keysMember.toObject().value(QLatin1StringView("type")).isString();
        if (longForm && path.isEmpty())
            refuse(QStringLiteral("field '%1' given twice").arg(name));
        if (longForm)
            path.removeFirst(); // "keys"
        if (path.isEmpty())
            refuse(QStringLiteral("key '%1': declared twice").arg(name));
        if (path.size() == 1)
            refuse(QStringLiteral("key '%1': field '%2' given twice").arg(path.at(0), name));
        refuse(QStringLiteral("key '%1', field '%2': name '%3' given twice in one object")
                       .arg(path.at(0), path.at(1), name));
    }
    return fromJsonObject(document.object());
}

PersistentMapSchema PersistentMapSchema::fromJsonFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        throw PersistentMapError(
                PersistentMapError::Code::OpenFailed,
                QStringLiteral("cannot read the schema file %1: %2").arg(path, file.errorString()));
    }
    try {
        return fromJson(file.readAll());
    } catch (const PersistentMapError &e) {
        throw PersistentMapError(e.code(), path + QStringLiteral(": ") + e.message());
    }
}

PersistentMapSchema PersistentMapSchema::fromVariantMap(const QVariantMap &map)
{
    return fromJsonObject(QJsonObject::fromVariantMap(map));
}

PersistentMapSchema PersistentMapSchema::fromJsonObject(const QJsonObject &root)
{
    // The long form {"version": N, "keys": {...}}; otherwise every member declares a key.
    const QJsonValue keysMember = root.value(QLatin1StringView("keys"));
    const bool longForm = keysMember.isObject() &&
            !keysMember.toObject().value(QLatin1StringView("type")).isString();
    PersistentMapSchema schema;
    QJsonObject declarations = root;
    if (longForm) {
        for (auto it = root.constBegin(); it != root.constEnd(); ++it) {
            if (it.key() == QLatin1StringView("version")) {
                const double version = it.value().toDouble(-1);
                if (!it.value().isDouble() || version < 0 || version > 2147483647.0 ||
                    std::trunc(version) != version)
                    refuse(QStringLiteral("field 'version': not an integer from 0 to 2147483647"));
                schema.setVersion(int(version));
            } else if (it.key() != QLatin1StringView("keys")) {
                refuse(QStringLiteral("unknown field '%1' (a schema has 'version' and 'keys')")
                               .arg(it.key()));
            }
        }
        declarations = keysMember.toObject();
    }
    // QJsonObject iterates in name order: declared in that order.
    for (auto it = declarations.constBegin(); it != declarations.constEnd(); ++it) {
        const QString &name = it.key();
        if (!it.value().isObject())
            refuse(QStringLiteral("key '%1': not a JSON object").arg(name));
        const QJsonObject decl = it.value().toObject();
        const QJsonValue typeValue = decl.value(QLatin1StringView("type"));
        if (!typeValue.isString())
            refuse(QStringLiteral("key '%1', field 'type': missing or not a string").arg(name));
        const QMetaType type = PersistentMapInternal::typeOfTag(typeValue.toString());
        if (!type.isValid()) {
            refuse(QStringLiteral("key '%1', field 'type': unknown type '%2' (the type tags of "
                                  "docs/FORMAT.md)")
                           .arg(name, typeValue.toString().left(64)));
        }
        Key key(name, type);
        for (auto field = decl.constBegin(); field != decl.constEnd(); ++field) {
            const QString f = field.key();
            const auto value = [&](const QJsonValue &json) {
                QVariant out;
                QString why;
                if (!fromJsonValue(json, type, &out, &why))
                    refuse(QStringLiteral("key '%1', field '%2': %3").arg(name, f, why));
                return out;
            };
            if (f == QLatin1StringView("type")) {
                continue;
            } else if (f == QLatin1StringView("default")) {
                key.setDefaultValue(value(field.value()));
            } else if (f == QLatin1StringView("minimum")) {
                key.setMinimum(value(field.value()));
            } else if (f == QLatin1StringView("maximum")) {
                key.setMaximum(value(field.value()));
            } else if (f == QLatin1StringView("choices")) {
                if (!field.value().isArray() || field.value().toArray().isEmpty())
                    refuse(QStringLiteral("key '%1', field 'choices': not a non-empty array")
                                   .arg(name));
                QVariantList choices;
                for (const QJsonValue &choice : field.value().toArray())
                    choices.append(value(choice));
                key.setChoices(choices);
            } else if (f == QLatin1StringView("description")) {
                if (!field.value().isString())
                    refuse(QStringLiteral("key '%1', field 'description': not a string").arg(name));
                key.setDescription(field.value().toString());
            } else {
                refuse(QStringLiteral("key '%1': unknown field '%2' (type, default, minimum, "
                                      "maximum, choices, description)")
                               .arg(name, f));
            }
        }
        schema.add(key);
    }
    return schema;
}

QByteArray PersistentMapSchema::toJson() const
{
    QJsonObject keys;
    for (const Key &key : d->keys) {
        const PersistentMapSchemaKeyPrivate &k = *key.d;
        QJsonObject decl;
        decl.insert(QLatin1StringView("type"), PersistentMapInternal::tagOfType(k.type));
        if (k.hasDefault)
            decl.insert(QLatin1StringView("default"), toJsonValue(k.defaultValue));
        if (k.minimum.isValid())
            decl.insert(QLatin1StringView("minimum"), toJsonValue(k.minimum));
        if (k.maximum.isValid())
            decl.insert(QLatin1StringView("maximum"), toJsonValue(k.maximum));
        if (!k.choices.isEmpty()) {
            QJsonArray choices;
            for (const QVariant &choice : k.choices)
                choices.append(toJsonValue(choice));
            decl.insert(QLatin1StringView("choices"), choices);
        }
        if (!k.description.isEmpty())
            decl.insert(QLatin1StringView("description"), k.description);
        keys.insert(k.name, decl);
    }
    QJsonObject root;
    root.insert(QLatin1StringView("version"), d->version);
    root.insert(QLatin1StringView("keys"), keys);
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

bool operator==(const PersistentMapSchema &a, const PersistentMapSchema &b)
{
    if (a.d == b.d)
        return true;
    return a.d->version == b.d->version && a.keys() == b.keys() && a.toJson() == b.toJson();
}
