// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// FaultyBackend: a PersistentMapBackendWrapper around a real backend that fails chosen calls on
// demand, the way LevelDB's fault-injecting Env derives from EnvWrapper. The map owns the
// backend, so the test steers it through a shared FaultControl whose members are atomics: they may
// be changed from the test thread while the map's storage thread calls the backend.
//
//     auto control = std::make_shared<FaultControl>();
//     PersistentMap
//     map(std::make_unique<FaultyBackend>(std::make_unique<PersistentMapMemoryBackend>(),
//     control)); control->apply.failNext();          // the next apply() throws WriteFailed
//     control->flush.failAlways = true;   // every flush() throws until reset
#ifndef FAULTYBACKEND_H
#define FAULTYBACKEND_H

#include <PersistentMap/persistentmapbackendwrapper.h>
#include <PersistentMap/persistentmaperror.h>

#include <atomic>
#include <functional>
#include <memory>

// When one kind of call fails. Calls are numbered from 1 in the order the backend receives them.
struct FaultPlan
{
    std::atomic<int> calls{0}; // calls received so far, failed ones included
    std::atomic<int> failures{0}; // calls that were made to fail
    std::atomic<int> failAt{0}; // the call with this number fails; 0: none
    std::atomic<bool> failAlways{false};

    void failNext() { failAt = calls.load() + 1; }
    void failNth(int n) { failAt = n; }
    void reset()
    {
        failAt = 0;
        failAlways = false;
    }

    // Counts the call; true when it must fail.
    bool hit()
    {
        const int n = ++calls;
        const bool fail = failAlways.load() || n == failAt.load();
        if (fail)
            ++failures;
        return fail;
    }
};

struct FaultControl
{
    FaultPlan load; // loadInto()
    FaultPlan apply;
    FaultPlan flush;
    FaultPlan clear;
    FaultPlan poll; // pollChanges()
    // canWatchChanges() says true even when the real backend cannot watch, and watchChanges()
    // false even when it pushes (set before the map exists), so that polls happen every watch
    // interval and can be made to fail.
    bool watch = false;

    // Runs on the storage thread before each forwarded apply(): lets a test act on thread-bound
    // resources of the real backend (its QSqlDatabase connection). Set it before the map exists.
    std::function<void()> beforeApply;
    // canStore() refuses writes of this key (set before the map exists: it is read from any
    // thread).
    QString refusedKey;
};

class FaultyBackend : public PersistentMapBackendWrapper
{
public:
    FaultyBackend(std::unique_ptr<PersistentMapBackend> target,
                  std::shared_ptr<FaultControl> control)
        : PersistentMapBackendWrapper(std::move(target))
        , m_control(std::move(control))
    {
    }

    void loadInto(Loader &loader) override
    {
        check(m_control->load, PersistentMapError::Code::OpenFailed, "loadInto");
        PersistentMapBackendWrapper::loadInto(loader);
    }
    void apply(const PersistentMapWriteBatch &batch) override
    {
        check(m_control->apply, PersistentMapError::Code::WriteFailed, "apply");
        if (m_control->beforeApply)
            m_control->beforeApply();
        PersistentMapBackendWrapper::apply(batch);
    }
    void flush() override
    {
        check(m_control->flush, PersistentMapError::Code::WriteFailed, "flush");
        PersistentMapBackendWrapper::flush();
    }
    void clear() override
    {
        check(m_control->clear, PersistentMapError::Code::WriteFailed, "clear");
        PersistentMapBackendWrapper::clear();
    }

    bool canWatchChanges() const override
    {
        return m_control->watch || PersistentMapBackendWrapper::canWatchChanges();
    }
    bool watchChanges(std::function<void()> othersCommitted) override
    {
        return !m_control->watch &&
                PersistentMapBackendWrapper::watchChanges(std::move(othersCommitted));
    }
    Changes pollChanges() override
    {
        check(m_control->poll, PersistentMapError::Code::OpenFailed, "pollChanges");
        return PersistentMapBackendWrapper::canWatchChanges()
                ? PersistentMapBackendWrapper::pollChanges()
                : Changes();
    }

    bool canStore(const QString &key, const QVariant &value, QString *why) const override
    {
        if (m_control->refusedKey.isNull() || key != m_control->refusedKey)
            return PersistentMapBackendWrapper::canStore(key, value, why);
        *why = QStringLiteral("FaultyBackend: the key '%1' is refused").arg(key);
        return false;
    }

    static QString messageFor(const char *what, int call)
    {
        return QStringLiteral("FaultyBackend: injected failure of %1() call %2")
                .arg(QLatin1StringView(what))
                .arg(call);
    }

private:
    static void check(FaultPlan &plan, PersistentMapError::Code code, const char *what)
    {
        if (plan.hit())
            throw PersistentMapError(code, messageFor(what, plan.calls.load()));
    }

    std::shared_ptr<FaultControl> m_control;
};

#endif // FAULTYBACKEND_H
