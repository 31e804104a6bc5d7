// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// shared-settings: windows in separate processes editing one store and following each other
// live (Main.qml has the interesting part).
//
//   shared-settings [--store SPEC | --postgres URL]  a window, and a second process with another
//   shared-settings --single ...                      this window only
//   shared-settings --smoke ...                       prove the following with a second process
//   shared-settings --screenshot FILE ...             both windows side by side in one picture
//
// The default store is shared-settings.db in the application data folder. --smoke and
// --screenshot start this program again with --peer: a window that runs the --step actions it
// is given (wait until it shows a value, change a setting through its UI, save a picture) and
// reports each on standard output.
#include <PersistentMap/PersistentMap>

#include <QCommandLineParser>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QProcess>
#include <QQmlApplicationEngine>
#include <QQmlProperty>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QUrl>
#include <QUrlQuery>

#include <algorithm>
#include <cstdio>
#include <functional>

namespace {

// The bound for one step of --smoke and --screenshot: generous, for a loaded machine. A change
// usually shows in the other process within one watch interval (50 ms).
constexpr int Timeout = 10000;

int warningCount = 0;
QtMessageHandler defaultHandler = nullptr;

// --smoke, --screenshot and --peer fail on any warning, QML ones included.
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
    std::fprintf(stderr,
                 "shared-settings: the window did not load. If Qt says that module "
                 "\"PersistentMap\" is not "
                 "installed, add the folder holding PersistentMap/qmldir (<prefix>/lib/qml of an "
                 "installed package) to QML_IMPORT_PATH. Searched: %s\n",
                 qPrintable(engine.importPathList().join(QStringLiteral(", "))));
}

bool check(bool condition, const char *what)
{
    if (!condition)
        std::fprintf(stderr, "shared-settings: check failed: %s\n", what);
    return condition;
}

void say(const QString &line)
{
    std::fputs(qUtf8Printable(line + u'\n'), stdout);
    std::fflush(stdout);
}

// --postgres URL: the postgres:// spec of the PostgreSQL backend, in a table of this example's
// unless the URL names one.
QString postgresSpec(QString url)
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
    explicit Launcher(QString spec)
        : m_spec(std::move(spec))
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

// Runs the event loop until done() holds, looking again whenever wakeOn() connected something
// to the loop's quit(); false after `timeout` ms.
bool runUntil(const std::function<bool()> &done, const std::function<void(QEventLoop &)> &wakeOn,
              int timeout = Timeout)
{
    QEventLoop loop;
    QTimer deadline;
    deadline.setSingleShot(true);
    QObject::connect(&deadline, &QTimer::timeout, &loop, &QEventLoop::quit);
    wakeOn(loop);
    deadline.start(timeout);
    while (!done()) {
        if (!deadline.isActive())
            return false;
        loop.exec();
    }
    return true;
}

// Waits for a binding of the window (shownTheme, shownFontSize, ...) to show `value`.
bool waitForShown(QObject *window, const QString &name, const QString &value)
{
    const QQmlProperty property(window, name);
    return runUntil([&] { return property.read().toString() == value; },
                    [&](QEventLoop &loop) { property.connectNotifySignal(&loop, SLOT(quit())); });
}

// A change made the way the window's controls make it.
void change(QObject *window, const QString &name, const QVariant &value)
{
    QMetaObject::invokeMethod(window, "change", Q_ARG(QVariant, name), Q_ARG(QVariant, value));
}

// The other process of --smoke and --screenshot: this program with --peer and its steps.
class Peer
{
public:
    Peer(const QString &spec, const QStringList &steps)
    {
        QStringList arguments{QStringLiteral("--peer"), QStringLiteral("--store"), spec};
        for (const QString &step : steps)
            arguments << QStringLiteral("--step") << step;
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel); // its warnings show
        m_process.start(QCoreApplication::applicationFilePath(), arguments);
    }
    ~Peer()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }
    qint64 processId() const { return m_process.processId(); }

    // Reads the peer's reports until one starts with `prefix`; false when it ends first or
    // after the timeout.
    bool waitFor(const QString &prefix)
    {
        QDeadlineTimer deadline(Timeout);
        for (;;) {
            while (m_process.canReadLine()) {
                const QString line = QString::fromUtf8(m_process.readLine()).trimmed();
                if (line.startsWith(prefix))
                    return true;
                if (line.startsWith(QLatin1String("error"))) {
                    std::fprintf(stderr, "shared-settings: the other process: %s\n",
                                 qPrintable(line));
                    break;
                }
            }
            if (deadline.hasExpired() || !m_process.waitForReadyRead(int(deadline.remainingTime())))
                break;
        }
        std::fprintf(stderr, "shared-settings: the other process did not report \"%s\"\n",
                     qPrintable(prefix));
        return false;
    }

    // True when the peer ran every step and exited cleanly (it fails on any warning).
    bool finish()
    {
        // waitForFinished() is false for a process that has already finished.
        const bool finished =
                m_process.state() == QProcess::NotRunning || m_process.waitForFinished(Timeout);
        if (finished && m_process.exitStatus() == QProcess::NormalExit && m_process.exitCode() == 0)
            return true;
        std::fprintf(stderr, "shared-settings: the other process failed (exit code %d): %s\n",
                     m_process.exitCode(), qPrintable(m_process.errorString()));
        return false;
    }

