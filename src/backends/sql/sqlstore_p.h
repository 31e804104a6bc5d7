// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// SqlStore: what PersistentMapSqliteBackend and PersistentMapPostgresBackend share. One table (key,
// type, value) of text in the value format of docs/FORMAT.md, read and written through a
// QSqlDatabase connection, plus the change log through which a map sees what other connections
// committed.
//
// The change log is a table "<table>_changes" (seq, keys): every transaction a map commits adds
// one row naming the keys it wrote, as a JSON array of strings ("*" for clear()), and on
// PostgreSQL sends NOTIFY "<table>_changes" with the writer's server process id. A map
// remembers the newest seq it has seen; pollChanges() reads the rows after it and the current
// values of the keys they name. One row per transaction, not per key (triggers were measured
// to halve the bulk-insert rate). Writers prune the log to its newest LogKeep rows inside their
// own transactions; a reader that fell behind the pruned part, or that sees a commit without a
// log row (another program wrote to the table: SQLite tells through PRAGMA data_version),
// reloads the whole table and reports the difference.
//
// Used on the storage thread only, like the connection. Every failure throws
// PersistentMapError with the label ("SQLite store PATH (table T)") and the cause.
#ifndef SQLSTORE_P_H
#define SQLSTORE_P_H

#include <PersistentMap/persistentmapbackend.h>
#include <PersistentMap/persistentmaperror.h>

#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>

#include <optional>

namespace PersistentMapInternal {

class SqlStore
{
public:
    enum class Dialect { Sqlite, Postgres };
    static constexpr qint64 LogKeep = 256; // transactions
    static constexpr qint64 PruneEvery = LogKeep / 8;
    static constexpr qsizetype ReloadAbove = 20000; // changed keys: cheaper to read everything
    // PostgreSQL: rows per INSERT or DELETE statement of a batch (3 parameters a row, within the
    // protocol's 65 535).
    static constexpr qsizetype RowsPerStatement = 1000;
    // ... and of about this much text, counted as 2 bytes a UTF-16 unit (8 Mi units: 8 to 24 MiB
    // of UTF-8 on the wire); a single larger row goes alone.
    static constexpr qsizetype BytesPerStatement = 16 * 1024 * 1024;
    static constexpr qint64 LogTextLimit = 1 << 20; // bytes of a log row's JSON, escaped
    enum class Unlogged { Reload, Ignore }; // when the table changed but the log did not

    explicit SqlStore(Dialect dialect, const QString &label = {});
    Q_DISABLE_COPY_MOVE(SqlStore)

    QString label() const { return m_label; }
    QString table() const { return m_table; }
    QString logTable() const { return m_table + QStringLiteral("_changes"); }
    const QSqlDatabase &database() const { return m_db; }
    // SQLite: the file's text encoding, PRAGMA encoding ("UTF-8", "UTF-16le", "UTF-16be"), read
    // by checkSchema() and createSchema().
    QString textEncoding() const { return m_textEncoding; }

    [[noreturn]] void fail(PersistentMapError::Code code, const QString &what,
                           const QSqlError &error = {}) const;
    QSqlQuery exec(const QString &sql, PersistentMapError::Code code, const QString &what);
    bool isBusy(const QSqlError &error) const;
    // SQLite's primary result code of a QSQLITE error (SQLITE_BUSY 5, SQLITE_CANTOPEN 14, ...):
    // QSQLITE reports extended codes (SQLITE_BUSY_SNAPSHOT is 517), whose low byte it is.
    static int sqlitePrimaryCode(const QSqlError &error)
    {
        return error.nativeErrorCode().toInt() & 0xff;
    }
    // The code for a failure while opening or creating the store: Locked when busy, DiskFull,
    // IoError or TooManyOpenFiles for those causes (SQLITE_FULL, SQLITE_IOERR, SQLITE_CANTOPEN
    // with EMFILE; PostgreSQL's disk_full, io_error), Corrupt for bytes SQLite cannot read as a
    // database (SQLITE_NOTADB, SQLITE_CORRUPT), otherwise `otherwise`. *osError, when given,
    // gets the OS's errno behind it (SQLite only, 0 when not known).
    PersistentMapError::Code openFailureCode(const QSqlError &error,
                                             PersistentMapError::Code otherwise,
                                             int *osError = nullptr) const;
    // The OS's reason behind a failure, for PersistentMapSqliteBackend: its errno
    // (sqlite3_system_errno()).
    void setSystemErrno(int (*systemErrno)(const QSqlDatabase &)) { m_systemErrno = systemErrno; }

