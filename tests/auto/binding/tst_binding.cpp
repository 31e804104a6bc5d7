// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PersistentMap::bind() and PersistentMapDelayedView (issue 16, items 4 and 5), checked once per
// backend where they touch the store: memory, sqlite, postgres, csv and "custom" (a
// PersistentMapSimpleBackend, tests/auto/shared/serializedbackend.h). What reaches the store is
// checked by reopening it; what another process writes, through
// tests/auto/externalchanges/mapwatcher.
//
// The postgres rows need a server (PM_TEST_POSTGRES, docs/TESTING.md "PostgreSQL"): without one
// they skip with the reason (fail under PM_REQUIRE_POSTGRES=1).
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapDelayedView>
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

#include <QtCore/QPointer>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWidgets/QApplication>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDoubleSpinBox>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QSlider>
#include <QtWidgets/QSpinBox>

#include <memory>

namespace {

// Properties a widget does not offer: one without NOTIFY, one without WRITE, a QVariant one.
class Target : public QObject
{
    Q_OBJECT
    Q_PROPERTY(int plain READ plain WRITE setPlain)
    Q_PROPERTY(int shown READ shown NOTIFY shownChanged)
    Q_PROPERTY(QVariant any READ any WRITE setAny NOTIFY anyChanged)

public:
    int plain() const { return m_plain; }
    void setPlain(int v) { m_plain = v; }
    int shown() const { return 7; }
    QVariant any() const { return m_any; }
    void setAny(const QVariant &v)
    {
        if (v == m_any && v.metaType() == m_any.metaType())
            return;
        m_any = v;
        Q_EMIT anyChanged();
    }

Q_SIGNALS:
    void shownChanged();
    void anyChanged();

private:
    int m_plain = 0;
    QVariant m_any;
};

// A property whose setter normalizes (rounds down to even) and announces each change twice.
class Twice : public QObject
{
    Q_OBJECT
    Q_PROPERTY(int even READ even WRITE setEven NOTIFY evenChanged)

public:
    int even() const { return m_even; }
    void setEven(int v)
    {
        v -= v % 2;
        if (v == m_even)
            return;
        m_even = v;
        Q_EMIT evenChanged();
        Q_EMIT evenChanged();
    }

Q_SIGNALS:
    void evenChanged();

private:
    int m_even = 0;
};

} // namespace

class tst_Binding : public QObject
{
    Q_OBJECT

private:
    static void addAllBackends();
    static void addPersistentBackends();
    static void addWatchingBackends();
    std::unique_ptr<PersistentMapBackend> makeBackend(const QString &kind) const;
    std::unique_ptr<PersistentMap> openMap(const QString &kind) const;
    QString spec(const QString &kind) const;
    // The store's content as a new map loads it (the writer is gone; memory has none).
    QVariantHash reopened(const QString &kind) const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<PostgresTestTable> m_postgresTable;
    QString m_customName;
    int m_counter = 0;

private Q_SLOTS:
    void init();
    void cleanup();

    void widgetsBothWays_data() { addAllBackends(); }
    void widgetsBothWays();
    void getOnlySetOnly_data() { addAllBackends(); }
    void getOnlySetOnly();
    void getNoChanges_data() { addAllBackends(); }
    void getNoChanges();
    void invertBoolean_data() { addAllBackends(); }
    void invertBoolean();
    void exactConversionOnly_data() { addAllBackends(); }
    void exactConversionOnly();
    void schemaDefaultsAndRules_data() { addAllBackends(); }
    void schemaDefaultsAndRules();
    void delayedViewFollowsSchema_data() { addAllBackends(); }
    void delayedViewFollowsSchema();
    void refusedBindsWarn();
    void removedKeyGivesBoundValueBack_data() { addAllBackends(); }
    void removedKeyGivesBoundValueBack();
    void refusedWriteRestoresProperty();
    void unbindAndRebind();
    void groupBind_data() { addAllBackends(); }
    void groupBind();
    void endsWhenObjectDestroyed_data() { addAllBackends(); }
    void endsWhenObjectDestroyed();
    void endsWhenMapDestroyed_data() { addAllBackends(); }
    void endsWhenMapDestroyed();
    void boundBeforeReady_data() { addPersistentBackends(); }
    void boundBeforeReady();
    void otherProcessReachesWidget_data() { addWatchingBackends(); }
    void otherProcessReachesWidget();

    void delayedPendingNotSeenByOthers_data() { addAllBackends(); }
    void delayedPendingNotSeenByOthers();
    void delayedApplyIsAtomic_data() { addAllBackends(); }
    void delayedApplyIsAtomic();
    void delayedApplySeenAtOnceByAnotherMap_data() { addWatchingBackends(); }
    void delayedApplySeenAtOnceByAnotherMap();
    void delayedRevertRestoresWidgets_data() { addAllBackends(); }
    void delayedRevertRestoresWidgets();
    void delayedHasUnappliedFlips();
    void delayedFollowsMapForKeysWithoutChanges_data() { addAllBackends(); }
    void delayedFollowsMapForKeysWithoutChanges();
    void delayedRefusedBatchStays();
    void delayedOutlivesMap();
    void hostileBindings();
    void delayedHasUnappliedExact();
    void delayedUnstorableKeyRefusedAtInsert();
    void delayedEditBackToDefaultWritesNothing();
    void delayedApplyRefusedByTheStoreKeepsEveryChange_data();
    void delayedApplyRefusedByTheStoreKeepsEveryChange();
};

void tst_Binding::addAllBackends()
{
    QTest::addColumn<QString>("backend");
    for (const char *kind : {"memory", "sqlite", "postgres", "csv", "custom"})
        QTest::newRow(kind) << QString::fromLatin1(kind);
}

// A memory store starts empty at each open: tests that load a store leave it out.
void tst_Binding::addPersistentBackends()
{
    QTest::addColumn<QString>("backend");
    for (const char *kind : {"sqlite", "postgres", "csv", "custom"})
        QTest::newRow(kind) << QString::fromLatin1(kind);
}

// Backends a second process (or a second map) can write while this map follows it.
void tst_Binding::addWatchingBackends()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgres") << QStringLiteral("postgres");
}

QString tst_Binding::spec(const QString &kind) const
{
    if (kind == u"sqlite")
        return QStringLiteral("sqlite:") + m_dir->filePath(QStringLiteral("store.db"));
    if (kind == u"postgres")
        return m_postgresTable->spec();
    return {};
}

