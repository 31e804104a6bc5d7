// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PersistentMapSqliteBackend, directly and behind a PersistentMap: readable rows, files it must not
// touch, table names, hostile keys, folders and permissions, and a real "database or disk is full".
#include "backendcalls.h"
#include "faultybackend.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapSqliteBackend>

#include "testhelpers.h"

#include <QtCore/QAtomicInteger>
#include <QtCore/QFile>
#include <QtCore/QRandomGenerator>
#include <QtCore/QTemporaryDir>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>
#include <QtSql/QSqlRecord>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <optional>

namespace {

// Runs a query on a separate QSQLITE connection of this thread; each row as strings.
QList<QStringList> query(const QString &path, const QString &sql)
{
    static int counter = 0;
    const QString name = QStringLiteral("tst_sqlitebackend-%1").arg(++counter);
    QList<QStringList> rows;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(sql)) {
                while (q.next()) {
                    QStringList row;
                    for (int i = 0; i < q.record().count(); ++i)
                        row.append(q.value(i).toString());
                    rows.append(row);
                }
            } else {
                rows.append({QStringLiteral("ERROR"), q.lastError().text()});
            }
        } else {
            rows.append({QStringLiteral("ERROR"), db.lastError().text()});
        }
    }
    QSqlDatabase::removeDatabase(name);
    return rows;
}

// Creates a database with a separate connection, for files the map did not write.
void execOnNewDatabase(const QString &path, const QStringList &statements)
{
    const QString name = QStringLiteral("tst_sqlitebackend-setup");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        QVERIFY(db.open());
        for (const QString &sql : statements) {
            QSqlQuery q(db);
            QVERIFY2(q.exec(sql), qPrintable(q.lastError().text()));
        }
    }
    QSqlDatabase::removeDatabase(name);
}

// A store written by the map (key "a" = 1), then given rows by another program's statements.
void storeWithForeignRows(const QString &path, const QStringList &statements)
{
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        VERIFY_OK(map.insert(QStringLiteral("a"), 1));
    }
    execOnNewDatabase(path, statements);
}

QString sqlString(const QString &text)
{
    return QStringLiteral("'") + QString(text).replace(u'\'', QStringLiteral("''")) +
            QStringLiteral("'");
}

} // namespace

class tst_SqliteBackend : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void storedTextIsReadable();
    void directUse();
    void notADatabase_data();
    void notADatabase();
    void wrongColumns();
    void tableNames_data();
    void tableNames();
    void customTablesAreIndependent();
    void concurrentCreationOfOneFile();
    void hostileKeys();
    void emptyKeyAndEmptyValues();
    void rowOverSqlitesLimitIsRefusedAtInsert();
    void changeLogRowOverSqlitesLimitDoesNotBlockLaterWrites();
    void createsParentFolders();
    void fileModeIsOwnerOnly();
    void fullDatabase();
    void unreadableValueBesideAnotherProgramsCollation();
    void rowsThatAreNotUtf8();
    void clearRemovesRowsThatAreNotUtf8();
    void databaseEncodings_data();
    void databaseEncodings();
    void noncharactersInUtf16Files_data();
    void noncharactersInUtf16Files();
    void rowsThatAreNotUtf16_data();
    void rowsThatAreNotUtf16();
    void validReplacementCharacterSurvivesAWholeTableReload();
    void blobKeyTheMapShowsCanBeRemoved();
    void numericKeyTheMapShowsCanBeRemoved_data();
    void numericKeyTheMapShowsCanBeRemoved();
    void keptOutRowsAreReportedOnceByAFollower_data();
    void keptOutRowsAreReportedOnceByAFollower();

private:
    QTemporaryDir m_dir;
};

void tst_SqliteBackend::storedTextIsReadable()
{
    QVERIFY(m_dir.isValid());
    const QString path = m_dir.filePath(QStringLiteral("readable.db"));
    PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
    QVERIFY(!loadError(map));
    map.insert(QStringLiteral("greeting"), QStringLiteral("hello, world"));
    map.insert(QStringLiteral("count"), 3);
    map.insert(QStringLiteral("ratio"), 2.5);
    map.insert(QStringLiteral("enabled"), true);
    map.insert(QStringLiteral("day"), QDate(2024, 2, 29));
    map.insert(QStringLiteral("tags"), QStringList{QStringLiteral("a"), QStringLiteral("b")});
    QVERIFY(!failureOf(map.flush()));

    // Read while the map still has the file open: another connection sees the committed rows.
    const QList<QStringList> rows =
            query(path, QStringLiteral("SELECT key, type, value FROM persistent_map ORDER BY key"));
    const QList<QStringList> expected{
            {QStringLiteral("count"), QStringLiteral("int"), QStringLiteral("3")},
            {QStringLiteral("day"), QStringLiteral("date"), QStringLiteral("2024-02-29")},
            {QStringLiteral("enabled"), QStringLiteral("bool"), QStringLiteral("true")},
            {QStringLiteral("greeting"), QStringLiteral("string"), QStringLiteral("hello, world")},
            {QStringLiteral("ratio"), QStringLiteral("double"), QStringLiteral("2.5")},
            {QStringLiteral("tags"), QStringLiteral("stringlist"), QStringLiteral(R"(["a","b"])")},
    };
    QCOMPARE(rows, expected);
    // Stored as SQLite text, so other tools read them as text too.
    QCOMPARE(query(path, QStringLiteral("SELECT DISTINCT typeof(value) FROM persistent_map")),
             (QList<QStringList>{{QStringLiteral("text")}}));
    QCOMPARE(query(path, QStringLiteral("PRAGMA journal_mode")),
             (QList<QStringList>{{QStringLiteral("wal")}}));
}

void tst_SqliteBackend::directUse()
{
    const QString path = m_dir.filePath(QStringLiteral("direct.db"));
    {
        PersistentMapSqliteBackend backend(path);
        QCOMPARE(backend.path(), path);
        QCOMPARE(backend.table(), QStringLiteral("persistent_map"));
        QVERIFY(!QFile::exists(path)); // the constructor does no I/O
        QVERIFY(loadAll(backend).isEmpty());
        QVERIFY(QFile::exists(path));
        PersistentMapWriteBatch batch;
        batch.insert(QStringLiteral("a"), 1);
        batch.insert(QStringLiteral("b"), QByteArray("\x00\x01", 2));
        batch.insert(QStringLiteral("c"), QStringLiteral("gone soon"));
        backend.apply(batch);
        remove(backend, QStringLiteral("c"));
        save(backend, QStringLiteral("d"), QVariantMap{{QStringLiteral("x"), 1.5}});
        backend.flush();
    }
    {
        PersistentMapSqliteBackend backend(path);
        const QVariantHash all = loadAll(backend);
        const QVariantHash expected{{QStringLiteral("a"), 1},
                                    {QStringLiteral("b"), QByteArray("\x00\x01", 2)},
                                    {QStringLiteral("d"), QVariantMap{{QStringLiteral("x"), 1.5}}}};
        QCOMPARE(all, expected);
        QCOMPARE(all.value(QStringLiteral("a")).metaType(), QMetaType::fromType<int>());
        backend.clear();
        backend.flush();
    }
    PersistentMapSqliteBackend backend(path);
    QVERIFY(loadAll(backend).isEmpty());

    // Writing before loadAll() opened the store is an error, not a crash.
    PersistentMapSqliteBackend unopened(m_dir.filePath(QStringLiteral("unopened.db")));
    QVERIFY_THROWS_EXCEPTION(PersistentMapError, save(unopened, QStringLiteral("k"), 1));
}

