// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "codec/valuecodec_p.h"

#include "codec/undecodedvalue_p.h"
#include "codec/valuetextforms_p.h"

#include <QtCore/QDataStream>
#include <QtCore/QHash>
#include <QtCore/QIODevice>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QTimeZone>
#include <QtCore/QUrl>
#include <QtCore/QUuid>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace PersistentMapInternal {

namespace {

// Containers nested deeper are refused at insert() and on reading (a crafted text must not
// recurse without bound).
constexpr int MaxNesting = 64;

bool isNullValue(const QVariant &value)
{
    return !value.isValid() || value.metaType().id() == QMetaType::Nullptr;
}

bool fail(QString *error, QStringView text, const char *what)
{
    *error = QStringLiteral("'%1' is not %2").arg(text.left(64), QLatin1StringView(what));
    return false;
}

template<typename T>
bool decodeNumber(QStringView text, QVariant *out, QString *error, const char *what,
                  T (QStringView::*convert)(bool *, int) const)
{
    bool ok = false;
    const T number = (text.*convert)(&ok, 10);
    if (!ok)
        return fail(error, text, what);
    *out = QVariant::fromValue(number);
    return true;
}

// One supported type: its tag and its text (a scalar) or JSON (a container).
struct Codec
{
    int typeId;
    QLatin1StringView tag;
    QString (*encode)(const QVariant &); // scalars
    bool (*decode)(QStringView text, QVariant *out, QString *error); // scalars
    QJsonValue (*toJson)(const QVariant &); // containers
    bool (*fromJson)(const QJsonValue &json, QVariant *out, QString *error, int depth);
    // Not exact by construction (a text form from Qt, a time zone id, a URL): isEncodable()
    // encodes and decodes the value and refuses it unless it reads back equal. The hint says
    // what to store instead.
    const char *roundTripHint = nullptr;
    // Written by earlier versions as "variant:TypeName" through QDataStream; still read.
    bool legacyStream = false;
    // A Qt Gui type, reached through QMetaType: readable only where Qt Gui is loaded.
    bool needsGui = false;
    // The text is ASCII by construction (digits, base64, ISO dates, a UUID): it never holds a
    // character a backend may refuse (encodedTextHasNul()), so it need not be encoded to tell.
    bool asciiText = false;

    bool isContainer() const { return toJson != nullptr; }
};

QJsonValue elementToJson(const QVariant &element);
bool elementFromJson(const QJsonValue &json, QVariant *out, QString *error, int depth);
bool decodeAt(const QString &type, QStringView text, QVariant *out, QString *error, int depth);
bool isEncodableAt(const QVariant &value, QString *why, int depth);

bool nestedTooDeep(int depth, QString *error)
{
    if (depth <= MaxNesting)
        return false;
    *error = QStringLiteral("containers are nested more than %1 deep").arg(MaxNesting);
    return true;
}

template<typename Map>
QJsonValue mapToJson(const QVariant &value)
{
    const Map map = value.value<Map>();
    QJsonObject object;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        object.insert(it.key(), elementToJson(it.value()));
    return object;
}

template<typename Map>
bool mapFromJson(const QJsonValue &json, QVariant *out, QString *error, int depth)
{
    if (nestedTooDeep(depth, error))
        return false;
    if (!json.isObject()) {
        *error = QStringLiteral("not a JSON object");
        return false;
    }
    Map map;
    const QJsonObject object = json.toObject();
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        QVariant element;
        if (!elementFromJson(it.value(), &element, error, depth)) {
            *error = QStringLiteral("element '%1': %2").arg(it.key().left(64), *error);
            return false;
        }
        map.insert(it.key(), element);
    }
    *out = map;
    return true;
}

QJsonValue listToJson(const QVariant &value)
{
    QJsonArray array;
    const QVariantList list = value.toList();
    for (const QVariant &element : list)
        array.append(elementToJson(element));
    return array;
}

bool listFromJson(const QJsonValue &json, QVariant *out, QString *error, int depth)
{
    if (nestedTooDeep(depth, error))
        return false;
    if (!json.isArray()) {
        *error = QStringLiteral("not a JSON array");
        return false;
    }
    const QJsonArray array = json.toArray();
    QVariantList list;
    list.reserve(array.size()); // elements the parser read, not a claimed count
    for (const QJsonValue &element : array) {
        QVariant decoded;
        if (!elementFromJson(element, &decoded, error, depth))
            return false;
        list.append(decoded);
    }
    *out = list;
    return true;
}

