// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Core classes made known to QML without the core library depending on Qt Qml (KConfig's
// pattern): PersistentMapModel is creatable; the C++ PersistentMap is the type of
// `PersistentMap.map` and `PersistentMapModel.map` but is created through the QML
// PersistentMap item, so it is anonymous here.
#ifndef FOREIGNTYPES_P_H
#define FOREIGNTYPES_P_H

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapModel>

#include <QtQml/qqml.h>

struct PersistentMapModelForeign
{
    Q_GADGET
    QML_FOREIGN(PersistentMapModel)
    QML_NAMED_ELEMENT(PersistentMapModel)
};

struct PersistentMapForeign
{
    Q_GADGET
    QML_FOREIGN(PersistentMap)
    QML_ANONYMOUS
};

#endif // FOREIGNTYPES_P_H
