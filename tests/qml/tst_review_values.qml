// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

import QtQuick
import QtTest
import PersistentMap

// Review of issue 13: `values` under changes that a careful user can make.
TestCase {
    name: "ReviewValues"

    Component {
        id: storeComponent
        PersistentMap { }
    }
    Component {
        id: listingComponent
        Text { property PersistentMap store; text: Object.keys(store.values).sort().join(",") }
    }
    Component {
        id: forInComponent
        Text {
            property PersistentMap store
            text: { const seen = []; for (const k in store.values) seen.push(k); return seen.sort().join(",") }
        }
    }

    // docs/QML.md: "bindings on [Object.keys, for-in] follow added and removed keys". An atomic
    // batch (PersistentMapWriteBatch, or one poll seeing another process remove one key and add another)
    // changes the keys but not their number: the bindings keep listing the removed key.
    function test_keyListingFollowsBatchKeepingTheCount() {
        const store = createTemporaryObject(storeComponent, this, { source: "memory:" })
        store.values.a = 1
        const listing = createTemporaryObject(listingComponent, this, { store: store })
        const forIn = createTemporaryObject(forInComponent, this, { store: store })
        compare(listing.text, "a")
        compare(forIn.text, "a")
        cpp.replaceKey(store.map, "a", "b", 2) // remove a, insert b, in one batch
        compare(store.keys(), ["b"])
        compare(listing.text, "b")
        compare(forIn.text, "b")
    }

    // The same through another process: it removes one key and adds another between two polls.
    function test_keyListingFollowsExternalReplace() {
        const source = "sqlite:" + tempDir + "/review-external-keys.db"
        const store = createTemporaryObject(storeComponent, this, { source: source, watchInterval: 10 })
        store.values.a = 1
        store.flush()
        const listing = createTemporaryObject(listingComponent, this, { store: store })
        compare(listing.text, "a")
        store.watchExternalChanges = false // both changes arrive in one poll
        verify(cpp.removeFromAnotherProcess(source, "a"))
        verify(cpp.insertFromAnotherProcess(source, "b", "2"))
        store.watchExternalChanges = true
        tryCompare(store, "count", 1)
        tryVerify(() => store.contains("b"))
        // The cache holds b before the signals that update bindings reach this thread: pushed,
        // the poll runs as soon as watching is on, so this check can fall in between.
        tryCompare(listing, "text", "b")
    }

    Component {
        id: hasOwnComponent
        Text { property PersistentMap store; text: String(store.values.hasOwnProperty("b")) }
    }
    Component {
        id: descriptorComponent
        Text {
            property PersistentMap store
            text: String(Object.getOwnPropertyDescriptor(store.values, "b") !== undefined)
        }
    }

    // values.hasOwnProperty(k) works outside bindings (tst_values.qml), but a binding on it,
    // or on Object.getOwnPropertyDescriptor, never updates: the getOwnPropertyDescriptor trap
    // reads no revision.
    function test_hasOwnPropertyBindingFollowsKeys() {
        const store = createTemporaryObject(storeComponent, this, { source: "memory:" })
        const hasOwn = createTemporaryObject(hasOwnComponent, this, { store: store })
        const descriptor = createTemporaryObject(descriptorComponent, this, { store: store })
        compare(hasOwn.text, "false")
        compare(descriptor.text, "false")
        store.values.b = 1
        compare(hasOwn.text, "true")
        compare(descriptor.text, "true")
        delete store.values.b
        compare(hasOwn.text, "false")
        compare(descriptor.text, "false")
    }

    // JavaScript null is stored (count and `in` say so) and reads null at once, but reads
    // undefined after a reload, alone and inside objects: the value changed on the way.
    function test_nullSurvivesReload_data() {
        return [{ tag: "sqlite", source: "sqlite:" + tempDir + "/review-null.db" },
                { tag: "csv", source: "csv:" + tempDir + "/review-null.csv" }]
    }
    function test_nullSurvivesReload(data) {
        let store = createTemporaryObject(storeComponent, this, { source: data.source })
        store.values.k = null
        store.values.o = { b: null }
        compare(store.values.k, null)
        compare(store.values.o.b, null)
        store.source = "" // waits for the writes and closes the store
        store = createTemporaryObject(storeComponent, this, { source: data.source })
        compare(store.errorString, "")
        verify("k" in store.values)
        compare(store.values.k, null)
        verify("b" in store.values.o)
        compare(store.values.o.b, null)
    }
}
