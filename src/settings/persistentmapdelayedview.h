// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

/// PersistentMapDelayedView: the OK/Cancel of a settings dialog over a PersistentMap, after
/// GSettings' g_settings_delay(), g_settings_apply(), g_settings_revert() and "has-unapplied".
///
/// insert() and remove() on the view are held back: the view's own reads (value, get,
/// contains) and the properties bound through it (bind()) see them at once, while the map and
/// its other readers see them only after apply(), which writes them all in ONE atomic batch
/// (PersistentMap::apply()). revert() drops them, and bound properties go back to the map's
/// values. For a key with nothing held back the view reads through to the map: changes of the
/// map (also those committed by other processes) reach the view's readers, signals and
/// bindings. A change held back wins over a later change of the map when applied (last writer
/// wins, as for any write).
///
/// Threading: owner thread only (a dialog's thread); the map must live in that thread too.
/// The view does not own the map. Destroying the view drops what it holds back; destroying the
/// map first leaves a view that holds nothing and whose apply() fails. docs/DELAYED-APPLY.md.
#ifndef PERSISTENTMAPDELAYEDVIEW_H
#define PERSISTENTMAPDELAYEDVIEW_H

#include <PersistentMap/persistentmap.h>
#include <PersistentMap/persistentmap_export.h>

#include <QtCore/QFuture>
#include <QtCore/QObject>
#include <QtCore/QStringList>
#include <QtCore/QVariant>

#include <memory>
#include <optional>
#include <type_traits>

class PersistentMapDelayedViewPrivate;

class PERSISTENTMAP_EXPORT PersistentMapDelayedView : public QObject
{
    Q_OBJECT
    /// True while the view holds changes back (GSettings' "has-unapplied"); a change set back to
    /// the value the map holds at that moment is dropped rather than held.
    Q_PROPERTY(bool hasUnapplied READ hasUnapplied NOTIFY hasUnappliedChanged)

public:
    explicit PersistentMapDelayedView(PersistentMap *map, QObject *parent = nullptr);
    ~PersistentMapDelayedView() override;

    PersistentMap *map() const; ///< nullptr once the map was destroyed

    /// The value held back for `key`, else the map's value. A key without a value (a removal
    /// held back, or nothing stored) gives `defaultValue` when it is valid, else the schema's
    /// default (PersistentMap::value()'s rule).
    QVariant value(const QString &key, const QVariant &defaultValue = {}) const;
    /// value() as a T, with PersistentMap::get<T>()'s exact conversion rule.
    template<typename T>
    std::optional<T> get(const QString &key) const;
    bool contains(const QString &key) const;

    /// Holds the change back until apply(). A change back to what the map holds is no longer
    /// unapplied. The map's schema applies at once, as for PersistentMap::insert(): the value
    /// is held converted exactly to the key's type; a value the schema refuses (type, range,
    /// choices) or no store can hold (a type without a text encoding, docs/FORMAT.md) returns
    /// false, changes nothing and logs a warning saying why. The backend's own checks (a
    /// read-only store) run at apply().
    bool insert(const QString &key, const QVariant &value);
    /// Holds a removal back (of a schema key: its reset, value() then gives the default).
    void remove(const QString &key);
    /// The keys with a change held back, sorted.
    QStringList unappliedKeys() const;
    bool hasUnapplied() const;

    /// Writes every change held back to the map in one atomic batch; the view then reads
    /// through to the map again. The future is PersistentMap::apply()'s: it finishes when the
    /// store committed the batch. A batch the map refuses at once (a value the store cannot
    /// take) stays held back and the future has failed. Nothing held back: a finished future.
    QFuture<void> apply();
    /// Drops every change held back; the view's readers and bound properties see the map's
    /// values again (valueChanged/valueRemoved for each key whose value this changes).
    void revert();

    /// PersistentMap::bind() through the view: the property sees the changes held back, and
    /// its changes are held back until apply(); revert() gives it the map's value again.
    bool bind(const QString &key, QObject *object, const char *property = nullptr,
              PersistentMap::BindFlags flags = PersistentMap::BindDefault);
    bool unbind(QObject *object, const char *property = nullptr);

Q_SIGNALS:
    /// What the view's readers see changed: a change held back, revert(), or a change of the map
    /// for a key with nothing held back.
    void valueChanged(const QString &key, const QVariant &value);
    void valueRemoved(const QString &key);
    void hasUnappliedChanged();

private:
    Q_DISABLE_COPY(PersistentMapDelayedView)
    Q_DECLARE_PRIVATE(PersistentMapDelayedView)
    std::unique_ptr<PersistentMapDelayedViewPrivate> d_ptr;
};

template<typename T>
std::optional<T> PersistentMapDelayedView::get(const QString &key) const
{
    return PersistentMap::exactly<T>(value(key));
}

#endif // PERSISTENTMAPDELAYEDVIEW_H
