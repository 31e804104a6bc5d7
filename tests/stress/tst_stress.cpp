// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Multi-process stress suite (issue 11, item 7): several stressworker processes write, flush,
// clear and follow one store at the same time; after they exited, the store is checked against
// everything they logged.
//
//  - sqlite: four writers (one clears now and then, one closes and reopens its map every few
//    hundred writes, one opens the database through a symbolic link) and one follower on one
//    SQLite file, all at once.
//  - csv(paths): four writers take turns on one CSV store, three through different paths to the
//    file (the file, a symbolic link to it, the file through a symbolic link to its folder) and
//    one through the first one's path again: each opens the map (on Code::Locked it waits a
//    moment and tries again: only one process may own a CSV store), makes a run of writes,
//    flushes and closes. A read-only follower follows it through another symbolic link.
//  - csv(hardlink): the file and a hard link to it. Such a store is refused (a rewrite by rename
//    would split the names): both writers must get OpenFailed saying so, and the file must stay
//    byte for byte as it was.
//
// Checked after every part:
//  - nothing acknowledged is lost: every key ends as last-writer-wins allows it, given when each
//    write was issued and acknowledged (checkStore() says exactly what is allowed, and why);
//  - no value that no write issued; no worker saw an error (a failed future or errorOccurred),
//    "malformed" or Corrupt ones counted apart;
//  - SQLite: PRAGMA integrity_check is ok; CSV: the file reads completely with the internal
//    reader, no two processes ever owned it at once, and nothing but the store and its links is
//    left beside it;
//  - every map still open at the end (the followers, and the SQLite writers, which follow the
//    others too) converges to a fresh read of the store, both its cache and what its signals
//    said, waiting for its signals;
//  - a follower never signalled a value before a writer issued it, and never showed a key going
//    back to an older value (the history, not only the end).
// checkerCatchesLies is the negative control of each check: a writer logs acknowledgements of
// writes it never made (all must be reported lost), a follower is handed a store with a key more
// than the real one (it must report that it did not converge), and a follower's log is given an
// older value after a newer one (it must be reported as going back).
//
// Bounded by count and time like the crash suite: each writer stops after PM_STRESS_OPS writes
// (CSV writers: half as many) or PM_STRESS_SECONDS, whichever comes first
// (tests/stress/CMakeLists.txt sets the budget from PERSISTENTMAP_STRESS_SECONDS), so a busy
// machine checks less and does not time out; a part fails below PM_STRESS_MIN_OPS acknowledged
// writes or two clears. PM_STRESS_SEED reproduces the writers' choices (not the timing);
// PM_STRESS_KEEP=1 keeps the stores and logs. The figures are printed as lines starting with
// "stress:".
#include "backends/csv/csvformat_p.h"
#include "stresslog.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapSqliteBackend>

#include <QtCore/QDeadlineTimer>
#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QProcess>
#include <QtCore/QRandomGenerator>
#include <QtCore/QScopeGuard>
#include <QtCore/QTemporaryDir>
#include <QtCore/QTimer>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>
#include <QtTest/QTest>

#include <functional>
#include <limits>
#include <memory>
#include <optional>

#include <sys/stat.h>
#include <unistd.h>

namespace {

constexpr qint64 NotAcknowledged = std::numeric_limits<qint64>::max();

// One write as a worker logged it.
struct Write
{
    int proc = 0;
    qint64 seq = 0;
    QByteArray kind;
    qint64 issued = 0;
    qint64 acked = NotAcknowledged; // NotAcknowledged: its future failed
    QList<std::pair<QString, std::optional<QString>>> effects; // nullopt: removed
    bool isClear() const { return kind == "clear"; }
};

struct Signal
{
    qint64 time = 0;
    bool removed = false;
    QString key;
    QString value;
};

struct Session
{
    int proc = 0;
    qint64 opened = 0;
    qint64 closed = 0;
};

struct WorkerLog
{
    QList<Write> writes;
    QList<Signal> signalsSeen;
    QList<Session> sessions;
    QStringList errors; // errorOccurred and failed futures
    QHash<QByteArray, qint64> summary;
};

bool parseLog(const QString &path, WorkerLog *log, QString *why)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *why = QStringLiteral("cannot read %1").arg(path);
        return false;
    }
    int lineNumber = 0;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        ++lineNumber;
        const QList<QByteArray> f = line.split(' ');
        bool ok = true;
        auto number = [&](int i) {
            bool good = false;
            const qint64 n = f.value(i).toLongLong(&good);
            ok = ok && good;
            return n;
        };
        auto text = [&](int i) {
            QString t;
            ok = ok && StressLog::decode(f.value(i), &t);
            return t;
        };
        if (f.at(0) == "op" && f.size() >= 7) {
            Write w;
            w.proc = int(number(1));
            w.seq = number(2);
            w.kind = f.at(3);
            w.issued = number(4);
            w.acked = f.at(5) == "failed" ? NotAcknowledged : number(5);
            const qint64 n = number(6);
            ok = ok && f.size() == 7 + 2 * n;
            for (qint64 i = 0; ok && i < n; ++i) {
                const QString key = text(int(7 + 2 * i));
                const QByteArray value = f.at(int(8 + 2 * i));
                w.effects.append({key,
                                  value == StressLog::Removed
                                          ? std::nullopt
                                          : std::optional<QString>(text(int(8 + 2 * i)))});
            }
            log->writes.append(w);
        } else if (f.at(0) == "sig" && f.size() >= 4) {
            Signal s{number(1), f.at(2) == "r", text(3), {}};
            if (!s.removed)
                s.value = text(4);
            log->signalsSeen.append(s);
        } else if (f.at(0) == "session" && f.size() == 4) {
            log->sessions.append({int(number(1)), number(2), number(3)});
        } else if (f.at(0) == "error" && f.size() == 3) {
            log->errors.append(text(2));
        } else if (f.at(0) == "fail" && f.size() == 5) {
            log->errors.append(QStringLiteral("write %1 failed (code %2): %3")
                                       .arg(number(2))
                                       .arg(number(3))
                                       .arg(text(4)));
        } else if (f.at(0) == "summary") {
            for (const QByteArray &item : f.mid(1))
                log->summary.insert(item.split('=').value(0),
                                    item.split('=').value(1).toLongLong());
        } else {
            ok = false;
        }
        if (!ok) {
            *why = QStringLiteral("%1:%2: cannot parse '%3'")
                           .arg(path)
                           .arg(lineNumber)
                           .arg(QString::fromUtf8(line.left(200)));
            return false;
        }
    }
    if (!log->summary.contains("acked")) {
        *why = QStringLiteral("%1 has no summary: the worker did not finish").arg(path);
        return false;
    }
    return true;
}

