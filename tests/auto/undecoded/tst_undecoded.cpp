// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Stored values a process cannot decode (docs/FORMAT.md, "Values a process cannot read"): a type
// of a Qt module it does not load (a QColor written by mapwatcher, which links Qt Gui, and a
// legacy "variant:QColor" row; this test links Qt Core only), a tag
// from a newer version of the library ("futuretype"). Such a value never stops loading or
// following, is left out of the map, reported once, kept in the store byte for byte, and read
// once its type becomes known. Data-driven over SQLite, CSV and PostgreSQL (the memory backend
// cannot hold a value it cannot decode).
//
// This process registers no type itself, and it loads Qt Gui only in the last test function
// (readableOnceItsTypeIsKnown), after which QColor stays known.
#include "codec/undecodedvalue_p.h"
#include "codec/valuecodec_p.h"
#include "faultybackend.h"
#include "gatedbackend.h"
#include "mapwatcherprocess.h"
#include "postgrestest.h"
#include "testhelpers.h"

#include <PersistentMap/PersistentMap>

#include <QtCore/QDataStream>
#include <QtCore/QLibrary>
#include <QtCore/QRandomGenerator>
#include <QtCore/QRect>
#include <QtCore/QRegularExpression>
#include <QtCore/QSemaphore>
#include <QtCore/QTemporaryDir>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <limits>

namespace {

constexpr int Bound = 10000; // ms

// What encodeValue() wrote for QColor(255, 128, 0) before QColor had a tag of its own: the
// QDataStream (Qt 6.0) of the QVariant, base64. Generated with Qt 6.4.2 in a program that links
// Qt Gui.
const QString ColorTag = QStringLiteral("variant:QColor");
const QString ColorText = QStringLiteral("AAAQAwAB/////4CAAAAAAA==");
const QString FutureTag = QStringLiteral("futuretype");
const QString FutureText = QStringLiteral("opaque:v2 payload");

enum class Kind { Sqlite, Csv, Postgres };

struct Store
{
    Kind kind = Kind::Sqlite;
    QString spec; // a map that owns (writes) it
    QString follower; // a map that follows it (read-only for CSV)
    QString file; // SQLite and CSV
    QString table; // the table (SQLite: persistent_map) and, for PostgreSQL, its server's spec
    QString server;
};

using Row = std::pair<QString, QString>; // type, text
using Rows = QMap<QString, Row>;

std::unique_ptr<PersistentMapBackend> makeBackend(const QString &spec)
{
    QString error;
    std::unique_ptr<PersistentMapBackend> backend = PersistentMapBackend::create(spec, &error);
    if (!backend)
        qFatal("%s", qPrintable(error));
    return backend;
}

std::unique_ptr<PersistentMap> makeMap(const QString &spec)
{
    return std::make_unique<PersistentMap>(makeBackend(spec));
}

// The store's rows as they are stored, read outside the library.
Rows rawRows(const Store &store, QString *error)
{
    Rows rows;
    if (store.kind == Kind::Csv) {
        // The rows the tests write need no quotes; a removal or a batch row is applied as the
        // format says (docs/FORMAT.md).
        const QList<QByteArray> lines = readBytes(store.file).split('\n');
        for (qsizetype i = 1; i < lines.size(); ++i) {
            if (lines.at(i).isEmpty())
                continue;
            // A quoted value (a JSON text such as "[120,380]") is the last field.
            static const QRegularExpression quotedLast(
                    QStringLiteral("^([^,\"]*),([^,\"]*),\"(.*)\"$"));
            const QString line = QString::fromUtf8(lines.at(i));
            const QRegularExpressionMatch quoted = quotedLast.match(line);
            const QStringList fields = quoted.hasMatch()
                    ? QStringList{quoted.captured(1), quoted.captured(2),
                                  quoted.captured(3).replace(QStringLiteral("\"\""),
                                                             QStringLiteral("\""))}
                    : line.split(u',');
            if (fields.size() != 3 || (!quoted.hasMatch() && line.contains(u'"'))) {
                *error = QStringLiteral("unexpected line: ") + QString::fromUtf8(lines.at(i));
                return {};
            }
            if (fields.at(1) == u"removed")
                rows.remove(fields.at(0));
            else if (fields.at(1) != u"batch")
                rows.insert(fields.at(0), {fields.at(1), fields.at(2)});
        }
        return rows;
    }
    const auto read = [&](const QSqlDatabase &db) {
        QSqlQuery query(db);
        if (!query.exec(QStringLiteral("SELECT key, type, value FROM %1").arg(store.table))) {
            *error = query.lastError().text();
            return;
        }
        while (query.next())
            rows.insert(query.value(0).toString(),
                        {query.value(1).toString(), query.value(2).toString()});
    };
    if (store.kind == Kind::Postgres) {
        PostgresTestConnection connection(store.server);
        if (!connection.isOpen())
            *error = connection.errorString();
        else
            read(connection.database());
        return rows;
    }
    const QString name = QStringLiteral("raw_read");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(store.file);
        if (db.open())
            read(db);
        else
            *error = db.lastError().text();
    }
    QSqlDatabase::removeDatabase(name);
    return rows;
}

