// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Issue 15, part 3: changes other writers commit reach the map because the backend pushes them
// (PersistentMapBackend::watchChanges(): the kernel's file watch, PostgreSQL's NOTIFY), not
// because a timer polled. Every follower here has a watch interval of an hour, so no poll can
// explain a change it sees; the waits are generous bounds for a loaded machine, never
// assertions on time. Also: a custom backend that does not push is still polled; one that
// pushes and fails is polled until it recovers; a file system the kernel cannot watch for other
// hosts (here: PERSISTENTMAP_FILE_WATCH=poll, the documented override) is polled.
//
// The postgres rows need a server (PM_TEST_POSTGRES); without one they skip (fail under
// PM_REQUIRE_POSTGRES=1).
#include "mapwatcherprocess.h"
#include "postgrestest.h"
#include "testhelpers.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapBackendWrapper>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapSqliteBackend>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QMutex>
#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <atomic>

#include <cstdio> // renameat2
#include <fcntl.h> // AT_FDCWD, open
#include <sys/resource.h> // setrlimit
#include <unistd.h> // close

namespace {

constexpr int Bound = 20000; // ms
constexpr int Hour = 3600 * 1000; // the followers' watch interval: no poll within a test

struct Store
{
    QString writer;
    QString follower;
};

std::unique_ptr<PersistentMap> open(const QString &spec, int interval = Hour)
{
    QString error;
    std::unique_ptr<PersistentMapBackend> backend = PersistentMapBackend::create(spec, &error);
    if (!backend)
        qFatal("%s", qPrintable(error));
    auto map = std::make_unique<PersistentMap>(std::move(backend));
    map->setWatchInterval(interval);
    if (const std::optional<PersistentMapError> failed = loadError(*map))
        qFatal("%s", qPrintable(failed->message()));
    return map;
}

// Waits for map's valueChanged(key, value).
bool seen(QSignalSpy &spy, const QString &key, const QVariant &value)
{
    for (;;) {
        for (const QList<QVariant> &args : std::as_const(spy)) {
            if (args.at(0).toString() == key && args.at(1) == value)
                return true;
        }
        if (!spy.wait(Bound))
            return false;
    }
}

// Shared with the custom backends below: their store, and what the test switches.
struct Shared
{
    QMutex mutex;
    PersistentMapWriteBatch pending; // handed out by the next poll
    int polls = 0;
    int failuresLeft = 0; // polls that throw before one succeeds
};

// Can tell what changed, but only when asked: the map polls it.
class PolledBackend : public PersistentMapBackend
{
public:
    explicit PolledBackend(std::shared_ptr<Shared> shared)
        : m_shared(std::move(shared))
    {
    }
    void loadInto(Loader &) override { }
    void apply(const PersistentMapWriteBatch &) override { }
    bool canWatchChanges() const override { return true; }
    Changes pollChanges() override
    {
        const QMutexLocker locker(&m_shared->mutex);
        ++m_shared->polls;
        if (m_shared->failuresLeft > 0) {
            --m_shared->failuresLeft;
            throw PersistentMapError(PersistentMapError::Code::OpenFailed,
                                     QStringLiteral("the server is away"));
        }
        Changes changes;
        changes.entries = std::exchange(m_shared->pending, {});
        return changes;
    }

protected:
    std::shared_ptr<Shared> m_shared;
};

// Pushes: keeps the map's callback for the test to call from any thread. Optionally a thread of
// its own calls it without pause until the backend is destroyed (the map's destruction racing a
// push).
class PushingBackend : public PolledBackend
{
public:
    PushingBackend(std::shared_ptr<Shared> shared, std::function<void()> *callback,
                   bool storm = false)
        : PolledBackend(std::move(shared))
        , m_callback(callback)
        , m_storm(storm)
    {
    }
    ~PushingBackend() override
    {
        m_stop = true;
        if (m_thread)
            m_thread->wait();
    }
    bool watchChanges(std::function<void()> othersCommitted) override
    {
        *m_callback = othersCommitted;
        if (m_storm) {
            m_thread.reset(QThread::create([this, othersCommitted] {
                while (!m_stop)
                    othersCommitted();
            }));
            m_thread->start();
        }
        return true;
    }

private:
    std::function<void()> *m_callback;
    bool m_storm;
    std::atomic<bool> m_stop{false};
    std::unique_ptr<QThread> m_thread;
};

} // namespace

