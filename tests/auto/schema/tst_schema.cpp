// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PersistentMapSchema and PersistentMap's schema (issue 16, item 1; docs/SCHEMA.md): defaults
// read but never stored, isDefault/reset/resetAll persisted, violations refused whole with
// nothing changed, exact conversion, JSON loading, another process's store. The map behaviour
// is checked once per backend (memory, sqlite, postgres, csv, custom).
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapBackendWrapper>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapMemoryBackend>
#include <PersistentMap/PersistentMapPostgresBackend>
#include <PersistentMap/PersistentMapSchema>
#include <PersistentMap/PersistentMapSqliteBackend>

#include "mapwatcherprocess.h"
#include "postgrestest.h"
#include "serializedbackend.h"
#include "testhelpers.h"

#include <climits>
#include <QtCore/QCoreApplication>
#include <QtCore/QDate>
#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimeZone>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <limits>
#include <memory>

namespace {

// Records the batches the map commits, then forwards them.
class BatchRecorder : public PersistentMapBackendWrapper
{
public:
    BatchRecorder(std::unique_ptr<PersistentMapBackend> target,
                  std::shared_ptr<QList<PersistentMapWriteBatch>> batches)
        : PersistentMapBackendWrapper(std::move(target))
        , m_batches(std::move(batches))
    {
    }
    void apply(const PersistentMapWriteBatch &batch) override
    {
        PersistentMapBackendWrapper::apply(batch);
        m_batches->append(batch); // read by the test after flush() finished
    }

private:
    std::shared_ptr<QList<PersistentMapWriteBatch>> m_batches;
};

PersistentMapSchema settingsSchema()
{
    PersistentMapSchema schema;
    schema.add(PersistentMapSchema::Key(QStringLiteral("fontSize"), 12).setRange(6, 72));
    schema.add(PersistentMapSchema::Key(QStringLiteral("theme"), QStringLiteral("light"))
                       .setChoices({QStringLiteral("light"), QStringLiteral("dark")})
                       .setDescription(QStringLiteral("Colour scheme")));
    schema.add(PersistentMapSchema::Key(QStringLiteral("ratio"), 0.5).setRange(0.0, 1.0));
    schema.add(
            PersistentMapSchema::Key(QStringLiteral("recent"), QMetaType::fromType<QStringList>()));
    return schema;
}

} // namespace

class tst_Schema : public QObject
{
    Q_OBJECT

    static void addAllBackends();
    static void addPersistentBackends();
    std::unique_ptr<PersistentMapBackend> makeBackend(const QString &kind) const;
    std::unique_ptr<PersistentMap> openMap(const QString &kind, bool withSchema) const;
    QString spec(const QString &kind) const; // for the other process
    QString storeFile(const QString &kind) const;

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_customName;
    int m_counter = 0;
    std::unique_ptr<PostgresTestTable> m_postgresTable;

private Q_SLOTS:
    void init();
    void cleanup();

    void noSchemaBehavesAsBefore_data() { addAllBackends(); }
    void noSchemaBehavesAsBefore();
    void defaultsReadButNeverStored_data() { addAllBackends(); }
    void defaultsReadButNeverStored();
    void violationsRefusedWhole_data() { addAllBackends(); }
    void violationsRefusedWhole();
    void exactConversionStoresDeclaredType_data() { addAllBackends(); }
    void exactConversionStoresDeclaredType();
    void resetAndResetAllPersisted_data() { addAllBackends(); }
    void resetAndResetAllPersisted();
    void resetAllIsOneBatch_data() { addAllBackends(); }
    void resetAllIsOneBatch();
    void otherProcessStoreReadsDefaults_data();
    void otherProcessStoreReadsDefaults();
    void otherProcessRemovalFallsBackToDefault_data();
    void otherProcessRemovalFallsBackToDefault();

    void builder();
    void checkIsExactAtTheEdges_data();
    void checkIsExactAtTheEdges();
    void builderRefusesContradictions_data();
    void builderRefusesContradictions();
    void jsonGood();
    void jsonBad_data();
    void jsonBad();
    void jsonFile();
    void setSchemaEmitsOnceAndReplaces();
    void docsExample();
};

void tst_Schema::addAllBackends()
{
    QTest::addColumn<QString>("backend");
    for (const char *kind : {"memory", "sqlite", "postgres", "csv", "custom"})
        QTest::newRow(kind) << QString::fromLatin1(kind);
}

void tst_Schema::addPersistentBackends()
{
    QTest::addColumn<QString>("backend");
    for (const char *kind : {"sqlite", "postgres", "csv"})
        QTest::newRow(kind) << QString::fromLatin1(kind);
}

QString tst_Schema::storeFile(const QString &kind) const
{
    if (kind == u"sqlite")
        return m_dir->filePath(QStringLiteral("store.db"));
    if (kind == u"csv")
        return m_dir->filePath(QStringLiteral("store.csv"));
    return {};
}

QString tst_Schema::spec(const QString &kind) const
{
    if (kind == u"postgres")
        return m_postgresTable->spec();
    return kind + u':' + storeFile(kind);
}

std::unique_ptr<PersistentMapBackend> tst_Schema::makeBackend(const QString &kind) const
{
    if (kind == u"memory")
        return std::make_unique<PersistentMapMemoryBackend>();
    if (kind == u"sqlite")
        return std::make_unique<PersistentMapSqliteBackend>(storeFile(kind));
    if (kind == u"postgres")
        return std::make_unique<PersistentMapPostgresBackend>(m_postgresTable->spec());
    if (kind == u"csv")
        return std::make_unique<PersistentMapCsvBackend>(storeFile(kind));
    return std::make_unique<SerializedBackend>(m_customName);
}

std::unique_ptr<PersistentMap> tst_Schema::openMap(const QString &kind, bool withSchema) const
{
    auto map = std::make_unique<PersistentMap>(makeBackend(kind));
    if (withSchema)
        map->setSchema(settingsSchema());
    return map;
}

