// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// FileWatch: the kernel tells when files of a store change (inotify), so that the file-based
// backends push changes instead of being polled (PersistentMapBackend::watchChanges()).
//
// A watch names files by folder and name and watches the folders, not the files: a file replaced
// by a rename, removed and created again (SQLite's PATH-wal when the last connection closes) or
// not there yet is seen all the same, with no watch to move. Every change to a named file
// (written, truncated, created, removed, renamed to or from, attributes) and the loss of a
// folder's watch call `changed` on the watch thread. One inotify instance and one thread serve
// the whole process (the per-user limit of instances is 128 by default); they exist while a
// watch does.
//
// The kernel sees only the changes made through this host's kernel: fileSystemWatchable() says
// where that is not all of them (NFS, SMB/CIFS, FUSE and other network or cluster file systems,
// told by statfs's f_type); create() returns nullptr there, and when inotify refuses (no
// instance or watch left: fs.inotify.max_user_instances, max_user_watches), with the reason, and
// the backend is polled instead. The environment variable PERSISTENTMAP_FILE_WATCH=poll makes
// every file system count as not watchable (for a file system the list misses, and for tests).
//
// Thread rules: create() and the destructor on any thread but the watch thread (the backends'
// storage thread); `changed` runs on the watch thread, under the hub's mutex, so it must not
// create or destroy watches; once the destructor returned it is not running and is never
// called again. recheckAfter() on any thread.
#ifndef FILEWATCH_P_H
#define FILEWATCH_P_H

#include <QtCore/QList>
#include <QtCore/QLoggingCategory>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <functional>
#include <memory>

namespace PersistentMapInternal {

class FileWatchHub;

class FileWatch
{
public:
    struct Folder
    {
        QString path; // absolute
        QStringList names; // files in it
    };
    // nullptr when any folder cannot be watched, said in `category` as "STORE: polled instead
    // of watched: WHY": a warning when inotify refused (a limit reached), an info message when
    // the file system is not one to watch (network, cluster, PERSISTENTMAP_FILE_WATCH=poll:
    // polling is the design there).
    static std::unique_ptr<FileWatch> create(const QList<Folder> &folders,
                                             std::function<void()> changed,
                                             QMessageLogger::CategoryFunction category,
                                             const QString &store);
    ~FileWatch();
    FileWatch(const FileWatch &) = delete;
    FileWatch &operator=(const FileWatch &) = delete;

    // Calls `changed` once after `milliseconds` (an earlier request still pending wins when it
    // is due sooner): for what the kernel does not report, such as SQLite publishing a commit
    // in its shared memory after the write that was reported.
    void recheckAfter(int milliseconds);

    // Internal to the hub.
    struct Entry;

private:
    FileWatch() = default;
    // nullptr and *why when a folder cannot be watched; *refused: inotify refused (a limit).
    static std::unique_ptr<FileWatch> tryCreate(const QList<Folder> &folders,
                                                std::function<void()> changed, QString *why,
                                                bool *refused);
    std::shared_ptr<FileWatchHub> m_hub;
    Entry *m_entry = nullptr;
};

// Whether inotify sees every change to the files of the folder `path`, other hosts' included;
// otherwise false and *why (the file system's kind, or PERSISTENTMAP_FILE_WATCH=poll).
bool fileSystemWatchable(const QString &path, QString *why);

} // namespace PersistentMapInternal

#endif // FILEWATCH_P_H