Q_DECLARE_METATYPE(Store)

class tst_PushedChanges : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void otherProcessesReachTheMapWithoutPolling_data() { stores(); }
    void otherProcessesReachTheMapWithoutPolling();
    void anotherMapInThisProcess_data() { stores(); }
    void anotherMapInThisProcess();
    void sqliteWritersFromOtherPrograms();
    void sqliteCheckpoints();
    void csvFileReplacedByRename();
    void throughASymbolicLink_data();
    void throughASymbolicLink();
    void fileBackendsPushOrSayWhyNot_data();
    void fileBackendsPushOrSayWhyNot();
    void descriptorLimitNamedWhenInotifyIsRefused_data() { fileBackendsPushOrSayWhyNot_data(); }
    void descriptorLimitNamedWhenInotifyIsRefused();
    void unwatchableFileSystemIsPolled_data();
    void unwatchableFileSystemIsPolled();
    void customBackendThatDoesNotPushIsPolled();
    void folderReplacedBeforeTheWatchIsPolled();
    void pushedBackendIsPolledWhileItFails();
    void destroyedWhilePushesArrive();
    void followersComeAndGoWhileAWriterCommits_data() { stores(); }
    void followersComeAndGoWhileAWriterCommits();
    void postgresListenerReconnects();
    void csvFolderReplacedByRename();
    void csvFolderRemovedAndCreatedAgain();

private:
    void stores();
    QString path(const QString &name) const { return m_dir.filePath(name); }
    static bool isPostgresRow();
    QTemporaryDir m_dir;
    int m_serial = 0;
    std::unique_ptr<PostgresTestTable> m_postgresTable;
};

void tst_PushedChanges::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // The other processes' maps follow without polling too.
    qputenv("MAPWATCHER_WATCH_INTERVAL", QByteArray::number(Hour));
}

bool tst_PushedChanges::isPostgresRow()
{
    const char *tag = QTest::currentDataTag();
    return tag && qstrcmp(tag, "postgres") == 0;
}

void tst_PushedChanges::init()
{
    if (isPostgresRow()) {
        PM_POSTGRES_SPEC_OR_SKIP(spec);
        Q_UNUSED(spec);
        QVERIFY(m_postgresTable);
    }
}

void tst_PushedChanges::cleanup()
{
    qunsetenv("PERSISTENTMAP_FILE_WATCH");
    if (isPostgresRow())
        m_postgresTable.reset();
}

void tst_PushedChanges::stores()
{
    QTest::addColumn<Store>("store");
    const QString sqlite = path(QStringLiteral("store-%1.db").arg(++m_serial));
    QTest::newRow("sqlite") << Store{QStringLiteral("sqlite:") + sqlite,
                                     QStringLiteral("sqlite:") + sqlite};
    m_postgresTable.reset();
    Store postgres;
    if (const std::optional<QString> server = postgresSpec()) {
        m_postgresTable = std::make_unique<PostgresTestTable>(*server);
        postgres = Store{m_postgresTable->spec(), m_postgresTable->spec()};
    }
    QTest::newRow("postgres") << postgres;
    // The writer holds the CSV store's lock: this process follows it read-only.
    const QString csv = path(QStringLiteral("store-%1.csv").arg(m_serial));
    QTest::newRow("csv") << Store{QStringLiteral("csv:") + csv,
                                  QStringLiteral("csv:") + csv + QStringLiteral("?readonly=1")};
}

