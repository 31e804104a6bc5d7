// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The object behind PersistentMap.values: one property per key. Writes from QML go to the map
// (and so to the store); the map's changes come back through insert()/clear().
#ifndef QMLVALUEMAP_P_H
#define QMLVALUEMAP_P_H

#include <QtQml/QJSValue>
#include <QtQml/QQmlPropertyMap>

#include <functional>

class QmlValueMap : public QQmlPropertyMap
{
public:
    using Writer = std::function<void(const QString &, const QVariant &)>;

    QmlValueMap(Writer writer, QObject *parent)
        : QQmlPropertyMap(this, parent)
        , m_writer(std::move(writer))
    {
    }

    // JavaScript arrays and objects arrive as QJSValue; store them as lists and maps.
    static QVariant toStorable(const QVariant &value)
    {
        if (value.metaType() == QMetaType::fromType<QJSValue>())
            return value.value<QJSValue>().toVariant();
        return value;
    }

protected:
    QVariant updateValue(const QString &key, const QVariant &input) override
    {
        const QVariant value = toStorable(input);
        m_writer(key, value);
        return value;
    }

private:
    Writer m_writer;
};

#endif // QMLVALUEMAP_P_H
