// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmapgroup.h>

#include "core/groupname_p.h"

#include <QtCore/QDebug>
#include <QtCore/QSet>

#include <algorithm>

using PersistentMapInternal::normalizedGroupName;

PersistentMapGroup PersistentMap::group(const QString &name)
{
    return PersistentMapGroup(this, name);
}

PersistentMapGroup::PersistentMapGroup(PersistentMap *map, const QString &name)
    : m_map(map)
    , m_name(normalizedGroupName(name))
{
}

PersistentMapGroup PersistentMapGroup::group(const QString &name) const
{
    const QString sub = normalizedGroupName(name);
    PersistentMapGroup nested;
    nested.m_map = m_map;
    nested.m_name = m_name.isEmpty() ? sub : sub.isEmpty() ? m_name : m_name + u'/' + sub;
    return nested;
}

bool PersistentMapGroup::isValid() const
{
    return !m_map.isNull();
}

PersistentMap *PersistentMapGroup::map() const
{
    return m_map.data();
}

QString PersistentMapGroup::name() const
{
    return m_name;
}

QString PersistentMapGroup::prefix() const
{
    return m_name.isEmpty() ? QString() : m_name + u'/';
}

QString PersistentMapGroup::absoluteKey(const QString &relativeKey) const
{
    const QString key = normalizedGroupName(relativeKey);
    if (key.isEmpty() || m_name.isEmpty())
        return key;
    return m_name + u'/' + key;
}

bool PersistentMapGroup::containsKey(const QString &absoluteKey) const
{
    if (m_name.isEmpty())
        return !absoluteKey.isEmpty();
    return absoluteKey.size() > m_name.size() + 1 && absoluteKey.startsWith(m_name) &&
            absoluteKey.at(m_name.size()) == u'/';
}

QString PersistentMapGroup::relativeKey(const QString &absoluteKey) const
{
    if (!containsKey(absoluteKey))
        return QString();
    return m_name.isEmpty() ? absoluteKey : absoluteKey.mid(m_name.size() + 1);
}

QVariant PersistentMapGroup::value(const QString &key, const QVariant &fallback) const
{
    const QString absolute = absoluteKey(key);
    PersistentMap *map = m_map.data();
    return map && !absolute.isEmpty() ? map->value(absolute, fallback) : fallback;
}

bool PersistentMapGroup::contains(const QString &key) const
{
    const QString absolute = absoluteKey(key);
    PersistentMap *map = m_map.data();
    return map && !absolute.isEmpty() && map->contains(absolute);
}

QStringList PersistentMapGroup::childKeys() const
{
    QStringList result;
    PersistentMap *map = m_map.data();
    if (!map)
        return result;
    const QStringList keys = map->keys();
    for (const QString &key : keys) {
        if (!containsKey(key))
            continue;
        const qsizetype start = m_name.isEmpty() ? 0 : m_name.size() + 1;
        if (key.indexOf(u'/', start) < 0)
            result.append(key.mid(start));
    }
    std::sort(result.begin(), result.end());
    return result;
}

QStringList PersistentMapGroup::childGroups() const
{
    PersistentMap *map = m_map.data();
    if (!map)
        return {};
    QSet<QString> groups;
    const QStringList keys = map->keys();
    const qsizetype start = m_name.isEmpty() ? 0 : m_name.size() + 1;
    for (const QString &key : keys) {
        if (!containsKey(key))
            continue;
        const qsizetype slash = key.indexOf(u'/', start);
        if (slash > start) // a part of "" (a key "a//b" stored as such) is no group
            groups.insert(key.mid(start, slash - start));
    }
    QStringList result(groups.cbegin(), groups.cend());
    std::sort(result.begin(), result.end());
    return result;
}

QStringList PersistentMapGroup::allKeys() const
{
    QStringList result;
    PersistentMap *map = m_map.data();
    if (!map)
        return result;
    const QStringList keys = map->keys();
    for (const QString &key : keys) {
        if (containsKey(key))
            result.append(relativeKey(key));
    }
    std::sort(result.begin(), result.end());
    return result;
}

QVariantHash PersistentMapGroup::toHash() const
{
    QVariantHash result;
    PersistentMap *map = m_map.data();
    if (!map)
        return result;
    const QVariantHash all = map->toHash();
    for (auto it = all.cbegin(); it != all.cend(); ++it) {
        if (containsKey(it.key()))
            result.insert(relativeKey(it.key()), it.value());
    }
    return result;
}

