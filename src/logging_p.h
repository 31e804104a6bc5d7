// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The core library's logging categories, one per part, all defined once in logging.cpp:
//   persistentmap.core  the map engine, the model, the factory (lcPersistentMap)
//   persistentmap.csv   PersistentMapCsvBackend (lcCsv)
//   persistentmap.sql   the SQL backends, SQLite and PostgreSQL, which share their SQL (lcSql)
// The QML module is a separate library and defines its own, persistentmap.qml (qml/qmllogging_p.h).
// QT_LOGGING_RULES="persistentmap.*.debug=true" turns on every part's debug output;
// "persistentmap*.warning=false" silences them all (README.md, "Logging").
#ifndef PERSISTENTMAP_LOGGING_P_H
#define PERSISTENTMAP_LOGGING_P_H

#include <QtCore/QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcPersistentMap)
Q_DECLARE_LOGGING_CATEGORY(lcCsv)
Q_DECLARE_LOGGING_CATEGORY(lcSql)

#endif // PERSISTENTMAP_LOGGING_P_H
