// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The value codec: every supported type survives encode -> decode with its QMetaType and value
// (a date-time also with its time spec, offset and zone), every value is stored as readable
// text, any other type is refused, and bad input is refused with a reason. This executable links
// Qt Core only, as a process that reads a store may (tst_valuecodecgui covers the Qt Gui types).
#include "codec/valuecodec_p.h"

#include <QtCore/QDataStream>
#include <QtCore/QDateTime>
#include <QtCore/QEasingCurve>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QLine>
#include <QtCore/QRect>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimeZone>
#include <QtCore/QUrl>
#include <QtCore/QUuid>
#include <QtTest/QTest>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <future>
#include <limits>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace PersistentMapInternal;

// A user type with QDataStream operators: earlier versions stored it through QDataStream
// ("variant:Point"); it is now refused like any type outside the table.
struct Point
{
    int x = 0;
    int y = 0;
    friend bool operator==(const Point &a, const Point &b) { return a.x == b.x && a.y == b.y; }
    friend bool operator!=(const Point &a, const Point &b) { return !(a == b); }
    friend QDataStream &operator<<(QDataStream &s, const Point &p) { return s << p.x << p.y; }
    friend QDataStream &operator>>(QDataStream &s, Point &p) { return s >> p.x >> p.y; }
};
Q_DECLARE_METATYPE(Point)

// A type without stream operators, refused as well.
struct Opaque
{
    int n = 0;
    friend bool operator==(const Opaque &a, const Opaque &b) { return a.n == b.n; }
};
Q_DECLARE_METATYPE(Opaque)

class tst_ValueCodec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void roundTrip_data();
    void roundTrip();
    void encodedSizeIsNeverUnderestimated_data() { roundTrip_data(); }
    void encodedSizeIsNeverUnderestimated();
    void encodedSizeOfLargeText();
    void encodedSizeOfNestedValuesAndUrls_data();
    void encodedSizeOfNestedValuesAndUrls();
    void readableText_data();
    void readableText();
    void decodeErrors_data();
    void decodeErrors();
    void unencodable();
    void reservedTagsAreNotValueTypes();
    void datesOutsideIsoYears_data();
    void datesOutsideIsoYears();
    void dateTimesKeepSpecOffsetAndZone_data();
    void dateTimesKeepSpecOffsetAndZone();
    void nestedContainersGrowLinearly();
    void nestingDepthIsBounded();
    void easingCurveIsRefused();
    void loneSurrogatesAreRefused();
    void earlierFormatsStillRead_data();
    void earlierFormatsStillRead();
    void earlierStreamOfOtherTypeIsRefused_data();
    void earlierStreamOfOtherTypeIsRefused();
    void hugeClaimedIntListCountIsRefused();
    void guiTypesNeedQtGui_data();
    void guiTypesNeedQtGui();
    void zoneIdIsNeverAPathToOpen();
    void escapedLoneSurrogatesDoNotDecode_data();
    void escapedLoneSurrogatesDoNotDecode();
};

namespace {

// Same type and exactly the same value: a QDateTime also with the same time spec, offset and
// zone (its operator== compares instants only).
bool exactlyEqual(const QVariant &a, const QVariant &b)
{
    if (a.metaType() != b.metaType())
        return false;
    if (a.metaType().id() == QMetaType::QDateTime) {
        const QDateTime x = a.toDateTime();
        const QDateTime y = b.toDateTime();
        return x == y && x.timeSpec() == y.timeSpec() && x.offsetFromUtc() == y.offsetFromUtc() &&
                x.timeZone().id() == y.timeZone().id() && x.date() == y.date() &&
                x.time() == y.time();
    }
    return a == b;
}

QString describe(const QVariant &value)
{
    QString text;
    QDebug(&text) << value;
    if (value.metaType().id() == QMetaType::QDateTime)
        text += QStringLiteral(" zone ") + QString::fromUtf8(value.toDateTime().timeZone().id());
    return text;
}

QString streamedBase64(const QVariant &value)
{
    QByteArray bytes;
    QDataStream stream(&bytes, QIODevice::WriteOnly);
    stream.setVersion(QDataStream::Qt_6_0);
    stream << value;
    return QString::fromLatin1(bytes.toBase64());
}

} // namespace

void tst_ValueCodec::initTestCase()
{
    // Before anything in this process used it: a reading process that never registered
    // QList<int> must read one (QSplitter::sizes() is stored that way).
    QVERIFY(!QMetaType::fromName("QList<int>").isValid());
    QVariant sizes;
    QString error;
    QVERIFY2(decodeValue(QStringLiteral("variant:QList<int>"),
                         QStringLiteral("AAEAAAAAAAALUUxpc3Q8aW50PgAAAAADAAAAAQAAAAIAAAAD"), &sizes,
                         &error),
             qPrintable(error));
    QCOMPARE(sizes, QVariant::fromValue(QList<int>{1, 2, 3}));
    QVERIFY2(decodeValue(QStringLiteral("intlist"), QStringLiteral("[300,-1]"), &sizes, &error),
             qPrintable(error));
    QCOMPARE(sizes, QVariant::fromValue(QList<int>{300, -1}));

    qRegisterMetaType<Point>();
    QVERIFY(QMetaType::fromType<Point>().hasRegisteredDataStreamOperators());
}

