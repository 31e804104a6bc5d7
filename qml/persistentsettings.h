// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The QML type PersistentSettings: the drop-in for QtCore's Settings. The properties declared on
// it are restored from a store when it has loaded, and written to the store the moment they
// change (asynchronously, no timer window), under keys "category/name" (or "name" without a
// category). Changes made to those keys elsewhere (C++, another PersistentMap item on the same
// map, and, while the map's watchExternalChanges is on, other processes or maps writing to the
// same store) update the properties. A key removed elsewhere leaves its property as it is.
//
//   PersistentSettings {
//       source: "sqlite:settings.db"     // or: map: someStore (a PersistentMap item)
//       category: "window"
//       property int width: 800          // the default, until a stored value is loaded
//   }
#ifndef PERSISTENTSETTINGS_H
#define PERSISTENTSETTINGS_H

#include "qmlpersistentmap.h"

#include <QtCore/QHash>
#include <QtCore/QMetaProperty>
#include <QtCore/QPointer>

class PersistentSettings : public QObject, public QQmlParserStatus
{
    Q_OBJECT
    QML_ELEMENT
    Q_INTERFACES(QQmlParserStatus)
    Q_PROPERTY(QmlPersistentMap *map READ map WRITE setMap NOTIFY mapChanged)
    Q_PROPERTY(QString source READ source WRITE setSource NOTIFY sourceChanged)
    Q_PROPERTY(QString category READ category WRITE setCategory NOTIFY categoryChanged)

public:
    explicit PersistentSettings(QObject *parent = nullptr);
    ~PersistentSettings() override;

    QmlPersistentMap *map() const;
    void setMap(QmlPersistentMap *map);
    QString source() const;
    void setSource(const QString &source);
    QString category() const;
    void setCategory(const QString &category);

    void classBegin() override { }
    void componentComplete() override;

Q_SIGNALS:
    void mapChanged();
    void sourceChanged();
    void categoryChanged();

private Q_SLOTS:
    void propertyChanged(); // connected to the notify signal of every declared property

private:
    void attach(QmlPersistentMap *map);
    void restore();
    void onValueChanged(const QString &key, const QVariant &value);
    QString keyFor(const QMetaProperty &property) const;

    QPointer<QmlPersistentMap> m_map;
    QmlPersistentMap *m_ownMap = nullptr; // when `source` is used
    QString m_category;
    QHash<int, QMetaProperty> m_propertiesByNotify; // notify signal index -> property
    bool m_complete = false;
    bool m_restoring = false;
};

#endif // PERSISTENTSETTINGS_H
