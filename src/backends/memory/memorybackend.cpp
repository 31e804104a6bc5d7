// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/memorybackend.h>

MemoryBackend::MemoryBackend() = default;
MemoryBackend::~MemoryBackend() = default;

QVariantHash MemoryBackend::loadAll()
{
    return m_data;
}

void MemoryBackend::save(const QString &key, const QVariant &value)
{
    m_data.insert(key, value);
}

void MemoryBackend::remove(const QString &key)
{
    m_data.remove(key);
}

void MemoryBackend::clear()
{
    m_data.clear();
}
