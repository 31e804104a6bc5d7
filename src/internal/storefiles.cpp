// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "storefiles_p.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>

#include <cerrno>
#include <cstdio>

#ifdef Q_OS_UNIX
#include <fcntl.h>
#include <unistd.h>
#endif

namespace PersistentMapInternal {

bool ensureStoreFile(const QString &linkOrPath, QString *error, bool *created)
{
    if (created)
        *created = false;
    // A symbolic link to a file that does not exist yet (a dotfile manager's link): the file is
    // created where it points, as an editor would; O_EXCL refuses to create it through the link.
    QString path = linkOrPath;
    for (int hops = 0; hops < 40 && QFileInfo(path).isSymLink() && !QFileInfo(path).exists();
         ++hops)
        path = QFileInfo(path).symLinkTarget();
    const QFileInfo info(path);
    if (info.isSymLink() && !info.exists()) {
        *error = QStringLiteral("cannot create %1: %2").arg(linkOrPath, qt_error_string(ELOOP));
        return false;
    }
    if (info.exists()) {
        if (info.isDir()) {
            *error = QStringLiteral("%1 is a folder, not a file").arg(path);
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
        *error = QStringLiteral("cannot create the folder %1").arg(info.absolutePath());
        return false;
    }
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly,
                   QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        // Another store (another map on another table, another process) created it meanwhile.
        if (QFileInfo(path).isFile())
            return true;
        *error = QStringLiteral("cannot create %1: %2").arg(path, file.errorString());
        return false;
    }
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

bool writeAll(QFile &file, const QByteArray &data, QString *error)
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
            *error = qt_error_string(written < 0 ? errno : ENOSPC);
            return false;
        }
        next += written;
        left -= written;
    }
    return true;
#else
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
