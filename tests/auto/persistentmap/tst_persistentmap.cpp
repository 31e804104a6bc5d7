// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PersistentMap behaviour, checked once per backend: memory, sqlite, postgres, csv and "custom", a
// backend written here that implements only the pure virtuals of PersistentMapBackend. Persistence
// is checked by destroying the map and reading the store back through a new PersistentMap.
//
// The postgres rows need a server (PM_TEST_POSTGRES, docs/TESTING.md "PostgreSQL"): without one
// they skip with the reason (fail under PM_REQUIRE_POSTGRES=1). Each test function's postgres row
// gets a fresh table, made in init() and dropped with its change log in cleanup().
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapMemoryBackend>
#include <PersistentMap/PersistentMapPostgresBackend>
#include <PersistentMap/PersistentMapSimpleBackend>
#include <PersistentMap/PersistentMapSqliteBackend>

#include "gatedbackend.h"
#include "postgrestest.h"
#include "testhelpers.h"

#include <QtConcurrent/QtConcurrentRun>
#include <QtCore/QDataStream>
#include <QtCore/QDateTime>
#include <QtCore/QDebug>
#include <QtCore/QDir>
#include <QtCore/QEasingCurve>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QLine>
#include <QtCore/QMutex>
#include <QtCore/QPoint>
#include <QtCore/QRect>
#include <QtCore/QScopeGuard>
#include <QtCore/QSemaphore>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtCore/QThreadPool>
#include <QtCore/QTimeZone>
#include <QtCore/QUrl>
#include <QtCore/QUuid>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>

// A user type with QDataStream operators: refused all the same (no stream format is written).
struct Point3
{
    qint32 x = 0;
    qint32 y = 0;
    qint32 z = 0;

    friend bool operator==(const Point3 &a, const Point3 &b)
    {
        return a.x == b.x && a.y == b.y && a.z == b.z;
    }
    friend bool operator!=(const Point3 &a, const Point3 &b) { return !(a == b); }
    friend QDataStream &operator<<(QDataStream &s, const Point3 &p)
    {
        return s << p.x << p.y << p.z;
    }
    friend QDataStream &operator>>(QDataStream &s, Point3 &p) { return s >> p.x >> p.y >> p.z; }
};
Q_DECLARE_METATYPE(Point3)

// A user type without QDataStream operators: the map must refuse it.
struct NoStreamType
{
    int v = 0;
    friend bool operator==(const NoStreamType &a, const NoStreamType &b) { return a.v == b.v; }
    friend bool operator!=(const NoStreamType &a, const NoStreamType &b) { return !(a == b); }
};
Q_DECLARE_METATYPE(NoStreamType)

namespace {

// The custom backend of the contract: PersistentMapSimpleBackend's loadAll(), save() and remove().
// Its data lives in a static table keyed by store name, so a backend constructed later with the
// same name reopens it. Values are kept serialized, as a real store would keep them.
class CustomBackend : public PersistentMapSimpleBackend
{
public:
    explicit CustomBackend(const QString &name)
        : m_name(name)
    {
    }

    QVariantHash loadAll() override
    {
        QMutexLocker locker(&s_mutex);
        if (!s_loadError.isEmpty())
            throw PersistentMapError(PersistentMapError::Code::Corrupt, s_loadError);
        QVariantHash result;
        const QHash<QString, QByteArray> &store = s_stores[m_name];
        for (auto it = store.cbegin(); it != store.cend(); ++it)
            result.insert(it.key(), decode(it.value()));
        return result;
    }

    void save(const QString &key, const QVariant &value) override
    {
        QMutexLocker locker(&s_mutex);
        if (s_failWrites > 0) {
            --s_failWrites;
            throw std::runtime_error("custom backend: injected write failure");
        }
        s_stores[m_name].insert(key, encode(value));
    }

    void remove(const QString &key) override
    {
        QMutexLocker locker(&s_mutex);
        s_stores[m_name].remove(key);
    }

    // What the store holds right now, read from the test thread.
    static QVariantHash stored(const QString &name)
    {
        QMutexLocker locker(&s_mutex);
        QVariantHash result;
        const QHash<QString, QByteArray> store = s_stores.value(name);
        for (auto it = store.cbegin(); it != store.cend(); ++it)
            result.insert(it.key(), decode(it.value()));
        return result;
    }

    static void reset()
    {
        QMutexLocker locker(&s_mutex);
        s_stores.clear();
        s_failWrites = 0;
        s_loadError.clear();
    }

    static void failNextWrites(int count)
    {
        QMutexLocker locker(&s_mutex);
        s_failWrites = count;
    }

    static void failLoad(const QString &message)
    {
        QMutexLocker locker(&s_mutex);
        s_loadError = message;
    }

private:
    static QByteArray encode(const QVariant &value)
    {
        QByteArray bytes;
        QDataStream stream(&bytes, QIODevice::WriteOnly);
        stream << value;
        return bytes;
    }

    static QVariant decode(const QByteArray &bytes)
    {
        QDataStream stream(bytes);
        QVariant value;
        stream >> value;
        return value;
    }

    QString m_name;
    static inline QMutex s_mutex;
    static inline QHash<QString, QHash<QString, QByteArray>> s_stores;
    static inline int s_failWrites = 0;
    static inline QString s_loadError;
};

} // namespace

class tst_PersistentMap : public QObject
{
    Q_OBJECT

private:
    static void addAllBackends();
    static void addPersistentBackends();
    std::unique_ptr<PersistentMapBackend> makeBackend(const QString &kind) const;
    std::unique_ptr<PersistentMap> openMap(const QString &kind, std::shared_ptr<Gate> loadGate = {},
                                           std::shared_ptr<Gate> applyGate = {},
                                           std::shared_ptr<CommitLog> log = {}) const;
    std::optional<QVariantHash> reopened(const QString &kind) const;
    QString storeFile(const QString &kind) const;

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_customName;
    int m_storeCounter = 0;
    // The postgres row's table, for one test function (init() to cleanup()).
    std::unique_ptr<PostgresTestTable> m_postgresTable;

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void basicApi_data() { addAllBackends(); }
    void basicApi();
    void keysFoundWhateverTheirStorage_data() { addPersistentBackends(); }
    void keysFoundWhateverTheirStorage();
    void keysFoundAfterTheGlobalHashSeedChanges_data() { addAllBackends(); }
    void keysFoundAfterTheGlobalHashSeedChanges();
    void getTyped_data() { addAllBackends(); }
    void getTyped();
    void getGeometryIsExact_data() { addAllBackends(); }
    void getGeometryIsExact();

    void persistenceAcrossReopen_data() { addPersistentBackends(); }
    void persistenceAcrossReopen();
    void removePersisted_data() { addPersistentBackends(); }
    void removePersisted();
    void clearPersisted_data() { addPersistentBackends(); }
    void clearPersisted();
    void clearThenInsertInOneBatch_data() { addPersistentBackends(); }
    void clearThenInsertInOneBatch();
    void applyBatch_data() { addPersistentBackends(); }
    void applyBatch();
    void insertHash_data() { addPersistentBackends(); }
    void insertHash();

    void roundTrip_data();
    void roundTrip();
    void unsupportedTypeRejected_data() { addAllBackends(); }
    void unsupportedTypeRejected();

    void valueChangedSignal_data() { addAllBackends(); }
    void valueChangedSignal();
    void valueRemovedSignal_data() { addAllBackends(); }
    void valueRemovedSignal();
    void countChangedSignal_data() { addAllBackends(); }
    void countChangedSignal();
    void statusLoadingToReady_data() { addAllBackends(); }
    void statusLoadingToReady();
    void signalsFromOtherThreads_data() { addAllBackends(); }
    void signalsFromOtherThreads();
    void slotWritingToMapKeepsOrder_data() { addAllBackends(); }
    void slotWritingToMapKeepsOrder();
    void deleteMapFromSlot_data() { addPersistentBackends(); }
    void deleteMapFromSlot();

    void whenReadyFinishes_data() { addAllBackends(); }
    void whenReadyFinishes();
    void nullBackendIsError();
    void backendLivesOnTheStorageThread();
    void streamingBackendLoadsThroughLoadInto();
    void streamingLoadKeepsWritesMadeWhileLoading();
    void loadFailureIsError();
    void unparsableStoreLeftUntouched_data();
    void unparsableStoreLeftUntouched();

    void writesWhileLoading_data() { addPersistentBackends(); }
    void writesWhileLoading();
    void clearWhileLoading_data() { addPersistentBackends(); }
    void clearWhileLoading();

    void destructorPersistsPending_data() { addPersistentBackends(); }
    void destructorPersistsPending();
    void futureFinishesAfterCommit_data() { addAllBackends(); }
    void futureFinishesAfterCommit();
    void failedWriteIsRetried();
};

void tst_PersistentMap::addAllBackends()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("memory") << QStringLiteral("memory");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgres") << QStringLiteral("postgres");
    QTest::newRow("csv") << QStringLiteral("csv");
    QTest::newRow("custom") << QStringLiteral("custom");
}

