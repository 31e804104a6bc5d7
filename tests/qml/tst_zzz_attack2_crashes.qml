// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

import QtQuick
import QtTest
import PersistentMap

// Second review of issue 13: a use after free. The file is named to run after every other,
// since a crash ends the run of every file.
TestCase {
    name: "Attack2Crashes"

    Component {
        id: storeComponent
        PersistentMap { }
    }
    Component {
        id: settingsComponent
        PersistentSettings {
            property int a: 1
            property int b: 2
            property int c: 3
            property int d: 4
        }
    }

    // restore() holds the map in a raw pointer and checks its generation only after applying
    // a stored value. Writing a declared value (c or d, not stored) emits valueChanged; a
    // handler that switches the item's source there closes and deletes that map; restore()
    // goes on with map->contains() on it. With two keys to write, one always comes after the
    // switch. Seen: SIGSEGV, or a hang in QReadWriteLock::tryLockForRead() on the freed cache
    // (the ctest timeout then ends the run); valgrind: "Invalid read of size 8" in PersistentMap::contains()
    // called from PersistentSettings::restore() (persistentsettings.cpp:157), the block freed
    // by QmlPersistentMap::close().
    function test_storeSwitchedByTheWriteOfADeclaredValue() {
        const store = createTemporaryObject(storeComponent, this,
                                            { source: "sqlite:" + tempDir + "/attack2-first.db" })
        store.insert("a", 10)
        store.insert("b", 20)
        const settings = createTemporaryObject(settingsComponent, this)
        let switched = false
        store.valueChanged.connect(function (key) {
            if (!switched) {
                switched = true
                store.source = "sqlite:" + tempDir + "/attack2-second.db"
            }
        })
        settings.map = store
        verify(switched)
        compare(store.value("c"), 3)
        compare(store.value("d"), 4)
        compare(store.value("a"), settings.a)
    }
}
