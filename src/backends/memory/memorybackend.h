// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// MemoryBackend: keeps everything in memory; nothing survives the process. For tests, caches
// and as the smallest example of a StorageBackend.
#ifndef MEMORYBACKEND_H
#define MEMORYBACKEND_H

#include <PersistentMap/storagebackend.h>

class PERSISTENTMAP_EXPORT MemoryBackend : public StorageBackend
{
public:
    MemoryBackend();
    ~MemoryBackend() override;

    QVariantHash loadAll() override;
    void save(const QString &key, const QVariant &value) override;
    void remove(const QString &key) override;
    void clear() override;

private:
    QVariantHash m_data;
};

#endif // MEMORYBACKEND_H
