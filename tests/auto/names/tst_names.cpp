// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Code written against the names before the PersistentMap prefix keeps compiling for a release:
// the old headers (lowercase and CamelCase) forward to the new ones, and the old names are
// aliases of the new types, deprecated so that the compiler points at every use.

// persistentmap_warnings hides the old names from in-tree code; this test is the one place that
// wants them.
#undef PERSISTENTMAP_NO_DEPRECATED_NAMES

#include <PersistentMap/CsvBackend>
#include <PersistentMap/MemoryBackend>
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PostgresBackend>
#include <PersistentMap/SqliteBackend>
#include <PersistentMap/StorageBackend>
#include <PersistentMap/WriteBatch>
#include <PersistentMap/csvbackend.h>
#include <PersistentMap/memorybackend.h>
#include <PersistentMap/postgresbackend.h>
#include <PersistentMap/sqlitebackend.h>
#include <PersistentMap/storagebackend.h>
#include <PersistentMap/writebatch.h>

#include <QtTest/QTest>

#include <type_traits>

QT_WARNING_PUSH
QT_WARNING_DISABLE_DEPRECATED

static_assert(std::is_same_v<StorageBackend, PersistentMapBackend>);
static_assert(std::is_same_v<WriteBatch, PersistentMapWriteBatch>);
static_assert(std::is_same_v<MemoryBackend, PersistentMapMemoryBackend>);
static_assert(std::is_same_v<SqliteBackend, PersistentMapSqliteBackend>);
static_assert(std::is_same_v<CsvBackend, PersistentMapCsvBackend>);
static_assert(std::is_same_v<PostgresBackend, PersistentMapPostgresBackend>);

class tst_Names : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // A map built and written through the old names works as through the new ones.
    void oldNamesBuildAWorkingMap()
    {
        std::unique_ptr<StorageBackend> backend = std::make_unique<MemoryBackend>();
        PersistentMap map(std::move(backend));
        QVERIFY(map.whenReady().isValid());
        map.whenReady().waitForFinished();
        WriteBatch batch;
        batch.insert(QStringLiteral("a"), 1);
        batch.remove(QStringLiteral("b"));
        auto written = map.apply(batch);
        written.waitForFinished();
        QCOMPARE(map.value(QStringLiteral("a")), QVariant(1));
        QVERIFY(!map.contains(QStringLiteral("b")));
    }
};

QT_WARNING_POP

QTEST_GUILESS_MAIN(tst_Names)
#include "tst_names.moc"