bool stringListFromJson(const QJsonValue &json, QVariant *out, QString *error, int)
{
    const QJsonArray array = json.toArray();
    QStringList list;
    list.reserve(array.size());
    for (const QJsonValue &element : array) {
        if (!element.isString())
            break;
        list.append(element.toString());
    }
    if (!json.isArray() || list.size() != array.size()) {
        *error = QStringLiteral("not a JSON array of strings");
        return false;
    }
    *out = list;
    return true;
}

bool intListFromJson(const QJsonValue &json, QVariant *out, QString *error, int)
{
    const QJsonArray array = json.toArray();
    QList<int> list;
    list.reserve(array.size());
    for (const QJsonValue &element : array) {
        const double number = element.toDouble(0.5);
        if (!element.isDouble() || number != std::trunc(number) ||
            number < std::numeric_limits<int>::min() || number > std::numeric_limits<int>::max()) {
            break;
        }
        list.append(int(number));
    }
    if (!json.isArray() || list.size() != array.size()) {
        *error = QStringLiteral("not a JSON array of int numbers");
        return false;
    }
    *out = QVariant::fromValue(list);
    return true;
}

// The name of a supported type, also of a Qt Gui type where Qt Gui is not loaded (QMetaType
// then knows nothing of it).
QString typeNameOf(int typeId)
{
    switch (typeId) {
    case QMetaType::QColor:
        return QStringLiteral("QColor");
    case QMetaType::QFont:
        return QStringLiteral("QFont");
    case QMetaType::QKeySequence:
        return QStringLiteral("QKeySequence");
    default:
        return QString::fromLatin1(QMetaType(typeId).name());
    }
}

// A Qt Gui type's text through the QString conversion Qt Gui registers (the library links Qt
// Core only).
QString guiText(const QVariant &value)
{
    QString text;
    QMetaType::convert(value.metaType(), value.constData(), QMetaType::fromType<QString>(), &text);
    return text;
}

bool guiFromText(int typeId, const QString &text, QVariant *out, QString *error)
{
    const QMetaType type(typeId);
    if (!type.isValid()) {
        *error = QStringLiteral("values of type %1 need the Qt Gui library, which this process "
                                "has not loaded (link Qt6::Gui)")
                         .arg(typeNameOf(typeId));
        return false;
    }
    QVariant value(type);
    if (!text.isEmpty() &&
        !QMetaType::convert(QMetaType::fromType<QString>(), &text, type, value.data())) {
        *error = QStringLiteral("'%1' is not a %2")
                         .arg(text.left(64), QLatin1StringView(type.name()));
        return false;
    }
    *out = value;
    return true;
}

// QColor as CSS's #rrggbbaa; an invalid QColor as the empty text. Qt converts a QColor to
// #rrggbb or #aarrggbb, and an invalid one to #000000, so that one is told by comparing with a
// default-constructed (invalid) QColor.
QString colorText(const QVariant &value)
{
    if (value == QVariant(value.metaType()))
        return QString();
    const QString name = guiText(value);
    if (name.size() == 7)
        return name + QStringLiteral("ff");
    return u'#' + name.mid(3, 6) + name.mid(1, 2);
}

