// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The QML module's logging category, "persistentmap.qml" (the core's is "persistentmap"):
// QT_LOGGING_RULES="persistentmap*.warning=false" silences both.
#ifndef QMLLOGGING_P_H
#define QMLLOGGING_P_H

#include <QtCore/QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcQml)

#endif // QMLLOGGING_P_H
