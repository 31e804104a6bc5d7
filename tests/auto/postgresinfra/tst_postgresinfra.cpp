// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The PostgreSQL test infrastructure itself: the spec parser and table names of postgrestest.h,
// and, when a server is configured (scripts/test.sh starts one), that it is reachable through
// QPSQL, that a test table is dropped afterwards, and that LISTEN/NOTIFY works on it.
#include "postgrestest.h"

#include <QtCore/QSet>
#include <QtTest/QTest>

class tst_PostgresInfra : public QObject
{
    Q_OBJECT

private slots:
    void parseSpec_data();
    void parseSpec();
    void rejectsBadSpecs_data();
    void rejectsBadSpecs();
    void tableNames();
    void specWithTable();
    void server();
    void tableIsDropped();
    void notify();
};

void tst_PostgresInfra::parseSpec_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("database");
    QTest::addColumn<QString>("table");

    QTest::newRow("throwaway server") << "postgres://pm@127.0.0.1:40123/pm_test"
                                      << "pm"
                                      << ""
                                      << "127.0.0.1" << 40123 << "pm_test"
                                      << "";
    QTest::newRow("default port, postgresql scheme") << "postgresql://me@db.example/app"
                                                     << "me"
                                                     << ""
                                                     << "db.example" << 5432 << "app"
                                                     << "";
    QTest::newRow("encoded password and table")
            << "postgres://u:p%40ss%3Aw%2Frd@localhost:5433/d?table=pm_t_abc"
            << "u"
            << "p@ss:w/rd"
            << "localhost" << 5433 << "d"
            << "pm_t_abc";
    QTest::newRow("IPv6") << "postgres://pm@[::1]:6000/pm_test"
                          << "pm"
                          << ""
                          << "::1" << 6000 << "pm_test"
                          << "";
}

void tst_PostgresInfra::parseSpec()
{
    QFETCH(QString, spec);
    QString error;
    const std::optional<PostgresSpec> parts = parsePostgresSpec(spec, &error);
    QVERIFY2(parts, qPrintable(error));
    QTEST(parts->user, "user");
    QTEST(parts->password, "password");
    QTEST(parts->host, "host");
    QTEST(parts->port, "port");
    QTEST(parts->database, "database");
    QTEST(parts->table, "table");
}

void tst_PostgresInfra::rejectsBadSpecs_data()
{
    QTest::addColumn<QString>("spec");
    QTest::newRow("empty") << "";
    QTest::newRow("wrong scheme") << "mysql://pm@127.0.0.1/pm_test";
    QTest::newRow("no database") << "postgres://pm@127.0.0.1:5432";
    QTest::newRow("no database, slash") << "postgres://pm@127.0.0.1:5432/";
    QTest::newRow("no host") << "postgres:///pm_test";
    QTest::newRow("bad port") << "postgres://pm@127.0.0.1:port/pm_test";
}

void tst_PostgresInfra::rejectsBadSpecs()
{
    QFETCH(QString, spec);
    QString error;
    QVERIFY(!parsePostgresSpec(spec, &error));
    QVERIFY(!error.isEmpty());
}

void tst_PostgresInfra::tableNames()
{
    QSet<QString> names;
    for (int i = 0; i < 1000; ++i) {
        const QString name = uniquePostgresTableName();
        QCOMPARE(name.size(), 5 + 16);
        QVERIFY2(name.startsWith(QLatin1String("pm_t_")), qPrintable(name));
        for (QChar c : name.mid(5))
            QVERIFY2(c.isDigit() || (c >= QLatin1Char('a') && c <= QLatin1Char('f')),
                     qPrintable(name));
        names.insert(name);
    }
    QCOMPARE(names.size(), 1000);
}

void tst_PostgresInfra::specWithTable()
{
    const QString spec =
            postgresSpecWithTable(QStringLiteral("postgres://pm@127.0.0.1:40123/pm_test?table=old"),
                                  QStringLiteral("pm_t_0123"));
    const std::optional<PostgresSpec> parts = parsePostgresSpec(spec);
    QVERIFY(parts);
    QCOMPARE(parts->table, QStringLiteral("pm_t_0123"));
    QCOMPARE(parts->database, QStringLiteral("pm_test"));
    QCOMPARE(parts->port, 40123);
}

