// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// File helpers shared by the file-based backends.
#ifndef STOREFILES_P_H
#define STOREFILES_P_H

#include <QtCore/QString>

QT_BEGIN_NAMESPACE
class QFile;
QT_END_NAMESPACE

namespace PersistentMapInternal {

// Creates the parent folders and, when missing, an empty file readable only by its owner
// (mode 0600), also where a dangling symbolic link points. The new file's folder (and any folder
// created) is synced. Returns false and says why in *error.
bool ensureStoreFile(const QString &path, QString *error, bool *created = nullptr);

// fsync of a file the backend has open (file.handle()): its data reaches the disk. Never opens a
// descriptor of its own: closing one would drop every POSIX lock the process holds on the file.
// Returns false with the OS's reason in *error.
bool syncOpenFile(int handle, const QString &path, QString *error);

// fsync of the folder holding path, so a rename into it is durable (no-op where unsupported).
// Returns false with the OS's reason in *error.
bool syncParentFolder(const QString &path, QString *error);

// Writes all of data to an open file, at its position (at its end when it was opened to append),
// retrying a call that a signal interrupted or that wrote only part of it. Returns false with the
// OS's reason in *error (part of the data may have been written then). QFile::write() cannot
// tell why it stopped: a write cut short by a full disk returns the part written and no error.
bool writeAll(QFile &file, const QByteArray &data, QString *error);

// Cuts an open file back to size, retrying when a signal interrupts it. Returns false with the
// OS's reason in *error.
bool truncateOpenFile(QFile &file, qint64 size, QString *error);

// rename(2), retried when a signal interrupts it: 0, or the errno it failed with.
int renameFile(const QString &from, const QString &to);

} // namespace PersistentMapInternal

#endif // STOREFILES_P_H
