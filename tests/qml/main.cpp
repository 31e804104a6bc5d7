// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Runs the Qt Quick tests with two context properties: `tempDir`, a fresh folder for stores,
// and `cpp`, a helper that writes to a map from C++ (the owner thread or another thread or
// another process), reads and writes raw files, opens C++ maps for QML to adopt, and writes or
// reads whole stores through a fresh C++ map (to check what really reached the store).
#include "qmlpersistentmap.h"

#include <PersistentMap/PersistentMap>

#include <QtConcurrent/QtConcurrentRun>
#include <QtCore/QDeadlineTimer>
#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QSemaphore>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtCore/QUrl>
#include <QtCore/QVariantHash>
#include <QtQml/QQmlContext>
#include <QtQml/QQmlEngine>
#include <QtQuickTest/quicktest.h>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>

#include <memory>

class CppHelper : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    ~CppHelper() override { unlockPostgresTable(); }

    Q_INVOKABLE void insert(PersistentMap *map, const QString &key, const QVariant &value)
    {
        map->insert(key, value).waitForFinished();
    }
    Q_INVOKABLE void insertFromThread(PersistentMap *map, const QString &key, const QVariant &value)
    {
        QtConcurrent::run([=] { map->insert(key, value).waitForFinished(); }).waitForFinished();
    }
    // One atomic batch: `removeKey` removed and `insertKey` inserted (the count may stay).
    Q_INVOKABLE void replaceKey(PersistentMap *map, const QString &removeKey,
                                const QString &insertKey, const QVariant &value)
    {
        PersistentMapWriteBatch batch;
        batch.remove(removeKey);
        batch.insert(insertKey, value);
        map->apply(batch).waitForFinished();
    }
    // Deletes a map made by createMap(), as its owner in an application would.
    Q_INVOKABLE void deleteMap(PersistentMap *map) { delete map; }
    Q_INVOKABLE void remove(PersistentMap *map, const QString &key)
    {
        map->remove(key).waitForFinished();
    }
    // What the C++ map holds (its value() is not invokable from QML).
    Q_INVOKABLE QVariant value(PersistentMap *map, const QString &key) const
    {
        return map ? map->value(key) : QVariant();
    }
    Q_INVOKABLE bool contains(PersistentMap *map, const QString &key) const
    {
        return map && map->contains(key);
    }
    // Returns once every write made so far is committed (QML's flush() does not wait), so that
    // a fresh map on the same store sees them. False if the flush failed.
    Q_INVOKABLE bool flush(PersistentMap *map)
    {
        if (!map)
            return false;
        try {
            map->flush().waitForFinished();
            return true;
        } catch (const std::exception &e) {
            qWarning("flush failed: %s", e.what());
            return false;
        }
    }

    // A C++ PersistentMap on `spec`, loaded (status Ready) before it is returned, for QML to
    // hand to `PersistentMap.map`, `PersistentSettings.map` or `PersistentMapModel.map`. The
    // helper owns it (QML never deletes it) until closeMap() or the end of the run. Null, with
    // a warning, if the store cannot be opened.
    Q_INVOKABLE PersistentMap *createMap(const QString &spec)
    {
        QString error;
        std::unique_ptr<PersistentMapBackend> backend = PersistentMapBackend::create(spec, &error);
        if (!backend) {
            qWarning("createMap(%s): %s", qPrintable(spec), qPrintable(error));
            return nullptr;
        }
        auto *map = new PersistentMap(std::move(backend), this);
        QQmlEngine::setObjectOwnership(map, QQmlEngine::CppOwnership);
        try {
            map->whenReady().waitForFinished();
        } catch (const std::exception &e) {
            qWarning("createMap(%s): %s", qPrintable(spec), e.what());
            delete map;
            return nullptr;
        }
        return map;
    }
    // Persists the map's pending writes, closes its store and deletes it.
    Q_INVOKABLE void closeMap(PersistentMap *map)
    {
        if (map && map->parent() == this)
            delete map;
    }

    // Fills the store at `spec` with `count` keys, prefix + "0" ... prefix + (count - 1), each
    // holding its number, in one atomic write (one transaction), fast even for 100 000 keys.
    Q_INVOKABLE bool fillStore(const QString &spec, int count, const QString &prefix)
    {
        QVariantHash entries;
        entries.reserve(count);
        for (int i = 0; i < count; ++i)
            entries.insert(prefix + QString::number(i), i);
        return writeEntries(spec, entries);
    }
    // Writes `entries` (a JavaScript object) to the store at `spec` in one atomic write.
    Q_INVOKABLE bool writeStore(const QString &spec, const QVariantMap &entries)
    {
        QVariantHash hash;
        for (auto it = entries.cbegin(); it != entries.cend(); ++it)
            hash.insert(it.key(), it.value());
        return writeEntries(spec, hash);
    }
    // Everything the store at `spec` holds, read by a fresh C++ map that is closed again before
    // this returns. On failure an empty object, with a warning.
    Q_INVOKABLE QVariantMap readStore(const QString &spec) const
    {
        QString error;
        std::unique_ptr<PersistentMapBackend> backend = PersistentMapBackend::create(spec, &error);
        if (!backend) {
            qWarning("readStore(%s): %s", qPrintable(spec), qPrintable(error));
            return {};
        }
        PersistentMap map(std::move(backend));
        try {
            map.whenReady().waitForFinished();
        } catch (const std::exception &e) {
            qWarning("readStore(%s): %s", qPrintable(spec), e.what());
            return {};
        }
        QVariantMap result;
        const QVariantHash all = map.toHash();
        for (auto it = all.cbegin(); it != all.cend(); ++it)
            result.insert(it.key(), it.value());
        return result;
    }
    Q_INVOKABLE QString readFile(const QString &path) const
    {
        QFile file(path);
        return file.open(QIODevice::ReadOnly) ? QString::fromLatin1(file.readAll().toBase64())
                                              : QString();
    }
    Q_INVOKABLE QString appDataLocation() const
    {
        return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    }
    Q_INVOKABLE bool writeFile(const QString &path, const QString &text) const
    {
        QFile file(path);
        return file.open(QIODevice::WriteOnly) && file.write(text.toUtf8()) == text.toUtf8().size();
    }
    Q_INVOKABLE QString resolveSource(const QString &source) const
    {
        return QmlPersistentMap::resolveSource(source);
    }
    // What a C++ PersistentMap starts with, to compare the QML item's defaults against.
    Q_INVOKABLE QVariantMap mapDefaults() const
    {
        const PersistentMap map(PersistentMapBackend::create(QStringLiteral("memory:")));
        return {{QStringLiteral("watchExternalChanges"), map.watchExternalChanges()},
                {QStringLiteral("watchInterval"), map.watchInterval()}};
    }

    Q_INVOKABLE QString environment(const QString &name) const
    {
        return qEnvironmentVariable(qPrintable(name));
    }
    // Another client holds LOCK TABLE ... ACCESS EXCLUSIVE on `table` of the PostgreSQL database
    // `uri` (postgres://USER@HOST:PORT/DB) until unlockPostgresTable(), and at most
    // `limitMs` ms, so that a test that waits for it ends. False if the lock was not taken.
    Q_INVOKABLE bool lockPostgresTable(const QString &uri, const QString &table, int limitMs)
    {
        QSemaphore locked;
        bool ok = false;
        m_unlock.acquire(m_unlock.available());
        m_lockThread.reset(QThread::create([=, &locked, &ok] {
            const QUrl url(uri);
            {
                QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"),
                                                            QStringLiteral("tst_qml_lock"));
                db.setHostName(url.host());
                db.setPort(url.port(5432));
                db.setUserName(url.userName());
                db.setDatabaseName(url.path().mid(1));
                if (db.open()) {
                    QSqlQuery query(db);
                    ok = query.exec(QStringLiteral("BEGIN")) &&
                            query.exec(QStringLiteral("LOCK TABLE \"%1\" IN ACCESS EXCLUSIVE MODE")
                                               .arg(table));
                }
                locked.release();
                if (ok) {
                    m_unlock.tryAcquire(1, limitMs);
                    QSqlQuery(db).exec(QStringLiteral("ROLLBACK"));
                }
                db.close();
            }
            QSqlDatabase::removeDatabase(QStringLiteral("tst_qml_lock"));
        }));
        m_lockThread->start();
        locked.acquire();
        return ok;
    }
    Q_INVOKABLE void unlockPostgresTable()
    {
        m_unlock.release();
        if (m_lockThread)
            m_lockThread->wait();
        m_lockThread.reset();
    }

    // One write committed by another process (mapwatcher) on `spec`, which exits after it.
    // Returns false, with a warning showing what the process printed, if any step failed.
    Q_INVOKABLE bool insertFromAnotherProcess(const QString &spec, const QString &key,
                                              const QString &value)
    {
        return writeFromAnotherProcess(spec, QStringLiteral("insert\t%1\t%2").arg(key, value), key);
    }
    Q_INVOKABLE bool removeFromAnotherProcess(const QString &spec, const QString &key)
    {
        return writeFromAnotherProcess(spec, QStringLiteral("remove\t") + key, key);
    }

