// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

import QtQuick
import QtTest
import PersistentMap

// PersistentSettings as a drop-in for QML Settings (issue 13, item 2): the behaviours Qt's own
// tests check for Settings (Qt.labs.settings, and QtCore's Settings since 6.5), written as our
// own cases. Each case checks what reached the store through a fresh C++ map (cpp.readStore),
// after the settings object was destroyed (which writes what is pending and closes its store)
// or after cpp.flush() of the map it uses, not only the property in memory.
//
// Where we differ on purpose:
// - No write timer: Settings collects changes and writes them a moment later (or when it is
//   destroyed); a PersistentSettings writes each change at once (asynchronously, committed
//   within milliseconds), so nothing is lost in a crash right after a change.
// - The store is a PersistentMap (SQLite, CSV, PostgreSQL, memory, a custom backend), given by
//   `source` or `map`, not the application's QSettings; keys are "category/name" as in
//   QSettings groups.
// - A change made to a key elsewhere (another settings object, C++, another process) reaches
//   the property; Settings reads a key only at start and when its category changes.
// - time values are left out, as Qt's tests leave them out (QTBUG-32295).
TestCase {
    id: testCase
    name: "SettingsCompat"

    function spec(name) {
        return "sqlite:" + tempDir + "/compat-" + name + ".db"
    }

    // Destroys `object` and waits until it is gone (a QtObject property becomes null when its
    // object is deleted); for a settings object with its own source, or a PersistentMap item,
    // that writes what is pending and closes the store.
    property QtObject dying: null
    function close(object) {
        dying = object
        object.destroy()
        tryVerify(() => dying === null, 5000, "the object was deleted")
    }

    Component {
        id: storeComponent
        PersistentMap { }
    }

    // Creates `component` on the store `source`, reached the way `kind` says: "source" (the
    // settings object opens the store itself), "item" (a PersistentMap item) or "cpp" (a C++
    // PersistentMap). Returns { settings, close() }; close() destroys what it made and leaves
    // every write in the store.
    function openSettings(component, source, kind, properties) {
        const initial = Object.assign({}, properties || {})
        let store = null
        let map = null
        if (kind === "source") {
            initial.source = source
        } else if (kind === "item") {
            store = storeComponent.createObject(testCase, { source: source })
            verify(store)
            initial.map = store
        } else {
            map = cpp.createMap(source)
            verify(map)
            initial.map = map
        }
        const settings = component.createObject(testCase, initial)
        verify(settings)
        return {
            settings: settings,
            close: function() {
                testCase.close(settings)
                if (store)
                    testCase.close(store)
                if (map)
                    cpp.closeMap(map)
            }
        }
    }

    function kinds() {
        return [{ tag: "own source", kind: "source" },
                { tag: "PersistentMap item", kind: "item" },
                { tag: "C++ map", kind: "cpp" }]
    }

    // -------------------------------------------------------------------------------------
    // Qt: basic. A declared value, nothing stored: the property has it and the store gets it.

    Component {
        id: basicSettings
        PersistentSettings {
            property bool success: true
        }
    }

    function test_basic_data() {
        return kinds()
    }

    function test_basic(data) {
        const source = spec("basic-" + data.kind)
        const opened = openSettings(basicSettings, source, data.kind)
        compare(opened.settings.success, true)
        opened.close()
        compare(cpp.readStore(source).success, true)
    }

    // -------------------------------------------------------------------------------------
    // Qt: types. Every kind of value a Settings property holds: the declared value is written
    // when nothing is stored, a change is stored, and the next settings object reads it back
    // with its type.

    function sameDate(a, b) {
        return a instanceof Date && a.getFullYear() === b.getFullYear() &&
                a.getMonth() === b.getMonth() && a.getDate() === b.getDate()
    }
    function sameJson(a, b) {
        return JSON.stringify(a) === JSON.stringify(b)
    }

    function test_types_data() {
        const same = (a, b) => a === b
        const asText = (a, b) => String(a) === String(b)
        const size = (a, b) => !!a && a.width === b.width && a.height === b.height
        const point = (a, b) => !!a && a.x === b.x && a.y === b.y
        const rect = (a, b) => point(a, b) && size(a, b)
        const color = (a, b) => a !== undefined && Qt.colorEqual(a, b)
        const font = (a, b) => !!a && a.pixelSize === b.pixelSize && a.bold === b.bold
        return [
            { tag: "bool", type: "bool", initial: "true", initialValue: true, changed: false,
              same: same },
            { tag: "int", type: "int", initial: "123", initialValue: 123, changed: 456,
              same: same },
            { tag: "real", type: "real", initial: "1.23", initialValue: 1.23, changed: 4.56,
              same: same },
            { tag: "double", type: "double", initial: "3.45", initialValue: 3.45,
              changed: 6.78, same: same },
            { tag: "string", type: "string", initial: "'foo'", initialValue: "foo",
              changed: "bar", same: same },
            { tag: "url", type: "url", initial: "'http://www.qt-project.org'",
              initialValue: "http://www.qt-project.org",
              changed: "https://codereview.qt-project.org", same: asText },
            { tag: "var object", type: "var", initial: "({ foo: 'bar' })",
              initialValue: { foo: "bar" }, changed: { bar: "baz" }, same: sameJson },
            { tag: "var int list", type: "var", initial: "[1, 2, 3]", initialValue: [1, 2, 3],
              changed: [4, 5, 6], same: sameJson },
            { tag: "var string list", type: "var", initial: "['a', 'b', 'c']",
              initialValue: ["a", "b", "c"], changed: ["d", "e", "f"], same: sameJson },
            { tag: "var object list", type: "var", initial: "[{ a: 'b' }, { c: 'd' }]",
              initialValue: [{ a: "b" }, { c: "d" }], changed: [{ e: "f" }, { g: "h" }],
              same: sameJson },
            { tag: "var number to text", type: "var", initial: "42", initialValue: 42,
              changed: "forty-two", same: same },
            { tag: "date", type: "date", initial: "'2000-01-02'",
              initialValue: new Date(2000, 0, 2), changed: new Date(2010, 1, 1),
              same: sameDate },
            { tag: "size", type: "size", initial: "Qt.size(12, 34)",
              initialValue: Qt.size(12, 34), changed: Qt.size(56, 78), same: size },
            { tag: "point", type: "point", initial: "Qt.point(12, 34)",
              initialValue: Qt.point(12, 34), changed: Qt.point(56, 78), same: point },
            { tag: "rect", type: "rect", initial: "Qt.rect(1, 2, 3, 4)",
              initialValue: Qt.rect(1, 2, 3, 4), changed: Qt.rect(5, 6, 7, 8), same: rect },
            { tag: "color", type: "color", initial: "'red'", initialValue: "red",
              changed: "blue", same: color },
            { tag: "font", type: "font", initial: "Qt.font({ pixelSize: 12 })",
              initialValue: Qt.font({ pixelSize: 12 }),
              changed: Qt.font({ pixelSize: 20, bold: true }), same: font }
        ]
    }

    function typesText(source, data) {
        return "import QtQuick; import PersistentMap; PersistentSettings { source: '" + source +
                "'; category: 'types'; property " + data.type + " value: " + data.initial + " }"
    }

    function test_types(data) {
        const source = spec("types-" + data.tag.replace(/ /g, "-"))
        let settings = Qt.createQmlObject(typesText(source, data), testCase, "types")
        verify(data.same(settings.value, data.initialValue), "declared: " + settings.value)
        close(settings)
        let stored = cpp.readStore(source)["types/value"]
        verify(data.same(stored, data.initialValue), "declared value in the store: " + stored)

        settings = Qt.createQmlObject(typesText(source, data), testCase, "types")
        settings.value = data.changed
        verify(data.same(settings.value, data.changed), "changed: " + settings.value)
        close(settings)
        stored = cpp.readStore(source)["types/value"]
        verify(data.same(stored, data.changed), "changed value in the store: " + stored)

        settings = Qt.createQmlObject(typesText(source, data), testCase, "types")
        verify(data.same(settings.value, data.changed), "read back: " + settings.value)
        close(settings)
    }

    // -------------------------------------------------------------------------------------
    // Qt: aliases ("qml": aliases to properties declared in QML; "cpp": aliases to properties
    // of a C++ type). Restored, stored when changed through the settings object, and (ours,
    // issue 13) when the alias's target changes by itself.

    Component {
        id: qmlAliasApp
        Item {
            id: root
            property string source
            property int intValue: 123
            property bool boolValue: true
            property real realValue: 1.23
            property string stringValue: "foo"
            property url urlValue: "http://www.qt-project.org"
            property var objectValue: ({ foo: "bar" })
            property var listValue: [1, 2, 3]
            property date dateValue: "2000-01-02"
            property size sizeValue: Qt.size(12, 34)
            property point pointValue: Qt.point(12, 34)
            property rect rectValue: Qt.rect(1, 2, 3, 4)
            property color colorValue: "red"
            property font fontValue: Qt.font({ pixelSize: 12 })
            property alias settings: settings
            PersistentSettings {
                id: settings
                source: root.source
                property alias intValue: root.intValue
                property alias boolValue: root.boolValue
                property alias realValue: root.realValue
                property alias stringValue: root.stringValue
                property alias urlValue: root.urlValue
                property alias objectValue: root.objectValue
                property alias listValue: root.listValue
                property alias dateValue: root.dateValue
                property alias sizeValue: root.sizeValue
                property alias pointValue: root.pointValue
                property alias rectValue: root.rectValue
                property alias colorValue: root.colorValue
                property alias fontValue: root.fontValue
            }
        }
    }

    function checkQmlAliasValues(actual, what, expected) {
        compare(actual.intValue, expected.int, what + " int")
        compare(actual.boolValue, expected.bool, what + " bool")
        compare(actual.realValue, expected.real, what + " real")
        compare(actual.stringValue, expected.string, what + " string")
        compare(String(actual.urlValue), expected.url, what + " url")
        verify(sameJson(actual.objectValue, expected.object), what + " object")
        verify(sameJson(actual.listValue, expected.list), what + " list")
        verify(sameDate(actual.dateValue, expected.date), what + " date " + actual.dateValue)
        compare(actual.sizeValue ? actual.sizeValue.width : undefined, expected.size, what + " size")
        compare(actual.pointValue ? actual.pointValue.y : undefined, expected.point, what + " point")
        compare(actual.rectValue ? actual.rectValue.height : undefined, expected.rect, what + " rect")
        verify(actual.colorValue !== undefined && Qt.colorEqual(actual.colorValue, expected.color),
               what + " color " + actual.colorValue)
        verify(actual.fontValue !== undefined && actual.fontValue.bold === expected.bold,
               what + " font")
    }

    readonly property var declaredAliasValues: ({
        int: 123, bool: true, real: 1.23, string: "foo", url: "http://www.qt-project.org",
        object: { foo: "bar" }, list: [1, 2, 3], date: new Date(2000, 0, 2), size: 12, point: 34,
        rect: 4, color: "red", bold: false
    })
    readonly property var changedAliasValues: ({
        int: 456, bool: false, real: 4.56, string: "bar",
        url: "https://codereview.qt-project.org", object: { bar: "baz" }, list: [4, 5, 6],
        date: new Date(2010, 1, 1), size: 56, point: 78, rect: 8, color: "blue", bold: true
    })

    function test_aliases_qml() {
        const source = spec("aliases-qml")
        let app = qmlAliasApp.createObject(testCase, { source: source })
        verify(app)
        checkQmlAliasValues(app, "declared", declaredAliasValues)
        close(app)
        checkQmlAliasValues(cpp.readStore(source), "declared, in the store", declaredAliasValues)

        app = qmlAliasApp.createObject(testCase, { source: source })
        const s = app.settings
        s.intValue = 456
        s.boolValue = false
        s.realValue = 4.56
        s.stringValue = "bar"
        s.urlValue = "https://codereview.qt-project.org"
        s.objectValue = { bar: "baz" }
        s.listValue = [4, 5, 6]
        s.dateValue = new Date(2010, 1, 1)
        s.sizeValue = Qt.size(56, 78)
        s.pointValue = Qt.point(56, 78)
        s.rectValue = Qt.rect(5, 6, 7, 8)
        s.colorValue = "blue"
        s.fontValue = Qt.font({ pixelSize: 20, bold: true })
        checkQmlAliasValues(app, "changed through the settings", changedAliasValues)
        close(app)
        checkQmlAliasValues(cpp.readStore(source), "changed, in the store", changedAliasValues)

        app = qmlAliasApp.createObject(testCase, { source: source })
        checkQmlAliasValues(app, "restored", changedAliasValues)
        close(app)
    }

    // Ours (issue 13): the targets change, not the settings object.
    function test_aliases_qmlTargetsChanged() {
        const source = spec("aliases-qml-targets")
        let app = qmlAliasApp.createObject(testCase, { source: source })
        verify(app)
        app.intValue = 456
        app.boolValue = false
        app.realValue = 4.56
        app.stringValue = "bar"
        app.urlValue = "https://codereview.qt-project.org"
        app.objectValue = { bar: "baz" }
        app.listValue = [4, 5, 6]
        app.dateValue = new Date(2010, 1, 1)
        app.sizeValue = Qt.size(56, 78)
        app.pointValue = Qt.point(56, 78)
        app.rectValue = Qt.rect(5, 6, 7, 8)
        app.colorValue = "blue"
        app.fontValue = Qt.font({ pixelSize: 20, bold: true })
        close(app)
        checkQmlAliasValues(cpp.readStore(source), "targets changed, in the store",
                            changedAliasValues)
    }

    // Aliases to properties a C++ class declares (Text's and Item's).
    Component {
        id: cppAliasApp
        Item {
            id: root
            property string source
            property alias label: label
            property alias settings: settings
            Text {
                id: label
                text: "foo"
                color: "red"
                font.pixelSize: 12
                width: 100
                opacity: 0.5
                clip: true
                horizontalAlignment: Text.AlignLeft
            }
            PersistentSettings {
                id: settings
                source: root.source
                category: "label"
                property alias text: label.text
                property alias color: label.color
                property alias font: label.font
                property alias width: label.width
                property alias opacity: label.opacity
                property alias clip: label.clip
                property alias alignment: label.horizontalAlignment
            }
        }
    }

    function test_aliases_cpp() {
        const source = spec("aliases-cpp")
        let app = cppAliasApp.createObject(testCase, { source: source })
        verify(app)
        close(app)
        let stored = cpp.readStore(source)
        compare(stored["label/text"], "foo")
        verify(Qt.colorEqual(stored["label/color"], "red"), "color " + stored["label/color"])
        compare(stored["label/font"] ? stored["label/font"].pixelSize : undefined, 12)
        compare(stored["label/width"], 100)
        compare(stored["label/opacity"], 0.5)
        compare(stored["label/clip"], true)
        compare(stored["label/alignment"], Text.AlignLeft)

        app = cppAliasApp.createObject(testCase, { source: source })
        app.settings.text = "bar"                // through the settings object
        app.settings.color = "blue"
        app.settings.font = Qt.font({ pixelSize: 20, bold: true })
        app.label.width = 250                    // the target itself
        app.label.opacity = 1
        app.label.clip = false
        app.label.horizontalAlignment = Text.AlignRight
        compare(app.label.text, "bar")
        close(app)
        stored = cpp.readStore(source)
        compare(stored["label/text"], "bar")
        verify(Qt.colorEqual(stored["label/color"], "blue"), "color " + stored["label/color"])
        compare(stored["label/font"] ? stored["label/font"].bold : undefined, true)
        compare(stored["label/width"], 250)
        compare(stored["label/opacity"], 1)
        compare(stored["label/clip"], false)
        compare(stored["label/alignment"], Text.AlignRight)

        app = cppAliasApp.createObject(testCase, { source: source })
        compare(app.label.text, "bar")
        verify(Qt.colorEqual(app.label.color, "blue"))
        compare(app.label.font.pixelSize, 20)
        compare(app.label.font.bold, true)
        compare(app.label.width, 250)
        compare(app.label.opacity, 1)
        compare(app.label.clip, false)
        compare(app.label.horizontalAlignment, Text.AlignRight)
        close(app)
    }

    // -------------------------------------------------------------------------------------
    // Qt: categories. The declared value goes under the first category; a value changed in
    // the store is read; switching the category writes the values under the new one.

    Component {
        id: categorySettings
        PersistentSettings {
            category: "initialCategory"
            property string value: "initialValue"
        }
    }

    function test_categories() {
        const source = spec("categories")
        compare(Object.keys(cpp.readStore(source)), [])

        let settings = categorySettings.createObject(testCase, { source: source })
        verify(settings)
        compare(settings.category, "initialCategory")
        compare(settings.value, "initialValue")
        close(settings)
        let stored = cpp.readStore(source)
        compare(stored["initialCategory/value"], "initialValue")
        compare(stored.value, undefined)

        // Another writer changes the key.
        verify(cpp.writeStore(source, { "initialCategory/value": "changedValue" }))
        settings = categorySettings.createObject(testCase, { source: source })
        compare(settings.value, "changedValue")
        settings.category = "changedCategory" // nothing stored there: the value is written
        compare(settings.value, "changedValue")
        close(settings)
        stored = cpp.readStore(source)
        compare(stored["changedCategory/value"], "changedValue")
        compare(stored["initialCategory/value"], "changedValue")
    }

    // Ours: switching to a category that has a stored value reads it; to the empty category,
    // with nothing stored under the bare name, writes the current value there; later changes
    // go to the current category only.
    function test_categories_switching() {
        const source = spec("categories-switch")
        verify(cpp.writeStore(source, { "other/value": "from other" }))
        const settings = categorySettings.createObject(testCase, { source: source })
        verify(settings)
        settings.category = "other"
        compare(settings.value, "from other")
        settings.category = ""
        compare(settings.value, "from other")
        settings.value = "top level"
        settings.category = "initialCategory"
        compare(settings.value, "initialValue")
        close(settings)
        const stored = cpp.readStore(source)
        compare(stored.value, "top level")
        compare(stored["other/value"], "from other")
        compare(stored["initialCategory/value"], "initialValue")
    }

    // -------------------------------------------------------------------------------------
    // Qt: siblings. Aliases to objects declared before and after the settings object; when
    // the whole tree is destroyed, the store keeps the values (not what the destruction order
    // left behind).

    Component {
        id: siblingsApp
        Item {
            id: root
            property string source
            property alias first: sibling1
            property alias second: sibling2
            Item {
                id: sibling1
                property string prop1: "value1"
            }
            PersistentSettings {
                source: root.source
                property alias alias1: sibling1.prop1
                property alias alias2: sibling2.prop2
            }
            Item {
                id: sibling2
                property string prop2: "value2"
            }
        }
    }

    function test_siblings() {
        const source = spec("siblings")
        let app = siblingsApp.createObject(testCase, { source: source })
        verify(app)
        close(app)
        let stored = cpp.readStore(source)
        compare(stored.alias1, "value1")
        compare(stored.alias2, "value2")

        verify(cpp.writeStore(source, { alias1: "stored1", alias2: "stored2" }))
        app = siblingsApp.createObject(testCase, { source: source })
        compare(app.first.prop1, "stored1")
        compare(app.second.prop2, "stored2")
        app.second.prop2 = "changed2"
        close(app)
        stored = cpp.readStore(source)
        compare(stored.alias1, "stored1")
        compare(stored.alias2, "changed2")
    }

    // -------------------------------------------------------------------------------------
    // Qt: initial. A property declared without a value takes the stored one at creation.

    Component {
        id: untypedSettings
        PersistentSettings {
            property var value
        }
    }

    function test_initial() {
        const source = spec("initial")
        verify(cpp.writeStore(source, { value: "initial" }))
        const settings = untypedSettings.createObject(testCase, { source: source })
        verify(settings)
        compare(settings.value, "initial")
        close(settings)
        compare(cpp.readStore(source).value, "initial")
    }

    // Ours: stored values win over declared ones, key by key; the keys with nothing stored get
    // the declared values.
    Component {
        id: mixedSettings
        PersistentSettings {
            category: "editor"
            property int fontSize: 10
            property string theme: "light"
            property bool wrap: true
        }
    }

    function test_storedWinsDeclaredFillsIn_data() {
        return kinds()
    }

    function test_storedWinsDeclaredFillsIn(data) {
        const source = spec("mixed-" + data.kind)
        verify(cpp.writeStore(source, { "editor/fontSize": 14, "editor/wrap": false }))
        const opened = openSettings(mixedSettings, source, data.kind)
        compare(opened.settings.fontSize, 14)
        compare(opened.settings.wrap, false)
        compare(opened.settings.theme, "light")
        opened.close()
        const stored = cpp.readStore(source)
        compare(stored["editor/fontSize"], 14)
        compare(stored["editor/wrap"], false)
        compare(stored["editor/theme"], "light")
    }

    // -------------------------------------------------------------------------------------
    // Qt: overriddenSettings (QtCore's Settings). A settings type derived from another, with
    // its own category and its own declared value: each object writes under its category.

    component ParentSettings: PersistentSettings {
        category: "Parent"
        property string overriddenProperty: "parentOriginal"
    }
    component ChildSettings: ParentSettings {
        category: "Child"
        overriddenProperty: "childOriginal"
    }
    Component {
        id: overrideApp
        Item {
            id: root
            property string source
            property alias parentSettings: parentSettings
            property alias childSettings: childSettings
            PersistentMap {
                id: store
                source: root.source
            }
            ParentSettings {
                id: parentSettings
                map: store
            }
            ChildSettings {
                id: childSettings
                map: store
            }
        }
    }

    function test_overriddenProperty() {
        const source = spec("override")
        let app = overrideApp.createObject(testCase, { source: source })
        verify(app)
        compare(app.parentSettings.overriddenProperty, "parentOriginal")
        compare(app.childSettings.overriddenProperty, "childOriginal")
        close(app)
        let stored = cpp.readStore(source)
        compare(stored["Parent/overriddenProperty"], "parentOriginal")
        compare(stored["Child/overriddenProperty"], "childOriginal")

        app = overrideApp.createObject(testCase, { source: source })
        app.parentSettings.overriddenProperty = "parentChanged"
        app.childSettings.overriddenProperty = "childChanged"
        close(app)
        stored = cpp.readStore(source)
        compare(stored["Parent/overriddenProperty"], "parentChanged")
        compare(stored["Child/overriddenProperty"], "childChanged")
    }

    // -------------------------------------------------------------------------------------
    // value(key, default) and setValue(key, value), which QML Settings has for keys no
    // property declares, and sync().

    Component {
        id: methodsApp
        Item {
            id: root
            property string source
            property alias store: store
            property alias settings: settings
            PersistentMap {
                id: store
                source: root.source
            }
            PersistentSettings {
                id: settings
                map: store
                category: "prefs"
                property string style: "Basic"
            }
        }
    }

    function test_valueAndSetValue() {
        const source = spec("methods")
        verify(cpp.writeStore(source, { "prefs/zoom": 1.5, zoom: 3 }))
        const app = methodsApp.createObject(testCase, { source: source })
        verify(app)
        const settings = app.settings
        compare(settings.value("zoom"), 1.5)        // relative to the category
        compare(settings.value("zoom", 9), 1.5)
        compare(settings.value("missing", 9), 9)
        compare(settings.value("missing"), undefined)
        compare(settings.value("style"), "Basic")   // a declared property's key

        settings.setValue("recent", ["a.txt", "b.txt"])
        compare(settings.value("recent"), ["a.txt", "b.txt"])
        compare(app.store.value("prefs/recent"), ["a.txt", "b.txt"])
        settings.setValue("style", "Material")      // the property follows its key
        compare(settings.style, "Material")

        settings.sync()                             // everything so far is in the store
        const stored = cpp.readStore(source)
        compare(stored["prefs/recent"], ["a.txt", "b.txt"])
        compare(stored["prefs/style"], "Material")
        compare(stored.zoom, 3)
        close(app)
    }

    // -------------------------------------------------------------------------------------
    // Settings objects created and destroyed while the application runs keep their values:
    // from text (Qt.createQmlObject), from a Component, and by a Loader switched off and on.

    function dialogText(source) {
        return "import PersistentMap; PersistentSettings { source: '" + source +
                "'; category: 'dialog'; property int count: 1 }"
    }
    Component {
        id: dialogSettings
        PersistentSettings {
            category: "dialog"
            property int count: 1
        }
    }
    Component {
        id: loaderApp
        Item {
            id: root
            property string source
            property alias loader: loader
            Loader {
                id: loader
                sourceComponent: PersistentSettings {
                    source: root.source
                    category: "dialog"
                    property int count: 1
                }
            }
        }
    }

    function test_createdAndDestroyedAtRunTime_data() {
        return [{ tag: "Qt.createQmlObject" }, { tag: "Component" }, { tag: "Loader" }]
    }

    function test_createdAndDestroyedAtRunTime(data) {
        const source = spec("runtime-" + data.tag.replace(/\./g, "-"))
        let loaderHost = null
        const make = () => {
            if (data.tag === "Qt.createQmlObject")
                return Qt.createQmlObject(dialogText(source), testCase, "dialog")
            if (data.tag === "Component")
                return createTemporaryObject(dialogSettings, testCase, { source: source })
            if (!loaderHost)
                loaderHost = createTemporaryObject(loaderApp, testCase, { source: source })
            loaderHost.loader.active = true
            return loaderHost.loader.item
        }
        const drop = settings => {
            if (data.tag === "Loader") {
                dying = loaderHost.loader.item
                loaderHost.loader.active = false
                tryVerify(() => dying === null, 5000, "the unloaded item was deleted")
            } else {
                close(settings)
            }
        }
        for (let round = 1; round <= 3; ++round) {
            const settings = make()
            verify(settings, "round " + round)
            compare(settings.count, round, "read back in round " + round)
            settings.count = round + 1
            drop(settings)
            compare(cpp.readStore(source)["dialog/count"], round + 1, "stored in round " + round)
        }
    }

    // -------------------------------------------------------------------------------------
    // Two settings objects on one category: each one's declared keys are written, neither
    // clobbers the other, and a key both declare follows the last change (ours: at once in
    // the other object too, where Settings would show it only in a new object).

    Component {
        id: twoSettingsApp
        Item {
            id: root
            property string source
            property alias store: store
            property alias first: first
            property alias second: second
            PersistentMap {
                id: store
                source: root.source
            }
            PersistentSettings {
                id: first
                map: store
                category: "shared"
                property int a: 1
                property string common: "x"
            }
            PersistentSettings {
                id: second
                map: store
                category: "shared"
                property int b: 2
                property string common: "x"
            }
        }
    }

    function test_twoSettingsOnOneCategory() {
        const source = spec("two")
        let app = twoSettingsApp.createObject(testCase, { source: source })
        verify(app)
        verify(cpp.flush(app.store.map))
        let stored = cpp.readStore(source)
        compare(stored["shared/a"], 1)
        compare(stored["shared/b"], 2)
        compare(stored["shared/common"], "x")

        app.first.common = "y"
        compare(app.second.common, "y")
        app.second.b = 20
        app.first.a = 10
        // No write timer: the change is in the map at once, and in the store after a flush
        // (Settings would write it a moment later).
        compare(app.store.value("shared/common"), "y")
        verify(cpp.flush(app.store.map))
        stored = cpp.readStore(source)
        compare(stored["shared/a"], 10)
        compare(stored["shared/b"], 20)
        compare(stored["shared/common"], "y")
        close(app)

        app = twoSettingsApp.createObject(testCase, { source: source })
        compare(app.first.a, 10)
        compare(app.second.b, 20)
        compare(app.first.common, "y")
        compare(app.second.common, "y")
        close(app)
    }
}
