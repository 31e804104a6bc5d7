// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PersistentMapGroup and PersistentMap::removeGroup() (docs/GROUPS.md), once per backend:
// memory, sqlite, postgres, csv and "custom" (a PersistentMapSimpleBackend,
// tests/auto/shared/serializedbackend.h). QSettings (INI format, in the test's folder) is the
// reference for names, childKeys(), childGroups() and allKeys(): the same keys go into both and the
// answers must agree. What a group wrote is read back by reopening the store; the atomicity of a
// group's removal by the backend's own apply() calls (one batch), the signals (one countChanged), a
// second map or another process that follows the store, and a reopen.
//
// The postgres rows need a server (PM_TEST_POSTGRES, docs/TESTING.md "PostgreSQL").
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapBackendWrapper>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapGroup>
#include <PersistentMap/PersistentMapMemoryBackend>
#include <PersistentMap/PersistentMapPostgresBackend>
#include <PersistentMap/PersistentMapSchema>
#include <PersistentMap/PersistentMapSqliteBackend>

#include "gatedbackend.h"
#include "mapwatcherprocess.h"
#include "postgrestest.h"
#include "serializedbackend.h"
#include "testhelpers.h"

#include <QtConcurrent/QtConcurrentRun>
#include <QtCore/QMutex>
#include <QtCore/QSettings>
#include <QtCore/QTemporaryDir>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <atomic>
#include <memory>
#include <optional>

namespace {

// Records every batch the map hands to the backend, and can hold the load at a Gate.
struct Batches
{
    QMutex mutex;
    QList<QList<PersistentMapWriteBatch::Entry>> applied;
    QList<QList<PersistentMapWriteBatch::Entry>> take()
    {
        QMutexLocker locker(&mutex);
        return std::exchange(applied, {});
    }
};

class RecordingBackend : public PersistentMapBackendWrapper
{
public:
    RecordingBackend(std::unique_ptr<PersistentMapBackend> target, std::shared_ptr<Batches> batches,
                     std::shared_ptr<Gate> loadGate)
        : PersistentMapBackendWrapper(std::move(target))
        , m_batches(std::move(batches))
        , m_loadGate(std::move(loadGate))
    {
    }
    void loadInto(Loader &loader) override
    {
        if (m_loadGate)
            m_loadGate->pass();
        PersistentMapBackendWrapper::loadInto(loader);
    }
    void apply(const PersistentMapWriteBatch &batch) override
    {
        PersistentMapBackendWrapper::apply(batch);
        QMutexLocker locker(&m_batches->mutex);
        m_batches->applied.append(batch.entries());
    }

private:
    std::shared_ptr<Batches> m_batches;
    std::shared_ptr<Gate> m_loadGate;
};

QStringList sorted(QStringList list)
{
    list.sort();
    return list;
}

// The keys a batch removes, sorted; the inserts as "+key".
QStringList describeBatch(const QList<PersistentMapWriteBatch::Entry> &entries)
{
    QStringList result;
    for (const PersistentMapWriteBatch::Entry &entry : entries)
        result.append(entry.isRemove ? entry.key : u'+' + entry.key);
    return sorted(result);
}

} // namespace

class tst_Groups : public QObject
{
    Q_OBJECT

private:
    static void addAllBackends();
    static void addPersistentBackends(); // without memory, which loads nothing
    std::unique_ptr<PersistentMap> openMap(const QString &kind,
                                           std::shared_ptr<Batches> batches = {},
                                           std::shared_ptr<Gate> loadGate = {}) const;
    // The store's content as a new map loads it (the maps that wrote it are gone).
    QVariantHash reopened(const QString &kind) const;
    // A spec another map or process opens to follow the store; empty for memory and custom.
    QString followerSpec(const QString &kind) const;

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_customName;
    int m_storeCounter = 0;
    std::unique_ptr<PostgresTestTable> m_postgresTable;

private Q_SLOTS:
    void init();
    void cleanup();

    void namesNormalizedAsQSettings_data();
    void namesNormalizedAsQSettings();
    void absoluteAndRelativeKeys();
    void relativeWritesLandOnAbsoluteKeys_data() { addAllBackends(); }
    void relativeWritesLandOnAbsoluteKeys();
    void childKeysAndGroupsAsQSettings_data() { addAllBackends(); }
    void childKeysAndGroupsAsQSettings();
    void clearRemovesTheGroupInOneBatch_data() { addAllBackends(); }
    void clearRemovesTheGroupInOneBatch();
    void removeGroupWhileLoading_data() { addPersistentBackends(); }
    void removeGroupWhileLoading();
    void removeGroupWhileLoadingThenFlush_data() { addPersistentBackends(); }
    void removeGroupWhileLoadingThenFlush();
    void removalRacingWritersKeepsStoreEqualToMap_data() { addPersistentBackends(); }
    void removalRacingWritersKeepsStoreEqualToMap();
    void removalSeenAsOneChangeByAFollower_data();
    void removalSeenAsOneChangeByAFollower();
    void otherProcessWritesSeenThroughTheGroup_data();
    void otherProcessWritesSeenThroughTheGroup();
    void removalKilledMidwayLeavesAllOrNone_data();
    void removalKilledMidwayLeavesAllOrNone();
    void schemaByRelativeKeys_data() { addAllBackends(); }
    void schemaByRelativeKeys();
    void emptyKeysAndDestroyedMapsFailSafely();
    void followingAGroupWithTheMapsSignals();
};

