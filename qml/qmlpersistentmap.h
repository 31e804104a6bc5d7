// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The QML type PersistentMap (import PersistentMap): a store opened from a `source` spec (or a
// C++ PersistentMap given as `map`), whose keys are read and written through `values`.
//
//   PersistentMap { id: store; source: "sqlite:notes.db" }
//   Text { text: store.values.greeting ?? "" }      // follows every change, from C++ too
//   Button { onClicked: store.values.greeting = "hi" }  // persisted at once, asynchronously
//
// Loading: by default the store is loaded inside componentComplete() (and inside setSource()
// or setMap() later), before it returns, so bindings, PersistentSettings properties and
// Component.onCompleted handlers see the stored values and the first frame shows them; the
// status is then Ready or Error, never Loading. `asynchronous: true` loads in the background
// instead (status Loading until Ready; while Loading, `values` and value() read nothing of the
// store, only this item's own writes, and such a write wins over the stored value of its key), for
// large stores opened while a UI is already shown. The choice is made when a store is opened.
//
// `values` is a JavaScript object with one property per stored key, of any name and any
// number: values.k and values["k"] read (undefined when absent), values.k = v stores,
// `delete values.k` removes, Object.keys(values), `for (k in values)` and `k in values` list and
// test keys. Bindings follow every change (QML, C++ on any thread, other processes, loads).
// A key that is not stored reads undefined whatever its name. Qt 6.4's engine resolves a few
// names written literally in the source (values.name, values["toString"]: name, length and the
// members of Function.prototype and Object.prototype) on its own object, before the store is
// asked: read those keys with a variable (values[key]) or value(key). docs/QML.md.
//
// `source` takes what PersistentMapBackend::create() takes ("sqlite:PATH", "csv:PATH", "memory:", a
// bare PATH ending in .db/.sqlite/.sqlite3/.csv); a relative PATH is resolved against
// QStandardPaths::AppDataLocation. Changing `source` waits for the old store's pending writes,
// closes it, and opens the new one. `map` is the C++ PersistentMap behind it; assigning a C++
// PersistentMap to `map` (one made over a custom backend, say) shows that map instead, which
// stays owned by its creator, and clears `source`; assigning another PersistentMap item shows
// that item's map, also after its source changes. Setting `source` again opens a store owned
// by this item.
//
// Changes other writers commit to the store (another process, another map on the same file)
// reach `values` and the signals like local ones while `watchExternalChanges` is on (the
// default); `watchInterval` is how often the store is asked, in milliseconds, where the backend
// cannot push changes (PersistentMap::watchInterval: a network file system, a PostgreSQL hot
// standby; elsewhere changes are pushed and nothing polls). Both are kept across
// `source` changes and may be set before a store is open.
//
// `schema` declares keys with a type, a default, a range and choices, in the JSON shape of
// docs/SCHEMA.md ({"fontSize": {"type": "int", "default": 12, "minimum": 6, "maximum": 72}}, or
// {"version": 1, "keys": {...}}); `schemaSource` names a JSON file of that shape (a URL, relative
// to the QML file, or a local path); both may be set, and a key in `schema` then replaces the
// file's. `values.k` and value() give a declared key's default while it is not stored;
// isDefault(), reset(), resetAll() and defaultValue() are PersistentMap's. A write the schema
// refuses changes nothing and is reported through errorOccurred; a schema that contradicts
// itself is reported through errorOccurred and a warning, and leaves the map without a schema.
// Set on the item, the schema also goes to a C++ map given as `map`; otherwise that map keeps
// its own.
//
// Signals: statusChanged only when `status` changes; errorStringChanged when `errorString`
// does; errorOccurred(message) for every failure, a failed write included (the status stays
// Ready and the write is retried with the next one, see PersistentMap).
#ifndef QMLPERSISTENTMAP_H
#define QMLPERSISTENTMAP_H

#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QStringList>
#include <QtCore/QUrl>
#include <QtCore/QVariant>
#include <QtQml/QJSValue>
#include <QtQml/QQmlParserStatus>
#include <QtQml/qqmlregistration.h>

#include <PersistentMap/PersistentMapSchema>

#include <memory>

class PersistentMap;
class QmlValues;

