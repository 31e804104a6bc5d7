// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "persistentsettings.h"

#include "qmllogging_p.h"
#include "qmlvalues_p.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapDelayedView>
#include <PersistentMap/PersistentMapGroup>

#include <QtCore/QException>
#include <QtQml/QQmlInfo>

PersistentSettings::PersistentSettings(QObject *parent)
    : QObject(parent)
{
}

PersistentSettings::~PersistentSettings() = default;

QObject *PersistentSettings::map() const
{
    if (m_assigned)
        return m_assigned;
    return m_store == m_ownStore && m_ownStore && !m_ownStore->source().isEmpty() ? m_ownStore
                                                                                  : nullptr;
}

void PersistentSettings::setMap(QObject *map)
{
    if (m_assigned == map && (map || !m_store))
        return;
    QmlPersistentMap *store = qobject_cast<QmlPersistentMap *>(map);
    PersistentMap *cppMap = qobject_cast<PersistentMap *>(map);
    if (map && !store && !cppMap) {
        qmlWarning(this) << "map must be a PersistentMap (the QML item or the C++ class), not "
                         << map->metaObject()->className();
        map = nullptr;
    }
    const bool hadSource = !source().isEmpty();
    m_assigned = map;
    if (cppMap) {
        // Shown through an item of our own, which gives it the same signals as a QML store.
        store = ownStore();
        store->setMap(cppMap);
    } else if (m_ownStore) {
        m_ownStore->setMap(nullptr);
    }
    attach(store);
    Q_EMIT mapChanged();
    if (hadSource)
        Q_EMIT sourceChanged();
}

QString PersistentSettings::source() const
{
    return m_ownStore && m_store == m_ownStore ? m_ownStore->source() : QString();
}

void PersistentSettings::setSource(const QString &source)
{
    if (this->source() == source && (m_store == m_ownStore || source.isEmpty()))
        return;
    m_assigned = nullptr;
    QmlPersistentMap *store = ownStore();
    store->setSource(source);
    attach(store);
    Q_EMIT sourceChanged();
    Q_EMIT mapChanged();
}

QmlPersistentMap *PersistentSettings::ownStore()
{
    if (!m_ownStore) {
        m_ownStore = new QmlPersistentMap(this);
        m_ownStore->classBegin();
        m_ownStore->componentComplete();
    }
    return m_ownStore;
}

QString PersistentSettings::category() const
{
    return m_category;
}

void PersistentSettings::setCategory(const QString &category)
{
    if (m_category == category)
        return;
    m_category = category;
    Q_EMIT categoryChanged();
    restore();
}

QString PersistentSettings::keyFor(const QString &name) const
{
    // The category is a group: "a/b" nests, and names are normalized as QSettings does.
    return PersistentMapGroup(nullptr, m_category).absoluteKey(name);
}

void PersistentSettings::componentComplete()
{
    // The properties declared in QML follow the C++ ones in the meta-object; aliases are
    // among them.
    const QMetaObject *meta = metaObject();
    const int slot = meta->indexOfSlot("propertyChanged()");
    for (int i = staticMetaObject.propertyCount(); i < meta->propertyCount(); ++i) {
        const QMetaProperty property = meta->property(i);
        if (!property.hasNotifySignal() || !property.isWritable())
            continue;
        m_propertiesByNotify.insert(property.notifySignalIndex(), property);
        QMetaObject::connect(this, property.notifySignalIndex(), this, slot);
        // Qt connects an alias to its target's change signal only once the alias has been
        // read or written; without this read, a change made to the target would be missed.
        property.read(this);
    }
    m_complete = true;
    restore();
}

