// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PersistentMapBackend::create(): the one place that builds every backend, from the spec that
// PersistentMapStoreSpec reads.
#include <PersistentMap/persistentmapbackend.h>
#include <PersistentMap/persistentmapcsvbackend.h>
#include <PersistentMap/persistentmapmemorybackend.h>
#include <PersistentMap/persistentmappostgresbackend.h>
#include <PersistentMap/persistentmapsqlitebackend.h>
#include <PersistentMap/persistentmapstorespec.h>

std::unique_ptr<PersistentMapBackend> PersistentMapBackend::create(const QString &spec,
                                                                   QString *errorString)
{
    const PersistentMapStoreSpec parsed = PersistentMapStoreSpec::parse(spec);
    switch (parsed.backend()) {
    case PersistentMapStoreSpec::Backend::Memory:
        return std::make_unique<PersistentMapMemoryBackend>();
    case PersistentMapStoreSpec::Backend::Sqlite:
        return std::make_unique<PersistentMapSqliteBackend>(parsed.path());
    case PersistentMapStoreSpec::Backend::Csv:
        return std::make_unique<PersistentMapCsvBackend>(
                parsed.path(),
                parsed.isReadOnly() ? PersistentMapCsvBackend::OpenMode::ReadOnly
                                    : PersistentMapCsvBackend::OpenMode::ReadWrite);
    case PersistentMapStoreSpec::Backend::Postgres:
        return std::make_unique<PersistentMapPostgresBackend>(spec);
    case PersistentMapStoreSpec::Backend::None:
        break;
    }
    if (errorString)
        *errorString = parsed.errorString();
    return nullptr;
}
