// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "postgresbackend.h"

#include "persistentmaperror.h"
#include "postgresconnection_p.h"
#include "sqlstore_p.h"
#include "valuecodec_p.h"

#include <QtCore/QAbstractEventDispatcher>
#include <QtCore/QElapsedTimer>
#include <QtCore/QRegularExpression>
#include <QtCore/QThread>
#include <QtSql/QSqlDriver>

#include <algorithm>
#include <atomic>

using namespace PersistentMapInternal;

namespace {

using Code = PersistentMapError::Code;

} // namespace

class PostgresBackendPrivate
{
public:
    void connect(); // opens both connections; throws
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

    PostgresConnection parameters;
    QString table;
    QString displayName;
    QString connectionName;
    SqlStore store{SqlStore::Dialect::Postgres};
    QSqlDatabase db;
    QSqlDatabase listener; // a connection of its own: queries on `db` would swallow notifications
    bool open = false;
    QString writerPid; // the payload of this backend's own notifications
    bool notified = false;
    bool suspect = false; // the last use failed: check the connections before the next one
    QElapsedTimer sinceLogRead;
};

void PostgresBackendPrivate::connect()
{
    const PostgresConnection &p = parameters;
    QList<QPair<QString, QString>> options = p.options;
    // A server that is not there fails in seconds, not after the kernel's TCP timeout.
    if (std::none_of(options.cbegin(), options.cend(),
                     [](const auto &option) { return option.first == u"connect_timeout"; }))
        options.append({QStringLiteral("connect_timeout"), QStringLiteral("10")});
    const auto open = [&](const QString &name) {
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
        return connection;
    };
    db = open(connectionName);
    store.attach(db, table);
    QSqlQuery pid = store.exec(QStringLiteral("SELECT pg_backend_pid()"), Code::OpenFailed,
                               QStringLiteral("cannot read the connection's process id"));
    writerPid = pid.next() ? pid.value(0).toString() : QString();

    // Listening before the change log's position is read: nothing committed after it is missed.
    listener = open(connectionName + QStringLiteral("-listen"));
    QSqlDriver *driver = listener.driver();
    if (!driver->subscribeToNotification(store.logTable())) {
        store.fail(Code::OpenFailed, QStringLiteral("cannot listen for changes"),
                   driver->lastError());
    }
    QObject::connect(
            driver, &QSqlDriver::notification, driver,
            [this](const QString &, QSqlDriver::NotificationSource, const QVariant &payload) {
                if (payload.toString() != writerPid)
                    notified = true;
            });
}

// After a failure: a connection the server dropped (a restart, a network cut, an idle timeout)
// stays broken in libpq, so both are opened again; notifications may have been missed meanwhile,
// so the change log is read at the next poll.
void PostgresBackendPrivate::ensureConnected()
{
    if (!suspect)
        return;
    const auto alive = [](const QSqlDatabase &connection) {
        if (!connection.isOpen()) // QPSQL closes it when the server went away
            return false;
        QSqlQuery probe(connection);
        return probe.exec(QStringLiteral("SELECT 1"));
    };
    if (alive(db) && alive(listener)) {
        suspect = false;
        return;
    }
    close();
    connect();
    suspect = false;
    notified = true;
}

void PostgresBackendPrivate::close()
{
    store.detach();
    for (QSqlDatabase *connection : {&listener, &db}) {
        if (connection->isValid()) {
            const QString name = connection->connectionName();
            connection->close();
            *connection = QSqlDatabase();
            QSqlDatabase::removeDatabase(name);
        }
    }
}

PostgresBackend::PostgresBackend(const QString &connection, const QString &table)
    : d(std::make_unique<PostgresBackendPrivate>())
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

PostgresBackend::~PostgresBackend()
{
    d->close();
}

QString PostgresBackend::table() const
{
    return d->table;
}

QString PostgresBackend::displayName() const
{
    return d->displayName;
}

bool PostgresBackend::isValidTableName(const QString &table)
{
    static const QRegularExpression pattern(QStringLiteral("\\A[A-Za-z_][A-Za-z0-9_]{0,47}\\z"));
    return pattern.match(table).hasMatch();
}

QVariantHash PostgresBackend::loadAll()
{
    return collectAll(*this);
}

void PostgresBackend::loadInto(Loader &loader)
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
    store.checkSchema();
    store.createSchema();
    store.startWatching();
    d->sinceLogRead.start();
    store.loadInto(loader);
    d->open = true;
}

void PostgresBackend::save(const QString &key, const QVariant &value)
{
    WriteBatch batch;
    batch.insert(key, value);
    apply(batch);
}

void PostgresBackend::remove(const QString &key)
{
    WriteBatch batch;
    batch.remove(key);
    apply(batch);
}

void PostgresBackend::apply(const WriteBatch &batch)
{
    if (!d->open)
        d->store.fail(Code::WriteFailed, QStringLiteral("the store is not open"));
    d->guarded([&] { d->store.apply(batch); });
}

void PostgresBackend::clear()
{
    if (!d->open)
        d->store.fail(Code::WriteFailed, QStringLiteral("the store is not open"));
    d->guarded([&] { d->store.clear(); });
}

bool PostgresBackend::canStore(const QString &key, const QVariant &value, QString *why) const
{
    const QChar nul(0);
    // Called for every insert on the caller's thread: a string is checked as it is; only other
    // types that can carry text are encoded (numbers, dates, bytes in base64 cannot).
    const auto valueHasNul = [&] {
        switch (value.metaType().id()) {
        case QMetaType::UnknownType:
        case QMetaType::Bool:
        case QMetaType::Int:
        case QMetaType::UInt:
        case QMetaType::LongLong:
        case QMetaType::ULongLong:
        case QMetaType::Double:
        case QMetaType::QByteArray:
        case QMetaType::QDate:
        case QMetaType::QTime:
        case QMetaType::QDateTime:
        case QMetaType::QUuid:
            return false;
        case QMetaType::QString:
            return value.toString().contains(nul);
        default:
            return PersistentMapInternal::encodeValue(value).text.contains(nul);
        }
    };
    if (!key.contains(nul) && !valueHasNul())
        return true;
    *why = QStringLiteral("%1: the key '%2' cannot be stored: PostgreSQL text cannot hold the "
                          "character U+0000 (in the %3)")
                   .arg(d->store.label(), QString(key).replace(nul, u'\uFFFD').left(200),
                        key.contains(nul) ? QStringLiteral("key") : QStringLiteral("value"));
    return false;
}

bool PostgresBackend::canWatchChanges() const
{
    return true;
}

// Notifications arrive on the listening connection's socket; the storage thread runs no event
// loop, so its pending events (the driver's socket notifier) are processed here. Every 5 s
// without a notification the connections are checked (and opened again) and the change log is
// read, in case a notification was lost with a dropped connection.
StorageBackend::Changes PostgresBackend::pollChanges()
{
    if (!d->open)
        return {};
    return d->guarded([this] {
        if (QAbstractEventDispatcher *dispatcher = QThread::currentThread()->eventDispatcher())
            dispatcher->processEvents(QEventLoop::AllEvents);
        if (!d->notified) {
            if (!d->sinceLogRead.hasExpired(5000))
                return Changes();
            // Every 5 s without a notification: are both connections still there?
            d->suspect = true;
            d->ensureConnected();
        }
        d->notified = false;
        d->sinceLogRead.start();
        return d->store.pollChanges(SqlStore::Unlogged::Ignore);
    });
}