private:
    QSemaphore m_unlock;
    std::unique_ptr<QThread> m_lockThread;
    static bool writeEntries(const QString &spec, const QVariantHash &entries)
    {
        QString error;
        std::unique_ptr<PersistentMapBackend> backend = PersistentMapBackend::create(spec, &error);
        if (!backend) {
            qWarning("writing %s: %s", qPrintable(spec), qPrintable(error));
            return false;
        }
        PersistentMap map(std::move(backend));
        try {
            map.whenReady().waitForFinished();
            map.insert(entries).waitForFinished();
            map.flush().waitForFinished();
            return true;
        } catch (const std::exception &e) {
            qWarning("writing %s: %s", qPrintable(spec), e.what());
            return false;
        }
    }

    bool writeFromAnotherProcess(const QString &spec, const QString &command, const QString &key)
    {
        QProcess process;
        process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        process.start(QStringLiteral(MAPWATCHER_PATH), {spec});
        const QDeadlineTimer deadline(10000); // generous for a loaded machine
        QStringList transcript;
        // Reads lines until one satisfies `accept`; false at the deadline or at the end.
        const auto waitForLine = [&](auto accept) {
            for (;;) {
                while (process.canReadLine()) {
                    const QString line = QString::fromUtf8(process.readLine()).chopped(1);
                    transcript.append(line);
                    if (accept(line))
                        return true;
                }
                if (deadline.hasExpired() ||
                    !process.waitForReadyRead(int(deadline.remainingTime())))
                    return false;
            }
        };
        const QString done = QStringLiteral("done\t") + key;
        const bool ok =
                waitForLine([](const QString &line) { return line.startsWith(u"ready"); }) &&
                process.write(command.toUtf8() + '\n') > 0 &&
                waitForLine([&](const QString &line) { return line == done; }) &&
                process.write("quit\n") > 0 &&
                (process.state() == QProcess::NotRunning ||
                 process.waitForFinished(int(deadline.remainingTime()))) &&
                process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
        if (!ok) {
            qWarning("mapwatcher on %s, \"%s\" failed (%s); it printed:\n%s", qPrintable(spec),
                     qPrintable(command), qPrintable(process.errorString()),
                     qPrintable(transcript.join(u'\n')));
            process.kill();
            process.waitForFinished();
        }
        return ok;
    }
};

class Setup : public QObject
{
    Q_OBJECT
public Q_SLOTS:
    void applicationAvailable()
    {
        // Relative sources resolve against AppDataLocation: keep the tests out of the real one.
        QStandardPaths::setTestModeEnabled(true);
    }
    void qmlEngineAvailable(QQmlEngine *engine)
    {
        engine->rootContext()->setContextProperty(QStringLiteral("tempDir"), m_dir.path());
        engine->rootContext()->setContextProperty(QStringLiteral("cpp"), &m_helper);
    }
    // While the application and its thread pool still exist: the maps createMap() made and a
    // test left open are closed here, not by the helper's destructor after main() returned.
    void cleanupTestCase() { qDeleteAll(m_helper.findChildren<PersistentMap *>()); }

private:
    QTemporaryDir m_dir;
    CppHelper m_helper;
};

QUICK_TEST_MAIN_WITH_SETUP(persistentmap, Setup)

#include "main.moc"
