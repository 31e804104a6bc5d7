#include "storagebackend.h"

StorageBackend::~StorageBackend() = default;

void StorageBackend::flush() { }

void StorageBackend::apply(const WriteBatch &batch)
{
    for (const WriteBatch::Entry &entry : batch.entries()) {
        if (entry.isRemove)
            remove(entry.key);
        else
            save(entry.key, entry.value);
    }
}

void StorageBackend::clear()
{
    const QVariantHash all = loadAll();
    for (auto it = all.cbegin(); it != all.cend(); ++it)
        remove(it.key());
}