// Memory stores do not survive a reopen, so tests that reopen leave them out.
void tst_PersistentMap::addPersistentBackends()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgres") << QStringLiteral("postgres");
    QTest::newRow("csv") << QStringLiteral("csv");
    QTest::newRow("custom") << QStringLiteral("custom");
}

QString tst_PersistentMap::storeFile(const QString &kind) const
{
    if (kind == u"sqlite")
        return m_dir->filePath(QStringLiteral("data/store.db"));
    if (kind == u"csv")
        return m_dir->filePath(QStringLiteral("data/store.csv"));
    return {};
}

std::unique_ptr<PersistentMapBackend> tst_PersistentMap::makeBackend(const QString &kind) const
{
    if (kind == u"memory")
        return std::make_unique<PersistentMapMemoryBackend>();
    if (kind == u"sqlite")
        return std::make_unique<PersistentMapSqliteBackend>(storeFile(kind));
    if (kind == u"postgres") {
        if (!m_postgresTable)
            qFatal("the postgres row has no table: init() makes it for data tags \"postgres...\"");
        return std::make_unique<PersistentMapPostgresBackend>(m_postgresTable->spec());
    }
    if (kind == u"csv")
        return std::make_unique<PersistentMapCsvBackend>(storeFile(kind));
    if (kind == u"custom")
        return std::make_unique<CustomBackend>(m_customName);
    qFatal("unknown backend kind");
    return {};
}

std::unique_ptr<PersistentMap> tst_PersistentMap::openMap(const QString &kind,
                                                          std::shared_ptr<Gate> loadGate,
                                                          std::shared_ptr<Gate> applyGate,
                                                          std::shared_ptr<CommitLog> log) const
{
    std::unique_ptr<PersistentMapBackend> backend = makeBackend(kind);
    if (loadGate || applyGate || log) {
        backend = std::make_unique<GatedBackend>(std::move(backend), std::move(loadGate),
                                                 std::move(applyGate), std::move(log));
    }
    return std::make_unique<PersistentMap>(std::move(backend));
}

// The content of the store as a new PersistentMap loads it. The caller has destroyed the map
// that wrote it (a CSV store is locked while a map has it open).
std::optional<QVariantHash> tst_PersistentMap::reopened(const QString &kind) const
{
    const std::unique_ptr<PersistentMap> map = openMap(kind);
    if (const auto failure = failureOf(map->whenReady())) {
        qWarning().noquote() << "reopening the store failed:" << failure->message();
        return std::nullopt;
    }
    return map->toHash();
}

void tst_PersistentMap::initTestCase()
{
    qRegisterMetaType<Point3>();
    QVERIFY(QMetaType::fromType<Point3>().hasRegisteredDataStreamOperators());
    QVERIFY(!QMetaType::fromType<NoStreamType>().hasRegisteredDataStreamOperators());
}

void tst_PersistentMap::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    CustomBackend::reset();
    m_customName = QStringLiteral("store-%1").arg(++m_storeCounter);
    // Postgres rows are tagged "postgres" (roundTrip: "postgres: <value>").
    const char *tag = QTest::currentDataTag();
    if (tag && QByteArray(tag).startsWith("postgres")) {
        PM_POSTGRES_SPEC_OR_SKIP(spec);
        m_postgresTable = std::make_unique<PostgresTestTable>(spec);
    }
}

void tst_PersistentMap::cleanup()
{
    m_postgresTable.reset(); // the test's maps are gone: drops the table and its change log
}

// The cache hashes a key once and looks it up through a borrowed view of the caller's
// characters (src/core/shardedcache_p.h): a key must be found whatever QString holds it (a
// substring, raw data, a detached copy), the stored keys must own their characters, and keys
// that differ only late or only in length must stay apart, before and after a reopen.
void tst_PersistentMap::keysFoundWhateverTheirStorage()
{
    QFETCH(QString, backend);
    QStringList keys{QString(),
                     QStringLiteral("a"),
                     QStringLiteral("aa"),
                     QStringLiteral("ab"),
                     QString(300, u'k') + u'1',
                     QString(300, u'k') + u'2',
                     QStringLiteral("\u00e9t\u00e9")};
    for (int i = 0; i < 2000; ++i)
        keys.append(QStringLiteral("key%1").arg(i, 13, 10, QLatin1Char('0')));
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        for (qsizetype i = 0; i < keys.size(); ++i)
            map->insert(keys.at(i), i);
        VERIFY_OK(map->flush());
    }
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    QCOMPARE(map->count(), keys.size());
    for (qsizetype i = 0; i < keys.size(); ++i) {
        const QString &key = keys.at(i);
        // The same characters inside a longer string, and as raw data in a buffer of our own.
        const QString longer = QStringLiteral("<") + key + QStringLiteral(">");
        const QString middle = longer.mid(1, key.size());
        std::vector<QChar> buffer(key.constData(), key.constData() + key.size());
        const QString raw = QString::fromRawData(buffer.data(), qsizetype(buffer.size()));
        for (const QString &lookup : {key, middle, raw}) {
            QCOMPARE(map->value(lookup), QVariant(int(i)));
            QVERIFY(map->contains(lookup));
            QCOMPARE(map->get<int>(lookup), std::optional<int>(int(i)));
        }
        // The lookup left nothing behind that borrows the buffer.
        std::fill(buffer.begin(), buffer.end(), QChar(u'#'));
    }
    QVERIFY(!map->contains(QStringLiteral("key")));
    QVERIFY(!map->contains(QString(300, u'k')));
    QStringList stored = map->keys();
    stored.sort();
    QStringList expected = keys;
    expected.sort();
    QCOMPARE(stored, expected);
    QCOMPARE(map->toHash().size(), keys.size());
    VERIFY_OK(map->remove(QString::fromRawData(keys.at(3).constData(), keys.at(3).size())));
    QVERIFY(!map->contains(QStringLiteral("ab")));
    QCOMPARE(map->count(), keys.size() - 1);
}

// QHashSeed::globalSeed() may change while the process runs (resetRandomGlobalSeed(),
// setDeterministicGlobalSeed(); Qt's documentation: "users of the global hash need to store the
// value they are using and not rely on getting it again"). Every QHash keeps the seed it was
// made with; the cache must too, or the keys it holds are never found again.
void tst_PersistentMap::keysFoundAfterTheGlobalHashSeedChanges()
{
    QFETCH(QString, backend);
    const auto restore = qScopeGuard([] { QHashSeed::resetRandomGlobalSeed(); });
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    QStringList keys;
    for (int i = 0; i < 200; ++i)
        keys.append(QStringLiteral("key%1").arg(i));
    for (qsizetype i = 0; i < keys.size(); ++i)
        VERIFY_OK(map->insert(keys.at(i), int(i)));
    for (int round = 0; round < 2; ++round) {
        if (round == 0)
            QHashSeed::setDeterministicGlobalSeed();
        else
            QHashSeed::resetRandomGlobalSeed();
        for (qsizetype i = 0; i < keys.size(); ++i) {
            QCOMPARE(map->value(keys.at(i)), QVariant(int(i)));
            QVERIFY(map->contains(keys.at(i)));
        }
        // Written again: still one entry per key.
        VERIFY_OK(map->insert(keys.at(0), -1));
        QCOMPARE(map->count(), keys.size());
        QCOMPARE(map->keys().size(), keys.size());
        VERIFY_OK(map->insert(keys.at(0), 0));
    }
}

void tst_PersistentMap::basicApi()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    QCOMPARE(map->status(), PersistentMap::Status::Ready);

    QVERIFY(map->isEmpty());
    QCOMPARE(map->count(), 0);
    QVERIFY(map->keys().isEmpty());
    QVERIFY(map->toHash().isEmpty());
    QVERIFY(!map->contains(QStringLiteral("a")));
    QVERIFY(!map->value(QStringLiteral("a")).isValid());
    QCOMPARE(map->value(QStringLiteral("a"), 7), QVariant(7));

    map->insert(QStringLiteral("a"), 1);
    map->insert(QStringLiteral("b"), QStringLiteral("two"));
    QFuture<void> last = map->insert(QStringLiteral("c"), QStringList{QStringLiteral("x")});
    // The cache has the writes at once, before the backend committed them.
    QCOMPARE(map->count(), 3);
    QVERIFY(!map->isEmpty());
    QVERIFY(map->contains(QStringLiteral("a")));
    QCOMPARE(map->value(QStringLiteral("a")), QVariant(1));
    QCOMPARE(map->value(QStringLiteral("a")).metaType(), QMetaType::fromType<int>());
    QCOMPARE(map->value(QStringLiteral("a"), 7), QVariant(1));
    QCOMPARE(map->value(QStringLiteral("b")), QVariant(QStringLiteral("two")));
    VERIFY_OK(last);

    QStringList keys = map->keys();
    keys.sort();
    QCOMPARE(keys, (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}));
    COMPARE_CONTENT(map->toHash(),
                    (QVariantHash{{QStringLiteral("a"), 1},
                                  {QStringLiteral("b"), QStringLiteral("two")},
                                  {QStringLiteral("c"), QStringList{QStringLiteral("x")}}}));

    VERIFY_OK(map->insert(QStringLiteral("a"), 10));
    QCOMPARE(map->count(), 3);
    QCOMPARE(map->value(QStringLiteral("a")), QVariant(10));

    VERIFY_OK(map->remove(QStringLiteral("b")));
    QCOMPARE(map->count(), 2);
    QVERIFY(!map->contains(QStringLiteral("b")));
    VERIFY_OK(map->remove(QStringLiteral("never-there")));
    QCOMPARE(map->count(), 2);

    VERIFY_OK(map->clear());
    QVERIFY(map->isEmpty());
    QVERIFY(map->keys().isEmpty());
    VERIFY_OK(map->flush());
}

