// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

import QtQuick
import QtTest
import PersistentMap

// PersistentMapModel in QML: sorted rows, prefix filter, incremental updates, editing.
TestCase {
    name: "Model"

    Component {
        id: storeComponent
        PersistentMap { source: "memory:" }
    }
    Component {
        id: modelComponent
        PersistentMapModel { }
    }
    Component {
        id: spyComponent
        SignalSpy { }
    }
    Component {
        id: viewComponent
        ListView {
            width: 100; height: 400
            delegate: Text { required property string key; required property var value; text: key + "=" + value }
        }
    }

    function test_incrementalUpdates() {
        const store = createTemporaryObject(storeComponent, this)
        tryCompare(store, "status", PersistentMap.Ready)
        const model = createTemporaryObject(modelComponent, this, { map: store.map, prefix: "note/" })
        const resets = createTemporaryObject(spyComponent, this, { target: model, signalName: "modelReset" })
        const inserted = createTemporaryObject(spyComponent, this, { target: model, signalName: "rowsInserted" })
        const removed = createTemporaryObject(spyComponent, this, { target: model, signalName: "rowsRemoved" })
        const changed = createTemporaryObject(spyComponent, this, { target: model, signalName: "dataChanged" })
        const view = createTemporaryObject(viewComponent, this, { model: model })

        store.insert("note/b", "second")
        store.insert("note/a", "first")
        store.insert("other", "filtered out")
        compare(model.count, 2)
        compare(inserted.count, 2)
        compare(inserted.signalArguments[1][1], 0) // "note/a" went before "note/b"
        compare(model.keyAt(0), "note/a")
        compare(model.indexOf("note/b"), 1)
        compare(model.indexOf("other"), -1)
        tryCompare(view, "count", 2)

        store.insert("note/b", "edited")
        compare(changed.count, 1)
        compare(changed.signalArguments[0][0].row, 1)

        store.remove("note/a")
        compare(removed.count, 1)
        compare(model.count, 1)
        compare(resets.count, 0)

        verify(model.setData(model.index(0, 0), "via setData", PersistentMapModel.ValueRole))
        compare(store.value("note/b"), "via setData")
        compare(model.data(model.index(0, 0), PersistentMapModel.KeyRole), "note/b")

        model.prefix = ""
        compare(resets.count, 1)
        compare(model.count, 2)
    }

    function test_followsSourceSwitch() {
        const first = "sqlite:" + tempDir + "/model-a.db"
        const store = createTemporaryObject(storeComponent, this, { source: first })
        tryCompare(store, "status", PersistentMap.Ready)
        store.insert("x", 1)
        const model = createTemporaryObject(modelComponent, this)
        model.map = Qt.binding(() => store.map)
        compare(model.count, 1)
        store.source = "memory:"
        tryCompare(store, "status", PersistentMap.Ready)
        compare(model.count, 0)
        store.source = first
        tryCompare(store, "status", PersistentMap.Ready)
        tryCompare(model, "count", 1)
    }
}
