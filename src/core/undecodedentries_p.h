// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// UndecodedEntries: the stored values this process cannot decode (docs/FORMAT.md, "Values a
// process cannot read"), kept out of the cache by key, written back by clear(), reported once
// each, and tried again once a type may have become known.
//
// Thread rules: every ...Locked() function is called with the map's write mutex held (any
// thread). The type stamp is the storage thread's: typesChanged() runs only there.
#ifndef UNDECODEDENTRIES_P_H
#define UNDECODEDENTRIES_P_H

#include "codec/undecodedvalue_p.h"
#include <PersistentMap/persistentmapwritebatch.h>

#include <QtCore/QHash>
#include <QtCore/QStringList>

#include <utility>

namespace PersistentMapInternal {

class UndecodedEntries
{
public:
    using Values = QHash<QString, UndecodedValue>;

    // Kept out of the cache, and reported unless the same value was reported before (a
    // complete reload meets it again).
    void keepLocked(const QString &key, const UndecodedValue &value);
    // The key was written or removed: what the store held of it is gone.
    void removeLocked(const QString &key) { m_values.remove(key); }
    // Keeps only the keys in `present` (a complete reload of the store).
    template<typename Set>
    void keepOnlyLocked(const Set &present)
    {
        m_values.removeIf([&](const auto &it) { return !present.contains(it.key()); });
    }
    bool isEmptyLocked() const { return m_values.isEmpty(); }
    bool containsLocked(const QString &key) const { return m_values.contains(key); }
    Values valuesLocked() const { return m_values; }
    // Takes the key back out when it still holds `was`: it reads now and joins the cache.
    bool takeIfUnchangedLocked(const QString &key, const UndecodedValue &was);
    // One message per value kept since the last call (the first few by name); empty if none.
    QStringList takeReportsLocked();

    // Inserts that write `values` back unchanged after a clear(); not those whose bytes were
    // not UTF-8: what the map holds of them is not what was stored.
    static QList<PersistentMapWriteBatch::Entry> writeBack(const Values &values);
    // The values among `kept` that decode now, by key.
    static QList<std::pair<QString, QVariant>> decodeAgain(const Values &kept);

    // Storage thread: true when a type may have become known since the last call (the stamp
    // is taken before the store is read, so a type registered meanwhile is seen next time).
    bool typesChanged(quint64 stamp) { return std::exchange(m_typeStamp, stamp) != stamp; }

private:
    // Guarded by the map's write mutex.
    Values m_values;
    QStringList m_unreported; // keys kept since the last report

    // Storage thread only.
    quint64 m_typeStamp = 0; // typeRegistryStamp() when they were last tried
};

} // namespace PersistentMapInternal

#endif // UNDECODEDENTRIES_P_H
