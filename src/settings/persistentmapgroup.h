// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

/// PersistentMapGroup: a view of the keys of a PersistentMap under one group, "name/", read and
/// written by keys relative to it, as QSettings::beginGroup() gives them (docs/GROUPS.md).
///
/// A plain value type: a guarded pointer to the map and a prefix; copying it is cheap and it
/// holds no data of its own. Every call goes to the map at once, so a group sees exactly what the
/// map holds and its writes are the map's writes (same futures, same order, same signals).
/// Threading is the map's: reads and writes from any thread, as PersistentMap allows. Like any
/// value, one group object is not assigned to while another thread uses it; copies are
/// independent.
///
/// Lifetime: the group does not keep the map alive. Once the map is destroyed the group is
/// invalid (isValid() false): reads return the fallback, nothing or false, and writes return a
/// future failed with PersistentMapError::Code::Unsupported. The map must not be destroyed while
/// another thread is inside a call on one of its groups (as for the map itself).
///
/// Names, as QSettings normalizes them: slashes at either end are dropped and a run of slashes
/// is one separator, so "/a//b/" is the group "a/b" and map.group("") is the whole map. Relative
/// keys are normalized the same way ("x//y" is "x/y"); a key that normalizes to "" names nothing:
/// reads miss and writes fail with Code::Unsupported. A group has no signals: follow the map's
/// (PersistentMap::valueChanged(), valueRemoved()) and keep the keys for which containsKey()
/// holds; relativeKey() gives the name under the group.
#ifndef PERSISTENTMAPGROUP_H
#define PERSISTENTMAPGROUP_H

#include <PersistentMap/persistentmap.h>
#include <PersistentMap/persistentmap_export.h>
#include <PersistentMap/persistentmapwritebatch.h>

#include <QtCore/QFuture>
#include <QtCore/QPointer>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QVariant>
#include <QtCore/QVariantHash>

#include <optional>

class PERSISTENTMAP_EXPORT PersistentMapGroup
{
public:
    /// An invalid group: no map.
    PersistentMapGroup() = default;
    /// The group `name` of `map` (normalized, see above); PersistentMap::group() is the same.
    /// A null map gives an invalid group that still knows its name and prefix.
    PersistentMapGroup(PersistentMap *map, const QString &name);

    /// The subgroup `name` of this group: group("a").group("b") is group("a/b").
    PersistentMapGroup group(const QString &name) const;

    /// False once the map was destroyed (or for a default-constructed group).
    bool isValid() const;
    PersistentMap *map() const;
    /// The normalized name, "a/b"; "" for the whole map.
    QString name() const;
    /// What the keys of this group start with: name() + "/", or "" for the whole map.
    QString prefix() const;

    /// The key of the map that `relativeKey` names: prefix() + the normalized key; "" when the
    /// key normalizes to "".
    QString absoluteKey(const QString &relativeKey) const;
    /// Whether a key of the map (as the map's signals carry it) lies in this group, at any depth.
    bool containsKey(const QString &absoluteKey) const;
    /// `absoluteKey` without prefix(), or "" when containsKey() is false.
    QString relativeKey(const QString &absoluteKey) const;

    // Reads: from the map's cache, as PersistentMap::value(), get(), contains().
    QVariant value(const QString &key, const QVariant &fallback = {}) const;
    template<typename T>
    std::optional<T> get(const QString &key) const;
    bool contains(const QString &key) const;
    /// The keys directly in this group (no '/' after the prefix), sorted, as
    /// QSettings::childKeys().
    QStringList childKeys() const;
    /// The names of the groups directly under this one (the first part of every deeper key),
    /// sorted and each once, as QSettings::childGroups(). A key stored with an empty part ("a//b"
    /// written through the map itself) gives no group named "".
    QStringList childGroups() const;
    /// Every key under this group at any depth, relative to it, sorted, as QSettings::allKeys().
    QStringList allKeys() const;
    /// A consistent copy of the group's entries, keyed relative to it.
    QVariantHash toHash() const;

    // Writes: the map's, with keys relative to this group; the futures are the map's.
    QFuture<void> insert(const QString &key, const QVariant &value) const;
    QFuture<void> insert(const QVariantHash &entries) const; ///< atomic
    QFuture<void> remove(const QString &key) const;
    /// The batch with every key made absolute; atomic, as PersistentMap::apply().
    QFuture<void> apply(const PersistentMapWriteBatch &batch) const;
    /// Removes every key of this group in one atomic batch: PersistentMap::removeGroup(name()).
    /// clear() on the whole map's group (name "") is PersistentMap::clear().
    QFuture<void> clear() const;

    // The schema (PersistentMap::setSchema(), docs/SCHEMA.md) by relative keys. value() and
    // get<T>() above already fall back to a declared key's default.
    /// The schema's default for the key; an invalid QVariant for a key without one.
    QVariant defaultValue(const QString &key) const;
    /// True when nothing is stored for the key, as PersistentMap::isDefault(); false for an empty
    /// key or an invalid group.
    bool isDefault(const QString &key) const;
    /// PersistentMap::reset() of the key: its stored value removed, value() gives the default.
    QFuture<void> reset(const QString &key) const;
    /// Removes the stored values of every key the schema declares under this group, at any
    /// depth, in one atomic batch (PersistentMap::resetAll() for the group only); undeclared keys
    /// of the group stay. On the whole map's group it is PersistentMap::resetAll().
    QFuture<void> resetAll() const;

    /// PersistentMap::bind() of the key relative to this group (docs/BINDING.md): false, with a
    /// warning, for an invalid group or a key that normalizes to "", as for a refused bind.
    bool bind(const QString &key, QObject *object, const char *property = nullptr,
              PersistentMap::BindFlags flags = PersistentMap::BindDefault) const;
    /// PersistentMap::unbind(): bindings belong to the map, whichever group made them.
    bool unbind(QObject *object, const char *property = nullptr) const;

private:
    QFuture<void> invalid() const; // the failed future of a write without a map or a key

    QPointer<PersistentMap> m_map;
    QString m_name;
};

template<typename T>
std::optional<T> PersistentMapGroup::get(const QString &key) const
{
    const QString absolute = absoluteKey(key);
    PersistentMap *map = m_map.data();
    if (!map || absolute.isEmpty())
        return std::nullopt;
    return map->get<T>(absolute);
}

#endif // PERSISTENTMAPGROUP_H
