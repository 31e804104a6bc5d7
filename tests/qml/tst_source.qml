// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

import QtQuick
import QtTest
import PersistentMap

// Switching `source` flushes the old store and loads the new one; errors show in status.
TestCase {
    name: "Source"

    Component {
        id: storeComponent
        PersistentMap { }
    }

    function test_switchingSource() {
        const a = "csv:" + tempDir + "/a.csv"
        const b = "sqlite:" + tempDir + "/b.db"
        const store = createTemporaryObject(storeComponent, this, { source: a })
        tryCompare(store, "status", PersistentMap.Ready)
        store.values.title = "in a"
        store.source = b
        tryCompare(store, "status", PersistentMap.Ready)
        compare(store.values.title, undefined)
        store.values.title = "in b"
        store.source = a // the CSV lock of the first store was released when it closed
        tryCompare(store, "status", PersistentMap.Ready)
        compare(store.values.title, "in a")
        store.source = b
        tryCompare(store, "status", PersistentMap.Ready)
        compare(store.values.title, "in b")
        store.source = ""
        compare(store.status, PersistentMap.Null)
        compare(store.count, 0)
    }

    function test_relativePathUsesAppData() {
        const relative = "tst_qml/relative-" + Date.now() + ".csv"
        const store = createTemporaryObject(storeComponent, this, { source: relative })
        tryCompare(store, "status", PersistentMap.Ready)
        store.values.where = "app data"
        store.source = ""
        const text = Qt.atob(cpp.readFile(cpp.appDataLocation() + "/" + relative))
        verify(text.indexOf("where,string,app data") >= 0, text)
    }

    function test_errors_data() {
        return [
            { tag: "not a database", file: "/bad.db", content: "this is plain text, not SQLite\n",
              source: "sqlite:", expected: "not a SQLite database" },
            { tag: "bad CSV line", file: "/bad.csv", content: "key,type,value\na,int,1\nb,int\n",
              source: "csv:", expected: "line 3" },
        ]
    }

    function test_errors(data) {
        const path = tempDir + data.file
        verify(cpp.writeFile(path, data.content))
        const before = cpp.readFile(path)
        const errors = createTemporaryObject(spyComponent, this, { signalName: "errorOccurred" })
        const store = createTemporaryObject(storeComponent, this)
        errors.target = store
        store.source = data.source + path
        tryCompare(store, "status", PersistentMap.Error)
        verify(store.errorString.indexOf(path) >= 0, store.errorString)
        verify(store.errorString.indexOf(data.expected) >= 0, store.errorString)
        tryCompare(errors, "count", 1)
        store.destroy()
        compare(cpp.readFile(path), before)
    }

    function test_unknownSpec() {
        const store = createTemporaryObject(storeComponent, this)
        ignoreWarning(/unknown backend/)
        store.source = "nosuch:thing"
        compare(store.status, PersistentMap.Error)
        verify(store.errorString.indexOf("unknown backend") >= 0, store.errorString)
    }

    // Issue 12: a misspelled scheme quoted the source whole, password included.
    function test_passwordNotShown() {
        const store = createTemporaryObject(storeComponent, this)
        ignoreWarning(/unknown backend/)
        store.source = "postgresq://alice:Pa55word@db.example.com/app"
        compare(store.status, PersistentMap.Error)
        verify(store.errorString.indexOf("alice:***@db.example.com") >= 0, store.errorString)
        verify(store.errorString.indexOf("Pa55word") < 0, store.errorString)
    }

    // Issue 13, 7: a write that fails leaves the status Ready, so statusChanged does not come
    // ("once Ready" code ran twice); errorString says what failed, with its own signal.
    function test_failedWriteKeepsTheStatus() {
        const path = "csv:" + tempDir + "/refused.csv"
        const writer = createTemporaryObject(storeComponent, this, { source: path })
        tryCompare(writer, "status", PersistentMap.Ready)
        writer.values.kept = 1
        writer.flush()
        writer.source = ""
        const store = createTemporaryObject(storeComponent, this, { source: path + "?readonly=1" })
        tryCompare(store, "status", PersistentMap.Ready)
        const status = createTemporaryObject(spyComponent, this,
                                             { target: store, signalName: "statusChanged" })
        const errorString = createTemporaryObject(spyComponent, this,
                                                  { target: store, signalName: "errorStringChanged" })
        const errors = createTemporaryObject(spyComponent, this,
                                             { target: store, signalName: "errorOccurred" })
        store.insert("refused", 2)
        errors.wait(5000)
        tryCompare(errorString, "count", 1)
        compare(store.status, PersistentMap.Ready)
        compare(status.count, 0)
        verify(store.errorString.indexOf("read-only") >= 0, store.errorString)
        compare(store.values.kept, 1)
    }

    Component {
        id: spyComponent
        SignalSpy { }
    }
}
