// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// EditorWindow: a key/value editor for a PersistentMap. A QTableView over PersistentMapModel
// shows the keys in the vertical header and the values in one editable column; edits, the
// "Add" row and "Remove selected" write to the map, which persists them in the background.
#ifndef EDITORWINDOW_H
#define EDITORWINDOW_H

#include <QMainWindow>

class PersistentMap;
class PersistentMapModel;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

class EditorWindow : public QMainWindow
{
    Q_OBJECT

public:
    EditorWindow(PersistentMap *map, const QString &path, QWidget *parent = nullptr);

    PersistentMapModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QLineEdit *keyEdit() const { return m_keyEdit; }
    QLineEdit *valueEdit() const { return m_valueEdit; }
    QPushButton *addButton() const { return m_addButton; }
    QPushButton *removeButton() const { return m_removeButton; }

    // "42" -> int, "0.5" -> double, "true"/"false" -> bool, anything else -> QString.
    static QVariant parseValue(const QString &text);

private:
    void addEntry();
    void removeSelected();
    void updateStatus();
    void updateButtons();
    void selectKey(const QString &key);

    PersistentMap *m_map;
    PersistentMapModel *m_model;
    QTableView *m_view;
    QLineEdit *m_keyEdit;
    QLineEdit *m_valueEdit;
    QPushButton *m_addButton;
    QPushButton *m_removeButton;
    QLabel *m_statusLabel;
    QLabel *m_countLabel;
};

#endif // EDITORWINDOW_H
