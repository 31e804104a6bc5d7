// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The six workloads of issue 4. Each one measures this library and its baselines on the same
// data in the same run, prints a table, and reports its targets as ratios.
#include "backendcalls.h"
#include "bench.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapSqliteBackend>

#include <QtCore/QCoreApplication>
#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QSettings>
#include <QtCore/QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

namespace Bench {

namespace {

const QString W1 = QStringLiteral("W1");
const QString W2 = QStringLiteral("W2");
const QString W3 = QStringLiteral("W3");
const QString W4 = QStringLiteral("W4");
const QString W5 = QStringLiteral("W5");
const QString W6 = QStringLiteral("W6");
const QString Ours = QStringLiteral("ours");
const QString RawApi = QStringLiteral("raw C API");
const QString SettingsIni = QStringLiteral("QSettings INI");
const QString CommitPerWrite = QStringLiteral("commit per write");
const QString HashLock = QStringLiteral("QHash+QReadWriteLock");
const QString Rate = QStringLiteral("rate");
const QString BackendAlone = QStringLiteral("backend alone");

class TempDir
{
public:
    explicit TempDir(const Options &options)
        : m_dir(options.workDir + QStringLiteral("/pm-bench-XXXXXX"))
    {
        if (!m_dir.isValid())
            throw std::runtime_error("cannot create a temporary folder in " +
                                     options.workDir.toStdString());
    }
    QString path(const QString &name) const { return m_dir.filePath(name); }

private:
    QTemporaryDir m_dir;
};

void removeStore(const QString &path)
{
    for (const char *suffix : {"", "-wal", "-shm", ".lock"})
        QFile::remove(path + QLatin1String(suffix));
}

std::unique_ptr<PersistentMap> openSqlite(const QString &path)
{
    auto map = std::make_unique<PersistentMap>(std::make_unique<PersistentMapSqliteBackend>(path));
    map->whenReady().waitForFinished(); // throws the PersistentMapError of a failed open
    return map;
}

void insertAll(PersistentMap &map, const Data &data)
{
    for (qsizetype i = 0; i < data.keys.size(); ++i)
        map.insert(data.keys.at(i), data.values.at(i));
}

struct BulkTimes
{
    double inserts = 0; // until the last insert() returned
    double total = 0; // until flush() finished
};

BulkTimes oursBulkInsert(const QString &path, const Data &data)
{
    const auto map = openSqlite(path);
    QElapsedTimer timer;
    timer.start();
    insertAll(*map, data);
    BulkTimes times;
    times.inserts = secondsOf(timer);
    map->flush().waitForFinished();
    times.total = secondsOf(timer);
    return times;
}

// Diagnostic: the backend alone, given the rows in key order as one PersistentMapWriteBatch (no
// map, no threads). Separates the cost of the backend from that of the map in front of it.
double backendApply(const QString &path, const Data &data)
{
    PersistentMapSqliteBackend backend(path);
    loadAll(backend);
    PersistentMapWriteBatch batch;
    batch.reserve(data.keys.size());
    for (qsizetype i = 0; i < data.keys.size(); ++i)
        batch.insert(data.keys.at(i), data.values.at(i));
    QElapsedTimer timer;
    timer.start();
    backend.apply(batch);
    backend.flush();
    return secondsOf(timer);
}

double commitPerWrite(const QString &path, const Data &data)
{
    const auto map = openSqlite(path);
    QElapsedTimer timer;
    timer.start();
    for (qsizetype i = 0; i < data.keys.size(); ++i)
        map->insert(data.keys.at(i), data.values.at(i)).waitForFinished();
    map->flush().waitForFinished();
    return secondsOf(timer);
}

QString ratio(double value)
{
    return std::isfinite(value) ? QStringLiteral("%1").arg(value, 0, 'f', 2) : QStringLiteral("-");
}

QString cell(double perSecond)
{
    return std::isfinite(perSecond) ? rate(perSecond) : QStringLiteral("-");
}

// Per-thread I/O counters (/proc/thread-self/io): the write syscalls the caller made.
struct ThreadIo
{
    qint64 syscr = -1;
    qint64 syscw = -1;
    qint64 wchar = -1;
};

ThreadIo threadIo()
{
    ThreadIo io;
    QFile file(QStringLiteral("/proc/thread-self/io"));
    if (!file.open(QIODevice::ReadOnly))
        return io;
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (const QByteArray &line : lines) {
        const QList<QByteArray> parts = line.split(':');
        if (parts.size() != 2)
            continue;
        const qint64 value = parts.at(1).trimmed().toLongLong();
        if (parts.at(0) == "syscr")
            io.syscr = value;
        else if (parts.at(0) == "syscw")
            io.syscw = value;
        else if (parts.at(0) == "wchar")
            io.wchar = value;
    }
    return io;
}

} // namespace

void runW1(const Options &options, Report &report)
{
    const qint64 largest = *std::max_element(options.sizes.cbegin(), options.sizes.cend());
    const qint64 capN = std::min(options.commitPerWriteCap, largest);
    out("\nW1 bulk durable insert: N inserts, then flush() finished; entries/s, best of %d up to "
        "N=%lld\n",
        options.repeat, options.repeatUpTo);
    out("   diagnostics: \"backend alone\" = PersistentMapSqliteBackend::apply() of one "
        "PersistentMapWriteBatch in key "
        "order + flush(), no map; \"insert() calls\" = the caller's loop until the last insert() "
        "returned\n");
    out("   QSettings INI measured up to N=%lld; commit per write (one PersistentMapSqliteBackend "
        "commit per "
        "insert, waiting for each future) measured once at N=%lld\n",
        options.settingsCap, capN);

    double perWrite = 0;
    {
        const Data data = makeData(0, capN, options.valueSize);
        TempDir dir(options);
        for (int r = 0; r < options.repeatsFor(capN); ++r) {
            const QString path = dir.path(QStringLiteral("per-write.db"));
            perWrite = std::max(perWrite, capN / commitPerWrite(path, data));
            removeStore(path);
        }
    }
    report.add(W1, capN, CommitPerWrite, Rate, perWrite, QStringLiteral("entries/s"),
               QStringLiteral("measured at N=%1 only (capped)").arg(capN));

    out("%10s %14s %14s %9s %16s %12s %15s %15s %15s\n", "N", "ours", "raw C API", "ours/raw",
        "QSettings INI", "ours/QSet.", "ours/per-write", "backend alone", "insert() calls");
    for (const qint64 n : options.sizes) {
        const Data data = makeData(0, n, options.valueSize);
        TempDir dir(options);
        double ours = 0, raw = 0, settings = std::nan(""), alone = 0, calls = 0;
        for (int r = 0; r < options.repeatsFor(n); ++r) {
            const QString alonePath = dir.path(QStringLiteral("alone.db"));
            alone = std::max(alone, n / backendApply(alonePath, data));
            removeStore(alonePath);
            const QString oursPath = dir.path(QStringLiteral("ours.db"));
            const BulkTimes times = oursBulkInsert(oursPath, data);
            if (n / times.total > ours) {
                ours = n / times.total;
                calls = n / times.inserts;
            }
            removeStore(oursPath);
            const QString rawPath = dir.path(QStringLiteral("raw.db"));
            raw = std::max(raw, n / Raw::insertAll(rawPath, data));
            removeStore(rawPath);
            if (n <= options.settingsCap) {
                const QString iniPath = dir.path(QStringLiteral("settings.ini"));
                const double s = n / Settings::insertAll(iniPath, data);
                settings = std::isnan(settings) ? s : std::max(settings, s);
                QFile::remove(iniPath);
            }
        }
        report.add(W1, n, Ours, Rate, ours, QStringLiteral("entries/s"));
        report.add(W1, n, RawApi, Rate, raw, QStringLiteral("entries/s"));
        if (!std::isnan(settings))
            report.add(W1, n, SettingsIni, Rate, settings, QStringLiteral("entries/s"));
        report.add(W1, n, BackendAlone, Rate, alone, QStringLiteral("entries/s"),
                   QStringLiteral("diagnostic: PersistentMapSqliteBackend::apply() of one "
                                  "PersistentMapWriteBatch in key "
                                  "order, then flush(), without the map"));
        report.add(W1, n, QStringLiteral("ours: insert() calls"), Rate, calls,
                   QStringLiteral("entries/s"),
                   QStringLiteral("diagnostic: the caller's loop alone, until the last insert() "
                                  "returned (before flush())"));
        out("%10lld %14s %14s %9s %16s %12s %14.0fx %15s %15s\n", n, qPrintable(rate(ours)),
            qPrintable(rate(raw)), qPrintable(ratio(ours / raw)), qPrintable(cell(settings)),
            qPrintable(ratio(ours / settings)), ours / perWrite, qPrintable(rate(alone)),
            qPrintable(rate(calls)));
    }

    const qint64 n = options.targetSize();
    const double ours = report.find(W1, n, Ours, Rate);
    const double raw = report.find(W1, n, RawApi, Rate);
    report.target(QStringLiteral("W1-raw"),
                  QStringLiteral("W1 N=%1: ours %2, raw C API %3, ratio %4")
                          .arg(n)
                          .arg(rate(ours), rate(raw), ratio(ours / raw)),
                  ours / raw, ratio(ours / raw), true, 0.8, QStringLiteral(">= 0.8"));
    report.target(QStringLiteral("W1-perwrite"),
                  QStringLiteral("W1 N=%1: ours %2 vs commit per write %3 (N=%4, capped): %5x")
                          .arg(n)
                          .arg(rate(ours), rate(perWrite))
                          .arg(capN)
                          .arg(ours / perWrite, 0, 'f', 0),
                  ours / perWrite, QStringLiteral("%1x").arg(ours / perWrite, 0, 'f', 1), true, 50,
                  QStringLiteral(">= 50x"));
}

void runW2(const Options &options, Report &report)
{
    const qint64 backlog = options.latencyBacklog;
    const qint64 samples = options.latencySamples;
    out("\nW2 interactive insert: time of insert() on the caller's thread, %lld new keys timed "
        "one by one right after %lld untimed inserts, so the storage thread is committing\n",
        samples, backlog);
    const Data data = makeData(0, backlog + samples, options.valueSize);
    TempDir dir(options);
    const auto map = openSqlite(dir.path(QStringLiteral("latency.db")));
    for (qint64 i = 0; i < backlog; ++i)
        map->insert(data.keys.at(i), data.values.at(i));

    std::vector<qint64> nanoseconds(size_t(samples), 0);
    const ThreadIo before = threadIo();
    const ThreadIo calibration = threadIo(); // reading the counters is itself a read syscall
    using Clock = std::chrono::steady_clock;
    for (qint64 i = 0; i < samples; ++i) {
        const QString &key = data.keys.at(backlog + i);
        const QString &value = data.values.at(backlog + i);
        const Clock::time_point start = Clock::now();
        map->insert(key, value);
        nanoseconds[size_t(i)] = std::chrono::nanoseconds(Clock::now() - start).count();
    }
    const ThreadIo after = threadIo();
    QElapsedTimer tail;
    tail.start();
    map->flush().waitForFinished();
    const double tailMs = secondsOf(tail) * 1e3;

    std::sort(nanoseconds.begin(), nanoseconds.end());
    const auto percentile = [&](double p) {
        return double(nanoseconds[std::min(size_t(samples - 1), size_t(p * double(samples)))]);
    };
    const double p50 = percentile(0.50), p90 = percentile(0.90), p99 = percentile(0.99),
                 p999 = percentile(0.999), max = double(nanoseconds.back());
    const qint64 writes = after.syscw - calibration.syscw;
    const qint64 reads = (after.syscr - calibration.syscr) - (calibration.syscr - before.syscr);
    out("%10s %10s %10s %10s %10s   (ns per insert())\n", "p50", "p90", "p99", "p99.9", "max");
    out("%10.0f %10.0f %10.0f %10.0f %10.0f\n", p50, p90, p99, p999, max);
    out("  caller thread during the timed inserts: %lld write syscalls (%lld bytes), %lld read "
        "syscalls\n",
        writes, after.wchar - calibration.wchar, reads);
    out("  storage thread still committing %.0f ms after the last timed insert (flush() "
        "finished then)\n",
        tailMs);
    for (const auto &[name, value] :
         {std::pair{"p50", p50}, {"p90", p90}, {"p99", p99}, {"p99.9", p999}, {"max", max}}) {
        report.add(W2, samples, Ours, QLatin1String(name), value, QStringLiteral("ns"));
    }
    report.add(W2, samples, Ours, QStringLiteral("caller write syscalls"), double(writes),
               QStringLiteral("count"));
    report.add(W2, samples, Ours, QStringLiteral("commit tail after last insert"), tailMs,
               QStringLiteral("ms"));
    report.target(QStringLiteral("W2-p50"), QStringLiteral("W2 insert() p50 %1 ns").arg(p50), p50,
                  QStringLiteral("%1 ns").arg(p50), false, 999, QStringLiteral("< 1000 ns"));
    report.target(QStringLiteral("W2-p99"), QStringLiteral("W2 insert() p99 %1 ns").arg(p99), p99,
                  QStringLiteral("%1 ns").arg(p99), false, 19999, QStringLiteral("< 20000 ns"));
    report.target(QStringLiteral("W2-io"),
                  QStringLiteral("W2 caller-thread read/write syscalls during inserts: %1")
                          .arg(writes + reads),
                  double(writes + reads), QString::number(writes + reads), false, 0,
                  QStringLiteral("= 0"));
}

void runW3(const Options &options, Report &report)
{
    const qint64 reads = options.readsPerThread;
    const int runs = options.readRepeat;
    out("\nW3 reads: value() of random keys, %lld reads per thread, each side called in the same "
        "inlined loop; lookups/s, median (best) of %d runs, sides interleaved\n",
        reads, runs);
    out("%9s %8s %22s %22s %22s %8s %8s\n", "keys", "threads", "ours", "QHash+QReadWriteLock",
        "QSettings INI", "ratio", "x 1 thr");
    const qint64 acceptance =
            options.readSizes.contains(300000) ? 300000 : options.readSizes.constLast();
    bool settingsTargetDone = false; // QSettings at the first size it is measured at
    for (const qint64 keys : options.readSizes) {
        const Data data = makeData(0, keys, options.valueSize);
        TempDir dir(options);
        const auto map = openSqlite(dir.path(QStringLiteral("reads.db")));
        insertAll(*map, data);
        map->flush().waitForFinished();
        LockedHash hash;
        for (qsizetype i = 0; i < data.keys.size(); ++i)
            hash.insert(data.keys.at(i), data.values.at(i));
        std::unique_ptr<QSettings> settings;
        if (keys <= options.settingsCap) {
            const QString iniPath = dir.path(QStringLiteral("reads.ini"));
            Settings::insertAll(iniPath, data);
            settings = std::make_unique<QSettings>(iniPath, QSettings::IniFormat);
        }
        const auto one = readOrders(1, keys, reads);
        const auto two = readOrders(2, keys, reads);
        const auto quarter = readOrders(1, keys, reads / 4);
        QList<double> ours1, ours2, hash1, hash2, settings1, ratio1, scaling;
        for (int r = 0; r < runs; ++r) {
            // Interleaved, so a change of load hits both sides alike.
            ours1.append(readRate(one, data.keys, [&](const QString &k) { return map->value(k); }));
            hash1.append(readRate(one, data.keys, [&](const QString &k) { return hash.value(k); }));
            ours2.append(readRate(two, data.keys, [&](const QString &k) { return map->value(k); }));
            hash2.append(readRate(two, data.keys, [&](const QString &k) { return hash.value(k); }));
            if (settings) {
                settings1.append(readRate(quarter, data.keys,
                                          [&](const QString &k) { return settings->value(k); }));
            }
            ratio1.append(ours1.constLast() / hash1.constLast());
            scaling.append(ours2.constLast() / ours1.constLast());
        }
        const auto best = [](const QList<double> &values) {
            return values.isEmpty() ? std::nan("")
                                    : *std::max_element(values.cbegin(), values.cend());
        };
        const auto cell = [&](const QList<double> &values) {
            return values.isEmpty()
                    ? QStringLiteral("-")
                    : QStringLiteral("%1 (%2)").arg(rate(median(values)), rate(best(values)));
        };
        out("%9lld %8d %22s %22s %22s %8s %8s\n", keys, 1, qPrintable(cell(ours1)),
            qPrintable(cell(hash1)), qPrintable(cell(settings1)), qPrintable(ratio(median(ratio1))),
            "");
        out("%9lld %8d %22s %22s %22s %8s %8s\n", keys, 2, qPrintable(cell(ours2)),
            qPrintable(cell(hash2)), "-", qPrintable(ratio(median(ours2) / median(hash2))),
            qPrintable(ratio(median(scaling)) + QLatin1Char('x')));
        const QString note = QStringLiteral("median of %1 runs").arg(runs);
        for (const auto &[threads, subject, values] : {std::tuple{1, Ours, &ours1},
                                                       {2, Ours, &ours2},
                                                       {1, HashLock, &hash1},
                                                       {2, HashLock, &hash2},
                                                       {1, SettingsIni, &settings1}}) {
            if (values->isEmpty())
                continue;
            report.add(W3, keys, subject, QStringLiteral("rate %1 thread(s)").arg(threads),
                       median(*values), QStringLiteral("lookups/s"), note);
            report.add(W3, keys, subject, QStringLiteral("best %1 thread(s)").arg(threads),
                       best(*values), QStringLiteral("lookups/s"));
        }
        report.add(W3, keys, Ours, QStringLiteral("1 thread / QHash+QReadWriteLock"),
                   median(ratio1), QStringLiteral("ratio"),
                   QStringLiteral("median of the paired ratios"));
        report.add(W3, keys, Ours, QStringLiteral("2 threads / 1 thread"), median(scaling),
                   QStringLiteral("ratio"), QStringLiteral("median of the paired ratios"));
        if (!settings1.isEmpty() && !settingsTargetDone) {
            settingsTargetDone = true;
            const double q = median(ours1) / median(settings1);
            report.target(
                    QStringLiteral("W3-qsettings"),
                    QStringLiteral("W3 %1 keys, 1 thread: ours %2 vs QSettings::value %3: %4x")
                            .arg(keys)
                            .arg(rate(median(ours1)), rate(median(settings1)), ratio(q)),
                    q, ratio(q) + QLatin1Char('x'), true, 3, QStringLiteral(">= 3x"));
        }
        if (keys != acceptance)
            continue;
        // contains() and get<T>() at the acceptance size, 1 thread, against the same hash.
        QList<double> containsRatio, getRatio;
        for (int r = 0; r < runs; ++r) {
            const double oursContains =
                    readRate(one, data.keys, [&](const QString &k) { return map->contains(k); });
            const double hashContains =
                    readRate(one, data.keys, [&](const QString &k) { return hash.contains(k); });
            containsRatio.append(oursContains / hashContains);
            const double oursGet = readRate(one, data.keys,
                                            [&](const QString &k) { return map->get<QString>(k); });
            const double hashGet = readRate(one, data.keys, [&](const QString &k) {
                const QVariant v = hash.value(k);
                return v.isValid() ? std::optional<QString>(v.toString()) : std::nullopt;
            });
            getRatio.append(oursGet / hashGet);
        }
        out("%9lld %8d   contains() / QHash::contains: %s   get<QString>() / value().toString(): "
            "%s (medians of the paired ratios)\n",
            keys, 1, qPrintable(ratio(median(containsRatio))), qPrintable(ratio(median(getRatio))));
        report.add(W3, keys, Ours, QStringLiteral("contains() 1 thread / QHash+QReadWriteLock"),
                   median(containsRatio), QStringLiteral("ratio"),
                   QStringLiteral("median of the paired ratios"));
        report.add(W3, keys, Ours, QStringLiteral("get<QString>() 1 thread / QHash+QReadWriteLock"),
                   median(getRatio), QStringLiteral("ratio"),
                   QStringLiteral("median of the paired ratios"));
        const double r1 = median(ratio1);
        const double s2 = median(scaling);
        report.target(QStringLiteral("W3-hash"),
                      QStringLiteral("W3 %1 keys, 1 thread: ours %2, QHash+QReadWriteLock %3, "
                                     "median paired ratio %4")
                              .arg(keys)
                              .arg(rate(median(ours1)), rate(median(hash1)), ratio(r1)),
                      r1, ratio(r1), true, 1.0, QStringLiteral(">= 1.0"));
        report.target(QStringLiteral("W3-2threads"),
                      QStringLiteral("W3 %1 keys, ours 2 threads %2 vs 1 thread %3: median %4x")
                              .arg(keys)
                              .arg(rate(median(ours2)), rate(median(ours1)), ratio(s2)),
                      s2, ratio(s2) + QLatin1Char('x'), true, 1.8, QStringLiteral(">= 1.8x"));
    }
}

void runW4(const Options &options, Report &report)
{
    out("\nW4 open: constructing the map on a store of N entries until whenReady(); entries/s, "
        "best of %d up to N=%lld\n",
        options.repeat, options.repeatUpTo);
    out("%10s %14s %28s %9s %15s\n", "N", "ours", "raw C API scan into QHash", "ours/raw",
        "backend alone");
    for (const qint64 n : options.sizes) {
        TempDir dir(options);
        const QString path = dir.path(QStringLiteral("open.db"));
        Raw::insertAll(path, makeData(0, n, options.valueSize));
        double ours = 0, raw = 0, alone = 0;
        for (int r = 0; r < options.repeatsFor(n); ++r) {
            {
                // Diagnostic: PersistentMapSqliteBackend::loadInto() into a hash alone, without the
                // map's cache.
                QElapsedTimer timer;
                timer.start();
                PersistentMapSqliteBackend backend(path);
                const qsizetype loaded = loadAll(backend).size();
                alone = std::max(alone, n / secondsOf(timer));
                if (loaded != n)
                    throw std::runtime_error("W4: the backend did not load every entry");
            }
            {
                QElapsedTimer timer;
                timer.start();
                const auto map = openSqlite(path);
                ours = std::max(ours, n / secondsOf(timer));
                if (map->count() != n)
                    throw std::runtime_error("W4: the map did not load every entry");
            }
            QHash<QString, QVariant> hash;
            raw = std::max(raw, n / Raw::scanIntoHash(path, &hash));
            if (hash.size() != n)
                throw std::runtime_error("W4: the scan did not read every entry");
        }
        report.add(W4, n, Ours, Rate, ours, QStringLiteral("entries/s"));
        report.add(W4, n, RawApi, Rate, raw, QStringLiteral("entries/s"));
        report.add(W4, n, BackendAlone, Rate, alone, QStringLiteral("entries/s"),
                   QStringLiteral(
                           "diagnostic: PersistentMapSqliteBackend::loadInto() without the map"));
        out("%10lld %14s %28s %9s %15s\n", n, qPrintable(rate(ours)), qPrintable(rate(raw)),
            qPrintable(ratio(ours / raw)), qPrintable(rate(alone)));
    }
    const qint64 n = options.targetSize();
    const double ours = report.find(W4, n, Ours, Rate);
    const double raw = report.find(W4, n, RawApi, Rate);
    report.target(QStringLiteral("W4-rate"),
                  QStringLiteral("W4 N=%1: ours opens %2").arg(n).arg(rate(ours)), ours, rate(ours),
                  true, 1e6, QStringLiteral(">= 1 M/s"));
    report.target(QStringLiteral("W4-raw"),
                  QStringLiteral("W4 N=%1: ours %2, raw C API scan into QHash %3, ratio %4")
                          .arg(n)
                          .arg(rate(ours), rate(raw), ratio(ours / raw)),
                  ours / raw, ratio(ours / raw), true, 0.5, QStringLiteral(">= 0.5"));
}

void runW5(const Options &options, Report &report)
{
    out("\nW5 CSV: N inserts then flush(); then %d keys removed one by one, each followed by "
        "flush()\n",
        options.removes);
    out("%10s %16s %22s %16s\n", "N", "inserts+flush", "removes total (ms)", "per remove (us)");
    for (const qint64 n : options.sizes) {
        const Data data = makeData(0, n, options.valueSize);
        TempDir dir(options);
        PersistentMap map(
                std::make_unique<PersistentMapCsvBackend>(dir.path(QStringLiteral("store.csv"))));
        map.whenReady().waitForFinished();
        QElapsedTimer timer;
        timer.start();
        insertAll(map, data);
        map.flush().waitForFinished();
        const double inserts = n / secondsOf(timer);

        const qint64 removes = std::min<qint64>(options.removes, n);
        const qint64 step = n / removes;
        timer.restart();
        for (qint64 i = 0; i < removes; ++i) {
            map.remove(data.keys.at(i * step));
            map.flush().waitForFinished();
        }
        const double ms = secondsOf(timer) * 1e3;
        if (map.count() != n - removes)
            throw std::runtime_error("W5: the removes did not remove their keys");
        report.add(W5, n, Ours, QStringLiteral("insert rate"), inserts,
                   QStringLiteral("entries/s"));
        report.add(W5, n, Ours, QStringLiteral("removes"), ms, QStringLiteral("ms"),
                   QStringLiteral("%1 removes, each followed by flush()").arg(removes));
        out("%10lld %16s %22.1f %16.1f\n", n, qPrintable(rate(inserts)), ms, ms * 1e3 / removes);
    }
    const qint64 small = *std::min_element(options.sizes.cbegin(), options.sizes.cend());
    const qint64 large = options.targetSize();
    const double smallMs = report.find(W5, small, Ours, QStringLiteral("removes"));
    const double largeMs = report.find(W5, large, Ours, QStringLiteral("removes"));
    report.target(QStringLiteral("W5-remove"),
                  QStringLiteral("W5 removes at N=%1: %2 ms vs N=%3: %4 ms, ratio %5")
                          .arg(large)
                          .arg(largeMs, 0, 'f', 1)
                          .arg(small)
                          .arg(smallMs, 0, 'f', 1)
                          .arg(ratio(largeMs / smallMs)),
                  largeMs / smallMs, ratio(largeMs / smallMs) + QLatin1Char('x'), false, 3,
                  QStringLiteral("<= 3x"));
}

namespace {

// Runs `pm-bench --child w6 KIND PATH` and returns the growth of its resident memory.
qint64 childResidentGrowth(const QString &kind, const QString &path, qint64 n)
{
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(),
                {QStringLiteral("--child"), QStringLiteral("w6"), kind, path});
    if (!child.waitForFinished(-1) || child.exitStatus() != QProcess::NormalExit ||
        child.exitCode() != 0)
        throw std::runtime_error("W6: the child process failed");
    const QList<QByteArray> fields = child.readAllStandardOutput().trimmed().split(' ');
    if (fields.size() != 2 || fields.at(1).toLongLong() != n)
        throw std::runtime_error("W6: the child process did not load every entry");
    return fields.at(0).toLongLong();
}

} // namespace

