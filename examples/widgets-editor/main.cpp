// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// widgets-editor: a Qt Widgets key/value editor over a PersistentMap on a SQLite file.
//
//   widgets-editor [PATH]                   PATH defaults to editor.db in the app data folder
//   widgets-editor --smoke [PATH]           load, add/edit/remove through the UI, exit 0 or 1
//   widgets-editor --screenshot FILE [PATH] load, save a picture of the window, exit
//
// The store loads in the background: the window opens at once and fills when the map becomes
// Ready. A store that is empty then gets a few example entries, so the editor never opens empty.
#include "editorwindow.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapModel>
#include <PersistentMap/PersistentMapSqliteBackend>

#include <QApplication>
#include <QCommandLineParser>
#include <QDateTime>
#include <QDir>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QPushButton>
#include <QStandardPaths>
#include <QTableView>

#include <cstdio>

namespace {

int warningCount = 0;
QtMessageHandler defaultHandler = nullptr;

// --smoke and --screenshot fail on any warning: a clean run prints none.
void countingHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    // Qt 6.4's offscreen platform plugin says this whenever a window gets size limits (every
    // QMainWindow's layout sets some): it is about the plugin, so neither counted nor shown.
    if (message == QLatin1String("This plugin does not support propagateSizeHints()"))
        return;
    // Qt's notes about the machine's runtime folder (XDG_RUNTIME_DIR unset, as in many CI
    // containers, chroots and sudo sessions) are about the environment, not the example: shown,
    // not counted.
    const bool environment = message.startsWith(QLatin1String("QStandardPaths: ")) &&
            (message.contains(QLatin1String("XDG_RUNTIME_DIR")) ||
             message.contains(QLatin1String("runtime directory")));
    if (!environment && (type == QtWarningMsg || type == QtCriticalMsg || type == QtFatalMsg))
        ++warningCount;
    defaultHandler(type, context, message);
}

void seedIfEmpty(PersistentMap &map)
{
    if (!map.isEmpty())
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

bool check(bool condition, const char *what)
{
    if (!condition)
        std::fprintf(stderr, "smoke check failed: %s\n", what);
    return condition;
}

// Quits when everything written so far is on disk: with 0 if ok and nothing warned, else 1.
void quitWhenFlushed(PersistentMap *map, bool ok)
{
    map->flush()
            .then(map,
                  [ok] {
                      QCoreApplication::exit(ok && check(warningCount == 0, "no warnings") ? 0 : 1);
                  })
            .onFailed(map, [](const PersistentMapError &e) {
                std::fprintf(stderr, "flush failed: %s\n", qPrintable(e.message()));
                QCoreApplication::exit(1);
            });
}

// One pass through the UI as a user would make it, checking that each change reached the map.
bool exerciseUi(EditorWindow &window, PersistentMap &map)
{
    PersistentMapModel *model = window.model();
    const QString key = QStringLiteral("smoke/answer");

    window.keyEdit()->setText(key);
    window.valueEdit()->setText(QStringLiteral("42"));
    window.addButton()->click();
    bool ok = check(map.value(key) == QVariant(42), "Add wrote an int to the map") &&
            check(model->indexOf(key) >= 0, "the model shows the added key");

    // An edit in the table goes through the model's setData(), as the delegate does it.
    const int nameRow = model->indexOf(QStringLiteral("user/name"));
    ok = ok && check(nameRow >= 0, "the seeded user/name is shown") &&
            check(model->setData(model->index(nameRow), QStringLiteral("Grace Hopper")),
                  "setData accepted the edit") &&
            check(map.value(QStringLiteral("user/name")) == QStringLiteral("Grace Hopper"),
                  "the edit reached the map");

    // Add selected the new row; remove it again.
    ok = ok && check(window.removeButton()->isEnabled(), "a row is selected after Add");
    window.removeButton()->click();
    ok = ok && check(!map.contains(key), "Remove selected removed the key") &&
            check(model->indexOf(key) < 0, "the model dropped the row");
    return ok;
}

} // namespace

int main(int argc, char *argv[])
{
    defaultHandler = qInstallMessageHandler(countingHandler);
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("persistent-map"));
    QCoreApplication::setApplicationName(QStringLiteral("widgets-editor"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("A key/value editor over a PersistentMap."));
    parser.addHelpOption();
    const QCommandLineOption smokeOption(
            QStringLiteral("smoke"),
            QStringLiteral("Load, make a change through the UI, check it, and quit."));
    const QCommandLineOption screenshotOption(
            QStringLiteral("screenshot"), QStringLiteral("Save a picture of the window and quit."),
            QStringLiteral("file"));
    parser.addOption(smokeOption);
    parser.addOption(screenshotOption);
    parser.addPositionalArgument(QStringLiteral("path"),
                                 QStringLiteral("The SQLite store (default: editor.db in the "
                                                "application data folder)."));
    parser.process(app);

    const QString path = parser.positionalArguments().isEmpty()
            ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                    QStringLiteral("/editor.db")
            : QDir(parser.positionalArguments().constFirst()).absolutePath();

    PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
    EditorWindow window(&map, path);
    window.show();

    const bool smoke = parser.isSet(smokeOption);
    const QString screenshot = parser.value(screenshotOption);
    bool done = false;
    const auto onLoaded = [&] {
        if (done || map.status() == PersistentMap::Status::Loading)
            return;
        done = true;
        if (map.status() == PersistentMap::Status::Error) {
            // The window says why; the automated runs fail.
            if (smoke || !screenshot.isEmpty()) {
                std::fprintf(stderr, "cannot open %s: %s\n", qPrintable(path),
                             qPrintable(map.errorString()));
                app.exit(1);
            }
            return;
        }
        seedIfEmpty(map);
        if (smoke) {
            quitWhenFlushed(&map, exerciseUi(window, map));
        } else if (!screenshot.isEmpty()) {
            window.view()->selectRow(window.model()->indexOf(QStringLiteral("audio/volume")));
            // Queued: the view lays out its new rows before the picture is taken.
            QMetaObject::invokeMethod(
                    &window,
                    [&] {
                        const bool saved = window.grab().save(screenshot);
                        if (!saved)
                            std::fprintf(stderr, "cannot write %s\n", qPrintable(screenshot));
                        app.exit(saved && warningCount == 0 ? 0 : 1);
                    },
                    Qt::QueuedConnection);
        }
    };
    // Queued: a write made inside a slot of the map's own signal is announced (to the model,
    // too) only after that slot returns, and the smoke test wants to see its changes at once.
    QObject::connect(&map, &PersistentMap::statusChanged, &window, onLoaded, Qt::QueuedConnection);
    // In case it is loaded already; queued, so that app.exit() comes after app.exec().
    QMetaObject::invokeMethod(&window, onLoaded, Qt::QueuedConnection);

    return app.exec();
}