void tst_Schema::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_customName = QStringLiteral("store-%1").arg(++m_counter);
    const char *tag = QTest::currentDataTag();
    if (tag && QByteArray(tag) == "postgres") {
        PM_POSTGRES_SPEC_OR_SKIP(spec);
        m_postgresTable = std::make_unique<PostgresTestTable>(spec);
    }
}

void tst_Schema::cleanup()
{
    m_postgresTable.reset();
}

void tst_Schema::noSchemaBehavesAsBefore()
{
    QFETCH(QString, backend);
    auto map = openMap(backend, false);
    VERIFY_OK(map->whenReady());
    QVERIFY(map->schema().isEmpty());
    QVERIFY(!map->value(QStringLiteral("fontSize")).isValid());
    QVERIFY(!map->defaultValue(QStringLiteral("fontSize")).isValid());
    QVERIFY(map->isDefault(QStringLiteral("fontSize")));
    // No type or range: anything storable goes, as it is.
    VERIFY_OK(map->insert(QStringLiteral("fontSize"), QStringLiteral("abc")));
    VERIFY_OK(map->insert(QStringLiteral("ratio"), 12.5));
    QCOMPARE(map->value(QStringLiteral("fontSize")), QVariant(QStringLiteral("abc")));
    QCOMPARE(map->value(QStringLiteral("ratio")).metaType(), QMetaType::fromType<double>());
    QVERIFY(!map->isDefault(QStringLiteral("fontSize")));
    VERIFY_OK(map->resetAll()); // nothing declared: nothing removed
    QCOMPARE(map->count(), 2);
}

void tst_Schema::defaultsReadButNeverStored()
{
    QFETCH(QString, backend);
    {
        auto map = openMap(backend, true);
        VERIFY_OK(map->whenReady());
        QCOMPARE(map->value(QStringLiteral("fontSize")), QVariant(12));
        QCOMPARE(map->value(QStringLiteral("theme")), QVariant(QStringLiteral("light")));
        QCOMPARE(map->get<int>(QStringLiteral("fontSize")), std::optional<int>(12));
        QCOMPARE(map->get<double>(QStringLiteral("ratio")), std::optional<double>(0.5));
        QCOMPARE(map->defaultValue(QStringLiteral("fontSize")), QVariant(12));
        // An explicit fallback wins over the schema's default.
        QCOMPARE(map->value(QStringLiteral("fontSize"), 99), QVariant(99));
        // A declared key without a default, and an undeclared key, read nothing.
        QVERIFY(!map->value(QStringLiteral("recent")).isValid());
        QVERIFY(!map->value(QStringLiteral("undeclared")).isValid());
        // What is stored: nothing.
        QVERIFY(map->isDefault(QStringLiteral("fontSize")));
        QVERIFY(!map->contains(QStringLiteral("fontSize")));
        QCOMPARE(map->count(), 0);
        QVERIFY(map->keys().isEmpty());
        QVERIFY(map->toHash().isEmpty());
        VERIFY_OK(map->insert(QStringLiteral("other"), 1));
        VERIFY_OK(map->flush());
    }
    if (backend == u"memory")
        return;
    if (backend == u"csv") {
        const QByteArray bytes = readBytes(storeFile(backend));
        QVERIFY2(bytes.contains("other"), bytes.constData());
        QVERIFY2(!bytes.contains("fontSize") && !bytes.contains("light"), bytes.constData());
    }
    auto reopened = openMap(backend, false);
    VERIFY_OK(reopened->whenReady());
    COMPARE_CONTENT(reopened->toHash(), (QVariantHash{{QStringLiteral("other"), 1}}));
}

void tst_Schema::violationsRefusedWhole()
{
    QFETCH(QString, backend);
    {
        auto map = openMap(backend, true);
        VERIFY_OK(map->whenReady());
        VERIFY_OK(map->insert(QStringLiteral("theme"), QStringLiteral("dark")));
        QSignalSpy changed(map.get(), &PersistentMap::valueChanged);
        QSignalSpy removed(map.get(), &PersistentMap::valueRemoved);
        QSignalSpy counted(map.get(), &PersistentMap::countChanged);
        QSignalSpy errors(map.get(), &PersistentMap::errorOccurred);

        const auto expectViolation = [&](QFuture<void> future, const QString &message) {
            QVERIFY(future.isFinished()); // failed at once, before any I/O
            const std::optional<PersistentMapError> error = failureOf(future);
            QVERIFY(error);
            QCOMPARE(error->code(), PersistentMapError::Code::SchemaViolation);
            QCOMPARE(error->message(), message);
        };
        expectViolation(map->insert(QStringLiteral("fontSize"), QStringLiteral("abc")),
                        QStringLiteral("key 'fontSize': 'abc' (QString) is not an int"));
        expectViolation(map->insert(QStringLiteral("fontSize"), 100),
                        QStringLiteral("key 'fontSize': '100' (int) is above the maximum 72"));
        expectViolation(map->insert(QStringLiteral("fontSize"), 5.0),
                        QStringLiteral("key 'fontSize': '5' (double) is below the minimum 6"));
        expectViolation(map->insert(QStringLiteral("fontSize"), 12.5),
                        QStringLiteral("key 'fontSize': '12.5' (double) is not an int"));
        expectViolation(map->insert(QStringLiteral("theme"), QStringLiteral("blue")),
                        QStringLiteral("key 'theme': 'blue' (QString) is not one of 'light', "
                                       "'dark'"));
        expectViolation(map->insert(QStringLiteral("recent"), 3),
                        QStringLiteral("key 'recent': '3' (int) is not a stringlist"));
        expectViolation(map->insert(QStringLiteral("theme"), QVariant()),
                        QStringLiteral("key 'theme': null is not a string"));
        // One bad value refuses the whole hash, and the whole batch.
        expectViolation(map->insert(QVariantHash{{QStringLiteral("other"), 1},
                                                 {QStringLiteral("fontSize"), 14},
                                                 {QStringLiteral("ratio"), 1.5}}),
                        QStringLiteral("key 'ratio': '1.5' (double) is above the maximum 1"));
        PersistentMapWriteBatch batch;
        batch.insert(QStringLiteral("other"), 2);
        batch.remove(QStringLiteral("theme"));
        batch.insert(QStringLiteral("fontSize"), QStringLiteral("big"));
        expectViolation(map->apply(batch),
                        QStringLiteral("key 'fontSize': 'big' (QString) is not an int"));

        QCOMPARE(changed.count(), 0);
        QCOMPARE(removed.count(), 0);
        QCOMPARE(counted.count(), 0);
        QCOMPARE(errors.count(), 9); // each reported, as a write the store cannot take
        COMPARE_CONTENT(map->toHash(),
                        (QVariantHash{{QStringLiteral("theme"), QStringLiteral("dark")}}));
        QCOMPARE(map->value(QStringLiteral("fontSize")), QVariant(12));
        VERIFY_OK(map->flush());
    }
    if (backend == u"memory")
        return;
    auto reopened = openMap(backend, false);
    VERIFY_OK(reopened->whenReady());
    COMPARE_CONTENT(reopened->toHash(),
                    (QVariantHash{{QStringLiteral("theme"), QStringLiteral("dark")}}));
}

