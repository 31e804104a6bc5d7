// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmappostgresbackend.h>

#include "backend/readonlystate_p.h"
#include "backends/postgres/postgresconnection_p.h"
#include "backends/postgres/postgreslistener_p.h"
#include "backends/sql/sqlstore_p.h"
#include "codec/valuecodec_p.h"
#include <PersistentMap/persistentmaperror.h>

#include <QtCore/QElapsedTimer>
#include <QtCore/QRegularExpression>
#include <QtCore/QThread>
#include <QtSql/QSqlDriver>
#include <QtSql/QSqlRecord>

#include <algorithm>
#include <atomic>

using namespace PersistentMapInternal;

namespace {

using Code = PersistentMapError::Code;

} // namespace

class PersistentMapPostgresBackendPrivate
{
public:
    // A connection with the spec's parameters, opened on the calling thread; throws.
    QSqlDatabase openConnection(const QString &name) const;
    void connect(); // opens the connection of the storage thread; throws
    void startListening(); // after connect(); throws
    void ensureConnected(); // storage thread, before using the connections; throws
    template<typename F>
    auto guarded(F &&use)
    {
        ensureConnected();
        try {
            return use();
        } catch (...) {
            suspect = true;
            throw;
        }
    }
    void close();
    // Creates the table and its change log when missing, or finds the store read-only; throws.
    void openSchema();
    void becomeReadOnly(const QString &why)
    {
        readOnly.set(store.label() + QStringLiteral(": ") + why);
    }

    PostgresConnection parameters;
    QString table;
    QString displayName;
    QString connectionName;
    SqlStore store{SqlStore::Dialect::Postgres};
    QSqlDatabase db;
    // A connection of its own, on a thread of its own (postgreslistener_p.h); null on a hot
    // standby, which refuses LISTEN: the change log is then polled.
    std::unique_ptr<PostgresListener> listener;
    bool pushing = false; // watchChanges(): the listener pushes, every poll reads the log
    bool open = false;
    QString writerPid; // the payload of this backend's own notifications
    bool notified = false; // reconnected: the log is read at the next poll
    bool suspect = false; // the last use failed: check the connection before the next one
    bool hasChangeLog = true; // false: a read-only store without the change log
    QElapsedTimer sinceLogRead;
    ReadOnlyState readOnly; // isReadOnly()
};

QSqlDatabase PersistentMapPostgresBackendPrivate::openConnection(const QString &name) const
{
    const PostgresConnection &p = parameters;
    QList<QPair<QString, QString>> options = p.options;
    const auto given = [&options](QLatin1StringView keyword) {
        return std::any_of(options.cbegin(), options.cend(),
                           [keyword](const auto &option) { return option.first == keyword; });
    };
    // A server that is not there fails in seconds, not after the kernel's TCP timeout.
    if (!given(QLatin1StringView("connect_timeout")))
        options.append({QStringLiteral("connect_timeout"), QStringLiteral("10")});
    // A connection cut without a word (a NAT or firewall forgetting it, a host gone) is found
    // dead by the kernel within about a minute of silence (30 s, then 3 probes 10 s apart), and
    // its socket becomes readable: the listener notices without polling (TCP only; libpq ignores
    // these on a Unix socket). A spec's own keepalive settings win.
    if (!given(QLatin1StringView("keepalives")) && !given(QLatin1StringView("keepalives_idle")) &&
        !given(QLatin1StringView("keepalives_interval")) &&
        !given(QLatin1StringView("keepalives_count"))) {
        options.append({QStringLiteral("keepalives"), QStringLiteral("1")});
        options.append({QStringLiteral("keepalives_idle"), QStringLiteral("30")});
        options.append({QStringLiteral("keepalives_interval"), QStringLiteral("10")});
        options.append({QStringLiteral("keepalives_count"), QStringLiteral("3")});
    }
    QSqlDatabase connection = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
    connection.setHostName(p.host);
    if (p.port > 0)
        connection.setPort(p.port);
    connection.setDatabaseName(p.database);
    connection.setUserName(p.user);
    connection.setPassword(p.password);
    connection.setConnectOptions(postgresConnectOptions(options));
    if (!connection.open()) {
        const QSqlError error = connection.lastError();
        connection = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
        store.fail(Code::OpenFailed, QStringLiteral("cannot connect"), error);
    }
    // Without this, every open prints the server's NOTICEs ("relation ... already exists,
    // skipping") as warnings.
    QSqlQuery(QStringLiteral("SET client_min_messages TO WARNING"), connection);
    // A table another client has locked (a migration, VACUUM FULL, an open transaction)
    // fails a statement after 5 s with the server's reason, as SQLite's busy timeout does,
    // instead of holding the storage thread, and a GUI thread loading or closing the
    // store, for as long as the lock lasts. A spec's own `options=-c lock_timeout=...` wins.
    if (std::none_of(options.cbegin(), options.cend(),
                     [](const auto &option) { return option.second.contains(u"lock_timeout"); }))
        QSqlQuery(QStringLiteral("SET lock_timeout = 5000"), connection);
    return connection;
}