struct Check
{
    qint64 ackedWrites = 0; // acknowledged writes (clears and flushes included)
    qint64 effects = 0; // acknowledged (write, key) pairs
    qint64 clears = 0; // acknowledged clears
    qint64 flushes = 0;
    qint64 failedWrites = 0;
    qint64 keys = 0;
    qint64 present = 0; // keys in the store at the end
    qint64 pinned = 0; // keys the logs allowed exactly one final state for
    qint64 signalsChecked = 0;
    int lost = 0; // a key that does not hold what its acknowledged writes allow
    int unknown = 0; // a key or value that no write issued
    int backwards = 0; // a follower showed a key going back to an older value
    int overlaps = 0; // CSV: two processes owned the store at once
    QStringList failures; // the first few, in words
};

// Which final states the store may be in, from the logs alone.
//
// The store serialises commits (SQLite: one writer at a time; CSV: one owner at a time), so each
// key ends with the effect of the write to it that committed last; a clear() is a write of every
// key (removed). What the logs say about a write w: it committed at some moment C(w) with
// I(w) <= C(w) <= A(w) (I: read before the call that made it; A: read after its future was seen
// finished), and one process's writes commit in the order it made them (PersistentMap commits
// its queue in order, also across a close and reopen: the destructor commits everything; a failed
// batch is put back under the newer writes, which still win). So w certainly committed before v
// when
//   A(w) < I(v)                                   (v was made after w was acknowledged), or
//   w and v come from one process, w made first   (v acknowledged: a failed v may never have
//                                                  committed at all).
// The write that committed last has no write that certainly committed after it, so the key must
// hold the effect of one write of the set
//   M(k) = { w that touch k : A(w) >= max I(v) over acknowledged v that touch k, and no
//            acknowledged write of w's process that touches k was made after w }
// (a failed write counts as A = infinity: it may have committed at any time after I, or never).
// With no acknowledged write to k, the key may also be absent, as the store started empty. From
// one key's intervals nothing more can be ruled out: any write of M(k) may have committed last.
// For example, a writer's own key (no other writer touches it; clears do), with L the writer's
// last write to it: if every clear() was acknowledged before L was issued, the key holds L's
// value; if a clear() was issued after L was acknowledged, it is absent; a clear() whose interval
// overlaps L's allows either.
Check checkStore(const QList<WorkerLog> &logs, const QHash<QString, QVariant> &store)
{
    Check check;
    QList<const Write *> clears;
    QHash<QString, QList<std::pair<const Write *, std::optional<QString>>>> byKey;
    // Each value names its write ("p<ID>#<SEQ>.<N>|..."): the write that stored a value.
    QHash<QString, const Write *> sourceOf; // key + U+0000 + value
    auto source = [&sourceOf](const QString &key, const QString &value) {
        return sourceOf.value(key + QChar(0) + value);
    };
    for (const WorkerLog &log : logs) {
        for (const Write &w : log.writes) {
            const bool acked = w.acked != NotAcknowledged;
            if (acked) {
                ++check.ackedWrites;
                check.effects += w.effects.size();
            } else {
                ++check.failedWrites;
            }
            if (w.isClear()) {
                clears.append(&w);
                check.clears += acked;
            }
            check.flushes += acked && w.kind == "flush";
            for (const auto &effect : w.effects) {
                byKey[effect.first].append({&w, effect.second});
                if (effect.second)
                    sourceOf.insert(effect.first + QChar(0) + *effect.second, &w);
            }
        }
    }
    qint64 origin = NotAcknowledged; // times in messages count from the first write
    for (const WorkerLog &log : logs) {
        for (const Write &w : log.writes)
            origin = std::min(origin, w.issued);
    }
    auto describe = [origin](const Write *w) {
        return QStringLiteral("p%1 write %2 (%3, issued at %4 ms, %5)")
                .arg(w->proc)
                .arg(w->seq)
                .arg(QString::fromLatin1(w->kind))
                .arg((w->issued - origin) / 1e6, 0, 'f', 3)
                .arg(w->acked == NotAcknowledged
                             ? QStringLiteral("failed")
                             : QStringLiteral("acknowledged at %1 ms")
                                       .arg((w->acked - origin) / 1e6, 0, 'f', 3));
    };
    // The first few of each kind (told apart by the counter's address): many of one kind must
    // not hide another.
    QHash<const int *, int> listed;
    auto failAs = [&check, &listed](const int &kind, const QString &what) {
        if (listed[&kind]++ < 10)
            check.failures.append(what);
    };

    check.present = store.size();
    QSet<QString> keys(store.keyBegin(), store.keyEnd());
    for (auto it = byKey.cbegin(); it != byKey.cend(); ++it)
        keys.insert(it.key());
    for (const QString &key : std::as_const(keys)) {
        ++check.keys;
        QList<std::pair<const Write *, std::optional<QString>>> writes = byKey.value(key);
        for (const Write *clear : std::as_const(clears))
            writes.append({clear, std::nullopt});
        qint64 lastIssued = std::numeric_limits<qint64>::min();
        QHash<int, qint64> lastSeq; // per process, its last acknowledged write to the key
        bool anyAcked = false;
        for (const auto &[w, effect] : writes) {
            if (w->acked == NotAcknowledged)
                continue;
            anyAcked = true;
            lastIssued = std::max(lastIssued, w->issued);
            lastSeq[w->proc] = std::max(lastSeq.value(w->proc, -1), w->seq);
        }
        QList<std::pair<const Write *, std::optional<QString>>> candidates;
        for (const auto &candidate : writes) {
            const Write *w = candidate.first;
            if (w->acked >= lastIssued && w->seq >= lastSeq.value(w->proc, -1))
                candidates.append(candidate);
        }

        QSet<std::optional<QString>> states;
        for (const auto &candidate : std::as_const(candidates))
            states.insert(candidate.second);
        if (!anyAcked)
            states.insert(std::nullopt);
        check.pinned += states.size() == 1;

        const std::optional<QVariant> held =
                store.contains(key) ? std::optional<QVariant>(store.value(key)) : std::nullopt;
        if (held && held->metaType() != QMetaType::fromType<QString>()) {
            ++check.unknown;
            failAs(check.unknown,
                   QStringLiteral("key '%1' holds a %2, no write stored one")
                           .arg(key, QLatin1String(held->metaType().name())));
            continue;
        }
        const std::optional<QString> observed =
                held ? std::optional<QString>(held->toString()) : std::nullopt;
        bool legal = !anyAcked && !observed;
        for (const auto &candidate : std::as_const(candidates))
            legal = legal || candidate.second == observed;
        if (legal)
            continue;

        const Write *from = observed ? source(key, *observed) : nullptr;
        QStringList allowed;
        for (const auto &candidate : std::as_const(candidates)) {
            if (allowed.size() < 3)
                allowed.append(describe(candidate.first) +
                               (candidate.second
                                        ? QStringLiteral(" '%1'").arg(candidate.second->left(40))
                                        : QStringLiteral(" removing it")));
        }
        if (observed && !from) {
            ++check.unknown;
            failAs(check.unknown,
                   QStringLiteral("key '%1' holds '%2', which no write issued")
                           .arg(key, observed->left(60)));
            continue;
        }
        ++check.lost;
        failAs(check.lost,
               QStringLiteral("key '%1': the store %2; an acknowledged write came after that: "
                              "expected the effect of one of %3 (%4)")
                       .arg(key,
                            observed ? QStringLiteral("holds '%1' of %2")
                                               .arg(observed->left(40), describe(from))
                                     : QStringLiteral("does not have it"))
                       .arg(candidates.size())
                       .arg(allowed.join(QLatin1String("; "))));
    }

    // A follower sees only committed values, so never one before a writer issued it. And it
    // reads whole snapshots of the store, each no older than the one before, so for one key it
    // shows values in the order they were committed: once it showed the value of write w1, it
    // never shows the value of a write w2 that certainly committed before w1 (as above: w2
    // acknowledged before w1 was issued, or made before w1 by the same process). That would
    // be the store going back in time, as a batch committed twice would make it.
    auto certainlyBefore = [](const Write *earlier, const Write *later) {
        return earlier->acked < later->issued ||
                (earlier->proc == later->proc && earlier->seq < later->seq);
    };
    for (const WorkerLog &log : logs) {
        QHash<QString, QList<const Write *>> shown; // per key, the writes shown so far
        for (const Signal &s : log.signalsSeen) {
            if (s.removed)
                continue;
            ++check.signalsChecked;
            const Write *from = source(s.key, s.value);
            if (from) {
                QList<const Write *> &before = shown[s.key];
                for (const Write *w : std::as_const(before)) {
                    if (w != from && certainlyBefore(from, w)) {
                        ++check.backwards;
                        failAs(check.backwards,
                               QStringLiteral("a follower showed key '%1' as '%2' of %3 at %4 ms, "
                                              "after it had shown the value of %5, which came "
                                              "later")
                                       .arg(s.key, s.value.left(40), describe(from))
                                       .arg((s.time - origin) / 1e6, 0, 'f', 3)
                                       .arg(describe(w)));
                        break;
                    }
                }
                before.append(from);
            }
            if (!from) {
                ++check.unknown;
                failAs(check.unknown,
                       QStringLiteral("a follower was told key '%1' is '%2', which no write issued")
                               .arg(s.key, s.value.left(60)));
            } else if (s.time < from->issued) {
                ++check.unknown;
                failAs(check.unknown,
                       QStringLiteral("a follower was told key '%1' is '%2' at %3 ms, before %4")
                               .arg(s.key, s.value.left(40))
                               .arg((s.time - origin) / 1e6, 0, 'f', 3)
                               .arg(describe(from)));
            }
        }
    }

    // CSV: each session's interval lies inside the time its process owned the store, so two
    // that overlap mean two owners at once.
    QList<Session> sessions;
    for (const WorkerLog &log : logs)
        sessions.append(log.sessions);
    std::sort(sessions.begin(), sessions.end(),
              [](const Session &a, const Session &b) { return a.opened < b.opened; });
    for (qsizetype i = 0; i + 1 < sessions.size(); ++i) {
        for (qsizetype j = i + 1;
             j < sessions.size() && sessions.at(j).opened < sessions.at(i).closed; ++j) {
            if (sessions.at(j).proc == sessions.at(i).proc)
                continue;
            ++check.overlaps;
            failAs(check.overlaps,
                   QStringLiteral("p%1 and p%2 owned the store at once (from %3 ms to %4 ms)")
                           .arg(sessions.at(i).proc)
                           .arg(sessions.at(j).proc)
                           .arg((sessions.at(j).opened - origin) / 1e6, 0, 'f', 3)
                           .arg((std::min(sessions.at(i).closed, sessions.at(j).closed) - origin) /
                                        1e6,
                                0, 'f', 3));
        }
    }
    return check;
}