// Three other processes write in turn (the first one creating the store, each closing before
// the next: SQLite's last writer removes PATH-wal); each commit reaches this process's map.
void tst_PushedChanges::otherProcessesReachTheMapWithoutPolling()
{
    QFETCH(Store, store);
    {
        MapWatcherProcess creator(store.writer);
        QVERIFY(creator.waitUntilReady());
        QVERIFY(creator.insert(QStringLiteral("seed"), QStringLiteral("0")));
        QVERIFY(creator.quit());
    }
    auto follower = open(store.follower);
    QSignalSpy changed(follower.get(), &PersistentMap::valueChanged);
    for (int writer = 1; writer <= 3; ++writer) {
        MapWatcherProcess other(store.writer);
        QVERIFY(other.waitUntilReady());
        const QString key = QStringLiteral("from writer %1").arg(writer);
        QVERIFY(other.insert(key, QStringLiteral("first")));
        QVERIFY2(seen(changed, key, QStringLiteral("first")), qPrintable(key));
        QVERIFY(other.insert(key, QStringLiteral("second")));
        QVERIFY2(seen(changed, key, QStringLiteral("second")), qPrintable(key));
        QVERIFY(other.quit());
    }
    QCOMPARE(follower->value(QStringLiteral("from writer 3")), QVariant(QStringLiteral("second")));
}

// Two maps of this process on one store (many maps on one file share the process's watch).
void tst_PushedChanges::anotherMapInThisProcess()
{
    QFETCH(Store, store);
    auto writer = open(store.writer);
    std::vector<std::unique_ptr<PersistentMap>> followers;
    std::vector<std::unique_ptr<QSignalSpy>> spies;
    for (int i = 0; i < 8; ++i) {
        followers.push_back(open(store.follower));
        spies.push_back(
                std::make_unique<QSignalSpy>(followers.back().get(), &PersistentMap::valueChanged));
    }
    VERIFY_OK(writer->insert(QStringLiteral("k"), 1));
    for (auto &spy : spies)
        QVERIFY(seen(*spy, QStringLiteral("k"), 1));
    followers.resize(3); // some go: the others' watch stays
    VERIFY_OK(writer->insert(QStringLiteral("k"), 2));
    for (int i = 0; i < 3; ++i)
        QVERIFY(seen(*spies[size_t(i)], QStringLiteral("k"), 2));
}

// Writers that are not this library: Qt's QSQLITE on its own connection (synchronous FULL, so
// the commit is published in PATH-shm after the sync that follows the reported write) and the
// sqlite3 program, when installed.
void tst_PushedChanges::sqliteWritersFromOtherPrograms()
{
    const QString file = path(QStringLiteral("programs.db"));
    auto map = open(QStringLiteral("sqlite:") + file);
    QSignalSpy changed(map.get(), &PersistentMap::valueChanged);
    for (int i = 0; i < 5; ++i) {
        {
            QSqlDatabase db =
                    QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("program"));
            db.setDatabaseName(file);
            QVERIFY(db.open());
            QSqlQuery query(db);
            QVERIFY(query.exec(QStringLiteral("PRAGMA synchronous=FULL")));
            QVERIFY(query.exec(QStringLiteral("INSERT OR REPLACE INTO persistent_map VALUES "
                                              "('qt', 'int', '%1')")
                                       .arg(i)));
        }
        QSqlDatabase::removeDatabase(QStringLiteral("program"));
        QVERIFY(seen(changed, QStringLiteral("qt"), i));
    }
    const QString sqlite3 = QStandardPaths::findExecutable(QStringLiteral("sqlite3"));
    if (sqlite3.isEmpty())
        QSKIP("the sqlite3 program is not installed (Debian package sqlite3, which scripts/test.sh "
              "installs)");
    for (int i = 0; i < 3; ++i) {
        QProcess cli;
        cli.start(sqlite3,
                  {file,
                   QStringLiteral("INSERT OR REPLACE INTO persistent_map VALUES "
                                  "('cli', 'int', '%1')")
                           .arg(i)});
        QVERIFY(cli.waitForFinished(Bound));
        QCOMPARE(cli.exitCode(), 0);
        QVERIFY(seen(changed, QStringLiteral("cli"), i));
    }
}

