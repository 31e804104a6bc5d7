// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// qmlconsumer QML_FILE STORE_PATH: the acceptance check of the QML module against an installed
// prefix. A Text bound to store.values.someKey follows a C++ insert and a QML write, and the
// value is still there after the engine is destroyed and created again on the same file.
#include <PersistentMap/PersistentMap>

#include <QGuiApplication>
#include <QQmlComponent>
#include <QQmlContext>
#include <QQmlEngine>
#include <QTextStream>

#include <cstdlib>
#include <memory>

namespace {

void check(bool ok, const QString &what)
{
    if (!ok) {
        QTextStream(stderr) << "FAILED: " << what << Qt::endl;
        std::exit(1);
    }
}

struct Scene
{
    std::unique_ptr<QQmlEngine> engine;
    std::unique_ptr<QObject> root;
    QObject *store = nullptr;
    QObject *label = nullptr;

    Scene(const QString &qmlFile, const QString &storePath)
        : engine(std::make_unique<QQmlEngine>())
    {
        engine->addImportPath(QStringLiteral(PERSISTENTMAP_QML_IMPORT_DIR));
        engine->rootContext()->setContextProperty(QStringLiteral("storePath"), storePath);
        QQmlComponent component(engine.get(), QUrl::fromLocalFile(qmlFile));
        root.reset(component.create());
        check(root != nullptr, QStringLiteral("the QML file loads: ") + component.errorString());
        store = root->property("store").value<QObject *>();
        label = root->property("label").value<QObject *>();
        // Wait for the store on its own signal, with the event loop running.
        while (store->property("status").toInt() <= 1) // Null or Loading
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
        check(store->property("errorString").toString().isEmpty(), QStringLiteral("store opens"));
    }
    QString text() const { return label->property("text").toString(); }
    PersistentMap *map() const { return store->property("map").value<PersistentMap *>(); }
};

} // namespace

int main(int argc, char *argv[])
{
    QGuiApplication app(argc, argv);
    const QStringList args = app.arguments();
    check(args.size() == 3, QStringLiteral("usage: qmlconsumer QML_FILE STORE_PATH"));
    {
        Scene scene(args.at(1), args.at(2));
        check(scene.text() == u"(unset)", QStringLiteral("the binding starts unset"));
        scene.map()->insert(QStringLiteral("someKey"), QStringLiteral("from C++"));
        check(scene.text() == u"from C++", QStringLiteral("the binding follows a C++ insert"));
        QMetaObject::invokeMethod(scene.root.get(), "writeFromQml",
                                  Q_ARG(QVariant, QStringLiteral("from QML")));
        check(scene.map()->value(QStringLiteral("someKey")) == QStringLiteral("from QML"),
              QStringLiteral("a QML write reaches the map"));
    } // engine destroyed: the store flushes and closes
    Scene again(args.at(1), args.at(2));
    check(again.text() == u"from QML",
          QStringLiteral("after recreating the engine: ") + again.text());
    QTextStream(stdout) << "qmlconsumer: binding, C++ insert, QML write and reload checked"
                        << Qt::endl;
    return 0;
}
