// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// For the helper processes the crash-kill, power-loss and stress suites start: writing to
// standard output straight to the file descriptor (a line is in the pipe before the process goes
// on, even if it is killed next), and the message a future failed with.
#ifndef CHILDPROCESSIO_H
#define CHILDPROCESSIO_H

#include <PersistentMap/PersistentMap>

#include <QtCore/QByteArray>
#include <QtCore/QFuture>
#include <QtCore/QString>

#include <exception>

#include <unistd.h>

// Writes all of data to standard output, unbuffered; stops when the pipe is gone.
inline void writeToStdout(const QByteArray &data)
{
    const char *at = data.constData();
    qsizetype left = data.size();
    while (left > 0) {
        const ssize_t written = ::write(STDOUT_FILENO, at, size_t(left));
        if (written <= 0)
            return;
        at += written;
        left -= written;
    }
}

// Waits for the future; the error it failed with, empty when it succeeded.
inline QString failureMessage(QFuture<void> future)
{
    try {
        future.waitForFinished();
    } catch (const PersistentMapError &e) {
        return e.message();
    } catch (const std::exception &e) {
        return QString::fromLocal8Bit(e.what());
    }
    return {};
}

#endif // CHILDPROCESSIO_H