// Writes a row as another program would, with a change-log row for the SQL stores so that the
// maps following them read exactly that key. The store exists already.
bool writeRaw(const Store &store, const QString &key, const QString &type, const QString &text,
              QString *error)
{
    if (store.kind == Kind::Csv) {
        QFile file(store.file);
        const QByteArray line = QStringLiteral("%1,%2,%3\n").arg(key, type, text).toUtf8();
        if (file.open(QIODevice::Append) && file.write(line) == line.size())
            return true;
        *error = file.errorString();
        return false;
    }
    const auto write = [&](const QSqlDatabase &db) {
        QSqlQuery query(db);
        const QString upsert = QStringLiteral("INSERT INTO %1 (key, type, value) VALUES (?, ?, ?) "
                                              "ON CONFLICT (key) DO UPDATE SET type = "
                                              "excluded.type, value = excluded.value")
                                       .arg(store.table);
        query.prepare(upsert);
        query.addBindValue(key);
        query.addBindValue(type);
        query.addBindValue(text);
        QSqlQuery log(db);
        log.prepare(QStringLiteral("INSERT INTO %1_changes (keys) VALUES (?)").arg(store.table));
        log.addBindValue(QStringLiteral("[\"%1\"]").arg(key));
        if (query.exec() && log.exec())
            return true;
        *error = query.lastError().text() + log.lastError().text();
        return false;
    };
    if (store.kind == Kind::Postgres) {
        PostgresTestConnection connection(store.server);
        if (!connection.isOpen()) {
            *error = connection.errorString();
            return false;
        }
        return write(connection.database());
    }
    const QString name = QStringLiteral("raw_write");
    bool written = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(store.file);
        written = db.open() && write(db);
        if (!db.isOpen())
            *error = db.lastError().text();
    }
    QSqlDatabase::removeDatabase(name);
    return written;
}

// What an earlier version wrote for a value of a user type registered at run time: the stream
// of a QVariant (Qt 6.0 format) is the id QMetaType::User, a null flag, the type's name, then
// the value's own bytes (here two ints).
QString legacyUserTypeText(const QByteArray &typeName)
{
    QByteArray bytes;
    QDataStream stream(&bytes, QIODevice::WriteOnly);
    stream.setVersion(QDataStream::Qt_6_0);
    stream << quint32(QMetaType::User) << qint8(0) << typeName << qint32(1) << qint32(2);
    return QString::fromLatin1(bytes.toBase64());
}

// The exact CSV line of a row, to find it byte for byte in the file.
QByteArray csvLine(const QString &key, const QString &type, const QString &text)
{
    return QStringLiteral("%1,%2,%3\n").arg(key, type, text).toUtf8();
}

QStringList messagesOf(const QSignalSpy &spy)
{
    QStringList messages;
    for (const QList<QVariant> &args : spy)
        messages.append(args.at(0).toString());
    return messages;
}

bool changedTo(const QSignalSpy &spy, const QString &key, const QVariant &value)
{
    for (const QList<QVariant> &args : spy) {
        if (args.at(0).toString() == key && args.at(1) == value)
            return true;
    }
    return false;
}

} // namespace

Q_DECLARE_METATYPE(Store)

#define RAW_ROWS(var, store) \
    QString var##Error; \
    const Rows var = rawRows(store, &var##Error); \
    QVERIFY2(var##Error.isEmpty(), qPrintable(var##Error))

#define WRITE_RAW(store, key, type, text) \
    do { \
        QString error_; \
        QVERIFY2(writeRaw(store, key, type, text, &error_), qPrintable(error_)); \
    } while (false)

// Waits for the load and for the notifications it queued: statusChanged comes in the same
// delivery as the reports of the values the map could not read, so after it they are all there.
#define WAIT_LOADED(map, statusSpy) \
    do { \
        const std::optional<PersistentMapError> failed_ = loadError(*(map)); \
        QVERIFY2(!failed_, failed_ ? qPrintable(failed_->message()) : ""); \
        QTRY_VERIFY_WITH_TIMEOUT((statusSpy).size() >= 1, Bound); \
        QCOMPARE((map)->status(), PersistentMap::Status::Ready); \
    } while (false)

class tst_Undecoded : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void keptValueIsWrittenBackUnchanged();
    void loadingGoesOnPastAnUnreadableValue_data() { stores(); }
    void loadingGoesOnPastAnUnreadableValue();
    void keptThroughWritesCompactionAndClear_data() { stores(); }
    void keptThroughWritesCompactionAndClear();
    void localWritesReplaceAndRemoveIt_data() { stores(); }
    void localWritesReplaceAndRemoveIt();
    void damagedCsvValuesAreKept_data();
    void damagedCsvValuesAreKept();
    void clearWhileLoadingKeepsThem_data() { stores(); }
    void clearWhileLoadingKeepsThem();
    void clearWritesThemBackAfterAFailedWrite_data() { stores(); }
    void clearWritesThemBackAfterAFailedWrite();
    void followerGoesOnPastAnUnreadableValue_data() { stores(); }
    void followerGoesOnPastAnUnreadableValue();
    void followerProcessGoesOnPastAnUnreadableValue_data() { stores(false); }
    void followerProcessGoesOnPastAnUnreadableValue();
    void legacyRowsReadTheSameAfterCompaction_data();
    void legacyRowsReadTheSameAfterCompaction();
    void readableOnceItsTypeIsKnown(); // last: loads Qt Gui into this process for good

private:
    void stores(bool withCsv = true);
    Store makeStore(Kind kind);
    static bool isPostgresRow();
    // An empty store of the kind (its table made by a map that opened it), with "a" = 1.
    bool prepare(const Store &store);
    QTemporaryDir m_dir;
    int m_serial = 0;
    std::vector<std::unique_ptr<PostgresTestTable>> m_tables; // dropped after each test
};

void tst_Undecoded::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // What the tests below rely on: this process does not know QColor (nor QList<int>, which
    // it reads all the same).
    QVERIFY(!QMetaType::fromName("QList<int>").isValid());
    QVERIFY(!QMetaType::isRegistered(QMetaType::QColor));
}