void tst_SqliteBackend::notADatabase_data()
{
    QTest::addColumn<QByteArray>("content");
    QByteArray random(8192, Qt::Uninitialized);
    QRandomGenerator generator(42);
    for (char &c : random)
        c = char(generator.bounded(256));
    QTest::newRow("random bytes") << random;
    QTest::newRow("text file") << QByteArray("key,type,value\nhello,string,world\n");
    QTest::newRow("sqlite header then garbage")
            << QByteArray("SQLite format 3\0", 16) + QByteArray(4080, '\x7f');
}

void tst_SqliteBackend::notADatabase()
{
    QFETCH(QByteArray, content);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("notadb.db"));
    QVERIFY(writeBytes(path, content));
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        const std::optional<PersistentMapError> error = loadError(map);
        QVERIFY(error);
        QCOMPARE(error->code(), PersistentMapError::Code::Corrupt);
        QCOMPARE(map.status(), PersistentMap::Status::Error);
        QCOMPARE(map.errorString(), error->message());
        QVERIFY2(map.errorString().contains(path), qPrintable(map.errorString()));
        QVERIFY2(map.errorString().contains(QStringLiteral("not a SQLite database")),
                 qPrintable(map.errorString()));
        QCOMPARE(readBytes(path), content);

        // Writes stay in memory and fail; nothing reaches the file.
        QVERIFY(failureOf(map.insert(QStringLiteral("k"), 1)));
        QCOMPARE(map.value(QStringLiteral("k")), QVariant(1));
        QVERIFY(failureOf(map.flush()));
    }
    QCOMPARE(readBytes(path), content);
    QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));
    QVERIFY(!QFile::exists(path + QStringLiteral("-journal")));
}

void tst_SqliteBackend::wrongColumns()
{
    const QString path = m_dir.filePath(QStringLiteral("foreign.db"));
    execOnNewDatabase(path,
                      {QStringLiteral("CREATE TABLE persistent_map (id INTEGER, name TEXT)"),
                       QStringLiteral("INSERT INTO persistent_map VALUES (1, 'precious')")});
    const QByteArray before = readBytes(path);
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        const std::optional<PersistentMapError> error = loadError(map);
        QVERIFY(error);
        QCOMPARE(error->code(), PersistentMapError::Code::Corrupt);
        const QString message = map.errorString();
        QVERIFY2(message.startsWith(
                         QStringLiteral("SQLite store %1 (table persistent_map): ").arg(path)),
                 qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("(id, name)")), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("(key, type, value)")), qPrintable(message));
        map.insert(QStringLiteral("name"), QStringLiteral("overwrite?"));
        QVERIFY(failureOf(map.flush()));
    }
    QCOMPARE(readBytes(path), before);
    QCOMPARE(query(path, QStringLiteral("SELECT id, name FROM persistent_map")),
             (QList<QStringList>{{QStringLiteral("1"), QStringLiteral("precious")}}));
}

void tst_SqliteBackend::tableNames_data()
{
    QTest::addColumn<QString>("table");
    QTest::addColumn<bool>("valid");
    QTest::newRow("injection") << QStringLiteral("x; DROP") << false;
    QTest::newRow("leading digit") << QStringLiteral("1abc") << false;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("space") << QStringLiteral("a b") << false;
    QTest::newRow("quote") << QStringLiteral("a\"b") << false;
    QTest::newRow("non-ascii") << QStringLiteral(u"tä") << false;
    QTest::newRow("65 chars") << QString(65, u'a') << false;
    QTest::newRow("trailing newline") << QStringLiteral("abc\n") << false;
    QTest::newRow("underscore") << QStringLiteral("_") << true;
    QTest::newRow("mixed") << QStringLiteral("Settings_v2") << true;
    QTest::newRow("64 chars") << QString(64, u'z') << true;
}

void tst_SqliteBackend::tableNames()
{
    QFETCH(QString, table);
    QFETCH(bool, valid);
    QCOMPARE(PersistentMapSqliteBackend::isValidTableName(table), valid);

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("names.db"));
    PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path, table));
    const std::optional<PersistentMapError> error = loadError(map);
    if (valid) {
        QVERIFY2(!error, qPrintable(map.errorString()));
        QVERIFY(!failureOf(map.insert(QStringLiteral("k"), QStringLiteral("v"))));
        QCOMPARE(query(path, QStringLiteral("SELECT value FROM \"%1\"").arg(table)),
                 (QList<QStringList>{{QStringLiteral("v")}}));
    } else {
        QVERIFY(error);
        QCOMPARE(error->code(), PersistentMapError::Code::OpenFailed);
        QVERIFY2(error->message().contains(QStringLiteral("invalid table name")),
                 qPrintable(error->message()));
        QVERIFY(error->message().contains(path));
        QVERIFY(!QFile::exists(path)); // refused before any I/O
    }
}