std::unique_ptr<PersistentMapBackend> tst_Binding::makeBackend(const QString &kind) const
{
    if (kind == u"memory")
        return std::make_unique<PersistentMapMemoryBackend>();
    if (kind == u"sqlite")
        return std::make_unique<PersistentMapSqliteBackend>(
                m_dir->filePath(QStringLiteral("store.db")));
    if (kind == u"postgres")
        return std::make_unique<PersistentMapPostgresBackend>(m_postgresTable->spec());
    if (kind == u"csv")
        return std::make_unique<PersistentMapCsvBackend>(
                m_dir->filePath(QStringLiteral("store.csv")));
    return std::make_unique<SerializedBackend>(m_customName);
}

std::unique_ptr<PersistentMap> tst_Binding::openMap(const QString &kind) const
{
    return std::make_unique<PersistentMap>(makeBackend(kind));
}

QVariantHash tst_Binding::reopened(const QString &kind) const
{
    const auto map = openMap(kind);
    if (const auto failure = failureOf(map->whenReady()))
        qWarning().noquote() << "reopening failed:" << failure->message();
    return map->toHash();
}

void tst_Binding::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_customName = QStringLiteral("store-%1").arg(++m_counter);
    const char *tag = QTest::currentDataTag();
    if (tag && QByteArray(tag) == "postgres") {
        PM_POSTGRES_SPEC_OR_SKIP(server);
        m_postgresTable = std::make_unique<PostgresTestTable>(server);
    }
}

void tst_Binding::cleanup()
{
    m_postgresTable.reset();
}

// Each widget named in the issue, by its USER property: the stored value at bind time, a user
// change reaching the store (seen after a reopen), a change of the map reaching the widget.
void tst_Binding::widgetsBothWays()
{
    QFETCH(QString, backend);
    const bool persistent = backend != u"memory";
    const QVariantHash initial{{QStringLiteral("check"), true},
                               {QStringLiteral("line"), QStringLiteral("Ada")},
                               {QStringLiteral("spin"), 11},
                               {QStringLiteral("double"), 0.25},
                               {QStringLiteral("combo"), QStringLiteral("dark")},
                               {QStringLiteral("slider"), 30}};
    QCheckBox check;
    QLineEdit line;
    QSpinBox spin;
    QDoubleSpinBox dspin;
    QComboBox combo;
    combo.addItems({QStringLiteral("light"), QStringLiteral("dark"), QStringLiteral("auto")});
    QSlider slider;
    slider.setRange(0, 100);
    {
        auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        VERIFY_OK(map->insert(initial));
        if (persistent) {
            map.reset();
            map = openMap(backend);
            VERIFY_OK(map->whenReady());
        }
        QVERIFY(map->bind(QStringLiteral("check"), &check));
        QVERIFY(map->bind(QStringLiteral("line"), &line));
        QVERIFY(map->bind(QStringLiteral("spin"), &spin));
        QVERIFY(map->bind(QStringLiteral("double"), &dspin));
        QVERIFY(map->bind(QStringLiteral("combo"), &combo));
        QVERIFY(map->bind(QStringLiteral("slider"), &slider));
        QCOMPARE(check.isChecked(), true);
        QCOMPARE(line.text(), QStringLiteral("Ada"));
        QCOMPARE(spin.value(), 11);
        QCOMPARE(dspin.value(), 0.25);
        QCOMPARE(combo.currentText(), QStringLiteral("dark"));
        QCOMPARE(slider.value(), 30);

        // The user changes each widget: the map has the new values at once, in their types.
        QSignalSpy changed(map.get(), &PersistentMap::valueChanged);
        check.setChecked(false);
        line.setText(QStringLiteral("Grace"));
        spin.setValue(12);
        dspin.setValue(0.5);
        combo.setCurrentIndex(2);
        slider.setValue(70);
        QCOMPARE(changed.size(), 6); // once each: the binding does not echo its own writes
        const QVariantHash edited{{QStringLiteral("check"), false},
                                  {QStringLiteral("line"), QStringLiteral("Grace")},
                                  {QStringLiteral("spin"), 12},
                                  {QStringLiteral("double"), 0.5},
                                  {QStringLiteral("combo"), QStringLiteral("auto")},
                                  {QStringLiteral("slider"), 70}};
        COMPARE_CONTENT(map->toHash(), edited);

        // The map changes: the widgets follow, and no write comes back.
        changed.clear();
        map->insert(QStringLiteral("check"), true);
        map->insert(QStringLiteral("line"), QStringLiteral("Hedy"));
        map->insert(QStringLiteral("spin"), 13);
        map->insert(QStringLiteral("double"), 0.75);
        map->insert(QStringLiteral("combo"), QStringLiteral("light"));
        map->insert(QStringLiteral("slider"), 5);
        QCOMPARE(changed.size(), 6);
        QCOMPARE(check.isChecked(), true);
        QCOMPARE(line.text(), QStringLiteral("Hedy"));
        QCOMPARE(spin.value(), 13);
        QCOMPARE(dspin.value(), 0.75);
        QCOMPARE(combo.currentText(), QStringLiteral("light"));
        QCOMPARE(slider.value(), 5);

        line.setText(QStringLiteral("Lise"));
        VERIFY_OK(map->flush());
    }
    if (persistent) {
        const QVariantHash stored = reopened(backend);
        QCOMPARE(stored.value(QStringLiteral("line")), QVariant(QStringLiteral("Lise")));
        QCOMPARE(stored.value(QStringLiteral("slider")), QVariant(5));
        QCOMPARE(stored.value(QStringLiteral("double")), QVariant(0.75));
    }
}

void tst_Binding::getOnlySetOnly()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    VERIFY_OK(map->insert(QStringLiteral("get"), QStringLiteral("stored")));
    VERIFY_OK(map->insert(QStringLiteral("set"), QStringLiteral("stored")));
    QLineEdit getOnly;
    QLineEdit setOnly;
    setOnly.setText(QStringLiteral("own"));
    QVERIFY(map->bind(QStringLiteral("get"), &getOnly, nullptr, PersistentMap::BindGet));
    QVERIFY(map->bind(QStringLiteral("set"), &setOnly, "text", PersistentMap::BindSet));
    QCOMPARE(getOnly.text(), QStringLiteral("stored"));
    QCOMPARE(setOnly.text(), QStringLiteral("own")); // Set only: the store does not set it

    getOnly.setText(QStringLiteral("typed"));
    QCOMPARE(map->value(QStringLiteral("get")), QVariant(QStringLiteral("stored")));
    map->insert(QStringLiteral("get"), QStringLiteral("next"));
    QCOMPARE(getOnly.text(), QStringLiteral("next"));

    setOnly.setText(QStringLiteral("typed"));
    QCOMPARE(map->value(QStringLiteral("set")), QVariant(QStringLiteral("typed")));
    map->insert(QStringLiteral("set"), QStringLiteral("next"));
    QCOMPARE(setOnly.text(), QStringLiteral("typed"));
    VERIFY_OK(map->flush());
}

