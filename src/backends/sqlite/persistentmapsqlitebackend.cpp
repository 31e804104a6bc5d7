// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmapsqlitebackend.h>

#include "backend/readonlystate_p.h"
#include "backend/threadheap_p.h"
#include "backends/files/filewatch_p.h"
#include "backends/files/storefiles_p.h"
#include "backends/sql/readrows_p.h"
#include "backends/sql/sqlstore_p.h"
#include "backends/sqlite/sqlitedirect_p.h"
#include "codec/undecodedvalue_p.h"
#include "codec/valuecodec_p.h"
#include "logging_p.h"
#include <PersistentMap/persistentmaperror.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QDirIterator>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonObject>
#include <QtCore/QMutex>
#include <QtCore/QPluginLoader>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtCore/QUrl>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlDriver>
#include <QtSql/QSqlDriverPlugin>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>
#include <QtSql/QSqlRecord>

#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

using namespace PersistentMapInternal;

class PersistentMapSqliteBackendPrivate
{
public:
    [[noreturn]] void fail(const SqliteDirect::Error &error) const
    {
        store.fail(error.locked ? PersistentMapError::Code::Locked
                                : PersistentMapError::Code::WriteFailed,
                   error.message);
    }
    qint64 readDataVersion()
    {
        // Prepared once: it runs at every poll.
        if (!dataVersionQuery) {
            dataVersionQuery.emplace(db);
            dataVersionQuery->setForwardOnly(true);
            dataVersionQuery->prepare(QStringLiteral("PRAGMA data_version"));
        }
        if (!dataVersionQuery->exec()) {
            store.fail(PersistentMapError::Code::Corrupt,
                       QStringLiteral("cannot read the data version"),
                       dataVersionQuery->lastError());
        }
        const qint64 version =
                dataVersionQuery->next() ? dataVersionQuery->value(0).toLongLong() : 0;
        dataVersionQuery->finish(); // no statement left open: it would pin a read snapshot
        return version;
    }
    void close();
    void openStore();
    void connect();
    void takeSnapshot();
    // Where SQLite keeps PATH-wal and PATH-shm: beside the file PATH names once symbolic links
    // are followed, as SQLite's unix VFS follows them (adversarial review of issue 12).
    QString sqliteFilesBase() const
    {
        const QString target = QFileInfo(path).canonicalFilePath();
        return target.isEmpty() ? path : target;
    }
    void loadInto(PersistentMapBackend::Loader &loader);

    // How the connection is opened. ReadOnly: a store this user may read but not write (the
    // file, or its folder where SQLite needs to create PATH-wal and PATH-shm). Immutable: a
    // read-only store that nobody has open (no PATH-shm, which cannot be created): SQLite reads
    // it only with the immutable URI parameter, without locks, so it is opened again (as
    // ReadOnly) once a writer shows up (pollChanges()). Snapshot: the same, but committed
    // transactions wait in PATH-wal, which immutable ignores and SQLite reads only through a
    // PATH-shm: a private copy of the file and its log is read instead (takeSnapshot()), and
    // copied again when either changes.
    enum class Access { ReadWrite, ReadOnly, Immutable, Snapshot };

    QString path;
    QString table;
    QString connectionName;
    SqlStore store{SqlStore::Dialect::Sqlite};
    QSqlDatabase db;
    bool open = false;
    std::unique_ptr<SqliteDirect> direct; // the C API fast path, when it can be used
    qint64 dataVersion = 0; // PRAGMA data_version: changes when another connection commits
    // SQLITE_LIMIT_LENGTH, read by canStore() on any thread: SQLite's default (SQLITE_MAX_LENGTH,
    // sqlite.org/limits.html) until the connection says otherwise.
    std::atomic<qint64> lengthLimit{1000000000};
    std::optional<QSqlQuery> dataVersionQuery;
    Access access = Access::ReadWrite;
    bool hasChangeLog = true; // false: a read-only store written before the change log
    ReadOnlyState readOnly; // isReadOnly(); set whenever access is not ReadWrite
    // Immutable, Snapshot: the file and its write-ahead log as they were when opened (copied).
    QString immutableStamp;
    // Snapshot: the private folder (mode 0700) holding the copy; removed with it.
    std::unique_ptr<QTemporaryDir> snapshot;
    // watchChanges(): the kernel's watch of the file, its log and its folder; null: polled.
    std::unique_ptr<FileWatch> watch;
    QString lastStamp; // activityStamp() at the previous poll
    int recheckDelay = 0; // ms: the next look after activity (0: none pending)
};

