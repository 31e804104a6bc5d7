// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Test support for the examples (examplesupport.h says what it does and when).
#include "examplesupport.h"

#include <PersistentMap/PersistentMap>

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QMetaProperty>
#include <QProcess>
#include <QTimer>

#include <cstdio>
#include <cstdlib>

namespace ExampleSupport {

namespace {

// The bound for one wait: generous, for a loaded machine.
constexpr int Timeout = 10000;

enum class Mode { Off, Smoke, Screenshot, Peer };

Mode mode()
{
    if (!qEnvironmentVariableIsEmpty("PM_EXAMPLE_PEER"))
        return Mode::Peer;
    if (!qEnvironmentVariableIsEmpty("PM_EXAMPLE_SCREENSHOT"))
        return Mode::Screenshot;
    if (qEnvironmentVariableIntValue("PM_EXAMPLE_SMOKE") != 0)
        return Mode::Smoke;
    return Mode::Off;
}

int warningCount = 0;
QtMessageHandler defaultHandler = nullptr;

// A run fails on any warning, QML ones included: a clean run prints none.
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

// Before main(), so that warnings while the application object is made count too.
void installHandler()
{
    if (mode() != Mode::Off)
        defaultHandler = qInstallMessageHandler(countingHandler);
}
Q_CONSTRUCTOR_FUNCTION(installHandler)

// Flushes the map and ends main()'s event loop: 0 if ok and nothing warned, else 1.
void finish(PersistentMap *map, bool ok)
{
    if (map) {
        try {
            map->flush().waitForFinished();
        } catch (const PersistentMapError &e) {
            std::fprintf(stderr, "flush failed: %s\n", qPrintable(e.message()));
            ok = false;
        }
    }
    QCoreApplication::exit(ok && check(warningCount == 0, "no warnings") ? 0 : 1);
}

void run(Mode mode)
{
    const Hooks h = hooks();
    PersistentMap *map = h.map ? h.map() : nullptr;
    if (!check(map != nullptr, "the example's map was found"))
        return finish(nullptr, false);

    // Loaded already (the QML item waits for its store, and the first write delivers the
    // map's signals), or the load ends with a statusChanged() to come.
    bool loaded = map->status() != PersistentMap::Status::Loading;
    if (!waitUntil([&] { return loaded; },
                   [&](QEventLoop &loop) {
                       QObject::connect(map, &PersistentMap::statusChanged, &loop, [&] {
                           loaded = map->status() != PersistentMap::Status::Loading;
                           loop.quit();
                       });
                   })) {
        std::fprintf(stderr, "the store did not load within %d ms\n", Timeout);
        return finish(nullptr, false);
    }
    if (map->status() == PersistentMap::Status::Error) {
        std::fprintf(stderr, "cannot open the store: %s\n", qPrintable(map->errorString()));
        return finish(nullptr, false);
    }

    // Later: after the slots that main() or the QML queued on statusChanged (example data
    // seeded on a first run), so that their writes have been announced to the UI. A timer: with
    // a queued call, 5 of 8 shared-settings runs once missed the other process's change, none
    // from a timer. The cause was not found (waits inside queued calls get the map's signals:
    // tests/auto/externalchanges, waitsInsideDeliveriesGetSignals).
    QTimer::singleShot(1, qApp, [mode, h, map] {
        bool ok = false;
        if (mode == Mode::Smoke)
            ok = check(bool(h.smoke), "the example has a smoke test") && h.smoke(map);
        else if (mode == Mode::Screenshot)
            ok = check(bool(h.screenshot), "the example takes screenshots") &&
                    h.screenshot(map, qEnvironmentVariable("PM_EXAMPLE_SCREENSHOT"));
        else
            ok = check(bool(h.peer), "the example has a peer") &&
                    h.peer(map,
                           qEnvironmentVariable("PM_EXAMPLE_PEER")
                                   .split(u'\n', Qt::SkipEmptyParts));
        finish(map, ok);
    });
}

// A console example: what main() left behind, checked as the application object goes.
void checkAfterMain()
{
    if (!hooks().afterMain()) {
        std::fflush(stdout);
        std::fflush(stderr);
        std::_Exit(1); // main() has returned its code already
    }
}

// Inside main()'s QCoreApplication (or Gui, Widgets) constructor.
void start()
{
    const Mode m = mode();
    if (m == Mode::Off)
        return;
    const Hooks h = hooks();
    const QStringList arguments = QCoreApplication::arguments();
    for (const QString &required : h.requiredArguments) {
        if (!arguments.contains(required)) {
            std::fprintf(stderr, "this run needs the argument %s\n", qPrintable(required));
            std::fflush(stderr);
            std::_Exit(2); // before main() starts anything
        }
    }
    if (m == Mode::Smoke && h.afterMain)
        qAddPostRoutine(checkAfterMain);
    else // a timer, not a queued call: see run()
        QTimer::singleShot(1, qApp, [m] { run(m); });
}
Q_COREAPP_STARTUP_FUNCTION(start)

} // namespace

bool check(bool condition, const char *what)
{
    if (!condition)
        std::fprintf(stderr, "%s: check failed: %s\n",
                     qPrintable(QCoreApplication::applicationName()), what);
    return condition;
}

bool waitUntil(const std::function<bool()> &done, const std::function<void(QEventLoop &)> &wakeOn)
{
    QEventLoop loop;
    QTimer deadline;
    deadline.setSingleShot(true);
    QObject::connect(&deadline, &QTimer::timeout, &loop, &QEventLoop::quit);
    wakeOn(loop);
    deadline.start(Timeout);
    while (!done()) {
        if (!deadline.isActive())
            return false;
        loop.exec();
    }
    return true;
}

bool waitForProperty(QObject *object, const char *name, const QString &value)
{
    const QMetaObject *meta = object->metaObject();
    const QMetaProperty property = meta->property(meta->indexOfProperty(name));
    return waitUntil([&] { return property.read(object).toString() == value; },
                     [&](QEventLoop &loop) {
                         const QMetaObject *loopMeta = loop.metaObject();
                         QObject::connect(object, property.notifySignal(), &loop,
                                          loopMeta->method(loopMeta->indexOfSlot("quit()")));
                     });
}

struct Peer::Private
{
    QProcess process;
};

Peer::Peer(const QStringList &steps)
    : d(std::make_unique<Private>())
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("PM_EXAMPLE_SMOKE"));
    environment.remove(QStringLiteral("PM_EXAMPLE_SCREENSHOT"));
    environment.insert(QStringLiteral("PM_EXAMPLE_PEER"), steps.join(u'\n'));
    d->process.setProcessEnvironment(environment);
    d->process.setProcessChannelMode(QProcess::ForwardedErrorChannel); // its warnings show
    d->process.start(QCoreApplication::applicationFilePath(), QCoreApplication::arguments().mid(1));
}

