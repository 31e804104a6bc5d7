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

    // Every key name reaches the store with brackets, and none hides another. Dot syntax goes
    // through the Proxy too, except for the names Qt 6.4's engine resolves on its own object
    // (docs/QML.md): those are only written with dot syntax here, and read with brackets.
    readonly property var memberNames: ["keys", "objectName", "valueChanged", "destroyed",
        "deleteLater", "values", "count", "insert", "prototype", "then", "index"]
    readonly property var engineNames: ["name", "length", "constructor", "toString", "valueOf",
        "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString", "call",
        "apply", "bind", "caller", "arguments", "__proto__"]

    function test_anyKeyName() {
        const source = "sqlite:" + tempDir + "/names.db"
        let store = openStore(source)
        const all = memberNames.concat(engineNames)
        for (let i = 0; i < all.length; ++i)
            store.values[all[i]] = "v" + i
        store.values.volume = 7
        store.values.control = "hello"
        compare(store.count, all.length + 2)
        close(store)

        store = openStore(source) // loaded from the file, where a QQmlPropertyMap lost them all
        compare(store.values.volume, 7)
        compare(store.values.control, "hello")
        compare(store.values.keys, "v0")
        compare(store.values.objectName, "v1")
        compare(store.values.valueChanged, "v2")
        for (let i = 0; i < all.length; ++i)
            compare(store.values[all[i]], "v" + i, all[i])
        compare(Object.keys(store.values).sort(), all.concat(["volume", "control"]).sort())
        // Writes of either syntax reach the store.
        store.values.keys = 1
        store.values.name = 2
        compare(store.value("keys"), 1)
        compare(store.value("name"), 2)
        const label = createTemporaryObject(keyLabelComponent, this, { store: store, key: "keys" })
        compare(label.text, "1")
        cpp.insert(store.map, "keys", "from C++")
        compare(label.text, "from C++")
    }

    // The JavaScript object operations, and bindings on them.
    function test_objectOperations() {
        const store = openStore("memory:")
        const listing = createTemporaryObject(listingComponent, this, { store: store })
        compare(listing.text, "")
        store.values.b = 2
        store.values["a/b"] = 1
        compare(listing.text, "a/b,b")
        verify("b" in store.values)
        verify(!("c" in store.values))
        verify(store.values.hasOwnProperty("b"))
        const seen = []
        for (const k in store.values)
            seen.push(k)
        compare(seen.sort(), ["a/b", "b"])
        compare(JSON.parse(JSON.stringify(store.values)), { "a/b": 1, b: 2 })
        compare(Object.assign({}, store.values), { "a/b": 1, b: 2 })
        delete store.values.b
        verify(!store.contains("b"))
        compare(store.values.b, undefined)
        compare(listing.text, "a/b")
        cpp.remove(store.map, "a/b")
        compare(listing.text, "")
        verify(String(store.values).length > 0) // toString() while no key is named so
    }

    // At tens of thousands of keys every key is readable (a QQmlPropertyMap stopped at 32 767).
    function test_manyKeys() {
        const source = "sqlite:" + tempDir + "/many.db"
        verify(cpp.fillStore(source, 50000, "k"))
        const store = openStore(source)
        compare(store.count, 50000)
        let missing = 0
        for (let i = 0; i < 50000; ++i) {
            if (store.values["k" + i] !== i)
                ++missing
        }
        compare(missing, 0)
        const label = createTemporaryObject(keyLabelComponent, this, { store: store, key: "k49999" })
        compare(label.text, "49999")
        store.values.k49999 = "changed"
        compare(label.text, "changed")
    }

    Component {
        id: keyLabelComponent
        Text { property PersistentMap store; property string key; text: String(store.values[key]) }
    }
    Component {
        id: listingComponent
        Text { property PersistentMap store; text: Object.keys(store.values).sort().join(",") }
    }
}
