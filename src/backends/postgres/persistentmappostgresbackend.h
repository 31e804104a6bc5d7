// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

/// PersistentMapPostgresBackend: stores the map in one table of a PostgreSQL database through Qt's
/// QPSQL driver, so that several processes, on several machines, share it. The table has the same
/// columns and the same readable text as PersistentMapSqliteBackend's (docs/FORMAT.md); it and its
/// change log are created when missing.
///
/// `connection` is a URL,
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?table=NAME&KEYWORD=...]`
/// (percent-encoded or not), or a libpq connection string, "host=... port=... dbname=... user=...
/// password=...". Other options (sslmode, connect_timeout, options, ...) must be libpq keywords
/// (PostgreSQL's documentation, "Parameter Key Words"), each given once; they reach libpq quoted,
/// so a value never adds keywords of its own. In a URL the database, user and password belong to
/// the URL itself, and host or port may be query items only when the URL has none. A ';' in a
/// value is refused (Qt's QPSQL driver turns it into a blank). Anything else makes loadInto()
/// fail with Code::OpenFailed (PersistentMapBackend::create() refuses it at once). The password is
/// never part of a message. The table name must match [A-Za-z_][A-Za-z0-9_]{0,47} (PostgreSQL's
/// 63-byte names, minus the change log's suffix); it is case-sensitive.
///
/// Each apply() is one transaction; it also adds a row to the change log "<table>_changes" and
/// notifies the channel "<table>_changes", through which the other clients follow it
/// (docs/MULTI-PROCESS.md). flush() has nothing to add: a committed transaction is durable on
/// the server. A connection the server dropped is opened again at the next use.
///
/// The tables are created only when missing. A store this role may read but not write (it lacks
/// INSERT, UPDATE or DELETE on a table, or USAGE on the change log's sequence), or one opened in a
/// read-only session (default_transaction_read_only) or on a hot standby, opens read-only:
/// isReadOnly() says why, and every write fails with Code::ReadOnly (docs/RELIABILITY.md, 10).
///
/// PostgreSQL's text cannot hold the character U+0000: keys and values with it are refused
/// (Code::Unsupported) when they are inserted.
#ifndef PERSISTENTMAPPOSTGRESBACKEND_H
#define PERSISTENTMAPPOSTGRESBACKEND_H

#include <PersistentMap/persistentmapbackend.h>

class PersistentMapPostgresBackendPrivate;

class PERSISTENTMAP_EXPORT PersistentMapPostgresBackend : public PersistentMapBackend
{
public:
    /// An empty table takes ?table= from the URL, else "persistent_map".
    explicit PersistentMapPostgresBackend(const QString &connection, const QString &table = {});
    ~PersistentMapPostgresBackend() override;

    QString table() const;
    QString displayName() const; ///< `user@host:port/database`, without the password

    void loadInto(Loader &loader) override;
    void apply(const PersistentMapWriteBatch &batch) override;
    void clear() override;
    bool canStore(const QString &key, const QVariant &value, QString *why) const override;
    bool isReadOnly(QString *why) const override;
    bool canWatchChanges() const override;
    Changes pollChanges() override;
    /// Pushes each NOTIFY of another writer as it arrives (a listener connection on a thread
    /// of its own); false (polled) on a hot standby, which refuses LISTEN.
    bool watchChanges(std::function<void()> othersCommitted) override;

    static bool isValidTableName(const QString &table);

private:
    std::unique_ptr<PersistentMapPostgresBackendPrivate> d;
};

#ifndef PERSISTENTMAP_NO_DEPRECATED_NAMES
// The name before every public type took the PersistentMap prefix (docs/DESIGN.md, "Names"):
// kept for one release; define PERSISTENTMAP_NO_DEPRECATED_NAMES to check code is free of it.
using PostgresBackend [[deprecated("use PersistentMapPostgresBackend")]] =
        PersistentMapPostgresBackend;
#endif

#endif // PERSISTENTMAPPOSTGRESBACKEND_H