void tst_PersistentMap::getTyped()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    const QUrl url(QStringLiteral("https://example.com/x"));
    map->insert(QStringLiteral("int"), 42);
    map->insert(QStringLiteral("text"), QStringLiteral("abc"));
    map->insert(QStringLiteral("numeric text"), QStringLiteral("17"));
    map->insert(QStringLiteral("list"), QVariantList{1, 2});
    VERIFY_OK(map->insert(QStringLiteral("url"), url));

    QCOMPARE(map->get<int>(QStringLiteral("int")), std::optional<int>(42));
    QCOMPARE(map->value(QStringLiteral("int")).metaType(), QMetaType::fromType<int>());
    QCOMPARE(map->get<QString>(QStringLiteral("int")),
             std::optional<QString>(QStringLiteral("42")));
    QCOMPARE(map->get<QUrl>(QStringLiteral("url")), std::optional<QUrl>(url));
    QCOMPARE(map->get<int>(QStringLiteral("numeric text")), std::optional<int>(17));

    QCOMPARE(map->get<QString>(QStringLiteral("absent")), std::nullopt);
    QCOMPARE(map->get<int>(QStringLiteral("absent")), std::nullopt);
    QCOMPARE(map->get<int>(QStringLiteral("text")), std::nullopt); // convertible type, bad text
    QCOMPARE(map->get<QDate>(QStringLiteral("list")), std::nullopt); // not convertible at all
    QCOMPARE(map->get<QUuid>(QStringLiteral("int")), std::nullopt);
    // get<T> never changes what is stored.
    QCOMPARE(map->value(QStringLiteral("text")), QVariant(QStringLiteral("abc")));

    // Issue 12: exact or nothing. A stored 0.8 gave get<int>() 1 and 9000000000 gave 410065408.
    const QVariantHash numbers{
            {QStringLiteral("0.8"), 0.8},
            {QStringLiteral("1.0"), 1.0},
            {QStringLiteral("9e9"), qint64(9000000000)},
            {QStringLiteral("-1"), -1},
            {QStringLiteral("2^24+1"), 16777217},
            {QStringLiteral("nan"), std::nan("")},
            {QStringLiteral("1e300"), 1e300},
            {QStringLiteral("0.5f"), 0.5f},
            {QStringLiteral("uint64 max"), std::numeric_limits<quint64>::max()},
            {QStringLiteral("int64 min"), std::numeric_limits<qint64>::min()},
            {QStringLiteral("2"), 2},
            {QStringLiteral("017"), QStringLiteral("017")},
    };
    VERIFY_OK(map->insert(numbers));
    const auto get = [&](const char *key) { return QString::fromLatin1(key); };
    QCOMPARE(map->get<int>(get("0.8")), std::nullopt);
    QCOMPARE(map->get<qint64>(get("0.8")), std::nullopt);
    QCOMPARE(map->get<float>(get("0.8")), std::nullopt); // 0.8f is not 0.8
    QCOMPARE(map->get<QString>(get("0.8")), std::optional<QString>(QStringLiteral("0.8")));
    QCOMPARE(map->get<int>(get("1.0")), std::optional<int>(1));
    QCOMPARE(map->get<int>(get("9e9")), std::nullopt);
    QCOMPARE(map->get<uint>(get("9e9")), std::nullopt);
    QCOMPARE(map->get<double>(get("9e9")), std::optional<double>(9e9));
    QCOMPARE(map->get<uint>(get("-1")), std::nullopt);
    QCOMPARE(map->get<quint64>(get("-1")), std::nullopt);
    QCOMPARE(map->get<qint64>(get("-1")), std::optional<qint64>(-1));
    QCOMPARE(map->get<float>(get("2^24+1")), std::nullopt);
    QCOMPARE(map->get<double>(get("2^24+1")), std::optional<double>(16777217.0));
    QCOMPARE(map->get<int>(get("nan")), std::nullopt);
    QCOMPARE(map->get<float>(get("1e300")), std::nullopt);
    QCOMPARE(map->get<qint64>(get("1e300")), std::nullopt);
    QCOMPARE(map->get<double>(get("0.5f")), std::optional<double>(0.5));
    QCOMPARE(map->get<qint64>(get("uint64 max")), std::nullopt);
    QCOMPARE(map->get<double>(get("uint64 max")), std::nullopt); // rounds to 2^64
    QCOMPARE(map->get<quint64>(get("int64 min")), std::nullopt);
    QCOMPARE(map->get<double>(get("int64 min")), std::optional<double>(-9223372036854775808.0));
    QCOMPARE(map->get<bool>(get("2")), std::nullopt);
    QCOMPARE(map->get<int>(get("017")), std::nullopt);

    // Found by the adversarial review: get<QVariant>() gave nullopt for everything, a float NaN
    // had no get<double>(), and a zoned date-time's get<QString>() dropped the zone.
    const QDateTime zoned(QDate(2026, 7, 1), QTime(12, 0), QTimeZone("Europe/Berlin"));
    VERIFY_OK(map->insert({{QStringLiteral("float nan"), std::numeric_limits<float>::quiet_NaN()},
                           {QStringLiteral("zoned"), zoned}}));
    QCOMPARE(map->get<QVariant>(QStringLiteral("int")), std::optional<QVariant>(QVariant(42)));
    QVERIFY(map->get<double>(QStringLiteral("float nan")).has_value());
    QVERIFY(std::isnan(*map->get<double>(QStringLiteral("float nan"))));
    QCOMPARE(map->get<QString>(QStringLiteral("zoned")), std::nullopt);
    QCOMPARE(map->get<QDateTime>(QStringLiteral("zoned")), std::optional<QDateTime>(zoned));
}

// get<T>() of the integer geometry types from their floating-point kin: exact or nothing, as for
// numbers. The check converts back and compares with Qt's operator==, which for QPointF, QSizeF,
// QRectF and QLineF is fuzzy (relative 1e-12, and any magnitude below 1e-12 equals 0): a stored
// QPointF(1e-13, 0) gave get<QPoint>() (0, 0), and 1000000.0000001 gave 1000000.
void tst_PersistentMap::getGeometryIsExact()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    const QVariantHash values{
            {QStringLiteral("tiny pointf"), QPointF(1e-13, 0)},
            {QStringLiteral("large pointf"), QPointF(1000000.0000001, 2)},
            {QStringLiteral("sizef"), QSizeF(1000000000.001, 1)},
            {QStringLiteral("rectf"), QRectF(1e-13, 0, 10, 10)},
            {QStringLiteral("linef"), QLineF(1e-13, 0, 1, 1)},
            {QStringLiteral("whole pointf"), QPointF(3, 4)},
    };
    VERIFY_OK(map->insert(values));
    QCOMPARE(map->get<QPoint>(QStringLiteral("whole pointf")), std::optional<QPoint>(QPoint(3, 4)));
    QCOMPARE(map->get<QPoint>(QStringLiteral("tiny pointf")), std::nullopt);
    QCOMPARE(map->get<QPoint>(QStringLiteral("large pointf")), std::nullopt);
    QCOMPARE(map->get<QSize>(QStringLiteral("sizef")), std::nullopt);
    QCOMPARE(map->get<QRect>(QStringLiteral("rectf")), std::nullopt);
    QCOMPARE(map->get<QLine>(QStringLiteral("linef")), std::nullopt);
}

void tst_PersistentMap::persistenceAcrossReopen()
{
    QFETCH(QString, backend);
    const QVariantHash first{{QStringLiteral("name"), QStringLiteral("Ada")},
                             {QStringLiteral("age"), 36},
                             {QStringLiteral("ratio"), 0.5}};
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        for (auto it = first.cbegin(); it != first.cend(); ++it)
            map->insert(it.key(), it.value());
        VERIFY_OK(map->flush());
    }
    std::optional<QVariantHash> stored = reopened(backend);
    QVERIFY(stored);
    COMPARE_CONTENT(*stored, first);

    // A second session changes one key and adds one: both survive the next reopen.
    QVariantHash second = first;
    second.insert(QStringLiteral("age"), 37);
    second.insert(QStringLiteral("city"), QStringLiteral("London"));
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        COMPARE_CONTENT(map->toHash(), first);
        QCOMPARE(map->count(), first.size());
        map->insert(QStringLiteral("age"), 37);
        VERIFY_OK(map->insert(QStringLiteral("city"), QStringLiteral("London")));
    }
    stored = reopened(backend);
    QVERIFY(stored);
    COMPARE_CONTENT(*stored, second);
}

