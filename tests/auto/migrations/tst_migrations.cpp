// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// tst_migrations: versioned migration steps (PersistentMapMigrations) and the QSettings import
// (PersistentMapSettingsImport), over every backend: steps run once, in order, each committed
// with its version record; a failing step leaves the store at the version before it; a process
// killed (SIGKILL) inside a step leaves no half of it and the next start completes it; QSettings
// INI and native files come in typed as QSettings gives them back, once, and the old file goes
// only after the import was flushed. docs/MIGRATIONS.md describes the rules tested here.
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapBackendWrapper>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapMemoryBackend>
#include <PersistentMap/PersistentMapMigrations>
#include <PersistentMap/PersistentMapPostgresBackend>
#include <PersistentMap/PersistentMapSettingsImport>
#include <PersistentMap/PersistentMapSqliteBackend>

#include "faultybackend.h"
#include "gatedbackend.h"
#include "migrationsteps.h"
#include "postgrestest.h"
#include "testhelpers.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QEasingCurve>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QLoggingCategory>
#include <QtCore/QMutex>
#include <QtCore/QProcess>
#include <QtCore/QProcessEnvironment>
#include <QtCore/QScopeGuard>
#include <QtCore/QSemaphore>
#include <QtCore/QSettings>
#include <QtCore/QSize>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimeZone>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>
#include <stdexcept>
#include <vector>

namespace {

// A user-written backend: its stores live in a static table keyed by name, so a backend made
// later with the same name reopens the data. apply() is atomic (a copy replaced at the end).
class CustomBackend : public PersistentMapBackend
{
public:
    explicit CustomBackend(const QString &name)
        : m_name(name)
    {
    }

    static void reset()
    {
        QMutexLocker locker(&s_mutex);
        s_stores.clear();
    }

    void loadInto(Loader &loader) override
    {
        QVariantHash rows;
        {
            QMutexLocker locker(&s_mutex);
            rows = s_stores.value(m_name);
        }
        for (auto it = rows.begin(); it != rows.end(); ++it) {
            QString key = it.key();
            loader.add(std::move(key), std::move(it.value()));
        }
    }
    void apply(const PersistentMapWriteBatch &batch) override
    {
        QMutexLocker locker(&s_mutex);
        QVariantHash rows = s_stores.value(m_name);
        for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
            if (entry.isRemove)
                rows.remove(entry.key);
            else
                rows.insert(entry.key, entry.value);
        }
        s_stores.insert(m_name, rows);
    }

private:
    QString m_name;
    static inline QMutex s_mutex;
    static inline QHash<QString, QVariantHash> s_stores;
};

using Code = PersistentMapError::Code;
using Import = PersistentMapSettingsImport;

const QString VersionKey = PersistentMapMigrations::versionKey();

// Waits for an import's future: its result, or the error it failed with.
struct ImportOutcome
{
    std::optional<Import::Result> result;
    std::optional<PersistentMapError> error;
};

ImportOutcome waitFor(QFuture<Import::Result> future)
{
    ImportOutcome outcome;
    try {
        future.waitForFinished();
        outcome.result = future.result();
    } catch (const PersistentMapError &e) {
        outcome.error = e;
    }
    return outcome;
}

QString failureText(QFuture<void> future)
{
    try {
        future.waitForFinished();
    } catch (const PersistentMapError &e) {
        return e.message();
    }
    return {};
}

} // namespace

class tst_Migrations : public QObject
{
    Q_OBJECT

    static void addAllBackends()
    {
        QTest::addColumn<QString>("backend");
        QTest::newRow("memory") << QStringLiteral("memory");
        QTest::newRow("sqlite") << QStringLiteral("sqlite");
        QTest::newRow("postgres") << QStringLiteral("postgres");
        QTest::newRow("csv") << QStringLiteral("csv");
        QTest::newRow("custom") << QStringLiteral("custom");
    }
    // Memory stores do not survive a reopen.
    static void addPersistentBackends()
    {
        QTest::addColumn<QString>("backend");
        QTest::newRow("sqlite") << QStringLiteral("sqlite");
        QTest::newRow("postgres") << QStringLiteral("postgres");
        QTest::newRow("csv") << QStringLiteral("csv");
        QTest::newRow("custom") << QStringLiteral("custom");
    }

    QString spec(const QString &kind) const
    {
        if (kind == u"sqlite")
            return QStringLiteral("sqlite:") + m_dir->filePath(QStringLiteral("data/store.db"));
        if (kind == u"csv")
            return QStringLiteral("csv:") + m_dir->filePath(QStringLiteral("data/store.csv"));
        if (kind == u"postgres")
            return m_postgresTable->spec();
        return {};
    }
    std::unique_ptr<PersistentMapBackend> makeBackend(const QString &kind) const
    {
        if (kind == u"memory")
            return std::make_unique<PersistentMapMemoryBackend>();
        if (kind == u"custom")
            return std::make_unique<CustomBackend>(m_customName);
        return PersistentMapBackend::create(spec(kind));
    }
    std::unique_ptr<PersistentMap> openMap(const QString &kind,
                                           const PersistentMapMigrations &migrations) const
    {
        return std::make_unique<PersistentMap>(migrations.wrap(makeBackend(kind)));
    }
    std::unique_ptr<PersistentMap> openPlain(const QString &kind) const
    {
        return std::make_unique<PersistentMap>(makeBackend(kind));
    }
    // What a plain map (no steps) loads from the store, after every earlier map is gone.
    QVariantHash stored(const QString &kind) const
    {
        const auto map = openPlain(kind);
        if (const auto failure = loadError(*map)) {
            qWarning().noquote() << "reopening the store failed:" << failure->message();
            return {{QStringLiteral("<reopen failed>"), failure->message()}};
        }
        return markersAsSkipped(map->toHash());
    }
    // An import marker holds the skipped keys and the SHA-256 of the imported file; compared
    // here by its skipped keys (a marker without a 64-digit hash stays as it is and fails the
    // comparison). importIniTyped checks the hash itself.
    static QVariantHash markersAsSkipped(QVariantHash content)
    {
        const QString prefix =
                PersistentMapMigrations::reservedPrefix() + QStringLiteral("imported/");
        for (auto it = content.begin(); it != content.end(); ++it) {
            const QVariantMap marker = it.value().toMap();
            if (it.key().startsWith(prefix) &&
                marker.value(QStringLiteral("sha256")).toString().size() == 64)
                it.value() = marker.value(QStringLiteral("skipped")).toStringList();
        }
        return content;
    }
    void seed(const QString &kind, const QVariantHash &entries) const
    {
        const auto map = openPlain(kind);
        QVERIFY(!loadError(*map));
        VERIFY_OK(map->insert(entries));
        VERIFY_OK(map->flush());
    }
    bool isPersistent(const QString &kind) const { return kind != u"memory"; }

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_customName;
    int m_storeCounter = 0;
    std::unique_ptr<PostgresTestTable> m_postgresTable;

private Q_SLOTS:
    // The library logs each committed step as an info message: a thousand lines over this
    // test, in which a failure's own line was lost in CI's excerpt of the output.
    void initTestCase()
    {
        QLoggingCategory::setFilterRules(QStringLiteral("persistentmap.core.info=false"));
    }
    void init();
    void cleanup();

    void addStepRefusesVersionsOutOfOrder();
    void stepsRunInOrderOnce_data() { addAllBackends(); }
    void stepsRunInOrderOnce();
    void clearRemovesTheRecordStepsRunAgain_data() { addPersistentBackends(); }
    void clearRemovesTheRecordStepsRunAgain();
    void onlyPendingStepsRun_data() { addPersistentBackends(); }
    void onlyPendingStepsRun();
    void failingStepLeavesPreviousVersion_data() { addAllBackends(); }
    void failingStepLeavesPreviousVersion();
    void stepBatchTheStoreCannotTakeFails_data() { addAllBackends(); }
    void stepBatchTheStoreCannotTakeFails();
    void refusedCommitLeavesPreviousVersion_data() { addPersistentBackends(); }
    void refusedCommitLeavesPreviousVersion();
    void newerStoreLoadsAsItIs_data() { addPersistentBackends(); }
    void newerStoreLoadsAsItIs();
    void concurrentMigrationCommitsEachStepOnce_data();
    void concurrentMigrationCommitsEachStepOnce();
    void threeProcessesMigrateEachStepOnce_data();
    void threeProcessesMigrateEachStepOnce();
    void undecodableVersionRecordIsDamaged_data();
    void undecodableVersionRecordIsDamaged();
    void csvReadOnlyFollowerDoesNotMigrate();
    void csvSecondWriterIsLockedOutWhileMigrating();
    void killedMidMigrationCompletesNextStart_data();
    void killedMidMigrationCompletesNextStart();