void tst_SqliteBackend::customTablesAreIndependent()
{
    const QString path = m_dir.filePath(QStringLiteral("shared.db"));
    {
        PersistentMap alpha(
                std::make_unique<PersistentMapSqliteBackend>(path, QStringLiteral("alpha")));
        PersistentMap beta(
                std::make_unique<PersistentMapSqliteBackend>(path, QStringLiteral("beta")));
        QVERIFY(!loadError(alpha));
        QVERIFY(!loadError(beta));
        alpha.insert(QStringLiteral("k"), QStringLiteral("from alpha"));
        alpha.insert(QStringLiteral("only-alpha"), 1);
        beta.insert(QStringLiteral("k"), QStringLiteral("from beta"));
        QVERIFY(!failureOf(alpha.flush()));
        QVERIFY(!failureOf(beta.remove(QStringLiteral("only-alpha"))));
        QVERIFY(!failureOf(beta.flush()));
    }
    PersistentMap alpha(
            std::make_unique<PersistentMapSqliteBackend>(path, QStringLiteral("alpha")));
    PersistentMap beta(std::make_unique<PersistentMapSqliteBackend>(path, QStringLiteral("beta")));
    QVERIFY(!loadError(alpha));
    QVERIFY(!loadError(beta));
    QCOMPARE(alpha.toHash(),
             (QVariantHash{{QStringLiteral("k"), QStringLiteral("from alpha")},
                           {QStringLiteral("only-alpha"), 1}}));
    QCOMPARE(beta.toHash(), (QVariantHash{{QStringLiteral("k"), QStringLiteral("from beta")}}));
    QCOMPARE(query(path,
                   QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' "
                                  "ORDER BY name")),
             (QList<QStringList>{{QStringLiteral("alpha")},
                                 {QStringLiteral("alpha_changes")},
                                 {QStringLiteral("beta")},
                                 {QStringLiteral("beta_changes")}}));
}

// Regression: two maps creating the same missing file at once; the one that lost the race got
// "cannot create ...: File exists" and status Error.
void tst_SqliteBackend::concurrentCreationOfOneFile()
{
    for (int round = 0; round < 20; ++round) {
        const QString path = m_dir.filePath(QStringLiteral("race-%1.db").arg(round));
        std::vector<std::unique_ptr<PersistentMap>> maps;
        for (int i = 0; i < 4; ++i) {
            maps.push_back(
                    std::make_unique<PersistentMap>(std::make_unique<PersistentMapSqliteBackend>(
                            path, QStringLiteral("t%1").arg(i))));
        }
        for (const auto &map : maps) {
            const std::optional<PersistentMapError> error = loadError(*map);
            QVERIFY2(!error, qPrintable(error ? error->message() : QString()));
        }
    }
}

void tst_SqliteBackend::hostileKeys()
{
    const QString path = m_dir.filePath(QStringLiteral("hostile.db"));
    const QStringList keys{QStringLiteral("'); DROP TABLE persistent_map; --"),
                           QStringLiteral("\"; DELETE FROM persistent_map; --"),
                           QStringLiteral("'"),
                           QString(),
                           QStringLiteral("%"),
                           QStringLiteral("_"),
                           QStringLiteral("line\nbreak"),
                           QString(QStringLiteral("nul") + QChar(0) + QStringLiteral("inside")),
                           QString::fromUcs4(U"emoji \U0001F600")};
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        QVERIFY(!loadError(map));
        for (int i = 0; i < keys.size(); ++i)
            map.insert(keys.at(i), i);
        QVERIFY(!failureOf(map.flush()));
        QCOMPARE(map.count(), keys.size());
    }
    PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
    QVERIFY(!loadError(map));
    QCOMPARE(map.count(), keys.size());
    for (int i = 0; i < keys.size(); ++i)
        QCOMPARE(map.value(keys.at(i)), QVariant(i));
    QCOMPARE(query(path,
                   QStringLiteral("SELECT value FROM persistent_map WHERE key = %1")
                           .arg(sqlString(keys.first()))),
             (QList<QStringList>{{QStringLiteral("0")}}));
    // A removal of a hostile key removes exactly that key.
    QVERIFY(!failureOf(map.remove(keys.first())));
    QCOMPARE(query(path, QStringLiteral("SELECT count(*) FROM persistent_map")),
             (QList<QStringList>{{QString::number(keys.size() - 1)}}));
}

// Regression: QSQLITE binds a null QString as NULL, so an empty key or a value stored as empty
// text (an empty string, an invalid QVariant) failed the NOT NULL constraint, and the failed
// batch then blocked every later write of the map.
// A row over SQLITE_LIMIT_LENGTH (10^9 bytes): SQLite answers SQLITE_TOOBIG, and queued, the
// write failed every later batch and was lost at exit (issue 11). Refused at insert() instead,
// alone. The bytes are never touched (Qt::Uninitialized): a byte array is stored as base64, so
// 750 000 001 bytes take 1 000 000 004.
void tst_SqliteBackend::rowOverSqlitesLimitIsRefusedAtInsert()
{
    const QString path = m_dir.filePath(QStringLiteral("big.db"));
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        QVERIFY(!failureOf(map.whenReady()));
        QVERIFY(!failureOf(map.insert(QStringLiteral("before"), 1)));
        const QByteArray huge(750000001, Qt::Uninitialized);
        const std::optional<PersistentMapError> refused =
                failureOf(map.insert(QStringLiteral("huge"), huge));
        QVERIFY(refused);
        QCOMPARE(refused->code(), PersistentMapError::Code::Unsupported);
        QVERIFY2(refused->message().contains(QStringLiteral("SQLITE_LIMIT_LENGTH")),
                 qPrintable(refused->message()));
        QVERIFY(!map.contains(QStringLiteral("huge")));
        // Later writes go through.
        QVERIFY(!failureOf(map.insert(QStringLiteral("after"), 2)));
        QVERIFY(!failureOf(map.flush()));
    }
    PersistentMap reopened(std::make_unique<PersistentMapSqliteBackend>(path));
    QVERIFY(!failureOf(reopened.whenReady()));
    QCOMPARE(reopened.toHash(),
             (QVariantHash{{QStringLiteral("before"), 1}, {QStringLiteral("after"), 2}}));
}

// The change log row of a batch holds its keys as JSON text. Found by the adversarial review: a
// key of 500 000 001 ASCII characters passed canStore() (its row takes 5 * 10^8 bytes), but its
// log row went over SQLite's 10^9-byte limit, the commit failed with SQLITE_TOOBIG, QSQLITE
// finalized the cached log statement, and every later write failed ("Parameter count
// mismatch"). A batch whose keys would make a log row over 1 MiB (escaped) now logs "*"
// (followers read the whole table), which is checked here with keys of 200 000 control
// characters (6 bytes each in JSON), cheaply; the same path takes the huge key.
void tst_SqliteBackend::changeLogRowOverSqlitesLimitDoesNotBlockLaterWrites()
{
    const QString path = m_dir.filePath(QStringLiteral("biglog.db"));
    PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
    QVERIFY(!failureOf(map.whenReady()));
    PersistentMap follower(std::make_unique<PersistentMapSqliteBackend>(path));
    QVERIFY(!failureOf(follower.whenReady()));
    QVERIFY(!failureOf(map.insert(QStringLiteral("before"), 1)));
    const QString longKey(200000, QChar(1));
    QVERIFY(!failureOf(map.insert(QVariantHash{{longKey, 1}, {longKey + u'x', 2}})));
    QVERIFY(!failureOf(map.insert(QStringLiteral("after"), 2)));
    const QList<QStringList> log =
            query(path, QStringLiteral("SELECT keys FROM persistent_map_changes ORDER BY seq"));
    QCOMPARE(log.size(), 3);
    QCOMPARE(log.at(0), QStringList{QStringLiteral("[\"before\"]")});
    QCOMPARE(log.at(1), QStringList{QStringLiteral("*")});
    QCOMPARE(log.at(2), QStringList{QStringLiteral("[\"after\"]")});
    // The follower reads the whole table after "*", and gets the long keys.
    QTRY_COMPARE_WITH_TIMEOUT(follower.value(QStringLiteral("after")), QVariant(2), 20000);
    QCOMPARE(follower.value(longKey + u'x'), QVariant(2));
    QCOMPARE(follower.count(), 4);
}

