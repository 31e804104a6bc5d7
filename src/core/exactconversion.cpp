// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PersistentMap::get<T>()'s conversions: only those that lose nothing (issue 12: a stored 0.8
// gave get<int>() 1, and 9000000000 gave 410065408).
#include <PersistentMap/persistentmap.h>

#include "codec/valuecodec_p.h"
#include "core/exactconversion_p.h"

#include <cmath>

namespace {

enum class NumberKind { NotANumber, Signed, Unsigned, Floating };

NumberKind numberKind(QMetaType type)
{
    switch (type.id()) {
    case QMetaType::Int:
    case QMetaType::LongLong:
    case QMetaType::Short:
    case QMetaType::Long:
    case QMetaType::SChar:
    case QMetaType::Char: // signed on the platforms Qt runs on here
        return NumberKind::Signed;
    case QMetaType::UInt:
    case QMetaType::ULongLong:
    case QMetaType::UShort:
    case QMetaType::ULong:
    case QMetaType::UChar:
        return NumberKind::Unsigned;
    case QMetaType::Double:
    case QMetaType::Float:
        return NumberKind::Floating;
    default:
        return NumberKind::NotANumber;
    }
}

// Whether a floating-point number equals an integer exactly (no rounding, no wrap).
bool floatingEqualsInteger(double number, const QVariant &integer, NumberKind kind)
{
    if (!std::isfinite(number) || std::trunc(number) != number)
        return false;
    if (kind == NumberKind::Signed) {
        // [-2^63, 2^63): every double in it converts to qint64 without overflow.
        if (number < -9223372036854775808.0 || number >= 9223372036854775808.0)
            return false;
        return qint64(number) == integer.toLongLong();
    }
    if (number < 0 || number >= 18446744073709551616.0)
        return false;
    return quint64(number) == integer.toULongLong();
}

// Whether two numbers are the same number, whatever their types.
bool sameNumber(const QVariant &a, const QVariant &b)
{
    const NumberKind ka = numberKind(a.metaType());
    const NumberKind kb = numberKind(b.metaType());
    if (ka == NumberKind::Floating && kb == NumberKind::Floating) {
        const double x = a.toDouble(); // a float widens to double exactly
        const double y = b.toDouble();
        return x == y || (std::isnan(x) && std::isnan(y));
    }
    if (ka == NumberKind::Floating)
        return floatingEqualsInteger(a.toDouble(), b, kb);
    if (kb == NumberKind::Floating)
        return floatingEqualsInteger(b.toDouble(), a, ka);
    const bool aNegative = ka == NumberKind::Signed && a.toLongLong() < 0;
    const bool bNegative = kb == NumberKind::Signed && b.toLongLong() < 0;
    if (aNegative || bNegative)
        return aNegative && bNegative && a.toLongLong() == b.toLongLong();
    return a.toULongLong() == b.toULongLong();
}

// The same value as the store tells them apart: the same stored text when both can be stored
// (QPointF's operator== is fuzzy, QDateTime's compares instants only, ignoring the zone),
// operator== otherwise.
bool sameStoredValue(const QVariant &a, const QVariant &b)
{
    using namespace PersistentMapInternal;
    if (a.metaType() != b.metaType())
        return false;
    if (isEncodable(a) && isEncodable(b)) {
        const EncodedValue x = encodeValue(a);
        const EncodedValue y = encodeValue(b);
        return x.type == y.type && x.text == y.text;
    }
    return a == b;
}

} // namespace

bool PersistentMap::convertExactly(const QVariant &stored, QMetaType type, QVariant *converted)
{
    return PersistentMapInternal::convertExactly(stored, type, converted);
}

bool PersistentMapInternal::convertExactly(const QVariant &stored, QMetaType type,
                                           QVariant *converted)
{
    QVariant result = stored;
    if (!result.convert(type))
        return false;
    if (numberKind(stored.metaType()) != NumberKind::NotANumber &&
        numberKind(type) != NumberKind::NotANumber) {
        if (!sameNumber(stored, result))
            return false;
    } else {
        // Any other conversion must come back: "17" -> 17 -> "17", but "017" -> 17 -> "17".
        QVariant back = result;
        if (!back.convert(stored.metaType()) || !sameStoredValue(back, stored))
            return false;
    }
    *converted = std::move(result);
    return true;
}
