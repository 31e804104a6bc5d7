// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Reliability cases the per-class suites do not cover (issue 5, items 3, 4 and 6): damaged and
// foreign files (a truncated SQLite file, a SQLite file shared with other tables, CSV files that
// are empty, a header only, or not a store at all), hostile and huge keys and values, a million
// keys, two processes writing one SQLite store, eight threads mixing every kind of write with
// flushes, file modes, and values a spreadsheet would take for formulas.
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapSqliteBackend>

#include "bindmount.h"
#include "mapwatcherprocess.h"
#include "testhelpers.h"

#include <QtCore/QDeadlineTimer>
#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QMutex>
#include <QtCore/QProcess>
#include <QtCore/QRandomGenerator>
#include <QtCore/QRegularExpression>
#include <QtCore/QScopeGuard>
#include <QtCore/QSemaphore>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>
#include <QtSql/QSqlRecord>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <sys/stat.h>

namespace {

const QByteArray csvHeader("key,type,value\n");

// Runs statements on a separate QSQLITE connection; the rows of the last one, as strings.
QList<QStringList> sql(const QString &path, const QStringList &statements)
{
    static int counter = 0;
    const QString name = QStringLiteral("tst_reliability-%1").arg(++counter);
    QList<QStringList> rows;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        if (!db.open()) {
            rows.append({QStringLiteral("ERROR"), db.lastError().text()});
        } else {
            for (const QString &statement : statements) {
                QSqlQuery q(db);
                rows.clear();
                if (!q.exec(statement)) {
                    rows.append({QStringLiteral("ERROR"), q.lastError().text()});
                    break;
                }
                while (q.next()) {
                    QStringList row;
                    for (int i = 0; i < q.record().count(); ++i)
                        row.append(q.value(i).toString());
                    rows.append(row);
                }
            }
        }
    }
    QSqlDatabase::removeDatabase(name);
    return rows;
}

QString storePath(const QTemporaryDir &dir, const QString &kind)
{
    return dir.filePath(kind == u"sqlite" ? QStringLiteral("store.db")
                                          : QStringLiteral("store.csv"));
}

std::unique_ptr<PersistentMap> openMap(const QString &kind, const QString &path)
{
    if (kind == u"sqlite")
        return std::make_unique<PersistentMap>(std::make_unique<PersistentMapSqliteBackend>(path));
    return std::make_unique<PersistentMap>(std::make_unique<PersistentMapCsvBackend>(path));
}

void addBackends()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("csv") << QStringLiteral("csv");
}

// Runs each function on its own QThread, all released at once; false if one did not finish.
bool runTogether(const std::vector<std::function<void()>> &functions, int timeoutMs)
{
    QSemaphore start;
    std::vector<std::unique_ptr<QThread>> threads;
    for (const std::function<void()> &function : functions) {
        threads.emplace_back(QThread::create([&start, function] {
            start.acquire();
            function();
        }));
        threads.back()->start();
    }
    start.release(int(functions.size()));
    const QDeadlineTimer deadline(timeoutMs);
    bool finished = true;
    for (const auto &thread : threads)
        finished = thread->wait(deadline) && finished;
    return finished;
}

mode_t fileMode(const QString &path)
{
    struct stat st;
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return mode_t(-1);
    return st.st_mode & 07777;
}

QString octal(mode_t mode)
{
    return QStringLiteral("0%1").arg(uint(mode), 3, 8, QLatin1Char('0'));
}

// Sets the process umask for one scope.
class UmaskScope
{
public:
    explicit UmaskScope(mode_t mask)
        : m_previous(::umask(mask))
    {
    }
    ~UmaskScope() { ::umask(m_previous); }
    Q_DISABLE_COPY(UmaskScope)

private:
    mode_t m_previous;
};

} // namespace

// The command that runs mapwatcher as nobody (uid 65534): MapWatcherProcess appends the
// watcher's path and the spec. nobody cannot reach a build tree inside a private folder (a fresh
// clone in `mktemp -d`, mode 0700), so the watcher and the library run from copies in a folder
// everyone may read; Qt comes from the system. Empty, and *why, when that cannot be arranged.
QStringList asNobody(QString *why)
{
    static QTemporaryDir copies; // removed at exit
    static bool ready = false;
    const QString setpriv = QStandardPaths::findExecutable(QStringLiteral("setpriv"));
    if (setpriv.isEmpty()) {
        *why = QStringLiteral("setpriv (util-linux) is needed as root");
        return {};
    }
    if (!ready) {
        const QFileDevice::Permissions everyone = QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                QFileDevice::ExeOwner | QFileDevice::ReadGroup | QFileDevice::ExeGroup |
                QFileDevice::ReadOther | QFileDevice::ExeOther;
        const QString watcher = copies.filePath(QStringLiteral("mapwatcher"));
        const QString library = copies.filePath(QStringLiteral(PERSISTENTMAP_SONAME));
        ready = copies.isValid() && QFile::setPermissions(copies.path(), everyone) &&
                QFile::copy(QStringLiteral(MAPWATCHER_PATH), watcher) &&
                QFile::copy(QStringLiteral(PERSISTENTMAP_LIBRARY_PATH), library) &&
                QFile::setPermissions(watcher, everyone) &&
                QFile::setPermissions(library, everyone);
        if (!ready) {
            *why = QStringLiteral("cannot copy mapwatcher and the library to %1")
                           .arg(copies.path());
            return {};
        }
    }
    // $0 is the build tree's watcher (not used), $1 the spec.
    return {setpriv, QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"),
            QStringLiteral("--clear-groups"), QStringLiteral("sh"), QStringLiteral("-c"),
            // The sanitizer stages' preload and suppressions lie in the build tree too: under
            // ThreadSanitizer the copy runs without them, reporting nothing (report_bugs=0).
            QStringLiteral("unset LD_PRELOAD; TSAN_OPTIONS=report_bugs=0; export TSAN_OPTIONS; "
                           "LD_LIBRARY_PATH='%1' exec '%1/mapwatcher' \"$1\"")
                    .arg(copies.path())};
}

class tst_Reliability : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();

    // Item 3: bad input.
    void sqliteTruncated_data();
    void sqliteTruncated();
    void sqliteSharedWithUnrelatedSchema();
    void csvEmptyFile();
    void csvHeaderOnly_data();
    void csvHeaderOnly();
    void csvNotAStore_data();
    void csvNotAStore();
    void csvTornHeaderIsRecovered();
    void unusualKeys_data();
    void unusualKeys();
    void invalidUtf16Key_data() { addBackends(); }
    void invalidUtf16Key();
    void hugeValue_data();
    void hugeValue();
    void millionKeys_data();
    void millionKeys();

    // Item 4: concurrency.
    void twoProcessesOneSqliteStore_data();
    void twoProcessesOneSqliteStore();
    void eightThreadsWithFlushes_data() { addBackends(); }
    void eightThreadsWithFlushes();

    // Item 6: security basics.
    void fileModes_data();
    void fileModes();
    void tableNameInjectionLeavesFileAlone();
    void sqlInjectionKeysOnSharedFile();
    void formulaLikeCsvValues();

    // Issue 12, item 4: a store this user may only read opens read-only, not as corrupt.
    void readOnlyStoreOpensReadOnly_data();
    void readOnlyStoreOpensReadOnly();
    void readOnlyCopyWithItsWriteAheadLog();
    void readOnlyCopyIsReadAgainWhenItChanges();
    void danglingSymbolicLinksAreNamed_data();
    void danglingSymbolicLinksAreNamed();
    void readOnlyStoreThroughASymbolicLinkFollowsAWriter();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_Reliability::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

// ---------------------------------------------------------------------------------------------
// Item 3: bad input

void tst_Reliability::sqliteTruncated_data()
{
    // The size to cut the file to, as a function of its size and page size.
    QTest::addColumn<int>("percent");
    QTest::addColumn<int>("extraBytes");
    QTest::newRow("half") << 50 << 0;
    QTest::newRow("half, off a page boundary") << 50 << 1234;
    QTest::newRow("all but the last 100 bytes") << 100 << -100;
    QTest::newRow("first page and a bit") << 0 << 4096 + 17;
    QTest::newRow("inside the header") << 0 << 60;
}

