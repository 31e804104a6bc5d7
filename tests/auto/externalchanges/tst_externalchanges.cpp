// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Changes made by another writer (another map on the same store in this process, or another
// process) reach a map as cache updates and signals: data-driven over every backend that can
// watch. Latency is measured by pm-bench, not asserted here: the waits below are generous
// bounds for a loaded CI machine.
//
// The postgres rows need a server (PM_TEST_POSTGRES, docs/TESTING.md "PostgreSQL"): each row gets
// a fresh table, dropped with its change log after the row; without a server the rows skip with
// the reason (fail under PM_REQUIRE_POSTGRES=1).
#include "mapwatcherprocess.h"
#include "postgrestest.h"
#include "testhelpers.h"

#include <PersistentMap/PersistentMap>

#include <QtCore/QElapsedTimer>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <functional>

namespace {

constexpr int Bound = 10000; // ms; the watch interval is 50 ms

struct Store
{
    QString writer; // the spec of a map that writes
    QString follower; // the spec of a map that follows it (the same, unless read-only)
    bool followerWrites = true;
};

std::unique_ptr<PersistentMap> open(const QString &spec)
{
    QString error;
    std::unique_ptr<PersistentMapBackend> backend = PersistentMapBackend::create(spec, &error);
    if (!backend)
        qFatal("%s", qPrintable(error));
    auto map = std::make_unique<PersistentMap>(std::move(backend));
    if (const std::optional<PersistentMapError> failed = loadError(*map))
        qFatal("%s", qPrintable(failed->message()));
    return map;
}

// Waits (a nested event loop) for map's valueChanged(key) after starting the change: true if
// it came.
bool waitForChange(PersistentMap *map, const QString &key, const std::function<void()> &change)
{
    QSignalSpy changed(map, &PersistentMap::valueChanged);
    change();
    while (changed.wait(Bound)) {
        for (const QList<QVariant> &args : std::as_const(changed)) {
            if (args.at(0).toString() == key)
                return true;
        }
    }
    return false;
}

// Inserts key into map from another thread, returning once the insert was made.
void insertFromThread(PersistentMap *map, const QString &key)
{
    std::unique_ptr<QThread> thread(QThread::create([map, key] { (void)map->insert(key, key); }));
    thread->start();
    thread->wait();
}

QStringList keysOf(const QSignalSpy &spy)
{
    QStringList keys;
    for (const QList<QVariant> &args : spy)
        keys.append(args.at(0).toString());
    return keys;
}

using Watcher = MapWatcherProcess;

} // namespace

Q_DECLARE_METATYPE(Store)

class tst_ExternalChanges : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void followsInsertsAndRemoves_data() { stores(); }
    void followsInsertsAndRemoves();
    void ownWritesAreNotEchoed_data() { stores(Followers::Writing); }
    void ownWritesAreNotEchoed();
    void watchingCanBeTurnedOff_data() { stores(); }
    void watchingCanBeTurnedOff();
    void catchesUpAfterTheLogWasPruned_data() { stores(); }
    void catchesUpAfterTheLogWasPruned();
    void followsOtherProgramsOnSqlite();
    void twoProcessesSeeEachOther_data() { stores(); }
    void twoProcessesSeeEachOther();
    void waitsInsideDeliveriesGetSignals_data() { stores(); }
    void waitsInsideDeliveriesGetSignals();

private:
    enum class Followers { Any, Writing };
    void stores(Followers followers = Followers::Any);
    QString path(const QString &name) const { return m_dir.filePath(name); }
    static bool isPostgresRow();
    QTemporaryDir m_dir;
    int m_serial = 0;
    // The postgres row's table of the current test function, made by stores().
    std::unique_ptr<PostgresTestTable> m_postgresTable;
};

void tst_ExternalChanges::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

bool tst_ExternalChanges::isPostgresRow()
{
    const char *tag = QTest::currentDataTag();
    return tag && qstrcmp(tag, "postgres") == 0;
}

void tst_ExternalChanges::init()
{
    if (isPostgresRow()) {
        PM_POSTGRES_SPEC_OR_SKIP(spec);
        Q_UNUSED(spec);
        QVERIFY(m_postgresTable);
    }
}

