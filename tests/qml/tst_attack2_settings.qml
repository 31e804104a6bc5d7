// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

import QtQuick
import QtTest
import PersistentMap

// Second review of issue 13: PersistentSettings while it applies stored values.
TestCase {
    name: "Attack2Settings"

    // Destroys `object` and waits until it is gone (destroy() deletes it at the next turn of the
    // event loop; a QtObject property becomes null when its object is deleted).
    property QtObject dying: null
    function destroyAndWait(object) {
        dying = object
        object.destroy()
        tryVerify(() => dying === null, 5000, "the object was deleted")
    }

    Component {
        id: storeComponent
        PersistentMap { }
    }
    Component {
        id: spyComponent
        SignalSpy { }
    }

    // A handler that keeps a property in range, as applications do with stored sizes.
    Component {
        id: clampComponent
        PersistentSettings {
            property int zoom: 100
            onZoomChanged: if (zoom > 200) zoom = 200
        }
    }

    // docs/QML.md: "Every change is stored". The per-property guard of writeProperty() also
    // drops the change a handler makes to the very property being applied: the property reads
    // 200 and the store keeps 300 (C++ code, other processes and the next start read 300),
    // whether the 300 was loaded or written elsewhere later.
    function test_handlerChangeOfTheAppliedPropertyIsStored() {
        const store = createTemporaryObject(storeComponent, this, { source: "memory:" })
        store.insert("zoom", 300)
        const settings = createTemporaryObject(clampComponent, this, { map: store })
        compare(settings.zoom, 200)
        compare(store.value("zoom"), 200)
        store.insert("zoom", 400) // a change made elsewhere
        compare(settings.zoom, 200)
        compare(store.value("zoom"), 200)
    }

    Component {
        id: manyComponent
        PersistentSettings {
            property int p0: -1; property int p1: -1; property int p2: -1; property int p3: -1
            property int p4: -1; property int p5: -1; property int p6: -1; property int p7: -1
            property int q0: -1; property int q1: -1; property int q2: -1; property int q3: -1
            property int q4: -1; property int q5: -1; property int q6: -1; property int q7: -1
        }
    }

    // restore() checks its generation only after applying a stored value, not after writing a
    // declared one (a key not stored yet). A valueChanged handler run by that write which
    // changes the category starts the restore of the new category; the outer loop then goes
    // on with the old keys and applies an old value over the new one: one p reads i instead of
    // 100 + i (which one depends on the hash order; 8 present and 8 absent keys make it
    // certain but for 1 in 12 870).
    function test_categoryChangedByTheWriteOfADeclaredValue() {
        const store = createTemporaryObject(storeComponent, this, { source: "memory:" })
        for (let i = 0; i < 8; ++i) {
            store.insert("old/p" + i, i)
            store.insert("new/p" + i, 100 + i)
        }
        const settings = createTemporaryObject(manyComponent, this, { category: "old" })
        let switched = false
        store.valueChanged.connect(function (key) {
            if (!switched && key.startsWith("old/q")) {
                switched = true
                settings.category = "new"
            }
        })
        settings.map = store
        verify(switched)
        compare(settings.category, "new")
        const values = []
        for (let i = 0; i < 8; ++i)
            values.push(settings["p" + i])
        compare(values, [100, 101, 102, 103, 104, 105, 106, 107])
    }

    Component {
        id: varComponent
        PersistentSettings {
            category: "s"
            property var layout: ({ })
        }
    }

    // The first review made `values` read a stored null as null after a reload, inside lists
    // and objects too. A `var` property of PersistentSettings is given the stored QVariant as
    // it is: a null inside an object is an invalid QVariant there, which QML makes undefined,
    // so JSON.stringify drops the key: {"z":null} comes back as {} (also after a reload of
    // the store shown, by the restore that follows).
    function test_nullInsideAnObjectSurvivesRestore_data() {
        return [{ tag: "sqlite", source: "sqlite:" + tempDir + "/attack2-varnull.db" },
                { tag: "csv", source: "csv:" + tempDir + "/attack2-varnull.csv" }]
    }
    function test_nullInsideAnObjectSurvivesRestore(data) {
        const store = createTemporaryObject(storeComponent, this, { source: data.source })
        let settings = createTemporaryObject(varComponent, this, { map: store })
        settings.layout = { z: null, list: [null, { y: null }] }
        store.source = "" // waits for the writes and closes the store
        store.source = data.source
        compare(store.errorString, "")
        compare(JSON.stringify(store.values["s/layout"]), '{"list":[null,{"y":null}],"z":null}')
        compare(JSON.stringify(settings.layout), '{"list":[null,{"y":null}],"z":null}')
        destroyAndWait(settings)
        settings = createTemporaryObject(varComponent, this, { map: store })
        verify("z" in settings.layout)
        compare(settings.layout.z, null)
        compare(settings.layout.list[1].y, null)
    }

    Component {
        id: colorComponent
        PersistentSettings {
            category: "theme"
            property color accent: "red"
        }
    }

    // PersistentSettings is the drop-in for Settings, which keeps a `color` property whatever
    // it holds. A color made the usual QML way, Qt.rgba() with components that are not
    // multiples of 1/255 (a ColorDialog gives those too), has 16-bit components; the store
    // refuses it ("this QColor cannot be stored exactly ... store QColor::fromRgba(...)", a
    // conversion QML code cannot ask for), so the change is reported as an error and lost.
    function test_colorFromQtRgbaIsKept() {
        const source = "sqlite:" + tempDir + "/attack2-color.db"
        const store = createTemporaryObject(storeComponent, this, { source: source })
        const errors = createTemporaryObject(spyComponent, this,
                                             { target: store, signalName: "errorOccurred" })
        let settings = createTemporaryObject(colorComponent, this, { map: store })
        settings.accent = Qt.rgba(0.5, 0.25, 0.1, 1)
        compare(errors.count, 0, errors.count ? errors.signalArguments[0][0] : "")
        settings.destroy()
        store.source = ""
        store.source = source
        settings = createTemporaryObject(colorComponent, this, { map: store })
        fuzzyCompare(settings.accent.r, 0.5, 0.01)
        fuzzyCompare(settings.accent.g, 0.25, 0.01)
        fuzzyCompare(settings.accent.b, 0.1, 0.01)
    }
}
