// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Helpers for tests that need a PostgreSQL server (docs/TESTING.md, "PostgreSQL").
//
// The server comes from the environment: PM_TEST_POSTGRES=postgres://user[:password]@host[:port]/db
// (scripts/test.sh starts a throwaway one with scripts/postgres.sh and sets it). Without it the
// tests skip with a message saying so; with PM_REQUIRE_POSTGRES=1 (CI) they fail instead.
//
//   void tst_X::initTestCase()
//   {
//       PM_POSTGRES_SPEC_OR_SKIP(spec);     // QSKIP / QFAIL here skips / fails the whole file
//       m_spec = spec;
//   }
//   void tst_X::roundTrip()
//   {
//       PostgresTestTable table(m_spec);    // a fresh table name, dropped at the end of the test
//       auto backend = makeBackend(table.spec());   // ...?table=pm_t_<random>
//   }
#ifndef POSTGRESTEST_H
#define POSTGRESTEST_H

#include <QtCore/QDebug>
#include <QtCore/QRandomGenerator>
#include <QtCore/QString>
#include <QtCore/QUrl>
#include <QtCore/QUrlQuery>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlDriver>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>
#include <QtTest/QTest>

#include <optional>

// PM_TEST_POSTGRES, or nullopt when it is unset or empty.
inline std::optional<QString> postgresSpec()
{
    const QString spec = qEnvironmentVariable("PM_TEST_POSTGRES").trimmed();
    if (spec.isEmpty())
        return std::nullopt;
    return spec;
}

// PM_REQUIRE_POSTGRES=1: a PostgreSQL test that cannot run is a failure, not a skip (CI).
inline bool postgresRequired()
{
    return qEnvironmentVariable("PM_REQUIRE_POSTGRES") == QLatin1String("1");
}

// Why the PostgreSQL tests cannot run here (no spec, no QPSQL driver), or nullopt when they can.
inline std::optional<QString> postgresUnavailableReason()
{
    if (!postgresSpec())
        return QStringLiteral("set PM_TEST_POSTGRES=postgres://user@host:port/db, or run "
                              "./scripts/test.sh which starts a throwaway server");
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL")))
        return QStringLiteral("Qt's QPSQL driver is not installed (Debian: libqt6sql6-psql, "
                              "see POSTGRES_PACKAGES in scripts/deps.sh)");
    return std::nullopt;
}

// Declares `const QString var` holding PM_TEST_POSTGRES, or leaves the test function: QSKIP with
// the reason, or QFAIL when PM_REQUIRE_POSTGRES=1. Use it in a test function or initTestCase()
// (there it skips or fails the whole file). A spec that is set but whose server cannot be
// reached is not a skip: the test's own connection fails.
#define PM_POSTGRES_SPEC_OR_SKIP(var) \
    if (const std::optional<QString> pmPostgresWhyNot = postgresUnavailableReason()) { \
        if (postgresRequired()) \
            QFAIL(qPrintable( \
                    QStringLiteral("PostgreSQL tests are required (PM_REQUIRE_POSTGRES=1) " \
                                   "but cannot run: ") + \
                    *pmPostgresWhyNot)); \
        QSKIP(qPrintable(QStringLiteral("PostgreSQL tests skipped: ") + *pmPostgresWhyNot)); \
    } \
    const QString var = *postgresSpec()

// The parts of postgres://user[:password]@host[:port]/db[?table=name] (also postgresql://).
struct PostgresSpec
{
    QString user;
    QString password;
    QString host;
    int port = 5432;
    QString database;
    QString table; // empty when the spec names none
};

inline std::optional<PostgresSpec> parsePostgresSpec(const QString &spec, QString *error = nullptr)
{
    const auto fail = [error](const QString &why) -> std::optional<PostgresSpec> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    const QUrl url(spec, QUrl::StrictMode);
    if (!url.isValid())
        return fail(QStringLiteral("not a URL: ") + url.errorString());
    if (url.scheme() != QLatin1String("postgres") && url.scheme() != QLatin1String("postgresql"))
        return fail(QStringLiteral("the scheme must be postgres:// or postgresql://"));
    PostgresSpec parts;
    parts.user = url.userName(QUrl::FullyDecoded);
    parts.password = url.password(QUrl::FullyDecoded);
    parts.host = url.host(QUrl::FullyDecoded);
    parts.port = url.port(5432);
    parts.database = url.path(QUrl::FullyDecoded).mid(1); // without the leading '/'
    parts.table = QUrlQuery(url).queryItemValue(QStringLiteral("table"), QUrl::FullyDecoded);
    if (parts.host.isEmpty())
        return fail(QStringLiteral("no host"));
    if (parts.database.isEmpty() || parts.database.contains(QLatin1Char('/')))
        return fail(QStringLiteral("no database (postgres://user@host:port/DATABASE)"));
    return parts;
}