// A checkpoint rewrites the database file and truncates PATH-wal; the next writer starts it
// again from its beginning. (PATH-wal removed by the last connection to close, and created again,
// happens only while no follower has a connection: tst_reliability,
// readOnlyStoreNobodyHasOpenFollowsWritersWhoComeAndGo.)
void tst_PushedChanges::sqliteCheckpoints()
{
    const QString file = path(QStringLiteral("checkpoint.db"));
    {
        auto creator = open(QStringLiteral("sqlite:") + file);
        VERIFY_OK(creator->insert(QStringLiteral("seed"), 0));
    }
    auto follower = open(QStringLiteral("sqlite:") + file);
    QSignalSpy changed(follower.get(), &PersistentMap::valueChanged);
    const auto write = [&](int value) {
        QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("writer"));
        db.setDatabaseName(file);
        if (!db.open())
            return false;
        QSqlQuery query(db);
        const bool ok = query.exec(QStringLiteral("INSERT OR REPLACE INTO persistent_map VALUES "
                                                  "('k', 'int', '%1')")
                                           .arg(value)) &&
                query.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
        query = QSqlQuery();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("writer"));
        return ok;
    };
    for (int i = 1; i <= 4; ++i) {
        QVERIFY(write(i));
        QVERIFY(seen(changed, QStringLiteral("k"), i));
    }
}

// Another program replaces the CSV file by a rename (a backup restored with mv); the read-only
// follower reads the new file.
void tst_PushedChanges::csvFileReplacedByRename()
{
    const QString file = path(QStringLiteral("renamed.csv"));
    const QString other = path(QStringLiteral("renamed-new.csv"));
    {
        auto owner = open(QStringLiteral("csv:") + file);
        VERIFY_OK(owner->insert(QStringLiteral("k"), QStringLiteral("old")));
    }
    auto follower = open(QStringLiteral("csv:") + file + QStringLiteral("?readonly=1"));
    QSignalSpy changed(follower.get(), &PersistentMap::valueChanged);
    for (int i = 0; i < 3; ++i) {
        {
            auto writer = open(QStringLiteral("csv:") + other);
            VERIFY_OK(writer->insert(QStringLiteral("k"), QStringLiteral("new %1").arg(i)));
        }
        QVERIFY(::rename(QFile::encodeName(other).constData(),
                         QFile::encodeName(file).constData()) == 0);
        QVERIFY(seen(changed, QStringLiteral("k"), QStringLiteral("new %1").arg(i)));
    }
}

void tst_PushedChanges::throughASymbolicLink_data()
{
    QTest::addColumn<QString>("scheme");
    QTest::addColumn<QString>("suffix");
    QTest::newRow("sqlite") << QStringLiteral("sqlite:") << QString();
    QTest::newRow("csv") << QStringLiteral("csv:") << QStringLiteral("?readonly=1");
}

// The follower names the store by a symbolic link in another folder: the target's folder is
// watched, where the writer and SQLite write.
void tst_PushedChanges::throughASymbolicLink()
{
    QFETCH(QString, scheme);
    QFETCH(QString, suffix);
    const QString folder = path(QStringLiteral("real-%1").arg(++m_serial));
    QVERIFY(QDir().mkpath(folder));
    const QString target = folder + QStringLiteral("/store");
    const QString link = path(QStringLiteral("link-%1").arg(m_serial));
    auto writer = open(scheme + target);
    VERIFY_OK(writer->insert(QStringLiteral("seed"), 1));
    QVERIFY(QFile::link(target, link));
    auto follower = open(scheme + link + suffix);
    QSignalSpy changed(follower.get(), &PersistentMap::valueChanged);
    VERIFY_OK(writer->insert(QStringLiteral("k"), 2));
    QVERIFY(seen(changed, QStringLiteral("k"), 2));
}

void tst_PushedChanges::fileBackendsPushOrSayWhyNot_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("csv") << QStringLiteral("csv");
}

