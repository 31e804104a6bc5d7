// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "persistentsettings.h"

#include "qmlvaluemap_p.h"

#include <PersistentMap/PersistentMap>

PersistentSettings::PersistentSettings(QObject *parent)
    : QObject(parent)
{
}

PersistentSettings::~PersistentSettings() = default;

QmlPersistentMap *PersistentSettings::map() const
{
    return m_map;
}

void PersistentSettings::setMap(QmlPersistentMap *map)
{
    if (m_map == map)
        return;
    attach(map);
    Q_EMIT mapChanged();
}

QString PersistentSettings::source() const
{
    return m_ownMap ? m_ownMap->source() : QString();
}

void PersistentSettings::setSource(const QString &source)
{
    if (this->source() == source)
        return;
    if (!m_ownMap) {
        m_ownMap = new QmlPersistentMap(this);
        m_ownMap->classBegin();
        m_ownMap->componentComplete();
    }
    m_ownMap->setSource(source);
    Q_EMIT sourceChanged();
    if (m_map != m_ownMap) {
        attach(m_ownMap);
        Q_EMIT mapChanged();
    }
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

void PersistentSettings::componentComplete()
{
    // The properties declared in QML follow the C++ ones in the meta-object.
    const QMetaObject *meta = metaObject();
    const int slot = meta->indexOfSlot("propertyChanged()");
    for (int i = staticMetaObject.propertyCount(); i < meta->propertyCount(); ++i) {
        const QMetaProperty property = meta->property(i);
        if (!property.hasNotifySignal() || !property.isWritable())
            continue;
        m_propertiesByNotify.insert(property.notifySignalIndex(), property);
        QMetaObject::connect(this, property.notifySignalIndex(), this, slot);
    }
    m_complete = true;
    restore();
}

void PersistentSettings::attach(QmlPersistentMap *map)
{
    if (m_map)
        disconnect(m_map, nullptr, this, nullptr);
    m_map = map;
    if (m_map) {
        connect(m_map, &QmlPersistentMap::valueChanged, this, &PersistentSettings::onValueChanged);
        // Restore once loaded, and again whenever the map switches to another store.
        connect(m_map, &QmlPersistentMap::statusChanged, this, [this] {
            if (m_map->status() == QmlPersistentMap::Ready)
                restore();
        });
    }
    restore();
}

QString PersistentSettings::keyFor(const QMetaProperty &property) const
{
    const QString name = QString::fromLatin1(property.name());
    return m_category.isEmpty() ? name : m_category + u'/' + name;
}

void PersistentSettings::restore()
{
    if (!m_complete || !m_map || m_map->status() != QmlPersistentMap::Ready)
        return;
    m_restoring = true;
    for (const QMetaProperty &property : std::as_const(m_propertiesByNotify)) {
        const QString key = keyFor(property);
        if (m_map->contains(key))
            property.write(this, m_map->value(key));
    }
    m_restoring = false;
}

void PersistentSettings::propertyChanged()
{
    if (m_restoring || !m_map)
        return;
    const auto it = m_propertiesByNotify.constFind(senderSignalIndex());
    if (it == m_propertiesByNotify.cend())
        return;
    m_map->insert(keyFor(*it), QmlValueMap::toStorable(it->read(this)));
}

void PersistentSettings::onValueChanged(const QString &key, const QVariant &value)
{
    if (m_restoring)
        return;
    for (const QMetaProperty &property : std::as_const(m_propertiesByNotify)) {
        if (keyFor(property) != key)
            continue;
        const QVariant current = QmlValueMap::toStorable(property.read(this));
        if (current != value) {
            m_restoring = true;
            property.write(this, value);
            m_restoring = false;
        }
        return;
    }
}
