// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Crash-kill suite (issue 5): a writer process (crashwriter) writes to one store as fast as it
// can and reports each write whose future finished; it is killed with SIGKILL at a random moment,
// the store is reopened here and checked, and the next writer goes on with the same store, so
// recovery from every kind of leftover is exercised again and again.
//
// After each kill, for every key of the writer's key space:
//  - the store opens (status Ready);
//  - never before an acknowledged state: the key holds the value of its last acknowledged write
//    (is absent if that was a removal), or the value of a write issued after it; with no write
//    to it acknowledged in this run, it holds what the previous check saw or a value of this run;
//  - every value present is one a write issued for that key (recomputed from the seed);
//  - atomic writes stay whole: once one entry of an apply()/insert(QVariantHash) is visible, the
//    others are too (or were replaced by later writes);
//  - CSV: the file reads completely, up to a torn tail, and the map warned exactly when there
//    was one; SQLite: PRAGMA integrity_check says ok; no stray files next to the store.
// A kill rarely lands inside a write() call, so for a quarter of the CSV kills the test also
// appends the start of a write (a simulated torn append) before reopening.
// checkerCatchesLies is the negative control: a writer that acknowledges before committing.
//
// The postgres row runs the same writer through PersistentMapPostgresBackend on a fresh table of
// the server in PM_TEST_POSTGRES (docs/TESTING.md, "PostgreSQL"), dropped with its change log at
// the end; the checks are the same except the file ones (there is no file). Without a server it
// skips with the reason (fails under PM_REQUIRE_POSTGRES=1).
//
// Bounded by time as well as by count, so that a busy or slow machine (sanitizers, other builds)
// makes the suite check less, never time out: each backend kills until it reaches its count or
// its time budget, whichever comes first, and prints both figures. It fails on a real failure
// (a lost acknowledged write, a store that does not open or read) or when the budget ran out
// before its minimum number of kills.
//   PM_CRASH_SEED      reproduces a run's choices (not the kill timing)
//   PM_CRASH_KILLS     kills per backend (default 200 for sqlite and csv, 50 for postgres, whose
//                      writer takes longer to start and commit; when set, for postgres too)
//   PM_CRASH_SECONDS   time budget per backend (default 90; tests/crash/CMakeLists.txt sets it
//                      and derives Qt Test's and ctest's timeouts from it)
//   PM_CRASH_MIN_KILLS the minimum per backend (default 50 for sqlite and csv, 20 for postgres;
//                      never more than the count)
#include "backends/csv/csvformat_p.h"
#include "crashops.h"
#include "postgrestest.h"
#include "tornwarnings.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapPostgresBackend>
#include <PersistentMap/PersistentMapSqliteBackend>

#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QMap>
#include <QtCore/QProcess>
#include <QtCore/QRandomGenerator>
#include <QtCore/QTemporaryDir>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>
#include <QtTest/QTest>

#include <atomic>
#include <optional>

using namespace CrashOps;

