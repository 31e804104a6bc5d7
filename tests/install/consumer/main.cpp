// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Compiles against every name of the API contract (ARCHITECTURE.md) through the installed
// headers and checks that each behaves as the contract says. Exits non-zero on the first
// failure, naming it.
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapBackend>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapError>
#include <PersistentMap/PersistentMapMemoryBackend>
#include <PersistentMap/PersistentMapSimpleBackend>
#include <PersistentMap/PersistentMapSqliteBackend>
#include <PersistentMap/PersistentMapWriteBatch>

#include <QCoreApplication>
#include <QDir>
#include <QTextStream>

#include <cstdlib>

namespace {

int checks = 0;

void check(bool ok, const char *what)
{
    ++checks;
    if (!ok) {
        QTextStream(stderr) << "FAILED: " << what << Qt::endl;
        std::exit(1);
    }
}

// A custom backend of three functions (PersistentMapSimpleBackend), data kept in a QVariantHash
// that outlives it.
class HashBackend : public PersistentMapSimpleBackend
{
public:
    explicit HashBackend(QVariantHash *store)
        : m_store(store)
    {
    }
    QVariantHash loadAll() override { return *m_store; }
    void save(const QString &key, const QVariant &value) override { m_store->insert(key, value); }
    void remove(const QString &key) override { m_store->remove(key); }

private:
    QVariantHash *m_store;
};

void exercise(const QString &spec)
{
    QString error;
    {
        PersistentMap map(PersistentMapBackend::create(spec, &error));
        check(error.isEmpty(), "PersistentMapBackend::create accepts the spec");
        map.whenReady().waitForFinished();
        check(map.status() == PersistentMap::Status::Ready, "status() is Ready after whenReady()");
        check(map.errorString().isEmpty(), "errorString() is empty");

        int changed = 0, removed = 0, counted = 0;
        QObject::connect(&map, &PersistentMap::valueChanged,
                         [&](const QString &, const QVariant &) { ++changed; });
        QObject::connect(&map, &PersistentMap::valueRemoved, [&](const QString &) { ++removed; });
        QObject::connect(&map, &PersistentMap::countChanged, [&] { ++counted; });

        map.insert(QStringLiteral("answer"), 42);
        map.insert(QStringLiteral("answer"), 42); // same value: no second signal
        map.insert(QVariantHash{{QStringLiteral("a"), 1.5}, {QStringLiteral("b"), true}});
        PersistentMapWriteBatch batch;
        batch.insert(QStringLiteral("c"), QStringLiteral("text"));
        batch.remove(QStringLiteral("b"));
        check(batch.size() == 2 && !batch.isEmpty(), "PersistentMapWriteBatch size/isEmpty");
        map.apply(batch);
        map.remove(QStringLiteral("a")).waitForFinished();
        map.flush().waitForFinished();

        check(changed == 4, "valueChanged once per real change");
        check(removed == 2, "valueRemoved for b and a");
        check(counted > 0, "countChanged emitted");
        check(map.value(QStringLiteral("answer")).metaType() == QMetaType::fromType<int>(),
              "an int comes back as an int");
        check(map.get<int>(QStringLiteral("answer")) == 42, "get<int>");
        check(!map.get<int>(QStringLiteral("missing")), "get<T> of a missing key is nullopt");
        check(map.value(QStringLiteral("missing"), 7).toInt() == 7, "value() default");
        check(map.contains(QStringLiteral("c")) && !map.contains(QStringLiteral("b")), "contains");
        check(map.count() == 2 && !map.isEmpty(), "count/isEmpty");
        check(map.keys().size() == 2 && map.toHash().size() == 2, "keys/toHash");
    }
    if (spec == u"memory:")
        return;
    {
        PersistentMap map(PersistentMapBackend::create(spec));
        map.whenReady().waitForFinished();
        check(map.value(QStringLiteral("c")).toString() == u"text", "reopened store has the data");
        check(map.count() == 2, "reopened store has the same count");
        map.clear().waitForFinished();
    }
    PersistentMap map(PersistentMapBackend::create(spec));
    map.whenReady().waitForFinished();
    check(map.isEmpty(), "clear() was persisted");
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QString dir = app.arguments().value(1, QDir::tempPath());

    exercise(QStringLiteral("memory:"));
    exercise(QStringLiteral("sqlite:") + dir + QStringLiteral("/consumer.db"));
    exercise(QStringLiteral("csv:") + dir + QStringLiteral("/consumer.csv"));

    QVariantHash store;
    {
        PersistentMap map(std::make_unique<HashBackend>(&store));
        map.insert(QStringLiteral("k"), QStringLiteral("v"));
    } // the destructor persists what is pending
    check(store.value(QStringLiteral("k")) == QStringLiteral("v"), "custom backend persisted");

    PersistentMap direct(std::make_unique<PersistentMapSqliteBackend>(
            dir + QStringLiteral("/direct.db"), QStringLiteral("settings")));
    PersistentMap csv(
            std::make_unique<PersistentMapCsvBackend>(dir + QStringLiteral("/direct.csv")));
    PersistentMap memory(std::make_unique<PersistentMapMemoryBackend>());
    direct.whenReady().waitForFinished();

    // A second map on the same CSV file is refused with Locked.
    csv.whenReady().waitForFinished();
    PersistentMap second(
            std::make_unique<PersistentMapCsvBackend>(dir + QStringLiteral("/direct.csv")));
    try {
        second.whenReady().waitForFinished();
        check(false, "a locked CSV store fails to open");
    } catch (const PersistentMapError &e) {
        check(e.code() == PersistentMapError::Code::Locked, "the error code is Locked");
        check(!e.message().isEmpty(), "the error has a message");
        check(second.status() == PersistentMap::Status::Error, "status() is Error");
    }

    check(memory.insert(QStringLiteral("x"), QVariant::fromValue(&app)).isValid(),
          "insert returns a future even for a value it rejects");
    try {
        memory.insert(QStringLiteral("x"), QVariant::fromValue(&app)).waitForFinished();
        check(false, "a value without QDataStream operators is rejected");
    } catch (const PersistentMapError &e) {
        check(e.code() == PersistentMapError::Code::Unsupported, "the error code is Unsupported");
    }

    QTextStream(stdout) << "consumer: " << checks << " checks passed" << Qt::endl;
    return 0;
}
