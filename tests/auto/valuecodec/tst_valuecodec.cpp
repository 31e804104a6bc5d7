// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The value codec: every supported type survives encode -> decode with its QMetaType and value,
// scalars and strings are stored as readable text, and bad input is refused with a reason.
#include "valuecodec_p.h"

#include <QtCore/QDataStream>
#include <QtCore/QDateTime>
#include <QtCore/QTimeZone>
#include <QtCore/QUrl>
#include <QtCore/QUuid>
#include <QtTest/QTest>

#include <cmath>
#include <limits>

using namespace PersistentMapInternal;

// A user type with QDataStream operators: stored through the "variant:" tag.
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

// A type without stream operators cannot be stored.
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
};

void tst_ValueCodec::initTestCase()
{
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
    QTest::newRow("user type") << QVariant::fromValue(Point{3, -4});
    QTest::newRow("user type in a list")
            << QVariant(QVariantList{QVariant::fromValue(Point{1, 2})});
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
    QCOMPARE(decoded, value);
    // Decoding is deterministic: the decoded value encodes to the same text.
    const EncodedValue again = encodeValue(decoded);
    QCOMPARE(again.type, encoded.type);
    // Not for hashes (their order may differ) or time zones (stored as their offset).
    const bool zone = value.metaType().id() == QMetaType::QDateTime &&
            value.toDateTime().timeSpec() == Qt::TimeZone;
    if (value.metaType().id() != QMetaType::QVariantHash && !zone)
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
            << QVariant(QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5), QTimeZone(3600))) << "datetime"
            << "2024-01-02T03:04:05.000+01:00";
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
    QVERIFY2(why.contains(QStringLiteral("QDataStream")), qPrintable(why));

    why.clear();
    QVERIFY(!isEncodable(QVariantList{1, QVariant::fromValue(Opaque{2})}, &why));
    QVERIFY2(why.contains(QStringLiteral("Opaque")), qPrintable(why));

    QVERIFY(!isEncodable(QVariantMap{{QStringLiteral("k"), QVariant::fromValue(Opaque{})}}));
    QVERIFY(isEncodable(QVariantHash{{QStringLiteral("k"), QVariant::fromValue(Point{})}}));
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
// SqliteBackend::canStore() refuses rows over SQLite's length limit from encodedSizeExceeds()
// without encoding: its figure must never be below what encodeValue() really produces.
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

#include "tst_valuecodec.moc"
