// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// pmctl (issue 16, docs/PMCTL.md), run as a process: every command and its exit codes, export and
// import of a value of every type in docs/FORMAT.md's table on each backend, convert through
// sqlite -> csv -> postgres -> sqlite keeping everything, check's findings, and the acceptance
// case: against a store another process (mapwatcher) is writing, `pmctl watch` prints the
// writer's changes and `pmctl set` reaches the writer; on a CSV store its writer holds locked,
// `set` is refused with Code::Locked's exit code and a message naming the lock.
#include "codec/valuecodec_p.h"
#include "mapwatcherprocess.h"
#include "postgrestest.h"
#include "testhelpers.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapBackend>
#include <PersistentMap/PersistentMapStoreSpec>

#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QLine>
#include <QtCore/QProcess>
#include <QtCore/QRect>
#include <QtCore/QSet>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimeZone>
#include <QtCore/QUrl>
#include <QtCore/QUuid>
#include <QtGui/QColor>
#include <QtGui/QFont>
#include <QtGui/QKeySequence>
#include <QtTest/QTest>

#include <cmath>
#include <csignal>
#include <limits>

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run pmctl(const QStringList &arguments, const QByteArray &input = {})
{
    QProcess process;
    process.start(QStringLiteral(PMCTL_PATH), arguments);
    Run run;
    if (!process.waitForStarted()) {
        run.err = process.errorString();
        return run;
    }
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(120000)) {
        process.kill();
        process.waitForFinished();
        run.err = QStringLiteral("timed out");
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

// `run` is evaluated once: it is often the pmctl() call itself.
#define PMCTL_EXPECT(run, code) \
    do { \
        const Run pmctlRun_ = (run); \
        QVERIFY2(pmctlRun_.exitCode == (code), \
                 qPrintable(QStringLiteral("exit code %1, expected %2; stdout: %3; stderr: %4") \
                                    .arg(pmctlRun_.exitCode) \
                                    .arg(code) \
                                    .arg(pmctlRun_.out, pmctlRun_.err))); \
    } while (false)

// docs/PMCTL.md, "Exit codes".
constexpr int UsageError = 2;
constexpr int MissingKey = 3;
constexpr int FileError = 4;
constexpr int ProblemsFound = 1;
int storeError(PersistentMapError::Code code)
{
    return 10 + int(code);
}

// One value of every type in docs/FORMAT.md's table (the key names its tag), at its edges:
// extremes, -0, NaN, dates outside 0..9999, offsets in seconds, an IANA zone, CSV- and
// JSON-hostile text, nesting. allowNul: the store can hold U+0000 (PostgreSQL text cannot).
QVariantHash everyType(bool allowNul)
{
    QByteArray allBytes;
    for (int i = 0; i < 256; ++i)
        allBytes.append(char(i));
    QString hostile = QStringLiteral("a,\"b\"\r\n\t\\ =x \u00fc\u65e5 \U0001F389 \u200b");
    if (allowNul)
        hostile += QChar(0);
    QFont font(QStringLiteral("DejaVu Sans"), 13);
    font.setBold(true);
    return {
            {QStringLiteral("null"), QVariant::fromValue(nullptr)},
            {QStringLiteral("bool"), true},
            {QStringLiteral("int"), std::numeric_limits<int>::min()},
            {QStringLiteral("uint"), std::numeric_limits<uint>::max()},
            {QStringLiteral("int64"), std::numeric_limits<qlonglong>::min()},
            {QStringLiteral("uint64"), std::numeric_limits<qulonglong>::max()},
            {QStringLiteral("double"), 0.1 + 0.2},
            {QStringLiteral("double -0"), -0.0},
            {QStringLiteral("double nan"), std::numeric_limits<double>::quiet_NaN()},
            {QStringLiteral("double inf"), -std::numeric_limits<double>::infinity()},
            {QStringLiteral("double min"), std::numeric_limits<double>::denorm_min()},
            {QStringLiteral("float"), 0.1f},
            {QStringLiteral("string"), hostile},
            {QStringLiteral("string bom"), QStringLiteral("\ufeffstarts with U+FEFF")},
            {QStringLiteral("string empty"), QString()},
            {QStringLiteral("bytes"), allBytes},
            {QStringLiteral("char"), QChar(0x00e9)},
            {QStringLiteral("date"), QDate(12000, 1, 1)},
            {QStringLiteral("date bc"), QDate(-2, 6, 1)},
            {QStringLiteral("time"), QTime(23, 59, 59, 999)},
            {QStringLiteral("datetime"),
             QDateTime(QDate(2026, 3, 29), QTime(2, 30), QTimeZone("Europe/Berlin"))},
            {QStringLiteral("datetime offset"),
             QDateTime(QDate(1900, 1, 1), QTime(0, 0), Qt::OffsetFromUTC, 1172)},
            {QStringLiteral("datetime utc"), QDateTime(QDate(-5000, 2, 3), QTime(4, 5), Qt::UTC)},
            {QStringLiteral("url"), QUrl(QStringLiteral("https://[::1]:8080/%E6%97%A5?a=1&b=%22"))},
            {QStringLiteral("uuid"), QUuid(QStringLiteral("1b4e28ba-2fa1-11d2-883f-0016d3cca427"))},
            {QStringLiteral("size"), QSize(-1, std::numeric_limits<int>::max())},
            {QStringLiteral("sizef"), QSizeF(0.1, -0.0)},
            {QStringLiteral("point"), QPoint(std::numeric_limits<int>::min(), 4)},
            {QStringLiteral("pointf"), QPointF(1e300, -3.5)},
            {QStringLiteral("rect"), QRect(10, 20, 800, 600)},
            {QStringLiteral("rectf"), QRectF(0.5, 0.25, 1e-300, 7)},
            {QStringLiteral("line"), QLine(1, 2, 3, 4)},
            {QStringLiteral("linef"), QLineF(1.5, 2.5, -3.5, 4.5)},
            {QStringLiteral("stringlist"), QStringList{hostile, QString(), QStringLiteral("x")}},
            {QStringLiteral("intlist"), QVariant::fromValue(QList<int>{250, -750, 0})},
            {QStringLiteral("list"),
             QVariantList{1, 2.5, hostile,
                          QVariantList{QStringLiteral("nested"), QDate(2026, 12, 1)},
                          QVariant::fromValue(QList<int>{1})}},
            {QStringLiteral("map"),
             QVariantMap{{QStringLiteral("w"), 800},
                         {QStringLiteral("pos"), QPoint(3, 4)},
                         {hostile, QVariantMap{{QStringLiteral("deep"), true}}}}},
            {QStringLiteral("hash"),
             QVariantHash{{QStringLiteral("a"), QStringList{QStringLiteral("b")}},
                          {QStringLiteral("c"), qulonglong(7)}}},
            {QStringLiteral("color"), QColor(255, 0, 0, 128)},
            {QStringLiteral("font"), font},
            {QStringLiteral("keysequence"), QKeySequence(QStringLiteral("Ctrl+K, Ctrl+D"))},
    };
}

// The type tags everyType() covers: every row of docs/FORMAT.md's table.
const QStringList allTags = {
        QStringLiteral("null"),       QStringLiteral("bool"),       QStringLiteral("int"),
        QStringLiteral("uint"),       QStringLiteral("int64"),      QStringLiteral("uint64"),
        QStringLiteral("double"),     QStringLiteral("float"),      QStringLiteral("string"),
        QStringLiteral("bytes"),      QStringLiteral("char"),       QStringLiteral("date"),
        QStringLiteral("time"),       QStringLiteral("datetime"),   QStringLiteral("url"),
        QStringLiteral("uuid"),       QStringLiteral("size"),       QStringLiteral("sizef"),
        QStringLiteral("point"),      QStringLiteral("pointf"),     QStringLiteral("rect"),
        QStringLiteral("rectf"),      QStringLiteral("line"),       QStringLiteral("linef"),
        QStringLiteral("stringlist"), QStringLiteral("intlist"),    QStringLiteral("list"),
        QStringLiteral("map"),        QStringLiteral("hash"),       QStringLiteral("color"),
        QStringLiteral("font"),       QStringLiteral("keysequence")};

bool isNull(const QVariant &v)
{
    return !v.isValid() || v.metaType().id() == QMetaType::Nullptr;
}

// Same type and exactly the same value: the same QMetaType, the same exact text (every bit of a
// double, the zone of a date-time) and, but for NaN, equal as QVariants.
QString difference(const QString &key, const QVariant &actual, const QVariant &expected)
{
    if (isNull(actual) && isNull(expected))
        return {};
    const auto a = PersistentMapInternal::encodeValue(actual);
    const auto e = PersistentMapInternal::encodeValue(expected);
    if (actual.metaType() != expected.metaType() || a.type != e.type || a.text != e.text ||
        (!key.endsWith(u"nan") && actual != expected)) {
        return QStringLiteral("'%1' is %2 '%3', expected %4 '%5'")
                .arg(key, QString::fromLatin1(actual.metaType().name()), a.text,
                     QString::fromLatin1(expected.metaType().name()), e.text);
    }
    return {};
}

// Empty when the store behind spec holds exactly `expected`, read by a new map.
QString compareStore(const QString &spec, const QVariantHash &expected)
{
    QString error;
    auto backend = PersistentMapBackend::create(spec, &error);
    if (!backend)
        return error;
    PersistentMap map(std::move(backend));
    if (const auto failure = loadError(map))
        return failure->message();
    QStringList problems;
    if (map.count() != expected.size())
        problems << QStringLiteral("%1 keys instead of %2").arg(map.count()).arg(expected.size());
    for (auto it = expected.cbegin(); it != expected.cend(); ++it) {
        if (!map.contains(it.key()))
            problems << QStringLiteral("'%1' is missing").arg(it.key());
        else if (const QString diff = difference(it.key(), map.value(it.key()), it.value());
                 !diff.isEmpty())
            problems << diff;
    }
    return problems.join(QStringLiteral("; "));
}

bool fill(const QString &spec, const QVariantHash &entries, QString *error)
{
    auto backend = PersistentMapBackend::create(spec, error);
    if (!backend)
        return false;
    PersistentMap map(std::move(backend));
    if (auto failure = loadError(map)) {
        *error = failure->message();
        return false;
    }
    if (auto failure = failureOf(map.insert(entries))) {
        *error = failure->message();
        return false;
    }
    if (auto failure = failureOf(map.flush())) {
        *error = failure->message();
        return false;
    }
    return true;
}

} // namespace

