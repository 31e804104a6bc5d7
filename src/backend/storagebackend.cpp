// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/storagebackend.h>

StorageBackend::~StorageBackend() = default;

StorageBackend::Loader::~Loader() = default;

void StorageBackend::Loader::reserve(qsizetype count)
{
    Q_UNUSED(count);
}

void StorageBackend::loadInto(Loader &loader)
{
    QVariantHash all = loadAll();
    loader.reserve(all.size());
    for (auto it = all.begin(); it != all.end(); ++it)
        loader.add(QString(it.key()), std::move(it.value()));
}

void StorageBackend::flush() { }

bool StorageBackend::canStore(const QString &key, const QVariant &value, QString *why) const
{
    Q_UNUSED(key);
    Q_UNUSED(value);
    Q_UNUSED(why);
    return true;
}

bool StorageBackend::isReadOnly(QString *why) const
{
    Q_UNUSED(why);
    return false;
}

bool StorageBackend::canWatchChanges() const
{
    return false;
}

StorageBackend::Changes StorageBackend::pollChanges()
{
    return {};
}

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