bool colorFromText(QStringView text, QVariant *out, QString *error)
{
    const bool hex = text.size() == 9 && text.front() == u'#' &&
            std::all_of(text.begin() + 1, text.end(), [](QChar c) {
                         return (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') ||
                                 (c >= u'A' && c <= u'F');
                     });
    if (!text.isEmpty() && !hex)
        return fail(error, text, "a color #rrggbbaa");
    const QString argb = text.isEmpty()
            ? QString()
            : u'#' + text.mid(7, 2).toString() + text.mid(1, 6).toString();
    return guiFromText(QMetaType::QColor, argb, out, error);
}

template<typename T, QString (*Write)(T)>
QString geometryText(const QVariant &value)
{
    return Write(value.value<T>());
}

template<typename T, QString (*Write)(const T &)>
QString geometryRefText(const QVariant &value)
{
    return Write(value.value<T>());
}

template<typename T, bool (*Parse)(QStringView, T *)>
bool geometryFromText(QStringView text, QVariant *out, QString *error)
{
    T value;
    if (!Parse(text, &value))
        return fail(error, text, QMetaType::fromType<T>().name());
    *out = QVariant::fromValue(value);
    return true;
}

// The single list of supported types (docs/FORMAT.md, "Type tags"): QMetaType <-> tag <-> text.
struct Registry
{
    std::vector<Codec> codecs;
    QHash<int, const Codec *> byType;
    QHash<QString, const Codec *> byTag;
    QHash<QString, const Codec *> byTypeName; // for "variant:TypeName" rows of earlier versions
    const Codec *null = nullptr;
};

const Registry &registry()
{
    static const Registry instance = [] {
        // QList<int> has a metatype id only once something registers it: a reading process
        // needs no qRegisterMetaType of its own.
        const int intListId = qRegisterMetaType<QList<int>>();
        Registry r;
        r.codecs = {
                {QMetaType::Nullptr, QLatin1StringView("null"),
                 [](const QVariant &) { return QString(); },
                 [](QStringView, QVariant *out, QString *) {
                     *out = QVariant();
                     return true;
                 },
                 nullptr, nullptr},
                {QMetaType::Bool, QLatin1StringView("bool"),
                 [](const QVariant &v) {
                     return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
                 },
                 [](QStringView text, QVariant *out, QString *error) {
                     if (text != u"true" && text != u"false")
                         return fail(error, text, "true or false");
                     *out = text == u"true";
                     return true;
                 },
                 nullptr, nullptr},
                {QMetaType::Int, QLatin1StringView("int"),
                 [](const QVariant &v) { return QString::number(v.toInt()); },
                 [](QStringView text, QVariant *out, QString *error) {
                     return decodeNumber<int>(text, out, error, "an int", &QStringView::toInt);
                 },
                 nullptr, nullptr},
                {QMetaType::UInt, QLatin1StringView("uint"),
                 [](const QVariant &v) { return QString::number(v.toUInt()); },
                 [](QStringView text, QVariant *out, QString *error) {
                     return decodeNumber<uint>(text, out, error, "an unsigned int",
                                               &QStringView::toUInt);
                 },
                 nullptr, nullptr},
                {QMetaType::LongLong, QLatin1StringView("int64"),
                 [](const QVariant &v) { return QString::number(v.toLongLong()); },
                 [](QStringView text, QVariant *out, QString *error) {
                     return decodeNumber<qlonglong>(text, out, error, "a 64-bit integer",
                                                    &QStringView::toLongLong);
                 },
                 nullptr, nullptr},
                {QMetaType::ULongLong, QLatin1StringView("uint64"),
                 [](const QVariant &v) { return QString::number(v.toULongLong()); },
                 [](QStringView text, QVariant *out, QString *error) {
                     return decodeNumber<qulonglong>(text, out, error, "an unsigned 64-bit integer",
                                                     &QStringView::toULongLong);
                 },
                 nullptr, nullptr},
                {QMetaType::Double, QLatin1StringView("double"),
                 [](const QVariant &v) { return TextForms::floatingPoint(v.toDouble()); },
                 [](QStringView text, QVariant *out, QString *error) {
                     double number = 0;
                     if (!TextForms::parseFloatingPoint(text, &number))
                         return fail(error, text, "a floating-point number");
                     *out = number;
                     return true;
                 },
                 nullptr, nullptr},
                // Written as the double it widens to (0.1f as 0.10000000149011612), which
                // reads back as the same float.
                {QMetaType::Float, QLatin1StringView("float"),
                 [](const QVariant &v) { return TextForms::floatingPoint(v.toFloat()); },
                 [](QStringView text, QVariant *out, QString *error) {
                     double number = 0;
                     if (!TextForms::parseFloatingPoint(text, &number))
                         return fail(error, text, "a floating-point number");
                     *out = float(number);
                     return true;
                 },
                 nullptr, nullptr},
                {QMetaType::QString, StringTag, [](const QVariant &v) { return v.toString(); },
                 [](QStringView text, QVariant *out, QString *) {
                     *out = text.toString();
                     return true;
                 },
                 nullptr, nullptr},
                {QMetaType::QByteArray, QLatin1StringView("bytes"),
                 [](const QVariant &v) { return QString::fromLatin1(v.toByteArray().toBase64()); },
                 [](QStringView text, QVariant *out, QString *error) {
                     const auto result = QByteArray::fromBase64Encoding(
                             text.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
                     if (!result || text.size() % 4 != 0)
                         return fail(error, text, "valid base64");
                     *out = result.decoded;
                     return true;
                 },
                 nullptr, nullptr},
                {QMetaType::QChar, QLatin1StringView("char"),
                 [](const QVariant &v) { return QString(v.toChar()); },
                 [](QStringView text, QVariant *out, QString *error) {
                     if (text.size() != 1 || text.front().isSurrogate())
                         return fail(error, text, "one UTF-16 character");
                     *out = text.front();
                     return true;
                 },
                 nullptr, nullptr, nullptr, true},
                {QMetaType::QDate, QLatin1StringView("date"),
                 [](const QVariant &v) { return TextForms::date(v.toDate()); },
                 [](QStringView text, QVariant *out, QString *error) {
                     QDate date;
                     // Earlier versions wrote Qt's ISO text, which this form includes; the
                     // fallback keeps hand-written variants Qt accepts readable.
                     if (!text.isEmpty() && !TextForms::parseDate(text, &date)) {
                         date = QDate::fromString(text.toString(), Qt::ISODate);
                         if (!date.isValid())
                             return fail(error, text, "an ISO 8601 date");
                     }
                     *out = date;
                     return true;
                 },
                 nullptr, nullptr},
                {QMetaType::QTime, QLatin1StringView("time"),
                 [](const QVariant &v) { return v.toTime().toString(Qt::ISODateWithMs); },
                 [](QStringView text, QVariant *out, QString *error) {
                     const QTime time = QTime::fromString(text.toString(), Qt::ISODateWithMs);
                     if (!time.isValid() && !text.isEmpty())
                         return fail(error, text, "an ISO 8601 time");
                     *out = time;
                     return true;
                 },
                 nullptr, nullptr},
                {QMetaType::QDateTime, QLatin1StringView("datetime"),
                 [](const QVariant &v) { return TextForms::dateTime(v.toDateTime()); },
                 [](QStringView text, QVariant *out, QString *error) {
                     QDateTime dateTime;
                     QString why;
                     if (!text.isEmpty() && !TextForms::parseDateTime(text, &dateTime, &why)) {
                         if (!why.isEmpty()) {
                             *error = why;
                             return false;
                         }
                         dateTime = QDateTime::fromString(text.toString(), Qt::ISODateWithMs);
                         if (!dateTime.isValid())
                             return fail(error, text, "an ISO 8601 date and time");
                     }
                     *out = dateTime;
                     return true;
                 },
                 nullptr, nullptr,
                 "a date-time in a time zone this system's database lacks, or at the edge of "
                 "QDateTime's range; store it in UTC or with an offset (toOffsetFromUtc())"},
                {QMetaType::QUrl, QLatin1StringView("url"),
                 [](const QVariant &v) { return QString::fromUtf8(v.toUrl().toEncoded()); },
                 [](QStringView text, QVariant *out, QString *error) {
                     const QUrl url = QUrl::fromEncoded(text.toUtf8(), QUrl::StrictMode);
                     if (!url.isValid() && !text.isEmpty())
                         return fail(error, text, "a valid URL");
                     *out = url;
                     return true;
                 },
                 nullptr, nullptr,
                 "an invalid URL, or one whose encoded form reads back as another URL; store "
                 "QUrl::fromEncoded(url.toEncoded()) or the text"},
                {QMetaType::QUuid, QLatin1StringView("uuid"),
                 [](const QVariant &v) { return v.toUuid().toString(QUuid::WithoutBraces); },
                 [](QStringView text, QVariant *out, QString *error) {
                     const QUuid uuid = QUuid::fromString(text);
                     if (uuid.isNull() && text != QUuid().toString(QUuid::WithoutBraces))
                         return fail(error, text, "a UUID");
                     *out = uuid;
                     return true;
                 },
                 nullptr, nullptr},
                {QMetaType::QSize, QLatin1StringView("size"), geometryText<QSize, TextForms::size>,
                 geometryFromText<QSize, TextForms::parseSize>, nullptr, nullptr, nullptr, true},
                {QMetaType::QSizeF, QLatin1StringView("sizef"),
                 geometryText<QSizeF, TextForms::size>,
                 geometryFromText<QSizeF, TextForms::parseSize>, nullptr, nullptr, nullptr, true},
                {QMetaType::QPoint, QLatin1StringView("point"),
                 geometryText<QPoint, TextForms::point>,
                 geometryFromText<QPoint, TextForms::parsePoint>, nullptr, nullptr, nullptr, true},
                {QMetaType::QPointF, QLatin1StringView("pointf"),
                 geometryText<QPointF, TextForms::point>,
                 geometryFromText<QPointF, TextForms::parsePoint>, nullptr, nullptr, nullptr, true},
                {QMetaType::QRect, QLatin1StringView("rect"),
                 geometryRefText<QRect, TextForms::rect>,
                 geometryFromText<QRect, TextForms::parseRect>, nullptr, nullptr,
                 "a QRect whose width or height does not fit an int", true},
                {QMetaType::QRectF, QLatin1StringView("rectf"),
                 geometryRefText<QRectF, TextForms::rect>,
                 geometryFromText<QRectF, TextForms::parseRect>, nullptr, nullptr, nullptr, true},
                {QMetaType::QLine, QLatin1StringView("line"),
                 geometryRefText<QLine, TextForms::line>,
                 geometryFromText<QLine, TextForms::parseLine>, nullptr, nullptr, nullptr, true},
                {QMetaType::QLineF, QLatin1StringView("linef"),
                 geometryRefText<QLineF, TextForms::line>,
                 geometryFromText<QLineF, TextForms::parseLine>, nullptr, nullptr, nullptr, true},
                {QMetaType::QColor, QLatin1StringView("color"), colorText, colorFromText, nullptr,
                 nullptr,
                 "a QColor stored exactly is an invalid color or 8-bit RGB with alpha "
                 "(#rrggbbaa); this one has another spec (HSV, HSL, CMYK, extended RGB) or "
                 "16-bit components: store QColor::fromRgba(color.rgba())",
                 true, true},
                {QMetaType::QFont, QLatin1StringView("font"), guiText,
                 [](QStringView text, QVariant *out, QString *error) {
                     return guiFromText(QMetaType::QFont, text.toString(), out, error);
                 },
                 nullptr, nullptr,
                 "a QFont that QFont::fromString(toString()) does not give back; store "
                 "QFont::toString() as a string",
                 true, true},
                {QMetaType::QKeySequence, QLatin1StringView("keysequence"), guiText,
                 [](QStringView text, QVariant *out, QString *error) {
                     return guiFromText(QMetaType::QKeySequence, text.toString(), out, error);
                 },
                 nullptr, nullptr,
                 "a QKeySequence whose text (QKeySequence::NativeText) reads back as another "
                 "sequence; store toString(QKeySequence::PortableText) as a string",
                 true, true},
                {QMetaType::QStringList, QLatin1StringView("stringlist"), nullptr, nullptr,
                 [](const QVariant &v) -> QJsonValue {
                     return QJsonArray::fromStringList(v.toStringList());
                 },
                 stringListFromJson},
                {intListId, QLatin1StringView("intlist"), nullptr, nullptr,
                 [](const QVariant &v) -> QJsonValue {
                     QJsonArray array;
                     for (int number : v.value<QList<int>>())
                         array.append(number);
                     return array;
                 },
                 intListFromJson, nullptr, true},
                {QMetaType::QVariantList, QLatin1StringView("list"), nullptr, nullptr, listToJson,
                 listFromJson},
                {QMetaType::QVariantMap, QLatin1StringView("map"), nullptr, nullptr,
                 mapToJson<QVariantMap>, mapFromJson<QVariantMap>},
                {QMetaType::QVariantHash, QLatin1StringView("hash"), nullptr, nullptr,
                 mapToJson<QVariantHash>, mapFromJson<QVariantHash>},
        };
        for (Codec &codec : r.codecs) {
            codec.asciiText = codec.typeId == QMetaType::Nullptr ||
                    codec.typeId == QMetaType::Bool || codec.typeId == QMetaType::Int ||
                    codec.typeId == QMetaType::UInt || codec.typeId == QMetaType::LongLong ||
                    codec.typeId == QMetaType::ULongLong || codec.typeId == QMetaType::Double ||
                    codec.typeId == QMetaType::QByteArray || codec.typeId == QMetaType::QDate ||
                    codec.typeId == QMetaType::QTime || codec.typeId == QMetaType::QDateTime ||
                    codec.typeId == QMetaType::QUuid;
        }
        for (const Codec &codec : r.codecs) {
            r.byType.insert(codec.typeId, &codec);
            r.byTag.insert(codec.tag, &codec);
            r.byTypeName.insert(typeNameOf(codec.typeId), &codec);
        }
        r.null = r.byType.value(QMetaType::Nullptr);
        r.byType.insert(QMetaType::UnknownType, r.null); // an invalid QVariant
        return r;
    }();
    return instance;
}

const Codec *codecFor(const QVariant &value)
{
    return registry().byType.value(value.metaType().id());
}

// [tag, text] for a scalar, [tag, JSON] for a container: a nested container is nested JSON,
// never JSON text inside a JSON string (which doubled its size at every level).
QJsonValue elementToJson(const QVariant &element)
{
    const Codec *codec = codecFor(element);
    if (codec->isContainer())
        return QJsonArray{codec->tag, codec->toJson(element)};
    return QJsonArray{codec->tag, codec->encode(element)};
}

bool elementFromJson(const QJsonValue &json, QVariant *out, QString *error, int depth)
{
    const QJsonArray pair = json.toArray();
    if (!json.isArray() || pair.size() != 2 || !pair.at(0).isString()) {
        *error = QStringLiteral("a container element is not a [type, text] pair");
        return false;
    }
    const QString tag = pair.at(0).toString();
    const QJsonValue content = pair.at(1);
    if (content.isString()) // a scalar, or a container as earlier versions wrote it
        return decodeAt(tag, content.toString(), out, error, depth + 1);
    const Codec *codec = registry().byTag.value(tag);
    if (!codec || !codec->isContainer() || !(content.isArray() || content.isObject())) {
        *error = QStringLiteral("a container element is not a [type, text] pair");
        return false;
    }
    return codec->fromJson(content, out, error, depth + 1);
}

// True when the streamed QVariant in bytes (as earlier versions wrote "variant:" rows) holds a
// value of type typeName. Checked before Qt deserializes anything: QDataStream trusts the
// element count it reads for a list and reserves that much memory up front, so a damaged or
// crafted "variant:" text holding a QVariantList made decodeValue() allocate 100 GiB and abort
// (found by tests/fuzz/fuzz_valuedecoder). For a QList<int>, the count it claims must fit in
// the bytes that follow.
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
    if (metaType == QMetaType::fromType<QList<int>>()) {
        quint32 count = 0;
        stream >> count;
        return stream.status() == QDataStream::Ok &&
                count <= quint64(bytes.size() - stream.device()->pos()) / sizeof(qint32);
    }
    return true;
}

bool decodeLegacyStream(const QString &typeName, QStringView text, QVariant *out, QString *error)
{
    const Codec *codec = registry().byTypeName.value(typeName);
    if (!codec || !codec->legacyStream) {
        *error = QStringLiteral("values of type %1 were stored through QDataStream by an earlier "
                                "version (tag variant:%1); this version does not read that type "
                                "(a stream can carry pointers; docs/FORMAT.md lists the types "
                                "it reads)")
                         .arg(typeName.left(64));
        return false;
    }
    if (codec->needsGui && !QMetaType(codec->typeId).isValid()) {
        *error = QStringLiteral("values of type %1 need the Qt Gui library, which this process "
                                "has not loaded (link Qt6::Gui)")
                         .arg(typeName);
        return false;
    }
    const QByteArray bytes = QByteArray::fromBase64(text.toLatin1());
    if (!streamHoldsType(bytes, typeName)) {
        *error = QStringLiteral("the data is not a value of type %1").arg(typeName);
        return false;
    }
    QDataStream stream(bytes);
    stream.setVersion(QDataStream::Qt_6_0);
    QVariant value;
    stream >> value;
    if (stream.status() != QDataStream::Ok || !value.isValid()) {
        *error = QStringLiteral("the data is not a value of type %1").arg(typeName);
        return false;
    }
    *out = value;
    return true;
}

bool decodeAt(const QString &type, QStringView text, QVariant *out, QString *error, int depth)
{
    const Codec *codec = registry().byTag.value(type);
    if (!codec) {
        if (type.startsWith(LegacyStreamTagPrefix)) {
            if (!decodeLegacyStream(type.mid(LegacyStreamTagPrefix.size()), text, out, error))
                return false;
            // Read only if this version can write it back exactly: a CSV compaction rewrites
            // what it read, and a QRect wider than an int, an HSV colour or a lone-surrogate
            // QChar would come out changed (found by the adversarial review of issue 12).
            QString why;
            if (!isEncodableAt(*out, &why, depth)) {
                *out = QVariant();
                *error = QStringLiteral("stored by an earlier version in a form this version "
                                        "cannot write back exactly: %1")
                                 .arg(why);
                return false;
            }
            return true;
        }
        *error = QStringLiteral("unknown type '%1'").arg(type.left(64));
        return false;
    }
    if (!codec->isContainer()) {
        if (!codec->decode(text, out, error))
            return false;
        // Parsers that are not ours (Qt Gui's, QUrl's) accept text that gives a value whose own
        // text reads back as another value ("Ctrl+K, Ctrl D", a URL with stray '%'; found by
        // tests/fuzz/fuzz_valuedecoder): refused, so what is read can be written back exactly.
        QString why;
        if (codec->roundTripHint && !isEncodableAt(*out, &why, depth)) {
            *out = QVariant();
            *error = QStringLiteral("'%1' is not the text of a %2 that reads back the same")
                             .arg(text.left(64), typeNameOf(codec->typeId));
            return false;
        }
        return true;
    }
    if (nestedTooDeep(depth, error))
        return false;
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8(), &parseError);
    if (document.isNull()) { // the container's own "not a JSON array ..." and the parser's why
        codec->fromJson(QJsonValue(QJsonValue::Undefined), out, error, depth);
        *error = QStringLiteral("'%1': %2 (%3)")
                         .arg(text.left(64), *error, parseError.errorString());
        return false;
    }
    const QJsonValue json =
            document.isArray() ? QJsonValue(document.array()) : QJsonValue(document.object());
    if (!codec->fromJson(json, out, error, depth))
        return false;
    // JSON escapes can spell what a store cannot hold ("\ud800", a lone surrogate): such a
    // value could not be inserted again, so it is not read (adversarial review of issue 12).
    // Checked once, for the whole container.
    QString why;
    if (depth == 1 && !isEncodableAt(*out, &why, depth)) {
        *out = QVariant();
        *error = why;
        return false;
    }
    return true;
}