class tst_Pmctl : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void helpAndVersion();
    void usageErrors();
    void commands_data();
    void commands();
    void exportImportEveryType_data();
    void exportImportEveryType();
    void importIsAtomic();
    void importReplaceOfNoExportWritesNothing();
    void exportOntoTheStoreRefused();
    void exportFailsWhenSyncFails();
    void writesFailWhenSyncFails_data();
    void writesFailWhenSyncFails();
    void convertChain();
    void check();
    void schema_data();
    void schema();
    void againstWriter_data();
    void againstWriter();
    void watchPrintsCommittedChangesInOrder_data();
    void watchPrintsCommittedChangesInOrder();

private:
    // The spec of a fresh store of kind ("sqlite", "csv", "postgres") named name.
    QString specFor(const QString &kind, const QString &name);

    QTemporaryDir m_dir;
    std::optional<QString> m_postgres;
    std::vector<std::unique_ptr<PostgresTestTable>> m_tables;
};

void tst_Pmctl::initTestCase()
{
    QVERIFY(m_dir.isValid());
    if (!postgresUnavailableReason())
        m_postgres = postgresSpec();
    else if (postgresRequired())
        QFAIL("PostgreSQL tests are required (PM_REQUIRE_POSTGRES=1) but cannot run");
}

QString tst_Pmctl::specFor(const QString &kind, const QString &name)
{
    if (kind == u"postgres") {
        m_tables.push_back(std::make_unique<PostgresTestTable>(*m_postgres));
        return m_tables.back()->spec();
    }
    return kind + u':' +
            m_dir.filePath(name +
                           (kind == u"csv" ? QStringLiteral(".csv") : QStringLiteral(".db")));
}

static void addBackends()
{
    QTest::addColumn<QString>("kind");
    for (const char *kind : {"sqlite", "csv", "postgres"})
        QTest::newRow(kind) << QString::fromLatin1(kind);
}

// A sanitizer's runtime must be the first library of a process: the fault shim preloaded ahead of
// it (LD_PRELOAD) stops the child at start. Built with one, the tests that preload the shim skip;
// the normal stage of scripts/test.sh runs them.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SKIP_UNDER_A_SANITIZER() \
    QSKIP("built with a sanitizer, whose runtime must load first: the fault shim cannot be " \
          "preloaded; the normal stage runs this test")
#else
#define SKIP_UNDER_A_SANITIZER() \
    do { \
    } while (false)
#endif

#define SKIP_WITHOUT_POSTGRES(kind) \
    do { \
        if ((kind) == u"postgres" && !m_postgres) \
            QSKIP("no PostgreSQL server (PM_TEST_POSTGRES); scripts/test.sh starts one"); \
    } while (false)

