// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

/// PersistentMapSqliteBackend: stores the map in one table of a SQLite database file through Qt's
/// QSQLITE driver. The file and its parent folders are created when missing (mode 0600). The table
/// (key TEXT PRIMARY KEY, type TEXT, value TEXT) holds readable text; docs/FORMAT.md describes it.
///
/// Journal mode WAL, synchronous NORMAL: a committed batch survives a crash of the process;
/// flush() syncs the WAL and the database file through SQLite's own open files, so it also
/// survives a power loss (without the SQLite C API: synchronous FULL, every commit synced). Each
/// apply() is one transaction. Other connections (other processes) may use the same file; a busy
/// timeout of 5 seconds rides out their locks. The table name must match
/// [A-Za-z_][A-Za-z0-9_]{0,63}.
///
/// A store this process may read but not write (the file, or its folder, where SQLite creates
/// PATH-wal and PATH-shm: another user's, a read-only mount) is opened read-only (isReadOnly(),
/// writes fail with Code::ReadOnly naming the path and the permission; a store without the table
/// fails to open with Code::ReadOnly). With nobody else having it open (no PATH-shm, which cannot
/// be created) SQLite reads it only as immutable: it is read so, and opened again and read whole
/// at the first poll after its file or write-ahead log changed. Opening fails with DiskFull
/// (SQLITE_FULL), TooManyOpenFiles (EMFILE, ENFILE) or IoError (SQLITE_IOERR) with the system's
/// reason; Corrupt only for a file that is not a database (SQLITE_NOTADB, SQLITE_CORRUPT) or a
/// table with other columns.
#ifndef PERSISTENTMAPSQLITEBACKEND_H
#define PERSISTENTMAPSQLITEBACKEND_H

#include <PersistentMap/persistentmapbackend.h>

class PersistentMapSqliteBackendPrivate;

class PERSISTENTMAP_EXPORT PersistentMapSqliteBackend : public PersistentMapBackend
{
public:
    explicit PersistentMapSqliteBackend(const QString &path,
                                        const QString &table = QStringLiteral("persistent_map"));
    ~PersistentMapSqliteBackend() override;

    QString path() const;
    QString table() const;

    void loadInto(Loader &loader) override;
    void flush() override;
    void apply(const PersistentMapWriteBatch &batch) override;
    void clear() override;
    /// False for a key and value whose row SQLite cannot hold (more than SQLITE_LIMIT_LENGTH,
    /// 1 000 000 000 bytes by default, in UTF-8 text; a byte array counts as its base64).
    bool canStore(const QString &key, const QVariant &value, QString *why) const override;
    bool isReadOnly(QString *why) const override;
    bool canWatchChanges() const override;
    Changes pollChanges() override;
    /// Pushes through the kernel's file watch (inotify) on the file's folder; false (polled)
    /// on a network file system or when no watch is left.
    bool watchChanges(std::function<void()> othersCommitted) override;

    static bool isValidTableName(const QString &table);

private:
    std::unique_ptr<PersistentMapSqliteBackendPrivate> d;
};

#ifndef PERSISTENTMAP_NO_DEPRECATED_NAMES
// The name before every public type took the PersistentMap prefix (docs/DESIGN.md, "Names"):
// kept for one release; define PERSISTENTMAP_NO_DEPRECATED_NAMES to check code is free of it.
using SqliteBackend [[deprecated("use PersistentMapSqliteBackend")]] = PersistentMapSqliteBackend;
#endif

#endif // PERSISTENTMAPSQLITEBACKEND_H