// The backends themselves, without a map: watchChanges() is true where the kernel can watch, and
// the callback comes when another writer commits; false with PERSISTENTMAP_FILE_WATCH=poll.
void tst_PushedChanges::fileBackendsPushOrSayWhyNot()
{
    QFETCH(QString, kind);
    const QString file = path(QStringLiteral("direct-%1.%2").arg(++m_serial).arg(kind));
    auto writer = open(kind + u':' + file);
    VERIFY_OK(writer->insert(QStringLiteral("seed"), 1));
    const auto follower = [&]() -> std::unique_ptr<PersistentMapBackend> {
        if (kind == u"sqlite")
            return std::make_unique<PersistentMapSqliteBackend>(file);
        return std::make_unique<PersistentMapCsvBackend>(
                file, PersistentMapCsvBackend::OpenMode::ReadOnly);
    };
    struct Ignore : PersistentMapBackend::Loader
    {
        void add(QString &&, QVariant &&) override { }
    } ignore;
    {
        std::unique_ptr<PersistentMapBackend> backend = follower();
        backend->loadInto(ignore);
        std::atomic<int> pushes{0};
        QVERIFY(backend->watchChanges([&pushes] { ++pushes; }));
        VERIFY_OK(writer->insert(QStringLiteral("k"), 2));
        QTRY_VERIFY_WITH_TIMEOUT(pushes > 0, Bound);
        const PersistentMapBackend::Changes changes = backend->pollChanges();
        QCOMPARE(changes.entries.size(), 1);
        QCOMPARE(changes.entries.entries().constFirst().key, QStringLiteral("k"));
    }
    qputenv("PERSISTENTMAP_FILE_WATCH", "poll");
    std::unique_ptr<PersistentMapBackend> backend = follower();
    backend->loadInto(ignore);
    QVERIFY(!backend->watchChanges([] {}));
}

// inotify_init1() fails with EMFILE both when the user has no inotify instance left and when
// this process has no descriptor left (inotify(7)): the warning names the limit that was hit.
void tst_PushedChanges::descriptorLimitNamedWhenInotifyIsRefused()
{
    QFETCH(QString, kind);
    const QString file = path(QStringLiteral("limit-%1.%2").arg(++m_serial).arg(kind));
    {
        // Written and closed: no watch is left in this process, so the next one needs a new
        // inotify instance.
        auto writer = open(kind + u':' + file);
        VERIFY_OK(writer->insert(QStringLiteral("seed"), 1));
    }
    std::unique_ptr<PersistentMapBackend> backend;
    if (kind == u"sqlite")
        backend = std::make_unique<PersistentMapSqliteBackend>(file);
    else
        backend = std::make_unique<PersistentMapCsvBackend>(file);
    struct Ignore : PersistentMapBackend::Loader
    {
        void add(QString &&, QVariant &&) override { }
    } ignore;
    backend->loadInto(ignore);
    // The lowest free descriptor becomes the limit: the next descriptor, of any kind, fails.
    const int lowest = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    QVERIFY(lowest >= 0);
    ::close(lowest);
    rlimit old{};
    QCOMPARE(getrlimit(RLIMIT_NOFILE, &old), 0);
    rlimit low = old;
    low.rlim_cur = rlim_t(lowest);
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("polled instead of watched: inotify is "
                                                           "not available: .*RLIMIT_NOFILE")));
    QCOMPARE(setrlimit(RLIMIT_NOFILE, &low), 0);
    const bool watched = backend->watchChanges([] {});
    QCOMPARE(setrlimit(RLIMIT_NOFILE, &old), 0);
    QVERIFY(!watched);
}

void tst_PushedChanges::unwatchableFileSystemIsPolled_data()
{
    fileBackendsPushOrSayWhyNot_data();
}

// Where the kernel cannot watch (PERSISTENTMAP_FILE_WATCH=poll stands for NFS, SMB, FUSE...),
// the map polls every watch interval: a short one sees the change.
void tst_PushedChanges::unwatchableFileSystemIsPolled()
{
    QFETCH(QString, kind);
    qputenv("PERSISTENTMAP_FILE_WATCH", "poll");
    const QString file = path(QStringLiteral("polled-%1.%2").arg(++m_serial).arg(kind));
    auto writer = open(kind + u':' + file);
    VERIFY_OK(writer->insert(QStringLiteral("seed"), 1));
    auto follower =
            open(kind + u':' + file + (kind == u"csv" ? QStringLiteral("?readonly=1") : QString()),
                 PersistentMap::MinimumWatchInterval);
    QSignalSpy changed(follower.get(), &PersistentMap::valueChanged);
    VERIFY_OK(writer->insert(QStringLiteral("k"), 2));
    QVERIFY(seen(changed, QStringLiteral("k"), 2));
}

