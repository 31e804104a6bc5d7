// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The in-memory side of PersistentMap: QHash shards, each behind its own QReadWriteLock, so
// readers on different threads rarely touch the same lock (the Qt analogue of a DashMap).
// Reads are safe from any thread. Every modification must be made while holding the map's
// write mutex: that orders cache updates exactly like the write queue, and lets toHash() and
// keys() take a consistent copy.
//
// A key is hashed once per call: its hash picks the shard (high bits) and is kept beside the
// key in the shard's QHash (low bits pick the bucket), so the QHash never hashes the text again
// and a probe compares the stored hashes before it reads another key's characters. The hash is
// qHash() with the process's QHashSeed::globalSeed() as first read, random per process as in every
// QHash, so keys chosen to collide (hash flooding) cannot be prepared in advance. value() and
// contains() are defined here so that PersistentMap::value() compiles to one call (pm-bench W3).
#ifndef SHARDEDCACHE_P_H
#define SHARDEDCACHE_P_H

#include <QtCore/QHash>
#include <QtCore/QReadWriteLock>
#include <QtCore/QSet>
#include <QtCore/QStringList>
#include <QtCore/QVariant>

#include <array>
#include <atomic>
#include <limits>
#include <optional>
#include <tuple>

namespace PersistentMapInternal {

class ShardedCache
{
public:
    enum class Change { None, Updated, Added };

    QVariant value(const QString &key, const QVariant &defaultValue) const
    {
        const size_t hash = hashOf(key);
        const Shard &shard = m_shards[indexOf(hash)];
        QReadLocker locker(&shard.lock);
        const auto it = shard.hash.constFind(probe(key, hash));
        return it == shard.hash.cend() ? defaultValue : *it;
    }
    // value() that tells a stored null (an invalid QVariant) from an absent key.
    bool find(const QString &key, QVariant *out) const
    {
        const size_t hash = hashOf(key);
        const Shard &shard = m_shards[indexOf(hash)];
        QReadLocker locker(&shard.lock);
        const auto it = shard.hash.constFind(probe(key, hash));
        if (it == shard.hash.cend())
            return false;
        *out = *it;
        return true;
    }
    bool contains(const QString &key) const
    {
        const size_t hash = hashOf(key);
        const Shard &shard = m_shards[indexOf(hash)];
        QReadLocker locker(&shard.lock);
        return shard.hash.contains(probe(key, hash));
    }
    qsizetype count() const { return m_count.load(std::memory_order_relaxed); }

    // A key and its hash (hashOf()): what a shard's QHash holds as its key.
    struct Key
    {
        QString text;
        size_t hash;
        friend bool operator==(const Key &a, const Key &b) noexcept
        {
            return a.hash == b.hash && a.text == b.text;
        }
        // The bucket comes from the stored hash; QHash's seed was already in it.
        friend size_t qHash(const Key &key, size_t = 0) noexcept { return key.hash; }
    };
    using Hash = QHash<Key, QVariant>;

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
            const size_t hash = hashOf(key);
            m_hashes[indexOf(hash)].emplace(Key{std::move(key), hash}, std::move(value));
        }
        // Drops the entries whose key `drop` accepts (a group removed while loading); returns
        // their keys.
        template<typename Predicate>
        QStringList removeIf(Predicate drop)
        {
            QStringList removed;
            for (Hash &hash : m_hashes) {
                for (auto it = hash.begin(); it != hash.end();) {
                    if (drop(it.key().text)) {
                        removed.append(it.key().text);
                        it = hash.erase(it);
                    } else {
                        ++it;
                    }
                }
            }
            return removed;
        }

    private:
        friend class ShardedCache;
        std::array<Hash, 32> m_hashes;
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
    static constexpr int ShardBits = 5;
    static constexpr size_t ShardCount = size_t(1) << ShardBits;
    static_assert(ShardCount == std::tuple_size_v<decltype(Staging::m_hashes)>);
    struct alignas(64) Shard
    {
        mutable QReadWriteLock lock;
        Hash hash;
    };

    // The global seed as first read, for the life of the process: globalSeed() changes when the
    // application calls QHashSeed::resetRandomGlobalSeed() or setDeterministicGlobalSeed(), and
    // the hashes stored beside the keys (in the cache and in a load's Staging) must not. Qt's
    // documentation: users of the global seed store the value they use.
    static size_t hashOf(const QString &key)
    {
        static const size_t seed = QHashSeed::globalSeed();
        return qHash(key, seed);
    }
    // The high bits: the low ones choose the bucket inside the shard's QHash, so every shard
    // still spreads its keys over all its buckets.
    static size_t indexOf(size_t hash)
    {
        return (hash >> (std::numeric_limits<size_t>::digits - ShardBits)) % ShardCount;
    }
    // A lookup key that borrows the caller's characters: no allocation, no reference count.
    static Key probe(const QString &key, size_t hash)
    {
        return Key{QString::fromRawData(key.constData(), key.size()), hash};
    }

    // Each shard guarded by its own lock (read: any thread; write: also with the map's write
    // mutex held).
    std::array<Shard, ShardCount> m_shards;
    // Atomic: written with the map's write mutex held, read by any thread.
    std::atomic<qsizetype> m_count{0};
};

} // namespace PersistentMapInternal

#endif // SHARDEDCACHE_P_H