void tst_Pmctl::helpAndVersion()
{
    const Run version = pmctl({QStringLiteral("--version")});
    PMCTL_EXPECT(version, 0);
    QCOMPARE(version.out, QStringLiteral("pmctl 0.1.0\n"));

    const Run help = pmctl({QStringLiteral("--help")});
    PMCTL_EXPECT(help, 0);
    const QStringList names = {QStringLiteral("get"),    QStringLiteral("set"),
                               QStringLiteral("remove"), QStringLiteral("list"),
                               QStringLiteral("watch"),  QStringLiteral("export"),
                               QStringLiteral("import"), QStringLiteral("convert"),
                               QStringLiteral("check"),  QStringLiteral("reset")};
    for (const QString &name : names) {
        QVERIFY2(help.out.contains(QStringLiteral("\n  ") + name + u' '), qPrintable(help.out));
        const Run byHelp = pmctl({QStringLiteral("help"), name});
        PMCTL_EXPECT(byHelp, 0);
        QVERIFY2(byHelp.out.startsWith(QStringLiteral("Usage: pmctl SPEC ") + name),
                 qPrintable(byHelp.out));
        const Run byOption = pmctl({QStringLiteral("store.db"), name, QStringLiteral("--help")});
        PMCTL_EXPECT(byOption, 0);
        QCOMPARE(byOption.out, byHelp.out);
    }
    QVERIFY(!QFileInfo::exists(QStringLiteral("store.db"))); // help opens no store
    QVERIFY(pmctl({QStringLiteral("help"), QStringLiteral("set")}).out.contains(u"--type"));
}

void tst_Pmctl::usageErrors()
{
    const QString store = m_dir.filePath(QStringLiteral("usage.db"));
    PMCTL_EXPECT(pmctl({}), UsageError);
    PMCTL_EXPECT(pmctl({store}), UsageError);
    PMCTL_EXPECT(pmctl({store, QStringLiteral("frobnicate")}), UsageError);
    PMCTL_EXPECT(pmctl({QStringLiteral("nosuffix"), QStringLiteral("list")}), UsageError);
    PMCTL_EXPECT(pmctl({QStringLiteral("ftp:x"), QStringLiteral("list")}), UsageError);
    PMCTL_EXPECT(pmctl({store, QStringLiteral("get")}), UsageError);
    PMCTL_EXPECT(pmctl({store, QStringLiteral("get"), QStringLiteral("a"), QStringLiteral("b")}),
                 UsageError);
    PMCTL_EXPECT(pmctl({store, QStringLiteral("list"), QStringLiteral("--bogus")}), UsageError);
    const Run badType =
            pmctl({store, QStringLiteral("set"), QStringLiteral("k"), QStringLiteral("1"),
                   QStringLiteral("--type"), QStringLiteral("integer")});
    PMCTL_EXPECT(badType, UsageError);
    QVERIFY2(badType.err.contains(u"integer"), qPrintable(badType.err));
    const Run badText =
            pmctl({store, QStringLiteral("set"), QStringLiteral("k"), QStringLiteral("five"),
                   QStringLiteral("-t"), QStringLiteral("int")});
    PMCTL_EXPECT(badText, UsageError);
    QVERIFY2(badText.err.contains(u"'five' is not an int"), qPrintable(badText.err));
    // A type the CSV format uses for its own rows is no value type.
    PMCTL_EXPECT(pmctl({store, QStringLiteral("set"), QStringLiteral("k"), QString(),
                        QStringLiteral("-t"), QStringLiteral("removed")}),
                 UsageError);
    QVERIFY(!QFileInfo::exists(store)); // nothing was opened

    // memory: is a new, empty store in each run.
    PMCTL_EXPECT(pmctl({QStringLiteral("memory:"), QStringLiteral("set"), QStringLiteral("k"),
                        QStringLiteral("v")}),
                 0);
    PMCTL_EXPECT(pmctl({QStringLiteral("memory:"), QStringLiteral("get"), QStringLiteral("k")}),
                 MissingKey);
}

void tst_Pmctl::commands_data()
{
    addBackends();
}

