// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// SqliteDirect: PersistentMapSqliteBackend's fast path. It drives the connection that Qt's QSQLITE
// driver opened through the SQLite C API (QSqlDriver::handle()), which skips QSqlQuery's per-row
// QVariant boxing: about twice the write rate and several times the scan rate.
//
// Used only when the driver runs exactly the SQLite library this library links (same
// sqlite_source_id()); otherwise attach() returns nullptr and PersistentMapSqliteBackend stays on
// QSqlQuery. Lives and is used on the storage thread, like the connection.
#ifndef SQLITEDIRECT_P_H
#define SQLITEDIRECT_P_H

#include <PersistentMap/persistentmapbackend.h>
#include <PersistentMap/persistentmapwritebatch.h>

#include <QtCore/QVariantHash>

#include <functional>
#include <memory>

class QSqlDatabase;
struct sqlite3;
struct sqlite3_stmt;

namespace PersistentMapInternal {

class SqliteDirect
{
public:
    // An error from SQLite: its message and whether the database was busy or locked.
    struct Error
    {
        QString message;
        bool locked = false;
    };

    static std::unique_ptr<SqliteDirect> attach(const QSqlDatabase &db, const QString &table);
    // The errno of the OS call that made the connection's last SQLite call fail
    // (sqlite3_system_errno()), or 0: not open, not known, or built without the C API.
    static int systemErrno(const QSqlDatabase &db);
    ~SqliteDirect();

    // Every row; a value that does not decode is reported with its key. Afterwards the page
    // cache is released: the map holds the data now.
    bool loadInto(PersistentMapBackend::Loader &loader, Error *error);
    // One BEGIN IMMEDIATE ... COMMIT transaction; rolled back on any failure. afterBegin runs
    // inside it before the writes, beforeCommit after them (either may throw: the transaction is
    // rolled back and the exception passes on).
    bool apply(const PersistentMapWriteBatch &batch, Error *error,
               const std::function<void()> &afterBegin, const std::function<void()> &beforeCommit);
    // Makes every committed transaction durable: syncs the write-ahead log and the database file
    // through SQLite's own open files (SQLITE_FCNTL_JOURNAL_POINTER, SQLITE_FCNTL_FILE_POINTER).
    // Never through a descriptor of our own: closing one would drop the POSIX locks SQLite holds
    // on the file (SQLite's "How To Corrupt An SQLite Database File", section 2.2). A failed sync
    // is an error, with the OS's reason.
    bool sync(Error *error);
    // The connection's SQLITE_LIMIT_LENGTH: the most bytes a string, a blob or a row may take.
    qint64 lengthLimit() const;

private:
    SqliteDirect(sqlite3 *handle, const QString &table);
    bool prepare(Error *error);
    bool exec(const char *sql, Error *error);
    Error lastError(const QString &what) const;

    sqlite3 *m_handle;
    QByteArray m_table;
    sqlite3_stmt *m_upsert = nullptr;
    sqlite3_stmt *m_erase = nullptr;
    QByteArray m_buffers[3]; // UTF-8 of the bound key, type and value
};

} // namespace PersistentMapInternal

#endif // SQLITEDIRECT_P_H
