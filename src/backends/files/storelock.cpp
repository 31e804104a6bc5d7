// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "backends/files/storelock_p.h"

#include <QtCore/QFile>
#include <QtCore/QLockFile>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#endif
#ifdef Q_OS_LINUX
#include <sys/sysmacros.h>
#endif

namespace PersistentMapInternal {

StoreLock::StoreLock() = default;

StoreLock::~StoreLock()
{
    release();
}

StoreLock::StoreLock(StoreLock &&other) noexcept
    : m_fd(other.m_fd)
    , m_lockFile(std::move(other.m_lockFile))
{
    other.m_fd = -1;
}

StoreLock &StoreLock::operator=(StoreLock &&other) noexcept
{
    if (this != &other) {
        release();
        m_fd = other.m_fd;
        m_lockFile = std::move(other.m_lockFile);
        other.m_fd = -1;
    }
    return *this;
}

bool StoreLock::isHeld() const
{
    return m_fd >= 0 || m_lockFile;
}

qint64 StoreLock::linkCount() const
{
#ifdef Q_OS_UNIX
    struct stat info;
    if (m_fd >= 0 && ::fstat(m_fd, &info) == 0)
        return qint64(info.st_nlink);
#endif
    return 0;
}

bool StoreLock::locksFileAt(const QString &path) const
{
#ifdef Q_OS_UNIX
    struct stat locked;
    struct stat named;
    return m_fd >= 0 && ::fstat(m_fd, &locked) == 0 &&
            ::stat(QFile::encodeName(path).constData(), &named) == 0 &&
            locked.st_dev == named.st_dev && locked.st_ino == named.st_ino;
#else
    Q_UNUSED(path);
    return true;
#endif
}

bool StoreLock::locksOpenFile(int handle) const
{
#ifdef Q_OS_UNIX
    struct stat locked;
    struct stat other;
    return m_fd >= 0 && ::fstat(m_fd, &locked) == 0 && ::fstat(handle, &other) == 0 &&
            locked.st_dev == other.st_dev && locked.st_ino == other.st_ino;
#else
    Q_UNUSED(handle);
    return true;
#endif
}

void StoreLock::release()
{
#ifdef Q_OS_UNIX
    if (m_fd >= 0)
        ::close(m_fd); // the last descriptor of its open file description: the lock ends
#endif
    m_fd = -1;
    m_lockFile.reset();
}

#ifdef Q_OS_UNIX

namespace {

// flock() without waiting, retried when a signal interrupts it; 0, or the errno.
int tryFlock(int fd)
{
    int result;
    do {
        result = ::flock(fd, LOCK_EX | LOCK_NB);
    } while (result != 0 && errno == EINTR);
    return result == 0 ? 0 : errno;
}

} // namespace

StoreLock::Result StoreLock::acquire(const QString &path, QString *error)
{
    release();
    m_osError = 0;
    const QByteArray name = QFile::encodeName(path);
    // Each turn means the owner replaced the file between open() and flock(): a compaction at
    // most every thousand writes, so a handful of turns is already far beyond what happens.
    for (int turn = 0; turn < 100; ++turn) {
        int fd;
        // O_NONBLOCK: a FIFO put in the store's place must not block the open forever.
        do {
            fd = ::open(name.constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) {
            m_osError = errno;
            *error = QStringLiteral("cannot open %1 to lock it: %2")
                             .arg(path, qt_error_string(m_osError));
            return Result::Failed;
        }
        struct stat kind;
        if (::fstat(fd, &kind) != 0 || !S_ISREG(kind.st_mode)) {
            ::close(fd);
            *error = QStringLiteral("%1 is not a regular file").arg(path);
            return Result::Failed;
        }
        if (const int failure = tryFlock(fd)) {
            ::close(fd);
            if (failure == EWOULDBLOCK)
                return Result::Busy;
            m_osError = failure;
            *error = QStringLiteral("cannot lock %1: %2").arg(path, qt_error_string(failure));
            return Result::Failed;
        }
        struct stat locked;
        struct stat named;
        if (::fstat(fd, &locked) != 0) {
            *error = QStringLiteral("cannot lock %1: %2").arg(path, qt_error_string(errno));
            ::close(fd);
            return Result::Failed;
        }
        if (::stat(name.constData(), &named) == 0 && named.st_dev == locked.st_dev &&
            named.st_ino == locked.st_ino) {
            m_fd = fd;
            return Result::Acquired;
        }
        ::close(fd); // a file that is no longer the store: take the new one's lock
    }
    return Result::Busy;
}

bool StoreLock::acquireOpenFile(int handle, QString *error)
{
    release();
    // A descriptor of our own on the same open file description: the lock stays when the
    // caller closes handle.
    const int fd = ::fcntl(handle, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        *error = QStringLiteral("cannot lock the new file: %1").arg(qt_error_string(errno));
        return false;
    }
    if (const int failure = tryFlock(fd)) {
        ::close(fd);
        *error = QStringLiteral("cannot lock the new file: %1").arg(qt_error_string(failure));
        return false;
    }
    m_fd = fd;
    return true;
}

QString StoreLock::describeHolder(const QString &path)
{
    struct stat info;
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return QStringLiteral("another process");
#ifdef Q_OS_LINUX
    QFile locks(QStringLiteral("/proc/locks"));
    if (locks.open(QIODevice::ReadOnly)) {
        // "1: FLOCK ADVISORY WRITE PID MAJ:MIN:INODE 0 EOF", device numbers in hex; a waiter's
        // line has "->" after the number.
        const QByteArray file = QStringLiteral("%1:%2:%3")
                                        .arg(major(info.st_dev), 2, 16, QLatin1Char('0'))
                                        .arg(minor(info.st_dev), 2, 16, QLatin1Char('0'))
                                        .arg(quint64(info.st_ino))
                                        .toLatin1();
        for (const QByteArray &line : locks.readAll().split('\n')) {
            const QList<QByteArray> fields = line.simplified().split(' ');
            if (fields.size() < 6 || fields.at(1) != "FLOCK" || fields.at(5) != file)
                continue;
            const qint64 pid = fields.at(4).toLongLong();
            if (pid <= 0) // a process this PID namespace does not see
                return QStringLiteral("a process outside this PID namespace");
            QFile comm(QStringLiteral("/proc/%1/comm").arg(pid));
            const QString command = comm.open(QIODevice::ReadOnly)
                    ? QString::fromLocal8Bit(comm.readAll()).trimmed()
                    : QString();
            return command.isEmpty() ? QStringLiteral("process %1").arg(pid)
                                     : QStringLiteral("process %1 (%2)").arg(pid).arg(command);
        }
    }
#endif
    return QStringLiteral("another process");
}

QString StoreLock::howItEnds()
{
    return QStringLiteral("the lock is the system's lock on the file itself, whatever path "
                          "reaches it, and ends when its holder closes the store or exits: there "
                          "is no lock file to delete");
}

#else // not Unix: a lock file beside the store

StoreLock::Result StoreLock::acquire(const QString &path, QString *error)
{
    release();
    auto lockFile = std::make_unique<QLockFile>(path + QStringLiteral(".lock"));
    lockFile->setStaleLockTime(0);
    if (lockFile->tryLock(0)) {
        m_lockFile = std::move(lockFile);
        return Result::Acquired;
    }
    if (lockFile->error() == QLockFile::LockFailedError)
        return Result::Busy;
    *error = QStringLiteral("cannot create the lock file %1.lock").arg(path);
    return Result::Failed;
}

bool StoreLock::acquireOpenFile(int handle, QString *error)
{
    Q_UNUSED(handle);
    Q_UNUSED(error);
    return true; // the lock file stays where it is
}

QString StoreLock::describeHolder(const QString &path)
{
    QLockFile lockFile(path + QStringLiteral(".lock"));
    qint64 pid = 0;
    QString host, app;
    if (lockFile.getLockInfo(&pid, &host, &app))
        return QStringLiteral("process %1 (%2 on %3)").arg(pid).arg(app, host);
    return QStringLiteral("another process");
}

QString StoreLock::howItEnds()
{
    return QStringLiteral("the lock is the file PATH.lock; QLockFile takes it over when its "
                          "holder's process is gone");
}

#endif

} // namespace PersistentMapInternal