// The store's folder is replaced by a file when the watch is set up (the watch comes after the
// load): the kernel refuses to watch it, and the store is polled instead. The watch given up
// halfway used to be destroyed before it had an entry (SIGSEGV, found by ThreadSanitizer's run).
void tst_PushedChanges::folderReplacedBeforeTheWatchIsPolled()
{
    struct RemovesTheFolderFirst : PersistentMapBackendWrapper
    {
        RemovesTheFolderFirst(std::unique_ptr<PersistentMapBackend> inner, QString folder,
                              std::atomic<int> *pushed)
            : PersistentMapBackendWrapper(std::move(inner))
            , folder(std::move(folder))
            , pushed(pushed)
        {
        }
        bool watchChanges(std::function<void()> othersCommitted) override
        {
            // A file where the folder was: the kernel refuses to watch it (IN_ONLYDIR).
            QDir(folder).removeRecursively();
            QFile file(folder);
            if (!file.open(QIODevice::WriteOnly))
                return false;
            file.close();
            const bool watched =
                    PersistentMapBackendWrapper::watchChanges(std::move(othersCommitted));
            *pushed = watched ? 1 : 0;
            return watched;
        }
        QString folder;
        std::atomic<int> *pushed;
    };
    const QString folder = m_dir.filePath(QStringLiteral("gone"));
    QVERIFY(QDir().mkpath(folder));
    std::atomic<int> pushed{-1};
    PersistentMap map(std::make_unique<RemovesTheFolderFirst>(
            std::make_unique<PersistentMapCsvBackend>(folder + QStringLiteral("/store.csv")),
            folder, &pushed));
    QVERIFY(!loadError(map));
    QTRY_COMPARE(pushed.load(), 0);
    QCOMPARE(map.status(), PersistentMap::Status::Ready);
}

void tst_PushedChanges::customBackendThatDoesNotPushIsPolled()
{
    auto shared = std::make_shared<Shared>();
    PersistentMap map(std::make_unique<PolledBackend>(shared));
    map.setWatchInterval(PersistentMap::MinimumWatchInterval);
    VERIFY_OK(map.whenReady());
    QSignalSpy changed(&map, &PersistentMap::valueChanged);
    {
        const QMutexLocker locker(&shared->mutex);
        shared->pending.insert(QStringLiteral("k"), 1);
    }
    QVERIFY(seen(changed, QStringLiteral("k"), 1));
}

// A pushing backend's poll that fails is tried again every watch interval until it succeeds,
// without a push: a server that went away may not push again.
void tst_PushedChanges::pushedBackendIsPolledWhileItFails()
{
    auto shared = std::make_shared<Shared>();
    std::function<void()> push;
    PersistentMap map(std::make_unique<PushingBackend>(shared, &push));
    map.setWatchInterval(PersistentMap::MinimumWatchInterval);
    VERIFY_OK(map.whenReady());
    QTRY_VERIFY_WITH_TIMEOUT(bool(push), Bound);
    QSignalSpy changed(&map, &PersistentMap::valueChanged);
    QSignalSpy errors(&map, &PersistentMap::errorOccurred);
    {
        const QMutexLocker locker(&shared->mutex);
        shared->failuresLeft = 3;
        shared->pending.insert(QStringLiteral("k"), 1);
    }
    std::unique_ptr<QThread> pusher(QThread::create(push)); // from another thread
    pusher->start();
    pusher->wait();
    QVERIFY(seen(changed, QStringLiteral("k"), 1));
    QCOMPARE(errors.size(), 1); // reported once
    // Recovered: pushed again, not polled. A push brings the next change.
    {
        const QMutexLocker locker(&shared->mutex);
        shared->pending.insert(QStringLiteral("k"), 2);
    }
    map.setWatchInterval(Hour);
    push();
    QVERIFY(seen(changed, QStringLiteral("k"), 2));
}

