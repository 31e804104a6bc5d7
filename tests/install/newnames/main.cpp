// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Every public type by its new name, with the old names left out: a custom backend in three
// functions, the factory, the spec parser, the wrapper, the model, bind(), the delayed view,
// migrations, the QSettings import and a group.
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapBackend>
#include <PersistentMap/PersistentMapBackendWrapper>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapDelayedView>
#include <PersistentMap/PersistentMapError>
#include <PersistentMap/PersistentMapGroup>
#include <PersistentMap/PersistentMapMemoryBackend>
#include <PersistentMap/PersistentMapMigrations>
#include <PersistentMap/PersistentMapModel>
#include <PersistentMap/PersistentMapPostgresBackend>
#include <PersistentMap/PersistentMapSchema>
#include <PersistentMap/PersistentMapSettingsImport>
#include <PersistentMap/PersistentMapSimpleBackend>
#include <PersistentMap/PersistentMapSqliteBackend>
#include <PersistentMap/PersistentMapStoreSpec>
#include <PersistentMap/PersistentMapWriteBatch>

#include <QtCore/QCoreApplication>
#include <QtCore/QSettings>
#include <QtCore/QTemporaryDir>

namespace {

class RowsBackend : public PersistentMapSimpleBackend
{
public:
    QVariantHash loadAll() override { return m_rows; }
    void save(const QString &key, const QVariant &value) override { m_rows.insert(key, value); }
    void remove(const QString &key) override { m_rows.remove(key); }

private:
    QVariantHash m_rows;
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const PersistentMapStoreSpec spec =
            PersistentMapStoreSpec::parse(QStringLiteral("csv:x.csv?readonly=1"));
    if (!spec.isValid() || !spec.isReadOnly() || !PersistentMapBackend::create(spec.spec()))
        return 1;
    PersistentMap map(
            std::make_unique<PersistentMapBackendWrapper>(std::make_unique<RowsBackend>()));
    PersistentMapModel model;
    model.setMap(&map);
    PersistentMapWriteBatch batch;
    batch.insert(QStringLiteral("a"), 1);
    map.apply(batch);
    map.clear();
    map.insert(QStringLiteral("b"), 2);
    const PersistentMapGroup group = map.group(QStringLiteral("g"));
    group.insert(QStringLiteral("c"), 3);
    map.flush().waitForFinished();
    if (map.value(QStringLiteral("g/c")) != QVariant(3) || group.childKeys().size() != 1)
        return 1;
    group.clear().waitForFinished();
    PersistentMapSchema schema =
            PersistentMapSchema::fromJson(R"({"c": {"type": "int", "default": 3}})");
    schema.add(PersistentMapSchema::Key(QStringLiteral("d"), true));
    map.setSchema(schema);
    if (map.count() != 1 || map.value(QStringLiteral("b")) != QVariant(2) ||
        map.value(QStringLiteral("c")) != QVariant(3) || !map.isDefault(QStringLiteral("d")))
        return 1;

    // A property bound both ways, and a change held back until apply().
    QObject object;
    if (!map.bind(QStringLiteral("name"), &object, "objectName", PersistentMap::BindDefault))
        return 1;
    object.setObjectName(QStringLiteral("bound"));
    PersistentMapDelayedView view(&map);
    view.insert(QStringLiteral("e"), 5);
    if (!view.hasUnapplied() || map.contains(QStringLiteral("e")))
        return 1;
    view.apply().waitForFinished();
    if (map.value(QStringLiteral("name")) != QVariant(QStringLiteral("bound")) ||
        map.value(QStringLiteral("e")) != QVariant(5))
        return 1;

    // A migration step at load, then a QSettings file imported once.
    PersistentMapMigrations migrations;
    migrations.addStep(1, QStringLiteral("a default"), [](const QVariantHash &) {
        PersistentMapWriteBatch step;
        step.insert(QStringLiteral("c"), 3);
        return step;
    });
    PersistentMap migrated(migrations.wrap(std::make_unique<PersistentMapMemoryBackend>()));
    migrated.whenReady().waitForFinished();
    if (migrated.value(QStringLiteral("c")) != QVariant(3) ||
        migrated.value(PersistentMapMigrations::versionKey()) != QVariant(1))
        return 1;
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("old.ini")), QSettings::IniFormat);
    settings.setValue(QStringLiteral("group/key"), QStringLiteral("value"));
    const PersistentMapSettingsImport::Result imported =
            PersistentMapSettingsImport::run(migrated, settings).result();
    return imported.imported &&
                    migrated.value(QStringLiteral("group/key")) == QVariant(QStringLiteral("value"))
            ? 0
            : 1;
}