void tst_Pmctl::commands()
{
    QFETCH(QString, kind);
    SKIP_WITHOUT_POSTGRES(kind);
    const QString spec = specFor(kind, QStringLiteral("commands"));

    PMCTL_EXPECT(pmctl({spec, QStringLiteral("set"), QStringLiteral("window/title"),
                        QStringLiteral("tab\there\nline two \\ end")}),
                 0);
    PMCTL_EXPECT(pmctl({spec, QStringLiteral("set"), QStringLiteral("window/width"),
                        QStringLiteral("800"), QStringLiteral("--type"), QStringLiteral("int")}),
                 0);
    PMCTL_EXPECT(pmctl({spec, QStringLiteral("set"), QStringLiteral("lastRun"),
                        QStringLiteral("2026-11-23T20:14:37.185+01:00[Europe/Berlin]"),
                        QStringLiteral("-t"), QStringLiteral("datetime")}),
                 0);
    // What another program reads: the types and values set.
    const QVariantHash expected = {
            {QStringLiteral("window/title"), QStringLiteral("tab\there\nline two \\ end")},
            {QStringLiteral("window/width"), 800},
            {QStringLiteral("lastRun"),
             QDateTime(QDate(2026, 11, 23), QTime(20, 14, 37, 185), QTimeZone("Europe/Berlin"))}};
    {
        const QString diff = compareStore(spec, expected);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
    }

    const Run width = pmctl({spec, QStringLiteral("get"), QStringLiteral("window/width")});
    PMCTL_EXPECT(width, 0);
    QCOMPARE(width.out, QStringLiteral("800\n"));
    const Run title = pmctl({spec, QStringLiteral("get"), QStringLiteral("window/title")});
    PMCTL_EXPECT(title, 0);
    QCOMPARE(title.out, QStringLiteral("tab\there\nline two \\ end\n")); // as it is
    const Run missing = pmctl({spec, QStringLiteral("get"), QStringLiteral("nope")});
    PMCTL_EXPECT(missing, MissingKey);
    QVERIFY(missing.out.isEmpty());
    QVERIFY2(missing.err.contains(u"'nope'"), qPrintable(missing.err));

    const Run all = pmctl({spec, QStringLiteral("list")});
    PMCTL_EXPECT(all, 0);
    QCOMPARE(all.out,
             QStringLiteral("lastRun\tdatetime\t2026-11-23T20:14:37.185+01:00[Europe/Berlin]\n"
                            "window/title\tstring\ttab\\there\\nline two \\\\ end\n"
                            "window/width\tint\t800\n"));
    const Run window = pmctl({spec, QStringLiteral("list"), QStringLiteral("window/")});
    PMCTL_EXPECT(window, 0);
    QCOMPARE(window.out.count(u'\n'), 2);
    QVERIFY(window.out.startsWith(u"window/title\t"));

    // After "--", a key or value may start with '-' (and "-v" is no --version).
    PMCTL_EXPECT(pmctl({spec, QStringLiteral("set"), QStringLiteral("-t"), QStringLiteral("int"),
                        QStringLiteral("--"), QStringLiteral("-offset"), QStringLiteral("-5")}),
                 0);
    const Run offset =
            pmctl({spec, QStringLiteral("get"), QStringLiteral("--"), QStringLiteral("-offset")});
    PMCTL_EXPECT(offset, 0);
    QCOMPARE(offset.out, QStringLiteral("-5\n"));
    PMCTL_EXPECT(pmctl({spec, QStringLiteral("remove"), QStringLiteral("--"),
                        QStringLiteral("-offset")}),
                 0);

    PMCTL_EXPECT(pmctl({spec, QStringLiteral("remove"), QStringLiteral("window/title")}), 0);
    PMCTL_EXPECT(pmctl({spec, QStringLiteral("remove"), QStringLiteral("window/title")}),
                 MissingKey);
    QVariantHash left = expected;
    left.remove(QStringLiteral("window/title"));
    const QString diff = compareStore(spec, left);
    QVERIFY2(diff.isEmpty(), qPrintable(diff));

    if (kind == u"csv") {
        // A store opened read-only on request refuses writes: Code::ReadOnly, store unchanged.
        const Run readOnly = pmctl({spec + QStringLiteral("?readonly=1"), QStringLiteral("set"),
                                    QStringLiteral("window/width"), QStringLiteral("1")});
        PMCTL_EXPECT(readOnly, storeError(PersistentMapError::Code::ReadOnly));
        const QString same = compareStore(spec, left);
        QVERIFY2(same.isEmpty(), qPrintable(same));
    }
    if (kind != u"postgres") {
        // Reading never creates a store: a missing file is Code::OpenFailed.
        const QString absent = kind + u':' + m_dir.filePath(QStringLiteral("absent.") + kind);
        const Run none = pmctl({absent, QStringLiteral("list")});
        PMCTL_EXPECT(none, storeError(PersistentMapError::Code::OpenFailed));
        QVERIFY2(none.err.contains(u"no such file"), qPrintable(none.err));
        QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("absent.") + kind)));
    }
}

void tst_Pmctl::exportImportEveryType_data()
{
    addBackends();
}

void tst_Pmctl::exportImportEveryType()
{
    QFETCH(QString, kind);
    SKIP_WITHOUT_POSTGRES(kind);
    const QVariantHash values = everyType(kind != u"postgres");
    const QString source = specFor(kind, QStringLiteral("export-source"));
    const QString target = specFor(kind, QStringLiteral("export-target"));
    QString error;
    QVERIFY2(fill(source, values, &error), qPrintable(error));

    const QString file = m_dir.filePath(QStringLiteral("export-%1.json").arg(kind));
    PMCTL_EXPECT(pmctl({source, QStringLiteral("export"), file}), 0);
    const Run toStdout = pmctl({source, QStringLiteral("export")});
    PMCTL_EXPECT(toStdout, 0);
    QCOMPARE(toStdout.out.toUtf8(), readBytes(file));

    // The file names every type of the table, each entry with its tag and text.
    const QJsonDocument document = QJsonDocument::fromJson(readBytes(file));
    QCOMPARE(document[QStringLiteral("format")].toString(),
             QStringLiteral("persistent-map export"));
    QCOMPARE(document[QStringLiteral("version")].toInt(), 1);
    QSet<QString> tags;
    const QJsonArray entries = document[QStringLiteral("entries")].toArray();
    QCOMPARE(entries.size(), values.size());
    for (const QJsonValue &entry : entries)
        tags.insert(entry[QStringLiteral("type")].toString());
    QCOMPARE(tags, QSet<QString>(allTags.cbegin(), allTags.cend()));

    PMCTL_EXPECT(pmctl({target, QStringLiteral("import"), file}), 0);
    QString diff = compareStore(target, values);
    QVERIFY2(diff.isEmpty(), qPrintable(diff));

    // From standard input, with --replace: a key that is not in the file goes, in the same batch.
    QVERIFY2(fill(target, {{QStringLiteral("extra"), 1}}, &error), qPrintable(error));
    PMCTL_EXPECT(pmctl({target, QStringLiteral("import"), QStringLiteral("-"),
                        QStringLiteral("--replace")},
                       readBytes(file)),
                 0);
    diff = compareStore(target, values);
    QVERIFY2(diff.isEmpty(), qPrintable(diff));
}

void tst_Pmctl::importIsAtomic()
{
    const QString spec = QStringLiteral("sqlite:") + m_dir.filePath(QStringLiteral("atomic.db"));
    QString error;
    QVERIFY2(fill(spec, {{QStringLiteral("kept"), 1}}, &error), qPrintable(error));
    const QString file = m_dir.filePath(QStringLiteral("bad.json"));
    const auto entry = [](const char *key, const char *type, const char *value) {
        return QJsonObject{{QStringLiteral("key"), QString::fromLatin1(key)},
                           {QStringLiteral("type"), QString::fromLatin1(type)},
                           {QStringLiteral("value"), QString::fromLatin1(value)}};
    };
    const QJsonObject bad{
            {QStringLiteral("format"), QStringLiteral("persistent-map export")},
            {QStringLiteral("version"), 1},
            {QStringLiteral("entries"),
             QJsonArray{entry("a", "int", "1"), entry("b", "int", "two"), entry("c", "int", "3")}}};
    QVERIFY(writeBytes(file, QJsonDocument(bad).toJson()));
    const Run refused = pmctl({spec, QStringLiteral("import"), file});
    PMCTL_EXPECT(refused, FileError);
    QVERIFY2(refused.err.contains(u"entry 2 ('b')"), qPrintable(refused.err));
    QString diff = compareStore(spec, {{QStringLiteral("kept"), 1}});
    QVERIFY2(diff.isEmpty(), qPrintable(diff));

    QVERIFY(writeBytes(file, "{\"entries\": []}"));
    PMCTL_EXPECT(pmctl({spec, QStringLiteral("import"), file}), FileError);
    PMCTL_EXPECT(pmctl({spec, QStringLiteral("import"), m_dir.filePath(QStringLiteral("none"))}),
                 FileError);
    PMCTL_EXPECT(pmctl({spec, QStringLiteral("export"),
                        m_dir.filePath(QStringLiteral("no/such/folder/x.json"))}),
                 FileError);
    diff = compareStore(spec, {{QStringLiteral("kept"), 1}});
    QVERIFY2(diff.isEmpty(), qPrintable(diff));
}

