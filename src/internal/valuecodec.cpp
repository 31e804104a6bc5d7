// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "valuecodec_p.h"

#include "undecodedvalue_p.h"

#include <QtCore/QDataStream>
#include <QtCore/QDateTime>
#include <QtCore/QIODevice>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QUrl>
#include <QtCore/QUuid>

#include <algorithm>
#include <cmath>

namespace PersistentMapInternal {

namespace {

constexpr QLatin1StringView variantTagPrefix("variant:");

bool isNullValue(const QVariant &value)
{
    return !value.isValid() || value.metaType().id() == QMetaType::Nullptr;
}

QJsonArray encodeToJson(const QVariant &value)
{
    const EncodedValue encoded = encodeValue(value);
    return QJsonArray{encoded.type, encoded.text};
}

bool decodeFromJson(const QJsonValue &json, QVariant *out, QString *error)
{
    const QJsonArray pair = json.toArray();
    if (!json.isArray() || pair.size() != 2 || !pair.at(0).isString() || !pair.at(1).isString()) {
        *error = QStringLiteral("a container element is not a [type, text] pair");
        return false;
    }
    return decodeValue(pair.at(0).toString(), pair.at(1).toString(), out, error);
}

QString toJsonText(const QJsonDocument &document)
{
    return QString::fromUtf8(document.toJson(QJsonDocument::Compact));
}

template<typename Map>
QString encodeMap(const Map &map)
{
    QJsonObject object;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        object.insert(it.key(), encodeToJson(it.value()));
    return toJsonText(QJsonDocument(object));
}

template<typename Map>
bool decodeMap(const QString &text, QVariant *out, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8(), &parseError);
    if (!document.isObject()) {
        *error = QStringLiteral("not a JSON object (%1)").arg(parseError.errorString());
        return false;
    }
    Map map;
    const QJsonObject object = document.object();
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        QVariant element;
        if (!decodeFromJson(it.value(), &element, error)) {
            *error = QStringLiteral("element '%1': %2").arg(it.key(), *error);
            return false;
        }
        map.insert(it.key(), element);
    }
    *out = map;
    return true;
}

bool fail(QString *error, const QString &text, const char *what)
{
    *error = QStringLiteral("'%1' is not %2").arg(text.left(64), QLatin1StringView(what));
    return false;
}

// Shortest text that reads back as the same number. QString::number() writes -0.0 as "0", which
// would read back as +0.0 (found by tests/fuzz/fuzz_valuedecoder).
QString floatingPointText(double number)
{
    if (number == 0 && std::signbit(number))
        return QStringLiteral("-0");
    return QString::number(number, 'g', QLocale::FloatingPointShortest);
}

template<typename T>
bool decodeNumber(const QString &text, QVariant *out, QString *error, const char *what,
                  T (QString::*convert)(bool *, int) const)
{
    bool ok = false;
    const T number = (text.*convert)(&ok, 10);
    if (!ok)
        return fail(error, text, what);
    *out = QVariant::fromValue(number);
    return true;
}

// The types encodeValue() writes with a tag of their own; any other type is written as
// "variant:TypeName" through QDataStream.
bool hasOwnTag(int typeId)
{
    switch (typeId) {
    case QMetaType::Bool:
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
    case QMetaType::Double:
    case QMetaType::Float:
    case QMetaType::QString:
    case QMetaType::QByteArray:
    case QMetaType::QDate:
    case QMetaType::QTime:
    case QMetaType::QDateTime:
    case QMetaType::QUrl:
    case QMetaType::QUuid:
    case QMetaType::QStringList:
    case QMetaType::QVariantList:
    case QMetaType::QVariantMap:
    case QMetaType::QVariantHash:
        return true;
    default:
        return false;
    }
}

// True when the streamed QVariant in bytes (as encodeValue() writes it) holds a value of type
// typeName, which is not one of the types encodeValue() writes with a tag of its own. Checked
// before Qt deserializes anything: QDataStream trusts the element count it reads for a list and
// reserves that much memory up front, so a damaged or crafted "variant:" text holding a
// QVariantList made decodeValue() allocate 100 GiB and abort (found by
// tests/fuzz/fuzz_valuedecoder). encodeValue() never writes such a text.
bool streamHoldsType(const QByteArray &bytes, const QString &typeName)
{
    QDataStream stream(bytes);
    stream.setVersion(QDataStream::Qt_6_0);
    quint32 typeId = 0;
    qint8 isNull = 0;
    stream >> typeId >> isNull;
    QMetaType metaType;
    if (typeId == QMetaType::User) { // a type registered at run time: its name follows
        QByteArray name;
        stream >> name; // read in bounded chunks, whatever length it claims
        metaType = QMetaType::fromName(name);
    } else if (typeId < QMetaType::User) {
        metaType = QMetaType(int(typeId));
    }
    if (stream.status() != QDataStream::Ok || !metaType.isValid() ||
        QLatin1StringView(metaType.name()) != typeName) {
        return false;
    }
    const int id = metaType.id();
    return id != QMetaType::UnknownType && id != QMetaType::Nullptr && !hasOwnTag(id);
}

} // namespace

