// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmapwritebatch.h>

void PersistentMapWriteBatch::insert(const QString &key, const QVariant &value)
{
    m_entries.append(Entry{key, value, false});
}

void PersistentMapWriteBatch::remove(const QString &key)
{
    m_entries.append(Entry{key, QVariant(), true});
}
