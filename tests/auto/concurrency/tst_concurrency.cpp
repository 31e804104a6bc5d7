// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PersistentMap under concurrent use: several threads write overlapping keys (inserts, removes,
// atomic batches, clears) while others read; afterwards the store, read back, must equal the
// cache exactly, and the change signals, replayed in order, must rebuild the cache.
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapBackendWrapper>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapMemoryBackend>
#include <PersistentMap/PersistentMapSqliteBackend>

#include "backendcalls.h"
#include "testhelpers.h"

#include <QtCore/QDebug>
#include <QtCore/QMutex>
#include <QtCore/QRandomGenerator>
#include <QtCore/QSemaphore>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtTest/QTest>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace {

// Forwards every call to a PersistentMapMemoryBackend and, when the map destroys it (on the storage
// thread, after the final flush), copies what it holds: the only way to see what a memory store
// kept.
class SnapshotBackend : public PersistentMapBackendWrapper
{
public:
    explicit SnapshotBackend(std::shared_ptr<QVariantHash> snapshot)
        : PersistentMapBackendWrapper(std::make_unique<PersistentMapMemoryBackend>())
        , m_snapshot(std::move(snapshot))
    {
    }
    ~SnapshotBackend() override { *m_snapshot = loadAll(*target()); }

private:
    std::shared_ptr<QVariantHash> m_snapshot;
};

// Runs each function on its own thread, all released at once, and joins them. std::thread, not
// QThread: ThreadSanitizer understands a join, but not QThread::wait(), whose ordering happens
// inside uninstrumented Qt (docs/TESTING.md). ctest's timeout bounds a hang.
bool runTogether(const std::vector<std::function<void()>> &functions)
{
    QSemaphore start;
    std::vector<std::thread> threads;
    for (const std::function<void()> &function : functions) {
        threads.emplace_back([&start, function] {
            start.acquire();
            function();
        });
    }
    start.release(int(functions.size()));
    for (std::thread &thread : threads)
        thread.join();
    return true;
}

} // namespace

class tst_Concurrency : public QObject
{
    Q_OBJECT

private:
    static void addBackends();
    std::unique_ptr<PersistentMap> openMap(const QString &kind);
    std::optional<QVariantHash> storedContent(const QString &kind);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::shared_ptr<QVariantHash> m_memorySnapshot;

private Q_SLOTS:
    void init();
    void writersAndReaders_data() { addBackends(); }
    void writersAndReaders();
    void sameKeyRace_data() { addBackends(); }
    void sameKeyRace();
    void destroyRightAfterWriters_data() { addBackends(); }
    void destroyRightAfterWriters();
};

// For "memory" the store is read from the backend as the map closes it, not by reopening.
void tst_Concurrency::addBackends()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("memory") << QStringLiteral("memory");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("csv") << QStringLiteral("csv");
}

void tst_Concurrency::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_memorySnapshot = std::make_shared<QVariantHash>();
}

std::unique_ptr<PersistentMap> tst_Concurrency::openMap(const QString &kind)
{
    std::unique_ptr<PersistentMapBackend> backend;
    if (kind == u"memory")
        backend = std::make_unique<SnapshotBackend>(m_memorySnapshot);
    else if (kind == u"sqlite")
        backend = std::make_unique<PersistentMapSqliteBackend>(
                m_dir->filePath(QStringLiteral("store.db")));
    else
        backend = std::make_unique<PersistentMapCsvBackend>(
                m_dir->filePath(QStringLiteral("store.csv")));
    return std::make_unique<PersistentMap>(std::move(backend));
}

// What the store holds; the map that wrote it has been destroyed.
std::optional<QVariantHash> tst_Concurrency::storedContent(const QString &kind)
{
    if (kind == u"memory")
        return *m_memorySnapshot;
    const std::unique_ptr<PersistentMap> map = openMap(kind);
    if (const auto failure = failureOf(map->whenReady())) {
        qWarning().noquote() << "reopening the store failed:" << failure->message();
        return std::nullopt;
    }
    return map->toHash();
}

