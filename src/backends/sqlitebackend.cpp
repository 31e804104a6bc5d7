#include "sqlitebackend.h"

#include "persistentmaperror.h"
#include "sqlitedirect_p.h"
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

namespace {

// QSQLITE binds a null QString as SQL NULL, which the NOT NULL columns refuse: an empty key or
// an empty text (an empty string, a null QVariant) must be bound as ''.
QString nonNull(const QString &text)
{
    return text.isNull() ? QStringLiteral("") : text;
}

} // namespace

class SqliteBackendPrivate
{
public:
    [[noreturn]] void fail(PersistentMapError::Code code, const QString &what,
                           const QSqlError &error = {}) const
    {
        QString message = QStringLiteral("SQLite store %1 (table %2): %3").arg(path, table, what);
        if (error.isValid())
            message += QStringLiteral(": ") + error.text();
        throw PersistentMapError(code, message);
    }
    [[noreturn]] void fail(const SqliteDirect::Error &error) const
    {
        fail(error.locked ? PersistentMapError::Code::Locked
                          : PersistentMapError::Code::WriteFailed,
             error.message);
    }
    QSqlQuery exec(const QString &sql, PersistentMapError::Code code, const QString &what);
    QVariantHash loadWithQuery();
    void applyWithQuery(const WriteBatch &batch);
    void checkTableColumns();
    void close();

    QString path;
    QString table;
    QString connectionName;
    QSqlDatabase db;
    bool open = false;
    std::unique_ptr<SqliteDirect> direct; // the C API fast path, when it can be used
    std::optional<QSqlQuery> upsert;
    std::optional<QSqlQuery> erase;
};

QSqlQuery SqliteBackendPrivate::exec(const QString &sql, PersistentMapError::Code code,
                                     const QString &what)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.exec(sql))
        fail(code, what, query.lastError());
    return query;
}

void SqliteBackendPrivate::checkTableColumns()
{
    QSqlQuery info =
            exec(QStringLiteral("PRAGMA table_info(\"%1\")").arg(table),
                 PersistentMapError::Code::Corrupt, QStringLiteral("cannot read the schema"));
    QStringList columns;
    while (info.next())
        columns.append(info.value(1).toString());
    const QStringList expected{QStringLiteral("key"), QStringLiteral("type"),
                               QStringLiteral("value")};
    if (!columns.isEmpty() && columns != expected) {
        fail(PersistentMapError::Code::Corrupt,
             QStringLiteral("the table has the columns (%1) instead of (key, type, value); "
                            "it was not written by PersistentMap")
                     .arg(columns.join(QStringLiteral(", "))));
    }
}

void SqliteBackendPrivate::close()
{
    direct.reset();
    upsert.reset();
    erase.reset();
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
    struct HashLoader : Loader
    {
        QVariantHash entries;
        void reserve(qsizetype count) override { entries.reserve(count); }
        void add(QString &&key, QVariant &&value) override
        {
            entries.insert(std::move(key), std::move(value));
        }
    } loader;
    loadInto(loader);
    return std::move(loader.entries);
}

void SqliteBackend::loadInto(Loader &loader)
{
    using Code = PersistentMapError::Code;
    if (!isValidTableName(d->table)) {
        d->fail(Code::OpenFailed,
                QStringLiteral("invalid table name: use 1 to 64 letters, digits and underscores, "
                               "not starting with a digit"));
    }
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE"))) {
        d->fail(Code::OpenFailed,
                QStringLiteral("Qt's SQLite driver (QSQLITE) is not installed; on Debian it is in "
                               "the package libqt6sql6-sqlite"));
    }
    QString fileError;
    if (!ensureStoreFile(d->path, &fileError))
        d->fail(Code::OpenFailed, fileError);

    d->db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), d->connectionName);
    d->db.setDatabaseName(d->path);
    d->db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!d->db.open())
        d->fail(Code::OpenFailed, QStringLiteral("cannot open the file"), d->db.lastError());

    // Read before anything writes: a file that is not a database must stay as it is.
    d->exec(QStringLiteral("SELECT count(*) FROM sqlite_master"), Code::Corrupt,
            QStringLiteral("not a SQLite database"));
    d->checkTableColumns();
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
            d->fail(busy ? Code::Locked : Code::OpenFailed,
                    QStringLiteral("cannot switch to WAL mode"), wal.lastError());
        }
        QThread::msleep(2);
    }
    d->exec(QStringLiteral("PRAGMA synchronous=NORMAL"), Code::OpenFailed,
            QStringLiteral("cannot set synchronous mode"));
    // 16 MiB of page cache instead of 2: the write thread commits many batches, and a cache
    // smaller than the B-tree's working set reads back the pages it has just written.
    d->exec(QStringLiteral("PRAGMA cache_size=-16384"), Code::OpenFailed,
            QStringLiteral("cannot set the cache size"));
    d->exec(QStringLiteral("CREATE TABLE IF NOT EXISTS \"%1\" (key TEXT PRIMARY KEY NOT NULL, "
                           "type TEXT NOT NULL, value TEXT NOT NULL) WITHOUT ROWID")
                    .arg(d->table),
            Code::OpenFailed, QStringLiteral("cannot create the table"));

    d->direct = SqliteDirect::attach(d->db, d->table);
    if (d->direct) {
        SqliteDirect::Error error;
        if (!d->direct->loadInto(loader, &error))
            d->fail(Code::Corrupt, error.message);
    } else {
        QVariantHash entries = d->loadWithQuery();
        loader.reserve(entries.size());
        for (auto it = entries.begin(); it != entries.end(); ++it)
            loader.add(QString(it.key()), std::move(it.value()));
    }
    d->open = true;
}

