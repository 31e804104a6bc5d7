// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "backends/files/storefiles_p.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>

#include <cerrno>
#include <cstdio>

#ifdef Q_OS_UNIX
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace PersistentMapInternal {

namespace {

// The first folder on the way to `folder` below `existing` (which exists): the one mkpath()
// could not create.
QString firstMissingFolder(const QString &folder, const QString &existing)
{
    QString child = folder;
    while (QFileInfo(child).absolutePath() != existing && QFileInfo(child).absolutePath() != child)
        child = QFileInfo(child).absolutePath();
    return child;
}

} // namespace

bool ensureStoreFile(const QString &linkOrPath, QString *error, bool *created, int *osError)
{
    if (created)
        *created = false;
    if (osError)
        *osError = 0;
    // A symbolic link to a file that does not exist yet (a dotfile manager's link): the file is
    // created where it points, as an editor would; O_EXCL refuses to create it through the link.
    QString path = linkOrPath;
    for (int hops = 0; hops < 40 && QFileInfo(path).isSymLink() && !QFileInfo(path).exists();
         ++hops)
        path = QFileInfo(path).symLinkTarget();
    const QFileInfo info(path);
    // Where the store is reached through a dangling link, the error names both.
    const QString where = path == linkOrPath
            ? path
            : QStringLiteral("%1 (where the symbolic link %2 points)").arg(path, linkOrPath);
    if (info.isSymLink() && !info.exists()) {
        *error = QStringLiteral("cannot create %1: %2").arg(linkOrPath, qt_error_string(ELOOP));
        if (osError)
            *osError = ELOOP;
        return false;
    }
    if (info.exists()) {
        if (info.isDir()) {
            *error = QStringLiteral("%1 is a folder, not a file").arg(where);
            return false;
        }
        return true;
    }
    // The folders that exist already: the entries of the ones created below, and the file's,
    // are synced so that a store reported created survives a power loss (a flush() syncs only
    // the file's data).
    QString existing = info.absolutePath();
    while (!QFileInfo(existing).isDir() && QFileInfo(existing).absolutePath() != existing)
        existing = QFileInfo(existing).absolutePath();
    if (!QDir().mkpath(info.absolutePath())) {
        // QDir says only that it failed: the folder it stopped at tells why.
        const QString missing = firstMissingFolder(info.absolutePath(), existing);
        const QFileInfo missingInfo(missing);
        if (missingInfo.isSymLink()) {
            *error = QStringLiteral("cannot create the folder %1 for %2: it is a symbolic link "
                                    "to %3, which does not exist")
                             .arg(missing, where, missingInfo.symLinkTarget());
            return false;
        }
        int reason = 0;
#ifdef Q_OS_UNIX
        if (::mkdir(QFile::encodeName(missing).constData(), 0777) != 0)
            reason = errno;
        else
            ::rmdir(QFile::encodeName(missing).constData());
#endif
        *error = QStringLiteral("cannot create the folder %1 for %2").arg(missing, where);
        if (reason)
            *error += QStringLiteral(": ") + qt_error_string(reason);
        if (osError)
            *osError = reason;
        return false;
    }
#ifdef Q_OS_UNIX
    // open(2) itself rather than QFile, whose error string is all that is left of errno.
    int fd;
    do {
        fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                    0600);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        const int reason = errno;
        // Another store (another map on another table, another process) created it meanwhile.
        if (QFileInfo(path).isFile())
            return true;
        *error = QStringLiteral("cannot create %1: %2").arg(where, qt_error_string(reason));
        if (osError)
            *osError = reason;
        return false;
    }
    ::close(fd);
#else
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly,
                   QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        if (QFileInfo(path).isFile())
            return true;
        *error = QStringLiteral("cannot create %1: %2").arg(where, file.errorString());
        return false;
    }
    file.close();
#endif
    if (created)
        *created = true;
    if (!syncParentFolder(path, error))
        return false;
    for (QString folder = info.absolutePath();
         folder != existing && folder.size() > existing.size();
         folder = QFileInfo(folder).absolutePath()) {
        if (!syncParentFolder(folder, error))
            return false;
    }
    return true;
}

PersistentMapError::Code codeForOsError(int osError, PersistentMapError::Code otherwise)
{
    using Code = PersistentMapError::Code;
    switch (osError) {
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
        return Code::DiskFull;
    case EMFILE:
    case ENFILE:
        return Code::TooManyOpenFiles;
    case EIO:
        return Code::IoError;
    default:
        return otherwise;
    }
}

