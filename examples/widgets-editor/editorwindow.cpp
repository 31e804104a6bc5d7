// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "editorwindow.h"
#include "preferencesdialog.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapModel>

#include <QCheckBox>
#include <QDir>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStatusBar>
#include <QTableView>
#include <QVBoxLayout>

EditorWindow::EditorWindow(PersistentMap *map, const QString &path, QWidget *parent)
    : QMainWindow(parent)
    , m_map(map)
    , m_model(new PersistentMapModel(map, this))
    , m_view(new QTableView)
    , m_keyEdit(new QLineEdit)
    , m_valueEdit(new QLineEdit)
    , m_addButton(new QPushButton(tr("&Add")))
    , m_removeButton(new QPushButton(tr("&Remove selected")))
    , m_preferencesButton(new QPushButton(tr("&Preferences...")))
    , m_wordWrap(new QCheckBox(tr("Wrap long lines")))
    , m_statusLabel(new QLabel)
    , m_countLabel(new QLabel)
{
    setWindowTitle(tr("Key/value editor - %1").arg(QDir::toNativeSeparators(path)));

    // Keys in the vertical header, values in the one column; the default delegate picks an
    // editor by the value's type (a spin box for an int, a date-time editor for a QDateTime).
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAlternatingRowColors(true);
    m_view->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                            QAbstractItemView::AnyKeyPressed);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->verticalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);

    m_keyEdit->setPlaceholderText(tr("Key, e.g. app/theme"));
    m_valueEdit->setPlaceholderText(tr("Value: text, a number, true or false"));
    m_addButton->setDefault(true);

    auto *addRow = new QHBoxLayout;
    addRow->addWidget(m_keyEdit, 2);
    addRow->addWidget(m_valueEdit, 3);
    addRow->addWidget(m_addButton);
    addRow->addWidget(m_removeButton);
    addRow->addWidget(m_preferencesButton);

    auto *central = new QWidget;
    auto *layout = new QVBoxLayout(central);
    layout->addWidget(m_view);
    layout->addLayout(addRow);
    setCentralWidget(central);

    statusBar()->addWidget(m_statusLabel, 1);
    statusBar()->addPermanentWidget(m_wordWrap);
    statusBar()->addPermanentWidget(m_countLabel);
    // Both ways, at once: the box shows the stored value (also once the store has loaded, and
    // when the table, the dialog's OK or another process changes it) and writes each click.
    m_map->bind(QStringLiteral("editor/wordWrap"), m_wordWrap);

    connect(m_addButton, &QPushButton::clicked, this, &EditorWindow::addEntry);
    connect(m_keyEdit, &QLineEdit::returnPressed, this, &EditorWindow::addEntry);
    connect(m_valueEdit, &QLineEdit::returnPressed, this, &EditorWindow::addEntry);
    connect(m_removeButton, &QPushButton::clicked, this, &EditorWindow::removeSelected);
    connect(m_preferencesButton, &QPushButton::clicked, this, &EditorWindow::openPreferences);
    connect(m_keyEdit, &QLineEdit::textChanged, this, &EditorWindow::updateButtons);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &EditorWindow::updateButtons);
    connect(m_map, &PersistentMap::statusChanged, this, &EditorWindow::updateStatus);
    connect(m_map, &PersistentMap::countChanged, this, &EditorWindow::updateStatus);
    // A failed write: the map keeps it queued and retries it with the next write or flush().
    connect(m_map, &PersistentMap::errorOccurred, this, [this](const QString &message) {
        statusBar()->showMessage(tr("Write failed: %1").arg(message), 10000);
    });
    updateStatus();
    updateButtons();
    resize(800, 560);
}

QVariant EditorWindow::parseValue(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == QLatin1String("true") || trimmed == QLatin1String("false"))
        return trimmed == QLatin1String("true");
    bool ok = false;
    const int integer = trimmed.toInt(&ok);
    if (ok)
        return integer;
    const double number = trimmed.toDouble(&ok);
    if (ok)
        return number;
    return text;
}

void EditorWindow::addEntry()
{
    const QString key = m_keyEdit->text().trimmed();
    if (key.isEmpty())
        return;
    // Returns at once; the row appears now, the store catches up in the background.
    m_map->insert(key, parseValue(m_valueEdit->text()));
    selectKey(key);
    m_keyEdit->clear();
    m_valueEdit->clear();
    m_keyEdit->setFocus();
}

void EditorWindow::removeSelected()
{
    QStringList keys;
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows)
        keys << m_model->keyAt(index.row());
    for (const QString &key : std::as_const(keys))
        m_map->remove(key);
}

void EditorWindow::openPreferences()
{
    if (!m_preferences)
        m_preferences = new PreferencesDialog(m_map, this);
    m_preferences->open(); // window-modal; OK applies, Cancel reverts
}

void EditorWindow::selectKey(const QString &key)
{
    const int row = m_model->indexOf(key);
    if (row < 0)
        return;
    const QModelIndex index = m_model->index(row);
    m_view->selectionModel()->setCurrentIndex(
            index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_view->scrollTo(index);
}

void EditorWindow::updateButtons()
{
    const bool ready = m_map->status() == PersistentMap::Status::Ready;
    m_addButton->setEnabled(!m_keyEdit->text().trimmed().isEmpty());
    m_removeButton->setEnabled(m_view->selectionModel()->hasSelection());
    m_view->setEnabled(ready || m_map->status() == PersistentMap::Status::Error);
}

void EditorWindow::updateStatus()
{
    switch (m_map->status()) {
    case PersistentMap::Status::Loading:
        m_statusLabel->setText(tr("Loading..."));
        break;
    case PersistentMap::Status::Ready:
        m_statusLabel->setText(m_map->errorString().isEmpty()
                                       ? tr("Ready: changes are saved as you make them")
                                       : tr("Ready; last error: %1").arg(m_map->errorString()));
        break;
    case PersistentMap::Status::Error:
        m_statusLabel->setText(tr("Error, working in memory only: %1").arg(m_map->errorString()));
        break;
    }
    const qsizetype count = m_map->count();
    m_countLabel->setText(count == 1 ? tr("1 entry") : tr("%1 entries").arg(count));
    updateButtons();
}
