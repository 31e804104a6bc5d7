// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// MapWatcherProcess: another process on a store, for tests of what several processes see. Runs
// mapwatcher (tests/auto/externalchanges/mapwatcher.cpp; the test defines MAPWATCHER_PATH) on a
// spec and talks to it line by line: it prints "ready COUNT", then one line per signal
// ("changed\tKEY\tVALUE", "removed\tKEY") and "done\tKEY" after each command it ran.
#ifndef MAPWATCHERPROCESS_H
#define MAPWATCHERPROCESS_H

#include <QtCore/QElapsedTimer>
#include <QtCore/QProcess>
#include <QtCore/QStringList>

#include <optional>

class MapWatcherProcess
{
public:
    static constexpr int DefaultTimeout = 10000; // ms

    // Runs `wrapper... MAPWATCHER_PATH spec` when a wrapper is given (setpriv, unshare).
    explicit MapWatcherProcess(const QString &spec, const QStringList &wrapper = {})
    {
        if (wrapper.isEmpty()) {
            m_process.setProgram(QStringLiteral(MAPWATCHER_PATH));
            m_process.setArguments({spec});
        } else {
            m_process.setProgram(wrapper.first());
            m_process.setArguments(wrapper.mid(1) +
                                   QStringList{QStringLiteral(MAPWATCHER_PATH), spec});
        }
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start();
    }
    ~MapWatcherProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }
    MapWatcherProcess(const MapWatcherProcess &) = delete;
    MapWatcherProcess &operator=(const MapWatcherProcess &) = delete;

    // The next line the watcher printed, or an empty string after the timeout.
    QString nextLine(int timeout = DefaultTimeout)
    {
        QElapsedTimer waited;
        waited.start();
        while (!m_process.canReadLine()) {
            const int left = timeout - int(waited.elapsed());
            if (left <= 0 || !m_process.waitForReadyRead(left))
                return m_process.canReadLine() ? nextLine(0) : QString();
        }
        return QString::fromUtf8(m_process.readLine()).chopped(1);
    }
    // Skips lines until one equals `expected`; returns the ones skipped (for the message) or
    // nullopt when it came.
    std::optional<QStringList> waitFor(const QString &expected)
    {
        QStringList seen;
        for (;;) {
            const QString line = nextLine();
            if (line == expected)
                return std::nullopt;
            if (line.isEmpty())
                return seen;
            seen.append(line);
        }
    }
    // True once the map has loaded ("ready COUNT").
    bool waitUntilReady() { return nextLine().startsWith(QLatin1String("ready ")); }
    // Inserts through the other process; true once it committed ("done\tKEY"), the signal lines
    // before it skipped.
    bool insert(const QString &key, const QString &value)
    {
        return run(QStringLiteral("insert\t%1\t%2").arg(key, value), key);
    }
    // Inserts a QList<int> (numbers separated by commas) through the other process.
    bool insertInts(const QString &key, const QString &numbers)
    {
        return run(QStringLiteral("insertints\t%1\t%2").arg(key, numbers), key);
    }
    bool insertColor(const QString &key, const QString &name)
    {
        return run(QStringLiteral("insertcolor\t%1\t%2").arg(key, name), key);
    }
    bool remove(const QString &key) { return run(QStringLiteral("remove\t") + key, key); }
    // Sends a command; true once it committed ("done\tKEY"), the signal lines before it skipped.
    bool run(const QString &command, const QString &key)
    {
        send(command);
        for (;;) {
            const QString line = nextLine();
            if (line.isEmpty() || line.startsWith(QLatin1String("error")))
                return false;
            if (line == QStringLiteral("done\t") + key)
                return true;
        }
    }
    void send(const QString &line) { m_process.write((line + u'\n').toUtf8()); }
    // Ends the process at once (SIGKILL), as a crash would.
    void kill()
    {
        m_process.kill();
        m_process.waitForFinished();
    }
    bool quit()
    {
        send(QStringLiteral("quit"));
        return m_process.waitForFinished(DefaultTimeout) &&
                m_process.exitStatus() == QProcess::NormalExit && m_process.exitCode() == 0;
    }

private:
    QProcess m_process;
};

#endif // MAPWATCHERPROCESS_H