    void importIniTyped_data() { addAllBackends(); }
    void importIniTyped();
    void importNativeFormat_data() { addPersistentBackends(); }
    void importNativeFormat();
    void secondImportIsNoOp_data() { addPersistentBackends(); }
    void secondImportIsNoOp();
    void failedImportWritesNothingAndRedoes_data() { addPersistentBackends(); }
    void failedImportWritesNothingAndRedoes();
    void unreadableSettingsFileFails_data() { addAllBackends(); }
    void unreadableSettingsFileFails();
    void unstorableValuesAreSkipped_data() { addAllBackends(); }
    void unstorableValuesAreSkipped();
    void sourceRemovedOnlyAfterFlush_data() { addPersistentBackends(); }
    void sourceRemovedOnlyAfterFlush();
    void sourceKeptWhenChangedAfterRead_data() { addPersistentBackends(); }
    void sourceKeptWhenChangedAfterRead();
    void sourceInReadOnlyFolderIsKeptAndReported();
    void sourceSymlinkRemovesTheLinkOnly();
    void importLeavesOtherContinuationsAlone();
    void sourceKeptWhenChangedAfterInterruptedImport_data() { addPersistentBackends(); }
    void sourceKeptWhenChangedAfterInterruptedImport();
    void undecodableMarkerDoesNotImportAgain();
    void importKilledMidCommitIsAllOrNothing_data();
    void importKilledMidCommitIsAllOrNothing();
};

void tst_Migrations::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    CustomBackend::reset();
    m_customName = QStringLiteral("store-%1").arg(++m_storeCounter);
    const char *tag = QTest::currentDataTag();
    if (tag && QByteArray(tag).startsWith("postgres")) {
        PM_POSTGRES_SPEC_OR_SKIP(pgSpec);
        m_postgresTable = std::make_unique<PostgresTestTable>(pgSpec);
    }
}

void tst_Migrations::cleanup()
{
    m_postgresTable.reset();
}

void tst_Migrations::addStepRefusesVersionsOutOfOrder()
{
    PersistentMapMigrations migrations;
    const auto noop = [](const QVariantHash &) { return PersistentMapWriteBatch(); };
    migrations.addStep(1, QStringLiteral("first"), noop).addStep(3, QStringLiteral("third"), noop);
    for (const int version : {0, -1, 2, 3}) {
        try {
            migrations.addStep(version, QStringLiteral("late"), noop);
            QFAIL(qPrintable(QStringLiteral("version %1 was accepted after 3").arg(version)));
        } catch (const PersistentMapError &e) {
            QCOMPARE(e.code(), Code::MigrationFailed);
            QVERIFY2(e.message().contains(QStringLiteral("late")), qPrintable(e.message()));
        }
    }
    try {
        migrations.addStep(4, QStringLiteral("empty"), {});
        QFAIL("a step without a function was accepted");
    } catch (const PersistentMapError &e) {
        QCOMPARE(e.code(), Code::MigrationFailed);
    }
    QCOMPARE(migrations.steps().size(), 2);
    QCOMPARE(migrations.latestVersion(), 3);
    QCOMPARE(PersistentMapMigrations().wrap(nullptr), nullptr);
}

// Steps see what the steps before them wrote, run in version order, commit their version, and
// do not run again when the store is opened again.
void tst_Migrations::stepsRunInOrderOnce()
{
    QFETCH(QString, backend);
    QStringList calls;
    QMutex callsMutex;
    PersistentMapMigrations migrations;
    migrations
            .addStep(1, QStringLiteral("colour becomes color"),
                     [&](const QVariantHash &entries) {
                         QMutexLocker locker(&callsMutex);
                         calls << QStringLiteral("1:") +
                                         entries.value(QStringLiteral("colour")).toString();
                         PersistentMapWriteBatch batch;
                         if (entries.contains(QStringLiteral("colour"))) {
                             batch.remove(QStringLiteral("colour"));
                             batch.insert(QStringLiteral("color"),
                                          entries.value(QStringLiteral("colour")));
                         }
                         return batch;
                     })
            .addStep(2, QStringLiteral("size as a number"),
                     [&](const QVariantHash &entries) {
                         QMutexLocker locker(&callsMutex);
                         calls << QStringLiteral("2:") +
                                         entries.value(QStringLiteral("color")).toString() +
                                         QStringLiteral(",v") +
                                         entries.value(VersionKey).toString();
                         PersistentMapWriteBatch batch;
                         batch.insert(QStringLiteral("size"),
                                      entries.value(QStringLiteral("size")).toString().toInt());
                         return batch;
                     })
            .addStep(5, QStringLiteral("a theme"), [&](const QVariantHash &entries) {
                QMutexLocker locker(&callsMutex);
                calls << QStringLiteral("5:v") + entries.value(VersionKey).toString();
                PersistentMapWriteBatch batch;
                batch.insert(QStringLiteral("theme"), QStringLiteral("dark"));
                batch.insert(QStringLiteral("theme"), QStringLiteral("light")); // last wins
                return batch;
            });
    const QVariantHash old{{QStringLiteral("colour"), QStringLiteral("red")},
                           {QStringLiteral("size"), QStringLiteral("12")},
                           {QStringLiteral("other"), 7}};
    const QVariantHash migrated{{QStringLiteral("color"), QStringLiteral("red")},
                                {QStringLiteral("size"), 12},
                                {QStringLiteral("other"), 7},
                                {QStringLiteral("theme"), QStringLiteral("light")},
                                {VersionKey, 5}};
    if (isPersistent(backend)) {
        seed(backend, old);
    } else {
        // A memory store is empty at each start: its steps run on nothing, once per map.
    }
    {
        const auto map = openMap(backend, migrations);
        QSignalSpy changed(map.get(), &PersistentMap::valueChanged);
        VERIFY_OK(map->whenReady());
        QCOMPARE(map->status(), PersistentMap::Status::Ready);
        if (isPersistent(backend)) {
            QCOMPARE(calls,
                     (QStringList{QStringLiteral("1:red"), QStringLiteral("2:red,v1"),
                                  QStringLiteral("5:v2")}));
            COMPARE_CONTENT(map->toHash(), migrated);
        } else {
            QCOMPARE(calls,
                     (QStringList{QStringLiteral("1:"), QStringLiteral("2:,v1"),
                                  QStringLiteral("5:v2")}));
            QCOMPARE(map->value(VersionKey), QVariant(5));
            QCOMPARE(map->value(QStringLiteral("size")), QVariant(0));
        }
        // Loaded entries, not changes: no valueChanged, as for any store opened.
        QCoreApplication::processEvents();
        QCOMPARE(changed.count(), 0);
        // The map works on after migrating.
        VERIFY_OK(map->insert(QStringLiteral("after"), true));
        VERIFY_OK(map->flush());
    }
    if (!isPersistent(backend))
        return;
    QVariantHash expected = migrated;
    expected.insert(QStringLiteral("after"), true);
    COMPARE_CONTENT(stored(backend), expected);
    calls.clear();
    {
        const auto map = openMap(backend, migrations);
        VERIFY_OK(map->whenReady());
        COMPARE_CONTENT(map->toHash(), expected);
    }
    QCOMPARE(calls, QStringList());
}

// The version record is an ordinary entry: count() and keys() show it, clear() removes it, and
// the next start runs every step again on what is there.
void tst_Migrations::clearRemovesTheRecordStepsRunAgain()
{
    QFETCH(QString, backend);
    int runs = 0;
    PersistentMapMigrations migrations;
    migrations.addStep(1, QStringLiteral("one"), [&runs](const QVariantHash &entries) {
        ++runs;
        PersistentMapWriteBatch batch;
        batch.insert(QStringLiteral("seen"), int(entries.size()));
        return batch;
    });
    {
        const auto map = openMap(backend, migrations);
        VERIFY_OK(map->whenReady());
        QCOMPARE(map->count(), 2);
        QVERIFY(map->keys().contains(VersionKey));
        VERIFY_OK(map->clear());
        QCOMPARE(map->count(), 0);
        VERIFY_OK(map->insert(QStringLiteral("new"), true));
    }
    QCOMPARE(runs, 1);
    {
        const auto map = openMap(backend, migrations);
        VERIFY_OK(map->whenReady());
        COMPARE_CONTENT(map->toHash(),
                        (QVariantHash{{QStringLiteral("new"), true},
                                      {QStringLiteral("seen"), 1},
                                      {VersionKey, 1}}));
    }
    QCOMPARE(runs, 2);
}

