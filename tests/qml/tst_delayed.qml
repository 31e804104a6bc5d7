// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

import QtQuick
import QtTest
import PersistentMap

// PersistentSettings { delayed: true }: the OK/Cancel of a settings page
// (docs/DELAYED-APPLY.md). Changes are held back until apply() and dropped by revert().
TestCase {
    name: "Delayed"

    Component {
        id: storeComponent
        PersistentMap { }
    }
    Component {
        id: settingsComponent
        PersistentSettings {
            category: "prefs"
            delayed: true
            property int fontSize: 11
            property string theme: "light"
        }
    }
    Component {
        id: aliasComponent
        Item {
            property alias settings: settings
            property alias box: box
            QtObject {
                id: box // stands in for a control: a spin box's value
                property int value: 3
            }
            PersistentSettings {
                id: settings
                category: "prefs"
                delayed: true
                property alias level: box.value
            }
        }
    }
    SignalSpy {
        id: unappliedSpy
        signalName: "hasUnappliedChanged"
    }

    function test_applyAndRevert() {
        const source = "sqlite:" + tempDir + "/delayed.db"
        let store = createTemporaryObject(storeComponent, this, { source: source })
        let settings = createTemporaryObject(settingsComponent, this, { map: store })
        compare(store.status, PersistentMap.Ready)
        compare(store.value("prefs/fontSize"), 11) // declared values are stored at once
        unappliedSpy.target = settings
        unappliedSpy.clear()
        verify(!settings.hasUnapplied)

        settings.fontSize = 14
        settings.theme = "dark"
        compare(settings.value("fontSize"), 14) // the object sees what it holds back
        compare(store.value("prefs/fontSize"), 11) // nobody else does
        compare(store.value("prefs/theme"), "light")
        verify(settings.hasUnapplied)
        compare(unappliedSpy.count, 1)

        settings.revert() // Cancel
        compare(settings.fontSize, 11)
        compare(settings.theme, "light")
        verify(!settings.hasUnapplied)
        compare(unappliedSpy.count, 2)
        compare(store.value("prefs/fontSize"), 11)

        settings.fontSize = 16
        settings.setValue("theme", "dark")
        compare(settings.theme, "dark")
        compare(store.value("prefs/theme"), "light")
        settings.apply() // OK
        compare(store.value("prefs/fontSize"), 16)
        compare(store.value("prefs/theme"), "dark")
        verify(!settings.hasUnapplied)
        compare(unappliedSpy.count, 4)

        // A change of the store reaches a property with nothing held back.
        store.insert("prefs/fontSize", 20)
        compare(settings.fontSize, 20)

        store.source = "" // waits for the writes and closes the store
        store = createTemporaryObject(storeComponent, this, { source: source })
        compare(store.value("prefs/fontSize"), 20)
        compare(store.value("prefs/theme"), "dark")
    }

    // An alias's target edited directly (as a control does) is held back and reverted too.
    function test_alias() {
        const store = createTemporaryObject(storeComponent, this, { source: "memory:" })
        const page = createTemporaryObject(aliasComponent, this)
        const settings = page.settings
        const box = page.box
        settings.map = store
        tryCompare(store, "status", PersistentMap.Ready)
        compare(store.value("prefs/level"), 3)
        box.value = 8
        verify(settings.hasUnapplied)
        compare(store.value("prefs/level"), 3)
        settings.revert()
        compare(box.value, 3)
        box.value = 9
        settings.apply()
        compare(store.value("prefs/level"), 9)
    }

    function test_turningDelayOffDropsHeldChanges() {
        const store = createTemporaryObject(storeComponent, this, { source: "memory:" })
        const settings = createTemporaryObject(settingsComponent, this, { map: store })
        tryCompare(store, "status", PersistentMap.Ready)
        settings.theme = "dark"
        verify(settings.hasUnapplied)
        settings.delayed = false
        verify(!settings.hasUnapplied)
        compare(settings.theme, "light")
        settings.theme = "blue" // written at once now
        compare(store.value("prefs/theme"), "blue")
    }
    // Editing back to the stored value leaves nothing to apply; revert() shows what the store
    // holds now, also a value another writer stored while the change was held back; a map
    // switched while changes are held does not receive them.
    function test_backToStoredAndRevertToCurrent() {
        const store = createTemporaryObject(storeComponent, this, { source: "memory:" })
        const settings = createTemporaryObject(settingsComponent, this, { map: store })
        tryCompare(store, "status", PersistentMap.Ready)
        unappliedSpy.target = settings
        unappliedSpy.clear()
        settings.fontSize = 14
        verify(settings.hasUnapplied)
        settings.fontSize = 11
        verify(!settings.hasUnapplied)
        compare(unappliedSpy.count, 2)

        settings.fontSize = 15
        store.insert("prefs/fontSize", 20) // another writer, while 15 is held back
        compare(settings.fontSize, 15)
        settings.revert()
        compare(settings.fontSize, 20)
        compare(store.value("prefs/fontSize"), 20)
        verify(!settings.hasUnapplied)

        settings.theme = "dark"
        const other = createTemporaryObject(storeComponent, this, { source: "memory:" })
        tryCompare(other, "status", PersistentMap.Ready)
        settings.map = other
        settings.apply()
        compare(store.value("prefs/theme"), "light")
        verify(!settings.hasUnapplied)
    }
}
