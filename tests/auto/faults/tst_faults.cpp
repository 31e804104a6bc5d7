// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// What PersistentMap does when its backend fails: injected with FaultyBackend around the memory,
// SQLite and CSV backends. A failed write is reported and kept for a retry, never lost; a store
// that failed to load is never written; the destructor returns even if every write fails.
#include "faultybackend.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapMemoryBackend>
#include <PersistentMap/PersistentMapSqliteBackend>

#include "testhelpers.h"

#include <QtCore/QFile>
#include <QtCore/QRegularExpression>
#include <QtCore/QSemaphore>
#include <QtCore/QTemporaryDir>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <optional>

namespace {

enum class Kind { Memory, Sqlite, Csv };

std::unique_ptr<PersistentMapBackend> makeBackend(Kind kind, const QString &path)
{
    switch (kind) {
    case Kind::Memory:
        return std::make_unique<PersistentMapMemoryBackend>();
    case Kind::Sqlite:
        return std::make_unique<PersistentMapSqliteBackend>(path);
    case Kind::Csv:
        return std::make_unique<PersistentMapCsvBackend>(path);
    }
    return {};
}

// What the real store holds, read by a fresh map without faults.
QVariantHash reopen(Kind kind, const QString &path)
{
    PersistentMap map(makeBackend(kind, path));
    map.whenReady().waitForFinished();
    return map.toHash();
}

} // namespace

Q_DECLARE_METATYPE(Kind)

class tst_Faults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void applyFailure_data() { addKinds(); }
    void applyFailure();
    void nthApplyFails_data() { addKinds(); }
    void nthApplyFails();
    void refusedWriteIsNotQueued_data() { addKinds(); }
    void refusedWriteIsNotQueued();
    void newerWriteWinsOverRetry_data() { addKinds(); }
    void newerWriteWinsOverRetry();
    void clearFailure_data() { addKinds(); }
    void clearFailure();
    void loadFailure_data();
    void loadFailure();
    void flushFailure_data() { addKinds(); }
    void flushFailure();
    void writesBesideAFailedFlushAreAcknowledged_data() { addKinds(); }
    void writesBesideAFailedFlushAreAcknowledged();
    void pollFailureReportedOnce_data() { addKinds(); }
    void pollFailureReportedOnce();
    void destructorWithPermanentFailure_data() { addKinds(); }
    void destructorWithPermanentFailure();

private:
    void addKinds();
    std::unique_ptr<PersistentMap> makeMap(Kind kind);

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
    std::shared_ptr<FaultControl> m_control;
};

void tst_Faults::addKinds()
{
    QTest::addColumn<Kind>("kind");
    QTest::newRow("memory") << Kind::Memory;
    QTest::newRow("sqlite") << Kind::Sqlite;
    QTest::newRow("csv") << Kind::Csv;
}

void tst_Faults::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_control = std::make_shared<FaultControl>();
}

std::unique_ptr<PersistentMap> tst_Faults::makeMap(Kind kind)
{
    m_path = m_dir->filePath(kind == Kind::Csv ? QStringLiteral("store.csv")
                                               : QStringLiteral("store.db"));
    return std::make_unique<PersistentMap>(
            std::make_unique<FaultyBackend>(makeBackend(kind, m_path), m_control));
}

