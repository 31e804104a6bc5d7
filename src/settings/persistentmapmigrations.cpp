// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmaperror.h>
#include <PersistentMap/persistentmapmigrations.h>

#include "settings/migratingbackend_p.h"

class PersistentMapMigrationsPrivate : public QSharedData
{
public:
    QList<PersistentMapMigrations::Step> steps;
};

PersistentMapMigrations::PersistentMapMigrations()
    : d(new PersistentMapMigrationsPrivate)
{
}
PersistentMapMigrations::PersistentMapMigrations(const PersistentMapMigrations &other) = default;
PersistentMapMigrations::PersistentMapMigrations(PersistentMapMigrations &&other) noexcept =
        default;
PersistentMapMigrations &PersistentMapMigrations::operator=(const PersistentMapMigrations &other) =
        default;
PersistentMapMigrations &PersistentMapMigrations::operator=(
        PersistentMapMigrations &&other) noexcept = default;
PersistentMapMigrations::~PersistentMapMigrations() = default;

PersistentMapMigrations &PersistentMapMigrations::addStep(int version, const QString &description,
                                                          StepFunction function)
{
    const int latest = latestVersion();
    if (version <= latest) {
        throw PersistentMapError(
                PersistentMapError::Code::MigrationFailed,
                QStringLiteral("migration step %1 (%2) must have a version above %3, the last "
                               "step's")
                        .arg(version)
                        .arg(description)
                        .arg(latest));
    }
    if (!function) {
        throw PersistentMapError(PersistentMapError::Code::MigrationFailed,
                                 QStringLiteral("migration step %1 (%2) has no function")
                                         .arg(version)
                                         .arg(description));
    }
    d->steps.append(Step{version, description, std::move(function)});
    return *this;
}

QList<PersistentMapMigrations::Step> PersistentMapMigrations::steps() const
{
    return d->steps;
}

int PersistentMapMigrations::latestVersion() const
{
    return d->steps.isEmpty() ? 0 : d->steps.constLast().version;
}

std::unique_ptr<PersistentMapBackend> PersistentMapMigrations::wrap(
        std::unique_ptr<PersistentMapBackend> backend) const
{
    if (!backend)
        return nullptr;
    return std::make_unique<PersistentMapInternal::MigratingBackend>(std::move(backend), d->steps);
}

QString PersistentMapMigrations::reservedPrefix()
{
    return QStringLiteral(".persistentmap/");
}

QString PersistentMapMigrations::versionKey()
{
    return reservedPrefix() + QStringLiteral("version");
}
