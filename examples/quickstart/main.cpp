// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// quickstart: the basic use of PersistentMap on a SQLite file that survives restarts.
// Run it twice: the second run finds what the first one stored.
//
//   quickstart [PATH]     PATH defaults to quickstart.db in the application data folder
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapSqliteBackend>

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QStandardPaths>
#include <QTextStream>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("persistent-map"));
    QCoreApplication::setApplicationName(QStringLiteral("quickstart"));
    QTextStream out(stdout);

    const QStringList args = app.arguments();
    const QString path = args.size() > 1
            ? args.at(1)
            : QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                    QStringLiteral("/quickstart.db");

    // Open (or create) the store. Loading runs in the background; wait for it here because a
    // console program has nothing else to do. A GUI would connect to statusChanged instead.
    PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
    try {
        map.whenReady().waitForFinished();
    } catch (const PersistentMapError &e) {
        out << "Cannot open the store: " << e.message() << Qt::endl;
        return 1;
    }
    out << "Store: " << QDir::toNativeSeparators(path) << " (" << map.count() << " entries)"
        << Qt::endl;

    // Reads come from memory and never block. Numbers come back as numbers.
    const int runs = map.get<int>(QStringLiteral("runs")).value_or(0) + 1;
    if (runs > 1) {
        out << "Last run: "
            << map.value(QStringLiteral("lastRun")).toDateTime().toString(Qt::ISODate) << Qt::endl;
    }
    out << "This is run number " << runs << Qt::endl;

    // Writes return at once; the storage thread commits them in batches.
    map.insert(QStringLiteral("runs"), runs);
    map.insert(QStringLiteral("lastRun"), QDateTime::currentDateTime());
    map.insert(QStringLiteral("greeting"), QStringLiteral("hello, world"));
    map.insert(QStringLiteral("scratch"), QStringLiteral("to be removed"));

    out << "greeting = " << map.value(QStringLiteral("greeting")).toString() << Qt::endl;
    out << "contains(\"scratch\") = " << map.contains(QStringLiteral("scratch")) << Qt::endl;
    map.remove(QStringLiteral("scratch"));
    out << "after remove, contains(\"scratch\") = " << map.contains(QStringLiteral("scratch"))
        << Qt::endl;

    // flush() finishes when everything written so far is durable on disk.
    map.flush().waitForFinished();
    out << "Flushed " << map.count() << " entries: " << map.keys().join(QStringLiteral(", "))
        << Qt::endl;
    return 0;
}