namespace {

// What tells that a writer touched a store read as immutable or copied: the size and time of
// the file and of its write-ahead log (-1 while there is none).
QString writerStamp(const QString &path)
{
    const QFileInfo file(path);
    const QFileInfo wal(path + QStringLiteral("-wal"));
    return QStringLiteral("%1 %2 %3 %4")
            .arg(file.size())
            .arg(file.lastModified().toMSecsSinceEpoch())
            .arg(wal.exists() ? wal.size() : -1)
            .arg(wal.exists() ? wal.lastModified().toMSecsSinceEpoch() : -1);
}

// What the writers last did to the file and its write-ahead log: their sizes and modification
// times, in nanoseconds. stat(2) directly: QFileInfo's times go through the local time zone
// (tzset), which costs more and races in glibc with another map's storage thread.
QString activityStamp(const QString &path)
{
    QString stamp;
    for (const QString &file : {path, QString(path + QStringLiteral("-wal"))}) {
        struct stat st;
        if (::stat(QFile::encodeName(file).constData(), &st) != 0)
            stamp += QStringLiteral("- ");
        else
            stamp += QStringLiteral("%1:%2.%3 ")
                             .arg(qint64(st.st_size))
                             .arg(qint64(st.st_mtim.tv_sec))
                             .arg(qint64(st.st_mtim.tv_nsec));
    }
    return stamp;
}

// Whether PATH-wal holds frames: more than its 32-byte header (sqlite.org/fileformat2.html,
// "WAL File Format"). Those may be committed transactions that the database file lacks.
bool walHasFrames(const QString &path)
{
    return QFileInfo(path + QStringLiteral("-wal")).size() > 32;
}

// Qt reads its SQL driver plugins once per process (the QFactoryLoader of qsqldatabase.cpp). A
// plugin folder it could not list, or a plugin it could not read, because no descriptor was
// free, stays missing for the life of the process: isDriverAvailable("QSQLITE") is false for
// good. Qt 6.4 cannot be made to read that list again safely: QFactoryLoader::refreshAll(),
// which QCoreApplication runs when its library paths change, skips every folder it has listed
// before (QDuplicateTracker by name), and a folder added under another name would be listed by
// every plugin loader of the process, for every kind of plugin. So the QSQLITE plugin is then
// loaded here from the same folders with QPluginLoader, which reads the file anew each time,
// and its driver handed to QSqlDatabase::addDatabase(QSqlDriver *). nullptr: not found (now).
QSqlDriver *sqliteDriverFromPlugin()
{
    static QMutex mutex;
    static QSqlDriverPlugin *plugin = nullptr; // once loaded, kept like Qt keeps its plugins
    const QMutexLocker locker(&mutex);
    const QString iid = QStringLiteral(QSqlDriverFactoryInterface_iid);
    const QStringList folders = QCoreApplication::libraryPaths();
    for (auto folder = folders.cbegin(); !plugin && folder != folders.cend(); ++folder) {
        QDirIterator files(*folder + QStringLiteral("/sqldrivers"), QDir::Files);
        while (!plugin && files.hasNext()) {
            QPluginLoader loader(files.next());
            const QJsonObject metaData = loader.metaData();
            if (metaData.value(QStringLiteral("IID")).toString() != iid ||
                !metaData.value(QStringLiteral("MetaData"))
                         .toObject()
                         .value(QStringLiteral("Keys"))
                         .toArray()
                         .contains(QStringLiteral("QSQLITE")))
                continue;
            // The library stays loaded when the loader goes: QPluginLoader unloads only when
            // asked to.
            plugin = qobject_cast<QSqlDriverPlugin *>(loader.instance());
        }
    }
    return plugin ? plugin->create(QStringLiteral("QSQLITE")) : nullptr;
}

// EMFILE or ENFILE when this process can open no file now, else 0: what a driver that could not
// be loaded most likely lacked. (A descriptor on /dev/null holds no lock that closing it drops.)
int descriptorShortage()
{
    errno = 0;
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ::close(fd);
        return 0;
    }
    return errno == EMFILE || errno == ENFILE ? errno : 0;
}

} // namespace