void PersistentSettings::attach(QmlPersistentMap *store)
{
    if (m_store == store) {
        updateView();
        restore();
        return;
    }
    if (m_store)
        disconnect(m_store, nullptr, this, nullptr);
    m_store = store;
    if (store) {
        connect(store, &QmlPersistentMap::valueChanged, this, &PersistentSettings::onValueChanged);
        connect(store, &QmlPersistentMap::valueRemoved, this, &PersistentSettings::onValueRemoved);
        // Restore once loaded, and again whenever the item shows another store.
        connect(store, &QmlPersistentMap::statusChanged, this, &PersistentSettings::restore);
        connect(store, &QmlPersistentMap::mapChanged, this, &PersistentSettings::updateView);
        connect(store, &QmlPersistentMap::mapChanged, this, &PersistentSettings::restore);
    }
    updateView();
    restore();
}

PersistentMap *PersistentSettings::readyMap() const
{
    return m_store && m_store->status() == QmlPersistentMap::Ready ? m_store->map() : nullptr;
}

void PersistentSettings::restore()
{
    const quint64 generation = ++m_generation;
    m_propertiesByKey.clear();
    for (const QMetaProperty &property : std::as_const(m_propertiesByNotify))
        m_propertiesByKey.insert(keyFor(QString::fromUtf8(property.name())), property);
    PersistentMap *map = m_complete ? readyMap() : nullptr;
    if (!map)
        return;
    const bool readOnly = map->isReadOnly();
    // A copy: a handler run by a property write may change the category, and so the keys.
    const QHash<QString, QMetaProperty> properties = m_propertiesByKey;
    for (auto it = properties.cbegin(); it != properties.cend(); ++it) {
        if (m_view && m_view->contains(it.key())) {
            writeProperty(it.value(), m_view->value(it.key()));
        } else if (map->contains(it.key())) {
            writeProperty(it.value(), map->value(it.key()));
        } else if (const QVariant fallback = map->defaultValue(it.key()); fallback.isValid()) {
            // The map's schema has a default for the key: shown, never written (SCHEMA.md).
            writeProperty(it.value(), fallback);
        } else {
            // As Settings does: the declared value, for C++ code and other processes to read.
            const QVariant declared = QmlValues::toStorable(it.value().read(this));
            if (!readOnly && declared.isValid()) // not for a var property left undefined
                map->insert(it.key(), declared);
        }
        // A handler run by that write changed the category or the store (perhaps deleting
        // `map`): the restore() it started did the rest.
        if (m_generation != generation)
            return;
    }
}

void PersistentSettings::writeProperty(const QMetaProperty &property, const QVariant &stored)
{
    const QVariant current = QmlValues::toStorable(property.read(this));
    if (current == stored)
        return;
    QVariant value = stored;
    const QMetaType type = property.metaType();
    if (type == QMetaType::fromType<QVariant>() || type == QMetaType::fromType<QJSValue>()) {
        // A var property: as JavaScript, so that a null inside a list or an object stays null.
        if (QJSEngine *engine = qjsEngine(this))
            value = QVariant::fromValue(QmlValues::toScriptValue(engine, stored));
    } else if (value.metaType() != type && !value.convert(type)) {
        qmlWarning(this) << "the stored value of \"" << keyFor(QString::fromUtf8(property.name()))
                         << "\" (" << stored.metaType().name() << ") cannot be converted to the "
                         << type.name() << " of its property; the property keeps its value";
        return;
    }
    // The change signal of this write is not written back; a handler that changes the property
    // again (a clamp) or another declared property meanwhile is stored as any change is.
    m_applying.insert(property.propertyIndex(), QmlValues::toStorable(value));
    property.write(this, value);
    m_applying.remove(property.propertyIndex());
}

void PersistentSettings::propertyChanged()
{
    PersistentMap *map = m_store ? m_store->map() : nullptr;
    if (!map || map->isReadOnly()) // nothing is written to a read-only store
        return;
    const auto it = m_propertiesByNotify.constFind(senderSignalIndex());
    if (it == m_propertiesByNotify.cend())
        return;
    const QVariant value = QmlValues::toStorable(it->read(this));
    const auto applying = m_applying.constFind(it->propertyIndex());
    if (applying != m_applying.cend() && value == applying.value())
        return; // the property as the stored value left it: nothing to write
    if (m_view)
        m_view->insert(keyFor(QString::fromUtf8(it->name())), value);
    else
        map->insert(keyFor(QString::fromUtf8(it->name())), value);
}

