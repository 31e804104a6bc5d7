// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmapwritebatch.h>

class PersistentMapWriteBatchPrivate : public QSharedData
{
public:
    QList<PersistentMapWriteBatch::Entry> entries;
};

PersistentMapWriteBatch::PersistentMapWriteBatch()
    : d(new PersistentMapWriteBatchPrivate)
{
}
PersistentMapWriteBatch::PersistentMapWriteBatch(const PersistentMapWriteBatch &other) = default;
PersistentMapWriteBatch::PersistentMapWriteBatch(PersistentMapWriteBatch &&other) noexcept =
        default;
PersistentMapWriteBatch &PersistentMapWriteBatch::operator=(const PersistentMapWriteBatch &other) =
        default;
PersistentMapWriteBatch &PersistentMapWriteBatch::operator=(
        PersistentMapWriteBatch &&other) noexcept = default;
PersistentMapWriteBatch::~PersistentMapWriteBatch() = default;

qsizetype PersistentMapWriteBatch::size() const noexcept
{
    return d->entries.size();
}

bool PersistentMapWriteBatch::isEmpty() const noexcept
{
    return d->entries.isEmpty();
}

void PersistentMapWriteBatch::reserve(qsizetype size)
{
    d->entries.reserve(size);
}

const QList<PersistentMapWriteBatch::Entry> &PersistentMapWriteBatch::entries() const noexcept
{
    return d->entries;
}

void PersistentMapWriteBatch::insert(const QString &key, const QVariant &value)
{
    d->entries.append(Entry{key, value, false});
}

void PersistentMapWriteBatch::remove(const QString &key)
{
    d->entries.append(Entry{key, QVariant(), true});
}
