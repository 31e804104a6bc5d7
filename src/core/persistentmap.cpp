// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmap.h>

#include "codec/valuecodec_p.h"
#include "core/persistentmap_p.h"

#include <QtConcurrent/QtConcurrentRun>
#include <QtCore/QLoggingCategory>
#include <QtCore/QMetaMethod>
#include <QtCore/QPointer>
#include <QtCore/QThread>

#include <algorithm>
#include <chrono>

#include "logging_p.h"

using PersistentMapInternal::isUndecoded;
using PersistentMapInternal::ShardedCache;
using PersistentMapInternal::UndecodedValue;

namespace {

PersistentMapError errorFrom(const std::exception &e, PersistentMapError::Code code)
{
    if (const auto *error = dynamic_cast<const PersistentMapError *>(&e))
        return *error;
    return PersistentMapError(code, QString::fromLocal8Bit(e.what()));
}

// The last entry for each key, in key order (which is also the order a B-tree writes best).
// The sort is stable, so a key's entries keep the order they were made in.
PersistentMapWriteBatch coalesce(const QList<PersistentMapWriteBatch::Entry> &ops)
{
    QList<const PersistentMapWriteBatch::Entry *> order;
    order.reserve(ops.size());
    for (const PersistentMapWriteBatch::Entry &entry : ops)
        order.append(&entry);
    const auto byKey = [](const PersistentMapWriteBatch::Entry *a,
                          const PersistentMapWriteBatch::Entry *b) { return a->key < b->key; };
    if (!std::is_sorted(order.cbegin(), order.cend(), byKey)) // writes often come in key order
        std::stable_sort(order.begin(), order.end(), byKey);
    PersistentMapWriteBatch batch;
    batch.reserve(order.size());
    for (qsizetype i = 0; i < order.size(); ++i) {
        if (i + 1 < order.size() && order.at(i + 1)->key == order.at(i)->key)
            continue; // a later entry for this key wins
        const PersistentMapWriteBatch::Entry &entry = *order.at(i);
        if (entry.isRemove)
            batch.remove(entry.key);
        else
            batch.insert(entry.key, entry.value);
    }
    return batch;
}

} // namespace

PersistentMapPrivate::PersistentMapPrivate(PersistentMap *q,
                                           std::unique_ptr<PersistentMapBackend> b)
    : q_ptr(q)
    , backend(std::move(b))
{
    // One thread that lives as long as the map: a QSqlDatabase connection must stay on the
    // thread that opened it.
    storageThread.setMaxThreadCount(1);
    storageThread.setExpiryTimeout(-1);
    storageThread.setObjectName(QStringLiteral("PersistentMap storage"));
    ready.start();
}

template<typename F>
QFuture<void> PersistentMapPrivate::write(F &&mutate)
{
    QFuture<void> future;
    bool notify;
    {
        QMutexLocker locker(&mutex);
        const qsizetype countBefore = cache.count();
        mutate();
        if (cache.count() != countBefore && isConnected(Notification::Count))
            notifications.append({Notification::Count, {}, {}});
        Batch &batch = openBatchLocked();
        future = batch.promise->future();
        ++writeCount;
        if (drainLingering &&
            (batch.ops.size() >= GroupCommitEntries || batch.flushRequested || batch.clearFirst))
            batchGrew.wakeOne();
        scheduleDrainLocked();
        notify = !notifications.isEmpty();
    }
    if (notify)
        deliverNotifications();
    return future;
}

// A change nobody listens to needs no notification: that keeps writes cheap for maps without
// receivers (a receiver connected later sees only later changes, as with any signal).
bool PersistentMapPrivate::isConnected(Notification::Kind kind) const
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

void PersistentMapPrivate::scheduleDrainLocked()
{
    if (drainScheduled)
        return;
    drainScheduled = true;
    // The storage thread runs its tasks in order; nothing waits for one by its future.
    (void)QtConcurrent::run(&storageThread, [this] { drain(); });
}