void tst_Groups::addAllBackends()
{
    QTest::addColumn<QString>("backend");
    for (const char *kind : {"memory", "sqlite", "postgres", "csv", "custom"})
        QTest::newRow(kind) << QString::fromLatin1(kind);
}

void tst_Groups::addPersistentBackends()
{
    QTest::addColumn<QString>("backend");
    for (const char *kind : {"sqlite", "postgres", "csv", "custom"})
        QTest::newRow(kind) << QString::fromLatin1(kind);
}

std::unique_ptr<PersistentMap> tst_Groups::openMap(const QString &kind,
                                                   std::shared_ptr<Batches> batches,
                                                   std::shared_ptr<Gate> loadGate) const
{
    std::unique_ptr<PersistentMapBackend> backend;
    if (kind == u"memory")
        backend = std::make_unique<PersistentMapMemoryBackend>();
    else if (kind == u"sqlite")
        backend = std::make_unique<PersistentMapSqliteBackend>(m_dir->filePath("store.db"));
    else if (kind == u"postgres")
        backend = std::make_unique<PersistentMapPostgresBackend>(m_postgresTable->spec());
    else if (kind == u"csv")
        backend = std::make_unique<PersistentMapCsvBackend>(m_dir->filePath("store.csv"));
    else
        backend = std::make_unique<SerializedBackend>(m_customName);
    if (batches || loadGate) {
        backend = std::make_unique<RecordingBackend>(
                std::move(backend), batches ? batches : std::make_shared<Batches>(), loadGate);
    }
    return std::make_unique<PersistentMap>(std::move(backend));
}

QVariantHash tst_Groups::reopened(const QString &kind) const
{
    const auto map = openMap(kind);
    if (const auto failure = failureOf(map->whenReady()))
        qWarning().noquote() << "reopening failed:" << failure->message();
    return map->toHash();
}

QString tst_Groups::followerSpec(const QString &kind) const
{
    if (kind == u"sqlite")
        return QStringLiteral("sqlite:") + m_dir->filePath("store.db");
    if (kind == u"csv") // a CSV store is followed by readers only
        return QStringLiteral("csv:") + m_dir->filePath("store.csv") +
                QStringLiteral("?readonly=1");
    if (kind == u"postgres")
        return m_postgresTable->spec();
    return {};
}

void tst_Groups::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_customName = QStringLiteral("store-%1").arg(++m_storeCounter);
    const char *tag = QTest::currentDataTag();
    if (tag && QByteArray(tag) == "postgres") {
        PM_POSTGRES_SPEC_OR_SKIP(spec);
        m_postgresTable = std::make_unique<PostgresTestTable>(spec);
    }
}

void tst_Groups::cleanup()
{
    m_postgresTable.reset();
}

// The group's name and the absolute key of a relative one, against what QSettings makes of
// the same group name and key.
void tst_Groups::namesNormalizedAsQSettings_data()
{
    QTest::addColumn<QString>("group");
    QTest::addColumn<QString>("key");
    QTest::newRow("plain") << QStringLiteral("window") << QStringLiteral("width");
    QTest::newRow("nested") << QStringLiteral("a/b") << QStringLiteral("c");
    QTest::newRow("root") << QStringLiteral("") << QStringLiteral("top");
    QTest::newRow("leading slash") << QStringLiteral("/a") << QStringLiteral("k");
    QTest::newRow("trailing slash") << QStringLiteral("a/") << QStringLiteral("k");
    QTest::newRow("double slashes") << QStringLiteral("//a//b//") << QStringLiteral("k");
    QTest::newRow("only slashes") << QStringLiteral("///") << QStringLiteral("k");
    QTest::newRow("key with slashes") << QStringLiteral("a") << QStringLiteral("/x//y/");
    QTest::newRow("nested key") << QStringLiteral("a") << QStringLiteral("b/c");
    QTest::newRow("spaces and accents")
            << QStringLiteral("my group") << QStringLiteral("cl\u00e9 1");
    QTest::newRow("backslash") << QStringLiteral("a\\b") << QStringLiteral("c");
}

