// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// EditorWindow: a key/value editor for a PersistentMap. A QTableView over PersistentMapModel
// shows the keys in the vertical header and the values in one editable column; edits, the
// "Add" row and "Remove selected" write to the map, which persists them in the background.
// A "Wrap long lines" box in the status bar is bound to editor/wordWrap with
// PersistentMap::bind(); "Preferences..." opens a dialog with OK/Cancel (preferencesdialog.h).
#ifndef EDITORWINDOW_H
#define EDITORWINDOW_H

#include <QMainWindow>

class PersistentMap;
class PersistentMapModel;
class PreferencesDialog;
class QCheckBox;
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
    QPushButton *preferencesButton() const { return m_preferencesButton; }
    QCheckBox *wordWrapBox() const { return m_wordWrap; }
    PreferencesDialog *preferencesDialog() const { return m_preferences; } // once opened

    // "42" -> int, "0.5" -> double, "true"/"false" -> bool, anything else -> QString.
    static QVariant parseValue(const QString &text);

private:
    void addEntry();
    void removeSelected();
    void updateStatus();
    void updateButtons();
    void selectKey(const QString &key);
    void openPreferences();

    PersistentMap *m_map;
    PersistentMapModel *m_model;
    QTableView *m_view;
    QLineEdit *m_keyEdit;
    QLineEdit *m_valueEdit;
    QPushButton *m_addButton;
    QPushButton *m_removeButton;
    QPushButton *m_preferencesButton;
    QCheckBox *m_wordWrap;
    PreferencesDialog *m_preferences = nullptr;
    QLabel *m_statusLabel;
    QLabel *m_countLabel;
};

#endif // EDITORWINDOW_H
