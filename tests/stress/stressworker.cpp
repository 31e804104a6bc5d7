// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// stressworker ROLE ID SPEC LOG [NAME=VALUE ...]: one process of the multi-process stress suite
// (tst_stress). ROLE is "writer" or "follower"; SPEC a PersistentMapBackend::create() spec
// ("sqlite:PATH", "csv:PATH", "csv:PATH?readonly=1"); LOG the file this worker writes its log to
// (tests/stress/stresslog.h).
//
// A writer inserts, removes, applies batches, flushes and (with clearEvery) clears, on keys of its
// own ("p<ID>/...") and keys shared by every writer ("shared..."), and logs every write with the
// monotonic times it was issued and seen acknowledged. With session=N it closes its map after
// about N writes and opens it again (on Code::Locked, as a CSV store answers while another process
// owns it, it waits until the owner's lock ends and tries again); a CSV writer also closes its map
// when it is done, so the others can finish. A follower only follows (watchExternalChanges) and
// logs every signal.
//
// Options: seed=N, seconds=S and ops=N (a writer stops at whichever comes first), clearEvery=N
// (every Nth write is a clear()), session=N, lie=1 (the negative control: at "final" the writer
// logs an acknowledged write to each of its own keys that it never made), tamper=1 (the negative
// control of the convergence check: a key is added to the fresh read this map must converge to).
//
// Talks to the test line by line. Standard output: "ready" (the map is open, or, for a writer
// with sessions, the process is), "done OPS" (a writer wrote and flushed everything), and after
// "final" a verdict: "converged SIGNALS" (the map's cache, and what its signals said, equal a
// fresh read of the store), "diverged WHY", or "skipped" (no map open). Standard input: "go"
// (start writing), "final MS" (every writer is done: wait up to MS for this map to converge,
// then exit).
#include "../auto/shared/childprocessio.h"
#include "../auto/shared/seededops.h"
#include "stresslog.h"

#include <PersistentMap/PersistentMap>

#include <QtCore/QCoreApplication>
#include <QtCore/QDeadlineTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QFile>
#include <QtCore/QSocketNotifier>
#include <QtCore/QTimer>

#include <deque>
#include <memory>
#include <optional>

#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace {

using StressLog::encode;
using StressLog::monotonicNs;

void say(const QByteArray &line)
{
    writeToStdout(line + '\n');
}

using SeededOps::Random; // as in the crash suite: reproducible from the seed

constexpr int OwnKeys = 40;
constexpr int SharedKeys = 24;

// Keys with characters a CSV writer must quote.
QString ownKey(int id, int index)
{
    switch (index % 4) {
    case 0:
        return QStringLiteral("p%1/k%2").arg(id).arg(index);
    case 1:
        return QStringLiteral("p%1/key,%2").arg(id).arg(index);
    case 2:
        return QStringLiteral("p%1/\"q\" %2").arg(id).arg(index);
    default:
        return QStringLiteral("p%1/cl\u00e9-%2").arg(id).arg(index);
    }
}

QString sharedKey(int index)
{
    switch (index % 3) {
    case 0:
        return QStringLiteral("shared/%1").arg(index);
    case 1:
        return QStringLiteral("shared,\"%1\"").arg(index);
    default:
        return QStringLiteral("shared/\u043a\u043b\u044e\u0447 %1").arg(index);
    }
}

QString filler(Random &random)
{
    static const QString alphabet =
            QStringLiteral("abc xyz 012,,\"\"'=+-@;\t\u00e9\u20ac\u4e2d\n\r\U0001F600");
    return SeededOps::filler(random, 1 + random.bounded(60), alphabet);
}

struct Op
{
    qint64 seq = 0;
    QByteArray kind;
    QList<std::pair<QString, std::optional<QString>>> effects; // nullopt: removed
    PersistentMapWriteBatch batch;
    QVariantHash hash;
    qint64 issued = 0;
    QFuture<void> future;
};

class Worker : public QObject
{
public:
    Worker(const QStringList &args);
    int start();

private:
    void command(const QByteArray &line);
    void runWrites();
    bool openMap(); // false when it is locked by another process, or failed
    void closeMap();
    void waitForOwner();
    Op makeOp();
    void issue(Op &op);
    void reap(bool waitForOldest);
    void settleAll();
    void logOp(const Op &op, const QByteArray &acked);
    void converge(int timeoutMs);
    void finish(int exitCode);

