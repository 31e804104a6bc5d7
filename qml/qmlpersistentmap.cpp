// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "qmlpersistentmap.h"

#include "qmllogging_p.h"
#include "qmlvalues_p.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapGroup>
#include <PersistentMap/PersistentMapStoreSpec>

#include <QtCore/QDir>
#include <QtCore/QException>
#include <QtCore/QStandardPaths>
#include <QtQml/QQmlContext>
#include <QtQml/QQmlEngine>
#include <QtQml/QQmlFile>
#include <QtQml/QQmlInfo>

#include <algorithm>

QmlPersistentMap::QmlPersistentMap(QObject *parent)
    : QObject(parent)
    , m_values(new QmlValues(this))
    , m_watchInterval(PersistentMap::DefaultWatchInterval)
{
}

QmlPersistentMap::~QmlPersistentMap()
{
    close(); // waits for the owned map's pending writes, with no signal to this item
}

QString QmlPersistentMap::source() const
{
    return m_source;
}

void QmlPersistentMap::setSource(const QString &source)
{
    if (m_source == source)
        return;
    if (m_followed) {
        disconnect(m_followed, nullptr, this, nullptr);
        m_followed = nullptr;
    }
    m_source = source;
    Q_EMIT sourceChanged();
    if (m_complete)
        open();
}

PersistentMap *QmlPersistentMap::map() const
{
    return m_map;
}

void QmlPersistentMap::setMap(QObject *object)
{
    QmlPersistentMap *item = qobject_cast<QmlPersistentMap *>(object);
    PersistentMap *map = item ? item->map() : qobject_cast<PersistentMap *>(object);
    if (object && !item && !map) {
        qmlWarning(this) << "map must be a PersistentMap (the QML item or the C++ class), not "
                         << object->metaObject()->className();
        return;
    }
    if (item == this) {
        qmlWarning(this) << "map cannot be the item itself";
        return;
    }
    if (!m_source.isEmpty()) {
        m_source.clear();
        Q_EMIT sourceChanged();
    }
    if (m_followed)
        disconnect(m_followed, nullptr, this, nullptr);
    m_followed = item;
    if (item) // shows what the other item shows, also after its source changes
        connect(item, &QmlPersistentMap::mapChanged, this, [this] { showFollowed(); });
    if (map && map == m_ownMap.get()) {
        // The map this item opened from its source: it stays open, now without a source.
        update();
        return;
    }
    close();
    show(map); // `map: null` closes, as `source: ""` does
}

void QmlPersistentMap::showFollowed()
{
    if (m_followed && m_followed->map() != m_map) {
        close();
        show(m_followed->map());
    }
}

bool QmlPersistentMap::asynchronous() const
{
    return m_asynchronous;
}

void QmlPersistentMap::setAsynchronous(bool asynchronous)
{
    if (m_asynchronous == asynchronous)
        return;
    m_asynchronous = asynchronous;
    Q_EMIT asynchronousChanged();
}

QString QmlPersistentMap::resolveSource(const QString &source)
{
    // The factory's own reading of the spec: a relative file path is resolved, a server spec
    // ("postgres://user@host/db"), "memory:" and a spec the factory refuses are left as given.
    const PersistentMapStoreSpec spec = PersistentMapStoreSpec::parse(source);
    const QString path = spec.path();
    if (path.isEmpty() || !QDir::isRelativePath(path))
        return source;
    const QString base = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    return spec.withPath(QDir::cleanPath(base + u'/' + path));
}

void QmlPersistentMap::componentComplete()
{
    m_complete = true;
    if (m_map) // given as `map` before completion
        show(m_map);
    else
        open();
}

void QmlPersistentMap::open()
{
    close();
    if (m_source.isEmpty()) {
        show(nullptr);
        return;
    }
    QString error;
    std::unique_ptr<PersistentMapBackend> backend =
            PersistentMapBackend::create(resolveSource(m_source), &error);
    if (!backend) {
        m_ownError = error;
        show(nullptr); // status Error and errorString first, then errorOccurred
        qCWarning(lcQml, "%s", qUtf8Printable(error));
        Q_EMIT errorOccurred(error);
        return;
    }
    m_ownMap = std::make_unique<PersistentMap>(std::move(backend));
    // What was set on this item, before or with another source, goes on.
    m_ownMap->setWatchExternalChanges(m_watch);
    m_ownMap->setWatchInterval(m_watchInterval);
    m_ownMap->setSchema(m_schema);
    show(m_ownMap.get());
}

void QmlPersistentMap::close()
{
    if (m_map)
        disconnect(m_map, nullptr, this, nullptr);
    m_map = nullptr;
    // Waits for the owned map's pending writes and closes its store.
    m_ownMap.reset();
    m_ownError.clear();
}