void tst_PersistentMap::removePersisted()
{
    QFETCH(QString, backend);
    {
        const auto map = openMap(backend);
        map->insert(QStringLiteral("a"), 1);
        map->insert(QStringLiteral("b"), 2);
        VERIFY_OK(map->insert(QStringLiteral("c"), 3));
    }
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        QVERIFY(map->contains(QStringLiteral("b")));
        VERIFY_OK(map->remove(QStringLiteral("b")));
        QVERIFY(!map->contains(QStringLiteral("b")));
    }
    const std::optional<QVariantHash> stored = reopened(backend);
    QVERIFY(stored);
    COMPARE_CONTENT(*stored, (QVariantHash{{QStringLiteral("a"), 1}, {QStringLiteral("c"), 3}}));
}

void tst_PersistentMap::clearPersisted()
{
    QFETCH(QString, backend);
    {
        const auto map = openMap(backend);
        map->insert(QStringLiteral("a"), 1);
        VERIFY_OK(map->insert(QStringLiteral("b"), 2));
    }
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        QCOMPARE(map->count(), 2);
        VERIFY_OK(map->clear());
        QVERIFY(map->isEmpty());
    }
    std::optional<QVariantHash> stored = reopened(backend);
    QVERIFY(stored);
    COMPARE_CONTENT(*stored, QVariantHash());

    // The cleared store is still usable.
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->insert(QStringLiteral("d"), 4));
    }
    stored = reopened(backend);
    QVERIFY(stored);
    COMPARE_CONTENT(*stored, (QVariantHash{{QStringLiteral("d"), 4}}));
}

// clear() and the inserts after it land in one pending batch while the storage thread is held:
// the batch must clear first, then insert.
void tst_PersistentMap::clearThenInsertInOneBatch()
{
    QFETCH(QString, backend);
    {
        const auto map = openMap(backend);
        map->insert(QStringLiteral("old1"), 1);
        VERIFY_OK(map->insert(QStringLiteral("old2"), 2));
    }
    const QVariantHash expected{{QStringLiteral("new1"), 1},
                                {QStringLiteral("new2"), QStringLiteral("two")},
                                {QStringLiteral("old1"), QStringLiteral("again")}};
    {
        auto applyGate = std::make_shared<Gate>();
        const auto map = openMap(backend, {}, applyGate);
        const auto openGate = qScopeGuard([&] { applyGate->open(); });
        VERIFY_OK(map->whenReady());
        const QFuture<void> blocker = map->insert(QStringLiteral("blocker"), 0);
        QVERIFY(applyGate->waitEntered());

        const QFuture<void> cleared = map->clear();
        map->insert(QStringLiteral("new1"), 1);
        map->insert(QStringLiteral("new2"), QStringLiteral("two"));
        const QFuture<void> last = map->insert(QStringLiteral("old1"), QStringLiteral("again"));
        COMPARE_CONTENT(map->toHash(), expected);
        QVERIFY(!cleared.isFinished());

        applyGate->open();
        VERIFY_OK(blocker);
        VERIFY_OK(cleared);
        VERIFY_OK(last);
        COMPARE_CONTENT(map->toHash(), expected);
    }
    std::optional<QVariantHash> stored = reopened(backend);
    QVERIFY(stored);
    COMPARE_CONTENT(*stored, expected);

    // The same without holding the storage thread: clear() directly followed by inserts.
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        map->clear();
        map->insert(QStringLiteral("after"), true);
    }
    stored = reopened(backend);
    QVERIFY(stored);
    COMPARE_CONTENT(*stored, (QVariantHash{{QStringLiteral("after"), true}}));
}

void tst_PersistentMap::applyBatch()
{
    QFETCH(QString, backend);
    {
        const auto map = openMap(backend);
        map->insert(QStringLiteral("keep"), 1);
        map->insert(QStringLiteral("drop"), 2);
        VERIFY_OK(map->insert(QStringLiteral("over"), 3));
    }
    const QVariantHash expected{{QStringLiteral("keep"), 1},
                                {QStringLiteral("over"), 30},
                                {QStringLiteral("new"), QStringLiteral("x")},
                                {QStringLiteral("dup"), 3},
                                {QStringLiteral("back"), true}};
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        PersistentMapWriteBatch batch;
        QVERIFY(batch.isEmpty());
        batch.insert(QStringLiteral("new"), QStringLiteral("x"));
        batch.remove(QStringLiteral("drop"));
        batch.insert(QStringLiteral("over"), 30);
        batch.insert(QStringLiteral("dup"), 1);
        batch.insert(QStringLiteral("dup"), 2);
        batch.insert(QStringLiteral("dup"), 3);
        batch.insert(QStringLiteral("gone"), 1);
        batch.remove(QStringLiteral("gone"));
        batch.remove(QStringLiteral("back"));
        batch.insert(QStringLiteral("back"), true);
        QCOMPARE(batch.size(), 10);
        QVERIFY(!batch.isEmpty());

        QSignalSpy changed(map.get(), &PersistentMap::valueChanged);
        QSignalSpy removed(map.get(), &PersistentMap::valueRemoved);
        VERIFY_OK(map->apply(batch));
        COMPARE_CONTENT(map->toHash(), expected);
        QCOMPARE(map->count(), expected.size());

        // Each key is announced once, with its last value; "gone" never existed.
        QTRY_COMPARE(changed.count(), 4);
        QHash<QString, QVariant> announced;
        for (const QList<QVariant> &args : std::as_const(changed))
            announced.insert(args.at(0).toString(), args.at(1));
        COMPARE_CONTENT(announced,
                        (QVariantHash{{QStringLiteral("new"), QStringLiteral("x")},
                                      {QStringLiteral("over"), 30},
                                      {QStringLiteral("dup"), 3},
                                      {QStringLiteral("back"), true}}));
        QTRY_COMPARE(removed.count(), 1);
        QCOMPARE(removed.at(0).at(0).toString(), QStringLiteral("drop"));
    }
    const std::optional<QVariantHash> stored = reopened(backend);
    QVERIFY(stored);
    COMPARE_CONTENT(*stored, expected);
}

void tst_PersistentMap::insertHash()
{
    QFETCH(QString, backend);
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->insert(QStringLiteral("a"), 0));
    }
    const QVariantHash entries{{QStringLiteral("a"), 1},
                               {QStringLiteral("b"), QStringLiteral("2")},
                               {QStringLiteral("c"), 3.5}};
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        VERIFY_OK(map->insert(entries));
        COMPARE_CONTENT(map->toHash(), entries);
    }
    const std::optional<QVariantHash> stored = reopened(backend);
    QVERIFY(stored);
    COMPARE_CONTENT(*stored, entries);
}

