// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The value codec: turns a QVariant into a (type tag, text) pair that every text-based backend
// stores, and back. The tags and texts are documented in docs/FORMAT.md; they are part of the
// on-disk format, so a tag is never renamed.
#ifndef VALUECODEC_P_H
#define VALUECODEC_P_H

#include <QtCore/QLatin1StringView>
#include <QtCore/QString>
#include <QtCore/QVariant>

namespace PersistentMapInternal {

// The tag of a QString value, the common case, which a reader may take without the registry
// (sqlitedirect.cpp); every other tag is known only to registry() in valuecodec.cpp.
constexpr QLatin1StringView StringTag("string");
// The tags of values earlier versions wrote through QDataStream: "variant:TypeName".
constexpr QLatin1StringView LegacyStreamTagPrefix("variant:");

struct EncodedValue
{
    QString type;
    QString text;
};

// True when encodeValue() can store the value; otherwise *why names the offending type.
bool isEncodable(const QVariant &value, QString *why = nullptr);

// Precondition: isEncodable(value).
EncodedValue encodeValue(const QVariant &value);

// Whether the UTF-8 bytes of encodeValue(value)'s type and text exceed `limit`; *size gets them
// (exact when they do, else possibly an upper bound). Cheap enough for every insert: strings,
// bytes, numbers and containers of them are measured, not encoded, unless their bound is over
// the limit; a type written through QDataStream is encoded.
bool encodedSizeExceeds(const QVariant &value, qint64 limit, qint64 *size);

// Whether encodeValue(value)'s text holds U+0000 (which PostgreSQL text cannot): found without
// encoding for a type whose text is ASCII by construction, or a string.
bool encodedTextHasNul(const QVariant &value);

// Decodes what encodeValue() produced. On failure returns false and says why in *error (the
// caller adds the file, line or key).
bool decodeValue(const QString &type, const QString &text, QVariant *out, QString *error);

// The type a tag stands for (docs/FORMAT.md, "Type tags"), invalid for an unknown tag and for
// "null"; and back, empty for a type without a tag. PersistentMapSchema names types by these tags.
QMetaType typeOfTag(const QString &tag);
QString tagOfType(QMetaType type);
// Whether the tag's text is JSON (a list, a map), not a scalar text form.
bool isContainerTag(const QString &tag);

// Tags that PersistentMapCsvBackend uses for its own rows; never a value type.
inline QString removedTag()
{
    return QStringLiteral("removed");
}
inline QString batchTag()
{
    return QStringLiteral("batch");
}

} // namespace PersistentMapInternal

#endif // VALUECODEC_P_H