void tst_ValueCodec::roundTrip_data()
{
    QTest::addColumn<QVariant>("value");

    QTest::newRow("invalid") << QVariant();
    QTest::newRow("bool true") << QVariant(true);
    QTest::newRow("bool false") << QVariant(false);
    QTest::newRow("int 0") << QVariant(0);
    QTest::newRow("int min") << QVariant(std::numeric_limits<int>::min());
    QTest::newRow("int max") << QVariant(std::numeric_limits<int>::max());
    QTest::newRow("uint max") << QVariant(std::numeric_limits<uint>::max());
    QTest::newRow("qlonglong min") << QVariant(std::numeric_limits<qlonglong>::min());
    QTest::newRow("qlonglong max") << QVariant(std::numeric_limits<qlonglong>::max());
    QTest::newRow("qulonglong max") << QVariant(std::numeric_limits<qulonglong>::max());
    QTest::newRow("double 0.1") << QVariant(0.1);
    QTest::newRow("double -1e300") << QVariant(-1e300);
    QTest::newRow("double denormal") << QVariant(std::numeric_limits<double>::denorm_min());
    QTest::newRow("double pi") << QVariant(3.141592653589793);
    QTest::newRow("double inf") << QVariant(std::numeric_limits<double>::infinity());
    QTest::newRow("double -inf") << QVariant(-std::numeric_limits<double>::infinity());
    QTest::newRow("float") << QVariant(0.1f);
    QTest::newRow("string empty") << QVariant(QString());
    QTest::newRow("string") << QVariant(QStringLiteral("hello, \"world\"\nline 2\r\n\t"));
    QTest::newRow("string unicode") << QVariant(QStringLiteral(u"grüße 日本 🎉 \u0000 end"));
    QTest::newRow("bytes empty") << QVariant(QByteArray());
    QTest::newRow("bytes binary") << QVariant(QByteArray("\x00\x01\xff\xfe,\"\n", 7));
    QTest::newRow("date") << QVariant(QDate(2024, 2, 29));
    QTest::newRow("date invalid") << QVariant(QDate());
    QTest::newRow("time") << QVariant(QTime(23, 59, 58, 123));
    QTest::newRow("datetime utc") << QVariant(
            QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5, 6), Qt::UTC));
    QTest::newRow("datetime zone utc")
            << QVariant(QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5, 6), QTimeZone::utc()));
    QTest::newRow("datetime named zone") << QVariant(QDateTime(
            QDate(2024, 7, 1), QTime(8, 0), QTimeZone(QByteArrayLiteral("Europe/Berlin"))));
    QTest::newRow("datetime local") << QVariant(QDateTime(QDate(2023, 7, 1), QTime(12, 0)));
    QTest::newRow("datetime offset")
            << QVariant(QDateTime(QDate(2023, 12, 31), QTime(23, 30), QTimeZone(-5 * 3600)));
    QTest::newRow("url") << QVariant(QUrl(QStringLiteral("https://example.com/a b?q=ü#frag")));
    QTest::newRow("url empty") << QVariant(QUrl());
    QTest::newRow("uuid") << QVariant(
            QUuid::fromString(QStringLiteral("{67c8770b-44f1-410a-ab9a-f9b5446f13ee}")));
    QTest::newRow("uuid null") << QVariant(QUuid());
    QTest::newRow("stringlist") << QVariant(
            QStringList{QStringLiteral("a"), QString(), QStringLiteral("\"q\", c")});
    QTest::newRow("stringlist empty") << QVariant(QStringList());
    QTest::newRow("list") << QVariant(QVariantList{1, QStringLiteral("two"), 3.5, QVariant(),
                                                   QByteArray("b"),
                                                   QVariantList{true, qulonglong(7)}});
    QTest::newRow("list empty") << QVariant(QVariantList());
    QTest::newRow("map") << QVariant(QVariantMap{
            {QStringLiteral("n"), 1},
            {QStringLiteral("nested"), QVariantMap{{QStringLiteral("d"), QDate(2000, 1, 1)}}},
            {QStringLiteral(""), QStringLiteral("empty key")}});
    QTest::newRow("hash") << QVariant(QVariantHash{{QStringLiteral("k"), qlonglong(-5)},
                                                   {QStringLiteral("l"), QStringList{}}});
    QTest::newRow("char") << QVariant(QChar(u'\u00e9'));
    QTest::newRow("char comma") << QVariant(QChar(u','));
    QTest::newRow("date year 12000") << QVariant(QDate(12000, 1, 1));
    QTest::newRow("date year -1") << QVariant(QDate(-1, 6, 1));
    QTest::newRow("datetime offset with seconds")
            << QVariant(QDateTime(QDate(1850, 3, 4), QTime(5, 6, 7, 8), Qt::OffsetFromUTC, 3661));
    QTest::newRow("size") << QVariant(QSize(800, -1));
    QTest::newRow("sizef") << QVariant(QSizeF(0.1, -0.0));
    QTest::newRow("point") << QVariant(QPoint(std::numeric_limits<int>::min(), 7));
    QTest::newRow("pointf") << QVariant(QPointF(1e300, -2.5));
    QTest::newRow("rect") << QVariant(QRect(10, 20, 800, 600));
    QTest::newRow("rect empty") << QVariant(QRect());
    QTest::newRow("rectf") << QVariant(QRectF(0.1, 0.2, 0.30000000000000004, 4));
    QTest::newRow("line") << QVariant(QLine(1, 2, -3, 4));
    QTest::newRow("linef") << QVariant(QLineF(1.5, 2, -3, 4e-300));
    QTest::newRow("intlist") << QVariant::fromValue(
            QList<int>{std::numeric_limits<int>::min(), 0, std::numeric_limits<int>::max()});
    QTest::newRow("intlist empty") << QVariant::fromValue(QList<int>());
    // Qt's JSON parser drops a U+FEFF that starts a string (found by tests/auto/roundtrip).
    QTest::newRow("byte-order marks starting strings in containers")
            << QVariant(QVariantMap{{QChar(0xfeff) + QStringLiteral("k"),
                                     QVariantList{QStringList{QChar(0xfeff) + QStringLiteral("v")},
                                                  QString(QChar(0xfeff))}}});
    QTest::newRow("everything in a list") << QVariant(QVariantList{
            QSize(1, 2), QRectF(1, 2, 3, 4), QVariant::fromValue(QList<int>{5}),
            QDateTime(QDate(-5000, 1, 1), QTime(0, 0), Qt::OffsetFromUTC, -59),
            QStringList{QStringLiteral("a\"b")}, QVariantMap{{QStringLiteral("k"), QChar(u'"')}}});
}