    QString m_role;
    int m_id = 0;
    QString m_spec;
    QFile m_log;
    quint64 m_seed = 1;
    int m_seconds = 10;
    qint64 m_maxOps = 1000;
    int m_clearEvery = 0;
    int m_session = 0;
    bool m_lie = false;
    bool m_tamper = false;
    bool m_broken = false;
    bool m_csv = false;

    Random m_random{1};
    std::unique_ptr<PersistentMap> m_map;
    QVariantHash m_view; // what the signals said, starting from the cache at open
    qint64 m_sessionOpened = 0;
    qint64 m_sessionLeft = 0;
    std::deque<Op> m_inFlight;
    qint64 m_nextSeq = 0;
    int m_window = 1;
    int m_burstLeft = 0;

    // Figures for the summary line.
    qint64 m_acked = 0;
    qint64 m_failed = 0;
    qint64 m_errors = 0;
    qint64 m_lockedOpens = 0;
    qint64 m_sessions = 0;
    qint64 m_signals = 0;
    qint64 m_clears = 0;
    qint64 m_flushes = 0;

    QSocketNotifier *m_input = nullptr;
    QByteArray m_pendingInput;
};

Worker::Worker(const QStringList &args)
{
    m_role = args.value(1);
    m_id = args.value(2).toInt();
    m_spec = args.value(3);
    m_log.setFileName(args.value(4));
    for (const QString &option : args.mid(5)) {
        const QString name = option.section(u'=', 0, 0);
        const QString value = option.section(u'=', 1);
        if (name == u"seed")
            m_seed = value.toULongLong();
        else if (name == u"seconds")
            m_seconds = value.toInt();
        else if (name == u"ops")
            m_maxOps = value.toLongLong();
        else if (name == u"clearEvery")
            m_clearEvery = value.toInt();
        else if (name == u"session")
            m_session = value.toInt();
        else if (name == u"lie")
            m_lie = value == u"1";
        else if (name == u"tamper")
            m_tamper = value == u"1";
    }
    m_csv = m_spec.startsWith(QLatin1String("csv:"));
    m_random = Random(m_seed ^ (quint64(m_id + 1) * 0xd1342543de82ef95ULL));
}

int Worker::start()
{
    if ((m_role != u"writer" && m_role != u"follower") || m_spec.isEmpty() ||
        !m_log.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        say("fatal usage: stressworker writer|follower ID SPEC LOG [NAME=VALUE ...]");
        return 2;
    }
    // A writer with sessions opens its map when it starts writing; the others open it now, so
    // that loading is over before the test says go (a follower must see every write).
    if (m_role == u"follower" || m_session == 0) {
        if (!openMap()) {
            say("fatal the store did not open");
            return 1;
        }
    }
    m_input = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, this);
    // Raw reads: stdio would buffer a second line where the notifier cannot see it.
    connect(m_input, &QSocketNotifier::activated, this, [this] {
        char buffer[1024];
        const ssize_t got = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (got <= 0) {
            finish(1); // the test went away
            return;
        }
        m_pendingInput.append(buffer, got);
        qsizetype end;
        while ((end = m_pendingInput.indexOf('\n')) >= 0) {
            const QByteArray line = m_pendingInput.left(end);
            m_pendingInput.remove(0, end + 1);
            command(line);
        }
    });
    say("ready");
    return QCoreApplication::exec();
}

void Worker::command(const QByteArray &line)
{
    if (line == "go") {
        if (m_role == u"writer")
            QTimer::singleShot(0, this, [this] { runWrites(); });
    } else if (line.startsWith("final ")) {
        m_input->setEnabled(false);
        converge(line.mid(6).toInt());
    } else {
        say("fatal unknown command: " + line);
        finish(1);
    }
}

