// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// StoreLock: one owner per store file, whatever path reaches it. The lock is the kernel's
// whole-file lock (flock(2)) on the file itself, so a symbolic link, a hard link or a bind mount
// meets the same lock as the path the owner used, and it ends with the owning process: there is
// no lock file that a crash could leave behind, and no PID to misjudge (a PID reused in a
// container, an owner on another host). On NFS, Linux maps flock() to NFS byte-range locks.
// Elsewhere than Unix it falls back to a QLockFile beside the store (PATH.lock).
#ifndef STORELOCK_P_H
#define STORELOCK_P_H

#include <QtCore/QString>

#include <memory>

class QLockFile;

namespace PersistentMapInternal {

class StoreLock
{
public:
    enum class Result {
        Acquired,
        Busy, // another open file description holds it: another process, or this one
        Failed, // the lock cannot be taken at all (*error says why)
    };

    StoreLock();
    ~StoreLock(); // releases the lock
    StoreLock(StoreLock &&other) noexcept;
    StoreLock &operator=(StoreLock &&other) noexcept;
    StoreLock(const StoreLock &) = delete;
    StoreLock &operator=(const StoreLock &) = delete;

    // Takes the lock on the file path names, without waiting. Locks, then checks that path still
    // names the locked file (an owner may have renamed a new file over it in between), and tries
    // again when it does not, so that the lock taken is always the current file's.
    Result acquire(const QString &path, QString *error);
    // The errno a failed acquire() stopped at (EMFILE, ENFILE, ...); 0 when there was none.
    int osError() const { return m_osError; }

    // Takes the lock on a file this process has open (handle), before it replaces the store by
    // rename: the new file is locked from the moment it becomes the store. The lock lives on
    // after handle is closed. Unix only; elsewhere it succeeds without locking, and isHeld()
    // stays false (the lock file beside the store is the lock there).
    bool acquireOpenFile(int handle, QString *error);

    bool isHeld() const;
    // The descriptor the lock is held on (read-only, on the locked file), to read and stat the
    // file this process owns whatever its path names now; -1 when not held or not Unix.
    int handle() const { return m_fd; }
    // Whether path names the locked file now (another program may have renamed a file over it,
    // or removed it). True when that cannot be told (not Unix).
    bool locksFileAt(const QString &path) const;
    // Whether handle, a descriptor of this process, is on the locked file. True when that cannot
    // be told (not Unix).
    bool locksOpenFile(int handle) const;
    // How many names (hard links) the locked file has; 0 when not known (not held, not Unix).
    qint64 linkCount() const;
    void release();

    // Who holds the lock on the file path names, for a message: "process 1234 (name)", or a
    // description of why that cannot be told (Linux reads /proc/locks).
    static QString describeHolder(const QString &path);
    // How a holder's lock ends, for the same message.
    static QString howItEnds();

private:
    int m_fd = -1;
    int m_osError = 0;
    std::unique_ptr<QLockFile> m_lockFile; // the fallback elsewhere than Unix
};

} // namespace PersistentMapInternal

#endif // STORELOCK_P_H