void tst_Schema::exactConversionStoresDeclaredType()
{
    QFETCH(QString, backend);
    {
        auto map = openMap(backend, true);
        VERIFY_OK(map->whenReady());
        QSignalSpy changed(map.get(), &PersistentMap::valueChanged);
        // As QML hands numbers over: a double.
        VERIFY_OK(map->insert(QStringLiteral("fontSize"), 14.0));
        QCOMPARE(map->value(QStringLiteral("fontSize")).metaType(), QMetaType::fromType<int>());
        QCOMPARE(map->value(QStringLiteral("fontSize")), QVariant(14));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.at(0).at(1), QVariant(14)); // the signal carries the stored value
        // An int for a double key, a QVariantList of strings for a string list, in a batch.
        PersistentMapWriteBatch batch;
        batch.insert(QStringLiteral("ratio"), 1);
        batch.insert(QStringLiteral("recent"), QVariantList{QStringLiteral("a.txt")});
        VERIFY_OK(map->apply(batch));
        QCOMPARE(map->value(QStringLiteral("ratio")).metaType(), QMetaType::fromType<double>());
        QCOMPARE(map->value(QStringLiteral("recent")).metaType(),
                 QMetaType::fromType<QStringList>());
        // Text that is exactly a number is that number.
        VERIFY_OK(map->insert(QVariantHash{{QStringLiteral("fontSize"), QStringLiteral("16")}}));
        QCOMPARE(map->value(QStringLiteral("fontSize")), QVariant(16));
        VERIFY_OK(map->flush());
    }
    if (backend == u"memory")
        return;
    auto reopened = openMap(backend, false);
    VERIFY_OK(reopened->whenReady());
    COMPARE_CONTENT(
            reopened->toHash(),
            (QVariantHash{{QStringLiteral("fontSize"), 16},
                          {QStringLiteral("ratio"), 1.0},
                          {QStringLiteral("recent"), QStringList{QStringLiteral("a.txt")}}}));
}

void tst_Schema::resetAndResetAllPersisted()
{
    QFETCH(QString, backend);
    {
        auto map = openMap(backend, true);
        VERIFY_OK(map->whenReady());
        VERIFY_OK(map->insert(QVariantHash{{QStringLiteral("fontSize"), 20},
                                           {QStringLiteral("theme"), QStringLiteral("dark")},
                                           {QStringLiteral("ratio"), 0.25},
                                           {QStringLiteral("other"), QStringLiteral("kept")}}));
        QVERIFY(!map->isDefault(QStringLiteral("fontSize")));
        QSignalSpy removed(map.get(), &PersistentMap::valueRemoved);
        QVariant seen;
        connect(map.get(), &PersistentMap::valueRemoved, this, [&](const QString &key) {
            if (key == u"fontSize")
                seen = map->value(key); // a listener sees the default at once
        });
        VERIFY_OK(map->reset(QStringLiteral("fontSize")));
        QCOMPARE(removed.count(), 1);
        QCOMPARE(seen, QVariant(12));
        QVERIFY(map->isDefault(QStringLiteral("fontSize")));
        QCOMPARE(map->value(QStringLiteral("fontSize")), QVariant(12));
        VERIFY_OK(map->flush());
    }
    {
        auto map = openMap(backend, true);
        VERIFY_OK(map->whenReady());
        if (backend != u"memory") {
            QVERIFY(map->isDefault(QStringLiteral("fontSize")));
            QVERIFY(!map->isDefault(QStringLiteral("theme")));
            QCOMPARE(map->value(QStringLiteral("theme")), QVariant(QStringLiteral("dark")));
        } else {
            VERIFY_OK(map->insert(QVariantHash{{QStringLiteral("theme"), QStringLiteral("dark")},
                                               {QStringLiteral("ratio"), 0.25},
                                               {QStringLiteral("other"), QStringLiteral("kept")}}));
        }
        QSignalSpy removed(map.get(), &PersistentMap::valueRemoved);
        // One batch: every countChanged sees both keys gone, never one of them (a late
        // countChanged of the load sees the same).
        QList<qsizetype> counts;
        connect(map.get(), &PersistentMap::countChanged, this,
                [&] { counts.append(map->count()); });
        VERIFY_OK(map->resetAll());
        QStringList keys;
        for (const QList<QVariant> &args : removed)
            keys.append(args.at(0).toString());
        keys.sort();
        QCOMPARE(keys, (QStringList{QStringLiteral("ratio"), QStringLiteral("theme")}));
        QVERIFY(!counts.isEmpty());
        QVERIFY(!counts.contains(2));
        QCOMPARE(map->value(QStringLiteral("theme")), QVariant(QStringLiteral("light")));
        COMPARE_CONTENT(map->toHash(),
                        (QVariantHash{{QStringLiteral("other"), QStringLiteral("kept")}}));
        VERIFY_OK(map->flush());
    }
    if (backend == u"memory")
        return;
    auto reopened = openMap(backend, false);
    VERIFY_OK(reopened->whenReady());
    COMPARE_CONTENT(reopened->toHash(),
                    (QVariantHash{{QStringLiteral("other"), QStringLiteral("kept")}}));
}