PersistentMapPrivate::Batch &PersistentMapPrivate::openBatchLocked()
{
    if (!pending) {
        pending.emplace();
        pending->promise = std::make_shared<QPromise<void>>();
        pending->promise->start();
    }
    return *pending;
}

QFuture<void> PersistentMapPrivate::requestFlushLocked()
{
    Batch &batch = openBatchLocked();
    batch.flushRequested = true;
    if (!batch.flushPromise) {
        batch.flushPromise = std::make_shared<QPromise<void>>();
        batch.flushPromise->start();
    }
    return batch.flushPromise->future();
}

void PersistentMapPrivate::insertLocked(const QString &key, const QVariant &value)
{
    undecoded.remove(key); // replaced in the store by this write
    if (cache.insert(key, value) != ShardedCache::Change::None &&
        isConnected(Notification::Changed))
        notifications.append({Notification::Changed, key, value});
    openBatchLocked().ops.append(PersistentMapWriteBatch::Entry{key, value, false});
    if (loading)
        touchedWhileLoading.insert(key);
}

void PersistentMapPrivate::removeLocked(const QString &key)
{
    undecoded.remove(key);
    if (cache.remove(key) && isConnected(Notification::Removed))
        notifications.append({Notification::Removed, key, {}});
    openBatchLocked().ops.append(PersistentMapWriteBatch::Entry{key, QVariant(), true});
    if (loading)
        touchedWhileLoading.insert(key);
}

void PersistentMapPrivate::clearLocked()
{
    const QStringList removed = cache.clear();
    if (isConnected(Notification::Removed)) {
        for (const QString &key : removed)
            notifications.append({Notification::Removed, key, {}});
    }
    Batch &batch = openBatchLocked();
    batch.ops.clear();
    batch.clearFirst = true;
    // The map clears what it can see: an entry it cannot read belongs to a process that can, so
    // it is written back, unchanged, in the batch that follows the clear (for every backend).
    // Not one whose bytes are not UTF-8: what the map holds of it is not what was stored.
    for (auto it = undecoded.cbegin(); it != undecoded.cend(); ++it) {
        if (!it->altered)
            batch.ops.append(PersistentMapWriteBatch::Entry{
                    it.key(), QVariant::fromValue(it.value()), false});
    }
    if (loading) {
        clearedWhileLoading = true;
        touchedWhileLoading.clear();
    }
}

// Fails a write at once, like one the store can never take: queued, it would be retried and
// fail forever. errorOccurred reports it too, for a caller that ignores the future.
QFuture<void> PersistentMapPrivate::rejectReadOnly()
{
    QString why;
    if (!backend || !backend->isReadOnly(&why))
        return {};
    reportError(why);
    return QtFuture::makeExceptionalFuture(
            PersistentMapError(PersistentMapError::Code::ReadOnly, why));
}

QFuture<void> PersistentMapPrivate::rejectUnwritable(const QString &key)
{
    if (QFuture<void> readOnly = rejectReadOnly(); readOnly.isValid())
        return readOnly;
    QString why;
    if (!backend || backend->canStore(key, QVariant(), &why))
        return {};
    reportError(why);
    return QtFuture::makeExceptionalFuture(
            PersistentMapError(PersistentMapError::Code::Unsupported, why));
}

QFuture<void> PersistentMapPrivate::rejectUnstorable(const QString &key, const QVariant &value)
{
    QString why;
    // Stores hold UTF-8: a lone surrogate would come back as U+FFFD, as another key.
    if (!QStringView(key).isValidUtf16()) {
        why = QStringLiteral("the key '%1' cannot be stored: it contains an unpaired UTF-16 "
                             "surrogate")
                      .arg(key.left(200));
    } else if (QFuture<void> readOnly = rejectReadOnly(); readOnly.isValid()) {
        return readOnly;
    } else if (PersistentMapInternal::isEncodable(value, &why) &&
               (!backend || backend->canStore(key, value, &why))) {
        return {};
    }
    reportError(why);
    return QtFuture::makeExceptionalFuture(
            PersistentMapError(PersistentMapError::Code::Unsupported, why));
}