void tst_ValueCodec::roundTrip()
{
    QFETCH(QVariant, value);
    QString why;
    QVERIFY2(isEncodable(value, &why), qPrintable(why));
    const EncodedValue encoded = encodeValue(value);
    QVERIFY(!encoded.type.isEmpty());

    QVariant decoded;
    QString error;
    QVERIFY2(decodeValue(encoded.type, encoded.text, &decoded, &error),
             qPrintable(QStringLiteral("%1 / %2: %3").arg(encoded.type, encoded.text, error)));
    QCOMPARE(decoded.metaType(), value.metaType());
    QVERIFY2(exactlyEqual(decoded, value),
             qPrintable(describe(decoded) + QStringLiteral(" != ") + describe(value)));
    // Decoding is deterministic: the decoded value encodes to the same text.
    const EncodedValue again = encodeValue(decoded);
    QCOMPARE(again.type, encoded.type);
    if (value.metaType().id() != QMetaType::QVariantHash) // a hash's order may differ
        QCOMPARE(again.text, encoded.text);
}

void tst_ValueCodec::readableText_data()
{
    QTest::addColumn<QVariant>("value");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("text");

    QTest::newRow("int") << QVariant(42) << "int"
                         << "42";
    QTest::newRow("negative int") << QVariant(-7) << "int"
                                  << "-7";
    QTest::newRow("uint") << QVariant(42u) << "uint"
                          << "42";
    QTest::newRow("int64") << QVariant(qlonglong(1) << 40) << "int64"
                           << "1099511627776";
    QTest::newRow("uint64") << QVariant(std::numeric_limits<qulonglong>::max()) << "uint64"
                            << "18446744073709551615";
    QTest::newRow("double") << QVariant(2.5) << "double"
                            << "2.5";
    QTest::newRow("double 0.1") << QVariant(0.1) << "double"
                                << "0.1";
    QTest::newRow("bool") << QVariant(true) << "bool"
                          << "true";
    QTest::newRow("string") << QVariant(QStringLiteral("hello, world")) << "string"
                            << "hello, world";
    QTest::newRow("string unicode")
            << QVariant(QStringLiteral(u"grüße")) << "string" << QStringLiteral(u"grüße");
    QTest::newRow("bytes") << QVariant(QByteArray("hi")) << "bytes"
                           << "aGk=";
    QTest::newRow("date") << QVariant(QDate(2024, 2, 29)) << "date"
                          << "2024-02-29";
    QTest::newRow("datetime utc") << QVariant(QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5), Qt::UTC))
                                  << "datetime"
                                  << "2024-01-02T03:04:05.000Z";
    QTest::newRow("datetime offset")
            << QVariant(QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5), Qt::OffsetFromUTC, 3600))
            << "datetime"
            << "2024-01-02T03:04:05.000+01:00";
    QTest::newRow("datetime zone of an offset")
            << QVariant(QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5), QTimeZone(3600))) << "datetime"
            << "2024-01-02T03:04:05.000+01:00[UTC+01]";
    QTest::newRow("url") << QVariant(QUrl(QStringLiteral("https://example.com/x"))) << "url"
                         << "https://example.com/x";
    QTest::newRow("uuid") << QVariant(QUuid::fromString(
                                     QStringLiteral("67c8770b-44f1-410a-ab9a-f9b5446f13ee")))
                          << "uuid"
                          << "67c8770b-44f1-410a-ab9a-f9b5446f13ee";
    QTest::newRow("stringlist") << QVariant(QStringList{QStringLiteral("a"), QStringLiteral("b")})
                                << "stringlist"
                                << R"(["a","b"])";
    QTest::newRow("null") << QVariant() << "null" << QString();
    QTest::newRow("char") << QVariant(QChar(u'x')) << "char"
                          << "x";
    QTest::newRow("size") << QVariant(QSize(800, 600)) << "size"
                          << "800x600";
    QTest::newRow("sizef") << QVariant(QSizeF(0.5, 2)) << "sizef"
                           << "0.5x2";
    QTest::newRow("point") << QVariant(QPoint(-3, 4)) << "point"
                           << "-3,4";
    QTest::newRow("pointf") << QVariant(QPointF(0.1, -0.0)) << "pointf"
                            << "0.1,-0";
    QTest::newRow("rect") << QVariant(QRect(10, 20, 800, 600)) << "rect"
                          << "10,20 800x600";
    QTest::newRow("rectf") << QVariant(QRectF(1.5, 2, 3, 4)) << "rectf"
                           << "1.5,2 3x4";
    QTest::newRow("line") << QVariant(QLine(1, 2, 3, 4)) << "line"
                          << "1,2 3,4";
    QTest::newRow("linef") << QVariant(QLineF(1, 2, 3.5, 4)) << "linef"
                           << "1,2 3.5,4";
    QTest::newRow("intlist") << QVariant::fromValue(QList<int>{100, 200, -3}) << "intlist"
                             << "[100,200,-3]";
    QTest::newRow("nested list") << QVariant(QVariantList{QVariantList{1}, QStringList{}}) << "list"
                                 << R"([["list",[["int","1"]]],["stringlist",[]]])";
    QTest::newRow("nested map") << QVariant(QVariantMap{{QStringLiteral("a"),
                                                         QVariantMap{{QStringLiteral("b"), 1}}}})
                                << "map"
                                << R"({"a":["map",{"b":["int","1"]}]})";
    QTest::newRow("datetime offset with seconds")
            << QVariant(QDateTime(QDate(1850, 3, 4), QTime(5, 6, 7), Qt::OffsetFromUTC, -3661))
            << "datetime"
            << "1850-03-04T05:06:07.000-01:01:01";
    QTest::newRow("datetime zone")
            << QVariant(QDateTime(QDate(2024, 7, 1), QTime(8, 0),
                                  QTimeZone(QByteArrayLiteral("Europe/Berlin"))))
            << "datetime"
            << "2024-07-01T08:00:00.000+02:00[Europe/Berlin]";
    QTest::newRow("datetime year 10000")
            << QVariant(QDateTime(QDate(10000, 1, 1), QTime(0, 0), Qt::UTC)) << "datetime"
            << "+10000-01-01T00:00:00.000Z";
}

void tst_ValueCodec::readableText()
{
    QFETCH(QVariant, value);
    QFETCH(QString, type);
    QFETCH(QString, text);
    const EncodedValue encoded = encodeValue(value);
    QCOMPARE(encoded.type, type);
    QCOMPARE(encoded.text, text);
}

