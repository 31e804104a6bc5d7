// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PersistentMapStoreSpec: every spec form tst_backendfactory builds a backend from, read here
// without building one (backend, scheme, path, options), the refusals with their reasons and
// no password, and withPath() as the QML type's `source` uses it.
#include <PersistentMap/PersistentMapStoreSpec>

#include <QtTest/QTest>

using Backend = PersistentMapStoreSpec::Backend;

Q_DECLARE_METATYPE(PersistentMapStoreSpec::Backend)

class tst_StoreSpec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsed_data();
    void parsed();
    void refused_data();
    void refused();
    void withPath_data();
    void withPath();
    void copies();
};

void tst_StoreSpec::parsed_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<Backend>("backend");
    QTest::addColumn<QString>("scheme");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<bool>("readOnly");

    const QStringList none;
    QTest::newRow("memory") << QStringLiteral("memory:") << Backend::Memory
                            << QStringLiteral("memory") << QString() << none << false;
    QTest::newRow("MEMORY") << QStringLiteral("MEMORY:") << Backend::Memory
                            << QStringLiteral("memory") << QString() << none << false;
    QTest::newRow("sqlite scheme")
            << QStringLiteral("sqlite:/tmp/x/store.bin") << Backend::Sqlite
            << QStringLiteral("sqlite") << QStringLiteral("/tmp/x/store.bin") << none << false;
    QTest::newRow("sqlite scheme, csv suffix")
            << QStringLiteral("sqlite:data.csv") << Backend::Sqlite << QStringLiteral("sqlite")
            << QStringLiteral("data.csv") << none << false;
    QTest::newRow("Sqlite scheme")
            << QStringLiteral("Sqlite:a.db") << Backend::Sqlite << QStringLiteral("sqlite")
            << QStringLiteral("a.db") << none << false;
    QTest::newRow("sqlite scheme, '?' in the file name")
            << QStringLiteral("sqlite:a.db?x=1") << Backend::Sqlite << QStringLiteral("sqlite")
            << QStringLiteral("a.db?x=1") << none << false;
    QTest::newRow("csv scheme") << QStringLiteral("csv:/tmp/x/settings") << Backend::Csv
                                << QStringLiteral("csv") << QStringLiteral("/tmp/x/settings")
                                << none << false;
    QTest::newRow("csv scheme, db suffix")
            << QStringLiteral("csv:store.db") << Backend::Csv << QStringLiteral("csv")
            << QStringLiteral("store.db") << none << false;
    QTest::newRow("csv scheme, path with colon")
            << QStringLiteral("csv:/tmp/a:b.csv") << Backend::Csv << QStringLiteral("csv")
            << QStringLiteral("/tmp/a:b.csv") << none << false;
    QTest::newRow("csv read-only")
            << QStringLiteral("csv:s.csv?readonly=1") << Backend::Csv << QStringLiteral("csv")
            << QStringLiteral("s.csv") << QStringList{QStringLiteral("readonly=1")} << true;
    QTest::newRow("csv read-only, TRUE")
            << QStringLiteral("csv:s.csv?ReadOnly=TRUE") << Backend::Csv << QStringLiteral("csv")
            << QStringLiteral("s.csv") << QStringList{QStringLiteral("ReadOnly=TRUE")} << true;
    QTest::newRow("csv read-write")
            << QStringLiteral("csv:s.csv?readonly=false") << Backend::Csv << QStringLiteral("csv")
            << QStringLiteral("s.csv") << QStringList{QStringLiteral("readonly=false")} << false;
    QTest::newRow(".db") << QStringLiteral("/tmp/x/store.db") << Backend::Sqlite << QString()
                         << QStringLiteral("/tmp/x/store.db") << none << false;
    QTest::newRow(".DB") << QStringLiteral("STORE.DB") << Backend::Sqlite << QString()
                         << QStringLiteral("STORE.DB") << none << false;
    QTest::newRow(".sqlite") << QStringLiteral("rel/store.sqlite") << Backend::Sqlite << QString()
                             << QStringLiteral("rel/store.sqlite") << none << false;
    QTest::newRow(".SQLite") << QStringLiteral("store.SQLite") << Backend::Sqlite << QString()
                             << QStringLiteral("store.SQLite") << none << false;
    QTest::newRow(".sqlite3") << QStringLiteral("store.sqlite3") << Backend::Sqlite << QString()
                              << QStringLiteral("store.sqlite3") << none << false;
    QTest::newRow(".SQLITE3") << QStringLiteral("store.SQLITE3") << Backend::Sqlite << QString()
                              << QStringLiteral("store.SQLITE3") << none << false;
    QTest::newRow(".csv") << QStringLiteral("/tmp/x/settings.csv") << Backend::Csv << QString()
                          << QStringLiteral("/tmp/x/settings.csv") << none << false;
    QTest::newRow(".Csv") << QStringLiteral("settings.Csv") << Backend::Csv << QString()
                          << QStringLiteral("settings.Csv") << none << false;
    QTest::newRow("bare path with colon")
            << QStringLiteral("/tmp/run:2024/store.db") << Backend::Sqlite << QString()
            << QStringLiteral("/tmp/run:2024/store.db") << none << false;
    QTest::newRow("relative path with colon")
            << QStringLiteral("./a:b/settings.csv") << Backend::Csv << QString()
            << QStringLiteral("./a:b/settings.csv") << none << false;
    QTest::newRow("drive letter") << QStringLiteral("C:/data/store.db") << Backend::Sqlite
                                  << QString() << QStringLiteral("C:/data/store.db") << none
                                  << false;
    QTest::newRow("postgres") << QStringLiteral("postgres://pm@127.0.0.1:5433/pm_test")
                              << Backend::Postgres << QStringLiteral("postgres") << QString()
                              << none << false;
    QTest::newRow("postgresql, options")
            << QStringLiteral("postgresql://pm@h:1/d?sslmode=disable&table=t") << Backend::Postgres
            << QStringLiteral("postgresql") << QString()
            << QStringList{QStringLiteral("sslmode=disable"), QStringLiteral("table=t")} << false;
    QTest::newRow("POSTGRES scheme") << QStringLiteral("POSTGRES://pm@localhost:5433/app?table=t")
                                     << Backend::Postgres << QStringLiteral("postgres") << QString()
                                     << QStringList{QStringLiteral("table=t")} << false;
}