namespace {

struct Figures
{
    int kills = 0;
    qint64 acknowledged = 0; // acknowledged writes whose effect was checked
    qint64 issued = 0; // writes the writers may have issued
    qint64 keysChecked = 0;
    qint64 valuesChecked = 0; // values present, each traced back to the write that made it
    qint64 atomicChecked = 0; // multi-entry writes found (partly) in the store and checked whole
    int failures = 0;
    int openFailures = 0;
    int tornTails = 0; // CSV: reopens that dropped a torn tail, with a warning
    int tornByKill = 0; // CSV: of those, tails a kill cut in the middle of a write()
    int tornInjected = 0; // CSV: tails the test appended (a simulated torn write)
    int tornLeftOver = 0; // CSV: torn tails still there because the writer was killed before
                          // its first write (which repairs them)
    int strayFiles = 0; // files in the store's folder that are not the store's own
    qint64 milliseconds = 0;
};

QMap<QString, Figures> figuresByBackend;

struct Write
{
    qint64 seq = 0;
    bool remove = false;
    QVariant value;
};

// What the store held for a key at the last check.
struct Seen
{
    bool present = false;
    QVariant value;
};

QString describe(const QVariant &value, int key)
{
    if (!value.isValid())
        return QStringLiteral("<absent>");
    const QString text = value.metaType() == QMetaType::fromType<QStringList>()
            ? value.toStringList().join(QLatin1String("','"))
            : value.toString();
    return QStringLiteral("%1 of write %2 '%3'")
            .arg(QLatin1String(value.metaType().name()))
            .arg(seqOf(value, key))
            .arg(text.left(60));
}

bool matches(const Write &write, const std::optional<QVariant> &observed)
{
    return write.remove ? !observed : observed && sameValue(*observed, write.value);
}

enum class KillPoint { AtStart, AtReady, AtFirstIssue, AfterAcks };

// How a CSV file ends, read independently of PersistentMapCsvBackend.
enum class CsvTail { Clean, TornLine, OpenBatch, Unreadable };

CsvTail csvTail(const QByteArray &data, QString *why)
{
    using PersistentMapInternal::CsvReader;
    CsvReader reader(data);
    PersistentMapInternal::CsvRecord record;
    qint64 batchLeft = 0;
    for (;;) {
        switch (reader.next(&record)) {
        case CsvReader::Result::Record:
            if (record.fields.size() != 3) {
                *why = QStringLiteral("line %1 has %2 fields")
                               .arg(record.line)
                               .arg(record.fields.size());
                return CsvTail::Unreadable;
            }
            if (record.fields.at(1) == u"batch")
                batchLeft = record.fields.at(2).toLongLong();
            else if (batchLeft > 0)
                --batchLeft;
            continue;
        case CsvReader::Result::End:
            return batchLeft > 0 ? CsvTail::OpenBatch : CsvTail::Clean;
        case CsvReader::Result::TornTail:
            return CsvTail::TornLine;
        case CsvReader::Result::Error:
            *why = reader.errorString();
            return CsvTail::Unreadable;
        }
    }
}

// What a kill in the middle of an append leaves: the start of a write that never finished (one
// row, or a batch of rows), cut at a random byte. Its values were never issued by any writer,
// so if the store kept any of them the checker would report it. As the library writes it: a
// batch row in front of several rows, and of the first append to a file that has none (a new or
// rewritten file), which marks it (docs/FORMAT.md, "A last line without a line break").
QByteArray tornAppend(QRandomGenerator &random, int kill, bool marked)
{
    QByteArray write;
    const int rows = int(random.bounded(4)) + 1;
    if (rows > 1 || !marked)
        PersistentMapInternal::appendCsvRecord(write, QString(), QStringLiteral("batch"),
                                               QString::number(rows));
    for (int i = 0; i < rows; ++i) {
        PersistentMapInternal::appendCsvRecord(
                write, keyName(int(random.bounded(KeyCount))), QStringLiteral("string"),
                QStringLiteral("torn %1, \"never issued\"\nacross lines \u00e9\U0001F600 %2")
                        .arg(kill)
                        .arg(i));
    }
    // Anywhere from the first byte to the last, line breaks included (a batch cut between its
    // rows), but not the whole write.
    return write.left(1 + random.bounded(int(write.size()) - 1));
}

} // namespace

class tst_CrashKill : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void crashKill_data();
    void crashKill();
    void checkerCatchesLies_data();
    void checkerCatchesLies();
    void cleanupTestCase();

private:
    // postgresStore: the postgres row's spec with its table (empty for the others).
    // Stops after `kills` kills or once budgetMs (if >= 0) has passed, whichever comes first.
    void runKills(const QString &backend, const QString &postgresStore, int kills, qint64 budgetMs,
                  bool lie, Figures *figures, QStringList *failures);
    int killsFor(const QString &backend) const;
    int minimumKillsFor(const QString &backend) const;

    quint64 m_seed = 0;
    int m_kills = 200;
    bool m_killsSet = false; // PM_CRASH_KILLS: then also for postgres
    int m_seconds = 90; // budget per backend
    int m_minKills = -1; // PM_CRASH_MIN_KILLS; -1: the default per backend
};