// A SQLite file cut short (a copy interrupted, a disk that lost its tail). Whatever SQLite
// makes of it, the map must not crash or invent data; when it refuses the file, it must name it
// and leave it exactly as it was.
void tst_Reliability::sqliteTruncated()
{
    QFETCH(int, percent);
    QFETCH(int, extraBytes);
    const QString path = m_dir->filePath(QStringLiteral("truncated.db"));
    QVariantHash written;
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        VERIFY_OK(map.whenReady());
        for (int i = 0; i < 3000; ++i) {
            const QString key = QStringLiteral("key-%1").arg(i, 5, 10, QLatin1Char('0'));
            const QVariant value =
                    i % 2 ? QVariant(i) : QVariant(QString(100, QChar(u'a' + i % 26)));
            written.insert(key, value);
            map.insert(key, value);
        }
        VERIFY_OK(map.flush());
    }
    // Closing the last connection checkpointed the WAL into the file and removed it.
    QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));
    const QByteArray full = readBytes(path);
    QVERIFY2(full.size() > 100 * 1024, QByteArray::number(full.size()).constData());
    const qsizetype size = full.size() * percent / 100 + extraBytes;
    QVERIFY(size > 0 && size < full.size());
    const QByteArray cut = full.left(size);
    QVERIFY(writeBytes(path, cut));

    std::optional<PersistentMapError> error;
    QVariantHash loaded;
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        error = loadError(map);
        if (error) {
            QCOMPARE(map.status(), PersistentMap::Status::Error);
            QVERIFY2(error->code() == PersistentMapError::Code::Corrupt ||
                             error->code() == PersistentMapError::Code::OpenFailed,
                     qPrintable(error->message()));
            QVERIFY2(error->message().contains(path), qPrintable(error->message()));
            QCOMPARE(map.errorString(), error->message());
            QVERIFY(map.isEmpty());
            QVERIFY(failureOf(map.insert(QStringLiteral("key-00000"), QStringLiteral("new"))));
            QVERIFY(failureOf(map.flush()));
        } else {
            loaded = map.toHash();
        }
    }
    if (error) {
        qInfo().noquote() << "refused:" << error->message();
        QVERIFY2(readBytes(path) == cut, "a refused file must stay byte-for-byte unchanged");
        QCOMPARE(QFileInfo(path).size(), size);
        QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));
        QVERIFY(!QFile::exists(path + QStringLiteral("-journal")));
        return;
    }
    // SQLite read what was left: every entry it found must be one that was written.
    qInfo() << "loaded" << loaded.size() << "of" << written.size() << "entries";
    for (auto it = loaded.cbegin(); it != loaded.cend(); ++it) {
        QVERIFY2(written.contains(it.key()), qPrintable(it.key()));
        QVERIFY2(sameValue(*it, written.value(it.key())), qPrintable(it.key()));
    }
}

// docs/FORMAT.md: "Several tables (several maps) can share one file". A file that already holds
// another program's tables gets the map's table beside them; their rows, their index and their
// view stay as they were, whatever the map writes, removes or clears.
void tst_Reliability::sqliteSharedWithUnrelatedSchema()
{
    const QString path = m_dir->filePath(QStringLiteral("app.db"));
    const QStringList setup{
            QStringLiteral("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT, "
                           "email TEXT UNIQUE)"),
            QStringLiteral("CREATE INDEX contacts_by_name ON contacts (name)"),
            QStringLiteral("CREATE TABLE key (key TEXT, value TEXT)"), // names the map also uses
            QStringLiteral("INSERT INTO contacts (name, email) VALUES ('Ada', 'ada@example.org'), "
                           "('Bob', 'bob@example.org')"),
            QStringLiteral("INSERT INTO key VALUES ('greeting', 'not the map''s')"),
            QStringLiteral("CREATE VIEW names AS SELECT name FROM contacts"),
            QStringLiteral("SELECT count(*) FROM contacts"),
    };
    QCOMPARE(sql(path, setup), (QList<QStringList>{{QStringLiteral("2")}}));
    QCOMPARE(sql(path, {QStringLiteral("PRAGMA journal_mode")}),
             (QList<QStringList>{{QStringLiteral("delete")}}));
    const QString foreignRows = QStringLiteral(
            "SELECT (SELECT group_concat(id || ':' || name || ':' || email, ';') FROM contacts), "
            "(SELECT group_concat(key || '=' || value) FROM key), "
            "(SELECT group_concat(name) FROM names)");
    const QList<QStringList> before = sql(path, {foreignRows});
    QCOMPARE(before,
             (QList<QStringList>{{QStringLiteral("1:Ada:ada@example.org;2:Bob:bob@example.org"),
                                  QStringLiteral("greeting=not the map's"),
                                  QStringLiteral("Ada,Bob")}}));
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        VERIFY_OK(map.whenReady());
        QVERIFY(map.isEmpty()); // the other tables are not read as entries
        map.insert(QStringLiteral("greeting"), QStringLiteral("the map's"));
        map.insert(QStringLiteral("contacts"), 2);
        VERIFY_OK(map.flush());
        QCOMPARE(sql(path, {foreignRows}), before);
        VERIFY_OK(map.remove(QStringLiteral("contacts")));
        VERIFY_OK(map.clear());
        VERIFY_OK(map.insert(QStringLiteral("after clear"), true));
        QCOMPARE(sql(path, {foreignRows}), before);
    }
    PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
    VERIFY_OK(map.whenReady());
    QCOMPARE(map.toHash(), (QVariantHash{{QStringLiteral("after clear"), true}}));
    QCOMPARE(sql(path, {foreignRows}), before);
    QCOMPARE(
            sql(path,
                {QStringLiteral("SELECT type, name FROM sqlite_master WHERE name NOT LIKE "
                                "'sqlite_%' ORDER BY type, name")}),
            (QList<QStringList>{{QStringLiteral("index"), QStringLiteral("contacts_by_name")},
                                {QStringLiteral("table"), QStringLiteral("contacts")},
                                {QStringLiteral("table"), QStringLiteral("key")},
                                {QStringLiteral("table"), QStringLiteral("persistent_map")},
                                {QStringLiteral("table"), QStringLiteral("persistent_map_changes")},
                                {QStringLiteral("view"), QStringLiteral("names")}}));
    QCOMPARE(sql(path, {QStringLiteral("PRAGMA integrity_check")}),
             (QList<QStringList>{{QStringLiteral("ok")}}));
    // The one change to the file as a whole: the map switches it to WAL (docs/FORMAT.md), which
    // stays in the file for every program that opens it.
    QCOMPARE(sql(path, {QStringLiteral("PRAGMA journal_mode")}),
             (QList<QStringList>{{QStringLiteral("wal")}}));
}

// A 0-byte file (created by `touch`, or by a crash right after the file was created) is an
// empty store: opening it writes the header, and what is written next reads back.
void tst_Reliability::csvEmptyFile()
{
    const QString path = m_dir->filePath(QStringLiteral("empty.csv"));
    QVERIFY(writeBytes(path, QByteArray()));
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".")));
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(path));
        VERIFY_OK(map.whenReady());
        QCOMPARE(map.status(), PersistentMap::Status::Ready);
        QVERIFY(map.isEmpty());
        QCOMPARE(readBytes(path), csvHeader);
        VERIFY_OK(map.insert(QStringLiteral("first"), 1));
        QCOMPARE(readBytes(path), csvHeader + ",batch,1\nfirst,int,1\n");
    }
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(path));
    VERIFY_OK(map.whenReady());
    QCOMPARE(map.toHash(), (QVariantHash{{QStringLiteral("first"), 1}}));
}

void tst_Reliability::csvHeaderOnly_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::newRow("LF") << csvHeader;
    QTest::newRow("CRLF") << QByteArray("key,type,value\r\n");
    QTest::newRow("BOM") << QByteArray("\xEF\xBB\xBF") + csvHeader;
}

