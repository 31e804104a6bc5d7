// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "sqlitebackend.h"

#include "persistentmaperror.h"
#include "sqlitedirect_p.h"
#include "sqlstore_p.h"
#include "storefiles_p.h"
#include "valuecodec_p.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QRegularExpression>
#include <QtCore/QThread>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>

#include <atomic>
#include <optional>

using namespace PersistentMapInternal;

class SqliteBackendPrivate
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
};

void SqliteBackendPrivate::close()
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

SqliteBackend::SqliteBackend(const QString &path, const QString &table)
    : d(std::make_unique<SqliteBackendPrivate>())
{
    static std::atomic<quint64> counter{0};
    d->path = path;
    d->table = table;
    d->connectionName = QStringLiteral("PersistentMap-sqlite-%1").arg(++counter);
    d->store.setLabel(QStringLiteral("SQLite store %1 (table %2)").arg(path, table));
}

SqliteBackend::~SqliteBackend()
{
    d->close();
}

QString SqliteBackend::path() const
{
    return d->path;
}

QString SqliteBackend::table() const
{
    return d->table;
}

bool SqliteBackend::isValidTableName(const QString &table)
{
    // \z, not $: $ also matches before a final line break.
    static const QRegularExpression pattern(QStringLiteral("\\A[A-Za-z_][A-Za-z0-9_]{0,63}\\z"));
    return pattern.match(table).hasMatch();
}

QVariantHash SqliteBackend::loadAll()
{
    return collectAll(*this);
}

void SqliteBackend::loadInto(Loader &loader)
{
    using Code = PersistentMapError::Code;
    if (!isValidTableName(d->table)) {
        d->store.fail(
                Code::OpenFailed,
                QStringLiteral("invalid table name: use 1 to 64 letters, digits and underscores, "
                               "not starting with a digit"));
    }
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE"))) {
        d->store.fail(
                Code::OpenFailed,
                QStringLiteral("Qt's SQLite driver (QSQLITE) is not installed; on Debian it is in "
                               "the package libqt6sql6-sqlite"));
    }
    QString fileError;
    if (!ensureStoreFile(d->path, &fileError))
        d->store.fail(Code::OpenFailed, fileError);

    d->db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), d->connectionName);
    d->db.setDatabaseName(d->path);
    d->db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!d->db.open())
        d->store.fail(Code::OpenFailed, QStringLiteral("cannot open the file"), d->db.lastError());

    // Read before anything writes: a file that is not a database must stay as it is.
    d->store.attach(d->db, d->table);
    d->store.exec(QStringLiteral("SELECT count(*) FROM sqlite_master"), Code::Corrupt,
                  QStringLiteral("not a SQLite database"));
    d->store.checkSchema();
    // Switching to WAL needs the file to itself for a moment and SQLite does not wait for that
    // with the busy timeout: retry while another connection (another map opening the same new
    // file) holds it, for as long as the busy timeout.
    QElapsedTimer waited;
    waited.start();
    for (;;) {
        QSqlQuery wal(d->db);
        if (wal.exec(QStringLiteral("PRAGMA journal_mode=WAL")))
            break;
        const QString code = wal.lastError().nativeErrorCode();
        const bool busy = code == QLatin1String("5") || code == QLatin1String("6");
        if (!busy || waited.hasExpired(5000)) {
            d->store.fail(busy ? Code::Locked : Code::OpenFailed,
                          QStringLiteral("cannot switch to WAL mode"), wal.lastError());
        }
        QThread::msleep(2);
    }
    // 16 MiB of page cache instead of 2: the write thread commits many batches, and a cache
    // smaller than the B-tree's working set reads back the pages it has just written.
    d->store.exec(QStringLiteral("PRAGMA cache_size=-16384"), Code::OpenFailed,
                  QStringLiteral("cannot set the cache size"));
    d->store.createSchema();
    d->dataVersion = d->readDataVersion();
    d->store.startWatching();

    d->direct = SqliteDirect::attach(d->db, d->table);
    // NORMAL: a commit reaches the write-ahead log, which flush() syncs through SQLite's own file
    // (SqliteDirect::sync). Without the C API there is no way to sync it but SQLite's: FULL,
    // which syncs the log at every commit (docs/RELIABILITY.md).
    d->store.exec(d->direct ? QStringLiteral("PRAGMA synchronous=NORMAL")
                            : QStringLiteral("PRAGMA synchronous=FULL"),
                  Code::OpenFailed, QStringLiteral("cannot set synchronous mode"));
    if (d->direct && d->direct->lengthLimit() > 0)
        d->lengthLimit = d->direct->lengthLimit();
    if (d->direct) {
        SqliteDirect::Error error;
        if (!d->direct->loadInto(loader, &error))
            d->store.fail(Code::Corrupt, error.message);
    } else {
        d->store.loadInto(loader);
    }
    d->open = true;
}

void SqliteBackend::save(const QString &key, const QVariant &value)
{
    WriteBatch batch;
    batch.insert(key, value);
    apply(batch);
}

void SqliteBackend::remove(const QString &key)
{
    WriteBatch batch;
    batch.remove(key);
    apply(batch);
}

void SqliteBackend::apply(const WriteBatch &batch)
{
    if (!d->open)
        d->store.fail(PersistentMapError::Code::WriteFailed,
                      QStringLiteral("the store is not open"));
    if (!d->direct) {
        d->store.apply(batch);
        return;
    }
    SqliteDirect::Error error;
    if (!d->direct->apply(batch, &error, [this, &batch] { d->store.logChanges(batch); }))
        d->fail(error);
    d->store.committed();
}

void SqliteBackend::clear()
{
    using Code = PersistentMapError::Code;
    if (!d->open)
        d->store.fail(Code::WriteFailed, QStringLiteral("the store is not open"));
    d->store.clear();
}

void SqliteBackend::flush()
{
    using Code = PersistentMapError::Code;
    if (!d->open)
        d->store.fail(Code::WriteFailed, QStringLiteral("the store is not open"));
    // With synchronous=NORMAL a commit reaches the write-ahead log but is synced only at the next
    // checkpoint: it survives a crash of the process, not a power loss. Syncing the log (through
    // SQLite's own open file) makes every committed transaction durable. Without the C API the
    // connection runs with synchronous=FULL: every commit is durable already.
    if (!d->direct)
        return;
    SqliteDirect::Error error;
    if (!d->direct->sync(&error))
        d->store.fail(Code::WriteFailed, error.message);
}

// SQLite refuses a row longer than SQLITE_LIMIT_LENGTH with SQLITE_TOOBIG. Refused here, at
// insert(), such a write fails alone; queued, it would fail every batch it joined (issue 11).
bool SqliteBackend::canStore(const QString &key, const QVariant &value, QString *why) const
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

bool SqliteBackend::canWatchChanges() const
{
    return true;
}

// PRAGMA data_version changes only when another connection committed: checking it costs a few
// microseconds and no table access, so the change log is read only when there is news.
StorageBackend::Changes SqliteBackend::pollChanges()
{
    if (!d->open)
        return {};
    const qint64 version = d->readDataVersion();
    if (version == d->dataVersion)
        return {};
    d->dataVersion = version;
    // A commit that logged nothing was made by another program: reload everything.
    return d->store.pollChanges(SqlStore::Unlogged::Reload);
}
