// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

import QtQuick
import QtTest
import PersistentMap

// Review of issue 13: PersistentSettings and `map`, as a user moving from QML Settings would
// use them.
TestCase {
    name: "ReviewSettings"

    Component {
        id: storeComponent
        PersistentMap { }
    }
    // y follows x, as an application keeps derived settings in step.
    Component {
        id: derivedComponent
        PersistentSettings {
            property int x: 1
            property int y: 10
            onXChanged: y = x * 10
        }
    }
    Component {
        id: pairComponent
        Item {
            property alias first: first
            property alias second: second
            PersistentMap { id: first; source: "memory:" }
            PersistentMap { id: second; map: first } // the item, as PersistentSettings.map takes
        }
    }

    // docs/QML.md: "Every change is stored". A change that a handler makes while the settings
    // object applies a value from the store (setValue(), another item, C++, another process) is
    // dropped: y becomes 50 but the store keeps 10, and the next start shows 10.
    function test_changeMadeByHandlerDuringUpdateIsStored() {
        const store = createTemporaryObject(storeComponent, this, { source: "memory:" })
        const settings = createTemporaryObject(derivedComponent, this, { map: store })
        compare(store.value("y"), 10)
        settings.setValue("x", 5)
        compare(settings.x, 5)
        compare(settings.y, 50)
        compare(store.value("y"), 50)
        store.insert("x", 7) // a change made elsewhere, the same way
        compare(settings.y, 70)
        compare(store.value("y"), 70)
    }

    // Issue 13, item 4: "anything else that takes a map accept[s] both the QML PersistentMap
    // element and a C++ PersistentMap". PersistentMap.map does not take the item: declared, the
    // item shows nothing and nothing is reported; assigned, it throws.
    function test_persistentMapMapTakesTheItem() {
        const pair = createTemporaryObject(pairComponent, this)
        pair.first.values.k = 1
        compare(pair.second.status, PersistentMap.Ready)
        compare(pair.second.values.k, 1)

        const a = createTemporaryObject(storeComponent, this, { source: "memory:" })
        const b = createTemporaryObject(storeComponent, this)
        a.values.k = 2
        b.map = a
        compare(b.values.k, 2)
    }

    Component {
        id: reportingStoreComponent
        PersistentMap {
            property var reported: []
            onErrorOccurred: message => reported.push({ message: message, errorString: errorString,
                                                         status: status })
        }
    }

    // A source that cannot be made into a store (unknown scheme) emits errorOccurred before the
    // item's errorString and status say so: a handler reads "" and Null. A store that fails to
    // load has them set first, as the core map does.
    function test_errorOccurredAfterErrorStringAndStatus() {
        const store = createTemporaryObject(reportingStoreComponent, this, { source: "nosuchscheme:x" })
        compare(store.status, PersistentMap.Error)
        compare(store.reported.length, 1)
        compare(store.reported[0].errorString, store.reported[0].message)
        compare(store.reported[0].status, PersistentMap.Error)
    }

    Component {
        id: twoPropertiesComponent
        PersistentSettings { property int x: 3; property int y: 4 }
    }
    Component {
        id: spyComponent
        SignalSpy { }
    }

    // docs/QML.md: "A read-only store (csv:PATH?readonly=1) is read, and nothing is written to
    // it." restore() skips declared values on such a store, but every later property change is
    // still written and fails: errorOccurred and errorString for each change (a window alias
    // on a read-only settings store reports an error for every resize).
    function test_readOnlyStoreChangesReportNoError() {
        const path = tempDir + "/review-readonly.csv"
        const writer = createTemporaryObject(storeComponent, this, { source: "csv:" + path })
        writer.values.x = 7
        writer.source = ""
        const store = createTemporaryObject(storeComponent, this, { source: "csv:" + path + "?readonly=1" })
        compare(store.status, PersistentMap.Ready)
        const errors = createTemporaryObject(spyComponent, this, { target: store, signalName: "errorOccurred" })
        const settings = createTemporaryObject(twoPropertiesComponent, this, { map: store })
        compare(settings.x, 7)
        compare(errors.count, 0) // y, not stored, was not written: fine
        settings.x = 8
        settings.y = 5
        compare(store.keys(), ["x"])
        compare(errors.count, 0)
        compare(store.errorString, "")
    }

    property var backendMap: null // a C++ map, as an application hands one to QML
    Component {
        id: declaredWatchComponent
        PersistentMap { watchExternalChanges: false; watchInterval: 200; map: backendMap }
    }

    // Declared on an item showing a C++ map, watchExternalChanges and watchInterval are
    // dropped: the literals are set first (no map yet), then componentComplete() copies the
    // C++ map's own settings over them. The item keeps following other processes although its
    // QML says not to. (Given to createObject() in either order, the same values do apply.)
    function test_declaredWatchSettingsApplyToCppMap() {
        backendMap = cpp.createMap("sqlite:" + tempDir + "/review-declared-watch.db")
        const store = createTemporaryObject(declaredWatchComponent, this)
        compare(store.map, backendMap)
        compare(store.watchExternalChanges, false)
        compare(store.watchInterval, 200)
        compare(backendMap.watchExternalChanges, false)
        cpp.deleteMap(backendMap)
        backendMap = null
    }
}