// The store's contents through a map of its own; nullopt (and *error) when it does not open.
std::optional<QVariantHash> readStore(std::unique_ptr<PersistentMapBackend> backend, QString *error)
{
    PersistentMap map(std::move(backend));
    map.setWatchExternalChanges(false);
    try {
        map.whenReady().waitForFinished();
    } catch (const PersistentMapError &e) {
        *error = e.message();
        return std::nullopt;
    }
    return map.toHash();
}

// A message on one line: values hold line breaks, and a script greps the "stress:" lines.
QString oneLine(QString text)
{
    return text.replace(u'\n', QLatin1String("\\n")).replace(u'\r', QLatin1String("\\r"));
}

bool isMalformed(const QString &error)
{
    return error.contains(QLatin1String("malformed"), Qt::CaseInsensitive) ||
            error.contains(QLatin1String("corrupt"), Qt::CaseInsensitive) ||
            error.contains(QLatin1String("not a database"), Qt::CaseInsensitive) ||
            error.contains(QStringLiteral("(code %1)").arg(int(PersistentMapError::Code::Corrupt)));
}

// One worker process, talked to line by line.
struct Worker
{
    QString label;
    QString role;
    int id = 0;
    QString spec;
    QStringList options;
    QString logPath;
    QString errorPath;
    std::unique_ptr<QProcess> process;
    QList<QByteArray> lines;
    QByteArray partial;

