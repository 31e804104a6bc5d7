// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// UndecodedValue: a stored value this process cannot decode (a type it has not registered, a
// type of a Qt module it does not load such as QColor without Qt Gui, a tag written by a newer
// version of the library, a damaged text), kept as the (type tag, text) pair it was stored as.
// Backends pass it through like any value: encodeValue() gives the same pair back, so a rewrite
// (CSV compaction) writes the same bytes again. PersistentMap keeps such entries out of its
// cache and tries them again when new types become known (docs/FORMAT.md, "Values a process
// cannot read").
#ifndef UNDECODEDVALUE_P_H
#define UNDECODEDVALUE_P_H

#include <QtCore/QMetaType>
#include <QtCore/QString>
#include <QtCore/QVariant>

namespace PersistentMapInternal {

struct UndecodedValue
{
    QString type; // the tag, as stored
    QString text; // the text, as stored
    QString why; // why it cannot be decoded here; not part of the value

    // The same stored value (why is only what this process made of it).
    friend bool operator==(const UndecodedValue &a, const UndecodedValue &b)
    {
        return a.type == b.type && a.text == b.text;
    }
    friend bool operator!=(const UndecodedValue &a, const UndecodedValue &b) { return !(a == b); }
};

inline bool isUndecoded(const QVariant &value)
{
    return value.metaType() == QMetaType::fromType<UndecodedValue>();
}

// What decodeValue() gives, or an UndecodedValue holding type and text unchanged and the reason
// when it cannot decode them. Every backend decodes through this, so one value never stops
// loading or following a store.
QVariant decodeOrKeep(const QString &type, const QString &text);

// Changes whenever a type may have become decodable: a type registered at run time, Qt Gui or Qt
// Widgets loaded (their types are built in, but only known once the module is). Cheap: a few
// lookups that never warn.
quint64 typeRegistryStamp();

} // namespace PersistentMapInternal

#endif // UNDECODEDVALUE_P_H