// Opens the connection as access says (the file, or an immutable URI for it).
void PersistentMapSqliteBackendPrivate::connect()
{
    using Code = PersistentMapError::Code;
    if (QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE"))) {
        db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connectionName);
    } else {
        QSqlDriver *driver = sqliteDriverFromPlugin(); // loadInto() found it
        if (!driver)
            store.fail(Code::OpenFailed, QStringLiteral("Qt's SQLite driver (QSQLITE) is gone"));
        db = QSqlDatabase::addDatabase(driver, connectionName);
    }
    QString options = QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000");
    if (access == Access::Snapshot) {
        takeSnapshot();
        options += QStringLiteral(";QSQLITE_OPEN_READONLY");
        db.setDatabaseName(snapshot->filePath(QFileInfo(path).fileName()));
    } else if (access == Access::Immutable) {
        options += QStringLiteral(";QSQLITE_OPEN_READONLY;QSQLITE_OPEN_URI");
        db.setDatabaseName(QUrl::fromLocalFile(QFileInfo(path).absoluteFilePath())
                                   .toString(QUrl::FullyEncoded) +
                           QStringLiteral("?immutable=1"));
    } else {
        if (access == Access::ReadOnly)
            options += QStringLiteral(";QSQLITE_OPEN_READONLY");
        db.setDatabaseName(path);
    }
    db.setConnectOptions(options);
    errno = 0;
    if (db.open())
        return;
    // QSQLITE closes the handle of a connection that failed to open, and sqlite3_system_errno()
    // with it; SQLite's failed open(2) is the last system call before, so errno still says why
    // (EMFILE, ...). SQLite's own words for it are only "unable to open database file".
    const int osError = errno;
    const QSqlError error = db.lastError();
    Code code = store.openFailureCode(error, Code::OpenFailed);
    QString what = QStringLiteral("cannot open the file");
    if (SqlStore::sqlitePrimaryCode(error) == 14 && osError) { // SQLITE_CANTOPEN
        code = codeForOsError(osError, code);
        what += QStringLiteral(" (%1)").arg(qt_error_string(osError));
    }
    store.fail(code, what, error);
}

