// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// shared-settings: one of several windows, each in its own process, on the same store. The theme,
// the font size and the message are properties of a PersistentSettings; "lastChange" is a key
// read through store.values. What another window writes reaches this one through the same
// bindings as this window's own changes, within about one watchInterval (50 ms).

// The theme buttons' delegate reads shared.theme and calls root.setTheme(): it belongs to this
// document's context (Qt 6.4 and later), which qmllint and the QML compiler can then check.
pragma ComponentBehavior: Bound

import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import PersistentMap

ApplicationWindow {
    id: root

    required property string storeSource // a spec such as "sqlite:/path/shared-settings.db"
    required property int processId

    // "Open another window": main.cpp starts another process on the same store.
    signal anotherWindowRequested()

    // What the window shows, for the smoke test and the screenshot (smoke.cpp, test support).
    readonly property string shownTheme: preview.themeName
    readonly property int shownFontSize: messageText.font.pixelSize
    readonly property string shownMessage: messageText.text
    readonly property string shownLastChange: lastChangeLabel.text
    property alias store: store

    readonly property var themes: [
        { name: "Teal", color: "#00796b", ink: "#ffffff" },
        { name: "Indigo", color: "#3949ab", ink: "#ffffff" },
        { name: "Plum", color: "#7b1fa2", ink: "#ffffff" },
        { name: "Amber", color: "#ffb300", ink: "#212121" },
        { name: "Slate", color: "#455a64", ink: "#ffffff" }
    ]

    function theme(name) {
        return themes.find(t => t.name === name) ?? themes[0];
    }

    width: 560
    height: 420
    minimumWidth: 480
    minimumHeight: 360
    visible: true
    title: qsTr("Shared settings (process %1)").arg(processId)

    PersistentMap {
        id: store
        source: root.storeSource
        // watchExternalChanges (the switch in the tool bar) and watchInterval: 50 ms, the defaults.
    }

    PersistentSettings {
        id: shared
        map: store
        category: "shared" // keys shared/theme, shared/fontSize, shared/message
        property string theme: "Teal"
        property int fontSize: 22
        property string message: qsTr("Type here, or in the other window")
    }

    // The operations of the UI, each a write to the store (persisted in the background), with a
    // note of which process made it.
    // The note first, then the setting: writes to one map commit in order, so a process that
    // sees the setting has the note too, and a change it makes in reply is the newer note.
    function setTheme(name) {
        noteChange(qsTr("theme %1").arg(name));
        shared.theme = name;
    }
    function setFontSize(size) {
        noteChange(qsTr("font size %1 px").arg(size));
        shared.fontSize = size;
    }
    function setMessage(text) {
        noteChange(qsTr("message"));
        shared.message = text;
    }
    function noteChange(what) {
        store.values.lastChange = { process: root.processId, what: what };
    }
    // For smoke.cpp (test support): the operation by the name of its setting.
    function change(name, value) {
        if (name === "theme")
            setTheme(String(value));
        else if (name === "fontSize")
            setFontSize(Number(value));
        else if (name === "message")
            setMessage(String(value));
        else
            console.warn("no setting called", name);
    }

    header: ToolBar {
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 8
            anchors.rightMargin: 8
            Label {
                text: qsTr("Process %1").arg(root.processId)
                font.bold: true
            }
            Item {
                Layout.fillWidth: true
            }
            Switch {
                text: qsTr("Follow other windows")
                checked: store.watchExternalChanges
                onToggled: store.watchExternalChanges = checked
            }
            ToolButton {
                text: qsTr("Open another window")
                onClicked: root.anotherWindowRequested()
            }
        }
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 12
        spacing: 12
        enabled: store.status === PersistentMap.Ready

        Rectangle {
            id: preview
            readonly property string themeName: shared.theme
            Layout.fillWidth: true
            Layout.fillHeight: true
            radius: 6
            color: root.theme(themeName).color

            Text {
                id: messageText
                anchors.fill: parent
                anchors.margins: 16
                text: shared.message
                color: root.theme(preview.themeName).ink
                font.pixelSize: shared.fontSize
                wrapMode: Text.Wrap
                elide: Text.ElideRight
                horizontalAlignment: Text.AlignHCenter
                verticalAlignment: Text.AlignVCenter
            }
        }

        GridLayout {
            Layout.fillWidth: true
            columns: 2
            columnSpacing: 12
            rowSpacing: 8

            Label {
                text: qsTr("Theme")
            }
            RowLayout {
                spacing: 6
                Repeater {
                    model: root.themes
                    delegate: Button {
                        id: swatch
                        required property var modelData
                        readonly property bool current: shared.theme === modelData.name
                        text: modelData.name
                        implicitWidth: 72
                        implicitHeight: 32
                        onClicked: root.setTheme(modelData.name)
                        contentItem: Text {
                            text: swatch.text
                            color: swatch.modelData.ink
                            font.bold: swatch.current
                            horizontalAlignment: Text.AlignHCenter
                            verticalAlignment: Text.AlignVCenter
                        }
                        background: Rectangle {
                            color: swatch.modelData.color
                            opacity: swatch.down ? 0.75 : 1
                            radius: 4
                            border.width: swatch.current ? 3 : 0
                            border.color: swatch.palette.windowText
                        }
                    }
                }
            }

            Label {
                text: qsTr("Font size")
            }
            RowLayout {
                Slider {
                    Layout.fillWidth: true
                    from: 10
                    to: 40
                    stepSize: 1
                    snapMode: Slider.SnapAlways
                    value: shared.fontSize
                    onMoved: root.setFontSize(value)
                }
                Label {
                    Layout.preferredWidth: 48
                    text: qsTr("%1 px").arg(shared.fontSize)
                }
            }

            Label {
                text: qsTr("Message")
            }
            TextField {
                Layout.fillWidth: true
                text: shared.message
                placeholderText: qsTr("Shown in every window")
                onTextEdited: root.setMessage(text)
            }
        }
    }

    footer: Pane {
        padding: 6
        ColumnLayout {
            anchors.fill: parent
            spacing: 2
            Label {
                id: lastChangeLabel
                Layout.fillWidth: true
                elide: Text.ElideRight
                text: {
                    const last = store.values.lastChange;
                    if (!last)
                        return qsTr("No change yet: edit something here or in the other window");
                    return last.process === root.processId
                            ? qsTr("Last change: %1, in this window").arg(last.what)
                            : qsTr("Last change: %1, in process %2").arg(last.what).arg(last.process);
                }
            }
            Label {
                Layout.fillWidth: true
                elide: Text.ElideMiddle
                opacity: 0.7
                text: {
                    switch (store.status) {
                    case PersistentMap.Loading:
                        return qsTr("Loading %1...").arg(store.source);
                    case PersistentMap.Error:
                        return qsTr("Error: %1").arg(store.errorString);
                    default:
                        return (store.watchExternalChanges
                                ? qsTr("Following other windows every %1 ms").arg(store.watchInterval)
                                : qsTr("Not following other windows"))
                                + " \u00b7 " + store.source;
                    }
                }
            }
        }
    }
}