namespace {

QVariantHash roundTripValues()
{
    const QUuid uuid = QUuid::fromString(QStringLiteral("{67c8770b-44f1-410a-ab9a-f9b5446f13ee}"));
    const QDate date(2024, 2, 29);
    QByteArray bytes("\0\x01\x7f\x80\xfe\xff", 6);
    bytes.append('\0');
    const QVariant point = QVariant::fromValue(QPoint(1, -2));

    QVariantHash values;
    values.insert(QStringLiteral("bool true"), true);
    values.insert(QStringLiteral("bool false"), false);
    values.insert(QStringLiteral("int zero"), 0);
    values.insert(QStringLiteral("int min"), std::numeric_limits<int>::min());
    values.insert(QStringLiteral("int max"), std::numeric_limits<int>::max());
    values.insert(QStringLiteral("uint max"), std::numeric_limits<uint>::max());
    values.insert(QStringLiteral("qlonglong min"), std::numeric_limits<qlonglong>::min());
    values.insert(QStringLiteral("qlonglong max"), std::numeric_limits<qlonglong>::max());
    values.insert(QStringLiteral("qulonglong max"), std::numeric_limits<qulonglong>::max());
    values.insert(QStringLiteral("double 0.1+0.2"), 0.1 + 0.2);
    values.insert(QStringLiteral("double whole"), 1.0);
    values.insert(QStringLiteral("double 1e300"), 1e300);
    values.insert(QStringLiteral("double denormal"), std::numeric_limits<double>::denorm_min());
    values.insert(QStringLiteral("double inf"), std::numeric_limits<double>::infinity());
    values.insert(QStringLiteral("double -inf"), -std::numeric_limits<double>::infinity());
    values.insert(QStringLiteral("string empty"), QString());
    values.insert(QStringLiteral("string plain"), QStringLiteral("hello"));
    values.insert(QStringLiteral("string unicode"),
                  QStringLiteral("Gr\u00fc\u00dfe \u65e5\u672c\u8a9e \U0001F389 \U0001D11E"));
    values.insert(QStringLiteral("string csv-hostile"),
                  QStringLiteral("a,b \"quoted\" \n line2\r\nline3\t,\"\",end"));
    values.insert(QStringLiteral("string padded"), QStringLiteral("  padded  "));
    values.insert(QStringLiteral("string numeric"), QStringLiteral("42"));
    values.insert(QStringLiteral("string true"), QStringLiteral("true"));
    values.insert(QStringLiteral("bytes"), bytes);
    values.insert(QStringLiteral("bytes empty"), QByteArray());
    values.insert(QStringLiteral("date"), date);
    values.insert(QStringLiteral("date 1969"), QDate(1969, 7, 20));
    values.insert(QStringLiteral("time ms"), QTime(23, 59, 59, 999));
    values.insert(QStringLiteral("time 1ms"), QTime(0, 0, 0, 1));
    values.insert(QStringLiteral("datetime utc"), QDateTime(date, QTime(12, 34, 56, 789), Qt::UTC));
    values.insert(QStringLiteral("datetime +05:30"),
                  QDateTime(date, QTime(1, 2, 3, 4), Qt::OffsetFromUTC, 5 * 3600 + 1800));
    values.insert(QStringLiteral("datetime -08:00"),
                  QDateTime(date, QTime(23, 0, 0), Qt::OffsetFromUTC, -8 * 3600));
    values.insert(QStringLiteral("datetime local"),
                  QDateTime(QDate(2023, 7, 1), QTime(8, 15, 30, 250), Qt::LocalTime));
    values.insert(QStringLiteral("url"),
                  QUrl(QStringLiteral("https://user@example.com:8080/a%20b/c?q=x%26y&r=1#frag")));
    values.insert(QStringLiteral("url unicode"),
                  QUrl(QStringLiteral("https://\u4f8b\u3048.jp/\u30d1\u30b9?q=\u00e4")));
    values.insert(QStringLiteral("url file"),
                  QUrl::fromLocalFile(QStringLiteral("/tmp/a b,c.txt")));
    values.insert(QStringLiteral("uuid"), uuid);
    values.insert(QStringLiteral("stringlist"),
                  QStringList{QStringLiteral("a"), QStringLiteral("b,c"), QString(),
                              QStringLiteral("\"q\"\n"), QStringLiteral("\U0001F389")});
    values.insert(QStringLiteral("stringlist empty"), QStringList());
    values.insert(QStringLiteral("list nested"),
                  QVariantList{1, QStringLiteral("two"), 3.5, 4u, qlonglong(5),
                               QVariantList{true, bytes, QVariantList{}},
                               QVariantMap{{QStringLiteral("d"), date}}, uuid, point});
    values.insert(QStringLiteral("list empty"), QVariantList());
    values.insert(QStringLiteral("map"),
                  QVariantMap{{QStringLiteral("int"), 1},
                              {QStringLiteral("str"), QStringLiteral("s,\"t\"")},
                              {QStringLiteral("list"), QVariantList{1u, qulonglong(2)}},
                              {QStringLiteral("map"), QVariantMap{{QStringLiteral("u"), uuid}}},
                              {QStringLiteral("\U0001F389 key"), QTime(1, 2, 3, 4)}});
    values.insert(QStringLiteral("map empty"), QVariantMap());
    values.insert(QStringLiteral("hash"),
                  QVariantHash{{QStringLiteral("double"), 0.25},
                               {QStringLiteral("hash"), QVariantHash{{QStringLiteral("x"), 1}}},
                               {QStringLiteral("bytes"), bytes}});
    values.insert(QStringLiteral("user type"), point);
    return values;
}

} // namespace

void tst_PersistentMap::roundTrip_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QVariant>("value");
    const QVariantHash values = roundTripValues();
    QStringList names = values.keys();
    names.sort();
    for (const char *backend : {"sqlite", "postgres", "csv", "custom"}) {
        for (const QString &name : std::as_const(names)) {
            QTest::addRow("%s: %s", backend, qPrintable(name))
                    << QString::fromLatin1(backend) << values.value(name);
        }
    }
}

// Every type of the contract comes back with the same QMetaType and an equal value, alone and
// nested in a map.
void tst_PersistentMap::roundTrip()
{
    QFETCH(QString, backend);
    QFETCH(QVariant, value);
    const QVariantHash expected{
            {QStringLiteral("value"), value},
            {QStringLiteral("nested"), QVariantMap{{QStringLiteral("value"), value}}}};
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        VERIFY_OK(map->insert(expected));
        COMPARE_CONTENT(map->toHash(), expected);
        VERIFY_OK(map->flush());
    }
    const std::optional<QVariantHash> stored = reopened(backend);
    QVERIFY(stored);
    COMPARE_CONTENT(*stored, expected);
}

void tst_PersistentMap::unsupportedTypeRejected()
{
    QFETCH(QString, backend);
    const QVariant bad = QVariant::fromValue(NoStreamType{5});
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        VERIFY_OK(map->insert(QStringLiteral("key"), QStringLiteral("before")));
        QSignalSpy errors(map.get(), &PersistentMap::errorOccurred);
        QSignalSpy changed(map.get(), &PersistentMap::valueChanged);
        QSignalSpy counts(map.get(), &PersistentMap::countChanged);

        std::optional<PersistentMapError> failure =
                failureOf(map->insert(QStringLiteral("key"), bad));
        QVERIFY(failure);
        QCOMPARE(failure->code(), PersistentMapError::Code::Unsupported);
        QVERIFY2(failure->message().contains(QStringLiteral("NoStreamType")),
                 qPrintable(failure->message()));
        QTRY_COMPARE(errors.count(), 1);
        QVERIFY(!errors.at(0).at(0).toString().isEmpty());
        QCOMPARE(map->value(QStringLiteral("key")), QVariant(QStringLiteral("before")));
        QVERIFY(!map->errorString().isEmpty());

        failure = failureOf(map->insert(QStringLiteral("other"), bad));
        QVERIFY(failure);
        QCOMPARE(failure->code(), PersistentMapError::Code::Unsupported);
        QVERIFY(!map->contains(QStringLiteral("other")));

        // Nested in a container.
        failure = failureOf(map->insert(QStringLiteral("nested"), QVariantList{1, bad}));
        QVERIFY(failure);
        QCOMPARE(failure->code(), PersistentMapError::Code::Unsupported);
        QVERIFY(!map->contains(QStringLiteral("nested")));

        // Atomic writes are refused whole.
        failure = failureOf(
                map->insert(QVariantHash{{QStringLiteral("h1"), 1}, {QStringLiteral("h2"), bad}}));
        QVERIFY(failure);
        QCOMPARE(failure->code(), PersistentMapError::Code::Unsupported);
        QVERIFY(!map->contains(QStringLiteral("h1")));
        QVERIFY(!map->contains(QStringLiteral("h2")));
        PersistentMapWriteBatch batch;
        batch.insert(QStringLiteral("b1"), 1);
        batch.remove(QStringLiteral("key"));
        batch.insert(QStringLiteral("b2"), bad);
        failure = failureOf(map->apply(batch));
        QVERIFY(failure);
        QCOMPARE(failure->code(), PersistentMapError::Code::Unsupported);
        QVERIFY(!map->contains(QStringLiteral("b1")));
        QVERIFY(map->contains(QStringLiteral("key")));

        // Types with QDataStream operators are refused too (issue 12: a stream can carry a
        // pointer, as QEasingCurve's does), naming the type.
        for (const QVariant &streamable :
             {QVariant::fromValue(Point3{1, 2, 3}),
              QVariant::fromValue(QEasingCurve(QEasingCurve::OutBounce))}) {
            failure = failureOf(map->insert(QStringLiteral("streamable"), streamable));
            QVERIFY(failure);
            QCOMPARE(failure->code(), PersistentMapError::Code::Unsupported);
            QVERIFY2(failure->message().contains(QLatin1StringView(streamable.metaType().name())),
                     qPrintable(failure->message()));
        }
        QVERIFY(!map->contains(QStringLiteral("streamable")));

        QTRY_COMPARE(errors.count(), 7);
        COMPARE_CONTENT(map->toHash(),
                        (QVariantHash{{QStringLiteral("key"), QStringLiteral("before")}}));
        QCOMPARE(map->count(), 1);

        // The map keeps working; the marker write shows no change was announced before it.
        VERIFY_OK(map->insert(QStringLiteral("after"), 1));
        QTRY_COMPARE(changed.count(), 1);
        QCOMPARE(changed.at(0).at(0).toString(), QStringLiteral("after"));
        QTRY_COMPARE(counts.count(), 1);
        VERIFY_OK(map->flush());
    }
    if (backend == u"memory")
        return; // nothing to reopen: the checks above are the whole test for memory
    const std::optional<QVariantHash> stored = reopened(backend);
    QVERIFY(stored);
    COMPARE_CONTENT(*stored,
                    (QVariantHash{{QStringLiteral("key"), QStringLiteral("before")},
                                  {QStringLiteral("after"), 1}}));
}

