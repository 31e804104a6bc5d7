// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The steps tst_migrations kills a migration in (migrationchild runs them): step V sets every
// key "k/NNNNN" to V, removes "old/V" and inserts "new/V". So the store after step V, and only
// then, has every k/ key at V, old/1..old/V gone and new/1..new/V there: a step half applied shows.
#ifndef MIGRATIONSTEPS_H
#define MIGRATIONSTEPS_H

#include <PersistentMap/PersistentMapMigrations>

#include <QtCore/QStringList>
#include <QtCore/QVariantHash>

#include <functional>

namespace MigrationSteps {

constexpr int Steps = 3;
constexpr int Keys = 20000;

inline QString key(int i)
{
    return QStringLiteral("k/%1").arg(i, 5, 10, QLatin1Char('0'));
}

// The store before any step.
inline QVariantHash initial()
{
    QVariantHash entries;
    for (int i = 0; i < Keys; ++i)
        entries.insert(key(i), 0);
    for (int v = 1; v <= Steps; ++v)
        entries.insert(QStringLiteral("old/%1").arg(v), v);
    return entries;
}

// The store after step `version` (0: initial()).
inline QVariantHash after(int version)
{
    QVariantHash entries = initial();
    for (int i = 0; i < Keys; ++i)
        entries.insert(key(i), version);
    for (int v = 1; v <= version; ++v) {
        entries.remove(QStringLiteral("old/%1").arg(v));
        entries.insert(QStringLiteral("new/%1").arg(v), v);
    }
    if (version > 0)
        entries.insert(PersistentMapMigrations::versionKey(), version);
    return entries;
}

// The three steps; step `stopIn` calls `stop` (with its version) instead of returning.
inline PersistentMapMigrations migrations(int stopIn = 0, std::function<void(int)> stop = {})
{
    PersistentMapMigrations migrations;
    for (int v = 1; v <= Steps; ++v) {
        migrations.addStep(v, QStringLiteral("set every key to %1").arg(v),
                           [v, stopIn, stop](const QVariantHash &) {
                               if (v == stopIn && stop)
                                   stop(v);
                               PersistentMapWriteBatch batch;
                               batch.reserve(Keys + 2);
                               for (int i = 0; i < Keys; ++i)
                                   batch.insert(key(i), v);
                               batch.remove(QStringLiteral("old/%1").arg(v));
                               batch.insert(QStringLiteral("new/%1").arg(v), v);
                               return batch;
                           });
    }
    return migrations;
}

} // namespace MigrationSteps

#endif // MIGRATIONSTEPS_H