// A table name no other test (or concurrent run) uses: pm_t_ and 16 random hex digits.
inline QString uniquePostgresTableName()
{
    return QStringLiteral("pm_t_%1").arg(QRandomGenerator::system()->generate64(), 16, 16,
                                         QLatin1Char('0'));
}

// The spec with ?table=name (replacing a table it named).
inline QString postgresSpecWithTable(const QString &spec, const QString &table)
{
    QUrl url(spec);
    QUrlQuery query(url);
    query.removeAllQueryItems(QStringLiteral("table"));
    query.addQueryItem(QStringLiteral("table"), table);
    url.setQuery(query);
    return url.toString();
}

// A QPSQL connection of its own, opened on the calling thread (a connection belongs to the thread
// that opened it) and removed again when this object goes. For checking what a backend wrote,
// for sending NOTIFY as "another client", and for cleaning up.
class PostgresTestConnection
{
public:
    explicit PostgresTestConnection(const QString &spec)
        : m_name(QStringLiteral("pm_postgrestest_%1")
                         .arg(QRandomGenerator::system()->generate64(), 16, 16, QLatin1Char('0')))
    {
        const std::optional<PostgresSpec> parts = parsePostgresSpec(spec, &m_error);
        if (!parts)
            return;
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_name);
        db.setHostName(parts->host);
        db.setPort(parts->port);
        db.setUserName(parts->user);
        db.setPassword(parts->password);
        db.setDatabaseName(parts->database);
        if (!db.open())
            m_error = db.lastError().text();
    }
    ~PostgresTestConnection()
    {
        {
            QSqlDatabase db = QSqlDatabase::database(m_name, false);
            if (db.isValid())
                db.close();
        }
        if (QSqlDatabase::contains(m_name))
            QSqlDatabase::removeDatabase(m_name);
    }
    PostgresTestConnection(const PostgresTestConnection &) = delete;
    PostgresTestConnection &operator=(const PostgresTestConnection &) = delete;

    bool isOpen() const { return m_error.isEmpty() && database().isOpen(); }
    QString errorString() const { return m_error; }
    // Keep the returned handle and every QSqlQuery on it inside a scope shorter than this object.
    QSqlDatabase database() const { return QSqlDatabase::database(m_name, false); }

    // Runs one statement; false (and errorString()) on failure.
    bool exec(const QString &sql)
    {
        if (!isOpen())
            return false;
        QSqlQuery query(database());
        if (query.exec(sql))
            return true;
        m_error = query.lastError().text();
        return false;
    }

    QString quotedName(const QString &identifier) const
    {
        return database().driver()->escapeIdentifier(identifier, QSqlDriver::TableName);
    }

private:
    QString m_name;
    QString m_error;
};

// Drops the table, its change log "<table>_changes" and the change log's trigger functions
// "<table>_changes_log" and "<table>_changes_notify" (each IF EXISTS, CASCADE: whichever of them
// the backend made), on its own connection; false and *error on failure.
inline bool dropPostgresTable(const QString &spec, const QString &table, QString *error = nullptr)
{
    PostgresTestConnection connection(spec);
    const QString log = table + QStringLiteral("_changes");
    // Without it the server's NOTICEs ("... does not exist, skipping") land in the test output.
    const bool dropped = connection.isOpen() &&
            connection.exec(QStringLiteral("SET client_min_messages TO WARNING")) &&
            connection.exec(
                    QStringLiteral("DROP TABLE IF EXISTS %1, %2 CASCADE")
                            .arg(connection.quotedName(table), connection.quotedName(log))) &&
            connection.exec(QStringLiteral("DROP FUNCTION IF EXISTS %1 CASCADE")
                                    .arg(connection.quotedName(log + QStringLiteral("_log")))) &&
            connection.exec(QStringLiteral("DROP FUNCTION IF EXISTS %1 CASCADE")
                                    .arg(connection.quotedName(log + QStringLiteral("_notify"))));
    if (dropped)
        return true;
    if (error)
        *error = connection.errorString();
    return false;
}

// A fresh table name for one test; the table is dropped when this object goes (after the backend
// using it is gone: declare it before the backend/map so it is destroyed after them).
class PostgresTestTable
{
public:
    explicit PostgresTestTable(const QString &spec)
        : m_spec(spec)
        , m_name(uniquePostgresTableName())
    {
    }
    ~PostgresTestTable()
    {
        QString error;
        if (!dropPostgresTable(m_spec, m_name, &error))
            qWarning("could not drop the test table %s: %s", qPrintable(m_name), qPrintable(error));
    }
    PostgresTestTable(const PostgresTestTable &) = delete;
    PostgresTestTable &operator=(const PostgresTestTable &) = delete;

    QString name() const { return m_name; }
    // The server's spec with ?table=<name>.
    QString spec() const { return postgresSpecWithTable(m_spec, m_name); }

private:
    QString m_spec;
    QString m_name;
};

#endif // POSTGRESTEST_H