void tst_Binding::getNoChanges()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    VERIFY_OK(map->insert(QStringLiteral("n"), 4));
    QSpinBox spin;
    QVERIFY(map->bind(QStringLiteral("n"), &spin, nullptr,
                      PersistentMap::BindGet | PersistentMap::BindSet |
                              PersistentMap::BindGetNoChanges));
    QCOMPARE(spin.value(), 4);
    map->insert(QStringLiteral("n"), 9);
    QCOMPARE(spin.value(), 4); // set once, then not again
    spin.setValue(6);
    QCOMPARE(map->value(QStringLiteral("n")), QVariant(6));
    VERIFY_OK(map->flush());
}

void tst_Binding::invertBoolean()
{
    QFETCH(QString, backend);
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        VERIFY_OK(map->insert(QStringLiteral("hidden"), true));
        QCheckBox visible;
        QVERIFY(map->bind(QStringLiteral("hidden"), &visible, nullptr,
                          PersistentMap::BindInvertBoolean));
        QCOMPARE(visible.isChecked(), false);
        visible.setChecked(true);
        QCOMPARE(map->value(QStringLiteral("hidden")), QVariant(false));
        map->insert(QStringLiteral("hidden"), true);
        QCOMPARE(visible.isChecked(), false);
        visible.setChecked(true);
        VERIFY_OK(map->flush());
    }
    if (backend != u"memory")
        QCOMPARE(reopened(backend).value(QStringLiteral("hidden")), QVariant(false));

    // Only for a bool property.
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    QSpinBox spin;
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral(
                                 "bind\\('x'\\): cannot bind \\(the USER property\\) of QSpinBox: "
                                 "BindInvertBoolean needs a bool property, not int")));
    QVERIFY(!map->bind(QStringLiteral("x"), &spin, nullptr, PersistentMap::BindInvertBoolean));
}

// Stored values reach a property only when they convert exactly (PersistentMap::get<T>()'s
// rule); a property change keeps the type the key holds when it fits exactly.
void tst_Binding::exactConversionOnly()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    VERIFY_OK(map->insert(QStringLiteral("lossy"), 0.8));
    VERIFY_OK(map->insert(QStringLiteral("text"), QStringLiteral("17")));
    QSpinBox lossy;
    lossy.setValue(3);
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral(
                                 "'lossy' bound to value of QSpinBox: the stored value "
                                 "QVariant\\(double, 0.8\\) does not convert exactly")));
    QVERIFY(map->bind(QStringLiteral("lossy"), &lossy));
    QCOMPARE(lossy.value(), 3);
    QCOMPARE(map->value(QStringLiteral("lossy")), QVariant(0.8)); // and the store keeps it

    QSpinBox fromText;
    QVERIFY(map->bind(QStringLiteral("text"), &fromText));
    QCOMPARE(fromText.value(), 17);
    fromText.setValue(18);
    QCOMPARE(map->value(QStringLiteral("text")), QVariant(QStringLiteral("18")));

    // A property that clamps says so; the store keeps its value.
    VERIFY_OK(map->insert(QStringLiteral("big"), 500));
    QSpinBox clamped;
    clamped.setRange(0, 99);
    QTest::ignoreMessage(
            QtWarningMsg,
            QRegularExpression(QStringLiteral(
                    "'big' bound to value of QSpinBox: the property holds "
                    "QVariant\\(int, 99\\) after being set to QVariant\\(int, 500\\)")));
    QVERIFY(map->bind(QStringLiteral("big"), &clamped));
    QCOMPARE(clamped.value(), 99);
    QCOMPARE(map->value(QStringLiteral("big")), QVariant(500));

    // QVariant properties take the stored value as it is.
    Target target;
    QVERIFY(map->bind(QStringLiteral("lossy"), &target, "any"));
    QCOMPARE(target.any(), QVariant(0.8));
    VERIFY_OK(map->flush());
}

static PersistentMapSchema fontSchema(int fontDefault)
{
    return PersistentMapSchema::fromJson(
            QStringLiteral(R"({"fontSize": {"type": "int", "default": %1, "minimum": 6,
                                              "maximum": 72},
                                 "theme": {"type": "string", "default": "light",
                                           "choices": ["light", "dark"]}})")
                    .arg(fontDefault)
                    .toUtf8());
}

// With a schema (docs/SCHEMA.md) a bound property shows a key's default while nothing is
// stored, never writes it, gets the stored value back when the schema refuses its value, and
// follows a reset and a new schema's default.
void tst_Binding::schemaDefaultsAndRules()
{
    QFETCH(QString, backend);
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        map->setSchema(fontSchema(11));
        QSpinBox spin;
        spin.setRange(0, 200);
        QComboBox combo;
        combo.addItems({QStringLiteral("light"), QStringLiteral("dark"), QStringLiteral("neon")});
        combo.setCurrentIndex(2);
        QVERIFY(map->bind(QStringLiteral("fontSize"), &spin));
        QVERIFY(map->bind(QStringLiteral("theme"), &combo));
        QCOMPARE(spin.value(), 11);
        QCOMPARE(combo.currentText(), QStringLiteral("light"));
        QVERIFY(map->isDefault(QStringLiteral("fontSize")));
        QVERIFY(map->isDefault(QStringLiteral("theme")));

        spin.setValue(14);
        QCOMPARE(map->value(QStringLiteral("fontSize")), QVariant(14));
        QVERIFY(!map->isDefault(QStringLiteral("fontSize")));

        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral(
                                     "'fontSize' bound to value of QSpinBox: the store refused "
                                     "the value QVariant\\(int, 100\\); the property gets the "
                                     "stored value back")));
        spin.setValue(100);
        QCOMPARE(spin.value(), 14);
        QCOMPARE(map->value(QStringLiteral("fontSize")), QVariant(14));
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("'theme' bound to currentText of "
                                                               "QComboBox: the store refused")));
        combo.setCurrentIndex(2); // "neon" is not among the choices
        QCOMPARE(combo.currentText(), QStringLiteral("light"));
        QVERIFY(map->isDefault(QStringLiteral("theme")));

        VERIFY_OK(map->reset(QStringLiteral("fontSize")));
        QCOMPARE(spin.value(), 11);
        map->setSchema(fontSchema(12)); // a new default reaches the property of a key not stored
        QCOMPARE(spin.value(), 12);
        VERIFY_OK(map->flush());
    }
    if (backend != u"memory")
        COMPARE_CONTENT(reopened(backend), QVariantHash()); // no default was ever written
}

