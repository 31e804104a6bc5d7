// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

/// PersistentMapBackend: where a PersistentMap keeps its data; the calls the map makes.
/// For a simple custom store, derive from PersistentMapSimpleBackend and implement loadAll(),
/// save() and remove(); derive from this class to stream the load and commit batches atomically.
///
/// Contract for implementers:
/// - The constructor does no I/O; a PersistentMap takes ownership and from then on calls every
///   member, including the destructor, one call at a time from the map's own storage thread
///   (canStore() and isReadOnly() excepted: any thread). A backend therefore needs no locking of
///   its own, and may keep thread-bound resources such as a QSqlDatabase connection, created in
///   loadInto() and released in the destructor.
/// - loadInto() is called once, first: it opens the store (creating it when missing, with its
///   parent folders) and hands everything in it to the Loader. A store that exists but cannot be
///   parsed must be left untouched and reported by throwing PersistentMapError (Code::Corrupt).
///   A store that may be read but not written is opened read-only (isReadOnly()), not reported
///   as an error.
/// - Report every failure by throwing PersistentMapError with a message naming the file, the
///   line or key, and the cause. A failed apply() or clear() must leave the store as it was.
/// - apply() receives the map's coalesced pending writes (each key at most once) and commits
///   them in one transaction. flush() makes every earlier write durable on disk.
/// - PersistentMapBackendWrapper forwards every call to another backend: derive from it to change
///   a few calls of a real backend (test doubles, decorators).
#ifndef PERSISTENTMAPBACKEND_H
#define PERSISTENTMAPBACKEND_H

#include <PersistentMap/persistentmap_export.h>
#include <PersistentMap/persistentmapwritebatch.h>

#include <QtCore/QString>
#include <QtCore/QVariantHash>

#include <functional>
#include <memory>

class PersistentMapBackendPrivate;

class PERSISTENTMAP_EXPORT PersistentMapBackend
{
public:
    PersistentMapBackend();
    virtual ~PersistentMapBackend();
    PersistentMapBackend(const PersistentMapBackend &) = delete;
    PersistentMapBackend &operator=(const PersistentMapBackend &) = delete;

    /// Receives the entries that loadInto() reads.
    class PERSISTENTMAP_EXPORT Loader
    {
    public:
        virtual ~Loader();
        virtual void reserve(qsizetype count); ///< a hint, before the entries; default: ignored
        virtual void add(QString &&key, QVariant &&value) = 0; ///< each key at most once
    };

    /// Opens the store and hands its entries over one by one, so a large store is never held
    /// twice in memory while the map builds its cache. Called once, first.
    virtual void loadInto(Loader &loader) = 0;
    /// Commits the batch in one transaction: all of it or, when it throws, none of it.
    virtual void apply(const PersistentMapWriteBatch &batch) = 0;
    virtual void flush(); ///< default: nothing to do
    /// Removes every entry, atomically. The default loads the keys through loadInto() and
    /// apply()s one batch removing them all; a store with a cheaper way overrides it.
    virtual void clear();

    /// Whether the store can take this write at all. PersistentMap asks on the caller's thread
    /// before it queues a write, so one the store can never take fails its own future
    /// (Code::Unsupported, cache unchanged) instead of every later batch it would be retried
    /// with: a failed apply() is always retried. A removal asks with an invalid value, clear()
    /// with a null key and an invalid value. Called from any thread, alongside the storage
    /// thread's calls: it must not use the backend's mutable state or do I/O. The default
    /// accepts everything; otherwise *why says what and why.
    virtual bool canStore(const QString &key, const QVariant &value, QString *why) const;

    /// Whether the store refuses every write: opened read-only on request, or found at open to be
    /// one this process may read but not write (a read-only file, folder or file system, another
    /// user's store). PersistentMap asks on the caller's thread before it queues a write, like
    /// canStore(), and fails the write at once with Code::ReadOnly and *why (which names the path
    /// and the permission); flush() still succeeds. The answer may change from false to true
    /// while loadInto() runs, never back, so an implementation publishes it (and *why before it)
    /// atomically. The default: false.
    virtual bool isReadOnly(QString *why) const;

    /// Watching for changes made by other writers (another process, or another map on the same
    /// store). A backend that can tell what others committed returns true from canWatchChanges().
    /// pollChanges() returns what was committed by others since loadInto() or the previous call:
    /// the current value of each changed key, or its removal. It may include the map's own writes
    /// (the map ignores entries equal to its cache) and may report a key more than once across
    /// calls. When it cannot tell which keys changed (its change log was pruned past its position),
    /// it returns the whole store with `complete` set: keys not in it were removed. It must be
    /// cheap when nothing changed. The map calls it on its storage thread, after loadInto()
    /// succeeded: when the backend pushes (watchChanges()), each time it was told others may have
    /// committed; otherwise every watch interval (PersistentMap::watchInterval, 50 ms by default).
    struct Changes
    {
        PersistentMapWriteBatch entries;
        bool complete = false; ///< entries holds every stored key (inserts only)
        bool isEmpty() const noexcept { return entries.isEmpty() && !complete; }
    };
    virtual bool canWatchChanges() const; ///< default: false
    virtual Changes pollChanges(); ///< default: no changes

    /// Pushing instead of being polled. The map calls watchChanges() once, on its storage thread,
    /// after loadInto() succeeded and only when canWatchChanges() is true. A backend that can learn
    /// of other writers' commits as they happen (a kernel file watch, a server's notifications)
    /// keeps `othersCommitted` and returns true: it then calls it, from any thread and as often as
    /// it likes (spurious calls cost one pollChanges()), whenever others may have committed; the
    /// map coalesces the calls into one queued pollChanges() at a time and runs no timer. It must
    /// not call it any more once its destructor has returned (stop its watch thread there). The
    /// call takes the map's write mutex briefly and never blocks on the storage thread; it does
    /// not throw. Return false (the default) where the store cannot be watched (a network file
    /// system, no watch left, a server that cannot notify): the map then polls every watch
    /// interval. A pushing backend's pollChanges() that throws is called again every watch
    /// interval until it succeeds (a server that went away).
    virtual bool watchChanges(std::function<void()> othersCommitted);

    /// The backend a store spec names: "sqlite:PATH", "csv:PATH[?readonly=1]", "memory:",
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?table=NAME&...]` or a bare PATH picked by
    /// its suffix, read by PersistentMapStoreSpec::parse() (whose header documents the shapes).
    /// Returns nullptr for a spec it does not understand and, when errorString is given, says
    /// why there (PersistentMapStoreSpec::errorString()); a password in the spec shows as "***"
    /// there. Does no I/O.
    static std::unique_ptr<PersistentMapBackend> create(const QString &spec,
                                                        QString *errorString = nullptr);

private:
    // Reserved, null today: room for data this class may need later without changing its size
    // (the library keeps its ABI within a SOVERSION).
    std::unique_ptr<PersistentMapBackendPrivate> d;
};

#ifndef PERSISTENTMAP_NO_DEPRECATED_NAMES
// The name before every public type took the PersistentMap prefix (docs/DESIGN.md, "Names"):
// kept for one release; define PERSISTENTMAP_NO_DEPRECATED_NAMES to check code is free of it.
using StorageBackend [[deprecated("use PersistentMapBackend")]] = PersistentMapBackend;
#endif

#endif // PERSISTENTMAPBACKEND_H
