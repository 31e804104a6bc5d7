// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PreferencesDialog: a settings dialog with OK, Apply and Cancel. Its widgets are bound to keys
// through a PersistentMapDelayedView: what the user changes stays in the dialog until OK or
// Apply writes it all in one atomic batch; Cancel drops it and the widgets show the stored
// values again. The rest of the application (the table, the word-wrap box of the main window)
// sees a change only once it is applied.
#ifndef PREFERENCESDIALOG_H
#define PREFERENCESDIALOG_H

#include <QDialog>

class PersistentMap;
class PersistentMapDelayedView;
class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLineEdit;
class QSpinBox;

class PreferencesDialog : public QDialog
{
    Q_OBJECT

public:
    explicit PreferencesDialog(PersistentMap *map, QWidget *parent = nullptr);

    PersistentMapDelayedView *view() const { return m_view; }
    QLineEdit *nameEdit() const { return m_name; }
    QComboBox *themeBox() const { return m_theme; }
    QSpinBox *fontSizeBox() const { return m_fontSize; }
    QCheckBox *wordWrapBox() const { return m_wordWrap; }
    QCheckBox *soundBox() const { return m_sound; }
    QDoubleSpinBox *volumeBox() const { return m_volume; }
    QDialogButtonBox *buttons() const { return m_buttons; }

    void accept() override; // OK: apply, then close
    void reject() override; // Cancel: revert, then close

private:
    PersistentMapDelayedView *m_view;
    QLineEdit *m_name;
    QComboBox *m_theme;
    QSpinBox *m_fontSize;
    QCheckBox *m_wordWrap;
    QCheckBox *m_sound;
    QDoubleSpinBox *m_volume;
    QDialogButtonBox *m_buttons;
};

#endif // PREFERENCESDIALOG_H