bool isEncodable(const QVariant &value, QString *why)
{
    if (isUndecoded(value)) // a stored value passed back unchanged
        return true;
    if (isNullValue(value))
        return true;
    switch (value.metaType().id()) {
    case QMetaType::QVariantList: {
        const QVariantList list = value.toList();
        return std::all_of(list.cbegin(), list.cend(),
                           [why](const QVariant &v) { return isEncodable(v, why); });
    }
    case QMetaType::QVariantMap: {
        const QVariantMap map = value.toMap();
        return std::all_of(map.cbegin(), map.cend(),
                           [why](const QVariant &v) { return isEncodable(v, why); });
    }
    case QMetaType::QVariantHash: {
        const QVariantHash hash = value.toHash();
        return std::all_of(hash.cbegin(), hash.cend(),
                           [why](const QVariant &v) { return isEncodable(v, why); });
    }
    default:
        if (hasOwnTag(value.metaType().id()) || value.metaType().hasRegisteredDataStreamOperators())
            return true;
        if (why) {
            *why = QStringLiteral("values of type %1 cannot be stored: it has no QDataStream "
                                  "operators (see docs/FORMAT.md)")
                           .arg(QLatin1StringView(value.metaType().name()));
        }
        return false;
    }
}

EncodedValue encodeValue(const QVariant &value)
{
    if (isUndecoded(value)) { // written back exactly as it was read
        const auto *kept = static_cast<const UndecodedValue *>(value.constData());
        return {kept->type, kept->text};
    }
    if (isNullValue(value))
        return {QStringLiteral("null"), QString()};
    switch (value.metaType().id()) {
    case QMetaType::Bool:
        return {QStringLiteral("bool"),
                value.toBool() ? QStringLiteral("true") : QStringLiteral("false")};
    case QMetaType::Int:
        return {QStringLiteral("int"), QString::number(value.toInt())};
    case QMetaType::UInt:
        return {QStringLiteral("uint"), QString::number(value.toUInt())};
    case QMetaType::LongLong:
        return {QStringLiteral("int64"), QString::number(value.toLongLong())};
    case QMetaType::ULongLong:
        return {QStringLiteral("uint64"), QString::number(value.toULongLong())};
    case QMetaType::Double:
        return {QStringLiteral("double"), floatingPointText(value.toDouble())};
    case QMetaType::Float: {
        // Written as the double it widens to (0.1f as 0.10000000149011612), which reads back as
        // the same float.
        const float number = value.toFloat();
        if (number == 0 && std::signbit(number))
            return {QStringLiteral("float"), QStringLiteral("-0")};
        return {QStringLiteral("float"),
                QString::number(number, 'g', QLocale::FloatingPointShortest)};
    }
    case QMetaType::QString:
        return {QStringLiteral("string"), value.toString()};
    case QMetaType::QByteArray:
        return {QStringLiteral("bytes"), QString::fromLatin1(value.toByteArray().toBase64())};
    case QMetaType::QDate:
        return {QStringLiteral("date"), value.toDate().toString(Qt::ISODate)};
    case QMetaType::QTime:
        return {QStringLiteral("time"), value.toTime().toString(Qt::ISODateWithMs)};
    case QMetaType::QDateTime: {
        // Local times are written with their offset so the text means one instant everywhere.
        QDateTime dateTime = value.toDateTime();
        if (dateTime.isValid() && dateTime.timeSpec() == Qt::LocalTime)
            dateTime = dateTime.toOffsetFromUtc(dateTime.offsetFromUtc());
        return {QStringLiteral("datetime"), dateTime.toString(Qt::ISODateWithMs)};
    }
    case QMetaType::QUrl:
        return {QStringLiteral("url"), QString::fromUtf8(value.toUrl().toEncoded())};
    case QMetaType::QUuid:
        return {QStringLiteral("uuid"), value.toUuid().toString(QUuid::WithoutBraces)};
    case QMetaType::QStringList:
        return {QStringLiteral("stringlist"),
                toJsonText(QJsonDocument(QJsonArray::fromStringList(value.toStringList())))};
    case QMetaType::QVariantList: {
        QJsonArray array;
        const QVariantList list = value.toList();
        for (const QVariant &element : list)
            array.append(encodeToJson(element));
        return {QStringLiteral("list"), toJsonText(QJsonDocument(array))};
    }
    case QMetaType::QVariantMap:
        return {QStringLiteral("map"), encodeMap(value.toMap())};
    case QMetaType::QVariantHash:
        return {QStringLiteral("hash"), encodeMap(value.toHash())};
    default: {
        QByteArray bytes;
        QDataStream stream(&bytes, QIODevice::WriteOnly);
        stream.setVersion(QDataStream::Qt_6_0);
        stream << value;
        return {variantTagPrefix + QLatin1StringView(value.metaType().name()),
                QString::fromLatin1(bytes.toBase64())};
    }
    }
}

