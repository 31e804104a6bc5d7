// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

/// PersistentMapSimpleBackend: a custom store in three functions. Derive from it and implement
/// loadAll(), save() and remove(); it turns the map's calls into them:
/// - loadInto() passes on every entry loadAll() returns;
/// - apply() calls save() or remove() for each entry of the batch, in order;
/// - clear() (PersistentMapBackend's default, through those two) calls remove() for every key
///   loadAll() returns.
/// The same contract as PersistentMapBackend holds (the map calls everything one call at a time
/// on its storage thread; failures are thrown as PersistentMapError), with one difference: a
/// batch or a clear is atomic only if the store makes save()/remove() so; one that fails halfway
/// leaves the entries before it written. A store that can commit a batch in one transaction, or
/// stream a large load, derives from PersistentMapBackend instead (examples/custom-backend).
#ifndef PERSISTENTMAPSIMPLEBACKEND_H
#define PERSISTENTMAPSIMPLEBACKEND_H

#include <PersistentMap/persistentmapbackend.h>

class PersistentMapSimpleBackendPrivate;

class PERSISTENTMAP_EXPORT PersistentMapSimpleBackend : public PersistentMapBackend
{
public:
    PersistentMapSimpleBackend();
    ~PersistentMapSimpleBackend() override;

    /// Opens the store (creating it when missing) and returns everything in it. Called first.
    virtual QVariantHash loadAll() = 0;
    virtual void save(const QString &key, const QVariant &value) = 0;
    virtual void remove(const QString &key) = 0;

    void loadInto(Loader &loader) override;
    void apply(const PersistentMapWriteBatch &batch) override;

private:
    std::unique_ptr<PersistentMapSimpleBackendPrivate> d; // reserved, null today
};

#endif // PERSISTENTMAPSIMPLEBACKEND_H
