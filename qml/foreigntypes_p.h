// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The C++ PersistentMap made known to QML without the core library depending on Qt Qml
// (KConfig's pattern): it is the type of `PersistentMap.map`, and C++ code may hand one to QML
// (a context property, a property of its own objects). QML creates stores through the
// PersistentMap item, so it is anonymous here.
#ifndef FOREIGNTYPES_P_H
#define FOREIGNTYPES_P_H

#include <PersistentMap/PersistentMap>

#include <QtQml/qqml.h>

struct PersistentMapForeign
{
    Q_GADGET
    QML_FOREIGN(PersistentMap)
    QML_ANONYMOUS
};

#endif // FOREIGNTYPES_P_H
