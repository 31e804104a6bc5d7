// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// What PersistentMap.values is made of: a JavaScript Proxy whose traps call this object, which
// reads and writes the map itself. Nothing is copied, so a read costs the same at 100 and at
// 100 000 keys, and any key name works (a QQmlPropertyMap, used before, refused names of its
// own members such as "keys", and stopped at 32 767 keys).
//
// Bindings: a binding that reads values[k] also reads the `revision` of one of BucketCount
// small objects, chosen by a hash of k; a change of k bumps that revision, so the binding is
// evaluated again. Bindings on other keys of the same bucket are evaluated again for nothing
// (their value stays the same), which is the price of not having one notifier per key.
#ifndef QMLVALUES_P_H
#define QMLVALUES_P_H

#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QStringList>
#include <QtCore/QVariant>
#include <QtQml/QJSEngine>
#include <QtQml/QJSValue>

class PersistentMap;

// A change counter that bindings depend on.
class QmlValuesRevision : public QObject
{
    Q_OBJECT
    Q_PROPERTY(int revision READ revision NOTIFY revisionChanged)
public:
    using QObject::QObject;
    int revision() const { return m_revision; }
    void bump()
    {
        ++m_revision;
        Q_EMIT revisionChanged();
    }
Q_SIGNALS:
    void revisionChanged();

private:
    int m_revision = 0;
};

class QmlValues : public QObject
{
    Q_OBJECT
public:
    // Same function as bucketOf() in the JavaScript of qmlvalues.cpp: the length and the last
    // 12 UTF-16 code units (keys often differ at the end: "window/width", "window/height").
    static constexpr int BucketCount = 256;
    static int bucketOf(const QString &key);

    explicit QmlValues(QObject *parent);

    void setMap(PersistentMap *map);
    // The Proxy, made on first use in `engine`; undefined without an engine.
    QJSValue proxy(QJSEngine *engine);

    void changed(const QString &key); // bindings on `key` are evaluated again
    void keysChanged(); // Object.keys(values) and `in` are evaluated again
    void allChanged(); // another store, or a load: every binding is evaluated again

    // Called by the Proxy's traps.
    Q_INVOKABLE QJSValue read(const QString &key) const; // undefined when absent
    Q_INVOKABLE bool contains(const QString &key) const;
    Q_INVOKABLE QStringList keys() const;
    Q_INVOKABLE void write(const QString &key, const QVariant &value);
    Q_INVOKABLE void remove(const QString &key);

    // A stored value as JavaScript: null for the stores' null, also inside lists and maps.
    static QJSValue toScriptValue(QJSEngine *engine, const QVariant &value);
    // JavaScript arrays and objects arrive as QJSValue; store them as lists and maps.
    static QVariant toStorable(const QVariant &value);
    // insert() with that conversion; a warning instead when no store is open.
    static void insert(PersistentMap *map, const QString &key, const QVariant &value);

private:
    QPointer<PersistentMap> m_map;
    QList<QmlValuesRevision *> m_revisions; // BucketCount buckets, then the key list's
    QJSValue m_proxy;
    QPointer<QJSEngine> m_engine; // the proxy's
};

#endif // QMLVALUES_P_H