// Copies the file and its write-ahead log into a new private folder, where SQLite may create
// the -shm it needs to read the log (wal.html, "Read-Only Databases"); the connection opens the
// copy, read-only. Copied again while either file changes during the copy, so that the database
// file and the log are of one moment.
void PersistentMapSqliteBackendPrivate::takeSnapshot()
{
    using Code = PersistentMapError::Code;
    auto folder = std::make_unique<QTemporaryDir>(); // mode 0700: the copy stays private
    if (!folder->isValid()) {
        store.fail(Code::OpenFailed,
                   QStringLiteral("cannot make a private folder for a copy of the store and its "
                                  "write-ahead log: %1")
                           .arg(folder->errorString()));
    }
    const QString copy = folder->filePath(QFileInfo(path).fileName());
    constexpr int Attempts = 10;
    for (int attempt = 1;; ++attempt) {
        const QString base = sqliteFilesBase();
        const QString before = writerStamp(base);
        for (const QString &suffix : {QString(), QStringLiteral("-wal")}) {
            QFile source(base + suffix);
            if (!suffix.isEmpty() && !source.exists())
                continue; // checkpointed and removed meanwhile: the stamp differs, copied again
            errno = 0;
            if (!source.copy(copy + suffix)) {
                const int osError = errno;
                store.fail(codeForOsError(osError, Code::OpenFailed),
                           QStringLiteral("cannot copy %1 into a private folder (%2), where SQLite "
                                          "can read its write-ahead log: %3")
                                   .arg(base + suffix, folder->path(), source.errorString()));
            }
            QFile::setPermissions(copy + suffix, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        }
        if (writerStamp(base) == before) {
            immutableStamp = before;
            break;
        }
        if (attempt == Attempts) {
            store.fail(Code::Locked,
                       QStringLiteral("%1 or its write-ahead log changed during each of %2 "
                                      "copies")
                               .arg(path)
                               .arg(Attempts));
        }
    }
    snapshot = std::move(folder); // the previous copy goes; its connection is closed
}

// Opens the store, read-write when this user may write it (and its folder, where SQLite must
// create PATH-wal and PATH-shm), read-only otherwise, and checks it can be read: what fails is
// reported with its own code, and Corrupt only for bytes SQLite cannot read as a database.
void PersistentMapSqliteBackendPrivate::openStore()
{
    using Code = PersistentMapError::Code;
    QString reason;
    if (const int denied = writeDenied(path)) {
        access = Access::ReadOnly;
        reason = readOnlyBecause(path, denied);
    }
    for (;;) {
        connect();
        store.attach(db, table);
        // Read before anything writes: a file that is not a database must stay as it is.
        const QSqlError error = [this] {
            QSqlQuery probe(db);
            probe.exec(QStringLiteral("SELECT count(*) FROM sqlite_master"));
            return probe.lastError();
        }();
        if (!error.isValid())
            break;
        int osError = 0;
        const Code code = store.openFailureCode(error, Code::OpenFailed, &osError);
        const int primary = SqlStore::sqlitePrimaryCode(error);
        // SQLITE_READONLY (the write-ahead log's index cannot be created: its folder is not
        // writable, SQLITE_READONLY_CANTINIT), or SQLITE_CANTOPEN refused for permissions.
        const bool denied = primary == 8 ||
                (primary == 14 && (osError == EACCES || osError == EROFS || osError == EPERM));
        const bool shmExists = QFileInfo::exists(sqliteFilesBase() + QStringLiteral("-shm"));
        if (denied && access == Access::ReadWrite) {
            const QString folder = QFileInfo(path).absolutePath();
            const int folderDenied = writeDenied(folder);
            reason = readOnlyBecause(folder, folderDenied ? folderDenied : EACCES) +
                    QStringLiteral(", where SQLite must create %1-wal and %1-shm to write")
                            .arg(path);
            access = Access::ReadOnly;
        } else if (access == Access::ReadOnly && !shmExists && (primary == 8 || primary == 14)) {
            // Read-only, SQLite can neither create PATH-shm nor open one (SQLITE_READONLY_CANTINIT,
            // or SQLITE_CANTOPEN with ENOENT on a read-only file system). Immutable ignores
            // PATH-wal: when it holds transactions, a private copy is read.
            access = walHasFrames(sqliteFilesBase()) ? Access::Snapshot : Access::Immutable;
        } else {
            close();
            store.fail(code,
                       code == Code::Corrupt ? QStringLiteral("not a SQLite database")
                                             : QStringLiteral("cannot read the database"),
                       error);
        }
        close();
    }
    if (access != Access::Snapshot)
        snapshot.reset(); // a writer opened it: the copy is not read any more
    if (access == Access::Immutable) {
        immutableStamp = writerStamp(sqliteFilesBase());
        if (!readOnly.isSet())
            reason += QStringLiteral("; no process has it open (there is no %1-shm, and it "
                                     "cannot be created), so it is read as it is, and read "
                                     "again once a writer opens it")
                              .arg(path);
    } else if (access == Access::Snapshot && !readOnly.isSet()) {
        reason += QStringLiteral("; no process has it open (there is no %1-shm, and it cannot be "
                                 "created) and %1-wal holds transactions that SQLite reads only "
                                 "through one, so a private copy of both is read, and copied "
                                 "again once either changes")
                          .arg(path);
    }
    if (access != Access::ReadWrite)
        readOnly.set(store.label() + QStringLiteral(": ") + reason);
}

void PersistentMapSqliteBackendPrivate::close()
{
    direct.reset();
    dataVersionQuery.reset();
    store.detach();
    if (db.isValid()) {
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(connectionName);
    }
}

PersistentMapSqliteBackend::PersistentMapSqliteBackend(const QString &path, const QString &table)
    : d(std::make_unique<PersistentMapSqliteBackendPrivate>())
{
    static std::atomic<quint64> counter{0};
    d->path = path;
    d->table = table;
    d->connectionName = QStringLiteral("PersistentMap-sqlite-%1").arg(++counter);
    d->store.setLabel(QStringLiteral("SQLite store %1 (table %2)").arg(path, table));
    d->store.setSystemErrno(&SqliteDirect::systemErrno);
}

PersistentMapSqliteBackend::~PersistentMapSqliteBackend()
{
    d->watch.reset(); // no push once this returns
    d->close();
}

QString PersistentMapSqliteBackend::path() const
{
    return d->path;
}

QString PersistentMapSqliteBackend::table() const
{
    return d->table;
}

bool PersistentMapSqliteBackend::isValidTableName(const QString &table)
{
    // \z, not $: $ also matches before a final line break.
    static const QRegularExpression pattern(QStringLiteral("\\A[A-Za-z_][A-Za-z0-9_]{0,63}\\z"));
    return pattern.match(table).hasMatch();
}

// After openStore(): prepares the connection (WAL, the table, the change log; a read-only one
// as it is) and reads every entry.
void PersistentMapSqliteBackendPrivate::loadInto(PersistentMapBackend::Loader &loader)
{
    using Code = PersistentMapError::Code;
    const bool schemaComplete = store.checkSchema();
    if (access != Access::ReadWrite) {
        // Nothing may be written: no WAL switch, no table created. A store without the table has
        // nothing to read, and cannot be given one.
        if (db.record(table).isEmpty())
            store.fail(Code::ReadOnly,
                       QStringLiteral("it is read-only and has no table %1 to read").arg(table));
        hasChangeLog = !db.record(store.logTable()).isEmpty();
    } else {
        // Switching to WAL needs the file to itself for a moment and SQLite does not wait for
        // that with the busy timeout: retry while another connection (another map opening the
        // same new file) holds it, for as long as the busy timeout.
        QElapsedTimer waited;
        waited.start();
        for (;;) {
            QSqlQuery wal(db);
            if (wal.exec(QStringLiteral("PRAGMA journal_mode=WAL")))
                break;
            const bool busy = store.isBusy(wal.lastError());
            if (!busy || waited.hasExpired(5000)) {
                store.fail(busy ? Code::Locked
                                : store.openFailureCode(wal.lastError(), Code::OpenFailed),
                           QStringLiteral("cannot switch to WAL mode"), wal.lastError());
            }
            QThread::msleep(2);
        }
    }
    // 16 MiB of page cache instead of 2: the write thread commits many batches, and a cache
    // smaller than the B-tree's working set reads back the pages it has just written.
    store.exec(QStringLiteral("PRAGMA cache_size=-16384"), Code::OpenFailed,
               QStringLiteral("cannot set the cache size"));
    // Only where a table is missing: its BEGIN IMMEDIATE ... COMMIT takes the write lock, and
    // the statements around it were a tenth of the open of a small store (issue 15).
    if (access == Access::ReadWrite && !schemaComplete)
        store.createSchema();
    dataVersion = readDataVersion();
    if (hasChangeLog)
        store.startWatching();

    // A UTF-16 file takes the generic path: SQLite's conversion from the UTF-8 the fast path binds
    // to UTF-16 turns U+FFFE and U+FFFF into U+FFFD, and the one from UTF-16 to the UTF-8 it reads
    // pairs a lone surrogate with the unit after it (tst_sqlitebackend::noncharactersInUtf16Files,
    // rowsThatAreNotUtf16). The generic path binds UTF-16 and reads the stored bytes.
    direct = store.textEncoding() == u"UTF-8" ? SqliteDirect::attach(db, table) : nullptr;
    // NORMAL: a commit reaches the write-ahead log, which flush() syncs through SQLite's own file
    // (SqliteDirect::sync). Without the C API there is no way to sync it but SQLite's: FULL,
    // which syncs the log at every commit (docs/RELIABILITY.md).
    if (access == Access::ReadWrite)
        store.exec(direct ? QStringLiteral("PRAGMA synchronous=NORMAL")
                          : QStringLiteral("PRAGMA synchronous=FULL"),
                   Code::OpenFailed, QStringLiteral("cannot set synchronous mode"));
    if (direct && direct->lengthLimit() > 0)
        lengthLimit = direct->lengthLimit();
    // Counts the values this process cannot decode on their way to the map.
    struct CountingLoader : PersistentMapBackend::Loader
    {
        explicit CountingLoader(PersistentMapBackend::Loader &to)
            : inner(to)
        {
        }
        void reserve(qsizetype count) override { inner.reserve(count); }
        void add(QString &&key, QVariant &&value) override
        {
            undecoded += isUndecoded(value) ? 1 : 0;
            inner.add(std::move(key), std::move(value));
        }
        PersistentMapBackend::Loader &inner;
        qsizetype undecoded = 0;
    } counting(loader);
    // SQLite's page cache, then the decoded rows (UTF-16) and the map's nodes: about four times
    // the file's bytes, allocated on this thread next.
    const QString files = sqliteFilesBase();
    growThreadHeap(4 *
                   (QFileInfo(files).size() + QFileInfo(files + QStringLiteral("-wal")).size()));
    if (direct) {
        SqliteDirect::Error error;
        if (!direct->loadInto(counting, &error))
            store.fail(Code::Corrupt, error.message);
    } else {
        store.loadInto(counting);
    }
    // A row this process cannot decode is kept for the programs that can, unless it is damage:
    // SQLite hands out rows of a damaged file (a truncated one: an empty key and type, a value
    // cut short) without an error. The file's own check tells which; the map adopts nothing
    // from a load that fails (tst_reliability, sqliteTruncated).
    if (counting.undecoded > 0) {
        // The map's table only (quick_check(TABLE), SQLite 3.33): another program's tables in the
        // same file may need collations only it registers, and a check that cannot run says
        // nothing either way, so it leaves the load as it is.
        QSqlQuery check(db);
        if (check.exec(QStringLiteral("PRAGMA quick_check(\"%1\")").arg(table)) && check.next()) {
            const QString verdict = check.value(0).toString();
            if (verdict != u"ok") {
                store.fail(Code::Corrupt,
                           QStringLiteral("the file is damaged (PRAGMA quick_check: %1)")
                                   .arg(verdict));
            }
        }
    }
}

void PersistentMapSqliteBackend::loadInto(Loader &loader)
{
    using Code = PersistentMapError::Code;
    if (!isValidTableName(d->table)) {
        d->store.fail(
                Code::OpenFailed,
                QStringLiteral("invalid table name: use 1 to 64 letters, digits and underscores, "
                               "not starting with a digit"));
    }
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE"))) {
        // Qt may have missed the plugin for want of a descriptor (sqliteDriverFromPlugin()).
        if (QSqlDriver *driver = sqliteDriverFromPlugin()) {
            delete driver; // found: connect() makes its own
        } else if (const int osError = descriptorShortage()) {
            d->store.fail(Code::TooManyOpenFiles,
                          QStringLiteral("cannot load Qt's SQLite driver (QSQLITE): no file "
                                         "descriptor is free (%1); the next open tries again")
                                  .arg(qt_error_string(osError)));
        } else {
            d->store.fail(Code::OpenFailed,
                          QStringLiteral("Qt's SQLite driver (QSQLITE) is not installed; on "
                                         "Debian it is in the package libqt6sql6-sqlite"));
        }
    }
    QString fileError;
    int osError = 0;
    if (!ensureStoreFile(d->path, &fileError, nullptr, &osError))
        d->store.fail(codeForOsError(osError, Code::OpenFailed), fileError);
    d->openStore();
    d->loadInto(loader);
    d->open = true;
}