void tst_Faults::applyFailure()
{
    QFETCH(Kind, kind);
    {
        std::unique_ptr<PersistentMap> map = makeMap(kind);
        map->whenReady().waitForFinished();
        QVERIFY(!failureOf(map->insert(QStringLiteral("acknowledged"), 1)));
        QCOMPARE(m_control->apply.calls.load(), 1);

        QSignalSpy errors(map.get(), &PersistentMap::errorOccurred);
        QSignalSpy status(map.get(), &PersistentMap::statusChanged);
        QSignalSpy errorString(map.get(), &PersistentMap::errorStringChanged);
        m_control->apply.failNext();
        const std::optional<PersistentMapError> error =
                failureOf(map->insert(QStringLiteral("failed"), QStringLiteral("kept")));
        QVERIFY(error);
        QCOMPARE(error->code(), PersistentMapError::Code::WriteFailed);
        QCOMPARE(error->message(), FaultyBackend::messageFor("apply", 2));
        QTRY_COMPARE(errors.count(), 1);
        QCOMPARE(errors.first().first().toString(), error->message());
        QCOMPARE(map->errorString(), error->message());
        QCOMPARE(map->status(), PersistentMap::Status::Ready); // a failed write is not a load error
        // Issue 13, 7: the status did not change, so no statusChanged ("once Ready" code ran
        // twice); errorString's own signal says it changed.
        QCOMPARE(errorString.count(), 1);
        QCOMPARE(status.count(), 0);

        // The cache keeps both the failed value and what was acknowledged before.
        QCOMPARE(map->value(QStringLiteral("failed")), QVariant(QStringLiteral("kept")));
        QCOMPARE(map->value(QStringLiteral("acknowledged")), QVariant(1));

        // The fault has passed: flush() retries the failed write and succeeds.
        QVERIFY(!failureOf(map->flush()));
        QCOMPARE(m_control->apply.calls.load(), 3);
        QCOMPARE(m_control->apply.failures.load(), 1);
        QCOMPARE(errors.count(), 1);
        QCOMPARE(map->count(), 2);
    }
    if (kind != Kind::Memory) {
        QCOMPARE(reopen(kind, m_path),
                 (QVariantHash{{QStringLiteral("acknowledged"), 1},
                               {QStringLiteral("failed"), QStringLiteral("kept")}}));
    }
}

// A write the backend says it can never take (canStore()) fails at once and alone: the cache
// stays as it was, nothing is queued, and the writes around it are committed.
void tst_Faults::refusedWriteIsNotQueued()
{
    QFETCH(Kind, kind);
    m_control->refusedKey = QStringLiteral("refused");
    {
        std::unique_ptr<PersistentMap> map = makeMap(kind);
        map->whenReady().waitForFinished();
        QSignalSpy errors(map.get(), &PersistentMap::errorOccurred);
        QSignalSpy changed(map.get(), &PersistentMap::valueChanged);
        QVERIFY(!failureOf(map->insert(QStringLiteral("before"), 1)));
        std::optional<PersistentMapError> error =
                failureOf(map->insert(QStringLiteral("refused"), 2));
        QVERIFY(error);
        QCOMPARE(error->code(), PersistentMapError::Code::Unsupported);
        QVERIFY2(error->message().contains(QStringLiteral("'refused' is refused")),
                 qPrintable(error->message()));
        QTRY_COMPARE(errors.count(), 1);
        PersistentMapWriteBatch batch; // atomic: refused as a whole
        batch.insert(QStringLiteral("in batch"), 3);
        batch.remove(QStringLiteral("refused"));
        QVERIFY(failureOf(map->apply(batch)));
        QVERIFY(failureOf(map->remove(QStringLiteral("refused"))));
        QVERIFY(!map->contains(QStringLiteral("refused")));
        QVERIFY(!map->contains(QStringLiteral("in batch")));
        QVERIFY(!failureOf(map->insert(QStringLiteral("after"), 4)));
        QVERIFY(!failureOf(map->flush()));
        QCOMPARE(m_control->apply.failures.load(), 0);
        QCOMPARE(changed.count(), 2); // before, after
    }
    if (kind != Kind::Memory) {
        QCOMPARE(reopen(kind, m_path),
                 (QVariantHash{{QStringLiteral("before"), 1}, {QStringLiteral("after"), 4}}));
    }
}

