// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// MigratingBackend: what PersistentMapMigrations::wrap() returns. Its loadInto() reads the target's
// whole store, commits each pending step's batch with the version record in one apply(), then
// hands the migrated entries to the map's loader. Every other call is forwarded unchanged.
// Used on the map's storage thread, like any backend.
#ifndef MIGRATINGBACKEND_P_H
#define MIGRATINGBACKEND_P_H

#include <PersistentMap/persistentmapbackendwrapper.h>
#include <PersistentMap/persistentmapmigrations.h>

namespace PersistentMapInternal {

class MigratingBackend : public PersistentMapBackendWrapper
{
public:
    MigratingBackend(std::unique_ptr<PersistentMapBackend> target,
                     QList<PersistentMapMigrations::Step> steps);

    void loadInto(Loader &loader) override;

private:
    QList<PersistentMapMigrations::Step> m_steps; // ascending versions
};

} // namespace PersistentMapInternal

#endif // MIGRATINGBACKEND_P_H