void tst_StoreSpec::parsed()
{
    QFETCH(QString, spec);
    QFETCH(Backend, backend);
    QFETCH(QString, scheme);
    QFETCH(QString, path);
    QFETCH(QStringList, options);
    QFETCH(bool, readOnly);

    const PersistentMapStoreSpec parsed = PersistentMapStoreSpec::parse(spec);
    QVERIFY2(parsed.isValid(), qPrintable(parsed.errorString()));
    QCOMPARE(parsed.errorString(), QString());
    QCOMPARE(parsed.spec(), spec);
    QCOMPARE(parsed.backend(), backend);
    QCOMPARE(parsed.scheme(), scheme);
    QCOMPARE(parsed.path(), path);
    QCOMPARE(parsed.options(), options);
    QCOMPARE(parsed.isReadOnly(), readOnly);
}

void tst_StoreSpec::refused_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QStringList>("reasonParts");
    QTest::addColumn<QString>("path"); // still known: only a CSV option was refused

    QTest::newRow("empty") << QString() << QStringList{QStringLiteral("path is missing")}
                           << QString();
    QTest::newRow("sqlite without path")
            << QStringLiteral("sqlite:") << QStringList{QStringLiteral("path is missing")}
            << QString();
    QTest::newRow("csv without path")
            << QStringLiteral("csv:") << QStringList{QStringLiteral("path is missing")}
            << QString();
    QTest::newRow("csv options without path")
            << QStringLiteral("csv:?readonly=1") << QStringList{QStringLiteral("path is missing")}
            << QString();
    QTest::newRow("csv unknown option")
            << QStringLiteral("csv:/tmp/x.csv?password=Pa55word")
            << QStringList{QStringLiteral("unknown option"), QStringLiteral("password=***")}
            << QStringLiteral("/tmp/x.csv");
    QTest::newRow("memory with path")
            << QStringLiteral("memory:/tmp/x")
            << QStringList{QStringLiteral("memory"), QStringLiteral("no path")} << QString();
    QTest::newRow("unknown scheme")
            << QStringLiteral("redis:localhost")
            << QStringList{QStringLiteral("unknown backend"), QStringLiteral("redis"),
                           QStringLiteral("sqlite:PATH")}
            << QString();
    QTest::newRow("misspelled postgres scheme")
            << QStringLiteral("postgresq://alice:Pa55word@db.example.com/app")
            << QStringList{QStringLiteral("unknown backend"),
                           QStringLiteral("postgresq://alice:***@db.example.com/app")}
            << QString();
    QTest::newRow("unknown suffix")
            << QStringLiteral("/tmp/store.txt")
            << QStringList{QStringLiteral("/tmp/store.txt"), QStringLiteral("cannot tell"),
                           QStringLiteral(".csv")}
            << QString();
    QTest::newRow("no suffix") << QStringLiteral("store")
                               << QStringList{QStringLiteral("cannot tell")} << QString();
    QTest::newRow("suffix only in folder")
            << QStringLiteral("/tmp/x.db/store") << QStringList{QStringLiteral("cannot tell")}
            << QString();
    QTest::newRow("postgres unknown option")
            << QStringLiteral("postgres://alice:Pa55word@db/app?sslmod=require")
            << QStringList{QStringLiteral("alice@db:5432/app"), QStringLiteral("sslmod")}
            << QString();
    // A libpq keyword string goes to PersistentMapPostgresBackend itself: after "postgres:" it
    // is refused, as StorageBackend::create() refused it before the refactor.
    QTest::newRow("postgres scheme, keyword string")
            << QStringLiteral("postgres:host=db dbname=app password=Pa55word")
            << QStringList{QStringLiteral("unknown option")} << QString();
    QTest::newRow("postgres invalid table")
            << QStringLiteral("postgresql://alice:Pa55word@db/app?table=no-dash")
            << QStringList{QStringLiteral("invalid table name"), QStringLiteral("no-dash")}
            << QString();
}

