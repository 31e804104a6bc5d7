// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The backend interface's defaults, PersistentMapSimpleBackend's translation to three
// functions, and PersistentMapBackendWrapper forwarding every call (issue 14).
#include <PersistentMap/PersistentMapBackendWrapper>
#include <PersistentMap/PersistentMapSimpleBackend>

#include <QtCore/QFile>
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
};

// Only the two pure virtuals: the defaults of everything else.
class MinimalBackend : public PersistentMapBackend
{
public:
    QVariantHash rows{{QStringLiteral("a"), 1}, {QStringLiteral("b"), 2}};
    int applies = 0;

    void loadInto(Loader &loader) override
    {
        for (auto it = rows.cbegin(); it != rows.cend(); ++it)
            loader.add(QString(it.key()), QVariant(it.value()));
    }
    void apply(const PersistentMapWriteBatch &batch) override
    {
        ++applies;
        for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
            if (entry.isRemove)
                rows.remove(entry.key);
            else
                rows.insert(entry.key, entry.value);
        }
    }
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
    }
    // The wrapper owns its target: destroying it destroys the target.
    QCOMPARE(calls,
             (QStringList{QStringLiteral("loadInto"), QStringLiteral("apply k=v -r"),
                          QStringLiteral("flush"), QStringLiteral("clear"),
                          QStringLiteral("canStore key=value"), QStringLiteral("isReadOnly"),
                          QStringLiteral("canWatchChanges"), QStringLiteral("pollChanges"),
                          QStringLiteral("destroyed")}));
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