// The delayed view applies the schema at once: converted values, refused values, a removal
// held back reading as the default.
void tst_Binding::delayedViewFollowsSchema()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    map->setSchema(fontSchema(11));
    PersistentMapDelayedView view(map.get());
    QSpinBox spin;
    QVERIFY(view.bind(QStringLiteral("fontSize"), &spin));
    QCOMPARE(spin.value(), 11);

    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral(
                                 "PersistentMapDelayedView::insert\\(\\): key 'fontSize'")));
    QVERIFY(!view.insert(QStringLiteral("fontSize"), 100));
    QVERIFY(!view.hasUnapplied());
    QVERIFY(view.insert(QStringLiteral("fontSize"), QStringLiteral("13")));
    QCOMPARE(view.value(QStringLiteral("fontSize")), QVariant(13)); // held as an int
    QCOMPARE(spin.value(), 13);
    QVERIFY(map->isDefault(QStringLiteral("fontSize")));
    view.remove(QStringLiteral("fontSize")); // nothing stored: nothing left to apply
    QVERIFY(!view.hasUnapplied());
    QCOMPARE(spin.value(), 11);

    spin.setValue(14);
    VERIFY_OK(view.apply());
    QCOMPARE(map->value(QStringLiteral("fontSize")), QVariant(14));
    view.remove(QStringLiteral("fontSize")); // a reset held back
    QVERIFY(view.hasUnapplied());
    QCOMPARE(view.value(QStringLiteral("fontSize")), QVariant(11));
    QVERIFY(!view.contains(QStringLiteral("fontSize")));
    QCOMPARE(spin.value(), 11);
    QCOMPARE(map->value(QStringLiteral("fontSize")), QVariant(14));
    VERIFY_OK(view.apply());
    QVERIFY(map->isDefault(QStringLiteral("fontSize")));
    QCOMPARE(spin.value(), 11);
    VERIFY_OK(map->flush());
}

void tst_Binding::refusedBindsWarn()
{
    PersistentMap map(std::make_unique<PersistentMapMemoryBackend>());
    VERIFY_OK(map.whenReady());
    Target target;
    target.setObjectName(QStringLiteral("t1"));
    auto expect = [](const char *pattern) {
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QString::fromLatin1(pattern)));
    };
    expect("bind\\('k'\\): cannot bind missing of Target 't1': the class has no such property");
    QVERIFY(!map.bind(QStringLiteral("k"), &target, "missing"));
    expect("cannot bind \\(the USER property\\) of Target 't1': the class declares no USER");
    QVERIFY(!map.bind(QStringLiteral("k"), &target));
    expect("cannot bind plain of Target 't1': the property has no NOTIFY signal");
    QVERIFY(!map.bind(QStringLiteral("k"), &target, "plain"));
    expect("cannot bind shown of Target 't1': the property is not writable");
    QVERIFY(!map.bind(QStringLiteral("k"), &target, "shown"));
    expect("cannot bind text of a null object: the object is null");
    QVERIFY(!map.bind(QStringLiteral("k"), nullptr, "text"));
    // One direction alone needs only its half.
    QVERIFY(map.bind(QStringLiteral("k"), &target, "plain", PersistentMap::BindGet));
    QVERIFY(map.bind(QStringLiteral("k"), &target, "shown", PersistentMap::BindSet));
    QCOMPARE(map.value(QStringLiteral("k")), QVariant()); // binding alone writes nothing
    map.insert(QStringLiteral("k"), 5);
    QCOMPARE(target.plain(), 5);
    Q_EMIT target.shownChanged();
    QCOMPARE(map.value(QStringLiteral("k")), QVariant(7));
    QCOMPARE(target.plain(), 7);
}

void tst_Binding::removedKeyGivesBoundValueBack()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    QLineEdit line;
    line.setText(QStringLiteral("placeholder"));
    QVERIFY(map->bind(QStringLiteral("k"), &line));
    QCOMPARE(line.text(), QStringLiteral("placeholder")); // nothing stored: its own value stays
    QVERIFY(!map->contains(QStringLiteral("k"))); // and nothing is written
    map->insert(QStringLiteral("k"), QStringLiteral("stored"));
    QCOMPARE(line.text(), QStringLiteral("stored"));
    QSignalSpy changed(map.get(), &PersistentMap::valueChanged);
    map->remove(QStringLiteral("k"));
    QCOMPARE(line.text(), QStringLiteral("placeholder"));
    QVERIFY(!map->contains(QStringLiteral("k"))); // giving it back wrote nothing
    QCOMPARE(changed.size(), 0);
    VERIFY_OK(map->flush());
}

// A write the map refuses at once (a read-only store): the property gets the stored value back.
void tst_Binding::refusedWriteRestoresProperty()
{
    const QString path = m_dir->filePath(QStringLiteral("ro.csv"));
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(path));
        VERIFY_OK(map.insert(QStringLiteral("name"), QStringLiteral("Ada")));
    }
    PersistentMap map(PersistentMapBackend::create(QStringLiteral("csv:") + path +
                                                   QStringLiteral("?readonly=1")));
    VERIFY_OK(map.whenReady());
    QLineEdit line;
    QVERIFY(map.bind(QStringLiteral("name"), &line));
    QCOMPARE(line.text(), QStringLiteral("Ada"));
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral(
                                 "'name' bound to text of QLineEdit: the store refused the value "
                                 "QVariant\\(QString, \"Grace\"\\); the property gets the "
                                 "stored value back")));
    line.setText(QStringLiteral("Grace"));
    QCOMPARE(line.text(), QStringLiteral("Ada"));
    QCOMPARE(map.value(QStringLiteral("name")), QVariant(QStringLiteral("Ada")));
}

void tst_Binding::unbindAndRebind()
{
    PersistentMap map(std::make_unique<PersistentMapMemoryBackend>());
    VERIFY_OK(map.whenReady());
    const QObjectList before = map.children();
    QLineEdit line;
    QVERIFY(map.bind(QStringLiteral("a"), &line));
    QVERIFY(map.bind(QStringLiteral("b"), &line)); // replaces the binding to "a"
    line.setText(QStringLiteral("x"));
    QVERIFY(!map.contains(QStringLiteral("a")));
    QCOMPARE(map.value(QStringLiteral("b")), QVariant(QStringLiteral("x")));
    QVERIFY(map.unbind(&line));
    QVERIFY(!map.unbind(&line));
    line.setText(QStringLiteral("y"));
    map.insert(QStringLiteral("b"), QStringLiteral("z"));
    QCOMPARE(line.text(), QStringLiteral("y"));
    QCOMPARE(map.value(QStringLiteral("b")), QVariant(QStringLiteral("z")));
    QCOMPARE(map.children(), before); // nothing of the bindings left behind
}

