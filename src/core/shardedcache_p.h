// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The in-memory side of PersistentMap: QHash shards, each behind its own QReadWriteLock, so
// readers on different threads rarely touch the same lock (the Qt analogue of a DashMap).
// Reads are safe from any thread. Every modification must be made while holding the map's
// write mutex: that orders cache updates exactly like the write queue, and lets toHash() and
// keys() take a consistent copy.
#ifndef SHARDEDCACHE_P_H
#define SHARDEDCACHE_P_H

#include <QtCore/QHash>
#include <QtCore/QReadWriteLock>
#include <QtCore/QSet>
#include <QtCore/QStringList>
#include <QtCore/QVariant>

#include <array>
#include <atomic>
#include <optional>
#include <tuple>

namespace PersistentMapInternal {

class ShardedCache
{
public:
    enum class Change { None, Updated, Added };

    QVariant value(const QString &key, const QVariant &defaultValue) const;
    bool contains(const QString &key) const;
    qsizetype count() const { return m_count.load(std::memory_order_relaxed); }

    // Modifications: caller holds the map's write mutex.
    Change insert(const QString &key, const QVariant &value);
    bool remove(const QString &key);
    QStringList clear(); // returns the keys that were removed
    // The initial load, built without locks on the storage thread, already split by shard.
    class Staging
    {
    public:
        void reserve(qsizetype count);
        void insert(QString &&key, QVariant &&value)
        {
            m_hashes[indexOf(key)].emplace(std::move(key), std::move(value));
        }

    private:
        friend class ShardedCache;
        std::array<QHash<QString, QVariant>, 32> m_hashes;
    };
    // Takes the loaded entries, except the keys in skip (written while loading: the writes win),
    // without reporting changes. A shard that is still empty takes its part whole, in O(1).
    void adopt(Staging &&staging, const QSet<QString> &skip);
    // Consistent only while the caller holds the map's write mutex.
    QVariantHash toHash() const;
    QStringList keys() const;

    // Two values are the same only if type and value agree: 1 and 1.0 compare equal as
    // QVariants, but a change of type must still be stored and announced.
    static bool same(const QVariant &a, const QVariant &b)
    {
        return a.metaType() == b.metaType() && a == b;
    }

private:
    static constexpr size_t ShardCount = 32;
    static_assert(ShardCount == std::tuple_size_v<decltype(Staging::m_hashes)>);
    struct alignas(64) Shard
    {
        mutable QReadWriteLock lock;
        QHash<QString, QVariant> hash;
    };

    Shard &shardFor(const QString &key) { return m_shards[indexOf(key)]; }
    const Shard &shardFor(const QString &key) const { return m_shards[indexOf(key)]; }
    // A seed unlike QHash's own, so the keys of one shard still spread over its buckets.
    static size_t indexOf(const QString &key) { return qHash(key, 0x9e3779b9U) % ShardCount; }

    // Each shard guarded by its own lock (read: any thread; write: also with the map's write
    // mutex held).
    std::array<Shard, ShardCount> m_shards;
    // Atomic: written with the map's write mutex held, read by any thread.
    std::atomic<qsizetype> m_count{0};
};

} // namespace PersistentMapInternal

#endif // SHARDEDCACHE_P_H