// An import file whose "entries" is missing or not an array, or names a key twice, is no export:
// read as an empty list, import --replace removed every key of the store and exited 0.
void tst_Pmctl::importReplaceOfNoExportWritesNothing()
{
    const QString spec = QStringLiteral("sqlite:") + m_dir.filePath(QStringLiteral("replace.db"));
    QString error;
    QVERIFY2(fill(spec, {{QStringLiteral("kept"), 1}}, &error), qPrintable(error));
    const QString file = m_dir.filePath(QStringLiteral("noexport.json"));
    const QByteArray header = R"("format": "persistent-map export", "version": 1)";
    const QByteArray entry = R"({"key": "a", "type": "int", "value": "1"})";
    for (const QByteArray &body :
         {QByteArray("{" + header + "}"), QByteArray("{" + header + R"(, "entries": "oops"})"),
          QByteArray("{" + header + R"(, "entries": {"a": 1}})"),
          QByteArray("{" + header + R"(, "entries": null})"),
          QByteArray("{" + header + ", \"entries\": [" + entry + ", " + entry + "]}")}) {
        QVERIFY(writeBytes(file, body));
        const Run run = pmctl({spec, QStringLiteral("import"), file, QStringLiteral("--replace")});
        PMCTL_EXPECT(run, FileError);
        const QString diff = compareStore(spec, {{QStringLiteral("kept"), 1}});
        QVERIFY2(diff.isEmpty(), qPrintable(QString::fromUtf8(body) + QStringLiteral(": ") + diff));
    }
    // An export with an empty "entries" array is one: --replace empties the store.
    QVERIFY(writeBytes(file, "{" + header + R"(, "entries": []})"));
    PMCTL_EXPECT(pmctl({spec, QStringLiteral("import"), file, QStringLiteral("--replace")}), 0);
    const QString diff = compareStore(spec, {});
    QVERIFY2(diff.isEmpty(), qPrintable(diff));
}

// pmctl STORE export FILE where FILE is the store's own file (by its path, a symbolic link or
// ../) replaced the store with its JSON export and exited 0: the store was then unreadable.
void tst_Pmctl::exportOntoTheStoreRefused()
{
    for (const char *kind : {"sqlite", "csv"}) {
        const QString spec = specFor(QString::fromLatin1(kind), QStringLiteral("self"));
        const QString path = spec.section(u':', 1);
        QString error;
        QVERIFY2(fill(spec, {{QStringLiteral("k"), 1}}, &error), qPrintable(error));
        QVERIFY(QDir(m_dir.path()).mkpath(QStringLiteral("sub")));
        const QString link = m_dir.filePath(QStringLiteral("sub/link-") + QLatin1String(kind));
        QFile::remove(link);
        QVERIFY(QFile::link(path, link));
        for (const QString &target :
             {path, link, m_dir.filePath(QStringLiteral("sub/../")) + QFileInfo(path).fileName()}) {
            const Run run = pmctl({spec, QStringLiteral("export"), target});
            PMCTL_EXPECT(run, FileError);
            const QString diff = compareStore(spec, {{QStringLiteral("k"), 1}});
            QVERIFY2(diff.isEmpty(), qPrintable(target + QStringLiteral(": ") + diff));
        }
    }
}

// export replaced FILE through QSaveFile, which does not sync: exit code 0 while the new file
// (or its name in the folder) was not on disk, and a crash could leave an empty file where the
// old one was. A failed sync of the file or of its folder must be exit code 4, and a failed
// sync of the file must leave the old file as it was.
void tst_Pmctl::exportFailsWhenSyncFails()
{
    SKIP_UNDER_A_SANITIZER();
    const QString spec = specFor(QStringLiteral("sqlite"), QStringLiteral("exportsync"));
    QString error;
    QVERIFY2(fill(spec, {{QStringLiteral("k"), 1}}, &error), qPrintable(error));
    const QString folder = m_dir.filePath(QStringLiteral("exportsync-out"));
    QVERIFY(QDir().mkpath(folder));
    const QString file = folder + QStringLiteral("/export.json");
    QVERIFY(writeBytes(file, "old"));
    const auto exportWith = [&](const QString &failing) {
        QProcess process;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("LD_PRELOAD"), QStringLiteral(SYNCFAULTPRELOAD_PATH));
        environment.insert(QStringLiteral("PM_FAIL_SYNCS"), failing);
        process.setProcessEnvironment(environment);
        process.start(QStringLiteral(PMCTL_PATH), {spec, QStringLiteral("export"), file});
        Run run;
        if (!process.waitForFinished(120000))
            return run;
        run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
        run.err = QString::fromUtf8(process.readAllStandardError());
        return run;
    };
    // The file (an unnamed temporary file in the folder until the rename).
    const Run fileSync = exportWith(folder + QStringLiteral("/"));
    PMCTL_EXPECT(fileSync, FileError);
    QFile kept(m_dir.filePath(QStringLiteral("exportsync-out/export.json")));
    QVERIFY(kept.open(QIODevice::ReadOnly));
    QCOMPARE(kept.readAll(), QByteArray("old"));
    kept.close();
    // The folder, after the rename.
    PMCTL_EXPECT(exportWith(folder + QStringLiteral("$")), FileError);
    PMCTL_EXPECT(pmctl({spec, QStringLiteral("export"),
                        m_dir.filePath(QStringLiteral("exportsync-out/x.json"))}),
                 0);
}

void tst_Pmctl::writesFailWhenSyncFails_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("command");
    for (const char *kind : {"sqlite", "csv"}) {
        for (const char *command : {"set", "import", "remove", "convert"})
            QTest::addRow("%s %s", kind, command)
                    << QString::fromLatin1(kind) << QString::fromLatin1(command);
    }
}

