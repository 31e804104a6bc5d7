// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The exact conversion of get<T>() (PersistentMap::convertExactly()), also used by
// PersistentMapSchema to bring a written value to its declared type.
#ifndef EXACTCONVERSION_P_H
#define EXACTCONVERSION_P_H

#include <QtCore/QMetaType>
#include <QtCore/QVariant>

namespace PersistentMapInternal {

// True and *converted when `stored` converts to `type` and back without loss.
bool convertExactly(const QVariant &stored, QMetaType type, QVariant *converted);

} // namespace PersistentMapInternal

#endif // EXACTCONVERSION_P_H
