// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

/// PersistentMap: a key-value map held in memory and persisted asynchronously.
///
/// Threading: every member function is safe to call from any thread. Reads (value, get, contains,
/// count, keys, toHash) are served from the in-memory cache and never wait for I/O. Writes update
/// the cache at once and return a QFuture that finishes when the backend has committed them
/// (acknowledged = committed); they never touch the disk on the caller's thread. Writes are
/// persisted in the order they were made: after flush() the store equals the cache.
///
/// Signals are emitted on the thread that owns the object (its event loop delivers changes made
/// on other threads), only when a value really changed, and in the order the changes were made.
/// Entries loaded from the store at start-up do not emit valueChanged: statusChanged (Ready) and
/// countChanged announce them.
///
/// Failure: a failed write keeps its changes queued, fails its future with PersistentMapError,
/// sets errorString and emits errorOccurred; the next write or flush() retries it. A write the
/// store can never take (PersistentMapBackend::canStore()) fails at once with Code::Unsupported and
/// is not queued. A sync that fails after the writes committed fails only flush()'s future (the
/// writes are acknowledged and never written again); the next flush() syncs again. A store that
/// cannot be opened or parsed is left untouched: status becomes Error, whenReady() fails, and
/// the map keeps working in memory only (writes fail their futures with the same error).
/// A store that may be read but not written (PersistentMapBackend::isReadOnly()) opens read-only:
/// status Ready, every write fails at once with Code::ReadOnly and is not queued, flush()
/// succeeds. Writes made while it was still loading fail with Code::ReadOnly too and are not
/// retried; their values stay in the cache until another writer changes those keys.
///
/// Changes committed to the store by other processes are followed while watchExternalChanges is
/// on (see below): a key with a local write still pending keeps the local value, which is
/// committed after the other writer's (last writer wins).
///
/// Values this process cannot read (a type of a Qt module it does not load such as QColor
/// without Qt Gui, a legacy row of a type this version no longer reads, a tag written by a newer
/// version of the library, a damaged text) never stop loading or following: such an entry is
/// absent from value(), get(), contains(), count(), keys() and toHash(), reported once (the key,
/// the stored type tag and the reason) through errorOccurred and the "persistentmap.core" logging
/// category while the status stays Ready, and left in the store byte for byte by writes of other
/// keys, CSV compaction and clear() (which removes what the map can see and writes such entries
/// back). insert() or remove() of its key replaces or removes it as for any key. While external
/// changes are watched it is tried again at the first poll after a type was registered or a Qt
/// module loaded, and once readable it arrives with valueChanged and countChanged; otherwise at
/// the next start. docs/FORMAT.md, "Values a process cannot read".
///
/// The destructor persists every pending write and closes the store before it returns; what this
/// map committed is synced to disk first, as by flush(). A map that wrote nothing (or whose writes
/// a flush() synced already) closes without a sync.
#ifndef PERSISTENTMAP_H
#define PERSISTENTMAP_H

#include <PersistentMap/persistentmap_export.h>
#include <PersistentMap/persistentmapbackend.h>
#include <PersistentMap/persistentmaperror.h>
#include <PersistentMap/persistentmapschema.h>
#include <PersistentMap/persistentmapwritebatch.h>

#include <QtCore/QFuture>
#include <QtCore/QObject>
#include <QtCore/QStringList>
#include <QtCore/QVariant>
#include <QtCore/QVariantHash>

#include <memory>
#include <optional>
#include <type_traits>

class PersistentMapGroup;
class PersistentMapPrivate;
class PersistentMapDelayedView;
class PersistentMapPropertyBinding;

