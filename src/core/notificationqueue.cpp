// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "core/notificationqueue_p.h"

#include <QtCore/QPointer>
#include <QtCore/QThread>

namespace PersistentMapInternal {

void NotificationQueue::deliver()
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
    if (m_delivering) {
        QMutexLocker locker(&m_mutex); // the order described above, for a call that finds no work
        return;
    }
    m_delivering = true;
    const QPointer<PersistentMap> guard(m_map);
    for (;;) {
        QList<Notification> batch;
        {
            QMutexLocker locker(&m_mutex);
            batch.swap(m_list);
            m_posted = false;
        }
        if (batch.isEmpty())
            break;
        for (const Notification &n : std::as_const(batch)) {
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
    }
    m_delivering = false;
}

} // namespace PersistentMapInternal
