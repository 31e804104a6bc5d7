// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

import QtQuick
import QtTest
import PersistentMap

// Review of issue 13: cases that crash the process (use after free; valgrind shows the read of
// the freed map). The file is named to run last, since a crash ends the run of every file.
TestCase {
    name: "ReviewCrashes"

    Component {
        id: storeComponent
        PersistentMap { }
    }
    Component {
        id: settingsComponent
        PersistentSettings { property int x: 3 }
    }

    // Giving an item the map it already shows, its own: setMap() clears `source`, close()
    // deletes the owned map, then show() keeps and uses the deleted one. The same happens with
    // `a.map = b.map` when b shows a's map.
    function test_itemGivenItsOwnMap() {
        const a = createTemporaryObject(storeComponent, this, { source: "sqlite:" + tempDir + "/review-own.db" })
        const b = createTemporaryObject(storeComponent, this, { map: a.map })
        a.values.k = 1
        a.map = b.map // a's own map
        compare(a.status, PersistentMap.Ready)
        compare(a.values.k, 1)
        a.values.k = 2
        compare(b.values.k, 2)
    }

    // PersistentSettings given the C++ map of its own store (opened from its `source`): the
    // store item deletes that map, then shows it.
    function test_settingsGivenTheMapOfItsOwnSource() {
        const settings = createTemporaryObject(settingsComponent, this,
                                               { source: "sqlite:" + tempDir + "/review-own-settings.db" })
        compare(settings.map.value("x"), 3)
        settings.map = settings.map.map
        settings.x = 4
        compare(settings.value("x"), 4)
    }
}
