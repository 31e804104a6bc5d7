// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// SyscallFaults: failures injected at the system-call boundary, in the spirit of LevelDB's
// fault-injection Env and SQLite's test VFS, for what a backend wrapper cannot reach (SQLite's
// own syncs). Link syscallfaults.cpp into a test executable: it defines fsync() and fdatasync(),
// and a program's own definitions come first in the dynamic linker's search, so the calls of
// SQLite, Qt and the library reach them too. Unless a fault is armed they forward to the C
// library's (dlsym(RTLD_NEXT)). Thread-safe.
#ifndef SYSCALLFAULTS_H
#define SYSCALLFAULTS_H

#include <QtCore/QByteArray>

namespace SyscallFaults {

// The next `times` fsync()/fdatasync() calls on a file whose path contains pathPart fail with
// errno `error` (for example EIO) without syncing.
void failSyncs(int error, int times, const QByteArray &pathPart);
// Syncs that were made to fail, and syncs forwarded, since the last reset().
int failedSyncs();
int syncs();
void reset();

} // namespace SyscallFaults

#endif // SYSCALLFAULTS_H
