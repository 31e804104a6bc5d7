// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Test support, not part of the example: what ctest (PM_EXAMPLE_SMOKE=1) and
// scripts/screenshots.sh (PM_EXAMPLE_SCREENSHOT=FILE) do with the running editor, through the
// harness in ../shared/examplesupport.h.
#include "editorwindow.h"
#include "examplesupport.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapModel>

#include <QApplication>
#include <QCoreApplication>
#include <QEventLoop>
#include <QLineEdit>
#include <QPixmap>
#include <QPushButton>
#include <QTableView>

using ExampleSupport::check;

namespace {

EditorWindow *editorWindow()
{
    return ExampleSupport::firstOf<EditorWindow>(QApplication::topLevelWidgets());
}

// Waits until the window shows the example data main() seeds on a first run.
bool showsSeededData(PersistentMapModel *model)
{
    return ExampleSupport::waitUntil(
            [model] { return model->indexOf(QStringLiteral("user/name")) >= 0; },
            [model](QEventLoop &loop) {
                QObject::connect(model, &QAbstractItemModel::rowsInserted, &loop,
                                 &QEventLoop::quit);
            });
}

// One pass through the UI as a user would make it, checking that each change reached the map.
bool exerciseUi(PersistentMap *map)
{
    EditorWindow *window = editorWindow();
    PersistentMapModel *model = window->model();
    const QString key = QStringLiteral("smoke/answer");
    if (!check(showsSeededData(model), "the seeded user/name is shown"))
        return false;

    window->keyEdit()->setText(key);
    window->valueEdit()->setText(QStringLiteral("42"));
    window->addButton()->click();
    bool ok = check(map->value(key) == QVariant(42), "Add wrote an int to the map") &&
            check(model->indexOf(key) >= 0, "the model shows the added key");

    // An edit in the table goes through the model's setData(), as the delegate does it.
    const int nameRow = model->indexOf(QStringLiteral("user/name"));
    ok = ok &&
            check(model->setData(model->index(nameRow), QStringLiteral("Grace Hopper")),
                  "setData accepted the edit") &&
            check(map->value(QStringLiteral("user/name")) == QStringLiteral("Grace Hopper"),
                  "the edit reached the map");

    // Add selected the new row; remove it again.
    ok = ok && check(window->removeButton()->isEnabled(), "a row is selected after Add");
    window->removeButton()->click();
    return ok && check(!map->contains(key), "Remove selected removed the key") &&
            check(model->indexOf(key) < 0, "the model dropped the row");
}

bool screenshot(PersistentMap *, const QString &file)
{
    EditorWindow *window = editorWindow();
    if (!check(showsSeededData(window->model()), "the seeded user/name is shown"))
        return false;
    window->view()->selectRow(window->model()->indexOf(QStringLiteral("audio/volume")));
    // The view lays out its new rows (posted events) before the picture is taken.
    QCoreApplication::processEvents();
    return ExampleSupport::savePicture(window->grab(), file);
}

} // namespace

ExampleSupport::Hooks ExampleSupport::hooks()
{
    Hooks hooks;
    hooks.map = [] {
        EditorWindow *window = editorWindow();
        return window ? window->model()->map() : nullptr;
    };
    hooks.smoke = exerciseUi;
    hooks.screenshot = screenshot;
    return hooks;
}
