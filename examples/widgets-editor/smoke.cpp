// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Test support, not part of the example: what ctest (PM_EXAMPLE_SMOKE=1) and
// scripts/screenshots.sh (PM_EXAMPLE_SCREENSHOT=FILE) do with the running editor, through the
// harness in ../shared/examplesupport.h.
#include "editorwindow.h"
#include "examplesupport.h"
#include "preferencesdialog.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapDelayedView>
#include <PersistentMap/PersistentMapModel>

#include <QApplication>
#include <QCheckBox>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QEventLoop>
#include <QLineEdit>
#include <QPixmap>
#include <QPushButton>
#include <QSpinBox>
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

// The word-wrap box bound with bind(), and the Preferences dialog's Cancel and OK.
bool exercisePreferences(PersistentMap *map)
{
    EditorWindow *window = editorWindow();
    const QString fontSize = QStringLiteral("editor/fontSize");
    const QString wordWrap = QStringLiteral("editor/wordWrap");
    QCheckBox *mainWrap = window->wordWrapBox();
    bool ok = check(mainWrap->isChecked() == map->value(wordWrap).toBool(),
                    "the bound box shows editor/wordWrap");
    mainWrap->click();
    ok = ok &&
            check(map->value(wordWrap) == QVariant(mainWrap->isChecked()),
                  "a click on the bound box reached the map");
    mainWrap->click();

    window->preferencesButton()->click();
    PreferencesDialog *dialog = window->preferencesDialog();
    if (!check(dialog && dialog->isVisible(), "Preferences... opened the dialog"))
        return false;
    const QVariant sizeBefore = map->value(fontSize);
    ok = ok &&
            check(QVariant(dialog->fontSizeBox()->value()) == sizeBefore,
                  "the dialog shows the stored font size");
    dialog->fontSizeBox()->setValue(sizeBefore.toInt() + 3);
    dialog->wordWrapBox()->setChecked(!mainWrap->isChecked());
    QPushButton *apply = dialog->buttons()->button(QDialogButtonBox::Apply);
    ok = ok &&
            check(map->value(fontSize) == sizeBefore, "the map does not see the dialog's edit") &&
            check(dialog->view()->hasUnapplied() && apply->isEnabled(),
                  "the dialog has something to apply");
    dialog->buttons()->button(QDialogButtonBox::Cancel)->click();
    ok = ok && check(!dialog->isVisible(), "Cancel closed the dialog") &&
            check(QVariant(dialog->fontSizeBox()->value()) == sizeBefore,
                  "Cancel put the stored font size back") &&
            check(map->value(fontSize) == sizeBefore, "Cancel wrote nothing") &&
            check(!apply->isEnabled(), "nothing left to apply after Cancel");

    window->preferencesButton()->click();
    const bool wrapBefore = mainWrap->isChecked();
    dialog->fontSizeBox()->setValue(sizeBefore.toInt() + 4);
    dialog->wordWrapBox()->setChecked(!wrapBefore);
    ok = ok && check(mainWrap->isChecked() == wrapBefore, "the main window waits for OK");
    dialog->buttons()->button(QDialogButtonBox::Ok)->click();
    return ok &&
            check(map->value(fontSize) == QVariant(sizeBefore.toInt() + 4),
                  "OK wrote the font size") &&
            check(map->value(wordWrap) == QVariant(!wrapBefore), "OK wrote word wrap") &&
            check(mainWrap->isChecked() == !wrapBefore, "the bound box followed OK");
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
    hooks.smoke = [](PersistentMap *map) { return exerciseUi(map) && exercisePreferences(map); };
    hooks.screenshot = screenshot;
    return hooks;
}
