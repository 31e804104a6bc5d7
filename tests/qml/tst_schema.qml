// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

import QtQuick
import QtTest
import PersistentMap

// PersistentMap's `schema` and `schemaSource` (docs/SCHEMA.md, docs/QML.md): values and value()
// see defaults, bindings follow reset() and resetAll(), a QML number is stored as the declared
// int, a refused write changes nothing and is reported, defaults are never written.
TestCase {
    name: "Schema"

    Component {
        id: storeComponent
        PersistentMap {
            schema: ({
                "fontSize": { "type": "int", "default": 12, "minimum": 6, "maximum": 72 },
                "theme": { "type": "string", "default": "light", "choices": ["light", "dark"] }
            })
        }
    }
    Component {
        id: plainComponent
        PersistentMap { }
    }
    Component {
        id: labelComponent
        Text { property PersistentMap store; text: "size " + store.values.fontSize }
    }
    Component {
        id: storedComponent
        Item { property PersistentMap store; property bool stored: "fontSize" in store.values }
    }
    Component {
        id: signalSpy
        SignalSpy { }
    }

    Component {
        id: settingsComponent
        PersistentSettings {
            category: "editor"
            property int fontSize: 10 // the schema's default (14) wins while nothing is stored
            property string font: "mono" // not in the schema: written, as Settings does
        }
    }

    function openStore(component, properties) {
        const store = createTemporaryObject(component, this, properties)
        tryCompare(store, "status", PersistentMap.Ready)
        return store
    }

    function test_defaultsBindingsAndReset() {
        const path = tempDir + "/schema.csv"
        let store = openStore(storeComponent, { source: "csv:" + path })
        compare(store.values.fontSize, 12)
        compare(store.value("theme"), "light")
        compare(store.value("theme", "explicit"), "explicit")
        compare(store.defaultValue("fontSize"), 12)
        verify(store.isDefault("fontSize"))
        compare(store.count, 0)
        compare(Object.keys(store.values), [])

        const label = createTemporaryObject(labelComponent, this, { store: store })
        const stored = createTemporaryObject(storedComponent, this, { store: store })
        compare(label.text, "size 12")
        compare(stored.stored, false) // `in` is a binding on !isDefault()
        store.values.fontSize = 14
        compare(label.text, "size 14")
        compare(stored.stored, true)
        verify(!store.isDefault("fontSize"))
        store.reset("fontSize")
        compare(label.text, "size 12")
        compare(stored.stored, false)
        verify(store.isDefault("fontSize"))

        store.values.theme = "dark"
        store.values.other = "kept"
        store.resetAll()
        compare(store.values.theme, "light")
        compare(store.values.other, "kept")

        store.values.fontSize = 20.0 // a JavaScript number: stored as the declared int
        store.source = "" // waits for the writes and closes the file
        const text = Qt.atob(cpp.readFile(path))
        verify(text.indexOf("fontSize,int,20") >= 0, text)
        verify(text.indexOf("light") < 0, text) // defaults are never written
        verify(text.indexOf(",12") < 0, text)
        compare(cpp.readStore("csv:" + path), { "fontSize": 20, "other": "kept" })
    }

    function test_violationChangesNothing() {
        const store = openStore(storeComponent, { source: "memory:" })
        const errors = createTemporaryObject(signalSpy, this,
                                             { target: store, signalName: "errorOccurred" })
        const changed = createTemporaryObject(signalSpy, this,
                                              { target: store, signalName: "valueChanged" })
        store.values.fontSize = 100
        store.insert("theme", "blue")
        store.values.fontSize = 12.5
        tryCompare(errors, "count", 3)
        compare(errors.signalArguments[0][0],
                "key 'fontSize': '100' (int) is above the maximum 72")
        compare(errors.signalArguments[1][0],
                "key 'theme': 'blue' (QString) is not one of 'light', 'dark'")
        compare(errors.signalArguments[2][0], "key 'fontSize': '12.5' (double) is not an int")
        compare(changed.count, 0)
        compare(store.count, 0)
        compare(store.values.fontSize, 12)
    }

    function test_schemaSourceAndSchemaTogether() {
        const file = tempDir + "/settings.schema.json"
        verify(cpp.writeFile(file, JSON.stringify({
            "version": 3,
            "keys": {
                "volume": { "type": "double", "default": 0.5, "minimum": 0, "maximum": 1 },
                "theme": { "type": "string", "default": "from the file" }
            }
        })))
        const store = openStore(plainComponent, {
            source: "memory:",
            schemaSource: "file://" + file,
            schema: { "theme": { "type": "string", "default": "from QML" } }
        })
        compare(store.values.volume, 0.5)
        compare(store.values.theme, "from QML") // a key in `schema` replaces the file's
        compare(store.map.count, 0)
        const errors = createTemporaryObject(signalSpy, this,
                                             { target: store, signalName: "errorOccurred" })
        store.values.volume = 2
        tryCompare(errors, "count", 1)
        compare(store.values.volume, 0.5)
    }

    function test_schemaChangeReevaluatesBindings() {
        const store = openStore(storeComponent, { source: "memory:" })
        const label = createTemporaryObject(labelComponent, this, { store: store })
        compare(label.text, "size 12")
        store.schema = { "fontSize": { "type": "int", "default": 16 } }
        compare(label.text, "size 16")
        store.schema = undefined
        compare(label.text, "size undefined")
    }

    function test_persistentSettingsShowDefaultsWithoutWritingThem() {
        const path = tempDir + "/settings.csv"
        let store = openStore(plainComponent, {
            source: "csv:" + path,
            schema: { "editor/fontSize": { "type": "int", "default": 14, "minimum": 6 } }
        })
        const settings = createTemporaryObject(settingsComponent, this, { map: store })
        compare(settings.fontSize, 14)
        compare(store.count, 1) // editor/font only
        verify(store.isDefault("editor/fontSize"))
        settings.fontSize = 20
        compare(store.value("editor/fontSize"), 20)
        store.reset("editor/fontSize")
        compare(settings.fontSize, 14) // a reset key shows its default again
        verify(store.isDefault("editor/fontSize"))
        settings.fontSize = 3 // below the minimum: refused, the store keeps its default
        verify(store.isDefault("editor/fontSize"))
        store.source = ""
        const text = Qt.atob(cpp.readFile(path))
        verify(text.indexOf("editor/font,string,mono") >= 0, text)
        verify(text.indexOf(",14") < 0, text) // the default was never written
    }

    function test_contradictorySchemaIsReported() {
        const store = openStore(plainComponent, { source: "memory:" })
        const errors = createTemporaryObject(signalSpy, this,
                                             { target: store, signalName: "errorOccurred" })
        ignoreWarning(new RegExp("is above the maximum 72"))
        store.schema = { "fontSize": { "type": "int", "default": 80, "maximum": 72 } }
        compare(errors.count, 1)
        compare(errors.signalArguments[0][0],
                "key 'fontSize', field 'default': '80' (int) is above the maximum 72")
        compare(store.values.fontSize, undefined) // no schema
    }
}