// A group binds by keys relative to it (docs/GROUPS.md); the binding is the map's.
void tst_Binding::groupBind()
{
    QFETCH(QString, backend);
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        VERIFY_OK(map->insert(QStringLiteral("editor/font/size"), 9));
        const PersistentMapGroup editor = map->group(QStringLiteral("editor"));
        QSpinBox spin;
        QLineEdit name;
        QVERIFY(editor.group(QStringLiteral("font")).bind(QStringLiteral("size"), &spin));
        QVERIFY(editor.bind(QStringLiteral("name"), &name));
        QCOMPARE(spin.value(), 9);
        spin.setValue(12);
        name.setText(QStringLiteral("mono"));
        QCOMPARE(map->value(QStringLiteral("editor/font/size")), QVariant(12));
        QCOMPARE(editor.value(QStringLiteral("name")), QVariant(QStringLiteral("mono")));
        QVERIFY(map->unbind(&spin)); // the map's binding, whichever group made it
        QVERIFY(editor.unbind(&name));
        name.setText(QStringLiteral("serif"));
        QCOMPARE(editor.value(QStringLiteral("name")), QVariant(QStringLiteral("mono")));
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral(
                                     "PersistentMapGroup::bind\\('/'\\): the key names nothing")));
        QVERIFY(!editor.bind(QStringLiteral("/"), &name));
        VERIFY_OK(map->flush());
    }
    if (backend != u"memory") {
        const QVariantHash stored = reopened(backend);
        QCOMPARE(stored.value(QStringLiteral("editor/font/size")), QVariant(12));
        QCOMPARE(stored.value(QStringLiteral("editor/name")), QVariant(QStringLiteral("mono")));
    }
}

void tst_Binding::endsWhenObjectDestroyed()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    const QObjectList before = map->children();
    auto line = std::make_unique<QLineEdit>();
    QVERIFY(map->bind(QStringLiteral("k"), line.get()));
    QCOMPARE(map->children().size(), before.size() + 1);
    line->setText(QStringLiteral("kept"));
    line.reset();
    QCOMPARE(map->children(), before); // the binding went with the widget
    VERIFY_OK(map->insert(QStringLiteral("k"), QStringLiteral("later"))); // reaches nobody
    QCOMPARE(map->value(QStringLiteral("k")), QVariant(QStringLiteral("later")));
    VERIFY_OK(map->flush());
}

void tst_Binding::endsWhenMapDestroyed()
{
    QFETCH(QString, backend);
    QLineEdit line;
    QCheckBox check;
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        QVERIFY(map->bind(QStringLiteral("line"), &line));
        PersistentMapDelayedView view(map.get());
        QVERIFY(view.bind(QStringLiteral("check"), &check));
        line.setText(QStringLiteral("before"));
    }
    // Both bindings went with the map (and the view): the widgets' signals reach nothing.
    QSignalSpy spy(&line, &QLineEdit::textChanged);
    line.setText(QStringLiteral("after"));
    check.setChecked(true);
    QCOMPARE(spy.size(), 1);
    if (backend != u"memory") {
        const QVariantHash stored = reopened(backend);
        QCOMPARE(stored.value(QStringLiteral("line")), QVariant(QStringLiteral("before")));
        QVERIFY(!stored.contains(QStringLiteral("check")));
    }
}

// Bound while the store is still loading: the widget keeps its own value until the map is
// Ready, then shows the stored one.
void tst_Binding::boundBeforeReady()
{
    QFETCH(QString, backend);
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        VERIFY_OK(map->insert(QStringLiteral("n"), 42));
    }
    auto gate = std::make_shared<Gate>();
    PersistentMap map(std::make_unique<GatedBackend>(makeBackend(backend), gate));
    QVERIFY(gate->waitEntered());
    QCOMPARE(map.status(), PersistentMap::Status::Loading);
    QSpinBox spin;
    spin.setValue(1);
    QVERIFY(map.bind(QStringLiteral("n"), &spin));
    QCOMPARE(spin.value(), 1);
    // status() turns Ready on the storage thread; the binding acts on statusChanged, which
    // the owner thread's event loop delivers.
    QSignalSpy statusChanged(&map, &PersistentMap::statusChanged);
    gate->open();
    QTRY_COMPARE(statusChanged.size(), 1);
    QCOMPARE(map.status(), PersistentMap::Status::Ready);
    QCOMPARE(spin.value(), 42);
}

void tst_Binding::otherProcessReachesWidget()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    QLineEdit line;
    QVERIFY(map->bind(QStringLiteral("user/name"), &line));
    // Through a delayed view too: a key with nothing held back follows the other process, a
    // key with a change held back keeps it.
    PersistentMapDelayedView view(map.get());
    QLineEdit viewed;
    QLineEdit held;
    QVERIFY(view.bind(QStringLiteral("user/mail"), &viewed));
    QVERIFY(view.bind(QStringLiteral("user/city"), &held));
    held.setText(QStringLiteral("Paris"));
    MapWatcherProcess other(spec(backend));
    QVERIFY(other.waitUntilReady());
    QVERIFY(other.insert(QStringLiteral("user/name"), QStringLiteral("from-elsewhere")));
    QVERIFY(other.insert(QStringLiteral("user/mail"), QStringLiteral("a@example.org")));
    QVERIFY(other.insert(QStringLiteral("user/city"), QStringLiteral("Rome")));
    QTRY_COMPARE(line.text(), QStringLiteral("from-elsewhere"));
    QTRY_COMPARE(viewed.text(), QStringLiteral("a@example.org"));
    QTRY_COMPARE(map->value(QStringLiteral("user/city")), QVariant(QStringLiteral("Rome")));
    QCOMPARE(held.text(), QStringLiteral("Paris"));
    // The widget's own change goes the other way.
    line.setText(QStringLiteral("from-here"));
    VERIFY_OK(map->flush());
    QVERIFY(!other.waitFor(QStringLiteral("changed\tuser/name\tfrom-here")));
}

void tst_Binding::delayedPendingNotSeenByOthers()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    VERIFY_OK(map->insert(QStringLiteral("a"), 1));
    PersistentMapDelayedView view(map.get());
    QSignalSpy mapChanged(map.get(), &PersistentMap::valueChanged);
    QVERIFY(view.insert(QStringLiteral("a"), 2));
    QVERIFY(view.insert(QStringLiteral("b"), QStringLiteral("new")));
    view.remove(QStringLiteral("a"));
    QVERIFY(!view.contains(QStringLiteral("a")));
    QCOMPARE(view.value(QStringLiteral("a"), QStringLiteral("gone")),
             QVariant(QStringLiteral("gone")));
    QCOMPARE(view.get<QString>(QStringLiteral("b")), std::optional<QString>(QStringLiteral("new")));
    QCOMPARE(view.unappliedKeys(), QStringList({QStringLiteral("a"), QStringLiteral("b")}));
    // The map and its readers see nothing of it, in memory and in the store.
    QCOMPARE(map->value(QStringLiteral("a")), QVariant(1));
    QVERIFY(!map->contains(QStringLiteral("b")));
    QCOMPARE(mapChanged.size(), 0);
    VERIFY_OK(map->flush());
    if (backend == u"sqlite") {
        const auto second = openMap(backend);
        VERIFY_OK(second->whenReady());
        COMPARE_CONTENT(second->toHash(), (QVariantHash{{QStringLiteral("a"), 1}}));
    }
}