void tst_Reliability::csvHeaderOnly()
{
    QFETCH(QByteArray, content);
    const QString path = m_dir->filePath(QStringLiteral("header.csv"));
    QVERIFY(writeBytes(path, content));
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".")));
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(path));
        VERIFY_OK(map.whenReady());
        QVERIFY(map.isEmpty());
        QCOMPARE(readBytes(path), content); // opening alone writes nothing
        VERIFY_OK(map.insert(QStringLiteral("k"), QStringLiteral("v")));
        QCOMPARE(readBytes(path), content + ",batch,1\nk,string,v\n");
    }
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(path));
    VERIFY_OK(map.whenReady());
    QCOMPARE(map.toHash(), (QVariantHash{{QStringLiteral("k"), QStringLiteral("v")}}));
}

void tst_Reliability::csvNotAStore_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("cause");

    QByteArray binary(4096, Qt::Uninitialized);
    QRandomGenerator generator(5);
    for (char &c : binary)
        c = char(generator.bounded(256));
    QTest::newRow("prose") << QByteArray("Dear diary,\nthe settings file is not a CSV store.\n")
                           << QStringLiteral("line 1: the header is not key,type,value");
    QTest::newRow("another program's CSV")
            << QByteArray("name,email,phone\nAda,ada@example.org,123\n")
            << QStringLiteral("line 1: the header is not key,type,value");
    QTest::newRow("JSON") << QByteArray("{\n  \"key\": \"value\"\n}\n")
                          << QStringLiteral("line 1:");
    QTest::newRow("random bytes") << binary << QStringLiteral("line ");
    QTest::newRow("ini") << QByteArray("[General]\nkey=value\n")
                         << QStringLiteral("line 1: the header is not key,type,value");
    // Regression (issue 5): a file of one line without a line break was taken for a header torn
    // by a crash, loaded as an empty store, and replaced by the first write.
    QTest::newRow("one line without a line break")
            << QByteArray("remember the milk") << QStringLiteral("line 1");
    QTest::newRow("JSON on one line") << QByteArray("{\"key\":\"value\"}")
                                      << QStringLiteral("line 1: quote inside an unquoted field");
    QTest::newRow("a CSV header without a line break")
            << QByteArray("name,email,phone") << QStringLiteral("line 1");
}

// A file that is not a store at all (a wrong path, a file of another program) must be refused
// with Code::Corrupt, and neither opening nor writing may change it.
void tst_Reliability::csvNotAStore()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, cause);
    const QString path = m_dir->filePath(QStringLiteral("notes.csv"));
    QVERIFY(writeBytes(path, content));
    std::optional<PersistentMapError> error;
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(path));
        error = loadError(map);
        // Give the map the chance to overwrite it, as an application would.
        const std::optional<PersistentMapError> writeError =
                failureOf(map.insert(QStringLiteral("k"), QStringLiteral("v")));
        QVERIFY(bool(writeError) == bool(error));
    }
    const QByteArray after = readBytes(path);
    QVERIFY2(error, after.left(200).constData());
    QCOMPARE(error->code(), PersistentMapError::Code::Corrupt);
    QVERIFY2(error->message().startsWith(QStringLiteral("CSV store %1: ").arg(path)),
             qPrintable(error->message()));
    QVERIFY2(error->message().contains(cause), qPrintable(error->message()));
    QCOMPARE(after, content);
}

// The counterpart of the known bug above: a header cut off by a crash while the file was being
// created is a store, and opens empty (what any fix must keep).
void tst_Reliability::csvTornHeaderIsRecovered()
{
    const QString path = m_dir->filePath(QStringLiteral("torn.csv"));
    QVERIFY(writeBytes(path, QByteArray("key,type,va")));
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("line 1 is incomplete.*dropping it")));
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(path));
        VERIFY_OK(map.whenReady());
        QVERIFY(map.isEmpty());
        VERIFY_OK(map.insert(QStringLiteral("k"), 1));
    }
    QCOMPARE(readBytes(path), csvHeader + ",batch,1\nk,int,1\n");
}

void tst_Reliability::unusualKeys_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("key");
    const QList<std::pair<const char *, QString>> keys{
            {"empty", QString()},
            {"NUL", QString(QStringLiteral("a") + QChar(0) + QStringLiteral("b"))},
            {"only NUL", QString(QChar(0))},
            {"newline", QStringLiteral("line\nbreak")},
            {"CR", QStringLiteral("carriage\rreturn")},
            {"CRLF at the end", QStringLiteral("crlf\r\n")},
            {"comma", QStringLiteral("a,b,")},
            {"quote", QStringLiteral("say \"hi\"")},
            {"only a quote", QStringLiteral("\"")},
            {"tab", QStringLiteral("tab\there")},
            {"non-BMP", QString::fromUcs4(U"\U0001F600 \U00010348 \U0010FFFD")},
            // Regression: the SQLite reader dropped a leading U+FEFF (QString::fromUtf8 does).
            {"leading BOM", QString(QChar(0xFEFF) + QStringLiteral("bom"))},
            {"two BOMs", QString(QChar(0xFEFF)) + QChar(0xFEFF)},
            {"spaces", QStringLiteral("  padded  ")},
            {"looks like a batch row", QStringLiteral(",batch,2")},
            {"64 KiB", QString(64 * 1024, u'k') + QStringLiteral("end")},
            {"64 KiB of everything",
             QString::fromUcs4(U",\"\n\r\t\U0001F600x").repeated(64 * 1024 / 8)},
    };
    for (const QString &backend : {QStringLiteral("sqlite"), QStringLiteral("csv")}) {
        for (const auto &[name, key] : keys)
            QTest::addRow("%s, %s", qPrintable(backend), name) << backend << key;
    }
}

// Each key round-trips through a reopen, as a key and as a value, next to an ordinary key, and
// its removal holds through the next reopen.
void tst_Reliability::unusualKeys()
{
    QFETCH(QString, backend);
    QFETCH(QString, key);
    const QString path = storePath(*m_dir, backend);
    const QVariantHash expected{{key, key}, {QStringLiteral("plain"), QStringLiteral("neighbour")}};
    {
        const auto map = openMap(backend, path);
        VERIFY_OK(map->whenReady());
        map->insert(QStringLiteral("plain"), QStringLiteral("neighbour"));
        VERIFY_OK(map->insert(key, key));
        VERIFY_OK(map->flush());
    }
    {
        const auto map = openMap(backend, path);
        VERIFY_OK(map->whenReady());
        COMPARE_CONTENT(map->toHash(), expected);
        QCOMPARE(map->value(key).toString(), key); // the exact text, not only an equal hash key
        VERIFY_OK(map->remove(key));
    }
    const auto map = openMap(backend, path);
    VERIFY_OK(map->whenReady());
    COMPARE_CONTENT(map->toHash(),
                    (QVariantHash{{QStringLiteral("plain"), QStringLiteral("neighbour")}}));
}

// Found by this suite: a key (or string value) with an unpaired surrogate is not valid UTF-16.
// The map accepts it, but the store writes it as UTF-8 with the surrogate replaced (by U+FFFD in
// SQLite, by '?' in CSV), so after a reopen the key is another key. It should be refused by
// insert() like an unencodable value, or documented.
void tst_Reliability::invalidUtf16Key()
{
    QFETCH(QString, backend);
    const QString path = storePath(*m_dir, backend);
    // Regression (issue 5): a lone surrogate became U+FFFD on the way to UTF-8, so the key came
    // back as another key. Such a key is now refused before it is queued.
    const QString key = QStringLiteral("x") + QChar(0xD800) + QStringLiteral("y");
    {
        const auto map = openMap(backend, path);
        VERIFY_OK(map->whenReady());
        QSignalSpy errors(map.get(), &PersistentMap::errorOccurred);
        const std::optional<PersistentMapError> error = failureOf(map->insert(key, 1));
        QVERIFY(error);
        QCOMPARE(error->code(), PersistentMapError::Code::Unsupported);
        QVERIFY2(error->message().contains(QStringLiteral("unpaired UTF-16 surrogate")),
                 qPrintable(error->message()));
        QCOMPARE(errors.size(), 1);
        QVERIFY(!map->contains(key));
        QVERIFY(failureOf(map->insert(QVariantHash{{QStringLiteral("ok"), 1}, {key, 2}})));
        QVERIFY(map->isEmpty()); // the whole atomic insert was refused
    }
    const auto map = openMap(backend, path);
    VERIFY_OK(map->whenReady());
    QCOMPARE(map->count(), 0);
}

