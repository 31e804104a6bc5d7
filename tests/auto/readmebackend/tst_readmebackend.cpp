// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The README's custom backend (README.md, "Your own backend"), extracted at configure time
// (CMakeLists.txt): it must build unchanged and store through a map.
#include "readmebackend.h"

#include <PersistentMap/PersistentMap>

#include <QtTest/QTest>

class tst_ReadmeBackend : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void storesThroughTheMap();
};

void tst_ReadmeBackend::storesThroughTheMap()
{
    PersistentMap map(std::make_unique<MyBackend>());
    map.whenReady().waitForFinished();
    QCOMPARE(map.status(), PersistentMap::Status::Ready);
    map.insert(QStringLiteral("greeting"), QStringLiteral("hello"));
    map.insert(QStringLiteral("gone"), 1);
    map.remove(QStringLiteral("gone"));
    map.flush().waitForFinished();
    QCOMPARE(map.value(QStringLiteral("greeting")), QVariant(QStringLiteral("hello")));
    QVERIFY(!map.contains(QStringLiteral("gone")));
    map.clear().waitForFinished();
    QCOMPARE(map.count(), 0);
}

QTEST_GUILESS_MAIN(tst_ReadmeBackend)
#include "tst_readmebackend.moc"
