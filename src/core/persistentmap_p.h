// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PersistentMapPrivate: the coordination behind PersistentMap. It owns the parts (the cache,
// the write queue, the notification queue, the undecoded entries, the external-change
// follower), the storage thread and the backend, and runs the load and the drains.
// docs/DESIGN.md, "Pieces".
//
// Thread rules: one mutex, `mutex`, guards the write queue, the notifications, the undecoded
// entries, the load bookkeeping and every cache modification, so the cache and the queue see
// writes in the same order; functions named ...Locked() are called with it held. Readers
// (value, contains, count) never take it. The backend is used only by tasks on `storageThread`
// (one thread, never expires), except its const checks canStore() and isReadOnly(), which any
// thread may call. Each field below sits under the rule that says who may touch it.
#ifndef PERSISTENTMAP_P_H
#define PERSISTENTMAP_P_H

#include "core/externalchangefollower_p.h"
#include "core/notificationqueue_p.h"
#include "core/persistentmaprelay_p.h"
#include "core/shardedcache_p.h"
#include "core/undecodedentries_p.h"
#include "core/writequeue_p.h"
#include "logging_p.h"
#include <PersistentMap/persistentmap.h>

#include <QtCore/QLoggingCategory>
#include <QtCore/QMetaMethod>
#include <QtCore/QMutex>
#include <QtCore/QPromise>
#include <QtCore/QReadWriteLock>
#include <QtCore/QSet>
#include <QtCore/QThreadPool>

#include <atomic>
#include <memory>
#include <optional>

class PersistentMapPrivate
{
    Q_DECLARE_PUBLIC(PersistentMap)

public:
    using Notification = PersistentMapInternal::NotificationQueue::Notification;

    PersistentMapPrivate(PersistentMap *q, std::unique_ptr<PersistentMapBackend> backend);
    // For the settings layer (src/settings/), which is built on the public API but for this.
    static PersistentMapPrivate *get(PersistentMap *map) { return map->d_func(); }
    // Any thread: the store holds a value of the key that this process cannot decode (kept out
    // of the cache, so value() and contains() do not see it).
    bool holdsUndecoded(const QString &key);

    // Runs mutate() under the mutex, schedules a drain, then delivers the notifications it
    // queued. Returns the future of the batch the writes joined.
    template<typename F>
    QFuture<void> write(F &&mutate);
    void scheduleDrainLocked();
    // A change nobody listens to needs no notification: that keeps writes cheap for maps
    // without receivers (a receiver connected later sees only later changes, as with any
    // signal).
    bool isConnected(Notification::Kind kind) const
    {
        static const QMetaMethod changed = QMetaMethod::fromSignal(&PersistentMap::valueChanged);
        static const QMetaMethod removed = QMetaMethod::fromSignal(&PersistentMap::valueRemoved);
        static const QMetaMethod counted = QMetaMethod::fromSignal(&PersistentMap::countChanged);
        switch (kind) {
        case Notification::Changed:
            return q_ptr->isSignalConnected(changed);
        case Notification::Removed:
            return q_ptr->isSignalConnected(removed);
        case Notification::Count:
            return q_ptr->isSignalConnected(counted);
        default:
            return true;
        }
    }
    void insertLocked(const QString &key, const QVariant &value);
    void removeLocked(const QString &key);
    void clearLocked();
    // Removes every key starting with `prefix` ("a/b/"); while loading, also those loaded later.
    void removeGroupLocked(const QString &prefix);
    // A failed future when the key or the value cannot be stored; an invalid future otherwise.
    QFuture<void> rejectUnstorable(const QString &key, const QVariant &value);
    QFuture<void> rejectUnwritable(const QString &key); // a removal (null key: clear())
    QFuture<void> rejectReadOnly(); // PersistentMapBackend::isReadOnly(): Code::ReadOnly

    void load(); // storage thread
    void drain(); // storage thread
    void reportError(const QString &message); // any thread, without the mutex
    // Queues errorOccurred for the undecoded values kept since the last report; returns the
    // messages to log.
    QStringList reportUndecodedLocked();
    bool retryUndecoded(); // storage thread; true when some became readable
    void shutdown(); // owner thread, from the destructor

    // Set once at construction.
    PersistentMap *const q_ptr;
    PersistentMapRelay *const relay; // owned by q
    // Used on the storage thread only, except its const checks; destroyed there by shutdown().
    std::unique_ptr<PersistentMapBackend> backend;

    // Synchronized by themselves: any thread.
    QThreadPool storageThread;
    QPromise<void> ready; // finished by load() on the storage thread
    // Reads take a shard's lock only; modifications are made with `mutex` held.
    PersistentMapInternal::ShardedCache cache;

    // Atomic.
    std::atomic<PersistentMap::Status> status{PersistentMap::Status::Loading};
    // Whether `schema` declares any key: a value() that misses the cache looks at the schema
    // only then, and a hit never does (pm-bench W3).
    std::atomic<bool> hasSchema{false};

    // Guarded by `schemaLock`: written by setSchema() on the owner thread, read from any thread.
    mutable QReadWriteLock schemaLock;
    PersistentMapSchema schema;
    PersistentMapSchema currentSchema() const
    {
        QReadLocker locker(&schemaLock);
        return schema;
    }
    // A failed future when a value breaks the schema; *converted is the value to store.
    QFuture<void> rejectBySchema(const PersistentMapSchema &schema, const QString &key,
                                 const QVariant &value, QVariant *converted);

    // Guarded by `mutex`.
    mutable QMutex mutex;
    PersistentMapInternal::WriteQueue queue{mutex};
    PersistentMapInternal::NotificationQueue notifications{q_ptr, relay, mutex};
    PersistentMapInternal::UndecodedEntries undecoded;
    bool loading = true;
    bool clearedWhileLoading = false;
    bool shuttingDown = false;
    QSet<QString> touchedWhileLoading;
    // Prefixes of the groups removeGroup() removed while loading: load() drops the loaded keys
    // under them (unless written since) and queues their removal into the same pending batch.
    QStringList groupsRemovedWhileLoading;
    QString errorString;
    // Also read by drains without the mutex: written only by load(), before any drain runs.
    std::optional<PersistentMapError> loadError;

    // Its own rules (externalchangefollower_p.h): owner thread, storage thread and atomics.
    PersistentMapInternal::ExternalChangeFollower follower{*this, q_ptr};
};

#endif // PERSISTENTMAP_P_H
