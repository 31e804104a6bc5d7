// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "qmlpersistentmap.h"

#include "qmlvaluemap_p.h"

#include <PersistentMap/PersistentMap>

#include <QtCore/QDir>
#include <QtCore/QStandardPaths>

#include <algorithm>

namespace {
// PersistentMap::setWatchInterval()'s floor, applied here too while no map exists, so that the
// property reads the same before and after a store is open.
constexpr int MinimumWatchInterval = 10;
} // namespace

QmlPersistentMap::QmlPersistentMap(QObject *parent)
    : QObject(parent)
    , m_values(new QmlValueMap(
              [this](const QString &key, const QVariant &value) { insert(key, value); }, this))
{
}

QmlPersistentMap::~QmlPersistentMap() = default;

QString QmlPersistentMap::source() const
{
    return m_source;
}

void QmlPersistentMap::setSource(const QString &source)
{
    if (m_source == source)
        return;
    m_source = source;
    Q_EMIT sourceChanged();
    if (m_complete)
        open();
}

QString QmlPersistentMap::resolveSource(const QString &source)
{
    // The scheme rule of StorageBackend::create(): letters (then digits, '+', '-', '.') before
    // the first colon, at least two of them, so "C:\..." and "/data/run:2/x.db" are paths.
    const qsizetype colon = source.indexOf(u':');
    bool hasScheme = colon > 1;
    for (qsizetype i = 0; hasScheme && i < colon; ++i) {
        const QChar c = source.at(i);
        hasScheme = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') ||
                (i > 0 && ((c >= u'0' && c <= u'9') || c == u'+' || c == u'-' || c == u'.'));
    }
    const qsizetype pathStart = hasScheme ? colon + 1 : 0;
    // "scheme://authority...": a server (postgres://user@host:port/db), not a file.
    if (hasScheme && QStringView(source).mid(pathStart).startsWith(u"//"))
        return source;
    // Options after '?' ("csv:PATH?readonly=1") belong to the backend, not to the path.
    const qsizetype query = source.indexOf(u'?', pathStart);
    const qsizetype pathEnd = query < 0 ? source.size() : query;
    const QString path = source.mid(pathStart, pathEnd - pathStart);
    if (path.isEmpty() || !QDir::isRelativePath(path))
        return source;
    const QString base = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    return source.left(pathStart) + QDir::cleanPath(base + u'/' + path) + source.mid(pathEnd);
}

void QmlPersistentMap::componentComplete()
{
    m_complete = true;
    open();
}

void QmlPersistentMap::open()
{
    const Status oldStatus = status();
    const int oldCount = count();
    const QString oldError = errorString();
    // The old store's destructor waits for its pending writes and closes it.
    m_map.reset();
    m_loaded = false;
    m_ownError.clear();
    const QStringList shown = m_values->keys();
    for (const QString &key : shown)
        m_values->clear(key);

    if (!m_source.isEmpty()) {
        QString error;
        std::unique_ptr<StorageBackend> backend =
                StorageBackend::create(resolveSource(m_source), &error);
        if (backend) {
            m_map = std::make_unique<PersistentMap>(std::move(backend));
            PersistentMap *map = m_map.get();
            connect(map, &PersistentMap::valueChanged, this,
                    [this](const QString &key, const QVariant &value) {
                        m_values->insert(key, value);
                        Q_EMIT valueChanged(key, value);
                    });
            connect(map, &PersistentMap::valueRemoved, this, [this](const QString &key) {
                m_values->clear(key);
                Q_EMIT valueRemoved(key);
            });
            connect(map, &PersistentMap::countChanged, this, &QmlPersistentMap::countChanged);
            connect(map, &PersistentMap::statusChanged, this,
                    &QmlPersistentMap::onMapStatusChanged);
            connect(map, &PersistentMap::errorStringChanged, this,
                    &QmlPersistentMap::errorStringChanged);
            connect(map, &PersistentMap::errorOccurred, this, &QmlPersistentMap::errorOccurred);
            // What was set on this item, before or with another source, goes on; from now on
            // the map holds the values (C++ code may change them there too).
            map->setWatchExternalChanges(m_watch);
            map->setWatchInterval(m_watchInterval);
            connect(map, &PersistentMap::watchExternalChangesChanged, this,
                    [this] { updateWatchExternalChanges(m_map->watchExternalChanges()); });
            connect(map, &PersistentMap::watchIntervalChanged, this,
                    [this] { updateWatchInterval(m_map->watchInterval()); });
        } else {
            setOwnError(error);
        }
    }
    Q_EMIT mapChanged();
    if (status() != oldStatus)
        Q_EMIT statusChanged();
    if (errorString() != oldError)
        Q_EMIT errorStringChanged();
    if (count() != oldCount)
        Q_EMIT countChanged();
}

void QmlPersistentMap::onMapStatusChanged()
{
    // Loaded entries come without valueChanged signals: show them all at once.
    if (!m_loaded && m_map->status() == PersistentMap::Status::Ready) {
        m_loaded = true;
        m_values->insert(m_map->toHash());
    }
    Q_EMIT statusChanged();
}

void QmlPersistentMap::setOwnError(const QString &message)
{
    m_ownError = message;
    qWarning("PersistentMap: %s", qUtf8Printable(message));
    Q_EMIT errorOccurred(message);
}

QmlPersistentMap::Status QmlPersistentMap::status() const
{
    if (!m_ownError.isEmpty())
        return Error;
    if (!m_map)
        return Null;
    switch (m_map->status()) {
    case PersistentMap::Status::Loading:
        return Loading;
    case PersistentMap::Status::Ready:
        // Ready once `values` shows the loaded entries (the map's statusChanged is delivered
        // through the event loop, after its status() already says Ready).
        return m_loaded ? Ready : Loading;
    case PersistentMap::Status::Error:
        break;
    }
    return Error;
}

QString QmlPersistentMap::errorString() const
{
    return m_map ? m_map->errorString() : m_ownError;
}

int QmlPersistentMap::count() const
{
    return m_map ? int(m_map->count()) : 0;
}

QQmlPropertyMap *QmlPersistentMap::values() const
{
    return m_values;
}

PersistentMap *QmlPersistentMap::map() const
{
    return m_map.get();
}

bool QmlPersistentMap::watchExternalChanges() const
{
    return m_watch;
}

void QmlPersistentMap::setWatchExternalChanges(bool watch)
{
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
    if (m_map)
        m_map->setWatchInterval(milliseconds);
    else
        updateWatchInterval(std::max(milliseconds, MinimumWatchInterval));
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

void QmlPersistentMap::insert(const QString &key, const QVariant &value)
{
    if (!m_map) {
        qWarning("PersistentMap: cannot insert \"%s\": no source is open", qUtf8Printable(key));
        return;
    }
    m_map->insert(key, QmlValueMap::toStorable(value));
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
