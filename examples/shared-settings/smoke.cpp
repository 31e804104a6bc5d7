// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Test support, not part of the example: what ctest (PM_EXAMPLE_SMOKE=1) and
// scripts/screenshots.sh (PM_EXAMPLE_SCREENSHOT=FILE) do with the running window, through the
// harness in ../shared/examplesupport.h. Both start this program again as a peer
// (PM_EXAMPLE_PEER): a window on the same store that runs the steps it is given, in order, and
// reports each on standard output: "expect:NAME=VALUE" waits until the window shows VALUE
// (its property shownNAME), "set:NAME=VALUE" changes a setting through the UI, "grab:FILE"
// saves a picture of the window. Runs need --single, so that main() starts no window of its own.
#include "examplesupport.h"

#include <PersistentMap/PersistentMap>

#include <QColor>
#include <QCoreApplication>
#include <QEventLoop>
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QTime>

#include <algorithm>

using ExampleSupport::check;
using ExampleSupport::Peer;
using ExampleSupport::report;
using ExampleSupport::waitForProperty;

namespace {

QQuickWindow *window()
{
    return ExampleSupport::firstOf<QQuickWindow>(QGuiApplication::topLevelWindows());
}

// A change made the way the window's controls make it.
void change(const QString &name, const QVariant &value)
{
    QMetaObject::invokeMethod(window(), "change", Q_ARG(QVariant, name), Q_ARG(QVariant, value));
}

bool runPeer(PersistentMap *, const QStringList &steps)
{
    report(QStringLiteral("ready"));
    for (const QString &step : steps) {
        const QString verb = step.section(u':', 0, 0);
        const QString argument = step.section(u':', 1);
        const QString name = argument.section(u'=', 0, 0);
        const QString value = argument.section(u'=', 1);
        if (verb == u"expect") {
            const QByteArray shown =
                    "shown" + name.left(1).toUpper().toLatin1() + name.mid(1).toLatin1();
            if (!waitForProperty(window(), shown.constData(), value)) {
                report(QStringLiteral("error\t%1 is \"%2\", not \"%3\"")
                               .arg(QString::fromLatin1(shown),
                                    window()->property(shown).toString(), value));
                return false;
            }
            report(QStringLiteral("seen\t") + name);
        } else if (verb == u"set") {
            change(name, value);
            report(QStringLiteral("done\t") + name);
        } else if (verb == u"grab") {
            if (!window()->grabWindow().save(argument)) {
                report(QStringLiteral("error\tcannot write ") + argument);
                return false;
            }
            report(QStringLiteral("grabbed\t") + argument);
        } else {
            report(QStringLiteral("error\tunknown step ") + step);
            return false;
        }
    }
    return true;
}

// A change made in this window shows in the other process's window, and changes made there
// show here, each through the windows' bindings.
bool runSmoke(PersistentMap *map)
{
    QQuickWindow *shared = window();
    // Values that differ from what the store holds, so that a rerun on the same store proves
    // the same.
    const QString message =
            QStringLiteral("Hello from process %1 at %2")
                    .arg(QCoreApplication::applicationPid())
                    .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss.zzz")));
    const int fontSize = shared->property("shownFontSize").toInt() == 30 ? 31 : 30;
    const QString theme = shared->property("shownTheme").toString() == u"Plum"
            ? QStringLiteral("Indigo")
            : QStringLiteral("Plum");
    Peer peer({QStringLiteral("expect:message=") + message,
               QStringLiteral("set:fontSize=%1").arg(fontSize),
               QStringLiteral("set:theme=") + theme});
    if (!peer.waitFor(QStringLiteral("ready")))
        return false;

    change(QStringLiteral("message"), message);
    if (!check(map->value(QStringLiteral("shared/message")) == message,
               "the message reached the map") ||
        !check(peer.waitFor(QStringLiteral("seen\tmessage")),
               "the other process's window showed this window's message"))
        return false;

    const QString peerId = QString::number(peer.processId());
    return check(waitForProperty(shared, "shownFontSize", QString::number(fontSize)),
                 "this window showed the font size set in the other process") &&
            check(waitForProperty(shared, "shownTheme", theme),
                  "this window showed the theme set in the other process") &&
            check(ExampleSupport::waitUntil(
                          [&] {
                              return shared->property("shownLastChange")
                                      .toString()
                                      .contains(peerId);
                          },
                          [&](QEventLoop &loop) {
                              QObject::connect(shared, SIGNAL(shownLastChangeChanged()), &loop,
                                               SLOT(quit()));
                          }),
                  "this window named the other process as the last writer") &&
            peer.finish();
}

// The other process changes the settings, this window follows; both windows, side by side
// (this one on the left), in one picture.
bool runScreenshot(PersistentMap *, const QString &file)
{
    QQuickWindow *shared = window();
    QTemporaryDir scratch;
    const QString peerImage = scratch.filePath(QStringLiteral("peer.png"));
    const QString message = QStringLiteral("Edited in one window, shown in both");
    Peer peer({QStringLiteral("set:theme=Indigo"), QStringLiteral("set:fontSize=26"),
               QStringLiteral("set:message=") + message, QStringLiteral("grab:") + peerImage});
    if (!peer.waitFor(QStringLiteral("grabbed")) || !peer.finish() ||
        !check(waitForProperty(shared, "shownMessage", message) &&
                       waitForProperty(shared, "shownTheme", QStringLiteral("Indigo")) &&
                       waitForProperty(shared, "shownFontSize", QStringLiteral("26")),
               "this window followed the other process"))
        return false;

    const QImage left = shared->grabWindow();
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

ExampleSupport::Hooks ExampleSupport::hooks()
{
    Hooks hooks;
    hooks.map = []() -> PersistentMap * {
        QQuickWindow *shared = window();
        QObject *store = shared ? qvariant_cast<QObject *>(shared->property("store")) : nullptr;
        return store
                ? qobject_cast<PersistentMap *>(qvariant_cast<QObject *>(store->property("map")))
                : nullptr; // null: no backend for the spec
    };
    hooks.smoke = runSmoke;
    hooks.screenshot = runScreenshot;
    hooks.peer = runPeer;
    hooks.requiredArguments = {QStringLiteral("--single")};
    return hooks;
}