void runW6(const Options &options, Report &report)
{
    out("\nW6 memory: growth of resident memory (VmRSS) of a fresh process loading N entries, "
        "bytes per entry\n");
    out("%10s %14s %28s %9s\n", "N", "ours", "QHash<QString,QVariant>", "ours/hash");
    for (const qint64 n : options.sizes) {
        TempDir dir(options);
        const QString path = dir.path(QStringLiteral("memory.db"));
        Raw::insertAll(path, makeData(0, n, options.valueSize));
        const double ours = double(childResidentGrowth(QStringLiteral("map"), path, n)) / n;
        const double hash = double(childResidentGrowth(QStringLiteral("hash"), path, n)) / n;
        report.add(W6, n, Ours, QStringLiteral("bytes per entry"), ours, QStringLiteral("B"));
        report.add(W6, n, QStringLiteral("QHash<QString,QVariant>"),
                   QStringLiteral("bytes per entry"), hash, QStringLiteral("B"));
        out("%10lld %14.0f %28.0f %9s\n", n, ours, hash, qPrintable(ratio(ours / hash)));
    }
    const qint64 n = options.targetSize();
    const double ours = report.find(W6, n, Ours, QStringLiteral("bytes per entry"));
    const double hash = report.find(W6, n, QStringLiteral("QHash<QString,QVariant>"),
                                    QStringLiteral("bytes per entry"));
    report.target(QStringLiteral("W6-memory"),
                  QStringLiteral("W6 N=%1: ours %2 B/entry, QHash<QString,QVariant> %3 B/entry, "
                                 "ratio %4")
                          .arg(n)
                          .arg(ours, 0, 'f', 0)
                          .arg(hash, 0, 'f', 0)
                          .arg(ratio(ours / hash)),
                  ours / hash, ratio(ours / hash) + QLatin1Char('x'), false, 1.3,
                  QStringLiteral("<= 1.3x"));
}

int runW6Child(const QStringList &arguments)
{
    if (arguments.size() != 2)
        return 2;
    const QString &kind = arguments.at(0);
    const QString &path = arguments.at(1);
    // Load the code of each contender once on a tiny store first (the QSQLITE plugin, SQLite,
    // the thread pool), so the growth below is the data and not the program.
    QTemporaryDir warmUpDir;
    const QString warmUp = warmUpDir.filePath(QStringLiteral("warm-up.db"));
    Raw::insertAll(warmUp, makeData(0, 10, 10));
    qint64 before = 0, after = 0, count = 0;
    if (kind == QLatin1String("map")) {
        openSqlite(warmUp).reset();
        before = residentBytes();
        const auto map = openSqlite(path);
        after = residentBytes();
        count = map->count();
        std::printf("%lld %lld\n", after - before, count);
    } else {
        {
            QHash<QString, QVariant> small;
            Raw::scanIntoHash(warmUp, &small);
        }
        before = residentBytes();
        QHash<QString, QVariant> hash;
        Raw::scanIntoHash(path, &hash);
        after = residentBytes();
        count = hash.size();
        std::printf("%lld %lld\n", after - before, count);
    }
    return 0;
}

} // namespace Bench