    void setLabel(const QString &label) { m_label = label; }
    // An open connection and the (validated) table name; detach() drops the prepared statements
    // and the connection handle before the connection is removed.
    void attach(const QSqlDatabase &db, const QString &table);
    void detach();
    // Refuses (Code::Corrupt) a table or change log with columns PersistentMap did not write.
    // True when both exist (createSchema() has nothing to create).
    bool checkSchema();
    // Creates the table and the change log when missing (a store written before
    // the change log gets one).
    void createSchema();
    // Remembers the newest change-log position. Call before reading the table, so that a change
    // committed in between is reported again rather than missed.
    void startWatching();

    // The generic paths (PersistentMapSqliteBackend has a faster one through the SQLite C API).
    void loadInto(PersistentMapBackend::Loader &loader);
    void apply(const PersistentMapWriteBatch &batch); // one transaction
    void clear();

    // Inside a write transaction, before its writes: the check an ApplyPrecondition set on this
    // thread asks for (backend/applyprecondition_p.h), if any. When the stored value differs it
    // marks the precondition stale, reads the whole table into its reload loader and throws
    // (Code::Locked); the caller rolls back.
    void checkPrecondition();
    // The change-log row of a batch, inside the transaction that writes it, before COMMIT; now
    // and then also prunes the log. Throws like the writes.
    void logChanges(const PersistentMapWriteBatch &batch);
    // After the transaction with logChanges() committed.
    void committed();
    // What others committed since startWatching() or the previous call.
    PersistentMapBackend::Changes pollChanges(Unlogged unlogged);

private:
    QString quoted(const QString &name) const;
    void prepareWrites();
    // One row per statement: the fallback, and what SQLite (in this process) always takes.
    void writeRows(const QList<PersistentMapWriteBatch::Entry> &entries);
    // PostgreSQL: many rows per statement (a statement is a round trip to the server).
    void writeRowsInChunks(const QList<PersistentMapWriteBatch::Entry> &entries);
    void log(const QString &keys); // inside a transaction
    PersistentMapBackend::Changes reloadAll(qint64 newest);
    PersistentMapBackend::Changes readChanges(Unlogged unlogged); // inside a read transaction
    void readTextEncoding();
    QVariant textValue(const QString &text) const;
    std::pair<QString, QVariant> readRow(const QSqlQuery &row) const;

    Dialect m_dialect;
    QString m_label;
    QString m_table;
    QSqlDatabase m_db;
    // SQLite: how the file keeps text (PRAGMA encoding: "UTF-8", "UTF-16le" or "UTF-16be"; a
    // file another program created may use UTF-16). Text is bound and read as bytes in it.
    QString m_textEncoding = QStringLiteral("UTF-8");
    qint64 m_position = 0; // newest change-log seq seen
    qint64 m_nextPrune = 0; // seq at which this connection prunes next; 0: at its first commit
    qint64 m_ownSeq = 0; // the seq of the row logged in the open transaction
    int (*m_systemErrno)(const QSqlDatabase &) = nullptr;
    std::optional<QSqlQuery> m_upsert;
    std::optional<QSqlQuery> m_erase;
    std::optional<QSqlQuery> m_logInsert;
};

} // namespace PersistentMapInternal

#endif // SQLSTORE_P_H
