// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "core/shardedcache_p.h"

namespace PersistentMapInternal {

ShardedCache::Change ShardedCache::insert(const QString &key, const QVariant &value)
{
    const size_t hash = hashOf(key);
    Shard &shard = m_shards[indexOf(hash)];
    QWriteLocker locker(&shard.lock);
    auto it = shard.hash.find(probe(key, hash));
    if (it == shard.hash.end()) {
        shard.hash.insert(Key{key, hash}, value);
        m_count.fetch_add(1, std::memory_order_relaxed);
        return Change::Added;
    }
    if (same(*it, value))
        return Change::None;
    *it = value;
    return Change::Updated;
}

bool ShardedCache::remove(const QString &key)
{
    const size_t hash = hashOf(key);
    Shard &shard = m_shards[indexOf(hash)];
    QWriteLocker locker(&shard.lock);
    if (!shard.hash.remove(probe(key, hash)))
        return false;
    m_count.fetch_sub(1, std::memory_order_relaxed);
    return true;
}

QStringList ShardedCache::clear()
{
    QStringList removed;
    removed.reserve(count());
    for (Shard &shard : m_shards) {
        Hash old;
        {
            QWriteLocker locker(&shard.lock);
            old.swap(shard.hash);
        }
        for (auto it = old.cbegin(); it != old.cend(); ++it)
            removed.append(it.key().text);
    }
    m_count.store(0, std::memory_order_relaxed);
    return removed;
}

void ShardedCache::Staging::reserve(qsizetype count)
{
    for (Hash &hash : m_hashes)
        hash.reserve(count / qsizetype(ShardCount) + 16);
}

void ShardedCache::adopt(Staging &&staging, const QSet<QString> &skip)
{
    for (const QString &key : skip) {
        const size_t hash = hashOf(key);
        staging.m_hashes[indexOf(hash)].remove(probe(key, hash));
    }
    // All shards at once, so no reader sees part of the load in one shard and none in another.
    for (Shard &shard : m_shards)
        shard.lock.lockForWrite();
    qsizetype added = 0;
    for (size_t i = 0; i < ShardCount; ++i) {
        Hash &loaded = staging.m_hashes[i];
        Hash &hash = m_shards[i].hash;
        if (hash.isEmpty()) {
            added += loaded.size();
            hash.swap(loaded);
            continue;
        }
        // Keys written while loading were removed above, so nothing here overwrites them.
        for (auto it = loaded.begin(); it != loaded.end(); ++it) {
            const qsizetype before = hash.size();
            hash.insert(it.key(), std::move(it.value()));
            added += hash.size() - before;
        }
    }
    m_count.fetch_add(added, std::memory_order_relaxed);
    for (Shard &shard : m_shards)
        shard.lock.unlock();
}

QVariantHash ShardedCache::toHash() const
{
    QVariantHash result;
    result.reserve(count());
    for (const Shard &shard : m_shards) {
        QReadLocker locker(&shard.lock);
        for (auto it = shard.hash.cbegin(); it != shard.hash.cend(); ++it)
            result.insert(it.key().text, it.value());
    }
    return result;
}

QStringList ShardedCache::keys() const
{
    QStringList result;
    result.reserve(count());
    for (const Shard &shard : m_shards) {
        QReadLocker locker(&shard.lock);
        for (auto it = shard.hash.cbegin(); it != shard.hash.cend(); ++it)
            result.append(it.key().text);
    }
    return result;
}

} // namespace PersistentMapInternal
