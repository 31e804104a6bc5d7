#include "sqlitebackend.h"

#include "persistentmaperror.h"
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
    QSqlQuery exec(const QString &sql, PersistentMapError::Code code, const QString &what);
    void checkTableColumns();
    void close();

    QString path;
    QString table;
    QString connectionName;
    QSqlDatabase db;
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
    d->exec(QStringLiteral("CREATE TABLE IF NOT EXISTS \"%1\" (key TEXT PRIMARY KEY NOT NULL, "
                           "type TEXT NOT NULL, value TEXT NOT NULL) WITHOUT ROWID")
                    .arg(d->table),
            Code::OpenFailed, QStringLiteral("cannot create the table"));

    QVariantHash result;
    QSqlQuery rows = d->exec(QStringLiteral("SELECT key, type, value FROM \"%1\"").arg(d->table),
                             Code::Corrupt, QStringLiteral("cannot read the table"));
    QString error;
    while (rows.next()) {
        const QString key = rows.value(0).toString();
        QVariant value;
        if (!decodeValue(rows.value(1).toString(), rows.value(2).toString(), &value, &error))
            d->fail(Code::Corrupt, QStringLiteral("key '%1': %2").arg(key.left(200), error));
        result.insert(key, value);
    }
    if (rows.lastError().isValid())
        d->fail(Code::Corrupt, QStringLiteral("cannot read the table"), rows.lastError());

    d->upsert.emplace(d->db);
    if (!d->upsert->prepare(QStringLiteral("INSERT OR REPLACE INTO \"%1\" (key, type, value) "
                                           "VALUES (?, ?, ?)")
                                    .arg(d->table))) {
        d->fail(Code::OpenFailed, QStringLiteral("cannot prepare a statement"),
                d->upsert->lastError());
    }
    d->erase.emplace(d->db);
    if (!d->erase->prepare(QStringLiteral("DELETE FROM \"%1\" WHERE key = ?").arg(d->table))) {
        d->fail(Code::OpenFailed, QStringLiteral("cannot prepare a statement"),
                d->erase->lastError());
    }
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
    using Code = PersistentMapError::Code;
    if (!d->upsert)
        d->fail(Code::WriteFailed, QStringLiteral("the store is not open"));
    // IMMEDIATE takes the write lock up front, so the busy timeout covers other writers.
    d->exec(QStringLiteral("BEGIN IMMEDIATE"), Code::WriteFailed,
            QStringLiteral("cannot start a transaction"));
    auto rollbackAndFail = [this](const QString &what, const QSqlError &error) {
        QSqlQuery(QStringLiteral("ROLLBACK"), d->db);
        d->fail(error.nativeErrorCode() == QLatin1String("5") ? Code::Locked : Code::WriteFailed,
                what, error);
    };
    for (const WriteBatch::Entry &entry : batch.entries()) {
        QSqlQuery &query = entry.isRemove ? *d->erase : *d->upsert;
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
    QSqlQuery commit(d->db);
    if (!commit.exec(QStringLiteral("COMMIT")))
        rollbackAndFail(QStringLiteral("cannot commit"), commit.lastError());
}

void SqliteBackend::clear()
{
    using Code = PersistentMapError::Code;
    if (!d->upsert)
        d->fail(Code::WriteFailed, QStringLiteral("the store is not open"));
    d->exec(QStringLiteral("DELETE FROM \"%1\"").arg(d->table), Code::WriteFailed,
            QStringLiteral("cannot clear the table"));
}

void SqliteBackend::flush()
{
    using Code = PersistentMapError::Code;
    if (!d->upsert)
        d->fail(Code::WriteFailed, QStringLiteral("the store is not open"));
    // Commits in WAL mode with synchronous=NORMAL survive a crash of the process; a FULL
    // checkpoint syncs the WAL and copies it into the database file, so they also survive a
    // power loss. When another connection's reader keeps it from finishing, the WAL is synced
    // directly, which gives the same durability.
    QSqlQuery checkpoint = d->exec(QStringLiteral("PRAGMA wal_checkpoint(FULL)"), Code::WriteFailed,
                                   QStringLiteral("cannot checkpoint"));
    const bool busy = checkpoint.next() && checkpoint.value(0).toInt() != 0;
    if (busy) {
        QString error;
        if (!syncFile(d->path + QStringLiteral("-wal"), &error))
            d->fail(Code::WriteFailed, error);
    }
}