bool tst_Undecoded::isPostgresRow()
{
    const char *tag = QTest::currentDataTag();
    return tag && qstrcmp(tag, "postgres") == 0;
}

void tst_Undecoded::init()
{
    if (isPostgresRow()) {
        PM_POSTGRES_SPEC_OR_SKIP(spec);
        Q_UNUSED(spec);
    }
}

void tst_Undecoded::cleanup()
{
    m_tables.clear(); // the maps of the test are gone: drops its tables
}

Store tst_Undecoded::makeStore(Kind kind)
{
    Store store;
    store.kind = kind;
    const QString name = QStringLiteral("s%1").arg(++m_serial);
    switch (kind) {
    case Kind::Sqlite:
        store.file = m_dir.filePath(name + QStringLiteral(".db"));
        store.spec = store.follower = QStringLiteral("sqlite:") + store.file;
        store.table = QStringLiteral("persistent_map");
        break;
    case Kind::Csv:
        store.file = m_dir.filePath(name + QStringLiteral(".csv"));
        store.spec = QStringLiteral("csv:") + store.file;
        store.follower = store.spec + QStringLiteral("?readonly=1");
        break;
    case Kind::Postgres: {
        store.server = *postgresSpec();
        m_tables.push_back(std::make_unique<PostgresTestTable>(store.server));
        store.table = m_tables.back()->name();
        store.spec = store.follower = m_tables.back()->spec();
        break;
    }
    }
    return store;
}

void tst_Undecoded::stores(bool withCsv)
{
    QTest::addColumn<Store>("store");
    QTest::newRow("sqlite") << makeStore(Kind::Sqlite);
    if (withCsv)
        QTest::newRow("csv") << makeStore(Kind::Csv);
    if (postgresUnavailableReason())
        QTest::newRow("postgres") << Store{Kind::Postgres, {}, {}, {}, {}, {}}; // init() skips
    else
        QTest::newRow("postgres") << makeStore(Kind::Postgres);
}

bool tst_Undecoded::prepare(const Store &store)
{
    auto map = makeMap(store.spec);
    return !loadError(*map) && !failureOf(map->insert(QStringLiteral("a"), 1)) &&
            !failureOf(map->flush());
}

// The codec's side: a value decodeOrKeep() cannot decode comes back as the pair it was stored
// as, and encodeValue() writes that pair again.
void tst_Undecoded::keptValueIsWrittenBackUnchanged()
{
    using namespace PersistentMapInternal;
    QCOMPARE(decodeOrKeep(QStringLiteral("int"), QStringLiteral("5")), QVariant(5));
    const struct
    {
        QString type, text, why;
    } cases[] = {
            {FutureTag, FutureText, QStringLiteral("unknown type 'futuretype'")},
            {ColorTag, ColorText, QStringLiteral("the type QColor is not known to this process")},
            {QStringLiteral("int"), QStringLiteral("five"), QStringLiteral("'five' is not an int")},
            // An earlier version's row of a user type: registering it never makes it readable,
            // so the reason must not send the user to qRegisterMetaType (adversarial review).
            {QStringLiteral("variant:Point"), legacyUserTypeText("Point"),
             QStringLiteral("does not read")},
    };
    for (const auto &c : cases) {
        const QVariant kept = decodeOrKeep(c.type, c.text);
        QVERIFY2(isUndecoded(kept), qPrintable(c.type));
        const auto value = kept.value<UndecodedValue>();
        QVERIFY2(value.why.contains(c.why), qPrintable(value.why));
        QVERIFY2(!value.why.contains(QLatin1String("qRegisterMetaType")), qPrintable(value.why));
        QVERIFY(isEncodable(kept));
        const EncodedValue encoded = encodeValue(kept);
        QCOMPARE(encoded.type, c.type);
        QCOMPARE(encoded.text, c.text);
    }
}