void tst_CrashKill::initTestCase()
{
    bool ok = false;
    m_seed = qEnvironmentVariable("PM_CRASH_SEED").toULongLong(&ok);
    if (!ok)
        m_seed = QRandomGenerator::global()->generate64();
    const int kills = qEnvironmentVariableIntValue("PM_CRASH_KILLS", &ok);
    if (ok && kills > 0) {
        m_kills = kills;
        m_killsSet = true;
    }
    const int seconds = qEnvironmentVariableIntValue("PM_CRASH_SECONDS", &ok);
    if (ok && seconds > 0)
        m_seconds = seconds;
    const int minimum = qEnvironmentVariableIntValue("PM_CRASH_MIN_KILLS", &ok);
    if (ok && minimum >= 0)
        m_minKills = minimum;
    qInfo("crash-kill suite: seed %llu, up to %d kills per backend (%d for postgres) within %d s "
          "each, at least %d (%d for postgres) (reproduce with PM_CRASH_SEED=%llu)",
          m_seed, m_kills, killsFor(QStringLiteral("postgres")), m_seconds,
          minimumKillsFor(QStringLiteral("sqlite")), minimumKillsFor(QStringLiteral("postgres")),
          m_seed);
    QVERIFY2(QFile::exists(QStringLiteral(CRASHWRITER_PATH)), CRASHWRITER_PATH);
}

int tst_CrashKill::killsFor(const QString &backend) const
{
    return backend == u"postgres" && !m_killsSet ? 50 : m_kills;
}

int tst_CrashKill::minimumKillsFor(const QString &backend) const
{
    const int minimum = m_minKills >= 0 ? m_minKills : backend == u"postgres" ? 20 : 50;
    return std::min(minimum, killsFor(backend));
}

void tst_CrashKill::crashKill_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("csv") << QStringLiteral("csv");
    QTest::newRow("postgres") << QStringLiteral("postgres");
}

void tst_CrashKill::crashKill()
{
    QFETCH(QString, backend);
    std::optional<PostgresTestTable> table; // dropped after the last check
    if (backend == u"postgres") {
        PM_POSTGRES_SPEC_OR_SKIP(server);
        table.emplace(server);
    }
    const int kills = killsFor(backend);
    Figures figures;
    QStringList failures; // the first few
    runKills(backend, table ? table->spec() : QString(), kills, m_seconds * 1000, false, &figures,
             &failures);
    if (QTest::currentTestFailed())
        return;
    figuresByBackend.insert(backend, figures);

    qInfo("%s: %d kills of %d (budget %d s), %lld acknowledged writes checked (of %lld issued), "
          "%lld keys and %lld "
          "values checked, %lld atomic batches checked whole, %d failures, %d stores that did not "
          "open, torn tails recovered: %d (%d cut by the kill, %d simulated, %d left by a writer "
          "killed before its first write), %.1f s",
          qPrintable(backend), figures.kills, kills, m_seconds, figures.acknowledged,
          figures.issued, figures.keysChecked, figures.valuesChecked, figures.atomicChecked,
          figures.failures, figures.openFailures, figures.tornTails, figures.tornByKill,
          figures.tornInjected, figures.tornLeftOver, figures.milliseconds / 1000.0);
    for (const QString &failure : std::as_const(failures))
        qWarning().noquote() << failure;
    QCOMPARE(figures.openFailures, 0);
    QCOMPARE(figures.failures, 0);
    const int minimum = minimumKillsFor(backend);
    QVERIFY2(figures.kills >= minimum,
             qPrintable(QStringLiteral("only %1 kills within the budget of %2 s, fewer than the "
                                       "minimum of %3 (PM_CRASH_SECONDS, PM_CRASH_MIN_KILLS)")
                                .arg(figures.kills)
                                .arg(m_seconds)
                                .arg(minimum)));
}

void tst_CrashKill::checkerCatchesLies_data()
{
    crashKill_data();
}

