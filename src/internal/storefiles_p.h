// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// File helpers shared by the file-based backends.
#ifndef STOREFILES_P_H
#define STOREFILES_P_H

#include <QtCore/QString>

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

} // namespace PersistentMapInternal

#endif // STOREFILES_P_H
