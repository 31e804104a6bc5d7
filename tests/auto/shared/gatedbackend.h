// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// GatedBackend: a real backend behind PersistentMapBackendWrapper that can hold its load or its
// first apply() at a Gate, so a test acts while the storage thread is provably busy (no sleeps),
// and can record what was committed.
#ifndef GATEDBACKEND_H
#define GATEDBACKEND_H

#include <PersistentMap/persistentmapbackendwrapper.h>

#include <QtCore/QMutex>
#include <QtCore/QSemaphore>

#include <atomic>
#include <memory>

// Holds one call of the backend on the storage thread until the test opens it.
struct Gate
{
    QSemaphore entered;
    QSemaphore released;
    std::atomic<bool> armed{true};

    bool waitEntered() { return entered.tryAcquire(1, 10000); }
    void open() { released.release(); }
    void pass()
    {
        if (!armed.exchange(false))
            return;
        entered.release();
        released.acquire();
    }
};

// What the backend has committed, as seen right after its load, apply() or clear() returned.
struct CommitLog
{
    QMutex mutex;
    QVariantHash committed;

    QVariantHash snapshot()
    {
        QMutexLocker locker(&mutex);
        return committed;
    }
};

class GatedBackend : public PersistentMapBackendWrapper
{
public:
    GatedBackend(std::unique_ptr<PersistentMapBackend> target, std::shared_ptr<Gate> loadGate,
                 std::shared_ptr<Gate> applyGate = {}, std::shared_ptr<CommitLog> log = {})
        : PersistentMapBackendWrapper(std::move(target))
        , m_loadGate(std::move(loadGate))
        , m_applyGate(std::move(applyGate))
        , m_log(std::move(log))
    {
    }

    void loadInto(Loader &loader) override
    {
        if (m_loadGate)
            m_loadGate->pass();
        if (!m_log) {
            PersistentMapBackendWrapper::loadInto(loader);
            return;
        }
        // Passes the entries on and records them.
        struct Recorder final : Loader
        {
            Loader &next;
            QVariantHash seen;
            explicit Recorder(Loader &loader)
                : next(loader)
            {
            }
            void reserve(qsizetype count) override { next.reserve(count); }
            void add(QString &&key, QVariant &&value) override
            {
                seen.insert(key, value);
                next.add(std::move(key), std::move(value));
            }
        } recorder(loader);
        PersistentMapBackendWrapper::loadInto(recorder);
        QMutexLocker locker(&m_log->mutex);
        m_log->committed = recorder.seen;
    }
    void apply(const PersistentMapWriteBatch &batch) override
    {
        if (m_applyGate)
            m_applyGate->pass();
        PersistentMapBackendWrapper::apply(batch);
        if (!m_log)
            return;
        QMutexLocker locker(&m_log->mutex);
        for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
            if (entry.isRemove)
                m_log->committed.remove(entry.key);
            else
                m_log->committed.insert(entry.key, entry.value);
        }
    }
    void clear() override
    {
        PersistentMapBackendWrapper::clear();
        if (!m_log)
            return;
        QMutexLocker locker(&m_log->mutex);
        m_log->committed.clear();
    }

private:
    std::shared_ptr<Gate> m_loadGate;
    std::shared_ptr<Gate> m_applyGate;
    std::shared_ptr<CommitLog> m_log;
};

#endif // GATEDBACKEND_H
