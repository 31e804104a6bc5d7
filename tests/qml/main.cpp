// Runs the Qt Quick tests with two context properties: `tempDir`, a fresh folder for stores,
// and `cpp`, a helper that writes to a map from C++ (the owner thread or another thread) and
// reads and writes raw files.
#include <PersistentMap/PersistentMap>

#include <QtConcurrent/QtConcurrentRun>
#include <QtCore/QFile>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtQml/QQmlContext>
#include <QtQml/QQmlEngine>
#include <QtQuickTest/quicktest.h>

class CppHelper : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    Q_INVOKABLE void insert(PersistentMap *map, const QString &key, const QVariant &value)
    {
        map->insert(key, value).waitForFinished();
    }
    Q_INVOKABLE void insertFromThread(PersistentMap *map, const QString &key, const QVariant &value)
    {
        QtConcurrent::run([=] { map->insert(key, value).waitForFinished(); }).waitForFinished();
    }
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
