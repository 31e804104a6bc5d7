// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

import QtQuick
import QtTest
import PersistentMap

// Changes that ANOTHER PROCESS commits to the same SQLite file reach bindings on `values`,
// PersistentSettings, a PersistentMapModel and the signals while watchExternalChanges is on,
// and nothing while it is off. The other process is mapwatcher (tests/auto/externalchanges):
// cpp.insertFromAnotherProcess() runs it for one write and returns once that write is committed
// and the process has exited.
TestCase {
    name: "ExternalChanges"

    readonly property int bound: 10000 // ms, for a loaded machine; the watch interval is 50 ms

    Component {
        id: storeComponent
        PersistentMap { }
    }
    Component {
        id: labelComponent
        Text { property PersistentMap store; text: store.values.greeting ?? "" }
    }
    Component {
        id: settingsComponent
        PersistentSettings {
            category: "window"
            property string title: "untitled"
        }
    }
    Component {
        id: modelComponent
        PersistentMapModel { }
    }
    Component {
        id: spyComponent
        SignalSpy { }
    }

    function openStore(properties) {
        const store = createTemporaryObject(storeComponent, this, properties)
        tryCompare(store, "status", PersistentMap.Ready)
        return store
    }

    function spy(target, signalName) {
        return createTemporaryObject(spyComponent, this, { target: target, signalName: signalName })
    }

    function test_bindingFollowsAnotherProcess() {
        const source = "sqlite:" + tempDir + "/external-binding.db"
        const store = openStore({ source: source })
        const label = createTemporaryObject(labelComponent, this, { store: store })
        const changed = spy(store, "valueChanged")
        const removed = spy(store, "valueRemoved")
        const counted = spy(store, "countChanged")
        const model = createTemporaryObject(modelComponent, this, { map: store.map })
        compare(label.text, "")

        verify(cpp.insertFromAnotherProcess(source, "greeting", "from another process"))
        tryCompare(label, "text", "from another process", bound)
        compare(changed.count, 1)
        compare(changed.signalArguments[0][0], "greeting")
        compare(changed.signalArguments[0][1], "from another process")
        compare(store.count, 1)
        compare(counted.count, 1)
        compare(store.value("greeting"), "from another process")
        compare(model.count, 1)
        compare(model.keyAt(0), "greeting")

        verify(cpp.removeFromAnotherProcess(source, "greeting"))
        tryCompare(label, "text", "", bound)
        compare(removed.count, 1)
        compare(removed.signalArguments[0][0], "greeting")
        compare(store.values.greeting, undefined)
        compare(store.count, 0)
        compare(counted.count, 2)
        compare(changed.count, 1)
        compare(model.count, 0)
    }

    function test_settingsFollowAnotherProcess() {
        const source = "sqlite:" + tempDir + "/external-settings.db"
        const store = openStore({ source: source })
        const onMap = createTemporaryObject(settingsComponent, this, { map: store })
        // A PersistentSettings with a source of its own opens its own map on the file.
        const ownSource = createTemporaryObject(settingsComponent, this, { source: source })
        tryCompare(ownSource.map, "status", PersistentMap.Ready)
        compare(onMap.title, "untitled")

        verify(cpp.insertFromAnotherProcess(source, "window/title", "from another process"))
        tryCompare(onMap, "title", "from another process", bound)
        tryCompare(ownSource, "title", "from another process", bound)
        // Following is not writing: the value came in, nothing went back out as a new change.
        compare(store.value("window/title"), "from another process")
    }

    function test_notFollowingWhenOff() {
        const source = "sqlite:" + tempDir + "/external-off.db"
        const follower = openStore({ source: source })
        const deaf = openStore({ source: source, watchExternalChanges: false })
        compare(deaf.map.watchExternalChanges, false)
        const followerLabel = createTemporaryObject(labelComponent, this, { store: follower })
        const deafLabel = createTemporaryObject(labelComponent, this, { store: deaf })
        const deafChanged = spy(deaf, "valueChanged")

        verify(cpp.insertFromAnotherProcess(source, "greeting", "from another process"))
        tryCompare(followerLabel, "text", "from another process", bound)
        // Three more commits, each seen by the watching store before the next: it polled at
        // least three times after "greeting", and so would the other one, were it watching.
        for (let tick = 0; tick < 3; ++tick) {
            verify(cpp.insertFromAnotherProcess(source, "tick" + tick, "" + tick))
            tryCompare(follower, "count", tick + 2, bound)
        }
        compare(deafLabel.text, "")
        compare(deafChanged.count, 0)
        compare(deaf.count, 0)

        // Switched on, it catches up with what was committed meanwhile.
        deaf.watchExternalChanges = true
        compare(deaf.map.watchExternalChanges, true)
        tryCompare(deafLabel, "text", "from another process", bound)
        tryCompare(deafChanged, "count", 4, bound)
    }

    function test_defaultsAreTheMaps() {
        const defaults = cpp.mapDefaults()
        const store = createTemporaryObject(storeComponent, this)
        compare(store.watchExternalChanges, defaults.watchExternalChanges)
        compare(store.watchInterval, defaults.watchInterval)
    }

    function test_watchPropertiesForwarded() {
        // Set before any store exists: applied when one opens.
        const store = createTemporaryObject(storeComponent, this,
                                            { watchExternalChanges: false, watchInterval: 20 })
        compare(store.map, null)
        const watchSpy = spy(store, "watchExternalChangesChanged")
        const intervalSpy = spy(store, "watchIntervalChanged")
        store.source = "sqlite:" + tempDir + "/external-forwarded-a.db"
        tryCompare(store, "status", PersistentMap.Ready)
        compare(store.map.watchExternalChanges, false)
        compare(store.map.watchInterval, 20)
        compare(watchSpy.count, 0)
        compare(intervalSpy.count, 0)

        store.watchInterval = 30
        compare(store.map.watchInterval, 30)
        compare(intervalSpy.count, 1)
        // C++ code changing the map shows on the item.
        store.map.watchInterval = 40
        compare(store.watchInterval, 40)
        store.map.watchExternalChanges = true
        compare(store.watchExternalChanges, true)
        compare(watchSpy.count, 1)
        store.watchExternalChanges = false

        // Kept across a source change.
        store.source = "sqlite:" + tempDir + "/external-forwarded-b.db"
        tryCompare(store, "status", PersistentMap.Ready)
        compare(store.map.watchExternalChanges, false)
        compare(store.map.watchInterval, 40)

        // The map's floor of 10 ms, with and without a map.
        store.watchInterval = 1
        compare(store.watchInterval, 10)
        compare(store.map.watchInterval, 10)
        store.source = ""
        store.watchInterval = 40
        store.watchInterval = 2
        compare(store.watchInterval, 10)
    }

    function test_resolveSource_data() {
        const base = cpp.appDataLocation()
        return [
            { tag: "relative sqlite", source: "sqlite:shared/a.db",
              expected: "sqlite:" + base + "/shared/a.db" },
            { tag: "bare relative", source: "notes.csv", expected: base + "/notes.csv" },
            { tag: "absolute", source: "sqlite:/tmp/a.db", expected: "sqlite:/tmp/a.db" },
            { tag: "memory", source: "memory:", expected: "memory:" },
            { tag: "postgres", source: "postgres://pm@127.0.0.1:5432/app?table=settings",
              expected: "postgres://pm@127.0.0.1:5432/app?table=settings" },
            { tag: "postgres without a user", source: "postgres://localhost/app",
              expected: "postgres://localhost/app" },
            { tag: "any scheme://", source: "my-store+tls://host/x?y=z",
              expected: "my-store+tls://host/x?y=z" },
            { tag: "csv read-only, relative", source: "csv:shared/s.csv?readonly=1",
              expected: "csv:" + base + "/shared/s.csv?readonly=1" },
            { tag: "csv read-only, absolute", source: "csv:/tmp/s.csv?readonly=1",
              expected: "csv:/tmp/s.csv?readonly=1" },
            { tag: "the query is not a path", source: "csv:a/../s.csv?x=b/../c",
              expected: "csv:" + base + "/s.csv?x=b/../c" },
            { tag: "colon inside a bare path", source: "/data/run:2/store.db",
              expected: "/data/run:2/store.db" },
            // PersistentMapStoreSpec's reading (docs/QML.md): a SQLite path runs to the end, '?'
            // included; a refused spec is passed on as written.
            { tag: "sqlite, '..' after a '?'", source: "sqlite:a?/../b.db",
              expected: "sqlite:" + base + "/b.db" },
            { tag: "memory with a path", source: "memory:x", expected: "memory:x" },
            { tag: "unknown scheme", source: "foo:bar.db", expected: "foo:bar.db" },
            { tag: "no known suffix", source: "notes.txt", expected: "notes.txt" },
            { tag: "postgres keywords", source: "postgres:host=h dbname=d",
              expected: "postgres:host=h dbname=d" },
        ]
    }

    function test_resolveSource(data) {
        compare(cpp.resolveSource(data.source), data.expected)
    }
}
