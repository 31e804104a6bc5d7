// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// qml-notes: a Qt Quick Controls notes app on a PersistentMap (Main.qml has the interesting part).
//
//   qml-notes [PATH]    PATH defaults to notes.db in the application data folder
#include <QDir>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QStandardPaths>

#include <cstdio>

int main(int argc, char *argv[])
{
    QGuiApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("persistent-map"));
    QCoreApplication::setApplicationName(QStringLiteral("qml-notes"));
    if (qEnvironmentVariableIsEmpty("QT_QUICK_CONTROLS_STYLE"))
        QQuickStyle::setStyle(QStringLiteral("Fusion"));

    const QString path = app.arguments().size() > 1
            ? QDir(app.arguments().at(1)).absolutePath()
            : QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                    QStringLiteral("/notes.db");

    // `import PersistentMap` is found through the standard QML import path: the PersistentMap
    // folder next to this executable (the build tree copies it there), QML_IMPORT_PATH, or Qt's
    // own QML folder. Main.qml opens the store and seeds it on a first run.
    QQmlApplicationEngine engine;
    engine.setInitialProperties(
            {{QStringLiteral("storeSource"), QStringLiteral("sqlite:") + path}});
    engine.load(QUrl(QStringLiteral("qrc:/NotesApp/Main.qml")));
    if (engine.rootObjects().isEmpty()) {
        // The usual cause: Qt said that module "PersistentMap" is not installed.
        std::fprintf(stderr,
                     "qml-notes: the window did not load. Add the folder holding "
                     "PersistentMap/qmldir (<prefix>/lib/qml of an installed package) to "
                     "QML_IMPORT_PATH. Searched: %s\n",
                     qPrintable(engine.importPathList().join(QStringLiteral(", "))));
        return 1;
    }
    return app.exec();
}