void tst_ValueCodec::decodeErrors_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("messageParts"); // each must appear in the error

    auto row = [](const char *name, const QString &type, const QString &text,
                  const QStringList &parts) { QTest::newRow(name) << type << text << parts; };
    row("int abc", QStringLiteral("int"), QStringLiteral("abc"),
        {QStringLiteral("'abc'"), QStringLiteral("int")});
    row("int empty", QStringLiteral("int"), QString(), {QStringLiteral("int")});
    row("int overflow", QStringLiteral("int"), QStringLiteral("99999999999"),
        {QStringLiteral("99999999999"), QStringLiteral("int")});
    row("int with space", QStringLiteral("int"), QStringLiteral("4 2"), {QStringLiteral("4 2")});
    row("uint negative", QStringLiteral("uint"), QStringLiteral("-1"),
        {QStringLiteral("'-1'"), QStringLiteral("unsigned")});
    row("int64 text", QStringLiteral("int64"), QStringLiteral("1e3x"),
        {QStringLiteral("1e3x"), QStringLiteral("64-bit")});
    row("uint64 negative", QStringLiteral("uint64"), QStringLiteral("-5"),
        {QStringLiteral("-5"), QStringLiteral("unsigned 64-bit")});
    row("double text", QStringLiteral("double"), QStringLiteral("one"),
        {QStringLiteral("'one'"), QStringLiteral("floating-point")});
    row("bool yes", QStringLiteral("bool"), QStringLiteral("yes"),
        {QStringLiteral("'yes'"), QStringLiteral("true or false")});
    row("bad base64 chars", QStringLiteral("bytes"), QStringLiteral("!!!!"),
        {QStringLiteral("!!!!"), QStringLiteral("base64")});
    row("bad base64 length", QStringLiteral("bytes"), QStringLiteral("aGk"),
        {QStringLiteral("base64")});
    row("date", QStringLiteral("date"), QStringLiteral("2024-13-45"),
        {QStringLiteral("2024-13-45"), QStringLiteral("date")});
    row("time", QStringLiteral("time"), QStringLiteral("25:61"),
        {QStringLiteral("25:61"), QStringLiteral("time")});
    row("datetime", QStringLiteral("datetime"), QStringLiteral("yesterday"),
        {QStringLiteral("yesterday"), QStringLiteral("date and time")});
    row("uuid", QStringLiteral("uuid"), QStringLiteral("not-a-uuid"),
        {QStringLiteral("not-a-uuid"), QStringLiteral("UUID")});
    row("unknown type", QStringLiteral("complex"), QStringLiteral("1+2i"),
        {QStringLiteral("unknown type"), QStringLiteral("complex")});
    row("empty type", QString(), QStringLiteral("x"), {QStringLiteral("unknown type")});
    row("list bad json", QStringLiteral("list"), QStringLiteral("[1,"),
        {QStringLiteral("JSON array")});
    row("list not pairs", QStringLiteral("list"), QStringLiteral("[1,2]"),
        {QStringLiteral("[type, text]")});
    row("list bad element", QStringLiteral("list"), QStringLiteral(R"([["int","x"]])"),
        {QStringLiteral("'x'"), QStringLiteral("int")});
    row("stringlist not strings", QStringLiteral("stringlist"), QStringLiteral("[1]"),
        {QStringLiteral("JSON array of strings")});
    row("stringlist bad json", QStringLiteral("stringlist"), QStringLiteral("[\"a\""),
        {QStringLiteral("JSON array of strings")});
    row("map bad json", QStringLiteral("map"), QStringLiteral("{"),
        {QStringLiteral("JSON object")});
    row("map is array", QStringLiteral("map"), QStringLiteral("[]"),
        {QStringLiteral("JSON object")});
    row("map bad element", QStringLiteral("hash"), QStringLiteral(R"({"k":["bool","maybe"]})"),
        {QStringLiteral("'k'"), QStringLiteral("maybe")});
    row("variant unknown type", QStringLiteral("variant:NoSuchType"), QStringLiteral("AAAA"),
        {QStringLiteral("NoSuchType")});
}

void tst_ValueCodec::decodeErrors()
{
    QFETCH(QString, type);
    QFETCH(QString, text);
    QFETCH(QStringList, messageParts);
    QVariant out = QStringLiteral("untouched");
    QString error;
    QVERIFY(!decodeValue(type, text, &out, &error));
    QVERIFY(!error.isEmpty());
    for (const QString &part : std::as_const(messageParts))
        QVERIFY2(error.contains(part), qPrintable(error + QStringLiteral(" lacks ") + part));
}

void tst_ValueCodec::unencodable()
{
    QString why;
    QVERIFY(!isEncodable(QVariant::fromValue(Opaque{1}), &why));
    QVERIFY2(why.contains(QStringLiteral("Opaque")), qPrintable(why));
    QVERIFY2(why.contains(QStringLiteral("docs/FORMAT.md")), qPrintable(why));

    why.clear();
    QVERIFY(!isEncodable(QVariantList{1, QVariant::fromValue(Opaque{2})}, &why));
    QVERIFY2(why.contains(QStringLiteral("Opaque")), qPrintable(why));

    QVERIFY(!isEncodable(QVariantMap{{QStringLiteral("k"), QVariant::fromValue(Opaque{})}}));
    // With QDataStream operators too: no stream format is written any more.
    why.clear();
    QVERIFY(!isEncodable(QVariantHash{{QStringLiteral("k"), QVariant::fromValue(Point{})}}, &why));
    QVERIFY2(why.contains(QStringLiteral("Point")), qPrintable(why));
    // A QRect whose width does not fit an int (QRect keeps corners) cannot be written exactly.
    why.clear();
    QVERIFY(!isEncodable(QRect(QPoint(std::numeric_limits<int>::min(), 0),
                               QPoint(std::numeric_limits<int>::max(), 0)),
                         &why));
    QVERIFY2(why.contains(QStringLiteral("QRect")), qPrintable(why));
    // A time zone this system does not know (a custom QTimeZone) cannot be read back.
    why.clear();
    const QTimeZone custom(QByteArrayLiteral("Custom/Zone"), 1234, QStringLiteral("custom"),
                           QStringLiteral("CZ"));
    QVERIFY(custom.isValid());
    QVERIFY(!isEncodable(QDateTime(QDate(2024, 1, 1), QTime(1, 0), custom), &why));
    QVERIFY2(why.contains(QStringLiteral("QDateTime")), qPrintable(why));
}