bool Worker::openMap()
{
    QString why;
    std::unique_ptr<PersistentMapBackend> backend = PersistentMapBackend::create(m_spec, &why);
    if (!backend) {
        m_log.write("error " + QByteArray::number(monotonicNs()) + ' ' + encode(why) + '\n');
        ++m_errors;
        return false;
    }
    m_map = std::make_unique<PersistentMap>(std::move(backend));
    try {
        m_map->whenReady().waitForFinished();
    } catch (const PersistentMapError &e) {
        m_map.reset();
        if (e.code() == PersistentMapError::Code::Locked) {
            ++m_lockedOpens; // another process owns the CSV store: expected, not an error
        } else {
            m_log.write("error " + QByteArray::number(monotonicNs()) + ' ' + encode(e.message()) +
                        '\n');
            ++m_errors;
            m_broken = true; // a store that does not open stays so: the writer stops
            return false;
        }
        waitForOwner();
        return false;
    }
    // Read after whenReady(): the store was ours (CSV: locked) from before this moment on.
    m_sessionOpened = monotonicNs();
    ++m_sessions;
    m_sessionLeft = m_session > 0 ? m_session / 2 + m_random.bounded(m_session) : -1;
    m_view = m_map->toHash();
    // Connected after loading: a Locked open's errorOccurred is never seen, and the errors
    // counted are those of a map that works.
    connect(m_map.get(), &PersistentMap::errorOccurred, this, [this](const QString &message) {
        m_log.write("error " + QByteArray::number(monotonicNs()) + ' ' + encode(message) + '\n');
        ++m_errors;
    });
    const bool follower = m_role == u"follower";
    connect(m_map.get(), &PersistentMap::valueChanged, this,
            [this, follower](const QString &key, const QVariant &value) {
                ++m_signals;
                m_view.insert(key, value);
                if (follower) {
                    m_log.write("sig " + QByteArray::number(monotonicNs()) + " c " + encode(key) +
                                ' ' + encode(value.toString()) + '\n');
                }
            });
    connect(m_map.get(), &PersistentMap::valueRemoved, this, [this, follower](const QString &key) {
        ++m_signals;
        m_view.remove(key);
        if (follower)
            m_log.write("sig " + QByteArray::number(monotonicNs()) + " r " + encode(key) + '\n');
    });
    return true;
}

void Worker::closeMap()
{
    settleAll();
    // Read before the map is destroyed: it still owned the store at this moment.
    const qint64 closing = monotonicNs();
    m_log.write("session " + QByteArray::number(m_id) + ' ' + QByteArray::number(m_sessionOpened) +
                ' ' + QByteArray::number(closing) + '\n');
    m_map.reset();
}

// Waits for the process that owns the CSV store to let go: the owner holds an exclusive flock()
// on the store file (whatever path reaches it), so a shared one is granted the moment it ends,
// a crash included. Released at once: the next open races for the store with the other waiters
// and with the writer that just closed. Each owner closes within one session of writes.
void Worker::waitForOwner()
{
    QString path = m_spec.mid(m_spec.indexOf(u':') + 1);
    path.truncate(path.indexOf(u'?') < 0 ? path.size() : path.indexOf(u'?'));
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return; // the store is being replaced: open again at once
    while (::flock(fd, LOCK_SH) != 0 && errno == EINTR) { }
    ::close(fd); // releases the shared lock too
}

Op Worker::makeOp()
{
    Op op;
    op.seq = m_nextSeq++;
    // In the middle of each period, never last: the writes after the last clear() are what the
    // store ends with, and what the test can check one by one.
    if (m_clearEvery > 0 && op.seq % m_clearEvery == m_clearEvery / 2) {
        op.kind = "clear";
        return op;
    }
    int entry = 0;
    auto value = [&] {
        QString text = QStringLiteral("p%1#%2.%3|").arg(m_id).arg(op.seq).arg(entry++);
        if (m_random.bounded(4) == 0)
            text += filler(m_random);
        return text;
    };
    auto key = [&](bool shared) {
        return shared ? sharedKey(m_random.bounded(SharedKeys))
                      : ownKey(m_id, m_random.bounded(OwnKeys));
    };
    auto effect = [&](const QString &k, const std::optional<QString> &v) {
        for (auto &e : op.effects) {
            if (e.first == k) { // the last entry for a key wins
                e.second = v;
                return;
            }
        }
        op.effects.append({k, v});
    };
    const int roll = m_random.bounded(100);
    if (roll < 34 || roll >= 92) {
        op.kind = "insert";
        effect(key(roll >= 92 || m_random.bounded(3) != 0 ? false : true), value());
        if (roll >= 92 && m_random.bounded(2) == 0) {
            op.kind = "flush";
            op.effects.clear();
        }
    } else if (roll < 52) {
        op.kind = "insert";
        effect(key(true), value());
    } else if (roll < 66) {
        op.kind = "remove";
        effect(key(roll >= 60), std::nullopt);
    } else if (roll < 80) {
        op.kind = "batch"; // apply(): inserts and removes, a key may come twice
        const int n = 2 + m_random.bounded(5);
        for (int i = 0; i < n; ++i) {
            const QString k = key(m_random.bounded(2) == 0);
            if (m_random.bounded(4) == 0) {
                op.batch.remove(k);
                effect(k, std::nullopt);
            } else {
                const QString v = value();
                op.batch.insert(k, v);
                effect(k, v);
            }
        }
    } else {
        op.kind = "hash"; // insert(QVariantHash)
        const int n = 2 + m_random.bounded(4);
        for (int i = 0; i < n; ++i) {
            const QString k = key(m_random.bounded(2) == 0);
            const QString v = value();
            op.hash.insert(k, v);
            effect(k, v);
        }
    }
    return op;
}

