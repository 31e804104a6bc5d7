// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

/// PersistentMapMigrations: versioned steps that bring a store's data to the shape the program
/// expects, each run once, in order, while the map loads (docs/MIGRATIONS.md).
///
/// A store's version is the integer under versionKey() (absent: 0). wrap() returns a backend that,
/// in loadInto() on the map's storage thread, reads the whole store, then for every step whose
/// version is above the stored one, in ascending order: calls the step's function with the
/// current entries and commits the batch it returns together with versionKey() = the step's
/// version, in one PersistentMapBackend::apply() (one transaction). A crash at any point leaves
/// the store at the last committed step with none of the next step's writes; the next load runs
/// the remaining steps. The map becomes Ready with the migrated entries and emits no valueChanged
/// for them, like any loaded entry. Like Jetpack DataStore's migrations (run before the first
/// read, the data and the record committed together) and Room's numbered migrations.
///
/// Failure: a step whose function throws, or whose batch writes under reservedPrefix() or holds a
/// value the store cannot take, fails the load with Code::MigrationFailed naming the step (its
/// version and description) and the cause; a commit the store refuses fails the load with the
/// store's code (WriteFailed, Locked, ...) and a message naming the step. Either way the map's
/// status is Error, the steps before it stay committed and the store stays at their version.
///
/// Not run: on a store opened read-only (PersistentMapBackend::isReadOnly() after loading, e.g. a
/// CSV follower): it loads as it is. A store whose version is above the last step's (written by
/// a newer program) loads as it is too, with a warning on the "persistentmap.core" category.
///
/// Several processes opening one old store at once never both commit a step where the backend
/// checks the version inside the commit's transaction: PersistentMapSqliteBackend and
/// PersistentMapPostgresBackend (also behind PersistentMapBackendWrapper decorators). The one that
/// comes second finds the version moved, rolls its step back, reads the store again in that
/// transaction and goes on from the version found. A CSV store has one writer (the others get
/// Code::Locked), a memory store one map. A custom backend gets no such check: two processes
/// may then both commit a step (docs/MIGRATIONS.md, "Several processes").
///
/// Threads: a value type (implicitly shared), reentrant. Step functions run on the storage thread
/// of the map that loads the store; they must not touch that map (it is still loading) nor
/// objects of other threads.
#ifndef PERSISTENTMAPMIGRATIONS_H
#define PERSISTENTMAPMIGRATIONS_H

#include <PersistentMap/persistentmap_export.h>
#include <PersistentMap/persistentmapbackend.h>
#include <PersistentMap/persistentmapwritebatch.h>

#include <QtCore/QList>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>
#include <QtCore/QVariantHash>

#include <functional>
#include <memory>

class PersistentMapMigrationsPrivate;

class PERSISTENTMAP_EXPORT PersistentMapMigrations
{
public:
    /// A step's function: the entries stored before it (every key the process can read, the
    /// reserved ones included) to the writes that migrate them. Throw PersistentMapError (or any
    /// std::exception) to fail the step; the store then stays at the previous version.
    using StepFunction = std::function<PersistentMapWriteBatch(const QVariantHash &entries)>;

    struct Step
    {
        int version = 0;
        QString description;
        StepFunction function;
    };

    PersistentMapMigrations();
    PersistentMapMigrations(const PersistentMapMigrations &other);
    PersistentMapMigrations(PersistentMapMigrations &&other) noexcept;
    PersistentMapMigrations &operator=(const PersistentMapMigrations &other);
    PersistentMapMigrations &operator=(PersistentMapMigrations &&other) noexcept;
    ~PersistentMapMigrations();

    /// Appends a step. version must be above every step added before (1, 2, 3, ...; gaps are
    /// allowed) and function not empty; otherwise throws PersistentMapError
    /// (Code::MigrationFailed) and adds nothing. Returns *this, for chaining.
    PersistentMapMigrations &addStep(int version, const QString &description,
                                     StepFunction function);
    QList<Step> steps() const; ///< in ascending version order
    int latestVersion() const; ///< the last step's version, 0 without steps

    /// A backend that runs the pending steps inside its loadInto() and forwards every other call
    /// to backend (PersistentMapBackendWrapper). Pass it to the PersistentMap constructor. The
    /// steps are copied: later addStep() calls do not change it. A null backend gives null.
    /// While it migrates, the store's entries are held in memory once more than the map's cache.
    std::unique_ptr<PersistentMapBackend> wrap(std::unique_ptr<PersistentMapBackend> backend) const;

    /// Keys under this prefix (".persistentmap/") are the library's records; they are ordinary
    /// entries (keys(), count() and toHash() show them, clear() removes them) that steps and
    /// imports must not write.
    static QString reservedPrefix();
    /// The key of the store's version: ".persistentmap/version", an int.
    static QString versionKey();

private:
    QSharedDataPointer<PersistentMapMigrationsPrivate> d;
};

#endif // PERSISTENTMAPMIGRATIONS_H