    std::optional<QByteArray> lineStarting(const QByteArray &prefix) const
    {
        for (const QByteArray &line : lines) {
            if (line.startsWith(prefix))
                return line;
        }
        return std::nullopt;
    }
    bool ended() const { return process->state() == QProcess::NotRunning; }
    void readLines()
    {
        partial += process->readAllStandardOutput();
        qsizetype end;
        while ((end = partial.indexOf('\n')) >= 0) {
            lines.append(partial.left(end));
            partial.remove(0, end + 1);
        }
    }
    void send(const QByteArray &line) { process->write(line + '\n'); }
};

struct Run
{
    QList<std::shared_ptr<Worker>> workers;
    QList<WorkerLog> logs;
    qint64 milliseconds = 0;
    QStringList problems; // a worker that did not start, finish or converge, with its words
    QStringList verdicts; // "converged N" per map that stayed open
    qint64 convergedMaps = 0;
    qint64 followerSignals = 0;
    QStringList stderrLines; // the workers' warnings, the first few
};

// Waits, on the workers' output and exits (never on a fixed time), until done() holds or the
// deadline: a bound for a failure only.
bool waitUntil(const QList<std::shared_ptr<Worker>> &workers, const std::function<bool()> &done,
               qint64 timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        for (const auto &w : workers)
            w->readLines();
        if (done())
            return true;
        if (deadline.hasExpired())
            return false;
        QEventLoop loop;
        for (const auto &w : workers) {
            QObject::connect(w->process.get(), &QProcess::readyReadStandardOutput, &loop,
                             &QEventLoop::quit);
            QObject::connect(w->process.get(), &QProcess::finished, &loop, &QEventLoop::quit);
        }
        QTimer::singleShot(std::max<qint64>(deadline.remainingTime(), 1), &loop, &QEventLoop::quit);
        loop.exec();
    }
}

} // namespace

class tst_Stress : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void sqlite();
    void csv_data();
    void csv();
    void checkerCatchesLies_data();
    void checkerCatchesLies();

private:
    std::shared_ptr<Worker> worker(const QString &label, const QString &role, int id,
                                   const QString &spec, const QStringList &options = {}) const;
    void runWorkers(const QString &folder, const QList<std::shared_ptr<Worker>> &workers,
                    int finalTimeoutMs, Run *run);
    void makeCsvStore(const QString &folder, bool hardLink);
    void report(const QString &part, const Run &run, const Check &check, const QString &storeCheck,
                int processes);

    quint64 m_seed = 0;
    qint64 m_ops = 50000; // writes per SQLite writer; CSV writers make half as many
    int m_seconds = 30; // budget per part
    qint64 m_minOps = 5000; // acknowledged writes per part, at least
    QTemporaryDir m_dir;
};

void tst_Stress::initTestCase()
{
    bool ok = false;
    m_seed = qEnvironmentVariable("PM_STRESS_SEED").toULongLong(&ok);
    if (!ok)
        m_seed = QRandomGenerator::global()->generate64();
    const qint64 ops = qEnvironmentVariable("PM_STRESS_OPS").toLongLong(&ok);
    if (ok && ops > 0)
        m_ops = ops;
    const int seconds = qEnvironmentVariableIntValue("PM_STRESS_SECONDS", &ok);
    if (ok && seconds > 0)
        m_seconds = seconds;
    const qint64 minimum = qEnvironmentVariable("PM_STRESS_MIN_OPS").toLongLong(&ok);
    if (ok && minimum >= 0)
        m_minOps = minimum;
    qInfo("stress: seed %llu, %lld writes per SQLite writer (%lld per CSV writer) or %d s per "
          "part, at least %lld acknowledged per part (reproduce with PM_STRESS_SEED=%llu)",
          m_seed, m_ops, std::max<qint64>(1, m_ops / 2), m_seconds, m_minOps, m_seed);
    QVERIFY2(QFile::exists(QStringLiteral(STRESSWORKER_PATH)), STRESSWORKER_PATH);
    QVERIFY(m_dir.isValid());
    if (qEnvironmentVariableIntValue("PM_STRESS_KEEP")) { // the stores and logs, to look into
        m_dir.setAutoRemove(false);
        qInfo("stress: keeping %s", qPrintable(m_dir.path()));
    }
}

std::shared_ptr<Worker> tst_Stress::worker(const QString &label, const QString &role, int id,
                                           const QString &spec, const QStringList &options) const
{
    auto w = std::make_shared<Worker>();
    w->label = label;
    w->role = role;
    w->id = id;
    w->spec = spec;
    w->options = options;
    return w;
}