void tst_PostgresInfra::server()
{
    PM_POSTGRES_SPEC_OR_SKIP(spec);
    PostgresTestConnection connection(spec);
    QVERIFY2(connection.isOpen(), qPrintable(connection.errorString()));
    QSqlQuery query(connection.database());
    QVERIFY2(query.exec(QStringLiteral("SELECT current_user, current_database(), "
                                       "current_setting('server_encoding')")),
             qPrintable(query.lastError().text()));
    QVERIFY(query.next());
    const PostgresSpec parts = *parsePostgresSpec(spec);
    QCOMPARE(query.value(0).toString(), parts.user);
    QCOMPARE(query.value(1).toString(), parts.database);
    QCOMPARE(query.value(2).toString(), QStringLiteral("UTF8"));
}

void tst_PostgresInfra::tableIsDropped()
{
    PM_POSTGRES_SPEC_OR_SKIP(spec);
    QString name;
    {
        PostgresTestTable table(spec);
        name = table.name();
        QCOMPARE(parsePostgresSpec(table.spec())->table, name);
        PostgresTestConnection connection(table.spec());
        QVERIFY2(connection.isOpen(), qPrintable(connection.errorString()));
        QVERIFY2(connection.exec(QStringLiteral("CREATE TABLE %1 (k text PRIMARY KEY, v text)")
                                         .arg(connection.quotedName(name))),
                 qPrintable(connection.errorString()));
        QVERIFY2(connection.exec(QStringLiteral("INSERT INTO %1 VALUES ('a', 'b')")
                                         .arg(connection.quotedName(name))),
                 qPrintable(connection.errorString()));
    }
    PostgresTestConnection connection(spec);
    QVERIFY2(connection.isOpen(), qPrintable(connection.errorString()));
    QSqlQuery query(connection.database());
    QVERIFY(query.prepare(QStringLiteral("SELECT to_regclass(?) IS NULL")));
    query.addBindValue(name);
    QVERIFY2(query.exec() && query.next(), qPrintable(query.lastError().text()));
    QVERIFY2(query.value(0).toBool(), "the test table is still there");
}

// Both connections live on the test thread, which runs an event loop in QTRY_COMPARE: the plain
// case. (A connection on a QThreadPool thread needs processEvents() there: docs/TESTING.md.)
void tst_PostgresInfra::notify()
{
    PM_POSTGRES_SPEC_OR_SKIP(spec);
    PostgresTestConnection listener(spec);
    PostgresTestConnection sender(spec);
    QVERIFY2(listener.isOpen(), qPrintable(listener.errorString()));
    QVERIFY2(sender.isOpen(), qPrintable(sender.errorString()));
    const QString channel = uniquePostgresTableName(); // any unique name will do
    QStringList payloads;
    QSqlDriver *driver = listener.database().driver();
    connect(driver, &QSqlDriver::notification, this,
            [&](const QString &name, QSqlDriver::NotificationSource source,
                const QVariant &payload) {
                if (name == channel && source == QSqlDriver::OtherSource)
                    payloads << payload.toString();
            });
    QVERIFY(driver->subscribeToNotification(channel));
    QSqlQuery query(sender.database());
    QVERIFY(query.prepare(QStringLiteral("SELECT pg_notify(?, ?)")));
    query.addBindValue(channel);
    query.addBindValue(QStringLiteral("h\u00e9llo 'w\u00f6rld'"));
    QVERIFY2(query.exec(), qPrintable(query.lastError().text()));
    QTRY_COMPARE(payloads, QStringList{QStringLiteral("h\u00e9llo 'w\u00f6rld'")});
    QVERIFY(driver->unsubscribeFromNotification(channel));
}

QTEST_GUILESS_MAIN(tst_PostgresInfra)
#include "tst_postgresinfra.moc"