// A backend's thread pushing without pause while the map is destroyed (and while the map comes
// up): no crash, no push after the backend went (ASan and TSan builds check the rest).
void tst_PushedChanges::destroyedWhilePushesArrive()
{
    for (int i = 0; i < 20; ++i) {
        auto shared = std::make_shared<Shared>();
        std::function<void()> push;
        auto map = std::make_unique<PersistentMap>(
                std::make_unique<PushingBackend>(shared, &push, true));
        if (i % 2)
            VERIFY_OK(map->whenReady());
        {
            const QMutexLocker locker(&shared->mutex);
            shared->pending.insert(QStringLiteral("k"), i);
        }
        map.reset();
    }
}

// A writer commits without pause while followers of this process are opened and destroyed (a
// push or a NOTIFY arriving during the destruction) and a follower process is killed (SIGKILL)
// in the middle; a follower that stays sees the writer's last value.
void tst_PushedChanges::followersComeAndGoWhileAWriterCommits()
{
    QFETCH(Store, store);
    auto writer = open(store.writer);
    writer->setWatchExternalChanges(false);
    VERIFY_OK(writer->insert(QStringLiteral("seed"), 0)); // a CSV follower needs the file
    MapWatcherProcess killed(store.follower);
    QVERIFY(killed.waitUntilReady());
    std::atomic<bool> stop{false};
    std::unique_ptr<QThread> writing(QThread::create([&] {
        for (int i = 0; !stop; ++i)
            writer->insert(QStringLiteral("k"), i).waitForFinished();
    }));
    writing->start();
    for (int round = 0; round < 10; ++round) {
        auto follower = open(store.follower);
        QSignalSpy changed(follower.get(), &PersistentMap::valueChanged);
        QVERIFY(changed.wait(Bound));
        if (round == 5)
            killed.kill();
    }
    stop = true;
    writing->wait();
    VERIFY_OK(writer->insert(QStringLiteral("last"), 1));
    auto stays = open(store.follower);
    QSignalSpy changed(stays.get(), &PersistentMap::valueChanged);
    VERIFY_OK(writer->insert(QStringLiteral("last"), 2));
    QVERIFY(seen(changed, QStringLiteral("last"), 2));
}

// The listener's connection is ended by the server (pg_terminate_backend, as a restart or an
// administrator would): it is noticed through its socket, opened again, and changes committed
// afterwards still arrive without a poll. The storage thread's connection goes too: its next
// poll fails once (reported) and is retried until it reconnects.
void tst_PushedChanges::postgresListenerReconnects()
{
    PM_POSTGRES_SPEC_OR_SKIP(server);
    PostgresTestTable table(server);
    // Names this test's connections: other test programs share the server (ctest -j) and must
    // keep theirs.
    const QString application = uniquePostgresTableName();
    const QString spec = table.spec() + QStringLiteral("&application_name=") + application;
    auto follower = open(spec);
    auto writer = open(spec);
    writer->setWatchExternalChanges(false);
    QSignalSpy changed(follower.get(), &PersistentMap::valueChanged);
    VERIFY_OK(writer->insert(QStringLiteral("k"), 1));
    QVERIFY(seen(changed, QStringLiteral("k"), 1));
    follower->setWatchInterval(PersistentMap::MinimumWatchInterval); // retries after a failure
    {
        PostgresTestConnection admin(server);
        QVERIFY(admin.isOpen());
        // Both maps' connections: each has its own and a listener's.
        QVERIFY(admin.exec(QStringLiteral("DO $$ BEGIN IF (SELECT count(pg_terminate_backend(pid)) "
                                          "FROM pg_stat_activity WHERE application_name = '%1') "
                                          "<> 4 THEN RAISE 'not 4 connections'; END IF; END $$")
                                   .arg(application)));
    }
    writer.reset(); // its connection is gone too
    auto next = open(table.spec());
    next->setWatchExternalChanges(false);
    for (int i = 2; i <= 4; ++i) {
        VERIFY_OK(next->insert(QStringLiteral("k"), i));
        QVERIFY2(seen(changed, QStringLiteral("k"), i), qPrintable(QString::number(i)));
    }
}