// Negative checks use a marker: signals arrive in order, so a signal that should not have been
// emitted would arrive before the marker's.
void tst_PersistentMap::valueChangedSignal()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    QSignalSpy changed(map.get(), &PersistentMap::valueChanged);
    const QString k = QStringLiteral("k");

    map->insert(k, 1);
    QTRY_COMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toString(), k);
    QCOMPARE(changed.at(0).at(1), QVariant(1));

    map->insert(k, 1); // same value, same type: silent
    map->insert(k, 2);
    QTRY_COMPARE(changed.count(), 2);
    QCOMPARE(changed.at(1).at(1), QVariant(2));

    map->insert(k, 2.0); // equal as QVariants, but the type changed
    QTRY_COMPARE(changed.count(), 3);
    QCOMPARE(changed.at(2).at(1).metaType(), QMetaType::fromType<double>());
    QCOMPARE(map->value(k).metaType(), QMetaType::fromType<double>());

    map->insert(k, 2.0); // silent
    map->insert(QStringLiteral("s"), QStringLiteral("x"));
    QTRY_COMPARE(changed.count(), 4);
    QCOMPARE(changed.at(3).at(0).toString(), QStringLiteral("s"));

    map->insert(QVariantHash{{k, 2.0}, {QStringLiteral("s"), QStringLiteral("y")}});
    QTRY_COMPARE(changed.count(), 5);
    QCOMPARE(changed.at(4).at(0).toString(), QStringLiteral("s"));
    QCOMPARE(changed.at(4).at(1), QVariant(QStringLiteral("y")));

    // A removed key inserted again with its old value is a change.
    map->remove(QStringLiteral("s"));
    map->insert(QStringLiteral("s"), QStringLiteral("y"));
    QTRY_COMPARE(changed.count(), 6);
    QCOMPARE(changed.at(5).at(0).toString(), QStringLiteral("s"));
    VERIFY_OK(map->flush());
    QCOMPARE(changed.count(), 6);
}

void tst_PersistentMap::valueRemovedSignal()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    map->insert(QStringLiteral("a"), 1);
    map->insert(QStringLiteral("b"), 2);
    QSignalSpy removed(map.get(), &PersistentMap::valueRemoved);

    map->remove(QStringLiteral("a"));
    QTRY_COMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(0).toString(), QStringLiteral("a"));

    map->remove(QStringLiteral("a")); // already gone: silent
    map->remove(QStringLiteral("never"));
    map->remove(QStringLiteral("b"));
    QTRY_COMPARE(removed.count(), 2);
    QCOMPARE(removed.at(1).at(0).toString(), QStringLiteral("b"));

    map->insert(QStringLiteral("c"), 3);
    map->insert(QStringLiteral("d"), 4);
    map->clear();
    QTRY_COMPARE(removed.count(), 4);
    QStringList cleared{removed.at(2).at(0).toString(), removed.at(3).at(0).toString()};
    cleared.sort();
    QCOMPARE(cleared, (QStringList{QStringLiteral("c"), QStringLiteral("d")}));

    map->clear(); // empty: silent
    map->insert(QStringLiteral("e"), 5);
    map->remove(QStringLiteral("e"));
    QTRY_COMPARE(removed.count(), 5);
    QCOMPARE(removed.at(4).at(0).toString(), QStringLiteral("e"));
    VERIFY_OK(map->flush());
}

void tst_PersistentMap::countChangedSignal()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    QSignalSpy counts(map.get(), &PersistentMap::countChanged);
    QList<qsizetype> seen;
    connect(map.get(), &PersistentMap::countChanged, this, [&] { seen.append(map->count()); });

    map->insert(QStringLiteral("a"), 1);
    QTRY_COMPARE(counts.count(), 1);
    map->insert(QStringLiteral("a"), 2); // update: count unchanged
    map->remove(QStringLiteral("absent")); // nothing removed
    map->insert(QStringLiteral("b"), 1);
    QTRY_COMPARE(counts.count(), 2);
    map->insert(QVariantHash{{QStringLiteral("c"), 1}, {QStringLiteral("d"), 1}});
    QTRY_COMPARE(counts.count(), 3);
    map->remove(QStringLiteral("a"));
    QTRY_COMPARE(counts.count(), 4);
    map->clear();
    QTRY_COMPARE(counts.count(), 5);
    map->clear(); // already empty
    map->insert(QStringLiteral("z"), 1);
    QTRY_COMPARE(counts.count(), 6);
    VERIFY_OK(map->flush());
    QCOMPARE(counts.count(), 6);
    QCOMPARE(seen, (QList<qsizetype>{1, 2, 4, 3, 0, 1}));
}

void tst_PersistentMap::statusLoadingToReady()
{
    QFETCH(QString, backend);
    auto loadGate = std::make_shared<Gate>();
    const auto map = openMap(backend, loadGate);
    const auto openGate = qScopeGuard([&] { loadGate->open(); });
    QList<PersistentMap::Status> seen;
    connect(map.get(), &PersistentMap::statusChanged, this, [&] { seen.append(map->status()); });

    QVERIFY(loadGate->waitEntered());
    QCOMPARE(map->status(), PersistentMap::Status::Loading);
    QVERIFY(!map->whenReady().isFinished());
    QVERIFY(map->errorString().isEmpty());

    loadGate->open();
    VERIFY_OK(map->whenReady());
    QTRY_COMPARE(seen, QList<PersistentMap::Status>{PersistentMap::Status::Ready});
    QCOMPARE(map->status(), PersistentMap::Status::Ready);
    QCOMPARE(map->property("status").value<PersistentMap::Status>(), PersistentMap::Status::Ready);
}

namespace {

struct Event
{
    bool removed = false;
    QString key;
    QVariant value;
    QThread *thread = nullptr;
};

} // namespace

// Writes from a QThread and from a task on a separate thread pool: every signal arrives on the
// owner (test) thread, in the order each writer made its changes, and replaying the signals
// gives the final content.
void tst_PersistentMap::signalsFromOtherThreads()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());

    QMutex mutex;
    QList<Event> events;
    // No context object: a direct connection, so the slot runs on the emitting thread.
    connect(map.get(), &PersistentMap::valueChanged, [&](const QString &key, const QVariant &v) {
        QMutexLocker locker(&mutex);
        events.append({false, key, v, QThread::currentThread()});
    });
    connect(map.get(), &PersistentMap::valueRemoved, [&](const QString &key) {
        QMutexLocker locker(&mutex);
        events.append({true, key, {}, QThread::currentThread()});
    });
    const auto eventCount = [&] {
        QMutexLocker locker(&mutex);
        return events.size();
    };

    constexpr int N = 200;
    PersistentMap *m = map.get();
    std::unique_ptr<QThread> writerA(QThread::create([m] {
        for (int i = 0; i < N; ++i) {
            m->insert(QStringLiteral("a/%1").arg(i), i);
            if (i % 10 == 9)
                m->remove(QStringLiteral("a/%1").arg(i - 5));
            m->insert(QStringLiteral("shared"), QStringLiteral("a-%1").arg(i));
        }
    }));
    QThreadPool pool;
    writerA->start();
    QFuture<void> writerB = QtConcurrent::run(&pool, [m] {
        for (int i = 0; i < N; ++i) {
            m->insert(QStringLiteral("b/%1").arg(i), QStringLiteral("v%1").arg(i));
            m->insert(QStringLiteral("shared"), QStringLiteral("b-%1").arg(i));
        }
    });
    QVERIFY(writerA->wait(QDeadlineTimer(30000)));
    writerB.waitForFinished();

    // a: N inserts + N/10 removes; b: N inserts; "shared": every insert changes its value.
    QTRY_COMPARE_WITH_TIMEOUT(eventCount(), N + N / 10 + N + 2 * N, 20000);
    VERIFY_OK(map->flush());
    QCOMPARE(eventCount(), N + N / 10 + N + 2 * N);

    QMutexLocker locker(&mutex);
    QStringList expectedA, seenA, expectedB, seenB, sharedA, sharedB, expectedSharedA,
            expectedSharedB;
    for (int i = 0; i < N; ++i) {
        expectedA << QStringLiteral("+a/%1").arg(i);
        if (i % 10 == 9)
            expectedA << QStringLiteral("-a/%1").arg(i - 5);
        expectedB << QStringLiteral("+b/%1").arg(i);
        expectedSharedA << QStringLiteral("a-%1").arg(i);
        expectedSharedB << QStringLiteral("b-%1").arg(i);
    }
    QVariantHash replay;
    int wrongThread = 0;
    for (const Event &e : std::as_const(events)) {
        if (e.thread != QThread::currentThread())
            ++wrongThread;
        if (e.removed)
            replay.remove(e.key);
        else
            replay.insert(e.key, e.value);
        const QString entry = (e.removed ? QStringLiteral("-") : QStringLiteral("+")) + e.key;
        if (e.key.startsWith(u"a/"))
            seenA << entry;
        else if (e.key.startsWith(u"b/"))
            seenB << entry;
        else if (e.value.toString().startsWith(u"a-"))
            sharedA << e.value.toString();
        else
            sharedB << e.value.toString();
    }
    QCOMPARE(wrongThread, 0);
    QCOMPARE(seenA, expectedA);
    QCOMPARE(seenB, expectedB);
    QCOMPARE(sharedA, expectedSharedA);
    QCOMPARE(sharedB, expectedSharedB);
    COMPARE_CONTENT(replay, map->toHash());
    QCOMPARE(map->count(), qsizetype(2 * N - N / 10 + 1));
}

