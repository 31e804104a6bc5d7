// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

/// PersistentMapBackendWrapper: a backend that forwards every call to another one it owns, like
/// LevelDB's EnvWrapper. Derive from it and override only the calls you change (a test double
/// that fails some writes, a decorator that logs): everything else reaches the target as it would
/// without the wrapper, so the map takes the same code paths as in production.
/// Each forward runs on the thread the call came on (the map's storage thread, or any thread for
/// canStore() and isReadOnly()); it adds no locking and lets the target's exceptions through.
#ifndef PERSISTENTMAPBACKENDWRAPPER_H
#define PERSISTENTMAPBACKENDWRAPPER_H

#include <PersistentMap/persistentmapbackend.h>

class PersistentMapBackendWrapperPrivate;

class PERSISTENTMAP_EXPORT PersistentMapBackendWrapper : public PersistentMapBackend
{
public:
    /// target must not be null; the wrapper destroys it when it is destroyed.
    explicit PersistentMapBackendWrapper(std::unique_ptr<PersistentMapBackend> target);
    ~PersistentMapBackendWrapper() override;

    PersistentMapBackend *target() const noexcept;

    void loadInto(Loader &loader) override;
    void apply(const PersistentMapWriteBatch &batch) override;
    void flush() override;
    void clear() override;
    bool canStore(const QString &key, const QVariant &value, QString *why) const override;
    bool isReadOnly(QString *why) const override;
    bool canWatchChanges() const override;
    Changes pollChanges() override;
    bool watchChanges(std::function<void()> othersCommitted) override;

private:
    std::unique_ptr<PersistentMapBackendWrapperPrivate> d;
};

#endif // PERSISTENTMAPBACKENDWRAPPER_H