// The regression of issue 12: run 1 stores splitter sizes as QList<int>, an accent colour and a
// title; run 2, which has not registered QList<int> and does not load Qt Gui, used to get status
// Error, no entries, and "the data is not a value of type QList<int>". Now QList<int> has a tag
// of its own that needs no registration, and the colour, which this process cannot read, is
// kept and reported while everything else loads.
void tst_Undecoded::loadingGoesOnPastAnUnreadableValue()
{
    QFETCH(Store, store);
    {
        MapWatcherProcess run1(store.spec);
        QVERIFY(run1.waitUntilReady());
        QVERIFY(run1.insertInts(QStringLiteral("splitter"), QStringLiteral("120,380")));
        QVERIFY(run1.insertColor(QStringLiteral("accent"), QStringLiteral("#ff8000")));
        QVERIFY(run1.insert(QStringLiteral("title"), QStringLiteral("Notes")));
        QVERIFY(run1.quit());
    }
    RAW_ROWS(before, store);
    QCOMPARE(before.value(QStringLiteral("splitter")),
             qMakePair(QStringLiteral("intlist"), QStringLiteral("[120,380]")));
    QCOMPARE(before.value(QStringLiteral("accent")),
             qMakePair(QStringLiteral("color"), QStringLiteral("#ff8000ff")));

    auto map = makeMap(store.spec);
    QSignalSpy status(map.get(), &PersistentMap::statusChanged);
    QSignalSpy errors(map.get(), &PersistentMap::errorOccurred);
    WAIT_LOADED(map, status);
    QCOMPARE(map->count(), qsizetype(2));
    QCOMPARE(map->value(QStringLiteral("title")), QVariant(QStringLiteral("Notes")));
    QCOMPARE(map->get<QList<int>>(QStringLiteral("splitter")), (QList<int>{120, 380}));
    QVERIFY(!map->contains(QStringLiteral("accent")));
    QCOMPARE(map->value(QStringLiteral("accent"), 7), QVariant(7));
    QVERIFY(!map->toHash().contains(QStringLiteral("accent")));
    QCOMPARE(errors.size(), 1);
    const QString message = errors.at(0).at(0).toString();
    QVERIFY2(message.contains(QLatin1String("'accent'")) &&
                     message.contains(QLatin1String("'color'")) &&
                     message.contains(QLatin1String("Qt Gui")) &&
                     !message.contains(QLatin1String("the data is not")),
             qPrintable(message));
    QCOMPARE(map->errorString(), message);
    map.reset();
    RAW_ROWS(after, store);
    QCOMPARE(after, before);
}

// Other keys' writes and removals, a CSV compaction and clear() leave the unreadable rows as they
// were, byte for byte; clear() removes only what the map can see.
void tst_Undecoded::keptThroughWritesCompactionAndClear()
{
    QFETCH(Store, store);
    QVERIFY(prepare(store));
    WRITE_RAW(store, QStringLiteral("future"), FutureTag, FutureText);
    WRITE_RAW(store, QStringLiteral("color"), ColorTag, ColorText);
    const Rows kept{{QStringLiteral("future"), {FutureTag, FutureText}},
                    {QStringLiteral("color"), {ColorTag, ColorText}}};
    const auto checkKept = [&] {
        RAW_ROWS(rows, store);
        for (auto it = kept.cbegin(); it != kept.cend(); ++it)
            QCOMPARE(rows.value(it.key()), it.value());
        if (store.kind == Kind::Csv) {
            const QByteArray bytes = readBytes(store.file);
            QVERIFY(bytes.contains(csvLine(QStringLiteral("future"), FutureTag, FutureText)));
            QVERIFY(bytes.contains(csvLine(QStringLiteral("color"), ColorTag, ColorText)));
        }
    };

    auto map = makeMap(store.spec);
    QSignalSpy status(map.get(), &PersistentMap::statusChanged);
    QSignalSpy errors(map.get(), &PersistentMap::errorOccurred);
    WAIT_LOADED(map, status);
    QCOMPARE(map->keys(), QStringList{QStringLiteral("a")});
    QCOMPARE(errors.size(), 2);

    VERIFY_OK(map->insert(QStringLiteral("b"), 2));
    VERIFY_OK(map->remove(QStringLiteral("a")));
    // 1 100 rows, then their removal: past the CSV store's compaction threshold (dead rows more
    // than twice the live ones and 1 024), so it rewrites the file.
    PersistentMapWriteBatch many, gone;
    for (int i = 0; i < 1100; ++i) {
        many.insert(QStringLiteral("n%1").arg(i), i);
        gone.remove(QStringLiteral("n%1").arg(i));
    }
    VERIFY_OK(map->apply(many));
    VERIFY_OK(map->apply(gone));
    VERIFY_OK(map->flush());
    checkKept();
    if (store.kind == Kind::Csv) // compacted: the header and the three live rows
        QCOMPARE(readBytes(store.file).count('\n'), 4);
    RAW_ROWS(written, store);
    QCOMPARE(written.size(), 3);
    QCOMPARE(written.value(QStringLiteral("b")), Row(QStringLiteral("int"), QStringLiteral("2")));

    VERIFY_OK(map->clear());
    VERIFY_OK(map->flush());
    QCOMPARE(map->count(), qsizetype(0));
    checkKept();
    RAW_ROWS(cleared, store);
    QCOMPARE(cleared, kept);
    if (store.kind == Kind::Csv) { // rewritten empty, then the kept rows written back as a batch
        QCOMPARE(readBytes(store.file),
                 QByteArray("key,type,value\n,batch,2\n") +
                         csvLine(QStringLiteral("color"), ColorTag, ColorText) +
                         csvLine(QStringLiteral("future"), FutureTag, FutureText));
    }
    QCOMPARE(errors.size(), 2); // nothing reported twice
    map.reset();

    auto reopened = makeMap(store.spec);
    QSignalSpy reopenedStatus(reopened.get(), &PersistentMap::statusChanged);
    QSignalSpy reopenedErrors(reopened.get(), &PersistentMap::errorOccurred);
    WAIT_LOADED(reopened, reopenedStatus);
    QCOMPARE(reopened->count(), qsizetype(0));
    QCOMPARE(reopenedErrors.size(), 2);
    reopened.reset();
    checkKept();
}