void tst_Groups::namesNormalizedAsQSettings()
{
    QFETCH(QString, group);
    QFETCH(QString, key);
    QSettings settings(m_dir->filePath("reference.ini"), QSettings::IniFormat);
    settings.beginGroup(group);
    settings.setValue(key, 1);
    const QString expectedName = settings.group();
    settings.endGroup();
    const QStringList all = settings.allKeys();
    QCOMPARE(all.size(), 1);

    PersistentMap map(std::make_unique<PersistentMapMemoryBackend>());
    const PersistentMapGroup viewed = map.group(group);
    QCOMPARE(viewed.name(), expectedName);
    QCOMPARE(viewed.prefix(), expectedName.isEmpty() ? QString() : expectedName + u'/');
    QCOMPARE(viewed.absoluteKey(key), all.constFirst());
    VERIFY_OK(viewed.insert(key, 1));
    QCOMPARE(map.keys(), all);
    // PersistentMapGroup's own constructor and nesting agree with PersistentMap::group().
    QCOMPARE(PersistentMapGroup(&map, group).name(), expectedName);
    QCOMPARE(map.group(QString()).group(group).name(), expectedName);
}

void tst_Groups::absoluteAndRelativeKeys()
{
    PersistentMap map(std::make_unique<PersistentMapMemoryBackend>());
    const PersistentMapGroup a = map.group(QStringLiteral("a"));
    QCOMPARE(a.group(QStringLiteral("b")).name(), QStringLiteral("a/b"));
    QCOMPARE(a.group(QStringLiteral("/b//c/")).name(), QStringLiteral("a/b/c"));
    QCOMPARE(a.group(QString()).name(), QStringLiteral("a"));
    QCOMPARE(a.group(QStringLiteral("b")).absoluteKey(QStringLiteral("k")),
             QStringLiteral("a/b/k"));

    QVERIFY(a.containsKey(QStringLiteral("a/x")));
    QVERIFY(a.containsKey(QStringLiteral("a/b/x")));
    QVERIFY(!a.containsKey(QStringLiteral("a")));
    QVERIFY(!a.containsKey(QStringLiteral("a/")));
    QVERIFY(!a.containsKey(QStringLiteral("ab/x")));
    QVERIFY(!a.containsKey(QStringLiteral("b/a/x")));
    QCOMPARE(a.relativeKey(QStringLiteral("a/b/x")), QStringLiteral("b/x"));
    QCOMPARE(a.relativeKey(QStringLiteral("ab/x")), QString());

    // A key with an empty part, written through the map itself: listed as stored, no group "".
    VERIFY_OK(map.insert(QStringLiteral("a//b"), 1));
    QCOMPARE(a.allKeys(), QStringList{QStringLiteral("/b")});
    QCOMPARE(a.childKeys(), QStringList());
    QCOMPARE(a.childGroups(), QStringList());

    const PersistentMapGroup root = map.group(QStringLiteral("/"));
    QCOMPARE(root.name(), QString());
    QVERIFY(root.containsKey(QStringLiteral("anything/at/all")));
    QCOMPARE(root.relativeKey(QStringLiteral("x/y")), QStringLiteral("x/y"));
}

// Every write of the group lands on prefix + key: in the map at once and, after a reopen, in
// the store; reads through the group see exactly those keys.
void tst_Groups::relativeWritesLandOnAbsoluteKeys()
{
    QFETCH(QString, backend);
    QVariantHash expected;
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        VERIFY_OK(map->insert(QStringLiteral("width"), 1)); // outside: untouched
        const PersistentMapGroup window = map->group(QStringLiteral("window"));
        const PersistentMapGroup geometry = window.group(QStringLiteral("geometry"));
        VERIFY_OK(window.insert(QStringLiteral("width"), 800));
        VERIFY_OK(window.insert(QStringLiteral("title"), QStringLiteral("Main")));
        VERIFY_OK(geometry.insert(
                QVariantHash{{QStringLiteral("x"), 10}, {QStringLiteral("y"), 20}}));
        PersistentMapWriteBatch batch;
        batch.insert(QStringLiteral("state"), QByteArray("\x01\x02", 2));
        batch.insert(QStringLiteral("/maximized/"), true); // normalized as QSettings does
        batch.remove(QStringLiteral("title"));
        VERIFY_OK(window.apply(batch));
        VERIFY_OK(geometry.remove(QStringLiteral("y")));

        expected = {{QStringLiteral("width"), 1},
                    {QStringLiteral("window/width"), 800},
                    {QStringLiteral("window/geometry/x"), 10},
                    {QStringLiteral("window/state"), QByteArray("\x01\x02", 2)},
                    {QStringLiteral("window/maximized"), true}};
        COMPARE_CONTENT(map->toHash(), expected);

        QCOMPARE(window.value(QStringLiteral("width")), QVariant(800));
        QCOMPARE(window.value(QStringLiteral("title"), QStringLiteral("none")),
                 QVariant(QStringLiteral("none")));
        QCOMPARE(window.get<int>(QStringLiteral("geometry/x")), std::optional<int>(10));
        QCOMPARE(geometry.get<double>(QStringLiteral("x")), std::optional<double>(10.0));
        QCOMPARE(geometry.get<int>(QStringLiteral("y")), std::nullopt);
        QVERIFY(window.contains(QStringLiteral("maximized")));
        QVERIFY(!window.contains(QStringLiteral("geometry"))); // a group, not a key
        QVERIFY(geometry.contains(QStringLiteral("//x")));
        QCOMPARE(window.toHash(),
                 (QVariantHash{{QStringLiteral("width"), 800},
                               {QStringLiteral("geometry/x"), 10},
                               {QStringLiteral("state"), QByteArray("\x01\x02", 2)},
                               {QStringLiteral("maximized"), true}}));
    }
    if (backend == u"memory")
        return; // nothing to reopen
    COMPARE_CONTENT(reopened(backend), expected);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    QCOMPARE(map->group(QStringLiteral("window/geometry")).value(QStringLiteral("x")),
             QVariant(10));
}