void tst_Reliability::hugeValue_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<bool>("bytes");
    for (const QString &backend : {QStringLiteral("sqlite"), QStringLiteral("csv")}) {
        QTest::addRow("%s, string", qPrintable(backend)) << backend << false;
        QTest::addRow("%s, bytes", qPrintable(backend)) << backend << true;
    }
}

// A 16 MiB value (a string with every character the CSV writer must quote, or binary bytes)
// round-trips through a reopen, and a small write after it still lands.
void tst_Reliability::hugeValue()
{
    QFETCH(QString, backend);
    QFETCH(bool, bytes);
    constexpr qsizetype Size = 16 * 1024 * 1024;
    QVariant value;
    QRandomGenerator generator(16);
    if (bytes) {
        QByteArray data(Size, Qt::Uninitialized);
        generator.fillRange(reinterpret_cast<quint32 *>(data.data()), Size / 4);
        value = data;
    } else {
        static const char16_t alphabet[] = u"abcdefghij ,\"\n\r\t=;\u00e9\u65e5";
        constexpr int AlphabetSize = int(sizeof alphabet / sizeof alphabet[0]) - 1;
        QString text(Size, Qt::Uninitialized);
        for (QChar &c : text)
            c = QChar(alphabet[generator.bounded(AlphabetSize)]);
        value = text;
    }
    const QString path = storePath(*m_dir, backend);
    {
        const auto map = openMap(backend, path);
        VERIFY_OK(map->whenReady());
        VERIFY_OK(map->insert(QStringLiteral("huge"), value));
        VERIFY_OK(map->insert(QStringLiteral("after"), 1));
        VERIFY_OK(map->flush());
    }
    QVERIFY(QFileInfo(path).size() >= Size);
    const auto map = openMap(backend, path);
    VERIFY_OK(map->whenReady());
    QCOMPARE(map->count(), 2);
    QCOMPARE(map->value(QStringLiteral("after")), QVariant(1));
    const QVariant loaded = map->value(QStringLiteral("huge"));
    QCOMPARE(loaded.metaType(), value.metaType());
    QVERIFY2(loaded == value, "the 16 MiB value changed on its way through the store");
}

void tst_Reliability::millionKeys_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<int>("count");
    QTest::newRow("sqlite") << QStringLiteral("sqlite") << 1000000;
    QTest::newRow("csv") << QStringLiteral("csv") << 1000000;
}

// A million small entries: inserted, flushed, reopened; the count and a sample of values read
// back (every 997th key, the first and the last).
void tst_Reliability::millionKeys()
{
    QFETCH(QString, backend);
    QFETCH(int, count);
    const QString path = storePath(*m_dir, backend);
    const auto keyOf = [](int i) {
        return QStringLiteral("key/%1").arg(i, 7, 10, QLatin1Char('0'));
    };
    const auto valueOf = [](int i) -> QVariant {
        return i % 3 ? QVariant(i) : QVariant(QStringLiteral("v%1").arg(i));
    };
    QElapsedTimer timer;
    timer.start();
    {
        const auto map = openMap(backend, path);
        VERIFY_OK(map->whenReady());
        for (int i = 0; i < count; ++i)
            map->insert(keyOf(i), valueOf(i));
        VERIFY_OK(map->flush());
        QCOMPARE(map->count(), count);
    }
    const qint64 writeMs = timer.restart();
    const auto map = openMap(backend, path);
    VERIFY_OK(map->whenReady());
    const qint64 loadMs = timer.elapsed();
    qInfo("%d entries: written, flushed and closed in %lld ms, loaded in %lld ms", count, writeMs,
          loadMs);
    QCOMPARE(map->count(), count);
    for (int i = 0; i < count; i += 997) {
        const QVariant value = map->value(keyOf(i));
        QVERIFY2(sameValue(value, valueOf(i)),
                 qPrintable(keyOf(i) + QStringLiteral(" = ") + describe(value)));
    }
    QVERIFY(sameValue(map->value(keyOf(count - 1)), valueOf(count - 1)));
    QVERIFY(!map->contains(keyOf(count)));
}

// ---------------------------------------------------------------------------------------------
// Item 4: concurrency

void tst_Reliability::twoProcessesOneSqliteStore_data()
{
    QTest::addColumn<bool>("existing");
    QTest::addColumn<int>("chunk");
    QTest::newRow("new file, chunks of 50") << false << 50;
    QTest::newRow("existing file, chunks of 50") << true << 50;
    QTest::newRow("existing file, chunks of 1000") << true << 1000;
}

// Two processes write one SQLite store at the same time (each awaits its futures every `chunk`
// inserts, so each runs hundreds of transactions against the other's). No write may fail with
// "database is locked", and the store must end up with every key of both.
void tst_Reliability::twoProcessesOneSqliteStore()
{
    QFETCH(bool, existing);
    QFETCH(int, chunk);
    constexpr int PerProcess = 20000;
    const QString path = m_dir->filePath(QStringLiteral("shared.db"));
    if (existing) {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        VERIFY_OK(map.insert(QStringLiteral("before"), 0));
    }

    const QStringList prefixes{QStringLiteral("a/"), QStringLiteral("b/")};
    std::vector<std::unique_ptr<QProcess>> writers;
    for (const QString &prefix : prefixes) {
        writers.push_back(std::make_unique<QProcess>());
        QProcess &writer = *writers.back();
        writer.setProgram(QStringLiteral(SQLITEWRITER_PATH));
        writer.setArguments({path, prefix, QString::number(PerProcess), QString::number(chunk)});
        writer.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        writer.start();
    }
    // Both open the store, then both are released at once.
    for (const auto &writer : writers) {
        QVERIFY2(writer->waitForStarted(20000), qPrintable(writer->errorString()));
        while (!writer->canReadLine() && writer->waitForReadyRead(20000)) { }
        QCOMPARE(writer->readLine(), QByteArray("ready\n"));
    }
    QElapsedTimer timer;
    timer.start();
    for (const auto &writer : writers)
        QCOMPARE(writer->write("go\n"), 3);
    for (const auto &writer : writers) {
        QVERIFY(writer->waitForFinished(60000));
        const QByteArray out = writer->readAllStandardOutput();
        QCOMPARE(writer->exitStatus(), QProcess::NormalExit);
        QVERIFY2(writer->exitCode() == 0, out.constData());
        QCOMPARE(out, QByteArray("done\n"));
    }
    qInfo("two processes wrote %d keys each in %lld ms", PerProcess, timer.elapsed());

    PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
    VERIFY_OK(map.whenReady());
    QCOMPARE(map.count(), 2 * PerProcess + (existing ? 1 : 0));
    for (const QString &prefix : prefixes) {
        for (int i = 0; i < PerProcess; ++i) {
            const QVariant value = map.value(prefix + QString::number(i));
            if (value != QVariant(QStringLiteral("%1:%2").arg(prefix).arg(i)))
                QFAIL(qPrintable(prefix + QString::number(i) + QStringLiteral(" is ") +
                                 describe(value)));
        }
    }
}

namespace {

constexpr int MixThreads = 8;
constexpr int MixOperations = 8000;
constexpr int SharedKeys = 96;

// Values a mixing thread writes: every type keeps its thread and step, so a reader can tell a
// written value from an invented or mangled one.
QVariant mixValue(int thread, int step)
{
    switch (step % 3) {
    case 0:
        return thread * MixOperations + step;
    case 1:
        return QStringLiteral("t%1-%2").arg(thread).arg(step);
    default:
        return QByteArray("t") + QByteArray::number(thread) + '-' + QByteArray::number(step);
    }
}

bool isMixValue(const QVariant &value)
{
    const QMetaType type = value.metaType();
    if (type == QMetaType::fromType<int>())
        return value.toInt() >= 0 && value.toInt() < MixThreads * MixOperations;
    if (type == QMetaType::fromType<QString>())
        return value.toString().startsWith(u't') && value.toString().contains(u'-');
    if (type == QMetaType::fromType<QByteArray>())
        return value.toByteArray().startsWith('t') && value.toByteArray().contains('-');
    return false;
}

struct MixStats
{
    std::atomic<int> failedFutures{0};
    std::atomic<int> badReads{0};
    std::atomic<int> tornPairs{0};
    std::atomic<int> flushes{0};
    std::atomic<int> reads{0};
    QMutex mutex;
    QString firstProblem;