private:
    QProcess m_process;
};

// --peer: runs the steps in order and reports each. "expect:NAME=VALUE" waits until the window
// shows VALUE (shownNAME), "set:NAME=VALUE" changes a setting through the UI, "grab:FILE" saves
// a picture of the window.
bool runPeer(QQuickWindow *window, const QStringList &steps)
{
    say(QStringLiteral("ready"));
    for (const QString &step : steps) {
        const QString verb = step.section(u':', 0, 0);
        const QString argument = step.section(u':', 1);
        const QString name = argument.section(u'=', 0, 0);
        const QString value = argument.section(u'=', 1);
        if (verb == u"expect") {
            const QString shown = QStringLiteral("shown") + name.left(1).toUpper() + name.mid(1);
            if (!waitForShown(window, shown, value)) {
                say(QStringLiteral("error\t%1 is \"%2\", not \"%3\"")
                            .arg(shown, window->property(shown.toLatin1()).toString(), value));
                return false;
            }
            say(QStringLiteral("seen\t") + name);
        } else if (verb == u"set") {
            change(window, name, value);
            say(QStringLiteral("done\t") + name);
        } else if (verb == u"grab") {
            if (!window->grabWindow().save(argument)) {
                say(QStringLiteral("error\tcannot write ") + argument);
                return false;
            }
            say(QStringLiteral("grabbed\t") + argument);
        } else {
            say(QStringLiteral("error\tunknown step ") + step);
            return false;
        }
    }
    return true;
}

// --smoke: a change made in this window shows in the other process's window, and changes made
// there show here, each through the windows' bindings.
bool runSmoke(QQuickWindow *window, PersistentMap *map, const QString &spec)
{
    // Values that differ from what the store holds, so that a rerun on the same store proves
    // the same.
    const QString message =
            QStringLiteral("Hello from process %1 at %2")
                    .arg(QCoreApplication::applicationPid())
                    .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss.zzz")));
    const int fontSize = window->property("shownFontSize").toInt() == 30 ? 31 : 30;
    const QString theme = window->property("shownTheme").toString() == u"Plum"
            ? QStringLiteral("Indigo")
            : QStringLiteral("Plum");
    Peer peer(spec,
              {QStringLiteral("expect:message=") + message,
               QStringLiteral("set:fontSize=%1").arg(fontSize),
               QStringLiteral("set:theme=") + theme});
    if (!peer.waitFor(QStringLiteral("ready")))
        return false;

    change(window, QStringLiteral("message"), message);
    if (!check(map->value(QStringLiteral("shared/message")) == message,
               "the message reached the map") ||
        !check(peer.waitFor(QStringLiteral("seen\tmessage")),
               "the other process's window showed this window's message"))
        return false;

    const QString peerId = QString::number(peer.processId());
    return check(waitForShown(window, QStringLiteral("shownFontSize"), QString::number(fontSize)),
                 "this window showed the font size set in the other process") &&
            check(waitForShown(window, QStringLiteral("shownTheme"), theme),
                  "this window showed the theme set in the other process") &&
            check(runUntil(
                          [&] {
                              return window->property("shownLastChange")
                                      .toString()
                                      .contains(peerId);
                          },
                          [&](QEventLoop &loop) {
                              QQmlProperty(window, QStringLiteral("shownLastChange"))
                                      .connectNotifySignal(&loop, SLOT(quit()));
                          }),
                  "this window named the other process as the last writer") &&
            peer.finish();
}

// --screenshot: the other process changes the settings, this window follows; both windows,
// side by side (this one on the left), in one picture.
bool runScreenshot(QQuickWindow *window, const QString &spec, const QString &file)
{
    QTemporaryDir scratch;
    const QString peerImage = scratch.filePath(QStringLiteral("peer.png"));
    const QString message = QStringLiteral("Edited in one window, shown in both");
    Peer peer(spec,
              {QStringLiteral("set:theme=Indigo"), QStringLiteral("set:fontSize=26"),
               QStringLiteral("set:message=") + message, QStringLiteral("grab:") + peerImage});
    if (!peer.waitFor(QStringLiteral("grabbed")) || !peer.finish() ||
        !check(waitForShown(window, QStringLiteral("shownMessage"), message) &&
                       waitForShown(window, QStringLiteral("shownTheme"),
                                    QStringLiteral("Indigo")) &&
                       waitForShown(window, QStringLiteral("shownFontSize"), QStringLiteral("26")),
               "this window followed the other process"))
        return false;

    const QImage left = window->grabWindow();
    const QImage right(peerImage);
    constexpr int Margin = 16;
    QImage both(left.width() + right.width() + 3 * Margin,
                std::max(left.height(), right.height()) + 2 * Margin, QImage::Format_RGB32);
    both.fill(QColor(0xd5, 0xd9, 0xde));
    QPainter painter(&both);
    painter.drawImage(Margin, Margin, left);
    painter.drawImage(left.width() + 2 * Margin, Margin, right);
    painter.end();
    return check(!left.isNull() && !right.isNull(), "both windows were grabbed") &&
            check(both.save(file), "the picture was written");
}

} // namespace