void tst_ExternalChanges::cleanup()
{
    if (isPostgresRow())
        m_postgresTable.reset(); // the row's maps are gone: drops the table and its change log
}

// Every backend that can watch. Each row gets a fresh store.
// Followers::Writing leaves out the stores whose followers are read-only (CSV).
void tst_ExternalChanges::stores(Followers followers)
{
    QTest::addColumn<Store>("store");
    const QString sqlite = path(QStringLiteral("store-%1.db").arg(++m_serial));
    QTest::newRow("sqlite") << Store{QStringLiteral("sqlite:") + sqlite,
                                     QStringLiteral("sqlite:") + sqlite};
    // Without a server the row is empty and init() skips it.
    m_postgresTable.reset();
    Store postgres;
    if (const std::optional<QString> server = postgresSpec()) {
        m_postgresTable = std::make_unique<PostgresTestTable>(*server);
        postgres = Store{m_postgresTable->spec(), m_postgresTable->spec()};
    }
    QTest::newRow("postgres") << postgres;
    if (followers == Followers::Writing)
        return;
    // The writer holds the CSV store's lock: the others follow it read-only.
    const QString csv = path(QStringLiteral("store-%1.csv").arg(m_serial));
    QTest::newRow("csv") << Store{QStringLiteral("csv:") + csv,
                                  QStringLiteral("csv:") + csv + QStringLiteral("?readonly=1"),
                                  false};
}

void tst_ExternalChanges::followsInsertsAndRemoves()
{
    QFETCH(Store, store);
    auto writer = open(store.writer);
    VERIFY_OK(writer->insert(QStringLiteral("before"), 1));
    auto follower = open(store.follower);
    QCOMPARE(follower->value(QStringLiteral("before")), QVariant(1));
    QVERIFY(follower->watchExternalChanges());
    QSignalSpy changed(follower.get(), &PersistentMap::valueChanged);
    QSignalSpy removed(follower.get(), &PersistentMap::valueRemoved);
    QSignalSpy counted(follower.get(), &PersistentMap::countChanged);

    const QVariantList list{1, QStringLiteral("two"), 3.5};
    PersistentMapWriteBatch batch;
    batch.insert(QStringLiteral("list"), list);
    batch.insert(QStringLiteral("when"), QDate(2026, 11, 23));
    batch.remove(QStringLiteral("before"));
    VERIFY_OK(writer->apply(batch));
    QTRY_VERIFY_WITH_TIMEOUT(changed.size() == 2 && removed.size() == 1, Bound);
    QCOMPARE(keysOf(removed), QStringList{QStringLiteral("before")});
    QStringList keys = keysOf(changed);
    keys.sort();
    QCOMPARE(keys, (QStringList{QStringLiteral("list"), QStringLiteral("when")}));
    QVERIFY(counted.size() >= 1);
    // Values come back with their types.
    QCOMPARE(follower->value(QStringLiteral("list")), QVariant(list));
    QCOMPARE(follower->value(QStringLiteral("when")).metaType(), QMetaType::fromType<QDate>());
    QCOMPARE(follower->toHash(), writer->toHash());

    VERIFY_OK(writer->insert(QStringLiteral("list"), QStringLiteral("replaced")));
    QTRY_VERIFY_WITH_TIMEOUT(changed.size() == 3, Bound);
    QCOMPARE(changed.last().at(1), QVariant(QStringLiteral("replaced")));
    // Keys travel through the change log as JSON: quotes, backslashes, control characters.
    const QString hostile = QStringLiteral("q\"uote \\back\nline\t\U0001F389 \\u0041");
    VERIFY_OK(writer->insert(hostile, 1));
    QTRY_VERIFY_WITH_TIMEOUT(changed.size() == 4, Bound);
    QCOMPARE(changed.last().at(0), QVariant(hostile));
    VERIFY_OK(writer->remove(hostile));
    QTRY_VERIFY_WITH_TIMEOUT(removed.size() == 2, Bound);
    // A leading U+FEFF is text, not a byte order mark: the follower looks the key up by it and
    // gets the value with it (SQLite drops it from UTF-16 input that is not bound as UTF-8).
    const QString bom = QStringLiteral("\uFEFFbom");
    VERIFY_OK(writer->insert(bom, bom));
    QTRY_VERIFY_WITH_TIMEOUT(changed.size() == 5, Bound);
    QCOMPARE(changed.last().at(0), QVariant(bom));
    QCOMPARE(follower->value(bom), QVariant(bom));
    QCOMPARE(removed.size(), 2);
    VERIFY_OK(writer->remove(bom));
    QTRY_VERIFY_WITH_TIMEOUT(removed.size() == 3, Bound);
    VERIFY_OK(writer->clear());
    QTRY_VERIFY_WITH_TIMEOUT(removed.size() == 5, Bound);
    QVERIFY(follower->isEmpty());
}

