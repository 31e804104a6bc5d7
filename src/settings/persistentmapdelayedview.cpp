// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmapdelayedview.h>

#include "codec/valuecodec_p.h"
#include "logging_p.h"
#include "settings/persistentmappropertybinding_p.h"

#include <QtCore/QHash>
#include <QtCore/QPointer>

#include <algorithm>
#include <utility>

class PersistentMapDelayedViewPrivate
{
public:
    explicit PersistentMapDelayedViewPrivate(PersistentMap *map)
        : map(map)
    {
    }

    // What the view's readers see: the change held back, else the map's value; a key without
    // a value gives the map's schema default, as PersistentMap::value() does.
    QVariant visible(const QString &key) const
    {
        if (!map)
            return {};
        const auto found = pending.constFind(key);
        if (found != pending.cend())
            return found->has_value() ? **found : map->defaultValue(key);
        return map->value(key);
    }
    bool visiblyContains(const QString &key) const
    {
        const auto found = pending.constFind(key);
        if (found != pending.cend())
            return found->has_value();
        return map && map->contains(key);
    }

    // Same type and equal: what the view's signals and hasUnapplied compare.
    static bool same(const QVariant &a, const QVariant &b)
    {
        return a.isValid() == b.isValid() && a.metaType() == b.metaType() && a == b;
    }

    QPointer<PersistentMap> map;
    // nullopt: a removal held back.
    QHash<QString, std::optional<QVariant>> pending;
};

PersistentMapDelayedView::PersistentMapDelayedView(PersistentMap *map, QObject *parent)
    : QObject(parent)
    , d_ptr(std::make_unique<PersistentMapDelayedViewPrivate>(map))
{
    if (!map)
        return;
    // The map's changes reach the view's readers where nothing is held back for the key.
    connect(map, &PersistentMap::valueChanged, this,
            [this](const QString &key, const QVariant &value) {
                Q_D(PersistentMapDelayedView);
                if (!d->pending.contains(key))
                    Q_EMIT valueChanged(key, value);
            });
    connect(map, &PersistentMap::valueRemoved, this, [this](const QString &key) {
        Q_D(PersistentMapDelayedView);
        if (!d->pending.contains(key))
            Q_EMIT valueRemoved(key);
    });
    connect(map, &QObject::destroyed, this, [this] {
        Q_D(PersistentMapDelayedView);
        PersistentMapPropertyBinding::removeAll(this);
        const bool had = !d->pending.isEmpty();
        d->pending.clear();
        if (had)
            Q_EMIT hasUnappliedChanged();
    });
}

PersistentMapDelayedView::~PersistentMapDelayedView()
{
    PersistentMapPropertyBinding::removeAll(this);
}

PersistentMap *PersistentMapDelayedView::map() const
{
    Q_D(const PersistentMapDelayedView);
    return d->map;
}

QVariant PersistentMapDelayedView::value(const QString &key, const QVariant &defaultValue) const
{
    Q_D(const PersistentMapDelayedView);
    const auto found = d->pending.constFind(key);
    if (found != d->pending.cend() && found->has_value())
        return **found;
    if (!d->map)
        return defaultValue;
    if (found == d->pending.cend())
        return d->map->value(key, defaultValue);
    return defaultValue.isValid() ? defaultValue : d->map->defaultValue(key); // removal held back
}

bool PersistentMapDelayedView::contains(const QString &key) const
{
    Q_D(const PersistentMapDelayedView);
    return d->visiblyContains(key);
}

bool PersistentMapDelayedView::insert(const QString &key, const QVariant &given)
{
    Q_D(PersistentMapDelayedView);
    if (!d->map)
        return false;
    // The map's own rules, checked now rather than at apply(): its schema (the value converted
    // exactly to the key's type, within its range and choices), then the value codec.
    QVariant value;
    QString why;
    // A key the map refuses at once would be held back for good and fail every apply().
    if (!QStringView(key).isValidUtf16()) {
        qCWarning(lcPersistentMap).noquote()
                << QStringLiteral("PersistentMapDelayedView::insert(): the key '%1' cannot be "
                                  "stored: it contains an unpaired UTF-16 surrogate")
                           .arg(QString::fromUtf8(key.toUtf8())); // the surrogate as U+FFFD
        return false;
    }
    if (!d->map->schema().check(key, given, &value, &why) ||
        !PersistentMapInternal::isEncodable(value, &why)) {
        qCWarning(lcPersistentMap).noquote()
                << QStringLiteral("PersistentMapDelayedView::insert(): %1").arg(why);
        return false;
    }
    const QVariant before = d->visible(key);
    const bool had = !d->pending.isEmpty();
    // Back to what the map holds, or to the schema default of a key it does not store (what its
    // readers see; a default is never written, as with PersistentMap::bind()): nothing left to
    // apply for this key.
    if (d->map->contains(key) ? d->same(d->map->value(key), value)
                              : d->same(d->map->defaultValue(key), value))
        d->pending.remove(key);
    else
        d->pending.insert(key, value);
    if (!d->same(before, value))
        Q_EMIT valueChanged(key, value);
    if (had != !d->pending.isEmpty())
        Q_EMIT hasUnappliedChanged();
    return true;
}