void tst_Migrations::onlyPendingStepsRun()
{
    QFETCH(QString, backend);
    QList<int> ran;
    const auto step = [&ran](int version) {
        return [&ran, version](const QVariantHash &) {
            ran << version;
            PersistentMapWriteBatch batch;
            batch.insert(QStringLiteral("step%1").arg(version), version);
            return batch;
        };
    };
    PersistentMapMigrations two;
    two.addStep(1, QStringLiteral("one"), step(1)).addStep(2, QStringLiteral("two"), step(2));
    {
        const auto map = openMap(backend, two);
        VERIFY_OK(map->whenReady());
    }
    QCOMPARE(ran, (QList<int>{1, 2}));
    PersistentMapMigrations four = two;
    four.addStep(3, QStringLiteral("three"), step(3)).addStep(4, QStringLiteral("four"), step(4));
    QCOMPARE(two.latestVersion(), 2); // a copy, not shared
    ran.clear();
    {
        const auto map = openMap(backend, four);
        VERIFY_OK(map->whenReady());
    }
    QCOMPARE(ran, (QList<int>{3, 4}));
    COMPARE_CONTENT(stored(backend),
                    (QVariantHash{{QStringLiteral("step1"), 1},
                                  {QStringLiteral("step2"), 2},
                                  {QStringLiteral("step3"), 3},
                                  {QStringLiteral("step4"), 4},
                                  {VersionKey, 4}}));
}

// Step 2 throws: the load fails naming it, step 1 stays committed with its version, step 2's
// and step 3's writes are nowhere; with step 2 fixed, the next start runs 2 and 3.
void tst_Migrations::failingStepLeavesPreviousVersion()
{
    QFETCH(QString, backend);
    QList<int> ran;
    bool step2Fails = true;
    const auto migrations = [&] {
        PersistentMapMigrations m;
        m.addStep(1, QStringLiteral("one"), [&](const QVariantHash &) {
            ran << 1;
            PersistentMapWriteBatch batch;
            batch.insert(QStringLiteral("a"), 1);
            return batch;
        });
        m.addStep(2, QStringLiteral("split the name"), [&](const QVariantHash &) {
            ran << 2;
            if (step2Fails)
                throw std::runtime_error("the name has no space");
            PersistentMapWriteBatch batch;
            batch.insert(QStringLiteral("a"), 2);
            batch.insert(QStringLiteral("b"), 2);
            return batch;
        });
        m.addStep(3, QStringLiteral("three"), [&](const QVariantHash &) {
            ran << 3;
            PersistentMapWriteBatch batch;
            batch.insert(QStringLiteral("c"), 3);
            return batch;
        });
        return m;
    };
    {
        const auto map = openMap(backend, migrations());
        const auto failure = loadError(*map);
        QVERIFY(failure);
        QCOMPARE(failure->code(), Code::MigrationFailed);
        QVERIFY2(failure->message().contains(QStringLiteral("migration step 2 (split the name)")),
                 qPrintable(failure->message()));
        QVERIFY2(failure->message().contains(QStringLiteral("the name has no space")),
                 qPrintable(failure->message()));
        QCOMPARE(map->status(), PersistentMap::Status::Error);
        QVERIFY(map->errorString().contains(QStringLiteral("migration step 2")));
        // A write after the failed step (on the same storage thread) fails with the load's
        // error and reaches no store: the reopen below finds version 1 without it.
        QVERIFY(failureText(map->insert(QStringLiteral("w"), 1)).contains(u"migration step 2"));
        QVERIFY(failureText(map->flush()).contains(u"migration step 2"));
    }
    QCOMPARE(ran, (QList<int>{1, 2}));
    if (!isPersistent(backend))
        return;
    COMPARE_CONTENT(stored(backend), (QVariantHash{{QStringLiteral("a"), 1}, {VersionKey, 1}}));
    ran.clear();
    step2Fails = false;
    {
        const auto map = openMap(backend, migrations());
        VERIFY_OK(map->whenReady());
    }
    QCOMPARE(ran, (QList<int>{2, 3}));
    COMPARE_CONTENT(stored(backend),
                    (QVariantHash{{QStringLiteral("a"), 2},
                                  {QStringLiteral("b"), 2},
                                  {QStringLiteral("c"), 3},
                                  {VersionKey, 3}}));
}

// A step's batch with a value no store takes (QEasingCurve: docs/FORMAT.md) or a reserved key
// fails the step before anything of it is written.
void tst_Migrations::stepBatchTheStoreCannotTakeFails()
{
    QFETCH(QString, backend);
    const struct
    {
        const char *name;
        QString key;
        QVariant value;
        QString expected;
    } cases[] = {
            {"unsupported type", QStringLiteral("curve"), QVariant::fromValue(QEasingCurve()),
             QStringLiteral("QEasingCurve")},
            {"reserved key", PersistentMapMigrations::reservedPrefix() + QStringLiteral("mine"),
             QVariant(1), QStringLiteral("reserved key '.persistentmap/mine'")},
            {"version key", VersionKey, QVariant(9), QStringLiteral("reserved key")},
    };
    for (const auto &c : cases) {
        PersistentMapMigrations migrations;
        migrations.addStep(1, QStringLiteral("bad batch"), [&c](const QVariantHash &) {
            PersistentMapWriteBatch batch;
            batch.insert(QStringLiteral("fine"), 1);
            batch.insert(c.key, c.value);
            return batch;
        });
        {
            const auto map = openMap(backend, migrations);
            const auto failure = loadError(*map);
            QVERIFY2(failure, c.name);
            QCOMPARE(failure->code(), Code::MigrationFailed);
            QVERIFY2(failure->message().contains(QStringLiteral("migration step 1 (bad batch)")),
                     qPrintable(failure->message()));
            QVERIFY2(failure->message().contains(c.expected), qPrintable(failure->message()));
        }
        if (isPersistent(backend))
            COMPARE_CONTENT(stored(backend), QVariantHash());
    }
}

// The store refuses step 2's commit: the load fails with the store's code and a message naming
// the step, and the store stays at version 1.
void tst_Migrations::refusedCommitLeavesPreviousVersion()
{
    QFETCH(QString, backend);
    auto control = std::make_shared<FaultControl>();
    PersistentMapMigrations migrations;
    for (int v = 1; v <= 2; ++v) {
        migrations.addStep(v, QStringLiteral("step %1").arg(v), [v](const QVariantHash &) {
            PersistentMapWriteBatch batch;
            batch.insert(QStringLiteral("a"), v);
            batch.insert(QStringLiteral("b%1").arg(v), v);
            return batch;
        });
    }
    {
        control->apply.failNth(2);
        PersistentMap map(
                migrations.wrap(std::make_unique<FaultyBackend>(makeBackend(backend), control)));
        const auto failure = loadError(map);
        QVERIFY(failure);
        QCOMPARE(failure->code(), Code::WriteFailed);
        QVERIFY2(failure->message().contains(QStringLiteral("migration step 2 (step 2) was not "
                                                            "committed")),
                 qPrintable(failure->message()));
    }
    COMPARE_CONTENT(
            stored(backend),
            (QVariantHash{{QStringLiteral("a"), 1}, {QStringLiteral("b1"), 1}, {VersionKey, 1}}));
}

// A store a newer program migrated further is loaded as it is: no step runs.
void tst_Migrations::newerStoreLoadsAsItIs()
{
    QFETCH(QString, backend);
    seed(backend, {{VersionKey, 7}, {QStringLiteral("x"), 1}});
    bool ran = false;
    PersistentMapMigrations migrations;
    migrations.addStep(3, QStringLiteral("three"), [&ran](const QVariantHash &) {
        ran = true;
        return PersistentMapWriteBatch();
    });
    {
        const auto map = openMap(backend, migrations);
        VERIFY_OK(map->whenReady());
        QCOMPARE(map->value(VersionKey), QVariant(7));
    }
    QVERIFY(!ran);
    // A version record that is not a number is a damaged store: refused, left untouched.
    {
        const auto map = openPlain(backend);
        VERIFY_OK(map->whenReady());
        VERIFY_OK(map->insert(VersionKey, QStringLiteral("seven")));
    }
    {
        const auto map = openMap(backend, migrations);
        const auto failure = loadError(*map);
        QVERIFY(failure);
        QCOMPARE(failure->code(), Code::Corrupt);
        QVERIFY2(failure->message().contains(VersionKey), qPrintable(failure->message()));
    }
    QVERIFY(!ran);
    QCOMPARE(stored(backend).value(VersionKey), QVariant(QStringLiteral("seven")));
}

