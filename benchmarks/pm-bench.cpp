// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// pm-bench: measures PersistentMap against the SQLite C API, QSettings and a locked QHash on the
// workloads of issue 4 and prints the ratios its targets use; W8 and W9 (issue 13, built with
// the QML module) measure the QML layer. docs/PERFORMANCE.md has a run.
//
//   pm-bench [--quick] [--sizes 10000,100000,1000000] [--read-sizes 300000] [--value-size 100]
//            [--only W1,W4] [--repeat 3] [--json FILE] [--dat FILE] [--dir FOLDER] [--postgres URL]
//            [--samples 7] [--qml-import-path FOLDER] [--startup-samples 15]
#include "bench.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QSysInfo>
#include <QtCore/QThread>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>

#include <exception>

using namespace Bench;

namespace {

QString firstMatch(const QString &file, const QString &prefix)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'));
    for (const QString &line : lines) {
        if (line.startsWith(prefix))
            return line.mid(line.indexOf(QLatin1Char(':')) + 1).trimmed();
    }
    return {};
}

QString loadAverage()
{
    QFile f(QStringLiteral("/proc/loadavg"));
    return f.open(QIODevice::ReadOnly)
            ? QString::fromUtf8(f.readAll()).section(QLatin1Char(' '), 0, 2)
            : QString();
}

// The SQLite version Qt's QSQLITE driver runs on: the raw baseline must use the same library.
QString driverSqliteVersion()
{
    QString version;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"),
                                                    QStringLiteral("pm-bench-version"));
        db.setDatabaseName(QStringLiteral(":memory:"));
        if (db.open()) {
            QSqlQuery query(QStringLiteral("SELECT sqlite_version()"), db);
            if (query.next())
                version = query.value(0).toString();
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("pm-bench-version"));
    return version;
}

#ifndef PMBENCH_WITH_QML
void qmlSkipped(const char *workload)
{
    out("\n%s skipped: pm-bench was built without the QML module (PERSISTENTMAP_BUILD_QML)\n",
        workload);
}
#endif

QList<qint64> parseSizes(const QString &text, bool *ok)
{
    QList<qint64> sizes;
    *ok = true;
    for (const QString &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const qint64 n = part.trimmed().toLongLong(ok);
        if (!*ok || n <= 0) {
            *ok = false;
            return {};
        }
        sizes.append(n);
    }
    *ok = !sizes.isEmpty();
    return sizes;
}

} // namespace