// childKeys(), childGroups() and allKeys() of groups at every depth, against QSettings holding
// the same keys; on the map that wrote them and, reopened, on what the store gives back.
void tst_Groups::childKeysAndGroupsAsQSettings()
{
    QFETCH(QString, backend);
    const QStringList keys{QStringLiteral("top"),        QStringLiteral("a"),
                           QStringLiteral("a/x"),        QStringLiteral("a/y"),
                           QStringLiteral("a/b"),        QStringLiteral("a/b/z"),
                           QStringLiteral("a/b/c/d"),    QStringLiteral("a/e/f"),
                           QStringLiteral("ab/x"),       QStringLiteral("b/q"),
                           QStringLiteral("Caps/Mixed"), QStringLiteral("g r/\u00e9t\u00e9")};
    const QStringList groups{QString(),
                             QStringLiteral("a"),
                             QStringLiteral("a/b"),
                             QStringLiteral("a/b/c"),
                             QStringLiteral("/a//b/"),
                             QStringLiteral("b"),
                             QStringLiteral("g r"),
                             QStringLiteral("missing"),
                             QStringLiteral("a/x")};
    QSettings settings(m_dir->filePath("reference.ini"), QSettings::IniFormat);
    for (const QString &key : keys)
        settings.setValue(key, key.size());
    const auto check = [&](PersistentMap &map) {
        for (const QString &name : groups) {
            settings.beginGroup(name);
            const PersistentMapGroup group = map.group(name);
            const QString where = QStringLiteral("group '%1'").arg(name);
            QVERIFY2(group.childKeys() == sorted(settings.childKeys()),
                     qPrintable(where + u' ' + group.childKeys().join(u',') +
                                QStringLiteral(" vs ") + settings.childKeys().join(u',')));
            QVERIFY2(group.childGroups() == sorted(settings.childGroups()),
                     qPrintable(where + u' ' + group.childGroups().join(u',') +
                                QStringLiteral(" vs ") + settings.childGroups().join(u',')));
            QVERIFY2(group.allKeys() == sorted(settings.allKeys()),
                     qPrintable(where + u' ' + group.allKeys().join(u',') + QStringLiteral(" vs ") +
                                settings.allKeys().join(u',')));
            settings.endGroup();
        }
    };
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        for (const QString &key : keys)
            map->insert(key, key.size());
        VERIFY_OK(map->flush());
        check(*map);
        // Not vacuous: the reference says what it should.
        QCOMPARE(map->group(QStringLiteral("a")).childKeys(),
                 (QStringList{QStringLiteral("b"), QStringLiteral("x"), QStringLiteral("y")}));
        QCOMPARE(map->group(QStringLiteral("a")).childGroups(),
                 (QStringList{QStringLiteral("b"), QStringLiteral("e")}));
    }
    if (backend == u"memory")
        return;
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    check(*map);
}

// clear() on a group: every key under it, at any depth, removed by one backend apply() (one
// transaction), announced with one countChanged; the group's own key, keys that only start
// with the same letters and the rest of the map stay; a reopen shows none of the removed keys.
void tst_Groups::clearRemovesTheGroupInOneBatch()
{
    QFETCH(QString, backend);
    const QVariantHash outside{{QStringLiteral("a"), 1},
                               {QStringLiteral("ab/x"), 2},
                               {QStringLiteral("b/a/x"), 3},
                               {QStringLiteral("top"), 4},
                               {QStringLiteral("a.x"), 5}};
    const QStringList inside{QStringLiteral("a/x"), QStringLiteral("a/y"), QStringLiteral("a/b/z"),
                             QStringLiteral("a/b/c/d")};
    {
        auto batches = std::make_shared<Batches>();
        const auto map = openMap(backend, batches);
        VERIFY_OK(map->whenReady());
        VERIFY_OK(map->insert(outside));
        for (const QString &key : inside)
            map->insert(key, key);
        VERIFY_OK(map->flush());
        batches->take();
        QSignalSpy counted(map.get(), &PersistentMap::countChanged);
        QSignalSpy removed(map.get(), &PersistentMap::valueRemoved);
        QSignalSpy changed(map.get(), &PersistentMap::valueChanged);

        VERIFY_OK(map->group(QStringLiteral("/a/")).clear());
        QCOMPARE(counted.size(), 1);
        QCOMPARE(changed.size(), 0);
        QStringList removedKeys;
        for (const QList<QVariant> &arguments : std::as_const(removed))
            removedKeys.append(arguments.at(0).toString());
        QCOMPARE(sorted(removedKeys), sorted(inside));
        const auto applied = batches->take();
        QCOMPARE(applied.size(), 1);
        QCOMPARE(describeBatch(applied.constFirst()), sorted(inside));
        COMPARE_CONTENT(map->toHash(), outside);
        QCOMPARE(map->group(QStringLiteral("a")).allKeys(), QStringList());

        // A group with nothing in it removes nothing; removeGroup() is the same as clear().
        VERIFY_OK(map->removeGroup(QStringLiteral("missing")));
        VERIFY_OK(map->removeGroup(QStringLiteral("b")));
        QCOMPARE(map->count(), outside.size() - 1);
        QVERIFY(!map->contains(QStringLiteral("b/a/x")));
    }
    if (backend == u"memory")
        return;
    QVariantHash expected = outside;
    expected.remove(QStringLiteral("b/a/x"));
    COMPARE_CONTENT(reopened(backend), expected);
}