void tst_Migrations::concurrentMigrationCommitsEachStepOnce_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<bool>("decorated");
    QTest::newRow("sqlite") << QStringLiteral("sqlite") << false;
    QTest::newRow("postgres") << QStringLiteral("postgres") << false;
    // Behind a decorator (PersistentMapBackendWrapper): the check still reaches the store.
    QTest::newRow("sqlite, decorated") << QStringLiteral("sqlite") << true;
    QTest::newRow("postgres, decorated") << QStringLiteral("postgres") << true;
}

// Two maps (two connections, as two processes have) open one store at version 0 at once. The
// first computes step 1 and waits; the second runs steps 1 and 2 meanwhile. The first's commit
// of step 1 then finds the version moved inside its transaction and is rolled back: it takes
// what the second wrote and runs nothing more. Without the check it would commit its step 1 over
// the second's (migratedBy "first") and run step 2 again.
void tst_Migrations::concurrentMigrationCommitsEachStepOnce()
{
    QFETCH(QString, backend);
    seed(backend, {{QStringLiteral("counter"), 0}});
    QSemaphore inStep;
    QSemaphore release;
    struct Calls
    {
        std::atomic<int> step1{0};
        std::atomic<int> step2{0};
    } first, second;
    const auto migrations = [&](Calls &calls, const QString &name, bool wait) {
        PersistentMapMigrations m;
        m.addStep(1, QStringLiteral("count"), [&, name, wait](const QVariantHash &entries) {
            if (calls.step1++ == 0 && wait) {
                inStep.release();
                release.acquire();
            }
            PersistentMapWriteBatch batch;
            batch.insert(QStringLiteral("counter"),
                         entries.value(QStringLiteral("counter")).toInt() + 1);
            batch.insert(QStringLiteral("migratedBy"), name);
            return batch;
        });
        m.addStep(2, QStringLiteral("count again"), [&](const QVariantHash &entries) {
            ++calls.step2;
            PersistentMapWriteBatch batch;
            batch.insert(QStringLiteral("counter"),
                         entries.value(QStringLiteral("counter")).toInt() + 1);
            return batch;
        });
        return m;
    };
    QFETCH(bool, decorated);
    const auto open = [&](const PersistentMapMigrations &m) {
        std::unique_ptr<PersistentMapBackend> store = makeBackend(backend);
        if (decorated)
            store = std::make_unique<PersistentMapBackendWrapper>(std::move(store));
        return std::make_unique<PersistentMap>(m.wrap(std::move(store)));
    };
    const auto firstMap = open(migrations(first, QStringLiteral("first"), true));
    QVERIFY(inStep.tryAcquire(1, 30000));
    {
        const auto secondMap = open(migrations(second, QStringLiteral("second"), false));
        VERIFY_OK(secondMap->whenReady());
        QCOMPARE(secondMap->value(VersionKey), QVariant(2));
    }
    release.release();
    VERIFY_OK(firstMap->whenReady());
    QCOMPARE(first.step1.load(), 1);
    QCOMPARE(first.step2.load(), 0);
    QCOMPARE(second.step1.load(), 1);
    QCOMPARE(second.step2.load(), 1);
    const QVariantHash expected{{QStringLiteral("counter"), 2},
                                {QStringLiteral("migratedBy"), QStringLiteral("second")},
                                {VersionKey, 2}};
    COMPARE_CONTENT(firstMap->toHash(), expected);
    COMPARE_CONTENT(stored(backend), expected);
}

void tst_Migrations::threeProcessesMigrateEachStepOnce_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<bool>("generic");
    QTest::newRow("sqlite") << QStringLiteral("sqlite") << false;
    QTest::newRow("sqlite, generic path") << QStringLiteral("sqlite") << true;
    QTest::newRow("postgres") << QStringLiteral("postgres") << false;
}

// Three processes open one store at version 0 and all compute step 1 from it before any of them
// commits (each holds inside step 1 until the test has seen all three there). Each step adds 1
// to a counter and records the process that ran it: afterwards the counter is 3 and each step
// was committed by exactly one process.
void tst_Migrations::threeProcessesMigrateEachStepOnce()
{
    QFETCH(QString, backend);
    QFETCH(bool, generic);
    seed(backend, {{QStringLiteral("counter"), 0}});
    std::vector<std::unique_ptr<QProcess>> children;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (generic)
        env.insert(QStringLiteral("PERSISTENTMAP_SQLITE_GENERIC"), QStringLiteral("1"));
    QList<QByteArray> outputs(3);
    for (int i = 0; i < 3; ++i) {
        auto child = std::make_unique<QProcess>();
        child->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        child->setProcessEnvironment(env);
        child->start(QStringLiteral(MIGRATIONCHILD_PATH),
                     {spec(backend), QStringLiteral("0"), QStringLiteral("race")});
        QVERIFY(child->waitForStarted(30000));
        children.push_back(std::move(child));
    }
    for (int i = 0; i < 3; ++i) {
        while (!outputs[i].contains("in-step 1") && !outputs[i].startsWith("failed")) {
            QVERIFY2(children[i]->waitForReadyRead(60000), outputs[i].constData());
            outputs[i] += children[i]->readAllStandardOutput();
        }
        QVERIFY2(outputs[i].contains("in-step 1"), outputs[i].constData());
    }
    for (auto &child : children) {
        child->write("go\n");
        child->closeWriteChannel();
    }
    for (int i = 0; i < 3; ++i) {
        QVERIFY(children[i]->waitForFinished(120000));
        outputs[i] += children[i]->readAllStandardOutput();
        QVERIFY2(outputs[i].contains("ready 3 3"), outputs[i].constData());
    }
    const QVariantHash store = stored(backend);
    QCOMPARE(store.value(QStringLiteral("counter")), QVariant(3));
    QCOMPARE(store.value(VersionKey), QVariant(3));
    for (int v = 1; v <= 3; ++v) {
        int ran = 0;
        for (auto it = store.cbegin(); it != store.cend(); ++it)
            ran += it.key().startsWith(QStringLiteral("ran/%1/").arg(v)) ? 1 : 0;
        QVERIFY2(ran == 1,
                 qPrintable(QStringLiteral("step %1 committed %2 times").arg(v).arg(ran)));
    }
    // Each child wrote once more after its migration: nothing of the migration's check stayed.
    int after = 0;
    for (auto it = store.cbegin(); it != store.cend(); ++it)
        after += it.key().startsWith(QStringLiteral("after/")) ? 1 : 0;
    QCOMPARE(after, 3);
}

// A version record whose stored text does not decode (a damaged row: "int" with the text
// "two") is a damaged record, as one that is not an integer: the load fails with Code::Corrupt
// and no step runs. Taking it for an absent record (version 0) would run every step again over
// a store they already migrated.
void tst_Migrations::undecodableVersionRecordIsDamaged_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("csv") << QStringLiteral("csv");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
}