namespace {

// Upper bounds of the UTF-8 bytes of encodeValue(value).text, without encoding; -1 when only
// encoding can tell (a type written through QDataStream). Inside a container, an element is a
// JSON pair [type, text] whose text is escaped as a JSON string: a raw string character takes
// at most 6 bytes there (\uXXXX), and the text of an element that is itself JSON (a nested
// container, a URL) at most twice its bytes (a quote or backslash doubles; it holds no control
// characters). Bounds, not sizes: encodedSizeExceeds() encodes when a bound is over its limit.
constexpr qint64 ScalarText = 64; // a number, date, time, uuid, bool or null as text
constexpr qint64 TagBytes = 24; // "stringlist", "datetime", ... as a JSON string

qint64 textBound(const QVariant &value);

qint64 elementBound(const QVariant &element)
{
    qint64 escaped;
    if (element.metaType().id() == QMetaType::QString) {
        escaped = 6 * qint64(element.toString().size());
    } else {
        const qint64 text = textBound(element);
        if (text < 0)
            return -1;
        escaped = 2 * text;
    }
    return 8 + TagBytes + escaped; // ["tag","text"],
}

qint64 textBound(const QVariant &value)
{
    switch (value.metaType().id()) {
    case QMetaType::QString:
        return 3 * qint64(value.toString().size());
    case QMetaType::QByteArray:
        return 4 * ((qint64(value.toByteArray().size()) + 2) / 3); // base64
    case QMetaType::QUrl:
        return value.toUrl().toEncoded().size(); // exact: URLs are short
    case QMetaType::QStringList: {
        qint64 size = 2;
        for (const QString &element : value.toStringList())
            size += 6 * qint64(element.size()) + 3;
        return size;
    }
    case QMetaType::QVariantList: {
        qint64 size = 2;
        for (const QVariant &element : value.toList()) {
            const qint64 bound = elementBound(element);
            if (bound < 0)
                return -1;
            size += bound;
        }
        return size;
    }
    case QMetaType::QVariantMap:
    case QMetaType::QVariantHash: {
        qint64 size = 2;
        bool known = true;
        const auto add = [&](const QString &key, const QVariant &element) {
            const qint64 bound = elementBound(element);
            known = known && bound >= 0;
            size += bound + 6 * qint64(key.size()) + 3; // "key":
        };
        if (value.metaType().id() == QMetaType::QVariantMap) {
            const QVariantMap map = value.toMap();
            for (auto it = map.cbegin(); it != map.cend(); ++it)
                add(it.key(), it.value());
        } else {
            const QVariantHash hash = value.toHash();
            for (auto it = hash.cbegin(); it != hash.cend(); ++it)
                add(it.key(), it.value());
        }
        return known ? size : -1;
    }
    default:
        return hasOwnTag(value.metaType().id()) || isNullValue(value) ? ScalarText : -1;
    }
}

qint64 encodedSizeBound(const QVariant &value)
{
    if (value.metaType().id() == QMetaType::QString) {
        // UTF-8 length: 3 bytes per UTF-16 unit at most, counted exactly only when that matters.
        const QString text = value.toString();
        if (3 * qint64(text.size()) < (qint64(1) << 20))
            return TagBytes + 3 * qint64(text.size());
        qint64 bytes = 0;
        for (qsizetype i = 0; i < text.size(); ++i) {
            const char16_t unit = text.at(i).unicode();
            bytes += unit < 0x80 ? 1 : unit < 0x800 ? 2 : QChar::isSurrogate(unit) ? 2 : 3;
        }
        return TagBytes + bytes;
    }
    const qint64 text = textBound(value);
    return text < 0 ? -1 : TagBytes + text;
}

} // namespace

bool encodedSizeExceeds(const QVariant &value, qint64 limit, qint64 *size)
{
    *size = encodedSizeBound(value);
    if (*size >= 0 && *size <= limit)
        return false;
    const int type = value.metaType().id();
    if (*size >= 0 && (type == QMetaType::QString || type == QMetaType::QByteArray))
        return true; // measured exactly (plus the tag's room) once they are that large
    const EncodedValue encoded = encodeValue(value);
    *size = qint64(encoded.type.toUtf8().size()) + encoded.text.toUtf8().size();
    return *size > limit;
}