// The store's folder is swapped for another one (renameat2 RENAME_EXCHANGE: the path always names
// a CSV file, as a deployment that swaps a prepared folder into place does): the follower reads
// the file of the new folder, and what its owner writes afterwards reaches the follower too. The
// folder watch followed the old folder's inode, which no longer holds the path.
void tst_PushedChanges::csvFolderReplacedByRename()
{
    const QString folder = path(QStringLiteral("swapped-%1").arg(++m_serial));
    const QString other = folder + QStringLiteral("-new");
    QVERIFY(QDir().mkpath(folder));
    QVERIFY(QDir().mkpath(other));
    const QString file = folder + QStringLiteral("/store.csv");
    {
        auto owner = open(QStringLiteral("csv:") + file);
        VERIFY_OK(owner->insert(QStringLiteral("k"), QStringLiteral("old")));
    }
    {
        auto owner = open(QStringLiteral("csv:") + other + QStringLiteral("/store.csv"));
        VERIFY_OK(owner->insert(QStringLiteral("k"), QStringLiteral("swapped")));
    }
    auto follower = open(QStringLiteral("csv:") + file + QStringLiteral("?readonly=1"));
    QCOMPARE(follower->value(QStringLiteral("k")), QVariant(QStringLiteral("old")));
    QSignalSpy changed(follower.get(), &PersistentMap::valueChanged);
    QVERIFY(::renameat2(AT_FDCWD, QFile::encodeName(folder).constData(), AT_FDCWD,
                        QFile::encodeName(other).constData(), RENAME_EXCHANGE) == 0);
    QVERIFY(seen(changed, QStringLiteral("k"), QStringLiteral("swapped")));
    auto owner = open(QStringLiteral("csv:") + file);
    VERIFY_OK(owner->insert(QStringLiteral("k"), QStringLiteral("after the swap")));
    QVERIFY(seen(changed, QStringLiteral("k"), QStringLiteral("after the swap")));
}

// The store's folder is removed (the follower's poll fails: the file is gone, and the map polls
// while it fails) and created again with a new store in it: the follower reads it, and what the
// new owner writes afterwards is pushed again. The kernel ended the removed folder's watch.
void tst_PushedChanges::csvFolderRemovedAndCreatedAgain()
{
    const QString folder = path(QStringLiteral("removed-%1").arg(++m_serial));
    QVERIFY(QDir().mkpath(folder));
    const QString file = folder + QStringLiteral("/store.csv");
    {
        auto owner = open(QStringLiteral("csv:") + file);
        VERIFY_OK(owner->insert(QStringLiteral("k"), 0));
    }
    auto follower = open(QStringLiteral("csv:") + file + QStringLiteral("?readonly=1"),
                         PersistentMap::MinimumWatchInterval);
    QSignalSpy changed(follower.get(), &PersistentMap::valueChanged);
    QSignalSpy errors(follower.get(), &PersistentMap::errorOccurred);
    QVERIFY(QDir(folder).removeRecursively());
    QVERIFY(errors.wait(Bound)); // the push of the removal: the file is gone
    QVERIFY(QDir().mkpath(folder));
    auto owner = open(QStringLiteral("csv:") + file);
    VERIFY_OK(owner->insert(QStringLiteral("k"), 1));
    QVERIFY(seen(changed, QStringLiteral("k"), 1)); // polled while it failed
    // Recovered: the timer stopped before that signal came. A poll the timer queued meanwhile
    // runs on the storage thread before the flush.
    follower->flush().waitForFinished();
    VERIFY_OK(owner->insert(QStringLiteral("k"), 2));
    QVERIFY(seen(changed, QStringLiteral("k"), 2)); // pushed: polls succeed again
}

QTEST_GUILESS_MAIN(tst_PushedChanges)
#include "tst_pushedchanges.moc"
