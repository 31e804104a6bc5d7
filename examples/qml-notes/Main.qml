// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// qml-notes: notes kept in a PersistentMap, one key per note ("note/<uuid>" holding a map
// {title, text, modified}), listed through a PersistentMapModel and saved as you type. The
// window's position and size are kept in the same store with PersistentSettings.

// The list's delegate reads root.currentKey: it belongs to this document's context (Qt 6.4 and
// later), which qmllint and the QML compiler can then check.
pragma ComponentBehavior: Bound

import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import PersistentMap

ApplicationWindow {
    id: root

    required property string storeSource // a spec such as "sqlite:/path/notes.db"
    property string currentKey: ""
    property string lastError: ""

    // For the smoke test and the screenshot (smoke.cpp, test support).
    property alias store: store
    property alias notesModel: notesModel

    // The defaults, until PersistentSettings below restores the stored geometry (before the
    // first frame: the store loads while the window is created).
    x: 100
    y: 100
    width: 800
    height: 560
    minimumWidth: 480
    minimumHeight: 320
    visible: true
    title: qsTr("Notes")

    PersistentMap {
        id: store
        source: root.storeSource
        // The settings this app knows, with their defaults (docs/SCHEMA.md): values[...] reads
        // the default until a value is stored, and a value out of range is refused.
        schema: ({
            "app/seeded": { "type": "bool", "default": false },
            "editor/fontSize": { "type": "int", "default": 12, "minimum": 8, "maximum": 32,
                                 "description": "Point size of the note's text" }
        })
        onStatusChanged: {
            if (status === PersistentMap.Ready && !values["app/seeded"])
                root.seed();
        }
        onErrorOccurred: message => root.lastError = message
    }

    // As with QML's Settings: the aliased window properties are restored from the store, and
    // every move or resize is written back, and so persisted at once.
    PersistentSettings {
        map: store
        category: "window" // keys window/x, window/y, window/width, window/height
        property alias x: root.x
        property alias y: root.y
        property alias width: root.width
        property alias height: root.height
    }

    PersistentMapModel {
        id: notesModel
        map: store
        prefix: "note/"
        // Keep a note selected: the first one at start-up, a neighbour after a delete.
        onCountChanged: {
            if (notesModel.count > 0 && notesModel.indexOf(root.currentKey) < 0)
                root.currentKey = notesModel.keyAt(0);
            else if (notesModel.count === 0)
                root.currentKey = "";
        }
    }

    function newKey() {
        // A random (version 4) UUID.
        return "note/" + "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, c => {
            const r = Math.floor(Math.random() * 16);
            return (c === "x" ? r : (r & 3) | 8).toString(16);
        });
    }

    // The operations of the UI; each is one write, persisted in the background.
    function addNote(title, text) {
        const key = newKey();
        store.insert(key, { title: title, text: text, modified: new Date() });
        currentKey = key;
        return key;
    }

    function updateNote(key, title, text) {
        store.insert(key, { title: title, text: text, modified: new Date() });
    }

    function deleteNote(key) {
        const row = notesModel.indexOf(key);
        store.remove(key);
        if (notesModel.count > 0)
            currentKey = notesModel.keyAt(Math.min(row, notesModel.count - 1));
    }

    // The text size: stored as an int, reset() goes back to the schema's default.
    function setFontSize(size) {
        store.values["editor/fontSize"] = size;
    }

    function resetFontSize() {
        store.reset("editor/fontSize");
    }

    function seed() {
        const welcome = addNote(qsTr("Welcome"), qsTr("Every note is one key of a PersistentMap, stored in SQLite.\n\n"
                                      + "Edits are saved as you type, in the background: there is "
                                      + "no Save button. Close the window and start it again: "
                                      + "the notes, and the window's size and position, are "
                                      + "still here."));
        addNote(qsTr("Shopping list"), qsTr("Coffee beans\nOat milk\nBread\nApples"));
        store.insert("app/seeded", true);
        currentKey = welcome;
    }

    header: ToolBar {
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 8
            anchors.rightMargin: 8
            ToolButton {
                text: qsTr("New note")
                enabled: store.status === PersistentMap.Ready
                onClicked: {
                    root.addNote(qsTr("Untitled"), "");
                    titleField.forceActiveFocus();
                    titleField.selectAll();
                }
            }
            ToolButton {
                text: qsTr("Delete")
                enabled: root.currentKey !== ""
                onClicked: root.deleteNote(root.currentKey)
            }
            Item {
                Layout.fillWidth: true
            }
            ToolButton {
                text: qsTr("A-")
                enabled: store.values["editor/fontSize"] > 8
                onClicked: root.setFontSize(store.values["editor/fontSize"] - 1)
            }
            ToolButton {
                text: qsTr("A+")
                enabled: store.values["editor/fontSize"] < 32
                onClicked: root.setFontSize(store.values["editor/fontSize"] + 1)
            }
            ToolButton {
                text: qsTr("Default size")
                // `in` tests what is stored (isDefault() is its negation), and is a binding.
                enabled: "editor/fontSize" in store.values
                onClicked: root.resetFontSize()
            }
            Label {
                text: notesModel.count === 1 ? qsTr("1 note") : qsTr("%1 notes").arg(notesModel.count)
            }
        }
    }

    RowLayout {
        anchors.fill: parent
        anchors.margins: 8
        spacing: 8

        Frame {
            Layout.preferredWidth: 280
            Layout.fillHeight: true
            padding: 1
            background: Rectangle {
                color: palette.base
                border.color: palette.mid
            }

            ListView {
                id: list
                anchors.fill: parent
                clip: true
                model: notesModel
                ScrollBar.vertical: ScrollBar { }

                delegate: ItemDelegate {
                    id: delegate
                    required property string key
                    required property var value
                    width: ListView.view.width
                    highlighted: delegate.key === root.currentKey
                    onClicked: root.currentKey = delegate.key

                    contentItem: ColumnLayout {
                        spacing: 2
                        Label {
                            Layout.fillWidth: true
                            text: delegate.value.title || qsTr("Untitled")
                            font.bold: true
                            elide: Text.ElideRight
                            color: delegate.highlighted ? delegate.palette.highlightedText
                                                        : delegate.palette.text
                        }
                        Label {
                            Layout.fillWidth: true
                            // A note written by another program may lack a field.
                            text: (delegate.value.modified instanceof Date
                                   ? delegate.value.modified.toLocaleString(Qt.locale(),
                                                                            Locale.ShortFormat)
                                   : "")
                                  + "  " + String(delegate.value.text ?? "").split("\n")[0]
                            elide: Text.ElideRight
                            opacity: 0.7
                            color: delegate.highlighted ? delegate.palette.highlightedText
                                                        : delegate.palette.text
                        }
                    }
                }
            }
        }

        ColumnLayout {
            id: editor
            Layout.fillWidth: true
            Layout.fillHeight: true
            enabled: root.currentKey !== ""

            property bool loading: false

            function load() {
                const note = store.value(root.currentKey) ?? {};
                loading = true;
                titleField.text = note.title ?? "";
                textArea.text = note.text ?? "";
                loading = false;
            }

            function save() {
                if (!loading && root.currentKey !== "")
                    root.updateNote(root.currentKey, titleField.text, textArea.text);
            }

            Connections {
                target: root
                function onCurrentKeyChanged() { editor.load(); }
            }

            TextField {
                id: titleField
                Layout.fillWidth: true
                placeholderText: qsTr("Title")
                font.pointSize: 14
                font.bold: true
                onTextEdited: editor.save()
            }

            ScrollView {
                Layout.fillWidth: true
                Layout.fillHeight: true
                background: Rectangle {
                    color: palette.base
                    border.color: textArea.activeFocus ? palette.highlight : palette.mid
                }

                TextArea {
                    id: textArea
                    placeholderText: qsTr("Write something")
                    font.pointSize: store.values["editor/fontSize"]
                    wrapMode: TextEdit.Wrap
                    onTextChanged: editor.save()
                }
            }
        }
    }

    footer: Label {
        id: statusLabel
        padding: 6
        elide: Text.ElideMiddle
        text: {
            switch (store.status) {
            case PersistentMap.Loading:
                return qsTr("Loading...");
            case PersistentMap.Error:
                return qsTr("Error, working in memory only: %1").arg(store.errorString);
            default:
                return root.lastError !== "" ? qsTr("Write failed: %1").arg(root.lastError)
                                               : qsTr("Saved as you type to %1").arg(store.source);
            }
        }
    }
}
