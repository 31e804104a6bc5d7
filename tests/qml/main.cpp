// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Runs the Qt Quick tests with two context properties: `tempDir`, a fresh folder for stores,
// and `cpp`, a helper that writes to a map from C++ (the owner thread or another thread or
// another process) and reads and writes raw files.
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
    // Writes prefix0 = 0 ... prefix(count-1) = count-1 to the store `spec` in one batch.
    Q_INVOKABLE void fill(const QString &spec, const QString &prefix, int count)
    {
        QString error;
        PersistentMap map(StorageBackend::create(spec, &error));
        QVariantHash entries;
        entries.reserve(count);
        for (int i = 0; i < count; ++i)
            entries.insert(prefix + QString::number(i), i);
        map.insert(entries);
        map.flush().waitForFinished();
    }
    // One atomic batch: `removeKey` removed and `insertKey` inserted (the count may stay).
    Q_INVOKABLE void replaceKey(PersistentMap *map, const QString &removeKey,
                                const QString &insertKey, const QVariant &value)
    {
        WriteBatch batch;
        batch.remove(removeKey);
        batch.insert(insertKey, value);
        map->apply(batch).waitForFinished();
    }
    // A C++ map owned by this helper until deleteMap(), as an application would hand to QML.
    Q_INVOKABLE PersistentMap *createMap(const QString &spec)
    {
        auto *map = new PersistentMap(StorageBackend::create(spec), this);
        QQmlEngine::setObjectOwnership(map, QQmlEngine::CppOwnership);
        try {
            map->whenReady().waitForFinished();
        } catch (...) {
        }
        return map;
    }
    Q_INVOKABLE void deleteMap(PersistentMap *map) { delete map; }
    Q_INVOKABLE void remove(PersistentMap *map, const QString &key)
    {
        map->remove(key).waitForFinished();
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
        const PersistentMap map(StorageBackend::create(QStringLiteral("memory:")));
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

private:
    QTemporaryDir m_dir;
    CppHelper m_helper;
};

QUICK_TEST_MAIN_WITH_SETUP(persistentmap, Setup)

#include "main.moc"