void PersistentMapPrivate::load()
{
    // Filled without locks: nothing else touches it until adopt().
    struct CacheLoader : PersistentMapBackend::Loader
    {
        ShardedCache::Staging staging;
        QHash<QString, UndecodedValue> undecoded;
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
    typeStamp = PersistentMapInternal::typeRegistryStamp();
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
            notifications.append({Notification::Status, {}, {}});
            notifications.append({Notification::ErrorString, {}, {}});
            notifications.append({Notification::Error, error->message(), {}});
        } else {
            const qsizetype before = cache.count();
            if (!clearedWhileLoading) {
                cache.adopt(std::move(loader.staging), touchedWhileLoading);
            } else if (pending && pending->clearFirst && !loader.undecoded.isEmpty()) {
                // The clear() made while loading is still queued (drains run after this): it
                // writes these back first, and the writes made after it win (clearLocked()).
                QList<PersistentMapWriteBatch::Entry> ops;
                ops.reserve(loader.undecoded.size() + pending->ops.size());
                for (auto it = loader.undecoded.cbegin(); it != loader.undecoded.cend(); ++it) {
                    if (!it->altered)
                        ops.append(PersistentMapWriteBatch::Entry{
                                it.key(), QVariant::fromValue(it.value()), false});
                }
                ops.append(pending->ops);
                pending->ops = std::move(ops);
            }
            for (auto it = loader.undecoded.cbegin(); it != loader.undecoded.cend(); ++it) {
                if (!touchedWhileLoading.contains(it.key())) // else replaced by a local write
                    keepUndecodedLocked(it.key(), it.value());
            }
            status = PersistentMap::Status::Ready;
            watchable = backend->canWatchChanges();
            if (cache.count() != before)
                notifications.append({Notification::Count, {}, {}});
            notifications.append({Notification::Status, {}, {}});
            undecodedReports = reportUndecodedLocked();
        }
        touchedWhileLoading.clear();
    }
    for (const QString &message : std::as_const(undecodedReports))
        qCWarning(lcPersistentMap).noquote() << message;
    if (error) {
        qCWarning(lcPersistentMap).noquote() << error->message();
        ready.setException(*error);
    }
    ready.finish();
    deliverNotifications();
    if (watchable)
        emitToOwner(&PersistentMapRelay::watchSettingsChanged);
}

// A relay signal, from any thread. From another thread the connection is queued: Qt allocates
// the call's event on this thread and frees it on the owner thread after the slot, which takes
// the mutex first. Emitted under the mutex, the allocation is ordered before the free by it, an
// order ThreadSanitizer sees (the one inside libQt6Core it cannot: found by the stress suite).
// On the owner thread the slot runs inside the emit, without the mutex.
void PersistentMapPrivate::emitToOwner(void (PersistentMapRelay::*signal)())
{
    if (QThread::currentThread() == q_ptr->thread()) {
        Q_EMIT(relay->*signal)();
        return;
    }
    QMutexLocker locker(&mutex);
    Q_EMIT(relay->*signal)();
}