// A local insert() replaces the unreadable value and a remove() removes it, as for any key.
void tst_Undecoded::localWritesReplaceAndRemoveIt()
{
    QFETCH(Store, store);
    QVERIFY(prepare(store));
    WRITE_RAW(store, QStringLiteral("future"), FutureTag, FutureText);
    WRITE_RAW(store, QStringLiteral("color"), ColorTag, ColorText);
    auto map = makeMap(store.spec);
    QSignalSpy status(map.get(), &PersistentMap::statusChanged);
    QSignalSpy changed(map.get(), &PersistentMap::valueChanged);
    QSignalSpy removed(map.get(), &PersistentMap::valueRemoved);
    WAIT_LOADED(map, status);
    VERIFY_OK(map->insert(QStringLiteral("future"), 5));
    VERIFY_OK(map->remove(QStringLiteral("color")));
    QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 1, Bound);
    QCOMPARE(removed.size(), 0); // it was never in the map
    QCOMPARE(map->count(), qsizetype(2));
    VERIFY_OK(map->clear()); // writes back nothing: no unreadable value is left
    VERIFY_OK(map->insert(QStringLiteral("future"), 6));
    VERIFY_OK(map->flush());
    map.reset();
    RAW_ROWS(rows, store);
    QCOMPARE(rows,
             (Rows{{QStringLiteral("future"), {QStringLiteral("int"), QStringLiteral("6")}}}));

    auto reopened = makeMap(store.spec);
    QSignalSpy reopenedStatus(reopened.get(), &PersistentMap::statusChanged);
    QSignalSpy errors(reopened.get(), &PersistentMap::errorOccurred);
    WAIT_LOADED(reopened, reopenedStatus);
    QCOMPARE(errors.size(), 0);
    QCOMPARE(reopened->toHash(), (QVariantHash{{QStringLiteral("future"), 6}}));
}

// Values in a CSV file that do not decode, written by hand or by a newer version: the file is no
// less readable (tst_csvbackend::corruptFileIsLeftUntouched has the lines that do not parse).
void tst_Undecoded::damagedCsvValuesAreKept_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QVariantHash>("loaded");
    QTest::addColumn<QString>("cause");
    const QByteArray good = "key,type,value\na,string,x\n";
    const QByteArray after = "c,int,1\n";
    const QVariantHash ac{{QStringLiteral("a"), QStringLiteral("x")}, {QStringLiteral("c"), 1}};
    QTest::newRow("unknown type tag")
            << good + "b,complex,1+i\n" + after << ac << QStringLiteral("unknown type 'complex'");
    QTest::newRow("bad base64") << good + "b,bytes,!!!!\n" + after << ac
                                << QStringLiteral("is not valid base64");
    QTest::newRow("bad int") << good + "b,int,abc\n" + after << ac
                             << QStringLiteral("'abc' is not an int");
    QTest::newRow("bad row inside a batch") << good + ",batch,2\nb,int,x\nc,int,1\n"
                                            << ac << QStringLiteral("'x' is not an int");
    QTest::newRow("bad line after many good ones")
            << good + QByteArray("b,int,1\n").repeated(500) + "b,bool,maybe\n" + after << ac
            << QStringLiteral("'maybe' is not true or false");
}

