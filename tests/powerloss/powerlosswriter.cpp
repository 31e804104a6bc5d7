// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// powerlosswriter sqlite|csv STORE SEED: runs PowerLossOps::script(SEED) on a PersistentMap on
// the file STORE, with PowerLossRecorder linked in (configured by PM_POWERLOSS_FOLDER,
// PM_POWERLOSS_RECORD and PM_POWERLOSS_LIE; powerlossrecorder.h). tst_powerloss runs it and
// rebuilds, from the record, what a power loss at each sync would have left.
//
// Notes in the record, in the order of the sequence shared with the syncs:
//   I SEQ OP     write OP is about to be issued (its bytes can reach a file only after this)
//   A SEQ OP     a flush() finished successfully after write OP, the last one issued before it:
//                writes 0..OP are durable from here on
//   R SEQ        the map was closed and opened again
// Exits 0 after closing the map and recording the folder's end state (E); on any error it
// prints it on standard error and exits 1.
#include "../auto/shared/childprocessio.h"
#include "powerlossops.h"
#include "powerlossrecorder.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapSqliteBackend>

#include <QtCore/QCoreApplication>

#include <cstdio>

namespace {

QFuture<void> issue(PersistentMap &map, const PowerLossOps::Op &op)
{
    return SeededOps::issue(map, op.kind, op.entries, PowerLossOps::keyName);
}

int failWith(const QString &message)
{
    std::fprintf(stderr, "powerlosswriter: %s\n", qPrintable(message));
    return 1;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    bool seedOk = false;
    const quint64 seed = args.value(3).toULongLong(&seedOk);
    const QString kind = args.value(1);
    if (args.size() != 4 || (kind != u"sqlite" && kind != u"csv") || !seedOk) {
        std::fprintf(stderr, "usage: powerlosswriter sqlite|csv STORE SEED\n");
        return 2;
    }
    if (!PowerLossRecorder::active())
        return failWith(QStringLiteral("PM_POWERLOSS_FOLDER and PM_POWERLOSS_RECORD are not set"));
    const QString path = args.at(2);
    auto open = [&]() -> std::unique_ptr<PersistentMap> {
        std::unique_ptr<PersistentMapBackend> backend;
        if (kind == u"csv")
            backend = std::make_unique<PersistentMapCsvBackend>(path);
        else
            backend = std::make_unique<PersistentMapSqliteBackend>(path);
        return std::make_unique<PersistentMap>(std::move(backend));
    };

    std::unique_ptr<PersistentMap> map = open();
    QString error = failureMessage(map->whenReady());
    if (!error.isEmpty())
        return failWith(QStringLiteral("cannot open the store: ") + error);

    const QList<PowerLossOps::Step> steps = PowerLossOps::script(seed);
    QList<std::pair<qint64, QFuture<void>>> unchecked; // issued, not yet seen to succeed
    auto checkIssued = [&]() -> QString {
        for (auto &[seq, future] : unchecked) {
            const QString failure = failureMessage(future);
            if (!failure.isEmpty())
                return QStringLiteral("write %1 failed: %2").arg(seq).arg(failure);
        }
        unchecked.clear();
        return {};
    };
    qint64 lastIssued = -1;
    int flushes = 0;
    for (const PowerLossOps::Step &step : steps) {
        switch (step.type) {
        case PowerLossOps::Step::Type::Write:
            PowerLossRecorder::note('I', QByteArray::number(step.op.seq));
            unchecked.append({step.op.seq, issue(*map, step.op)});
            lastIssued = step.op.seq;
            if (step.wait && !(error = checkIssued()).isEmpty())
                return failWith(error);
            break;
        case PowerLossOps::Step::Type::Flush:
            error = failureMessage(map->flush());
            if (error.isEmpty())
                error = checkIssued(); // finished before the flush, which orders after them
            if (!error.isEmpty())
                return failWith(QStringLiteral("flush() after write %1 failed: %2")
                                        .arg(lastIssued)
                                        .arg(error));
            PowerLossRecorder::note('A', QByteArray::number(lastIssued));
            ++flushes;
            break;
        case PowerLossOps::Step::Type::Reopen:
            if (!(error = checkIssued()).isEmpty())
                return failWith(error);
            map.reset();
            map = open();
            error = failureMessage(map->whenReady());
            if (!error.isEmpty())
                return failWith(QStringLiteral("cannot open the store again: ") + error);
            PowerLossRecorder::note('R', QByteArray());
            break;
        }
    }
    if (!(error = checkIssued()).isEmpty())
        return failWith(error);
    map.reset();
    PowerLossRecorder::recordEnd();
    const QByteArray recorderError = PowerLossRecorder::error();
    if (!recorderError.isEmpty())
        return failWith(QStringLiteral("the recorder failed: ") + QString::fromUtf8(recorderError));
    std::printf("writes %lld flushes %d\n", lastIssued + 1, flushes);
    return 0;
}
