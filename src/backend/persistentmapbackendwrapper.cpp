// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmapbackendwrapper.h>

class PersistentMapBackendWrapperPrivate
{
public:
    std::unique_ptr<PersistentMapBackend> target;
};

PersistentMapBackendWrapper::PersistentMapBackendWrapper(
        std::unique_ptr<PersistentMapBackend> target)
    : d(std::make_unique<PersistentMapBackendWrapperPrivate>())
{
    Q_ASSERT(target);
    d->target = std::move(target);
}

PersistentMapBackendWrapper::~PersistentMapBackendWrapper() = default;

PersistentMapBackend *PersistentMapBackendWrapper::target() const noexcept
{
    return d->target.get();
}

void PersistentMapBackendWrapper::loadInto(Loader &loader)
{
    d->target->loadInto(loader);
}

void PersistentMapBackendWrapper::apply(const PersistentMapWriteBatch &batch)
{
    d->target->apply(batch);
}

void PersistentMapBackendWrapper::flush()
{
    d->target->flush();
}

void PersistentMapBackendWrapper::clear()
{
    d->target->clear();
}

bool PersistentMapBackendWrapper::canStore(const QString &key, const QVariant &value,
                                           QString *why) const
{
    return d->target->canStore(key, value, why);
}

bool PersistentMapBackendWrapper::isReadOnly(QString *why) const
{
    return d->target->isReadOnly(why);
}

bool PersistentMapBackendWrapper::canWatchChanges() const
{
    return d->target->canWatchChanges();
}

PersistentMapBackend::Changes PersistentMapBackendWrapper::pollChanges()
{
    return d->target->pollChanges();
}

bool PersistentMapBackendWrapper::watchChanges(std::function<void()> othersCommitted)
{
    return d->target->watchChanges(std::move(othersCommitted));
}
