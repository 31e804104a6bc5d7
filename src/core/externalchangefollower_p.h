// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// ExternalChangeFollower: follows the changes other writers commit to the store
// (docs/DESIGN.md, "Other writers' changes"). A timer on the owner thread queues a poll on the
// storage thread every interval, unless one is still queued; the poll merges what the backend
// reports into the map under the write mutex, like a local change.
//
// Thread rules: updateTimer() and schedulePoll() run on the owner thread (the timer's), poll()
// on the storage thread, mergeLocked() there with the map's write mutex held. The settings
// (enabled, interval) are atomics that any thread reads and writes. The follower reaches the
// cache, the write queue and the notifications through the map's private part, under its rules.
#ifndef EXTERNALCHANGEFOLLOWER_P_H
#define EXTERNALCHANGEFOLLOWER_P_H

#include <PersistentMap/persistentmap.h>

#include <atomic>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE
class PersistentMapPrivate;

namespace PersistentMapInternal {

class ExternalChangeFollower
{
public:
    ExternalChangeFollower(PersistentMapPrivate &d, PersistentMap *map);

    bool isEnabled() const { return m_enabled; }
    bool setEnabled(bool enabled)
    {
        return m_enabled.exchange(enabled) != enabled;
    } // true: changed
    int interval() const { return m_interval; }
    // At least PersistentMap::MinimumWatchInterval. True when the interval changed.
    bool setInterval(int milliseconds);
    // The store is loaded: follow it from now on, if its backend can tell (storage thread).
    void start(bool backendCanWatch) { m_watchable = backendCanWatch; }
    bool isWatchable() const { return m_watchable; }

    void updateTimer(); // owner thread
    void stopTimer(); // the map is being destroyed (no-op off the owner thread)
    void poll(); // storage thread

private:
    void schedulePoll(); // owner thread, from m_timer
    void mergeLocked(const PersistentMapBackend::Changes &changes);

    // Set once at construction.
    PersistentMapPrivate &d;
    QTimer *const m_timer; // owned by the map, lives on the owner thread

    // Atomic: any thread.
    std::atomic<bool> m_enabled{true};
    std::atomic<int> m_interval{PersistentMap::DefaultWatchInterval};
    std::atomic<bool> m_watchable{false}; // loaded, and the backend can watch

    // Guarded by the map's write mutex.
    bool m_pollScheduled = false;

    // Storage thread only.
    bool m_pollFailing = false; // its first failure was reported
};

} // namespace PersistentMapInternal

#endif // EXTERNALCHANGEFOLLOWER_P_H