class PERSISTENTMAP_EXPORT PersistentMap : public QObject
{
    Q_OBJECT
    Q_PROPERTY(Status status READ status NOTIFY statusChanged)
    Q_PROPERTY(qsizetype count READ count NOTIFY countChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)
    Q_PROPERTY(bool watchExternalChanges READ watchExternalChanges WRITE setWatchExternalChanges
                       NOTIFY watchExternalChangesChanged)
    Q_PROPERTY(
            int watchInterval READ watchInterval WRITE setWatchInterval NOTIFY watchIntervalChanged)

public:
    enum class Status { Loading, Ready, Error };
    Q_ENUM(Status)

    /// Takes ownership of the backend and starts loading it in the background. A null backend
    /// gives a map in status Error.
    explicit PersistentMap(std::unique_ptr<PersistentMapBackend> backend,
                           QObject *parent = nullptr);
    ~PersistentMap() override;

    Status status() const;
    QString errorString() const;
    QFuture<void> whenReady() const; ///< finishes when loaded; fails with PersistentMapError
    /// Whether every write fails at once with Code::ReadOnly (PersistentMapBackend::isReadOnly()).
    bool isReadOnly() const;

    /// The stored value; for a key not stored, `defaultValue` when it is valid, else the
    /// schema's default for the key (setSchema()), else an invalid QVariant.
    QVariant value(const QString &key, const QVariant &defaultValue = {}) const;
    /// The value as a T, or std::nullopt when the key is absent or its value is not a T and does
    /// not convert to one exactly. Exactly: Qt converts it (QVariant::convert()), and converting
    /// the result back gives the stored value again: numbers compared as numbers (NaN is NaN),
    /// other values by their stored text (so no fuzzy QPointF ==, and a date-time keeps its
    /// zone). get<QVariant>() is value() for a present key. So a stored
    /// int 42 gives get<double>() 42.0 and get<QString>() "42", a string "17" gives get<int>() 17,
    /// but 0.8 gives no get<int>(), 9000000000 no get<int>(), -1 no get<uint>(), 16777217 no
    /// get<float>(), "017" no get<int>() and 2 no get<bool>() (README, "Quick start").
    template<typename T>
    std::optional<T> get(const QString &key) const;
    /// contains(), count(), isEmpty(), keys() and toHash() describe what is stored: a key that
    /// only has a schema default is not in them (isDefault() is true for it).
    bool contains(const QString &key) const;
    qsizetype count() const;
    bool isEmpty() const;
    QStringList keys() const;
    QVariantHash toHash() const; ///< a consistent copy: never half of an atomic batch

    QFuture<void> insert(const QString &key, const QVariant &value);
    QFuture<void> insert(const QVariantHash &entries); ///< atomic
    QFuture<void> remove(const QString &key);
    QFuture<void> apply(
            const PersistentMapWriteBatch &batch); // atomic; the last entry for a key wins
    QFuture<void> clear(); ///< persisted, not only in memory
    /// Removes every key under the group `name` ("a/b": the keys starting with "a/b/", at any
    /// depth; the name normalized as QSettings does, see PersistentMapGroup) in one atomic batch:
    /// after a reopen either all of them are gone or none is, and other processes see one commit.
    /// The key "a/b" itself and keys outside the group stay. While the map is still loading, the
    /// group's keys loaded afterwards are removed too (keys written after this call stay). Like
    /// clear(), it removes what the map can read: entries it cannot decode stay in the store.
    /// removeGroup("") is clear(). As QSettings::remove() on a group.
    QFuture<void> removeGroup(const QString &name);
    /// A view of the keys under `name` ("a/b"), read and written by relative keys; cheap, holds
    /// no data, invalid once this map is destroyed. Include <PersistentMap/PersistentMapGroup>
    /// to call it (the settings layer defines it; PersistentMapGroup, docs/GROUPS.md).
    PersistentMapGroup group(const QString &name);
    /// Every earlier write committed and durable on disk (synced); fails when the sync fails.
    QFuture<void> flush();

