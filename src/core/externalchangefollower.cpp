// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "core/externalchangefollower_p.h"

#include "core/persistentmap_p.h"

#include <QtConcurrent/QtConcurrentRun>
#include <QtCore/QThread>
#include <QtCore/QTimer>

#include <algorithm>

namespace PersistentMapInternal {

ExternalChangeFollower::ExternalChangeFollower(PersistentMapPrivate &d, PersistentMap *map)
    : d(d)
    , m_timer(new QTimer(map))
{
    QObject::connect(m_timer, &QTimer::timeout, map, [this] { requestPoll(); });
}

bool ExternalChangeFollower::setInterval(int milliseconds)
{
    milliseconds = std::max(milliseconds, PersistentMap::MinimumWatchInterval);
    return m_interval.exchange(milliseconds) != milliseconds;
}

void ExternalChangeFollower::watch()
{
    if (!m_watchable)
        return;
    bool pushed = false;
    try {
        // The backend keeps the callback until it is destroyed, which shutdown() does before
        // this follower goes.
        pushed = d.backend->watchChanges([this] { requestPoll(); });
    } catch (const std::exception &e) {
        qCWarning(lcPersistentMap).noquote()
                << QStringLiteral("the backend cannot push changes (%1); it is polled")
                           .arg(QString::fromUtf8(e.what()));
    }
    m_pushed = pushed;
}

void ExternalChangeFollower::updateTimer()
{
    if (m_pushed) {
        QMutexLocker locker(&d.mutex);
        m_keepsUndecoded = !d.undecoded.isEmptyLocked();
    }
    // Qt tells nobody when a type is registered: values this map could not decode are tried
    // again by a poll, so a pushing backend is polled while it has some.
    const bool run = m_watchable && m_enabled && (!m_pushed || m_pollFailing || m_keepsUndecoded);
    // Watching switched on (or the store just loaded): what others committed meanwhile.
    if (m_pushed && m_watchable && m_enabled)
        requestPoll();
    if (run) {
        m_timer->setInterval(m_interval.load());
        if (!m_timer->isActive())
            m_timer->start();
    } else {
        m_timer->stop();
    }
}

void ExternalChangeFollower::stopTimer()
{
    if (m_timer->thread() == QThread::currentThread())
        m_timer->stop();
}

void ExternalChangeFollower::requestPoll()
{
    if (!m_enabled || !m_watchable)
        return;
    QMutexLocker locker(&d.mutex);
    if (m_pollScheduled || d.shuttingDown)
        return; // the storage thread is busy: a poll is already queued behind its work
    m_pollScheduled = true;
    (void)QtConcurrent::run(&d.storageThread, [this] { poll(); });
}

void ExternalChangeFollower::poll()
{
    {
        QMutexLocker locker(&d.mutex);
        m_pollScheduled = false;
        // Queued before watching was switched off: what others commit stays out until it is
        // switched on again, and then it is read.
        if (d.shuttingDown || !m_enabled)
            return;
    }
    // Before reading: a type registered meanwhile changes the next poll's stamp.
    const quint64 stamp = typeRegistryStamp();
    PersistentMapBackend::Changes changes;
    try {
        changes = d.backend->pollChanges();
    } catch (const std::exception &e) {
        // Reported once until a poll succeeds again: a server that stays away would otherwise
        // flood errorOccurred 20 times a second (and its messages need not repeat word for word).
        if (!m_pollFailing) {
            setPollFailing(true);
            const QString message = errorFrom(e, PersistentMapError::Code::OpenFailed).message();
            qCWarning(lcPersistentMap).noquote() << message;
            d.reportError(message);
        }
        return;
    }
    if (m_pollFailing)
        setPollFailing(false);
    QStringList reports;
    if (!changes.isEmpty()) {
        QMutexLocker locker(&d.mutex);
        mergeLocked(changes);
        reports = d.reportUndecodedLocked();
    }
    // Values this process could not read are tried again only once a type may have become
    // known (a type registered, a Qt module loaded): a poll that finds nothing stays cheap.
    const bool retried = d.undecoded.typesChanged(stamp) && d.retryUndecoded();
    for (const QString &message : std::as_const(reports))
        qCWarning(lcPersistentMap).noquote() << message;
    if (!changes.isEmpty() || retried)
        d.notifications.deliver();
    if (m_pushed) {
        bool keeps;
        {
            QMutexLocker locker(&d.mutex);
            keeps = !d.undecoded.isEmptyLocked();
            if (keeps == m_keepsUndecoded || d.shuttingDown)
                return;
        }
        m_keepsUndecoded = keeps;
        d.relay->post(&PersistentMapRelay::watchSettingsChanged, d.mutex);
    }
}

// A pushing backend is polled by the timer while its polls fail (the push may not come again:
// a server that is away), and only pushed again once one succeeds.
void ExternalChangeFollower::setPollFailing(bool failing)
{
    m_pollFailing = failing;
    if (!m_pushed)
        return;
    {
        QMutexLocker locker(&d.mutex);
        if (d.shuttingDown)
            return;
    }
    d.relay->post(&PersistentMapRelay::watchSettingsChanged, d.mutex);
}

// Another writer's change goes into the cache unless this map has a write of the key pending:
// that write is newer and will be committed after the other one (last writer wins), so the
// cache already holds the value the store will end with. Values equal to the cache (this map's
// own committed writes, or a change seen twice) emit nothing.
void ExternalChangeFollower::mergeLocked(const PersistentMapBackend::Changes &changes)
{
    const WriteQueue::Batch *pending = d.queue.pendingLocked();
    if (pending && pending->clearFirst)
        return; // a pending clear() removes whatever the others wrote before it
    QSet<QString> pendingKeys;
    if (pending) {
        pendingKeys.reserve(pending->ops.size());
        for (const PersistentMapWriteBatch::Entry &entry : std::as_const(pending->ops))
            pendingKeys.insert(entry.key);
    }
    using Notification = NotificationQueue::Notification;
    NotificationQueue &notifications = d.notifications;
    ShardedCache &cache = d.cache;
    const qsizetype countBefore = cache.count();
    const bool notifyChanged = d.isConnected(Notification::Changed);
    const bool notifyRemoved = d.isConnected(Notification::Removed);
    QSet<QString> present;
    if (changes.complete)
        present.reserve(changes.entries.size());
    for (const PersistentMapWriteBatch::Entry &entry : changes.entries.entries()) {
        if (changes.complete)
            present.insert(entry.key);
        if (pendingKeys.contains(entry.key))
            continue;
        if (entry.isRemove) {
            d.undecoded.removeLocked(entry.key);
            if (cache.remove(entry.key) && notifyRemoved)
                notifications.appendLocked(Notification::Removed, entry.key);
        } else if (isUndecoded(entry.value)) {
            // Now a value this process cannot read: its old value is gone from the store.
            d.undecoded.keepLocked(entry.key, entry.value.value<UndecodedValue>());
            if (cache.remove(entry.key) && notifyRemoved)
                notifications.appendLocked(Notification::Removed, entry.key);
        } else {
            d.undecoded.removeLocked(entry.key);
            if (cache.insert(entry.key, entry.value) != ShardedCache::Change::None && notifyChanged)
                notifications.appendLocked(Notification::Changed, entry.key, entry.value);
        }
    }
    if (changes.complete) {
        const QStringList keys = cache.keys();
        for (const QString &key : keys) {
            if (!present.contains(key) && !pendingKeys.contains(key) && cache.remove(key) &&
                notifyRemoved)
                notifications.appendLocked(Notification::Removed, key);
        }
        d.undecoded.keepOnlyLocked(present);
    }
    if (cache.count() != countBefore && d.isConnected(Notification::Count))
        notifications.appendLocked(Notification::Count);
}

} // namespace PersistentMapInternal
