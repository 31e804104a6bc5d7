// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The QML type PersistentMapModel: the C++ PersistentMapModel whose `map` also takes the QML
// PersistentMap item (and follows it when its source changes), so that `map: store` works
// wherever a map is wanted, as PersistentSettings.map does.
#ifndef QMLPERSISTENTMAPMODEL_P_H
#define QMLPERSISTENTMAPMODEL_P_H

#include "qmlpersistentmap.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapModel>

#include <QtCore/QPointer>
#include <QtQml/QQmlInfo>
#include <QtQml/qqmlregistration.h>

class QmlPersistentMapModel : public PersistentMapModel
{
    Q_OBJECT
    QML_NAMED_ELEMENT(PersistentMapModel)
    // Replaces PersistentMapModel.map (a PersistentMap *) for QML.
    Q_PROPERTY(QObject *map READ mapObject WRITE setMapObject NOTIFY mapChanged)

public:
    using PersistentMapModel::PersistentMapModel;

    QObject *mapObject() const { return m_store ? static_cast<QObject *>(m_store) : map(); }
    void setMapObject(QObject *object)
    {
        if (m_store)
            disconnect(m_store, nullptr, this, nullptr);
        m_store = qobject_cast<QmlPersistentMap *>(object);
        PersistentMap *cppMap = qobject_cast<PersistentMap *>(object);
        if (object && !m_store && !cppMap) {
            qmlWarning(this) << "map must be a PersistentMap (the QML item or the C++ class), not "
                             << object->metaObject()->className();
        }
        if (m_store) {
            connect(m_store, &QmlPersistentMap::mapChanged, this,
                    [this] { setMap(m_store->map()); });
            cppMap = m_store->map();
        }
        setMap(cppMap);
    }

private:
    QPointer<QmlPersistentMap> m_store; // an item given as `map`, whose map is followed
};

#endif // QMLPERSISTENTMAPMODEL_P_H
