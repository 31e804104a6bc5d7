// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// File helpers shared by the file-based backends.
#ifndef STOREFILES_P_H
#define STOREFILES_P_H

#include <PersistentMap/persistentmaperror.h>

#include <QtCore/QString>

QT_BEGIN_NAMESPACE
class QFile;
QT_END_NAMESPACE

namespace PersistentMapInternal {

// Creates the parent folders and, when missing, an empty file readable only by its owner
// (mode 0600), also where a dangling symbolic link points (as a shell's `>` would); a dangling
// link on the way (a folder, a link that cannot be followed) is named in the error. The new
// file's folder (and any folder created) is synced. Returns false and says why in *error, with
// the errno in *osError (0 when there is none).
bool ensureStoreFile(const QString &path, QString *error, bool *created = nullptr,
                     int *osError = nullptr);

// The code for a store that failed to open with errno `osError`: DiskFull (ENOSPC, EDQUOT),
// TooManyOpenFiles (EMFILE, ENFILE), IoError (EIO), otherwise `otherwise`.
PersistentMapError::Code codeForOsError(int osError, PersistentMapError::Code otherwise);

// 0 when this process may write path (a file or folder), or the errno that says why not: EACCES
// (permissions), EROFS (a read-only file system), EPERM (an immutable file). Other failures (the
// path does not exist, ...) count as writable: the write itself will tell.
int writeDenied(const QString &path);

// Why a store opened read-only: "opened read-only: PATH is not writable by this user (uid N):
// Permission denied", worded for EACCES, EROFS and EPERM.
QString readOnlyBecause(const QString &path, int osError);

// fsync of a file the backend has open (file.handle()): its data reaches the disk. Never opens a
// descriptor of its own: closing one would drop every POSIX lock the process holds on the file.
// Returns false with the OS's reason in *error.
bool syncOpenFile(int handle, const QString &path, QString *error);

// fsync of the folder holding path, so a rename into it is durable (no-op where unsupported).
// Returns false with the OS's reason in *error.
bool syncParentFolder(const QString &path, QString *error);

// Writes all of data to an open file, at its position (at its end when it was opened to append),
// retrying a call that a signal interrupted or that wrote only part of it. Returns false with the
// OS's reason in *error and its errno in *osError (part of the data may have been written then).
// QFile::write() cannot
// tell why it stopped: a write cut short by a full disk returns the part written and no error.
bool writeAll(QFile &file, const QByteArray &data, QString *error, int *osError = nullptr);

// Cuts an open file back to size, retrying when a signal interrupts it. Returns false with the
// OS's reason in *error.
bool truncateOpenFile(QFile &file, qint64 size, QString *error);

// rename(2), retried when a signal interrupts it: 0, or the errno it failed with.
int renameFile(const QString &from, const QString &to);

} // namespace PersistentMapInternal

#endif // STOREFILES_P_H
