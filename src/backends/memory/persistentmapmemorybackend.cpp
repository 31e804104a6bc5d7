// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmapmemorybackend.h>

class PersistentMapMemoryBackendPrivate
{
public:
    QVariantHash data;
};

PersistentMapMemoryBackend::PersistentMapMemoryBackend()
    : d(std::make_unique<PersistentMapMemoryBackendPrivate>())
{
}

PersistentMapMemoryBackend::~PersistentMapMemoryBackend() = default;

void PersistentMapMemoryBackend::loadInto(Loader &loader)
{
    loader.reserve(d->data.size());
    for (auto it = d->data.cbegin(); it != d->data.cend(); ++it)
        loader.add(QString(it.key()), QVariant(it.value()));
}

void PersistentMapMemoryBackend::apply(const PersistentMapWriteBatch &batch)
{
    for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
        if (entry.isRemove)
            d->data.remove(entry.key);
        else
            d->data.insert(entry.key, entry.value);
    }
}

void PersistentMapMemoryBackend::clear()
{
    d->data.clear();
}
