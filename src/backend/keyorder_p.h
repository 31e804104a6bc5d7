// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The order writes are applied in: by key (QString's operator<), the order a B-tree writes best
// (measured in sqlitedirect.cpp), stably, so that a key's entries keep the order they were made
// in and the last one wins. The one definition for the map's coalescing and the backends.
#ifndef KEYORDER_P_H
#define KEYORDER_P_H

#include <PersistentMap/persistentmapwritebatch.h>

#include <QtCore/QList>

namespace PersistentMapInternal {

QList<const PersistentMapWriteBatch::Entry *> entriesInKeyOrder(
        const QList<PersistentMapWriteBatch::Entry> &entries);

} // namespace PersistentMapInternal

#endif // KEYORDER_P_H