// A group removed while the store is still loading: the keys loaded afterwards go too, in the
// same batch as the ones written before the call; a key written after the call stays.
void tst_Groups::removeGroupWhileLoading()
{
    QFETCH(QString, backend);
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        VERIFY_OK(map->insert(QVariantHash{{QStringLiteral("a/x"), 1},
                                           {QStringLiteral("a/b/y"), 2},
                                           {QStringLiteral("a"), 3},
                                           {QStringLiteral("keep"), 4}}));
    }
    const QVariantHash expected{
            {QStringLiteral("a"), 3}, {QStringLiteral("keep"), 4}, {QStringLiteral("a/after"), 6}};
    {
        auto batches = std::make_shared<Batches>();
        auto gate = std::make_shared<Gate>();
        const auto map = openMap(backend, batches, gate);
        QVERIFY(gate->waitEntered());
        QCOMPARE(map->status(), PersistentMap::Status::Loading);
        map->insert(QStringLiteral("a/before"), 5);
        const QFuture<void> removed = map->removeGroup(QStringLiteral("a"));
        map->insert(QStringLiteral("a/after"), 6);
        QSignalSpy counted(map.get(), &PersistentMap::countChanged);
        gate->open();
        VERIFY_OK(map->whenReady());
        VERIFY_OK(removed);
        COMPARE_CONTENT(map->toHash(), expected);
        QCOMPARE(map->group(QStringLiteral("a")).allKeys(), QStringList{QStringLiteral("after")});
        const auto applied = batches->take();
        QCOMPARE(applied.size(), 1);
        QCOMPARE(describeBatch(applied.constFirst()),
                 sorted({QStringLiteral("+a/after"), QStringLiteral("a/before"),
                         QStringLiteral("a/x"), QStringLiteral("a/b/y")}));
    }
    COMPARE_CONTENT(reopened(backend), expected);
}

// As removeGroupWhileLoading, with a flush() (or any write barrier) after the removal, still while
// loading: the loaded keys of the group must be removed in the removal's batch, and be on disk
// when that flush() resolves (docs/GROUPS.md: "in the same batch"; ARCHITECTURE.md: after
// flush() the disk equals the cache).
void tst_Groups::removeGroupWhileLoadingThenFlush()
{
    QFETCH(QString, backend);
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        VERIFY_OK(map->insert(QVariantHash{{QStringLiteral("a/x"), 1},
                                           {QStringLiteral("a/b/y"), 2},
                                           {QStringLiteral("keep"), 4}}));
    }
    auto batches = std::make_shared<Batches>();
    auto gate = std::make_shared<Gate>();
    const auto map = openMap(backend, batches, gate);
    QVERIFY(gate->waitEntered());
    QCOMPARE(map->status(), PersistentMap::Status::Loading);
    map->insert(QStringLiteral("a/before"), 5);
    const QFuture<void> removed = map->removeGroup(QStringLiteral("a"));
    const QFuture<void> flushed = map->flush();
    const QFuture<void> later = map->insert(QStringLiteral("z"), 7); // after the barrier
    gate->open();
    VERIFY_OK(map->whenReady());
    VERIFY_OK(removed);
    VERIFY_OK(flushed);
    VERIFY_OK(later);
    const auto applied = batches->take();
    QVERIFY(!applied.isEmpty());
    // The first commit holds the whole removal (a write after the barrier may join it).
    const QStringList first = describeBatch(applied.constFirst());
    for (const char *key : {"a/before", "a/x", "a/b/y"})
        QVERIFY2(first.contains(QLatin1String(key)), qPrintable(first.join(u' ')));
    COMPARE_CONTENT(map->toHash(),
                    (QVariantHash{{QStringLiteral("keep"), 4}, {QStringLiteral("z"), 7}}));
}

