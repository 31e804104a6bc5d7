// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

/// PersistentMapMemoryBackend: keeps everything in memory; nothing survives the process. For tests,
/// caches and as the smallest example of a PersistentMapBackend.
#ifndef PERSISTENTMAPMEMORYBACKEND_H
#define PERSISTENTMAPMEMORYBACKEND_H

#include <PersistentMap/persistentmapbackend.h>

class PersistentMapMemoryBackendPrivate;

class PERSISTENTMAP_EXPORT PersistentMapMemoryBackend : public PersistentMapBackend
{
public:
    PersistentMapMemoryBackend();
    ~PersistentMapMemoryBackend() override;

    void loadInto(Loader &loader) override;
    void apply(const PersistentMapWriteBatch &batch) override;
    void clear() override;

private:
    std::unique_ptr<PersistentMapMemoryBackendPrivate> d;
};

#ifndef PERSISTENTMAP_NO_DEPRECATED_NAMES
// The name before every public type took the PersistentMap prefix (docs/DESIGN.md, "Names"):
// kept for one release; define PERSISTENTMAP_NO_DEPRECATED_NAMES to check code is free of it.
using MemoryBackend [[deprecated("use PersistentMapMemoryBackend")]] = PersistentMapMemoryBackend;
#endif

#endif // PERSISTENTMAPMEMORYBACKEND_H
