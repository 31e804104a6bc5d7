// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "codec/valuetextforms_p.h"

#include <QtCore/QRegularExpression>
#include <QtCore/QTimeZone>

#include <array>
#include <cmath>
#include <limits>

namespace PersistentMapInternal::TextForms {

namespace {

QString twoDigits(int number)
{
    return QStringLiteral("%1").arg(number, 2, 10, QLatin1Char('0'));
}

// Reads `count` decimal digits at *pos; false when there are fewer.
bool readDigits(QStringView text, qsizetype *pos, int count, int *number)
{
    if (*pos + count > text.size())
        return false;
    int value = 0;
    for (int i = 0; i < count; ++i) {
        const QChar c = text.at(*pos + i);
        if (c < u'0' || c > u'9')
            return false;
        value = value * 10 + (c.unicode() - u'0');
    }
    *pos += count;
    *number = value;
    return true;
}

bool readChar(QStringView text, qsizetype *pos, char16_t expected)
{
    if (*pos >= text.size() || text.at(*pos) != expected)
        return false;
    ++*pos;
    return true;
}

// Splits text at the given separators, in this order, into separators.size() + 1 fields, none
// empty.
template<std::size_t N>
bool splitFields(QStringView text, const char (&separators)[N], std::array<QStringView, N> *fields)
{
    qsizetype pos = 0;
    for (std::size_t i = 0; i + 1 < N; ++i) {
        const qsizetype at = text.indexOf(QLatin1Char(separators[i]), pos);
        if (at <= pos)
            return false;
        (*fields)[i] = text.mid(pos, at - pos);
        pos = at + 1;
    }
    (*fields)[N - 1] = text.mid(pos);
    return !(*fields)[N - 1].isEmpty();
}

template<std::size_t N>
bool parseInts(QStringView text, const char (&separators)[N], std::array<int, N> *numbers)
{
    std::array<QStringView, N> fields;
    if (!splitFields(text, separators, &fields))
        return false;
    for (std::size_t i = 0; i < N; ++i) {
        bool ok = false;
        (*numbers)[i] = fields[i].toInt(&ok);
        if (!ok)
            return false;
    }
    return true;
}

template<std::size_t N>
bool parseDoubles(QStringView text, const char (&separators)[N], std::array<double, N> *numbers)
{
    std::array<QStringView, N> fields;
    if (!splitFields(text, separators, &fields))
        return false;
    for (std::size_t i = 0; i < N; ++i) {
        if (!parseFloatingPoint(fields[i], &(*numbers)[i]))
            return false;
    }
    return true;
}

QString offsetText(int offset)
{
    const int magnitude = std::abs(offset);
    QString text = (offset < 0 ? QStringLiteral("-") : QStringLiteral("+")) +
            twoDigits(magnitude / 3600) + u':' + twoDigits(magnitude % 3600 / 60);
    if (magnitude % 60 != 0) // Qt's ISO text drops these seconds (historic local mean times)
        text += u':' + twoDigits(magnitude % 60);
    return text;
}

constexpr QLatin1StringView localSuffix("local");

} // namespace

QString floatingPoint(double number)
{
    // QString::number() writes -0.0 as "0", which would read back as +0.0 (found by
    // tests/fuzz/fuzz_valuedecoder).
    if (number == 0 && std::signbit(number))
        return QStringLiteral("-0");
    return QString::number(number, 'g', QLocale::FloatingPointShortest);
}

bool parseFloatingPoint(QStringView text, double *number)
{
    bool ok = false;
    *number = text.toDouble(&ok);
    return ok;
}

QString date(QDate date)
{
    if (!date.isValid())
        return QString();
    // Astronomical numbering, as ISO 8601 expanded years: Qt has no year 0 (1 BC is -1).
    const qint64 year = date.year() < 0 ? qint64(date.year()) + 1 : date.year();
    QString text = QStringLiteral("%1").arg(std::abs(year), 4, 10, QLatin1Char('0'));
    if (year < 0)
        text.prepend(u'-');
    else if (year > 9999)
        text.prepend(u'+');
    return text + u'-' + twoDigits(date.month()) + u'-' + twoDigits(date.day());
}

bool parseDate(QStringView text, QDate *date)
{
    qsizetype pos = 0;
    const bool signed_ = !text.isEmpty() && (text.front() == u'+' || text.front() == u'-');
    const bool negative = signed_ && text.front() == u'-';
    if (signed_)
        ++pos;
    const qsizetype digitsEnd = text.indexOf(u'-', pos);
    const qsizetype digits = digitsEnd - pos;
    // Four digits, or with a sign four to ten (an int year, Qt's range).
    if (digitsEnd < 0 || digits < 4 || digits > (signed_ ? 10 : 4))
        return false;
    qint64 year = 0;
    for (qsizetype i = pos; i < digitsEnd; ++i) {
        const QChar c = text.at(i);
        if (c < u'0' || c > u'9')
            return false;
        year = year * 10 + (c.unicode() - u'0');
    }
    if (negative)
        year = -year;
    pos = digitsEnd;
    int month = 0;
    int day = 0;
    if (!readChar(text, &pos, u'-') || !readDigits(text, &pos, 2, &month) ||
        !readChar(text, &pos, u'-') || !readDigits(text, &pos, 2, &day) || pos != text.size()) {
        return false;
    }
    const qint64 qtYear = year <= 0 ? year - 1 : year;
    if (qtYear < std::numeric_limits<int>::min() || qtYear > std::numeric_limits<int>::max())
        return false;
    *date = QDate(int(qtYear), month, day);
    return date->isValid();
}

QString dateTime(const QDateTime &dateTime)
{
    if (!dateTime.isValid())
        return QString();
    QString text = date(dateTime.date()) + u'T' + dateTime.time().toString(Qt::ISODateWithMs);
    switch (dateTime.timeSpec()) {
    case Qt::UTC:
        return text + u'Z';
    case Qt::OffsetFromUTC:
        return text + offsetText(dateTime.offsetFromUtc());
    case Qt::LocalTime:
        return text + offsetText(dateTime.offsetFromUtc()) + u'[' + localSuffix + u']';
    case Qt::TimeZone:
        return text + offsetText(dateTime.offsetFromUtc()) + u'[' +
                QString::fromUtf8(dateTime.timeZone().id()) + u']';
    }
    return text;
}

bool parseDateTime(QStringView text, QDateTime *dateTime, QString *error)
{
    const qsizetype t = text.indexOf(u'T');
    QDate day;
    if (t < 0 || !parseDate(text.left(t), &day))
        return false;
    qsizetype pos = t + 1;
    int hour = 0, minute = 0, second = 0, msec = 0;
    if (!readDigits(text, &pos, 2, &hour) || !readChar(text, &pos, u':') ||
        !readDigits(text, &pos, 2, &minute) || !readChar(text, &pos, u':') ||
        !readDigits(text, &pos, 2, &second)) {
        return false;
    }
    if (readChar(text, &pos, u'.') && !readDigits(text, &pos, 3, &msec))
        return false;
    const QTime time(hour, minute, second, msec);
    if (!time.isValid())
        return false;
    int offset = 0;
    const bool utc = readChar(text, &pos, u'Z');
    if (!utc) {
        const bool negative = readChar(text, &pos, u'-');
        if (!negative && !readChar(text, &pos, u'+'))
            return false;
        int hours = 0, minutes = 0, seconds = 0;
        if (!readDigits(text, &pos, 2, &hours) || !readChar(text, &pos, u':') ||
            !readDigits(text, &pos, 2, &minutes) || minutes > 59) {
            return false;
        }
        if (readChar(text, &pos, u':') && (!readDigits(text, &pos, 2, &seconds) || seconds > 59))
            return false;
        offset = (negative ? -1 : 1) * (hours * 3600 + minutes * 60 + seconds);
    }
    QStringView zone;
    if (readChar(text, &pos, u'[')) {
        if (!text.endsWith(u']') || text.size() - 1 <= pos)
            return false;
        zone = text.mid(pos, text.size() - 1 - pos);
        pos = text.size();
    }
    if (pos != text.size())
        return false;
    const QDateTime instant =
            utc ? QDateTime(day, time, Qt::UTC) : QDateTime(day, time, Qt::OffsetFromUTC, offset);
    if (!instant.isValid())
        return false;
    if (zone.isNull()) {
        *dateTime = instant;
    } else if (zone == localSuffix) {
        *dateTime = instant.toLocalTime();
    } else {
        // Qt's tz backend opens /usr/share/zoneinfo/<id>: an id is a path there, so one that
        // climbs out of it ("Europe/../../tmp/fifo") could open any file, a FIFO blocking the
        // read for good (found by the adversarial review of issue 12). IANA ids and Qt's
        // "UTC+01:00" are words of letters, digits and "_-+:." between slashes.
        static const QRegularExpression zoneId(
                QStringLiteral("\\A[A-Za-z0-9_+:.-]{1,64}(?:/[A-Za-z0-9_+:.-]{1,64}){0,3}\\z"));
        const bool climbs = zone.split(u'/').contains(QStringView(u"..")) ||
                zone.split(u'/').contains(QStringView(u"."));
        if (climbs || !zoneId.match(zone).hasMatch()) {
            *error = QStringLiteral("'%1' is not a time zone id").arg(zone.left(64));
            return false;
        }
        const QTimeZone timeZone(zone.toUtf8());
        if (!timeZone.isValid()) {
            *error = QStringLiteral("the time zone '%1' is not known on this system")
                             .arg(zone.left(64));
            return false;
        }
        *dateTime = instant.toTimeZone(timeZone);
    }
    return dateTime->isValid();
}

QString point(QPointF point)
{
    return floatingPoint(point.x()) + u',' + floatingPoint(point.y());
}

QString point(QPoint point)
{
    return QString::number(point.x()) + u',' + QString::number(point.y());
}

QString size(QSizeF size)
{
    return floatingPoint(size.width()) + u'x' + floatingPoint(size.height());
}

QString size(QSize size)
{
    return QString::number(size.width()) + u'x' + QString::number(size.height());
}

QString rect(const QRectF &rect)
{
    return point(rect.topLeft()) + u' ' + size(rect.size());
}

QString rect(const QRect &rect)
{
    // QRect keeps its corners; the width and height are counted in 64 bits (QRect::width() of
    // a rect spanning more than INT_MAX overflows). The codec refuses a rect whose width or
    // height does not fit an int.
    return point(rect.topLeft()) + u' ' + QString::number(qint64(rect.right()) - rect.left() + 1) +
            u'x' + QString::number(qint64(rect.bottom()) - rect.top() + 1);
}

QString line(const QLineF &line)
{
    return point(line.p1()) + u' ' + point(line.p2());
}

QString line(const QLine &line)
{
    return point(line.p1()) + u' ' + point(line.p2());
}

bool parsePoint(QStringView text, QPointF *point)
{
    std::array<double, 2> n;
    if (!parseDoubles(text, ",", &n))
        return false;
    *point = QPointF(n[0], n[1]);
    return true;
}

bool parsePoint(QStringView text, QPoint *point)
{
    std::array<int, 2> n;
    if (!parseInts(text, ",", &n))
        return false;
    *point = QPoint(n[0], n[1]);
    return true;
}

bool parseSize(QStringView text, QSizeF *size)
{
    std::array<double, 2> n;
    if (!parseDoubles(text, "x", &n))
        return false;
    *size = QSizeF(n[0], n[1]);
    return true;
}

bool parseSize(QStringView text, QSize *size)
{
    std::array<int, 2> n;
    if (!parseInts(text, "x", &n))
        return false;
    *size = QSize(n[0], n[1]);
    return true;
}

bool parseRect(QStringView text, QRectF *rect)
{
    std::array<double, 4> n;
    if (!parseDoubles(text, ", x", &n))
        return false;
    *rect = QRectF(n[0], n[1], n[2], n[3]);
    return true;
}

bool parseRect(QStringView text, QRect *rect)
{
    // QRect stores its corners: a right or bottom edge past the int range (x + w - 1 overflows)
    // is refused rather than computed.
    std::array<int, 4> n;
    if (!parseInts(text, ", x", &n))
        return false;
    const qint64 right = qint64(n[0]) + n[2] - 1;
    const qint64 bottom = qint64(n[1]) + n[3] - 1;
    if (right < std::numeric_limits<int>::min() || right > std::numeric_limits<int>::max() ||
        bottom < std::numeric_limits<int>::min() || bottom > std::numeric_limits<int>::max()) {
        return false;
    }
    *rect = QRect(QPoint(n[0], n[1]), QPoint(int(right), int(bottom)));
    return true;
}

bool parseLine(QStringView text, QLineF *line)
{
    std::array<double, 4> n;
    if (!parseDoubles(text, ", ,", &n))
        return false;
    *line = QLineF(n[0], n[1], n[2], n[3]);
    return true;
}

bool parseLine(QStringView text, QLine *line)
{
    std::array<int, 4> n;
    if (!parseInts(text, ", ,", &n))
        return false;
    *line = QLine(n[0], n[1], n[2], n[3]);
    return true;
}

} // namespace PersistentMapInternal::TextForms
