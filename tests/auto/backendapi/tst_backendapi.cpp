// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The backend interface's defaults, PersistentMapSimpleBackend's translation to three
// functions, and PersistentMapBackendWrapper forwarding every call (issue 14).
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapBackendWrapper>
#include <PersistentMap/PersistentMapError>
#include <PersistentMap/PersistentMapSimpleBackend>

#include <QtCore/QFile>
#include <QtCore/QMutex>
#include <QtCore/QRegularExpression>
#include <QtTest/QTest>

namespace {

// Overrides every virtual and records each call with its arguments.
class RecordingBackend : public PersistentMapBackend
{
public:
    QStringList *calls;
    explicit RecordingBackend(QStringList *log)
        : calls(log)
    {
    }
    ~RecordingBackend() override { calls->append(QStringLiteral("destroyed")); }

    void loadInto(Loader &loader) override
    {
        calls->append(QStringLiteral("loadInto"));
        loader.add(QStringLiteral("a"), 1);
        loader.add(QStringLiteral("b"), 2);
    }
    void apply(const PersistentMapWriteBatch &batch) override
    {
        QString text = QStringLiteral("apply");
        for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
            text += entry.isRemove
                    ? QStringLiteral(" -%1").arg(entry.key)
                    : QStringLiteral(" %1=%2").arg(entry.key, entry.value.toString());
        }
        calls->append(text);
    }
    void flush() override { calls->append(QStringLiteral("flush")); }
    void clear() override { calls->append(QStringLiteral("clear")); }
    bool canStore(const QString &key, const QVariant &value, QString *why) const override
    {
        calls->append(QStringLiteral("canStore %1=%2").arg(key, value.toString()));
        *why = QStringLiteral("refused");
        return false;
    }
    bool isReadOnly(QString *why) const override
    {
        calls->append(QStringLiteral("isReadOnly"));
        *why = QStringLiteral("read-only");
        return true;
    }
    bool canWatchChanges() const override
    {
        calls->append(QStringLiteral("canWatchChanges"));
        return true;
    }
    Changes pollChanges() override
    {
        calls->append(QStringLiteral("pollChanges"));
        Changes changes;
        changes.entries.insert(QStringLiteral("polled"), 7);
        changes.complete = true;
        return changes;
    }
    bool watchChanges(std::function<void()> othersCommitted) override
    {
        calls->append(QStringLiteral("watchChanges"));
        othersCommitted();
        return true;
    }
};

// Only the two pure virtuals: the defaults of everything else.
class MinimalBackend : public PersistentMapBackend
{
public:
    QVariantHash rows{{QStringLiteral("a"), 1}, {QStringLiteral("b"), 2}};
    int applies = 0;
    bool loadFails = false; // every load from now on throws
    bool applyFails = false;

    void loadInto(Loader &loader) override
    {
        if (loadFails)
            throw PersistentMapError(PersistentMapError::Code::OpenFailed,
                                     QStringLiteral("load refused"));
        for (auto it = rows.cbegin(); it != rows.cend(); ++it)
            loader.add(QString(it.key()), QVariant(it.value()));
    }
    void apply(const PersistentMapWriteBatch &batch) override
    {
        ++applies;
        if (applyFails)
            throw PersistentMapError(PersistentMapError::Code::WriteFailed,
                                     QStringLiteral("apply refused"));
        for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
            if (entry.isRemove)
                rows.remove(entry.key);
            else
                rows.insert(entry.key, entry.value);
        }
    }
};

// MinimalBackend's store outside the backend, so that a test can read it after the map (and with
// it the backend) is gone, and switch failures on while the storage thread may be calling.
struct SharedState
{
    QMutex mutex;
    QVariantHash rows{{QStringLiteral("a"), 1}, {QStringLiteral("b"), 2}};
    bool loadFails = false;
    bool applyFails = false;
};

class SharedStateBackend : public PersistentMapBackend
{
public:
    explicit SharedStateBackend(std::shared_ptr<SharedState> state)
        : state(std::move(state))
    {
    }
    void loadInto(Loader &loader) override
    {
        QMutexLocker locker(&state->mutex);
        if (state->loadFails)
            throw PersistentMapError(PersistentMapError::Code::OpenFailed,
                                     QStringLiteral("load refused"));
        for (auto it = state->rows.cbegin(); it != state->rows.cend(); ++it)
            loader.add(QString(it.key()), QVariant(it.value()));
    }
    void apply(const PersistentMapWriteBatch &batch) override
    {
        QMutexLocker locker(&state->mutex);
        if (state->applyFails)
            throw PersistentMapError(PersistentMapError::Code::WriteFailed,
                                     QStringLiteral("apply refused"));
        for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
            if (entry.isRemove)
                state->rows.remove(entry.key);
            else
                state->rows.insert(entry.key, entry.value);
        }
    }