#ifndef PMBENCH_WITH_QML
namespace Bench {
void runW8(const Options &, Report &)
{
    qmlSkipped("W8");
}
void runW9(const Options &, Report &)
{
    qmlSkipped("W9");
}
int runW8Child(const QStringList &)
{
    return 2;
}
} // namespace Bench
#endif

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("pm-bench"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PMBENCH_VERSION));

    const QStringList arguments = QCoreApplication::arguments();
    if (arguments.size() > 2 && arguments.at(1) == QLatin1String("--child")) {
        try {
            if (arguments.at(2) == QLatin1String("w6"))
                return runW6Child(arguments.mid(3));
            if (arguments.at(2) == QLatin1String("w7"))
                return runW7Child(arguments.mid(3));
            if (arguments.at(2) == QLatin1String("w8"))
                return runW8Child(arguments.mid(3));
            if (arguments.at(2) == QLatin1String("w10"))
                return runW10Child(arguments.mid(3));
            return 2;
        } catch (const std::exception &e) {
            std::fprintf(stderr, "pm-bench child: %s\n", e.what());
            return 1;
        }
    }

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
            "Measures PersistentMap against the SQLite C API, QSettings and a locked QHash "
            "(issue 4) and prints the ratios of its targets; with the QML module, W8 and W9 "
            "measure the QML layer against Qt.labs.settings and plain JavaScript (issue 13); W10 "
            "times start-up and close against QSettings in fresh processes (issue 15)."));
    parser.addHelpOption();
    const QCommandLineOption quick(QStringLiteral("quick"),
                                   QStringLiteral("Tiny sizes: a smoke run of a few seconds."));
    const QCommandLineOption sizes(QStringLiteral("sizes"),
                                   QStringLiteral("Entry counts for W1, W4, W5 and W6."),
                                   QStringLiteral("N,N,..."));
    const QCommandLineOption readSizes(
            QStringLiteral("read-sizes"),
            QStringLiteral("Key counts for W3 (default 100000,300000,1000000)."),
            QStringLiteral("N,N,..."));
    const QCommandLineOption valueSize(QStringLiteral("value-size"),
                                       QStringLiteral("Characters per value (default 100)."),
                                       QStringLiteral("bytes"));
    const QCommandLineOption only(QStringLiteral("only"),
                                  QStringLiteral("Run these workloads only, e.g. W1,W4."),
                                  QStringLiteral("list"));
    const QCommandLineOption repeat(QStringLiteral("repeat"),
                                    QStringLiteral("Best of this many runs up to N=100000 "
                                                   "(default 3)."),
                                    QStringLiteral("count"));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Write every figure to this JSON file."),
                                  QStringLiteral("file"));
    const QCommandLineOption dat(QStringLiteral("dat"),
                                 QStringLiteral("Write W1 and W4 against N for gnuplot."),
                                 QStringLiteral("file"));
    const QCommandLineOption dir(QStringLiteral("dir"),
                                 QStringLiteral("Folder for the temporary stores (default: the "
                                                "system temporary folder)."),
                                 QStringLiteral("folder"));
    const QCommandLineOption postgres(
            QStringLiteral("postgres"),
            QStringLiteral("W7 on this PostgreSQL server too, in a table of its own that is "
                           "dropped afterwards (default: $PM_TEST_POSTGRES; none: skipped)."),
            QStringLiteral("postgres://user@host:port/db"));
    const QCommandLineOption samples(
            QStringLiteral("samples"),
            QStringLiteral("W8: fresh processes per side and size (default 7)."),
            QStringLiteral("count"));
    const QCommandLineOption qmlImportPath(
            QStringLiteral("qml-import-path"),
            QStringLiteral("W8, W9: the folder holding PersistentMap/qmldir (default: the build "
                           "tree's QML folder, found relative to pm-bench)."),
            QStringLiteral("folder"));
    const QCommandLineOption startupSamples(
            QStringLiteral("startup-samples"),
            QStringLiteral("W10: fresh processes per side and size (default 15)."),
            QStringLiteral("count"));
    parser.addOptions({quick, sizes, readSizes, valueSize, only, repeat, json, dat, dir, postgres,
                       samples, qmlImportPath, startupSamples});
    parser.process(app);

    Options options;
    options.workDir = parser.isSet(dir) ? parser.value(dir) : QDir::tempPath();
    if (parser.isSet(quick)) {
        options.quick = true;
        options.sizes = {1000, 2000};
        options.repeat = 1;
        options.commitPerWriteCap = 200;
        options.settingsCap = 2000;
        options.readSizes = {2000};
        options.readRepeat = 1;
        options.readsPerThread = 20000;
        options.latencyBacklog = 2000;
        options.latencySamples = 2000;
        options.removes = 50;
        options.changeSamples = 20;
        options.idleSeconds = 2;
        options.startSizes = {100};
        options.startSamples = 1;
        options.valuesSizes = {100};
        options.valuesReads = 2000;
        options.valuesBudget = 0.2;
        options.startupSizes = {100};
        options.startupSamples = 1;
    }
    options.qmlImportPath = parser.value(qmlImportPath);
    options.postgresUrl = parser.isSet(postgres)
            ? parser.value(postgres)
            : qEnvironmentVariable("PM_TEST_POSTGRES").trimmed();
    bool ok = true;
    if (parser.isSet(sizes))
        options.sizes = parseSizes(parser.value(sizes), &ok);
    if (ok && parser.isSet(readSizes))
        options.readSizes = parseSizes(parser.value(readSizes), &ok);
    if (ok && parser.isSet(valueSize))
        options.valueSize = parser.value(valueSize).toInt(&ok);
    if (ok && parser.isSet(repeat))
        options.repeat = parser.value(repeat).toInt(&ok);
    if (ok && parser.isSet(samples))
        options.startSamples = parser.value(samples).toInt(&ok);
    if (ok && parser.isSet(startupSamples))
        options.startupSamples = parser.value(startupSamples).toInt(&ok);
    if (!ok || options.valueSize < 1 || options.repeat < 1 || options.startSamples < 1 ||
        options.startupSamples < 1) {
        std::fprintf(stderr,
                     "pm-bench: invalid --sizes, --value-size, --repeat, --samples or "
                     "--startup-samples\n");
        return 2;
    }
    const QStringList workloads{QStringLiteral("W1"), QStringLiteral("W2"), QStringLiteral("W3"),
                                QStringLiteral("W4"), QStringLiteral("W5"), QStringLiteral("W6"),
                                QStringLiteral("W7"), QStringLiteral("W8"), QStringLiteral("W9"),
                                QStringLiteral("W10")};
    if (parser.isSet(only)) {
        options.only = parser.value(only).toUpper().split(QLatin1Char(','), Qt::SkipEmptyParts);
        for (const QString &w : std::as_const(options.only)) {
            if (!workloads.contains(w)) {
                std::fprintf(stderr, "pm-bench: unknown workload %s (W1 to W10)\n", qPrintable(w));
                return 2;
            }
        }
    }

    const QString cpu = firstMatch(QStringLiteral("/proc/cpuinfo"), QStringLiteral("model name"));
    const QString memory = firstMatch(QStringLiteral("/proc/meminfo"), QStringLiteral("MemTotal"));
    const QString driverSqlite = driverSqliteVersion();
    const QString startLoad = loadAverage();
    out("pm-bench: persistent-map %s, Qt %s, SQLite %s (C API) / %s (QSQLITE driver)\n",
        qPrintable(QCoreApplication::applicationVersion()), qVersion(),
        qPrintable(Raw::libraryVersion()), qPrintable(driverSqlite));
    out("machine: %d CPUs (%s), %s RAM, %s; stores in %s\n", QThread::idealThreadCount(),
        qPrintable(cpu), qPrintable(memory), qPrintable(QSysInfo::prettyProductName()),
        qPrintable(options.workDir));
    out("keys: 16 bytes (\"key\" + 13 digits), values: %d-character strings; load average at "
        "start %s%s\n",
        options.valueSize, qPrintable(startLoad),
        options.quick ? "; --quick: a smoke run, its figures mean nothing" : "");

    Report report;
    QElapsedTimer total;
    total.start();
    const QList<void (*)(const Options &, Report &)> runs{runW1, runW2, runW3, runW4, runW5,
                                                          runW6, runW7, runW8, runW9, runW10};
    try {
        for (qsizetype i = 0; i < workloads.size(); ++i) {
            if (options.runs(workloads.at(i)))
                runs.at(i)(options, report);
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "pm-bench: %s\n", e.what());
        return 1;
    }
    report.printSummary();
    const QString endLoad = loadAverage();
    out("finished in %.1f s; load average at the end %s\n", secondsOf(total), qPrintable(endLoad));

    QJsonArray sizeList;
    for (const qint64 n : std::as_const(options.sizes))
        sizeList.append(n);
    const QJsonObject header{
            {QStringLiteral("date"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate)},
            {QStringLiteral("qt"), QString::fromLatin1(qVersion())},
            {QStringLiteral("sqlite"), Raw::libraryVersion()},
            {QStringLiteral("sqliteDriver"), driverSqlite},
            {QStringLiteral("cpus"), QThread::idealThreadCount()},
            {QStringLiteral("cpu"), cpu},
            {QStringLiteral("memory"), memory},
            {QStringLiteral("os"), QSysInfo::prettyProductName()},
            {QStringLiteral("loadAverageStart"), startLoad},
            {QStringLiteral("loadAverageEnd"), endLoad},
            {QStringLiteral("quick"), options.quick},
            {QStringLiteral("sizes"), sizeList},
            {QStringLiteral("valueSize"), options.valueSize},
            {QStringLiteral("seconds"), secondsOf(total)},
    };
    if (parser.isSet(json) && !report.writeJson(parser.value(json), header)) {
        std::fprintf(stderr, "pm-bench: cannot write %s\n", qPrintable(parser.value(json)));
        return 1;
    }
    if (parser.isSet(dat) && !report.writeDat(parser.value(dat))) {
        std::fprintf(stderr, "pm-bench: cannot write %s\n", qPrintable(parser.value(dat)));
        return 1;
    }
    // Missed targets are reported, not failures: the smoke run in ctest asserts nothing about
    // speed.
    return 0;
}