void tst_Migrations::undecodableVersionRecordIsDamaged()
{
    QFETCH(QString, backend);
    seed(backend, {{VersionKey, 2}, {QStringLiteral("counter"), 2}});
    const QString path = m_dir->filePath(backend == u"csv" ? QStringLiteral("data/store.csv")
                                                           : QStringLiteral("data/store.db"));
    if (backend == u"csv") {
        QByteArray bytes = readBytes(path);
        const QByteArray row = VersionKey.toUtf8() + ",int,2";
        QVERIFY2(bytes.contains(row), bytes.constData());
        bytes.replace(row, VersionKey.toUtf8() + ",int,two");
        QVERIFY(writeBytes(path, bytes));
    } else {
        {
            QSqlDatabase db =
                    QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("damage"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery update(db);
            QVERIFY(update.prepare(
                    QStringLiteral("UPDATE persistent_map SET value = 'two' WHERE key = ?")));
            update.addBindValue(VersionKey);
            QVERIFY2(update.exec(), qPrintable(update.lastError().text()));
            QCOMPARE(update.numRowsAffected(), 1);
        }
        QSqlDatabase::removeDatabase(QStringLiteral("damage"));
    }
    const QByteArray bytes = readBytes(path);
    int ran = 0;
    PersistentMapMigrations migrations;
    for (int v = 1; v <= 3; ++v) {
        migrations.addStep(v, QStringLiteral("count"), [&ran](const QVariantHash &entries) {
            ++ran;
            PersistentMapWriteBatch batch;
            batch.insert(QStringLiteral("counter"),
                         entries.value(QStringLiteral("counter")).toInt() + 1);
            return batch;
        });
    }
    {
        const auto map = openMap(backend, migrations);
        const auto failure = loadError(*map);
        QVERIFY2(failure, "loaded; the steps ran again over a migrated store");
        QCOMPARE(failure->code(), Code::Corrupt);
        QVERIFY2(failure->message().contains(VersionKey), qPrintable(failure->message()));
    }
    QCOMPARE(ran, 0);
    QCOMPARE(readBytes(path), bytes);
}

// A CSV store has one writer; a read-only follower loads it as it is and migrates nothing.
void tst_Migrations::csvReadOnlyFollowerDoesNotMigrate()
{
    const QString path = m_dir->filePath(QStringLiteral("store.csv"));
    bool ran = false;
    PersistentMapMigrations migrations;
    migrations.addStep(1, QStringLiteral("one"), [&ran](const QVariantHash &) {
        ran = true;
        PersistentMapWriteBatch batch;
        batch.insert(QStringLiteral("x"), 2);
        return batch;
    });
    PersistentMap owner(std::make_unique<PersistentMapCsvBackend>(path));
    VERIFY_OK(owner.whenReady());
    VERIFY_OK(owner.insert(QStringLiteral("x"), 1));
    PersistentMap follower(migrations.wrap(std::make_unique<PersistentMapCsvBackend>(
            path, PersistentMapCsvBackend::OpenMode::ReadOnly)));
    VERIFY_OK(follower.whenReady());
    QVERIFY(!ran);
    QCOMPARE(follower.value(QStringLiteral("x")), QVariant(1));
    QVERIFY(!follower.contains(VersionKey));
}

// Two writers of one CSV store cannot migrate it at once: the file's lock keeps the second out
// (Code::Locked) while the first is inside a step, and the second runs no step.
void tst_Migrations::csvSecondWriterIsLockedOutWhileMigrating()
{
    const QString path = m_dir->filePath(QStringLiteral("store.csv"));
    QSemaphore inStep;
    QSemaphore release;
    std::atomic<int> calls{0};
    PersistentMapMigrations migrations;
    migrations.addStep(1, QStringLiteral("slow"), [&](const QVariantHash &) {
        if (calls++ == 0) {
            inStep.release();
            release.acquire();
        }
        PersistentMapWriteBatch batch;
        batch.insert(QStringLiteral("x"), 1);
        return batch;
    });
    PersistentMap first(migrations.wrap(std::make_unique<PersistentMapCsvBackend>(path)));
    QVERIFY(inStep.tryAcquire(1, 10000));
    {
        PersistentMap second(migrations.wrap(std::make_unique<PersistentMapCsvBackend>(path)));
        const auto failure = loadError(second);
        QVERIFY(failure);
        QCOMPARE(failure->code(), Code::Locked);
    }
    QCOMPARE(calls.load(), 1);
    release.release();
    VERIFY_OK(first.whenReady());
    QCOMPARE(first.value(VersionKey), QVariant(1));
    QCOMPARE(calls.load(), 1);
}

void tst_Migrations::killedMidMigrationCompletesNextStart_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<int>("killStep");
    QTest::addColumn<QString>("mode");
    for (const char *kind : {"sqlite", "postgres", "csv"}) {
        for (int step = 1; step <= MigrationSteps::Steps; ++step) {
            for (const char *mode : {"in-step", "in-commit"}) {
                QTest::addRow("%s: step %d, %s", kind, step, mode)
                        << QString::fromLatin1(kind) << step << QString::fromLatin1(mode);
            }
        }
    }
}

// The acceptance case of issue 16: a child process migrating a store is killed with SIGKILL inside
// step K (in its function, or as it commits). The store then holds every step before K and all
// or nothing of K (every key of the step at the old value or every key at the new one, the
// version record agreeing); the next start runs the rest, each step once.
void tst_Migrations::killedMidMigrationCompletesNextStart()
{
    QFETCH(QString, backend);
    QFETCH(int, killStep);
    QFETCH(QString, mode);
    seed(backend, MigrationSteps::initial());
    const auto runChild = [&](int kill, const QByteArray &until) {
        auto child = std::make_unique<QProcess>();
        child->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        child->start(QStringLiteral(MIGRATIONCHILD_PATH),
                     {spec(backend), QString::number(kill), mode});
        if (!child->waitForStarted(30000))
            return QByteArray("<did not start>");
        QByteArray out;
        while (!out.contains(until) && !out.startsWith("failed") && !out.startsWith("bad")) {
            if (!child->waitForReadyRead(60000))
                break;
            out += child->readAllStandardOutput();
        }
        if (kill > 0)
            child->kill();
        child->waitForFinished(30000);
        return out;
    };
    const QByteArray line =
            (mode == u"in-step" ? "in-step " : "commit ") + QByteArray::number(killStep);
    const QByteArray seen = runChild(killStep, line);
    QVERIFY2(seen.contains(line), seen.constData());

    const QVariantHash afterKill = stored(backend);
    const int version = afterKill.value(VersionKey, 0).toInt();
    if (mode == u"in-step")
        QCOMPARE(version, killStep - 1);
    else
        QVERIFY2(version == killStep - 1 || version == killStep,
                 qPrintable(QStringLiteral("version %1 after a kill in step %2")
                                    .arg(version)
                                    .arg(killStep)));
    // A CSV write cut by the kill leaves its bytes in PATH.torn-<time>: the kill landed inside.
    const QStringList torn = QDir(m_dir->filePath(QStringLiteral("data")))
                                     .entryList({QStringLiteral("store.csv.torn-*")});
    qInfo("killed %s step %d: the store is at version %d%s", qPrintable(mode), killStep, version,
          torn.isEmpty() ? "" : ", a torn CSV write was dropped");
    // All of the version's state and nothing of the next step: a half-applied step differs.
    COMPARE_CONTENT(afterKill, MigrationSteps::after(version));

    const QByteArray completed = runChild(0, "ready");
    QVERIFY2(completed.contains("ready " + QByteArray::number(MigrationSteps::Steps)),
             completed.constData());
    COMPARE_CONTENT(stored(backend), MigrationSteps::after(MigrationSteps::Steps));
}