void tst_Stress::runWorkers(const QString &folder, const QList<std::shared_ptr<Worker>> &workers,
                            int finalTimeoutMs, Run *run)
{
    run->workers = workers;
    auto cleanup = qScopeGuard([&] {
        for (const auto &w : workers) {
            if (w->process && !w->ended()) {
                w->process->kill();
                w->process->waitForFinished();
            }
        }
    });
    for (const auto &w : workers) {
        const QString name = QStringLiteral("%1-%2").arg(w->role).arg(w->id);
        w->logPath = QDir(folder).filePath(name + QStringLiteral(".log"));
        w->errorPath = QDir(folder).filePath(name + QStringLiteral(".stderr"));
        w->process = std::make_unique<QProcess>();
        w->process->setProgram(QStringLiteral(STRESSWORKER_PATH));
        w->process->setArguments(QStringList{w->role, QString::number(w->id), w->spec, w->logPath}
                                 << w->options);
        // A file, not a pipe: nobody reads a worker's warnings while it runs, and a full pipe
        // would stop it.
        w->process->setStandardErrorFile(w->errorPath);
        w->process->start();
        QVERIFY2(w->process->waitForStarted(30000), qPrintable(w->process->errorString()));
    }
    auto all = [&](const std::function<bool(const Worker &)> &condition) {
        return [&workers, condition] {
            for (const auto &w : workers) {
                if (!condition(*w))
                    return false;
            }
            return true;
        };
    };
    auto problem = [&](const Worker &w, const QString &what) {
        run->problems.append(
                QStringLiteral("%1: %2 (said: %3)")
                        .arg(w.label, what, QString::fromUtf8(w.lines.join(" | ").right(500))));
    };

    // Everyone is open before anyone writes: the followers must see every write.
    const bool ready = waitUntil(
            workers, all([](const Worker &w) { return w.lineStarting("ready") || w.ended(); }),
            120000);
    for (const auto &w : workers) {
        if (!w->lineStarting("ready"))
            problem(*w, QStringLiteral("did not get ready"));
    }
    QVERIFY2(ready && run->problems.isEmpty(), qPrintable(run->problems.join(u'\n')));

    QElapsedTimer clock;
    clock.start();
    for (const auto &w : workers) {
        if (w->role == u"writer")
            w->send("go");
    }
    // Bounded for a failure only: each writer stops by itself after its budget.
    const bool done =
            waitUntil(workers, all([](const Worker &w) {
                          return w.role != u"writer" || w.lineStarting("done") || w.ended();
                      }),
                      (qint64(m_seconds) + 300) * 1000);
    for (const auto &w : workers) {
        if (w->role == u"writer" && !w->lineStarting("done"))
            problem(*w,
                    done ? QStringLiteral("exited before it was done")
                         : QStringLiteral("was not done 300 s after its budget"));
    }
    QVERIFY2(done && run->problems.isEmpty(), qPrintable(run->problems.join(u'\n')));

    // Every writer flushed and stopped: the store is final. Each map still open now converges.
    for (const auto &w : workers)
        w->send("final " + QByteArray::number(finalTimeoutMs));
    const bool ended = waitUntil(workers, all([](const Worker &w) { return w.ended(); }),
                                 qint64(finalTimeoutMs) + 120000);
    run->milliseconds = clock.elapsed();
    for (const auto &w : workers) {
        const std::optional<QByteArray> verdict = w->lineStarting("converged")
                ? w->lineStarting("converged")
                : w->lineStarting("diverged") ? w->lineStarting("diverged")
                                              : w->lineStarting("skipped");
        if (!verdict) {
            problem(*w,
                    ended ? QStringLiteral("gave no verdict")
                          : QStringLiteral("did not exit after \"final\""));
            continue;
        }
        run->verdicts.append(w->label + QStringLiteral(": ") + QString::fromUtf8(*verdict));
        if (verdict->startsWith("converged")) {
            ++run->convergedMaps;
            if (w->role == u"follower")
                run->followerSignals += verdict->mid(10).toLongLong();
        }
        // A worker exits 0 when it converged (or had nothing open), 1 when it did not; any
        // other end is a crash or a sanitizer's report (its standard error says which).
        const int expected = verdict->startsWith("diverged") ? 1 : 0;
        if (w->process->exitStatus() != QProcess::NormalExit)
            problem(*w, QStringLiteral("crashed"));
        else if (w->process->exitCode() != expected)
            problem(*w, QStringLiteral("exited with code %1").arg(w->process->exitCode()));
    }
    if (!ended)
        return;
    for (const auto &w : workers) {
        WorkerLog log;
        QString why;
        if (!parseLog(w->logPath, &log, &why))
            run->problems.append(w->label + QStringLiteral(": ") + why);
        run->logs.append(log);
        QFile errors(w->errorPath);
        if (errors.open(QIODevice::ReadOnly)) {
            QSet<QByteArray> seen; // the same warning again and again says nothing new
            for (const QByteArray &line : errors.readAll().split('\n')) {
                if (!line.isEmpty() && run->stderrLines.size() < 10 && !seen.contains(line)) {
                    seen.insert(line);
                    run->stderrLines.append(w->label + QStringLiteral(": ") +
                                            QString::fromUtf8(line.left(300)));
                }
            }
        }
    }
}

// FOLDER/store/store.csv, created (with its header) before anyone opens it through another
// path: a hard link needs the file, the read-only follower too. The other paths to it:
// store/link.csv (a symbolic link to the file), alias/store.csv (alias is a symbolic link to the
// folder), store/follow.csv (another symbolic link, for the follower) and, with hardLink,
// store/hard.csv (a hard link).
void tst_Stress::makeCsvStore(const QString &folder, bool hardLink)
{
    const QString store = QDir(folder).filePath(QStringLiteral("store/store.csv"));
    QVERIFY(QDir().mkpath(QFileInfo(store).absolutePath()));
    QString openError;
    QVERIFY2(readStore(std::make_unique<PersistentMapCsvBackend>(store), &openError),
             qPrintable(openError));
    QVERIFY(QFile::link(QStringLiteral("store.csv"),
                        QDir(folder).filePath(QStringLiteral("store/link.csv"))));
    QVERIFY(QFile::link(QStringLiteral("store.csv"),
                        QDir(folder).filePath(QStringLiteral("store/follow.csv"))));
    QVERIFY(QFile::link(QStringLiteral("store"), QDir(folder).filePath(QStringLiteral("alias"))));
    if (hardLink) {
        const QString hard = QDir(folder).filePath(QStringLiteral("store/hard.csv"));
        QVERIFY2(::link(QFile::encodeName(store).constData(),
                        QFile::encodeName(hard).constData()) == 0,
                 qPrintable(qt_error_string(errno)));
    }
}

