// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "logging_p.h"

// Debug output (why a store is polled instead of watched, a listener connection lost) only
// when asked for: QT_LOGGING_RULES="persistentmap.*.debug=true".
Q_LOGGING_CATEGORY(lcPersistentMap, "persistentmap.core", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCsv, "persistentmap.csv", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSql, "persistentmap.sql", QtInfoMsg)
