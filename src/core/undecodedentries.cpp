// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "core/undecodedentries_p.h"

namespace PersistentMapInternal {

void UndecodedEntries::keepLocked(const QString &key, const UndecodedValue &value)
{
    const auto found = m_values.constFind(key);
    if (found != m_values.cend() && *found == value)
        return;
    m_values.insert(key, value);
    m_unreported.append(key);
}

bool UndecodedEntries::takeIfUnchangedLocked(const QString &key, const UndecodedValue &was)
{
    const auto found = m_values.constFind(key);
    if (found == m_values.cend() || *found != was)
        return false; // replaced or removed meanwhile
    m_values.erase(found);
    return true;
}

// One errorOccurred per value newly kept, the first few by name; a store written by a program
// with many types this one lacks would otherwise flood the receivers. The status stays Ready.
QStringList UndecodedEntries::takeReportsLocked()
{
    constexpr qsizetype Named = 10;
    QStringList messages;
    for (const QString &key : std::as_const(m_unreported)) {
        const auto found = m_values.constFind(key);
        if (found == m_values.cend())
            continue; // replaced or removed since
        if (messages.size() == Named) {
            messages.append(QStringLiteral("%1 more stored values cannot be read by this process "
                                           "either; they are left in the store unchanged and "
                                           "out of the map")
                                    .arg(m_unreported.size() - Named));
            break;
        }
        if (found->altered) {
            messages.append(QStringLiteral("key '%1': a row of the store is left out of the map: "
                                           "%2")
                                    .arg(key.left(200), found->why));
            continue;
        }
        messages.append(QStringLiteral("key '%1': cannot read its stored value of type '%2': "
                                       "%3; it is left in the store unchanged and out of the "
                                       "map until it can be read")
                                .arg(key.left(200), found->type.left(64), found->why));
    }
    m_unreported.clear();
    return messages;
}

// The map clears what it can see: an entry it cannot read belongs to a process that can, so it
// is written back, unchanged, in the batch that follows the clear (for every backend).
QList<PersistentMapWriteBatch::Entry> UndecodedEntries::writeBack(const Values &values)
{
    QList<PersistentMapWriteBatch::Entry> ops;
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        if (!it->altered)
            ops.append(PersistentMapWriteBatch::Entry{it.key(), QVariant::fromValue(it.value()),
                                                      false});
    }
    return ops;
}

QList<std::pair<QString, QVariant>> UndecodedEntries::decodeAgain(const Values &kept)
{
    QList<std::pair<QString, QVariant>> readable;
    for (auto it = kept.cbegin(); it != kept.cend(); ++it) {
        if (it->altered)
            continue; // not the stored bytes: no type makes it readable
        QVariant value = decodeOrKeep(it->type, it->text);
        if (!isUndecoded(value))
            readable.append({it.key(), std::move(value)});
    }
    return readable;
}

} // namespace PersistentMapInternal