void tst_ValueCodec::reservedTagsAreNotValueTypes()
{
    QVariant out;
    QString error;
    QVERIFY(!decodeValue(removedTag(), QString(), &out, &error));
    QVERIFY(!decodeValue(batchTag(), QStringLiteral("2"), &out, &error));
    QVERIFY(error.contains(QStringLiteral("unknown type")));
}

QTEST_GUILESS_MAIN(tst_ValueCodec)
// PersistentMapSqliteBackend::canStore() refuses rows over SQLite's length limit from
// encodedSizeExceeds() without encoding: its figure must never be below what encodeValue() really
// produces.
void tst_ValueCodec::encodedSizeIsNeverUnderestimated()
{
    QFETCH(QVariant, value);
    const EncodedValue encoded = encodeValue(value);
    const qint64 actual = qint64(encoded.type.toUtf8().size()) + encoded.text.toUtf8().size();
    qint64 size = 0;
    QVERIFY(!encodedSizeExceeds(value, std::numeric_limits<qint64>::max() / 2, &size));
    QVERIFY2(size >= actual, qPrintable(QStringLiteral("%1 < %2").arg(size).arg(actual)));
    QVERIFY(encodedSizeExceeds(value, actual - 1, &size));
    QVERIFY(size >= actual);
}

// Over the limit, strings and byte arrays are measured exactly, without being encoded.
void tst_ValueCodec::encodedSizeOfLargeText()
{
    const QString text = QString(400000, u'a') + QString(300000, u'\u00e9') +
            QString(200000, u'\u20ac') + QString::fromUtf8("\xF0\x9F\x98\x80").repeated(100000);
    const qint64 utf8 = text.toUtf8().size();
    qint64 size = 0;
    QVERIFY(encodedSizeExceeds(text, utf8 - 1, &size));
    // Exact, plus room for the type tag ("string": 6 bytes; at most 24 are allowed for).
    QVERIFY2(size - utf8 >= 6 && size - utf8 <= 24, qPrintable(QString::number(size - utf8)));
    QVERIFY(!encodedSizeExceeds(text, utf8 + 24, &size));
    const QByteArray bytes(3000001, Qt::Uninitialized);
    QVERIFY(encodedSizeExceeds(bytes, 4000000, &size));
    QVERIFY(size - 4000004 >= 5 && size - 4000004 <= 24); // base64, and room for "bytes"
}

// Values whose encoding grows faster than encodedSizeExceeds() bounds it: a URL (its text, not a
// fixed size), and containers inside containers, whose inner JSON text is escaped once more by the
// outer one (a control character takes 6 bytes in the inner text, 7 in the outer; a quote doubles
// its backslashes at each level). Underestimated, a row over SQLITE_LIMIT_LENGTH passes canStore()
// and fails at commit, with every batch queued after it.
void tst_ValueCodec::encodedSizeOfNestedValuesAndUrls_data()
{
    QTest::addColumn<QVariant>("value");

    const QString controls(10000, QChar(1));
    const QString quotes(10000, u'"');
    QTest::newRow("url") << QVariant(
            QUrl(QStringLiteral("https://example.com/") + QString(10000, u'a')));
    QTest::newRow("url of non-ASCII text")
            << QVariant(QUrl(QStringLiteral("https://example.com/") + QString(10000, u'\u00fc')));
    QTest::newRow("url in a list") << QVariant(
            QVariantList{QUrl(QStringLiteral("https://example.com/") + QString(10000, u'a'))});
    QTest::newRow("list in a list, control characters")
            << QVariant(QVariantList{QVariantList{controls}});
    QTest::newRow("stringlist in a list, control characters")
            << QVariant(QVariantList{QStringList{controls}});
    QTest::newRow("lists three deep, quotes")
            << QVariant(QVariantList{QVariantList{QVariantList{quotes}}});
    QTest::newRow("maps three deep, quotes") << QVariant(QVariantMap{
            {QStringLiteral("a"),
             QVariantMap{{QStringLiteral("b"), QVariantMap{{QStringLiteral("c"), quotes}}}}}});
    QTest::newRow("map in a map, control characters in the key") << QVariant(
            QVariantMap{{QStringLiteral("a"), QVariantMap{{QString(1000, QChar(1)), 1}}}});
}

void tst_ValueCodec::encodedSizeOfNestedValuesAndUrls()
{
    QFETCH(QVariant, value);
    const EncodedValue encoded = encodeValue(value);
    const qint64 actual = qint64(encoded.type.toUtf8().size()) + encoded.text.toUtf8().size();
    qint64 size = 0;
    QVERIFY2(encodedSizeExceeds(value, actual - 1, &size),
             qPrintable(QStringLiteral("%1 bytes taken for at most %2").arg(actual).arg(size)));
    QVERIFY(size >= actual);
}

// Issue 12 item 2: QDate covers every int year but year 0, and Qt's ISO text is empty outside
// 1..9999, so such dates were stored empty and read back invalid. Written with astronomical
// year numbering (ISO 8601 expanded years): Qt's year -1 (1 BC) is year 0000.
void tst_ValueCodec::datesOutsideIsoYears_data()
{
    QTest::addColumn<QDate>("date");
    QTest::addColumn<QString>("text");
    QTest::newRow("12000") << QDate(12000, 1, 1) << "+12000-01-01";
    QTest::newRow("10000") << QDate(10000, 12, 31) << "+10000-12-31";
    QTest::newRow("9999") << QDate(9999, 12, 31) << "9999-12-31";
    QTest::newRow("1") << QDate(1, 1, 1) << "0001-01-01";
    QTest::newRow("-1 (1 BC)") << QDate(-1, 6, 1) << "0000-06-01";
    QTest::newRow("-1 leap day") << QDate(-1, 2, 29) << "0000-02-29";
    QTest::newRow("-2") << QDate(-2, 12, 31) << "-0001-12-31";
    QTest::newRow("-10001") << QDate(-10001, 1, 1) << "-10000-01-01";
    QTest::newRow("int max") << QDate(std::numeric_limits<int>::max(), 12, 31)
                             << "+2147483647-12-31";
    QTest::newRow("int min") << QDate(std::numeric_limits<int>::min(), 1, 1) << "-2147483647-01-01";
}