namespace {

constexpr int Writers = 4;
constexpr int Readers = 2;
constexpr int Iterations = 3000;
constexpr int KeySpace = 64;

QVariant valueFor(int writer, int i)
{
    switch (i % 4) {
    case 0:
        return writer * Iterations + i;
    case 1:
        return QStringLiteral("w%1-%2").arg(writer).arg(i);
    case 2:
        return writer + i + 0.5;
    default:
        return QStringList{QStringLiteral("w%1").arg(writer), QString::number(i)};
    }
}

bool isWrittenType(const QVariant &value)
{
    const QMetaType type = value.metaType();
    return type == QMetaType::fromType<int>() || type == QMetaType::fromType<QString>() ||
            type == QMetaType::fromType<double>() || type == QMetaType::fromType<QStringList>();
}

// A writer's atomic pairs: "<prefix><writer>-x" and "-y" are only ever written together, with
// one value, by apply() or insert(QVariantHash), and removed together by clear().
QString pairKey(const char *prefix, int writer, char half)
{
    return QStringLiteral("%1%2-%3").arg(QLatin1String(prefix)).arg(writer).arg(QLatin1Char(half));
}

void writeMix(PersistentMap *map, int writer)
{
    QRandomGenerator random(quint32(1000 + writer));
    for (int i = 0; i < Iterations; ++i) {
        const QString key = QStringLiteral("k%1").arg(random.bounded(KeySpace));
        switch (random.bounded(10)) {
        case 5:
        case 6:
            map->remove(key);
            break;
        case 7: {
            PersistentMapWriteBatch batch;
            batch.insert(pairKey("batch", writer, 'x'), i);
            batch.insert(key, valueFor(writer, i));
            batch.remove(QStringLiteral("k%1").arg(random.bounded(KeySpace)));
            batch.insert(pairKey("batch", writer, 'y'), i);
            map->apply(batch);
            break;
        }
        case 8:
            map->insert(QVariantHash{{pairKey("hash", writer, 'x'), i},
                                     {pairKey("hash", writer, 'y'), i},
                                     {key, valueFor(writer, i)}});
            break;
        case 9:
            if (writer == 0 && i % 1000 == 999) {
                map->clear();
                break;
            }
            Q_FALLTHROUGH();
        default:
            map->insert(key, valueFor(writer, i));
            break;
        }
    }
}

// Counts what a reader saw that must never be seen: half of an atomic write, a value of a type
// nobody wrote.
struct ReaderStats
{
    std::atomic<int> reads{0};
    std::atomic<int> tornPairs{0};
    std::atomic<int> badValues{0};
};

void readMix(const PersistentMap *map, const std::atomic<bool> *done, ReaderStats *stats,
             int reader)
{
    QRandomGenerator random(quint32(2000 + reader));
    // Bounded even if the writers hang.
    for (int round = 0; round < 200000 && !done->load(); ++round) {
        const QString key = QStringLiteral("k%1").arg(random.bounded(KeySpace));
        const QVariant value = map->value(key);
        if (value.isValid() && !isWrittenType(value))
            ++stats->badValues;
        map->contains(key);
        map->get<int>(key);
        if (map->count() < 0)
            ++stats->badValues;
        if (round % 8 == 0) {
            const QVariantHash all = map->toHash();
            for (int w = 0; w < Writers; ++w) {
                for (const char *prefix : {"batch", "hash"}) {
                    if (all.value(pairKey(prefix, w, 'x')) != all.value(pairKey(prefix, w, 'y')))
                        ++stats->tornPairs;
                }
            }
            for (const QVariant &v : all) {
                if (!isWrittenType(v))
                    ++stats->badValues;
            }
            map->keys();
        }
        ++stats->reads;
    }
}

} // namespace