int writeDenied(const QString &path)
{
#ifdef Q_OS_UNIX
    // The effective user's permission (AT_EACCESS), as open(2) checks it.
    if (::faccessat(AT_FDCWD, QFile::encodeName(path).constData(), W_OK, AT_EACCESS) == 0)
        return 0;
    const int reason = errno;
    return reason == EACCES || reason == EROFS || reason == EPERM ? reason : 0;
#else
    const QFileInfo info(path);
    return info.exists() && !info.isWritable() ? EACCES : 0;
#endif
}

QString readOnlyBecause(const QString &path, int osError)
{
    if (osError == EROFS) {
        return QStringLiteral("opened read-only: %1 is on a read-only file system (%2)")
                .arg(path, qt_error_string(osError));
    }
#ifdef Q_OS_UNIX
    const QString user = QStringLiteral("this user (uid %1)").arg(::geteuid());
#else
    const QString user = QStringLiteral("this user");
#endif
    return QStringLiteral("opened read-only: %1 may not write %2 (%3)")
            .arg(user, path, qt_error_string(osError));
}

bool syncOpenFile(int handle, const QString &path, QString *error)
{
#ifdef Q_OS_UNIX
    int result;
    do {
        result = ::fsync(handle);
    } while (result != 0 && errno == EINTR);
    if (result != 0) {
        *error = QStringLiteral("cannot sync %1 to disk: %2").arg(path, qt_error_string(errno));
        return false;
    }
    return true;
#else
    Q_UNUSED(handle);
    Q_UNUSED(path);
    Q_UNUSED(error);
    return true; // QFile's unbuffered writes reach the OS; no portable sync here
#endif
}

bool syncParentFolder(const QString &path, QString *error)
{
#ifdef Q_OS_UNIX
    const QString folder = QFileInfo(path).absolutePath();
    int fd;
    do {
        fd = ::open(QFile::encodeName(folder).constData(), O_RDONLY | O_CLOEXEC | O_DIRECTORY);
    } while (fd < 0 && errno == EINTR);
    int result = fd < 0 ? -1 : 0;
    if (fd >= 0) {
        do {
            result = ::fsync(fd);
        } while (result != 0 && errno == EINTR);
        // EINVAL: a file system that cannot sync folders (fsync(2)); there is nothing to sync.
        if (result != 0 && errno == EINVAL)
            result = 0;
    }
    if (result != 0) {
        *error = QStringLiteral("cannot sync the folder %1 to disk: %2")
                         .arg(folder, qt_error_string(errno));
        if (fd >= 0)
            ::close(fd);
        return false;
    }
    ::close(fd);
#else
    Q_UNUSED(path);
    Q_UNUSED(error);
#endif
    return true;
}

bool writeAll(QFile &file, const QByteArray &data, QString *error, int *osError)
{
#ifdef Q_OS_UNIX
    const char *next = data.constData();
    qint64 left = data.size();
    while (left > 0) {
        const ssize_t written = ::write(file.handle(), next, size_t(left));
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0) {
            // 0 cannot happen for a regular file; taken for a full disk rather than looping.
            const int reason = written < 0 ? errno : ENOSPC;
            *error = qt_error_string(reason);
            if (osError)
                *osError = reason;
            return false;
        }
        next += written;
        left -= written;
    }
    return true;
#else
    Q_UNUSED(osError);
    if (file.write(data) == data.size() && file.flush())
        return true;
    *error = file.errorString();
    return false;
#endif
}

bool truncateOpenFile(QFile &file, qint64 size, QString *error)
{
#ifdef Q_OS_UNIX
    int result;
    do {
        result = ::ftruncate(file.handle(), off_t(size));
    } while (result != 0 && errno == EINTR);
    if (result == 0)
        return true;
    *error = qt_error_string(errno);
    return false;
#else
    if (file.resize(size))
        return true;
    *error = file.errorString();
    return false;
#endif
}

int renameFile(const QString &from, const QString &to)
{
    int result;
    do {
        result =
                std::rename(QFile::encodeName(from).constData(), QFile::encodeName(to).constData());
    } while (result != 0 && errno == EINTR);
    return result == 0 ? 0 : errno;
}

} // namespace PersistentMapInternal