void tst_Stress::report(const QString &part, const Run &run, const Check &check,
                        const QString &storeCheck, int processes)
{
    qint64 errors = 0, malformed = 0, lockedOpens = 0, sessions = 0;
    QStringList errorTexts;
    for (const WorkerLog &log : run.logs) {
        errors += log.errors.size();
        for (const QString &error : log.errors) {
            malformed += isMalformed(error);
            if (errorTexts.size() < 5)
                errorTexts.append(error.left(300));
        }
        lockedOpens += log.summary.value("lockedOpens");
        sessions += log.summary.value("sessions");
    }
    qInfo("stress: %s: %d processes, %lld acknowledged writes checked (%lld key effects, %lld "
          "keys, %lld in the store at the end, %lld pinned to one final state), %lld clears, "
          "%lld flushes, %lld sessions, %lld opens refused as Locked",
          qPrintable(part), processes, check.ackedWrites, check.effects, check.keys, check.present,
          check.pinned, check.clears, check.flushes, sessions, lockedOpens);
    qInfo("stress: %s: follower signals %lld (%lld values traced to their write), maps converged "
          "%lld of %lld open",
          qPrintable(part), run.followerSignals, check.signalsChecked, run.convergedMaps,
          qint64(run.verdicts.size()) - run.verdicts.filter(QStringLiteral(": skipped")).size());
    qInfo("stress: %s: lost %d, unknown values %d, followers going back %d, overlapping owners "
          "%d, failed writes %lld, malformed errors %lld, other errors %lld, %s, %.1f s",
          qPrintable(part), check.lost, check.unknown, check.backwards, check.overlaps,
          check.failedWrites, malformed, errors - malformed, qPrintable(storeCheck),
          run.milliseconds / 1000.0);
    for (const QString &failure : check.failures)
        qWarning().noquote() << part << oneLine(failure);
    for (const QString &problem : run.problems)
        qWarning().noquote() << part << problem;
    for (const QString &error : std::as_const(errorTexts))
        qWarning().noquote() << part << "error:" << error;
    for (const QString &verdict : run.verdicts) {
        if (!verdict.contains(QLatin1String(": converged")) &&
            !verdict.contains(QLatin1String(": skipped")))
            qWarning().noquote() << part << verdict;
    }
    if (check.lost || check.unknown || check.backwards || check.overlaps || errors ||
        !run.problems.isEmpty()) {
        for (const QString &line : run.stderrLines)
            qWarning().noquote() << part << "stderr:" << line;
    }
}

void tst_Stress::sqlite()
{
    const QString folder = m_dir.filePath(QStringLiteral("sqlite"));
    QVERIFY(QDir().mkpath(folder));
    const QString path = QDir(folder).filePath(QStringLiteral("stress.db"));
    const QString spec = QStringLiteral("sqlite:") + path;
    // One writer opens the database through a symbolic link: SQLite must find the same
    // write-ahead log and locks (it resolves the link), or the file would be damaged.
    const QString link = QDir(folder).filePath(QStringLiteral("link.db"));
    QVERIFY(QFile::link(QStringLiteral("stress.db"), link));
    const QStringList common{QStringLiteral("seed=%1").arg(m_seed),
                             QStringLiteral("seconds=%1").arg(m_seconds),
                             QStringLiteral("ops=%1").arg(m_ops)};
    // Often enough that a part slowed down by a sanitizer on a busy machine still clears a few
    // times.
    const qint64 clearEvery = std::max<qint64>(20, m_ops / 80);
    Run run;
    runWorkers(folder,
               {worker(QStringLiteral("follower"), QStringLiteral("follower"), 9, spec),
                worker(QStringLiteral("writer 0 (clears)"), QStringLiteral("writer"), 0, spec,
                       common + QStringList{QStringLiteral("clearEvery=%1").arg(clearEvery)}),
                worker(QStringLiteral("writer 1"), QStringLiteral("writer"), 1, spec, common),
                worker(QStringLiteral("writer 2 (reopens)"), QStringLiteral("writer"), 2, spec,
                       common + QStringList{QStringLiteral("session=300")}),
                worker(QStringLiteral("writer 3 (link.db)"), QStringLiteral("writer"), 3,
                       QStringLiteral("sqlite:") + link, common)},
               60000, &run);
    if (QTest::currentTestFailed())
        return;

    QString integrity;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"),
                                                    QStringLiteral("stress-integrity"));
        db.setDatabaseName(path);
        if (!db.open()) {
            integrity = db.lastError().text();
        } else {
            QSqlQuery query(db);
            integrity = query.exec(QStringLiteral("PRAGMA integrity_check")) && query.next()
                    ? query.value(0).toString()
                    : query.lastError().text();
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("stress-integrity"));
    QString openError;
    const std::optional<QVariantHash> store =
            readStore(std::make_unique<PersistentMapSqliteBackend>(path), &openError);
    QVERIFY2(store, qPrintable(QStringLiteral("the store does not open: ") + openError));
    const Check check = checkStore(run.logs, *store);
    report(QStringLiteral("sqlite"), run, check, QStringLiteral("integrity_check ") + integrity,
           int(run.workers.size()));

    qint64 errors = 0;
    for (const WorkerLog &log : run.logs)
        errors += log.errors.size();
    QVERIFY2(run.problems.isEmpty(), qPrintable(run.problems.join(u'\n')));
    QCOMPARE(check.lost, 0);
    QCOMPARE(check.unknown, 0);
    QCOMPARE(check.backwards, 0);
    QCOMPARE(errors, 0);
    QCOMPARE(integrity, QStringLiteral("ok"));
    QCOMPARE(run.convergedMaps, qint64(run.workers.size()));
    QVERIFY2(check.ackedWrites >= m_minOps && check.clears >= 2,
             qPrintable(QStringLiteral("only %1 acknowledged writes and %2 clears within %3 s, "
                                       "fewer than the minimum of %4 and 2 (PM_STRESS_SECONDS, "
                                       "PM_STRESS_MIN_OPS)")
                                .arg(check.ackedWrites)
                                .arg(check.clears)
                                .arg(m_seconds)
                                .arg(m_minOps)));
}

void tst_Stress::csv_data()
{
    QTest::addColumn<bool>("hardLink");
    // Three writers, each through another path to one file: the file, a symbolic link to it and
    // the file through a symbolic link to its folder, and a fourth through the file's own path
    // again; the follower through another symbolic link.
    QTest::newRow("paths") << false;
    // The file and a hard link to it. A CSV store is rewritten by rename, which would leave the
    // other name on the old copy, so a file with several names is refused: every writer must
    // get OpenFailed naming the hard links, and the file must stay as it was.
    QTest::newRow("hardlink") << true;
}