// A map's own committed writes do not come back to it as changes: when it has seen another
// writer's marker (written after its own writes), it has also read its own writes from the log.
void tst_ExternalChanges::ownWritesAreNotEchoed()
{
    QFETCH(Store, store);
    auto first = open(store.writer);
    auto second = open(store.follower);
    QSignalSpy firstChanged(first.get(), &PersistentMap::valueChanged);
    QSignalSpy secondChanged(second.get(), &PersistentMap::valueChanged);
    for (int i = 0; i < 20; ++i)
        first->insert(QStringLiteral("own%1").arg(i), i);
    VERIFY_OK(first->flush());
    QTRY_VERIFY_WITH_TIMEOUT(second->count() == 20, Bound);
    VERIFY_OK(second->insert(QStringLiteral("marker"), true));
    // The signal, not contains(): the cache is updated before the signal is delivered.
    QTRY_VERIFY_WITH_TIMEOUT(keysOf(firstChanged).contains(QStringLiteral("marker")), Bound);
    QStringList expected;
    for (int i = 0; i < 20; ++i)
        expected.append(QStringLiteral("own%1").arg(i));
    QCOMPARE(keysOf(firstChanged), expected + QStringList{QStringLiteral("marker")});
    // The second map announced each of the first's keys once, and its own marker once.
    QCOMPARE(secondChanged.size(), 21);
}

void tst_ExternalChanges::watchingCanBeTurnedOff()
{
    QFETCH(Store, store);
    auto writer = open(store.writer);
    auto follower = open(store.follower);
    auto witness = open(store.follower); // a second follower, still watching
    QSignalSpy toggled(follower.get(), &PersistentMap::watchExternalChangesChanged);
    follower->setWatchExternalChanges(false);
    QCOMPARE(toggled.size(), 1);
    QSignalSpy changed(follower.get(), &PersistentMap::valueChanged);
    VERIFY_OK(writer->insert(QStringLiteral("k"), 1));
    // Three more commits, each seen by the watching witness before the next is made: the witness
    // polled at least three times after "k", and a watching follower, whose timer has the same
    // interval, would have seen "k" by then.
    for (int tick = 0; tick < 3; ++tick) {
        const QString key = QStringLiteral("tick%1").arg(tick);
        VERIFY_OK(writer->insert(key, tick));
        QTRY_VERIFY_WITH_TIMEOUT(witness->contains(key), Bound);
    }
    QVERIFY(changed.isEmpty());
    QVERIFY(!follower->contains(QStringLiteral("k")));
    follower->setWatchExternalChanges(true);
    QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 4, Bound);
    QCOMPARE(follower->value(QStringLiteral("k")), QVariant(1));
}

