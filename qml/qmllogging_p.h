// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The QML module's logging category, "persistentmap.qml", defined once in qmllogging.cpp: the
// module is a library of its own, and the core's categories (src/logging_p.h: persistentmap.core,
// .csv, .sql) are hidden in the core library. QT_LOGGING_RULES="persistentmap*.warning=false"
// silences them all.
#ifndef QMLLOGGING_P_H
#define QMLLOGGING_P_H

#include <QtCore/QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcQml)

#endif // QMLLOGGING_P_H
