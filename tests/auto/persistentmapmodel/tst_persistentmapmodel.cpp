// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PersistentMapModel: sorted rows, prefix filter, incremental signals (checked by
// QAbstractItemModelTester throughout), editing through setData, loading, Widgets headers.
#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapMemoryBackend>
#include <PersistentMap/PersistentMapModel>
#include <PersistentMap/PersistentMapSqliteBackend>

#include <QtConcurrent/QtConcurrentRun>
#include <QtCore/QTemporaryDir>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

class tst_PersistentMapModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sortedRowsAndIncrementalSignals();
    void prefixFilter();
    void setDataWritesThrough();
    void loadedEntriesAppearOnReady();
    void changesFromAnotherThread();
    void mapDestroyed();
    void headersForWidgets();

private:
    static QStringList rows(const PersistentMapModel &model)
    {
        QStringList keys;
        for (int row = 0; row < model.rowCount(); ++row)
            keys.append(model.data(model.index(row), PersistentMapModel::KeyRole).toString());
        return keys;
    }
};

void tst_PersistentMapModel::sortedRowsAndIncrementalSignals()
{
    PersistentMap map(std::make_unique<PersistentMapMemoryBackend>());
    map.whenReady().waitForFinished();
    PersistentMapModel model(&map);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy counts(&model, &PersistentMapModel::countChanged);

    map.insert(QStringLiteral("m"), 1);
    map.insert(QStringLiteral("z"), 2);
    map.insert(QStringLiteral("a"), 3);
    QCOMPARE(rows(model),
             (QStringList{QStringLiteral("a"), QStringLiteral("m"), QStringLiteral("z")}));
    QCOMPARE(inserted.size(), 3);
    QCOMPARE(inserted.at(2).at(1).toInt(), 0); // "a" went in at the top
    QCOMPARE(counts.size(), 3);

    map.insert(QStringLiteral("m"), 10);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 1);
    QCOMPARE(model.data(model.index(1)).toInt(), 10);
    map.insert(QStringLiteral("m"), 10); // unchanged: no signal
    QCOMPARE(changed.size(), 1);

    map.remove(QStringLiteral("z"));
    QCOMPARE(removed.size(), 1);
    QCOMPARE(removed.at(0).at(1).toInt(), 2);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(resets.size(), 0); // single changes never reset the model

    map.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(resets.size(), 0);
    QCOMPARE(model.indexOf(QStringLiteral("a")), -1);
}

void tst_PersistentMapModel::prefixFilter()
{
    PersistentMap map(std::make_unique<PersistentMapMemoryBackend>());
    map.insert(QVariantHash{{QStringLiteral("note/2"), QStringLiteral("b")},
                            {QStringLiteral("note/1"), QStringLiteral("a")},
                            {QStringLiteral("window/width"), 800}});
    map.whenReady().waitForFinished();
    PersistentMapModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy prefixSpy(&model, &PersistentMapModel::prefixChanged);
    model.setPrefix(QStringLiteral("note/"));
    model.setMap(&map);
    QCOMPARE(rows(model), (QStringList{QStringLiteral("note/1"), QStringLiteral("note/2")}));
    QCOMPARE(prefixSpy.size(), 1);

    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    map.insert(QStringLiteral("window/height"), 600);
    QCOMPARE(inserted.size(), 0);
    map.insert(QStringLiteral("note/0"), QStringLiteral("first"));
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(model.keyAt(0), QStringLiteral("note/0"));

    model.setPrefix(QString());
    QCOMPARE(model.rowCount(), 5);
}

void tst_PersistentMapModel::setDataWritesThrough()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("model.db"));
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        map.insert(QStringLiteral("volume"), 5);
        PersistentMapModel model(&map);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(model.flags(model.index(0)).testFlag(Qt::ItemIsEditable));
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QVERIFY(model.setData(model.index(0), 7));
        QCOMPARE(map.value(QStringLiteral("volume")).toInt(), 7);
        QCOMPARE(changed.size(), 1);
        QVERIFY(!model.setData(model.index(0), 8, Qt::DecorationRole));
        QVERIFY(!model.setData(QModelIndex(), 8));
    }
    PersistentMap reopened(std::make_unique<PersistentMapSqliteBackend>(path));
    reopened.whenReady().waitForFinished();
    QCOMPARE(reopened.value(QStringLiteral("volume")).toInt(), 7);
}

void tst_PersistentMapModel::loadedEntriesAppearOnReady()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("load.db"));
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        for (int i = 0; i < 100; ++i)
            map.insert(QStringLiteral("key%1").arg(i, 3, 10, QLatin1Char('0')), i);
    }
    PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
    PersistentMapModel model(&map); // possibly before the load finished
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE(map.status(), PersistentMap::Status::Ready);
    QTRY_COMPARE(model.rowCount(), 100);
    QCOMPARE(model.keyAt(0), QStringLiteral("key000"));
    QCOMPARE(model.data(model.index(99)).toInt(), 99);
}

void tst_PersistentMapModel::changesFromAnotherThread()
{
    PersistentMap map(std::make_unique<PersistentMapMemoryBackend>());
    map.whenReady().waitForFinished();
    PersistentMapModel model(&map);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QtConcurrent::run([&map] {
        for (int i = 0; i < 50; ++i)
            map.insert(QStringLiteral("t%1").arg(i), i);
    }).waitForFinished();
    QCOMPARE(model.rowCount(), 0); // delivered by the owner thread's event loop
    QTRY_COMPARE(model.rowCount(), 50);
}

void tst_PersistentMapModel::mapDestroyed()
{
    PersistentMapModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    {
        PersistentMap map(std::make_unique<PersistentMapMemoryBackend>());
        map.insert(QStringLiteral("a"), 1);
        model.setMap(&map);
        QCOMPARE(model.rowCount(), 1);
    }
    QCOMPARE(model.map(), nullptr);
    QCOMPARE(model.rowCount(), 0);
}

void tst_PersistentMapModel::headersForWidgets()
{
    PersistentMap map(std::make_unique<PersistentMapMemoryBackend>());
    map.insert(QStringLiteral("b"), 2);
    map.insert(QStringLiteral("a"), 1);
    PersistentMapModel model(&map);
    QCOMPARE(model.headerData(0, Qt::Vertical).toString(), QStringLiteral("a"));
    QCOMPARE(model.headerData(1, Qt::Vertical).toString(), QStringLiteral("b"));
    QCOMPARE(model.headerData(0, Qt::Horizontal).toString(), QStringLiteral("Value"));
    QCOMPARE(model.data(model.index(1), Qt::EditRole).toInt(), 2);
    QCOMPARE(model.roleNames().value(PersistentMapModel::KeyRole), QByteArrayLiteral("key"));
    QCOMPARE(model.roleNames().value(PersistentMapModel::ValueRole), QByteArrayLiteral("value"));
}

QTEST_GUILESS_MAIN(tst_PersistentMapModel)
#include "tst_persistentmapmodel.moc"
