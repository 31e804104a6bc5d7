// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PersistentMapPrivate: the write queue, the storage thread and the ordered delivery of change
// notifications behind PersistentMap. See docs/ARCHITECTURE.md for the data flow.
//
// Locking: `mutex` guards the queue, the notification list, the load bookkeeping and every cache
// modification, so the cache and the queue see writes in the same order. Readers never take it.
// The backend is touched only by tasks running on `storageThread` (one thread, never expires).
#ifndef PERSISTENTMAP_P_H
#define PERSISTENTMAP_P_H

#include "codec/undecodedvalue_p.h"
#include "core/shardedcache_p.h"
#include <PersistentMap/persistentmap.h>

#include <QtCore/QMutex>
#include <QtCore/QPromise>
#include <QtCore/QThreadPool>
#include <QtCore/QTimer>
#include <QtCore/QWaitCondition>

#include <atomic>
#include <memory>
#include <optional>

// Signals from any thread to the map's owner thread (connected in PersistentMap's constructor;
// a child of the map, so it moves with it).
class PersistentMapRelay : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
Q_SIGNALS:
    void notificationsPending(); // queued: deliverNotifications() on the owner thread
    void watchSettingsChanged(); // auto: updateWatchTimer() on the owner thread
};

class PersistentMapPrivate
{
    Q_DECLARE_PUBLIC(PersistentMap)

public:
    // The writes made since the last drain, in order (the drain coalesces them per key: the
    // last one wins), and the promise that all their futures share.
    struct Batch
    {
        QList<PersistentMapWriteBatch::Entry> ops;
        bool clearFirst = false;
        bool flushRequested = false;
        std::shared_ptr<QPromise<void>> promise;
        // flush()'s own: it fails when the sync fails, while the writes' promise succeeds
        // once they committed (acknowledged = committed; durable is the flush's to report).
        std::shared_ptr<QPromise<void>> flushPromise;
    };

    struct Notification
    {
        enum Kind { Changed, Removed, Count, Status, ErrorString, Error } kind;
        QString key; // the message for Error
        QVariant value;
    };

    // A drain waits for a batch of this many entries while writes keep arriving.
    static constexpr qsizetype GroupCommitEntries = 4096;

    PersistentMapPrivate(PersistentMap *q, std::unique_ptr<PersistentMapBackend> backend);

    // Runs mutate() under the mutex, schedules a drain, then delivers the notifications it
    // queued. Returns the future of the batch the writes joined.
    template<typename F>
    QFuture<void> write(F &&mutate);
    bool isConnected(Notification::Kind kind) const;
    Batch &openBatchLocked();
    // Asks the open batch to be synced once committed; the future of that sync.
    QFuture<void> requestFlushLocked();
    void scheduleDrainLocked();
    void emitToOwner(void (PersistentMapRelay::*signal)());
    void insertLocked(const QString &key, const QVariant &value);
    void removeLocked(const QString &key);
    void clearLocked();
    // A failed future when the key or the value cannot be stored; an invalid future otherwise.
    QFuture<void> rejectUnstorable(const QString &key, const QVariant &value);
    QFuture<void> rejectUnwritable(const QString &key); // a removal (null key: clear())
    QFuture<void> rejectReadOnly(); // PersistentMapBackend::isReadOnly(): Code::ReadOnly

    void load(); // storage thread
    void drain(); // storage thread
    void lingerForGroupCommitLocked(); // storage thread
    void restoreLocked(Batch &&failed);
    void reportError(const QString &message); // any thread
    void deliverNotifications(); // any thread: emits now on the owner thread, else posts
    void shutdown(); // owner thread, from the destructor

    void updateWatchTimer(); // owner thread
    void schedulePoll(); // owner thread, from watchTimer
    void pollExternalChanges(); // storage thread
    void mergeExternalLocked(const PersistentMapBackend::Changes &changes);

    // Stored values this process cannot decode (docs/FORMAT.md, "Values a process cannot
    // read"): kept out of the cache, written back by clear(), reported once each.
    void keepUndecodedLocked(const QString &key,
                             const PersistentMapInternal::UndecodedValue &value);
    QStringList reportUndecodedLocked(); // queues errorOccurred; returns the messages to log
    bool retryUndecoded(); // storage thread; true when some became readable

    PersistentMap *q_ptr;
    std::unique_ptr<PersistentMapBackend> backend;
    PersistentMapInternal::ShardedCache cache;
    QThreadPool storageThread;
    QPromise<void> ready;
    std::atomic<PersistentMap::Status> status{PersistentMap::Status::Loading};

    mutable QMutex mutex;
    std::optional<Batch> pending;
    bool drainScheduled = false;
    bool drainLingering = false; // the drain waits on batchGrew for more writes
    quint64 writeCount = 0;
    quint64 writesAtTake = 0; // writeCount when the drain took its batch (storage thread)
    bool streaming = false; // writes arrived during the last commit
    QWaitCondition batchGrew;
    bool loading = true;
    bool clearedWhileLoading = false;
    bool shuttingDown = false;
    QSet<QString> touchedWhileLoading;
    std::optional<PersistentMapError> loadError;
    QString errorString;
    QList<Notification> notifications;
    bool deliveryPosted = false;
    bool delivering = false; // owner thread only

    // Watching other writers' changes.
    QTimer *watchTimer = nullptr; // owned by q, lives on the owner thread
    PersistentMapRelay *relay = nullptr; // owned by q
    std::atomic<bool> watchEnabled{true};
    std::atomic<int> watchIntervalMs{50};
    std::atomic<bool> watchable{false}; // loaded, and the backend can watch
    bool pollScheduled = false; // guarded by mutex
    bool pollFailing = false; // its first failure was reported (storage thread)

    // Entries the store holds that this process cannot decode, by key (guarded by mutex).
    QHash<QString, PersistentMapInternal::UndecodedValue> undecoded;
    QStringList unreportedUndecoded; // keys kept since the last report (guarded by mutex)
    quint64 typeStamp = 0; // typeRegistryStamp() when they were last tried (storage thread)
};

#endif // PERSISTENTMAP_P_H