void tst_Schema::resetAllIsOneBatch()
{
    QFETCH(QString, backend);
    auto batches = std::make_shared<QList<PersistentMapWriteBatch>>();
    PersistentMap map(std::make_unique<BatchRecorder>(makeBackend(backend), batches));
    map.setSchema(settingsSchema());
    VERIFY_OK(map.whenReady());
    VERIFY_OK(map.insert(QVariantHash{{QStringLiteral("fontSize"), 20},
                                      {QStringLiteral("theme"), QStringLiteral("dark")},
                                      {QStringLiteral("other"), 1}}));
    VERIFY_OK(map.flush());
    const qsizetype before = batches->size();
    VERIFY_OK(map.resetAll());
    VERIFY_OK(map.flush());
    QCOMPARE(batches->size(), before + 1);
    QStringList removedKeys;
    for (const PersistentMapWriteBatch::Entry &entry : batches->constLast().entries()) {
        QVERIFY(entry.isRemove);
        removedKeys.append(entry.key);
    }
    removedKeys.sort();
    QCOMPARE(removedKeys,
             (QStringList{QStringLiteral("fontSize"), QStringLiteral("ratio"),
                          QStringLiteral("recent"), QStringLiteral("theme")}));
}

void tst_Schema::otherProcessStoreReadsDefaults_data()
{
    addPersistentBackends();
}

// Another process, without a schema, wrote the store; this one reads it with the schema.
void tst_Schema::otherProcessStoreReadsDefaults()
{
    QFETCH(QString, backend);
    {
        MapWatcherProcess writer(spec(backend));
        QVERIFY(writer.waitUntilReady());
        QVERIFY(writer.insert(QStringLiteral("theme"), QStringLiteral("dark")));
        QVERIFY(writer.quit());
    }
    auto map = openMap(backend, true);
    VERIFY_OK(map->whenReady());
    QCOMPARE(map->value(QStringLiteral("theme")), QVariant(QStringLiteral("dark")));
    QCOMPARE(map->value(QStringLiteral("fontSize")), QVariant(12));
    QVERIFY(map->isDefault(QStringLiteral("fontSize")));
    QCOMPARE(map->count(), 1);
}

void tst_Schema::otherProcessRemovalFallsBackToDefault_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgres") << QStringLiteral("postgres");
}

// A map that follows the store sees another process's writes and removals; a removed declared
// key reads its default.
void tst_Schema::otherProcessRemovalFallsBackToDefault()
{
    QFETCH(QString, backend);
    auto map = openMap(backend, true);
    VERIFY_OK(map->whenReady());
    MapWatcherProcess other(spec(backend));
    QVERIFY(other.waitUntilReady());
    QSignalSpy changed(map.get(), &PersistentMap::valueChanged);
    QSignalSpy removed(map.get(), &PersistentMap::valueRemoved);
    QVERIFY(other.insert(QStringLiteral("theme"), QStringLiteral("dark")));
    QTRY_COMPARE(changed.count(), 1);
    QCOMPARE(map->value(QStringLiteral("theme")), QVariant(QStringLiteral("dark")));
    QVERIFY(other.remove(QStringLiteral("theme")));
    QTRY_COMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(0).toString(), QStringLiteral("theme"));
    QCOMPARE(map->value(QStringLiteral("theme")), QVariant(QStringLiteral("light")));
    QVERIFY(map->isDefault(QStringLiteral("theme")));
    QVERIFY(other.quit());
}

void tst_Schema::checkIsExactAtTheEdges_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QVariant>("value");
    QTest::addColumn<QVariant>("expected"); // invalid: refused
    const QVariant refused;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    QTest::newRow("int: 2^40") << u"int"_qs << QVariant(qint64(1) << 40) << refused;
    QTest::newRow("int: -2^31 - 1") << u"int"_qs << QVariant(qint64(INT_MIN) - 1) << refused;
    QTest::newRow("int: NaN") << u"int"_qs << QVariant(nan) << refused;
    QTest::newRow("int: inf") << u"int"_qs << QVariant(inf) << refused;
    QTest::newRow("int: 2^31 as double") << u"int"_qs << QVariant(2147483648.0) << refused;
    QTest::newRow("int: text 2^31") << u"int"_qs << QVariant(u"2147483648"_qs) << refused;
    QTest::newRow("int: text 017") << u"int"_qs << QVariant(u"017"_qs) << refused;
    QTest::newRow("int: text 12") << u"int"_qs << QVariant(u"12"_qs) << QVariant(12);
    QTest::newRow("uint: -1") << u"uint"_qs << QVariant(-1) << refused;
    QTest::newRow("uint64: 2^64 as double")
            << u"uint64"_qs << QVariant(18446744073709551616.0) << refused;
    QTest::newRow("uint64: 2^63 as double") << u"uint64"_qs << QVariant(9223372036854775808.0)
                                            << QVariant(quint64(9223372036854775808ull));
    QTest::newRow("int64: 2^63 as double")
            << u"int64"_qs << QVariant(9223372036854775808.0) << refused;
    QTest::newRow("int64: uint64 max")
            << u"int64"_qs << QVariant(std::numeric_limits<quint64>::max()) << refused;
    QTest::newRow("double: 2^53 + 1")
            << u"double"_qs << QVariant(qint64(9007199254740993)) << refused;
    QTest::newRow("double: uint64 max")
            << u"double"_qs << QVariant(std::numeric_limits<quint64>::max()) << refused;
    QTest::newRow("double: text 1e400") << u"double"_qs << QVariant(u"1e400"_qs) << refused;
    QTest::newRow("double: text 0.1") << u"double"_qs << QVariant(u"0.1"_qs) << QVariant(0.1);
    QTest::newRow("float: 0.1") << u"float"_qs << QVariant(0.1) << refused;
    QTest::newRow("float: 1e300") << u"float"_qs << QVariant(1e300) << refused;
    QTest::newRow("float: 2^24 + 1") << u"float"_qs << QVariant(16777217) << refused;
    QTest::newRow("string: bytes not UTF-8")
            << u"string"_qs << QVariant(QByteArray("\xff\xfe")) << refused;
    QTest::newRow("string: -0.0") << u"string"_qs << QVariant(-0.0) << refused; // Qt: "0"
    QTest::newRow("bool: 2") << u"bool"_qs << QVariant(2) << refused;
    QTest::newRow("bool: 0.5") << u"bool"_qs << QVariant(0.5) << refused;
    QTest::newRow("bool: text yes") << u"bool"_qs << QVariant(u"yes"_qs) << refused;
    QTest::newRow("date: a date-time at noon")
            << u"date"_qs << QVariant(QDateTime(QDate(2026, 1, 2), QTime(12, 0), Qt::UTC))
            << refused;
    QTest::newRow("date: text 2026-02-30") << u"date"_qs << QVariant(u"2026-02-30"_qs) << refused;
    QTest::newRow("time: text 12:00:00.5") // reads back as 12:00:00.500: refused, not rounded
            << u"time"_qs << QVariant(u"12:00:00.5"_qs) << refused;
    QTest::newRow("datetime: a date in UTC+14")
            << u"datetime"_qs
            << QVariant(QDateTime(QDate(2026, 1, 2), QTime(23, 59, 59, 999), Qt::OffsetFromUTC,
                                  14 * 3600))
            << QVariant(QDateTime(QDate(2026, 1, 2), QTime(23, 59, 59, 999), Qt::OffsetFromUTC,
                                  14 * 3600));
    QTest::newRow("stringlist: a list with a number")
            << u"stringlist"_qs << QVariant(QVariantList{u"a"_qs, 1.5}) << refused;
    QTest::newRow("intlist: a list with 1.5")
            << u"intlist"_qs << QVariant(QVariantList{1, 1.5}) << refused;
}

