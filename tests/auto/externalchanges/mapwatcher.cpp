// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// mapwatcher SPEC: another process on a store, driven by the tests through standard input and
// output. Opens a PersistentMap on SPEC (PersistentMapBackend::create), prints "ready COUNT" (or
// "error MESSAGE" and exits 1), then prints one line per signal the map emits:
//   changed<TAB>KEY<TAB>VALUE      (VALUE: QVariant::toString())
//   removed<TAB>KEY
// and runs the commands it reads, one per line:
//   insert<TAB>KEY<TAB>VALUE   remove<TAB>KEY   (prints "done<TAB>KEY" once the write committed)
//   removegroup<TAB>NAME        (PersistentMap::removeGroup(); "done<TAB>NAME" once committed)
//   insertints<TAB>KEY<TAB>1,2,3   (a QList<int>, which earlier versions wrote through QDataStream,
//                                   unreadable where QList<int> was not registered)
//   insertcolor<TAB>KEY<TAB>#rrggbb   (a QColor: this process links Qt Core only and loads Qt Gui
//                                      for it, as a plugin would; one that never loads Qt Gui
//                                      cannot read the value)
//   code                        (prints "code<TAB>N": the PersistentMapError::Code of the last
//                                failed write, as a number; -1 when none failed)
//   quit                        (exits 0 after the map persisted everything)
// MAPWATCHER_WATCH_INTERVAL=MS in the environment sets the map's watchInterval (a long one shows
// that changes were pushed, not polled).
#include <PersistentMap/PersistentMap>

#include <QtCore/QCoreApplication>
#include <QtCore/QLibrary>
#include <QtCore/QSocketNotifier>

#include <cstdio>
#include <unistd.h>

namespace {

void say(const QString &line)
{
    std::fputs(qUtf8Printable(line + u'\n'), stdout);
    std::fflush(stdout);
}

int lastCode = -1;

bool waitOk(QFuture<void> future, QString *error)
{
    try {
        future.waitForFinished();
    } catch (const PersistentMapError &e) {
        *error = e.message();
        lastCode = int(e.code());
        return false;
    }
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    if (args.size() != 2) {
        std::fprintf(stderr, "usage: mapwatcher SPEC\n");
        return 2;
    }
    QString error;
    std::unique_ptr<PersistentMapBackend> backend =
            PersistentMapBackend::create(args.at(1), &error);
    if (!backend) {
        say(QStringLiteral("error\t") + error);
        return 1;
    }
    PersistentMap map(std::move(backend));
    if (const int interval = qEnvironmentVariableIntValue("MAPWATCHER_WATCH_INTERVAL"))
        map.setWatchInterval(interval);
    if (!waitOk(map.whenReady(), &error)) {
        say(QStringLiteral("error\t") + error);
        return 1;
    }
    QObject::connect(&map, &PersistentMap::valueChanged, [](const QString &key, const QVariant &v) {
        say(QStringLiteral("changed\t%1\t%2").arg(key, v.toString()));
    });
    QObject::connect(&map, &PersistentMap::valueRemoved,
                     [](const QString &key) { say(QStringLiteral("removed\t") + key); });
    say(QStringLiteral("ready %1").arg(map.count()));

    QSocketNotifier input(STDIN_FILENO, QSocketNotifier::Read);
    QByteArray pendingInput;
    const auto run = [&](const QString &line) {
        const QStringList parts = line.split(u'\t');
        const QString command = parts.value(0);
        if (command == u"quit") {
            input.setEnabled(false);
            QCoreApplication::exit(waitOk(map.flush(), &error) ? 0 : 1);
            return;
        }
        if (command == u"code") {
            say(QStringLiteral("code\t%1").arg(lastCode));
            return;
        }
        QFuture<void> written;
        if (command == u"insert" && parts.size() == 3) {
            written = map.insert(parts.at(1), parts.at(2));
        } else if (command == u"insertints" && parts.size() == 3) {
            QList<int> numbers;
            for (const QString &number : parts.at(2).split(u',', Qt::SkipEmptyParts))
                numbers.append(number.toInt());
            written = map.insert(parts.at(1), QVariant::fromValue(numbers));
        } else if (command == u"insertcolor" && parts.size() == 3) {
            // Loading Qt Gui registers QColor and its conversion from a colour's name.
            static QLibrary gui(QStringLiteral("Qt6Gui"), 6);
            QVariant color = parts.at(2);
            if ((!gui.isLoaded() && !gui.load()) || !color.convert(QMetaType::fromName("QColor"))) {
                say(QStringLiteral("error\tcannot make a QColor: ") + gui.errorString());
                return;
            }
            written = map.insert(parts.at(1), color);
        } else if (command == u"remove" && parts.size() == 2) {
            written = map.remove(parts.at(1));
        } else if (command == u"removegroup" && parts.size() == 2) {
            written = map.removeGroup(parts.at(1));
        } else {
            say(QStringLiteral("error\tunknown command: ") + parts.join(u' '));
            return;
        }
        if (!waitOk(written, &error))
            say(QStringLiteral("error\t") + error);
        else
            say(QStringLiteral("done\t") + parts.at(1));
    };
    // Raw reads: stdio would buffer a second line where the notifier cannot see it.
    QObject::connect(&input, &QSocketNotifier::activated, [&] {
        char buffer[4096];
        const ssize_t got = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (got <= 0) {
            input.setEnabled(false);
            QCoreApplication::exit(0); // the test went away
            return;
        }
        pendingInput.append(buffer, got);
        qsizetype end;
        while ((end = pendingInput.indexOf('\n')) >= 0) {
            const QString line = QString::fromUtf8(pendingInput.left(end));
            pendingInput.remove(0, end + 1);
            run(line);
        }
    });
    return app.exec();
}