void PersistentMapDelayedView::remove(const QString &key)
{
    Q_D(PersistentMapDelayedView);
    if (!d->map)
        return;
    const bool visibleBefore = d->visiblyContains(key);
    const bool had = !d->pending.isEmpty();
    if (!d->map->contains(key))
        d->pending.remove(key);
    else
        d->pending.insert(key, std::nullopt);
    if (visibleBefore)
        Q_EMIT valueRemoved(key);
    if (had != !d->pending.isEmpty())
        Q_EMIT hasUnappliedChanged();
}

QStringList PersistentMapDelayedView::unappliedKeys() const
{
    Q_D(const PersistentMapDelayedView);
    QStringList keys = d->pending.keys();
    std::sort(keys.begin(), keys.end());
    return keys;
}

bool PersistentMapDelayedView::hasUnapplied() const
{
    Q_D(const PersistentMapDelayedView);
    return !d->pending.isEmpty();
}

QFuture<void> PersistentMapDelayedView::apply()
{
    Q_D(PersistentMapDelayedView);
    if (!d->map) {
        return QtFuture::makeExceptionalFuture(PersistentMapError(
                PersistentMapError::Code::Unsupported,
                QStringLiteral("PersistentMapDelayedView::apply(): the map was destroyed")));
    }
    if (d->pending.isEmpty())
        return QtFuture::makeReadyFuture();
    PersistentMapWriteBatch batch;
    for (auto it = d->pending.cbegin(); it != d->pending.cend(); ++it) {
        if (it->has_value())
            batch.insert(it.key(), **it);
        else
            batch.remove(it.key());
    }
    // Still held back while the map announces the batch: the view's readers saw these values
    // already, so the view forwards none of those signals.
    QFuture<void> applied = d->map->apply(batch);
    if (applied.isFinished() && applied.isCanceled())
        return applied; // refused at once: the map changed nothing, the changes stay here
    d->pending.clear();
    Q_EMIT hasUnappliedChanged();
    return applied;
}

void PersistentMapDelayedView::revert()
{
    Q_D(PersistentMapDelayedView);
    if (d->pending.isEmpty())
        return;
    const auto pending = std::exchange(d->pending, {});
    for (auto it = pending.cbegin(); it != pending.cend(); ++it) {
        const bool containedBefore = it->has_value();
        const QVariant before = it->value_or(QVariant());
        const bool containedNow = d->visiblyContains(it.key());
        const QVariant now = containedNow ? d->visible(it.key()) : QVariant();
        if (containedBefore == containedNow && d->same(before, now))
            continue;
        if (containedNow)
            Q_EMIT valueChanged(it.key(), now);
        else
            Q_EMIT valueRemoved(it.key());
    }
    Q_EMIT hasUnappliedChanged();
}

bool PersistentMapDelayedView::bind(const QString &key, QObject *object, const char *property,
                                    PersistentMap::BindFlags flags)
{
    Q_D(PersistentMapDelayedView);
    if (!d->map)
        return false;
    PersistentMapPropertyBinding::Source source;
    source.read = [this](const QString &k) { return value(k); };
    source.write = [this](const QString &k, const QVariant &v) { return insert(k, v); };
    PersistentMapPropertyBinding *binding = PersistentMapPropertyBinding::create(
            this, std::move(source), key, object, property, flags);
    if (!binding)
        return false;
    auto changed = [binding](const QString &k) {
        if (k == binding->key())
            binding->sourceChanged();
    };
    connect(this, &PersistentMapDelayedView::valueChanged, binding, changed);
    connect(this, &PersistentMapDelayedView::valueRemoved, binding, changed);
    PersistentMap *map = d->map;
    connect(map, &PersistentMap::statusChanged, binding, [map, binding] {
        if (map->status() != PersistentMap::Status::Loading)
            binding->sourceLoaded();
    });
    connect(map, &PersistentMap::schemaChanged, binding, [binding] { binding->sourceChanged(); });
    return true;
}

bool PersistentMapDelayedView::unbind(QObject *object, const char *property)
{
    return PersistentMapPropertyBinding::remove(this, object, property);
}