void PersistentMapPrivate::drain()
{
    Batch batch;
    {
        QMutexLocker locker(&mutex);
        if (pending && !loadError && streaming)
            lingerForGroupCommitLocked();
        drainScheduled = false;
        if (!pending)
            return;
        batch = std::move(*pending);
        pending.reset();
        writesAtTake = writeCount;
    }

    std::optional<PersistentMapError> error = loadError; // written only before drains run
    // What the backend committed before a failure is never written again: replayed later, it
    // would land over what other processes wrote in between (a replayed clear() would erase
    // their keys). Only the steps that did not commit go back into the queue; a failed sync of
    // committed writes is reported, and the next flush() syncs again.
    bool cleared = false;
    bool applied = false;
    if (!error) {
        try {
            if (batch.clearFirst) {
                backend->clear();
                cleared = true;
            }
            if (!batch.ops.isEmpty())
                backend->apply(coalesce(batch.ops));
            applied = true;
            if (batch.flushRequested)
                backend->flush();
        } catch (const std::exception &e) {
            error = errorFrom(e, PersistentMapError::Code::WriteFailed);
        } catch (...) {
            error = PersistentMapError(PersistentMapError::Code::WriteFailed,
                                       QStringLiteral("the storage backend threw an unknown "
                                                      "exception"));
        }
    }

    {
        // Writes that arrived while this batch was committed mark a stream: the next drain may
        // wait for more. A writer that waits for each future before writing again never does,
        // so it is not slowed down.
        QMutexLocker locker(&mutex);
        streaming = writeCount != writesAtTake;
    }
    const std::shared_ptr<QPromise<void>> promise = batch.promise;
    const std::shared_ptr<QPromise<void>> flushPromise = batch.flushPromise;
    if (error) {
        // A store found read-only while loading refuses the writes made meanwhile for good.
        if (!loadError && !applied && error->code() != PersistentMapError::Code::ReadOnly) {
            if (cleared)
                batch.clearFirst = false;
            QMutexLocker locker(&mutex);
            restoreLocked(std::move(batch));
        }
        // Committed writes are acknowledged even when the sync after them failed: only the
        // flush() that asked for the sync fails then.
        if (!applied || loadError)
            promise->setException(*error);
        if (flushPromise)
            flushPromise->setException(*error);
        reportError(error->message());
    }
    promise->finish();
    if (flushPromise)
        flushPromise->finish();
}

// Group commit. A commit costs about the same for one entry as for hundreds (SQLite rewrites
// the same B-tree pages into the WAL), so committing whatever trickled in since the last commit
// multiplies the bytes written under a stream of writes. During a stream (writes arrived while
// the last batch committed) and while the batch is small, wait for more: until it holds
// GroupCommitEntries, a flush() or clear() asks for it, no write came during the last slice,
// or the bound.
void PersistentMapPrivate::lingerForGroupCommitLocked()
{
    constexpr std::chrono::microseconds Slice(200);
    const QDeadlineTimer bound(std::chrono::milliseconds(2), Qt::PreciseTimer);
    while (pending->ops.size() < GroupCommitEntries && !pending->flushRequested &&
           !pending->clearFirst && !shuttingDown && !bound.hasExpired()) {
        const quint64 writesBefore = writeCount;
        drainLingering = true;
        batchGrew.wait(&mutex, QDeadlineTimer(Slice, Qt::PreciseTimer));
        drainLingering = false;
        if (writeCount == writesBefore)
            break;
    }
}

// A failed batch goes back under the writes made since it was taken: those are newer and win.
void PersistentMapPrivate::restoreLocked(Batch &&failed)
{
    Batch &current = openBatchLocked();
    if (current.clearFirst)
        return; // a newer clear() supersedes everything older
    current.clearFirst = failed.clearFirst;
    failed.ops.append(current.ops); // older first: the drain keeps a key's last entry
    current.ops = std::move(failed.ops);
}

void PersistentMapPrivate::reportError(const QString &message)
{
    {
        QMutexLocker locker(&mutex);
        errorString = message;
        notifications.append({Notification::ErrorString, {}, {}});
        notifications.append({Notification::Error, message, {}});
    }
    deliverNotifications();
}

