// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PostgresListener: the LISTEN connection of a PersistentMapPostgresBackend, on a thread of its
// own that runs an event loop, so that Qt's QPSQL driver delivers each NOTIFY as it arrives
// (its socket notifier needs the loop of the thread that opened the connection; the storage
// thread, a QThreadPool worker, runs none). Each notification from another writer (its payload is
// not this backend's own server process id) sets a flag and calls the callback, which pushes a
// poll to the map.
//
// A dropped connection is noticed without a timer: a closed socket becomes readable for good
// (watchSocket()). TCP keepalives (set by the backend's connect options) turn a silent cut into a
// closed socket. The connection is then opened again, 0.1 s later and twice as late after each
// failure (at most 30 s), and the callback called at the drop and at the reconnection, since
// notifications may have been missed in between.
//
// Thread rules: the constructor, begin() and the destructor on the backend's storage thread;
// setCallback(), setOwnPid() and takeNotified() on any thread; everything else on the listener's
// own thread, which alone touches its QSqlDatabase connection (opened and removed there).
#ifndef POSTGRESLISTENER_P_H
#define POSTGRESLISTENER_P_H

#include <QtCore/QMutex>
#include <QtCore/QThread>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>

QT_BEGIN_NAMESPACE
class QSocketNotifier;
QT_END_NAMESPACE

namespace PersistentMapInternal {

class PostgresListener : public QThread
{
public:
    // Opens a connection named `name` on the calling thread; throws PersistentMapError.
    using Open = std::function<QSqlDatabase(const QString &name)>;
    PostgresListener(Open open, const QString &connectionName, const QString &channel);
    ~PostgresListener() override; // ends the thread; no callback once it returned

    enum class State { Listening, Standby, ListenFailed };
    struct Started
    {
        State state = State::ListenFailed;
        QSqlError error; // ListenFailed: why LISTEN failed
    };
    // Starts the thread, which opens the connection and LISTENs on the channel, and waits for
    // that. Rethrows what Open threw. Standby: the server is a hot standby, which refuses LISTEN;
    // ListenFailed: LISTEN failed otherwise. In both the thread has ended.
    Started begin();

    void setCallback(std::function<void()> callback);
    void setOwnPid(const QString &pid); // the payload of this backend's own notifications
    bool takeNotified() { return m_notified.exchange(false); }

private:
    void run() override;
    State listen(QSqlError *error); // listener thread; throws what Open throws
    void watchSocket(); // listener thread, after LISTEN
    void closeConnection(); // listener thread
    void dropped(); // listener thread
    void reconnect(); // listener thread
    void push();

    const Open m_open;
    const QString m_connectionName;
    const QString m_channel;

    // Listener thread only.
    QSqlDatabase m_db;
    int m_watchedSocket = -1; // a duplicate of the connection's socket
    QSocketNotifier *m_dropNotifier = nullptr; // on m_watchedSocket
    int m_retryDelay = 100; // ms
    QObject *m_context = nullptr; // lives in run(), on this thread
    // Written by the thread before it sets m_listenTried, read by begin() after. std::mutex
    // rather than QSemaphore: ThreadSanitizer sees the order it makes.
    Started m_started;
    std::exception_ptr m_startError;
    std::mutex m_startMutex;
    bool m_quitReturned = false; // guarded by m_startMutex: the destructor's quit() returned
    std::condition_variable m_startChanged;
    bool m_listenTried = false;

    // Guarded by m_mutex.
    QMutex m_mutex;
    std::function<void()> m_callback;
    QString m_ownPid;

    std::atomic<bool> m_notified{false};
};

} // namespace PersistentMapInternal

#endif // POSTGRESLISTENER_P_H