// Exactly the same value: for a QDateTime also the same time spec, offset and zone (its
// operator== compares instants only).
bool sameValue(const QVariant &a, const QVariant &b)
{
    if (a.metaType() != b.metaType())
        return false;
    if (a.metaType().id() == QMetaType::QDateTime) {
        const QDateTime x = a.toDateTime();
        const QDateTime y = b.toDateTime();
        if (!x.isValid() || !y.isValid())
            return x.isValid() == y.isValid();
        return x == y && x.timeSpec() == y.timeSpec() && x.offsetFromUtc() == y.offsetFromUtc() &&
                (x.timeSpec() != Qt::TimeZone || x.timeZone().id() == y.timeZone().id());
    }
    return a == b;
}

bool refuse(QString *why, const QString &message)
{
    if (why)
        *why = message;
    return false;
}

bool isEncodableAt(const QVariant &value, QString *why, int depth);

bool stringsEncodable(const QStringList &strings, QString *why)
{
    for (const QString &string : strings) {
        if (!QStringView(string).isValidUtf16()) {
            return refuse(why,
                          QStringLiteral("a string containing an unpaired UTF-16 surrogate "
                                         "cannot be stored: stores hold UTF-8, where it "
                                         "would read back as U+FFFD"));
        }
    }
    return true;
}

