// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "settings/persistentmappropertybinding_p.h"

#include <QtCore/QDebug>
#include <QtCore/QMetaMethod>
#include <QtCore/QThread>

#include "logging_p.h"

namespace {

QString describeObject(const QObject *object)
{
    QString text = QString::fromLatin1(object->metaObject()->className());
    if (!object->objectName().isEmpty())
        text += QStringLiteral(" '%1'").arg(object->objectName());
    return text;
}

QString describeValue(const QVariant &value)
{
    QString text;
    QDebug(&text).nospace() << value;
    return text;
}

// The property named, or the USER property for nullptr; an invalid one when there is none.
QMetaProperty findProperty(const QObject *object, const char *name)
{
    const QMetaObject *meta = object->metaObject();
    if (!name)
        return meta->userProperty();
    const int index = meta->indexOfProperty(name);
    return index < 0 ? QMetaProperty() : meta->property(index);
}

bool isVariantProperty(const QMetaProperty &property)
{
    return property.metaType() == QMetaType::fromType<QVariant>();
}

} // namespace

PersistentMapPropertyBinding *PersistentMapPropertyBinding::create(QObject *owner, Source source,
                                                                   const QString &key,
                                                                   QObject *object,
                                                                   const char *property,
                                                                   PersistentMap::BindFlags flags)
{
    const QString propertyText =
            property ? QString::fromLatin1(property) : QStringLiteral("(the USER property)");
    auto refuse = [&](const QString &why) {
        qCWarning(lcPersistentMap).noquote()
                << QStringLiteral("bind('%1'): cannot bind %2 of %3: %4")
                           .arg(key, propertyText,
                                object ? describeObject(object) : QStringLiteral("a null object"),
                                why);
        return nullptr;
    };
    if (!object)
        return refuse(QStringLiteral("the object is null"));
    if (object->thread() != owner->thread())
        return refuse(QStringLiteral("the object lives in another thread than the map"));
    const QMetaProperty meta = findProperty(object, property);
    if (!meta.isValid()) {
        return refuse(property ? QStringLiteral("the class has no such property")
                               : QStringLiteral("the class declares no USER property"));
    }
    if (!(flags & (PersistentMap::BindGet | PersistentMap::BindSet)))
        flags |= PersistentMap::BindGet | PersistentMap::BindSet; // BindDefault, as GSettings
    if (!meta.isReadable())
        return refuse(QStringLiteral("the property is not readable"));
    if ((flags & PersistentMap::BindGet) && !meta.isWritable())
        return refuse(QStringLiteral("the property is not writable (bind with BindSet alone)"));
    if ((flags & PersistentMap::BindSet) && !meta.hasNotifySignal()) {
        return refuse(QStringLiteral("the property has no NOTIFY signal, so its changes cannot "
                                     "be seen (bind with BindGet alone)"));
    }
    if ((flags & PersistentMap::BindInvertBoolean) &&
        meta.metaType() != QMetaType::fromType<bool>()) {
        return refuse(QStringLiteral("BindInvertBoolean needs a bool property, not %1")
                              .arg(QString::fromLatin1(meta.typeName())));
    }
    remove(owner, object, meta.name());
    auto *binding =
            new PersistentMapPropertyBinding(owner, std::move(source), key, object, meta, flags);
    if (flags & PersistentMap::BindSet) {
        const QMetaMethod slot =
                staticMetaObject.method(staticMetaObject.indexOfMethod("propertyChanged()"));
        QObject::connect(object, meta.notifySignal(), binding, slot);
    }
    // Ended with the object. The source's destructor ends the rest (removeAll()).
    QObject::connect(object, &QObject::destroyed, binding, [binding] { delete binding; });
    if (flags & PersistentMap::BindGet)
        binding->setProperty(true);
    return binding;
}

bool PersistentMapPropertyBinding::remove(QObject *owner, QObject *object, const char *property)
{
    if (!object)
        return false;
    const QMetaProperty meta = findProperty(object, property);
    if (!meta.isValid())
        return false;
    const auto bindings =
            owner->findChildren<PersistentMapPropertyBinding *>(Qt::FindDirectChildrenOnly);
    for (PersistentMapPropertyBinding *binding : bindings) {
        if (binding->m_object == object &&
            binding->m_property.propertyIndex() == meta.propertyIndex()) {
            delete binding;
            return true;
        }
    }
    return false;
}

