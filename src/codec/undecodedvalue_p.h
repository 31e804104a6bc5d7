// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// UndecodedValue: a stored value this process cannot decode (a type it has not registered, a
// type of a Qt module it does not load such as QColor without Qt Gui, a tag written by a newer
// version of the library, a damaged text), kept as the (type tag, text) pair it was stored as.
// Backends pass it through like any value: encodeValue() gives the same pair back, so a rewrite
// (CSV compaction) writes the same bytes again. PersistentMap keeps such entries out of its
// cache and tries them again when new types become known (docs/FORMAT.md, "Values a process
// cannot read").
#ifndef UNDECODEDVALUE_P_H
#define UNDECODEDVALUE_P_H

#include <QtCore/QByteArrayView>
#include <QtCore/QMetaType>
#include <QtCore/QString>
#include <QtCore/QVariant>

#include <optional>

namespace PersistentMapInternal {

struct UndecodedValue
{
    QString type; // the tag, as stored
    QString text; // the text, as stored
    QString why; // why it cannot be decoded here; not part of the value
    // The stored bytes are not UTF-8 (a row another program wrote into an SQLite table): type
    // and text hold them with U+FFFD in place of what is not, so the value is never decoded nor
    // written back (clear() drops it) - it would not be the stored one.
    bool altered = false;

    // The same stored value (why is only what this process made of it).
    friend bool operator==(const UndecodedValue &a, const UndecodedValue &b)
    {
        return a.type == b.type && a.text == b.text && a.altered == b.altered;
    }
    friend bool operator!=(const UndecodedValue &a, const UndecodedValue &b) { return !(a == b); }
};

inline bool isUndecoded(const QVariant &value)
{
    return value.metaType() == QMetaType::fromType<UndecodedValue>();
}

// What decodeValue() gives, or an UndecodedValue holding type and text unchanged and the reason
// when it cannot decode them. Every backend decodes through this, so one value never stops
// loading or following a store.
QVariant decodeOrKeep(const QString &type, const QString &text);

// Stored UTF-8 bytes as text, a leading U+FEFF kept (QString::fromUtf8 drops it as a byte order
// mark); *valid turns false when the bytes are not UTF-8 (SQLite keeps whatever bytes a program
// binds as text), and U+FFFD stands in for those that are not.
QString decodeStoredUtf8(QByteArrayView bytes, bool *valid);
// The same for UTF-16 (a SQLite file created with PRAGMA encoding = 'UTF-16le' or 'UTF-16be'):
// *valid turns false on an odd length or an unpaired surrogate, which the text keeps.
QString decodeStoredUtf16(QByteArrayView bytes, bool bigEndian, bool *valid);

// An UndecodedValue for a row the map's writes cannot reach or would alter: its key, type or text
// is not text in the store's encoding (UTF-8, or the SQLite file's UTF-16), or its key is stored
// as a blob, an integer or a real (a table another program made, whose key column has no TEXT
// affinity), which never equals the text the map binds. keyBytes (the key as stored, shown in
// hex) lets a person find the row.
enum class NotText { Key, Type, Value, KeyStorageClass };
// detail: the encoding the text is not in ("UTF-8", "UTF-16le", "UTF-16be"), or for
// KeyStorageClass the key's storage class as SQLite's typeof() names it ("blob", "integer",
// "real").
QVariant keepNotText(const QString &type, const QString &text, const QByteArray &keyBytes,
                     NotText what, const QString &detail);
// Which of the row's parts is not text (the first), or nullopt. keyIsText: the key's storage
// class is TEXT (typeof(key) = 'text').
inline std::optional<NotText> notText(bool keyIsText, bool keyValid, bool typeValid, bool textValid)
{
    if (!keyIsText)
        return NotText::KeyStorageClass;
    if (!keyValid)
        return NotText::Key;
    if (!typeValid)
        return NotText::Type;
    if (!textValid)
        return NotText::Value;
    return std::nullopt;
}

// Changes whenever a type may have become decodable: a type registered at run time, Qt Gui or Qt
// Widgets loaded (their types are built in, but only known once the module is). Cheap: a few
// lookups that never warn.
quint64 typeRegistryStamp();

} // namespace PersistentMapInternal

#endif // UNDECODEDVALUE_P_H
