// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmapbackend.h>

PersistentMapBackend::~PersistentMapBackend() = default;

PersistentMapBackend::Loader::~Loader() = default;

void PersistentMapBackend::Loader::reserve(qsizetype count)
{
    Q_UNUSED(count);
}

void PersistentMapBackend::loadInto(Loader &loader)
{
    QVariantHash all = loadAll();
    loader.reserve(all.size());
    for (auto it = all.begin(); it != all.end(); ++it)
        loader.add(QString(it.key()), std::move(it.value()));
}

void PersistentMapBackend::flush() { }

bool PersistentMapBackend::canStore(const QString &key, const QVariant &value, QString *why) const
{
    Q_UNUSED(key);
    Q_UNUSED(value);
    Q_UNUSED(why);
    return true;
}

bool PersistentMapBackend::isReadOnly(QString *why) const
{
    Q_UNUSED(why);
    return false;
}

bool PersistentMapBackend::canWatchChanges() const
{
    return false;
}

PersistentMapBackend::Changes PersistentMapBackend::pollChanges()
{
    return {};
}

void PersistentMapBackend::apply(const PersistentMapWriteBatch &batch)
{
    for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
        if (entry.isRemove)
            remove(entry.key);
        else
            save(entry.key, entry.value);
    }
}

void PersistentMapBackend::clear()
{
    const QVariantHash all = loadAll();
    for (auto it = all.cbegin(); it != all.cend(); ++it)
        remove(it.key());
}
