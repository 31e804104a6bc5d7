// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmap.h>

#include "codec/valuecodec_p.h"
#include "core/groupname_p.h"
#include "core/persistentmap_p.h"
#include "settings/persistentmappropertybinding_p.h"

#include <QtConcurrent/QtConcurrentRun>

#include "logging_p.h"

using PersistentMapInternal::ShardedCache;
using PersistentMapInternal::UndecodedEntries;
using PersistentMapInternal::WriteQueue;

template<typename F>
QFuture<void> PersistentMapPrivate::write(F &&mutate)
{
    QFuture<void> future;
    bool notify;
    {
        QMutexLocker locker(&mutex);
        const qsizetype countBefore = cache.count();
        mutate();
        if (cache.count() != countBefore && isConnected(Notification::Count))
            notifications.appendLocked(Notification::Count);
        future = queue.openLocked().promise->future();
        queue.notedWriteLocked();
        scheduleDrainLocked();
        notify = !notifications.isEmptyLocked();
    }
    if (notify)
        notifications.deliver();
    return future;
}

void PersistentMapPrivate::scheduleDrainLocked()
{
    // The storage thread runs its tasks in order; nothing waits for one by its future.
    if (queue.markDrainScheduledLocked())
        (void)QtConcurrent::run(&storageThread, [this] { drain(); });
}

void PersistentMapPrivate::insertLocked(const QString &key, const QVariant &value)
{
    undecoded.removeLocked(key); // replaced in the store by this write
    if (cache.insert(key, value) != ShardedCache::Change::None &&
        isConnected(Notification::Changed))
        notifications.appendLocked(Notification::Changed, key, value);
    queue.openLocked().ops.append(PersistentMapWriteBatch::Entry{key, value, false});
    if (loading)
        touchedWhileLoading.insert(key);
}

void PersistentMapPrivate::removeLocked(const QString &key)
{
    undecoded.removeLocked(key);
    if (cache.remove(key) && isConnected(Notification::Removed))
        notifications.appendLocked(Notification::Removed, key);
    queue.openLocked().ops.append(PersistentMapWriteBatch::Entry{key, QVariant(), true});
    if (loading)
        touchedWhileLoading.insert(key);
}

void PersistentMapPrivate::clearLocked()
{
    const QStringList removed = cache.clear();
    if (isConnected(Notification::Removed)) {
        for (const QString &key : removed)
            notifications.appendLocked(Notification::Removed, key);
    }
    WriteQueue::Batch &batch = queue.openLocked();
    batch.clearFirst = true;
    batch.ops = UndecodedEntries::writeBack(undecoded.valuesLocked());
    if (loading) {
        clearedWhileLoading = true;
        touchedWhileLoading.clear();
    }
}

void PersistentMapPrivate::removeGroupLocked(const QString &prefix)
{
    const QStringList keys = cache.keys();
    for (const QString &key : keys) {
        if (key.startsWith(prefix))
            removeLocked(key);
    }
    if (loading && !clearedWhileLoading)
        groupsRemovedWhileLoading.append(prefix);
}

// Fails a write at once, like one the store can never take: queued, it would be retried and
// fail forever. errorOccurred reports it too, for a caller that ignores the future.
QFuture<void> PersistentMapPrivate::rejectReadOnly()
{
    QString why;
    if (!backend || !backend->isReadOnly(&why))
        return {};
    reportError(why);
    return QtFuture::makeExceptionalFuture(
            PersistentMapError(PersistentMapError::Code::ReadOnly, why));
}

QFuture<void> PersistentMapPrivate::rejectUnwritable(const QString &key)
{
    if (QFuture<void> readOnly = rejectReadOnly(); readOnly.isValid())
        return readOnly;
    QString why;
    if (!backend || backend->canStore(key, QVariant(), &why))
        return {};
    reportError(why);
    return QtFuture::makeExceptionalFuture(
            PersistentMapError(PersistentMapError::Code::Unsupported, why));
}

QFuture<void> PersistentMapPrivate::rejectUnstorable(const QString &key, const QVariant &value)
{
    QString why;
    // Stores hold UTF-8: a lone surrogate would come back as U+FFFD, as another key.
    if (!QStringView(key).isValidUtf16()) {
        why = QStringLiteral("the key '%1' cannot be stored: it contains an unpaired UTF-16 "
                             "surrogate")
                      .arg(key.left(200));
    } else if (QFuture<void> readOnly = rejectReadOnly(); readOnly.isValid()) {
        return readOnly;
    } else if (PersistentMapInternal::isEncodable(value, &why) &&
               (!backend || backend->canStore(key, value, &why))) {
        return {};
    }
    reportError(why);
    return QtFuture::makeExceptionalFuture(
            PersistentMapError(PersistentMapError::Code::Unsupported, why));
}

QFuture<void> PersistentMapPrivate::rejectBySchema(const PersistentMapSchema &schema,
                                                   const QString &key, const QVariant &value,
                                                   QVariant *converted)
{
    QString why;
    if (schema.check(key, value, converted, &why))
        return {};
    reportError(why);
    return QtFuture::makeExceptionalFuture(
            PersistentMapError(PersistentMapError::Code::SchemaViolation, why));
}