// check() (the write rule) on values at the edges of each type: an exact result or a refusal,
// never a rounded, wrapped or truncated value.
void tst_Schema::checkIsExactAtTheEdges()
{
    QFETCH(QString, type);
    QFETCH(QVariant, value);
    QFETCH(QVariant, expected);
    const PersistentMapSchema schema = PersistentMapSchema::fromJson(
            QStringLiteral(R"({"k": {"type": "%1"}})").arg(type).toUtf8());
    QVariant converted;
    QString why;
    const bool accepted = schema.check(QStringLiteral("k"), value, &converted, &why);
    if (!expected.isValid()) {
        QVERIFY2(!accepted,
                 qPrintable(QStringLiteral("accepted as %1 (%2)")
                                    .arg(converted.toString(),
                                         QString::fromLatin1(converted.typeName()))));
        QVERIFY2(why.startsWith(QStringLiteral("key 'k': ")), qPrintable(why));
        return;
    }
    QVERIFY2(accepted, qPrintable(why));
    QCOMPARE(converted.metaType(), expected.metaType());
    QCOMPARE(converted, expected);
}

void tst_Schema::builder()
{
    PersistentMapSchema schema = settingsSchema();
    QCOMPARE(schema.version(), 0);
    schema.setVersion(3);
    QCOMPARE(schema.version(), 3);
    QCOMPARE(schema.keys(),
             (QStringList{QStringLiteral("fontSize"), QStringLiteral("theme"),
                          QStringLiteral("ratio"), QStringLiteral("recent")}));
    const PersistentMapSchema::Key fontSize = schema.key(QStringLiteral("fontSize"));
    QVERIFY(fontSize.isValid());
    QCOMPARE(fontSize.type(), QMetaType::fromType<int>());
    QCOMPARE(fontSize.typeName(), QStringLiteral("int"));
    QCOMPARE(fontSize.minimum(), QVariant(6));
    QCOMPARE(fontSize.maximum(), QVariant(72));
    QVERIFY(fontSize.hasDefault());
    QCOMPARE(schema.key(QStringLiteral("theme")).description(), QStringLiteral("Colour scheme"));
    QVERIFY(!schema.key(QStringLiteral("recent")).hasDefault());
    QVERIFY(!schema.key(QStringLiteral("nope")).isValid());
    // Bounds and choices are converted to the key's type.
    schema.add(PersistentMapSchema::Key(QStringLiteral("count"), QMetaType::fromType<qint64>())
                       .setRange(0.0, QStringLiteral("9000000000")));
    QCOMPARE(schema.key(QStringLiteral("count")).maximum(), QVariant(qint64(9000000000)));
    // check(): converted value, or the rule.
    QVariant converted;
    QString why;
    QVERIFY(schema.check(QStringLiteral("fontSize"), 30.0, &converted, &why));
    QCOMPARE(converted, QVariant(30));
    QVERIFY(!schema.check(QStringLiteral("count"), -1, &converted, &why));
    QCOMPARE(why, QStringLiteral("key 'count': '-1' (int) is below the minimum 0"));
    QVERIFY(schema.check(QStringLiteral("undeclared"), QStringLiteral("x"), &converted));
    QCOMPARE(converted, QVariant(QStringLiteral("x")));
    // Copies are independent (implicitly shared).
    PersistentMapSchema copy = schema;
    copy.add(PersistentMapSchema::Key(QStringLiteral("extra"), true));
    QVERIFY(copy.contains(QStringLiteral("extra")));
    QVERIFY(!schema.contains(QStringLiteral("extra")));
    QVERIFY(copy != schema);
}

