// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "core/writequeue_p.h"

#include "backend/keyorder_p.h"
#include <QtCore/QDeadlineTimer>

#include <algorithm>
#include <chrono>

namespace PersistentMapInternal {

PersistentMapError errorFrom(const std::exception &e, PersistentMapError::Code code)
{
    if (const auto *error = dynamic_cast<const PersistentMapError *>(&e))
        return *error;
    return PersistentMapError(code, QString::fromLocal8Bit(e.what()));
}

namespace {

// The last entry for each key, in key order (which is also the order a B-tree writes best):
// entriesInKeyOrder() keeps a key's entries in the order they were made in.
PersistentMapWriteBatch coalesce(const QList<PersistentMapWriteBatch::Entry> &ops)
{
    const QList<const PersistentMapWriteBatch::Entry *> order =
            PersistentMapInternal::entriesInKeyOrder(ops);
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

QFuture<void> WriteQueue::requestFlushLocked(FlushBy by)
{
    Batch &batch = openLocked();
    batch.flushRequested = true;
    batch.callerFlush = batch.callerFlush || by == FlushBy::Caller;
    if (!batch.flushPromise) {
        batch.flushPromise = std::make_shared<QPromise<void>>();
        batch.flushPromise->start();
    }
    return batch.flushPromise->future();
}

bool WriteQueue::prependToClearLocked(QList<PersistentMapWriteBatch::Entry> &&ops)
{
    if (!m_pending || !m_pending->clearFirst)
        return false;
    ops.append(m_pending->ops);
    m_pending->ops = std::move(ops);
    return true;
}

void WriteQueue::closeLocked()
{
    m_closed = true;
    m_batchGrew.wakeAll();
}

std::optional<WriteQueue::Batch> WriteQueue::takeLocked(bool linger)
{
    if (m_pending && linger && m_streaming)
        lingerLocked();
    m_drainScheduled = false;
    if (!m_pending)
        return std::nullopt;
    std::optional<Batch> batch = std::move(m_pending);
    m_pending.reset();
    m_writesAtTake = m_writeCount;
    return batch;
}

// Group commit. A commit costs about the same for one entry as for hundreds (SQLite rewrites
// the same B-tree pages into the WAL), so committing whatever trickled in since the last commit
// multiplies the bytes written under a stream of writes. During a stream (writes arrived while
// the last batch committed) and while the batch is small, wait for more: until it holds
// GroupCommitEntries, a flush() or clear() asks for it, no write came during the last slice,
// or the bound.
void WriteQueue::lingerLocked()
{
    constexpr std::chrono::microseconds Slice(200);
    const QDeadlineTimer bound(std::chrono::milliseconds(2), Qt::PreciseTimer);
    while (m_pending->ops.size() < GroupCommitEntries && !m_pending->flushRequested &&
           !m_pending->clearFirst && !m_closed && !bound.hasExpired()) {
        const quint64 writesBefore = m_writeCount;
        m_lingering = true;
        m_batchGrew.wait(&m_mutex, QDeadlineTimer(Slice, Qt::PreciseTimer));
        m_lingering = false;
        if (m_writeCount == writesBefore)
            break;
    }
}

// What a backend writes outside the queue needs no sync of the map's: SQLite's schema on a new
// file (lost, it is created again at the next open), the CSV header of an empty file (likewise),
// a torn tail kept aside (synced where it is written), a file created (its folder synced by
// ensureStoreFile()).
void WriteQueue::dropNeedlessSync(Batch &batch) const
{
    if (batch.flushRequested && !batch.callerFlush && !batch.clearFirst && batch.ops.isEmpty() &&
        !m_unsynced)
        batch.flushRequested = false;
}

void WriteQueue::noteSynced(const Batch &batch, const Outcome &outcome)
{
    if (outcome.cleared || (outcome.applied && !batch.ops.isEmpty()))
        m_unsynced = true;
    if (batch.flushRequested && !outcome.error)
        m_unsynced = false;
}

// What the backend committed before a failure is never written again: replayed later, it would
// land over what other processes wrote in between (a replayed clear() would erase their keys).
// Only the steps that did not commit go back into the queue (restoreLocked()); a failed sync of
// committed writes is reported, and the next flush() syncs again.
WriteQueue::Outcome WriteQueue::commit(PersistentMapBackend &backend, const Batch &batch)
{
    Outcome outcome;
    try {
        if (batch.clearFirst) {
            backend.clear();
            outcome.cleared = true;
        }
        if (!batch.ops.isEmpty())
            backend.apply(coalesce(batch.ops));
        outcome.applied = true;
        if (batch.flushRequested)
            backend.flush();
    } catch (const std::exception &e) {
        outcome.error = errorFrom(e, PersistentMapError::Code::WriteFailed);
    } catch (...) {
        outcome.error = PersistentMapError(PersistentMapError::Code::WriteFailed,
                                           QStringLiteral("the storage backend threw an unknown "
                                                          "exception"));
    }
    return outcome;
}

// Writes that arrived while this batch was committed mark a stream: the next drain may wait for
// more. A writer that waits for each future before writing again never does, so it is not
// slowed down.
void WriteQueue::committedLocked()
{
    m_streaming = m_writeCount != m_writesAtTake;
}

// A failed batch goes back under the writes made since it was taken: those are newer and win.
void WriteQueue::restoreLocked(Batch &&failed)
{
    Batch &current = openLocked();
    if (current.clearFirst)
        return; // a newer clear() supersedes everything older
    current.clearFirst = failed.clearFirst;
    failed.ops.append(current.ops); // older first: the drain keeps a key's last entry
    current.ops = std::move(failed.ops);
}

void WriteQueue::fail(const Batch &batch, const Outcome &outcome, bool loadFailed)
{
    // Committed writes are acknowledged even when the sync after them failed: only the flush()
    // that asked for the sync fails then.
    if (!outcome.applied || loadFailed)
        batch.promise->setException(*outcome.error);
    if (batch.flushPromise)
        batch.flushPromise->setException(*outcome.error);
}

void WriteQueue::finish(const Batch &batch)
{
    batch.promise->finish();
    if (batch.flushPromise)
        batch.flushPromise->finish();
}

} // namespace PersistentMapInternal
