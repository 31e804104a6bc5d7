// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// WriteQueue: the writes waiting for the storage thread, and the drain's bookkeeping around
// them: group commit, putting a failed batch back under newer writes, flush() barriers.
//
// Thread rules: the queue has no lock of its own. Every member function named ...Locked() is
// called with the map's write mutex held, the same mutex that guards every cache modification,
// so the cache and the queue see writes in the same order (docs/DESIGN.md, "A write").
// takeLocked() may wait on that mutex (group commit) and runs on the storage thread, as do
// commit() and settle(), which run without the mutex on a batch the drain has taken.
#ifndef WRITEQUEUE_P_H
#define WRITEQUEUE_P_H

#include <PersistentMap/persistentmapbackend.h>
#include <PersistentMap/persistentmaperror.h>
#include <PersistentMap/persistentmapwritebatch.h>

#include <QtCore/QFuture>
#include <QtCore/QMutex>
#include <QtCore/QPromise>
#include <QtCore/QWaitCondition>

#include <memory>
#include <optional>
#include <utility>

namespace PersistentMapInternal {

// The error a backend's exception stands for: a PersistentMapError as thrown, anything else as
// `code` with its what().
PersistentMapError errorFrom(const std::exception &e, PersistentMapError::Code code);

class WriteQueue
{
public:
    // The writes made since the last drain, in order (the drain coalesces them per key: the
    // last one wins), and the promise that all their futures share.
    struct Batch
    {
        QList<PersistentMapWriteBatch::Entry> ops;
        bool clearFirst = false;
        bool flushRequested = false;
        // flush() asked for the sync: it syncs even when nothing this map committed waits for
        // one. The destructor's sync alone is skipped then (dropNeedlessSync()).
        bool callerFlush = false;
        std::shared_ptr<QPromise<void>> promise;
        // flush()'s own: it fails when the sync fails, while the writes' promise succeeds
        // once they committed (acknowledged = committed; durable is the flush's to report).
        std::shared_ptr<QPromise<void>> flushPromise;
    };

    // What commit() got done before it failed, if it failed.
    struct Outcome
    {
        std::optional<PersistentMapError> error;
        bool cleared = false; // backend->clear() committed
        bool applied = false; // backend->apply() committed (or there was nothing to apply)
    };

    // A drain waits for a batch of this many entries while writes keep arriving.
    static constexpr qsizetype GroupCommitEntries = 4096;

    explicit WriteQueue(QMutex &mutex)
        : m_mutex(mutex)
    {
    }

    Batch &openLocked()
    {
        if (!m_pending) {
            m_pending.emplace();
            m_pending->promise = std::make_shared<QPromise<void>>();
            m_pending->promise->start();
        }
        return *m_pending;
    }
    const Batch *pendingLocked() const { return m_pending ? &*m_pending : nullptr; }
    // Who asks for a sync: flush(), or the destructor, whose sync only makes this map's own
    // unsynced commits durable.
    enum class FlushBy { Caller, Close };
    // Asks the open batch to be synced once committed; the future of that sync.
    QFuture<void> requestFlushLocked(FlushBy by = FlushBy::Caller);
    // Counts a write that joined the open batch, and wakes a lingering drain when the batch is
    // worth committing now.
    void notedWriteLocked()
    {
        ++m_writeCount;
        if (m_lingering &&
            (m_pending->ops.size() >= GroupCommitEntries || m_pending->flushRequested ||
             m_pending->clearFirst))
            m_batchGrew.wakeOne();
    }
    // True when no drain was scheduled yet: the caller queues one on the storage thread.
    bool markDrainScheduledLocked() { return !std::exchange(m_drainScheduled, true); }
    // A clear() still queued: puts ops in front of the writes made after it. False otherwise.
    bool prependToClearLocked(QList<PersistentMapWriteBatch::Entry> &&ops);
    // No more group-commit waits: the map is being destroyed.
    void closeLocked();

    // The drain, on the storage thread. takeLocked() may wait for more writes (when `linger`).
    std::optional<Batch> takeLocked(bool linger);
    // Before commit(): drops the sync of a batch that only closes the map when everything it
    // committed is synced already (or it committed nothing): closing a map that changed nothing
    // writes nothing to the disk (issue 15).
    void dropNeedlessSync(Batch &batch) const;
    static Outcome commit(PersistentMapBackend &backend, const Batch &batch);
    // After commit(): what is committed and not yet synced.
    void noteSynced(const Batch &batch, const Outcome &outcome);
    void committedLocked(); // after commit(), for the next drain's group commit
    void restoreLocked(Batch &&failed);
    // Fails the futures the outcome says failed (all of them when `loadFailed`).
    static void fail(const Batch &batch, const Outcome &outcome, bool loadFailed);
    static void finish(const Batch &batch);

private:
    void lingerLocked();

    // Set once at construction.
    QMutex &m_mutex; // the map's write mutex

    // Guarded by m_mutex.
    std::optional<Batch> m_pending;
    bool m_drainScheduled = false;
    bool m_lingering = false; // the drain waits on m_batchGrew for more writes
    bool m_streaming = false; // writes arrived during the last commit
    bool m_closed = false;
    quint64 m_writeCount = 0;
    QWaitCondition m_batchGrew;

    // Storage thread only (written and read there, under m_mutex too).
    quint64 m_writesAtTake = 0; // m_writeCount when the drain took its batch
    bool m_unsynced = false; // a commit of this map's has not been synced since
};

} // namespace PersistentMapInternal

#endif // WRITEQUEUE_P_H
