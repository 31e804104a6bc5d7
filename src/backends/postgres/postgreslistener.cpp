// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "backends/postgres/postgreslistener_p.h"
#include "logging_p.h"

#include <QtCore/QSocketNotifier>
#include <QtCore/QTimer>
#include <QtSql/QSqlDriver>
#include <QtSql/QSqlQuery>

#include <algorithm>
#include <cerrno>

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace PersistentMapInternal {

namespace {

// libpq's PQsocket(), from the libpq that Qt's QPSQL plugin loaded (the library does not link
// libpq itself); null when it cannot be found.
int (*pqSocket())(const void *)
{
    static const auto function = [] {
        void *library = dlopen("libpq.so.5", RTLD_LAZY | RTLD_NOLOAD);
        return library ? reinterpret_cast<int (*)(const void *)>(dlsym(library, "PQsocket"))
                       : nullptr;
    }();
    return function;
}

} // namespace

PostgresListener::PostgresListener(Open open, const QString &connectionName, const QString &channel)
    : m_open(std::move(open))
    , m_connectionName(connectionName)
    , m_channel(channel)
{
    setObjectName(QStringLiteral("PersistentMap PostgreSQL listener"));
}

PostgresListener::~PostgresListener()
{
    quit();
    {
        const std::lock_guard<std::mutex> locker(m_startMutex);
        m_quitReturned = true;
    }
    m_startChanged.notify_all();
    wait();
}

PostgresListener::Started PostgresListener::begin()
{
    start();
    {
        std::unique_lock<std::mutex> locker(m_startMutex);
        m_startChanged.wait(locker, [this] { return m_listenTried; });
    }
    if (m_startError)
        std::rethrow_exception(m_startError);
    if (m_started.state != State::Listening)
        wait();
    return m_started;
}

void PostgresListener::setCallback(std::function<void()> callback)
{
    const QMutexLocker locker(&m_mutex);
    m_callback = std::move(callback);
}

void PostgresListener::setOwnPid(const QString &pid)
{
    const QMutexLocker locker(&m_mutex);
    m_ownPid = pid;
}

void PostgresListener::push()
{
    m_notified = true;
    const QMutexLocker locker(&m_mutex);
    if (m_callback)
        m_callback();
}

void PostgresListener::run()
{
    try {
        m_started.state = listen(&m_started.error);
    } catch (...) {
        m_startError = std::current_exception();
    }
    const bool listening = !m_startError && m_started.state == State::Listening;
    if (!listening)
        closeConnection();
    {
        const std::lock_guard<std::mutex> locker(m_startMutex);
        m_listenTried = true;
    }
    m_startChanged.notify_one();
    if (!listening)
        return;
    QObject context; // the retry timers' receiver: they go with the loop
    m_context = &context;
    exec();
    m_context = nullptr;
    closeConnection();
    // The thread's end closes its event dispatcher's wake-up descriptor, which quit() writes to
    // from the destructor's thread: it ends only once quit() has returned (ThreadSanitizer
    // reported the close racing that write, their order being inside uninstrumented Qt and glib).
    std::unique_lock<std::mutex> locker(m_startMutex);
    m_startChanged.wait(locker, [this] { return m_quitReturned; });
}

PostgresListener::State PostgresListener::listen(QSqlError *error)
{
    m_db = m_open(m_connectionName);
    QSqlDriver *driver = m_db.driver();
    if (!driver->subscribeToNotification(m_channel)) {
        *error = driver->lastError();
        // A hot standby refuses LISTEN ("cannot execute LISTEN during recovery").
        QSqlQuery recovery(m_db);
        const bool standby = recovery.exec(QStringLiteral("SELECT pg_is_in_recovery()")) &&
                recovery.next() && recovery.value(0).toBool();
        return standby ? State::Standby : State::ListenFailed;
    }
    QObject::connect(
            driver, &QSqlDriver::notification, driver,
            [this](const QString &, QSqlDriver::NotificationSource, const QVariant &payload) {
                QString own;
                {
                    const QMutexLocker locker(&m_mutex);
                    own = m_ownPid;
                }
                if (payload.toString() != own)
                    push();
            });
    watchSocket();
    return State::Listening;
}

// QPSQL's own socket notifier (which reads the notifications) has no owner to find it by, and a
// second notifier on its descriptor would replace it; so a duplicate of the descriptor is
// watched. It becomes readable with each message, and for good once the server closed the
// connection or it failed (a TCP keepalive that went unanswered): then libpq has dropped its
// descriptor (PQsocket() < 0), or the socket has nothing left to read but its end.
void PostgresListener::watchSocket()
{
    const auto socketOf = pqSocket();
    const QVariant handle = m_db.driver()->handle();
    // QPSQL's handle is a PGconn*, which Qt 6.4 names by libpq's struct: "pg_conn*".
    if (!socketOf ||
        (qstrcmp(handle.typeName(), "PGconn*") != 0 &&
         qstrcmp(handle.typeName(), "pg_conn*") != 0)) {
        qCWarning(lcSql) << "cannot find libpq's PQsocket(): a dropped PostgreSQL listener "
                            "connection is noticed only at the next failed write";
        return;
    }
    const void *connection = *static_cast<void *const *>(handle.constData());
    const int socket = socketOf(connection);
    m_watchedSocket = socket < 0 ? -1 : fcntl(socket, F_DUPFD_CLOEXEC, 0);
    if (m_watchedSocket < 0)
        return;
    m_dropNotifier = new QSocketNotifier(m_watchedSocket, QSocketNotifier::Read);
    QObject::connect(m_dropNotifier, &QSocketNotifier::activated, m_dropNotifier,
                     [this, socketOf, connection] {
                         char byte;
                         const ssize_t got =
                                 ::recv(m_watchedSocket, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
                         const bool alive = socketOf(connection) >= 0 &&
                                 (got > 0 || (got < 0 && (errno == EAGAIN || errno == EINTR)));
                         if (!alive)
                             dropped();
                     });
}

void PostgresListener::closeConnection()
{
    if (m_dropNotifier) {
        // Inside its own signal, maybe: deleted later, and its descriptor closed first, so that
        // libpq's close really ends the connection.
        m_dropNotifier->setEnabled(false);
        m_dropNotifier->deleteLater();
        m_dropNotifier = nullptr;
    }
    if (m_watchedSocket >= 0) {
        ::close(m_watchedSocket);
        m_watchedSocket = -1;
    }
    if (!m_db.isValid())
        return;
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
}

// Closed at once, before the event loop polls again: QPSQL's notifier goes with the connection,
// instead of polling a descriptor libpq has closed (and may give to the next socket).
void PostgresListener::dropped()
{
    qCDebug(lcSql) << m_connectionName << "lost; connecting again";
    closeConnection();
    push(); // a notification may have been lost with the connection
    QTimer::singleShot(0, m_context, [this] { reconnect(); });
}

void PostgresListener::reconnect()
{
    try {
        QSqlError error;
        if (listen(&error) == State::Listening) {
            m_retryDelay = 100;
            push(); // what was committed while it was away
            return;
        }
    } catch (...) {
        // Not there yet: tried again later.
    }
    closeConnection();
    const int delay = m_retryDelay;
    m_retryDelay = std::min(m_retryDelay * 2, 30000);
    QTimer::singleShot(delay, m_context, [this] { reconnect(); });
}

} // namespace PersistentMapInternal