// A follower that was away while more changes were made than the change log keeps (SQLite,
// PostgreSQL), or while the owner compacted the file (CSV: the removals below make dead rows
// outnumber live ones), reloads the whole store and still reports exactly what differs: the keys
// inserted and removed while it was away are not reported at all.
void tst_ExternalChanges::catchesUpAfterTheLogWasPruned()
{
    QFETCH(Store, store);
    auto writer = open(store.writer);
    VERIFY_OK(writer->insert({{QStringLiteral("gone"), 1}, {QStringLiteral("kept"), 2}}));
    auto follower = open(store.follower);
    follower->setWatchExternalChanges(false);
    QSignalSpy changed(follower.get(), &PersistentMap::valueChanged);
    QSignalSpy removed(follower.get(), &PersistentMap::valueRemoved);
    // More keys in one poll than SqlStore::ReloadAbove, and more transactions than
    // SqlStore::LogKeep (the log is pruned past the follower's position); CSV compacts.
    constexpr int Many = 60000;
    for (int round = 0; round < 2; ++round) {
        PersistentMapWriteBatch batch;
        for (int i = 0; i < Many / 2; ++i)
            batch.insert(QStringLiteral("bulk%1").arg(round * Many / 2 + i), i);
        VERIFY_OK(writer->apply(batch));
    }
    PersistentMapWriteBatch removals;
    for (int i = 0; i < Many; i += 2)
        removals.remove(QStringLiteral("bulk%1").arg(i));
    VERIFY_OK(writer->apply(removals));
    for (int i = 0; i < 300; ++i)
        VERIFY_OK(writer->insert(QStringLiteral("bulk%1").arg(2 * i), -i)); // one commit each
    VERIFY_OK(writer->remove(QStringLiteral("gone")));
    VERIFY_OK(writer->flush());
    follower->setWatchExternalChanges(true);
    QTRY_VERIFY_WITH_TIMEOUT(removed.size() == 1, Bound);
    QCOMPARE(keysOf(removed), QStringList{QStringLiteral("gone")});
    QCOMPARE(changed.size(), Many / 2 + 300);
    QCOMPARE(follower->count(), qsizetype(Many / 2 + 300 + 1));
    QCOMPARE(contentDiff(follower->toHash(), writer->toHash()), QString());
}

// A program that writes the table with plain SQL (the sqlite3 shell) logs nothing; the commit
// still changes PRAGMA data_version, and the follower reloads the table and reports the
// difference.
void tst_ExternalChanges::followsOtherProgramsOnSqlite()
{
    const QString file = path(QStringLiteral("shell.db"));
    auto map = open(QStringLiteral("sqlite:") + file);
    VERIFY_OK(map->insert({{QStringLiteral("kept"), 1}, {QStringLiteral("dropped"), 2}}));
    QSignalSpy changed(map.get(), &PersistentMap::valueChanged);
    QSignalSpy removed(map.get(), &PersistentMap::valueRemoved);
    {
        QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("shell"));
        db.setDatabaseName(file);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("INSERT INTO persistent_map VALUES ('typed', 'int', "
                                          "'42')")));
        QVERIFY(query.exec(QStringLiteral("DELETE FROM persistent_map WHERE key = 'dropped'")));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("shell"));
    QTRY_VERIFY_WITH_TIMEOUT(changed.size() == 1 && removed.size() == 1, Bound);
    QCOMPARE(changed.first().at(0), QVariant(QStringLiteral("typed")));
    QCOMPARE(map->value(QStringLiteral("typed")), QVariant(42));
    QCOMPARE(keysOf(removed), QStringList{QStringLiteral("dropped")});
}

