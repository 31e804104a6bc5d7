// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// custom-backend: a PersistentMap on a PersistentMapBackend of your own, here a JSON file
// (jsonfilebackend.h). Shows that what it stores survives a restart of the map, and how a
// backend reports a store it cannot read: the map's status becomes Error, the file is left as
// it was, and the map works in memory only.
//
//   custom-backend [FILE]    FILE defaults to store.json in the application data folder;
//                            broken.json is written next to it for the error demonstration.
#include "jsonfilebackend.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapWriteBatch>

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPoint>
#include <QStandardPaths>
#include <QTextStream>

namespace {

QTextStream out(stdout);

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QString describe(const QVariant &value)
{
    if (value.metaType() == QMetaType::fromType<QVariantList>()) {
        QStringList items;
        for (const QVariant &item : value.toList())
            items << describe(item);
        return u'[' + items.join(QStringLiteral(", ")) + u']';
    }
    if (value.metaType() == QMetaType::fromType<QVariantMap>()) {
        const QVariantMap map = value.toMap();
        QStringList items;
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            items << it.key() + QStringLiteral(": ") + describe(it.value());
        return u'{' + items.join(QStringLiteral(", ")) + u'}';
    }
    return value.toString();
}

// Opens a map on the JSON file and waits for it: a console program has nothing else to do.
// (A GUI connects to PersistentMap::statusChanged instead.)
bool waitUntilReady(PersistentMap &map)
{
    try {
        map.whenReady().waitForFinished();
        return true;
    } catch (const PersistentMapError &e) {
        out << "Cannot open the store: " << e.message() << Qt::endl;
        return false;
    }
}

bool firstStart(const QString &path)
{
    out << "== Start 1: write through the map" << Qt::endl;
    PersistentMap map(std::make_unique<JsonFileBackend>(path));
    if (!waitUntilReady(map))
        return false;
    out << "Loaded " << map.count() << " entries from " << QDir::toNativeSeparators(path)
        << Qt::endl;

    const int runs = map.get<int>(QStringLiteral("runs")).value_or(0) + 1;
    out << "This is run number " << runs << Qt::endl;

    // Single writes are coalesced into batches: the backend's apply() writes the file once
    // per batch, not once per insert.
    map.insert(QStringLiteral("runs"), runs);
    map.insert(QStringLiteral("lastRun"), QDateTime::currentDateTimeUtc());
    map.insert(QStringLiteral("scratch"), QStringLiteral("to be removed"));
    map.remove(QStringLiteral("scratch"));

    // An atomic batch: one apply() call, one QSaveFile commit.
    PersistentMapWriteBatch batch;
    batch.insert(QStringLiteral("greeting"), QStringLiteral("hello, world"));
    batch.insert(QStringLiteral("tags"), QStringList{QStringLiteral("json"), QStringLiteral("qt")});
    batch.insert(QStringLiteral("window"),
                 QVariantMap{{QStringLiteral("width"), 800}, {QStringLiteral("height"), 560}});
    map.apply(batch);

    // JSON cannot hold every QVariant: the backend's canStore() refuses the write before it is
    // queued, so it fails with Code::Unsupported and the map does not change.
    try {
        map.insert(QStringLiteral("position"), QVariant::fromValue(QPoint(3, 4))).waitForFinished();
    } catch (const PersistentMapError &e) {
        out << "Refused: " << e.message() << Qt::endl;
    }
    out << "contains(\"position\") = " << map.contains(QStringLiteral("position")) << Qt::endl;

    map.flush().waitForFinished();
    out << "Flushed " << map.count() << " entries; the file now holds:" << Qt::endl
        << QString::fromUtf8(readFile(path));
    return true;
} // the destructor commits anything still pending and deletes the backend

bool secondStart(const QString &path)
{
    out << Qt::endl << "== Start 2: a new map on the same file" << Qt::endl;
    PersistentMap map(std::make_unique<JsonFileBackend>(path));
    if (!waitUntilReady(map))
        return false;
    // JSON has no int: numbers come back as qlonglong or double, and get<int>() converts them.
    QStringList keys = map.keys();
    keys.sort();
    for (const QString &key : std::as_const(keys)) {
        const QVariant value = map.value(key);
        out << "  " << key << " = " << describe(value) << "  (" << value.typeName() << ')'
            << Qt::endl;
    }
    out << "get<int>(\"runs\") = " << map.get<int>(QStringLiteral("runs")).value_or(-1) << Qt::endl;
    return true;
}

bool brokenFile(const QString &path)
{
    out << Qt::endl << "== A file that is not JSON" << Qt::endl;
    const QByteArray broken = "{ \"greeting\": \"hello\", oops }\n";
    {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(broken) < 0) {
            out << "Cannot write " << path << ": " << file.errorString() << Qt::endl;
            return false;
        }
    }
    PersistentMap map(std::make_unique<JsonFileBackend>(path));
    try {
        map.whenReady().waitForFinished();
    } catch (const PersistentMapError &e) {
        const bool corrupt = e.code() == PersistentMapError::Code::Corrupt;
        out << "whenReady() failed (Code::Corrupt: " << (corrupt ? "yes" : "no")
            << "): " << e.message() << Qt::endl;
    }
    out << "status: Error = " << (map.status() == PersistentMap::Status::Error ? "yes" : "no")
        << ", errorString: " << map.errorString() << Qt::endl;

    // The map still works in memory; writes fail their futures with the same error.
    map.insert(QStringLiteral("greeting"), QStringLiteral("in memory only"));
    bool writeFailed = false;
    try {
        map.flush().waitForFinished();
    } catch (const PersistentMapError &) {
        writeFailed = true;
    }
    out << "in memory: greeting = " << map.value(QStringLiteral("greeting")).toString()
        << ", flush() failed: " << (writeFailed ? "yes" : "no") << Qt::endl;

    out << "file left unchanged: " << (readFile(path) == broken ? "yes" : "no") << Qt::endl;
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("persistent-map"));
    QCoreApplication::setApplicationName(QStringLiteral("custom-backend"));

    const QString path =
            QFileInfo(app.arguments().size() > 1
                              ? app.arguments().at(1)
                              : QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                                      QStringLiteral("/store.json"))
                    .absoluteFilePath();
    const QString brokenPath = QFileInfo(path).absolutePath() + QStringLiteral("/broken.json");

    return firstStart(path) && secondStart(path) && brokenFile(brokenPath) ? 0 : 1;
}
