// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Test support, not part of the example: what ctest (PM_EXAMPLE_SMOKE=1) and
// scripts/screenshots.sh (PM_EXAMPLE_SCREENSHOT=FILE) do with the running window, through the
// harness in ../shared/examplesupport.h.
#include "examplesupport.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapModel>

#include <QDateTime>
#include <QEventLoop>
#include <QGuiApplication>
#include <QImage>
#include <QQuickWindow>

using ExampleSupport::check;

namespace {

QQuickWindow *window()
{
    return ExampleSupport::firstOf<QQuickWindow>(QGuiApplication::topLevelWindows());
}

// The list's model, Main.qml's notesModel.
PersistentMapModel *notesModel()
{
    QQuickWindow *notes = window();
    return notes ? qvariant_cast<PersistentMapModel *>(notes->property("notesModel")) : nullptr;
}

// The UI's own operations (the functions its buttons and fields call), checked in the model
// the ListView shows and in the map behind it; then a resize, which PersistentSettings stores.
bool exerciseUi(PersistentMap *map)
{
    QQuickWindow *notes = window();
    PersistentMapModel *model = notesModel();
    const int before = model->rowCount();
    QVariant key;
    QMetaObject::invokeMethod(notes, "addNote", Q_RETURN_ARG(QVariant, key),
                              Q_ARG(QVariant, QStringLiteral("Smoke test")),
                              Q_ARG(QVariant, QStringLiteral("first line")));
    const QString added = key.toString();
    bool ok = check(added.startsWith(QStringLiteral("note/")), "addNote returned a note key") &&
            check(model->rowCount() == before + 1, "the list shows one more note") &&
            check(model->indexOf(added) >= 0, "the list shows the new note") &&
            check(map->value(added).toMap().value(QStringLiteral("title")) ==
                          QStringLiteral("Smoke test"),
                  "the note reached the map") &&
            check(map->value(added).toMap().value(QStringLiteral("modified")).metaType() ==
                          QMetaType::fromType<QDateTime>(),
                  "modified is stored as a date-time");
    if (!ok)
        return false;

    QMetaObject::invokeMethod(notes, "updateNote", Q_ARG(QVariant, added),
                              Q_ARG(QVariant, QStringLiteral("Smoke test, edited")),
                              Q_ARG(QVariant, QStringLiteral("second line")));
    const QModelIndex index = model->index(model->indexOf(added));
    ok = check(model->data(index, PersistentMapModel::ValueRole)
                               .toMap()
                               .value(QStringLiteral("title")) ==
                       QStringLiteral("Smoke test, edited"),
               "the model shows the edit");

    QMetaObject::invokeMethod(notes, "deleteNote", Q_ARG(QVariant, added));
    ok = ok && check(!map->contains(added), "the note was deleted") &&
            check(model->rowCount() == before, "the list dropped the note");
    if (!ok)
        return false;

    // The schema's text size: the default until set, stored as an int, refused out of range,
    // back to the default after a reset (Main.qml's setFontSize() and resetFontSize()).
    const QString fontKey = QStringLiteral("editor/fontSize");
    ok = check(map->value(fontKey) == QVariant(12) && map->isDefault(fontKey),
               "the text size reads the schema's default") &&
            check(map->value(QStringLiteral("app/seeded")) == QVariant(true),
                  "the seeded flag was stored");
    QMetaObject::invokeMethod(notes, "setFontSize", Q_ARG(QVariant, 16));
    ok = ok && check(map->value(fontKey) == QVariant(16), "the new text size reached the map");
    QMetaObject::invokeMethod(notes, "setFontSize", Q_ARG(QVariant, 99));
    ok = ok && check(map->value(fontKey) == QVariant(16), "a size out of range was refused");
    QMetaObject::invokeMethod(notes, "resetFontSize");
    ok = ok &&
            check(map->isDefault(fontKey) && map->value(fontKey) == QVariant(12),
                  "the text size is back to its default");
    if (!ok)
        return false;

    // A resize reaches the window through the platform, later; PersistentSettings writes the
    // new width to the map.
    const int width = notes->width() + 20;
    const QString widthKey = QStringLiteral("window/width");
    bool stored = false;
    return check(ExampleSupport::waitUntil([&] { return stored; },
                                           [&](QEventLoop &loop) {
                                               QObject::connect(map, &PersistentMap::valueChanged,
                                                                &loop, [&](const QString &changed) {
                                                                    if (changed == widthKey)
                                                                        stored = true;
                                                                    loop.quit();
                                                                });
                                               notes->setWidth(width);
                                           }),
                 "the window's width was written") &&
            check(map->value(widthKey).toInt() == width, "the new width reached the map");
}

bool screenshot(PersistentMap *, const QString &file)
{
    // grabWindow() lays out and renders the scene, the loaded notes included.
    return ExampleSupport::savePicture(window()->grabWindow(), file);
}

} // namespace

ExampleSupport::Hooks ExampleSupport::hooks()
{
    Hooks hooks;
    hooks.map = [] {
        PersistentMapModel *model = notesModel();
        return model ? model->map() : nullptr;
    };
    hooks.smoke = exerciseUi;
    hooks.screenshot = screenshot;
    return hooks;
}