void tst_Stress::csv()
{
    QFETCH(bool, hardLink);
    const QString part = QStringLiteral("csv-") + QLatin1String(QTest::currentDataTag());
    const QString folder = m_dir.filePath(part);
    QVERIFY(QDir().mkpath(folder));
    makeCsvStore(folder, hardLink);
    if (QTest::currentTestFailed())
        return;
    auto at = [&](const char *path) {
        return QStringLiteral("csv:") + QDir(folder).filePath(QLatin1String(path));
    };
    const QString store = QDir(folder).filePath(QStringLiteral("store/store.csv"));
    QFile before(store);
    QVERIFY(before.open(QIODevice::ReadOnly));
    const QByteArray bytesBefore = before.readAll();
    before.close();

    const qint64 ops = std::max<qint64>(1, m_ops / 2);
    const QStringList common{QStringLiteral("seed=%1").arg(m_seed ^ (hardLink ? 0x68 : 0x73)),
                             QStringLiteral("seconds=%1").arg(m_seconds),
                             QStringLiteral("ops=%1").arg(ops), QStringLiteral("session=40")};
    const qint64 clearEvery = std::max<qint64>(20, ops / 40); // as in sqlite()
    QList<std::shared_ptr<Worker>> workers{
            worker(QStringLiteral("follower (read-only, store/follow.csv)"),
                   QStringLiteral("follower"), 9,
                   at("store/follow.csv") + QStringLiteral("?readonly=1")),
            worker(QStringLiteral("writer 0 (store/store.csv, clears)"), QStringLiteral("writer"),
                   0, at("store/store.csv"),
                   common + QStringList{QStringLiteral("clearEvery=%1").arg(clearEvery)})};
    if (hardLink) {
        workers.append(worker(QStringLiteral("writer 1 (store/hard.csv)"), QStringLiteral("writer"),
                              1, at("store/hard.csv"), common));
    } else {
        workers.append(worker(QStringLiteral("writer 1 (store/link.csv)"), QStringLiteral("writer"),
                              1, at("store/link.csv"), common));
        workers.append(worker(QStringLiteral("writer 2 (alias/store.csv)"),
                              QStringLiteral("writer"), 2, at("alias/store.csv"), common));
        // And one through writer 0's own path: the lock must hold between two processes on one
        // path as well (the old lock file let both in when one saw it still empty).
        workers.append(worker(QStringLiteral("writer 3 (store/store.csv)"),
                              QStringLiteral("writer"), 3, at("store/store.csv"), common));
    }
    Run run;
    runWorkers(folder, workers, 60000, &run);
    if (QTest::currentTestFailed())
        return;

    // The file reads completely on its own: whole rows of three fields, every batch whole, no
    // torn tail (every writer exited normally).
    QString fileCheck = QStringLiteral("the file reads");
    QByteArray bytesAfter;
    {
        QFile file(store);
        QVERIFY(file.open(QIODevice::ReadOnly));
        bytesAfter = file.readAll();
        PersistentMapInternal::CsvReader reader(bytesAfter);
        PersistentMapInternal::CsvRecord record;
        qint64 rows = 0, batchLeft = 0;
        for (bool more = true; more;) {
            switch (reader.next(&record)) {
            case PersistentMapInternal::CsvReader::Result::Record:
                ++rows;
                if (record.fields.size() != 3)
                    fileCheck = QStringLiteral("line %1 has %2 fields")
                                        .arg(record.line)
                                        .arg(record.fields.size());
                else if (record.fields.at(1) == u"batch")
                    batchLeft = record.fields.at(2).toLongLong();
                else if (batchLeft > 0)
                    --batchLeft;
                break;
            case PersistentMapInternal::CsvReader::Result::End:
                if (batchLeft > 0)
                    fileCheck = QStringLiteral("the last batch is not whole");
                more = false;
                break;
            case PersistentMapInternal::CsvReader::Result::TornTail:
                fileCheck = QStringLiteral("the file ends in a torn write");
                more = false;
                break;
            case PersistentMapInternal::CsvReader::Result::Error:
                fileCheck = QStringLiteral("the file does not read: ") + reader.errorString();
                more = false;
                break;
            }
        }
        if (fileCheck == u"the file reads")
            fileCheck = QStringLiteral("the file reads (%1 rows)").arg(rows);
    }
    // Nothing but the store and the links to it: no replacement or torn tail left over, and no
    // lock file (the lock is on the file itself).
    QStringList strays;
    const QStringList own{QStringLiteral("store.csv"), QStringLiteral("link.csv"),
                          QStringLiteral("follow.csv"), QStringLiteral("hard.csv")};
    for (const QString &name : QDir(QFileInfo(store).absolutePath())
                                       .entryList(QDir::Files | QDir::Hidden | QDir::System)) {
        if (!own.contains(name))
            strays.append(name);
    }
    QString openError;
    const std::optional<QVariantHash> contents =
            readStore(std::make_unique<PersistentMapCsvBackend>(
                              store, PersistentMapCsvBackend::OpenMode::ReadOnly),
                      &openError);
    if (!contents)
        fileCheck += QStringLiteral("; the store does not open: ") + openError;
    // A store that does not open is checked as empty: every acknowledged write counts as lost.
    const Check check = checkStore(run.logs, contents.value_or(QVariantHash()));
    report(part, run, check,
           fileCheck +
                   (strays.isEmpty() ? QString()
                                     : QStringLiteral("; stray files: ") + strays.join(u' ')),
           int(run.workers.size()));

    QStringList errors;
    for (const WorkerLog &log : run.logs)
        errors += log.errors;
    QVERIFY2(run.problems.isEmpty(), qPrintable(run.problems.join(u'\n')));
    QVERIFY2(contents, qPrintable(openError));
    QCOMPARE(check.overlaps, 0);
    QCOMPARE(check.lost, 0);
    QCOMPARE(check.unknown, 0);
    QCOMPARE(check.backwards, 0);
    QVERIFY2(fileCheck.startsWith(QLatin1String("the file reads (")), qPrintable(fileCheck));
    QVERIFY2(strays.isEmpty(), qPrintable(strays.join(u' ')));
    QCOMPARE(run.convergedMaps, 1); // the follower; the writers closed their maps
    if (hardLink) {
        // Each writer was refused once (a store that does not open makes it stop), naming why.
        QCOMPARE(errors.size(), 2);
        for (const QString &error : std::as_const(errors))
            QVERIFY2(error.contains(QLatin1String("2 hard links")), qPrintable(error));
        QCOMPARE(check.ackedWrites, 0);
        QVERIFY(bytesAfter == bytesBefore);
        qInfo("stress: %s: both writers refused (\"%s\"), the file unchanged", qPrintable(part),
              qPrintable(errors.constFirst().section(QLatin1String(": "), 1).left(120)));
        return;
    }
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join(u'\n')));
    QVERIFY2(check.ackedWrites >= m_minOps && check.clears >= 2,
             qPrintable(QStringLiteral("only %1 acknowledged writes and %2 clears within %3 s, "
                                       "fewer than the minimum of %4 and 2 (PM_STRESS_SECONDS, "
                                       "PM_STRESS_MIN_OPS)")
                                .arg(check.ackedWrites)
                                .arg(check.clears)
                                .arg(m_seconds)
                                .arg(m_minOps)));
}

