// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

import QtQuick
import QtTest
import PersistentMap

// Groups in QML (docs/GROUPS.md, docs/QML.md): PersistentMap's childKeys(), childGroups() and
// removeGroup(), and PersistentSettings.category as a group ("a/b" nests, slashes normalized as
// QSettings does), on each file store and memory, checked again after a reopen.
TestCase {
    name: "Groups"

    Component {
        id: storeComponent
        PersistentMap { }
    }
    Component {
        id: settingsComponent
        PersistentSettings {
            category: "win/geom"
            property int width: 640
        }
    }

    function sources(file) {
        return [
            { tag: "memory", source: "memory:", reopens: false },
            { tag: "sqlite", source: "sqlite:" + tempDir + "/" + file + ".db", reopens: true },
            { tag: "csv", source: "csv:" + tempDir + "/" + file + ".csv", reopens: true }
        ]
    }

    SignalSpy { id: countSpy; signalName: "countChanged" }
    SignalSpy { id: removedSpy; signalName: "valueRemoved" }

    function test_childKeysGroupsAndRemoval_data() { return sources("groups") }
    function test_childKeysGroupsAndRemoval(data) {
        let store = createTemporaryObject(storeComponent, this, { source: data.source })
        compare(store.status, PersistentMap.Ready)
        for (const key of ["top", "a", "a/x", "a/y", "a/b/z", "a/b/c/d", "ab/q"])
            store.insert(key, key.length)
        compare(store.childKeys(), ["a", "top"])
        compare(store.childGroups(""), ["a", "ab"])
        compare(store.childKeys("a"), ["x", "y"])
        compare(store.childGroups("a"), ["b"])
        compare(store.childKeys("/a//b/"), ["z"])
        compare(store.childGroups("a/b"), ["c"])
        compare(store.childKeys("missing"), [])

        countSpy.target = store
        countSpy.clear()
        removedSpy.target = store
        removedSpy.clear()
        store.removeGroup("a/")
        compare(countSpy.count, 1) // one batch: one change of the count
        compare(removedSpy.count, 4)
        compare(store.keys().sort(), ["a", "ab/q", "top"])
        compare(store.childGroups(), ["ab"])
        if (!data.reopens)
            return
        store.source = "" // waits for the pending writes and closes the store
        store = createTemporaryObject(storeComponent, this, { source: data.source })
        compare(store.keys().sort(), ["a", "ab/q", "top"])
        compare(store.value("a"), 1)
    }

    function test_categoryIsAGroup_data() { return sources("category") }
    function test_categoryIsAGroup(data) {
        let store = createTemporaryObject(storeComponent, this, { source: data.source })
        const settings = createTemporaryObject(settingsComponent, this, { map: store })
        compare(store.value("win/geom/width"), 640) // the declared value, stored under the group
        compare(store.childGroups("win"), ["geom"])
        compare(store.childKeys("win/geom"), ["width"])

        // The same group, however its name is written.
        const other = createTemporaryObject(settingsComponent, this,
                                            { map: store, category: "/win//geom/" })
        settings.width = 800
        compare(other.width, 800)
        other.setValue("pane/left", 120)
        compare(store.value("win/geom/pane/left"), 120)
        compare(settings.value("//pane//left"), 120)
        compare(settings.value("/", "none"), "none") // an empty key names nothing

        other.category = "win"
        compare(other.width, 800) // nothing stored at win/width: the property's value is written
        compare(store.value("win/width"), 800)
        compare(store.childKeys("win"), ["width"])

        store.removeGroup("win/geom")
        compare(store.keys(), ["win/width"])
        if (!data.reopens)
            return
        store.source = ""
        store = createTemporaryObject(storeComponent, this, { source: data.source })
        compare(store.keys(), ["win/width"])
    }
    // removeGroup() of a live PersistentSettings' category removes its keys from the store for
    // good (the object does not write them back) and leaves its properties their values; the
    // next change of a property is stored again. Reopened, the store holds only that change.
    function test_removeGroupUnderLiveSettings_data() { return sources("livecategory") }
    function test_removeGroupUnderLiveSettings(data) {
        let store = createTemporaryObject(storeComponent, this, { source: data.source })
        compare(store.status, PersistentMap.Ready)
        const settings = createTemporaryObject(settingsComponent, this, { map: store })
        settings.width = 800
        compare(store.value("win/geom/width"), 800)
        store.insert("win/geom/other", 1)
        store.insert("win/geometry", 2)
        removedSpy.clear()
        removedSpy.target = store
        store.removeGroup("/win//geom/")
        compare(store.childKeys("win/geom"), [])
        compare(store.childGroups("win"), [])
        compare(store.childKeys("win"), ["geometry"])
        // The removals' signals, which the settings object hears, have been delivered.
        tryCompare(removedSpy, "count", 2)
        compare(store.value("win/geom/width"), undefined)
        compare(settings.width, 800)
        settings.width = 801
        compare(store.value("win/geom/width"), 801)
        if (!data.reopens)
            return
        store.source = ""
        store = createTemporaryObject(storeComponent, this, { source: data.source })
        compare(store.status, PersistentMap.Ready)
        compare(store.childKeys("win/geom"), ["width"])
        compare(store.value("win/geom/width"), 801)
        compare(store.value("win/geom/other"), undefined)
    }
}