void tst_ValueCodec::datesOutsideIsoYears()
{
    QFETCH(QDate, date);
    QFETCH(QString, text);
    QVERIFY(date.isValid());
    QVERIFY(isEncodable(date));
    const EncodedValue encoded = encodeValue(date);
    QCOMPARE(encoded.type, QStringLiteral("date"));
    QCOMPARE(encoded.text, text);
    QVariant decoded;
    QString error;
    QVERIFY2(decodeValue(encoded.type, encoded.text, &decoded, &error), qPrintable(error));
    QCOMPARE(decoded, QVariant(date));
    // The same inside a date-time, in UTC.
    const QDateTime dateTime(date, QTime(12, 0), Qt::UTC);
    if (dateTime.isValid()) {
        const EncodedValue inDateTime = encodeValue(dateTime);
        QCOMPARE(inDateTime.text, text + QStringLiteral("T12:00:00.000Z"));
        QVERIFY2(decodeValue(inDateTime.type, inDateTime.text, &decoded, &error),
                 qPrintable(error));
        QVERIFY(exactlyEqual(decoded, dateTime));
    }
}

// Every time spec comes back as itself, with its offset (seconds included) and zone.
void tst_ValueCodec::dateTimesKeepSpecOffsetAndZone_data()
{
    QTest::addColumn<QDateTime>("dateTime");
    const QDate day(2024, 3, 31);
    const QTime time(2, 30, 15, 999);
    QTest::newRow("utc") << QDateTime(day, time, Qt::UTC);
    QTest::newRow("local") << QDateTime(day, time, Qt::LocalTime);
    QTest::newRow("local, year 20000") << QDateTime(QDate(20000, 1, 1), time, Qt::LocalTime);
    QTest::newRow("offset +1 s") << QDateTime(day, time, Qt::OffsetFromUTC, 1);
    QTest::newRow("offset -0:00:59") << QDateTime(day, time, Qt::OffsetFromUTC, -59);
    QTest::newRow("offset +14:00") << QDateTime(day, time, Qt::OffsetFromUTC, 14 * 3600);
    QTest::newRow("offset -12:34:56")
            << QDateTime(day, time, Qt::OffsetFromUTC, -(12 * 3600 + 34 * 60 + 56));
    // 02:30 happens twice that night; the offset written says which.
    QTest::newRow("zone Europe/Berlin, DST overlap")
            << QDateTime(QDate(2024, 10, 27), time, QTimeZone(QByteArrayLiteral("Europe/Berlin")));
    QTest::newRow("zone Europe/Berlin, second 02:30")
            << QDateTime(QDate(2024, 10, 27), time, QTimeZone(QByteArrayLiteral("Europe/Berlin")))
                       .addSecs(3600);
    QTest::newRow("zone America/St_Johns")
            << QDateTime(day, time, QTimeZone(QByteArrayLiteral("America/St_Johns")));
    QTest::newRow("zone Europe/Amsterdam 1920 (+00:19:32)")
            << QDateTime(QDate(1920, 6, 1), time, QTimeZone(QByteArrayLiteral("Europe/Amsterdam")));
    QTest::newRow("zone UTC") << QDateTime(day, time, QTimeZone::utc());
    QTest::newRow("zone offset +01:01:01") << QDateTime(day, time, QTimeZone(3661));
    QTest::newRow("year -4712") << QDateTime(QDate(-4713, 1, 1), QTime(0, 0), Qt::UTC);
    QTest::newRow("far future") << QDateTime::fromMSecsSinceEpoch(
            std::numeric_limits<qint64>::max() / 2, Qt::UTC);
}

void tst_ValueCodec::dateTimesKeepSpecOffsetAndZone()
{
    QFETCH(QDateTime, dateTime);
    QVERIFY(dateTime.isValid());
    QString why;
    QVERIFY2(isEncodable(dateTime, &why), qPrintable(why));
    const EncodedValue encoded = encodeValue(dateTime);
    QVariant decoded;
    QString error;
    QVERIFY2(decodeValue(encoded.type, encoded.text, &decoded, &error),
             qPrintable(encoded.text + QStringLiteral(": ") + error));
    QVERIFY2(exactlyEqual(decoded, dateTime),
             qPrintable(encoded.text + QStringLiteral(" read back as ") + describe(decoded)));
    // Inside a list too.
    const EncodedValue inList = encodeValue(QVariantList{dateTime});
    QVERIFY2(decodeValue(inList.type, inList.text, &decoded, &error), qPrintable(error));
    QVERIFY(exactlyEqual(decoded.toList().value(0), dateTime));
}

// Issue 12 item 9: a nested container was JSON text escaped inside a JSON string, doubling at
// every level (one int in 26 nested lists took 268 MB). Now each level adds a constant.
void tst_ValueCodec::nestedContainersGrowLinearly()
{
    QVariant list = 1;
    QVariant map = 1;
    for (int level = 1; level <= 26; ++level) {
        list = QVariantList{list};
        map = QVariantMap{{QStringLiteral("k"), map}};
        for (const QVariant &value : {list, map}) {
            const EncodedValue encoded = encodeValue(value);
            QVERIFY2(encoded.text.size() <= 20 + 16 * level,
                     qPrintable(QStringLiteral("level %1: %2 characters")
                                        .arg(level)
                                        .arg(encoded.text.size())));
        }
    }
    for (const QVariant &value : {list, map}) {
        const EncodedValue encoded = encodeValue(value);
        QVariant decoded;
        QString error;
        QVERIFY2(decodeValue(encoded.type, encoded.text, &decoded, &error), qPrintable(error));
        QCOMPARE(decoded, value);
    }
}