void tst_Faults::nthApplyFails()
{
    QFETCH(Kind, kind);
    m_control->apply.failNth(3);
    {
        std::unique_ptr<PersistentMap> map = makeMap(kind);
        map->whenReady().waitForFinished();
        QSignalSpy errors(map.get(), &PersistentMap::errorOccurred);
        QVERIFY(!failureOf(map->insert(QStringLiteral("one"), 1)));
        QVERIFY(!failureOf(map->insert(QStringLiteral("two"), 2)));
        const std::optional<PersistentMapError> error =
                failureOf(map->insert(QStringLiteral("three"), 3));
        QVERIFY(error);
        QCOMPARE(error->message(), FaultyBackend::messageFor("apply", 3));
        // The next write carries the failed one with it.
        QVERIFY(!failureOf(map->insert(QStringLiteral("four"), 4)));
        QTRY_COMPARE(errors.count(), 1);
        QCOMPARE(m_control->apply.calls.load(), 4);
        QVERIFY(!failureOf(map->flush()));
    }
    if (kind != Kind::Memory) {
        QCOMPARE(reopen(kind, m_path),
                 (QVariantHash{{QStringLiteral("one"), 1},
                               {QStringLiteral("two"), 2},
                               {QStringLiteral("three"), 3},
                               {QStringLiteral("four"), 4}}));
    }
}

void tst_Faults::newerWriteWinsOverRetry()
{
    QFETCH(Kind, kind);
    {
        std::unique_ptr<PersistentMap> map = makeMap(kind);
        map->whenReady().waitForFinished();
        m_control->apply.failNext();
        QVERIFY(failureOf(map->insert(QStringLiteral("k"), QStringLiteral("old"))));
        QVERIFY(!failureOf(map->insert(QStringLiteral("k"), QStringLiteral("new"))));
        QVERIFY(!failureOf(map->insert(QStringLiteral("gone"), 1)));
        m_control->apply.failNext();
        QVERIFY(failureOf(map->remove(QStringLiteral("gone"))));
        QVERIFY(!failureOf(map->flush()));
        QCOMPARE(map->toHash(), (QVariantHash{{QStringLiteral("k"), QStringLiteral("new")}}));
    }
    if (kind != Kind::Memory)
        QCOMPARE(reopen(kind, m_path),
                 (QVariantHash{{QStringLiteral("k"), QStringLiteral("new")}}));
}

void tst_Faults::clearFailure()
{
    QFETCH(Kind, kind);
    {
        std::unique_ptr<PersistentMap> map = makeMap(kind);
        map->whenReady().waitForFinished();
        QVERIFY(!failureOf(
                map->insert(QVariantHash{{QStringLiteral("a"), 1}, {QStringLiteral("b"), 2}})));
        m_control->clear.failNext();
        const std::optional<PersistentMapError> error = failureOf(map->clear());
        QVERIFY(error);
        QCOMPARE(error->code(), PersistentMapError::Code::WriteFailed);
        QVERIFY(map->isEmpty());
        QVERIFY(!failureOf(map->insert(QStringLiteral("c"), 3))); // retries the clear first
        QCOMPARE(m_control->clear.calls.load(), 2);
        QVERIFY(!failureOf(map->flush()));
    }
    if (kind != Kind::Memory)
        QCOMPARE(reopen(kind, m_path), (QVariantHash{{QStringLiteral("c"), 3}}));
}

void tst_Faults::loadFailure_data()
{
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<bool>("existing"); // the store exists before the failing map opens it
    QTest::newRow("memory") << Kind::Memory << false;
    QTest::newRow("sqlite, missing") << Kind::Sqlite << false;
    QTest::newRow("sqlite, existing") << Kind::Sqlite << true;
    QTest::newRow("csv, missing") << Kind::Csv << false;
    QTest::newRow("csv, existing") << Kind::Csv << true;
}