QFuture<void> PersistentMapGroup::invalid() const
{
    const QString why = m_map ? QStringLiteral("an empty key in the group '%1'").arg(m_name)
                              : QStringLiteral("the map of the group '%1' was destroyed (or the "
                                               "group has none)")
                                        .arg(m_name);
    return QtFuture::makeExceptionalFuture(
            PersistentMapError(PersistentMapError::Code::Unsupported, why));
}

QFuture<void> PersistentMapGroup::insert(const QString &key, const QVariant &value) const
{
    const QString absolute = absoluteKey(key);
    PersistentMap *map = m_map.data();
    if (!map || absolute.isEmpty())
        return invalid();
    return map->insert(absolute, value);
}

QFuture<void> PersistentMapGroup::insert(const QVariantHash &entries) const
{
    PersistentMap *map = m_map.data();
    if (!map)
        return invalid();
    QVariantHash absolute;
    absolute.reserve(entries.size());
    for (auto it = entries.cbegin(); it != entries.cend(); ++it) {
        const QString key = absoluteKey(it.key());
        if (key.isEmpty())
            return invalid();
        absolute.insert(key, it.value());
    }
    return map->insert(absolute);
}

QFuture<void> PersistentMapGroup::remove(const QString &key) const
{
    const QString absolute = absoluteKey(key);
    PersistentMap *map = m_map.data();
    if (!map || absolute.isEmpty())
        return invalid();
    return map->remove(absolute);
}

QFuture<void> PersistentMapGroup::apply(const PersistentMapWriteBatch &batch) const
{
    PersistentMap *map = m_map.data();
    if (!map)
        return invalid();
    PersistentMapWriteBatch absolute;
    absolute.reserve(batch.size());
    for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
        const QString key = absoluteKey(entry.key);
        if (key.isEmpty())
            return invalid();
        if (entry.isRemove)
            absolute.remove(key);
        else
            absolute.insert(key, entry.value);
    }
    return map->apply(absolute);
}

QFuture<void> PersistentMapGroup::clear() const
{
    PersistentMap *map = m_map.data();
    if (!map)
        return invalid();
    return map->removeGroup(m_name);
}

QVariant PersistentMapGroup::defaultValue(const QString &key) const
{
    const QString absolute = absoluteKey(key);
    PersistentMap *map = m_map.data();
    return map && !absolute.isEmpty() ? map->defaultValue(absolute) : QVariant();
}

bool PersistentMapGroup::isDefault(const QString &key) const
{
    const QString absolute = absoluteKey(key);
    PersistentMap *map = m_map.data();
    return map && !absolute.isEmpty() && map->isDefault(absolute);
}

QFuture<void> PersistentMapGroup::reset(const QString &key) const
{
    const QString absolute = absoluteKey(key);
    PersistentMap *map = m_map.data();
    if (!map || absolute.isEmpty())
        return invalid();
    return map->reset(absolute);
}

QFuture<void> PersistentMapGroup::resetAll() const
{
    PersistentMap *map = m_map.data();
    if (!map)
        return invalid();
    if (m_name.isEmpty())
        return map->resetAll();
    PersistentMapWriteBatch batch;
    const QStringList declared = map->schema().keys();
    for (const QString &key : declared) {
        if (containsKey(key))
            batch.remove(key); // removing a declared key is its reset()
    }
    return map->apply(batch);
}

bool PersistentMapGroup::bind(const QString &key, QObject *object, const char *property,
                              PersistentMap::BindFlags flags) const
{
    const QString absolute = absoluteKey(key);
    PersistentMap *map = m_map.data();
    if (!map || absolute.isEmpty()) {
        qWarning().noquote() << QStringLiteral("PersistentMapGroup::bind('%1'): %2")
                                        .arg(key,
                                             map ? QStringLiteral("the key names nothing")
                                                 : QStringLiteral("the group has no map"));
        return false;
    }
    return map->bind(absolute, object, property, flags);
}

bool PersistentMapGroup::unbind(QObject *object, const char *property) const
{
    PersistentMap *map = m_map.data();
    return map && map->unbind(object, property);
}
