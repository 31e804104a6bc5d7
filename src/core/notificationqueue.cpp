// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "core/notificationqueue_p.h"

#include <QtCore/QPointer>
#include <QtCore/QThread>

namespace PersistentMapInternal {

void NotificationQueue::deliver(bool relayed)
{
    if (QThread::currentThread() != m_map->thread()) {
        // Emitted under the mutex, as PersistentMapRelay::post() does, and checked under it.
        // Safe: the connection is queued, so no slot runs inside the emit.
        QMutexLocker locker(&m_mutex);
        if (m_list.isEmpty() || m_posted || m_closed)
            return;
        m_posted = true;
        Q_EMIT m_relay->notificationsPending();
        return;
    }
    // A slot that writes to the map lands here again; the outer loop delivers its changes
    // after the ones before them, so receivers always see changes in the order they happened.
    // Should that slot wait in an event loop (QSignalSpy::wait(), QEventLoop::exec()), a posted
    // call is on its way: it arrives inside that loop (relayed) and goes on with the same
    // queue, so the wait gets later signals, still in order.
    if (m_delivering && !relayed) {
        QMutexLocker locker(&m_mutex);
        if (!m_list.isEmpty() && !m_posted && !m_closed) {
            m_posted = true;
            Q_EMIT m_relay->notificationsPending();
        }
        return;
    }
    const bool outer = m_delivering;
    m_delivering = true;
    const QPointer<PersistentMap> guard(m_map);
    for (;;) {
        if (m_delivery.isEmpty()) {
            QMutexLocker locker(&m_mutex);
            m_delivery.swap(m_list);
            m_posted = false;
        }
        if (m_delivery.isEmpty())
            break;
        const Notification n = m_delivery.takeFirst(); // an inner delivery may take the next
        switch (n.kind) {
        case Notification::Changed:
            Q_EMIT m_map->valueChanged(n.key, n.value);
            break;
        case Notification::Removed:
            Q_EMIT m_map->valueRemoved(n.key);
            break;
        case Notification::Count:
            Q_EMIT m_map->countChanged();
            break;
        case Notification::Status:
            Q_EMIT m_map->statusChanged();
            break;
        case Notification::ErrorString:
            Q_EMIT m_map->errorStringChanged();
            break;
        case Notification::Error:
            Q_EMIT m_map->errorOccurred(n.key);
            break;
        }
        if (!guard)
            return; // a receiver deleted the map
    }
    m_delivering = outer;
}

} // namespace PersistentMapInternal