void PersistentSettings::onValueChanged(const QString &key, const QVariant &value)
{
    if (m_view && sender() != m_view.get())
        return; // delayed: the view's signals say what this object sees
    const auto it = m_propertiesByKey.constFind(key);
    if (it != m_propertiesByKey.cend())
        writeProperty(*it, value);
}

void PersistentSettings::onValueRemoved(const QString &key)
{
    if (m_view && sender() != m_view.get())
        return; // delayed: the view's signals say what this object sees
    // Without a schema the property keeps its value; with one, a reset key shows its default.
    PersistentMap *map = m_store ? m_store->map() : nullptr;
    const auto it = m_propertiesByKey.constFind(key);
    if (!map || it == m_propertiesByKey.cend())
        return;
    if (const QVariant fallback = map->defaultValue(key); fallback.isValid())
        writeProperty(*it, fallback);
}

QVariant PersistentSettings::value(const QString &key, const QVariant &defaultValue) const
{
    const QString absolute = keyFor(key);
    if (absolute.isEmpty())
        return defaultValue;
    if (m_view)
        return m_view->value(absolute, defaultValue);
    return m_store && m_store->map() ? m_store->map()->value(absolute, defaultValue) : defaultValue;
}

void PersistentSettings::setValue(const QString &key, const QVariant &value)
{
    const QString absolute = keyFor(key);
    if (absolute.isEmpty()) { // as PersistentMapGroup: an empty key names nothing
        qmlWarning(this) << "setValue() needs a key that is not empty (slashes alone are empty)";
        return;
    }
    if (m_view) {
        if (!m_view->insert(absolute, QmlValues::toStorable(value)))
            qmlWarning(this) << "setValue(\"" << absolute << "\"): the value cannot be stored";
        return;
    }
    QmlValues::insert(m_store ? m_store->map() : nullptr, absolute, value);
}

bool PersistentSettings::delayed() const
{
    return m_delayed;
}

void PersistentSettings::setDelayed(bool delayed)
{
    if (m_delayed == delayed)
        return;
    m_delayed = delayed;
    updateView();
    Q_EMIT delayedChanged();
    restore(); // what was held back is gone: the properties show the store again
}

bool PersistentSettings::hasUnapplied() const
{
    return m_view && m_view->hasUnapplied();
}

void PersistentSettings::updateView()
{
    PersistentMap *map = m_delayed && m_store ? m_store->map() : nullptr;
    if (m_view && m_view->map() == map)
        return;
    const bool had = hasUnapplied();
    m_view.reset();
    if (map) {
        m_view = std::make_unique<PersistentMapDelayedView>(map);
        connect(m_view.get(), &PersistentMapDelayedView::valueChanged, this,
                &PersistentSettings::onValueChanged);
        connect(m_view.get(), &PersistentMapDelayedView::valueRemoved, this,
                &PersistentSettings::onValueRemoved);
        connect(m_view.get(), &PersistentMapDelayedView::hasUnappliedChanged, this,
                &PersistentSettings::hasUnappliedChanged);
    }
    if (had != hasUnapplied())
        Q_EMIT hasUnappliedChanged();
}

void PersistentSettings::apply()
{
    if (m_view)
        m_view->apply(); // a failure is reported through the map's errorOccurred
}

void PersistentSettings::revert()
{
    if (m_view)
        m_view->revert();
}

void PersistentSettings::sync()
{
    PersistentMap *map = m_store ? m_store->map() : nullptr;
    if (!map)
        return;
    try {
        map->flush().waitForFinished();
    } catch (const QException &) {
        // Reported through the map's errorOccurred; the writes stay queued for the next try.
    }
    restore();
}
