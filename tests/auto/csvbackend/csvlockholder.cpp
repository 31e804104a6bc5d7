// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// csvlockholder PATH: opens a PersistentMap on the CSV store PATH, prints "ready" (or "error:
// MESSAGE") and holds the store until its standard input closes. Each line KEY=VALUE it reads
// meanwhile is inserted and answered with "done KEY" once written; "!clear" clears the store
// (the file is replaced) and is answered with "done !clear". tst_csvbackend runs it as the
// second process that owns the store's lock.
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapCsvBackend>

#include <QtCore/QCoreApplication>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    if (args.size() != 2) {
        std::fprintf(stderr, "usage: csvlockholder PATH\n");
        return 2;
    }
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(args.at(1)));
    try {
        map.whenReady().waitForFinished();
    } catch (const PersistentMapError &e) {
        std::printf("error: %s\n", qUtf8Printable(e.message()));
        std::fflush(stdout);
        return 1;
    }
    map.insert(QStringLiteral("holder"), QCoreApplication::applicationPid()).waitForFinished();
    std::printf("ready\n");
    std::fflush(stdout);
    char line[4096];
    while (std::fgets(line, sizeof line, stdin)) {
        const QString text = QString::fromUtf8(line).trimmed();
        if (text == u"!clear") { // clear(): the store's file is replaced by a new one
            map.clear().waitForFinished();
            std::printf("done !clear\n");
            std::fflush(stdout);
            continue;
        }
        const qsizetype equals = text.indexOf(u'=');
        if (equals <= 0)
            continue;
        const QString key = text.left(equals);
        map.insert(key, text.mid(equals + 1)).waitForFinished();
        std::printf("done %s\n", qUtf8Printable(key));
        std::fflush(stdout);
    }
    return 0;
}