template<typename Map>
bool mapEncodable(const Map &map, QString *why, int depth)
{
    for (auto it = map.cbegin(); it != map.cend(); ++it) {
        if (!stringsEncodable({it.key()}, why) || !isEncodableAt(it.value(), why, depth + 1))
            return false;
    }
    return true;
}

bool isEncodableAt(const QVariant &value, QString *why, int depth)
{
    if (isNullValue(value))
        return true;
    const Codec *codec = codecFor(value);
    if (!codec) {
        return refuse(why,
                      QStringLiteral("values of type %1 cannot be stored: the stores hold only "
                                     "the types listed in docs/FORMAT.md, each as exact "
                                     "readable text (convert it, e.g. to a QVariantMap of its "
                                     "fields)")
                              .arg(QLatin1StringView(value.metaType().name())));
    }
    if (codec->isContainer() && depth > MaxNesting) {
        return refuse(why,
                      QStringLiteral("containers nested more than %1 deep cannot be stored")
                              .arg(MaxNesting));
    }
    switch (value.metaType().id()) {
    case QMetaType::QString:
        return stringsEncodable({value.toString()}, why);
    case QMetaType::QChar:
        return stringsEncodable({QString(value.toChar())}, why);
    case QMetaType::QStringList:
        return stringsEncodable(value.toStringList(), why);
    case QMetaType::QVariantList: {
        const QVariantList list = value.toList();
        for (const QVariant &element : list) {
            if (!isEncodableAt(element, why, depth + 1))
                return false;
        }
        return true;
    }
    case QMetaType::QVariantMap:
        return mapEncodable(value.toMap(), why, depth);
    case QMetaType::QVariantHash:
        return mapEncodable(value.toHash(), why, depth);
    default:
        break;
    }
    if (!codec->roundTripHint)
        return true;
    const QString text = codec->encode(value);
    QVariant decoded;
    QString error;
    if (codec->decode(text, &decoded, &error) && sameValue(decoded, value))
        return true;
    return refuse(why,
                  QStringLiteral("this %1 cannot be stored exactly: its text '%2' does not read "
                                 "back as the same value (%3)")
                          .arg(QLatin1StringView(value.metaType().name()), text.left(64),
                               QLatin1StringView(codec->roundTripHint)));
}

} // namespace