// Decoding recurses per level: a crafted text must not recurse without bound, and anything
// accepted for writing must read back, so both sides stop at the same depth.
void tst_ValueCodec::nestingDepthIsBounded()
{
    QVariant value = 1;
    for (int level = 1; level <= 64; ++level)
        value = QVariantList{value};
    QString why;
    QVERIFY2(isEncodable(value, &why), qPrintable(why));
    const EncodedValue encoded = encodeValue(value);
    QVariant decoded;
    QString error;
    QVERIFY2(decodeValue(encoded.type, encoded.text, &decoded, &error), qPrintable(error));
    QCOMPARE(decoded, value);

    const QVariant deeper = QVariantList{value};
    QVERIFY(!isEncodable(deeper, &why));
    QVERIFY2(why.contains(QStringLiteral("64")), qPrintable(why));
    const QString text = QStringLiteral("[") + QStringLiteral("[\"list\",[").repeated(64) +
            QStringLiteral("]]").repeated(64) + QStringLiteral("]");
    QVERIFY(!decodeValue(QStringLiteral("list"), text, &decoded, &error));
    QVERIFY2(error.contains(QStringLiteral("nested")), qPrintable(error));
    // The form earlier versions wrote (JSON in strings, which doubles at each level: ten of them)
    // inside 60 levels of the new form counts the same.
    QString old = QStringLiteral("[]");
    for (int level = 0; level < 10; ++level)
        old = QString::fromUtf8(QJsonDocument(QJsonArray{QJsonArray{QStringLiteral("list"), old}})
                                        .toJson(QJsonDocument::Compact));
    const auto wrapped = [&old](int levels) {
        QJsonValue element = QJsonArray{QStringLiteral("list"), old};
        for (int level = 0; level < levels; ++level)
            element = QJsonArray{QStringLiteral("list"), QJsonArray{element}};
        return QString::fromUtf8(QJsonDocument(QJsonArray{element}).toJson(QJsonDocument::Compact));
    };
    QVERIFY2(decodeValue(QStringLiteral("list"), wrapped(40), &decoded, &error), qPrintable(error));
    QVERIFY(!decodeValue(QStringLiteral("list"), wrapped(60), &decoded, &error));
    QVERIFY2(error.contains(QStringLiteral("nested")), qPrintable(error));
}

// Issue 12 item 5: QEasingCurve has QDataStream operators that write a raw function pointer;
// another process that read the stored value and used it crashed. Refused at insert(), and a
// row an earlier version wrote is never deserialized.
void tst_ValueCodec::easingCurveIsRefused()
{
    const QVariant curve = QVariant::fromValue(QEasingCurve(QEasingCurve::OutBounce));
    QVERIFY(curve.metaType().hasRegisteredDataStreamOperators());
    QString why;
    QVERIFY(!isEncodable(curve, &why));
    QVERIFY2(why.contains(QStringLiteral("QEasingCurve")), qPrintable(why));

    QVariant decoded = QStringLiteral("untouched");
    QString error;
    QVERIFY(!decodeValue(QStringLiteral("variant:QEasingCurve"), streamedBase64(curve), &decoded,
                         &error));
    QVERIFY2(error.contains(QStringLiteral("QEasingCurve")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("does not read")), qPrintable(error));
    QCOMPARE(decoded, QVariant(QStringLiteral("untouched")));
}

// Stores hold UTF-8, where an unpaired surrogate reads back as U+FFFD: refused, not changed.
void tst_ValueCodec::loneSurrogatesAreRefused()
{
    const QString lone = QStringLiteral("a") + QChar(0xd800) + QStringLiteral("b");
    for (const QVariant &value :
         {QVariant(lone), QVariant(QChar(0xdc00)), QVariant(QStringList{lone}),
          QVariant(QVariantList{lone}), QVariant(QVariantMap{{lone, 1}}),
          QVariant(QVariantHash{{QStringLiteral("k"), QVariantList{lone}}})}) {
        QString why;
        QVERIFY2(!isEncodable(value, &why), qPrintable(describe(value)));
        QVERIFY2(why.contains(QStringLiteral("surrogate")), qPrintable(why));
    }
    QVERIFY(isEncodable(QStringLiteral("\U0001F389"))); // a pair is fine
}

// Everything earlier versions wrote still reads back the same.
void tst_ValueCodec::earlierFormatsStillRead_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QVariant>("value");
    QTest::newRow("list of pairs, nested as JSON text")
            << "list"
            << R"([["int","1"],["list","[[\"bool\",\"true\"]]"]])"
            << QVariant(QVariantList{1, QVariantList{true}});
    QTest::newRow("map nested as JSON text")
            << "map"
            << R"({"w":["map","{\"h\":[\"int\",\"600\"]}"]})"
            << QVariant(
                       QVariantMap{{QStringLiteral("w"), QVariantMap{{QStringLiteral("h"), 600}}}});
    QTest::newRow("datetime without milliseconds")
            << "datetime"
            << "2024-01-01T00:00:00Z"
            << QVariant(QDateTime(QDate(2024, 1, 1), QTime(0, 0), Qt::UTC));
    QTest::newRow("variant:QSize") << "variant:QSize"
                                   << "AAAAFQAAAAMgAAACWA==" << QVariant(QSize(800, 600));
    QTest::newRow("variant:QRectF") << "variant:QRectF"
                                    << "AAAAFAA/4AAAAAAAAD/wAAAAAAAAQAAAAAAAAABACAAAAAAAAA=="
                                    << QVariant(QRectF(0.5, 1, 2, 3));
    QTest::newRow("variant:QList<int>") << "variant:QList<int>"
                                        << "AAEAAAAAAAALUUxpc3Q8aW50PgAAAAADAAAAAQAAAAIAAAAD"
                                        << QVariant::fromValue(QList<int>{1, 2, 3});
    QTest::newRow("variant:QChar")
            << "variant:QChar" << streamedBase64(QChar(u'q')) << QVariant(QChar(u'q'));
}

void tst_ValueCodec::earlierFormatsStillRead()
{
    QFETCH(QString, type);
    QFETCH(QString, text);
    QFETCH(QVariant, value);
    QVariant decoded;
    QString error;
    QVERIFY2(decodeValue(type, text, &decoded, &error), qPrintable(error));
    QVERIFY2(exactlyEqual(decoded, value), qPrintable(describe(decoded)));
}

