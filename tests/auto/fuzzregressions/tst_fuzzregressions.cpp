// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// What tests/fuzz/fuzz_csvreader and tests/fuzz/fuzz_valuedecoder found, one case each, so the
// fixes stay fixed (docs/TESTING.md says how to add one).
#include "backends/csv/csvformat_p.h"
#include "codec/valuecodec_p.h"

#include <QtTest/QTest>

#include <cmath>

using namespace PersistentMapInternal;

class tst_FuzzRegressions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void csvFieldStartingWithBomAtFileStart();
    void negativeZeroKeepsItsSign_data();
    void negativeZeroKeepsItsSign();
    void variantTextHoldingAHugeListIsRejected();
    void urlTextThatWouldNotReadBackIsRefused();
};

// fuzz_csvreader: a record whose first field starts with U+FEFF, written first in a file, read
// back without it (the reader skipped it as a byte order mark). Input:
// crash-... base64 KmtsdWUKZQrvu78sYmF0Y2gsMgphLGludCwxCmIs... (a BOM-led record first).
void tst_FuzzRegressions::csvFieldStartingWithBomAtFileStart()
{
    const QString key = QString(QChar(0xFEFF)) + QStringLiteral("key");
    QByteArray data;
    appendCsvRecord(data, key, QStringLiteral("batch"), QStringLiteral("2"));
    CsvReader reader(data);
    CsvRecord record;
    QCOMPARE(reader.next(&record), CsvReader::Result::Record);
    QCOMPARE(record.fields, (QStringList{key, QStringLiteral("batch"), QStringLiteral("2")}));
    QCOMPARE(reader.next(&record), CsvReader::Result::End);
}

// fuzz_valuedecoder: "double\n-0" decoded to -0.0, which encoded as "0" and came back as +0.0.
void tst_FuzzRegressions::negativeZeroKeepsItsSign_data()
{
    QTest::addColumn<QVariant>("value");
    QTest::newRow("double") << QVariant(-0.0);
    QTest::newRow("float") << QVariant(-0.0f);
}

void tst_FuzzRegressions::negativeZeroKeepsItsSign()
{
    QFETCH(QVariant, value);
    const EncodedValue encoded = encodeValue(value);
    QCOMPARE(encoded.text, QStringLiteral("-0"));
    QVariant decoded;
    QString error;
    QVERIFY2(decodeValue(encoded.type, encoded.text, &decoded, &error), qPrintable(error));
    QCOMPARE(decoded.metaType(), value.metaType());
    QVERIFY(decoded.toDouble() == 0 && std::signbit(decoded.toDouble()));
}

// fuzz_valuedecoder: a "variant:" text whose stream holds a QVariantList claiming billions of
// elements; Qt reserved them all up front (a 119 GB allocation, abort). encodeValue() never writes
// a list that way, so the decoder now refuses it before Qt reads anything.
void tst_FuzzRegressions::variantTextHoldingAHugeListIsRejected()
{
    const QByteArray input =
            QByteArray::fromBase64("dmFyaWFudDoKQUFBQb9DU3plPWFyaWFudDoKQUFBQb9DU3plPQ==");
    const qsizetype newline = input.indexOf('\n');
    QVERIFY(newline > 0);
    QVariant decoded;
    QString error;
    QVERIFY(!decodeValue(QString::fromUtf8(input.left(newline)),
                         QString::fromUtf8(input.mid(newline + 1)), &decoded, &error));
    QVERIFY2(!error.isEmpty(), "no reason given");

    // The same with the tag naming the type it holds: still refused.
    QVERIFY(!decodeValue(
            QStringLiteral("variant:QVariantList"),
            QString::fromLatin1(QByteArray("\x00\x00\x00\x09\x00\xde\xad\xbe\xef", 9).toBase64()),
            &decoded, &error));
}

// fuzz_valuedecoder (issue 12): a "url" text of U+FFFD and stray characters decoded into a QUrl
// whose own encoded text reads back as another URL, so it could not be written back exactly.
// Decoding now refuses it. Input: regression-url-not-read-back in the seed corpus.
void tst_FuzzRegressions::urlTextThatWouldNotReadBackIsRefused()
{
    const QByteArray input = QByteArray::fromBase64(
            "dXJsCv/"
            "c3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3C4jIyMjIyMj3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nz"
            "c3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3NzcUUxpc2Q78aW50Pg=");
    const qsizetype newline = input.indexOf('\n');
    QVERIFY(newline > 0);
    QVariant decoded;
    QString error;
    QVERIFY(!decodeValue(QString::fromUtf8(input.left(newline)),
                         QString::fromUtf8(input.mid(newline + 1)), &decoded, &error));
    QVERIFY2(error.contains(QStringLiteral("QUrl")), qPrintable(error));
}

QTEST_GUILESS_MAIN(tst_FuzzRegressions)
#include "tst_fuzzregressions.moc"