    void problem(const QString &text)
    {
        QMutexLocker locker(&mutex);
        if (firstProblem.isEmpty())
            firstProblem = text;
    }
};

// One thread's share: inserts, removes, atomic batches and hashes (each also writes the
// thread's pair keys with one value), flushes, and reads of every kind.
void mixThread(PersistentMap *map, int thread, MixStats *stats)
{
    QRandomGenerator random(quint32(7000 + thread));
    const QString pairA = QStringLiteral("pair%1/a").arg(thread);
    const QString pairB = QStringLiteral("pair%1/b").arg(thread);
    QList<QFuture<void>> futures;
    const auto sharedKey = [&] { return QStringLiteral("s%1").arg(random.bounded(SharedKeys)); };
    for (int step = 0; step < MixOperations; ++step) {
        QFuture<void> future;
        const int dice = random.bounded(100);
        if (dice < 35) {
            future = map->insert(sharedKey(), mixValue(thread, step));
        } else if (dice < 47) {
            future = map->remove(sharedKey());
        } else if (dice < 59) {
            PersistentMapWriteBatch batch;
            batch.insert(pairA, mixValue(thread, step));
            for (int n = random.bounded(1, 6); n > 0; --n) {
                if (random.bounded(3) == 0)
                    batch.remove(sharedKey());
                else
                    batch.insert(sharedKey(), mixValue(thread, step));
            }
            batch.insert(pairB, mixValue(thread, step));
            future = map->apply(batch);
        } else if (dice < 69) {
            QVariantHash entries{{pairA, mixValue(thread, step)}, {pairB, mixValue(thread, step)}};
            for (int n = random.bounded(1, 4); n > 0; --n)
                entries.insert(sharedKey(), mixValue(thread, step));
            future = map->insert(entries);
        } else if (dice < 72) {
            future = map->flush();
            ++stats->flushes;
            if (random.bounded(2) == 0 && failureOf(future)) // sometimes wait for it, too
                ++stats->failedFutures;
        } else if (dice < 97) {
            const QString key = sharedKey();
            const QVariant value = map->value(key);
            if (value.isValid() && !isMixValue(value)) {
                ++stats->badReads;
                stats->problem(key + QStringLiteral(" = ") + describe(value));
            }
            if (map->count() < 0)
                ++stats->badReads;
            ++stats->reads;
        } else {
            const QVariantHash all = map->toHash();
            for (int t = 0; t < MixThreads; ++t) {
                const QVariant a = all.value(QStringLiteral("pair%1/a").arg(t));
                const QVariant b = all.value(QStringLiteral("pair%1/b").arg(t));
                if (!sameValue(a, b)) {
                    ++stats->tornPairs;
                    stats->problem(QStringLiteral("pair %1: %2 and %3")
                                           .arg(t)
                                           .arg(describe(a), describe(b)));
                }
            }
            for (auto it = all.cbegin(); it != all.cend(); ++it) {
                if (!isMixValue(*it)) {
                    ++stats->badReads;
                    stats->problem(it.key() + QStringLiteral(" = ") + describe(*it));
                }
            }
            ++stats->reads;
        }
        if (future.isValid() && (step % 16 == 0 || dice >= 69))
            futures.append(future);
    }
    for (const QFuture<void> &future : std::as_const(futures)) {
        if (const std::optional<PersistentMapError> failure = failureOf(future)) {
            ++stats->failedFutures;
            stats->problem(failure->message());
        }
    }
}

} // namespace

// Eight threads on one map, each mixing inserts, removes, batches, hashes, flushes and reads.
// Afterwards the store, reopened, holds exactly what the map holds.
void tst_Reliability::eightThreadsWithFlushes()
{
    QFETCH(QString, backend);
    const QString path = storePath(*m_dir, backend);
    QVariantHash snapshot;
    MixStats stats;
    QElapsedTimer timer;
    timer.start();
    {
        const auto map = openMap(backend, path);
        VERIFY_OK(map->whenReady());
        PersistentMap *const m = map.get();
        std::vector<std::function<void()>> tasks;
        for (int t = 0; t < MixThreads; ++t)
            tasks.emplace_back([m, t, &stats] { mixThread(m, t, &stats); });
        QVERIFY2(runTogether(tasks, 60000), "the threads did not finish within a minute");
        VERIFY_OK(map->flush());
        snapshot = map->toHash();
        QCOMPARE(map->count(), snapshot.size());
    }
    qInfo("%d threads x %d operations (%d flushes, %d reads) in %lld ms", MixThreads, MixOperations,
          stats.flushes.load(), stats.reads.load(), timer.elapsed());
    QVERIFY2(stats.failedFutures == 0, qPrintable(stats.firstProblem));
    QVERIFY2(stats.badReads == 0, qPrintable(stats.firstProblem));
    QVERIFY2(stats.tornPairs == 0, qPrintable(stats.firstProblem));
    QVERIFY(stats.flushes > 0);
    QVERIFY(stats.reads > 0);
    QVERIFY(snapshot.size() > MixThreads); // the pairs at least

    const auto reopened = openMap(backend, path);
    VERIFY_OK(reopened->whenReady());
    COMPARE_CONTENT(reopened->toHash(), snapshot);
}

// ---------------------------------------------------------------------------------------------
// Item 6: security basics

void tst_Reliability::fileModes_data()
{
    QTest::addColumn<int>("mask");
    QTest::newRow("umask 022") << 022;
    QTest::newRow("umask 000") << 0;
}

// Every file that holds data is 0600 whatever the umask: the SQLite file, its -wal and -shm,
// the CSV file (also after a rewrite).
void tst_Reliability::fileModes()
{
    QFETCH(int, mask);
    const UmaskScope umaskScope(mode_t(mask & 0777));
    const QString db = m_dir->filePath(QStringLiteral("secret/store.db"));
    const QString csv = m_dir->filePath(QStringLiteral("secret/store.csv"));
    const QString secret = QStringLiteral("token-5f3a9c");

    PersistentMap sqliteMap(std::make_unique<PersistentMapSqliteBackend>(db));
    VERIFY_OK(sqliteMap.whenReady());
    VERIFY_OK(sqliteMap.insert(QStringLiteral("secret"), secret));
    VERIFY_OK(sqliteMap.flush());
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")}) {
        QVERIFY2(QFile::exists(db + suffix), qPrintable(db + suffix));
        QCOMPARE(octal(fileMode(db + suffix)), QStringLiteral("0600"));
    }

    PersistentMap csvMap(std::make_unique<PersistentMapCsvBackend>(csv));
    VERIFY_OK(csvMap.whenReady());
    VERIFY_OK(csvMap.insert(QStringLiteral("secret"), secret));
    QCOMPARE(octal(fileMode(csv)), QStringLiteral("0600"));
    VERIFY_OK(csvMap.clear()); // rewritten through PATH.replacing-XXXXXX
    VERIFY_OK(csvMap.insert(QStringLiteral("secret"), secret));
    QCOMPARE(octal(fileMode(csv)), QStringLiteral("0600"));

    // Nothing else beside them: the CSV lock is on the file itself, there is no lock file.
    QCOMPARE(QDir(m_dir->filePath(QStringLiteral("secret"))).entryList(QDir::Files | QDir::Hidden),
             (QStringList{QStringLiteral("store.csv"), QStringLiteral("store.db"),
                          QStringLiteral("store.db-shm"), QStringLiteral("store.db-wal")}));
}

