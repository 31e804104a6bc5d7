// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

import QtQuick
import QtTest
import PersistentMap

// Second review of issue 13: PersistentSettings while it applies stored values.
TestCase {
    name: "Attack2Settings"

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
}
