// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// SyscallFaults: failures injected at the system-call boundary, in the spirit of LevelDB's
// fault-injection Env and SQLite's test VFS, for what a backend wrapper cannot reach (SQLite's
// own syncs, the steps inside a backend's write). Link syscallfaults.cpp into a test executable
// with persistentmap_use_syscall_faults() (tests/auto/CMakeLists.txt): it defines fsync(),
// fdatasync(), open(), open64(), openat(), openat64(), write(), pwrite(), pwrite64(), ftruncate(),
// ftruncate64(), rename(), renameat() and renameat2(), and exports them, and a program's own
// definitions come first in the dynamic linker's search, so the calls of SQLite (pwrite64()), Qt
// (QFile calls open64(), write(), ftruncate64(), renameat2()) and the library reach them too.
// Unless a fault is armed they forward to the C library's (dlsym(RTLD_NEXT)). Thread-safe.
//
// A fault is armed for the calls on a path that contains pathPart; a pathPart ending in '$' must
// end the path ("store.csv$" matches the store, not store.csv.replacing-XXXXXX). The path of a
// descriptor is read from /proc/self/fd (an unnamed file, O_TMPFILE, has none to match). `times`
// calls fail, then the fault is spent; a negative `times` fails every call until reset(). Arming
// a kind again replaces its earlier fault.
#ifndef SYSCALLFAULTS_H
#define SYSCALLFAULTS_H

#include <QtCore/QByteArray>

namespace SyscallFaults {

// fsync()/fdatasync() of a matching file fail with errno `error` (for example EIO) without
// syncing.
void failSyncs(int error, int times, const QByteArray &pathPart);
// open()/open64()/openat()/openat64() of a matching path, with every flag of requiredFlags set
// (O_APPEND: an append handle; O_CREAT: a file being created; O_DIRECTORY: a folder), fail with
// `error` (EMFILE, ENFILE, ...) without opening anything.
void failOpens(int error, int times, const QByteArray &pathPart, int requiredFlags = 0);
// write()/pwrite()/pwrite64() to a matching file: the first afterBytes bytes written there pass
// (the call that reaches that count is cut short, a partial write, as a disk that fills up gives),
// then `times` calls fail with `error` (ENOSPC, EINTR, ...) without writing.
void failWrites(int error, int times, const QByteArray &pathPart, qint64 afterBytes = 0);
// ftruncate()/ftruncate64() of a matching file fail with `error` without changing it.
void failTruncates(int error, int times, const QByteArray &pathPart);
// rename()/renameat()/renameat2() onto a matching path (the new name) fail with `error` without
// renaming: EBUSY is what a file bind-mounted on its own gives, EXDEV a rename across file
// systems.
void failRenames(int error, int times, const QByteArray &pathPart);

// Calls made to fail since the last reset(), and syncs forwarded (fsync(), fdatasync() and
// sync_file_range(), which is never failed).
int failedSyncs();
int failedOpens();
int failedWrites();
int failedTruncates();
int failedRenames();
int syncs();
// Disarms every fault and sets the counts to 0.
void reset();

} // namespace SyscallFaults

#endif // SYSCALLFAULTS_H
