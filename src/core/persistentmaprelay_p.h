// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PersistentMapRelay: signals from any thread to the map's owner thread (connected in
// PersistentMapPrivate's constructor; a child of the map, so it moves with it).
//
// Thread rules: post() may be called from any thread, with the map's write mutex not held.
#ifndef PERSISTENTMAPRELAY_P_H
#define PERSISTENTMAPRELAY_P_H

#include <QtCore/QMutex>
#include <QtCore/QObject>
#include <QtCore/QThread>

class PersistentMapRelay : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // Emits a relay signal from any thread. From another thread the connection is queued: Qt
    // allocates the call's event on this thread and frees it on the owner thread after the
    // slot, which takes the mutex first. Emitted under the mutex, the allocation is ordered
    // before the free by it, an order ThreadSanitizer sees (the one inside libQt6Core it
    // cannot: found by the stress suite). On the owner thread the slot runs inside the emit,
    // without the mutex.
    void post(void (PersistentMapRelay::*signal)(), QMutex &mutex)
    {
        if (QThread::currentThread() == thread()) {
            Q_EMIT(this->*signal)();
            return;
        }
        QMutexLocker locker(&mutex);
        Q_EMIT(this->*signal)();
    }

Q_SIGNALS:
    void notificationsPending(); // queued: NotificationQueue::deliver() on the owner thread
    void watchSettingsChanged(); // auto: ExternalChangeFollower::updateTimer() on the owner thread
};

#endif // PERSISTENTMAPRELAY_P_H
