// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmapbackend.h>

class PersistentMapBackendPrivate
{
};

PersistentMapBackend::PersistentMapBackend() = default;
PersistentMapBackend::~PersistentMapBackend() = default;

PersistentMapBackend::Loader::~Loader() = default;

void PersistentMapBackend::Loader::reserve(qsizetype count)
{
    Q_UNUSED(count);
}

void PersistentMapBackend::flush() { }

bool PersistentMapBackend::canStore(const QString &key, const QVariant &value, QString *why) const
{
    Q_UNUSED(key);
    Q_UNUSED(value);
    Q_UNUSED(why);
    return true;
}

bool PersistentMapBackend::isReadOnly(QString *why) const
{
    Q_UNUSED(why);
    return false;
}

bool PersistentMapBackend::canWatchChanges() const
{
    return false;
}

PersistentMapBackend::Changes PersistentMapBackend::pollChanges()
{
    return {};
}

bool PersistentMapBackend::watchChanges(std::function<void()> othersCommitted)
{
    Q_UNUSED(othersCommitted);
    return false;
}

namespace {
class KeyCollector final : public PersistentMapBackend::Loader
{
public:
    void reserve(qsizetype count) override { batch.reserve(count); }
    void add(QString &&key, QVariant &&value) override
    {
        Q_UNUSED(value);
        batch.remove(key);
    }
    PersistentMapWriteBatch batch;
};
} // namespace

void PersistentMapBackend::clear()
{
    KeyCollector keys;
    loadInto(keys);
    if (!keys.batch.isEmpty())
        apply(keys.batch);
}