void PersistentMapSqliteBackend::apply(const PersistentMapWriteBatch &batch)
{
    if (!d->open)
        d->store.fail(PersistentMapError::Code::WriteFailed,
                      QStringLiteral("the store is not open"));
    d->readOnly.refuseWrites();
    if (!d->direct) {
        d->store.apply(batch);
        return;
    }
    SqliteDirect::Error error;
    if (!d->direct->apply(
                batch, &error, [this] { d->store.checkPrecondition(); },
                [this, &batch] { d->store.logChanges(batch); }))
        d->fail(error);
    d->store.committed();
}

void PersistentMapSqliteBackend::clear()
{
    using Code = PersistentMapError::Code;
    if (!d->open)
        d->store.fail(Code::WriteFailed, QStringLiteral("the store is not open"));
    d->readOnly.refuseWrites();
    d->store.clear();
}

void PersistentMapSqliteBackend::flush()
{
    using Code = PersistentMapError::Code;
    if (!d->open)
        d->store.fail(Code::WriteFailed, QStringLiteral("the store is not open"));
    // With synchronous=NORMAL a commit reaches the write-ahead log but is synced only at the next
    // checkpoint: it survives a crash of the process, not a power loss. Syncing the log (through
    // SQLite's own open file) makes every committed transaction durable. Without the C API the
    // connection runs with synchronous=FULL: every commit is durable already.
    if (!d->direct || d->access != PersistentMapSqliteBackendPrivate::Access::ReadWrite)
        return; // read-only: nothing was written
    SqliteDirect::Error error;
    if (!d->direct->sync(&error))
        d->store.fail(Code::WriteFailed, error.message);
}

