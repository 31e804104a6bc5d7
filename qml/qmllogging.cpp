// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "qmllogging_p.h"

Q_LOGGING_CATEGORY(lcQml, "persistentmap.qml", QtWarningMsg)