void tst_Binding::delayedApplyIsAtomic()
{
    QFETCH(QString, backend);
    const QVariantHash expected{{QStringLiteral("x"), 10},
                                {QStringLiteral("y"), QStringLiteral("why")},
                                {QStringLiteral("z"), true}};
    {
        const auto map = openMap(backend);
        VERIFY_OK(map->whenReady());
        VERIFY_OK(map->insert(QStringLiteral("gone"), 1));
        PersistentMapDelayedView view(map.get());
        for (auto it = expected.cbegin(); it != expected.cend(); ++it)
            QVERIFY(view.insert(it.key(), it.value()));
        view.remove(QStringLiteral("gone"));
        // The map's first signal for the batch already sees all of it.
        QList<QVariantHash> seen;
        connect(map.get(), &PersistentMap::valueChanged, this, [&] { seen.append(map->toHash()); });
        QSignalSpy viewChanged(&view, &PersistentMapDelayedView::valueChanged);
        QSignalSpy flipped(&view, &PersistentMapDelayedView::hasUnappliedChanged);
        const QFuture<void> applied = view.apply();
        QCOMPARE(seen.size(), 3);
        COMPARE_CONTENT(seen.first(), expected);
        QCOMPARE(viewChanged.size(), 0); // its readers saw these values already
        QCOMPARE(flipped.size(), 1);
        QVERIFY(!view.hasUnapplied());
        VERIFY_OK(applied);
        COMPARE_CONTENT(map->toHash(), expected);
    }
    if (backend != u"memory")
        COMPARE_CONTENT(reopened(backend), expected);
}

// A second map on the store follows the other writer: the whole batch arrives at once.
void tst_Binding::delayedApplySeenAtOnceByAnotherMap()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    const auto second = openMap(backend);
    VERIFY_OK(second->whenReady());
    QList<QVariantHash> seen;
    connect(second.get(), &PersistentMap::valueChanged, this,
            [&] { seen.append(second->toHash()); });
    PersistentMapDelayedView view(map.get());
    const QVariantHash expected{
            {QStringLiteral("p"), 1}, {QStringLiteral("q"), 2}, {QStringLiteral("r"), 3}};
    for (auto it = expected.cbegin(); it != expected.cend(); ++it)
        QVERIFY(view.insert(it.key(), it.value()));
    VERIFY_OK(map->flush());
    QVERIFY(seen.isEmpty());
    VERIFY_OK(view.apply());
    QTRY_COMPARE(seen.size(), 3);
    for (const QVariantHash &snapshot : std::as_const(seen))
        COMPARE_CONTENT(snapshot, expected);
}

void tst_Binding::delayedRevertRestoresWidgets()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    VERIFY_OK(map->insert(QStringLiteral("name"), QStringLiteral("Ada")));
    VERIFY_OK(map->insert(QStringLiteral("size"), 11));
    PersistentMapDelayedView view(map.get());
    QLineEdit name;
    QSpinBox size;
    QCheckBox fresh; // its key has no value: revert gives it its value at bind time
    QVERIFY(view.bind(QStringLiteral("name"), &name));
    QVERIFY(view.bind(QStringLiteral("size"), &size));
    QVERIFY(view.bind(QStringLiteral("fresh"), &fresh));
    QCOMPARE(name.text(), QStringLiteral("Ada"));
    QCOMPARE(size.value(), 11);

    name.setText(QStringLiteral("Grace"));
    size.setValue(14);
    fresh.setChecked(true);
    QVERIFY(view.hasUnapplied());
    QCOMPARE(view.value(QStringLiteral("name")), QVariant(QStringLiteral("Grace")));
    QCOMPARE(map->value(QStringLiteral("name")), QVariant(QStringLiteral("Ada")));

    QSignalSpy removed(&view, &PersistentMapDelayedView::valueRemoved);
    view.revert();
    QVERIFY(!view.hasUnapplied());
    QCOMPARE(name.text(), QStringLiteral("Ada"));
    QCOMPARE(size.value(), 11);
    QCOMPARE(fresh.isChecked(), false);
    QCOMPARE(removed.size(), 1);
    QVERIFY(!view.hasUnapplied()); // putting the widgets back held nothing back
    QVERIFY(!map->contains(QStringLiteral("fresh")));

    // Then OK: the map and the store get the edits.
    size.setValue(15);
    VERIFY_OK(view.apply());
    QCOMPARE(map->value(QStringLiteral("size")), QVariant(15));
    VERIFY_OK(map->flush());
}

// hasUnappliedChanged is emitted exactly when hasUnapplied flips.
void tst_Binding::delayedHasUnappliedFlips()
{
    PersistentMap map(std::make_unique<PersistentMapMemoryBackend>());
    VERIFY_OK(map.whenReady());
    VERIFY_OK(map.insert(QStringLiteral("a"), 1));
    PersistentMapDelayedView view(&map);
    QSignalSpy flipped(&view, &PersistentMapDelayedView::hasUnappliedChanged);
    QVERIFY(!view.hasUnapplied());
    view.insert(QStringLiteral("a"), 1); // what the map holds: nothing to apply
    view.remove(QStringLiteral("missing"));
    QCOMPARE(flipped.size(), 0);
    view.insert(QStringLiteral("a"), 2);
    QCOMPARE(flipped.size(), 1);
    QVERIFY(view.hasUnapplied());
    view.insert(QStringLiteral("b"), 2);
    view.insert(QStringLiteral("a"), 3);
    QCOMPARE(flipped.size(), 1);
    view.insert(QStringLiteral("a"), 1); // back to the map's value
    QCOMPARE(flipped.size(), 1);
    view.remove(QStringLiteral("b")); // the map has no "b": nothing left
    QCOMPARE(flipped.size(), 2);
    QVERIFY(!view.hasUnapplied());
    view.revert(); // nothing to drop
    QVERIFY(view.apply().isFinished());
    QCOMPARE(flipped.size(), 2);
    view.remove(QStringLiteral("a"));
    QCOMPARE(flipped.size(), 3);
    view.revert();
    QCOMPARE(flipped.size(), 4);
    view.insert(QStringLiteral("c"), 3);
    QCOMPARE(flipped.size(), 5);
    VERIFY_OK(view.apply());
    QCOMPARE(flipped.size(), 6);
    QVERIFY(!view.hasUnapplied());
    QCOMPARE(view.property("hasUnapplied"), QVariant(false));
}