void tst_Schema::builderRefusesContradictions_data()
{
    using Key = PersistentMapSchema::Key;
    QTest::addColumn<Key>("key");
    QTest::addColumn<QString>("message");
    const QString n = QStringLiteral("k");
    QTest::newRow("default above maximum")
            << Key(n, 80).setRange(6, 72)
            << QStringLiteral("key 'k', field 'default': '80' (int) is above the maximum 72");
    QTest::newRow("default not a choice")
            << Key(n, QStringLiteral("blue")).setChoices({QStringLiteral("red")})
            << QStringLiteral("key 'k', field 'default': 'blue' (QString) is not one of 'red'");
    QTest::newRow("default of another type")
            << Key(n, QMetaType::fromType<int>()).setDefaultValue(QStringLiteral("x"))
            << QStringLiteral("key 'k', field 'default': 'x' (QString) is not an int");
    QTest::newRow("minimum above maximum")
            << Key(n, 7).setRange(10, 5)
            << QStringLiteral("key 'k', field 'minimum': 10 is above the maximum 5");
    QTest::newRow("range of strings")
            << Key(n, QStringLiteral("a")).setMinimum(QStringLiteral("a"))
            << QStringLiteral("key 'k', field 'minimum': string values have no order");
    QTest::newRow("choice outside range")
            << Key(n, 1).setRange(0, 3).setChoices({1, 5})
            << QStringLiteral("key 'k', field 'choices': '5' (int) is above the maximum 3");
    QTest::newRow("type without tag")
            << Key(n, QMetaType::fromType<QObject *>())
            << QStringLiteral("key 'k', field 'type': QObject* has no type tag in docs/FORMAT.md");
    QTest::newRow("no name") << Key(QString(), 1) << QStringLiteral("a key without a name");
}

void tst_Schema::builderRefusesContradictions()
{
    QFETCH(PersistentMapSchema::Key, key);
    QFETCH(QString, message);
    PersistentMapSchema schema = settingsSchema();
    const PersistentMapSchema before = schema;
    try {
        schema.add(key);
        QFAIL("add() took a contradictory key");
    } catch (const PersistentMapError &e) {
        QCOMPARE(e.code(), PersistentMapError::Code::InvalidSchema);
        QCOMPARE(e.message(), message);
    }
    QVERIFY(schema == before);
}

void tst_Schema::jsonGood()
{
    const QByteArray json = R"({
        "version": 2,
        "keys": {
            "fontSize": { "type": "int", "default": 12, "minimum": 6, "maximum": 72,
                          "description": "Font size in points" },
            "theme": { "type": "string", "default": "light", "choices": ["light", "dark"] },
            "ratio": { "type": "double", "default": 0.5 },
            "enabled": { "type": "bool", "default": true },
            "recent": { "type": "stringlist", "default": ["a", "b"] },
            "since": { "type": "date", "default": "2026-01-31", "minimum": "2000-01-01" },
            "big": { "type": "int64", "default": "9007199254740993" },
            "sizes": { "type": "intlist", "default": [1, 2] },
            "extra": { "type": "map", "default": {"a": 1} },
            "plain": { "type": "string" }
        }
    })";
    const PersistentMapSchema schema = PersistentMapSchema::fromJson(json);
    QCOMPARE(schema.version(), 2);
    QCOMPARE(schema.keys().size(), 10);
    QCOMPARE(schema.defaultValue(QStringLiteral("fontSize")), QVariant(12));
    QCOMPARE(schema.defaultValue(QStringLiteral("fontSize")).metaType(),
             QMetaType::fromType<int>());
    QCOMPARE(schema.key(QStringLiteral("fontSize")).maximum(), QVariant(72));
    QCOMPARE(schema.key(QStringLiteral("fontSize")).description(),
             QStringLiteral("Font size in points"));
    QCOMPARE(schema.defaultValue(QStringLiteral("theme")), QVariant(QStringLiteral("light")));
    QCOMPARE(schema.key(QStringLiteral("theme")).choices(),
             (QVariantList{QStringLiteral("light"), QStringLiteral("dark")}));
    QCOMPARE(schema.defaultValue(QStringLiteral("ratio")), QVariant(0.5));
    QCOMPARE(schema.defaultValue(QStringLiteral("enabled")), QVariant(true));
    QCOMPARE(schema.defaultValue(QStringLiteral("recent")),
             QVariant(QStringList{QStringLiteral("a"), QStringLiteral("b")}));
    QCOMPARE(schema.defaultValue(QStringLiteral("since")), QVariant(QDate(2026, 1, 31)));
    QCOMPARE(schema.key(QStringLiteral("since")).minimum(), QVariant(QDate(2000, 1, 1)));
    QCOMPARE(schema.defaultValue(QStringLiteral("big")), QVariant(qint64(9007199254740993)));
    QCOMPARE(schema.defaultValue(QStringLiteral("sizes")), QVariant::fromValue(QList<int>{1, 2}));
    QCOMPARE(schema.defaultValue(QStringLiteral("extra")).metaType(),
             QMetaType::fromType<QVariantMap>());
    QVERIFY(!schema.key(QStringLiteral("plain")).hasDefault());
    // The ends of int64 and uint64 as text (a JSON number there may have been rounded).
    const PersistentMapSchema ends = PersistentMapSchema::fromJson(
            R"({"i": {"type": "int64", "minimum": "-9223372036854775808",
                      "default": "9223372036854775807"},
                "u": {"type": "uint64", "default": "18446744073709551615"},
                "m": {"type": "map", "default": {"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}}})");
    QCOMPARE(ends.key(QStringLiteral("i")).minimum(), QVariant(std::numeric_limits<qint64>::min()));
    QCOMPARE(ends.defaultValue(QStringLiteral("i")), QVariant(std::numeric_limits<qint64>::max()));
    QCOMPARE(ends.defaultValue(QStringLiteral("u")), QVariant(std::numeric_limits<quint64>::max()));
    QVERIFY(PersistentMapSchema::fromJson(ends.toJson()) == ends);
    // toJson() reads back as the same schema.
    QVERIFY(PersistentMapSchema::fromJson(schema.toJson()) == schema);
    // The short form (QML's `schema` property): every member is a key; version 0.
    const PersistentMapSchema shortForm = PersistentMapSchema::fromJson(
            R"({"keys": {"type": "int", "default": 3}, "b": {"type": "bool"}})");
    QCOMPARE(shortForm.version(), 0);
    QCOMPARE(shortForm.defaultValue(QStringLiteral("keys")), QVariant(3));
    QVERIFY(shortForm.contains(QStringLiteral("b")));
    // fromVariantMap(): what a JavaScript object becomes (numbers are doubles).
    const PersistentMapSchema fromQml = PersistentMapSchema::fromVariantMap(
            {{QStringLiteral("fontSize"),
              QVariantMap{{QStringLiteral("type"), QStringLiteral("int")},
                          {QStringLiteral("default"), 12.0},
                          {QStringLiteral("maximum"), 72.0}}}});
    QCOMPARE(fromQml.defaultValue(QStringLiteral("fontSize")), QVariant(12));
}

