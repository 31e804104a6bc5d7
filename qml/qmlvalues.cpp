// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "qmlvalues_p.h"

#include "qmllogging_p.h"

#include <PersistentMap/PersistentMap>

#include <QtQml/QJSEngine>
#include <QtQml/QQmlEngine>

namespace {
// The handler of the Proxy (ECMAScript 2015, section 9.5). `impl` is the QmlValues object,
// `revisions` its QmlValuesRevision objects. A key the store does not hold reads undefined,
// whatever its name ("toString" included); conversion to a string goes through
// Symbol.toPrimitive instead. getOwnPropertyDescriptor also defines the property on the
// (otherwise unused) target: Qt 6.4's engine throws "Type error" when the trap reports a
// property the target lacks, which the standard allows for an extensible target.
constexpr char ProxyFactory[] = R"JS(
(function (impl, revisions) {
    "use strict";
    var keyList = revisions[revisions.length - 1];
    function bucketOf(k) {
        var h = k.length;
        for (var i = Math.max(0, k.length - 12); i < k.length; ++i)
            h = (h * 31 + k.charCodeAt(i)) & 0xffffff;
        return h & 255;
    }
    function track(k) { return revisions[bucketOf(k)].revision; }
    // String(values) and "" + values without asking the store for "toString" or "valueOf".
    function toPrimitive(hint) { return hint === "number" ? NaN : "[object PersistentMapValues]"; }
    return new Proxy({}, {
        get: function (target, k) {
            if (typeof k !== "string")
                return k === Symbol.toPrimitive ? toPrimitive : target[k];
            track(k);
            return impl.read(k);
        },
        set: function (target, k, v) {
            if (typeof k === "string")
                impl.write(k, v);
            return true;
        },
        deleteProperty: function (target, k) {
            if (typeof k === "string") {
                impl.remove(k);
                delete target[k];
            }
            return true;
        },
        has: function (target, k) {
            if (typeof k !== "string")
                return false;
            track(k);
            return impl.contains(k);
        },
        ownKeys: function (target) {
            keyList.revision;
            return impl.keys();
        },
        getOwnPropertyDescriptor: function (target, k) {
            if (typeof k === "string")
                track(k);
            if (typeof k !== "string" || !impl.contains(k)) {
                delete target[k];
                return undefined;
            }
            var d = { value: impl.read(k), writable: true, enumerable: true, configurable: true };
            Object.defineProperty(target, k, d);
            return d;
        },
        defineProperty: function (target, k, d) {
            if (typeof k === "string" && "value" in d)
                impl.write(k, d.value);
            return true;
        }
    });
})
)JS";
} // namespace

QmlValues::QmlValues(QObject *parent)
    : QObject(parent)
{
    m_revisions.reserve(BucketCount + 1);
    for (int i = 0; i <= BucketCount; ++i) {
        m_revisions.append(new QmlValuesRevision(this));
        // Handed to JavaScript, which must not delete them when its wrappers are collected.
        QQmlEngine::setObjectOwnership(m_revisions.constLast(), QQmlEngine::CppOwnership);
    }
}

int QmlValues::bucketOf(const QString &key)
{
    const qsizetype size = key.size();
    quint32 h = quint32(size) & 0xffffff;
    for (qsizetype i = std::max<qsizetype>(0, size - 12); i < size; ++i)
        h = (h * 31 + key.at(i).unicode()) & 0xffffff;
    return int(h & (BucketCount - 1));
}

void QmlValues::setMap(PersistentMap *map)
{
    m_map = map;
    allChanged();
}

QJSValue QmlValues::proxy(QJSEngine *engine)
{
    if (!m_proxy.isUndefined() || !engine)
        return m_proxy;
    QQmlEngine::setObjectOwnership(this, QQmlEngine::CppOwnership);
    m_engine = engine;
    const QJSValue factory = engine->evaluate(QString::fromLatin1(ProxyFactory));
    QJSValue revisions = engine->newArray(uint(m_revisions.size()));
    for (int i = 0; i < m_revisions.size(); ++i)
        revisions.setProperty(quint32(i), engine->newQObject(m_revisions.at(i)));
    m_proxy = factory.call({engine->newQObject(this), revisions});
    if (m_proxy.isError()) {
        qCWarning(lcQml, "values: %s", qUtf8Printable(m_proxy.toString()));
        m_proxy = QJSValue();
    }
    return m_proxy;
}

void QmlValues::changed(const QString &key)
{
    m_revisions.at(bucketOf(key))->bump();
}

void QmlValues::keysChanged()
{
    m_revisions.constLast()->bump();
}

void QmlValues::allChanged()
{
    for (QmlValuesRevision *revision : std::as_const(m_revisions))
        revision->bump();
}

QJSValue QmlValues::read(const QString &key) const
{
    if (!m_map || !m_engine)
        return QJSValue();
    const QVariant value = m_map->value(key);
    // The stores keep one "null" for JavaScript's null and undefined, read back as an invalid
    // QVariant: a stored key reads null, an absent one undefined.
    if (!value.isValid() && !m_map->contains(key))
        return QJSValue();
    return toScriptValue(m_engine, value);
}

QJSValue QmlValues::toScriptValue(QJSEngine *engine, const QVariant &value)
{
    // QJSEngine::toScriptValue() turns an invalid QVariant inside a list or map into
    // undefined, which JSON and the stores know as null.
    switch (value.metaType().id()) {
    case QMetaType::UnknownType:
    case QMetaType::Nullptr:
        return QJSValue(QJSValue::NullValue);
    case QMetaType::QVariantList: {
        const QVariantList list = value.toList();
        QJSValue array = engine->newArray(uint(list.size()));
        for (qsizetype i = 0; i < list.size(); ++i)
            array.setProperty(quint32(i), toScriptValue(engine, list.at(i)));
        return array;
    }
    case QMetaType::QVariantMap:
    case QMetaType::QVariantHash: {
        const QVariantMap map = value.toMap();
        QJSValue object = engine->newObject();
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            object.setProperty(it.key(), toScriptValue(engine, it.value()));
        return object;
    }
    default:
        return engine->toScriptValue(value);
    }
}

bool QmlValues::contains(const QString &key) const
{
    return m_map && m_map->contains(key);
}

QStringList QmlValues::keys() const
{
    return m_map ? m_map->keys() : QStringList();
}

void QmlValues::write(const QString &key, const QVariant &value)
{
    insert(m_map, key, value);
}

void QmlValues::remove(const QString &key)
{
    if (m_map)
        m_map->remove(key);
}

QVariant QmlValues::toStorable(const QVariant &value)
{
    if (value.metaType() == QMetaType::fromType<QJSValue>())
        return value.value<QJSValue>().toVariant();
    if (value.metaType().id() == QMetaType::QColor) {
        // A QML color made with Qt.rgba() or Qt.hsla() holds 16-bit components, which the
        // stores refuse as not exactly storable (docs/FORMAT.md). QML's color literals are
        // 8-bit: round to "#AARRGGBB" as they are, through Qt Gui's own conversions (this
        // module does not link Qt Gui; a QColor exists only where Qt Gui is loaded).
        QVariant text = value;
        if (text.convert(QMetaType(QMetaType::QString))) {
            QVariant rounded = text;
            if (rounded.convert(QMetaType(QMetaType::QColor)))
                return rounded;
        }
    }
    return value;
}

void QmlValues::insert(PersistentMap *map, const QString &key, const QVariant &value)
{
    if (!map) {
        qCWarning(lcQml, "cannot insert \"%s\": no store is open", qUtf8Printable(key));
        return;
    }
    map->insert(key, toStorable(value));
}