void PersistentMapPostgresBackendPrivate::connect()
{
    db = openConnection(connectionName);
    store.attach(db, table);
    QSqlQuery pid = store.exec(QStringLiteral("SELECT pg_backend_pid()"), Code::OpenFailed,
                               QStringLiteral("cannot read the connection's process id"));
    writerPid = pid.next() ? pid.value(0).toString() : QString();
    if (listener)
        listener->setOwnPid(writerPid);
}

// Listening before the change log's position is read: nothing committed after it is missed.
void PersistentMapPostgresBackendPrivate::startListening()
{
    listener = std::make_unique<PostgresListener>(
            [this](const QString &name) { return openConnection(name); },
            connectionName + QStringLiteral("-listen"), store.logTable());
    listener->setOwnPid(writerPid);
    const PostgresListener::Started started = listener->begin();
    if (started.state == PostgresListener::State::Listening)
        return;
    listener.reset();
    // A hot standby refuses LISTEN; it takes no writes either, so the store opens read-only and
    // the change log is polled instead.
    if (started.state == PostgresListener::State::ListenFailed)
        store.fail(Code::OpenFailed, QStringLiteral("cannot listen for changes"), started.error);
}

// After a failure: a connection the server dropped (a restart, a network cut, an idle timeout)
// stays broken in libpq, so it is opened again (the listener reconnects by itself); the change
// log is read at the next poll.
void PersistentMapPostgresBackendPrivate::ensureConnected()
{
    if (!suspect)
        return;
    const auto alive = [](const QSqlDatabase &connection) {
        if (!connection.isOpen()) // QPSQL closes it when the server went away
            return false;
        QSqlQuery probe(connection);
        return probe.exec(QStringLiteral("SELECT 1"));
    };
    if (alive(db)) {
        suspect = false;
        return;
    }
    close();
    connect();
    suspect = false;
    notified = true;
}

void PersistentMapPostgresBackendPrivate::close()
{
    store.detach();
    if (db.isValid()) {
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(connectionName);
    }
}

