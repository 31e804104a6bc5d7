// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PersistentMapPrivate's work on the storage thread (the load, the drains, the retry of
// undecoded values) and its shutdown. The write path is in persistentmap.cpp, beside the public
// functions that inline it.
#include "codec/valuecodec_p.h"
#include "core/persistentmap_p.h"

#include <QtConcurrent/QtConcurrentRun>

using PersistentMapInternal::errorFrom;
using PersistentMapInternal::isUndecoded;
using PersistentMapInternal::ShardedCache;
using PersistentMapInternal::UndecodedEntries;
using PersistentMapInternal::UndecodedValue;
using PersistentMapInternal::WriteQueue;

PersistentMapPrivate::PersistentMapPrivate(PersistentMap *q,
                                           std::unique_ptr<PersistentMapBackend> b)
    : q_ptr(q)
    , relay(new PersistentMapRelay(q))
    , backend(std::move(b))
{
    // One thread that lives as long as the map: a QSqlDatabase connection must stay on the
    // thread that opened it.
    storageThread.setMaxThreadCount(1);
    storageThread.setExpiryTimeout(-1);
    storageThread.setObjectName(QStringLiteral("PersistentMap storage"));
    ready.start();
    // Signals of a child object rather than QMetaObject::invokeMethod() with a lambda: the
    // connection's slot object lives as long as the map, while invokeMethod() creates one per
    // call and drops it on whichever thread lets go last (ThreadSanitizer sees that hand-over
    // inside Qt as a race).
    QObject::connect(
            relay, &PersistentMapRelay::notificationsPending, q,
            [this] { notifications.deliver(true); }, Qt::QueuedConnection);
    QObject::connect(relay, &PersistentMapRelay::watchSettingsChanged, q, [this] {
        { // orders a queued call's event before Qt frees it (PersistentMapRelay::post())
            QMutexLocker locker(&mutex);
        }
        follower.updateTimer();
    });
}

void PersistentMapPrivate::load()
{
    // Filled without locks: nothing else touches it until adopt().
    struct CacheLoader : PersistentMapBackend::Loader
    {
        ShardedCache::Staging staging;
        UndecodedEntries::Values undecoded;
        void reserve(qsizetype count) override { staging.reserve(count); }
        void add(QString &&key, QVariant &&value) override
        {
            // Of several rows of one key kept out as not text, the first, as ReadRows keeps it.
            if (isUndecoded(value)) {
                UndecodedValue kept = value.value<UndecodedValue>();
                if (!kept.altered || !undecoded.contains(key))
                    undecoded.insert(key, std::move(kept));
            } else
                staging.insert(std::move(key), std::move(value));
        }
    } loader;
    std::optional<PersistentMapError> error;
    QStringList undecodedReports;
    // Taken before anything is decoded: a type registered while loading is tried at a poll.
    undecoded.typesChanged(PersistentMapInternal::typeRegistryStamp());
    try {
        if (!backend)
            throw PersistentMapError(PersistentMapError::Code::OpenFailed,
                                     QStringLiteral("no storage backend was given"));
        backend->loadInto(loader);
    } catch (const std::exception &e) {
        error = errorFrom(e, PersistentMapError::Code::OpenFailed);
    } catch (...) {
        error = PersistentMapError(
                PersistentMapError::Code::OpenFailed,
                QStringLiteral("the storage backend threw an unknown exception"));
    }
    {
        QMutexLocker locker(&mutex);
        loading = false;
        if (error) {
            loadError = error;
            errorString = error->message();
            status = PersistentMap::Status::Error;
            notifications.appendLocked(Notification::Status);
            notifications.appendLocked(Notification::ErrorString);
            notifications.appendLocked(Notification::Error, error->message());
        } else {
            const qsizetype before = cache.count();
            if (!clearedWhileLoading) {
                // No drain ran yet: these removals join the batch of the removeGroup() calls.
                if (!groupsRemovedWhileLoading.isEmpty()) {
                    const QStringList dropped = loader.staging.removeIf([&](const QString &key) {
                        if (touchedWhileLoading.contains(key)) // adopt() skips it anyway
                            return false;
                        for (const QString &prefix : std::as_const(groupsRemovedWhileLoading)) {
                            if (key.startsWith(prefix))
                                return true;
                        }
                        return false;
                    });
                    QList<PersistentMapWriteBatch::Entry> &ops = queue.openLocked().ops;
                    for (const QString &key : dropped)
                        ops.append(PersistentMapWriteBatch::Entry{key, QVariant(), true});
                }
                cache.adopt(std::move(loader.staging), touchedWhileLoading);
            } else if (!loader.undecoded.isEmpty()) {
                // The clear() made while loading is still queued (drains run after this): it
                // writes these back first, and the writes made after it win (clearLocked()).
                queue.prependToClearLocked(UndecodedEntries::writeBack(loader.undecoded));
            }
            for (auto it = loader.undecoded.cbegin(); it != loader.undecoded.cend(); ++it) {
                if (!touchedWhileLoading.contains(it.key())) // else replaced by a local write
                    undecoded.keepLocked(it.key(), it.value());
            }
            status = PersistentMap::Status::Ready;
            follower.start(backend->canWatchChanges());
            if (cache.count() != before)
                notifications.appendLocked(Notification::Count);
            notifications.appendLocked(Notification::Status);
            undecodedReports = reportUndecodedLocked();
        }
        touchedWhileLoading.clear();
        groupsRemovedWhileLoading.clear();
    }
    for (const QString &message : std::as_const(undecodedReports))
        qCWarning(lcPersistentMap).noquote() << message;
    if (error) {
        qCWarning(lcPersistentMap).noquote() << error->message();
        ready.setException(*error);
    }
    ready.finish();
    notifications.deliver();
    // After Ready is announced: setting up the watch (the first map of a process starts the
    // file watch's thread) stays off the start-up path (pm-bench W10). A change committed before
    // the watch holds is not lost: watchSettingsChanged, posted after it, runs a catch-up poll
    // (ExternalChangeFollower::updateTimer()).
    follower.watch();
    if (follower.isWatchable())
        relay->post(&PersistentMapRelay::watchSettingsChanged, mutex);
}

