// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// For tests that drive a backend without a map: the calls they used to make (loadAll(), save(),
// remove()) made through the interface the map uses, loadInto() and apply().
#ifndef BACKENDCALLS_H
#define BACKENDCALLS_H

#include <PersistentMap/persistentmapbackend.h>

// Every entry loadInto() hands over, in one hash.
inline QVariantHash loadAll(PersistentMapBackend &backend)
{
    struct HashLoader final : PersistentMapBackend::Loader
    {
        QVariantHash entries;
        void reserve(qsizetype count) override { entries.reserve(count); }
        void add(QString &&key, QVariant &&value) override
        {
            entries.insert(std::move(key), std::move(value));
        }
    } loader;
    backend.loadInto(loader);
    return std::move(loader.entries);
}

inline QVariantHash loadAll(PersistentMapBackend &&backend)
{
    return loadAll(backend);
}

inline void save(PersistentMapBackend &backend, const QString &key, const QVariant &value)
{
    PersistentMapWriteBatch batch;
    batch.insert(key, value);
    backend.apply(batch);
}

inline void remove(PersistentMapBackend &backend, const QString &key)
{
    PersistentMapWriteBatch batch;
    batch.remove(key);
    backend.apply(batch);
}

#endif // BACKENDCALLS_H