void PersistentMapPropertyBinding::removeAll(QObject *owner)
{
    qDeleteAll(owner->findChildren<PersistentMapPropertyBinding *>(Qt::FindDirectChildrenOnly));
}

PersistentMapPropertyBinding::PersistentMapPropertyBinding(QObject *owner, Source source,
                                                           const QString &key, QObject *object,
                                                           const QMetaProperty &property,
                                                           PersistentMap::BindFlags flags)
    : QObject(owner)
    , m_source(std::move(source))
    , m_key(key)
    , m_object(object)
    , m_property(property)
    , m_flags(flags)
    , m_unboundValue(property.read(object))
{
}

void PersistentMapPropertyBinding::sourceChanged()
{
    if (!(m_flags & PersistentMap::BindGet) || m_updating)
        return;
    if ((m_flags & PersistentMap::BindGetNoChanges) && m_gotValue)
        return;
    setProperty(false);
}

void PersistentMapPropertyBinding::sourceLoaded()
{
    if (!(m_flags & PersistentMap::BindGet))
        return;
    if ((m_flags & PersistentMap::BindGetNoChanges) && m_gotValue)
        return;
    setProperty(false);
}

QString PersistentMapPropertyBinding::describe() const
{
    return QStringLiteral("'%1' bound to %2 of %3")
            .arg(m_key, QString::fromLatin1(m_property.name()),
                 m_object ? describeObject(m_object) : QStringLiteral("a destroyed object"));
}

// Store to property: the stored value converted exactly to the property's type (negated with
// BindInvertBoolean), or the property's value at bind time when the key has no value.
void PersistentMapPropertyBinding::setProperty(bool initial)
{
    if (!m_object)
        return;
    const QVariant stored = m_source.read(m_key);
    QVariant target;
    if (!stored.isValid()) {
        if (initial)
            return; // the property's own value stands until the store has one
        target = m_unboundValue;
    } else if (isVariantProperty(m_property)) {
        target = stored;
    } else {
        QVariant converted = stored;
        const QMetaType wanted = m_property.metaType();
        if (stored.metaType() != wanted &&
            !PersistentMap::convertExactly(stored, wanted, &converted)) {
            qCWarning(lcPersistentMap).noquote()
                    << QStringLiteral("%1: the stored value %2 does not convert exactly to the "
                                      "property's type %3; the property keeps its value")
                               .arg(describe(), describeValue(stored),
                                    QString::fromLatin1(m_property.typeName()));
            return;
        }
        if (m_flags & PersistentMap::BindInvertBoolean)
            converted = QVariant(!converted.toBool());
        target = converted;
        m_gotValue = true;
    }
    if (m_property.read(m_object) == target)
        return;
    m_updating = true;
    const bool written = m_property.write(m_object, target);
    m_updating = false;
    if (!written) {
        qCWarning(lcPersistentMap).noquote()
                << QStringLiteral("%1: the property refused the value %2")
                           .arg(describe(), describeValue(target));
        return;
    }
    // A property that clamps or rounds (a spin box's range, its decimals) holds another value
    // now: said, not silent. The store keeps its value.
    const QVariant now = m_property.read(m_object);
    if (now != target) {
        qCWarning(lcPersistentMap).noquote()
                << QStringLiteral("%1: the property holds %2 after being set to %3 (it clamps or "
                                  "rounds); the store keeps its value")
                           .arg(describe(), describeValue(now), describeValue(target));
    }
}

// Property to store, on the property's NOTIFY signal.
void PersistentMapPropertyBinding::propertyChanged()
{
    if (m_updating || !m_object)
        return;
    QVariant value = m_property.read(m_object);
    if (m_flags & PersistentMap::BindInvertBoolean)
        value = QVariant(!value.toBool());
    const QVariant stored = m_source.read(m_key);
    if (stored.isValid() && stored.metaType() != value.metaType()) {
        // Keep the type the key already has when the value fits it exactly ("42" into an int).
        QVariant converted;
        if (PersistentMap::convertExactly(value, stored.metaType(), &converted))
            value = converted;
    }
    if (stored.isValid() && stored.metaType() == value.metaType() && stored == value)
        return;
    m_updating = true;
    const bool accepted = m_source.write(m_key, value);
    m_updating = false;
    if (!accepted) {
        qCWarning(lcPersistentMap).noquote()
                << QStringLiteral("%1: the store refused the value %2; the property gets the "
                                  "stored value back")
                           .arg(describe(), describeValue(value));
        if (m_flags & PersistentMap::BindGet)
            setProperty(false);
    }
}
