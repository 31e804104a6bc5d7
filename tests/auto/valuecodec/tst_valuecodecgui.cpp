// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The Qt Gui types the codec stores through the QString conversions Qt Gui registers (the
// library links Qt Core only): QColor as #rrggbbaa, QFont and QKeySequence as Qt's text; a value
// whose text would not read back equal is refused with the reason; "variant:" rows of these
// types written by earlier versions still read.
#include "codec/valuecodec_p.h"

#include <QtCore/QDataStream>
#include <QtGui/QColor>
#include <QtGui/QFont>
#include <QtGui/QKeySequence>
#include <QtTest/QTest>

#include <limits>

using namespace PersistentMapInternal;

class tst_ValueCodecGui : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
    void colorText_data();
    void colorText();
    void inexactColorsAreRefused_data();
    void inexactColorsAreRefused();
    void badColorText();
    void keySequenceTextThatWouldNotReadBackIsRefused();
    void earlierStreamsStillRead_data() { roundTrip_data(); }
    void earlierStreamsStillRead();
};

void tst_ValueCodecGui::roundTrip_data()
{
    QTest::addColumn<QVariant>("value");
    QTest::addColumn<QString>("type");
    QTest::newRow("color") << QVariant(QColor(1, 2, 3)) << "color";
    QTest::newRow("color with alpha") << QVariant(QColor(255, 0, 0, 128)) << "color";
    QTest::newRow("color transparent") << QVariant(QColor(Qt::transparent)) << "color";
    QTest::newRow("color invalid") << QVariant(QColor()) << "color";
    QFont font(QStringLiteral("DejaVu Sans"), 12);
    font.setBold(true);
    font.setLetterSpacing(QFont::AbsoluteSpacing, 1.5);
    QTest::newRow("font") << QVariant(font) << "font";
    QTest::newRow("font default") << QVariant(QFont()) << "font";
    QTest::newRow("key sequence") << QVariant(QKeySequence(QStringLiteral("Ctrl+Shift+S")))
                                  << "keysequence";
    QTest::newRow("key sequence of two chords")
            << QVariant(QKeySequence(QStringLiteral("Ctrl+K, Ctrl+D"))) << "keysequence";
    QTest::newRow("key sequence empty") << QVariant(QKeySequence()) << "keysequence";
}

void tst_ValueCodecGui::roundTrip()
{
    QFETCH(QVariant, value);
    QFETCH(QString, type);
    QString why;
    QVERIFY2(isEncodable(value, &why), qPrintable(why));
    const EncodedValue encoded = encodeValue(value);
    QCOMPARE(encoded.type, type);
    QVariant decoded;
    QString error;
    QVERIFY2(decodeValue(encoded.type, encoded.text, &decoded, &error), qPrintable(error));
    QCOMPARE(decoded.metaType(), value.metaType());
    QCOMPARE(decoded, value);
    QCOMPARE(encodeValue(decoded).text, encoded.text);
    // Nested, and measured without underestimating.
    const QVariantList list{value, QVariantMap{{QStringLiteral("k"), value}}};
    const EncodedValue nested = encodeValue(list);
    QVERIFY2(decodeValue(nested.type, nested.text, &decoded, &error), qPrintable(error));
    QCOMPARE(decoded, QVariant(list));
    qint64 size = 0;
    const qint64 actual = nested.type.toUtf8().size() + nested.text.toUtf8().size();
    QVERIFY(encodedSizeExceeds(list, actual - 1, &size));
    QVERIFY(size >= actual);
}

void tst_ValueCodecGui::colorText_data()
{
    QTest::addColumn<QColor>("color");
    QTest::addColumn<QString>("text");
    QTest::newRow("opaque") << QColor(0x12, 0x34, 0x56) << "#123456ff";
    QTest::newRow("alpha") << QColor(255, 0, 0, 128) << "#ff000080";
    QTest::newRow("transparent") << QColor(Qt::transparent) << "#00000000";
    QTest::newRow("invalid") << QColor() << "";
}