PersistentMap::PersistentMap(std::unique_ptr<PersistentMapBackend> backend, QObject *parent)
    : QObject(parent)
    , d_ptr(std::make_unique<PersistentMapPrivate>(this, std::move(backend)))
{
    Q_D(PersistentMap);
    QMutexLocker locker(&d->mutex);
    (void)QtConcurrent::run(&d->storageThread, [d] { d->load(); });
}

PersistentMap::~PersistentMap()
{
    Q_D(PersistentMap);
    // Before the parts they read go away; their connections to the bound objects end with them.
    PersistentMapPropertyBinding::removeAll(this);
    d->shutdown();
}

PersistentMap::Status PersistentMap::status() const
{
    Q_D(const PersistentMap);
    return d->status.load();
}

QString PersistentMap::errorString() const
{
    Q_D(const PersistentMap);
    QMutexLocker locker(&d->mutex);
    return d->errorString;
}

QFuture<void> PersistentMap::whenReady() const
{
    Q_D(const PersistentMap);
    return d->ready.future();
}

bool PersistentMap::isReadOnly() const
{
    Q_D(const PersistentMap);
    return d->backend && d->backend->isReadOnly(nullptr);
}

QVariant PersistentMap::value(const QString &key, const QVariant &defaultValue) const
{
    Q_D(const PersistentMap);
    if (!d->hasSchema.load(std::memory_order_relaxed))
        return d->cache.value(key, defaultValue);
    QVariant stored;
    if (d->cache.find(key, &stored))
        return stored;
    // Only a miss looks at the schema.
    return defaultValue.isValid() ? defaultValue : d->currentSchema().defaultValue(key);
}

bool PersistentMap::contains(const QString &key) const
{
    Q_D(const PersistentMap);
    return d->cache.contains(key);
}

qsizetype PersistentMap::count() const
{
    Q_D(const PersistentMap);
    return d->cache.count();
}

bool PersistentMap::isEmpty() const
{
    return count() == 0;
}

QStringList PersistentMap::keys() const
{
    Q_D(const PersistentMap);
    QMutexLocker locker(&d->mutex);
    return d->cache.keys();
}

QVariantHash PersistentMap::toHash() const
{
    Q_D(const PersistentMap);
    QMutexLocker locker(&d->mutex);
    return d->cache.toHash();
}

QFuture<void> PersistentMap::insert(const QString &key, const QVariant &value)
{
    Q_D(PersistentMap);
    if (d->hasSchema.load(std::memory_order_relaxed)) {
        QVariant converted;
        if (QFuture<void> rejected = d->rejectBySchema(d->currentSchema(), key, value, &converted);
            rejected.isValid())
            return rejected;
        if (QFuture<void> rejected = d->rejectUnstorable(key, converted); rejected.isValid())
            return rejected;
        return d->write([&] { d->insertLocked(key, converted); });
    }
    if (QFuture<void> rejected = d->rejectUnstorable(key, value); rejected.isValid())
        return rejected;
    return d->write([&] { d->insertLocked(key, value); });
}

QFuture<void> PersistentMap::insert(const QVariantHash &given)
{
    Q_D(PersistentMap);
    QVariantHash checked;
    if (d->hasSchema.load(std::memory_order_relaxed)) {
        const PersistentMapSchema schema = d->currentSchema();
        checked = given;
        for (auto it = checked.begin(); it != checked.end(); ++it) {
            if (!schema.contains(it.key()))
                continue;
            QVariant converted;
            if (QFuture<void> rejected =
                        d->rejectBySchema(schema, it.key(), it.value(), &converted);
                rejected.isValid())
                return rejected;
            it.value() = std::move(converted);
        }
    }
    const QVariantHash &entries = checked.isEmpty() ? given : checked;
    for (auto it = entries.cbegin(); it != entries.cend(); ++it) {
        if (QFuture<void> rejected = d->rejectUnstorable(it.key(), it.value()); rejected.isValid())
            return rejected;
    }
    return d->write([&] {
        for (auto it = entries.cbegin(); it != entries.cend(); ++it)
            d->insertLocked(it.key(), it.value());
    });
}

QFuture<void> PersistentMap::remove(const QString &key)
{
    Q_D(PersistentMap);
    if (QFuture<void> rejected = d->rejectUnwritable(key); rejected.isValid())
        return rejected;
    return d->write([&] { d->removeLocked(key); });
}