void tst_SqliteBackend::emptyKeyAndEmptyValues()
{
    const QString path = m_dir.filePath(QStringLiteral("empty.db"));
    const QVariantHash values{{QString(), QStringLiteral("empty key")},
                              {QStringLiteral("null string"), QString()},
                              {QStringLiteral("empty string"), QStringLiteral("")},
                              {QStringLiteral("invalid"), QVariant()},
                              {QStringLiteral("empty bytes"), QByteArray()},
                              {QStringLiteral("empty list"), QVariantList()},
                              {QStringLiteral("null date"), QDate()}};
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        QVERIFY(!loadError(map));
        for (auto it = values.cbegin(); it != values.cend(); ++it) {
            const std::optional<PersistentMapError> error =
                    failureOf(map.insert(it.key(), it.value()));
            QVERIFY2(!error, qPrintable(error ? error->message() : QString()));
        }
        QVERIFY(!failureOf(map.insert(QStringLiteral("after"), 1)));
    }
    PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
    QVERIFY(!loadError(map));
    QCOMPARE(map.count(), values.size() + 1);
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        QVERIFY2(map.contains(it.key()), qPrintable(it.key()));
        QCOMPARE(map.value(it.key()).metaType(), it.value().metaType());
        QCOMPARE(map.value(it.key()), it.value());
    }
    QVERIFY(!failureOf(map.remove(QString())));
    QCOMPARE(query(path, QStringLiteral("SELECT count(*) FROM persistent_map WHERE key = ''")),
             (QList<QStringList>{{QStringLiteral("0")}}));
}

void tst_SqliteBackend::createsParentFolders()
{
    const QString path = m_dir.filePath(QStringLiteral("deep/er/still/store.sqlite3"));
    PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
    QVERIFY2(!loadError(map), qPrintable(map.errorString()));
    QVERIFY(!failureOf(map.insert(QStringLiteral("k"), 1)));
    QVERIFY(QFileInfo(path).isFile());
    QCOMPARE(query(path, QStringLiteral("SELECT key FROM persistent_map")),
             (QList<QStringList>{{QStringLiteral("k")}}));
}

void tst_SqliteBackend::fileModeIsOwnerOnly()
{
    const QString path = m_dir.filePath(QStringLiteral("mode.db"));
    const QFile::Permissions others = QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup |
            QFile::ReadOther | QFile::WriteOther | QFile::ExeOther;
    PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
    QVERIFY(!loadError(map));
    QVERIFY(!failureOf(map.insert(QStringLiteral("secret"), QStringLiteral("token"))));
    QCOMPARE(QFile::permissions(path) & others, QFile::Permissions());
    QVERIFY(QFile::permissions(path) & QFile::ReadOwner);
    QVERIFY(QFile::permissions(path) & QFile::WriteOwner);
    // SQLite gives its WAL the database file's mode: the secret is not readable there either.
    QVERIFY(QFile::exists(path + QStringLiteral("-wal")));
    QCOMPARE(QFile::permissions(path + QStringLiteral("-wal")) & others, QFile::Permissions());
}

// A real SQLITE_FULL on the map's own connection: max_page_count is per connection, so the
// fault backend's hook sets it on the storage thread, where that connection lives.
void tst_SqliteBackend::fullDatabase()
{
    const QString path = m_dir.filePath(QStringLiteral("full.db"));
    enum Mode { Normal, Full, Lift };
    auto mode = std::make_shared<QAtomicInteger<int>>(Normal);
    auto control = std::make_shared<FaultControl>();
    control->beforeApply = [mode] {
        const int m = mode->loadAcquire();
        if (m == Normal)
            return;
        const QStringList names = QSqlDatabase::connectionNames();
        for (const QString &name : names) {
            if (!name.startsWith(QStringLiteral("PersistentMap-sqlite-")))
                continue;
            QSqlDatabase db = QSqlDatabase::database(name, false);
            QSqlQuery q(db);
            // Lower than the current size pins the limit at the current size.
            q.exec(m == Full ? QStringLiteral("PRAGMA max_page_count = 1")
                             : QStringLiteral("PRAGMA max_page_count = 1000000"));
        }
    };
    const QString big(200000, u'x');
    {
        PersistentMap map(std::make_unique<FaultyBackend>(
                std::make_unique<PersistentMapSqliteBackend>(path), control));
        QVERIFY(!loadError(map));
        QVERIFY(!failureOf(map.insert(QStringLiteral("before"), QStringLiteral("kept"))));

        QSignalSpy errors(&map, &PersistentMap::errorOccurred);
        mode->storeRelease(Full);
        const std::optional<PersistentMapError> error =
                failureOf(map.insert(QStringLiteral("big"), big));
        QVERIFY(error);
        QCOMPARE(error->code(), PersistentMapError::Code::WriteFailed);
        QVERIFY2(error->message().contains(QStringLiteral("full")), qPrintable(error->message()));
        QVERIFY(error->message().contains(path));
        QTRY_COMPARE(errors.count(), 1);
        QCOMPARE(errors.first().first().toString(), error->message());
        QCOMPARE(map.errorString(), error->message());
        QCOMPARE(map.value(QStringLiteral("big")).toString(), big); // the cache keeps it
        QCOMPARE(query(path, QStringLiteral("SELECT key FROM persistent_map")),
                 (QList<QStringList>{{QStringLiteral("before")}}));

        // Still full: the retry fails again and the change stays queued.
        QVERIFY(failureOf(map.flush()));
        mode->storeRelease(Lift);
        QVERIFY(!failureOf(map.flush()));
        QCOMPARE(query(path, QStringLiteral("SELECT key FROM persistent_map ORDER BY key")),
                 (QList<QStringList>{{QStringLiteral("before")}, {QStringLiteral("big")}}));
    }
    PersistentMap reopened(std::make_unique<PersistentMapSqliteBackend>(path));
    QVERIFY(!loadError(reopened));
    QCOMPARE(reopened.value(QStringLiteral("big")).toString(), big);
    QCOMPARE(reopened.value(QStringLiteral("before")).toString(), QStringLiteral("kept"));
}