// A table name built to break out of the quotes is refused before the file is opened, so a file
// holding other tables is not even touched.
void tst_Reliability::tableNameInjectionLeavesFileAlone()
{
    const QString path = m_dir->filePath(QStringLiteral("victim.db"));
    QCOMPARE(sql(path,
                 {QStringLiteral("CREATE TABLE victims (name TEXT)"),
                  QStringLiteral("INSERT INTO victims VALUES ('still here')"),
                  QStringLiteral("SELECT name FROM victims")}),
             (QList<QStringList>{{QStringLiteral("still here")}}));
    const QByteArray before = readBytes(path);
    const QStringList names{
            QStringLiteral("t\" (k TEXT); DROP TABLE victims; --"), QStringLiteral("victims\"; --"),
            QStringLiteral("t]; DROP TABLE victims"), QStringLiteral("t'); DROP TABLE victims; --"),
            QStringLiteral("sqlite_master")};
    for (const QString &table : names) {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path, table));
        const std::optional<PersistentMapError> error = loadError(map);
        if (table == u"sqlite_master") {
            // A valid name, but SQLite's own: refused by SQLite, not by the name check.
            QVERIFY(error);
        } else {
            QVERIFY2(error, qPrintable(table));
            QCOMPARE(error->code(), PersistentMapError::Code::OpenFailed);
            QVERIFY2(error->message().contains(QStringLiteral("invalid table name")),
                     qPrintable(error->message()));
        }
        QVERIFY(failureOf(map.insert(QStringLiteral("k"), 1)));
    }
    QCOMPARE(sql(path, {QStringLiteral("SELECT name FROM victims")}),
             (QList<QStringList>{{QStringLiteral("still here")}}));
    QCOMPARE(sql(path, {QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table'")}),
             (QList<QStringList>{{QStringLiteral("victims")}}));
}

// Keys and values built to break out of SQL quoting, written and removed on a file that holds
// another table: they are stored as text, and nothing else changes.
void tst_Reliability::sqlInjectionKeysOnSharedFile()
{
    const QString path = m_dir->filePath(QStringLiteral("shared.db"));
    QCOMPARE(sql(path,
                 {QStringLiteral("CREATE TABLE victims (name TEXT)"),
                  QStringLiteral("INSERT INTO victims VALUES ('still here')"),
                  QStringLiteral("SELECT count(*) FROM victims")}),
             (QList<QStringList>{{QStringLiteral("1")}}));
    const QStringList hostile{QStringLiteral("'); DROP TABLE persistent_map; --"),
                              QStringLiteral("'); DROP TABLE victims; --"),
                              QStringLiteral("x' OR '1'='1"),
                              QStringLiteral("\"; DELETE FROM victims; --"),
                              QStringLiteral("k'); ATTACH DATABASE '/tmp/x.db' AS x; --")};
    QVariantHash expected;
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        VERIFY_OK(map.whenReady());
        PersistentMapWriteBatch batch;
        for (const QString &text : hostile) {
            batch.insert(text, text);
            expected.insert(text, text);
        }
        VERIFY_OK(map.apply(batch));
        VERIFY_OK(map.remove(hostile.at(2)));
        expected.remove(hostile.at(2));
        VERIFY_OK(map.flush());
    }
    QCOMPARE(sql(path, {QStringLiteral("SELECT name FROM victims")}),
             (QList<QStringList>{{QStringLiteral("still here")}}));
    QCOMPARE(sql(path, {QStringLiteral("SELECT count(*) FROM persistent_map WHERE key = value")}),
             (QList<QStringList>{{QString::number(hostile.size() - 1)}}));
    PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
    VERIFY_OK(map.whenReady());
    COMPARE_CONTENT(map.toHash(), expected);
}

// Text a spreadsheet would run as a formula ("CSV injection") is stored exactly as given and
// reads back unchanged; the raw file shows it with CSV quoting only where RFC 4180 needs it, and
// no escaping of its own (docs/FORMAT.md, "CSV files in spreadsheets").
void tst_Reliability::formulaLikeCsvValues()
{
    const QString path = m_dir->filePath(QStringLiteral("formulas.csv"));
    // The value, and its field as it must appear in the file.
    const QList<std::pair<QString, QByteArray>> values{
            {QStringLiteral("=1+1"), "=1+1"},
            {QStringLiteral("+1"), "+1"},
            {QStringLiteral("-1"), "-1"},
            {QStringLiteral("@SUM(A1:A2)"), "@SUM(A1:A2)"},
            {QStringLiteral("\t=1+1"), "\t=1+1"},
            {QStringLiteral("\r=1+1"), "\"\r=1+1\""},
            {QStringLiteral("\"=1+1"), "\"\"\"=1+1\""},
            {QStringLiteral("=HYPERLINK(\"http://example.org\",\"x\")"),
             "\"=HYPERLINK(\"\"http://example.org\"\",\"\"x\"\")\""},
            {QStringLiteral("=cmd|' /C calc'!A0"), "=cmd|' /C calc'!A0"},
            {QStringLiteral("'=1+1"), "'=1+1"},
    };
    // Bytes are stored as base64, whose alphabet has '+': this one starts with it.
    const QByteArray plusBytes("\xfb\xff");
    QByteArray expectedFile = csvHeader + ",batch,1\n"; // the first append marks the file
    QVariantHash expected;
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(path));
        VERIFY_OK(map.whenReady());
        for (int i = 0; i < values.size(); ++i) {
            const QString key = QStringLiteral("f%1").arg(i);
            VERIFY_OK(map.insert(key, values.at(i).first));
            expectedFile += key.toUtf8() + ",string," + values.at(i).second + '\n';
            expected.insert(key, values.at(i).first);
        }
        VERIFY_OK(map.insert(QStringLiteral("bytes"), plusBytes));
        expectedFile += "bytes,bytes,+/8=\n";
        expected.insert(QStringLiteral("bytes"), plusBytes);
        // The same text as keys.
        VERIFY_OK(map.insert(values.at(0).first, 0));
        expectedFile += values.at(0).second + ",int,0\n";
        expected.insert(values.at(0).first, 0);
    }
    QCOMPARE(readBytes(path), expectedFile);
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(path));
    VERIFY_OK(map.whenReady());
    COMPARE_CONTENT(map.toHash(), expected);
}

QTEST_GUILESS_MAIN(tst_Reliability)
void tst_Reliability::readOnlyStoreOpensReadOnly_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("how"); // "user": another user's store; "mount": a read-only mount
    QTest::addColumn<bool>("ownerOpen"); // the owner has it open while the reader opens it
    for (const char *file : {"store.db", "store.csv"}) {
        for (const char *how : {"user", "mount"}) {
            for (bool ownerOpen : {true, false}) {
                QTest::addRow("%s, %s, owner %s", file,
                              how[0] == 'u' ? "another user's" : "read-only mount",
                              ownerOpen ? "open" : "closed")
                        << QString::fromLatin1(file) << QString::fromLatin1(how) << ownerOpen;
            }
        }
    }
}