// docs/PMCTL.md: set "waits until it is durable on disk"; exit code 0 promises durability. Every
// fsync()/fdatasync() of the store's files fails with EIO (an LD_PRELOAD of SyscallFaults):
// the write is not durable, so the exit code must not be 0.
void tst_Pmctl::writesFailWhenSyncFails()
{
    SKIP_UNDER_A_SANITIZER();
    QFETCH(QString, kind);
    QFETCH(QString, command);
    const QString name = QStringLiteral("syncfail-%1-%2").arg(kind, command);
    const QString spec = specFor(kind, name);
    QString error;
    QVERIFY2(fill(spec, {{QStringLiteral("old"), 1}}, &error), qPrintable(error));
    const QString file = m_dir.filePath(name + QStringLiteral(".json"));
    QVERIFY(writeBytes(file,
                       R"({"format": "persistent-map export", "version": 1, "entries": )"
                       R"([{"key": "k", "type": "int", "value": "1"}]})"));
    const QString source = specFor(QStringLiteral("sqlite"), name + QStringLiteral("-source"));
    QVERIFY2(fill(source, {{QStringLiteral("k"), 1}}, &error), qPrintable(error));

    QStringList arguments;
    QString target = spec;
    if (command == u"set")
        arguments = {spec, command, QStringLiteral("k"), QStringLiteral("1")};
    else if (command == u"import")
        arguments = {spec, command, file};
    else if (command == u"remove")
        arguments = {spec, command, QStringLiteral("old")};
    else
        arguments = {source, command, spec, QStringLiteral("--merge")};

    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("LD_PRELOAD"), QStringLiteral(SYNCFAULTPRELOAD_PATH));
    environment.insert(QStringLiteral("PM_FAIL_SYNCS"), m_dir.filePath(name));
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral(PMCTL_PATH), arguments);
    QVERIFY(process.waitForFinished(120000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    const QString err = QString::fromUtf8(process.readAllStandardError());
    // The shim was loaded and failed at least one sync (else this test proves nothing).
    QVERIFY2(err.contains(u"syncfaultpreload: ") && !err.contains(u"syncfaultpreload: 0 "),
             qPrintable(err));
    QVERIFY2(process.exitCode() != 0,
             qPrintable(QStringLiteral("pmctl %1 exited 0 though every sync of the store failed; "
                                       "stderr: %2")
                                .arg(arguments.join(u' '), err)));
}

void tst_Pmctl::convertChain()
{
    if (!m_postgres)
        QSKIP("no PostgreSQL server (PM_TEST_POSTGRES); scripts/test.sh starts one");
    const QVariantHash values = everyType(false);
    const QString sqlite = specFor(QStringLiteral("sqlite"), QStringLiteral("chain-1"));
    const QString csv = specFor(QStringLiteral("csv"), QStringLiteral("chain-2"));
    const QString postgres = specFor(QStringLiteral("postgres"), QStringLiteral("chain-3"));
    const QString back = specFor(QStringLiteral("sqlite"), QStringLiteral("chain-4"));
    QString error;
    QVERIFY2(fill(sqlite, values, &error), qPrintable(error));
    // A row of a type this version does not know (a newer version's) travels unread.
    const QString first = PersistentMapStoreSpec::parse(sqlite).path();
    {
        QProcess sqlite3;
        sqlite3.start(QStringLiteral("sqlite3"),
                      {first,
                       QStringLiteral("INSERT INTO persistent_map VALUES "
                                      "('future', 'quaternion', '1 0 0 0')")});
        if (!sqlite3.waitForFinished() || sqlite3.exitCode() != 0)
            QSKIP("the sqlite3 program is not installed (Debian: sqlite3)");
    }
    PMCTL_EXPECT(pmctl({sqlite, QStringLiteral("convert"), csv}), 0);
    PMCTL_EXPECT(pmctl({csv, QStringLiteral("convert"), postgres}), 0);
    PMCTL_EXPECT(pmctl({postgres, QStringLiteral("convert"), back}), 0);
    for (const QString &spec : {csv, postgres, back}) {
        const QString diff = compareStore(spec, values);
        QVERIFY2(diff.isEmpty(), qPrintable(spec + QStringLiteral(": ") + diff));
    }
    // The unread row arrived as it was stored.
    const Run check = pmctl({back, QStringLiteral("check")});
    PMCTL_EXPECT(check, ProblemsFound);
    QCOMPARE(check.out,
             QStringLiteral("undecodable\tfuture\ttype 'quaternion': unknown type 'quaternion'\n"));

    // Into a store that holds entries only with --merge.
    const Run full = pmctl({sqlite, QStringLiteral("convert"), csv});
    PMCTL_EXPECT(full, UsageError);
    QVERIFY2(full.err.contains(u"--merge"), qPrintable(full.err));
    QVERIFY2(fill(sqlite, {{QStringLiteral("added"), 5}}, &error), qPrintable(error));
    PMCTL_EXPECT(pmctl({sqlite, QStringLiteral("convert"), csv, QStringLiteral("--merge")}), 0);
    QVariantHash more = values;
    more.insert(QStringLiteral("added"), 5);
    const QString diff = compareStore(csv, more);
    QVERIFY2(diff.isEmpty(), qPrintable(diff));
}

void tst_Pmctl::check()
{
    const QString good = QStringLiteral("csv:") + m_dir.filePath(QStringLiteral("good.csv"));
    QString error;
    QVERIFY2(fill(good, {{QStringLiteral("a"), 1}}, &error), qPrintable(error));
    const Run clean = pmctl({good, QStringLiteral("check")});
    PMCTL_EXPECT(clean, 0);
    QVERIFY(clean.out.isEmpty());

    // A value of an unknown type, and a batch cut off by a crash.
    const QString torn = m_dir.filePath(QStringLiteral("torn.csv"));
    const QByteArray tornBytes = "key,type,value\na,int,1\nb,future,xyz\n,batch,2\nc,int,3\n";
    QVERIFY(writeBytes(torn, tornBytes));
    const Run found = pmctl({QStringLiteral("csv:") + torn, QStringLiteral("check")});
    PMCTL_EXPECT(found, ProblemsFound);
    const QStringList lines = found.out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 2);
    QCOMPARE(lines.at(0), QStringLiteral("undecodable\tb\ttype 'future': unknown type 'future'"));
    QVERIFY2(lines.at(1).startsWith(
                     QStringLiteral("torn\t") + torn +
                     QStringLiteral("\tthe batch that starts on line 4 is incomplete")),
             qPrintable(lines.at(1)));
    QCOMPARE(readBytes(torn), tornBytes); // check never repairs

    // A last line cut off inside a store the library appended to.
    QVERIFY(writeBytes(torn, "key,type,value\n,batch,1\na,int,1\nb,int,12"));
    const Run cut = pmctl({QStringLiteral("csv:") + torn, QStringLiteral("check")});
    PMCTL_EXPECT(cut, ProblemsFound);
    QVERIFY2(cut.out.startsWith(QStringLiteral("torn\t") + torn + QStringLiteral("\tline 4 ")),
             qPrintable(cut.out));
    // ... but a person's last record without a line break (no batch row) is no problem.
    QVERIFY(writeBytes(torn, "key,type,value\na,int,1\nb,int,12"));
    PMCTL_EXPECT(pmctl({QStringLiteral("csv:") + torn, QStringLiteral("check")}), 0);

    // A file that is no store.
    QVERIFY(writeBytes(torn, "this is not a store\n"));
    const Run corrupt = pmctl({QStringLiteral("csv:") + torn, QStringLiteral("check")});
    PMCTL_EXPECT(corrupt, ProblemsFound);
    QVERIFY2(corrupt.out.startsWith(u"corrupt\t"), qPrintable(corrupt.out));
    const QString notSqlite = m_dir.filePath(QStringLiteral("text.db"));
    QVERIFY(writeBytes(notSqlite, QByteArray(8192, 'x')));
    PMCTL_EXPECT(pmctl({notSqlite, QStringLiteral("check")}), ProblemsFound);
    PMCTL_EXPECT(pmctl({m_dir.filePath(QStringLiteral("missing.db")), QStringLiteral("check")}),
                 storeError(PersistentMapError::Code::OpenFailed));
}