void PersistentMapPrivate::deliverNotifications()
{
    Q_Q(PersistentMap);
    if (QThread::currentThread() != q->thread()) {
        // Emitted under the mutex, as emitToOwner() does, and checked under it. Safe: the
        // connection is queued, so no slot runs inside the emit.
        QMutexLocker locker(&mutex);
        if (notifications.isEmpty() || deliveryPosted || shuttingDown)
            return;
        deliveryPosted = true;
        Q_EMIT relay->notificationsPending();
        return;
    }
    // A slot that writes to the map lands here again; the outer loop delivers its changes
    // after the ones before them, so receivers always see changes in the order they happened.
    if (delivering) {
        QMutexLocker locker(&mutex); // the order described above, for a call that finds no work
        return;
    }
    delivering = true;
    const QPointer<PersistentMap> guard(q);
    for (;;) {
        QList<Notification> batch;
        {
            QMutexLocker locker(&mutex);
            batch.swap(notifications);
            deliveryPosted = false;
        }
        if (batch.isEmpty())
            break;
        for (const Notification &n : std::as_const(batch)) {
            switch (n.kind) {
            case Notification::Changed:
                Q_EMIT q->valueChanged(n.key, n.value);
                break;
            case Notification::Removed:
                Q_EMIT q->valueRemoved(n.key);
                break;
            case Notification::Count:
                Q_EMIT q->countChanged();
                break;
            case Notification::Status:
                Q_EMIT q->statusChanged();
                break;
            case Notification::ErrorString:
                Q_EMIT q->errorStringChanged();
                break;
            case Notification::Error:
                Q_EMIT q->errorOccurred(n.key);
                break;
            }
            if (!guard)
                return; // a receiver deleted the map
        }
    }
    delivering = false;
}

void PersistentMapPrivate::updateWatchTimer()
{
    const bool run = watchable && watchEnabled;
    if (run) {
        watchTimer->setInterval(watchIntervalMs.load());
        if (!watchTimer->isActive())
            watchTimer->start();
    } else {
        watchTimer->stop();
    }
}

void PersistentMapPrivate::schedulePoll()
{
    QMutexLocker locker(&mutex);
    if (pollScheduled || shuttingDown)
        return; // the storage thread is busy: a poll is already queued behind its work
    pollScheduled = true;
    (void)QtConcurrent::run(&storageThread, [this] { pollExternalChanges(); });
}

void PersistentMapPrivate::pollExternalChanges()
{
    {
        QMutexLocker locker(&mutex);
        pollScheduled = false;
        if (shuttingDown)
            return;
    }
    // Before reading: a type registered meanwhile changes the next poll's stamp.
    const quint64 stamp = PersistentMapInternal::typeRegistryStamp();
    PersistentMapBackend::Changes changes;
    try {
        changes = backend->pollChanges();
    } catch (const std::exception &e) {
        // Reported once until a poll succeeds again: a server that stays away would otherwise
        // flood errorOccurred 20 times a second (and its messages need not repeat word for word).
        if (!pollFailing) {
            pollFailing = true;
            const QString message = errorFrom(e, PersistentMapError::Code::OpenFailed).message();
            qCWarning(lcPersistentMap).noquote() << message;
            reportError(message);
        }
        return;
    }
    pollFailing = false;
    QStringList reports;
    if (!changes.isEmpty()) {
        QMutexLocker locker(&mutex);
        mergeExternalLocked(changes);
        reports = reportUndecodedLocked();
    }
    // Values this process could not read are tried again only once a type may have become
    // known (a type registered, a Qt module loaded): a poll that finds nothing stays cheap.
    bool retried = false;
    if (stamp != typeStamp) {
        typeStamp = stamp;
        retried = retryUndecoded();
    }
    for (const QString &message : std::as_const(reports))
        qCWarning(lcPersistentMap).noquote() << message;
    if (!changes.isEmpty() || retried)
        deliverNotifications();
}