// Issue 12, item 4: a healthy SQLite store in a folder this user may not write opened with
// Code::Corrupt ("not a SQLite database: attempt to write a readonly database") and no values,
// and a CSV store with OpenFailed. Now another process (another user, or one that sees the folder
// through a read-only bind mount) opens it read-only: every value, writes fail at once with
// Code::ReadOnly naming the path and why, flush() succeeds, and the owner's later writes are
// followed (for SQLite also when nobody had the store open: it is read as immutable, then opened
// again once a writer appears). The store is left as the owner wrote it.
void tst_Reliability::readOnlyStoreOpensReadOnly()
{
    QFETCH(QString, file);
    QFETCH(QString, how);
    QFETCH(bool, ownerOpen);
    QVERIFY(QFile::setPermissions(m_dir->path(),
                                  QFile::permissions(m_dir->path()) | QFileDevice::ReadOther |
                                          QFileDevice::ExeOther | QFileDevice::ReadGroup |
                                          QFileDevice::ExeGroup));
    const QString folder = m_dir->filePath(QStringLiteral("store"));
    QVERIFY(QDir().mkpath(folder));
    const QString path = folder + u'/' + file;
    {
        PersistentMap owner(PersistentMapBackend::create(path));
        VERIFY_OK(owner.insert(QVariantHash{{QStringLiteral("a"), QStringLiteral("1")},
                                            {QStringLiteral("b"), QStringLiteral("2")}}));
    }
    // Readable by others, as a shared store is; its -wal and -shm get the same mode.
    QVERIFY(QFile::setPermissions(
            path, QFile::permissions(path) | QFileDevice::ReadOther | QFileDevice::ReadGroup));
    std::unique_ptr<PersistentMap> owner;
    if (ownerOpen) {
        owner = std::make_unique<PersistentMap>(PersistentMapBackend::create(path));
        VERIFY_OK(owner->whenReady());
        VERIFY_OK(owner->insert(QStringLiteral("c"), QStringLiteral("3")));
    }

    QStringList wrapper;
    if (how == u"user") {
        if (::geteuid() == 0) {
            // Root may write anything: the reader runs as nobody.
            QString why;
            wrapper = asNobody(&why);
            QVERIFY2(!wrapper.isEmpty(), qPrintable(why));
        } else {
            // Not root: the folder and the file become read-only for this user instead.
            QVERIFY(QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::ExeOwner));
            QVERIFY(QFile::setPermissions(path, QFileDevice::ReadOwner));
        }
    } else {
        QString why;
        const QStringList unshare = mountNamespaceCommand(&why);
        if (unshare.isEmpty())
            BIND_MOUNT_UNAVAILABLE(why);
        const QString mount = QStringLiteral("mount --bind '%1' '%1' && mount -o remount,ro,bind "
                                             "'%1' '%1'")
                                      .arg(folder);
        if (QProcess::execute(
                    unshare.first(),
                    unshare.mid(1) +
                            QStringList{QStringLiteral("sh"), QStringLiteral("-c"), mount}) != 0)
            BIND_MOUNT_UNAVAILABLE(QStringLiteral("cannot make a read-only bind mount here"));
        // $0 is the watcher, $1 its spec (MapWatcherProcess appends them).
        wrapper = unshare +
                QStringList{QStringLiteral("sh"), QStringLiteral("-c"),
                            mount + QStringLiteral(" && exec \"$0\" \"$1\"")};
    }
    MapWatcherProcess reader(path, wrapper);
    QCOMPARE(reader.nextLine(), QStringLiteral("ready %1").arg(ownerOpen ? 3 : 2));

    reader.send(QStringLiteral("insert\tx\ty"));
    const QString refused = reader.nextLine();
    QVERIFY2(refused.startsWith(QLatin1String("error\t")), qPrintable(refused));
    QVERIFY2(refused.contains(QLatin1String("opened read-only")), qPrintable(refused));
    QVERIFY2(refused.contains(path), qPrintable(refused));
    QVERIFY2(refused.contains(how == u"mount" ? qt_error_string(EROFS) : qt_error_string(EACCES)),
             qPrintable(refused));
    reader.send(QStringLiteral("code"));
    QCOMPARE(reader.nextLine(),
             QStringLiteral("code\t%1").arg(int(PersistentMapError::Code::ReadOnly)));
    reader.send(QStringLiteral("remove\ta"));
    QVERIFY(reader.nextLine().startsWith(QLatin1String("error\t")));

    // The owner's writes reach the reader.
    if (how == u"user" && ::geteuid() != 0) { // the owner is this user: it needs its permissions
        QVERIFY(QFile::setPermissions(folder,
                                      QFile::permissions(folder) | QFileDevice::WriteOwner));
        QVERIFY(QFile::setPermissions(path, QFile::permissions(path) | QFileDevice::WriteOwner));
    }
    if (!owner) {
        owner = std::make_unique<PersistentMap>(PersistentMapBackend::create(path));
        VERIFY_OK(owner->whenReady());
    }
    VERIFY_OK(owner->insert(QStringLiteral("d"), QStringLiteral("4")));
    const std::optional<QStringList> skipped = reader.waitFor(QStringLiteral("changed\td\t4"));
    QVERIFY2(!skipped, qPrintable(skipped ? skipped->join(u'|') : QString()));
    QVERIFY(reader.quit()); // flush() of a read-only map succeeds

    VERIFY_OK(owner->flush());
    QCOMPARE(owner->value(QStringLiteral("x")), QVariant());
    QCOMPARE(owner->value(QStringLiteral("a")), QVariant(QStringLiteral("1")));
    QCOMPARE(owner->count(), ownerOpen ? 4 : 3);
}

// Issue 12, promise 4: a store this user may read but not write opens read-only with all its
// values. A copy of a store made while its owner had it open (a backup: the database file and
// its write-ahead log, not the -shm index, which SQLite rebuilds) holds committed transactions in
// PATH-wal only. Read-only, SQLite cannot build PATH-shm, so the store was read as immutable,
// which ignores the write-ahead log: here, where even the table is only in the log, the open
// failed with "it is read-only and has no table persistent_map to read"; with the table in the
// database file (a writer killed after a checkpoint), the map was Ready without the values
// committed since, and nothing said so.
void tst_Reliability::readOnlyCopyWithItsWriteAheadLog()
{
    QVERIFY(QFile::setPermissions(m_dir->path(),
                                  QFile::permissions(m_dir->path()) | QFileDevice::ReadOther |
                                          QFileDevice::ExeOther | QFileDevice::ReadGroup |
                                          QFileDevice::ExeGroup));
    const QString path = m_dir->filePath(QStringLiteral("store.db"));
    PersistentMap owner(PersistentMapBackend::create(path));
    VERIFY_OK(owner.insert(QVariantHash{{QStringLiteral("a"), QStringLiteral("1")},
                                        {QStringLiteral("b"), QStringLiteral("2")}}));
    VERIFY_OK(owner.flush());
    QVERIFY(QFileInfo::exists(path + QStringLiteral("-wal")));

    const QString folder = m_dir->filePath(QStringLiteral("copy"));
    QVERIFY(QDir().mkpath(folder));
    const QString copy = folder + QStringLiteral("/store.db");
    QVERIFY(QFile::copy(path, copy));
    QVERIFY(QFile::copy(path + QStringLiteral("-wal"), copy + QStringLiteral("-wal")));
    QStringList wrapper;
    const QFileDevice::Permissions readable =
            QFileDevice::ReadOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther;
    QVERIFY(QFile::setPermissions(copy, readable));
    QVERIFY(QFile::setPermissions(copy + QStringLiteral("-wal"), readable));
    QVERIFY(QFile::setPermissions(folder,
                                  readable | QFileDevice::ExeOwner | QFileDevice::ExeGroup |
                                          QFileDevice::ExeOther));
    const auto writableAgain = qScopeGuard([&folder] {
        QFile::setPermissions(folder, QFile::permissions(folder) | QFileDevice::WriteOwner);
    });
    if (::geteuid() == 0) {
        // Root may write anything: the reader runs as nobody.
        QString why;
        wrapper = asNobody(&why);
        QVERIFY2(!wrapper.isEmpty(), qPrintable(why));
    }
    {
        MapWatcherProcess reader(copy, wrapper);
        QCOMPARE(reader.nextLine(), QStringLiteral("ready 2"));
        QVERIFY(reader.quit());
    }
    // Adversarial review of the read-only fixes: the same copy reached through a symbolic link (a
    // dotfile manager's link, a "current" link to the newest backup). SQLite resolves the link
    // and reads TARGET-wal and TARGET-shm; the backend looked for LINK-wal, saw no log, read the
    // file as immutable and failed with "it is read-only and has no table persistent_map".
    const QString link = m_dir->filePath(QStringLiteral("latest.db"));
    QVERIFY(QFile::link(copy, link));
    MapWatcherProcess throughLink(link, wrapper);
    QCOMPARE(throughLink.nextLine(), QStringLiteral("ready 2"));
    QVERIFY(throughLink.quit());
}

