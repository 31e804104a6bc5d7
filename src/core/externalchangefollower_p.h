// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// ExternalChangeFollower: follows the changes other writers commit to the store
// (docs/DESIGN.md, "Other writers' changes"). A backend that pushes (watchChanges()) asks for a
// poll whenever others may have committed; for one that does not, a timer on the owner thread
// asks every interval. Either way one poll at a time is queued on the storage thread; it merges
// what the backend reports into the map under the write mutex, like a local change. A pushing
// backend whose poll fails is polled by the timer until a poll succeeds again, and one whose map
// keeps values it could not decode while it keeps them (to try them again once their type is
// registered, which Qt announces to nobody).
//
// Thread rules: updateTimer() runs on the owner thread (the timer's), requestPoll() on any
// thread (the timer's, a backend's watch thread), watch() and poll() on the storage thread,
// mergeLocked() there with the map's write mutex held. The settings (enabled, interval) and
// the push state are atomics that any thread reads and writes. The follower reaches the cache,
// the write queue and the notifications through the map's private part, under its rules.
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
    // After start(): asks the backend to push (PersistentMapBackend::watchChanges()); storage
    // thread, without the mutex.
    void watch();

    void updateTimer(); // owner thread
    void stopTimer(); // the map is being destroyed (no-op off the owner thread)
    // Queues a poll on the storage thread unless one is queued, watching is off or the map is
    // being destroyed. Any thread, without the mutex.
    void requestPoll();
    void poll(); // storage thread

private:
    void mergeLocked(const PersistentMapBackend::Changes &changes);
    void setPollFailing(bool failing); // storage thread

    // Set once at construction.
    PersistentMapPrivate &d;
    QTimer *const m_timer; // owned by the map, lives on the owner thread

    // Atomic: any thread.
    std::atomic<bool> m_enabled{true};
    std::atomic<int> m_interval{PersistentMap::DefaultWatchInterval};
    std::atomic<bool> m_watchable{false}; // loaded, and the backend can watch
    std::atomic<bool> m_pushed{false}; // the backend pushes: no timer while polls succeed
    // Written on the storage thread, read by updateTimer(): its first failure was reported.
    std::atomic<bool> m_pollFailing{false};
    // Written on the storage and owner threads: the map keeps values it could not decode.
    std::atomic<bool> m_keepsUndecoded{false};

    // Guarded by the map's write mutex.
    bool m_pollScheduled = false;
};

} // namespace PersistentMapInternal

#endif // EXTERNALCHANGEFOLLOWER_P_H