// Another writer's change goes into the cache unless this map has a write of the key pending:
// that write is newer and will be committed after the other one (last writer wins), so the
// cache already holds the value the store will end with. Values equal to the cache (this map's
// own committed writes, or a change seen twice) emit nothing.
void PersistentMapPrivate::mergeExternalLocked(const PersistentMapBackend::Changes &changes)
{
    if (pending && pending->clearFirst)
        return; // a pending clear() removes whatever the others wrote before it
    QSet<QString> pendingKeys;
    if (pending) {
        pendingKeys.reserve(pending->ops.size());
        for (const PersistentMapWriteBatch::Entry &entry : std::as_const(pending->ops))
            pendingKeys.insert(entry.key);
    }
    const qsizetype countBefore = cache.count();
    const bool notifyChanged = isConnected(Notification::Changed);
    const bool notifyRemoved = isConnected(Notification::Removed);
    QSet<QString> present;
    if (changes.complete)
        present.reserve(changes.entries.size());
    for (const PersistentMapWriteBatch::Entry &entry : changes.entries.entries()) {
        if (changes.complete)
            present.insert(entry.key);
        if (pendingKeys.contains(entry.key))
            continue;
        if (entry.isRemove) {
            undecoded.remove(entry.key);
            if (cache.remove(entry.key) && notifyRemoved)
                notifications.append({Notification::Removed, entry.key, {}});
        } else if (isUndecoded(entry.value)) {
            // Now a value this process cannot read: its old value is gone from the store.
            keepUndecodedLocked(entry.key, entry.value.value<UndecodedValue>());
            if (cache.remove(entry.key) && notifyRemoved)
                notifications.append({Notification::Removed, entry.key, {}});
        } else {
            undecoded.remove(entry.key);
            if (cache.insert(entry.key, entry.value) != ShardedCache::Change::None && notifyChanged)
                notifications.append({Notification::Changed, entry.key, entry.value});
        }
    }
    if (changes.complete) {
        const QStringList keys = cache.keys();
        for (const QString &key : keys) {
            if (!present.contains(key) && !pendingKeys.contains(key) && cache.remove(key) &&
                notifyRemoved)
                notifications.append({Notification::Removed, key, {}});
        }
        undecoded.removeIf([&](const auto &it) { return !present.contains(it.key()); });
    }
    if (cache.count() != countBefore && isConnected(Notification::Count))
        notifications.append({Notification::Count, {}, {}});
}

// A stored value this process cannot decode: kept out of the cache, and reported unless the same
// value was reported before (a complete reload meets it again).
void PersistentMapPrivate::keepUndecodedLocked(const QString &key, const UndecodedValue &value)
{
    const auto found = undecoded.constFind(key);
    if (found != undecoded.cend() && *found == value)
        return;
    undecoded.insert(key, value);
    unreportedUndecoded.append(key);
}

// One errorOccurred per value newly kept, the first few by name; a store written by a program
// with many types this one lacks would otherwise flood the receivers. The status stays Ready.
QStringList PersistentMapPrivate::reportUndecodedLocked()
{
    constexpr qsizetype Named = 10;
    QStringList messages;
    for (const QString &key : std::as_const(unreportedUndecoded)) {
        const auto found = undecoded.constFind(key);
        if (found == undecoded.cend())
            continue; // replaced or removed since
        if (messages.size() == Named) {
            messages.append(QStringLiteral("%1 more stored values cannot be read by this process "
                                           "either; they are left in the store unchanged and "
                                           "out of the map")
                                    .arg(unreportedUndecoded.size() - Named));
            break;
        }
        if (found->altered) {
            messages.append(QStringLiteral("key '%1': a row of the store is left out of the map: "
                                           "%2")
                                    .arg(key.left(200), found->why));
            continue;
        }
        messages.append(QStringLiteral("key '%1': cannot read its stored value of type '%2': "
                                       "%3; it is left in the store unchanged and out of the "
                                       "map until it can be read")
                                .arg(key.left(200), found->type.left(64), found->why));
    }
    unreportedUndecoded.clear();
    if (!messages.isEmpty()) {
        errorString = messages.constLast();
        notifications.append({Notification::ErrorString, {}, {}});
        for (const QString &message : std::as_const(messages))
            notifications.append({Notification::Error, message, {}});
    }
    return messages;
}