// An INI file written by QSettings: every key (groups as "group/key") comes in with the value a
// fresh QSettings gives back (numbers and booleans as strings, @Variant types typed), with the
// marker, in the store after a reopen.
void tst_Migrations::importIniTyped()
{
    QFETCH(QString, backend);
    const QString iniPath = m_dir->filePath(QStringLiteral("old/app.ini"));
    const QDateTime when(QDate(2024, 5, 6), QTime(7, 8, 9), QTimeZone::utc());
    {
        QSettings writer(iniPath, QSettings::IniFormat);
        writer.setValue(QStringLiteral("name"), QStringLiteral("Ada"));
        writer.setValue(QStringLiteral("count"), 42);
        writer.setValue(QStringLiteral("ratio"), 0.25);
        writer.setValue(QStringLiteral("enabled"), true);
        writer.setValue(QStringLiteral("window/size"), QSize(640, 480));
        writer.setValue(QStringLiteral("window/geometry"), QByteArray("\x01\x02\xff", 3));
        writer.setValue(QStringLiteral("recent/files"),
                        QStringList{QStringLiteral("a.txt"), QStringLiteral("b.txt")});
        writer.setValue(QStringLiteral("sync/last"), when);
        writer.beginGroup(QStringLiteral("a"));
        writer.setValue(QStringLiteral("b/c"), QStringLiteral("deep"));
        writer.endGroup();
        writer.sync();
        QCOMPARE(writer.status(), QSettings::NoError);
    }
    QSettings settings(iniPath, QSettings::IniFormat);
    QVariantHash expected;
    for (const QString &key : settings.allKeys())
        expected.insert(key, settings.value(key));
    // What QSettings gives back from INI, which the import keeps.
    QCOMPARE(expected.value(QStringLiteral("count")), QVariant(QStringLiteral("42")));
    QCOMPARE(expected.value(QStringLiteral("enabled")), QVariant(QStringLiteral("true")));
    QCOMPARE(expected.value(QStringLiteral("window/size")), QVariant(QSize(640, 480)));
    QCOMPARE(expected.value(QStringLiteral("sync/last")), QVariant(when));
    QVERIFY(expected.contains(QStringLiteral("a/b/c")));
    QCOMPARE(expected.size(), 9);

    expected.insert(QStringLiteral("kept"), 1);
    expected.insert(Import::markerKey(), QStringList());
    {
        const auto map = openPlain(backend);
        QSignalSpy changed(map.get(), &PersistentMap::valueChanged);
        VERIFY_OK(map->insert(QStringLiteral("kept"), 1)); // a write made while loading stays
        const ImportOutcome outcome = waitFor(Import::run(*map, settings));
        QVERIFY2(!outcome.error, outcome.error ? qPrintable(outcome.error->message()) : "");
        QVERIFY(outcome.result->imported);
        QCOMPARE(outcome.result->keys.size(), 9);
        QVERIFY(outcome.result->skipped.isEmpty());
        QVERIFY(!outcome.result->sourceRemoved);
        QVERIFY(QFile::exists(iniPath));
        COMPARE_CONTENT(markersAsSkipped(map->toHash()), expected);
        QCOMPARE(map->value(Import::markerKey()).toMap().value(QStringLiteral("sha256")),
                 QVariant(QString::fromLatin1(
                         QCryptographicHash::hash(readBytes(iniPath), QCryptographicHash::Sha256)
                                 .toHex())));
        QTRY_COMPARE(changed.count(), 11); // "kept", 9 imported, the marker
        VERIFY_OK(map->flush());
    }
    if (isPersistent(backend))
        COMPARE_CONTENT(stored(backend), expected);
}

// The native format (on Linux the INI-like file under the user's config folder, here moved to a
// temporary folder by QSettings::setPath()) comes in the same way.
void tst_Migrations::importNativeFormat()
{
    QFETCH(QString, backend);
    const QString config = m_dir->filePath(QStringLiteral("config"));
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, config);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, config);
    const QString org = QStringLiteral("ExampleOrg");
    const QString app = QStringLiteral("ExampleApp");
    // The file an earlier program left, read fresh as at the next start (within one process
    // QSettings shares what it wrote, typed, with later objects on the same file).
    const QString file = config + QStringLiteral("/ExampleOrg/ExampleApp.conf");
    QVERIFY(QDir().mkpath(config + QStringLiteral("/ExampleOrg")));
    QVERIFY(writeBytes(file, "[General]\nvolume=7\nsize=@Size(3 4)\n\n[ui]\ntheme=dark\n"));
    QSettings settings(org, app);
    QCOMPARE(settings.fileName(), file);
    {
        const auto map = openPlain(backend);
        const ImportOutcome outcome =
                waitFor(Import::run(*map, settings, Import::Option::RemoveSource));
        QVERIFY2(!outcome.error, outcome.error ? qPrintable(outcome.error->message()) : "");
        QVERIFY(outcome.result->imported);
        QVERIFY(outcome.result->sourceRemoved);
    }
    QVERIFY(!QFile::exists(file));
    COMPARE_CONTENT(stored(backend),
                    (QVariantHash{{QStringLiteral("volume"), QStringLiteral("7")},
                                  {QStringLiteral("ui/theme"), QStringLiteral("dark")},
                                  {QStringLiteral("size"), QSize(3, 4)},
                                  {Import::markerKey(), QStringList()}}));
}

// A second import finds the marker: nothing is written again, a value the program changed since
// stays, and the source's new values are not taken.
void tst_Migrations::secondImportIsNoOp()
{
    QFETCH(QString, backend);
    const QString iniPath = m_dir->filePath(QStringLiteral("app.ini"));
    {
        QSettings writer(iniPath, QSettings::IniFormat);
        writer.setValue(QStringLiteral("a"), QStringLiteral("1"));
        writer.setValue(QStringLiteral("b"), QStringLiteral("2"));
    }
    {
        const auto map = openPlain(backend);
        QSettings settings(iniPath, QSettings::IniFormat);
        const ImportOutcome outcome = waitFor(Import::run(*map, settings));
        QVERIFY(outcome.result && outcome.result->imported);
        VERIFY_OK(map->insert(QStringLiteral("a"), QStringLiteral("changed")));
    }
    {
        QSettings writer(iniPath, QSettings::IniFormat);
        writer.setValue(QStringLiteral("b"), QStringLiteral("new"));
        writer.setValue(QStringLiteral("c"), QStringLiteral("3"));
    }
    {
        const auto map = openPlain(backend);
        QSignalSpy changed(map.get(), &PersistentMap::valueChanged);
        QSettings settings(iniPath, QSettings::IniFormat);
        const ImportOutcome outcome = waitFor(Import::run(*map, settings));
        QVERIFY2(!outcome.error, outcome.error ? qPrintable(outcome.error->message()) : "");
        QVERIFY(!outcome.result->imported);
        QVERIFY(!outcome.result->sourceRemoved);
        VERIFY_OK(map->flush());
        QCoreApplication::processEvents();
        QCOMPARE(changed.count(), 0);
    }
    COMPARE_CONTENT(stored(backend),
                    (QVariantHash{{QStringLiteral("a"), QStringLiteral("changed")},
                                  {QStringLiteral("b"), QStringLiteral("2")},
                                  {Import::markerKey(), QStringList()}}));
    // Another name is another import.
    {
        const auto map = openPlain(backend);
        QSettings settings(iniPath, QSettings::IniFormat);
        const ImportOutcome outcome =
                waitFor(Import::run(*map, settings, {}, QStringLiteral("second")));
        QVERIFY(outcome.result && outcome.result->imported);
        QCOMPARE(map->value(QStringLiteral("c")), QVariant(QStringLiteral("3")));
        QVERIFY(map->contains(Import::markerKey(QStringLiteral("second"))));
    }
}

// The store refuses the import's batch (every write fails): nothing of it is in the store, the
// marker neither, and the next run imports everything once.
void tst_Migrations::failedImportWritesNothingAndRedoes()
{
    QFETCH(QString, backend);
    const QString iniPath = m_dir->filePath(QStringLiteral("app.ini"));
    {
        QSettings writer(iniPath, QSettings::IniFormat);
        for (int i = 0; i < 50; ++i)
            writer.setValue(QStringLiteral("g/k%1").arg(i), i);
    }
    {
        auto control = std::make_shared<FaultControl>();
        control->apply.failAlways = true;
        PersistentMap map(std::make_unique<FaultyBackend>(makeBackend(backend), control));
        QSettings settings(iniPath, QSettings::IniFormat);
        const ImportOutcome outcome =
                waitFor(Import::run(map, settings, Import::Option::RemoveSource));
        QVERIFY(outcome.error);
        QCOMPARE(outcome.error->code(), Code::WriteFailed);
        QVERIFY(QFile::exists(iniPath));
    } // the destructor's last attempt fails too
    COMPARE_CONTENT(stored(backend), QVariantHash());
    const auto map = openPlain(backend);
    QSettings settings(iniPath, QSettings::IniFormat);
    const ImportOutcome outcome = waitFor(Import::run(*map, settings));
    QVERIFY(outcome.result && outcome.result->imported);
    QCOMPARE(map->count(), 51);
    QCOMPARE(map->value(QStringLiteral("g/k49")), QVariant(QStringLiteral("49")));
}

// A file QSettings reports a format error for (a group header without its ']') fails the import
// with Code::Corrupt naming the file; nothing is written, the marker neither.
void tst_Migrations::unreadableSettingsFileFails()
{
    QFETCH(QString, backend);
    const QString iniPath = m_dir->filePath(QStringLiteral("broken.ini"));
    QVERIFY(writeBytes(iniPath, "[General\nkey=1\n"));
    const auto map = openPlain(backend);
    QSettings settings(iniPath, QSettings::IniFormat);
    const ImportOutcome outcome =
            waitFor(Import::run(*map, settings, Import::Option::RemoveSource));
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->code(), Code::Corrupt);
    QVERIFY2(outcome.error->message().contains(iniPath), qPrintable(outcome.error->message()));
    VERIFY_OK(map->flush());
    QCOMPARE(map->count(), 0);
    QVERIFY(QFile::exists(iniPath));
}

