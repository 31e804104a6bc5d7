// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// backends: the same operations on the three built-in backends, side by side (the Rust crate's
// sqlite, csv and in-memory examples in one program). Prints a table of the results, then what
// each store holds on disk: the CSV file's text and the SQLite table's rows.
//
//   backends [FOLDER]    FOLDER keeps backends.db and backends.csv; without it they go into a
//                        temporary folder under the application data folder, removed at exit.
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapMemoryBackend>
#include <PersistentMap/PersistentMapSqliteBackend>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTextStream>

#include <functional>
#include <memory>
#include <optional>

namespace {

struct Store
{
    QString name;
    QString path; // empty for memory
    std::function<std::unique_ptr<PersistentMapBackend>()> create;
};

QString yesNo(bool value)
{
    return value ? QStringLiteral("yes") : QStringLiteral("no");
}

// Runs the example's operations on one map; one result per row of the table.
QStringList runOperations(PersistentMap &map)
{
    QStringList results;
    // Every write returns at once; the storage thread commits them in one batch.
    map.insert(QStringLiteral("user/name"), QStringLiteral("Ada Lovelace"));
    map.insert(QStringLiteral("user/logins"), 42);
    map.insert(QStringLiteral("ui/scale"), 1.25);
    map.insert(QStringLiteral("scratch"), QStringLiteral("to be removed"));
    results << QStringLiteral("4 entries");

    results << map.value(QStringLiteral("user/name")).toString();
    const std::optional<int> logins = map.get<int>(QStringLiteral("user/logins"));
    results << (logins ? QString::number(*logins) : QStringLiteral("(none)"));
    results << yesNo(map.contains(QStringLiteral("scratch")));

    map.remove(QStringLiteral("scratch"));
    results << yesNo(map.contains(QStringLiteral("scratch")));

    // flush(): everything written so far is durable on disk (a no-op for memory).
    map.flush().waitForFinished();
    results << QStringLiteral("done");
    results << QString::number(map.count());
    return results;
}

void printTable(QTextStream &out, const QStringList &header, const QList<QStringList> &rows)
{
    QList<int> widths;
    for (const QString &cell : header)
        widths << int(cell.size());
    for (const QStringList &row : rows) {
        for (int i = 0; i < row.size(); ++i)
            widths[i] = qMax(widths[i], int(row.at(i).size()));
    }
    const auto printRow = [&](const QStringList &row) {
        for (int i = 0; i < row.size(); ++i)
            out << row.at(i).leftJustified(widths.at(i) + 2);
        out << Qt::endl;
    };
    printRow(header);
    QStringList rule;
    for (int width : std::as_const(widths))
        rule << QString(width, u'-');
    printRow(rule);
    for (const QStringList &row : rows)
        printRow(row);
}

bool printSqliteRows(QTextStream &out, const QString &path)
{
    // A second, read-only connection: other programs may read the table at any time.
    const QString connection = QStringLiteral("backends-example");
    bool ok = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        QSqlQuery query(db);
        if (!db.open() ||
            !query.exec(
                    QStringLiteral("SELECT key, type, value FROM persistent_map ORDER BY key"))) {
            out << "Cannot read " << path << ": "
                << (db.isOpen() ? query.lastError().text() : db.lastError().text()) << Qt::endl;
            ok = false;
        }
        while (ok && query.next()) {
            out << "  " << query.value(0).toString() << '|' << query.value(1).toString() << '|'
                << query.value(2).toString() << Qt::endl;
        }
    }
    QSqlDatabase::removeDatabase(connection);
    return ok;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("persistent-map"));
    QCoreApplication::setApplicationName(QStringLiteral("backends"));
    QTextStream out(stdout);

    // Where the files go: the folder given, or a temporary one under the app data folder.
    std::optional<QTemporaryDir> temporary;
    QString folder;
    if (app.arguments().size() > 1) {
        folder = QDir(app.arguments().at(1)).absolutePath();
    } else {
        const QString base = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
        QDir().mkpath(base);
        temporary.emplace(base + QStringLiteral("/run-XXXXXX"));
        if (!temporary->isValid()) {
            out << "Cannot create a folder in " << base << ": " << temporary->errorString()
                << Qt::endl;
            return 1;
        }
        folder = temporary->path();
    }
    out << "Folder: " << QDir::toNativeSeparators(folder) << Qt::endl << Qt::endl;

    const QString sqlitePath = folder + QStringLiteral("/backends.db");
    const QString csvPath = folder + QStringLiteral("/backends.csv");
    const QList<Store> stores = {
            {QStringLiteral("SQLite"), sqlitePath,
             [&] { return std::make_unique<PersistentMapSqliteBackend>(sqlitePath); }},
            {QStringLiteral("CSV"), csvPath,
             [&] { return std::make_unique<PersistentMapCsvBackend>(csvPath); }},
            {QStringLiteral("memory"), QString(),
             [] { return std::make_unique<PersistentMapMemoryBackend>(); }},
    };

    QList<QStringList> rows = {
            {QStringLiteral("insert(...)")},
            {QStringLiteral("value(\"user/name\")")},
            {QStringLiteral("get<int>(\"user/logins\")")},
            {QStringLiteral("contains(\"scratch\")")},
            {QStringLiteral("after remove(\"scratch\")")},
            {QStringLiteral("flush()")},
            {QStringLiteral("count()")},
            {QStringLiteral("count() after reopening")},
    };
    QStringList header = {QStringLiteral("operation")};

    for (const Store &store : stores) {
        header << store.name;
        QStringList results;
        {
            PersistentMap map(store.create());
            try {
                map.whenReady().waitForFinished();
            } catch (const PersistentMapError &e) {
                out << "Cannot open the " << store.name << " store: " << e.message() << Qt::endl;
                return 1;
            }
            results = runOperations(map);
        } // the destructor persists what is still pending and closes the store

        // A new map on the same store: what survived?
        PersistentMap reopened(store.create());
        try {
            reopened.whenReady().waitForFinished();
        } catch (const PersistentMapError &e) {
            out << "Cannot reopen the " << store.name << " store: " << e.message() << Qt::endl;
            return 1;
        }
        results << QString::number(reopened.count());
        for (int i = 0; i < rows.size(); ++i)
            rows[i] << results.at(i);
    }
    printTable(out, header, rows);

    out << Qt::endl << QDir::toNativeSeparators(csvPath) << ':' << Qt::endl;
    QFile csv(csvPath);
    if (!csv.open(QIODevice::ReadOnly | QIODevice::Text)) {
        out << "Cannot read it: " << csv.errorString() << Qt::endl;
        return 1;
    }
    // The removal of "scratch" is an appended tombstone row until the file is compacted.
    const QStringList lines = QString::fromUtf8(csv.readAll()).split(u'\n', Qt::SkipEmptyParts);
    for (const QString &line : lines)
        out << "  " << line << Qt::endl;

    out << Qt::endl
        << QDir::toNativeSeparators(sqlitePath) << ", table persistent_map:" << Qt::endl;
    if (!printSqliteRows(out, sqlitePath))
        return 1;

    out << Qt::endl << "The memory store kept nothing: it lives and dies with its map." << Qt::endl;
    return 0;
}
