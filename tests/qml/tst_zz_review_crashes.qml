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

    // The category follows a property of the same settings object (the profile last chosen).
    Component {
        id: profileComponent
        PersistentSettings {
            category: "profiles/" + profile
            property string profile: "a"
            property int zoom: 100
            property int volume: 5
        }
    }

    // restore() iterates m_propertiesByKey while writing the stored values; a property write
    // that changes the category (or source, or map) runs restore() again, which clears that
    // hash under the outer loop (valgrind: invalid reads in QHash::iterator::operator++ from
    // restore(), the nodes freed by the inner restore()).
    function test_categoryChangedWhileRestoring() {
        const store = createTemporaryObject(storeComponent, this, { source: "memory:" })
        store.insert("profiles/a/profile", "b")
        store.insert("profiles/a/zoom", 1)
        store.insert("profiles/a/volume", 1)
        store.insert("profiles/b/profile", "b")
        store.insert("profiles/b/zoom", 200)
        store.insert("profiles/b/volume", 9)
        const settings = createTemporaryObject(profileComponent, this, { map: store })
        compare(settings.category, "profiles/b")
        compare(settings.zoom, 200)
        compare(settings.volume, 9)
        compare(store.value("profiles/a/zoom"), 1)
        compare(store.value("profiles/a/volume"), 1)
    }
}
