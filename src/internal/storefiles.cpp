// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "storefiles_p.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>

#ifdef Q_OS_UNIX
#include <fcntl.h>
#include <unistd.h>
#endif

namespace PersistentMapInternal {

bool ensureStoreFile(const QString &path, QString *error, bool *created)
{
    if (created)
        *created = false;
    const QFileInfo info(path);
    if (info.exists()) {
        if (info.isDir()) {
            *error = QStringLiteral("%1 is a folder, not a file").arg(path);
            return false;
        }
        return true;
    }
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
    return true;
}

bool syncFile(const QString &path, QString *error)
{
#ifdef Q_OS_UNIX
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return true;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    if (!ok)
        *error = QStringLiteral("cannot sync %1 to disk: %2").arg(path, qt_error_string(errno));
    return ok;
#else
    QFile file(path);
    if (!file.open(QIODevice::ReadWrite))
        return true;
    if (!file.flush()) {
        *error = QStringLiteral("cannot sync %1 to disk: %2").arg(path, file.errorString());
        return false;
    }
    return true;
#endif
}

void syncParentFolder(const QString &path)
{
#ifdef Q_OS_UNIX
    const QByteArray folder = QFile::encodeName(QFileInfo(path).absolutePath());
    const int fd = ::open(folder.constData(), O_RDONLY | O_CLOEXEC | O_DIRECTORY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
#else
    Q_UNUSED(path);
#endif
}

} // namespace PersistentMapInternal