bool decodeValue(const QString &type, const QString &text, QVariant *out, QString *error)
{
    // Ordered by how common the type is in settings and data stores.
    if (type == u"string") {
        *out = text;
        return true;
    }
    if (type == u"int")
        return decodeNumber<int>(text, out, error, "an int", &QString::toInt);
    if (type == u"bool") {
        if (text != u"true" && text != u"false")
            return fail(error, text, "true or false");
        *out = text == u"true";
        return true;
    }
    if (type == u"double" || type == u"float") {
        bool ok = false;
        const double number = text.toDouble(&ok);
        if (!ok)
            return fail(error, text, "a floating-point number");
        *out = type == u"double" ? QVariant(number) : QVariant(float(number));
        return true;
    }
    if (type == u"int64")
        return decodeNumber<qlonglong>(text, out, error, "a 64-bit integer", &QString::toLongLong);
    if (type == u"uint")
        return decodeNumber<uint>(text, out, error, "an unsigned int", &QString::toUInt);
    if (type == u"uint64") {
        return decodeNumber<qulonglong>(text, out, error, "an unsigned 64-bit integer",
                                        &QString::toULongLong);
    }
    if (type == u"null") {
        *out = QVariant();
        return true;
    }
    if (type == u"bytes") {
        const auto result = QByteArray::fromBase64Encoding(text.toLatin1(),
                                                           QByteArray::AbortOnBase64DecodingErrors);
        if (!result || text.size() % 4 != 0)
            return fail(error, text, "valid base64");
        *out = result.decoded;
        return true;
    }
    if (type == u"date") {
        const QDate date = QDate::fromString(text, Qt::ISODate);
        if (!date.isValid() && !text.isEmpty())
            return fail(error, text, "an ISO 8601 date");
        *out = date;
        return true;
    }
    if (type == u"time") {
        const QTime time = QTime::fromString(text, Qt::ISODateWithMs);
        if (!time.isValid() && !text.isEmpty())
            return fail(error, text, "an ISO 8601 time");
        *out = time;
        return true;
    }
    if (type == u"datetime") {
        const QDateTime dateTime = QDateTime::fromString(text, Qt::ISODateWithMs);
        if (!dateTime.isValid() && !text.isEmpty())
            return fail(error, text, "an ISO 8601 date and time");
        *out = dateTime;
        return true;
    }
    if (type == u"url") {
        const QUrl url = QUrl::fromEncoded(text.toUtf8(), QUrl::StrictMode);
        if (!url.isValid() && !text.isEmpty())
            return fail(error, text, "a valid URL");
        *out = url;
        return true;
    }
    if (type == u"uuid") {
        const QUuid uuid = QUuid::fromString(text);
        if (uuid.isNull() && text != QUuid().toString(QUuid::WithoutBraces))
            return fail(error, text, "a UUID");
        *out = uuid;
        return true;
    }
    if (type == u"stringlist") {
        const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8());
        const QJsonArray array = document.array();
        const bool allStrings = std::all_of(array.begin(), array.end(),
                                            [](const QJsonValue &v) { return v.isString(); });
        if (!document.isArray() || !allStrings)
            return fail(error, text, "a JSON array of strings");
        QStringList list;
        list.reserve(array.size());
        for (const QJsonValue &element : array)
            list.append(element.toString());
        *out = list;
        return true;
    }
    if (type == u"list") {
        const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8());
        if (!document.isArray())
            return fail(error, text, "a JSON array");
        QVariantList list;
        const QJsonArray array = document.array();
        list.reserve(array.size());
        for (const QJsonValue &element : array) {
            QVariant decoded;
            if (!decodeFromJson(element, &decoded, error))
                return false;
            list.append(decoded);
        }
        *out = list;
        return true;
    }
    if (type == u"map")
        return decodeMap<QVariantMap>(text, out, error);
    if (type == u"hash")
        return decodeMap<QVariantHash>(text, out, error);
    if (type.startsWith(variantTagPrefix)) {
        const QByteArray bytes = QByteArray::fromBase64(text.toLatin1());
        const QString typeName = type.mid(variantTagPrefix.size());
        if (!streamHoldsType(bytes, typeName)) {
            *error = QStringLiteral("the data is not a value of type %1").arg(typeName.left(64));
            return false;
        }
        QDataStream stream(bytes);
        stream.setVersion(QDataStream::Qt_6_0);
        QVariant value;
        stream >> value;
        if (stream.status() != QDataStream::Ok || !value.isValid()) {
            *error = QStringLiteral("cannot read a value of type %1 (is the type registered with "
                                    "qRegisterMetaType and does it have QDataStream operators?)")
                             .arg(type.mid(variantTagPrefix.size()));
            return false;
        }
        *out = value;
        return true;
    }
    *error = QStringLiteral("unknown type '%1'").arg(type.left(64));
    return false;
}

} // namespace PersistentMapInternal