bool isEncodable(const QVariant &value, QString *why)
{
    if (isUndecoded(value)) // a stored value passed back unchanged
        return true;
    return isEncodableAt(value, why, 1);
}

EncodedValue encodeValue(const QVariant &value)
{
    if (isUndecoded(value)) { // written back exactly as it was read
        const auto *kept = static_cast<const UndecodedValue *>(value.constData());
        return {kept->type, kept->text};
    }
    const Codec *codec = isNullValue(value) ? registry().null : codecFor(value);
    Q_ASSERT(codec); // precondition: isEncodable(value)
    if (codec->isContainer()) {
        const QJsonValue json = codec->toJson(value);
        const QJsonDocument document =
                json.isArray() ? QJsonDocument(json.toArray()) : QJsonDocument(json.toObject());
        QString text = QString::fromUtf8(document.toJson(QJsonDocument::Compact));
        // Qt's JSON parser drops a U+FEFF that starts a string (taken for a byte-order mark;
        // found by tests/auto/roundtrip): written as its escape, which JSON reads the same. It
        // can only stand inside strings.
        text.replace(QChar(0xfeff), QLatin1StringView("\\ufeff"));
        return {codec->tag, text};
    }
    return {codec->tag, codec->encode(value)};
}

bool encodedTextHasNul(const QVariant &value)
{
    const Codec *codec = isNullValue(value) ? registry().null : codecFor(value);
    if (codec && codec->asciiText)
        return false;
    if (value.metaType().id() == QMetaType::QString) // as it is: no copy through the codec
        return value.toString().contains(QChar(0));
    return encodeValue(value).text.contains(QChar(0));
}

