// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "backend/keyorder_p.h"

#include <algorithm>

namespace PersistentMapInternal {

QList<const PersistentMapWriteBatch::Entry *> entriesInKeyOrder(
        const QList<PersistentMapWriteBatch::Entry> &entries)
{
    QList<const PersistentMapWriteBatch::Entry *> ordered;
    ordered.reserve(entries.size());
    for (const PersistentMapWriteBatch::Entry &entry : entries)
        ordered.append(&entry);
    const auto byKey = [](const PersistentMapWriteBatch::Entry *a,
                          const PersistentMapWriteBatch::Entry *b) { return a->key < b->key; };
    if (!std::is_sorted(ordered.cbegin(), ordered.cend(), byKey)) // writes often come in order
        std::stable_sort(ordered.begin(), ordered.end(), byKey);
    return ordered;
}

} // namespace PersistentMapInternal
