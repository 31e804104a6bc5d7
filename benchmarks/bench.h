// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// pm-bench: the workloads of issue 4, each measured against its baselines in the same run.
// Shared declarations of the benchmark program: options, test data, the baselines and the report.
#ifndef PMBENCH_BENCH_H
#define PMBENCH_BENCH_H

#include <QtCore/QElapsedTimer>
#include <QtCore/QHash>
#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QReadWriteLock>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QVariant>

#include <atomic>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace Bench {

struct Options
{
    QList<qint64> sizes{10000, 100000, 1000000}; // W1, W4, W5, W6
    int valueSize = 100;
    bool quick = false;
    QStringList only; // empty: every workload
    QString jsonPath;
    QString datPath;
    int repeat = 3; // best of, for N <= repeatUpTo
    qint64 repeatUpTo = 100000;
    qint64 commitPerWriteCap = 10000; // one fsync-free commit per insert: minutes at 1 000 000
    qint64 settingsCap = 100000; // QSettings rewrites one INI file: slow at 1 000 000
    // W3: key counts; 300 000 is the acceptance size of issue 15. Five runs: median and best.
    QList<qint64> readSizes{100000, 300000, 1000000};
    qint64 readsPerThread = 2000000; // W3
    int readRepeat = 5; // W3
    qint64 latencyBacklog = 300000; // W2: inserts queued before the timed ones
    qint64 latencySamples = 100000; // W2
    int removes = 1000; // W5
    int changeSamples = 200; // W7: writes whose arrival in another process is timed
    int idleSeconds = 10; // W7: how long the idle processes' CPU time is measured
    QString postgresUrl; // W7: postgres://USER@HOST:PORT/DATABASE; empty: PostgreSQL skipped
    QString workDir; // temporary stores go here (the disk being measured)
    // W8 and W9 (benchmarks/qml.cpp, only with the QML module)
    QList<qint64> startSizes{100, 1000, 10000}; // W8: stored values = declared properties
    int startSamples = 7; // W8: fresh processes per side and size
    QList<qint64> valuesSizes{100, 10000, 100000}; // W9: keys in the store
    qint64 valuesReads = 200000; // W9: reads per side at most (the length of the key array)
    double valuesBudget = 2.0; // W9: seconds per side at most (a slow side reads fewer keys)
    QString qmlImportPath; // empty: the build tree's QML folder next to pm-bench
    QList<qint64> startupSizes{100, 1000, 10000}; // W10: keys in the store
    int startupSamples = 15; // W10: fresh processes per side and size

    bool runs(const QString &workload) const { return only.isEmpty() || only.contains(workload); }
    int repeatsFor(qint64 n) const { return n <= repeatUpTo ? repeat : 1; }
    qint64 targetSize() const; // 1 000 000 if measured, else the largest size
};

// The rows every contender writes: keys "key" + 13 digits (16 bytes), string values of
// valueSize ASCII characters that differ per key. Shared (implicitly) by all contenders.
struct Data
{
    QStringList keys;
    QStringList values;
};
QString makeKey(qint64 i);
Data makeData(qint64 first, qint64 count, int valueSize);

inline double secondsOf(const QElapsedTimer &timer)
{
    return double(timer.nsecsElapsed()) / 1e9;
}
double median(QList<double> values); // NaN when empty
qint64 residentBytes(); // this process, from /proc/self/statm
std::vector<qint64> shuffledIndexes(qint64 count, qint64 length, quint32 seed);

// The baselines.
namespace Raw {
QString libraryVersion();
// Same schema as PersistentMapSqliteBackend, WAL. Times one transaction of prepared INSERT OR
// REPLACE with synchronous=FULL, so its commit syncs the WAL: as durable as PersistentMap::flush().
double insertAll(const QString &path, const Data &data);
// Times opening the store and reading every row into the hash; returns seconds.
double scanIntoHash(const QString &path, QHash<QString, QVariant> *hash);
} // namespace Raw

namespace Settings {
double insertAll(const QString &path, const Data &data); // setValue each row, then sync()
} // namespace Settings

// The cache limit: one QHash behind one QReadWriteLock, returning a copy. Defined here so the
// compiler inlines it into readRate()'s loop, as an application's own locked hash would be.
class LockedHash
{
public:
    void insert(const QString &key, const QVariant &value)
    {
        QWriteLocker locker(&m_lock);
        m_hash.insert(key, value);
    }
    QVariant value(const QString &key) const
    {
        QReadLocker locker(&m_lock);
        const auto it = m_hash.constFind(key);
        return it == m_hash.cend() ? QVariant() : *it;
    }
    bool contains(const QString &key) const
    {
        QReadLocker locker(&m_lock);
        return m_hash.contains(key);
    }

private:
    mutable QReadWriteLock m_lock;
    QHash<QString, QVariant> m_hash;
};