// Decodes the kept values again, outside the mutex; those that now read join the cache as
// changes (valueChanged), unless they were replaced or removed meanwhile.
bool PersistentMapPrivate::retryUndecoded()
{
    QHash<QString, UndecodedValue> kept;
    {
        QMutexLocker locker(&mutex);
        if (undecoded.isEmpty())
            return false;
        kept = undecoded;
    }
    QList<std::pair<QString, QVariant>> readable;
    for (auto it = kept.cbegin(); it != kept.cend(); ++it) {
        if (it->altered)
            continue; // not the stored bytes: no type makes it readable
        QVariant value = PersistentMapInternal::decodeOrKeep(it->type, it->text);
        if (!isUndecoded(value))
            readable.append({it.key(), std::move(value)});
    }
    if (readable.isEmpty())
        return false;
    QMutexLocker locker(&mutex);
    const qsizetype countBefore = cache.count();
    const bool notifyChanged = isConnected(Notification::Changed);
    for (const auto &[key, value] : std::as_const(readable)) {
        const auto found = undecoded.constFind(key);
        if (found == undecoded.cend() || *found != kept.value(key))
            continue;
        undecoded.erase(found);
        if (cache.insert(key, value) != ShardedCache::Change::None && notifyChanged)
            notifications.append({Notification::Changed, key, value});
    }
    if (cache.count() != countBefore && isConnected(Notification::Count))
        notifications.append({Notification::Count, {}, {}});
    return true;
}

