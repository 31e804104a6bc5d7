// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The power-loss suite's scripted run, shared by the writer (powerlosswriter) and the checker
// (tst_powerloss): script(SEED) is always the same list of steps with the same values, so the
// checker recomputes what every write put into the store.
//
// Every value names the write it comes from (a string or string list starting with
// "o<SEQ>|k<KEY>|", or the integer SEQ * 1000 + KEY), so a value read back says which write
// made it. Strings hold line breaks (LF, CRLF, a lone CR), commas, quotes and non-ASCII text,
// which the CSV writer quotes across lines.
#ifndef POWERLOSSOPS_H
#define POWERLOSSOPS_H

#include "../auto/shared/seededops.h"

namespace PowerLossOps {

using SeededOps::Effect;
using SeededOps::Kind;
using SeededOps::Random;
using SeededOps::sameValue;

constexpr int KeyCount = 24;

struct Op
{
    qint64 seq = 0;
    Kind kind = Kind::Insert;
    QList<Effect> entries; // as issued; a PersistentMapWriteBatch may name a key twice
    QList<Effect> effects; // one per key: what the store holds for it once the op committed
};

struct Step
{
    enum class Type {
        Write, // issue op
        Flush, // flush() and wait for it: every write issued so far is durable
        Reopen // destroy the map (its destructor commits what is pending) and open a new one
    };
    Type type = Type::Write;
    Op op;
    bool wait = false; // Write: wait for the write's future before the next step
};

inline QString keyName(int index)
{
    switch (index % 4) {
    case 0:
        return QStringLiteral("k%1").arg(index, 2, 10, QLatin1Char('0'));
    case 1:
        return QStringLiteral("group/key,%1").arg(index);
    case 2:
        return QStringLiteral("\"quoted\" %1").arg(index);
    default:
        return QStringLiteral("cl\u00e9-\u043a\u043b\u044e\u0447-%1\U0001F511").arg(index);
    }
}

// -1 when the key is not one of ours.
inline int keyIndex(const QString &key)
{
    return SeededOps::keyIndexOf<keyName, KeyCount>(key);
}

// With a CRLF after a character once in 40.
inline QString filler(Random &random, int length)
{
    static const QString alphabet = QStringLiteral(
            "abcdefghijklmnopqrstuvwxyz0123456789 ,,\"\"'=+-@;\t\u00e9\u00fc\u20ac\u4e2d"
            "\U0001D11E\U0001F600\n\n\n\r");
    return SeededOps::filler(random, length, alphabet, 40);
}

// bulk: the short multi-line values of the run's middle part, which makes the CSV file grow
// past its compaction threshold.
inline QVariant makeValue(Random &random, qint64 seq, int key, bool bulk)
{
    const QString tag = QStringLiteral("o%1|k%2|").arg(seq).arg(key);
    if (bulk)
        return QString(tag + filler(random, 10 + random.bounded(50)) + u'\n');
    const int roll = random.bounded(100);
    if (roll < 8)
        return QVariant::fromValue(qlonglong(seq) * 1000 + key);
    if (roll < 16) {
        QStringList list{tag};
        for (int i = random.bounded(4); i > 0; --i)
            list.append(filler(random, random.bounded(40)));
        return list;
    }
    // Mostly short, some of a few kilobytes (a write of several pages).
    const int length = roll < 26 ? 1000 + random.bounded(4000) : random.bounded(160);
    return QString(tag + filler(random, length));
}

// The write that made a value; -1 when the value is not one of ours.
inline qint64 seqOf(const QVariant &value, int key)
{
    return SeededOps::seqOf(value, key, u'o');
}

inline Op makeOp(Random &random, qint64 seq, Kind kind, bool bulk)
{
    Op op;
    op.seq = seq;
    op.kind = kind;
    auto add = [&](int key, bool remove) {
        SeededOps::addEffect(
                op.entries, op.effects,
                {key, remove, remove ? QVariant() : makeValue(random, seq, key, bulk)});
    };
    switch (kind) {
    case Kind::Clear:
        for (int key = 0; key < KeyCount; ++key)
            op.effects.append({key, true, {}});
        op.entries = op.effects;
        break;
    case Kind::Insert:
        add(random.bounded(KeyCount), false);
        break;
    case Kind::Remove:
        add(random.bounded(KeyCount), true);
        break;
    case Kind::Batch: // apply(PersistentMapWriteBatch): inserts and removes, a key may repeat
        if (bulk) {
            for (int key = 0; key < KeyCount; ++key)
                add(key, random.bounded(12) == 0);
        } else {
            for (int i = 2 + random.bounded(5); i > 0; --i)
                add(random.bounded(KeyCount), random.bounded(4) == 0);
        }
        break;
    case Kind::Hash: // insert(QVariantHash)
        for (int i = 2 + random.bounded(4); i > 0; --i)
            add(random.bounded(KeyCount), false);
        break;
    }
    return op;
}

// The run: mixed writes with a flush() after every few (a clear() among them); then 48 batches
// that each rewrite every key with short multi-line values, waited for one by one, a flush()
// after every fourth (in CSV the file passes its compaction threshold, 1024 dead rows more than
// twice the live ones, about two thirds of the way through); the map is closed and opened
// again (SQLite checkpoints and deletes its log when the last connection closes); more mixed
// writes with another clear(); four last writes that no flush() covers; the map is closed.
inline QList<Step> script(quint64 seed)
{
    Random random(seed);
    QList<Step> steps;
    qint64 seq = 0;
    auto mixed = [&](int count, int clearAt) {
        for (int i = 0; i < count; ++i) {
            Kind kind;
            const int roll = random.bounded(100);
            if (i == clearAt)
                kind = Kind::Clear;
            else if (roll < 55)
                kind = Kind::Insert;
            else if (roll < 70)
                kind = Kind::Remove;
            else if (roll < 88)
                kind = Kind::Batch;
            else
                kind = Kind::Hash;
            Step step;
            step.op = makeOp(random, seq++, kind, false);
            step.wait = random.bounded(4) != 0;
            steps.append(step);
            if (random.bounded(3) == 0)
                steps.append({Step::Type::Flush, {}, false});
        }
        steps.append({Step::Type::Flush, {}, false});
    };
    mixed(70, 35);
    for (int i = 0; i < 48; ++i) {
        Step step;
        step.op = makeOp(random, seq++, Kind::Batch, true);
        step.wait = true;
        steps.append(step);
        if (i % 4 == 3)
            steps.append({Step::Type::Flush, {}, false});
    }
    steps.append({Step::Type::Reopen, {}, false});
    mixed(60, 30);
    for (int i = 0; i < 4; ++i) {
        Step step;
        step.op = makeOp(random, seq++, Kind::Insert, false);
        step.wait = true;
        steps.append(step);
    }
    return steps;
}

} // namespace PowerLossOps

#endif // POWERLOSSOPS_H
