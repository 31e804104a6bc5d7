// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// NotificationQueue: the changes waiting to be announced by PersistentMap's signals, in the
// order they were made, and their delivery on the map's owner thread.
//
// Thread rules: appendLocked() and the other ...Locked() functions are called with the map's
// write mutex held, by whoever made the change (any thread), so notifications are queued in
// the order the cache changed. deliver() is called without the mutex from any thread: on the
// owner thread it emits at once, elsewhere it posts one queued call to the owner thread
// through the relay. Whether a signal has receivers is asked by PersistentMapPrivate::isConnected()
// (only the map's friend may ask), before a notification is queued.
#ifndef NOTIFICATIONQUEUE_P_H
#define NOTIFICATIONQUEUE_P_H

#include "core/persistentmaprelay_p.h"
#include <PersistentMap/persistentmap.h>

#include <QtCore/QMutex>

namespace PersistentMapInternal {

class NotificationQueue
{
public:
    struct Notification
    {
        enum Kind { Changed, Removed, Count, Status, ErrorString, Error } kind;
        QString key; // the message for Error
        QVariant value;
    };

    NotificationQueue(PersistentMap *map, PersistentMapRelay *relay, QMutex &mutex)
        : m_map(map)
        , m_relay(relay)
        , m_mutex(mutex)
    {
    }

    void appendLocked(Notification::Kind kind, const QString &key = {}, const QVariant &value = {})
    {
        m_list.append({kind, key, value});
    }
    bool isEmptyLocked() const { return m_list.isEmpty(); }
    void closeLocked() { m_closed = true; } // the map is being destroyed: nothing more is posted

    // Any thread, without the mutex. `relayed`: the queued call deliver() posted, arriving.
    void deliver(bool relayed = false);

private:
    // Set once at construction.
    PersistentMap *const m_map;
    PersistentMapRelay *const m_relay; // a child of m_map, on its thread
    QMutex &m_mutex; // the map's write mutex

    // Guarded by m_mutex.
    QList<Notification> m_list;
    bool m_posted = false; // a queued deliver() is on its way to the owner thread
    bool m_closed = false;

    // Owner thread only.
    bool m_delivering = false;
    QList<Notification> m_delivery; // taken from m_list, being emitted
};

} // namespace PersistentMapInternal

#endif // NOTIFICATIONQUEUE_P_H