// The negative control: a writer that acknowledges writes before they commit loses some of them
// when it is killed, and the checker must say so.
void tst_CrashKill::checkerCatchesLies()
{
    QFETCH(QString, backend);
    std::optional<PostgresTestTable> table;
    if (backend == u"postgres") {
        PM_POSTGRES_SPEC_OR_SKIP(server);
        table.emplace(server);
    }
    Figures figures;
    QStringList failures;
    // No budget: ten kills are few, and the control must see all of them.
    runKills(backend, table ? table->spec() : QString(), 10, -1, true, &figures, &failures);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(figures.openFailures, 0);
    QVERIFY2(figures.failures > 0, "a writer that lies went unnoticed");
    qInfo("%s: the lying writer was caught %d times in 10 kills, first: %s", qPrintable(backend),
          figures.failures, qPrintable(failures.constFirst().left(300)));
    QVERIFY2(failures.constFirst().contains(QLatin1String("acknowledged, or a later one")),
             qPrintable(failures.constFirst()));
}

void tst_CrashKill::runKills(const QString &backend, const QString &postgresStore, int kills,
                             qint64 budgetMs, bool lie, Figures *figuresOut,
                             QStringList *failuresOut)
{
    const bool csv = backend == u"csv";
    const bool postgres = backend == u"postgres";
    const quint64 writerSeed = m_seed ^ (csv ? 0x637376ULL : postgres ? 0x7067ULL : 0x73716cULL);
    QRandomGenerator random(quint32(writerSeed ^ (writerSeed >> 32)));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(postgres != postgresStore.isEmpty());
    // The writer's STORE argument: the file, or the server's spec with the table.
    const QString path = postgres
            ? postgresStore
            : dir.filePath(csv ? QStringLiteral("store.csv") : QStringLiteral("s.db"));

    Figures &figures = *figuresOut;
    QStringList &failures = *failuresOut;
    auto fail = [&](const QString &what) {
        ++figures.failures;
        if (failures.size() < 20)
            failures.append(what);
    };
    QList<Seen> seen(KeyCount); // the store starts empty
    QByteArray lastTornFile; // CSV: the file at the last check, if its tail was torn
    qint64 start = 0;
    QElapsedTimer clock;
    clock.start();

    for (int kill = 0; kill < kills && (budgetMs < 0 || clock.elapsed() < budgetMs); ++kill) {
        // Where to kill: mostly after a random number of acknowledged writes, sometimes while
        // the writer starts, loads, or makes its first write (which repairs a torn CSV tail).
        const int roll = int(random.bounded(100));
        const KillPoint point = lie ? KillPoint::AfterAcks
                : roll < 4          ? KillPoint::AtStart
                : roll < 10         ? KillPoint::AtReady
                : roll < 20         ? KillPoint::AtFirstIssue
                                    : KillPoint::AfterAcks;
        const qint64 ackTarget = roll < 60 ? 1 + random.bounded(200) : 1 + random.bounded(3000);
        // Half the kills come right after an acknowledgement, when the storage thread starts its
        // next batch; the others on the next "I" line the writer prints while it issues writes,
        // which is unrelated to what the storage thread is doing.
        const bool onIssue = random.bounded(2) == 0;
        qint64 issuedAtTarget = -1;

        // This run's writes, by key, in issue order; and its multi-entry writes.
        QList<QList<Write>> writes(KeyCount);
        QMap<qint64, Op> atomicOps;
        qint64 issuedLimit = start; // writes below it may have been issued
        qint64 acked = start - 1; // writes up to it have been acknowledged
        bool ready = false;
        QString protocolError;

        auto handleLine = [&](const QByteArray &line) {
            const QList<QByteArray> parts = line.trimmed().split(' ');
            if (parts.value(0) == "R") {
                ready = true;
            } else if (parts.value(0) == "I" && parts.size() == 2) {
                const qint64 limit = parts.at(1).toLongLong();
                for (qint64 seq = issuedLimit; seq < limit; ++seq) {
                    const Op op = makeOp(writerSeed, seq);
                    for (const Effect &effect : op.effects)
                        writes[effect.key].append({seq, effect.remove, effect.value});
                    if (op.kind == Kind::Batch || op.kind == Kind::Hash)
                        atomicOps.insert(seq, op);
                }
                issuedLimit = std::max(issuedLimit, limit);
            } else if (parts.value(0) == "A" && parts.size() == 3) {
                const qint64 first = parts.at(1).toLongLong();
                const qint64 last = parts.at(2).toLongLong();
                if (first != acked + 1 || last < first || last >= issuedLimit) {
                    protocolError = QStringLiteral("acknowledgements out of order: %1 after %2")
                                            .arg(QString::fromUtf8(line.trimmed()))
                                            .arg(acked);
                }
                acked = std::max(acked, last);
            } else {
                protocolError = QStringLiteral("writer said: ") + QString::fromUtf8(line);
            }
        };

        QProcess writer;
        writer.setProgram(QStringLiteral(CRASHWRITER_PATH));
        QStringList arguments{backend, path, QString::number(writerSeed), QString::number(start)};
        if (lie)
            arguments.append(QStringLiteral("lie"));
        writer.setArguments(arguments);
        writer.start();
        QVERIFY2(writer.waitForStarted(30000), qPrintable(writer.errorString()));
        auto readLines = [&] {
            while (writer.canReadLine())
                handleLine(writer.readLine());
        };
        auto reached = [&] {
            switch (point) {
            case KillPoint::AtStart:
                return true;
            case KillPoint::AtReady:
                return ready;
            case KillPoint::AtFirstIssue:
                return issuedLimit > start;
            case KillPoint::AfterAcks:
                if (acked - start + 1 < ackTarget)
                    return false;
                if (!onIssue)
                    return true;
                if (issuedAtTarget < 0)
                    issuedAtTarget = issuedLimit;
                return issuedLimit > issuedAtTarget;
            }
            return true;
        };
        while (!reached() && protocolError.isEmpty()) {
            // An event, not a fixed wait: returns as soon as the writer prints something.
            if (!writer.waitForReadyRead(60000)) {
                protocolError = QStringLiteral("the writer stopped talking (%1, exit code %2)")
                                        .arg(writer.errorString())
                                        .arg(writer.exitCode());
                break;
            }
            readLines();
        }
        writer.kill(); // SIGKILL
        QVERIFY(writer.waitForFinished(30000));
        // Lines printed before the kill are acknowledgements too.
        writer.setReadChannel(QProcess::StandardOutput);
        readLines();
        const QByteArray writerErrors = writer.readAllStandardError();
        ++figures.kills;
        if (!protocolError.isEmpty()) {
            fail(QStringLiteral("kill %1: %2; writer's stderr: %3")
                         .arg(kill)
                         .arg(protocolError, QString::fromUtf8(writerErrors.right(2000))));
        }
        if (writer.exitStatus() != QProcess::CrashExit)
            fail(QStringLiteral("kill %1: the writer exited by itself").arg(kill));
        figures.acknowledged += acked - start + 1;
        figures.issued += issuedLimit - start;

        // Sometimes, a torn append simulated on top of what the kill left: the kill itself
        // cuts a write in half only when it lands inside the write() call, which is rare.
        bool injected = false;
        if (csv) {
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadWrite));
            const QByteArray data = file.readAll();
            QString why;
            const CsvTail tail = csvTail(data, &why);
            if (tail == CsvTail::TornLine || tail == CsvTail::OpenBatch) {
                if (data == lastTornFile)
                    ++figures.tornLeftOver;
                else
                    ++figures.tornByKill;
            }
            // Only on a clean end: the writer never appends after a torn one, so a crash
            // could not leave two. Not on an empty file (a writer killed before it wrote the
            // header): the writer appends rows only after a header.
            if (tail == CsvTail::Clean && !data.isEmpty() && random.bounded(4) == 0) {
                const QByteArray torn = tornAppend(random, kill, data.contains("\n,batch,"));
                QCOMPARE(file.write(torn), torn.size());
                injected = true;
            }
        }

        // Reopen, as an application would after the crash.
        QVariantHash contents;
        {
            TornWarnings::startCounting(); // a torn tail dropped on reopening warns
            std::unique_ptr<PersistentMapBackend> store;
            if (csv)
                store = std::make_unique<PersistentMapCsvBackend>(path);
            else if (postgres)
                store = std::make_unique<PersistentMapPostgresBackend>(path);
            else
                store = std::make_unique<PersistentMapSqliteBackend>(path);
            PersistentMap map(std::move(store));
            QString openError;
            try {
                map.whenReady().waitForFinished();
            } catch (const PersistentMapError &e) {
                openError = e.message();
            }
            if (!openError.isEmpty() || map.status() != PersistentMap::Status::Ready) {
                ++figures.openFailures;
                fail(QStringLiteral("kill %1: the store does not open: %2")
                             .arg(kill)
                             .arg(openError));
            }
            contents = map.toHash();
        }
        const int tornWarnings = TornWarnings::stopCounting();
        if (tornWarnings > 0)
            ++figures.tornTails;
        if (injected)
            ++figures.tornInjected;
        if (injected && tornWarnings == 0)
            fail(QStringLiteral("kill %1: a simulated torn append was not reported").arg(kill));
        if (figures.openFailures)
            break; // the next writer could not open it either

        // Nothing but the store's own files: a crash in the middle of a compaction must not
        // leave its half-written replacement behind.
        const QStringList files = QDir(dir.path()).entryList(QDir::Files | QDir::Hidden);
        for (const QString &name : files) {
            const QStringList own = csv
                    ? QStringList{QStringLiteral("store.csv")}
                    : QStringList{QStringLiteral("s.db"), QStringLiteral("s.db-wal"),
                                  QStringLiteral("s.db-shm"), QStringLiteral("s.db-journal")};
            // A torn tail's bytes are kept beside the store (PATH.torn-<time>), never destroyed.
            if (csv && name.startsWith(QLatin1String("store.csv.torn-")))
                continue;
            if (!own.contains(name)) {
                ++figures.strayFiles;
                fail(QStringLiteral("kill %1: a stray file in the store's folder: %2")
                             .arg(kill)
                             .arg(name));
                QFile::remove(dir.filePath(name));
            }
        }

        if (postgres) {
            // No file: what the server holds is checked through the map below.
        } else if (csv) {
            // Independently of the map: the whole file reads, up to a tail torn by the crash,
            // and the map warned exactly when there was one.
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadOnly));
            QString why;
            const QByteArray data = file.readAll();
            const CsvTail tail = csvTail(data, &why);
            lastTornFile = tail == CsvTail::Clean ? QByteArray() : data;
            if (tail == CsvTail::Unreadable)
                fail(QStringLiteral("kill %1: the file does not read: %2").arg(kill).arg(why));
            else if ((tail != CsvTail::Clean) != (tornWarnings > 0))
                fail(QStringLiteral("kill %1: the file's tail is %2 but the map gave %3 warnings")
                             .arg(kill)
                             .arg(tail == CsvTail::Clean ? QLatin1String("clean")
                                                         : QLatin1String("torn"))
                             .arg(tornWarnings));
        } else {
            const QString connection = QStringLiteral("crashkill-integrity");
            {
                QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
                db.setDatabaseName(path);
                QVERIFY(db.open());
                QSqlQuery check(db);
                if (!check.exec(QStringLiteral("PRAGMA integrity_check")) || !check.next() ||
                    check.value(0).toString() != u"ok") {
                    fail(QStringLiteral("kill %1: integrity_check: %2")
                                 .arg(kill)
                                 .arg(check.value(0).toString()));
                }
            }
            QSqlDatabase::removeDatabase(connection);
        }

        // Every key in the store is one of ours, with a value some issued write gave it.
        QList<std::optional<QVariant>> observed(KeyCount);
        for (auto it = contents.cbegin(); it != contents.cend(); ++it) {
            const int key = keyIndex(it.key());
            if (key < 0) {
                fail(QStringLiteral("kill %1: unknown key '%2'").arg(kill).arg(it.key()));
                continue;
            }
            observed[key] = it.value();
            ++figures.valuesChecked;
            const qint64 seq = seqOf(it.value(), key);
            bool written = false;
            if (seq >= 0 && seq < issuedLimit) {
                for (const Effect &effect : makeOp(writerSeed, seq).effects)
                    written = written ||
                            (effect.key == key && !effect.remove &&
                             sameValue(effect.value, it.value()));
            }
            if (!written) {
                fail(QStringLiteral("kill %1: key '%2' holds %3, which no write issued")
                             .arg(kill)
                             .arg(it.key(), describe(it.value(), key)));
            }
        }

        // Never before an acknowledged state.
        for (int key = 0; key < KeyCount; ++key) {
            ++figures.keysChecked;
            const QList<Write> &history = writes.at(key);
            qsizetype floor = -1; // the last acknowledged write to this key in this run
            for (qsizetype i = 0; i < history.size() && history.at(i).seq <= acked; ++i)
                floor = i;
            bool legal = false;
            for (qsizetype i = std::max<qsizetype>(floor, 0); i < history.size() && !legal; ++i)
                legal = matches(history.at(i), observed.at(key));
            if (floor < 0) { // or what it held before this run
                const Seen &before = seen.at(key);
                legal = legal ||
                        (before.present
                                 ? observed.at(key) && sameValue(*observed.at(key), before.value)
                                 : !observed.at(key));
            }
            if (!legal) {
                const QString expected = floor >= 0
                        ? QStringLiteral("write %1 (%2), acknowledged, or a later one")
                                  .arg(history.at(floor).seq)
                                  .arg(describe(history.at(floor).value, key))
                        : QStringLiteral("%1 as before this run, or a write of this run")
                                  .arg(describe(seen.at(key).value, key));
                fail(QStringLiteral("kill %1: key '%2' holds %3; expected %4 (acknowledged up to "
                                    "write %5, issued below %6)")
                             .arg(kill)
                             .arg(keyName(key),
                                  describe(observed.at(key).value_or(QVariant()), key), expected)
                             .arg(acked)
                             .arg(issuedLimit));
            }
        }

        // Atomic writes are whole: an entry of write S that is visible means S committed, so
        // each of its keys holds S's effect or a later write's.
        for (auto it = atomicOps.cbegin(); it != atomicOps.cend(); ++it) {
            const qint64 seq = it.key();
            bool visible = false;
            for (const Effect &effect : it.value().effects)
                visible = visible ||
                        (!effect.remove && observed.at(effect.key) &&
                         sameValue(*observed.at(effect.key), effect.value));
            if (!visible)
                continue;
            ++figures.atomicChecked;
            for (const Effect &effect : it.value().effects) {
                const std::optional<QVariant> &now = observed.at(effect.key);
                bool whole = matches({seq, effect.remove, effect.value}, now);
                for (const Write &later : writes.at(effect.key)) {
                    if (later.seq > seq)
                        whole = whole || matches(later, now);
                }
                if (!whole) {
                    fail(QStringLiteral("kill %1: write %2 (an atomic batch) is only partly in "
                                        "the store: key '%3' holds %4")
                                 .arg(kill)
                                 .arg(seq)
                                 .arg(keyName(effect.key),
                                      describe(now.value_or(QVariant()), effect.key)));
                }
            }
        }

        for (int key = 0; key < KeyCount; ++key)
            seen[key] = {bool(observed.at(key)), observed.at(key).value_or(QVariant())};
        start = std::max(issuedLimit, start);
    }
    figures.milliseconds = clock.elapsed();
}

void tst_CrashKill::cleanupTestCase()
{
    qInfo("crash-kill figures (seed %llu):", m_seed);
    qInfo("  backend   kills  acked-checked  issued  atomic  failures  unopened  torn-tails  "
          "(by-kill  simulated  left-over)  seconds");
    for (auto it = figuresByBackend.cbegin(); it != figuresByBackend.cend(); ++it) {
        const Figures &f = it.value();
        qInfo("  %-8s  %5d  %13lld  %6lld  %6lld  %8d  %8d  %10d  %8d  %9d  %9d   %7.1f",
              qPrintable(it.key()), f.kills, f.acknowledged, f.issued, f.atomicChecked, f.failures,
              f.openFailures, f.tornTails, f.tornByKill, f.tornInjected, f.tornLeftOver,
              f.milliseconds / 1000.0);
    }
}

QTEST_GUILESS_MAIN(tst_CrashKill)
#include "tst_crashkill.moc"