QFuture<void> PersistentMap::apply(const PersistentMapWriteBatch &given)
{
    Q_D(PersistentMap);
    PersistentMapWriteBatch checked;
    if (d->hasSchema.load(std::memory_order_relaxed)) {
        const PersistentMapSchema schema = d->currentSchema();
        checked.reserve(given.size());
        for (const PersistentMapWriteBatch::Entry &entry : given.entries()) {
            if (entry.isRemove) {
                checked.remove(entry.key);
                continue;
            }
            QVariant converted;
            if (QFuture<void> rejected =
                        d->rejectBySchema(schema, entry.key, entry.value, &converted);
                rejected.isValid())
                return rejected;
            checked.insert(entry.key, converted);
        }
    }
    const PersistentMapWriteBatch &batch = checked.isEmpty() ? given : checked;
    // Coalesce first so a key written twice in the batch is announced once, with its last value.
    QHash<QString, const PersistentMapWriteBatch::Entry *> last;
    last.reserve(batch.size());
    for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
        if (QFuture<void> rejected = entry.isRemove ? d->rejectUnwritable(entry.key)
                                                    : d->rejectUnstorable(entry.key, entry.value);
            rejected.isValid())
            return rejected;
        last.insert(entry.key, &entry);
    }
    return d->write([&] {
        for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
            if (last.value(entry.key) != &entry)
                continue;
            if (entry.isRemove)
                d->removeLocked(entry.key);
            else
                d->insertLocked(entry.key, entry.value);
        }
    });
}

QFuture<void> PersistentMap::clear()
{
    Q_D(PersistentMap);
    if (QFuture<void> rejected = d->rejectUnwritable(QString()); rejected.isValid())
        return rejected;
    return d->write([d] { d->clearLocked(); });
}

QFuture<void> PersistentMap::removeGroup(const QString &name)
{
    Q_D(PersistentMap);
    const QString group = PersistentMapInternal::normalizedGroupName(name);
    if (group.isEmpty())
        return clear();
    if (QFuture<void> rejected = d->rejectUnwritable(QString()); rejected.isValid())
        return rejected;
    const QString prefix = group + u'/';
    return d->write([d, &prefix] { d->removeGroupLocked(prefix); });
}

QFuture<void> PersistentMap::flush()
{
    Q_D(PersistentMap);
    QFuture<void> flushed;
    d->write([d, &flushed] { flushed = d->queue.requestFlushLocked(); });
    return flushed;
}

void PersistentMap::setSchema(const PersistentMapSchema &schema)
{
    Q_D(PersistentMap);
    {
        QWriteLocker locker(&d->schemaLock);
        if (d->schema == schema)
            return;
        d->schema = schema;
        d->hasSchema.store(!schema.isEmpty(), std::memory_order_relaxed);
    }
    Q_EMIT schemaChanged();
}

PersistentMapSchema PersistentMap::schema() const
{
    Q_D(const PersistentMap);
    return d->currentSchema();
}

QVariant PersistentMap::defaultValue(const QString &key) const
{
    Q_D(const PersistentMap);
    return d->currentSchema().defaultValue(key);
}

bool PersistentMap::isDefault(const QString &key) const
{
    return !contains(key);
}

QFuture<void> PersistentMap::reset(const QString &key)
{
    return remove(key);
}

QFuture<void> PersistentMap::resetAll()
{
    Q_D(PersistentMap);
    // Every declared key, stored here or not: another process may have stored one this map has
    // not seen yet.
    PersistentMapWriteBatch batch;
    const QStringList keys = d->currentSchema().keys();
    batch.reserve(keys.size());
    for (const QString &key : keys)
        batch.remove(key);
    return apply(batch);
}

bool PersistentMap::watchExternalChanges() const
{
    Q_D(const PersistentMap);
    return d->follower.isEnabled();
}

void PersistentMap::setWatchExternalChanges(bool watch)
{
    Q_D(PersistentMap);
    if (!d->follower.setEnabled(watch))
        return;
    d->relay->post(&PersistentMapRelay::watchSettingsChanged, d->mutex);
    Q_EMIT watchExternalChangesChanged();
}

int PersistentMap::watchInterval() const
{
    Q_D(const PersistentMap);
    return d->follower.interval();
}

void PersistentMap::setWatchInterval(int milliseconds)
{
    Q_D(PersistentMap);
    if (!d->follower.setInterval(milliseconds))
        return;
    d->relay->post(&PersistentMapRelay::watchSettingsChanged, d->mutex);
    Q_EMIT watchIntervalChanged();
}

bool PersistentMap::bind(const QString &key, QObject *object, const char *property, BindFlags flags)
{
    PersistentMapPropertyBinding::Source source;
    source.read = [this](const QString &k) { return value(k); };
    source.write = [this](const QString &k, const QVariant &v) {
        const QFuture<void> written = insert(k, v);
        return !(written.isFinished() && written.isCanceled()); // refused at once
    };
    PersistentMapPropertyBinding *binding = PersistentMapPropertyBinding::create(
            this, std::move(source), key, object, property, flags);
    if (!binding)
        return false;
    auto changed = [binding](const QString &k) {
        if (k == binding->key())
            binding->sourceChanged();
    };
    connect(this, &PersistentMap::valueChanged, binding, changed);
    connect(this, &PersistentMap::valueRemoved, binding, changed);
    connect(this, &PersistentMap::statusChanged, binding, [this, binding] {
        if (status() != Status::Loading)
            binding->sourceLoaded();
    });
    // Another schema may give a key without a stored value another default.
    connect(this, &PersistentMap::schemaChanged, binding, [binding] { binding->sourceChanged(); });
    return true;
}

bool PersistentMap::unbind(QObject *object, const char *property)
{
    return PersistentMapPropertyBinding::remove(this, object, property);
}
