// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "logging_p.h"

Q_LOGGING_CATEGORY(lcPersistentMap, "persistentmap.core")
Q_LOGGING_CATEGORY(lcCsv, "persistentmap.csv")
Q_LOGGING_CATEGORY(lcSql, "persistentmap.sql")
