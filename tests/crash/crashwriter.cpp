// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// crashwriter BACKEND STORE SEED START [lie]: opens a PersistentMap on STORE (BACKEND sqlite or
// csv: STORE is the file's path; postgres: STORE is a postgres://...?table=NAME spec for
// PersistentMapPostgresBackend) and issues writes START, START+1, ... (CrashOps::makeOp) as fast as
// it can until it is killed. tst_crashkill kills it with SIGKILL and checks the store.
//
// Standard output, one line each, written straight to the file descriptor so that a line is in
// the pipe before the writer goes on:
//   R                 the map is loaded (or F MESSAGE: it is not, and the writer exits)
//   I LIMIT           no write numbered LIMIT or higher has been issued yet; printed before any is
//   A FIRST LAST      the futures of writes FIRST..LAST have finished successfully (committed)
//   E SEQ MESSAGE     the future of write SEQ failed; the writer exits
// With "lie", each write is reported as acknowledged as soon as it is issued, before it has
// committed: the test's negative control, which the checker must catch.
#include "../auto/shared/childprocessio.h"
#include "crashops.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapPostgresBackend>
#include <PersistentMap/PersistentMapSqliteBackend>

#include <QtCore/QCoreApplication>

#include <cstdio>
#include <deque>

namespace {

QFuture<void> issueOp(PersistentMap &map, const CrashOps::Op &op)
{
    return SeededOps::issue(map, op.kind, op.entries, CrashOps::keyName);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    bool seedOk = false, startOk = false;
    const bool lie = args.size() == 6 && args.at(5) == u"lie";
    const quint64 seed = args.size() >= 5 ? args.at(3).toULongLong(&seedOk) : 0;
    const qint64 start = args.size() >= 5 ? args.at(4).toLongLong(&startOk) : 0;
    const QString kind = args.value(1);
    if ((args.size() != 5 && !lie) ||
        (kind != u"sqlite" && kind != u"csv" && kind != u"postgres") || !seedOk || !startOk) {
        std::fprintf(stderr, "usage: crashwriter sqlite|csv|postgres PATH|SPEC SEED START [lie]\n");
        return 2;
    }
    std::unique_ptr<PersistentMapBackend> backend;
    if (kind == u"csv")
        backend = std::make_unique<PersistentMapCsvBackend>(args.at(2));
    else if (kind == u"postgres")
        backend = std::make_unique<PersistentMapPostgresBackend>(args.at(2));
    else
        backend = std::make_unique<PersistentMapSqliteBackend>(args.at(2));
    PersistentMap map(std::move(backend));
    const QString openError = failureMessage(map.whenReady());
    if (!openError.isEmpty()) {
        writeToStdout("F " + openError.toUtf8() + '\n');
        return 1;
    }
    writeToStdout("R\n");

    // Writes in flight, oldest first. Batches commit in order, so they finish in order.
    std::deque<std::pair<qint64, QFuture<void>>> inFlight;
    // Reports the finished prefix of inFlight; with wait, waits for its oldest write first.
    auto reap = [&](bool wait) -> bool {
        if (wait)
            inFlight.front().second.waitForFinished();
        qint64 first = -1, last = -1;
        while (!inFlight.empty() && inFlight.front().second.isFinished()) {
            const QString error = failureMessage(inFlight.front().second);
            if (!error.isEmpty()) {
                writeToStdout(QByteArray("E ") + QByteArray::number(inFlight.front().first) + ' ' +
                              error.toUtf8() + '\n');
                return false;
            }
            if (first < 0)
                first = inFlight.front().first;
            last = inFlight.front().first;
            inFlight.pop_front();
        }
        if (first >= 0)
            writeToStdout("A " + QByteArray::number(first) + ' ' + QByteArray::number(last) + '\n');
        return true;
    };

    constexpr qint64 AnnounceStep = 256;
    constexpr size_t MaxInFlight = 4096;
    qint64 announced = start;
    for (qint64 seq = start;; ++seq) {
        if (seq >= announced) {
            announced = seq + AnnounceStep;
            writeToStdout("I " + QByteArray::number(announced) + '\n');
        }
        inFlight.emplace_back(seq, issueOp(map, CrashOps::makeOp(seed, seq)));
        if (lie) {
            writeToStdout("A " + QByteArray::number(seq) + ' ' + QByteArray::number(seq) + '\n');
            inFlight.pop_front();
            continue;
        }
        if (!reap(inFlight.size() >= MaxInFlight))
            return 1;
    }
}