void tst_Undecoded::damagedCsvValuesAreKept()
{
    QFETCH(QByteArray, content);
    QFETCH(QVariantHash, loaded);
    QFETCH(QString, cause);
    const QString file = m_dir.filePath(QStringLiteral("damaged%1.csv").arg(++m_serial));
    QVERIFY(writeBytes(file, content));
    auto map = makeMap(QStringLiteral("csv:") + file);
    QSignalSpy status(map.get(), &PersistentMap::statusChanged);
    QSignalSpy errors(map.get(), &PersistentMap::errorOccurred);
    WAIT_LOADED(map, status);
    QCOMPARE(map->toHash(), loaded);
    QCOMPARE(errors.size(), 1);
    const QString message = errors.at(0).at(0).toString();
    QVERIFY2(message.contains(QLatin1String("key 'b'")) && message.contains(cause),
             qPrintable(message));
    QCOMPARE(readBytes(file), content); // opening changes nothing
    VERIFY_OK(map->insert(QStringLiteral("d"), 4));
    VERIFY_OK(map->flush());
    map.reset();
    // A file no map appended to yet gets the batch row that marks the library's appends
    // (docs/FORMAT.md, "A last line without a line break").
    const QByteArray appended = content.contains("\n,batch,") ? "d,int,4\n" : ",batch,1\nd,int,4\n";
    QCOMPARE(readBytes(file), content + appended);
}

// A clear() made while the map is still loading does not know the unreadable values yet: they are
// written back once the load found them, before the writes made after the clear.
void tst_Undecoded::clearWhileLoadingKeepsThem()
{
    QFETCH(Store, store);
    QVERIFY(prepare(store));
    WRITE_RAW(store, QStringLiteral("future"), FutureTag, FutureText);
    WRITE_RAW(store, QStringLiteral("color"), ColorTag, ColorText);
    auto gate = std::make_shared<Gate>();
    auto map = std::make_unique<PersistentMap>(
            std::make_unique<GatedBackend>(makeBackend(store.spec), gate));
    const QFuture<void> cleared = map->clear();
    const QFuture<void> inserted = map->insert(QStringLiteral("color"), QStringLiteral("local"));
    QCOMPARE(map->status(), PersistentMap::Status::Loading);
    gate->open();
    VERIFY_OK(cleared);
    VERIFY_OK(inserted);
    VERIFY_OK(map->flush());
    QCOMPARE(map->toHash(), (QVariantHash{{QStringLiteral("color"), QStringLiteral("local")}}));
    map.reset();
    RAW_ROWS(rows, store);
    QCOMPARE(
            rows,
            (Rows{{QStringLiteral("future"), {FutureTag, FutureText}},
                  {QStringLiteral("color"), {QStringLiteral("string"), QStringLiteral("local")}}}));
}

// clear() and the batch that writes the unreadable values back are two commits; when the second
// fails, it stays queued like any failed write and the next flush() writes them back.
void tst_Undecoded::clearWritesThemBackAfterAFailedWrite()
{
    QFETCH(Store, store);
    QVERIFY(prepare(store));
    WRITE_RAW(store, QStringLiteral("future"), FutureTag, FutureText);
    auto control = std::make_shared<FaultControl>();
    auto map = std::make_unique<PersistentMap>(
            std::make_unique<FaultyBackend>(makeBackend(store.spec), control));
    QVERIFY(!loadError(*map));
    control->apply.failNext();
    QVERIFY(failureOf(map->clear()));
    QCOMPARE(control->apply.failures.load(), 1);
    VERIFY_OK(map->flush());
    QCOMPARE(map->count(), qsizetype(0));
    map.reset();
    RAW_ROWS(rows, store);
    QCOMPARE(rows, (Rows{{QStringLiteral("future"), {FutureTag, FutureText}}}));
}

// A map following another process's writes meets a value it cannot read: it reports it once and
// goes on following the other keys; the key appears when it is written readable again and goes
// when it is unreadable again.
void tst_Undecoded::followerGoesOnPastAnUnreadableValue()
{
    QFETCH(Store, store);
    MapWatcherProcess writer(store.spec);
    QVERIFY(writer.waitUntilReady());
    QVERIFY(writer.insert(QStringLiteral("title"), QStringLiteral("one")));
    auto follower = makeMap(store.follower);
    follower->setWatchInterval(10);
    QSignalSpy status(follower.get(), &PersistentMap::statusChanged);
    QSignalSpy changed(follower.get(), &PersistentMap::valueChanged);
    QSignalSpy removed(follower.get(), &PersistentMap::valueRemoved);
    QSignalSpy errors(follower.get(), &PersistentMap::errorOccurred);
    WAIT_LOADED(follower, status);
    QCOMPARE(follower->count(), qsizetype(1));

    QVERIFY(writer.insertColor(QStringLiteral("splitter"), QStringLiteral("#102030")));
    QVERIFY(writer.insert(QStringLiteral("title"), QStringLiteral("two")));
    // The report comes in the same delivery as the change, or before it.
    QTRY_VERIFY_WITH_TIMEOUT(changedTo(changed, QStringLiteral("title"), QStringLiteral("two")),
                             Bound);
    QCOMPARE(errors.size(), 1);
    QVERIFY2(errors.at(0).at(0).toString().contains(QLatin1String("'splitter'")),
             qPrintable(errors.at(0).at(0).toString()));
    QVERIFY(!follower->contains(QStringLiteral("splitter")));
    QCOMPARE(follower->count(), qsizetype(1));

    QVERIFY(writer.insert(QStringLiteral("other"), QStringLiteral("x")));
    QTRY_VERIFY_WITH_TIMEOUT(changedTo(changed, QStringLiteral("other"), QStringLiteral("x")),
                             Bound);
    QCOMPARE(errors.size(), 1); // once

    QVERIFY(writer.insert(QStringLiteral("splitter"), QStringLiteral("text now")));
    QTRY_VERIFY_WITH_TIMEOUT(
            changedTo(changed, QStringLiteral("splitter"), QStringLiteral("text now")), Bound);
    QCOMPARE(follower->count(), qsizetype(3));

    QVERIFY(writer.insertColor(QStringLiteral("splitter"), QStringLiteral("#405060")));
    QTRY_COMPARE_WITH_TIMEOUT(removed.size(), 1, Bound);
    QCOMPARE(removed.at(0).at(0).toString(), QStringLiteral("splitter"));
    QCOMPARE(errors.size(), 2);
    QCOMPARE(follower->count(), qsizetype(2));
    QVERIFY(writer.remove(QStringLiteral("title")));
    QTRY_COMPARE_WITH_TIMEOUT(removed.size(), 2, Bound);
    QCOMPARE(follower->keys(), QStringList{QStringLiteral("other")});
    QVERIFY(writer.quit());
}

