// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmapsimplebackend.h>

class PersistentMapSimpleBackendPrivate
{
};

PersistentMapSimpleBackend::PersistentMapSimpleBackend() = default;
PersistentMapSimpleBackend::~PersistentMapSimpleBackend() = default;

void PersistentMapSimpleBackend::loadInto(Loader &loader)
{
    QVariantHash all = loadAll();
    loader.reserve(all.size());
    for (auto it = all.begin(); it != all.end(); ++it)
        loader.add(QString(it.key()), std::move(it.value()));
}

void PersistentMapSimpleBackend::apply(const PersistentMapWriteBatch &batch)
{
    for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
        if (entry.isRemove)
            remove(entry.key);
        else
            save(entry.key, entry.value);
    }
}