void QmlPersistentMap::show(PersistentMap *map)
{
    m_map = map;
    m_loadErrorReported.clear();
    bool waited = false;
    if (map && m_complete) {
        // The key list is announced with every change: a batch that removes one key and adds
        // another leaves the count as it was.
        connect(map, &PersistentMap::valueChanged, this,
                [this](const QString &key, const QVariant &value) {
                    m_values->changed(key);
                    m_values->keysChanged();
                    Q_EMIT valueChanged(key, value);
                });
        connect(map, &PersistentMap::valueRemoved, this, [this](const QString &key) {
            m_values->changed(key);
            m_values->keysChanged();
            Q_EMIT valueRemoved(key);
        });
        connect(map, &PersistentMap::countChanged, this, &QmlPersistentMap::update);
        connect(map, &PersistentMap::statusChanged, this, &QmlPersistentMap::update);
        connect(map, &PersistentMap::errorStringChanged, this, &QmlPersistentMap::update);
        connect(map, &PersistentMap::errorOccurred, this, [this](const QString &message) {
            // Reported already when the synchronous load failed (below).
            if (!m_loadErrorReported.isEmpty() && message == m_loadErrorReported) {
                m_loadErrorReported.clear();
                return;
            }
            Q_EMIT errorOccurred(message);
        });
        connect(map, &PersistentMap::watchExternalChangesChanged, this,
                [this] { updateWatchExternalChanges(m_map->watchExternalChanges()); });
        connect(map, &PersistentMap::watchIntervalChanged, this,
                [this] { updateWatchInterval(m_map->watchInterval()); });
        // Defaults of keys that are not stored may have changed: every binding reads again.
        connect(map, &PersistentMap::schemaChanged, this, [this] { m_values->allChanged(); });
        if (m_schemaSet)
            map->setSchema(m_schema);
        // A map given from C++ may be deleted by its owner: the item shows no map then.
        if (map != m_ownMap.get())
            connect(map, &QObject::destroyed, this, [this] { show(nullptr); });
        // A map given from C++ keeps its settings unless they were set on this item.
        if (m_watchSet)
            map->setWatchExternalChanges(m_watch);
        if (m_watchIntervalSet)
            map->setWatchInterval(m_watchInterval);
        updateWatchExternalChanges(map->watchExternalChanges());
        updateWatchInterval(map->watchInterval());
        if (!m_asynchronous && map->status() == PersistentMap::Status::Loading) {
            waited = true;
            // The load runs on the map's storage thread and never needs this one, so waiting
            // here cannot deadlock. A failed load is reported through the status below.
            try {
                map->whenReady().waitForFinished();
            } catch (const QException &) {
            }
        }
    }
    const bool loadFailed = waited && map->status() == PersistentMap::Status::Error;
    m_values->setMap(m_complete ? map : nullptr);
    update();
    Q_EMIT mapChanged(); // after the status, which PersistentSettings reads then
    // A load that failed while this item waited: the map's own errorOccurred arrives through
    // the event loop, too late for a handler that reacts at once (and never, if the source
    // changes before). Emitted now; the map's is then skipped.
    if (loadFailed && m_map == map) {
        m_loadErrorReported = map->errorString();
        Q_EMIT errorOccurred(m_loadErrorReported);
    }
}

void QmlPersistentMap::update()
{
    Status status = Null;
    if (!m_ownError.isEmpty()) {
        status = Error;
    } else if (m_map && m_complete) {
        switch (m_map->status()) {
        case PersistentMap::Status::Loading:
            status = Loading;
            break;
        case PersistentMap::Status::Ready:
            status = Ready;
            break;
        case PersistentMap::Status::Error:
            status = Error;
            break;
        }
    }
    const QString errorString = m_map ? m_map->errorString() : m_ownError;
    const int count = m_map && m_complete ? int(m_map->count()) : 0;
    const bool loaded = m_status == Loading && status == Ready;
    const bool statusChanged = m_status != status;
    const bool errorStringChanged = m_errorString != errorString;
    const bool countChanged = m_count != count;
    m_status = status;
    m_errorString = errorString;
    m_count = count;
    // Loaded entries come without valueChanged signals: every binding reads them again.
    if (loaded)
        m_values->allChanged();
    if (statusChanged)
        Q_EMIT this->statusChanged();
    if (errorStringChanged)
        Q_EMIT this->errorStringChanged();
    if (countChanged)
        Q_EMIT this->countChanged();
}

QmlPersistentMap::Status QmlPersistentMap::status() const
{
    return m_status;
}

QString QmlPersistentMap::errorString() const
{
    return m_errorString;
}

int QmlPersistentMap::count() const
{
    return m_count;
}

QJSValue QmlPersistentMap::values() const
{
    return m_values->proxy(qjsEngine(this));
}

bool QmlPersistentMap::watchExternalChanges() const
{
    return m_watch;
}

void QmlPersistentMap::setWatchExternalChanges(bool watch)
{
    m_watchSet = true;
    if (m_map)
        m_map->setWatchExternalChanges(watch); // comes back through its change signal
    else
        updateWatchExternalChanges(watch);
}

