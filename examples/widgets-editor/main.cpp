// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// widgets-editor: a Qt Widgets key/value editor over a PersistentMap on a SQLite file
// (editorwindow.cpp has the table, the Add row and Remove selected).
//
//   widgets-editor [PATH]    PATH defaults to editor.db in the application data folder
//
// The store loads in the background: the window opens at once and fills when the map becomes
// Ready. A store that is empty then gets a few example entries, so the editor never opens empty.
#include "editorwindow.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapSqliteBackend>

#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QStandardPaths>

namespace {

void seedIfEmpty(PersistentMap &map)
{
    if (map.status() != PersistentMap::Status::Ready || !map.isEmpty())
        return;
    // One atomic write: after a crash either all of them are stored or none.
    map.insert(QVariantHash{
            {QStringLiteral("app/language"), QStringLiteral("en_GB")},
            {QStringLiteral("app/theme"), QStringLiteral("dark")},
            {QStringLiteral("audio/muted"), false},
            {QStringLiteral("audio/volume"), 0.8},
            {QStringLiteral("editor/fontSize"), 11},
            {QStringLiteral("editor/wordWrap"), true},
            {QStringLiteral("user/email"), QStringLiteral("ada@example.org")},
            {QStringLiteral("user/lastLogin"),
             QDateTime(QDate(2024, 12, 10), QTime(9, 30), Qt::UTC)},
            {QStringLiteral("user/name"), QStringLiteral("Ada Lovelace")},
    });
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("persistent-map"));
    QCoreApplication::setApplicationName(QStringLiteral("widgets-editor"));

    const QString path = app.arguments().size() > 1
            ? QDir(app.arguments().at(1)).absolutePath()
            : QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                    QStringLiteral("/editor.db");

    PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
    EditorWindow window(&map, path);
    window.show();

    // Queued: writes made inside a slot of the map's own signal are announced (to the window's
    // model, too) only after that slot returns; from a queued call they are announced at once.
    QObject::connect(
            &map, &PersistentMap::statusChanged, &window, [&map] { seedIfEmpty(map); },
            Qt::QueuedConnection);

    return app.exec();
}
