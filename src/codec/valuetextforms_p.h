// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Readable, exact text forms of Qt's value types (numbers, dates and times, geometry), used by
// the value codec (valuecodec.cpp) and documented in docs/FORMAT.md. Each parser accepts what
// its writer produces and returns false for anything else; none allocates more than its input.
#ifndef VALUETEXTFORMS_P_H
#define VALUETEXTFORMS_P_H

#include <QtCore/QDateTime>
#include <QtCore/QLine>
#include <QtCore/QPoint>
#include <QtCore/QRect>
#include <QtCore/QSize>
#include <QtCore/QString>

namespace PersistentMapInternal::TextForms {

// Shortest text that reads back as the same number: "-0", "inf", "-inf", "nan" included.
QString floatingPoint(double number);
bool parseFloatingPoint(QStringView text, double *number);

// ISO 8601 calendar date with astronomical year numbering (Qt's year -1, 1 BC, is year 0000):
// four digits for years 0000 to 9999, a sign and at least four digits outside ("+12000-01-01",
// "-0001-06-01" for Qt's year -2). An invalid date is the empty text.
QString date(QDate date);
bool parseDate(QStringView text, QDate *date);

// The date, "T", hh:mm:ss.zzz, the offset from UTC ("Z" for Qt::UTC, else +hh:mm, or +hh:mm:ss
// when it has seconds) and for a Qt::TimeZone its IANA id in brackets (RFC 9557,
// "...+02:00[Europe/Berlin]"); a Qt::LocalTime ends in "[local]" and reads back as local time
// at the same instant. An invalid date-time is the empty text.
QString dateTime(const QDateTime &dateTime);
bool parseDateTime(QStringView text, QDateTime *dateTime, QString *error);

// "x,y", "wxh", "x,y wxh" and "x1,y1 x2,y2"; the F variants use floatingPoint() numbers.
QString point(QPointF point);
QString point(QPoint point);
QString size(QSizeF size);
QString size(QSize size);
QString rect(const QRectF &rect);
QString rect(const QRect &rect);
QString line(const QLineF &line);
QString line(const QLine &line);
bool parsePoint(QStringView text, QPointF *point);
bool parsePoint(QStringView text, QPoint *point);
bool parseSize(QStringView text, QSizeF *size);
bool parseSize(QStringView text, QSize *size);
bool parseRect(QStringView text, QRectF *rect);
bool parseRect(QStringView text, QRect *rect);
bool parseLine(QStringView text, QLineF *line);
bool parseLine(QStringView text, QLine *line);

} // namespace PersistentMapInternal::TextForms

#endif // VALUETEXTFORMS_P_H