namespace {

// Upper bounds of the UTF-8 bytes of encodeValue(value).text, without encoding; -1 when only
// encoding can tell (a Qt Gui type's text). Inside a container, an element is a JSON pair
// [type, text] or [type, JSON]: a string's character takes at most 6 bytes there (\uXXXX), a
// nested container is its own text, and another scalar's text at most twice its bytes (a quote
// or backslash doubles; none holds control characters). Bounds, not sizes:
// encodedSizeExceeds() encodes when a bound is over its limit.
constexpr qint64 ScalarText = 64; // a number, date, time, uuid, bool, char or null as text
constexpr qint64 GeometryText = 128; // four shortest doubles (24 bytes at most) and separators
constexpr qint64 TagBytes = 24; // "stringlist", "keysequence", ... as a JSON string

qint64 textBound(const QVariant &value);

qint64 elementBound(const QVariant &element)
{
    if (element.metaType().id() == QMetaType::QString)
        return 8 + TagBytes + 6 * qint64(element.toString().size());
    const qint64 text = textBound(element);
    if (text < 0)
        return -1;
    const Codec *codec = isNullValue(element) ? nullptr : codecFor(element);
    return 8 + TagBytes + (codec && codec->isContainer() ? text : 2 * text); // ["tag",...],
}

template<typename Map>
qint64 mapTextBound(const Map &map)
{
    qint64 size = 2;
    for (auto it = map.cbegin(); it != map.cend(); ++it) {
        const qint64 bound = elementBound(it.value());
        if (bound < 0)
            return -1;
        size += bound + 6 * qint64(it.key().size()) + 3; // "key":
    }
    return size;
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
    case QMetaType::QDateTime: // up to ten year digits, an offset with seconds, the zone id
        return ScalarText + value.toDateTime().timeZone().id().size();
    case QMetaType::QSize:
    case QMetaType::QSizeF:
    case QMetaType::QPoint:
    case QMetaType::QPointF:
    case QMetaType::QRect:
    case QMetaType::QRectF:
    case QMetaType::QLine:
    case QMetaType::QLineF:
        return GeometryText;
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
        return mapTextBound(value.toMap());
    case QMetaType::QVariantHash:
        return mapTextBound(value.toHash());
    default:
        break;
    }
    if (value.metaType() == QMetaType::fromType<QList<int>>())
        return 2 + 12 * qint64(value.value<QList<int>>().size()); // "-2147483648",
    const Codec *codec = isNullValue(value) ? registry().null : codecFor(value);
    return codec && !codec->needsGui ? ScalarText : -1;
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
    return decodeAt(type, text, out, error, 1);
}

QMetaType typeOfTag(const QString &tag)
{
    const Codec *codec = registry().byTag.value(tag);
    if (!codec || codec->typeId == QMetaType::Nullptr)
        return QMetaType();
    return QMetaType(codec->typeId);
}

QString tagOfType(QMetaType type)
{
    const Codec *codec = registry().byType.value(type.id());
    if (!codec || codec->typeId == QMetaType::Nullptr)
        return QString();
    return codec->tag;
}

bool isContainerTag(const QString &tag)
{
    const Codec *codec = registry().byTag.value(tag);
    return codec && codec->isContainer();
}

} // namespace PersistentMapInternal