void tst_Concurrency::writersAndReaders()
{
    QFETCH(QString, backend);
    QVariantHash snapshot;
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());

        QMutex eventsMutex;
        QVariantHash replay;
        int foreignThreadEvents = 0;
        QThread *const owner = QThread::currentThread();
        // Direct connections: the slots run where the signals are emitted.
        connect(map.get(), &PersistentMap::valueChanged,
                [&](const QString &key, const QVariant &value) {
                    QMutexLocker locker(&eventsMutex);
                    foreignThreadEvents += QThread::currentThread() != owner;
                    replay.insert(key, value);
                });
        connect(map.get(), &PersistentMap::valueRemoved, [&](const QString &key) {
            QMutexLocker locker(&eventsMutex);
            foreignThreadEvents += QThread::currentThread() != owner;
            replay.remove(key);
        });

        PersistentMap *const m = map.get();
        std::atomic<bool> writersDone{false};
        std::atomic<int> writersLeft{Writers};
        ReaderStats stats;
        std::vector<std::function<void()>> tasks;
        for (int w = 0; w < Writers; ++w) {
            tasks.emplace_back([m, w, &writersDone, &writersLeft] {
                writeMix(m, w);
                if (--writersLeft == 0)
                    writersDone = true;
            });
        }
        for (int r = 0; r < Readers; ++r)
            tasks.emplace_back(
                    [m, r, &writersDone, &stats] { readMix(m, &writersDone, &stats, r); });
        QVERIFY(runTogether(tasks));

        QVERIFY(stats.reads > 0);
        QCOMPARE(stats.tornPairs.load(), 0);
        QCOMPARE(stats.badValues.load(), 0);

        VERIFY_OK(map->flush());
        snapshot = map->toHash();
        QVERIFY(!snapshot.isEmpty());
        QCOMPARE(map->count(), snapshot.size());
        QCOMPARE(map->keys().size(), snapshot.size());

        // Replaying the signals in the order they arrived rebuilds the cache.
        const auto replayDiff = [&] {
            QMutexLocker locker(&eventsMutex);
            return contentDiff(replay, snapshot);
        };
        QTRY_VERIFY2(replayDiff().isEmpty(), qPrintable(replayDiff()));
        QMutexLocker locker(&eventsMutex);
        QCOMPARE(foreignThreadEvents, 0);
    }
    const std::optional<QVariantHash> stored = storedContent(backend);
    QVERIFY(stored);
    COMPARE_CONTENT(*stored, snapshot);
}

// The bug of the Rust seed: the cache and the store were updated in two unordered steps, so two
// threads inserting one key could leave memory and disk disagreeing. First both threads hammer a
// few keys; then they move in lockstep, one insert each per key, so that the last write to every
// key is a real race (when one thread runs ahead, the other's writes are uncontested).
void tst_Concurrency::sameKeyRace()
{
    QFETCH(QString, backend);
    constexpr int Keys = 8;
    constexpr int Rounds = 3000;
    constexpr int LockstepKeys = 20000;
    constexpr int LockstepThreads = 3;
    QVariantHash snapshot;
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        PersistentMap *const m = map.get();
        // Different types as well as different values, so a type mix-up shows too.
        const auto valueOf = [](int thread, int i) {
            return thread == 1 ? QVariant(i)
                               : QVariant(QStringLiteral("t%1-%2").arg(thread).arg(i));
        };
        std::vector<std::function<void()>> tasks;
        for (int t = 0; t < 2; ++t) {
            tasks.emplace_back([m, t, valueOf] {
                for (int i = 0; i < Rounds; ++i)
                    m->insert(QStringLiteral("race-%1").arg(i % Keys), valueOf(t, i));
            });
        }
        QVERIFY(runTogether(tasks));

        QSemaphore go;
        QSemaphore done;
        std::vector<std::thread> threads;
        for (int t = 0; t < LockstepThreads; ++t) {
            threads.emplace_back([m, t, valueOf, &go, &done] {
                for (int i = 0; i < LockstepKeys; ++i) {
                    go.acquire();
                    m->insert(QStringLiteral("lockstep-%1").arg(i), valueOf(t, i));
                    done.release();
                }
            });
        }
        for (int i = 0; i < LockstepKeys; ++i) {
            go.release(LockstepThreads);
            done.acquire(LockstepThreads);
        }
        for (std::thread &thread : threads)
            thread.join();

        VERIFY_OK(map->flush());
        snapshot = map->toHash();
        QCOMPARE(snapshot.size(), Keys + LockstepKeys);
    }
    const std::optional<QVariantHash> stored = storedContent(backend);
    QVERIFY(stored);
    COMPARE_CONTENT(*stored, snapshot);
}

// No flush(): the destructor alone must persist exactly what the cache held.
void tst_Concurrency::destroyRightAfterWriters()
{
    QFETCH(QString, backend);
    QVariantHash snapshot;
    {
        const auto map = openMap(backend);
        PersistentMap *const m = map.get();
        std::vector<std::function<void()>> tasks;
        for (int w = 0; w < Writers; ++w)
            tasks.emplace_back([m, w] { writeMix(m, w); });
        QVERIFY(runTogether(tasks));
        snapshot = map->toHash();
        QVERIFY(!snapshot.isEmpty());
    }
    const std::optional<QVariantHash> stored = storedContent(backend);
    QVERIFY(stored);
    COMPARE_CONTENT(*stored, snapshot);
}

QTEST_GUILESS_MAIN(tst_Concurrency)
#include "tst_concurrency.moc"