void tst_Schema::jsonBad_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("message");
    QTest::newRow("not JSON") << QByteArray("{\"a\": ") << QStringLiteral("not JSON: ");
    QTest::newRow("not an object")
            << QByteArray("[1]") << QStringLiteral("the schema is not a JSON object");
    QTest::newRow("unknown type") << QByteArray(R"({"k": {"type": "integer"}})")
                                  << QStringLiteral(
                                             "key 'k', field 'type': unknown type 'integer'");
    QTest::newRow("no type") << QByteArray(R"({"k": {"default": 1}})")
                             << QStringLiteral("key 'k', field 'type': missing or not a string");
    QTest::newRow("default outside range")
            << QByteArray(R"({"k": {"type": "int", "default": 100, "maximum": 72}})")
            << QStringLiteral("key 'k', field 'default': '100' (int) is above the maximum 72");
    QTest::newRow("default not among choices")
            << QByteArray(R"({"k": {"type": "string", "default": "x", "choices": ["a", "b"]}})")
            << QStringLiteral("key 'k', field 'default': 'x' (QString) is not one of 'a', 'b'");
    QTest::newRow("default of another type")
            << QByteArray(R"({"k": {"type": "int", "default": 1.5}})")
            << QStringLiteral("key 'k', field 'default': '1.5' (double) is not an int");
    QTest::newRow("default text not of the type")
            << QByteArray(R"({"k": {"type": "date", "default": "yesterday"}})")
            << QStringLiteral("key 'k', field 'default': 'yesterday' (QString) is not the text "
                              "of a date");
    QTest::newRow("choice of another type")
            << QByteArray(R"({"k": {"type": "bool", "choices": [true, "maybe"]}})")
            << QStringLiteral("key 'k', field 'choices': 'maybe' (QString) is not the text of a "
                              "bool");
    QTest::newRow("unknown field") << QByteArray(R"({"k": {"type": "int", "max": 3}})")
                                   << QStringLiteral("key 'k': unknown field 'max'");
    QTest::newRow("declaration not an object")
            << QByteArray(R"({"k": 3})") << QStringLiteral("key 'k': not a JSON object");
    QTest::newRow("bad version") << QByteArray(R"({"version": 1.5, "keys": {}})")
                                 << QStringLiteral("field 'version': not an integer");
    QTest::newRow("unknown top-level field")
            << QByteArray(R"({"version": 1, "keys": {}, "name": "x"})")
            << QStringLiteral("unknown field 'name'");
    // Hostile JSON. QJsonDocument keeps the last of two equal names without a word: a second
    // declaration of a key, or a second 'default', would silently replace the first, as the
    // typo this format refuses ("max") would be silently ignored.
    QTest::newRow("key declared twice")
            << QByteArray(R"({"k": {"type": "int", "default": 1}, "k": {"type": "string"}})")
            << QStringLiteral("key 'k': declared twice");
    QTest::newRow("field given twice")
            << QByteArray(R"({"k": {"type": "int", "default": 100, "maximum": 72, "default": 5}})")
            << QStringLiteral("key 'k': field 'default' given twice");
    QTest::newRow("key declared twice, long form")
            << QByteArray(R"({"version": 1, "keys": {"k": {"type": "int"}, "k": {"type": "int"}}})")
            << QStringLiteral("key 'k': declared twice");
    QTest::newRow("version given twice")
            << QByteArray(R"({"version": 1, "keys": {}, "version": 2})")
            << QStringLiteral("field 'version' given twice");
    QTest::newRow("key declared twice, once escaped")
            << QByteArray(R"({"k": {"type": "int"}, "\u006b": {"type": "string"}})")
            << QStringLiteral("key 'k': declared twice");
    QTest::newRow("name twice inside a default")
            << QByteArray(R"({"k": {"type": "map", "default": {"a": 1, "a": 2}}})")
            << QStringLiteral("key 'k', field 'default': name 'a' given twice");
    // An integer literal beyond qint64 reaches the schema as a rounded double: exact for
    // neither int64 nor uint64 (the text says ...809, the double is 2^63).
    QTest::newRow("uint64 literal rounded by JSON")
            << QByteArray(R"({"k": {"type": "uint64", "default": 9223372036854775809}})")
            << QStringLiteral("key 'k', field 'default': ");
    // (Qt 6.4 reads every literal from -2^63 - 1024 to -2^63 as the integer -2^63.)
    QTest::newRow("int64 literal rounded by JSON")
            << QByteArray(R"({"k": {"type": "int64", "minimum": -9223372036854775809}})")
            << QStringLiteral("key 'k', field 'minimum': ");
    QTest::newRow("uint64 literal 2^64 - 1")
            << QByteArray(R"({"k": {"type": "uint64", "maximum": 18446744073709551615}})")
            << QStringLiteral("key 'k', field 'maximum': ");
    // These held when tried: refused with a message naming the place.
    QTest::newRow("number beyond double")
            << QByteArray(R"({"k": {"type": "double", "default": 1e400}})")
            << QStringLiteral("not JSON: ");
    QTest::newRow("null default") << QByteArray(R"({"k": {"type": "string", "default": null}})")
                                  << QStringLiteral("key 'k', field 'default': ");
    QTest::newRow("nested junk default")
            << QByteArray(R"({"k": {"type": "int", "default": [[[[{"a": [1]}]]]]}})")
            << QStringLiteral("key 'k', field 'default': ");
    QTest::newRow("type not a string") << QByteArray(R"({"k": {"type": ["int"]}})")
                                       << QStringLiteral("key 'k', field 'type': missing");
    QTest::newRow("null type") << QByteArray(R"({"k": {"type": "null"}})")
                               << QStringLiteral("key 'k', field 'type': unknown type 'null'");
    QTest::newRow("huge version") << QByteArray(R"({"version": 1e300, "keys": {}})")
                                  << QStringLiteral("field 'version': not an integer");
    QTest::newRow("empty choices") << QByteArray(R"({"k": {"type": "int", "choices": []}})")
                                   << QStringLiteral("key 'k', field 'choices': not a non-empty");
    QTest::newRow("description not a string")
            << QByteArray(R"({"k": {"type": "int", "description": 3}})")
            << QStringLiteral("key 'k', field 'description': not a string");
    QTest::newRow("NaN bound") << QByteArray(R"({"k": {"type": "double", "minimum": "nan"}})")
                               << QStringLiteral("key 'k', field 'minimum': NaN is no bound");
}