// Group removals on one thread while another thread writes into the group and beside it: the
// removal is ordered with the writes as any write is, so after a flush the store (reopened)
// equals the map, and the last writes of the writer thread survive the last removal or not,
// never half of one insert(hash).
void tst_Groups::removalRacingWritersKeepsStoreEqualToMap()
{
    QFETCH(QString, backend);
    QVariantHash inMemory;
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        std::atomic<bool> stop{false};
        std::atomic<int> written{0};
        QFuture<void> writer = QtConcurrent::run([&] {
            for (int i = 0; !stop.load(); ++i) {
                map->insert(QVariantHash{{QStringLiteral("g/a"), i},
                                         {QStringLiteral("g/sub/b"), i},
                                         {QStringLiteral("out/c"), i}});
                ++written;
            }
        });
        // At least 50 removals, and until the writer wrote 200 times (it starts later).
        for (int i = 0; i < 50 || written.load() < 200; ++i)
            map->group(QStringLiteral("g")).clear();
        stop = true;
        writer.waitForFinished();
        VERIFY_OK(map->flush());
        inMemory = map->toHash();
        QVERIFY(inMemory.contains(QStringLiteral("out/c")));
        // Both keys of the group come and go together: an insert(hash) is never split.
        QCOMPARE(inMemory.contains(QStringLiteral("g/a")),
                 inMemory.contains(QStringLiteral("g/sub/b")));
    }
    COMPARE_CONTENT(reopened(backend), inMemory);
}

void tst_Groups::removalSeenAsOneChangeByAFollower_data()
{
    QTest::addColumn<QString>("backend");
    // The backends another map can follow (PersistentMapBackend::canWatchChanges()); memory
    // and custom stores live in one map only.
    for (const char *kind : {"sqlite", "postgres", "csv"})
        QTest::newRow(kind) << QString::fromLatin1(kind);
}

// A second map following the store sees the group's removal as one change: its count goes
// from before to after in one step, never through a state with part of the group removed (the
// backend's single apply() is checked in clearRemovesTheGroupInOneBatch).
void tst_Groups::removalSeenAsOneChangeByAFollower()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    QVariantHash entries{{QStringLiteral("other"), 0}};
    for (int i = 0; i < 200; ++i)
        entries.insert(QStringLiteral("g/k%1").arg(i), i);
    VERIFY_OK(map->insert(entries));
    VERIFY_OK(map->flush());

    QString error;
    PersistentMap follower(PersistentMapBackend::create(followerSpec(backend), &error));
    VERIFY_OK(follower.whenReady());
    QCOMPARE(follower.count(), 201);
    QList<qsizetype> counts;
    connect(&follower, &PersistentMap::countChanged, this,
            [&] { counts.append(follower.count()); });
    QSignalSpy removed(&follower, &PersistentMap::valueRemoved);

    VERIFY_OK(map->group(QStringLiteral("g")).clear());
    VERIFY_OK(map->flush());
    // The signals arrive through the follower's event loop, after its cache changed.
    QTRY_COMPARE(removed.size(), 200);
    QCOMPARE(follower.count(), 1);
    // The load's own countChanged may arrive late (201); no count between the two.
    QVERIFY(counts.contains(1));
    for (const qsizetype count : std::as_const(counts))
        QVERIFY2(count == 1 || count == 201, qPrintable(QString::number(count)));
    QCOMPARE(follower.keys(), QStringList{QStringLiteral("other")});
}

void tst_Groups::otherProcessWritesSeenThroughTheGroup_data()
{
    QTest::addColumn<QString>("backend");
    // Stores two processes write at once (a CSV store has one writer).
    for (const char *kind : {"sqlite", "postgres"})
        QTest::newRow(kind) << QString::fromLatin1(kind);
}

// Another process writes under the group's prefix: the group sees the key (childKeys(),
// value()); the group's removal reaches that process as removals of all its keys.
void tst_Groups::otherProcessWritesSeenThroughTheGroup()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    VERIFY_OK(map->insert(QStringLiteral("prefs/size"), 12));
    VERIFY_OK(map->flush());
    MapWatcherProcess other(followerSpec(backend));
    QVERIFY(other.waitUntilReady());
    const PersistentMapGroup prefs = map->group(QStringLiteral("prefs"));
    QVERIFY(other.insert(QStringLiteral("prefs/theme"), QStringLiteral("dark")));
    QVERIFY(other.insert(QStringLiteral("prefs/colors/accent"), QStringLiteral("blue")));
    QVERIFY(other.insert(QStringLiteral("prefsx"), QStringLiteral("outside")));
    QTRY_COMPARE(prefs.value(QStringLiteral("colors/accent")), QVariant(QStringLiteral("blue")));
    QTRY_COMPARE(map->count(), 4);
    QCOMPARE(prefs.value(QStringLiteral("theme")), QVariant(QStringLiteral("dark")));
    QCOMPARE(prefs.childKeys(), (QStringList{QStringLiteral("size"), QStringLiteral("theme")}));
    QCOMPARE(prefs.childGroups(), QStringList{QStringLiteral("colors")});

    VERIFY_OK(prefs.clear());
    VERIFY_OK(map->flush());
    QStringList removed;
    while (removed.size() < 3) {
        const QString line = other.nextLine();
        QVERIFY2(!line.isEmpty(),
                 qPrintable(QStringLiteral("removals seen: ") + removed.join(u',')));
        if (line.startsWith(QLatin1String("removed\t")))
            removed.append(line.mid(8));
    }
    QCOMPARE(sorted(removed),
             sorted({QStringLiteral("prefs/size"), QStringLiteral("prefs/theme"),
                     QStringLiteral("prefs/colors/accent")}));
    QVERIFY(other.quit());
    QCOMPARE(map->keys(), QStringList{QStringLiteral("prefsx")});
}

