// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// W10 start-up (issue 15): what a program pays to open its settings and read one, and to close
// them unchanged, against QSettings (INI) on the same keys. Each sample runs in a fresh process
// (`pm-bench --child w10 ...`): the first open in a process is what a program's start-up pays
// (the SQLite driver plugin, the storage thread), and nothing of one sample is cached in the next
// but what the operating system caches (the files, the libraries' pages) for every side alike.
#include "bench.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapSqliteBackend>

#include <QtCore/QCoreApplication>
#include <QtCore/QEventLoop>
#include <QtCore/QProcess>
#include <QtCore/QSettings>
#include <QtCore/QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>

namespace Bench {

namespace {

const QString W10 = QStringLiteral("W10");

struct Side
{
    const char *kind; // for `pm-bench --child w10 KIND`
    const char *label;
    const char *file;
};
// QSettings first: the ratios are against it.
constexpr Side Sides[] = {{"settings", "QSettings INI", "settings.ini"},
                          {"sqlite", "ours, SQLite", "store.db"},
                          {"csv", "ours, CSV", "store.csv"}};

// The key read after opening: one in the middle, present in every store.
QString probeKey(qint64 n)
{
    return makeKey(n / 2);
}

std::unique_ptr<PersistentMapBackend> backendFor(const QString &kind, const QString &path)
{
    if (kind == QLatin1String("sqlite"))
        return std::make_unique<PersistentMapSqliteBackend>(path);
    return std::make_unique<PersistentMapCsvBackend>(path);
}

// The stores, written by the library itself (so they hold what its own writes leave: the change
// log table, the CSV batch rows) and closed before any sample opens them.
void writeStores(const QString &folder, qint64 n, int valueSize)
{
    const Data data = makeData(0, n, valueSize);
    for (const char *kind : {"sqlite", "csv"}) {
        const Side &side = kind == QLatin1String("sqlite") ? Sides[1] : Sides[2];
        PersistentMap map(
                backendFor(QLatin1String(kind), folder + u'/' + QLatin1String(side.file)));
        map.whenReady().waitForFinished();
        PersistentMapWriteBatch batch;
        for (qsizetype i = 0; i < data.keys.size(); ++i)
            batch.insert(data.keys.at(i), data.values.at(i));
        map.apply(batch);
        map.flush().waitForFinished();
    }
    Settings::insertAll(folder + u'/' + QLatin1String(Sides[0].file), data);
}

struct Sample
{
    double openMs = 0; // construction until the first value was read
    double closeMs = 0; // the destructor
};

Sample runChild(const QString &kind, const QString &path, qint64 n)
{
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(),
                {QStringLiteral("--child"), QStringLiteral("w10"), kind, path, QString::number(n)});
    if (!child.waitForFinished(600000) || child.exitStatus() != QProcess::NormalExit ||
        child.exitCode() != 0)
        throw std::runtime_error("W10: the child process failed (" + kind.toStdString() + ")");
    const QList<QByteArray> fields = child.readAllStandardOutput().trimmed().split(' ');
    if (fields.size() != 2)
        throw std::runtime_error("W10: the child process printed no result");
    return {fields.at(0).toDouble(), fields.at(1).toDouble()};
}

} // namespace

// `pm-bench --child w10 KIND PATH N`: opens the store, reads one value, closes it; prints the
// milliseconds of the open (until the value was read) and of the close.
int runW10Child(const QStringList &arguments)
{
    if (arguments.size() != 3)
        return 2;
    const QString &kind = arguments.at(0);
    const QString &path = arguments.at(1);
    const QString key = probeKey(arguments.at(2).toLongLong());
    QElapsedTimer timer;
    QVariant value;
    double openMs = 0, closeMs = 0;
    if (kind == QLatin1String("settings")) {
        timer.start();
        auto settings = std::make_unique<QSettings>(path, QSettings::IniFormat);
        value = settings->value(key);
        openMs = double(timer.nsecsElapsed()) / 1e6;
        timer.start();
        settings.reset();
        closeMs = double(timer.nsecsElapsed()) / 1e6;
    } else {
        timer.start();
        auto map = std::make_unique<PersistentMap>(backendFor(kind, path));
        // As an application waits: its event loop runs until statusChanged says Ready.
        if (map->status() == PersistentMap::Status::Loading) {
            QEventLoop loop;
            QObject::connect(map.get(), &PersistentMap::statusChanged, &loop, [&] {
                if (map->status() != PersistentMap::Status::Loading)
                    loop.quit();
            });
            if (map->status() == PersistentMap::Status::Loading)
                loop.exec();
        }
        value = map->value(key);
        openMs = double(timer.nsecsElapsed()) / 1e6;
        if (map->status() != PersistentMap::Status::Ready)
            throw std::runtime_error("W10: " + map->errorString().toStdString());
        timer.start();
        map.reset();
        closeMs = double(timer.nsecsElapsed()) / 1e6;
    }
    if (value.toString().size() < 1)
        throw std::runtime_error("W10: the value of " + key.toStdString() + " was not read");
    std::printf("%.4f %.4f\n", openMs, closeMs);
    return 0;
}