void tst_Faults::loadFailure()
{
    QFETCH(Kind, kind);
    QFETCH(bool, existing);
    QByteArray before;
    if (existing) {
        {
            std::unique_ptr<PersistentMap> map = makeMap(kind);
            QVERIFY(!failureOf(map->insert(QStringLiteral("stored"), 1)));
        }
        before = readBytes(m_path);
        QVERIFY(!before.isEmpty());
        m_control = std::make_shared<FaultControl>();
    }
    m_control->load.failNext();
    {
        std::unique_ptr<PersistentMap> map = makeMap(kind);
        QSignalSpy status(map.get(), &PersistentMap::statusChanged);
        QSignalSpy errorString(map.get(), &PersistentMap::errorStringChanged);
        QSignalSpy errors(map.get(), &PersistentMap::errorOccurred);
        const std::optional<PersistentMapError> error = failureOf(map->whenReady());
        QVERIFY(error);
        QCOMPARE(error->code(), PersistentMapError::Code::OpenFailed);
        QCOMPARE(error->message(), FaultyBackend::messageFor("loadInto", 1));
        QCOMPARE(map->status(), PersistentMap::Status::Error);
        QCOMPARE(map->errorString(), error->message());
        QTRY_COMPARE(errors.count(), 1);
        QCOMPARE(errors.first().first().toString(), error->message());
        QCOMPARE(status.count(), 1); // Loading to Error
        QCOMPARE(errorString.count(), 1);

        // Writes keep working in memory and fail their futures with the load error.
        const std::optional<PersistentMapError> writeError =
                failureOf(map->insert(QStringLiteral("k"), 1));
        QVERIFY(writeError);
        QCOMPARE(writeError->message(), error->message());
        QCOMPARE(map->value(QStringLiteral("k")), QVariant(1));
        QVERIFY(failureOf(map->remove(QStringLiteral("stored"))));
        QVERIFY(failureOf(map->clear()));
        QVERIFY(failureOf(map->flush()));
        QCOMPARE(m_control->load.calls.load(), 1);
    }
    // The backend was never asked to write, and the store was never touched.
    QCOMPARE(m_control->apply.calls.load(), 0);
    QCOMPARE(m_control->clear.calls.load(), 0);
    QCOMPARE(m_control->flush.calls.load(), 0);
    if (kind != Kind::Memory) {
        if (existing)
            QCOMPARE(readBytes(m_path), before);
        else
            QVERIFY(!QFile::exists(m_path));
    }
}

void tst_Faults::flushFailure()
{
    QFETCH(Kind, kind);
    {
        std::unique_ptr<PersistentMap> map = makeMap(kind);
        map->whenReady().waitForFinished();
        QSignalSpy errors(map.get(), &PersistentMap::errorOccurred);
        QVERIFY(!failureOf(map->insert(QStringLiteral("a"), 1)));
        m_control->flush.failNext();
        map->insert(QStringLiteral("b"), 2);
        const std::optional<PersistentMapError> error = failureOf(map->flush());
        QVERIFY(error);
        QCOMPARE(error->code(), PersistentMapError::Code::WriteFailed);
        QCOMPARE(error->message(), FaultyBackend::messageFor("flush", 1));
        QTRY_COMPARE(errors.count(), 1);
        QCOMPARE(map->errorString(), error->message());

        QVERIFY(!failureOf(map->flush())); // the next flush retries
        QCOMPARE(m_control->flush.calls.load(), 2);
        QCOMPARE(m_control->flush.failures.load(), 1);
        QCOMPARE(errors.count(), 1);
    }
    if (kind != Kind::Memory) {
        QCOMPARE(reopen(kind, m_path),
                 (QVariantHash{{QStringLiteral("a"), 1}, {QStringLiteral("b"), 2}}));
    }
}