void tst_Schema::jsonBad()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, message);
    try {
        PersistentMapSchema::fromJson(json);
        QFAIL("fromJson() took a bad schema");
    } catch (const PersistentMapError &e) {
        QCOMPARE(e.code(), PersistentMapError::Code::InvalidSchema);
        QVERIFY2(e.message().startsWith(message), qPrintable(e.message()));
    }
}

void tst_Schema::jsonFile()
{
    const QString path = m_dir->filePath(QStringLiteral("settings.schema.json"));
    QVERIFY(writeBytes(path, R"({"version": 1, "keys": {"n": {"type": "uint", "default": 4}}})"));
    const PersistentMapSchema schema = PersistentMapSchema::fromJsonFile(path);
    QCOMPARE(schema.version(), 1);
    QCOMPARE(schema.defaultValue(QStringLiteral("n")), QVariant(4u));

    QVERIFY(writeBytes(path, R"({"n": {"type": "uint", "default": -1}})"));
    try {
        PersistentMapSchema::fromJsonFile(path);
        QFAIL("fromJsonFile() took a bad schema");
    } catch (const PersistentMapError &e) {
        QCOMPARE(e.code(), PersistentMapError::Code::InvalidSchema);
        QCOMPARE(e.message(),
                 path +
                         QStringLiteral(": key 'n', field 'default': '-1' (qlonglong) "
                                        "is not a uint"));
    }
    const QString missing = m_dir->filePath(QStringLiteral("missing.json"));
    try {
        PersistentMapSchema::fromJsonFile(missing);
        QFAIL("fromJsonFile() read a missing file");
    } catch (const PersistentMapError &e) {
        QCOMPARE(e.code(), PersistentMapError::Code::OpenFailed);
        QVERIFY2(e.message().contains(missing), qPrintable(e.message()));
    }
}

void tst_Schema::setSchemaEmitsOnceAndReplaces()
{
    PersistentMap map(std::make_unique<PersistentMapMemoryBackend>());
    VERIFY_OK(map.whenReady());
    QSignalSpy spy(&map, &PersistentMap::schemaChanged);
    map.setSchema(settingsSchema());
    QCOMPARE(spy.count(), 1);
    map.setSchema(settingsSchema()); // the same schema: nothing changes
    QCOMPARE(spy.count(), 1);
    QCOMPARE(map.value(QStringLiteral("fontSize")), QVariant(12));
    PersistentMapSchema other;
    other.add(PersistentMapSchema::Key(QStringLiteral("fontSize"), 10));
    map.setSchema(other);
    QCOMPARE(spy.count(), 2);
    QCOMPARE(map.value(QStringLiteral("fontSize")), QVariant(10));
    VERIFY_OK(map.insert(QStringLiteral("theme"), QStringLiteral("blue"))); // no longer declared
    map.setSchema(PersistentMapSchema());
    QCOMPARE(spy.count(), 3);
    QVERIFY(!map.value(QStringLiteral("fontSize")).isValid());
    VERIFY_OK(map.insert(QStringLiteral("fontSize"), QStringLiteral("abc")));
}

// docs/SCHEMA.md, "C++", as written there (the store in the test's folder).
void tst_Schema::docsExample()
{
    QVERIFY(QDir::setCurrent(m_dir->path()));
    PersistentMapSchema schema;
    schema.setVersion(1);
    schema.add(PersistentMapSchema::Key(QStringLiteral("fontSize"), 12).setRange(6, 72));
    schema.add(PersistentMapSchema::Key(QStringLiteral("theme"), QStringLiteral("light"))
                       .setChoices({QStringLiteral("light"), QStringLiteral("dark")})
                       .setDescription(QStringLiteral("Colour scheme")));
    schema.add(
            PersistentMapSchema::Key(QStringLiteral("recent"), QMetaType::fromType<QStringList>()));

    PersistentMap settings(PersistentMapBackend::create(QStringLiteral("sqlite:settings.db")));
    settings.setSchema(schema);
    QCOMPARE(settings.value(QStringLiteral("fontSize")), QVariant(12));
    VERIFY_OK(settings.insert(QStringLiteral("fontSize"), 14.0));
    QCOMPARE(settings.value(QStringLiteral("fontSize")), QVariant(14));
    const std::optional<PersistentMapError> error =
            failureOf(settings.insert(QStringLiteral("fontSize"), 100));
    QVERIFY(error);
    QCOMPARE(error->code(), PersistentMapError::Code::SchemaViolation);
    QCOMPARE(error->message(),
             QStringLiteral("key 'fontSize': '100' (int) is above the maximum 72"));
    VERIFY_OK(settings.reset(QStringLiteral("fontSize")));
    QCOMPARE(settings.value(QStringLiteral("fontSize")), QVariant(12));
    VERIFY_OK(settings.whenReady());
    QVERIFY(QFileInfo::exists(m_dir->filePath(QStringLiteral("settings.db"))));
}

QTEST_MAIN(tst_Schema)
#include "tst_schema.moc"
