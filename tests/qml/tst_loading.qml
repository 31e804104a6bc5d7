// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

import QtQuick
import QtTest
import PersistentMap

// When stored values arrive: by default before componentComplete() returns; with
// `asynchronous: true` in the background, with reads empty and writes winning until then.
TestCase {
    name: "Loading"

    Component {
        id: storeComponent
        PersistentMap { }
    }
    Component {
        id: labelComponent
        Text { property PersistentMap store; text: store.values.k ?? "(none)" }
    }
    Component {
        id: completedComponent
        Item {
            property alias store: inner
            property var seenAtCompletion
            property int statusAtCompletion: -1
            PersistentMap { id: inner; source: "sqlite:" + tempDir + "/completed.db" }
            Component.onCompleted: {
                seenAtCompletion = inner.values.k
                statusAtCompletion = inner.status
            }
        }
    }
    Component {
        id: spyComponent
        SignalSpy { }
    }

    function fill(source) {
        const store = createTemporaryObject(storeComponent, this, { source: source })
        store.values.k = "stored"
        store.values.j = "stored"
        store.source = "" // waits for the writes and closes the store
    }

    function test_loadedBeforeCompletion() {
        fill("sqlite:" + tempDir + "/completed.db")
        const item = createTemporaryObject(completedComponent, this)
        compare(item.statusAtCompletion, PersistentMap.Ready)
        compare(item.seenAtCompletion, "stored")
    }

    // A later change of source loads before setSource() returns, too.
    function test_sourceChangeLoadsAtOnce() {
        const source = "csv:" + tempDir + "/later.csv"
        fill(source)
        const store = createTemporaryObject(storeComponent, this, { source: "memory:" })
        const label = createTemporaryObject(labelComponent, this, { store: store })
        const statusSpy = createTemporaryObject(spyComponent, this,
                                                { target: store, signalName: "statusChanged" })
        store.source = source
        compare(store.status, PersistentMap.Ready)
        compare(label.text, "stored")
        compare(statusSpy.count, 0) // Ready before and after
    }

    function test_asynchronous() {
        const source = "sqlite:" + tempDir + "/async.db"
        // Enough rows (about 0.2 s of loading) that the load is still running when create()
        // returns; the item's status changes only through the event loop in any case.
        verify(cpp.fillStore(source, 200000, "key"))
        let store = createTemporaryObject(storeComponent, this, { source: source })
        store.values.k = "stored"
        store.values.j = "stored"
        store.source = ""

        store = createTemporaryObject(storeComponent, this, { source: source, asynchronous: true })
        const label = createTemporaryObject(labelComponent, this, { store: store })
        compare(store.status, PersistentMap.Loading)
        compare(label.text, "(none)")
        compare(store.values.j, undefined)
        compare(store.value("j", "default"), "default")
        store.values.j = "written while loading"
        tryCompare(store, "status", PersistentMap.Ready)
        compare(label.text, "stored") // bindings are evaluated again when loading ends
        compare(store.values.j, "written while loading") // and the write won
        compare(store.count, 200002)
        store.source = ""
        store = createTemporaryObject(storeComponent, this, { source: source })
        compare(store.values.j, "written while loading")
    }
}