// Another process following the store (mapwatcher, which never registers a type it has not
// written) meets a row written by a newer program and goes on following and writing. CSV has no
// row: a CSV store's only writer is its owner, which can write only values it can encode (the
// CSV follower is covered above).
void tst_Undecoded::followerProcessGoesOnPastAnUnreadableValue()
{
    QFETCH(Store, store);
    QVERIFY(prepare(store));
    MapWatcherProcess follower(store.follower);
    QCOMPARE(follower.nextLine(), QStringLiteral("ready 1"));
    auto map = makeMap(store.spec);
    map->setWatchInterval(10);
    QVERIFY(!loadError(*map));
    WRITE_RAW(store, QStringLiteral("future"), FutureTag, FutureText);
    VERIFY_OK(map->insert(QStringLiteral("title"), QStringLiteral("two")));
    const auto skipped = follower.waitFor(QStringLiteral("changed\ttitle\ttwo"));
    QVERIFY2(!skipped, qPrintable(skipped.value_or(QStringList()).join(u'|')));
    QVERIFY(follower.insert(QStringLiteral("after"), QStringLiteral("x")));
    QTRY_COMPARE_WITH_TIMEOUT(map->value(QStringLiteral("after")), QVariant(QStringLiteral("x")),
                              Bound);
    QVERIFY(follower.quit());
    map.reset();
    RAW_ROWS(rows, store);
    QCOMPARE(rows.value(QStringLiteral("future")), Row(FutureTag, FutureText));
}

void tst_Undecoded::legacyRowsReadTheSameAfterCompaction_data()
{
    QTest::addColumn<QVariant>("value");
    // Values an earlier version stored through QDataStream that the new text form cannot hold:
    // a QRect spanning the whole int range ("everything", a common clip rectangle) has a width
    // past int, and a QChar may be half of a surrogate pair.
    QTest::newRow("QRect wider than int")
            << QVariant(QRect(QPoint(std::numeric_limits<int>::min(), 0),
                              QPoint(std::numeric_limits<int>::max(), 10)));
    QTest::newRow("QChar U+D800") << QVariant(QChar(0xd800));
}

// A "variant:" row of an earlier version is read through QDataStream; a CSV compaction writes the
// live entries again, in the new text form (docs/FORMAT.md: "they are written back in the form
// above"). For a value that form cannot hold, the rewrite changed the stored value: the QRect
// became text that no longer reads ("is not QRect"), so the entry vanished from the map, and the
// QChar became '?'. Whatever the map read before the compaction, it must read after it.
void tst_Undecoded::legacyRowsReadTheSameAfterCompaction()
{
    QFETCH(QVariant, value);
    QByteArray bytes;
    {
        QDataStream stream(&bytes, QIODevice::WriteOnly);
        stream.setVersion(QDataStream::Qt_6_0);
        stream << value;
    }
    const QString type = QStringLiteral("variant:") + QLatin1StringView(value.metaType().name());
    const Store store = makeStore(Kind::Csv);
    QVERIFY(prepare(store));
    WRITE_RAW(store, QStringLiteral("legacy"), type, QString::fromLatin1(bytes.toBase64()));

    QVariant before;
    bool containedBefore = false;
    {
        auto map = makeMap(store.spec);
        QSignalSpy status(map.get(), &PersistentMap::statusChanged);
        WAIT_LOADED(map, status);
        containedBefore = map->contains(QStringLiteral("legacy"));
        before = map->value(QStringLiteral("legacy"));
        // Past the compaction threshold: the file is rewritten from the live entries.
        PersistentMapWriteBatch many, gone;
        for (int i = 0; i < 1100; ++i) {
            many.insert(QStringLiteral("n%1").arg(i), i);
            gone.remove(QStringLiteral("n%1").arg(i));
        }
        VERIFY_OK(map->apply(many));
        VERIFY_OK(map->apply(gone));
        VERIFY_OK(map->flush());
    }
    QVERIFY2(readBytes(store.file).count('\n') < 10, "the store was not compacted");

    auto reopened = makeMap(store.spec);
    QSignalSpy status(reopened.get(), &PersistentMap::statusChanged);
    WAIT_LOADED(reopened, status);
    QCOMPARE(reopened->contains(QStringLiteral("legacy")), containedBefore);
    const QVariant after = reopened->value(QStringLiteral("legacy"));
    QCOMPARE(after.metaType(), before.metaType());
    QCOMPARE(after, before);
}