// A value of a type the map refuses (QEasingCurve, which QSettings keeps as @Variant) is skipped
// and reported; the rest is imported; the source is kept even with RemoveSource.
void tst_Migrations::unstorableValuesAreSkipped()
{
    QFETCH(QString, backend);
    const QString iniPath = m_dir->filePath(QStringLiteral("app.ini"));
    {
        QSettings writer(iniPath, QSettings::IniFormat);
        writer.setValue(QStringLiteral("curve"), QEasingCurve(QEasingCurve::InOutQuad));
        writer.setValue(QStringLiteral("fine"), 5);
    }
    const auto map = openPlain(backend);
    QSettings settings(iniPath, QSettings::IniFormat);
    QCOMPARE(settings.value(QStringLiteral("curve")).metaType(),
             QMetaType::fromType<QEasingCurve>());
    // "5" from a fresh process; the int 5 here, where QSettings still holds what it wrote.
    const QVariant fine = settings.value(QStringLiteral("fine"));
    const ImportOutcome outcome =
            waitFor(Import::run(*map, settings, Import::Option::RemoveSource));
    QVERIFY2(!outcome.error, outcome.error ? qPrintable(outcome.error->message()) : "");
    QVERIFY(outcome.result->imported);
    QCOMPARE(outcome.result->keys, QStringList{QStringLiteral("fine")});
    QCOMPARE(outcome.result->skipped.keys(), QStringList{QStringLiteral("curve")});
    QVERIFY2(outcome.result->skipped.value(QStringLiteral("curve"))
                     .contains(QStringLiteral("QEasingCurve")),
             qPrintable(outcome.result->skipped.value(QStringLiteral("curve"))));
    QVERIFY(!outcome.result->sourceRemoved);
    QVERIFY(QFile::exists(iniPath));
    COMPARE_CONTENT(markersAsSkipped(map->toHash()),
                    (QVariantHash{{QStringLiteral("fine"), fine},
                                  {Import::markerKey(), QStringList{QStringLiteral("curve")}}}));
}

// RemoveSource: the file stays while the flush fails, and goes once a flush succeeded (a later
// run that finds the marker removes it).
void tst_Migrations::sourceRemovedOnlyAfterFlush()
{
    QFETCH(QString, backend);
    const QString iniPath = m_dir->filePath(QStringLiteral("app.ini"));
    {
        QSettings writer(iniPath, QSettings::IniFormat);
        writer.setValue(QStringLiteral("k"), QStringLiteral("v"));
    }
    {
        auto control = std::make_shared<FaultControl>();
        control->flush.failAlways = true;
        PersistentMap map(std::make_unique<FaultyBackend>(makeBackend(backend), control));
        QSettings settings(iniPath, QSettings::IniFormat);
        const ImportOutcome outcome =
                waitFor(Import::run(map, settings, Import::Option::RemoveSource));
        QVERIFY(outcome.error);
        QCOMPARE(outcome.error->code(), Code::WriteFailed);
        QVERIFY(QFile::exists(iniPath));
        // Committed (not yet known to be durable): the map has the import and its marker.
        QCOMPARE(map.value(QStringLiteral("k")), QVariant(QStringLiteral("v")));
        QVERIFY(map.contains(Import::markerKey()));
    }
    QVERIFY(QFile::exists(iniPath));
    const auto map = openPlain(backend);
    QSettings settings(iniPath, QSettings::IniFormat);
    const ImportOutcome outcome =
            waitFor(Import::run(*map, settings, Import::Option::RemoveSource));
    QVERIFY2(!outcome.error, outcome.error ? qPrintable(outcome.error->message()) : "");
    QVERIFY(!outcome.result->imported);
    QVERIFY(outcome.result->sourceRemoved);
    QVERIFY(!QFile::exists(iniPath));
    QCOMPARE(map->value(QStringLiteral("k")), QVariant(QStringLiteral("v")));
}

// RemoveSource: another process (an older build of the program still running) writes the
// QSettings file after run() read it and before the import is flushed. The file then holds a key
// the import never read; removing it would lose that key everywhere. It must stay, and the
// future says why.
void tst_Migrations::sourceKeptWhenChangedAfterRead()
{
    QFETCH(QString, backend);
    const QString iniPath = m_dir->filePath(QStringLiteral("legacy.ini"));
    QVERIFY(writeBytes(iniPath, "[General]\nk=v\n"));
    auto gate = std::make_shared<Gate>();
    PersistentMap map(std::make_unique<GatedBackend>(makeBackend(backend), gate));
    QVERIFY(gate->waitEntered()); // the load is held, so the import waits for it
    QSettings settings(iniPath, QSettings::IniFormat);
    const QFuture<Import::Result> future = Import::run(map, settings, Import::Option::RemoveSource);
    const QByteArray changed("[General]\nk=v\nwrittenLater=1\n");
    QVERIFY(writeBytes(iniPath, changed));
    gate->open();
    const ImportOutcome outcome = waitFor(future);
    QCOMPARE(map.value(QStringLiteral("k")), QVariant(QStringLiteral("v")));
    QVERIFY(!map.contains(QStringLiteral("writtenLater")));
    QVERIFY2(QFile::exists(iniPath), "the file with a key never imported was removed");
    QCOMPARE(readBytes(iniPath), changed);
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->code(), Code::WriteFailed);
    QVERIFY2(outcome.error->message().contains(iniPath), qPrintable(outcome.error->message()));
}

// RemoveSource in a folder where nothing may be removed (immutable, so that root is refused
// too): the import is committed and durable, the file stays, the future says so; once the folder
// is writable again a later run() finds the marker and removes the file.
void tst_Migrations::sourceInReadOnlyFolderIsKeptAndReported()
{
    const QString chattr = QStandardPaths::findExecutable(QStringLiteral("chattr"));
    const QString folder = m_dir->filePath(QStringLiteral("locked"));
    QVERIFY(QDir().mkpath(folder));
    const QString iniPath = folder + QStringLiteral("/app.ini");
    QVERIFY(writeBytes(iniPath, "[General]\nk=v\n"));
    if (chattr.isEmpty() || QProcess::execute(chattr, {QStringLiteral("+i"), folder}) != 0)
        QSKIP("chattr +i is not possible here (not root, or not ext2/3/4)");
    auto unlock = qScopeGuard([&] { QProcess::execute(chattr, {QStringLiteral("-i"), folder}); });
    {
        const auto map = openPlain(QStringLiteral("sqlite"));
        QSettings settings(iniPath, QSettings::IniFormat);
        const ImportOutcome outcome =
                waitFor(Import::run(*map, settings, Import::Option::RemoveSource));
        QVERIFY(outcome.error);
        QCOMPARE(outcome.error->code(), Code::WriteFailed);
        QVERIFY2(outcome.error->message().contains(iniPath), qPrintable(outcome.error->message()));
        QVERIFY(QFile::exists(iniPath));
    }
    const QVariantHash afterFirst = stored(QStringLiteral("sqlite"));
    QCOMPARE(afterFirst.value(QStringLiteral("k")), QVariant(QStringLiteral("v")));
    QVERIFY(afterFirst.contains(Import::markerKey()));
    unlock.dismiss();
    QCOMPARE(QProcess::execute(chattr, {QStringLiteral("-i"), folder}), 0);
    const auto map = openPlain(QStringLiteral("sqlite"));
    QSettings settings(iniPath, QSettings::IniFormat);
    const ImportOutcome outcome =
            waitFor(Import::run(*map, settings, Import::Option::RemoveSource));
    QVERIFY2(!outcome.error, outcome.error ? qPrintable(outcome.error->message()) : "");
    QVERIFY(!outcome.result->imported);
    QVERIFY(outcome.result->sourceRemoved);
    QVERIFY(!QFile::exists(iniPath));
}

// RemoveSource on a settings file reached through a symbolic link: the link is what run() was
// given and what goes; the file it points to is left as it is (nothing is lost).
void tst_Migrations::sourceSymlinkRemovesTheLinkOnly()
{
    const QString target = m_dir->filePath(QStringLiteral("real.ini"));
    const QString link = m_dir->filePath(QStringLiteral("link.ini"));
    QVERIFY(writeBytes(target, "[General]\nk=v\n"));
    QVERIFY(QFile::link(target, link));
    const auto map = openPlain(QStringLiteral("sqlite"));
    QSettings settings(link, QSettings::IniFormat);
    const ImportOutcome outcome =
            waitFor(Import::run(*map, settings, Import::Option::RemoveSource));
    QVERIFY2(!outcome.error, outcome.error ? qPrintable(outcome.error->message()) : "");
    QVERIFY(outcome.result->sourceRemoved);
    QVERIFY(!QFileInfo(link).isSymLink() && !QFile::exists(link));
    QCOMPARE(readBytes(target), QByteArray("[General]\nk=v\n"));
    QCOMPARE(map->value(QStringLiteral("k")), QVariant(QStringLiteral("v")));
}