void tst_Groups::removalKilledMidwayLeavesAllOrNone_data()
{
    otherProcessWritesSeenThroughTheGroup_data();
}

// Another process removes a large group and is killed (SIGKILL) while it announces the removals,
// before, while or after the batch commits: a reopened store holds all of the group or none of
// it, and the keys outside it.
void tst_Groups::removalKilledMidwayLeavesAllOrNone()
{
    QFETCH(QString, backend);
    constexpr int GroupSize = 5000;
    QStringList outcomes;
    for (int round = 0; round < 4; ++round) {
        {
            const auto map = openMap(backend);
            VERIFY_OK(map->whenReady());
            QVariantHash entries{{QStringLiteral("keep"), round}};
            for (int i = 0; i < GroupSize; ++i)
                entries.insert(QStringLiteral("big/k%1").arg(i), i);
            VERIFY_OK(map->insert(entries));
        }
        MapWatcherProcess other(followerSpec(backend));
        QVERIFY(other.waitUntilReady());
        other.send(QStringLiteral("removegroup\tbig"));
        // The cache changes (and the signals go out) before the storage thread commits: killed
        // after the first, the middle or the last removal was announced, or after the commit.
        const int killAfter = round == 0 ? 1 : round == 1 ? GroupSize / 2 : GroupSize;
        for (int seen = 0; seen < killAfter;) {
            const QString line = other.nextLine();
            QVERIFY2(!line.isEmpty() && !line.startsWith(QLatin1String("error")), qPrintable(line));
            if (line.startsWith(QLatin1String("removed\t")))
                ++seen;
        }
        if (round == 3) // waits for the commit: the store must then hold none of the group
            QVERIFY(!other.waitFor(QStringLiteral("done\tbig")));
        other.kill();

        const QVariantHash stored = reopened(backend);
        QCOMPARE(stored.value(QStringLiteral("keep")), QVariant(round));
        const qsizetype left = stored.size() - 1;
        QVERIFY2(left == 0 || left == GroupSize,
                 qPrintable(QStringLiteral("%1 of %2 keys of the group left")
                                    .arg(left)
                                    .arg(GroupSize)));
        if (round == 3)
            QCOMPARE(left, 0);
        outcomes.append(left == 0 ? QStringLiteral("none") : QStringLiteral("all"));
    }
    qInfo().noquote() << "group left after each kill:" << outcomes.join(QStringLiteral(", "));
}

// The schema's calls by relative keys: defaults through value()/get<T>()/defaultValue(), a
// refused value, isDefault(), reset() and the group's resetAll(), which resets the declared keys
// of the group only (undeclared keys of the group and declared keys elsewhere stay), in one
// batch; checked again after a reopen.
void tst_Groups::schemaByRelativeKeys()
{
    QFETCH(QString, backend);
    const PersistentMapSchema schema = PersistentMapSchema::fromJson(R"({"keys": {
        "window/width": {"type": "int", "default": 640, "minimum": 100},
        "window/geometry/x": {"type": "int", "default": 0},
        "window/title": {"type": "string", "default": "untitled"},
        "other/x": {"type": "int", "default": 1}}})");
    const QVariantHash expected{{QStringLiteral("other/x"), 5},
                                {QStringLiteral("window/note"), QStringLiteral("kept")}};
    {
        auto batches = std::make_shared<Batches>();
        const auto map = openMap(backend, batches);
        map->setSchema(schema);
        VERIFY_OK(map->whenReady());
        const PersistentMapGroup window = map->group(QStringLiteral("window"));
        QCOMPARE(window.value(QStringLiteral("width")), QVariant(640));
        QCOMPARE(window.get<int>(QStringLiteral("geometry/x")), std::optional<int>(0));
        QCOMPARE(window.defaultValue(QStringLiteral("title")),
                 QVariant(QStringLiteral("untitled")));
        QCOMPARE(window.defaultValue(QStringLiteral("note")), QVariant());
        QVERIFY(window.isDefault(QStringLiteral("width")));

        const std::optional<PersistentMapError> refused =
                failureOf(window.insert(QStringLiteral("width"), 50));
        QVERIFY(refused);
        QCOMPARE(refused->code(), PersistentMapError::Code::SchemaViolation);
        QVERIFY(refused->message().contains(QStringLiteral("window/width")));

        VERIFY_OK(window.insert(QStringLiteral("width"), 800));
        VERIFY_OK(window.group(QStringLiteral("geometry")).insert(QStringLiteral("x"), 7));
        VERIFY_OK(window.insert(QStringLiteral("title"), QStringLiteral("Main")));
        VERIFY_OK(window.insert(QStringLiteral("note"), QStringLiteral("kept")));
        VERIFY_OK(map->insert(QStringLiteral("other/x"), 5));
        QVERIFY(!window.isDefault(QStringLiteral("width")));
        QCOMPARE(window.value(QStringLiteral("width")), QVariant(800));

        VERIFY_OK(window.reset(QStringLiteral("title")));
        QVERIFY(window.isDefault(QStringLiteral("title")));
        QCOMPARE(window.value(QStringLiteral("title")), QVariant(QStringLiteral("untitled")));

        batches->take();
        QSignalSpy counted(map.get(), &PersistentMap::countChanged);
        VERIFY_OK(window.resetAll());
        QCOMPARE(counted.size(), 1);
        const auto applied = batches->take();
        QCOMPARE(applied.size(), 1);
        QCOMPARE(describeBatch(applied.constFirst()),
                 sorted({QStringLiteral("window/width"), QStringLiteral("window/geometry/x"),
                         QStringLiteral("window/title")}));
        COMPARE_CONTENT(map->toHash(), expected);
        QCOMPARE(window.value(QStringLiteral("geometry/x")), QVariant(0));
    }
    if (backend == u"memory")
        return;
    COMPARE_CONTENT(reopened(backend), expected);
}

