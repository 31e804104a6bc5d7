// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmapmodel.h>

#include <PersistentMap/persistentmap.h>

#include <algorithm>

PersistentMapModel::PersistentMapModel(QObject *parent)
    : QAbstractListModel(parent)
{
}

PersistentMapModel::PersistentMapModel(PersistentMap *map, QObject *parent)
    : QAbstractListModel(parent)
{
    setMap(map);
}

PersistentMapModel::~PersistentMapModel() = default;

PersistentMap *PersistentMapModel::map() const
{
    return m_map;
}

void PersistentMapModel::setMap(PersistentMap *map)
{
    if (m_map == map)
        return;
    if (m_map)
        disconnect(m_map, nullptr, this, nullptr);
    m_map = map;
    if (m_map) {
        connect(m_map, &PersistentMap::valueChanged, this,
                [this](const QString &key) { onValueChanged(key); });
        connect(m_map, &PersistentMap::valueRemoved, this,
                [this](const QString &key) { onValueRemoved(key); });
        connect(m_map, &PersistentMap::statusChanged, this, [this] { onStatusChanged(); });
        // m_map (a QPointer) is already null when destroyed() arrives: empty the model here.
        connect(m_map, &QObject::destroyed, this, [this] {
            reload();
            Q_EMIT mapChanged();
        });
        m_lastStatus = int(m_map->status());
    }
    reload();
    Q_EMIT mapChanged();
}

QString PersistentMapModel::prefix() const
{
    return m_prefix;
}

void PersistentMapModel::setPrefix(const QString &prefix)
{
    if (m_prefix == prefix)
        return;
    m_prefix = prefix;
    reload();
    Q_EMIT prefixChanged();
}

int PersistentMapModel::indexOf(const QString &key) const
{
    const auto it = lowerBound(key);
    return it != m_keys.cend() && *it == key ? int(it - m_keys.cbegin()) : -1;
}

QString PersistentMapModel::keyAt(int row) const
{
    return m_keys.value(row);
}

int PersistentMapModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_keys.size());
}

QVariant PersistentMapModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) ||
        !m_map)
        return {};
    const QString &key = m_keys.at(index.row());
    switch (role) {
    case KeyRole:
        return key;
    case ValueRole:
    case Qt::DisplayRole:
    case Qt::EditRole:
        return m_map->value(key);
    default:
        return {};
    }
}

bool PersistentMapModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) ||
        !m_map || (role != Qt::EditRole && role != ValueRole))
        return false;
    // The map announces the change, and onValueChanged emits dataChanged for the row.
    m_map->insert(m_keys.at(index.row()), value);
    return true;
}

Qt::ItemFlags PersistentMapModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags flags = QAbstractListModel::flags(index);
    if (index.isValid())
        flags |= Qt::ItemIsEditable;
    return flags;
}

QVariant PersistentMapModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return {};
    if (orientation == Qt::Vertical)
        return m_keys.value(section);
    return section == 0 ? QVariant(tr("Value")) : QVariant();
}

QHash<int, QByteArray> PersistentMapModel::roleNames() const
{
    return {{KeyRole, QByteArrayLiteral("key")}, {ValueRole, QByteArrayLiteral("value")}};
}

void PersistentMapModel::reload()
{
    const qsizetype before = m_keys.size();
    beginResetModel();
    m_keys.clear();
    if (m_map) {
        const QStringList keys = m_map->keys();
        for (const QString &key : keys) {
            if (accepts(key))
                m_keys.append(key);
        }
        std::sort(m_keys.begin(), m_keys.end());
    }
    endResetModel();
    if (m_keys.size() != before)
        Q_EMIT countChanged();
}

QStringList::const_iterator PersistentMapModel::lowerBound(const QString &key) const
{
    return std::lower_bound(m_keys.cbegin(), m_keys.cend(), key);
}

void PersistentMapModel::onValueChanged(const QString &key)
{
    if (!accepts(key))
        return;
    const auto it = lowerBound(key);
    const int row = int(it - m_keys.cbegin());
    if (it != m_keys.cend() && *it == key) {
        const QModelIndex changed = index(row);
        Q_EMIT dataChanged(changed, changed, {ValueRole, Qt::DisplayRole, Qt::EditRole});
        return;
    }
    beginInsertRows(QModelIndex(), row, row);
    m_keys.insert(row, key);
    endInsertRows();
    Q_EMIT countChanged();
}

void PersistentMapModel::onValueRemoved(const QString &key)
{
    const int row = indexOf(key);
    if (row < 0)
        return;
    beginRemoveRows(QModelIndex(), row, row);
    m_keys.removeAt(row);
    endRemoveRows();
    Q_EMIT countChanged();
}

void PersistentMapModel::onStatusChanged()
{
    // Loaded entries arrive without valueChanged: take them in as a whole.
    const int status = int(m_map->status());
    const bool loaded = m_lastStatus == int(PersistentMap::Status::Loading) &&
            status == int(PersistentMap::Status::Ready);
    m_lastStatus = status;
    if (loaded)
        reload();
}
