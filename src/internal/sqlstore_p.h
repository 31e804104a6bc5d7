// SqlStore: what SqliteBackend and PostgresBackend share. One table (key, type, value) of text
// in the value format of docs/FORMAT.md, read and written through a QSqlDatabase connection,
// plus the change log through which a map sees what other connections committed.
//
// The change log is a table "<table>_changes" (seq, key) that triggers on the map's table fill
// on every insert, update and delete, whoever makes them (another process, another map, the
// sqlite3 or psql shell). A map remembers the newest seq it has seen; pollChanges() reads the
// keys logged after it and their current values. Writers prune the log to its newest
// LogKeep rows; a reader that fell behind the pruned part reloads the whole table instead.
//
// Used on the storage thread only, like the connection. Every failure throws
// PersistentMapError with the label ("SQLite store PATH (table T)") and the cause.
#ifndef SQLSTORE_P_H
#define SQLSTORE_P_H

#include "persistentmaperror.h"
#include "storagebackend.h"

#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>

#include <optional>

namespace PersistentMapInternal {

class SqlStore
{
public:
    enum class Dialect { Sqlite, Postgres };
    static constexpr qint64 LogKeep = 50000;

    explicit SqlStore(Dialect dialect, const QString &label = {});
    Q_DISABLE_COPY_MOVE(SqlStore)

    QString label() const { return m_label; }
    QString table() const { return m_table; }
    QString logTable() const { return m_table + QStringLiteral("_changes"); }
    const QSqlDatabase &database() const { return m_db; }

    [[noreturn]] void fail(PersistentMapError::Code code, const QString &what,
                           const QSqlError &error = {}) const;
    QSqlQuery exec(const QString &sql, PersistentMapError::Code code, const QString &what);
    bool isBusy(const QSqlError &error) const;

    void setLabel(const QString &label) { m_label = label; }
    // An open connection and the (validated) table name; detach() drops the prepared statements
    // and the connection handle before the connection is removed.
    void attach(const QSqlDatabase &db, const QString &table);
    void detach();
    // Refuses (Code::Corrupt) a table or change log with columns PersistentMap did not write.
    void checkSchema();
    // Creates the table, the change log and its triggers when missing (a store written before
    // the change log gets one).
    void createSchema();
    // Remembers the newest change-log position. Call before reading the table, so that a change
    // committed in between is reported again rather than missed.
    void startWatching();

    // The generic paths (SqliteBackend has a faster one through the SQLite C API).
    void loadInto(StorageBackend::Loader &loader);
    void apply(const WriteBatch &batch); // one transaction
    void clear();

    // After this connection committed `rows` rows: prunes the change log now and then.
    void noteWritten(qsizetype rows);
    // What others committed since startWatching() or the previous call.
    StorageBackend::Changes pollChanges();

private:
    QString quoted(const QString &name) const;
    void prepareWrites();

    Dialect m_dialect;
    QString m_label;
    QString m_table;
    QSqlDatabase m_db;
    qint64 m_position = 0; // newest change-log seq seen
    qint64 m_writtenSincePrune = 0;
    std::optional<QSqlQuery> m_upsert;
    std::optional<QSqlQuery> m_erase;
};

} // namespace PersistentMapInternal

#endif // SQLSTORE_P_H
