// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

import QtQuick
import QtTest
import PersistentMap

// Review of issue 13: a PostgreSQL store whose table another client has locked (a migration, a
// VACUUM FULL, a forgotten transaction). The server answers, so the backend's connect_timeout
// (10 s) does not apply, and the load waits for the lock with no limit. Runs when
// PM_TEST_POSTGRES is set (scripts/postgres.sh).
TestCase {
    name: "ReviewPostgres"

    Component {
        id: storeComponent
        PersistentMap { }
    }

    readonly property string server: cpp.environment("PM_TEST_POSTGRES")
    // The lock is held at most this long, so that a blocked test ends; a GUI thread blocked
    // until then has hung as long as the lock lasted.
    readonly property int lockLimit: 30000
    // Twice the backend's connect_timeout: how long a store that cannot be reached may take.
    readonly property int bound: 20000

    function source(table) {
        return server + (server.indexOf("?") < 0 ? "?" : "&") + "table=" + table
    }

    function makeTable(table) {
        const store = createTemporaryObject(storeComponent, this, { source: source(table) })
        compare(store.status, PersistentMap.Ready, store.errorString)
        store.values.k = "stored"
        store.source = ""
    }

    function cleanup() {
        cpp.unlockPostgresTable()
    }

    // Default (synchronous) loading: creating the item blocks the GUI thread until the other
    // client lets go (seen: more than 60 s, for as long as the lock is held).
    function test_lockedTableDoesNotHangCreation() {
        if (server === "")
            skip("PM_TEST_POSTGRES is not set")
        makeTable("review_locked_sync")
        verify(cpp.lockPostgresTable(server, "review_locked_sync", lockLimit))
        const started = Date.now()
        const store = createTemporaryObject(storeComponent, this, { source: source("review_locked_sync") })
        const elapsed = Date.now() - started
        cpp.unlockPostgresTable()
        verify(elapsed < bound, "create() blocked for " + elapsed + " ms")
        verify(store.status !== PersistentMap.Ready || store.values.k === "stored")
    }

    // asynchronous: true does not help when the user gives up: closing the loading store
    // (source: "", another source, destroying the item) blocks until the lock is released.
    function test_lockedTableDoesNotHangClosing() {
        if (server === "")
            skip("PM_TEST_POSTGRES is not set")
        makeTable("review_locked_async")
        verify(cpp.lockPostgresTable(server, "review_locked_async", lockLimit))
        const store = createTemporaryObject(storeComponent, this,
                                            { source: source("review_locked_async"), asynchronous: true })
        compare(store.status, PersistentMap.Loading)
        const started = Date.now()
        store.source = "memory:"
        const elapsed = Date.now() - started
        cpp.unlockPostgresTable()
        verify(elapsed < bound, "closing blocked for " + elapsed + " ms")
        tryCompare(store, "status", PersistentMap.Ready) // asynchronous: the new store loads too
    }
}
