// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// What PersistentMapPostgresBackend connects with, read from a postgres:// URL or a libpq
// connection string, and the connect options handed to Qt's QPSQL driver.
//
// Why the checks: QPSQL quotes the host, database, user and password it is given, but appends
// QSqlDatabase::setConnectOptions() to libpq's connection string as it is, with ';' turned into
// ' ' (qtbase, src/plugins/sqldrivers/psql/qsql_psql.cpp, QPSQLDriver::open()). An unquoted value
// such as "x dbname=other port=1" would add keywords of its own. So every option is a keyword
// libpq knows, given once, and its value is quoted here as libpq reads quoted values ('...' with
// \' and \\); a ';' in a value cannot pass QPSQL unchanged and is refused.
#ifndef POSTGRESCONNECTION_P_H
#define POSTGRESCONNECTION_P_H

#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QString>

namespace PersistentMapInternal {

struct PostgresConnection
{
    QString host;
    int port = -1;
    QString database;
    QString user;
    QString password;
    QList<QPair<QString, QString>> options; // other libpq keywords and their values, in order
    QString table; // ?table= of a URL
    QString error; // why the connection cannot be used; never holds a value, only keywords
};

// postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?table=NAME&KEYWORD=VALUE...] (also
// postgresql://; percent-encoding and unencoded blanks in values both work), or a libpq
// connection string "KEYWORD=VALUE KEYWORD='quoted value' ...". In a URL, the database, user and
// password belong to the URL itself, and host or port may be query items only when the URL
// has none. Sets `error` for anything else: an unknown keyword (names the closest known one),
// a keyword given twice, a ';' or NUL in a value.
PostgresConnection parsePostgresConnection(const QString &connection);

// The options as QSqlDatabase::setConnectOptions() takes them: "key='value';...".
QString postgresConnectOptions(const QList<QPair<QString, QString>> &options);

} // namespace PersistentMapInternal

#endif // POSTGRESCONNECTION_P_H