int QmlPersistentMap::watchInterval() const
{
    return m_watchInterval;
}

void QmlPersistentMap::setWatchInterval(int milliseconds)
{
    m_watchIntervalSet = true;
    if (m_map)
        m_map->setWatchInterval(milliseconds);
    else // the map's floor, so the property reads the same before and after a store is open
        updateWatchInterval(std::max(milliseconds, PersistentMap::MinimumWatchInterval));
}

void QmlPersistentMap::updateWatchExternalChanges(bool watch)
{
    if (m_watch == watch)
        return;
    m_watch = watch;
    Q_EMIT watchExternalChangesChanged();
}

void QmlPersistentMap::updateWatchInterval(int milliseconds)
{
    if (m_watchInterval == milliseconds)
        return;
    m_watchInterval = milliseconds;
    Q_EMIT watchIntervalChanged();
}

QVariant QmlPersistentMap::schema() const
{
    return m_schemaValue;
}

void QmlPersistentMap::setSchema(const QVariant &schema)
{
    m_schemaValue = schema.metaType() == QMetaType::fromType<QJSValue>()
            ? schema.value<QJSValue>().toVariant()
            : schema;
    m_schemaSet = true;
    Q_EMIT schemaChanged();
    updateSchema();
}

QUrl QmlPersistentMap::schemaSource() const
{
    return m_schemaSource;
}

void QmlPersistentMap::setSchemaSource(const QUrl &url)
{
    if (m_schemaSource == url)
        return;
    m_schemaSource = url;
    m_schemaSet = true;
    Q_EMIT schemaSourceChanged();
    updateSchema();
}

void QmlPersistentMap::updateSchema()
{
    PersistentMapSchema schema;
    try {
        if (!m_schemaSource.isEmpty()) {
            const QQmlContext *context = qmlContext(this);
            const QUrl url = context ? context->resolvedUrl(m_schemaSource) : m_schemaSource;
            QString path = QQmlFile::urlToLocalFileOrQrc(url);
            if (path.isEmpty())
                path = m_schemaSource.toString(); // a plain local path
            schema = PersistentMapSchema::fromJsonFile(path);
        }
        if (m_schemaValue.isValid() && !m_schemaValue.isNull()) {
            if (m_schemaValue.metaType() != QMetaType::fromType<QVariantMap>())
                throw PersistentMapError(PersistentMapError::Code::InvalidSchema,
                                         QStringLiteral("schema: not a JavaScript object"));
            const PersistentMapSchema declared =
                    PersistentMapSchema::fromVariantMap(m_schemaValue.toMap());
            for (const QString &name : declared.keys())
                schema.add(declared.key(name));
            if (m_schemaSource.isEmpty())
                schema.setVersion(declared.version());
        }
    } catch (const PersistentMapError &e) {
        schema = PersistentMapSchema();
        qmlWarning(this) << e.message();
        Q_EMIT errorOccurred(e.message());
    }
    m_schema = schema;
    applySchema(m_map);
}

void QmlPersistentMap::applySchema(PersistentMap *map)
{
    if (map)
        map->setSchema(m_schema);
}

bool QmlPersistentMap::isDefault(const QString &key) const
{
    return !m_map || m_map->isDefault(key);
}

QVariant QmlPersistentMap::defaultValue(const QString &key) const
{
    return m_map ? m_map->defaultValue(key) : m_schema.defaultValue(key);
}

void QmlPersistentMap::reset(const QString &key)
{
    if (m_map)
        m_map->reset(key);
}

void QmlPersistentMap::resetAll()
{
    if (m_map)
        m_map->resetAll();
}

void QmlPersistentMap::insert(const QString &key, const QVariant &value)
{
    QmlValues::insert(m_map, key, value);
}

QVariant QmlPersistentMap::value(const QString &key, const QVariant &defaultValue) const
{
    return m_map ? m_map->value(key, defaultValue) : defaultValue;
}

void QmlPersistentMap::remove(const QString &key)
{
    if (m_map)
        m_map->remove(key);
}

bool QmlPersistentMap::contains(const QString &key) const
{
    return m_map && m_map->contains(key);
}

QStringList QmlPersistentMap::keys() const
{
    return m_map ? m_map->keys() : QStringList();
}

void QmlPersistentMap::flush()
{
    if (m_map)
        m_map->flush();
}

void QmlPersistentMap::clear()
{
    if (m_map)
        m_map->clear();
}

QStringList QmlPersistentMap::childKeys(const QString &group) const
{
    return m_map ? m_map->group(group).childKeys() : QStringList();
}

QStringList QmlPersistentMap::childGroups(const QString &group) const
{
    return m_map ? m_map->group(group).childGroups() : QStringList();
}

void QmlPersistentMap::removeGroup(const QString &group)
{
    if (m_map)
        m_map->removeGroup(group);
}