// A receiver that writes to the map from its slot: the change it causes is announced after the
// one it is reacting to, and before changes made later.
void tst_PersistentMap::slotWritingToMapKeepsOrder()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    QStringList seen;
    connect(map.get(), &PersistentMap::valueChanged, this,
            [&](const QString &key, const QVariant &value) {
                seen << key + QLatin1Char('=') + value.toString();
                if (key == u"a")
                    map->insert(QStringLiteral("derived"), value.toInt() * 10);
            });
    map->insert(QStringLiteral("a"), 1);
    map->insert(QStringLiteral("c"), 3);
    map->insert(QStringLiteral("a"), 2);
    const QStringList expected{QStringLiteral("a=1"), QStringLiteral("derived=10"),
                               QStringLiteral("c=3"), QStringLiteral("a=2"),
                               QStringLiteral("derived=20")};
    QTRY_COMPARE(seen, expected);
    VERIFY_OK(map->flush());
    QCOMPARE(seen, expected);
    QCOMPARE(map->value(QStringLiteral("derived")), QVariant(20));
}

// A receiver may destroy the map from a slot; the write that triggered it is still persisted.
void tst_PersistentMap::deleteMapFromSlot()
{
    QFETCH(QString, backend);
    {
        std::unique_ptr<PersistentMap> map = openMap(backend);
        VERIFY_OK(map->whenReady());
        map->insert(QStringLiteral("first"), 1);
        QObject receiver;
        connect(map.get(), &PersistentMap::valueChanged, &receiver, [&](const QString &key) {
            if (key == u"last")
                map.reset();
        });
        map->insert(QStringLiteral("last"), 2);
        QTRY_VERIFY(!map);
    }
    const std::optional<QVariantHash> stored = reopened(backend);
    QVERIFY(stored);
    COMPARE_CONTENT(*stored,
                    (QVariantHash{{QStringLiteral("first"), 1}, {QStringLiteral("last"), 2}}));
}

void tst_PersistentMap::whenReadyFinishes()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    QSignalSpy status(map.get(), &PersistentMap::statusChanged);
    QFuture<void> ready = map->whenReady();
    VERIFY_OK(ready);
    QVERIFY(ready.isFinished());
    QVERIFY(!ready.isCanceled());
    QCOMPARE(map->status(), PersistentMap::Status::Ready);
    QVERIFY(map->errorString().isEmpty());
    QTRY_COMPARE(status.count(), 1);
    // Later calls return a finished future too.
    QVERIFY(map->whenReady().isFinished());
}

// A backend that streams its entries through loadInto() and stores nothing.
class StreamingBackend : public PersistentMapBackend
{
public:
    explicit StreamingBackend(QSemaphore *loading = nullptr)
        : m_loading(loading)
    {
    }
    void loadInto(Loader &loader) override
    {
        if (m_loading)
            m_loading->acquire();
        loader.reserve(1000);
        for (int i = 0; i < 1000; ++i)
            loader.add(QStringLiteral("s%1").arg(i), i);
    }
    void apply(const PersistentMapWriteBatch &) override { }

private:
    QSemaphore *m_loading;
};

void tst_PersistentMap::streamingBackendLoadsThroughLoadInto()
{
    PersistentMap map(std::make_unique<StreamingBackend>());
    QVERIFY(!loadError(map));
    QCOMPARE(map.count(), 1000);
    QCOMPARE(map.value(QStringLiteral("s999")), QVariant(999));
    QCOMPARE(map.keys().size(), 1000);
}

void tst_PersistentMap::streamingLoadKeepsWritesMadeWhileLoading()
{
    QSemaphore loading;
    PersistentMap map(std::make_unique<StreamingBackend>(&loading));
    map.insert(QStringLiteral("s1"), QStringLiteral("written while loading"));
    map.remove(QStringLiteral("s2"));
    map.insert(QStringLiteral("new"), true);
    loading.release();
    QVERIFY(!loadError(map));
    QCOMPARE(map.value(QStringLiteral("s1")), QVariant(QStringLiteral("written while loading")));
    QVERIFY(!map.contains(QStringLiteral("s2")));
    QCOMPARE(map.value(QStringLiteral("s3")), QVariant(3));
    QCOMPARE(map.count(), 1000); // 1000 loaded, s2 removed, "new" added
}

// Every call, the destructor included, comes from one thread that is not the owner's: a backend
// may keep thread-bound resources (a QSqlDatabase connection). Regression: the destructor ran
// on the owner's thread when the deletion task had not started yet (QFuture::waitForFinished()
// runs such a task itself), in 198 of 200 destructions.
void tst_PersistentMap::backendLivesOnTheStorageThread()
{
    struct ThreadRecorder : PersistentMapMemoryBackend
    {
        std::shared_ptr<QList<QThread *>> threads;
        ~ThreadRecorder() override { threads->append(QThread::currentThread()); }
        void loadInto(Loader &loader) override
        {
            threads->append(QThread::currentThread());
            PersistentMapMemoryBackend::loadInto(loader);
        }
        void apply(const PersistentMapWriteBatch &batch) override
        {
            threads->append(QThread::currentThread());
            PersistentMapMemoryBackend::apply(batch);
        }
    };
    for (int round = 0; round < 50; ++round) {
        auto threads = std::make_shared<QList<QThread *>>();
        {
            auto backend = std::make_unique<ThreadRecorder>();
            backend->threads = threads;
            PersistentMap map(std::move(backend));
            map.insert(QStringLiteral("k"), round); // the destructor drains and flushes it
        }
        QCOMPARE(threads->size(), 3); // loadInto, apply, destructor
        QVERIFY(threads->first() != QThread::currentThread());
        QVERIFY2(threads->count(threads->first()) == 3, qPrintable(QString::number(round)));
    }
}

void tst_PersistentMap::nullBackendIsError()
{
    PersistentMap map(nullptr);
    QSignalSpy status(&map, &PersistentMap::statusChanged);
    QSignalSpy errors(&map, &PersistentMap::errorOccurred);

    const std::optional<PersistentMapError> failure = failureOf(map.whenReady());
    QVERIFY(failure);
    QVERIFY(!failure->message().isEmpty());
    QCOMPARE(map.status(), PersistentMap::Status::Error);
    QVERIFY(!map.errorString().isEmpty());
    QTRY_VERIFY(status.count() >= 1);
    QTRY_VERIFY(errors.count() >= 1);

    // The map keeps working in memory; writes fail their futures.
    const std::optional<PersistentMapError> writeFailure =
            failureOf(map.insert(QStringLiteral("k"), 1));
    QVERIFY(writeFailure);
    QCOMPARE(map.value(QStringLiteral("k")), QVariant(1));
    QCOMPARE(map.count(), 1);
    QVERIFY(failureOf(map.flush()));
}

void tst_PersistentMap::loadFailureIsError()
{
    const QString message = QStringLiteral("store-x, line 3: not a value");
    CustomBackend::failLoad(message);
    const auto map = openMap(QStringLiteral("custom"));
    QSignalSpy errors(map.get(), &PersistentMap::errorOccurred);
    const std::optional<PersistentMapError> failure = failureOf(map->whenReady());
    QVERIFY(failure);
    QCOMPARE(failure->code(), PersistentMapError::Code::Corrupt);
    QCOMPARE(failure->message(), message);
    QCOMPARE(map->status(), PersistentMap::Status::Error);
    QCOMPARE(map->errorString(), message);
    QTRY_COMPARE(errors.count(), 1);
    QCOMPARE(errors.at(0).at(0).toString(), message);
}

void tst_PersistentMap::unparsableStoreLeftUntouched_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QByteArray>("content");
    QTest::newRow("sqlite") << QStringLiteral("sqlite")
                            << QByteArray("this is not a database\n").repeated(200);
    QTest::newRow("csv") << QStringLiteral("csv")
                         << QByteArray("key,type,value\nx,int\ny,int,1\n"); // 2 fields
}

