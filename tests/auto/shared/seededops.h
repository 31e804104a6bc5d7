// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The pieces of a seeded write script shared by the suites that replay one (crash-kill,
// power-loss, stress): the kinds of write, an entry and its effect, filler text drawn from a
// SplitMix64 stream, the lookup from a key's name back to its index, the write a tagged value
// came from, and issuing an op on a PersistentMap. Each suite keeps its own keys, alphabet and
// tags (tests/crash/crashops.h, tests/powerloss/powerlossops.h), so the streams it draws stay
// what they were.
#ifndef SEEDEDOPS_H
#define SEEDEDOPS_H

#include "splitmix.h"

#include <PersistentMap/PersistentMap>

#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QVariant>
#include <QtCore/QVariantHash>

namespace SeededOps {

using Random = SplitMix64;

enum class Kind { Insert, Remove, Batch, Hash, Clear };

struct Effect
{
    int key = 0;
    bool remove = false;
    QVariant value; // invalid for a removal
};

// Appends entry to the entries as issued, and to the effects, one per key: the last entry for a
// key wins.
inline void addEffect(QList<Effect> &entries, QList<Effect> &effects, const Effect &entry)
{
    entries.append(entry);
    for (Effect &effect : effects) {
        if (effect.key == entry.key) {
            effect = entry;
            return;
        }
    }
    effects.append(entry);
}

// The index of the key named `key` among KeyName(0) .. KeyName(Count - 1); -1 when the key is
// not one of them.
template<QString (*KeyName)(int), int Count>
int keyIndexOf(const QString &key)
{
    static const QHash<QString, int> indexes = [] {
        QHash<QString, int> byName;
        for (int i = 0; i < Count; ++i)
            byName.insert(KeyName(i), i);
        return byName;
    }();
    return indexes.value(key, -1);
}

// length (or one more) characters drawn from alphabet, never half of a surrogate pair; with
// crlfOneIn > 0, a CRLF follows a character once in crlfOneIn draws.
inline QString filler(Random &random, int length, const QString &alphabet, int crlfOneIn = 0)
{
    QString text;
    text.reserve(length * 2);
    while (text.size() < length) {
        const int at = random.bounded(int(alphabet.size()));
        if (alphabet.at(at).isLowSurrogate())
            continue; // never half of a surrogate pair
        text.append(alphabet.at(at));
        if (alphabet.at(at).isHighSurrogate())
            text.append(alphabet.at(at + 1));
        if (crlfOneIn > 0 && random.bounded(crlfOneIn) == 0)
            text.append(QLatin1String("\r\n"));
    }
    return text;
}

// The write that issued a value tagged "<prefix><SEQ>|..." (a string, or a string list whose
// first item is tagged) or the integer SEQ * 1000 + key; -1 when the value is not one of ours.
inline qint64 seqOf(const QVariant &value, int key, QChar prefix)
{
    QString text;
    if (value.metaType() == QMetaType::fromType<qlonglong>()) {
        const qlonglong n = value.toLongLong();
        return n >= 0 && n % 1000 == key ? n / 1000 : -1;
    }
    if (value.metaType() == QMetaType::fromType<QString>())
        text = value.toString();
    else if (value.metaType() == QMetaType::fromType<QStringList>() &&
             !value.toStringList().isEmpty())
        text = value.toStringList().constFirst();
    else
        return -1;
    if (!text.startsWith(prefix))
        return -1;
    const qsizetype bar = text.indexOf(u'|');
    bool ok = false;
    const qint64 seq = bar > 1 ? text.mid(1, bar - 1).toLongLong(&ok) : -1;
    return ok ? seq : -1;
}

// Equal values of the same type (QVariant's == converts between types).
inline bool sameValue(const QVariant &a, const QVariant &b)
{
    return a.metaType() == b.metaType() && a == b;
}

// Issues a write of the given kind with its entries as issued, keys named by keyName: insert(),
// remove(), clear(), apply(PersistentMapWriteBatch) or insert(QVariantHash).
inline QFuture<void> issue(PersistentMap &map, Kind kind, const QList<Effect> &entries,
                           QString (*keyName)(int))
{
    const Effect &first = entries.constFirst();
    switch (kind) {
    case Kind::Insert:
        return map.insert(keyName(first.key), first.value);
    case Kind::Remove:
        return map.remove(keyName(first.key));
    case Kind::Clear:
        return map.clear();
    case Kind::Batch: {
        PersistentMapWriteBatch batch;
        for (const Effect &entry : entries) {
            if (entry.remove)
                batch.remove(keyName(entry.key));
            else
                batch.insert(keyName(entry.key), entry.value);
        }
        return map.apply(batch);
    }
    case Kind::Hash: {
        QVariantHash hash;
        for (const Effect &entry : entries)
            hash.insert(keyName(entry.key), entry.value);
        return map.insert(hash);
    }
    }
    return {};
}

} // namespace SeededOps

#endif // SEEDEDOPS_H