// Opening needs no more than SELECT: the tables are created only when missing (CREATE TABLE IF
// NOT EXISTS needs CREATE on the schema even when the table exists), and a store this role may
// read but not write (its privileges, a read-only session, a hot standby) opens read-only. The
// privileges are asked of the server (has_table_privilege), which counts the role's memberships.
void PersistentMapPostgresBackendPrivate::openSchema()
{
    // Names are validated ([A-Za-z_][A-Za-z0-9_]*): quoted as they are, as a text literal.
    const QString tableName = QStringLiteral("'\"%1\"'").arg(table);
    const QString logName = QStringLiteral("'\"%1\"'").arg(store.logTable());
    const auto ask = [this](const QString &sql, const QString &what) {
        QSqlQuery query = store.exec(sql, Code::OpenFailed, what);
        if (!query.next())
            store.fail(Code::OpenFailed, what, query.lastError());
        return query;
    };
    QSqlQuery session =
            ask(QStringLiteral("SELECT current_setting('transaction_read_only') = 'on', "
                               "pg_is_in_recovery(), current_user, current_schema(), "
                               "coalesce(has_schema_privilege(current_schema(), 'CREATE'), false)"),
                QStringLiteral("cannot read the session's privileges"));
    const QString role = session.value(2).toString();
    const QString schema = session.value(3).toString();
    const bool mayCreate = session.value(4).toBool();
    QString sessionDenied;
    const bool standby = session.value(1).toBool();
    const bool readOnlySession = session.value(0).toBool();
    session.finish(); // no result left pending on the connection
    if (standby) {
        sessionDenied = QStringLiteral("the server is a hot standby (in recovery) and takes no "
                                       "writes");
    } else if (readOnlySession) {
        sessionDenied = QStringLiteral("the session is read-only (transaction_read_only is on, "
                                       "as default_transaction_read_only sets it)");
    }
    const auto exists = [this](const QString &name) {
        return !db.record(QLatin1Char('"') + name + QLatin1Char('"')).isEmpty();
    };
    const bool tableExists = exists(table);
    if (!tableExists || !exists(store.logTable())) {
        if (sessionDenied.isEmpty() && mayCreate) {
            store.createSchema();
        } else {
            const QString denied = !sessionDenied.isEmpty() ? sessionDenied
                    : schema.isEmpty()
                    ? QStringLiteral("no schema on the search_path exists to create it in")
                    : QStringLiteral("the role %1 may not create tables in the schema %2 (it "
                                     "lacks CREATE there)")
                              .arg(role, schema);
            if (!tableExists) {
                store.fail(Code::ReadOnly,
                           QStringLiteral("there is no table %1, and it cannot be created: %2")
                                   .arg(table, denied));
            }
            // A table made by hand, or whose change log was dropped: read as it is.
            hasChangeLog = false;
            becomeReadOnly(QStringLiteral("there is no change log %1, and it cannot be created: "
                                          "%2; the table is read as it is, and other writers' "
                                          "changes are not followed")
                                   .arg(store.logTable(), denied));
        }
    }

    // What each write needs: the upsert and DELETE on the table, the change log's row (INSERT,
    // and USAGE on its sequence for seq), its pruning (DELETE, which also allows LOCK TABLE ...
    // IN EXCLUSIVE MODE).
    // A privilege granted on a table's columns (GRANT SELECT (key, type, value)) serves as well as
    // one on the whole table: has_column_privilege() counts either, for the columns used.
    const QString onLog = hasChangeLog ? logName : QString();
    const auto privilege = [](const QString &name, const char *what,
                              std::initializer_list<const char *> columns = {}) {
        if (name.isEmpty())
            return QStringLiteral("true");
        if (columns.size() == 0)
            return QStringLiteral("has_table_privilege(%1, '%2')").arg(name, QLatin1String(what));
        QStringList each;
        for (const char *column : columns) {
            each.append(QStringLiteral("has_column_privilege(%1, '%2', '%3')")
                                .arg(name, QLatin1String(column), QLatin1String(what)));
        }
        return QStringLiteral("(%1)").arg(each.join(QStringLiteral(" AND ")));
    };
    const QSqlQuery granted =
            ask(QStringLiteral("SELECT %1, %2, %3, %4, %5, %6, %7, %8")
                        .arg(privilege(tableName, "SELECT", {"key", "type", "value"}),
                             privilege(onLog, "SELECT", {"seq", "keys"}),
                             privilege(tableName, "INSERT", {"key", "type", "value"}),
                             privilege(tableName, "UPDATE", {"type", "value"}),
                             privilege(tableName, "DELETE"), privilege(onLog, "INSERT", {"keys"}),
                             privilege(onLog, "DELETE"),
                             hasChangeLog ? QStringLiteral("coalesce(has_sequence_privilege("
                                                           "pg_get_serial_sequence(%1, 'seq'), "
                                                           "'USAGE'), true)")
                                                    .arg(logName)
                                          : QStringLiteral("true")),
                QStringLiteral("cannot read the role's privileges on the table"));
    if (!granted.value(0).toBool() || !granted.value(1).toBool()) {
        store.fail(
                Code::OpenFailed,
                QStringLiteral("the role %1 may not read the table %2%3 (it lacks SELECT)")
                        .arg(role, table,
                             hasChangeLog
                                     ? QStringLiteral(" or its change log %1").arg(store.logTable())
                                     : QString()));
    }
    // Row-level security (ALTER TABLE ... ENABLE ROW LEVEL SECURITY) filters what a role sees and
    // refuses the rows no policy lets it write, whatever it was granted: with row security on for
    // this role (row_security_active), a command needs a permissive policy for it (polcmd: r
    // SELECT, a INSERT, w UPDATE, d DELETE, * all) that names the role, a role whose privileges
    // it has (pg_has_role USAGE: a NOINHERIT member has not), or PUBLIC (0). Such a policy may
    // still refuse some rows; the server then says which.
    const auto policies = [&](const QString &name) {
        return ask(QStringLiteral("SELECT row_security_active(c.oid), "
                                  "coalesce(bool_or(p.polcmd IN ('r', '*')), false), "
                                  "coalesce(bool_or(p.polcmd IN ('a', '*')), false), "
                                  "coalesce(bool_or(p.polcmd IN ('w', '*')), false), "
                                  "coalesce(bool_or(p.polcmd IN ('d', '*')), false) "
                                  "FROM (SELECT to_regclass(%1) AS oid) c "
                                  "LEFT JOIN pg_policy p ON p.polrelid = c.oid AND "
                                  "p.polpermissive AND (0 = ANY (p.polroles) OR EXISTS "
                                  "(SELECT 1 FROM unnest(p.polroles) r WHERE r <> 0 AND "
                                  "pg_has_role(r, 'USAGE'))) GROUP BY c.oid")
                           .arg(name),
                   QStringLiteral("cannot read the row-level security policies"));
    };
    QStringList rowSecurityLacks;
    for (const QString &name : {tableName, onLog}) {
        if (name.isEmpty())
            continue;
        const QSqlQuery policy = policies(name);
        if (!policy.value(0).toBool())
            continue;
        const QString which = name == tableName
                ? QStringLiteral("the table %1").arg(table)
                : QStringLiteral("its change log %1").arg(store.logTable());
        if (!policy.value(1).toBool()) {
            store.fail(Code::OpenFailed,
                       QStringLiteral("row-level security on %1 lets the role %2 see no rows (no "
                                      "policy for SELECT applies to it)")
                               .arg(which, role));
        }
        QStringList missing;
        for (const auto &[column, command] :
             {std::pair{2, "INSERT"}, std::pair{3, "UPDATE"}, std::pair{4, "DELETE"}}) {
            // The change log is never updated.
            if (!policy.value(column).toBool() && !(name == onLog && column == 3))
                missing.append(QLatin1String(command));
        }
        if (!missing.isEmpty())
            rowSecurityLacks.append(QStringLiteral("%1 on %2").arg(missing.join(u", "), which));
    }
    if (readOnly.isSet())
        return;
    if (!sessionDenied.isEmpty()) {
        becomeReadOnly(sessionDenied);
        return;
    }
    if (!rowSecurityLacks.isEmpty()) {
        becomeReadOnly(QStringLiteral("row-level security lets the role %1 read it but not write "
                                      "it (no policy applies to it for %2)")
                               .arg(role, rowSecurityLacks.join(QStringLiteral("; "))));
        return;
    }
    QStringList lacks;
    const auto lacking = [&](const QString &on,
                             std::initializer_list<std::pair<int, const char *>> what) {
        QStringList missing;
        for (const auto &[column, name] : what) {
            if (!granted.value(column).toBool())
                missing.append(QLatin1String(name));
        }
        if (!missing.isEmpty())
            lacks.append(QStringLiteral("%1 on %2").arg(missing.join(QStringLiteral(", ")), on));
    };
    lacking(QStringLiteral("the table %1").arg(table),
            {{2, "INSERT"}, {3, "UPDATE"}, {4, "DELETE"}});
    lacking(QStringLiteral("its change log %1").arg(store.logTable()),
            {{5, "INSERT"}, {6, "DELETE"}});
    lacking(QStringLiteral("the change log's sequence"), {{7, "USAGE"}});
    if (!lacks.isEmpty()) {
        becomeReadOnly(QStringLiteral("the role %1 may read it but not write it (permission "
                                      "denied: it lacks %2)")
                               .arg(role, lacks.join(QStringLiteral("; "))));
    }
}