void tst_PersistentMap::unparsableStoreLeftUntouched()
{
    QFETCH(QString, backend);
    QFETCH(QByteArray, content);
    const QString path = storeFile(backend);
    QVERIFY(QDir().mkpath(QFileInfo(path).path()));
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(content), content.size());
    }
    {
        const auto map = openMap(backend);
        const std::optional<PersistentMapError> failure = failureOf(map->whenReady());
        QVERIFY(failure);
        QCOMPARE(failure->code(), PersistentMapError::Code::Corrupt);
        QCOMPARE(map->status(), PersistentMap::Status::Error);
        QVERIFY(!map->errorString().isEmpty());
        QVERIFY(failureOf(map->insert(QStringLiteral("k"), 1)));
        QCOMPARE(map->value(QStringLiteral("k")), QVariant(1));
    }
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), content);
}

// Writes made while the store is loading win over the loaded values; stored keys the writes did
// not touch are kept; a key removed during loading stays removed.
void tst_PersistentMap::writesWhileLoading()
{
    QFETCH(QString, backend);
    {
        const auto map = openMap(backend);
        map->insert(QStringLiteral("stored1"), QStringLiteral("a"));
        map->insert(QStringLiteral("stored2"), 2);
        map->insert(QStringLiteral("overwritten"), QStringLiteral("old"));
        VERIFY_OK(map->insert(QStringLiteral("removed"), QStringLiteral("x")));
    }
    const QVariantHash expected{{QStringLiteral("stored1"), QStringLiteral("a")},
                                {QStringLiteral("stored2"), 2},
                                {QStringLiteral("overwritten"), QStringLiteral("new")},
                                {QStringLiteral("fresh"), 1}};
    {
        auto loadGate = std::make_shared<Gate>();
        const auto map = openMap(backend, loadGate);
        const auto openGate = qScopeGuard([&] { loadGate->open(); });
        QVERIFY(loadGate->waitEntered());
        QCOMPARE(map->status(), PersistentMap::Status::Loading);

        const QFuture<void> overwritten =
                map->insert(QStringLiteral("overwritten"), QStringLiteral("new"));
        map->insert(QStringLiteral("fresh"), 1);
        const QFuture<void> removed = map->remove(QStringLiteral("removed"));
        QCOMPARE(map->value(QStringLiteral("overwritten")), QVariant(QStringLiteral("new")));
        QVERIFY(!overwritten.isFinished());

        loadGate->open();
        VERIFY_OK(map->whenReady());
        VERIFY_OK(overwritten);
        VERIFY_OK(removed);
        QCOMPARE(map->status(), PersistentMap::Status::Ready);
        COMPARE_CONTENT(map->toHash(), expected);
        QCOMPARE(map->count(), expected.size());
        QTRY_COMPARE(map->count(), expected.size()); // countChanged delivery does not alter it
    }
    const std::optional<QVariantHash> stored = reopened(backend);
    QVERIFY(stored);
    COMPARE_CONTENT(*stored, expected);
}

// clear() during loading discards what the load brings, but not the writes made after it.
void tst_PersistentMap::clearWhileLoading()
{
    QFETCH(QString, backend);
    {
        const auto map = openMap(backend);
        map->insert(QStringLiteral("a"), 1);
        VERIFY_OK(map->insert(QStringLiteral("b"), 2));
    }
    const QVariantHash expected{{QStringLiteral("d"), 4}};
    {
        auto loadGate = std::make_shared<Gate>();
        const auto map = openMap(backend, loadGate);
        const auto openGate = qScopeGuard([&] { loadGate->open(); });
        QVERIFY(loadGate->waitEntered());
        map->insert(QStringLiteral("c"), 3);
        map->clear();
        map->insert(QStringLiteral("d"), 4);
        loadGate->open();
        VERIFY_OK(map->whenReady());
        VERIFY_OK(map->flush());
        COMPARE_CONTENT(map->toHash(), expected);
        QVERIFY(!map->contains(QStringLiteral("a")));
    }
    const std::optional<QVariantHash> stored = reopened(backend);
    QVERIFY(stored);
    COMPARE_CONTENT(*stored, expected);
}

void tst_PersistentMap::destructorPersistsPending()
{
    QFETCH(QString, backend);
    QVariantHash expected;
    {
        const auto map = openMap(backend);
        for (int i = 0; i < 2000; ++i) {
            const QString key = QStringLiteral("key-%1").arg(i % 1500);
            map->insert(key, i);
            expected.insert(key, i);
            if (i % 7 == 0) {
                map->remove(QStringLiteral("key-%1").arg(i / 2));
                expected.remove(QStringLiteral("key-%1").arg(i / 2));
            }
        }
        PersistentMapWriteBatch batch;
        batch.insert(QStringLiteral("batch"), QStringLiteral("last"));
        batch.remove(QStringLiteral("key-1"));
        map->apply(batch);
        expected.insert(QStringLiteral("batch"), QStringLiteral("last"));
        expected.remove(QStringLiteral("key-1"));
        COMPARE_CONTENT(map->toHash(), expected);
        // No flush, no waiting: the destructor persists everything.
    }
    const std::optional<QVariantHash> stored = reopened(backend);
    QVERIFY(stored);
    COMPARE_CONTENT(*stored, expected);
}

// A write's future finishes only once the backend committed it.
void tst_PersistentMap::futureFinishesAfterCommit()
{
    QFETCH(QString, backend);
    auto log = std::make_shared<CommitLog>();
    const auto map = openMap(backend, {}, {}, log);
    VERIFY_OK(map->whenReady());
    const bool custom = backend == u"custom";

    for (int i = 0; i < 20; ++i) {
        const QString key = QStringLiteral("k%1").arg(i);
        VERIFY_OK(map->insert(key, i));
        QCOMPARE(log->snapshot().value(key), QVariant(i));
        if (custom)
            QCOMPARE(CustomBackend::stored(m_customName).value(key), QVariant(i));
    }
    VERIFY_OK(map->remove(QStringLiteral("k3")));
    QVERIFY(!log->snapshot().contains(QStringLiteral("k3")));
    if (custom)
        QVERIFY(!CustomBackend::stored(m_customName).contains(QStringLiteral("k3")));

    PersistentMapWriteBatch batch;
    batch.insert(QStringLiteral("k3"), QStringLiteral("back"));
    batch.remove(QStringLiteral("k4"));
    VERIFY_OK(map->apply(batch));
    COMPARE_CONTENT(log->snapshot(), map->toHash());
    if (custom)
        COMPARE_CONTENT(CustomBackend::stored(m_customName), map->toHash());

    VERIFY_OK(map->insert(QVariantHash{{QStringLiteral("h1"), 1}, {QStringLiteral("h2"), 2}}));
    COMPARE_CONTENT(log->snapshot(), map->toHash());

    VERIFY_OK(map->clear());
    QVERIFY(log->snapshot().isEmpty());
    if (custom)
        QVERIFY(CustomBackend::stored(m_customName).isEmpty());

    // Many writes without waiting: the last future covers all of them, and flush() too.
    QFuture<void> last;
    for (int i = 0; i < 500; ++i)
        last = map->insert(QStringLiteral("m%1").arg(i % 50), i);
    VERIFY_OK(last);
    COMPARE_CONTENT(log->snapshot(), map->toHash());
    map->insert(QStringLiteral("z"), 1);
    VERIFY_OK(map->flush());
    COMPARE_CONTENT(log->snapshot(), map->toHash());
    if (custom)
        COMPARE_CONTENT(CustomBackend::stored(m_customName), map->toHash());
}

// A failed write is kept: its future fails, errorOccurred fires, the next flush() stores it.
void tst_PersistentMap::failedWriteIsRetried()
{
    const auto map = openMap(QStringLiteral("custom"));
    VERIFY_OK(map->whenReady());
    QSignalSpy errors(map.get(), &PersistentMap::errorOccurred);
    CustomBackend::failNextWrites(1);
    const std::optional<PersistentMapError> failure =
            failureOf(map->insert(QStringLiteral("k"), QStringLiteral("v")));
    QVERIFY(failure);
    QCOMPARE(failure->code(), PersistentMapError::Code::WriteFailed);
    QVERIFY2(failure->message().contains(QStringLiteral("injected")),
             qPrintable(failure->message()));
    QTRY_COMPARE(errors.count(), 1);
    QCOMPARE(map->value(QStringLiteral("k")), QVariant(QStringLiteral("v")));
    QVERIFY(!CustomBackend::stored(m_customName).contains(QStringLiteral("k")));

    VERIFY_OK(map->flush());
    COMPARE_CONTENT(CustomBackend::stored(m_customName),
                    (QVariantHash{{QStringLiteral("k"), QStringLiteral("v")}}));
    QCOMPARE(errors.count(), 1);
}

QTEST_GUILESS_MAIN(tst_PersistentMap)
#include "tst_persistentmap.moc"
