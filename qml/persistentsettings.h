// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The QML type PersistentSettings: the drop-in for QML's Settings (Qt.labs.settings, QtCore).
// Every property declared on it, aliases included, is kept in a store under the key
// "category/name" ("name" without a category; the category is a group of PersistentMapGroup:
// "a/b" nests, slashes are normalized as QSettings does, so "/a//b/" is "a/b"):
// - when the store is loaded (before the first frame unless the store is `asynchronous`), a
//   stored value wins over the declared one (converted to the property's type; a value that
//   cannot be converted is left in the store and reported with a warning); when nothing is
//   stored, the declared value is written, so C++ code and other processes see it. The same
//   happens when `category` or the store changes.
// - every change of a property, or of an alias's target, is written at once (asynchronously,
//   without Settings' write timer; flush() or sync() makes it durable).
// - a change of the key made elsewhere (C++, another PersistentSettings or PersistentMap item,
//   and, while the map's watchExternalChanges is on, other processes) updates the property. A key
//   removed elsewhere leaves its property as it is.
// - with a schema on the map (PersistentMap.schema, docs/SCHEMA.md) that gives a key a default,
//   the property shows that default while nothing is stored, and again after the key is reset
//   or removed; the default is never written.
// A read-only store is read, and nothing is written to it.
//
//   PersistentSettings {
//       source: "sqlite:settings.db"     // or: map: store (a PersistentMap item or C++ map)
//       category: "window"
//       property alias width: window.width
//       property int zoom: 100           // used and stored when nothing is stored yet
//   }
//
// `map` takes a QML PersistentMap item or a C++ PersistentMap; `source` opens a store of this
// object's own (as PersistentMap.source does). value(key, default) and setValue(key, value)
// read and write keys under `category`; sync() waits until every write is durable (flush())
// and restores the properties from the map.
//
// `delayed: true` makes it the OK/Cancel of a settings page (docs/DELAYED-APPLY.md): changes
// of the properties and setValue() are held back in a PersistentMapDelayedView, seen by this
// object's properties and value() but by nobody else, until apply() writes them in one atomic
// batch; revert() drops them and the properties get the stored values back; hasUnapplied says
// whether something is held back. Turning `delayed` off (or another store) drops what is held.
#ifndef PERSISTENTSETTINGS_H
#define PERSISTENTSETTINGS_H

#include "qmlpersistentmap.h"

#include <QtCore/QHash>
#include <QtCore/QMetaProperty>
#include <QtCore/QPointer>

#include <memory>

class PersistentMapDelayedView;

class PersistentSettings : public QObject, public QQmlParserStatus
{
    Q_OBJECT
    QML_ELEMENT
    Q_INTERFACES(QQmlParserStatus)
    Q_PROPERTY(QObject *map READ map WRITE setMap NOTIFY mapChanged)
    Q_PROPERTY(QString source READ source WRITE setSource NOTIFY sourceChanged)
    Q_PROPERTY(QString category READ category WRITE setCategory NOTIFY categoryChanged)
    Q_PROPERTY(bool delayed READ delayed WRITE setDelayed NOTIFY delayedChanged)
    Q_PROPERTY(bool hasUnapplied READ hasUnapplied NOTIFY hasUnappliedChanged)

public:
    explicit PersistentSettings(QObject *parent = nullptr);
    ~PersistentSettings() override;

    QObject *map() const;
    void setMap(QObject *map);
    QString source() const;
    void setSource(const QString &source);
    QString category() const;
    void setCategory(const QString &category);
    bool delayed() const;
    void setDelayed(bool delayed);
    bool hasUnapplied() const;

    Q_INVOKABLE QVariant value(const QString &key, const QVariant &defaultValue = {}) const;
    Q_INVOKABLE void setValue(const QString &key, const QVariant &value);
    Q_INVOKABLE void sync();
    Q_INVOKABLE void apply(); // delayed: writes what is held back, one atomic batch
    Q_INVOKABLE void revert(); // delayed: drops it; the properties get the stored values

    void classBegin() override { }
    void componentComplete() override;

Q_SIGNALS:
    void mapChanged();
    void sourceChanged();
    void categoryChanged();
    void delayedChanged();
    void hasUnappliedChanged();

private Q_SLOTS:
    void propertyChanged(); // connected to the notify signal of every declared property

private:
    QmlPersistentMap *ownStore();
    void attach(QmlPersistentMap *store);
    void restore();
    void updateView(); // the delayed view over the store's map, while `delayed`
    void onValueChanged(const QString &key, const QVariant &value);
    void onValueRemoved(const QString &key);
    void writeProperty(const QMetaProperty &property, const QVariant &stored);
    PersistentMap *readyMap() const; // the store's map once loaded, or null
    QString keyFor(const QString &name) const;

    QPointer<QObject> m_assigned; // what `map` was set to
    QPointer<QmlPersistentMap> m_store; // the item read and written
    QmlPersistentMap *m_ownStore = nullptr; // for `source`, or to show a C++ map
    QString m_category;
    QHash<int, QMetaProperty> m_propertiesByNotify; // notify signal index -> property
    QHash<QString, QMetaProperty> m_propertiesByKey;
    QHash<int, QVariant> m_applying; // property index -> the stored value being applied
    quint64 m_generation = 0; // of restore() calls
    bool m_complete = false;
    bool m_delayed = false;
    std::unique_ptr<PersistentMapDelayedView> m_view; // while delayed and a map is shown
};

#endif // PERSISTENTSETTINGS_H
