// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Test support for the examples, not part of what they teach. ctest, tests/install and
// scripts/screenshots.sh run an example with one of these environment variables set:
//
//   PM_EXAMPLE_SMOKE=1          make changes through the UI, check them, exit 0 or 1
//   PM_EXAMPLE_SCREENSHOT=FILE  save a picture of the window in FILE, exit 0 or 1
//   PM_EXAMPLE_PEER=STEPS       the second process of a run (shared-settings), one step a line
//
// examplesupport.cpp, linked into the example by its CMakeLists.txt when this folder is next to
// it, then takes over once main() runs its event loop (a console example: once main() is done):
// it waits for the example's map to load, runs the example's hooks (its smoke.cpp), flushes the
// map and exits, 1 if a check failed or anything printed a warning. main.cpp calls none of it;
// without these variables the example runs as written.
#ifndef EXAMPLESUPPORT_H
#define EXAMPLESUPPORT_H

#include <QObject>
#include <QString>
#include <QStringList>

#include <cstdio>
#include <functional>
#include <memory>

class PersistentMap;
class QEventLoop;

namespace ExampleSupport {

// What an example's smoke.cpp provides; each hook returns false when a check failed.
struct Hooks
{
    // A GUI example's map, looked up once main() runs its event loop.
    std::function<PersistentMap *()> map;
    // PM_EXAMPLE_SMOKE: changes made the way the UI makes them, checked.
    std::function<bool(PersistentMap *)> smoke;
    // PM_EXAMPLE_SCREENSHOT: writes the picture.
    std::function<bool(PersistentMap *, const QString &file)> screenshot;
    // PM_EXAMPLE_PEER: runs the steps another process of this example gave.
    std::function<bool(PersistentMap *, const QStringList &steps)> peer;
    // A console example's PM_EXAMPLE_SMOKE: checks what main() left behind, once it is done.
    std::function<bool()> afterMain;
    // Arguments a run needs (checked before main() goes on): shared-settings needs --single.
    QStringList requiredArguments;
};

// Defined by each example's smoke.cpp.
Hooks hooks();

// The first of `objects` (QGuiApplication::topLevelWindows(), QApplication::topLevelWidgets())
// that is a T; nullptr when none is.
template<typename T, typename Objects>
T *firstOf(const Objects &objects)
{
    for (auto *object : objects) {
        if (auto *found = qobject_cast<T *>(object))
            return found;
    }
    return nullptr;
}

// Saves a QImage or QPixmap in file; says on stderr when it cannot.
template<typename Picture>
bool savePicture(const Picture &picture, const QString &file)
{
    const bool saved = picture.save(file);
    if (!saved)
        std::fprintf(stderr, "cannot write %s\n", qPrintable(file));
    return saved;
}

// Prints "check failed: WHAT" unless `condition` holds; returns it.
bool check(bool condition, const char *what);

// Runs the event loop until done() holds, looking again whenever something wakeOn() connected
// to the loop's quit() fires; false after 10 s. Waits on events, never sleeps.
bool waitUntil(const std::function<bool()> &done, const std::function<void(QEventLoop &)> &wakeOn);

// Waits until `object`'s property `name` reads `value` (as text), woken by its notify signal.
bool waitForProperty(QObject *object, const char *name, const QString &value);

// This example started again (same arguments) with PM_EXAMPLE_PEER set to `steps`; kills it
// when destroyed. Its standard output shows through waitFor(), its warnings on stderr.
class Peer
{
public:
    explicit Peer(const QStringList &steps);
    ~Peer();
    Peer(const Peer &) = delete;
    Peer &operator=(const Peer &) = delete;

    qint64 processId() const;
    // Reads the peer's report lines until one starts with `prefix`; false when the peer
    // reported an error, ended, or 10 s passed.
    bool waitFor(const QString &prefix);
    // True when the peer ran every step and exited with 0.
    bool finish();

private:
    struct Private;
    std::unique_ptr<Private> d;
};

// For a peer: one report line on standard output, flushed.
void report(const QString &line);

} // namespace ExampleSupport

#endif // EXAMPLESUPPORT_H