// Issue 12, promises 1 and 4 (adversarial review of the PRAGMA quick_check fix): a load that meets
// a value this process cannot decode asks SQLite to check the file. The file here is intact and
// shared with a program of its own (docs/FORMAT.md: "Several tables ... also with tables of your
// own program"), whose index uses a collation that program registers (sqlite3_create_collation,
// an ICU or natural-sort order; written here with writable_schema, as that program would have
// made it). quick_check cannot run without the collation ("no such collation sequence"), and
// the whole store failed with Code::Corrupt "cannot check the file" instead of loading "a" and
// keeping the one unreadable value.
void tst_SqliteBackend::unreadableValueBesideAnotherProgramsCollation()
{
    QVERIFY(m_dir.isValid());
    const QString path = m_dir.filePath(QStringLiteral("shared-with-app.db"));
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        VERIFY_OK(map.insert(QStringLiteral("a"), 1));
    }
    execOnNewDatabase(path,
                      {QStringLiteral("CREATE TABLE notes (title TEXT)"),
                       QStringLiteral("CREATE INDEX notes_title ON notes (title COLLATE NOCASE)"),
                       QStringLiteral("INSERT INTO notes VALUES ('x')"),
                       QStringLiteral("PRAGMA writable_schema=ON"),
                       QStringLiteral("UPDATE sqlite_master SET sql = replace(sql, 'NOCASE', "
                                      "'app_order') WHERE name = 'notes_title'")});
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(
            query(path, QStringLiteral("SELECT sql FROM sqlite_master WHERE name = 'notes_title'")),
            (QList<QStringList>{{QStringLiteral(
                    "CREATE INDEX notes_title ON notes (title COLLATE app_order)")}}));
    {
        // Without an unreadable value the file opens: nothing else in it is in the way.
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        const std::optional<PersistentMapError> failure = loadError(map);
        QVERIFY2(!failure, failure ? qPrintable(failure->message()) : "");
    }
    // A value of a newer version of the library, written by another program.
    execOnNewDatabase(path,
                      {QStringLiteral("INSERT INTO persistent_map VALUES ('accent', 'futuretype', "
                                      "'opaque:v2')")});
    if (QTest::currentTestFailed())
        return;
    PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
    const std::optional<PersistentMapError> failure = loadError(map);
    QVERIFY2(!failure, failure ? qPrintable(failure->message()) : "");
    QCOMPARE(map.value(QStringLiteral("a")), QVariant(1));
    QVERIFY(!map.contains(QStringLiteral("accent")));
}

// Issue 12, promises 1 and 2 (adversarial review): rows another program wrote with bytes that are
// not UTF-8 (a value bound as a byte string, as Python's sqlite3 does with bytes: Latin-1
// "caf\xe9"; two keys 0xFF and 0xFE). SQLite hands the bytes out as they are; the backend
// decoded them with U+FFFD, so value("latin1") was "caf\uFFFD", which re-encodes differently, and
// both keys became one key U+FFFD holding one of the two values, the other row silently gone
// from the map; removing that key removed neither row, and it came back at the next open. Like
// any other stored text this process cannot read exactly, they should be kept unread (or served
// exactly), never altered.
void tst_SqliteBackend::rowsThatAreNotUtf8()
{
    QVERIFY(m_dir.isValid());
    const QString path = m_dir.filePath(QStringLiteral("not-utf8.db"));
    storeWithForeignRows(
            path,
            {QStringLiteral("INSERT INTO persistent_map VALUES ('latin1', 'string', X'636166E9')"),
             QStringLiteral("INSERT INTO persistent_map VALUES (X'FF', 'string', 'first')"),
             QStringLiteral("INSERT INTO persistent_map VALUES (X'FE', 'string', 'second')")});
    if (QTest::currentTestFailed())
        return;
    const QString merged(QChar(0xFFFD));
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        const std::optional<PersistentMapError> failure = loadError(map);
        QVERIFY2(!failure, failure ? qPrintable(failure->message()) : "");
        QCOMPARE(map.value(QStringLiteral("a")), QVariant(1));
        if (map.contains(QStringLiteral("latin1"))) {
            QCOMPARE(map.value(QStringLiteral("latin1")).toString().toUtf8(),
                     QByteArray("caf\xe9"));
        }
        // A key the map shows is one it can remove.
        if (map.contains(merged)) {
            VERIFY_OK(map.remove(merged));
            VERIFY_OK(map.flush());
        }
    }
    PersistentMap reopened(std::make_unique<PersistentMapSqliteBackend>(path));
    QVERIFY(!loadError(reopened));
    QVERIFY2(!reopened.contains(merged),
             qPrintable(QStringLiteral("removed, yet back: %1")
                                .arg(reopened.value(merged).toString())));
}

// The rows of rowsThatAreNotUtf8 are reported by their stored key bytes, and clear() removes them
// (writing back what the map holds of them would store other bytes), while a value this process
// merely cannot decode is written back as it was.
void tst_SqliteBackend::clearRemovesRowsThatAreNotUtf8()
{
    QVERIFY(m_dir.isValid());
    const QString path = m_dir.filePath(QStringLiteral("not-utf8-clear.db"));
    storeWithForeignRows(
            path,
            {QStringLiteral("INSERT INTO persistent_map VALUES ('latin1', 'string', X'636166E9')"),
             QStringLiteral("INSERT INTO persistent_map VALUES (CAST(X'FF' AS TEXT), 'string', "
                            "'first')"),
             QStringLiteral("INSERT INTO persistent_map VALUES ('tag', CAST(X'FE' AS TEXT), "
                            "'third')"),
             QStringLiteral("INSERT INTO persistent_map VALUES ('future', 'newtag', 'kept')")});
    if (QTest::currentTestFailed())
        return;
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        QSignalSpy errors(&map, &PersistentMap::errorOccurred);
        QVERIFY(!loadError(map));
        QCOMPARE(map.keys(), QStringList{QStringLiteral("a")});
        QTRY_COMPARE(errors.size(), 4); // delivered through the event loop
        QStringList messages;
        for (const QList<QVariant> &arguments : std::as_const(errors))
            messages.append(arguments.first().toString());
        const QString all = messages.join(u'\n');
        QVERIFY2(all.contains(QStringLiteral("its value is not UTF-8 (the row's key, as bytes: "
                                             "x'6c6174696e31')")),
                 qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("its key is not UTF-8 (the row's key, as bytes: "
                                             "x'ff')")),
                 qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("its type is not UTF-8")), qPrintable(all));
        QCOMPARE(map.status(), PersistentMap::Status::Ready);
        VERIFY_OK(map.clear());
        VERIFY_OK(map.flush());
    }
    QCOMPARE(query(path, QStringLiteral("SELECT hex(key), type, value FROM persistent_map")),
             (QList<QStringList>{{QStringLiteral("667574757265"), QStringLiteral("newtag"),
                                  QStringLiteral("kept")}}));
}

