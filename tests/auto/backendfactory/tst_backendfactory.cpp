// StorageBackend::create(): schemes, bare paths picked by suffix, refusals with a reason, and
// maps built on what it returns.
#include <PersistentMap/CsvBackend>
#include <PersistentMap/MemoryBackend>
#include <PersistentMap/PersistentMap>
#include <PersistentMap/SqliteBackend>

#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

namespace {

enum class Kind { Memory, Sqlite, Csv };

} // namespace

Q_DECLARE_METATYPE(Kind)

class tst_BackendFactory : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void created_data();
    void created();
    void refused_data();
    void refused();
    void doesNoIo();
    void mapOnCreatedBackend_data();
    void mapOnCreatedBackend();
};

void tst_BackendFactory::created_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<QString>("path"); // what path() returns; empty for memory

    QTest::newRow("memory") << QStringLiteral("memory:") << Kind::Memory << QString();
    QTest::newRow("MEMORY") << QStringLiteral("MEMORY:") << Kind::Memory << QString();
    QTest::newRow("sqlite scheme") << QStringLiteral("sqlite:/tmp/x/store.bin") << Kind::Sqlite
                                   << QStringLiteral("/tmp/x/store.bin");
    QTest::newRow("sqlite scheme, csv suffix")
            << QStringLiteral("sqlite:data.csv") << Kind::Sqlite << QStringLiteral("data.csv");
    QTest::newRow("Sqlite scheme")
            << QStringLiteral("Sqlite:a.db") << Kind::Sqlite << QStringLiteral("a.db");
    QTest::newRow("csv scheme") << QStringLiteral("csv:/tmp/x/settings") << Kind::Csv
                                << QStringLiteral("/tmp/x/settings");
    QTest::newRow("csv scheme, db suffix")
            << QStringLiteral("csv:store.db") << Kind::Csv << QStringLiteral("store.db");
    QTest::newRow("csv scheme, path with colon")
            << QStringLiteral("csv:/tmp/a:b.csv") << Kind::Csv << QStringLiteral("/tmp/a:b.csv");
    QTest::newRow(".db") << QStringLiteral("/tmp/x/store.db") << Kind::Sqlite
                         << QStringLiteral("/tmp/x/store.db");
    QTest::newRow(".DB") << QStringLiteral("STORE.DB") << Kind::Sqlite
                         << QStringLiteral("STORE.DB");
    QTest::newRow(".sqlite") << QStringLiteral("rel/store.sqlite") << Kind::Sqlite
                             << QStringLiteral("rel/store.sqlite");
    QTest::newRow(".SQLite") << QStringLiteral("store.SQLite") << Kind::Sqlite
                             << QStringLiteral("store.SQLite");
    QTest::newRow(".sqlite3") << QStringLiteral("store.sqlite3") << Kind::Sqlite
                              << QStringLiteral("store.sqlite3");
    QTest::newRow(".SQLITE3") << QStringLiteral("store.SQLITE3") << Kind::Sqlite
                              << QStringLiteral("store.SQLITE3");
    QTest::newRow(".csv") << QStringLiteral("/tmp/x/settings.csv") << Kind::Csv
                          << QStringLiteral("/tmp/x/settings.csv");
    QTest::newRow(".Csv") << QStringLiteral("settings.Csv") << Kind::Csv
                          << QStringLiteral("settings.Csv");
    // A colon inside a bare path is not a scheme.
    QTest::newRow("bare path with colon")
            << QStringLiteral("/tmp/run:2024/store.db") << Kind::Sqlite
            << QStringLiteral("/tmp/run:2024/store.db");
    QTest::newRow("relative path with colon") << QStringLiteral("./a:b/settings.csv") << Kind::Csv
                                              << QStringLiteral("./a:b/settings.csv");
    QTest::newRow("drive letter") << QStringLiteral("C:/data/store.db") << Kind::Sqlite
                                  << QStringLiteral("C:/data/store.db");
}

void tst_BackendFactory::created()
{
    QFETCH(QString, spec);
    QFETCH(Kind, kind);
    QFETCH(QString, path);

    QString error = QStringLiteral("untouched");
    const std::unique_ptr<StorageBackend> backend = StorageBackend::create(spec, &error);
    QVERIFY2(backend, qPrintable(error));
    switch (kind) {
    case Kind::Memory:
        QVERIFY(dynamic_cast<MemoryBackend *>(backend.get()));
        break;
    case Kind::Sqlite: {
        auto *sqlite = dynamic_cast<SqliteBackend *>(backend.get());
        QVERIFY(sqlite);
        QCOMPARE(sqlite->path(), path);
        QCOMPARE(sqlite->table(), QStringLiteral("persistent_map"));
        break;
    }
    case Kind::Csv: {
        auto *csv = dynamic_cast<CsvBackend *>(backend.get());
        QVERIFY(csv);
        QCOMPARE(csv->path(), path);
        break;
    }
    }
    // Also without an error string.
    QVERIFY(StorageBackend::create(spec));
}

