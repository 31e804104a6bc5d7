// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// libFuzzer target for decodeValue (src/codec/valuecodec.cpp). The input is a type tag, a
// line break and the text. Linked with Qt Gui, so the QColor, QFont and QKeySequence decoders
// run too. Any input is decoded without a memory error or undefined behaviour;
// when it decodes, the value is storable, and encodeValue() of it decodes back to the same value
// of the same type and encodes to the same text again.
#include "codec/valuecodec_p.h"

#include <QtCore/QDataStream>
#include <QtCore/QDateTime>
#include <QtCore/QIODevice>
#include <QtCore/QLine>
#include <QtCore/QRect>
#include <QtCore/QTimeZone>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace PersistentMapInternal;

namespace {

[[noreturn]] void failure(const char *what, const QString &type, const QString &text)
{
    std::fprintf(stderr, "fuzz_valuedecoder: %s: type '%s' text '%s'\n", what,
                 type.toUtf8().toPercentEncoding(" ").constData(),
                 text.toUtf8().toPercentEncoding(" ").constData());
    std::abort();
}

bool isNull(const QVariant &v)
{
    // encodeValue() writes both as "null", which reads back as an invalid QVariant.
    return !v.isValid() || v.metaType().id() == QMetaType::Nullptr;
}

template<typename T>
bool sameFloat(T a, T b)
{
    if (std::isnan(a) || std::isnan(b))
        return std::isnan(a) && std::isnan(b);
    return a == b && std::signbit(a) == std::signbit(b);
}

QByteArray streamed(const QVariant &v)
{
    QByteArray bytes;
    QDataStream stream(&bytes, QIODevice::WriteOnly);
    stream.setVersion(QDataStream::Qt_6_0);
    stream << v;
    return bytes;
}

bool sameValue(const QVariant &a, const QVariant &b)
{
    if (isNull(a) || isNull(b))
        return isNull(a) && isNull(b);
    if (a.metaType() != b.metaType())
        return false;
    switch (a.metaType().id()) {
    case QMetaType::Double:
        return sameFloat(a.toDouble(), b.toDouble());
    case QMetaType::Float:
        return sameFloat(a.toFloat(), b.toFloat());
    case QMetaType::QDateTime: {
        // The same instant, time spec, offset and zone (operator== compares instants only).
        const QDateTime x = a.toDateTime(), y = b.toDateTime();
        if (!x.isValid() || !y.isValid())
            return x.isValid() == y.isValid();
        return x.toMSecsSinceEpoch() == y.toMSecsSinceEpoch() && x.timeSpec() == y.timeSpec() &&
                x.offsetFromUtc() == y.offsetFromUtc() && x.timeZone().id() == y.timeZone().id();
    }
    // Bit for bit: Qt's operator== of these is fuzzy.
    case QMetaType::QPointF:
        return sameFloat(a.toPointF().x(), b.toPointF().x()) &&
                sameFloat(a.toPointF().y(), b.toPointF().y());
    case QMetaType::QSizeF:
        return sameFloat(a.toSizeF().width(), b.toSizeF().width()) &&
                sameFloat(a.toSizeF().height(), b.toSizeF().height());
    case QMetaType::QRectF:
        return sameValue(a.toRectF().topLeft(), b.toRectF().topLeft()) &&
                sameValue(a.toRectF().size(), b.toRectF().size());
    case QMetaType::QLineF:
        return sameValue(a.toLineF().p1(), b.toLineF().p1()) &&
                sameValue(a.toLineF().p2(), b.toLineF().p2());
    case QMetaType::QVariantList: {
        const QVariantList x = a.toList(), y = b.toList();
        if (x.size() != y.size())
            return false;
        for (qsizetype i = 0; i < x.size(); ++i) {
            if (!sameValue(x.at(i), y.at(i)))
                return false;
        }
        return true;
    }
    case QMetaType::QVariantMap: {
        const QVariantMap x = a.toMap(), y = b.toMap();
        if (x.keys() != y.keys())
            return false;
        for (auto it = x.cbegin(); it != x.cend(); ++it) {
            if (!sameValue(it.value(), y.value(it.key())))
                return false;
        }
        return true;
    }
    case QMetaType::QVariantHash: {
        const QVariantHash x = a.toHash(), y = b.toHash();
        if (x.size() != y.size())
            return false;
        for (auto it = x.cbegin(); it != x.cend(); ++it) {
            if (!y.contains(it.key()) || !sameValue(it.value(), y.value(it.key())))
                return false;
        }
        return true;
    }
    default:
        // Types without operator== (QVariant::operator== is then false): their streamed form.
        if (!a.metaType().hasRegisteredDataStreamOperators() || a == b)
            return a == b;
        return streamed(a) == streamed(b);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *bytes, std::size_t size)
{
    const QByteArray data(reinterpret_cast<const char *>(bytes), qsizetype(size));
    const qsizetype newline = data.indexOf('\n');
    const QString type = QString::fromUtf8(newline < 0 ? data : data.left(newline));
    const QString text = newline < 0 ? QString() : QString::fromUtf8(data.mid(newline + 1));

    QVariant decoded;
    QString error;
    if (!decodeValue(type, text, &decoded, &error)) {
        if (error.isEmpty())
            failure("failed without saying why", type, text);
        return 0;
    }
    QString why;
    if (!isEncodable(decoded, &why)) {
        // A "variant:" row an earlier version wrote is read as it was, also when the value has
        // no exact text form (a QColor in HSV): insert() refuses it if it is written back.
        if (type.startsWith(QLatin1StringView("variant:")))
            return 0;
        failure(qPrintable(QStringLiteral("decoded a value it cannot store: ") + why), type, text);
    }

    const EncodedValue encoded = encodeValue(decoded);
    QVariant again;
    if (!decodeValue(encoded.type, encoded.text, &again, &error)) {
        failure(qPrintable(QStringLiteral("re-encoded value does not decode: %1 (as %2 '%3')")
                                   .arg(error, encoded.type, encoded.text)),
                type, text);
    }
    if (!sameValue(decoded, again)) {
        failure(qPrintable(QStringLiteral("re-encoded value decodes differently (as %1 '%2')")
                                   .arg(encoded.type, encoded.text)),
                type, text);
    }
    const EncodedValue twice = encodeValue(again);
    if (twice.type != encoded.type || twice.text != encoded.text) {
        failure(qPrintable(QStringLiteral("encoding is not stable: %1 '%2' then %3 '%4'")
                                   .arg(encoded.type, encoded.text, twice.type, twice.text)),
                type, text);
    }
    return 0;
}
