// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Every public type by its new name, with the old names left out: a custom backend in three
// functions, the factory, the spec parser, the wrapper and the model.
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapBackend>
#include <PersistentMap/PersistentMapBackendWrapper>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapError>
#include <PersistentMap/PersistentMapMemoryBackend>
#include <PersistentMap/PersistentMapModel>
#include <PersistentMap/PersistentMapPostgresBackend>
#include <PersistentMap/PersistentMapSchema>
#include <PersistentMap/PersistentMapSimpleBackend>
#include <PersistentMap/PersistentMapSqliteBackend>
#include <PersistentMap/PersistentMapStoreSpec>
#include <PersistentMap/PersistentMapWriteBatch>

#include <QtCore/QCoreApplication>

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
    map.flush().waitForFinished();
    PersistentMapSchema schema =
            PersistentMapSchema::fromJson(R"({"c": {"type": "int", "default": 3}})");
    schema.add(PersistentMapSchema::Key(QStringLiteral("d"), true));
    map.setSchema(schema);
    return map.count() == 1 && map.value(QStringLiteral("b")) == QVariant(2) &&
                    map.value(QStringLiteral("c")) == QVariant(3) &&
                    map.isDefault(QStringLiteral("d"))
            ? 0
            : 1;
}