// For keys with nothing held back the view is the map: its signals, reads and bindings follow
// the map's changes; a key with a change held back keeps it.
void tst_Binding::delayedFollowsMapForKeysWithoutChanges()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    PersistentMapDelayedView view(map.get());
    QLineEdit free;
    QLineEdit held;
    QVERIFY(view.bind(QStringLiteral("free"), &free));
    QVERIFY(view.bind(QStringLiteral("held"), &held));
    held.setText(QStringLiteral("mine"));
    QSignalSpy changed(&view, &PersistentMapDelayedView::valueChanged);
    QSignalSpy removed(&view, &PersistentMapDelayedView::valueRemoved);
    map->insert(QStringLiteral("free"), QStringLiteral("theirs"));
    map->insert(QStringLiteral("held"), QStringLiteral("theirs"));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).at(0), QVariant(QStringLiteral("free")));
    QCOMPARE(free.text(), QStringLiteral("theirs"));
    QCOMPARE(held.text(), QStringLiteral("mine"));
    QCOMPARE(view.value(QStringLiteral("held")), QVariant(QStringLiteral("mine")));
    map->remove(QStringLiteral("free"));
    QCOMPARE(removed.size(), 1);
    QVERIFY(!view.contains(QStringLiteral("free")));
    // Applied, the held change wins over the map's later one.
    VERIFY_OK(view.apply());
    QCOMPARE(map->value(QStringLiteral("held")), QVariant(QStringLiteral("mine")));
    VERIFY_OK(map->flush());
}

// A batch the map refuses at once (a read-only store) stays held back, and the future fails.
void tst_Binding::delayedRefusedBatchStays()
{
    const QString path = m_dir->filePath(QStringLiteral("ro.csv"));
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(path));
        VERIFY_OK(map.insert(QStringLiteral("a"), 1));
    }
    PersistentMap map(PersistentMapBackend::create(QStringLiteral("csv:") + path +
                                                   QStringLiteral("?readonly=1")));
    VERIFY_OK(map.whenReady());
    QVERIFY(map.isReadOnly());
    PersistentMapDelayedView view(&map);
    QVERIFY(view.insert(QStringLiteral("a"), 2));
    QVERIFY(!view.insert(QStringLiteral("bad"), QVariant::fromValue(QObjectList())));
    const std::optional<PersistentMapError> failure = failureOf(view.apply());
    QVERIFY(failure);
    QCOMPARE(failure->code(), PersistentMapError::Code::ReadOnly);
    QVERIFY(view.hasUnapplied());
    QCOMPARE(view.value(QStringLiteral("a")), QVariant(2));
    QCOMPARE(map.value(QStringLiteral("a")), QVariant(1));
}

void tst_Binding::delayedOutlivesMap()
{
    auto map = std::make_unique<PersistentMap>(std::make_unique<PersistentMapMemoryBackend>());
    VERIFY_OK(map->whenReady());
    PersistentMapDelayedView view(map.get());
    QLineEdit line;
    QVERIFY(view.bind(QStringLiteral("k"), &line));
    line.setText(QStringLiteral("held"));
    QSignalSpy flipped(&view, &PersistentMapDelayedView::hasUnappliedChanged);
    map.reset();
    QCOMPARE(flipped.size(), 1);
    QVERIFY(!view.hasUnapplied());
    QCOMPARE(view.map(), nullptr);
    QCOMPARE(view.value(QStringLiteral("k")), QVariant());
    line.setText(QStringLiteral("after")); // its binding is gone
    QVERIFY(!view.hasUnapplied());
    QVERIFY(failureOf(view.apply()));
}

QTEST_MAIN(tst_Binding)
// Bindings under abuse: two widgets on one key, a combo box without the stored item, a setter
// that normalizes and notifies twice, a widget deleted inside the map's own signal, an object of
// another thread.
void tst_Binding::hostileBindings()
{
    PersistentMap map(std::make_unique<PersistentMapMemoryBackend>());
    VERIFY_OK(map.whenReady());
    QSignalSpy changes(&map, &PersistentMap::valueChanged);

    QSpinBox a, b;
    a.setRange(0, 100);
    b.setRange(0, 100);
    QVERIFY(map.bind(QStringLiteral("n"), &a));
    QVERIFY(map.bind(QStringLiteral("n"), &b));
    a.setValue(5);
    QCOMPARE(map.value(QStringLiteral("n")), QVariant(5));
    QCOMPARE(b.value(), 5);
    QCOMPARE(changes.size(), 1);
    b.setValue(6);
    QCOMPARE(map.value(QStringLiteral("n")), QVariant(6));
    QCOMPARE(a.value(), 6);
    QCOMPARE(changes.size(), 2);

    // Not among the items: the combo box keeps its text and the store its value.
    VERIFY_OK(map.insert(QStringLiteral("c"), QStringLiteral("zzz")));
    QComboBox combo;
    combo.addItems({QStringLiteral("x"), QStringLiteral("y")});
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("'c' bound to currentText "
                                                           ".*the store keeps")));
    QVERIFY(map.bind(QStringLiteral("c"), &combo));
    QCOMPARE(map.value(QStringLiteral("c")), QVariant(QStringLiteral("zzz")));
    combo.setCurrentIndex(1);
    QCOMPARE(map.value(QStringLiteral("c")), QVariant(QStringLiteral("y")));
    VERIFY_OK(map.insert(QStringLiteral("c"), QStringLiteral("x")));
    QCOMPARE(combo.currentText(), QStringLiteral("x"));

    // Normalizing, twice-notifying setter: one user change is one valueChanged, of what the
    // property holds.
    Twice twice;
    QVERIFY(map.bind(QStringLiteral("t"), &twice, "even"));
    changes.clear();
    twice.setEven(7);
    QCOMPARE(twice.even(), 6);
    QCOMPARE(map.value(QStringLiteral("t")), QVariant(6));
    QCOMPARE(changes.size(), 1);
    changes.clear();
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("'t' bound to even .*"
                                                           "the store keeps")));
    VERIFY_OK(map.insert(QStringLiteral("t"), 9)); // the property holds 8; the store keeps 9
    QCOMPARE(twice.even(), 8);
    QCOMPARE(map.value(QStringLiteral("t")), QVariant(9));
    QCOMPARE(changes.size(), 1);

    // Deleted by a slot of the map's signal, before and after the binding's own slot.
    QPointer<QSpinBox> early = new QSpinBox;
    QPointer<QSpinBox> late = new QSpinBox;
    QObject guard;
    connect(&map, &PersistentMap::valueChanged, &guard, [&](const QString &key) {
        if (key == u"d")
            delete early.data();
    });
    QVERIFY(map.bind(QStringLiteral("d"), early.data()));
    QVERIFY(map.bind(QStringLiteral("d"), late.data()));
    connect(&map, &PersistentMap::valueChanged, &guard, [&](const QString &key) {
        if (key == u"d")
            delete late.data();
    });
    VERIFY_OK(map.insert(QStringLiteral("d"), 3));
    QVERIFY(!early);
    QVERIFY(!late);
    VERIFY_OK(map.insert(QStringLiteral("d"), 4));
    QCOMPARE(map.value(QStringLiteral("d")), QVariant(4));

    // An object of another thread is refused.
    QThread thread;
    Target elsewhere;
    elsewhere.moveToThread(&thread);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("thread")));
    QVERIFY(!map.bind(QStringLiteral("e"), &elsewhere, "any"));
}