void tst_SqliteBackend::databaseEncodings_data()
{
    QTest::addColumn<QString>("encoding");
    QTest::newRow("UTF-8") << QStringLiteral("UTF-8");
    QTest::newRow("UTF-16le") << QStringLiteral("UTF-16le");
    QTest::newRow("UTF-16be") << QStringLiteral("UTF-16be");
}

// A file another program created with PRAGMA encoding = 'UTF-16' (SQLite keeps text in the
// file's encoding): the map stores, finds, follows and reads back every key and value as it does
// in a UTF-8 file, through each path: its own writes, a follower reading the changed keys, a
// follower reading the whole table, and a new load.
void tst_SqliteBackend::databaseEncodings()
{
    QFETCH(QString, encoding);
    const QString path = m_dir.filePath(QStringLiteral("encoding-%1.db").arg(encoding));
    execOnNewDatabase(path,
                      {QStringLiteral("PRAGMA encoding = '%1'").arg(encoding),
                       QStringLiteral("CREATE TABLE their_own (x TEXT)")});
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(query(path, QStringLiteral("PRAGMA encoding")), (QList<QStringList>{{encoding}}));
    const QVariantHash values{
            {QStringLiteral("caf\u00e9"), QStringLiteral("cr\u00e8me br\u00fbl\u00e9e")},
            {QString(QChar(0xFEFF)) + QStringLiteral("bom"), QString(QChar(0xFEFF)) + u'x'},
            {QStringLiteral("nul") + QChar(0) + QStringLiteral("inside"), 7},
            {QString::fromUcs4(U"emoji \U0001F600"), QString::fromUcs4(U"\U0001F600")}};
    PersistentMap follower(std::make_unique<PersistentMapSqliteBackend>(path));
    QVERIFY(!loadError(follower));
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        QVERIFY(!loadError(map));
        VERIFY_OK(map.insert(values));
        VERIFY_OK(map.remove(QStringLiteral("nul") + QChar(0) + QStringLiteral("inside")));
        VERIFY_OK(map.insert(QStringLiteral("nul") + QChar(0) + QStringLiteral("inside"), 8));
        VERIFY_OK(map.flush());
    }
    QVariantHash expected = values;
    expected.insert(QStringLiteral("nul") + QChar(0) + QStringLiteral("inside"), 8);
    QTRY_COMPARE_WITH_TIMEOUT(follower.toHash(), expected, 20000);
    QCOMPARE(
            query(path, QStringLiteral("SELECT value FROM persistent_map WHERE key = 'caf\u00e9'")),
            (QList<QStringList>{{QStringLiteral("cr\u00e8me br\u00fbl\u00e9e")}}));

    // Another program changes a row and asks the followers to read everything again.
    execOnNewDatabase(path,
                      {QStringLiteral("UPDATE persistent_map SET value = 'cr\u00eape' "
                                      "WHERE key = 'caf\u00e9'"),
                       QStringLiteral("INSERT INTO persistent_map_changes (keys) VALUES ('*')")});
    if (QTest::currentTestFailed())
        return;
    expected.insert(QStringLiteral("caf\u00e9"), QStringLiteral("cr\u00eape"));
    QTRY_COMPARE_WITH_TIMEOUT(follower.toHash(), expected, 20000);

    PersistentMap reopened(std::make_unique<PersistentMapSqliteBackend>(path));
    QVERIFY(!loadError(reopened));
    QCOMPARE(reopened.toHash(), expected);
}

void tst_SqliteBackend::noncharactersInUtf16Files_data()
{
    QTest::addColumn<QString>("encoding");
    QTest::newRow("UTF-16le") << QStringLiteral("UTF-16le");
    QTest::newRow("UTF-16be") << QStringLiteral("UTF-16be");
}

// Promise 2: a UTF-16 file keeps keys and values exactly, a leading U+FFFE included. The C API
// path binds UTF-8 (SqliteDirect bindText), and SQLite's UTF-8 to UTF-16 conversion turns
// U+FFFE and U+FFFF into U+FFFD: the row is stored altered, and the map that wrote it finds
// another key when it loads the file again. (The generic path binds UTF-16 and keeps them.)
void tst_SqliteBackend::noncharactersInUtf16Files()
{
    QFETCH(QString, encoding);
    const QString path = m_dir.filePath(QStringLiteral("nonchar-%1.db").arg(encoding));
    execOnNewDatabase(path,
                      {QStringLiteral("PRAGMA encoding = '%1'").arg(encoding),
                       QStringLiteral("CREATE TABLE their_own (x TEXT)")});
    if (QTest::currentTestFailed())
        return;
    const QString key = QString(QChar(0xFFFE)) + QStringLiteral("lead");
    const QString value = QString(QChar(0xFFFF)) + QStringLiteral("tail");
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        QVERIFY(!loadError(map));
        VERIFY_OK(map.insert(key, value));
        VERIFY_OK(map.flush());
    }
    // The bytes in the file, read by another connection: U+FFFE, not U+FFFD.
    const QString keyHex = encoding == u"UTF-16le" ? QStringLiteral("FEFF6C00650061006400")
                                                   : QStringLiteral("FFFE006C006500610064");
    QCOMPARE(query(path, QStringLiteral("SELECT hex(CAST(key AS BLOB)) FROM persistent_map")),
             (QList<QStringList>{{keyHex}}));
    PersistentMap reopened(std::make_unique<PersistentMapSqliteBackend>(path));
    QVERIFY(!loadError(reopened));
    QCOMPARE(reopened.keys(), QStringList{key});
    QCOMPARE(reopened.value(key), QVariant(value));
}

void tst_SqliteBackend::rowsThatAreNotUtf16_data()
{
    QTest::addColumn<QString>("encoding");
    QTest::addColumn<QString>("key"); // as a blob literal, bytes in the file's encoding
    QTest::newRow("le, D800 a") << QStringLiteral("UTF-16le") << QStringLiteral("X'00D86100'");
    QTest::newRow("be, D800 a") << QStringLiteral("UTF-16be") << QStringLiteral("X'D8000061'");
    QTest::newRow("le, DC00 a") << QStringLiteral("UTF-16le") << QStringLiteral("X'00DC6100'");
    QTest::newRow("le, D800 D800") << QStringLiteral("UTF-16le") << QStringLiteral("X'00D800D8'");
    QTest::newRow("le, a D800") << QStringLiteral("UTF-16le") << QStringLiteral("X'610000D8'");
    QTest::newRow("le, a DC00") << QStringLiteral("UTF-16le") << QStringLiteral("X'610000DC'");
}