class QmlPersistentMap : public QObject, public QQmlParserStatus
{
    Q_OBJECT
    QML_NAMED_ELEMENT(PersistentMap)
    Q_INTERFACES(QQmlParserStatus)
    Q_PROPERTY(QString source READ source WRITE setSource NOTIFY sourceChanged)
    // Reads the C++ map shown; takes a C++ PersistentMap or another PersistentMap item.
    Q_PROPERTY(QObject *map READ map WRITE setMap NOTIFY mapChanged)
    Q_PROPERTY(bool asynchronous READ asynchronous WRITE setAsynchronous NOTIFY asynchronousChanged)
    Q_PROPERTY(Status status READ status NOTIFY statusChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    Q_PROPERTY(QJSValue values READ values CONSTANT)
    Q_PROPERTY(bool watchExternalChanges READ watchExternalChanges WRITE setWatchExternalChanges
                       NOTIFY watchExternalChangesChanged)
    Q_PROPERTY(
            int watchInterval READ watchInterval WRITE setWatchInterval NOTIFY watchIntervalChanged)
    Q_PROPERTY(QVariant schema READ schema WRITE setSchema NOTIFY schemaChanged)
    Q_PROPERTY(QUrl schemaSource READ schemaSource WRITE setSchemaSource NOTIFY schemaSourceChanged)

public:
    enum Status { Null, Loading, Ready, Error }; // Null: no source and no map
    Q_ENUM(Status)

    explicit QmlPersistentMap(QObject *parent = nullptr);
    ~QmlPersistentMap() override;

    QString source() const;
    void setSource(const QString &source);
    PersistentMap *map() const;
    void setMap(QObject *map);
    bool asynchronous() const;
    void setAsynchronous(bool asynchronous);
    Status status() const;
    QString errorString() const;
    int count() const;
    QJSValue values() const;
    bool watchExternalChanges() const;
    void setWatchExternalChanges(bool watch);
    int watchInterval() const;
    void setWatchInterval(int milliseconds);
    QVariant schema() const;
    void setSchema(const QVariant &schema);
    QUrl schemaSource() const;
    void setSchemaSource(const QUrl &url);

    Q_INVOKABLE bool isDefault(const QString &key) const;
    Q_INVOKABLE QVariant defaultValue(const QString &key) const;
    Q_INVOKABLE void reset(const QString &key);
    Q_INVOKABLE void resetAll();
    Q_INVOKABLE void insert(const QString &key, const QVariant &value);
    Q_INVOKABLE QVariant value(const QString &key, const QVariant &defaultValue = {}) const;
    Q_INVOKABLE void remove(const QString &key);
    Q_INVOKABLE bool contains(const QString &key) const;
    Q_INVOKABLE QStringList keys() const;
    Q_INVOKABLE void flush();
    Q_INVOKABLE void clear();
    // Groups, as QSettings and PersistentMapGroup have them ('/' separates; a group name is
    // normalized as QSettings does, "" is the whole store): the keys directly in `group`, the
    // groups directly under it (both sorted), and the removal of every key under it in one
    // atomic batch (removeGroup("") is clear()). docs/GROUPS.md.
    Q_INVOKABLE QStringList childKeys(const QString &group = {}) const;
    Q_INVOKABLE QStringList childGroups(const QString &group = {}) const;
    Q_INVOKABLE void removeGroup(const QString &group);

    // What `source` means on disk: the spec with a relative path made absolute, in the app's
    // data folder. PersistentMapStoreSpec says what the path is: a server spec
    // ("postgres://user@host/db"), "memory:" and an invalid spec are left alone; a CSV query
    // ("csv:PATH?readonly=1") is kept and only PATH is resolved.
    static QString resolveSource(const QString &source);

    void classBegin() override { }
    void componentComplete() override;

Q_SIGNALS:
    void sourceChanged();
    void mapChanged();
    void asynchronousChanged();
    void statusChanged();
    void errorStringChanged();
    void countChanged();
    void watchExternalChangesChanged();
    void watchIntervalChanged();
    void schemaChanged();
    void schemaSourceChanged();
    void valueChanged(const QString &key, const QVariant &value);
    void valueRemoved(const QString &key);
    void errorOccurred(const QString &message);

private:
    void open(); // a store owned by this item, from m_source
    void close(); // forgets the map shown, closes the owned one; no signal
    void show(PersistentMap *map); // the map behind the properties, loaded unless asynchronous
    void showFollowed(); // the map of m_followed
    void update(); // status, errorString and count from the map, with their signals
    void updateWatchExternalChanges(bool watch);
    void updateWatchInterval(int milliseconds);
    void updateSchema(); // m_schema from `schema` and `schemaSource`, then onto the map
    void applySchema(PersistentMap *map);

    QString m_source;
    bool m_complete = false;
    bool m_asynchronous = false;
    std::unique_ptr<PersistentMap> m_ownMap; // opened from m_source
    QPointer<PersistentMap> m_map; // m_ownMap, or a map given to setMap()
    QPointer<QmlPersistentMap> m_followed; // an item given to setMap(), whose map is shown
    QmlValues *m_values;
    // What the properties last announced.
    Status m_status = Null;
    QString m_errorString;
    int m_count = 0;
    QString m_ownError; // when no map could be created for the source
    QString m_loadErrorReported; // emitted by show(); the map's own errorOccurred is skipped
    // Kept here to survive `source` changes; while a map exists, mirrors of the map's values.
    bool m_watch = true;
    int m_watchInterval; // PersistentMap::DefaultWatchInterval until set
    bool m_watchSet = false; // set on this item: applied to a C++ map given to it too
    bool m_watchIntervalSet = false;
    QVariant m_schemaValue; // as set, a JavaScript object
    QUrl m_schemaSource;
    PersistentMapSchema m_schema; // both, parsed
    bool m_schemaSet = false; // either was set on this item
};

#endif // QMLPERSISTENTMAP_H
