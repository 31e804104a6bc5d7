// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

import QtQuick
import QtTest
import PersistentMap

// PersistentMap.values: bindings follow C++ writes; QML writes persist across a reload.
TestCase {
    name: "Values"

    Component {
        id: storeComponent
        PersistentMap { }
    }
    Component {
        id: labelComponent
        Text { property PersistentMap store; text: store.values.greeting ?? "(none)" }
    }

    function openStore(source) {
        const store = createTemporaryObject(storeComponent, this, { source: source })
        tryCompare(store, "status", PersistentMap.Ready)
        return store
    }

    // Clearing the source waits for the pending writes and closes the store, as destroying
    // the item would; then a new item opens the file afresh.
    function close(store) {
        store.source = ""
        compare(store.map, null)
    }

    function test_cppWriteUpdatesBinding() {
        const store = openStore("sqlite:" + tempDir + "/binding.db")
        const label = createTemporaryObject(labelComponent, this, { store: store })
        compare(label.text, "(none)")
        cpp.insert(store.map, "greeting", "hello from C++")
        compare(label.text, "hello from C++")
        cpp.remove(store.map, "greeting")
        compare(label.text, "(none)")
    }

    function test_writeFromAnotherThreadUpdatesBinding() {
        const store = openStore("sqlite:" + tempDir + "/thread.db")
        const label = createTemporaryObject(labelComponent, this, { store: store })
        cpp.insertFromThread(store.map, "greeting", "from a worker thread")
        tryCompare(label, "text", "from a worker thread")
    }

    function test_qmlWritePersistsAcrossReload_data() {
        return [{ tag: "sqlite", source: "sqlite:" + tempDir + "/persist.db" },
                { tag: "csv", source: "csv:" + tempDir + "/persist.csv" }]
    }

    function test_qmlWritePersistsAcrossReload(data) {
        let store = createTemporaryObject(storeComponent, this, { source: data.source })
        tryCompare(store, "status", PersistentMap.Ready)
        store.values.greeting = "written from QML"
        store.values.size = 42
        store.values.tags = ["a", "b"]
        store.values.geometry = { x: 1, y: 2 }
        compare(store.map.count, 4)
        compare(store.value("size"), 42)
        close(store)

        store = openStore(data.source)
        compare(store.values.greeting, "written from QML")
        compare(store.values.size, 42)
        compare(store.values.tags, ["a", "b"])
        compare(store.values.geometry.y, 2)
        compare(store.count, 4)
        const label = createTemporaryObject(labelComponent, this, { store: store })
        compare(label.text, "written from QML")
    }

    function test_methodsAndSignals() {
        const store = openStore("memory:")
        const changed = createTemporaryObject(signalSpy, this, { target: store, signalName: "valueChanged" })
        const removed = createTemporaryObject(signalSpy, this, { target: store, signalName: "valueRemoved" })
        store.insert("a", 1)
        store.insert("a", 1)
        store.insert("b", "two")
        compare(changed.count, 2)
        compare(changed.signalArguments[0][0], "a")
        compare(store.value("b"), "two")
        compare(store.value("missing", "default"), "default")
        verify(store.contains("a"))
        compare(store.keys().sort(), ["a", "b"])
        store.remove("a")
        compare(removed.count, 1)
        verify(!store.contains("a"))
        store.clear()
        compare(store.count, 0)
        compare(store.values.b, undefined)
        store.flush()
    }

    Component {
        id: signalSpy
        SignalSpy { }
    }
}