void Worker::issue(Op &op)
{
    op.issued = monotonicNs(); // before the call: the commit comes after this
    const auto &first = op.effects.isEmpty() ? std::pair<QString, std::optional<QString>>()
                                             : op.effects.constFirst();
    if (op.kind == "clear") {
        op.future = m_map->clear();
        ++m_clears;
    } else if (op.kind == "flush") {
        op.future = m_map->flush();
        ++m_flushes;
    } else if (op.kind == "insert") {
        op.future = m_map->insert(first.first, *first.second);
    } else if (op.kind == "remove") {
        op.future = m_map->remove(first.first);
    } else if (op.kind == "batch") {
        op.future = m_map->apply(op.batch);
    } else {
        op.future = m_map->insert(op.hash);
    }
}

void Worker::logOp(const Op &op, const QByteArray &acked)
{
    QByteArray line = "op " + QByteArray::number(m_id) + ' ' + QByteArray::number(op.seq) + ' ' +
            op.kind + ' ' + QByteArray::number(op.issued) + ' ' + acked + ' ' +
            QByteArray::number(op.effects.size());
    for (const auto &e : op.effects) {
        line += ' ' + encode(e.first) + ' ';
        line += e.second ? encode(*e.second) : QByteArray(StressLog::Removed);
    }
    m_log.write(line + '\n');
}

// Logs the writes whose futures have finished, oldest first. A map's futures finish in the order
// the writes were made (batches commit in order), so the finished ones are a prefix.
void Worker::reap(bool waitForOldest)
{
    if (m_inFlight.empty())
        return;
    if (waitForOldest) {
        try {
            m_inFlight.front().future.waitForFinished();
        } catch (...) {
            // Reported below, with the others.
        }
    }
    qsizetype finished = 0;
    while (finished < qsizetype(m_inFlight.size()) && m_inFlight.at(finished).future.isFinished())
        ++finished;
    if (finished == 0)
        return;
    // Read after every one of them was seen finished: each committed before this moment.
    const QByteArray acked = QByteArray::number(monotonicNs());
    for (qsizetype i = 0; i < finished; ++i) {
        const Op &op = m_inFlight.front();
        QString failure;
        int code = -1;
        try {
            QFuture<void> future = op.future; // finished: returns at once, or throws its error
            future.waitForFinished();
        } catch (const PersistentMapError &e) {
            failure = e.message();
            code = int(e.code());
        } catch (const std::exception &e) {
            failure = QString::fromLocal8Bit(e.what());
        }
        if (failure.isEmpty()) {
            logOp(op, acked);
            ++m_acked;
        } else {
            logOp(op, "failed");
            m_log.write("fail " + QByteArray::number(m_id) + ' ' + QByteArray::number(op.seq) +
                        ' ' + QByteArray::number(code) + ' ' + encode(failure) + '\n');
            ++m_failed;
        }
        m_inFlight.pop_front();
    }
}

void Worker::settleAll()
{
    while (!m_inFlight.empty())
        reap(true);
}

void Worker::runWrites()
{
    const QDeadlineTimer deadline{std::chrono::seconds(m_seconds)};
    while (m_nextSeq < m_maxOps && !deadline.hasExpired() && !m_broken) {
        if (!m_map) {
            openMap();
            continue;
        }
        // Bursts of different shapes: one write at a time (each waited for), or up to 64 in
        // flight, so batches of every size meet the other processes' commits.
        if (m_burstLeft-- <= 0) {
            m_burstLeft = 1 + m_random.bounded(100);
            m_window = m_random.bounded(10) < 3 ? 1 : 2 + m_random.bounded(63);
        }
        reap(m_inFlight.size() >= size_t(m_window));
        Op op = makeOp();
        issue(op);
        m_inFlight.push_back(std::move(op));
        // Followers' polls and signals need the event loop, writers follow the others too.
        QCoreApplication::processEvents();
        if (m_sessionLeft > 0 && --m_sessionLeft == 0)
            closeMap();
    }
    // A session that ended with the last write (seen once in a busy ASan run): an SQLite
    // writer opens again, so that its map is open at "final" and must converge like the others.
    if (!m_map && !m_csv && !m_broken)
        openMap();
    if (m_map) {
        Op op;
        op.seq = m_nextSeq++;
        op.kind = "flush";
        issue(op);
        m_inFlight.push_back(std::move(op));
        settleAll();
        // A CSV writer lets go, so that the others can finish their writes.
        if (m_csv)
            closeMap();
    }
    say("done " + QByteArray::number(m_nextSeq));
}