int main(int argc, char *argv[])
{
    defaultHandler = qInstallMessageHandler(countingHandler);
    QGuiApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("persistent-map"));
    QCoreApplication::setApplicationName(QStringLiteral("shared-settings"));
    if (qEnvironmentVariableIsEmpty("QT_QUICK_CONTROLS_STYLE"))
        QQuickStyle::setStyle(QStringLiteral("Fusion"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
            QStringLiteral("Windows in two processes sharing settings through one store."));
    parser.addHelpOption();
    const QCommandLineOption storeOption(
            QStringLiteral("store"),
            QStringLiteral("The store, as PersistentMapBackend::create() takes it (default: "
                           "sqlite:shared-settings.db in the application data folder)."),
            QStringLiteral("spec"));
    const QCommandLineOption postgresOption(
            QStringLiteral("postgres"),
            QStringLiteral("A PostgreSQL store: postgres://user@host:port/db[?table=name]."),
            QStringLiteral("url"));
    const QCommandLineOption singleOption(QStringLiteral("single"),
                                          QStringLiteral("Open this window only."));
    const QCommandLineOption smokeOption(
            QStringLiteral("smoke"),
            QStringLiteral("Check with a second process that both windows follow each other, "
                           "and quit."));
    const QCommandLineOption screenshotOption(
            QStringLiteral("screenshot"),
            QStringLiteral("Save a picture of two windows following each other and quit."),
            QStringLiteral("file"));
    QCommandLineOption peerOption(QStringLiteral("peer"),
                                  QStringLiteral("Run the --step actions and quit."));
    QCommandLineOption stepOption(QStringLiteral("step"), QStringLiteral("A --peer action."),
                                  QStringLiteral("action"));
    peerOption.setFlags(QCommandLineOption::HiddenFromHelp);
    stepOption.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOptions({storeOption, postgresOption, singleOption, smokeOption, screenshotOption,
                       peerOption, stepOption});
    parser.process(app);
    if (parser.isSet(storeOption) && parser.isSet(postgresOption)) {
        std::fprintf(stderr, "shared-settings: give --store or --postgres, not both\n");
        return 2;
    }
    const bool smoke = parser.isSet(smokeOption);
    const bool peer = parser.isSet(peerOption);
    const QString screenshot = parser.value(screenshotOption);

    QString spec = parser.value(storeOption);
    if (parser.isSet(postgresOption))
        spec = postgresSpec(parser.value(postgresOption));
    else if (spec.isEmpty())
        spec = QStringLiteral("sqlite:") +
                QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                QStringLiteral("/shared-settings.db");

    QQmlApplicationEngine engine;
    // `import PersistentMap` is found through the standard QML import path: the PersistentMap
    // folder next to this executable (the build tree copies it there), QML_IMPORT_PATH, or Qt's
    // own QML folder.
    engine.setInitialProperties(
            {{QStringLiteral("storeSource"), spec},
             {QStringLiteral("processId"), int(QCoreApplication::applicationPid())}});
    engine.load(QUrl(QStringLiteral("qrc:/SharedSettings/Main.qml")));
    if (engine.rootObjects().isEmpty()) {
        printImportHint(engine);
        return 1;
    }
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
    // The window's "Open another window" button.
    Launcher launcher(spec);
    QObject::connect(window, SIGNAL(anotherWindowRequested()), &launcher, SLOT(openWindow()));
    if (!smoke && !peer && screenshot.isEmpty()) {
        // A store that cannot be opened shows its error in the window.
        if (!parser.isSet(singleOption))
            launcher.openWindow();
        return app.exec();
    }

    // --smoke, --screenshot, --peer: wait for the store (a signal, not a timer), then act.
    QObject *store = qvariant_cast<QObject *>(window->property("store"));
    PersistentMap *map = qvariant_cast<PersistentMap *>(store->property("map")); // null: no backend
    const bool loaded = map &&
            runUntil([map] { return map->status() != PersistentMap::Status::Loading; },
                     [map](QEventLoop &loop) {
                         QObject::connect(map, &PersistentMap::statusChanged, &loop,
                                          &QEventLoop::quit);
                     });
    if (!loaded || map->status() != PersistentMap::Status::Ready) {
        std::fprintf(stderr, "shared-settings: cannot open %s: %s\n", qPrintable(spec),
                     qPrintable(store->property("errorString").toString()));
        return 1;
    }
    bool ok = false;
    if (peer)
        ok = runPeer(window, parser.values(stepOption));
    else if (smoke)
        ok = runSmoke(window, map, spec);
    else
        ok = runScreenshot(window, spec, screenshot);

    // Quit when everything written is on disk.
    try {
        map->flush().waitForFinished();
    } catch (const PersistentMapError &e) {
        std::fprintf(stderr, "shared-settings: flush failed: %s\n", qPrintable(e.message()));
        ok = false;
    }
    return ok && check(warningCount == 0, "no warnings") ? 0 : 1;
}

#include "main.moc"
