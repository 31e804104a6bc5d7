#include "shardedcache_p.h"

namespace PersistentMapInternal {

std::optional<QVariant> ShardedCache::value(const QString &key) const
{
    const Shard &shard = shardFor(key);
    QReadLocker locker(&shard.lock);
    const auto it = shard.hash.constFind(key);
    if (it == shard.hash.cend())
        return std::nullopt;
    return *it;
}

bool ShardedCache::contains(const QString &key) const
{
    const Shard &shard = shardFor(key);
    QReadLocker locker(&shard.lock);
    return shard.hash.contains(key);
}

ShardedCache::Change ShardedCache::insert(const QString &key, const QVariant &value)
{
    Shard &shard = shardFor(key);
    QWriteLocker locker(&shard.lock);
    auto it = shard.hash.find(key);
    if (it == shard.hash.end()) {
        shard.hash.insert(key, value);
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
    Shard &shard = shardFor(key);
    QWriteLocker locker(&shard.lock);
    if (!shard.hash.remove(key))
        return false;
    m_count.fetch_sub(1, std::memory_order_relaxed);
    return true;
}

QStringList ShardedCache::clear()
{
    QStringList removed;
    removed.reserve(count());
    for (Shard &shard : m_shards) {
        QHash<QString, QVariant> old;
        {
            QWriteLocker locker(&shard.lock);
            old.swap(shard.hash);
        }
        for (auto it = old.cbegin(); it != old.cend(); ++it)
            removed.append(it.key());
    }
    m_count.store(0, std::memory_order_relaxed);
    return removed;
}

void ShardedCache::merge(QVariantHash &&entries, const QSet<QString> &skip)
{
    // Lock every shard once instead of once per entry: a load may bring millions.
    for (Shard &shard : m_shards)
        shard.lock.lockForWrite();
    // Grow each shard once, to its share, rather than rehashing it again and again.
    for (Shard &shard : m_shards)
        shard.hash.reserve(shard.hash.size() + entries.size() / qsizetype(ShardCount) + 16);
    qsizetype added = 0;
    const bool skipNone = skip.isEmpty();
    for (auto it = entries.begin(); it != entries.end(); ++it) {
        if (!skipNone && skip.contains(it.key()))
            continue;
        QHash<QString, QVariant> &hash = shardFor(it.key()).hash;
        const qsizetype before = hash.size();
        hash.insert(it.key(), std::move(it.value())); // entries is ours: no reference counting
        added += hash.size() - before;
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
            result.insert(it.key(), it.value());
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
            result.append(it.key());
    }
    return result;
}

} // namespace PersistentMapInternal