    /// Settings (docs/SCHEMA.md): the keys the map knows, with their types, defaults, ranges and
    /// choices, as a GSettings schema or a KConfigXT .kcfg file declares them. Call it on the
    /// thread that owns the map, best before the first write; every other call below is safe from
    /// any thread. It replaces the previous schema, writes nothing, and emits schemaChanged()
    /// (value() of keys that are not stored may now give other defaults; no valueChanged). Values
    /// stored before are kept as they are, also where the new schema would refuse them.
    ///
    /// With a schema, value() and get<T>() of a declared key that is not stored give its default
    /// (also for keys another process removed); an explicit value(key, fallback) wins over it.
    /// Defaults are never written to the store. insert(), insert(hash) and apply() convert a
    /// declared key's value exactly to its type (a QML number 12.0 to int 12; not 12.5, not
    /// "abc") and store that; a value that does not convert or breaks the range or the choices
    /// makes the whole call fail at once with Code::SchemaViolation ("key 'fontSize': '100'
    /// (int) is above the maximum 72"): nothing is changed or written, no valueChanged or
    /// countChanged is emitted; errorOccurred reports it as for Code::Unsupported. Removing a
    /// declared key is always allowed: it is reset().
    void setSchema(const PersistentMapSchema &schema);
    PersistentMapSchema schema() const;
    /// The schema's default for `key`; an invalid QVariant for a key without one.
    QVariant defaultValue(const QString &key) const;
    /// True when nothing is stored for `key` (value() then gives the default). Unlike KConfig's
    /// KConfigSkeletonItem::isDefault(), which compares the current value with the default, a
    /// key stored with a value equal to its default is not default here: it stays stored, and
    /// keeps that value if the schema's default changes later.
    bool isDefault(const QString &key) const;
    /// Removes the stored value of `key` so that value() gives the default again: remove(key),
    /// with the same signals (valueRemoved, countChanged) and future.
    QFuture<void> reset(const QString &key);
    /// Removes the stored values of every key the schema declares, in one atomic batch, as
    /// KConfigSkeleton::setDefaults() followed by save(). Keys the schema does not declare stay.
    /// Each removed key emits valueRemoved; a listener that reads value() then sees its default.
    QFuture<void> resetAll();

    /// Changes that other writers commit to the store (another process, another map on the same
    /// store) update the cache and emit the same signals as local changes, for backends that can
    /// tell (PersistentMapBackend::canWatchChanges(): SQLite, PostgreSQL, read-only CSV). Where
    /// the backend pushes (PersistentMapBackend::watchChanges(): the kernel's file watch for
    /// SQLite and CSV files on a local file system, NOTIFY for PostgreSQL) the storage thread
    /// reads the store when told that another writer committed, and no timer runs. Elsewhere
    /// (a network file system such as NFS, SMB or FUSE, no inotify watch left, a PostgreSQL hot
    /// standby, a custom backend that does not push) a timer on the owner thread's event loop
    /// has the storage thread ask the backend every watchInterval milliseconds
    /// (DefaultWatchInterval; setWatchInterval() raises a shorter one to MinimumWatchInterval);
    /// a pushing backend is polled so only while its polls fail (a server that went away). On
    /// by default; docs/MULTI-PROCESS.md.
    static constexpr int DefaultWatchInterval = 50; ///< milliseconds
    static constexpr int MinimumWatchInterval = 10; ///< milliseconds
    bool watchExternalChanges() const;
    void setWatchExternalChanges(bool watch);
    int watchInterval() const;
    void setWatchInterval(int milliseconds);

    /// How bind() couples a key and a property; the values are those of GSettings'
    /// GSettingsBindFlags (g_settings_bind()). docs/BINDING.md.
    enum BindFlag {
        BindDefault = 0, ///< BindGet | BindSet
        BindGet = 0x1, ///< the store sets the property: at bind time, when Ready, on each change
        BindSet = 0x2, ///< a change of the property (its NOTIFY signal) is inserted into the store
        BindGetNoChanges = 0x8, ///< with BindGet: the property is set once, later changes ignored
        BindInvertBoolean = 0x10, ///< a bool property holds the negation of a bool value
    };
    Q_DECLARE_FLAGS(BindFlags, BindFlag)
    Q_FLAG(BindFlags)