// whenReady() hands every caller the same future, and Qt 6.4 keeps one continuation per future
// (a second then() overwrites the first, with a warning). The import must not take the place of
// a continuation the program attached, nor lose its own to a second import: here the program
// waits for the load with then(), and two parts of it import the same file while the map loads.
// Every continuation runs; one import imports, the other finds its marker.
void tst_Migrations::importLeavesOtherContinuationsAlone()
{
    const QString iniPath = m_dir->filePath(QStringLiteral("twice.ini"));
    QVERIFY(writeBytes(iniPath, "[General]\nk=v\n"));
    auto gate = std::make_shared<Gate>();
    auto control = std::make_shared<FaultControl>();
    std::atomic<int> applies{0};
    control->beforeApply = [&applies] { ++applies; };
    PersistentMap map(std::make_unique<GatedBackend>(
            std::make_unique<FaultyBackend>(makeBackend(QStringLiteral("sqlite")), control), gate));
    QVERIFY(gate->waitEntered());
    std::atomic<bool> programRan{false};
    QFuture<void> program = map.whenReady().then([&programRan] { programRan = true; });
    QSettings first(iniPath, QSettings::IniFormat);
    QSettings second(iniPath, QSettings::IniFormat);
    QFuture<Import::Result> a = Import::run(map, first);
    QFuture<Import::Result> b = Import::run(map, second);
    gate->open();
    program.waitForFinished();
    QVERIFY2(programRan, "the program's continuation of whenReady() never ran");
    int imported = 0;
    for (QFuture<Import::Result> *future : {&a, &b}) {
        future->waitForFinished();
        QVERIFY2(!future->isCanceled() && future->resultCount() == 1,
                 "an import's future finished without a result");
        imported += future->result().imported ? 1 : 0;
    }
    QCOMPARE(imported, 1);
    VERIFY_OK(map.flush());
    QCOMPARE(applies.load(), 1);
    QCOMPARE(map.value(QStringLiteral("k")), QVariant(QStringLiteral("v")));
}

// An import committed, its flush failed (the process could as well have ended before the
// removal), and the file stays. An older build still running then writes a new key to it. The
// next run() finds the marker, whose SHA-256 is not the file's any more: the file is kept.
void tst_Migrations::sourceKeptWhenChangedAfterInterruptedImport()
{
    QFETCH(QString, backend);
    const QString iniPath = m_dir->filePath(QStringLiteral("legacy.ini"));
    QVERIFY(writeBytes(iniPath, "[General]\nk=v\n"));
    {
        auto control = std::make_shared<FaultControl>();
        control->flush.failAlways = true;
        PersistentMap map(std::make_unique<FaultyBackend>(makeBackend(backend), control));
        QSettings settings(iniPath, QSettings::IniFormat);
        const ImportOutcome outcome =
                waitFor(Import::run(map, settings, Import::Option::RemoveSource));
        QVERIFY(outcome.error);
        QVERIFY(map.contains(Import::markerKey()));
    }
    const QByteArray changed("[General]\nk=v\nwrittenLater=1\n");
    QVERIFY(writeBytes(iniPath, changed));
    const auto map = openPlain(backend);
    QSettings settings(iniPath, QSettings::IniFormat);
    waitFor(Import::run(*map, settings, Import::Option::RemoveSource));
    QVERIFY(map->contains(QStringLiteral("writtenLater")) || QFile::exists(iniPath));
}

// The import's marker row is damaged (its text does not decode). The map keeps it out of its
// cache; run() must not take it for absent and import again, over a value the program changed
// since the first import: it fails with Code::Corrupt.
void tst_Migrations::undecodableMarkerDoesNotImportAgain()
{
    const QString iniPath = m_dir->filePath(QStringLiteral("app.ini"));
    QVERIFY(writeBytes(iniPath, "[General]\nk=v\n"));
    {
        const auto map = openPlain(QStringLiteral("csv"));
        QSettings settings(iniPath, QSettings::IniFormat);
        const ImportOutcome outcome = waitFor(Import::run(*map, settings));
        QVERIFY(outcome.result && outcome.result->imported);
        VERIFY_OK(map->insert(QStringLiteral("k"), QStringLiteral("changed")));
        VERIFY_OK(map->flush());
    }
    const QString path = m_dir->filePath(QStringLiteral("data/store.csv"));
    QByteArray bytes = readBytes(path);
    // The marker's row, "KEY,map,<its JSON, quoted>", becomes "KEY,map,not json".
    const QByteArray marker = '\n' + Import::markerKey().toUtf8() + ",map,";
    const qsizetype row = bytes.indexOf(marker);
    QVERIFY2(row >= 0, bytes.constData());
    const qsizetype end = bytes.indexOf('\n', row + 1);
    QVERIFY(end > row);
    bytes.replace(row, end - row, marker + "not json");
    QVERIFY(writeBytes(path, bytes));
    const auto map = openPlain(QStringLiteral("csv"));
    QSettings settings(iniPath, QSettings::IniFormat);
    const ImportOutcome outcome = waitFor(Import::run(*map, settings));
    QVERIFY(!outcome.result || !outcome.result->imported);
    QVERIFY(outcome.error);
    QCOMPARE(outcome.error->code(), PersistentMapError::Code::Corrupt);
    QCOMPARE(map->value(QStringLiteral("k")), QVariant(QStringLiteral("changed")));
}

void tst_Migrations::importKilledMidCommitIsAllOrNothing_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgres") << QStringLiteral("postgres");
    QTest::newRow("csv") << QStringLiteral("csv");
}

// A child importing 20 000 keys is killed (SIGKILL) as the import's batch is applied: the store
// then holds all of it with the marker or nothing, and the next run imports once (or finds the
// marker), leaving every key exactly once.
void tst_Migrations::importKilledMidCommitIsAllOrNothing()
{
    QFETCH(QString, backend);
    constexpr int Keys = 20000;
    const QString iniPath = m_dir->filePath(QStringLiteral("big.ini"));
    QByteArray ini("[g]\n");
    QVariantHash imported;
    for (int i = 0; i < Keys; ++i) {
        const QString key = QStringLiteral("k%1").arg(i, 5, 10, QLatin1Char('0'));
        ini += key.toUtf8() + '=' + QByteArray::number(i) + '\n';
        imported.insert(QStringLiteral("g/") + key, QString::number(i));
    }
    imported.insert(Import::markerKey(), QStringList());
    QVERIFY(writeBytes(iniPath, ini));
    const auto runChild = [&](bool kill, const QByteArray &until) {
        QProcess child;
        child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("PM_INI"), iniPath);
        child.setProcessEnvironment(env);
        child.start(QStringLiteral(MIGRATIONCHILD_PATH),
                    {spec(backend), kill ? QStringLiteral("1") : QStringLiteral("0"),
                     QStringLiteral("import")});
        if (!child.waitForStarted(30000))
            return QByteArray("<did not start>");
        QByteArray out;
        while (!out.contains(until) && !out.startsWith("failed") && !out.startsWith("bad")) {
            if (!child.waitForReadyRead(60000))
                break;
            out += child.readAllStandardOutput();
        }
        if (kill)
            child.kill();
        child.waitForFinished(30000);
        return out;
    };
    const QByteArray seen = runChild(true, "commit import");
    QVERIFY2(seen.contains("commit import"), seen.constData());
    const QVariantHash afterKill = stored(backend);
    const bool committed = afterKill.contains(Import::markerKey());
    qInfo("killed as the import committed: %s", committed ? "committed" : "nothing stored");
    COMPARE_CONTENT(afterKill, committed ? imported : QVariantHash());
    const QByteArray again = runChild(false, "imported");
    QVERIFY2(again.contains(committed ? "imported 0" : "imported 1"), again.constData());
    COMPARE_CONTENT(stored(backend), imported);
}

QTEST_MAIN(tst_Migrations)
#include "tst_migrations.moc"