// Every writer is done: this map must end with the store's contents, in its cache and in what
// its signals said, once it has polled. Waits for its signals, not for a fixed time.
void Worker::converge(int timeoutMs)
{
    if (m_lie) {
        // The negative control: acknowledgements of writes that never happened, issued after
        // every real one, so nothing can have overwritten them.
        const QByteArray now = QByteArray::number(monotonicNs());
        for (int i = 0; i < OwnKeys; ++i) {
            Op op;
            op.seq = m_nextSeq++;
            op.kind = "insert";
            op.issued = now.toLongLong();
            op.effects.append(
                    {ownKey(m_id, i), QStringLiteral("p%1#%2.0|lie").arg(m_id).arg(op.seq)});
            logOp(op, now);
        }
    }
    if (!m_map) {
        say("skipped");
        finish(0);
        return;
    }
    // A fresh read of the store, through the same path and mode.
    QString why;
    PersistentMap fresh(PersistentMapBackend::create(m_spec, &why));
    fresh.setWatchExternalChanges(false);
    try {
        fresh.whenReady().waitForFinished();
    } catch (const PersistentMapError &e) {
        say("diverged the store does not open again: " + e.message().toUtf8());
        finish(1);
        return;
    }
    QVariantHash target = fresh.toHash();
    if (m_tamper) // the negative control: a store this map can never have followed
        target.insert(QStringLiteral("tampered"), QStringLiteral("never written"));
    const QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        const QVariantHash cache = m_map->toHash();
        if (cache == target && m_view == target) {
            say("converged " + QByteArray::number(m_signals));
            finish(0);
            return;
        }
        if (deadline.hasExpired()) {
            QStringList differences;
            for (auto it = target.cbegin(); it != target.cend() && differences.size() < 5; ++it) {
                if (cache.value(it.key()) != it.value() || m_view.value(it.key()) != it.value())
                    differences.append(QStringLiteral("'%1': store '%2', cache '%3', signals '%4'")
                                               .arg(it.key(), it.value().toString().left(40),
                                                    cache.value(it.key()).toString().left(40),
                                                    m_view.value(it.key()).toString().left(40)));
            }
            for (auto it = cache.cbegin(); it != cache.cend() && differences.size() < 5; ++it) {
                if (!target.contains(it.key()))
                    differences.append(
                            QStringLiteral("'%1': not in the store, in the cache").arg(it.key()));
            }
            for (auto it = m_view.cbegin(); it != m_view.cend() && differences.size() < 5; ++it) {
                if (!target.contains(it.key()))
                    differences.append(
                            QStringLiteral("'%1': not in the store, in the signals").arg(it.key()));
            }
            say(QStringLiteral("diverged after %1 ms: %2 keys in the store, %3 in the cache, %4 "
                               "by the signals; %5")
                        .arg(timeoutMs)
                        .arg(target.size())
                        .arg(cache.size())
                        .arg(m_view.size())
                        .arg(differences.join(QLatin1String("; ")))
                        .toUtf8()
                        .replace('\n', ' '));
            finish(1);
            return;
        }
        QEventLoop wait;
        connect(m_map.get(), &PersistentMap::valueChanged, &wait, &QEventLoop::quit);
        connect(m_map.get(), &PersistentMap::valueRemoved, &wait, &QEventLoop::quit);
        QTimer::singleShot(std::max<qint64>(deadline.remainingTime(), 1), &wait, &QEventLoop::quit);
        wait.exec();
    }
}

void Worker::finish(int exitCode)
{
    m_map.reset();
    m_log.write("summary acked=" + QByteArray::number(m_acked) + " failed=" +
                QByteArray::number(m_failed) + " errors=" + QByteArray::number(m_errors) +
                " lockedOpens=" + QByteArray::number(m_lockedOpens) + " sessions=" +
                QByteArray::number(m_sessions) + " signals=" + QByteArray::number(m_signals) +
                " clears=" + QByteArray::number(m_clears) +
                " flushes=" + QByteArray::number(m_flushes) + '\n');
    m_log.close();
    QCoreApplication::exit(exitCode);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    Worker worker(QCoreApplication::arguments());
    return worker.start();
}