// An empty relative key names nothing; a group whose map is gone reads nothing and fails its
// writes, without touching freed memory (run under ASan by the sanitizer stage).
void tst_Groups::emptyKeysAndDestroyedMapsFailSafely()
{
    auto map = std::make_unique<PersistentMap>(std::make_unique<PersistentMapMemoryBackend>());
    VERIFY_OK(map->whenReady());
    const PersistentMapGroup group = map->group(QStringLiteral("a"));
    VERIFY_OK(map->insert(QStringLiteral("a"), 1));
    QVERIFY(!group.contains(QString()));
    QCOMPARE(group.value(QStringLiteral("/"), 7), QVariant(7));
    std::optional<PersistentMapError> failure = failureOf(group.insert(QStringLiteral("//"), 2));
    QVERIFY(failure);
    QCOMPARE(failure->code(), PersistentMapError::Code::Unsupported);
    QVERIFY(failureOf(group.remove(QString())));
    QCOMPARE(map->value(QStringLiteral("a")), QVariant(1));
    QCOMPARE(map->count(), 1);

    VERIFY_OK(group.insert(QStringLiteral("x"), 1));
    QVERIFY(group.isValid());
    QCOMPARE(group.map(), map.get());
    map.reset();
    QVERIFY(!group.isValid());
    QCOMPARE(group.map(), nullptr);
    QCOMPARE(group.name(), QStringLiteral("a"));
    QCOMPARE(group.value(QStringLiteral("x"), 5), QVariant(5));
    QCOMPARE(group.get<int>(QStringLiteral("x")), std::nullopt);
    QVERIFY(!group.contains(QStringLiteral("x")));
    QCOMPARE(group.childKeys(), QStringList());
    QCOMPARE(group.childGroups(), QStringList());
    QCOMPARE(group.allKeys(), QStringList());
    failure = failureOf(group.insert(QStringLiteral("x"), 2));
    QVERIFY(failure);
    QCOMPARE(failure->code(), PersistentMapError::Code::Unsupported);
    QVERIFY(failureOf(group.clear()));
    QVERIFY(failureOf(group.apply(PersistentMapWriteBatch())));
    QVERIFY(failureOf(group.reset(QStringLiteral("x"))));
    QVERIFY(failureOf(group.resetAll()));
    QVERIFY(!group.isDefault(QStringLiteral("x")));
    QCOMPARE(group.defaultValue(QStringLiteral("x")), QVariant());
    QVERIFY(!PersistentMapGroup().isValid());
}

// docs/GROUPS.md's recipe: the map's signals, kept for the keys containsKey() accepts.
void tst_Groups::followingAGroupWithTheMapsSignals()
{
    PersistentMap map(std::make_unique<PersistentMapMemoryBackend>());
    VERIFY_OK(map.whenReady());
    const PersistentMapGroup window = map.group(QStringLiteral("window"));
    QStringList seen;
    connect(&map, &PersistentMap::valueChanged, this, [&](const QString &key, const QVariant &) {
        if (window.containsKey(key))
            seen.append(window.relativeKey(key));
    });
    connect(&map, &PersistentMap::valueRemoved, this, [&](const QString &key) {
        if (window.containsKey(key))
            seen.append(u'-' + window.relativeKey(key));
    });
    map.insert(QStringLiteral("window/width"), 1);
    map.insert(QStringLiteral("windows"), 1);
    window.insert(QStringLiteral("geometry/x"), 2);
    map.insert(QStringLiteral("other/width"), 1);
    window.remove(QStringLiteral("width"));
    QTRY_COMPARE(seen,
                 (QStringList{QStringLiteral("width"), QStringLiteral("geometry/x"),
                              QStringLiteral("-width")}));
}

QTEST_MAIN(tst_Groups)
#include "tst_groups.moc"
