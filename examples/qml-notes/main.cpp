// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// qml-notes: a Qt Quick Controls notes app on a PersistentMap (Main.qml has the interesting part).
//
//   qml-notes [PATH]                     PATH defaults to notes.db in the app data folder
//   qml-notes --smoke [PATH]             load, add/edit/delete a note and resize, exit 0 or 1
//   qml-notes --screenshot FILE [PATH]   load, save a picture of the window, exit
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapModel>

#include <QCommandLineParser>
#include <QDir>
#include <QGuiApplication>
#include <QImage>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QStandardPaths>

#include <cstdio>

namespace {

int warningCount = 0;
QtMessageHandler defaultHandler = nullptr;

// --smoke and --screenshot fail on any warning, QML ones included: a clean run prints none.
void countingHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
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

// When the window does not load, the usual cause is a QML module that was not found.
void printImportHint(const QQmlEngine &engine)
{
    std::fprintf(
            stderr,
            "qml-notes: the window did not load. If Qt says that module \"PersistentMap\" is not "
            "installed, add the folder holding PersistentMap/qmldir (<prefix>/lib/qml of an "
            "installed package) to QML_IMPORT_PATH. Searched: %s\n",
            qPrintable(engine.importPathList().join(QStringLiteral(", "))));
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

// The UI's own operations (the functions its buttons and fields call), checked in the model
// the ListView shows and in the map behind it.
bool exerciseUi(QQuickWindow *window, PersistentMapModel *model, PersistentMap *map)
{
    const int before = model->rowCount();
    QVariant key;
    QMetaObject::invokeMethod(window, "addNote", Q_RETURN_ARG(QVariant, key),
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

    QMetaObject::invokeMethod(window, "updateNote", Q_ARG(QVariant, added),
                              Q_ARG(QVariant, QStringLiteral("Smoke test, edited")),
                              Q_ARG(QVariant, QStringLiteral("second line")));
    const QModelIndex index = model->index(model->indexOf(added));
    ok = check(model->data(index, PersistentMapModel::ValueRole)
                               .toMap()
                               .value(QStringLiteral("title")) ==
                       QStringLiteral("Smoke test, edited"),
               "the model shows the edit");

    QMetaObject::invokeMethod(window, "deleteNote", Q_ARG(QVariant, added));
    return ok && check(!map->contains(added), "the note was deleted") &&
            check(model->rowCount() == before, "the list dropped the note");
}

} // namespace

int main(int argc, char *argv[])
{
    defaultHandler = qInstallMessageHandler(countingHandler);
    QGuiApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("persistent-map"));
    QCoreApplication::setApplicationName(QStringLiteral("qml-notes"));
    if (qEnvironmentVariableIsEmpty("QT_QUICK_CONTROLS_STYLE"))
        QQuickStyle::setStyle(QStringLiteral("Fusion"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Notes kept in a PersistentMap."));
    parser.addHelpOption();
    const QCommandLineOption smokeOption(
            QStringLiteral("smoke"),
            QStringLiteral("Load, make changes through the UI, check them, and quit."));
    const QCommandLineOption screenshotOption(
            QStringLiteral("screenshot"), QStringLiteral("Save a picture of the window and quit."),
            QStringLiteral("file"));
    parser.addOption(smokeOption);
    parser.addOption(screenshotOption);
    parser.addPositionalArgument(QStringLiteral("path"),
                                 QStringLiteral("The SQLite store (default: notes.db in the "
                                                "application data folder)."));
    parser.process(app);
    const bool smoke = parser.isSet(smokeOption);
    const QString screenshot = parser.value(screenshotOption);

    const QString path = parser.positionalArguments().isEmpty()
            ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                    QStringLiteral("/notes.db")
            : QDir(parser.positionalArguments().constFirst()).absolutePath();

    QQmlApplicationEngine engine;
    // `import PersistentMap` is found through the standard QML import path: the PersistentMap
    // folder next to this executable (the build tree copies it there), QML_IMPORT_PATH, or Qt's
    // own QML folder.
    engine.setInitialProperties(
            {{QStringLiteral("storeSource"), QStringLiteral("sqlite:") + path}});
    engine.load(QUrl(QStringLiteral("qrc:/NotesApp/Main.qml")));
    if (engine.rootObjects().isEmpty()) {
        printImportHint(engine);
        return 1;
    }
    if (!smoke && screenshot.isEmpty())
        return app.exec();

    // --smoke, --screenshot: wait for the store (a signal, not a timer), then act.
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
    auto *model = qvariant_cast<PersistentMapModel *>(window->property("notesModel"));
    PersistentMap *map = model ? model->map() : nullptr;
    if (!check(map != nullptr, "the notes model has a map"))
        return 1;

    bool done = false;
    const auto onLoaded = [&] {
        if (done || map->status() == PersistentMap::Status::Loading)
            return;
        done = true;
        if (map->status() == PersistentMap::Status::Error) {
            std::fprintf(stderr, "cannot open %s: %s\n", qPrintable(path),
                         qPrintable(map->errorString()));
            app.exit(1);
            return;
        }
        if (smoke) {
            if (!exerciseUi(window, model, map)) {
                app.exit(1);
                return;
            }
            // A resize reaches the window through the platform, later; PersistentSettings
            // writes the new width to the map. Then quit when everything is on disk.
            const int width = window->width() + 20;
            const QString widthKey = QStringLiteral("window/width");
            QObject::connect(map, &PersistentMap::valueChanged, window,
                             [map, width, widthKey](const QString &key, const QVariant &value) {
                                 if (key == widthKey)
                                     quitWhenFlushed(map,
                                                     check(value.toInt() == width,
                                                           "the new width reached the map"));
                             });
            window->setWidth(width);
        } else {
            // grabWindow() lays out and renders the scene, the loaded notes included.
            const bool saved = window->grabWindow().save(screenshot);
            if (!saved)
                std::fprintf(stderr, "cannot write %s\n", qPrintable(screenshot));
            app.exit(saved && warningCount == 0 ? 0 : 1);
        }
    };
    // Queued: the QML seeds the store from its own statusChanged handler, and those writes are
    // announced (to the model, too) after the handlers of the signal have returned.
    QObject::connect(map, &PersistentMap::statusChanged, window, onLoaded, Qt::QueuedConnection);
    QMetaObject::invokeMethod(window, onLoaded, Qt::QueuedConnection);
    return app.exec();
}
