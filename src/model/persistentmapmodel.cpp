// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmapmodel.h>

#include <PersistentMap/persistentmap.h>

#include <QtCore/QPointer>
#include <QtCore/QStringList>

#include <algorithm>

class PersistentMapModelPrivate
{
    Q_DECLARE_PUBLIC(PersistentMapModel)

public:
    explicit PersistentMapModelPrivate(PersistentMapModel *q)
        : q_ptr(q)
    {
    }

    void reload();
    void onValueChanged(const QString &key);
    void onValueRemoved(const QString &key);
    void onStatusChanged();
    bool accepts(const QString &key) const { return key.startsWith(prefix); }
    // Where key is or would be inserted in the sorted list.
    QStringList::const_iterator lowerBound(const QString &key) const;

    PersistentMapModel *q_ptr;
    QPointer<PersistentMap> map;
    QString prefix;
    QStringList keys; // sorted
    int lastStatus = -1;
};

PersistentMapModel::PersistentMapModel(QObject *parent)
    : QAbstractListModel(parent)
    , d_ptr(std::make_unique<PersistentMapModelPrivate>(this))
{
}

PersistentMapModel::PersistentMapModel(PersistentMap *map, QObject *parent)
    : QAbstractListModel(parent)
    , d_ptr(std::make_unique<PersistentMapModelPrivate>(this))
{
    setMap(map);
}

PersistentMapModel::~PersistentMapModel() = default;

PersistentMap *PersistentMapModel::map() const
{
    Q_D(const PersistentMapModel);
    return d->map;
}

void PersistentMapModel::setMap(PersistentMap *map)
{
    Q_D(PersistentMapModel);
    if (d->map == map)
        return;
    if (d->map)
        disconnect(d->map, nullptr, this, nullptr);
    d->map = map;
    if (d->map) {
        connect(d->map, &PersistentMap::valueChanged, this,
                [d](const QString &key) { d->onValueChanged(key); });
        connect(d->map, &PersistentMap::valueRemoved, this,
                [d](const QString &key) { d->onValueRemoved(key); });
        connect(d->map, &PersistentMap::statusChanged, this, [d] { d->onStatusChanged(); });
        // d->map (a QPointer) is already null when destroyed() arrives: empty the model here.
        connect(d->map, &QObject::destroyed, this, [this, d] {
            d->reload();
            Q_EMIT mapChanged();
        });
        d->lastStatus = int(d->map->status());
    }
    d->reload();
    Q_EMIT mapChanged();
}

QString PersistentMapModel::prefix() const
{
    Q_D(const PersistentMapModel);
    return d->prefix;
}

void PersistentMapModel::setPrefix(const QString &prefix)
{
    Q_D(PersistentMapModel);
    if (d->prefix == prefix)
        return;
    d->prefix = prefix;
    d->reload();
    Q_EMIT prefixChanged();
}

int PersistentMapModel::indexOf(const QString &key) const
{
    Q_D(const PersistentMapModel);
    const auto it = d->lowerBound(key);
    return it != d->keys.cend() && *it == key ? int(it - d->keys.cbegin()) : -1;
}

QString PersistentMapModel::keyAt(int row) const
{
    Q_D(const PersistentMapModel);
    return d->keys.value(row);
}

int PersistentMapModel::rowCount(const QModelIndex &parent) const
{
    Q_D(const PersistentMapModel);
    return parent.isValid() ? 0 : int(d->keys.size());
}

QVariant PersistentMapModel::data(const QModelIndex &index, int role) const
{
    Q_D(const PersistentMapModel);
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) ||
        !d->map)
        return {};
    const QString &key = d->keys.at(index.row());
    switch (role) {
    case KeyRole:
        return key;
    case ValueRole:
    case Qt::DisplayRole:
    case Qt::EditRole:
        return d->map->value(key);
    default:
        return {};
    }
}

bool PersistentMapModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    Q_D(PersistentMapModel);
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) ||
        !d->map || (role != Qt::EditRole && role != ValueRole))
        return false;
    // The map announces the change, and onValueChanged emits dataChanged for the row.
    d->map->insert(d->keys.at(index.row()), value);
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
    Q_D(const PersistentMapModel);
    if (role != Qt::DisplayRole)
        return {};
    if (orientation == Qt::Vertical)
        return d->keys.value(section);
    return section == 0 ? QVariant(tr("Value")) : QVariant();
}

QHash<int, QByteArray> PersistentMapModel::roleNames() const
{
    return {{KeyRole, QByteArrayLiteral("key")}, {ValueRole, QByteArrayLiteral("value")}};
}

void PersistentMapModelPrivate::reload()
{
    Q_Q(PersistentMapModel);
    const qsizetype before = keys.size();
    q->beginResetModel();
    keys.clear();
    if (map) {
        const QStringList all = map->keys();
        for (const QString &key : all) {
            if (accepts(key))
                keys.append(key);
        }
        std::sort(keys.begin(), keys.end());
    }
    q->endResetModel();
    if (keys.size() != before)
        Q_EMIT q->countChanged();
}

QStringList::const_iterator PersistentMapModelPrivate::lowerBound(const QString &key) const
{
    return std::lower_bound(keys.cbegin(), keys.cend(), key);
}

void PersistentMapModelPrivate::onValueChanged(const QString &key)
{
    Q_Q(PersistentMapModel);
    if (!accepts(key))
        return;
    const auto it = lowerBound(key);
    const int row = int(it - keys.cbegin());
    if (it != keys.cend() && *it == key) {
        const QModelIndex changed = q->index(row);
        Q_EMIT q->dataChanged(changed, changed,
                              {PersistentMapModel::ValueRole, Qt::DisplayRole, Qt::EditRole});
        return;
    }
    q->beginInsertRows(QModelIndex(), row, row);
    keys.insert(row, key);
    q->endInsertRows();
    Q_EMIT q->countChanged();
}

void PersistentMapModelPrivate::onValueRemoved(const QString &key)
{
    Q_Q(PersistentMapModel);
    const int row = q->indexOf(key);
    if (row < 0)
        return;
    q->beginRemoveRows(QModelIndex(), row, row);
    keys.removeAt(row);
    q->endRemoveRows();
    Q_EMIT q->countChanged();
}

void PersistentMapModelPrivate::onStatusChanged()
{
    // Loaded entries arrive without valueChanged: take them in as a whole.
    const int status = int(map->status());
    const bool loaded = lastStatus == int(PersistentMap::Status::Loading) &&
            status == int(PersistentMap::Status::Ready);
    lastStatus = status;
    if (loaded)
        reload();
}
