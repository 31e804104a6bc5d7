// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The crash-kill suite's writes, shared by the writer (crashwriter) and the checker
// (tst_crashkill): write number SEQ of a run seeded with SEED is always the same operation with
// the same values, so the checker recomputes everything the writer may have issued.
//
// Every value names the write it comes from (a string or string list starting with "s<SEQ>|",
// or the integer SEQ * 1000 + key index), so a value read back from the store says which write
// put it there.
#ifndef CRASHOPS_H
#define CRASHOPS_H

#include "../auto/shared/seededops.h"

namespace CrashOps {

using SeededOps::Effect;
using SeededOps::Kind;
using SeededOps::Random; // one stream per (seed, seq)
using SeededOps::sameValue;

constexpr int KeyCount = 200;

struct Op
{
    Kind kind = Kind::Insert;
    QList<Effect> entries; // as issued; a PersistentMapWriteBatch may name a key twice
    QList<Effect> effects; // one per key: what the store holds for it once the op committed
};

// Keys with the characters a CSV writer must quote or encode (no line breaks: docs/FORMAT.md).
inline QString keyName(int index)
{
    switch (index % 5) {
    case 0:
        return QStringLiteral("k%1").arg(index, 3, 10, QLatin1Char('0'));
    case 1:
        return QStringLiteral("group/key,%1").arg(index);
    case 2:
        return QStringLiteral("\"quoted\" %1").arg(index);
    case 3:
        return QStringLiteral("cl\u00e9/\u043a\u043b\u044e\u0447-%1").arg(index);
    default:
        return QStringLiteral("=sum(%1)\U0001F511").arg(index);
    }
}

// -1 when the key is not one of ours.
inline int keyIndex(const QString &key)
{
    return SeededOps::keyIndexOf<keyName, KeyCount>(key);
}

inline QString filler(Random &random, int length)
{
    static const QString alphabet = QStringLiteral(
            "abcdefghijklmnopqrstuvwxyz0123456789 ,,\"\"'=+-@;\t\u00e9\u00fc\u20ac\u4e2d"
            "\U0001D11E\U0001F600\n\n\r");
    return SeededOps::filler(random, length, alphabet);
}

inline QVariant makeValue(Random &random, qint64 seq, int keyIndex)
{
    const QString tag = QStringLiteral("s%1|%2|").arg(seq).arg(keyIndex);
    const int roll = random.bounded(100);
    if (roll < 8)
        return QVariant::fromValue(qlonglong(seq) * 1000 + keyIndex);
    if (roll < 16) {
        QStringList list{tag};
        const int n = random.bounded(4);
        for (int i = 0; i < n; ++i)
            list.append(filler(random, random.bounded(40)));
        return list;
    }
    // Mostly short values, some of several kilobytes and a few of hundreds: a write that spans
    // pages can be cut by the kill (Linux stops a write() between pages for SIGKILL), which
    // leaves the torn tail the CSV store must recover from.
    if (roll == 99 && random.bounded(2) == 0)
        return QString(tag + filler(random, 1024).repeated(200 + random.bounded(600)));
    const int length = roll < 20 ? 1000 + random.bounded(6000) : random.bounded(200);
    return QString(tag + filler(random, length));
}

// The write that issued a value, or -1 when the value is not one of ours.
inline qint64 seqOf(const QVariant &value, int keyIndex)
{
    return SeededOps::seqOf(value, keyIndex, u's');
}

inline Op makeOp(quint64 seed, qint64 seq)
{
    Random random(seed ^ (quint64(seq) * 0xd1342543de82ef95ULL));
    random.next();
    Op op;
    const int roll = random.bounded(10000);
    auto addEffect = [&](int key, bool remove) {
        SeededOps::addEffect(op.entries, op.effects,
                             {key, remove, remove ? QVariant() : makeValue(random, seq, key)});
    };
    if (roll < 3) {
        op.kind = Kind::Clear;
        for (int key = 0; key < KeyCount; ++key)
            op.effects.append({key, true, {}});
        op.entries = op.effects;
    } else if (roll < 7000) {
        op.kind = Kind::Insert;
        addEffect(random.bounded(KeyCount), false);
    } else if (roll < 8500) {
        op.kind = Kind::Remove;
        addEffect(random.bounded(KeyCount), true);
    } else if (roll < 9500) {
        op.kind = Kind::Batch; // apply(PersistentMapWriteBatch): inserts and removes, a key may
                               // repeat
        const int n = 2 + random.bounded(10);
        for (int i = 0; i < n; ++i)
            addEffect(random.bounded(KeyCount), random.bounded(4) == 0);
    } else {
        op.kind = Kind::Hash; // insert(QVariantHash)
        const int n = 2 + random.bounded(8);
        for (int i = 0; i < n; ++i)
            addEffect(random.bounded(KeyCount), false);
    }
    return op;
}

} // namespace CrashOps

#endif // CRASHOPS_H