// Two processes on one store: each sees the other's inserts and removes as signals.
void tst_ExternalChanges::twoProcessesSeeEachOther()
{
    QFETCH(Store, store);
    auto map = open(store.writer);
    VERIFY_OK(map->insert(QStringLiteral("seed"), QStringLiteral("s")));
    Watcher other(store.follower);
    QCOMPARE(other.nextLine(), QStringLiteral("ready 1"));

    QElapsedTimer latency;
    latency.start();
    VERIFY_OK(map->insert(QStringLiteral("from test"), QStringLiteral("hello")));
    const qint64 committed = latency.elapsed();
    auto skipped = other.waitFor(QStringLiteral("changed\tfrom test\thello"));
    QVERIFY2(!skipped, qPrintable(skipped.value_or(QStringList()).join(u'|')));
    qInfo("the other process saw an insert %lld ms after it was committed",
          latency.elapsed() - committed);
    VERIFY_OK(map->remove(QStringLiteral("seed")));
    skipped = other.waitFor(QStringLiteral("removed\tseed"));
    QVERIFY2(!skipped, qPrintable(skipped.value_or(QStringList()).join(u'|')));

    if (store.followerWrites) {
        QSignalSpy changed(map.get(), &PersistentMap::valueChanged);
        QSignalSpy removed(map.get(), &PersistentMap::valueRemoved);
        other.send(QStringLiteral("insert\tfrom process\tworld"));
        // Its own write is announced once, as a local change; were it echoed by the watch, the
        // next lines would not be the ones expected below.
        QCOMPARE(other.nextLine(), QStringLiteral("changed\tfrom process\tworld"));
        QCOMPARE(other.nextLine(), QStringLiteral("done\tfrom process"));
        QVERIFY(changed.wait(Bound));
        QCOMPARE(changed.first().at(0), QVariant(QStringLiteral("from process")));
        QCOMPARE(map->value(QStringLiteral("from process")), QVariant(QStringLiteral("world")));
        other.send(QStringLiteral("remove\tfrom test"));
        QCOMPARE(other.nextLine(), QStringLiteral("removed\tfrom test"));
        QCOMPARE(other.nextLine(), QStringLiteral("done\tfrom test"));
        QVERIFY(removed.wait(Bound));
        QCOMPARE(keysOf(removed), QStringList{QStringLiteral("from test")});
    }
    QVERIFY(other.quit());
}

// A wait for a map's signal (a nested event loop) inside a queued call, or inside a slot of
// the map's own valueChanged, gets it: another map's change, followed, and a change another
// thread made through the map.
void tst_ExternalChanges::waitsInsideDeliveriesGetSignals()
{
    QFETCH(Store, store);
    auto writer = open(store.writer);
    auto follower = open(store.follower);
    QVERIFY(follower->watchExternalChanges());
    PersistentMap *const w = writer.get();
    PersistentMap *const f = follower.get();
    const auto followed = [w, f](const QString &key) {
        return waitForChange(f, key, [w, key] { (void)w->insert(key, key); });
    };
    const auto threaded = [w](const QString &key) {
        return waitForChange(w, key, [w, key] { insertFromThread(w, key); });
    };

    int ran = 0;
    bool queuedFollowed = false;
    bool queuedThreaded = false;
    QMetaObject::invokeMethod(
            this,
            [&] {
                queuedFollowed = followed(QStringLiteral("queued followed"));
                queuedThreaded = threaded(QStringLiteral("queued threaded"));
                ++ran;
            },
            Qt::QueuedConnection);
    QTRY_COMPARE_WITH_TIMEOUT(ran, 1, 3 * Bound);
    QVERIFY2(queuedFollowed, "a queued call saw another map's change");
    QVERIFY2(queuedThreaded, "a queued call saw another thread's change");

    bool slotFollowed = false;
    bool slotThreaded = false;
    const QMetaObject::Connection inFollower =
            connect(f, &PersistentMap::valueChanged, this, [&](const QString &key) {
                if (key == u"trigger follower")
                    slotFollowed = followed(QStringLiteral("slot followed"));
            });
    const QMetaObject::Connection inWriter =
            connect(w, &PersistentMap::valueChanged, this, [&](const QString &key) {
                if (key == u"trigger writer")
                    slotThreaded = threaded(QStringLiteral("slot threaded"));
            });
    QVERIFY(waitForChange(f, QStringLiteral("trigger follower"),
                          [w] { (void)w->insert(QStringLiteral("trigger follower"), 1); }));
    QVERIFY2(slotFollowed, "a valueChanged slot saw another map's change");
    QVERIFY(waitForChange(w, QStringLiteral("trigger writer"),
                          [w] { insertFromThread(w, QStringLiteral("trigger writer")); }));
    QVERIFY2(slotThreaded, "a valueChanged slot saw another thread's change");
    disconnect(inFollower);
    disconnect(inWriter);
}

QTEST_GUILESS_MAIN(tst_ExternalChanges)
#include "tst_externalchanges.moc"