// SQLite refuses a row longer than SQLITE_LIMIT_LENGTH with SQLITE_TOOBIG. Refused here, at
// insert(), such a write fails alone; queued, it would fail every batch it joined (issue 11).
bool PersistentMapSqliteBackend::canStore(const QString &key, const QVariant &value,
                                          QString *why) const
{
    constexpr qint64 RowOverhead = 64; // the record header and the type's text
    const qint64 limit = d->lengthLimit.load(std::memory_order_relaxed) - RowOverhead;
    // Called for every insert on the caller's thread: the key's bound (3 UTF-8 bytes per UTF-16
    // unit) is enough unless it is near the limit itself.
    qint64 keyBytes = 3 * qint64(key.size());
    qint64 valueBytes = 0;
    if (keyBytes > limit / 2)
        encodedSizeExceeds(QVariant(key), limit, &keyBytes);
    if (keyBytes <= limit && !encodedSizeExceeds(value, limit - keyBytes, &valueBytes))
        return true;
    *why = QStringLiteral("%1: the key '%2' cannot be stored: its row would take more than the "
                          "%3 bytes SQLite allows (SQLITE_LIMIT_LENGTH; key %4 bytes, value %5 "
                          "bytes)")
                   .arg(d->store.label(), key.left(200))
                   .arg(limit + RowOverhead)
                   .arg(keyBytes)
                   .arg(valueBytes);
    return false;
}