    /// Couples `key` with a property of `object` in both directions (or one, by `flags`), as
    /// GSettings' g_settings_bind(). `property` nullptr means the object's USER property
    /// (QMetaObject::userProperty(): QCheckBox checked, QLineEdit text, QSpinBox value, QComboBox
    /// currentText, ...). With BindGet the property gets value(key) now (when the key is stored
    /// or has a schema default), again when the map becomes Ready, on every change (also
    /// changes made by other processes) and when the schema changes; a key with neither gives
    /// the property back the value it had when it was bound. With BindSet every change the
    /// property announces (its NOTIFY signal) is inserted (a value equal to value(key), such as
    /// the default of a key not stored, is not written), converted by the schema for a declared
    /// key, else in the type the stored value already has when it converts to it exactly,
    /// else in the property's own type. Conversions are exact (get<T>()'s rule): a value that
    /// does not convert exactly leaves the property unchanged and logs a warning; an insert()
    /// the map refuses at once puts the stored value back into the property.
    ///
    /// Owner thread only; `object` must live in the map's thread. A property can be bound once
    /// per map: binding it again replaces the earlier binding. The binding ends with unbind() or
    /// when the object or the map is destroyed. Returns false, with a qWarning naming the
    /// object, the property and the reason, when the object is null or in another thread, the
    /// property does not exist, is not readable, is not writable (BindGet) or has no NOTIFY
    /// signal (BindSet), or BindInvertBoolean is asked for a property that is not a bool.
    bool bind(const QString &key, QObject *object, const char *property = nullptr,
              BindFlags flags = BindDefault);
    /// Ends the binding of that property (nullptr: the USER property) made by bind(); true when
    /// there was one.
    bool unbind(QObject *object, const char *property = nullptr);

Q_SIGNALS:
    void valueChanged(const QString &key, const QVariant &value);
    void valueRemoved(const QString &key);
    void countChanged();
    /// Only when status() changes (Loading to Ready or Error, once), never for a failed write.
    void statusChanged();
    /// errorString() changed: a failed load, write, poll or sync, or an unreadable value reported.
    void errorStringChanged();
    /// A failed write, load, poll or sync, or a stored value this process cannot read.
    void errorOccurred(const QString &message);
    void watchExternalChangesChanged();
    void watchIntervalChanged();
    /// setSchema() replaced the schema: defaults of keys that are not stored may have changed.
    void schemaChanged();

private:
    friend class PersistentMapDelayedView; // its get<T>() and bindings share exactly<T>()
    friend class PersistentMapPropertyBinding;
    // get<T>()'s rule: true and *converted when `stored` converts to `type` exactly.
    static bool convertExactly(const QVariant &stored, QMetaType type, QVariant *converted);
    // get<T>() of a value already read: nullopt when invalid or not exactly a T.
    template<typename T>
    static std::optional<T> exactly(const QVariant &v);

    Q_DISABLE_COPY(PersistentMap)
    Q_DECLARE_PRIVATE(PersistentMap)
    std::unique_ptr<PersistentMapPrivate> d_ptr;
};

template<typename T>
std::optional<T> PersistentMap::get(const QString &key) const
{
    return exactly<T>(value(key));
}

template<typename T>
std::optional<T> PersistentMap::exactly(const QVariant &v)
{
    if (!v.isValid())
        return std::nullopt;
    if constexpr (std::is_same_v<T, QVariant>)
        return v;
    if (v.metaType() == QMetaType::fromType<T>())
        return v.value<T>();
    QVariant converted;
    if (!convertExactly(v, QMetaType::fromType<T>(), &converted))
        return std::nullopt;
    return converted.value<T>();
}

Q_DECLARE_OPERATORS_FOR_FLAGS(PersistentMap::BindFlags)

#endif // PERSISTENTMAP_H