private:
    std::shared_ptr<SharedState> state;
};

class ThreeFunctionBackend : public PersistentMapSimpleBackend
{
public:
    QStringList calls;
    QVariantHash rows{{QStringLiteral("a"), 1}, {QStringLiteral("b"), 2}};

    QVariantHash loadAll() override
    {
        calls.append(QStringLiteral("loadAll"));
        return rows;
    }
    void save(const QString &key, const QVariant &value) override
    {
        calls.append(QStringLiteral("save %1").arg(key));
        rows.insert(key, value);
    }
    void remove(const QString &key) override
    {
        calls.append(QStringLiteral("remove %1").arg(key));
        rows.remove(key);
    }
};

class HashLoader final : public PersistentMapBackend::Loader
{
public:
    QVariantHash entries;
    void add(QString &&key, QVariant &&value) override
    {
        entries.insert(std::move(key), std::move(value));
    }
};

} // namespace

class tst_BackendApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void wrapperForwardsEveryVirtual();
    void wrapperTestCoversEveryVirtual();
    void defaultClearRemovesEveryKeyInOneBatch();
    void defaultClearFailureLeavesTheStore_data();
    void defaultClearFailureLeavesTheStore();
    void defaultClearFailureThroughAMap_data();
    void defaultClearFailureThroughAMap();
    void simpleBackendTranslatesToThreeFunctions();
};

// The virtuals wrapperForwardsEveryVirtual() checks, the destructor included.
static const QStringList CheckedVirtuals = {
        QStringLiteral("~PersistentMapBackend"),
        QStringLiteral("loadInto"),
        QStringLiteral("apply"),
        QStringLiteral("flush"),
        QStringLiteral("clear"),
        QStringLiteral("canStore"),
        QStringLiteral("isReadOnly"),
        QStringLiteral("canWatchChanges"),
        QStringLiteral("pollChanges"),
        QStringLiteral("watchChanges"),
};

void tst_BackendApi::wrapperForwardsEveryVirtual()
{
    QStringList calls;
    auto owned = std::make_unique<RecordingBackend>(&calls);
    RecordingBackend *recording = owned.get();
    {
        PersistentMapBackendWrapper wrapper(std::move(owned));
        PersistentMapBackend &backend = wrapper;
        QCOMPARE(wrapper.target(), recording);

        HashLoader loader;
        backend.loadInto(loader);
        QCOMPARE(loader.entries,
                 (QVariantHash{{QStringLiteral("a"), 1}, {QStringLiteral("b"), 2}}));

        PersistentMapWriteBatch batch;
        batch.insert(QStringLiteral("k"), QStringLiteral("v"));
        batch.remove(QStringLiteral("r"));
        backend.apply(batch);
        backend.flush();
        backend.clear();

        QString why;
        QVERIFY(!backend.canStore(QStringLiteral("key"), QStringLiteral("value"), &why));
        QCOMPARE(why, QStringLiteral("refused"));
        QVERIFY(backend.isReadOnly(&why));
        QCOMPARE(why, QStringLiteral("read-only"));
        QVERIFY(backend.canWatchChanges());
        const PersistentMapBackend::Changes changes = backend.pollChanges();
        QVERIFY(changes.complete);
        QCOMPARE(changes.entries.size(), 1);
        QCOMPARE(changes.entries.entries().first().key, QStringLiteral("polled"));
        QCOMPARE(changes.entries.entries().first().value, QVariant(7));
        int pushes = 0;
        QVERIFY(backend.watchChanges([&pushes] { ++pushes; }));
        QCOMPARE(pushes, 1); // the target got the map's callback itself
    }
    // The wrapper owns its target: destroying it destroys the target.
    QCOMPARE(calls,
             (QStringList{QStringLiteral("loadInto"), QStringLiteral("apply k=v -r"),
                          QStringLiteral("flush"), QStringLiteral("clear"),
                          QStringLiteral("canStore key=value"), QStringLiteral("isReadOnly"),
                          QStringLiteral("canWatchChanges"), QStringLiteral("pollChanges"),
                          QStringLiteral("watchChanges"), QStringLiteral("destroyed")}));
}