Peer::~Peer()
{
    if (d->process.state() != QProcess::NotRunning) {
        d->process.kill();
        d->process.waitForFinished();
    }
}

qint64 Peer::processId() const
{
    return d->process.processId();
}

bool Peer::waitFor(const QString &prefix)
{
    QDeadlineTimer deadline(Timeout);
    for (;;) {
        while (d->process.canReadLine()) {
            const QString line = QString::fromUtf8(d->process.readLine()).trimmed();
            if (line.startsWith(prefix))
                return true;
            if (line.startsWith(QLatin1String("error"))) {
                std::fprintf(stderr, "the other process: %s\n", qPrintable(line));
                break;
            }
        }
        if (deadline.hasExpired() || !d->process.waitForReadyRead(int(deadline.remainingTime())))
            break;
    }
    std::fprintf(stderr, "the other process did not report \"%s\"\n", qPrintable(prefix));
    return false;
}

bool Peer::finish()
{
    // waitForFinished() is false for a process that has already finished.
    const bool finished =
            d->process.state() == QProcess::NotRunning || d->process.waitForFinished(Timeout);
    if (finished && d->process.exitStatus() == QProcess::NormalExit && d->process.exitCode() == 0)
        return true;
    std::fprintf(stderr, "the other process failed (exit code %d): %s\n", d->process.exitCode(),
                 qPrintable(d->process.errorString()));
    return false;
}

void report(const QString &line)
{
    std::fputs(qUtf8Printable(line + u'\n'), stdout);
    std::fflush(stdout);
}

} // namespace ExampleSupport