// A "variant:" row of a type outside the table is never deserialized, and the message says
// this version does not read the type, without blaming the data.
void tst_ValueCodec::earlierStreamOfOtherTypeIsRefused_data()
{
    QTest::addColumn<QString>("typeName");
    QTest::addColumn<QString>("text");
    QTest::newRow("user type") << "Point" << streamedBase64(QVariant::fromValue(Point{1, 2}));
    QTest::newRow("QEasingCurve") << "QEasingCurve"
                                  << streamedBase64(QVariant::fromValue(QEasingCurve()));
    QTest::newRow("QVariantList") << "QVariantList" << streamedBase64(QVariantList{1});
    QTest::newRow("unknown") << "NoSuchType"
                             << "AAAA";
}

void tst_ValueCodec::earlierStreamOfOtherTypeIsRefused()
{
    QFETCH(QString, typeName);
    QFETCH(QString, text);
    QVariant decoded;
    QString error;
    QVERIFY(!decodeValue(QStringLiteral("variant:") + typeName, text, &decoded, &error));
    QVERIFY2(error.contains(typeName), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("does not read")), qPrintable(error));
    QVERIFY2(!error.contains(QStringLiteral("the data is not")), qPrintable(error));
}

// QDataStream reserves the count a QList<int> claims before reading it: a crafted row claiming
// four billion ints is refused before Qt reads it.
void tst_ValueCodec::hugeClaimedIntListCountIsRefused()
{
    QByteArray bytes = QByteArray::fromBase64("AAEAAAAAAAALUUxpc3Q8aW50PgAAAAADAAAAAQAAAAIAAAAD");
    bytes.replace(bytes.size() - 16, 4, QByteArray("\xff\xff\xff\xf0", 4));
    QVariant decoded;
    QString error;
    QVERIFY(!decodeValue(QStringLiteral("variant:QList<int>"),
                         QString::fromLatin1(bytes.toBase64()), &decoded, &error));
    QVERIFY2(error.contains(QStringLiteral("QList<int>")), qPrintable(error));
}

// This process links Qt Core only: a Qt Gui value cannot be read here, and the message says
// that, not that the data is damaged.
void tst_ValueCodec::guiTypesNeedQtGui_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("typeName");
    QTest::newRow("color") << "color"
                           << "#ff000080"
                           << "QColor";
    QTest::newRow("font") << "font"
                          << "Sans,10,-1,5,400,0,0,0,0,0,0,0,0,0,0,1"
                          << "QFont";
    QTest::newRow("keysequence") << "keysequence"
                                 << "Ctrl+S"
                                 << "QKeySequence";
    // QDataStream << QVariant(QColor(255, 0, 0)), as an earlier version wrote it.
    QTest::newRow("variant:QColor") << "variant:QColor"
                                    << "AAAQAwAB/////wAAAAAAAA=="
                                    << "QColor";
}

void tst_ValueCodec::guiTypesNeedQtGui()
{
    QFETCH(QString, type);
    QFETCH(QString, text);
    QFETCH(QString, typeName);
    QVERIFY(!QMetaType(QMetaType::QColor).isValid()); // Qt Gui is not loaded
    QVariant decoded;
    QString error;
    QVERIFY(!decodeValue(type, text, &decoded, &error));
    QVERIFY2(error.contains(typeName), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("Qt Gui")), qPrintable(error));
}

// A date-time's zone id comes from the stored text. One that climbs out of the zone database
// ("Europe/../../../..") names any file on the system, and Qt opens it to read a zone: a FIFO
// there (or /dev/stdin, a terminal) blocked decodeValue(), and with it the map's loading, for
// good. Decoding hostile text must finish: such an id is refused (or read) at once.
void tst_ValueCodec::zoneIdIsNeverAPathToOpen()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray fifo = QFile::encodeName(dir.filePath(QStringLiteral("fifo")));
    QVERIFY2(::mkfifo(fifo.constData(), 0600) == 0, strerror(errno));
    QString zone = QStringLiteral("Europe/");
    for (int i = 0; i < 16; ++i) // past the root from wherever the zone database is
        zone += QStringLiteral("../");
    zone += QFile::decodeName(fifo.mid(1));
    const QString text = QStringLiteral("2024-01-01T00:00:00.000Z[%1]").arg(zone);

    std::future<bool> decoded = std::async(std::launch::async, [text] {
        QVariant value;
        QString error;
        return decodeValue(QStringLiteral("datetime"), text, &value, &error);
    });
    const bool finished = decoded.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
    if (!finished) {
        // Unblock the reader (a writer that opens and closes gives it end of file), so that
        // the test can end.
        const int writer = ::open(fifo.constData(), O_WRONLY | O_NONBLOCK);
        if (writer >= 0)
            ::close(writer);
    }
    decoded.wait();
    QVERIFY2(finished,
             qPrintable(QStringLiteral("decodeValue(\"datetime\", \"%1\") blocked opening a "
                                       "FIFO named by the zone id")
                                .arg(text)));
    QVERIFY(!decoded.get());
}

// JSON escapes can spell a lone surrogate ("\\ud800") in ASCII text, which Qt's parser turns
// into an unpaired UTF-16 unit. The codec refuses such strings when writing (stores hold UTF-8)
// and a "char" element that is one, but took them in strings, string lists and map keys: the map
// then held a value it cannot store (inserting what value() returned failed with
// Code::Unsupported). What decodes must be storable, as for every other text.
void tst_ValueCodec::escapedLoneSurrogatesDoNotDecode_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("text");
    QTest::newRow("stringlist") << "stringlist"
                                << R"(["a\ud800b"])";
    QTest::newRow("string in a list") << "list"
                                      << R"([["string","\udc00"]])";
    QTest::newRow("map key") << "map"
                             << R"({"\ud800":["int","1"]})";
    QTest::newRow("hash value") << "hash"
                                << R"({"k":["stringlist",["\udfff"]]})";
    QTest::newRow("char in a list (refused already)") << "list"
                                                      << R"([["char","\ud800"]])";
}

void tst_ValueCodec::escapedLoneSurrogatesDoNotDecode()
{
    QFETCH(QString, type);
    QFETCH(QString, text);
    QVariant decoded;
    QString error;
    if (!decodeValue(type, text, &decoded, &error))
        return; // refused: fine
    QString why;
    QVERIFY2(isEncodable(decoded, &why),
             qPrintable(QStringLiteral("%1 '%2' decoded to %3, which cannot be stored: %4")
                                .arg(type, text, describe(decoded), why)));
}

#include "tst_valuecodec.moc"