void tst_ValueCodecGui::colorText()
{
    QFETCH(QColor, color);
    QFETCH(QString, text);
    QCOMPARE(encodeValue(color).text, text);
    QVariant decoded;
    QString error;
    QVERIFY2(decodeValue(QStringLiteral("color"), text.toUpper(), &decoded, &error),
             qPrintable(error));
    QCOMPARE(decoded, QVariant(color));
}

// QColor::operator== compares the spec and the 16-bit components: #rrggbbaa gives back only an
// 8-bit RGB color.
void tst_ValueCodecGui::inexactColorsAreRefused_data()
{
    QTest::addColumn<QColor>("color");
    QTest::newRow("hsv") << QColor::fromHsv(10, 20, 30);
    QTest::newRow("hsl") << QColor::fromHsl(10, 20, 30);
    QTest::newRow("cmyk") << QColor::fromCmyk(1, 2, 3, 4);
    QTest::newRow("16-bit components") << QColor::fromRgba64(1, 2, 3, 4);
    QTest::newRow("extended rgb") << QColor::fromRgbF(1.5f, 0, 0);
}

void tst_ValueCodecGui::inexactColorsAreRefused()
{
    QFETCH(QColor, color);
    QString why;
    QVERIFY(!isEncodable(color, &why));
    QVERIFY2(why.contains(QStringLiteral("QColor")), qPrintable(why));
    QVERIFY2(why.contains(QStringLiteral("fromRgba")), qPrintable(why));
    QVERIFY(!isEncodable(QVariantList{color}, &why));
    // What the message suggests is stored.
    QVERIFY(isEncodable(QColor::fromRgba(color.rgba()), &why));
}

void tst_ValueCodecGui::badColorText()
{
    for (const char *text : {"red", "#ff0000", "#ff00008", "#gg000080", "ff000080ff"}) {
        QVariant decoded;
        QString error;
        QVERIFY2(!decodeValue(QStringLiteral("color"), QString::fromLatin1(text), &decoded, &error),
                 text);
        QVERIFY2(error.contains(QStringLiteral("#rrggbbaa")), qPrintable(error));
    }
}

// fuzz_valuedecoder: Qt reads "Ctrl+K, Ctrl D" as a sequence whose own text ("Ctrl+K, ") reads
// back as another one; refused on reading so that what is read can be written back exactly.
void tst_ValueCodecGui::keySequenceTextThatWouldNotReadBackIsRefused()
{
    QVariant decoded;
    QString error;
    QVERIFY(!decodeValue(QStringLiteral("keysequence"), QStringLiteral("Ctrl+K, Ctrl D"), &decoded,
                         &error));
    QVERIFY2(error.contains(QStringLiteral("QKeySequence")), qPrintable(error));
    QVERIFY2(decodeValue(QStringLiteral("keysequence"), QStringLiteral("Ctrl+K, Ctrl+D"), &decoded,
                         &error),
             qPrintable(error));
    QCOMPARE(decoded, QVariant(QKeySequence(Qt::CTRL | Qt::Key_K, Qt::CTRL | Qt::Key_D)));
}

// Earlier versions wrote these types as "variant:TypeName", base64 of QDataStream << QVariant.
void tst_ValueCodecGui::earlierStreamsStillRead()
{
    QFETCH(QVariant, value);
    QByteArray bytes;
    QDataStream stream(&bytes, QIODevice::WriteOnly);
    stream.setVersion(QDataStream::Qt_6_0);
    stream << value;
    QVariant decoded;
    QString error;
    QVERIFY2(decodeValue(QStringLiteral("variant:") + QLatin1StringView(value.metaType().name()),
                         QString::fromLatin1(bytes.toBase64()), &decoded, &error),
             qPrintable(error));
    QCOMPARE(decoded, value);
}

QTEST_MAIN(tst_ValueCodecGui)
#include "tst_valuecodecgui.moc"