bool PersistentMapSqliteBackend::isReadOnly(QString *why) const
{
    return d->readOnly.get(why);
}

bool PersistentMapSqliteBackend::canWatchChanges() const
{
    return true;
}

// The folder of the file (where SQLite keeps PATH-wal, PATH-shm and a rollback journal beside
// it), and the folder of a symbolic link naming it, are watched for those names: a commit writes
// PATH-wal (or the file and its journal, from a program in rollback mode), a checkpoint the file,
// the last connection closing removes PATH-wal and PATH-shm and the next creates them again, a
// file replaced by a rename arrives under its name. Every access mode is covered: an immutable
// or copied store is opened again from the same events (a writer creating PATH-shm, writing
// PATH-wal).
bool PersistentMapSqliteBackend::watchChanges(std::function<void()> othersCommitted)
{
    const QString base = QFileInfo(d->sqliteFilesBase()).absoluteFilePath();
    const QFileInfo target(base);
    QList<FileWatch::Folder> folders{
            {target.absolutePath(),
             {target.fileName(), target.fileName() + QStringLiteral("-wal"),
              target.fileName() + QStringLiteral("-shm"),
              target.fileName() + QStringLiteral("-journal")}}};
    const QFileInfo named(d->path);
    if (named.absoluteFilePath() != base)
        folders.append({named.absolutePath(), {named.fileName()}});
    d->watch = FileWatch::create(folders, std::move(othersCommitted), lcSql, d->store.label());
    if (!d->watch)
        return false;
    d->lastStamp = activityStamp(d->sqliteFilesBase());
    return true;
}

