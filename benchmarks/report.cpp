// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The report: every figure for the JSON file, the targets with PASS/MISS, the summary table and
// the data file gnuplot draws.
#include "bench.h"

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QSaveFile>
#include <QtCore/QSet>

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <limits>

namespace Bench {

void out(const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    std::vprintf(format, arguments);
    va_end(arguments);
    std::fflush(stdout);
}

QString rate(double perSecond)
{
    if (perSecond >= 1e6)
        return QStringLiteral("%1 M/s").arg(perSecond / 1e6, 0, 'f', 2);
    if (perSecond >= 1e3)
        return QStringLiteral("%1 k/s").arg(perSecond / 1e3, 0, 'f', 1);
    return QStringLiteral("%1 /s").arg(perSecond, 0, 'f', 0);
}

void Report::add(const QString &workload, qint64 n, const QString &subject, const QString &metric,
                 double value, const QString &unit, const QString &note)
{
    m_rows.append({workload, n, subject, metric, value, unit, note});
}

double Report::find(const QString &workload, qint64 n, const QString &subject,
                    const QString &metric) const
{
    for (const Row &row : m_rows) {
        if (row.workload == workload && row.n == n && row.subject == subject &&
            row.metric == metric)
            return row.value;
    }
    return std::numeric_limits<double>::quiet_NaN();
}

void Report::target(const QString &id, const QString &line, double value, const QString &valueText,
                    bool atLeast, double threshold, const QString &thresholdText)
{
    const bool pass = std::isfinite(value) && (atLeast ? value >= threshold : value <= threshold);
    m_targets.append({id, line, value, valueText, atLeast, threshold, thresholdText, pass});
    out("  %s (target %s) %s\n", qPrintable(line), qPrintable(thresholdText),
        pass ? "PASS" : "MISS");
}

int Report::missed() const
{
    int count = 0;
    for (const Target &target : m_targets)
        count += target.pass ? 0 : 1;
    return count;
}

void Report::printSummary() const
{
    out("\nSummary of the targets\n");
    out("%-12s %-11s %-11s %-6s %s\n", "target", "measured", "target", "result", "figures");
    for (const Target &target : m_targets) {
        out("%-12s %-11s %-11s %-6s %s\n", qPrintable(target.id), qPrintable(target.valueText),
            qPrintable(target.thresholdText), target.pass ? "PASS" : "MISS",
            qPrintable(target.line));
    }
    out("%lld of %lld targets met\n", qlonglong(m_targets.size() - missed()),
        qlonglong(m_targets.size()));
}

bool Report::writeJson(const QString &path, const QJsonObject &header) const
{
    QJsonArray results;
    for (const Row &row : m_rows) {
        QJsonObject object{
                {QStringLiteral("workload"), row.workload}, {QStringLiteral("n"), row.n},
                {QStringLiteral("subject"), row.subject},   {QStringLiteral("metric"), row.metric},
                {QStringLiteral("value"), row.value},       {QStringLiteral("unit"), row.unit}};
        if (!row.note.isEmpty())
            object.insert(QStringLiteral("note"), row.note);
        results.append(object);
    }
    QJsonArray targets;
    for (const Target &target : m_targets) {
        targets.append(QJsonObject{{QStringLiteral("id"), target.id},
                                   {QStringLiteral("line"), target.line},
                                   {QStringLiteral("value"), target.value},
                                   {QStringLiteral("measured"), target.valueText},
                                   {QStringLiteral("target"), target.thresholdText},
                                   {QStringLiteral("threshold"), target.threshold},
                                   {QStringLiteral("atLeast"), target.atLeast},
                                   {QStringLiteral("pass"), target.pass}});
    }
    QJsonObject document = header;
    document.insert(QStringLiteral("results"), results);
    document.insert(QStringLiteral("targets"), targets);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    file.write(QJsonDocument(document).toJson());
    return file.commit();
}

bool Report::writeDat(const QString &path) const
{
    // One row per N; a figure not measured at that N (a capped baseline) is NaN, which gnuplot
    // leaves out.
    const QList<QPair<QString, QString>> columns{
            {QStringLiteral("W1"), QStringLiteral("ours")},
            {QStringLiteral("W1"), QStringLiteral("raw C API")},
            {QStringLiteral("W1"), QStringLiteral("QSettings INI")},
            {QStringLiteral("W1"), QStringLiteral("commit per write")},
            {QStringLiteral("W4"), QStringLiteral("ours")},
            {QStringLiteral("W4"), QStringLiteral("raw C API")},
    };
    QList<qint64> sizes;
    for (const Row &row : m_rows) {
        if ((row.workload == QLatin1String("W1") || row.workload == QLatin1String("W4")) &&
            !sizes.contains(row.n))
            sizes.append(row.n);
    }
    std::sort(sizes.begin(), sizes.end());
    QByteArray text = "# N  W1:ours  W1:raw-C-API  W1:QSettings-INI  W1:commit-per-write  "
                      "W4:ours  W4:raw-C-API   (entries per second)\n";
    for (const qint64 n : sizes) {
        text += QByteArray::number(n);
        for (const auto &column : columns) {
            const double value = find(column.first, n, column.second, QStringLiteral("rate"));
            text += ' ' + (std::isfinite(value) ? QByteArray::number(value, 'f', 0) : "NaN");
        }
        text += '\n';
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    file.write(text);
    return file.commit();
}

} // namespace Bench
