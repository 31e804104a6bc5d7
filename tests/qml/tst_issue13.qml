// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

import QtQuick
import QtTest
import PersistentMap

// Issue 13, problems 1 to 6 of its "Why" list, each reproduced as the issue describes it, plus
// the API that fixes them:
// - PersistentMap loads its store inside componentComplete() unless `asynchronous: true`, so
//   bindings and Component.onCompleted handlers see the stored values;
// - `values` is a JavaScript object of the stored keys, for any number of keys and any key name;
// - `map` is writable (a C++ PersistentMap can be adopted) and every `map` property takes either
//   the QML item or a C++ map;
// - PersistentSettings stores every declared property, aliases included, writes the declared
//   values when nothing is stored, and has value(), setValue() and sync().
// What reached the store is read through a fresh C++ map (cpp.readStore) after cpp.flush(), not
// from the objects under test.
TestCase {
    id: testCase
    name: "Issue13"

    // Destroys `object` and waits until it is gone (destroy() deletes it at the next turn of the
    // event loop; a QtObject property becomes null when its object is deleted).
    property QtObject dying: null
    function destroyAndWait(object) {
        dying = object
        object.destroy()
        tryVerify(() => dying === null, 5000, "the object was deleted")
    }

    function spec(name) {
        return "sqlite:" + tempDir + "/issue13-" + name + ".db"
    }

    Component {
        id: storeComponent
        PersistentMap { }
    }
    Component {
        id: spyComponent
        SignalSpy { }
    }
    Component {
        id: labelComponent
        Text {
            property QtObject store
            property string key
            text: store.values[key] ?? "(none)"
        }
    }

    function openStore(source) {
        const store = createTemporaryObject(storeComponent, this, { source: source })
        verify(store)
        tryCompare(store, "status", PersistentMap.Ready, 60000)
        return store
    }

    // -------------------------------------------------------------------------------------
    // 1. Aliases are never stored; nor are declared values nothing changed; value(),
    //    setValue() and sync() are missing.

    Component {
        id: aliasApp
        Item {
            id: root
            property string source
            property alias store: store
            property alias settings: settings
            width: 100
            height: 300
            PersistentMap {
                id: store
                source: root.source
            }
            PersistentSettings {
                id: settings
                map: store
                category: "a"
                property alias width: root.width
                property alias height: root.height
                property int own: 5
                property string untouched: "as declared"
            }
        }
    }

    function openAliasApp(source) {
        const app = createTemporaryObject(aliasApp, this, { source: source })
        verify(app)
        // Waiting keeps this test about aliases: with the default synchronous load it is
        // already Ready here.
        tryCompare(app.store, "status", PersistentMap.Ready)
        return app
    }

    // The issue's case: the alias's target changes (not the settings object), and an own
    // property changes; both reach the store under "a/...".
    function test_problem1_aliasTargetChangeIsStored() {
        const source = spec("alias-target")
        const app = openAliasApp(source)
        app.width = 640
        app.settings.own = 6
        verify(cpp.flush(app.store.map))
        const stored = cpp.readStore(source)
        compare(stored["a/width"], 640, "a change of the alias's target is stored")
        compare(stored["a/own"], 6)
    }

    // Writing the alias on the settings object changes the target and the store (this worked
    // before the issue: kept as a guard).
    function test_problem1_aliasWrittenThroughSettingsIsStored() {
        const source = spec("alias-through-settings")
        const app = openAliasApp(source)
        app.settings.height = 480
        compare(app.height, 480)
        verify(cpp.flush(app.store.map))
        compare(cpp.readStore(source)["a/height"], 480)
    }

    // Nothing changed: the declared values (aliased or own) are written at load, as QML
    // Settings writes them, so C++ code and other processes see them.
    function test_problem1_declaredValuesAreWrittenAtLoad() {
        const source = spec("alias-declared")
        const app = openAliasApp(source)
        verify(cpp.flush(app.store.map))
        const stored = cpp.readStore(source)
        compare(stored["a/width"], 100)
        compare(stored["a/height"], 300)
        compare(stored["a/own"], 5)
        compare(stored["a/untouched"], "as declared")
    }

    // Restoring a key that already exists worked before the issue: kept as a guard, for an
    // alias and an own property.
    function test_problem1_storedValuesWinOverDeclaredOnes() {
        const source = spec("alias-restore")
        verify(cpp.writeStore(source, { "a/width": 800, "a/own": 9 }))
        const app = openAliasApp(source)
        compare(app.width, 800)
        compare(app.settings.width, 800)
        compare(app.settings.own, 9)
        compare(app.height, 300)
        verify(cpp.flush(app.store.map))
        const stored = cpp.readStore(source)
        compare(stored["a/width"], 800)
        compare(stored["a/own"], 9)
    }

    // value(key, default), setValue(key, value) and sync() as on QML Settings; keys are
    // relative to the category.
    function test_problem1_valueSetValueAndSync() {
        const source = spec("alias-methods")
        const app = openAliasApp(source)
        const settings = app.settings
        compare(settings.value("own"), 5)
        compare(settings.value("width"), 100)
        compare(settings.value("missing", "fallback"), "fallback")
        compare(settings.value("missing"), undefined)

        settings.setValue("extra", 3)
        compare(settings.value("extra", 0), 3)
        compare(app.store.value("a/extra"), 3)
        compare(app.store.contains("extra"), false)

        // A key that belongs to a declared property: the property follows.
        settings.setValue("own", 8)
        compare(settings.own, 8)

        // After sync() returns, what was written is in the store for any other reader.
        settings.sync()
        const stored = cpp.readStore(source)
        compare(stored["a/extra"], 3)
        compare(stored["a/own"], 8)
    }

    // -------------------------------------------------------------------------------------
    // 2. Reads before the store has loaded see nothing, and the write that follows wins: a
    //    launch counter stays at 1.

    Component {
        id: counterOnValues
        Item {
            id: app
            property string source
            property var seenAtStart
            PersistentMap {
                id: store
                source: app.source
            }
            Component.onCompleted: {
                seenAtStart = store.values.runs
                store.values.runs = (store.values.runs || 0) + 1
            }
        }
    }
    Component {
        id: counterOnOwnSettings
        Item {
            id: app
            property string source
            property var seenAtStart
            PersistentSettings {
                id: settings
                source: app.source
                property int runs: 0
            }
            Component.onCompleted: {
                seenAtStart = settings.runs
                settings.runs = settings.runs + 1
            }
        }
    }
    // The item before the settings object that uses it...
    Component {
        id: counterOnStoreBefore
        Item {
            id: app
            property string source
            property var seenAtStart
            PersistentMap {
                id: store
                source: app.source
            }
            PersistentSettings {
                id: settings
                map: store
                property int runs: 0
            }
            Component.onCompleted: {
                seenAtStart = settings.runs
                settings.runs = settings.runs + 1
            }
        }
    }
    // ... and after it (QML completes objects in an order of its own).
    Component {
        id: counterOnStoreAfter
        Item {
            id: app
            property string source
            property var seenAtStart
            PersistentSettings {
                id: settings
                map: store
                property int runs: 0
            }
            PersistentMap {
                id: store
                source: app.source
            }
            Component.onCompleted: {
                seenAtStart = settings.runs
                settings.runs = settings.runs + 1
            }
        }
    }

    function test_problem2_launchCounter_data() {
        return [
            { tag: "values", component: counterOnValues, name: "values" },
            { tag: "settings with its own source", component: counterOnOwnSettings, name: "own" },
            { tag: "settings on an item declared before", component: counterOnStoreBefore,
              name: "before" },
            { tag: "settings on an item declared after", component: counterOnStoreAfter,
              name: "after" }
        ]
    }

    // Three starts of the application on one store, each reading the counter in
    // Component.onCompleted and writing it back plus one.
    function test_problem2_launchCounter(data) {
        const source = spec("counter-" + data.name)
        const seen = []
        for (let run = 0; run < 3; ++run) {
            const app = data.component.createObject(this, { source: source })
            verify(app)
            seen.push(app.seenAtStart)
            destroyAndWait(app) // the store's destructor writes what is pending and closes it
        }
        compare(cpp.readStore(source).runs, 3, "the counter after three starts")
        compare(seen.map(n => n || 0), [0, 1, 2])
    }

    // -------------------------------------------------------------------------------------
    // 3. The window first draws at its default size, then jumps to the stored one.

    Component {
        id: geometryWindow
        Window {
            id: window
            property string source
            property alias store: store
            property size sizeAtCompleted: Qt.size(-1, -1)
            property var firstFrameSize: null
            width: store.values["window/width"] ?? 320
            height: store.values["window/height"] ?? 240
            visible: true
            PersistentMap {
                id: store
                source: window.source
            }
            Component.onCompleted: sizeAtCompleted = Qt.size(width, height)
            onFrameSwapped: {
                if (firstFrameSize === null)
                    firstFrameSize = Qt.size(width, height)
            }
        }
    }

    function test_problem3_storedSizeBeforeTheFirstFrame() {
        const source = spec("window")
        verify(cpp.writeStore(source, { "window/width": 777, "window/height": 555 }))
        // No parent item: a Window inside the test's item is not shown offscreen.
        const window = createTemporaryObject(geometryWindow, null, { source: source })
        verify(window)
        // Deterministic: the window's own Component.onCompleted already sees the stored size.
        compare(window.sizeAtCompleted.width, 777, "width at Component.onCompleted")
        compare(window.sizeAtCompleted.height, 555, "height at Component.onCompleted")
        compare(window.width, 777)
        // The first frame drawn (offscreen too: checked that frameSwapped comes there) has it.
        // Before the fix this one depended on whether the background load won the race
        // against the first frame.
        tryVerify(() => window.firstFrameSize !== null, 10000, "a frame was drawn")
        compare(window.firstFrameSize.width, 777, "width of the first frame")
        compare(window.firstFrameSize.height, 555, "height of the first frame")
    }

    // -------------------------------------------------------------------------------------
    // 4. `values` stops at 32 767 keys.

    function test_problem4_fiftyThousandKeys() {
        const keyCount = 50000
        const source = spec("50k")
        verify(cpp.fillStore(source, keyCount, "key"))
        const store = openStore(source)
        compare(store.count, keyCount)
        let unreadable = 0
        let firstUnreadable = ""
        for (let i = 0; i < keyCount; ++i) {
            if (store.values["key" + i] !== i) {
                if (unreadable++ === 0)
                    firstUnreadable = "key" + i + " reads " + store.values["key" + i]
            }
        }
        compare(unreadable, 0, "keys unreadable through values, first: " + firstUnreadable)

        // Past the old limit, writes and bindings work as well.
        store.values["key49999"] = "written"
        compare(store.value("key49999"), "written")
        store.values.fresh = 1
        compare(store.values.fresh, 1)
        const label = createTemporaryObject(labelComponent, this, { store: store, key: "key40000" })
        compare(label.text, "40000")
        cpp.insert(store.map, "key40000", "from C++")
        compare(label.text, "from C++")
        compare(Object.keys(store.values).length, keyCount + 1)
    }

    // -------------------------------------------------------------------------------------
    // 5. One key with a reserved name hides every key.

    // Names that QQmlPropertyMap, QObject, QML or JavaScript's Object.prototype reserve.
    //
    // The names are read with a variable key (values[name]), as a program reading keys it did
    // not write itself does. Seen here on Qt 6.4.2: for a JavaScript Proxy, a read written with
    // the name in the source (proxy.toString, proxy["toString"], proxy.__proto__,
    // proxy.constructor) of a name that Object.prototype has never reaches the Proxy's `get`
    // trap (the engine answers Object.prototype's member, or undefined for __proto__), while
    // proxy[variable] does; writes reach the `set` trap either way. Such a Proxy also needs
    // every key present on its target for Object.keys() and for..in (a getOwnPropertyDescriptor
    // trap describing a property the target lacks throws "Type error").
    readonly property var reservedNames: [
        "keys", "objectName", "objectNameChanged", "destroyed", "deleteLater", "valueChanged",
        "updateValue", "insert", "clear", "contains", "count", "size", "isEmpty", "value",
        "toString", "valueOf", "toLocaleString", "hasOwnProperty", "isPrototypeOf",
        "propertyIsEnumerable", "constructor", "length", "then"
    ]

    function test_problem5_reservedNamesHideNothing() {
        const source = spec("reserved")
        const entries = { control: "hello", volume: 7 }
        for (const name of reservedNames)
            entries[name] = "stored " + name
        verify(cpp.writeStore(source, entries))
        const store = openStore(source)

        // The issue's case: with "keys" in the store, the other keys read undefined.
        compare(store.values.control, "hello")
        compare(store.values.volume, 7)
        for (const name of reservedNames)
            compare(store.values[name], "stored " + name, "reading " + name)
        compare(Object.keys(store.values).sort(), Object.keys(entries).sort())

        // Writing one threw "Cannot assign to read-only property".
        for (const name of reservedNames)
            store.values[name] = "written " + name
        for (const name of reservedNames) {
            compare(store.value(name), "written " + name, "writing " + name)
            compare(store.values[name], "written " + name)
        }
        compare(store.values.control, "hello")
        compare(store.values.volume, 7)
        verify(cpp.flush(store.map))
        const stored = cpp.readStore(source)
        for (const name of reservedNames)
            compare(stored[name], "written " + name, "stored " + name)
        compare(stored.control, "hello")
        compare(stored.volume, 7)
    }

    // Bindings on such keys follow changes from QML and C++, and a removal.
    function test_problem5_bindingsOnReservedNames() {
        const store = openStore(spec("reserved-bindings"))
        const labels = reservedNames.map(name => createTemporaryObject(labelComponent, this,
                                                                       { store: store, key: name }))
        for (let i = 0; i < reservedNames.length; ++i)
            compare(labels[i].text, "(none)", reservedNames[i] + " before it is stored")
        for (let i = 0; i < reservedNames.length; ++i) {
            store.values[reservedNames[i]] = "qml " + i
            compare(labels[i].text, "qml " + i, reservedNames[i] + " written from QML")
            cpp.insert(store.map, reservedNames[i], "c++ " + i)
            compare(labels[i].text, "c++ " + i, reservedNames[i] + " written from C++")
        }
        store.remove("keys")
        compare(labels[0].text, "(none)")
        compare(store.values.objectName, "c++ 1")
    }

    // Our choice: a name that is not stored reads undefined and is not `in` values, whatever
    // the name, so `store.values.toString ?? fallback` means what it says. Nothing inherited
    // from Object.prototype shows through.
    function test_problem5_absentReservedNamesReadUndefined() {
        const source = spec("reserved-absent")
        verify(cpp.writeStore(source, { control: "hello" }))
        const store = openStore(source)
        for (const name of reservedNames) {
            compare(store.values[name], undefined, name)
            verify(!(name in store.values), name + " is not in values")
        }
        compare(Object.keys(store.values), ["control"])
    }

    // Our choice: "__proto__" is a key like the others (values is a dictionary of the store,
    // as JSON.parse makes it one); storing it does not change what values inherits.
    function test_problem5_protoIsAKeyLikeAnother() {
        const source = spec("proto")
        verify(cpp.writeStore(source, JSON.parse('{ "__proto__": "stored", "control": "hello" }')))
        const store = openStore(source)
        const proto = "__proto__" // a variable key: see the note on Qt 6.4's engine above
        compare(store.value(proto), "stored") // through C++: the key is in the store
        compare(store.values[proto], "stored")
        compare(store.values.control, "hello")
        verify(proto in store.values)
        compare(Object.keys(store.values).sort(), ["__proto__", "control"])
        store.values[proto] = "written"
        compare(store.value(proto), "written")
        compare(store.values[proto], "written")
        compare(store.values.control, "hello")
    }

    // -------------------------------------------------------------------------------------
    // `values` is a JavaScript object of the stored keys (problem 5's fix, and the API that
    // the other cases rely on).

    function test_values_behaveAsAnObjectOfTheStoredKeys() {
        const source = spec("object")
        verify(cpp.writeStore(source, { loaded: "from the file", "a/b": 2 }))
        const store = openStore(source)
        const label = createTemporaryObject(labelComponent, this, { store: store, key: "k" })

        verify("loaded" in store.values, "a loaded key is in values")
        verify(!("k" in store.values), "a key not stored is not in values")
        compare(Object.keys(store.values).sort(), ["a/b", "loaded"])

        store.values.k = "v"                  // stores
        compare(store.value("k"), "v")
        compare(label.text, "v")
        verify("k" in store.values)
        const listed = []
        for (const key in store.values)
            listed.push(key)
        compare(listed.sort(), ["a/b", "k", "loaded"])

        cpp.insert(store.map, "k", "from C++") // bindings follow C++ writes
        compare(label.text, "from C++")
        compare(store.values.k, "from C++")

        verify(delete store.values.k)          // removes
        compare(store.contains("k"), false)
        compare(store.values.k, undefined)
        compare(label.text, "(none)")
        verify(!("k" in store.values))

        verify(cpp.flush(store.map))
        const stored = cpp.readStore(source)
        compare(Object.keys(stored).sort(), ["a/b", "loaded"])
    }

    // -------------------------------------------------------------------------------------
    // `asynchronous`: false by default (loaded before creation returns); true loads in the
    // background as before, and bindings follow once loaded.

    function test_asynchronous_defaultLoadsBeforeCreationReturns() {
        const source = spec("sync-default")
        verify(cpp.writeStore(source, { greeting: "hello" }))
        const store = createTemporaryObject(storeComponent, this, { source: source })
        verify(store)
        compare(store.asynchronous, false)
        compare(store.status, PersistentMap.Ready)
        compare(store.count, 1)
        compare(store.values.greeting, "hello")
    }

    function test_asynchronous_trueLoadsInTheBackground() {
        const source = spec("async")
        verify(cpp.writeStore(source, { greeting: "hello" }))
        const store = createTemporaryObject(storeComponent, this,
                                            { source: source, asynchronous: true })
        verify(store)
        compare(store.asynchronous, true)
        compare(store.status, PersistentMap.Loading)
        const label = createTemporaryObject(labelComponent, this, { store: store, key: "greeting" })
        tryCompare(store, "status", PersistentMap.Ready)
        compare(label.text, "hello") // the loaded value reached the binding
    }

    // -------------------------------------------------------------------------------------
    // 6. Two kinds of `map`.

    Component {
        id: modelApp
        Item {
            id: app
            property alias store: store
            property alias model: model
            property string source
            PersistentMap {
                id: store
                source: app.source
            }
            PersistentMapModel {
                id: model
                map: store // the QML item, not store.map
                prefix: "note/"
            }
        }
    }

    function test_problem6_modelTakesTheItem() {
        const source = spec("model-item")
        verify(cpp.writeStore(source, { "note/a": "first", "note/b": "second", other: 0 }))
        const app = createTemporaryObject(modelApp, this, { source: source })
        verify(app)
        tryCompare(app.store, "status", PersistentMap.Ready)
        compare(app.model.count, 2)
        compare(app.model.keyAt(0), "note/a")
        app.store.values["note/c"] = "third"
        compare(app.model.count, 3)

        // Assigned at run time as well.
        const model = createTemporaryObject(modelComponent, this)
        model.map = app.store
        compare(model.count, 4)
    }

    Component {
        id: modelComponent
        PersistentMapModel { }
    }
    Component {
        id: windowSettings
        PersistentSettings {
            category: "window"
            property int width: 640
            property string title: "untitled"
        }
    }

    // A C++ map (here over SQLite; a custom backend is handed over the same way) drives a
    // PersistentSettings.
    function test_problem6_settingsTakeACppMap() {
        const source = spec("settings-cpp")
        verify(cpp.writeStore(source, { "window/width": 900 }))
        const map = cpp.createMap(source)
        verify(map)
        const settings = createTemporaryObject(windowSettings, this, { map: map })
        verify(settings)
        compare(settings.map, map)
        compare(settings.width, 900)
        compare(cpp.value(map, "window/title"), "untitled") // declared, nothing stored
        settings.width = 1000
        compare(cpp.value(map, "window/width"), 1000)
        cpp.insert(map, "window/width", 1100)
        compare(settings.width, 1100)
        verify(cpp.flush(map))
        compare(cpp.readStore(source)["window/width"], 1100)
    }

    // A C++ map adopted by the QML item: values, bindings and writes work on it, and the item
    // never deletes a map it did not create.
    function test_problem6_itemAdoptsACppMap() {
        const source = spec("item-cpp")
        verify(cpp.writeStore(source, { greeting: "hi" }))
        const map = cpp.createMap(source)
        verify(map)
        const store = storeComponent.createObject(this, { map: map })
        verify(store)
        compare(store.map, map)
        compare(store.status, PersistentMap.Ready)
        compare(store.count, 1)
        compare(store.values.greeting, "hi")
        const label = createTemporaryObject(labelComponent, this, { store: store, key: "greeting" })
        compare(label.text, "hi")
        store.values.greeting = "from QML"
        compare(cpp.value(map, "greeting"), "from QML")
        cpp.insert(map, "greeting", "from C++")
        compare(label.text, "from C++")
        compare(store.values.greeting, "from C++")
        destroyAndWait(label)
        destroyAndWait(store)
        compare(cpp.value(map, "greeting"), "from C++") // the map is still alive
        cpp.insert(map, "after", 1)
        verify(cpp.flush(map))
        compare(cpp.readStore(source).after, 1)
        cpp.closeMap(map)
    }

    // The same over "memory:", a store no file backs, declared in QML, with a PersistentSettings
    // on the item that adopted it. (Made from text so that, before `map` was writable, only this
    // test failed and not the whole file.)
    property QtObject adoptedMap
    readonly property string adoptingAppText: "
        import QtQuick
        import PersistentMap
        Item {
            property alias store: store
            property alias settings: settings
            PersistentMap {
                id: store
                map: testCase.adoptedMap
            }
            PersistentSettings {
                id: settings
                map: store
                property string theme: 'light'
            }
        }"

    function test_problem6_settingsOnAnItemThatAdoptedACppMap() {
        const map = cpp.createMap("memory:")
        verify(map)
        cpp.insert(map, "theme", "dark")
        adoptedMap = map
        const app = Qt.createQmlObject(adoptingAppText, this, "adoptingApp")
        verify(app)
        compare(app.store.map, map)
        compare(app.settings.theme, "dark")
        app.settings.theme = "solarized"
        compare(cpp.value(map, "theme"), "solarized")
        compare(app.store.values.theme, "solarized")
        destroyAndWait(app)
        compare(cpp.value(map, "theme"), "solarized") // not deleted with the item
        cpp.closeMap(map)
    }
}
