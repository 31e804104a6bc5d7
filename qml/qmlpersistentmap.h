// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The QML type PersistentMap (import PersistentMap): a store opened from a `source` spec, whose
// keys are bindable properties of `values`.
//
//   PersistentMap { id: store; source: "sqlite:notes.db" }
//   Text { text: store.values.greeting ?? "" }      // follows every change, from C++ too
//   Button { onClicked: store.values.greeting = "hi" }  // persisted at once, asynchronously
//
// `source` takes what StorageBackend::create() takes ("sqlite:PATH", "csv:PATH", "memory:", a
// bare PATH ending in .db/.sqlite/.sqlite3/.csv); a relative PATH is resolved against
// QStandardPaths::AppDataLocation. Changing `source` waits for the old store's pending writes,
// closes it, and opens the new one. `map` is the C++ PersistentMap behind it (for
// PersistentMapModel, or C++ code), replaced when `source` changes.
//
// Changes other writers commit to the store (another process, another map on the same file)
// reach `values` and the signals like local ones while `watchExternalChanges` is on (the
// default); `watchInterval` is how often the store is asked, in ms. Both are kept across
// `source` changes and may be set before a store is open.
#ifndef QMLPERSISTENTMAP_H
#define QMLPERSISTENTMAP_H

#include <QtCore/QObject>
#include <QtQml/QQmlParserStatus>
#include <QtQml/QQmlPropertyMap>
#include <QtQml/qqmlregistration.h>

#include <memory>

class PersistentMap;
class QmlValueMap;

class QmlPersistentMap : public QObject, public QQmlParserStatus
{
    Q_OBJECT
    QML_NAMED_ELEMENT(PersistentMap)
    Q_INTERFACES(QQmlParserStatus)
    Q_PROPERTY(QString source READ source WRITE setSource NOTIFY sourceChanged)
    Q_PROPERTY(Status status READ status NOTIFY statusChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    Q_PROPERTY(QQmlPropertyMap *values READ values CONSTANT)
    Q_PROPERTY(PersistentMap *map READ map NOTIFY mapChanged)
    Q_PROPERTY(bool watchExternalChanges READ watchExternalChanges WRITE setWatchExternalChanges
                       NOTIFY watchExternalChangesChanged)
    Q_PROPERTY(
            int watchInterval READ watchInterval WRITE setWatchInterval NOTIFY watchIntervalChanged)

public:
    enum Status { Null, Loading, Ready, Error }; // Null: no source
    Q_ENUM(Status)

    explicit QmlPersistentMap(QObject *parent = nullptr);
    ~QmlPersistentMap() override;

    QString source() const;
    void setSource(const QString &source);
    Status status() const;
    QString errorString() const;
    int count() const;
    QQmlPropertyMap *values() const;
    PersistentMap *map() const;
    bool watchExternalChanges() const;
    void setWatchExternalChanges(bool watch);
    int watchInterval() const;
    void setWatchInterval(int milliseconds);

    Q_INVOKABLE void insert(const QString &key, const QVariant &value);
    Q_INVOKABLE QVariant value(const QString &key, const QVariant &defaultValue = {}) const;
    Q_INVOKABLE void remove(const QString &key);
    Q_INVOKABLE bool contains(const QString &key) const;
    Q_INVOKABLE QStringList keys() const;
    Q_INVOKABLE void flush();
    Q_INVOKABLE void clear();

    // What `source` means on disk: the spec with a relative path made absolute. A spec with an
    // authority ("postgres://user@host/db") is left alone; a query ("csv:PATH?readonly=1") is
    // kept and only PATH is resolved.
    static QString resolveSource(const QString &source);

    void classBegin() override { }
    void componentComplete() override;

Q_SIGNALS:
    void sourceChanged();
    void statusChanged();
    void errorStringChanged();
    void countChanged();
    void mapChanged();
    void watchExternalChangesChanged();
    void watchIntervalChanged();
    void valueChanged(const QString &key, const QVariant &value);
    void valueRemoved(const QString &key);
    void errorOccurred(const QString &message);

private:
    void open();
    void onMapStatusChanged();
    void setOwnError(const QString &message);
    void updateWatchExternalChanges(bool watch);
    void updateWatchInterval(int milliseconds);

    QString m_source;
    bool m_complete = false;
    std::unique_ptr<PersistentMap> m_map;
    QmlValueMap *m_values;
    bool m_loaded = false; // the loaded entries were copied into m_values
    QString m_ownError; // when no map could be created for the source
    // Kept here to survive `source` changes; while a map exists, mirrors of the map's values.
    bool m_watch = true;
    int m_watchInterval = 50;
};

#endif // QMLPERSISTENTMAP_H
