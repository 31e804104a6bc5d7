// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

/// PersistentMapModel: a list model over a PersistentMap for Qt Quick views and Qt Widgets views.
///
/// One row per key, sorted by key (QString::compare, case-sensitive), optionally only the keys
/// that start with `prefix`. Roles: "key" (KeyRole) and "value" (ValueRole); Qt::DisplayRole and
/// Qt::EditRole give the value, and the vertical header gives the key, so a QTableView shows a
/// key/value editor. setData() writes through to the map (and so to the store).
///
/// Updates are incremental: a single change emits rowsInserted, dataChanged or rowsRemoved for
/// that row, never a reset. The model resets only when the map, the prefix or the map's loaded
/// content as a whole changes (status becoming Ready). Use it on the map's owner thread.
#ifndef PERSISTENTMAPMODEL_H
#define PERSISTENTMAPMODEL_H

#include <PersistentMap/persistentmap_export.h>

#include <QtCore/QAbstractListModel>

#include <memory>

class PersistentMap;
class PersistentMapModelPrivate;

class PERSISTENTMAP_EXPORT PersistentMapModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(PersistentMap *map READ map WRITE setMap NOTIFY mapChanged)
    Q_PROPERTY(QString prefix READ prefix WRITE setPrefix NOTIFY prefixChanged)
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role { KeyRole = Qt::UserRole + 1, ValueRole };
    Q_ENUM(Role)

    explicit PersistentMapModel(QObject *parent = nullptr);
    explicit PersistentMapModel(PersistentMap *map, QObject *parent = nullptr);
    ~PersistentMapModel() override;

    PersistentMap *map() const;
    void setMap(PersistentMap *map);
    QString prefix() const;
    void setPrefix(const QString &prefix);

    /// The row of key, or -1.
    Q_INVOKABLE int indexOf(const QString &key) const;
    Q_INVOKABLE QString keyAt(int row) const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

Q_SIGNALS:
    void mapChanged();
    void prefixChanged();
    void countChanged();

private:
    Q_DECLARE_PRIVATE(PersistentMapModel)
    Q_DISABLE_COPY(PersistentMapModel)
    std::unique_ptr<PersistentMapModelPrivate> d_ptr;
};

#endif // PERSISTENTMAPMODEL_H
