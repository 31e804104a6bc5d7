// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The names and headers before the PersistentMap prefix, used as the README and the examples of
// that release used them (docs/DESIGN.md, "Names"). A class deriving from StorageBackend and
// implementing loadAll(), save() and remove() is the one use that no longer compiles: it derives
// from PersistentMapSimpleBackend now.
#include <PersistentMap/CsvBackend>
#include <PersistentMap/PersistentMap>
#include <PersistentMap/StorageBackend>
#include <PersistentMap/memorybackend.h>
#include <PersistentMap/postgresbackend.h>
#include <PersistentMap/sqlitebackend.h>
#include <PersistentMap/storagebackend.h>
#include <PersistentMap/writebatch.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QDir>

#include <functional>
#include <memory>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QString folder = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QDir::tempPath();
    // examples/backends of that release: one factory per backend.
    const std::function<std::unique_ptr<StorageBackend>()> factories[] = {
            [&] { return std::make_unique<SqliteBackend>(folder + QStringLiteral("/old.db")); },
            [&] { return std::make_unique<CsvBackend>(folder + QStringLiteral("/old.csv")); },
            [] { return std::make_unique<MemoryBackend>(); },
    };
    for (const auto &factory : factories) {
        PersistentMap map(factory());
        WriteBatch batch;
        batch.insert(QStringLiteral("a"), 1);
        map.apply(batch).waitForFinished();
        if (map.value(QStringLiteral("a")) != QVariant(1))
            return 1;
    }
    QString error;
    std::unique_ptr<StorageBackend> created =
            StorageBackend::create(QStringLiteral("csv:%1/old.csv?readonly=1").arg(folder), &error);
    const CsvBackend::OpenMode mode = CsvBackend::OpenMode::ReadOnly;
    auto *csv = dynamic_cast<CsvBackend *>(created.get());
    if (!csv || csv->openMode() != mode)
        return 1;
    PostgresBackend postgres(QStringLiteral("postgres://user@localhost/db"));
    return postgres.table().isEmpty() ? 1 : 0;
}