// The QSqlQuery path, for a QSQLITE driver that runs a SQLite library other than ours.
QVariantHash SqliteBackendPrivate::loadWithQuery()
{
    using Code = PersistentMapError::Code;
    QVariantHash result;
    QSqlQuery rows = exec(QStringLiteral("SELECT key, type, value FROM \"%1\"").arg(table),
                          Code::Corrupt, QStringLiteral("cannot read the table"));
    QString error;
    while (rows.next()) {
        const QString key = rows.value(0).toString();
        QVariant value;
        if (!decodeValue(rows.value(1).toString(), rows.value(2).toString(), &value, &error))
            fail(Code::Corrupt, QStringLiteral("key '%1': %2").arg(key.left(200), error));
        result.insert(key, value);
    }
    if (rows.lastError().isValid())
        fail(Code::Corrupt, QStringLiteral("cannot read the table"), rows.lastError());

    upsert.emplace(db);
    if (!upsert->prepare(
                QStringLiteral("INSERT OR REPLACE INTO \"%1\" (key, type, value) VALUES (?, ?, ?)")
                        .arg(table))) {
        fail(Code::OpenFailed, QStringLiteral("cannot prepare a statement"), upsert->lastError());
    }
    erase.emplace(db);
    if (!erase->prepare(QStringLiteral("DELETE FROM \"%1\" WHERE key = ?").arg(table)))
        fail(Code::OpenFailed, QStringLiteral("cannot prepare a statement"), erase->lastError());
    return result;
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
        d->fail(PersistentMapError::Code::WriteFailed, QStringLiteral("the store is not open"));
    if (!d->direct) {
        d->applyWithQuery(batch);
        return;
    }
    SqliteDirect::Error error;
    if (!d->direct->apply(batch, &error))
        d->fail(error);
}

void SqliteBackendPrivate::applyWithQuery(const WriteBatch &batch)
{
    using Code = PersistentMapError::Code;
    exec(QStringLiteral("BEGIN IMMEDIATE"), Code::WriteFailed,
         QStringLiteral("cannot start a transaction"));
    auto rollbackAndFail = [this](const QString &what, const QSqlError &error) {
        QSqlQuery(QStringLiteral("ROLLBACK"), db);
        fail(error.nativeErrorCode() == QLatin1String("5") ? Code::Locked : Code::WriteFailed, what,
             error);
    };
    for (const WriteBatch::Entry &entry : batch.entries()) {
        QSqlQuery &query = entry.isRemove ? *erase : *upsert;
        query.bindValue(0, nonNull(entry.key));
        if (!entry.isRemove) {
            EncodedValue encoded = encodeValue(entry.value);
            query.bindValue(1, nonNull(encoded.type));
            query.bindValue(2, nonNull(encoded.text));
        }
        if (!query.exec())
            rollbackAndFail(QStringLiteral("cannot write key '%1'").arg(entry.key.left(200)),
                            query.lastError());
    }
    QSqlQuery commit(db);
    if (!commit.exec(QStringLiteral("COMMIT")))
        rollbackAndFail(QStringLiteral("cannot commit"), commit.lastError());
}

void SqliteBackend::clear()
{
    using Code = PersistentMapError::Code;
    if (!d->open)
        d->fail(Code::WriteFailed, QStringLiteral("the store is not open"));
    d->exec(QStringLiteral("DELETE FROM \"%1\"").arg(d->table), Code::WriteFailed,
            QStringLiteral("cannot clear the table"));
}

void SqliteBackend::flush()
{
    using Code = PersistentMapError::Code;
    if (!d->open)
        d->fail(Code::WriteFailed, QStringLiteral("the store is not open"));
#ifdef Q_OS_UNIX
    // With synchronous=NORMAL a commit reaches the WAL file but is synced only at the next
    // checkpoint: it survives a crash of the process, not a power loss. Syncing the WAL makes
    // every committed transaction durable without copying the WAL into the database file (SQLite
    // syncs the database file itself when a checkpoint completes; it is synced here too, cheaply
    // when nothing is dirty).
    QString error;
    if (!syncFile(d->path + QStringLiteral("-wal"), &error) || !syncFile(d->path, &error))
        d->fail(Code::WriteFailed, error);
#else
    QSqlQuery checkpoint = d->exec(QStringLiteral("PRAGMA wal_checkpoint(FULL)"), Code::WriteFailed,
                                   QStringLiteral("cannot checkpoint"));
    if (checkpoint.next() && checkpoint.value(0).toInt() != 0)
        d->fail(Code::Locked,
                QStringLiteral("another connection kept the checkpoint from finishing"));
#endif
}
