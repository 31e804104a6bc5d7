// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "preferencesdialog.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapDelayedView>

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

PreferencesDialog::PreferencesDialog(PersistentMap *map, QWidget *parent)
    : QDialog(parent)
    , m_view(new PersistentMapDelayedView(map, this))
    , m_name(new QLineEdit)
    , m_theme(new QComboBox)
    , m_fontSize(new QSpinBox)
    , m_wordWrap(new QCheckBox(tr("Wrap long lines")))
    , m_sound(new QCheckBox(tr("Play sounds")))
    , m_volume(new QDoubleSpinBox)
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Apply |
                                     QDialogButtonBox::Cancel))
{
    setWindowTitle(tr("Preferences"));
    m_theme->addItems({QStringLiteral("light"), QStringLiteral("dark"), QStringLiteral("auto")});
    m_fontSize->setRange(6, 72);
    m_volume->setRange(0.0, 1.0);
    m_volume->setSingleStep(0.05);

    // Each widget's USER property (text, currentText, value, checked) follows its key, both
    // ways, through the view. "Play sounds" is the opposite of audio/muted.
    m_view->bind(QStringLiteral("user/name"), m_name);
    m_view->bind(QStringLiteral("app/theme"), m_theme);
    m_view->bind(QStringLiteral("editor/fontSize"), m_fontSize);
    m_view->bind(QStringLiteral("editor/wordWrap"), m_wordWrap);
    m_view->bind(QStringLiteral("audio/muted"), m_sound, nullptr, PersistentMap::BindInvertBoolean);
    m_view->bind(QStringLiteral("audio/volume"), m_volume);

    auto *form = new QFormLayout;
    form->addRow(tr("Name:"), m_name);
    form->addRow(tr("Theme:"), m_theme);
    form->addRow(tr("Font size:"), m_fontSize);
    form->addRow(QString(), m_wordWrap);
    form->addRow(QString(), m_sound);
    form->addRow(tr("Volume:"), m_volume);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_buttons);

    QPushButton *apply = m_buttons->button(QDialogButtonBox::Apply);
    apply->setEnabled(false);
    connect(m_view, &PersistentMapDelayedView::hasUnappliedChanged, apply,
            [this, apply] { apply->setEnabled(m_view->hasUnapplied()); });
    connect(apply, &QPushButton::clicked, m_view, &PersistentMapDelayedView::apply);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void PreferencesDialog::accept()
{
    // One batch: another process sees all of these changes or none.
    m_view->apply();
    QDialog::accept();
}

void PreferencesDialog::reject()
{
    m_view->revert();
    QDialog::reject();
}