// Guards against a virtual added to the interface without a forward in the wrapper (and a
// check above): counts the virtual member declarations of persistentmapbackend.h's class.
void tst_BackendApi::wrapperTestCoversEveryVirtual()
{
    QFile header(QStringLiteral(BACKEND_HEADER));
    QVERIFY2(header.open(QIODevice::ReadOnly), qPrintable(header.fileName()));
    const QString text = QString::fromUtf8(header.readAll());
    const qsizetype start =
            text.indexOf(QStringLiteral("class PERSISTENTMAP_EXPORT PersistentMapBackend\n"));
    QVERIFY(start >= 0);
    // Loader's own virtuals are not the backend's.
    const qsizetype loaderStart =
            text.indexOf(QStringLiteral("class PERSISTENTMAP_EXPORT Loader"), start);
    const qsizetype loaderEnd = text.indexOf(QStringLiteral("};"), loaderStart);
    QVERIFY(loaderStart > start && loaderEnd > loaderStart);
    const QString body = text.mid(start, loaderStart - start) + text.mid(loaderEnd);
    static const QRegularExpression declaration(
            QStringLiteral("^\\s*virtual\\s+[^;(]*?(~?\\w+)\\s*\\("),
            QRegularExpression::MultilineOption);
    QStringList found;
    for (auto it = declaration.globalMatch(body); it.hasNext();)
        found.append(it.next().captured(1));
    found.sort();
    QStringList checked = CheckedVirtuals;
    checked.sort();
    QCOMPARE(found, checked);
}

void tst_BackendApi::defaultClearRemovesEveryKeyInOneBatch()
{
    MinimalBackend backend;
    backend.clear();
    QVERIFY(backend.rows.isEmpty());
    QCOMPARE(backend.applies, 1);
    backend.clear(); // an empty store: nothing to commit
    QCOMPARE(backend.applies, 1);
}

void tst_BackendApi::defaultClearFailureLeavesTheStore_data()
{
    QTest::addColumn<bool>("loadFails");
    QTest::addColumn<PersistentMapError::Code>("code");
    QTest::newRow("its load throws") << true << PersistentMapError::Code::OpenFailed;
    QTest::newRow("its apply throws") << false << PersistentMapError::Code::WriteFailed;
}

// The default clear() is one apply(): whichever of its two calls throws, the store is as it was
// and the error is the one thrown.
void tst_BackendApi::defaultClearFailureLeavesTheStore()
{
    QFETCH(bool, loadFails);
    QFETCH(PersistentMapError::Code, code);
    MinimalBackend backend;
    const QVariantHash before = backend.rows;
    backend.loadFails = loadFails;
    backend.applyFails = !loadFails;
    try {
        backend.clear();
        QFAIL("clear() did not throw");
    } catch (const PersistentMapError &e) {
        QCOMPARE(e.code(), code);
    }
    QCOMPARE(backend.rows, before);
    QCOMPARE(backend.applies, loadFails ? 0 : 1);
}

void tst_BackendApi::defaultClearFailureThroughAMap_data()
{
    defaultClearFailureLeavesTheStore_data();
}

// Through a map: the failed clear() fails its future with the backend's code, and nothing the
// store held is lost (checked once the map, and with it the backend, is gone).
void tst_BackendApi::defaultClearFailureThroughAMap()
{
    QFETCH(bool, loadFails);
    QFETCH(PersistentMapError::Code, code);
    auto state = std::make_shared<SharedState>();
    const QVariantHash before = state->rows;
    {
        PersistentMap map(std::make_unique<SharedStateBackend>(state));
        map.whenReady().waitForFinished();
        QCOMPARE(map.count(), before.size());
        {
            QMutexLocker locker(&state->mutex);
            state->loadFails = loadFails;
            state->applyFails = !loadFails;
        }
        QFuture<void> cleared = map.clear();
        // The failed clear() is retried until the map goes, which says so.
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("destroyed with 1 unsaved change")));
        try {
            cleared.waitForFinished();
            QFAIL("the clear() future did not fail");
        } catch (const PersistentMapError &e) {
            QCOMPARE(e.code(), code);
        }
    }
    QMutexLocker locker(&state->mutex);
    QCOMPARE(state->rows, before);
}

void tst_BackendApi::simpleBackendTranslatesToThreeFunctions()
{
    ThreeFunctionBackend backend;
    HashLoader loader;
    backend.loadInto(loader);
    QCOMPARE(loader.entries, backend.rows);

    PersistentMapWriteBatch batch;
    batch.insert(QStringLiteral("c"), 3);
    batch.remove(QStringLiteral("a"));
    batch.insert(QStringLiteral("d"), 4);
    backend.calls.clear();
    backend.apply(batch);
    QCOMPARE(backend.calls,
             (QStringList{QStringLiteral("save c"), QStringLiteral("remove a"),
                          QStringLiteral("save d")}));
    QCOMPARE(backend.rows,
             (QVariantHash{{QStringLiteral("b"), 2},
                           {QStringLiteral("c"), 3},
                           {QStringLiteral("d"), 4}}));

    backend.calls.clear();
    backend.clear();
    QVERIFY(backend.rows.isEmpty());
    QCOMPARE(backend.calls.first(), QStringLiteral("loadAll"));
    QCOMPARE(backend.calls.size(), 4); // loadAll, then one remove() per key
    QCOMPARE(backend.calls.filter(QStringLiteral("remove ")).size(), 3);
}

QTEST_GUILESS_MAIN(tst_BackendApi)
#include "tst_backendapi.moc"
