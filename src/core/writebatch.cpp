// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/writebatch.h>

void WriteBatch::insert(const QString &key, const QVariant &value)
{
    m_entries.append(Entry{key, value, false});
}

void WriteBatch::remove(const QString &key)
{
    m_entries.append(Entry{key, QVariant(), true});
}
