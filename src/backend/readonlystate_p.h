// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// ReadOnlyState: a backend's answer to PersistentMapBackend::isReadOnly(). Set once, on the storage
// thread, while the store opens; read on any thread (PersistentMap asks before it queues a
// write). The reason is written before the flag that publishes it, and never changed after.
#ifndef READONLYSTATE_P_H
#define READONLYSTATE_P_H

#include <PersistentMap/persistentmaperror.h>

#include <QtCore/QString>

#include <atomic>

namespace PersistentMapInternal {

class ReadOnlyState
{
public:
    // Storage thread. The first reason stays; later calls change nothing.
    void set(const QString &reason)
    {
        if (m_set.load(std::memory_order_relaxed))
            return;
        m_reason = reason;
        m_set.store(true, std::memory_order_release);
    }
    bool isSet() const { return m_set.load(std::memory_order_acquire); }
    // Any thread: PersistentMapBackend::isReadOnly().
    bool get(QString *why) const
    {
        if (!isSet())
            return false;
        if (why)
            *why = m_reason;
        return true;
    }
    // Storage thread, at the start of a write: throws Code::ReadOnly with the reason.
    void refuseWrites() const
    {
        if (isSet())
            throw PersistentMapError(PersistentMapError::Code::ReadOnly, m_reason);
    }

private:
    std::atomic<bool> m_set{false};
    QString m_reason;
};

} // namespace PersistentMapInternal

#endif // READONLYSTATE_P_H