// Writes that joined the batch a flush() asked to sync are committed before the sync fails: they
// are acknowledged, and only the flush() fails (issue 11: their futures failed too, so a caller
// retried writes that had landed, over other processes' newer ones). The storage thread is held
// inside the first batch's apply() so that the next writes and the flush() join one batch.
void tst_Faults::writesBesideAFailedFlushAreAcknowledged()
{
    QFETCH(Kind, kind);
    QSemaphore entered;
    QSemaphore proceed;
    std::atomic<bool> hold{true};
    m_control->beforeApply = [&] {
        if (hold.exchange(false)) {
            entered.release();
            proceed.acquire();
        }
    };
    {
        std::unique_ptr<PersistentMap> map = makeMap(kind);
        map->whenReady().waitForFinished();
        const QFuture<void> first = map->insert(QStringLiteral("a"), 1);
        QVERIFY(entered.tryAcquire(1, 20000)); // the storage thread is inside apply(a)
        m_control->flush.failNext();
        const QFuture<void> second = map->insert(QStringLiteral("b"), 2);
        const QFuture<void> flushed = map->flush();
        const QFuture<void> third = map->insert(QStringLiteral("c"), 3);
        proceed.release();

        QVERIFY(!failureOf(first));
        const std::optional<PersistentMapError> error = failureOf(flushed);
        QVERIFY(error);
        QCOMPARE(error->message(), FaultyBackend::messageFor("flush", 1));
        QVERIFY2(!failureOf(second), "a committed write was reported as failed");
        QVERIFY2(!failureOf(third), "a committed write was reported as failed");
        QCOMPARE(m_control->apply.calls.load(), 2); // (a), then (b, c): nothing written twice
        QVERIFY(!failureOf(map->flush())); // the next flush syncs
        QCOMPARE(m_control->apply.calls.load(), 2);
    }
    if (kind != Kind::Memory) {
        QCOMPARE(reopen(kind, m_path),
                 (QVariantHash{{QStringLiteral("a"), 1},
                               {QStringLiteral("b"), 2},
                               {QStringLiteral("c"), 3}}));
    }
}

// A poll that keeps failing (a server that stays away, a line that cannot be parsed) is reported
// once, not at every poll; after a poll succeeded, the next failure is reported again.
void tst_Faults::pollFailureReportedOnce()
{
    QFETCH(Kind, kind);
    m_control->watch = true;
    std::unique_ptr<PersistentMap> map = makeMap(kind);
    map->whenReady().waitForFinished();
    QSignalSpy errors(map.get(), &PersistentMap::errorOccurred);
    m_control->poll.failAlways = true;
    QTRY_VERIFY_WITH_TIMEOUT(m_control->poll.failures.load() >= 5, 20000);
    QCOMPARE(errors.size(), 1);
    QVERIFY2(errors.first().first().toString().startsWith(
                     QStringLiteral("FaultyBackend: injected failure of pollChanges() call")),
             qPrintable(errors.first().first().toString()));
    m_control->poll.reset();
    const int calls = m_control->poll.calls.load();
    QTRY_VERIFY_WITH_TIMEOUT(m_control->poll.calls.load() >= calls + 2, 20000); // succeeded
    m_control->poll.failNext();
    QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 2, 20000);
    QCOMPARE(map->status(), PersistentMap::Status::Ready);
}

void tst_Faults::destructorWithPermanentFailure()
{
    QFETCH(Kind, kind);
    {
        std::unique_ptr<PersistentMap> map = makeMap(kind);
        map->whenReady().waitForFinished();
        QVERIFY(!failureOf(map->insert(QStringLiteral("saved"), 1)));
        m_control->apply.failAlways = true;
        m_control->flush.failAlways = true;
        QVERIFY(failureOf(map->insert(QStringLiteral("lost"), 2)));
        QVERIFY(failureOf(map->flush()));
        const int callsBefore = m_control->apply.calls.load();
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("destroyed with 1 unsaved change")));
        map.reset(); // returns: the final attempt fails and is reported, not retried forever
        QCOMPARE(m_control->apply.calls.load(), callsBefore + 1);
    }
    if (kind != Kind::Memory)
        QCOMPARE(reopen(kind, m_path), (QVariantHash{{QStringLiteral("saved"), 1}}));
}

QTEST_GUILESS_MAIN(tst_Faults)
#include "tst_faults.moc"