void PersistentMapPrivate::shutdown()
{
    QFuture<void> flushed;
    if (watchTimer->thread() == QThread::currentThread())
        watchTimer->stop();
    {
        QMutexLocker locker(&mutex);
        shuttingDown = true;
        batchGrew.wakeAll();
        flushed = requestFlushLocked();
        scheduleDrainLocked();
    }
    try {
        flushed.waitForFinished();
    } catch (const QException &e) {
        QMutexLocker locker(&mutex);
        if (loadError) {
            // reported when it happened
        } else if (pending) {
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

PersistentMap::PersistentMap(std::unique_ptr<PersistentMapBackend> backend, QObject *parent)
    : QObject(parent)
    , d_ptr(std::make_unique<PersistentMapPrivate>(this, std::move(backend)))
{
    Q_D(PersistentMap);
    d->watchTimer = new QTimer(this);
    QObject::connect(d->watchTimer, &QTimer::timeout, this, [d] { d->schedulePoll(); });
    // Signals of a child object rather than QMetaObject::invokeMethod() with a lambda: the
    // connection's slot object lives as long as the map, while invokeMethod() creates one per
    // call and drops it on whichever thread lets go last (ThreadSanitizer sees that hand-over
    // inside Qt as a race).
    d->relay = new PersistentMapRelay(this);
    QObject::connect(
            d->relay, &PersistentMapRelay::notificationsPending, this,
            [d] { d->deliverNotifications(); }, Qt::QueuedConnection);
    QObject::connect(d->relay, &PersistentMapRelay::watchSettingsChanged, this, [d] {
        { // orders a queued call's event before Qt frees it (emitToOwner())
            QMutexLocker locker(&d->mutex);
        }
        d->updateWatchTimer();
    });
    QMutexLocker locker(&d->mutex);
    (void)QtConcurrent::run(&d->storageThread, [d] { d->load(); });
}

PersistentMap::~PersistentMap()
{
    Q_D(PersistentMap);
    d->shutdown();
}

PersistentMap::Status PersistentMap::status() const
{
    Q_D(const PersistentMap);
    return d->status.load();
}

QString PersistentMap::errorString() const
{
    Q_D(const PersistentMap);
    QMutexLocker locker(&d->mutex);
    return d->errorString;
}

QFuture<void> PersistentMap::whenReady() const
{
    Q_D(const PersistentMap);
    return d->ready.future();
}

bool PersistentMap::isReadOnly() const
{
    Q_D(const PersistentMap);
    return d->backend && d->backend->isReadOnly(nullptr);
}

QVariant PersistentMap::value(const QString &key, const QVariant &defaultValue) const
{
    Q_D(const PersistentMap);
    return d->cache.value(key, defaultValue);
}

bool PersistentMap::contains(const QString &key) const
{
    Q_D(const PersistentMap);
    return d->cache.contains(key);
}

qsizetype PersistentMap::count() const
{
    Q_D(const PersistentMap);
    return d->cache.count();
}

bool PersistentMap::isEmpty() const
{
    return count() == 0;
}

QStringList PersistentMap::keys() const
{
    Q_D(const PersistentMap);
    QMutexLocker locker(&d->mutex);
    return d->cache.keys();
}

QVariantHash PersistentMap::toHash() const
{
    Q_D(const PersistentMap);
    QMutexLocker locker(&d->mutex);
    return d->cache.toHash();
}

QFuture<void> PersistentMap::insert(const QString &key, const QVariant &value)
{
    Q_D(PersistentMap);
    if (QFuture<void> rejected = d->rejectUnstorable(key, value); rejected.isValid())
        return rejected;
    return d->write([&] { d->insertLocked(key, value); });
}

QFuture<void> PersistentMap::insert(const QVariantHash &entries)
{
    Q_D(PersistentMap);
    for (auto it = entries.cbegin(); it != entries.cend(); ++it) {
        if (QFuture<void> rejected = d->rejectUnstorable(it.key(), it.value()); rejected.isValid())
            return rejected;
    }
    return d->write([&] {
        for (auto it = entries.cbegin(); it != entries.cend(); ++it)
            d->insertLocked(it.key(), it.value());
    });
}

QFuture<void> PersistentMap::remove(const QString &key)
{
    Q_D(PersistentMap);
    if (QFuture<void> rejected = d->rejectUnwritable(key); rejected.isValid())
        return rejected;
    return d->write([&] { d->removeLocked(key); });
}

QFuture<void> PersistentMap::apply(const PersistentMapWriteBatch &batch)
{
    Q_D(PersistentMap);
    // Coalesce first so a key written twice in the batch is announced once, with its last value.
    QHash<QString, const PersistentMapWriteBatch::Entry *> last;
    last.reserve(batch.size());
    for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
        if (QFuture<void> rejected = entry.isRemove ? d->rejectUnwritable(entry.key)
                                                    : d->rejectUnstorable(entry.key, entry.value);
            rejected.isValid())
            return rejected;
        last.insert(entry.key, &entry);
    }
    return d->write([&] {
        for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
            if (last.value(entry.key) != &entry)
                continue;
            if (entry.isRemove)
                d->removeLocked(entry.key);
            else
                d->insertLocked(entry.key, entry.value);
        }
    });
}

QFuture<void> PersistentMap::clear()
{
    Q_D(PersistentMap);
    if (QFuture<void> rejected = d->rejectUnwritable(QString()); rejected.isValid())
        return rejected;
    return d->write([d] { d->clearLocked(); });
}

QFuture<void> PersistentMap::flush()
{
    Q_D(PersistentMap);
    QFuture<void> flushed;
    d->write([d, &flushed] { flushed = d->requestFlushLocked(); });
    return flushed;
}

bool PersistentMap::watchExternalChanges() const
{
    Q_D(const PersistentMap);
    return d->watchEnabled;
}

void PersistentMap::setWatchExternalChanges(bool watch)
{
    Q_D(PersistentMap);
    if (d->watchEnabled.exchange(watch) == watch)
        return;
    d->emitToOwner(&PersistentMapRelay::watchSettingsChanged);
    Q_EMIT watchExternalChangesChanged();
}

int PersistentMap::watchInterval() const
{
    Q_D(const PersistentMap);
    return d->watchIntervalMs;
}

void PersistentMap::setWatchInterval(int milliseconds)
{
    Q_D(PersistentMap);
    milliseconds = std::max(milliseconds, 10);
    if (d->watchIntervalMs.exchange(milliseconds) == milliseconds)
        return;
    d->emitToOwner(&PersistentMapRelay::watchSettingsChanged);
    Q_EMIT watchIntervalChanged();
}