PersistentMapPostgresBackend::PersistentMapPostgresBackend(const QString &connection,
                                                           const QString &table)
    : d(std::make_unique<PersistentMapPostgresBackendPrivate>())
{
    static std::atomic<quint64> counter{0};
    d->parameters = parsePostgresConnection(connection);
    d->table = !table.isEmpty()              ? table
            : !d->parameters.table.isEmpty() ? d->parameters.table
                                             : QStringLiteral("persistent_map");
    const PostgresConnection &p = d->parameters;
    // One arg() call: a chained one would replace a "%1" inside the user name.
    d->displayName = QStringLiteral("%1@%2:%3/%4")
                             .arg(p.user, p.host.isEmpty() ? QStringLiteral("localhost") : p.host,
                                  QString::number(p.port > 0 ? p.port : 5432), p.database);
    d->connectionName = QStringLiteral("PersistentMap-postgres-%1").arg(++counter);
    d->store.setLabel(
            QStringLiteral("PostgreSQL store %1 (table %2)").arg(d->displayName, d->table));
}

PersistentMapPostgresBackend::~PersistentMapPostgresBackend()
{
    d->listener.reset(); // its thread ends: no push once this returns
    d->close();
}

QString PersistentMapPostgresBackend::table() const
{
    return d->table;
}