void tst_StoreSpec::refused()
{
    QFETCH(QString, spec);
    QFETCH(QStringList, reasonParts);
    QFETCH(QString, path);

    const PersistentMapStoreSpec parsed = PersistentMapStoreSpec::parse(spec);
    QVERIFY(!parsed.isValid());
    QCOMPARE(parsed.backend(), Backend::None);
    QCOMPARE(parsed.path(), path);
    const QString error = parsed.errorString();
    for (const QString &part : std::as_const(reasonParts))
        QVERIFY2(error.contains(part), qPrintable(error + QStringLiteral(" lacks ") + part));
    QVERIFY2(!error.contains(QStringLiteral("Pa55word")), qPrintable(error));
    QVERIFY(!parsed.redacted().contains(QStringLiteral("Pa55word")));
}

void tst_StoreSpec::withPath_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("expected"); // the spec with its path replaced by "/abs/p"

    QTest::newRow("sqlite") << QStringLiteral("sqlite:a.db") << QStringLiteral("sqlite:/abs/p");
    QTest::newRow("bare") << QStringLiteral("notes.csv") << QStringLiteral("/abs/p");
    QTest::newRow("csv, options kept") << QStringLiteral("csv:a/../s.csv?readonly=1")
                                       << QStringLiteral("csv:/abs/p?readonly=1");
    QTest::newRow("memory: no path") << QStringLiteral("memory:") << QStringLiteral("memory:");
    QTest::newRow("postgres: no path") << QStringLiteral("postgres://pm@h/app?table=t")
                                       << QStringLiteral("postgres://pm@h/app?table=t");
    QTest::newRow("invalid: no path")
            << QStringLiteral("nosuch:thing") << QStringLiteral("nosuch:thing");
    QTest::newRow("csv, unknown option: the path is kept")
            << QStringLiteral("csv:a/../s.csv?x=b/../c") << QStringLiteral("csv:/abs/p?x=b/../c");
}

void tst_StoreSpec::withPath()
{
    QFETCH(QString, spec);
    QFETCH(QString, expected);
    QCOMPARE(PersistentMapStoreSpec::parse(spec).withPath(QStringLiteral("/abs/p")), expected);
}

void tst_StoreSpec::copies()
{
    PersistentMapStoreSpec spec;
    QVERIFY(!spec.isValid());
    QCOMPARE(spec.backend(), Backend::None);
    QCOMPARE(spec.errorString(), QString());

    const PersistentMapStoreSpec csv = PersistentMapStoreSpec::parse(QStringLiteral("a.csv"));
    spec = csv;
    QCOMPARE(spec.path(), QStringLiteral("a.csv"));
    PersistentMapStoreSpec moved(std::move(spec));
    QCOMPARE(moved.backend(), Backend::Csv);
    spec = PersistentMapStoreSpec::parse(QStringLiteral("memory:"));
    QCOMPARE(spec.backend(), Backend::Memory);
    QCOMPARE(csv.backend(), Backend::Csv); // a copy is independent
}

QTEST_APPLESS_MAIN(tst_StoreSpec)
#include "tst_storespec.moc"