// Promises 1 and 3 in a UTF-16 file: another program stores a key holding a lone surrogate (not
// UTF-16 text). Such a row must be kept out of the map and reported, never served altered, on
// both paths. The C API path reads it through sqlite3_column_text(), whose UTF-16 to UTF-8
// conversion merges a surrogate followed by any unit into another code point (D800 'a' becomes
// U+10061), valid UTF-8: the map serves a key the file does not hold, and reports nothing. (A
// surrogate at the end becomes ED A0 80 and is caught.) The generic path decodes with
// QStringDecoder, which does not flag lone surrogates: it serves them, for every row here.
void tst_SqliteBackend::rowsThatAreNotUtf16()
{
    QFETCH(QString, encoding);
    QFETCH(QString, key);
    const QString path = m_dir.filePath(
            QStringLiteral("not-utf16-%1.db").arg(QLatin1String(QTest::currentDataTag())));
    execOnNewDatabase(path,
                      {QStringLiteral("PRAGMA encoding = '%1'").arg(encoding),
                       QStringLiteral("CREATE TABLE their_own (x TEXT)")});
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(query(path, QStringLiteral("PRAGMA encoding")), (QList<QStringList>{{encoding}}));
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        VERIFY_OK(map.insert(QStringLiteral("a"), 1));
    }
    execOnNewDatabase(path,
                      {QStringLiteral("INSERT INTO persistent_map VALUES (CAST(%1 AS TEXT), "
                                      "'string', 'v')")
                               .arg(key)});
    if (QTest::currentTestFailed())
        return;
    PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
    QSignalSpy errors(&map, &PersistentMap::errorOccurred);
    QVERIFY(!loadError(map));
    QStringList shown; // each key as its UTF-16 units
    for (const QString &key : map.keys()) {
        QStringList units;
        for (const QChar c : key)
            units.append(QString::number(c.unicode(), 16));
        shown.append(units.join(u' '));
    }
    QVERIFY2(map.keys() == QStringList{QStringLiteral("a")},
             qPrintable(QStringLiteral("keys served (UTF-16 units): %1").arg(shown.join(u" | "))));
    QTRY_COMPARE(errors.size(), 1);
}

// Promise 1: valid text holding U+FFFD loads normally, and a second map follows it through a
// whole-table reload. A row another program wrote with key X'FF' (not UTF-8) decodes to the same
// QString "\uFFFD" as a valid row with key U+FFFD. The first load keeps them apart (the valid one
// is served), but the follower's reload (SqlStore::reloadAll() collects rows into a
// PersistentMapWriteBatch, last one wins) applies the altered row after the valid one: the valid
// key is dropped from the map as if it had become unreadable.
void tst_SqliteBackend::validReplacementCharacterSurvivesAWholeTableReload()
{
    QVERIFY(m_dir.isValid());
    const QString path = m_dir.filePath(QStringLiteral("fffd-reload.db"));
    const QString replacement(QChar(0xFFFD));
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        VERIFY_OK(map.insert(replacement, QStringLiteral("valid")));
    }
    execOnNewDatabase(
            path, {QStringLiteral("INSERT INTO persistent_map VALUES (X'FF', 'string', 'other')")});
    if (QTest::currentTestFailed())
        return;
    PersistentMap follower(std::make_unique<PersistentMapSqliteBackend>(path));
    QVERIFY(!loadError(follower));
    QCOMPARE(follower.value(replacement), QVariant(QStringLiteral("valid")));
    QSignalSpy changed(&follower, &PersistentMap::valueChanged);
    // Another program changes a row and asks the followers to read everything again.
    execOnNewDatabase(path,
                      {QStringLiteral("INSERT INTO persistent_map VALUES ('b', 'string', 'x')"),
                       QStringLiteral("INSERT INTO persistent_map_changes (keys) VALUES ('*')")});
    if (QTest::currentTestFailed())
        return;
    QTRY_VERIFY_WITH_TIMEOUT(follower.contains(QStringLiteral("b")), 20000);
    QCOMPARE(follower.value(replacement), QVariant(QStringLiteral("valid")));
}

// A row another program wrote with its key as a blob of valid UTF-8 (X'6B6579', "key"). The map
// served the key, but remove() deletes with the key bound as text, which never equals a blob in
// SQLite, so nothing was deleted and the removed key was back at the next load. Such a row is
// one the map's writes cannot reach: it is kept out and reported, and the map's own row of the
// same key is served, written and removed as any other (both paths: the *_generic run).
void tst_SqliteBackend::blobKeyTheMapShowsCanBeRemoved()
{
    QVERIFY(m_dir.isValid());
    const QString path = m_dir.filePath(QStringLiteral("blob-key.db"));
    storeWithForeignRows(path,
                         {QStringLiteral("INSERT INTO persistent_map VALUES (X'6B6579', 'string', "
                                         "'from a blob')")});
    if (QTest::currentTestFailed())
        return;
    const QString key = QStringLiteral("key");
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        QSignalSpy errors(&map, &PersistentMap::errorOccurred);
        QVERIFY(!loadError(map));
        QVERIFY(!map.contains(key));
        QTRY_COMPARE(errors.size(), 1);
        const QString message = errors.first().first().toString();
        QVERIFY2(message.contains(QStringLiteral("its key is stored as a blob")) &&
                         message.contains(QStringLiteral("x'6b6579'")),
                 qPrintable(message));
        VERIFY_OK(map.insert(key, QStringLiteral("the map's own")));
    }
    {
        PersistentMap reopened(std::make_unique<PersistentMapSqliteBackend>(path));
        QVERIFY(!loadError(reopened));
        QCOMPARE(reopened.value(key), QVariant(QStringLiteral("the map's own")));
        VERIFY_OK(reopened.remove(key));
    }
    PersistentMap reopened(std::make_unique<PersistentMapSqliteBackend>(path));
    QVERIFY(!loadError(reopened));
    QVERIFY2(!reopened.contains(key),
             qPrintable(
                     QStringLiteral("removed, yet back: %1").arg(reopened.value(key).toString())));
    QCOMPARE(query(path,
                   QStringLiteral("SELECT typeof(key), value FROM persistent_map "
                                  "WHERE key <> 'a'")),
             (QList<QStringList>{{QStringLiteral("blob"), QStringLiteral("from a blob")}}));
}

