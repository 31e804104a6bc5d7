// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

/// PersistentMapWriteBatch: an ordered list of inserts and removes that PersistentMap::apply()
/// commits atomically: after a reopen either every entry of the batch is in the store or none is. A
/// plain value type (implicitly shared, cheap to copy); not thread-safe for concurrent
/// modification, like QList. Backends receive the map's pending writes as a PersistentMapWriteBatch
/// in which each key appears once.
#ifndef PERSISTENTMAPWRITEBATCH_H
#define PERSISTENTMAPWRITEBATCH_H

#include <PersistentMap/persistentmap_export.h>

#include <QtCore/QList>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>
#include <QtCore/QVariant>

class PersistentMapWriteBatchPrivate;

class PERSISTENTMAP_EXPORT PersistentMapWriteBatch
{
public:
    struct Entry
    {
        QString key;
        QVariant value; ///< meaningless when isRemove is true
        bool isRemove = false;
    };

    PersistentMapWriteBatch();
    PersistentMapWriteBatch(const PersistentMapWriteBatch &other);
    PersistentMapWriteBatch(PersistentMapWriteBatch &&other) noexcept;
    PersistentMapWriteBatch &operator=(const PersistentMapWriteBatch &other);
    PersistentMapWriteBatch &operator=(PersistentMapWriteBatch &&other) noexcept;
    ~PersistentMapWriteBatch();

    void insert(const QString &key, const QVariant &value);
    void remove(const QString &key);
    qsizetype size() const noexcept;
    bool isEmpty() const noexcept;
    void reserve(qsizetype size);

    /// In the order they were added; for backends implementing apply().
    const QList<Entry> &entries() const noexcept;

private:
    QSharedDataPointer<PersistentMapWriteBatchPrivate> d;
};

#ifndef PERSISTENTMAP_NO_DEPRECATED_NAMES
// The name before every public type took the PersistentMap prefix (docs/DESIGN.md, "Names"):
// kept for one release; define PERSISTENTMAP_NO_DEPRECATED_NAMES to check code is free of it.
using WriteBatch [[deprecated("use PersistentMapWriteBatch")]] = PersistentMapWriteBatch;
#endif

#endif // PERSISTENTMAPWRITEBATCH_H