void tst_BackendFactory::refused_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QStringList>("reasonParts");

    QTest::newRow("empty") << QString() << QStringList{QStringLiteral("path is missing")};
    QTest::newRow("sqlite without path")
            << QStringLiteral("sqlite:") << QStringList{QStringLiteral("path is missing")};
    QTest::newRow("csv without path")
            << QStringLiteral("csv:") << QStringList{QStringLiteral("path is missing")};
    QTest::newRow("memory with path")
            << QStringLiteral("memory:/tmp/x")
            << QStringList{QStringLiteral("memory"), QStringLiteral("no path")};
    QTest::newRow("unknown scheme")
            << QStringLiteral("redis:localhost")
            << QStringList{QStringLiteral("unknown backend"), QStringLiteral("redis"),
                           QStringLiteral("sqlite:PATH")};
    QTest::newRow("unknown suffix")
            << QStringLiteral("/tmp/store.txt")
            << QStringList{QStringLiteral("/tmp/store.txt"), QStringLiteral("cannot tell"),
                           QStringLiteral(".csv")};
    QTest::newRow("no suffix") << QStringLiteral("store")
                               << QStringList{QStringLiteral("cannot tell")};
    QTest::newRow("suffix only in folder")
            << QStringLiteral("/tmp/x.db/store") << QStringList{QStringLiteral("cannot tell")};
}

void tst_BackendFactory::refused()
{
    QFETCH(QString, spec);
    QFETCH(QStringList, reasonParts);
    QString error;
    QVERIFY(!StorageBackend::create(spec, &error));
    QVERIFY(!error.isEmpty());
    for (const QString &part : std::as_const(reasonParts))
        QVERIFY2(error.contains(part), qPrintable(error + QStringLiteral(" lacks ") + part));
    QVERIFY(!StorageBackend::create(spec)); // a null errorString is allowed
}

void tst_BackendFactory::doesNoIo()
{
    QTemporaryDir dir;
    const QString sqlitePath = dir.filePath(QStringLiteral("missing/store.db"));
    const QString csvPath = dir.filePath(QStringLiteral("missing/store.csv"));
    QVERIFY(StorageBackend::create(sqlitePath));
    QVERIFY(StorageBackend::create(QStringLiteral("csv:") + csvPath));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("missing"))));
}

void tst_BackendFactory::mapOnCreatedBackend_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<bool>("persistent");
    QTest::newRow("memory") << QStringLiteral("memory:") << false;
    QTest::newRow("sqlite") << QStringLiteral("sqlite:store.bin") << true;
    QTest::newRow("bare db") << QStringLiteral("store.db") << true;
    QTest::newRow("csv") << QStringLiteral("csv:settings") << true;
    QTest::newRow("bare csv") << QStringLiteral("settings.CSV") << true;
}

void tst_BackendFactory::mapOnCreatedBackend()
{
    QFETCH(QString, spec);
    QFETCH(bool, persistent);
    QTemporaryDir dir;
    // Paths in the specs are relative: make them relative to the temporary folder.
    const QString full = spec == u"memory:" ? spec
            : spec.contains(u':')
            ? spec.section(u':', 0, 0) + u':' + dir.filePath(spec.section(u':', 1))
            : dir.filePath(spec);
    {
        PersistentMap map(StorageBackend::create(full));
        map.whenReady().waitForFinished();
        QCOMPARE(map.status(), PersistentMap::Status::Ready);
        map.insert(QStringLiteral("k"), QStringLiteral("v"));
        map.insert(QStringLiteral("n"), 7);
        map.flush().waitForFinished();
        QCOMPARE(map.value(QStringLiteral("n")), QVariant(7));
    }
    PersistentMap map(StorageBackend::create(full));
    map.whenReady().waitForFinished();
    QCOMPARE(map.count(), persistent ? 2 : 0);
    if (persistent)
        QCOMPARE(map.value(QStringLiteral("k")), QVariant(QStringLiteral("v")));

    // A null backend (a refused spec) gives a map in status Error, not a crash.
    PersistentMap broken(StorageBackend::create(QStringLiteral("nope:")));
    QVERIFY_THROWS_EXCEPTION(PersistentMapError, broken.whenReady().waitForFinished());
    QCOMPARE(broken.status(), PersistentMap::Status::Error);
}

QTEST_GUILESS_MAIN(tst_BackendFactory)
#include "tst_backendfactory.moc"
