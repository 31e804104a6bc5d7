// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PersistentMapPropertyBinding: one key coupled with one property of one QObject, made by
// PersistentMap::bind() and PersistentMapDelayedView::bind() (docs/BINDING.md). The source (a
// map or a delayed view) is its parent and reaches it through a Source of two functions, so the
// same code serves both; the source connects its change signals to sourceChanged().
//
// Owner thread only: the source, the binding and the bound object live in one thread. Loops
// are broken twice: a change made by the binding itself is ignored while it is being made, and
// a value equal to the one already there is neither written nor set.
#ifndef PERSISTENTMAPPROPERTYBINDING_P_H
#define PERSISTENTMAPPROPERTYBINDING_P_H

#include <PersistentMap/persistentmap.h>

#include <QtCore/QMetaProperty>
#include <QtCore/QObject>
#include <QtCore/QPointer>

#include <functional>

class PersistentMapPropertyBinding : public QObject
{
    Q_OBJECT

public:
    struct Source
    {
        // The value readers of the source see; an invalid QVariant when the key has none.
        std::function<QVariant(const QString &key)> read;
        // Writes the value; false when the source refused it at once (nothing changed).
        std::function<bool(const QString &key, const QVariant &value)> write;
    };

    // Checks the object and the property (a qWarning says why not) and makes the binding, a
    // child of `owner`; any earlier binding of that property made through `owner` ends first.
    static PersistentMapPropertyBinding *create(QObject *owner, Source source, const QString &key,
                                                QObject *object, const char *property,
                                                PersistentMap::BindFlags flags);
    // Ends the binding of `object`'s property made through `owner`; true when there was one.
    static bool remove(QObject *owner, QObject *object, const char *property);
    // Ends every binding made through `owner` (its destructor, before the source goes away).
    static void removeAll(QObject *owner);

    const QString &key() const { return m_key; }

    // The source's value for key() changed (or was removed): the property follows (BindGet).
    void sourceChanged();
    // The source finished loading: the property gets the loaded value (BindGet, even with
    // BindGetNoChanges when the value could not be read at bind time).
    void sourceLoaded();

private:
    PersistentMapPropertyBinding(QObject *owner, Source source, const QString &key, QObject *object,
                                 const QMetaProperty &property, PersistentMap::BindFlags flags);
    Q_INVOKABLE void propertyChanged();
    void setProperty(bool initial);
    QString describe() const;

    Source m_source;
    const QString m_key;
    QPointer<QObject> m_object;
    const QMetaProperty m_property;
    const PersistentMap::BindFlags m_flags;
    QVariant m_unboundValue; // the property's value at bind time: what a key with no value gives
    bool m_updating = false; // the binding itself is changing the property or the store
    bool m_gotValue = false; // the property was set from a value at least once (GetNoChanges)
};

#endif // PERSISTENTMAPPROPERTYBINDING_P_H