// Runs lookup(key) readsPerThread times on each of `threads` threads, keys in a random order
// (`orders`, one per thread, from readOrders()); returns lookups per second over all threads.
// A template, so each side's call sits in the same tight loop with nothing around it: a
// std::function or an out-of-line call would add the same fixed cost to both sides and pull
// their ratio towards 1 (docs/PERFORMANCE.md, W3).
std::vector<std::vector<qint64>> readOrders(int threads, qint64 keyCount, qint64 readsPerThread);
// Whether a lookup found its key: value(), contains() and get<T>() answer in their own types.
inline bool found(const QVariant &value)
{
    return value.isValid();
}
inline bool found(bool contained)
{
    return contained;
}
template<typename T>
bool found(const std::optional<T> &value)
{
    return value.has_value();
}
template<typename Lookup>
double readRate(const std::vector<std::vector<qint64>> &orders, const QStringList &keys,
                const Lookup &lookup)
{
    const int threads = int(orders.size());
    std::atomic<int> waiting{threads};
    std::atomic<qint64> misses{0};
    std::atomic<qint64> startNs{0};
    QElapsedTimer clock;
    clock.start();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            // Every thread starts when all exist; the last one to arrive starts the clock.
            if (waiting.fetch_sub(1) == 1)
                startNs = clock.nsecsElapsed();
            while (waiting.load() > 0)
                std::this_thread::yield();
            qint64 missed = 0;
            for (const qint64 index : orders[size_t(t)]) {
                if (!found(lookup(keys.at(index))))
                    ++missed;
            }
            misses += missed;
        });
    }
    for (std::thread &worker : workers)
        worker.join();
    const double seconds = double(clock.nsecsElapsed() - startNs.load()) / 1e9;
    if (misses.load() != 0)
        throw std::runtime_error("a lookup missed a key that was inserted");
    qint64 reads = 0;
    for (const auto &order : orders)
        reads += qint64(order.size());
    return double(reads) / seconds;
}

// What the run found: every figure goes to the JSON file; targets end in the summary.
class Report
{
public:
    void add(const QString &workload, qint64 n, const QString &subject, const QString &metric,
             double value, const QString &unit, const QString &note = {});
    double find(const QString &workload, qint64 n, const QString &subject,
                const QString &metric) const; // NaN when absent
    // Prints "line ... (target >= 0.8) PASS" and records the target for the summary.
    void target(const QString &id, const QString &line, double value, const QString &valueText,
                bool atLeast, double threshold, const QString &thresholdText);
    void printSummary() const;
    int missed() const;
    bool writeJson(const QString &path, const QJsonObject &header) const;
    bool writeDat(const QString &path) const; // W1 and W4 against N, for gnuplot

private:
    struct Row
    {
        QString workload;
        qint64 n;
        QString subject;
        QString metric;
        double value;
        QString unit;
        QString note;
    };
    struct Target
    {
        QString id;
        QString line;
        double value;
        QString valueText;
        bool atLeast;
        double threshold;
        QString thresholdText;
        bool pass;
    };
    QList<Row> m_rows;
    QList<Target> m_targets;
};

// The workloads (workloads.cpp). Each prints its table and adds its targets.
void runW1(const Options &options, Report &report);
void runW2(const Options &options, Report &report);
void runW3(const Options &options, Report &report);
void runW4(const Options &options, Report &report);
void runW5(const Options &options, Report &report);
void runW6(const Options &options, Report &report);
// `pm-bench --child w6 map|hash PATH`: loads the store and prints the growth of its RSS.
int runW6Child(const QStringList &arguments);
void runW7(const Options &options, Report &report); // changes.cpp
// `pm-bench --child w7 follow SPEC`: prints "ready", then a line with the CLOCK_MONOTONIC time
// of each valueChanged/valueRemoved signal. `pm-bench --child w7 idle SPEC SECONDS on|off`:
// prints "ready", then the CPU and wall microseconds of SECONDS of idling.
int runW7Child(const QStringList &arguments);
// The QML workloads (qml.cpp; without the QML module, pm-bench.cpp says they were skipped).
void runW8(const Options &options, Report &report); // start-up against Qt.labs.settings
void runW9(const Options &options, Report &report); // store.values[key] reads
// `pm-bench --child w8 KIND FOLDER N IMPORTPATH`: creates the side KIND twice (cold, warm) and
// prints compile, create and ready milliseconds and whether it was ready in create(), per pass.
int runW8Child(const QStringList &arguments);
void runW10(const Options &options, Report &report); // start-up against QSettings (startup.cpp)
// `pm-bench --child w10 KIND PATH N`: opens the store (settings, sqlite or csv), reads one value
// and closes it; prints the milliseconds of the open and of the close.
int runW10Child(const QStringList &arguments);

// printf that flushes, so a piped run shows its progress.
void out(const char *format, ...) Q_ATTRIBUTE_FORMAT_PRINTF(1, 2);
QString rate(double perSecond); // "1.23 M/s"

} // namespace Bench

#endif // PMBENCH_BENCH_H