// A legacy "variant:QColor" row cannot be read by a process without Qt Gui. Loading Qt Gui
// (QLibrary: its metatypes are registered as the library loads) makes it readable: each map,
// following its store, tries it again and announces it with valueChanged; the "futuretype" row
// stays unreadable and kept. On every backend at once, since Qt Gui cannot be unloaded.
void tst_Undecoded::readableOnceItsTypeIsKnown()
{
    QList<Store> stores{makeStore(Kind::Sqlite), makeStore(Kind::Csv)};
    if (const std::optional<QString> whyNot = postgresUnavailableReason()) {
        if (postgresRequired())
            QFAIL(qPrintable(QStringLiteral("PostgreSQL required but unavailable: ") + *whyNot));
        qInfo("PostgreSQL part skipped: %s", qPrintable(*whyNot));
    } else {
        stores.append(makeStore(Kind::Postgres));
    }
    std::vector<std::unique_ptr<PersistentMap>> maps;
    std::vector<std::unique_ptr<QSignalSpy>> changed, errors, counted;
    for (const Store &store : std::as_const(stores)) {
        QVERIFY(prepare(store));
        WRITE_RAW(store, QStringLiteral("color"), ColorTag, ColorText);
        WRITE_RAW(store, QStringLiteral("future"), FutureTag, FutureText);
        maps.push_back(makeMap(store.spec));
        PersistentMap *map = maps.back().get();
        map->setWatchInterval(10);
        QSignalSpy status(map, &PersistentMap::statusChanged);
        changed.push_back(std::make_unique<QSignalSpy>(map, &PersistentMap::valueChanged));
        errors.push_back(std::make_unique<QSignalSpy>(map, &PersistentMap::errorOccurred));
        counted.push_back(std::make_unique<QSignalSpy>(map, &PersistentMap::countChanged));
        WAIT_LOADED(map, status);
        QCOMPARE(map->keys(), QStringList{QStringLiteral("a")});
        QCOMPARE(errors.back()->size(), 2);
        const QString all = messagesOf(*errors.back()).join(u'\n');
        QVERIFY2(all.contains(QLatin1String("the type QColor is not known to this process")) &&
                         all.contains(QLatin1String("unknown type 'futuretype'")),
                 qPrintable(all));
    }

    QLibrary gui(QStringLiteral("Qt6Gui"));
    QVERIFY2(gui.load(), qPrintable(gui.errorString()));
    QVERIFY(QMetaType::isRegistered(QMetaType::QColor));
    for (size_t i = 0; i < maps.size(); ++i) {
        QTRY_COMPARE_WITH_TIMEOUT(changed[i]->size(), 1, Bound);
        QCOMPARE(changed[i]->at(0).at(0).toString(), QStringLiteral("color"));
        const QVariant color = maps[i]->value(QStringLiteral("color"));
        QCOMPARE(color.metaType().name(), "QColor");
        QCOMPARE(color.toString(), QStringLiteral("#ff8000"));
        QCOMPARE(changed[i]->at(0).at(1), color);
        QCOMPARE(maps[i]->count(), qsizetype(2));
        QVERIFY(counted[i]->size() >= 1);
        QVERIFY(!maps[i]->contains(QStringLiteral("future")));
        QCOMPARE(errors[i]->size(), 2);
    }
    maps.clear();

    for (const Store &store : std::as_const(stores)) {
        RAW_ROWS(rows, store); // never rewritten by a map that could not read it
        QCOMPARE(rows.value(QStringLiteral("color")), Row(ColorTag, ColorText));
        QCOMPARE(rows.value(QStringLiteral("future")), Row(FutureTag, FutureText));
        auto reopened = makeMap(store.spec);
        QSignalSpy status(reopened.get(), &PersistentMap::statusChanged);
        QSignalSpy reopenedErrors(reopened.get(), &PersistentMap::errorOccurred);
        WAIT_LOADED(reopened, status);
        QCOMPARE(reopened->count(), qsizetype(2));
        QCOMPARE(reopened->value(QStringLiteral("color")).toString(), QStringLiteral("#ff8000"));
        QCOMPARE(reopenedErrors.size(), 1);
        reopened.reset();
        // Another process that links Qt Core only still cannot read it, and loads the rest.
        MapWatcherProcess other(store.spec);
        QCOMPARE(other.nextLine(), QStringLiteral("ready 1"));
        QVERIFY(other.quit());
    }
}

QTEST_GUILESS_MAIN(tst_Undecoded)
#include "tst_undecoded.moc"