QString PersistentMapPostgresBackend::displayName() const
{
    return d->displayName;
}

bool PersistentMapPostgresBackend::isValidTableName(const QString &table)
{
    static const QRegularExpression pattern(QStringLiteral("\\A[A-Za-z_][A-Za-z0-9_]{0,47}\\z"));
    return pattern.match(table).hasMatch();
}

void PersistentMapPostgresBackend::loadInto(Loader &loader)
{
    SqlStore &store = d->store;
    if (!d->parameters.error.isEmpty())
        store.fail(Code::OpenFailed,
                   QStringLiteral("invalid connection: %1").arg(d->parameters.error));
    if (!isValidTableName(d->table)) {
        store.fail(Code::OpenFailed,
                   QStringLiteral("invalid table name: use 1 to 48 letters, digits and "
                                  "underscores, not starting with a digit"));
    }
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL"))) {
        store.fail(Code::OpenFailed,
                   QStringLiteral("Qt's PostgreSQL driver (QPSQL) is not installed; on Debian it "
                                  "is in the package libqt6sql6-psql"));
    }
    d->connect();
    d->startListening();
    store.checkSchema();
    d->openSchema();
    if (d->hasChangeLog)
        store.startWatching();
    d->sinceLogRead.start();
    store.loadInto(loader);
    d->open = true;
}

void PersistentMapPostgresBackend::apply(const PersistentMapWriteBatch &batch)
{
    if (!d->open)
        d->store.fail(Code::WriteFailed, QStringLiteral("the store is not open"));
    d->readOnly.refuseWrites();
    d->guarded([&] { d->store.apply(batch); });
}

void PersistentMapPostgresBackend::clear()
{
    if (!d->open)
        d->store.fail(Code::WriteFailed, QStringLiteral("the store is not open"));
    d->readOnly.refuseWrites();
    d->guarded([&] { d->store.clear(); });
}

bool PersistentMapPostgresBackend::canStore(const QString &key, const QVariant &value,
                                            QString *why) const
{
    const QChar nul(0);
    // Called for every insert on the caller's thread: the codec tells without encoding for most
    // types.
    if (!key.contains(nul) && !PersistentMapInternal::encodedTextHasNul(value))
        return true;
    *why = QStringLiteral("%1: the key '%2' cannot be stored: PostgreSQL text cannot hold the "
                          "character U+0000 (in the %3)")
                   .arg(d->store.label(), QString(key).replace(nul, u'\uFFFD').left(200),
                        key.contains(nul) ? QStringLiteral("key") : QStringLiteral("value"));
    return false;
}

bool PersistentMapPostgresBackend::isReadOnly(QString *why) const
{
    return d->readOnly.get(why);
}

bool PersistentMapPostgresBackend::canWatchChanges() const
{
    return true;
}

// The listener's thread pushes a poll for each notification from another writer (and when its
// connection dropped or came back): the change log is read at each of those. Polled instead
// (no watchChanges(): a wrapper that does not push; a hot standby, which has no listener),
// the log is read after a notification, every 5 s to check the connection (a safety net of the
// polled mode only: pushed, the listener notices a drop by its socket), and every second
// without a listener.
PersistentMapBackend::Changes PersistentMapPostgresBackend::pollChanges()
{
    if (!d->open || !d->hasChangeLog)
        return {}; // a read-only store without the change log: not followed
    return d->guarded([this] {
        const bool notified = d->listener && d->listener->takeNotified();
        if (!d->pushing && !notified && !d->notified) {
            if (!d->sinceLogRead.hasExpired(d->listener ? 5000 : 1000))
                return Changes();
            // Every 5 s without a notification: is the connection still there?
            d->suspect = true;
            d->ensureConnected();
        }
        d->notified = false;
        d->sinceLogRead.start();
        return d->store.pollChanges(SqlStore::Unlogged::Ignore);
    });
}

// Pushed while LISTEN works; a hot standby is polled.
bool PersistentMapPostgresBackend::watchChanges(std::function<void()> othersCommitted)
{
    if (!d->listener)
        return false;
    d->listener->setCallback(std::move(othersCommitted));
    d->pushing = true;
    return true;
}