// hasUnapplied and its signal through edits that cancel out, apply() twice, revert() after an
// apply() in flight.
void tst_Binding::delayedHasUnappliedExact()
{
    PersistentMap map(std::make_unique<PersistentMapMemoryBackend>());
    VERIFY_OK(map.whenReady());
    VERIFY_OK(map.insert(QStringLiteral("held"), 1));
    PersistentMapDelayedView view(&map);
    QSignalSpy flips(&view, &PersistentMapDelayedView::hasUnappliedChanged);

    QVERIFY(view.insert(QStringLiteral("held"), 1)); // what the map holds: nothing to apply
    QVERIFY(!view.hasUnapplied());
    QCOMPARE(flips.size(), 0);
    QVERIFY(view.insert(QStringLiteral("new"), 2)); // then removed again: nothing to apply
    QCOMPARE(flips.size(), 1);
    view.remove(QStringLiteral("new"));
    QVERIFY(!view.hasUnapplied());
    QCOMPARE(flips.size(), 2);
    view.remove(QStringLiteral("absent")); // removing what nobody holds holds nothing
    QVERIFY(!view.hasUnapplied());
    QCOMPARE(flips.size(), 2);
    view.remove(QStringLiteral("held"));
    QVERIFY(view.insert(QStringLiteral("held"), 1)); // the removal undone
    QVERIFY(!view.hasUnapplied());
    QCOMPARE(flips.size(), 4);

    QVERIFY(view.insert(QStringLiteral("held"), 5));
    QCOMPARE(flips.size(), 5);
    const QFuture<void> first = view.apply();
    const QFuture<void> second = view.apply(); // nothing left: done at once
    QCOMPARE(flips.size(), 6);
    view.revert(); // nothing held: changes nothing, emits nothing
    QCOMPARE(flips.size(), 6);
    VERIFY_OK(first);
    VERIFY_OK(second);
    QCOMPARE(map.value(QStringLiteral("held")), QVariant(5));
    QCOMPARE(view.value(QStringLiteral("held")), QVariant(5));
}

// A key the map can never store (an unpaired UTF-16 surrogate: map.insert() fails at once) must
// be refused by the view's insert() too; held back, it made every apply() fail, and the other
// changes held with it could never be applied.
void tst_Binding::delayedUnstorableKeyRefusedAtInsert()
{
    PersistentMap map(std::make_unique<PersistentMapMemoryBackend>());
    VERIFY_OK(map.whenReady());
    const QString bad = QStringLiteral("k") + QChar(0xd800);
    QVERIFY(failureOf(map.insert(bad, 1)));
    PersistentMapDelayedView view(&map);
    QVERIFY(view.insert(QStringLiteral("good"), 1));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("unpaired")));
    QVERIFY(!view.insert(bad, 1));
    QCOMPARE(view.unappliedKeys(), QStringList{QStringLiteral("good")});
    VERIFY_OK(view.apply());
    QCOMPARE(map.value(QStringLiteral("good")), QVariant(1));
    QVERIFY(!view.hasUnapplied());
}

// BINDING.md: "a user change to a value equal to the default of a key not stored writes
// nothing"; DELAYED-APPLY.md: editing back to what the map holds leaves nothing to apply. A spin
// box bound through the view, edited away from the schema default and back, must leave nothing
// held, and apply() must not store the default.
void tst_Binding::delayedEditBackToDefaultWritesNothing()
{
    PersistentMap map(std::make_unique<PersistentMapMemoryBackend>());
    VERIFY_OK(map.whenReady());
    map.setSchema(fontSchema(11));
    PersistentMapDelayedView view(&map);
    QSpinBox spin;
    QVERIFY(view.bind(QStringLiteral("fontSize"), &spin));
    QCOMPARE(spin.value(), 11);
    spin.setValue(12);
    QVERIFY(view.hasUnapplied());
    spin.setValue(11);
    QVERIFY(!view.hasUnapplied());
    VERIFY_OK(view.apply());
    QVERIFY(map.isDefault(QStringLiteral("fontSize")));
    QVERIFY(!map.contains(QStringLiteral("fontSize")));
}

void tst_Binding::delayedApplyRefusedByTheStoreKeepsEveryChange_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("postgres") << QStringLiteral("postgres");
}

// A value the backend cannot hold (U+0000 in PostgreSQL text) is known only when the batch
// reaches the store: apply() is all or nothing, so it fails naming the cause, nothing of the
// batch is stored, and every change stays held (the dialog can say why and stay open). Dropping
// the bad change lets the rest apply.
void tst_Binding::delayedApplyRefusedByTheStoreKeepsEveryChange()
{
    QFETCH(QString, backend);
    const auto map = openMap(backend);
    VERIFY_OK(map->whenReady());
    const QString nul = QStringLiteral("a") + QChar(0) + QStringLiteral("b");
    PersistentMapDelayedView view(map.get());
    QVERIFY(view.insert(QStringLiteral("good"), 1));
    view.insert(QStringLiteral("nul"), nul);
    const std::optional<PersistentMapError> failure = failureOf(view.apply());
    QVERIFY(failure);
    QVERIFY2(failure->message().contains(QStringLiteral("U+0000")), qPrintable(failure->message()));
    QVERIFY(!map->contains(QStringLiteral("good")));
    QVERIFY(!map->contains(QStringLiteral("nul")));
    QVERIFY(view.hasUnapplied());
    QCOMPARE(view.value(QStringLiteral("good")), QVariant(1));
    view.remove(QStringLiteral("nul"));
    VERIFY_OK(view.apply());
    QVERIFY(!view.hasUnapplied());
    QCOMPARE(map->value(QStringLiteral("good")), QVariant(1));
    QVERIFY(!map->contains(QStringLiteral("nul")));
}

#include "tst_binding.moc"
