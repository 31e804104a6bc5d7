// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

import QtQuick
import PersistentMap

Item {
    property alias store: store
    property alias label: label
    PersistentMap {
        id: store
        source: "sqlite:" + storePath
    }
    Text {
        id: label
        text: store.values.someKey ?? "(unset)"
    }
    function writeFromQml(text) {
        store.values.someKey = text
    }
}
