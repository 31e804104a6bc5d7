// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// SerializedBackend: the custom backend of the contract's simple kind (PersistentMapSimpleBackend's
// loadAll(), save() and remove()) for the tests that run each behaviour over every backend. Its
// data outlives the backend object in a static table keyed by store name, so a backend made later
// with the same name reopens it; values are kept as QDataStream bytes, as a real store keeps them
// (a value that does not survive serialization shows after a reopen).
#ifndef SERIALIZEDBACKEND_H
#define SERIALIZEDBACKEND_H

#include <PersistentMap/persistentmapsimplebackend.h>

#include <QtCore/QByteArray>
#include <QtCore/QDataStream>
#include <QtCore/QHash>
#include <QtCore/QMutex>
#include <QtCore/QString>
#include <QtCore/QVariant>

class SerializedBackend : public PersistentMapSimpleBackend
{
public:
    explicit SerializedBackend(const QString &name)
        : m_name(name)
    {
    }

    QVariantHash loadAll() override
    {
        QMutexLocker locker(&s_mutex);
        QVariantHash result;
        const QHash<QString, QByteArray> &store = s_stores[m_name];
        for (auto it = store.cbegin(); it != store.cend(); ++it) {
            QDataStream stream(it.value());
            QVariant value;
            stream >> value;
            result.insert(it.key(), value);
        }
        return result;
    }
    void save(const QString &key, const QVariant &value) override
    {
        QByteArray bytes;
        QDataStream stream(&bytes, QIODevice::WriteOnly);
        stream << value;
        QMutexLocker locker(&s_mutex);
        s_stores[m_name].insert(key, bytes);
    }
    void remove(const QString &key) override
    {
        QMutexLocker locker(&s_mutex);
        s_stores[m_name].remove(key);
    }

private:
    QString m_name;
    static inline QMutex s_mutex;
    static inline QHash<QString, QHash<QString, QByteArray>> s_stores;
};

#endif // SERIALIZEDBACKEND_H
