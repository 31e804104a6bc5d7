// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

import QtQuick
import QtTest
import PersistentMap

// PersistentSettings: declared properties are restored after a reload and written at once.
TestCase {
    name: "Settings"

    Component {
        id: storeComponent
        PersistentMap { }
    }
    Component {
        id: settingsComponent
        PersistentSettings {
            category: "window"
            property int width: 640
            property string title: "untitled"
            property var recent: []
        }
    }

    function test_restoresAfterReload() {
        const source = "sqlite:" + tempDir + "/settings.db"
        let store = createTemporaryObject(storeComponent, this, { source: source })
        let settings = createTemporaryObject(settingsComponent, this, { map: store })
        compare(store.status, PersistentMap.Ready) // loaded before create() returned
        compare(settings.width, 640) // nothing stored yet: the default stays, and is stored
        compare(store.count, 3)
        compare(store.value("window/width"), 640)

        settings.width = 1024
        settings.title = "notes"
        settings.recent = ["a.txt", "b.txt"]
        compare(store.value("window/width"), 1024)
        compare(store.value("window/title"), "notes")
        compare(store.value("window/recent"), ["a.txt", "b.txt"])

        store.source = "" // waits for the pending writes and closes the store

        store = createTemporaryObject(storeComponent, this, { source: source })
        settings = createTemporaryObject(settingsComponent, this, { map: store })
        compare(settings.width, 1024) // restored before create() returned
        compare(settings.title, "notes")
        compare(settings.recent, ["a.txt", "b.txt"])
    }

    function test_ownSourceAndExternalChanges() {
        const settings = createTemporaryObject(settingsComponent, this,
                                               { source: "csv:" + tempDir + "/own.csv", category: "" })
        tryCompare(settings.map, "status", PersistentMap.Ready)
        settings.width = 300
        compare(settings.map.value("width"), 300)
        settings.map.insert("width", 500) // a change made elsewhere updates the property
        compare(settings.width, 500)
    }
}