// The same copy, read through a private copy of its own (docs/RELIABILITY.md, promise 10), is
// copied and read again when its files change: here a newer backup replaces them.
void tst_Reliability::readOnlyCopyIsReadAgainWhenItChanges()
{
    // The reader's watch interval is an hour: what it sees was pushed (the file watch), not
    // polled (issue 15).
    qputenv("MAPWATCHER_WATCH_INTERVAL", "3600000");
    const auto polledAgain = qScopeGuard([] { qunsetenv("MAPWATCHER_WATCH_INTERVAL"); });
    QVERIFY(QFile::setPermissions(m_dir->path(),
                                  QFile::permissions(m_dir->path()) | QFileDevice::ReadOther |
                                          QFileDevice::ExeOther | QFileDevice::ReadGroup |
                                          QFileDevice::ExeGroup));
    const QString path = m_dir->filePath(QStringLiteral("store.db"));
    PersistentMap owner(PersistentMapBackend::create(path));
    VERIFY_OK(owner.insert(QStringLiteral("a"), QStringLiteral("1")));
    VERIFY_OK(owner.flush());
    const QString folder = m_dir->filePath(QStringLiteral("copy"));
    QVERIFY(QDir().mkpath(folder));
    const QString copy = folder + QStringLiteral("/store.db");
    const QFileDevice::Permissions readable =
            QFileDevice::ReadOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther;
    const QFileDevice::Permissions folderReadable =
            readable | QFileDevice::ExeOwner | QFileDevice::ExeGroup | QFileDevice::ExeOther;
    // A backup of the store as it is now, over the previous one.
    const auto backUp = [&] {
        QVERIFY(QFile::setPermissions(folder, folderReadable | QFileDevice::WriteOwner));
        for (const QString &suffix : {QString(), QStringLiteral("-wal")}) {
            QFile::remove(copy + suffix);
            QVERIFY(QFile::copy(path + suffix, copy + suffix));
            QVERIFY(QFile::setPermissions(copy + suffix, readable));
        }
        QVERIFY(QFile::setPermissions(folder, folderReadable));
    };
    const auto writableAgain = qScopeGuard([&folder] {
        QFile::setPermissions(folder, QFile::permissions(folder) | QFileDevice::WriteOwner);
    });
    backUp();
    if (QTest::currentTestFailed())
        return;
    QStringList wrapper;
    if (::geteuid() == 0) {
        QString why;
        wrapper = asNobody(&why);
        QVERIFY2(!wrapper.isEmpty(), qPrintable(why));
    }
    MapWatcherProcess reader(copy, wrapper);
    QCOMPARE(reader.nextLine(), QStringLiteral("ready 1"));

    VERIFY_OK(owner.insert(QStringLiteral("b"), QStringLiteral("2")));
    VERIFY_OK(owner.flush());
    backUp();
    if (QTest::currentTestFailed())
        return;
    const std::optional<QStringList> skipped = reader.waitFor(QStringLiteral("changed\tb\t2"));
    QVERIFY2(!skipped, qPrintable(skipped ? skipped->join(u'|') : QString()));
    QVERIFY(!QFileInfo::exists(copy + QStringLiteral("-shm"))); // nothing was written beside it
    QVERIFY(reader.quit());
}

void tst_Reliability::danglingSymbolicLinksAreNamed_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("sqlite") << QStringLiteral("store.db");
    QTest::newRow("csv") << QStringLiteral("store.csv");
}

// Issue 12, item 7: a store reached through a dangling symbolic link. A link at the store's path
// creates the file where it points (as a shell's `>` would); a dangling link where a folder of
// the path should be said only "cannot create the folder F", and a link whose target cannot be
// created did not say it was a link. Both now name the link and its missing target.
void tst_Reliability::danglingSymbolicLinksAreNamed()
{
    QFETCH(QString, file);
    const QString missing = m_dir->filePath(QStringLiteral("gone"));
    const QString folderLink = m_dir->filePath(QStringLiteral("data"));
    QVERIFY(QFile::link(missing, folderLink));
    {
        PersistentMap map(PersistentMapBackend::create(folderLink + u'/' + file));
        const std::optional<PersistentMapError> failure = loadError(map);
        QVERIFY(failure);
        QCOMPARE(failure->code(), PersistentMapError::Code::OpenFailed);
        QVERIFY2(failure->message().contains(folderLink) && failure->message().contains(missing) &&
                         failure->message().contains(QLatin1String("symbolic link")),
                 qPrintable(failure->message()));
    }
    QVERIFY(!QFileInfo::exists(missing)); // nothing was created where it points

    // A link at the store's path: its target is created, even in a folder that is missing.
    const QString storeLink = m_dir->filePath(QStringLiteral("link-") + file);
    const QString target = m_dir->filePath(QStringLiteral("real/") + file);
    QVERIFY(QFile::link(target, storeLink));
    {
        PersistentMap map(PersistentMapBackend::create(storeLink));
        VERIFY_OK(map.insert(QStringLiteral("a"), 1));
    }
    QVERIFY(QFileInfo(storeLink).isSymLink());
    QVERIFY(QFileInfo(target).isFile());

    // A link whose target cannot be created (a regular file where its folder should be).
    const QString blocked = m_dir->filePath(QStringLiteral("blocked-") + file);
    const QString blocker = m_dir->filePath(QStringLiteral("plain"));
    QVERIFY(writeBytes(blocker, "not a folder"));
    QVERIFY(QFile::link(blocker + QStringLiteral("/x/") + file, blocked));
    {
        PersistentMap map(PersistentMapBackend::create(blocked));
        const std::optional<PersistentMapError> failure = loadError(map);
        QVERIFY(failure);
        QCOMPARE(failure->code(), PersistentMapError::Code::OpenFailed);
        QVERIFY2(failure->message().contains(QStringLiteral("symbolic link %1").arg(blocked)),
                 qPrintable(failure->message()));
        QVERIFY2(failure->message().contains(qt_error_string(ENOTDIR)) ||
                         failure->message().contains(qt_error_string(EEXIST)),
                 qPrintable(failure->message()));
    }
}

// Issue 12, promise 4 ("other writers followed"), adversarial review of the read-only fixes: a
// store nobody has open, in a folder this user may not write, reached through a symbolic link, is
// read as immutable and should be opened again once a writer shows up. The backend watched
// LINK-wal for that, while the writer (and SQLite) use TARGET-wal: a writer's commits, which stay
// in the write-ahead log until a checkpoint, never reached the reader while the writer ran.
void tst_Reliability::readOnlyStoreThroughASymbolicLinkFollowsAWriter()
{
    // The reader's watch interval is an hour: what it sees was pushed (the file watch), not
    // polled (issue 15).
    qputenv("MAPWATCHER_WATCH_INTERVAL", "3600000");
    const auto polledAgain = qScopeGuard([] { qunsetenv("MAPWATCHER_WATCH_INTERVAL"); });
    QVERIFY(QFile::setPermissions(m_dir->path(),
                                  QFile::permissions(m_dir->path()) | QFileDevice::ReadOther |
                                          QFileDevice::ExeOther | QFileDevice::ReadGroup |
                                          QFileDevice::ExeGroup));
    const QString folder = m_dir->filePath(QStringLiteral("store"));
    QVERIFY(QDir().mkpath(folder));
    const QString path = folder + QStringLiteral("/store.db");
    {
        PersistentMap owner(PersistentMapBackend::create(path));
        VERIFY_OK(owner.insert(QStringLiteral("a"), QStringLiteral("1")));
    }
    QVERIFY(!QFileInfo::exists(path + QStringLiteral("-shm"))); // nobody has it open
    QVERIFY(QFile::setPermissions(
            path, QFile::permissions(path) | QFileDevice::ReadOther | QFileDevice::ReadGroup));
    const QString link = m_dir->filePath(QStringLiteral("settings.db"));
    QVERIFY(QFile::link(path, link));
    QStringList wrapper;
    if (::geteuid() == 0) {
        QString why;
        wrapper = asNobody(&why);
        QVERIFY2(!wrapper.isEmpty(), qPrintable(why));
    } else {
        QVERIFY(QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::ExeOwner));
        QVERIFY(QFile::setPermissions(path, QFileDevice::ReadOwner));
    }
    const auto writableAgain = qScopeGuard([&folder] {
        QFile::setPermissions(folder, QFile::permissions(folder) | QFileDevice::WriteOwner);
    });
    MapWatcherProcess reader(link, wrapper);
    QCOMPARE(reader.nextLine(), QStringLiteral("ready 1"));

    if (::geteuid() != 0) { // the owner is this user: it needs its permissions back
        QVERIFY(QFile::setPermissions(folder,
                                      QFile::permissions(folder) | QFileDevice::WriteOwner));
        QVERIFY(QFile::setPermissions(path, QFile::permissions(path) | QFileDevice::WriteOwner));
    }
    // The owner runs on: its commit is in PATH-wal, not yet in the database file.
    PersistentMap owner(PersistentMapBackend::create(path));
    VERIFY_OK(owner.whenReady());
    VERIFY_OK(owner.insert(QStringLiteral("b"), QStringLiteral("2")));
    VERIFY_OK(owner.flush());
    const std::optional<QStringList> skipped = reader.waitFor(QStringLiteral("changed\tb\t2"));
    QVERIFY2(!skipped, qPrintable(skipped ? skipped->join(u'|') : QString()));
    QVERIFY(reader.quit());
}

#include "tst_reliability.moc"
