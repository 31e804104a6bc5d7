// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

/// PersistentMapCsvBackend: stores the map in a CSV file (RFC 4180 quoting, UTF-8, a key,type,value
/// header) that a person can read and a spreadsheet can open. docs/FORMAT.md describes it.
///
/// Writes are appended (a removal appends a tombstone row; a batch of several entries is preceded
/// by a row that counts them, so a batch torn by a crash is dropped whole). When dead rows
/// outnumber live ones the file is compacted into a new file (PATH.replacing-XXXXXX, synced) that
/// replaces the old one by rename; the file is never rewritten in place, and only bytes after
/// its last complete write (never acknowledged) are ever cut off. Where the rename is refused (a
/// file bind-mounted on its own: EBUSY, EXDEV), compaction waits and clear() appends a removal
/// for every key; a failed step (EMFILE, ENOSPC, EINTR, a failed sync) fails with the system's
/// reason and leaves the store usable (docs/FORMAT.md, "When a step fails"). The owner
/// holds the system's whole-file lock (flock) on the file itself, so a second owner through any
/// path (a symbolic link, a bind mount) gets Code::Locked naming the holder's PID and command;
/// the lock ends with its holder, so there is no stale lock to clear. A file with more than one
/// hard link is refused (Code::OpenFailed): a rename moves one name only. A final
/// write torn by a crash (also one cut inside a multi-line value) is dropped with a warning, its
/// bytes kept in `PATH.torn-<UTC time>`; any other line that cannot be parsed is reported as
/// Code::Corrupt with its line number, and the file is left untouched.
///
/// OpenMode::ReadOnly opens a store that another process owns (holds the lock) to follow it: no
/// lock is taken, and the file is never created, repaired, compacted or written (a missing file
/// fails with Code::OpenFailed; every write fails with Code::ReadOnly, isReadOnly()). A ReadWrite
/// store whose file this process may not write (EACCES, EROFS, EPERM: another user's file, a
/// read-only mount) is opened the same way, and its refusals name the path and the permission;
/// openMode() still returns what was asked. A failed open says why with its own code where there
/// is one (DiskFull, TooManyOpenFiles, IoError); Corrupt is kept for lines that do not parse.
/// canWatchChanges() is true: pollChanges() checks the file's size and identity, reads only the
/// bytes appended since the last complete write it applied, applies a batch once all its rows are
/// there, and reloads the whole file (Changes::complete) when the owner replaced it (compaction,
/// clear()). An unfinished last line is not applied yet: it may be an append in progress. In
/// ReadWrite mode the lock keeps every other writer out; the owner's poll only notices another
/// program putting a new file in the store's place (a text editor saving it, mv), removing it, or
/// writing the owner's file in place (cp): that file (or an empty one) is locked, read and handed
/// to the map as a complete change, and appended to. The owner reads only the file it holds the
/// lock on.
///
/// PATH is resolved once, at open (symbolic links, "..", the working folder, /proc/self/fd/N): the
/// store stays the file it named then.
#ifndef PERSISTENTMAPCSVBACKEND_H
#define PERSISTENTMAPCSVBACKEND_H

#include <PersistentMap/persistentmapbackend.h>

class PersistentMapCsvBackendPrivate;

class PERSISTENTMAP_EXPORT PersistentMapCsvBackend : public PersistentMapBackend
{
public:
    enum class OpenMode { ReadWrite, ReadOnly };

    explicit PersistentMapCsvBackend(const QString &path, OpenMode mode = OpenMode::ReadWrite);
    ~PersistentMapCsvBackend() override;

    QString path() const;
    OpenMode openMode() const;

    void loadInto(Loader &loader) override;
    void flush() override;
    void apply(const PersistentMapWriteBatch &batch) override;
    void clear() override;
    bool canStore(const QString &key, const QVariant &value, QString *why) const override;
    bool isReadOnly(QString *why) const override;
    bool canWatchChanges() const override;
    Changes pollChanges() override;
    /// Pushes through the kernel's file watch (inotify) on the file's folder; false (polled)
    /// on a network file system or when no watch is left.
    bool watchChanges(std::function<void()> othersCommitted) override;

private:
    std::unique_ptr<PersistentMapCsvBackendPrivate> d;
};

#ifndef PERSISTENTMAP_NO_DEPRECATED_NAMES
// The name before every public type took the PersistentMap prefix (docs/DESIGN.md, "Names"):
// kept for one release; define PERSISTENTMAP_NO_DEPRECATED_NAMES to check code is free of it.
using CsvBackend [[deprecated("use PersistentMapCsvBackend")]] = PersistentMapCsvBackend;
#endif

#endif // PERSISTENTMAPCSVBACKEND_H
