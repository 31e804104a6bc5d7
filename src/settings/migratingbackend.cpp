// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "settings/migratingbackend_p.h"

#include "backend/applyprecondition_p.h"
#include "codec/undecodedvalue_p.h"
#include "codec/valuecodec_p.h"
#include "logging_p.h"

#include <PersistentMap/persistentmaperror.h>

#include <QtCore/QSet>

#include <algorithm>
#include <exception>
#include <utility>

namespace PersistentMapInternal {

namespace {

using Code = PersistentMapError::Code;

// The store as loaded: readable entries for the steps; entries this process cannot decode are
// kept aside and handed on untouched unless a write replaces or removes their key.
struct Collector : PersistentMapBackend::Loader
{
    QVariantHash entries;
    QList<std::pair<QString, QVariant>> undecoded; // in load order; a key may come twice
    void reserve(qsizetype count) override { entries.reserve(count); }
    void add(QString &&key, QVariant &&value) override
    {
        if (isUndecoded(value))
            undecoded.append({std::move(key), std::move(value)});
        else
            entries.insert(std::move(key), std::move(value));
    }
    // A step's writes, committed.
    void merge(const PersistentMapWriteBatch &batch)
    {
        QSet<QString> keys;
        for (const PersistentMapWriteBatch::Entry &entry : batch.entries())
            keys.insert(entry.key);
        undecoded.removeIf([&keys](const auto &row) { return keys.contains(row.first); });
        for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
            entries.remove(entry.key);
            if (!entry.isRemove)
                add(QString(entry.key), QVariant(entry.value));
        }
    }
};

// Times in a row another process may commit a step first before the load gives up. Each
// time the store has moved to a higher version, so this bounds nothing a real program does.
constexpr int MaxRacesLost = 1000;

QString stepName(const PersistentMapMigrations::Step &step)
{
    return QStringLiteral("migration step %1 (%2)").arg(step.version).arg(step.description);
}

// The stored version: 0 when absent; a value that is not an integer, or that does not decode
// (kept aside as undecoded: taking it for absent would run every step again), is a damaged
// record.
qint64 storedVersion(const Collector &store)
{
    const QString key = PersistentMapMigrations::versionKey();
    for (const auto &[undecodedKey, value] : store.undecoded) {
        if (undecodedKey == key) {
            throw PersistentMapError(Code::Corrupt,
                                     QStringLiteral("the store's version record '%1' cannot be "
                                                    "decoded: %2")
                                             .arg(key, value.value<UndecodedValue>().why));
        }
    }
    const QVariantHash &entries = store.entries;
    const auto found = entries.constFind(key);
    if (found == entries.cend())
        return 0;
    switch (found->metaType().id()) {
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
    case QMetaType::Long:
    case QMetaType::ULong:
    case QMetaType::Short:
    case QMetaType::UShort:
        return found->toLongLong();
    default:
        throw PersistentMapError(Code::Corrupt,
                                 QStringLiteral("the store's version record '%1' is not an "
                                                "integer: %2")
                                         .arg(key, QString::fromLatin1(found->typeName())));
    }
}

// The batch with each key once, its last entry kept: apply() receives batches so coalesced.
PersistentMapWriteBatch coalesced(const PersistentMapWriteBatch &batch)
{
    const QList<PersistentMapWriteBatch::Entry> &entries = batch.entries();
    QHash<QString, qsizetype> last;
    for (qsizetype i = 0; i < entries.size(); ++i)
        last.insert(entries.at(i).key, i);
    if (last.size() == entries.size())
        return batch;
    PersistentMapWriteBatch result;
    result.reserve(last.size());
    for (qsizetype i = 0; i < entries.size(); ++i) {
        const PersistentMapWriteBatch::Entry &entry = entries.at(i);
        if (last.value(entry.key) != i)
            continue;
        if (entry.isRemove)
            result.remove(entry.key);
        else
            result.insert(entry.key, entry.value);
    }
    return result;
}

} // namespace

MigratingBackend::MigratingBackend(std::unique_ptr<PersistentMapBackend> target,
                                   QList<PersistentMapMigrations::Step> steps)
    : PersistentMapBackendWrapper(std::move(target))
    , m_steps(std::move(steps))
{
}

void MigratingBackend::loadInto(Loader &loader)
{
    Collector store;
    target()->loadInto(store);
    qint64 version = storedVersion(store);
    const int latest = m_steps.isEmpty() ? 0 : m_steps.constLast().version;
    if (version > latest) {
        qCWarning(lcPersistentMap).noquote()
                << QStringLiteral("the store is at version %1, above this program's last "
                                  "migration step (%2): loaded as it is")
                           .arg(version)
                           .arg(latest);
    }
    const QString prefix = PersistentMapMigrations::reservedPrefix();
    int racesLost = 0;
    while (version < latest && !target()->isReadOnly(nullptr)) {
        const PersistentMapMigrations::Step &step = *std::find_if(
                m_steps.cbegin(), m_steps.cend(),
                [version](const PersistentMapMigrations::Step &s) { return s.version > version; });
        const auto failStep = [&step](const QString &why) {
            throw PersistentMapError(Code::MigrationFailed,
                                     stepName(step) + QStringLiteral(" failed: ") + why);
        };
        PersistentMapWriteBatch batch;
        try {
            batch = step.function(std::as_const(store.entries));
        } catch (const PersistentMapError &e) {
            failStep(e.message());
        } catch (const std::exception &e) {
            failStep(QString::fromLocal8Bit(e.what()));
        } catch (...) {
            failStep(QStringLiteral("it threw an unknown exception"));
        }
        for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
            if (entry.key.startsWith(prefix))
                failStep(QStringLiteral("it writes the reserved key '%1'").arg(entry.key));
            QString why;
            if (!entry.isRemove &&
                (!isEncodable(entry.value, &why) ||
                 !target()->canStore(entry.key, entry.value, &why)))
                failStep(why);
        }
        PersistentMapWriteBatch commit = coalesced(batch);
        commit.insert(PersistentMapMigrations::versionKey(), step.version);
        // Where the backend can (SQLite, PostgreSQL), the commit checks inside its transaction
        // that the version is still the one the step was computed from.
        Collector fresh; // the store as the refused commit saw it
        ApplyPrecondition precondition{PersistentMapMigrations::versionKey(), version};
        precondition.reload = &fresh;
        try {
            const ApplyPrecondition::Scope scope(&precondition);
            target()->apply(commit);
        } catch (const PersistentMapError &e) {
            if (precondition.stale && ++racesLost <= MaxRacesLost) {
                // Another process committed a step first: go on from what it wrote.
                store = std::move(fresh);
                version = storedVersion(store);
                qCInfo(lcPersistentMap).noquote()
                        << stepName(step)
                        << QStringLiteral("was committed by another process first; the store "
                                          "is at version %1")
                                   .arg(version);
                continue;
            }
            throw PersistentMapError(e.code(),
                                     stepName(step) + QStringLiteral(" was not committed: ") +
                                             e.message());
        }
        store.merge(commit);
        version = step.version;
        qCInfo(lcPersistentMap).noquote() << stepName(step) << QStringLiteral("committed");
    }
    loader.reserve(store.entries.size() + store.undecoded.size());
    for (auto &[key, value] : store.undecoded)
        loader.add(std::move(key), std::move(value));
    for (auto it = store.entries.begin(); it != store.entries.end(); ++it) {
        QString key = it.key();
        loader.add(std::move(key), std::move(it.value()));
    }
}

} // namespace PersistentMapInternal