void tst_Pmctl::schema_data()
{
    addBackends();
}

// check, get and reset with --schema (docs/SCHEMA.md's JSON).
void tst_Pmctl::schema()
{
    QFETCH(QString, kind);
    SKIP_WITHOUT_POSTGRES(kind);
    const QString spec = specFor(kind, QStringLiteral("schema"));
    const QString schemaFile = m_dir.filePath(QStringLiteral("schema.json"));
    QVERIFY(writeBytes(schemaFile, R"({ "version": 1, "keys": {
        "fontSize": { "type": "int", "default": 12, "minimum": 6, "maximum": 72 },
        "theme": { "type": "string", "default": "light", "choices": ["light", "dark"] },
        "width": { "type": "int", "default": 800 } } })"));
    // Written without the schema: one value above its range, one not among the choices.
    QString error;
    QVERIFY2(fill(spec,
                  {{QStringLiteral("fontSize"), 100},
                   {QStringLiteral("theme"), QStringLiteral("blue")},
                   {QStringLiteral("width"), 1024},
                   {QStringLiteral("other"), QStringLiteral("undeclared")}},
                  &error),
             qPrintable(error));

    const QStringList withSchema = {QStringLiteral("--schema"), schemaFile};
    const Run found = pmctl(QStringList{spec, QStringLiteral("check")} + withSchema);
    PMCTL_EXPECT(found, ProblemsFound);
    QCOMPARE(found.out,
             QStringLiteral("schema\tfontSize\tkey 'fontSize': '100' (int) is above the maximum "
                            "72\nschema\ttheme\tkey 'theme': 'blue' (QString) is not one of "
                            "'light', 'dark'\n"));
    PMCTL_EXPECT(pmctl({spec, QStringLiteral("check")}), 0); // without a schema: sound

    // reset KEY: its stored value goes, get --schema prints the default.
    PMCTL_EXPECT(pmctl(QStringList{spec, QStringLiteral("reset"), QStringLiteral("fontSize")} +
                       withSchema),
                 0);
    PMCTL_EXPECT(pmctl({spec, QStringLiteral("get"), QStringLiteral("fontSize")}), MissingKey);
    const Run byDefault = pmctl(
            QStringList{spec, QStringLiteral("get"), QStringLiteral("fontSize")} + withSchema);
    PMCTL_EXPECT(byDefault, 0);
    QCOMPARE(byDefault.out, QStringLiteral("12\n"));
    const Run stored =
            pmctl(QStringList{spec, QStringLiteral("get"), QStringLiteral("width")} + withSchema);
    PMCTL_EXPECT(stored, 0);
    QCOMPARE(stored.out, QStringLiteral("1024\n")); // a stored value wins over the default

    // reset without KEY: every declared key, undeclared ones stay.
    PMCTL_EXPECT(pmctl(QStringList{spec, QStringLiteral("reset")} + withSchema), 0);
    QString diff = compareStore(spec, {{QStringLiteral("other"), QStringLiteral("undeclared")}});
    QVERIFY2(diff.isEmpty(), qPrintable(diff));
    PMCTL_EXPECT(pmctl(QStringList{spec, QStringLiteral("check")} + withSchema), 0);

    // Usage: a key the schema does not declare, reset of everything without a schema; a schema
    // file that cannot be read or does not parse. Nothing changes.
    PMCTL_EXPECT(
            pmctl(QStringList{spec, QStringLiteral("reset"), QStringLiteral("other")} + withSchema),
            UsageError);
    PMCTL_EXPECT(pmctl({spec, QStringLiteral("reset")}), UsageError);
    const QString badSchema = m_dir.filePath(QStringLiteral("bad-schema.json"));
    QVERIFY(writeBytes(badSchema, R"({ "k": { "type": "integer" } })"));
    const Run bad = pmctl({spec, QStringLiteral("reset"), QStringLiteral("--schema"), badSchema});
    PMCTL_EXPECT(bad, FileError);
    QVERIFY2(bad.err.contains(u"integer"), qPrintable(bad.err));
    PMCTL_EXPECT(pmctl({spec, QStringLiteral("check"), QStringLiteral("--schema"),
                        m_dir.filePath(QStringLiteral("none.json"))}),
                 FileError);
    diff = compareStore(spec, {{QStringLiteral("other"), QStringLiteral("undeclared")}});
    QVERIFY2(diff.isEmpty(), qPrintable(diff));

    // reset KEY without a schema removes it; a key that is not stored is no error.
    PMCTL_EXPECT(pmctl({spec, QStringLiteral("reset"), QStringLiteral("other")}), 0);
    PMCTL_EXPECT(pmctl({spec, QStringLiteral("reset"), QStringLiteral("other")}), 0);
    diff = compareStore(spec, {});
    QVERIFY2(diff.isEmpty(), qPrintable(diff));
}

void tst_Pmctl::againstWriter_data()
{
    addBackends();
}