void runW10(const Options &options, Report &report)
{
    const int samples = options.startupSamples;
    out("\nW10 start-up: construction until the first value is read (open), and the destructor "
        "of a map that changed nothing (close); median ms of %d fresh processes per side and "
        "size, sides interleaved\n",
        samples);
    out("   ours = PersistentMap on the backend, waiting for statusChanged (Ready) in an event "
        "loop, then value(); QSettings INI = QSettings(path, IniFormat) and value(); stores "
        "written beforehand by each side itself; x = median ours / median QSettings\n");
    out("%6s  %-14s %10s %8s %10s %8s %12s %8s\n", "N", "side", "open (ms)", "x", "close (ms)", "x",
        "both (ms)", "x");
    constexpr int sides = int(std::size(Sides));
    for (const qint64 n : options.startupSizes) {
        QTemporaryDir dir(options.workDir + QStringLiteral("/pm-bench-XXXXXX"));
        if (!dir.isValid())
            throw std::runtime_error("W10: cannot create a temporary folder");
        writeStores(dir.path(), n, options.valueSize);
        QList<QList<Sample>> bySide(sides);
        for (int s = 0; s < samples; ++s) {
            for (int k = 0; k < sides; ++k) {
                const int side = (k + s) % sides; // a different side first in every round
                bySide[side].append(runChild(QLatin1String(Sides[side].kind),
                                             dir.filePath(QLatin1String(Sides[side].file)), n));
            }
        }
        double settingsOpen = 0, settingsClose = 0, settingsBoth = 0;
        for (int side = 0; side < sides; ++side) {
            QList<double> open, close, both;
            for (const Sample &sample : bySide.at(side)) {
                open.append(sample.openMs);
                close.append(sample.closeMs);
                both.append(sample.openMs + sample.closeMs);
            }
            const double o = median(open), c = median(close), b = median(both);
            if (side == 0) {
                settingsOpen = o;
                settingsClose = c;
                settingsBoth = b;
            }
            const QString subject = QLatin1String(Sides[side].label);
            const QString unit = QStringLiteral("ms");
            const QString note = QStringLiteral("median of %1 fresh processes").arg(samples);
            report.add(W10, n, subject, QStringLiteral("open"), o, unit, note);
            report.add(W10, n, subject, QStringLiteral("close"), c, unit, note);
            report.add(W10, n, subject, QStringLiteral("open + close"), b, unit, note);
            if (side != 0) {
                report.add(W10, n, subject, QStringLiteral("open / QSettings"), o / settingsOpen,
                           QStringLiteral("ratio"), QStringLiteral("ratio of the medians"));
                report.add(W10, n, subject, QStringLiteral("open + close / QSettings"),
                           b / settingsBoth, QStringLiteral("ratio"),
                           QStringLiteral("ratio of the medians"));
            }
            out("%6lld  %-14s %10.3f %8.2f %10.3f %8.2f %12.3f %8.2f\n", n, Sides[side].label, o,
                o / settingsOpen, c, c / settingsClose, b, b / settingsBoth);
        }
    }
    for (const qint64 n : options.startupSizes) {
        for (int side = 1; side < sides; ++side) {
            const QString subject = QLatin1String(Sides[side].label);
            for (const char *metric : {"open", "open + close"}) {
                const QString m = QLatin1String(metric);
                const double ours = report.find(W10, n, subject, m);
                const double settings = report.find(W10, n, QLatin1String(Sides[0].label), m);
                const double x = ours / settings;
                report.target(
                        QStringLiteral("W10-%1-%2-%3")
                                .arg(QLatin1String(Sides[side].kind),
                                     m == u"open" ? QStringLiteral("open") : QStringLiteral("both"))
                                .arg(n),
                        QStringLiteral("W10 N=%1 %2 %3: %4 ms vs QSettings %5 ms: %6x")
                                .arg(n)
                                .arg(subject, m)
                                .arg(ours, 0, 'f', 2)
                                .arg(settings, 0, 'f', 2)
                                .arg(x, 0, 'f', 2),
                        x, QString::number(x, 'f', 2) + u'x', false, 1.5,
                        QStringLiteral("<= 1.5x"));
            }
        }
    }
}

} // namespace Bench