void tst_SqliteBackend::numericKeyTheMapShowsCanBeRemoved_data()
{
    QTest::addColumn<QString>("declared"); // the key column's declared type
    QTest::addColumn<QString>("stored"); // the key as an SQL literal
    QTest::addColumn<QString>("key"); // as the map would show it
    QTest::newRow("untyped, integer") << QString() << QStringLiteral("5") << QStringLiteral("5");
    QTest::newRow("BLOB, integer")
            << QStringLiteral("BLOB") << QStringLiteral("5") << QStringLiteral("5");
    QTest::newRow("untyped, real") << QString() << QStringLiteral("2.5") << QStringLiteral("2.5");
}

// Adversarial review of a2e430b: another program created the table with a key column that has no
// TEXT affinity (untyped, or BLOB) and stored an integer or real key. The row is read with
// CAST(key AS BLOB) ("5") and served, but remove() binds the key as text, and 5 <> '5' when the
// column has no affinity: the row is never deleted and the removed key is back at the next load.
// Like a blob key, a non-text key cannot be reached by the map's writes.
void tst_SqliteBackend::numericKeyTheMapShowsCanBeRemoved()
{
    QFETCH(QString, declared);
    QFETCH(QString, stored);
    QFETCH(QString, key);
    QVERIFY(m_dir.isValid());
    const QString path = m_dir.filePath(
            QStringLiteral("numeric-key-%1.db").arg(QLatin1String(QTest::currentDataTag())));
    execOnNewDatabase(path,
                      {QStringLiteral("CREATE TABLE persistent_map (key %1 PRIMARY KEY NOT NULL, "
                                      "type TEXT NOT NULL, value TEXT NOT NULL)")
                               .arg(declared),
                       QStringLiteral("INSERT INTO persistent_map VALUES ('a', 'string', 'x')"),
                       QStringLiteral("INSERT INTO persistent_map VALUES (%1, 'string', 'num')")
                               .arg(stored)});
    if (QTest::currentTestFailed())
        return;
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        const std::optional<PersistentMapError> failure = loadError(map);
        QVERIFY2(!failure, failure ? qPrintable(failure->message()) : "");
        QCOMPARE(map.value(QStringLiteral("a")), QVariant(QStringLiteral("x")));
        if (!map.contains(key))
            return; // kept out: nothing the map shows that it cannot remove
        VERIFY_OK(map.remove(key));
        VERIFY_OK(map.flush());
    }
    PersistentMap reopened(std::make_unique<PersistentMapSqliteBackend>(path));
    QVERIFY(!loadError(reopened));
    QVERIFY2(!reopened.contains(key),
             qPrintable(QStringLiteral("removed, yet back: %1; rows: %2")
                                .arg(reopened.value(key).toString())
                                .arg(query(path,
                                           QStringLiteral("SELECT typeof(key), key FROM "
                                                          "persistent_map"))
                                             .size())));
}

void tst_SqliteBackend::keptOutRowsAreReportedOnceByAFollower_data()
{
    QTest::addColumn<QStringList>("rows");
    QTest::addColumn<int>("count"); // keys served after the three reloads
    QTest::newRow("one blob key") << QStringList{QStringLiteral("(X'FF', 'string', 'one')")} << 4;
    QTest::newRow("one text key not UTF-8")
            << QStringList{QStringLiteral("(CAST(X'FF' AS TEXT), 'string', 'one')")} << 4;
    QTest::newRow("value not UTF-8") << QStringList{QStringLiteral("('v', 'string', X'E9')")} << 4;
    QTest::newRow("two text keys decoding alike")
            << QStringList{QStringLiteral("(CAST(X'FF' AS TEXT), 'string', 'one')"),
                           QStringLiteral("(CAST(X'FE' AS TEXT), 'string', 'two')")}
            << 4;
    QTest::newRow("two blob keys decoding alike")
            << QStringList{QStringLiteral("(X'FF', 'string', 'one')"),
                           QStringLiteral("(X'FE', 'string', 'two')")}
            << 4;
}

// Adversarial review of a2e430b: rows kept out of the map are reported once ("reported once via
// errorOccurred"), not again at each whole-table reload a follower makes. When two such rows
// decode to the same key (X'FF' and X'FE' both decode to U+FFFD), the follower's reload
// (ReadRows::take() puts both into the batch; ExternalChangeFollower::mergeLocked() keeps each
// in turn with UndecodedEntries::keepLocked(), which compares with the one kept before) reports
// them again at every reload, forever.
void tst_SqliteBackend::keptOutRowsAreReportedOnceByAFollower()
{
    QFETCH(QStringList, rows);
    QFETCH(int, count);
    QVERIFY(m_dir.isValid());
    const QString path = m_dir.filePath(
            QStringLiteral("kept-out-follower-%1.db").arg(QLatin1String(QTest::currentDataTag())));
    QStringList inserts;
    for (const QString &row : std::as_const(rows))
        inserts.append(QStringLiteral("INSERT INTO persistent_map VALUES %1").arg(row));
    storeWithForeignRows(path, inserts);
    if (QTest::currentTestFailed())
        return;
    PersistentMap follower(std::make_unique<PersistentMapSqliteBackend>(path));
    QSignalSpy errors(&follower, &PersistentMap::errorOccurred);
    QSignalSpy counts(&follower, &PersistentMap::countChanged);
    QVERIFY(!loadError(follower));
    QCOMPARE(follower.keys(), QStringList{QStringLiteral("a")});
    QTRY_VERIFY(errors.size() >= 1);
    const qsizetype first = errors.size();
    for (int round = 0; round < 3; ++round) {
        const QString key = QStringLiteral("r%1").arg(round);
        execOnNewDatabase(path,
                          {QStringLiteral("INSERT INTO persistent_map VALUES ('%1', 'string', "
                                          "'x')")
                                   .arg(key),
                           QStringLiteral("INSERT INTO persistent_map_changes (keys) VALUES "
                                          "('*')")});
        if (QTest::currentTestFailed())
            return;
        QTRY_VERIFY_WITH_TIMEOUT(follower.contains(key), 20000);
    }
    QStringList messages;
    for (const QList<QVariant> &arguments : std::as_const(errors))
        messages.append(arguments.first().toString());
    QVERIFY2(errors.size() == first,
             qPrintable(QStringLiteral("%1 errors at load, %2 after three reloads:\n%3")
                                .arg(first)
                                .arg(errors.size())
                                .arg(messages.join(u'\n'))));
    QCOMPARE(follower.count(), count);
    QCOMPARE(follower.keys().size(), count);
}

QTEST_GUILESS_MAIN(tst_SqliteBackend)
#include "tst_sqlitebackend.moc"