void tst_Stress::checkerCatchesLies_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("csv") << QStringLiteral("csv");
}

// The negative control. Writer 0 logs, after everything else, an acknowledged write to each of
// its 40 own keys that it never made: nothing can have overwritten them, so the checker must
// report all 40 as lost. The follower compares itself with a store that has one key more than
// the real one, so it cannot converge and must say so when its (short) wait ends.
void tst_Stress::checkerCatchesLies()
{
    QFETCH(QString, backend);
    const bool csv = backend == u"csv";
    const QString folder = m_dir.filePath(QStringLiteral("lies-") + backend);
    QVERIFY(QDir().mkpath(folder));
    QString spec0, spec1, followSpec;
    if (csv) {
        // Both writers through the store's own path: the control checks the checker, whatever
        // the lock does with other paths.
        makeCsvStore(folder, false);
        if (QTest::currentTestFailed())
            return;
        spec0 = spec1 =
                QStringLiteral("csv:") + QDir(folder).filePath(QStringLiteral("store/store.csv"));
        followSpec = QStringLiteral("csv:%1?readonly=1")
                             .arg(QDir(folder).filePath(QStringLiteral("store/follow.csv")));
    } else {
        spec0 = spec1 = followSpec =
                QStringLiteral("sqlite:") + QDir(folder).filePath(QStringLiteral("lies.db"));
    }
    const QStringList common{QStringLiteral("seed=%1").arg(m_seed),
                             QStringLiteral("seconds=%1").arg(m_seconds), QStringLiteral("ops=300"),
                             QStringLiteral("session=40")};
    Run run;
    runWorkers(folder,
               {worker(QStringLiteral("follower (tampered)"), QStringLiteral("follower"), 9,
                       followSpec, {QStringLiteral("tamper=1")}),
                worker(QStringLiteral("writer 0 (lies)"), QStringLiteral("writer"), 0, spec0,
                       common + QStringList{QStringLiteral("lie=1")}),
                worker(QStringLiteral("writer 1"), QStringLiteral("writer"), 1, spec1, common)},
               1000, &run);
    if (QTest::currentTestFailed())
        return;
    QString openError;
    const std::optional<QVariantHash> store =
            readStore(PersistentMapBackend::create(followSpec), &openError);
    QVERIFY2(store, qPrintable(QStringLiteral("the store does not open: ") + openError));
    const Check check = checkStore(run.logs, *store);
    QVERIFY2(run.problems.isEmpty(), qPrintable(run.problems.join(u'\n')));
    QVERIFY2(check.lost >= 40,
             qPrintable(QStringLiteral("the checker reported %1 of the 40 lies").arg(check.lost)));
    QVERIFY2(check.failures.constFirst().contains(
                     QLatin1String("an acknowledged write came after that")),
             qPrintable(check.failures.constFirst()));
    QVERIFY2(check.backwards == 0 && check.unknown == 0, qPrintable(check.failures.join(u'\n')));

    // The follower's log, with a key shown going back: the last value writer 0 wrote to one of
    // its own keys (nobody else writes them), then the one it wrote before. The checker must say
    // the follower went back, once.
    QList<WorkerLog> backwards = run.logs;
    const Write *earlier = nullptr, *later = nullptr;
    QString key;
    QHash<QString, const Write *> lastByKey;
    for (const Write &w : std::as_const(backwards[1].writes)) { // writer 0's
        for (const auto &effect : w.effects) {
            if (!effect.second || effect.second->endsWith(QLatin1String("|lie")) ||
                !effect.first.startsWith(QLatin1String("p0/")))
                continue;
            if (const Write *before = lastByKey.value(effect.first)) {
                earlier = before;
                later = &w;
                key = effect.first;
            }
            lastByKey.insert(effect.first, &w);
        }
    }
    QVERIFY2(earlier, "writer 0 wrote no key twice");
    auto valueOf = [&key](const Write *w) {
        for (const auto &effect : w->effects) {
            if (effect.first == key)
                return *effect.second;
        }
        return QString();
    };
    qint64 end = 0; // after everything: the real signals and every acknowledgement
    for (const WorkerLog &log : std::as_const(backwards)) {
        for (const Write &w : log.writes)
            end = std::max(end, w.acked == std::numeric_limits<qint64>::max() ? w.issued : w.acked);
        for (const Signal &signal : log.signalsSeen)
            end = std::max(end, signal.time);
    }
    ++end;
    backwards[0].signalsSeen.append({end, false, key, valueOf(later)});
    backwards[0].signalsSeen.append({end + 1, false, key, valueOf(earlier)});
    const Check wentBack = checkStore(backwards, *store);
    QVERIFY2(wentBack.backwards == 1,
             qPrintable(QStringLiteral("%1 times: ").arg(wentBack.backwards) +
                        wentBack.failures.filter(QStringLiteral("a follower")).join(u'\n')));

    const QStringList diverged =
            run.verdicts.filter(QStringLiteral("follower (tampered): diverged"));
    QVERIFY2(diverged.size() == 1, qPrintable(run.verdicts.join(u'\n')));
    qInfo("stress: negative control (%s): %d lost writes reported for 40 lies, first: %s",
          qPrintable(backend), check.lost,
          qPrintable(oneLine(check.failures.constFirst().left(300))));
    qInfo("stress: negative control (%s): %s", qPrintable(backend),
          qPrintable(diverged.constFirst().left(300)));
    qInfo("stress: negative control (%s): %s", qPrintable(backend),
          qPrintable(oneLine(wentBack.failures.filter(QStringLiteral("a follower showed"))
                                     .value(0)
                                     .left(300))));
}

QTEST_GUILESS_MAIN(tst_Stress)
#include "tst_stress.moc"