// PRAGMA data_version changes only when another connection committed: checking it costs a few
// microseconds and no table access, so the change log is read only when there is news.
PersistentMapBackend::Changes PersistentMapSqliteBackend::pollChanges()
{
    if (!d->open)
        return {};
    if (d->access == PersistentMapSqliteBackendPrivate::Access::Immutable ||
        d->access == PersistentMapSqliteBackendPrivate::Access::Snapshot) {
        // Read without locks, or a copy: opened again (read-only, as the writer's PATH-shm allows
        // now, or from a new copy) and read whole once a writer changed anything.
        if (writerStamp(d->sqliteFilesBase()) == d->immutableStamp)
            return {};
        struct ChangesLoader : Loader
        {
            PersistentMapInternal::ReadRows rows;
            void add(QString &&key, QVariant &&value) override
            {
                rows.add(std::move(key), std::move(value));
            }
        } loader;
        d->close();
        const auto access = d->access;
        d->access = PersistentMapSqliteBackendPrivate::Access::ReadOnly;
        try {
            d->openStore();
            d->loadInto(loader);
        } catch (...) {
            // Caught in the middle of a change (a copy replacing the file): tried again at the
            // next poll, as the stamp still differs.
            d->close();
            d->access = access;
            d->immutableStamp.clear(); // matches no stamp: the next poll opens it again
            throw;
        }
        Changes changes;
        changes.entries = loader.rows.take();
        changes.complete = true;
        return changes;
    }
    if (!d->hasChangeLog)
        return {}; // a read-only store without the change log: not followed
    const qint64 version = d->readDataVersion();
    if (d->watch) {
        // The kernel reports the write of a commit's frames to PATH-wal, but the commit becomes
        // visible (data_version) only once the writer publishes it in PATH-shm, which is memory
        // and reports nothing: after a write (or a sync) that takes long, no event is left to
        // tell. So after any activity the store is looked at again 1, 4, 16 ... 4096 ms later,
        // about 5 s in all; an idle store costs nothing.
        const QString stamp = activityStamp(d->sqliteFilesBase());
        if (stamp != d->lastStamp || version != d->dataVersion)
            d->recheckDelay = 1;
        else if (d->recheckDelay > 0)
            d->recheckDelay = d->recheckDelay > 1024 ? 0 : d->recheckDelay * 4;
        d->lastStamp = stamp;
        if (d->recheckDelay > 0)
            d->watch->recheckAfter(d->recheckDelay);
    }
    if (version == d->dataVersion)
        return {};
    d->dataVersion = version;
    // A commit that logged nothing was made by another program: reload everything.
    return d->store.pollChanges(SqlStore::Unlogged::Reload);
}
