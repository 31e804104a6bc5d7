// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// shared-settings: windows in separate processes editing one store and following each other
// live (Main.qml has the interesting part).
//
//   shared-settings [--store SPEC | --postgres URL]   a window, and a second process with another
//   shared-settings --single ...                       this window only
//
// The default store is shared-settings.db in the application data folder.
#include <QCommandLineParser>
#include <QGuiApplication>
#include <QProcess>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QStandardPaths>
#include <QUrl>
#include <QUrlQuery>

#include <cstdio>

// --postgres URL: the postgres:// spec of the PostgreSQL backend, in a table
// of this example's unless the URL names one.
static QString postgresSpec(QString url)
{
    if (url.startsWith(QLatin1String("postgresql://")))
        url = QStringLiteral("postgres://") + url.mid(13);
    else if (!url.startsWith(QLatin1String("postgres://")))
        url = QStringLiteral("postgres://") + url;
    if (!QUrlQuery(QUrl(url).query()).hasQueryItem(QStringLiteral("table")))
        url += (url.contains(u'?') ? u'&' : u'?') + QStringLiteral("table=shared_settings");
    return url;
}

// "Open another window": this program again, on the same store, with one window.
class Launcher : public QObject
{
    Q_OBJECT
public:
    explicit Launcher(const QString &spec)
        : m_spec(spec)
    {
    }
public Q_SLOTS:
    bool openWindow() const
    {
        return QProcess::startDetached(
                QCoreApplication::applicationFilePath(),
                {QStringLiteral("--single"), QStringLiteral("--store"), m_spec});
    }

private:
    QString m_spec;
};

int main(int argc, char *argv[])
{
    QGuiApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("persistent-map"));
    QCoreApplication::setApplicationName(QStringLiteral("shared-settings"));
    if (qEnvironmentVariableIsEmpty("QT_QUICK_CONTROLS_STYLE"))
        QQuickStyle::setStyle(QStringLiteral("Fusion"));

    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOptions(
            {{QStringLiteral("store"), QStringLiteral("Any PersistentMapBackend::create() spec."),
              QStringLiteral("spec")},
             {QStringLiteral("postgres"), QStringLiteral("postgres://user@host/db"),
              QStringLiteral("url")},
             {QStringLiteral("single"), QStringLiteral("Open this window only.")}});
    parser.process(app);
    if (parser.isSet(QStringLiteral("store")) && parser.isSet(QStringLiteral("postgres"))) {
        std::fprintf(stderr, "shared-settings: give --store or --postgres, not both\n");
        return 2;
    }
    QString spec = parser.isSet(QStringLiteral("postgres"))
            ? postgresSpec(parser.value(QStringLiteral("postgres")))
            : parser.value(QStringLiteral("store"));
    if (spec.isEmpty())
        spec = QStringLiteral("sqlite:") +
                QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                QStringLiteral("/shared-settings.db");

    // `import PersistentMap` is found through the standard QML import path (README.md).
    QQmlApplicationEngine engine;
    engine.setInitialProperties(
            {{QStringLiteral("storeSource"), spec},
             {QStringLiteral("processId"), int(QCoreApplication::applicationPid())}});
    engine.load(QUrl(QStringLiteral("qrc:/SharedSettings/Main.qml")));
    if (engine.rootObjects().isEmpty()) {
        std::fprintf(stderr,
                     "shared-settings: the window did not load. If Qt says that module "
                     "\"PersistentMap\" is not installed, add the folder holding "
                     "PersistentMap/qmldir (<prefix>/lib/qml) to QML_IMPORT_PATH.\n");
        return 1;
    }
    // The window's "Open another window" button; a store that cannot be opened shows its error
    // in the window.
    Launcher launcher(spec);
    QObject::connect(engine.rootObjects().constFirst(), SIGNAL(anotherWindowRequested()), &launcher,
                     SLOT(openWindow()));
    if (!parser.isSet(QStringLiteral("single")))
        launcher.openWindow();
    return app.exec();
}

#include "main.moc"
