// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// sqlitewriter PATH PREFIX COUNT CHUNK: opens a PersistentMap on the SQLite store PATH, prints
// "ready" (or "error: MESSAGE"), waits for a line on standard input so that several writers start
// together, then inserts the keys PREFIX0 .. PREFIX<COUNT-1> (value "PREFIX:i") as fast as it
// can, waiting for the futures of every CHUNK inserts, flushes and exits 0. If any future fails
// (e.g. "database is locked") it prints "error: MESSAGE" and exits 1. tst_reliability runs two
// of them on one file.
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapSqliteBackend>

#include <QtCore/QCoreApplication>
#include <QtCore/QList>

#include <cstdio>

namespace {

int fail(const PersistentMapError &error)
{
    std::printf("error: %s\n", qUtf8Printable(error.message()));
    std::fflush(stdout);
    return 1;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    bool countOk = false;
    bool chunkOk = false;
    const int count = args.value(3).toInt(&countOk);
    const int chunk = args.value(4).toInt(&chunkOk);
    if (args.size() != 5 || !countOk || !chunkOk || count < 0 || chunk < 1) {
        std::fprintf(stderr, "usage: sqlitewriter PATH PREFIX COUNT CHUNK\n");
        return 2;
    }
    const QString prefix = args.at(2);
    PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(args.at(1)));
    try {
        map.whenReady().waitForFinished();
    } catch (const PersistentMapError &e) {
        return fail(e);
    }
    std::printf("ready\n");
    std::fflush(stdout);
    char line[64];
    if (!std::fgets(line, sizeof line, stdin))
        return 3;

    try {
        QList<QFuture<void>> pending;
        pending.reserve(chunk);
        for (int i = 0; i < count; ++i) {
            pending.append(map.insert(prefix + QString::number(i),
                                      QStringLiteral("%1:%2").arg(prefix).arg(i)));
            if (pending.size() == chunk || i + 1 == count) {
                for (QFuture<void> &future : pending)
                    future.waitForFinished();
                pending.clear();
            }
        }
        map.flush().waitForFinished();
    } catch (const PersistentMapError &e) {
        return fail(e);
    }
    std::printf("done\n");
    std::fflush(stdout);
    return 0;
}