// The acceptance case of issue 16: a store another process is writing.
void tst_Pmctl::againstWriter()
{
    QFETCH(QString, kind);
    SKIP_WITHOUT_POSTGRES(kind);
    const QString spec = specFor(kind, QStringLiteral("shared"));
    MapWatcherProcess writer(spec);
    QVERIFY(writer.waitUntilReady());
    QVERIFY(writer.insert(QStringLiteral("before"), QStringLiteral("1")));

    QProcess watch;
    watch.start(QStringLiteral(PMCTL_PATH),
                {spec, QStringLiteral("watch"), QStringLiteral("app/")});
    QVERIFY(watch.waitForStarted());
    // It says so on standard error once it follows the store.
    watch.setReadChannel(QProcess::StandardError);
    while (!watch.canReadLine())
        QVERIFY2(watch.waitForReadyRead(30000), "pmctl watch never said it was watching");
    const QString said = QString::fromUtf8(watch.readLine());
    QVERIFY2(said.startsWith(u"pmctl: watching "), qPrintable(said));
    watch.setReadChannel(QProcess::StandardOutput);
    const auto nextLine = [&watch]() -> QString {
        while (!watch.canReadLine()) {
            if (!watch.waitForReadyRead(30000))
                return QStringLiteral("<no line: %1>")
                        .arg(QString::fromUtf8(watch.readAllStandardError()));
        }
        return QString::fromUtf8(watch.readLine());
    };

    QVERIFY(writer.insert(QStringLiteral("other"), QStringLiteral("not shown")));
    QVERIFY(writer.insert(QStringLiteral("app/title"), QStringLiteral("a \\ backslash")));
    QCOMPARE(nextLine(), QStringLiteral("set\tapp/title\tstring\ta \\\\ backslash\n"));
    QVERIFY(writer.insertInts(QStringLiteral("app/sizes"), QStringLiteral("250,750")));
    QCOMPARE(nextLine(), QStringLiteral("set\tapp/sizes\tintlist\t[250,750]\n"));
    QVERIFY(writer.remove(QStringLiteral("app/title")));
    QCOMPARE(nextLine(), QStringLiteral("removed\tapp/title\n"));

    const Run set = pmctl(
            {spec, QStringLiteral("set"), QStringLiteral("app/fromcli"), QStringLiteral("hello")});
    if (kind == u"csv") {
        // The writer holds the CSV store's lock: refused, and the message says so.
        PMCTL_EXPECT(set, storeError(PersistentMapError::Code::Locked));
        QVERIFY2(set.err.contains(u"locked by") && set.err.contains(u"lock"), qPrintable(set.err));
        PMCTL_EXPECT(pmctl({spec, QStringLiteral("get"), QStringLiteral("app/fromcli")}),
                     MissingKey);
    } else {
        PMCTL_EXPECT(set, 0);
        // The writer sees it (its valueChanged), and so does watch.
        const auto skipped = writer.waitFor(QStringLiteral("changed\tapp/fromcli\thello"));
        QVERIFY2(!skipped, skipped ? qPrintable(skipped->join(u'|')) : "");
        QCOMPARE(nextLine(), QStringLiteral("set\tapp/fromcli\tstring\thello\n"));
    }
    // Reading works beside the writer on every backend (a CSV store without its lock).
    const Run get = pmctl({spec, QStringLiteral("get"), QStringLiteral("app/sizes")});
    PMCTL_EXPECT(get, 0);
    QCOMPARE(get.out, QStringLiteral("[250,750]\n"));

    // SIGTERM or SIGINT (Ctrl+C) ends it normally, with exit code 0.
    ::kill(pid_t(watch.processId()), kind == u"csv" ? SIGINT : SIGTERM);
    QVERIFY(watch.waitForFinished(30000));
    QCOMPARE(watch.exitStatus(), QProcess::NormalExit);
    QCOMPARE(watch.exitCode(), 0);
    QVERIFY(writer.quit());
}

// docs/PMCTL.md: watch prints "one line per change of such a key, as it happens, also other
// processes' changes". A writer process commits 200 values of one key, each its own committed
// write (it waits for each commit), then a marker: watch must print all 200, in order.
// A burst of 200 commits to one key by another process: watch prints the key's state each time
// it reads the store, in order (docs/PMCTL.md, "watch").
void tst_Pmctl::watchPrintsCommittedChangesInOrder_data()
{
    addBackends();
}

void tst_Pmctl::watchPrintsCommittedChangesInOrder()
{
    QFETCH(QString, kind);
    SKIP_WITHOUT_POSTGRES(kind);
    const QString spec = specFor(kind, QStringLiteral("burst"));
    MapWatcherProcess writer(spec);
    QVERIFY(writer.waitUntilReady());
    QVERIFY(writer.insert(QStringLiteral("before"), QStringLiteral("0")));

    QProcess watch;
    watch.start(QStringLiteral(PMCTL_PATH), {spec, QStringLiteral("watch")});
    QVERIFY(watch.waitForStarted());
    watch.setReadChannel(QProcess::StandardError);
    while (!watch.canReadLine())
        QVERIFY2(watch.waitForReadyRead(30000), "pmctl watch never said it was watching");
    watch.setReadChannel(QProcess::StandardOutput);

    constexpr int Count = 200;
    for (int i = 1; i <= Count; ++i)
        QVERIFY(writer.insert(QStringLiteral("n"), QString::number(i)));
    QVERIFY(writer.insert(QStringLiteral("end"), QStringLiteral("x")));
    // Until both the last value of "n" and "end" were printed: keys changed in one read may be
    // printed in any order, one key's values only in the order they were committed.
    QStringList seen;
    bool ended = false;
    while (!ended || seen.isEmpty() || seen.constLast() != QString::number(Count)) {
        while (!watch.canReadLine()) {
            // On failure, also what pmctl said on standard error (warnings, errorOccurred).
            QVERIFY2(watch.waitForReadyRead(30000),
                     qPrintable(seen.join(u' ') + QStringLiteral("; pmctl's standard error: ") +
                                QString::fromLocal8Bit(watch.readAllStandardError())));
        }
        const QString line = QString::fromUtf8(watch.readLine()).chopped(1);
        if (line.startsWith(u"set\tend\t"))
            ended = true;
        else if (line.startsWith(u"set\tn\t"))
            seen << line.section(u'\t', 3);
    }
    // Each line is the key's value when pmctl read the store (as the library's valueChanged):
    // commits between two reads show as one line with the newest value. So the values printed
    // rise, none twice, and the last is the last committed.
    QVERIFY2(!seen.isEmpty() && seen.constLast() == QString::number(Count),
             qPrintable(seen.join(u' ')));
    for (qsizetype i = 1; i < seen.size(); ++i)
        QVERIFY2(seen.at(i - 1).toInt() < seen.at(i).toInt(), qPrintable(seen.join(u' ')));
    ::kill(pid_t(watch.processId()), SIGTERM);
    QVERIFY(watch.waitForFinished(30000));
    QVERIFY(writer.quit());
}

QTEST_GUILESS_MAIN(tst_Pmctl)

#include "tst_pmctl.moc"