void PersistentMapPrivate::drain()
{
    std::optional<WriteQueue::Batch> batch;
    {
        QMutexLocker locker(&mutex);
        batch = queue.takeLocked(!loadError);
    }
    if (!batch)
        return;
    WriteQueue::Outcome outcome;
    if (loadError) { // written only before drains run
        outcome.error = loadError;
    } else {
        queue.dropNeedlessSync(*batch); // storage-thread state: no lock needed
        outcome = WriteQueue::commit(*backend, *batch);
        queue.noteSynced(*batch, outcome);
    }
    {
        QMutexLocker locker(&mutex);
        queue.committedLocked();
        // A store found read-only while loading refuses the writes made meanwhile for good.
        if (outcome.error && !loadError && !outcome.applied &&
            outcome.error->code() != PersistentMapError::Code::ReadOnly) {
            WriteQueue::Batch failed;
            failed.ops = std::move(batch->ops);
            failed.clearFirst = batch->clearFirst && !outcome.cleared;
            queue.restoreLocked(std::move(failed));
        }
    }
    if (outcome.error) {
        WriteQueue::fail(*batch, outcome, loadError.has_value());
        reportError(outcome.error->message());
    }
    WriteQueue::finish(*batch);
}

bool PersistentMapPrivate::holdsUndecoded(const QString &key)
{
    QMutexLocker locker(&mutex);
    return undecoded.containsLocked(key);
}

void PersistentMapPrivate::reportError(const QString &message)
{
    {
        QMutexLocker locker(&mutex);
        errorString = message;
        notifications.appendLocked(Notification::ErrorString);
        notifications.appendLocked(Notification::Error, message);
    }
    notifications.deliver();
}

QStringList PersistentMapPrivate::reportUndecodedLocked()
{
    const QStringList messages = undecoded.takeReportsLocked();
    if (!messages.isEmpty()) {
        errorString = messages.constLast();
        notifications.appendLocked(Notification::ErrorString);
        for (const QString &message : messages)
            notifications.appendLocked(Notification::Error, message);
    }
    return messages;
}

// Decodes the kept values again, outside the mutex; those that now read join the cache as
// changes (valueChanged), unless they were replaced or removed meanwhile.
bool PersistentMapPrivate::retryUndecoded()
{
    UndecodedEntries::Values kept;
    {
        QMutexLocker locker(&mutex);
        if (undecoded.isEmptyLocked())
            return false;
        kept = undecoded.valuesLocked();
    }
    const QList<std::pair<QString, QVariant>> readable = UndecodedEntries::decodeAgain(kept);
    if (readable.isEmpty())
        return false;
    QMutexLocker locker(&mutex);
    const qsizetype countBefore = cache.count();
    const bool notifyChanged = isConnected(Notification::Changed);
    for (const auto &[key, value] : readable) {
        if (!undecoded.takeIfUnchangedLocked(key, kept.value(key)))
            continue;
        if (cache.insert(key, value) != ShardedCache::Change::None && notifyChanged)
            notifications.appendLocked(Notification::Changed, key, value);
    }
    if (cache.count() != countBefore && isConnected(Notification::Count))
        notifications.appendLocked(Notification::Count);
    return true;
}

void PersistentMapPrivate::shutdown()
{
    QFuture<void> flushed;
    follower.stopTimer();
    {
        QMutexLocker locker(&mutex);
        shuttingDown = true;
        queue.closeLocked();
        notifications.closeLocked();
        flushed = queue.requestFlushLocked(WriteQueue::FlushBy::Close);
        scheduleDrainLocked();
    }
    try {
        flushed.waitForFinished();
    } catch (const QException &e) {
        QMutexLocker locker(&mutex);
        if (loadError) {
            // reported when it happened
        } else if (const WriteQueue::Batch *pending = queue.pendingLocked()) {
            qCWarning(lcPersistentMap, "destroyed with %lld unsaved change(s): %s",
                      qlonglong(pending->ops.size() + (pending->clearFirst ? 1 : 0)), e.what());
        } else {
            qCWarning(lcPersistentMap, "destroyed with its writes committed but not synced: %s",
                      e.what());
        }
    }
    // The backend is destroyed where it was used: it may own a thread-bound SQL connection.
    // waitForDone() first: waitForFinished() on a task that has not started yet runs it on the
    // waiting thread. waitForFinished() after it only orders the task before what follows (for
    // ThreadSanitizer, which sees no order inside QThreadPool).
    QFuture<void> destroyed = QtConcurrent::run(&storageThread, [this] { backend.reset(); });
    storageThread.waitForDone();
    destroyed.waitForFinished();
}
