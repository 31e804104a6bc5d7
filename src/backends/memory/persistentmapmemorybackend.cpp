// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmapmemorybackend.h>

PersistentMapMemoryBackend::PersistentMapMemoryBackend() = default;
PersistentMapMemoryBackend::~PersistentMapMemoryBackend() = default;

QVariantHash PersistentMapMemoryBackend::loadAll()
{
    return m_data;
}

void PersistentMapMemoryBackend::save(const QString &key, const QVariant &value)
{
    m_data.insert(key, value);
}

void PersistentMapMemoryBackend::remove(const QString &key)
{
    m_data.remove(key);
}

void PersistentMapMemoryBackend::clear()
{
    m_data.clear();
}
