#include "sqlstore_p.h"

#include "valuecodec_p.h"

#include <QtSql/QSqlField>
#include <QtSql/QSqlRecord>

namespace PersistentMapInternal {

namespace {

using Code = PersistentMapError::Code;

// QSQLITE binds a null QString as SQL NULL, which the NOT NULL columns refuse: an empty key or
// an empty text (an empty string, a null QVariant) must be bound as ''.
QString nonNull(const QString &text)
{
    return text.isNull() ? QStringLiteral("") : text;
}

} // namespace

SqlStore::SqlStore(Dialect dialect, const QString &label)
    : m_dialect(dialect)
    , m_label(label)
{
}

void SqlStore::fail(Code code, const QString &what, const QSqlError &error) const
{
    QString message = m_label + QStringLiteral(": ") + what;
    if (error.isValid())
        message += QStringLiteral(": ") + error.text();
    throw PersistentMapError(code, message);
}

QSqlQuery SqlStore::exec(const QString &sql, Code code, const QString &what)
{
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!query.exec(sql))
        fail(isBusy(query.lastError()) ? Code::Locked : code, what, query.lastError());
    return query;
}

bool SqlStore::isBusy(const QSqlError &error) const
{
    const QString code = error.nativeErrorCode();
    if (m_dialect == Dialect::Sqlite) // SQLITE_BUSY, SQLITE_LOCKED
        return code == QLatin1String("5") || code == QLatin1String("6");
    // serialization_failure, deadlock_detected, lock_not_available
    return code == QLatin1String("40001") || code == QLatin1String("40P01") ||
            code == QLatin1String("55P03");
}

QString SqlStore::quoted(const QString &name) const
{
    return QLatin1Char('"') + name + QLatin1Char('"'); // names are validated: no quotes in them
}

void SqlStore::attach(const QSqlDatabase &db, const QString &table)
{
    m_db = db;
    m_table = table;
}

void SqlStore::detach()
{
    m_upsert.reset();
    m_erase.reset();
    m_db = QSqlDatabase();
}

void SqlStore::checkSchema()
{
    const auto check = [this](const QString &table, const QStringList &expected) {
        // QPSQL folds an unquoted name to lower case; our names are case-sensitive.
        const QSqlRecord record =
                m_db.record(m_dialect == Dialect::Postgres ? quoted(table) : table);
        QStringList columns;
        for (int i = 0; i < record.count(); ++i)
            columns.append(record.fieldName(i));
        if (!columns.isEmpty() && columns != expected) {
            fail(Code::Corrupt,
                 QStringLiteral("the table %1 has the columns (%2) instead of (%3); it was not "
                                "written by PersistentMap")
                         .arg(table, columns.join(QStringLiteral(", ")),
                              expected.join(QStringLiteral(", "))));
        }
    };
    check(m_table, {QStringLiteral("key"), QStringLiteral("type"), QStringLiteral("value")});
    check(logTable(), {QStringLiteral("seq"), QStringLiteral("key")});
}

void SqlStore::createSchema()
{
    const QString table = quoted(m_table);
    const QString log = quoted(logTable());
    QStringList statements;
    if (m_dialect == Dialect::Sqlite) {
        const QString trigger = QStringLiteral("CREATE TRIGGER IF NOT EXISTS \"%1_%2\" AFTER %3 "
                                               "ON %4 BEGIN %5 END");
        const QString logKey = QStringLiteral("INSERT INTO %1 (key) VALUES (%2.key);").arg(log);
        statements = {
                QStringLiteral("CREATE TABLE IF NOT EXISTS %1 (key TEXT PRIMARY KEY NOT NULL, "
                               "type TEXT NOT NULL, value TEXT NOT NULL) WITHOUT ROWID")
                        .arg(table),
                // seq is the rowid: the newest row is never pruned, so it only grows.
                QStringLiteral("CREATE TABLE IF NOT EXISTS %1 (seq INTEGER PRIMARY KEY, "
                               "key TEXT NOT NULL)")
                        .arg(log),
                trigger.arg(logTable(), QStringLiteral("insert"), QStringLiteral("INSERT"), table,
                            logKey.arg(QStringLiteral("new"))),
                trigger.arg(logTable(), QStringLiteral("update"), QStringLiteral("UPDATE"), table,
                            logKey.arg(QStringLiteral("new")) +
                                    QStringLiteral(" INSERT INTO %1 (key) SELECT old.key WHERE "
                                                   "old.key IS NOT new.key;")
                                            .arg(log)),
                trigger.arg(logTable(), QStringLiteral("delete"), QStringLiteral("DELETE"), table,
                            logKey.arg(QStringLiteral("old"))),
        };
        // One transaction: another process opening the same new file sees all or nothing.
        exec(QStringLiteral("BEGIN IMMEDIATE"), Code::OpenFailed,
             QStringLiteral("cannot start a transaction"));
    } else {
        const QString function = quoted(logTable() + QStringLiteral("_log"));
        const QString notify = quoted(logTable() + QStringLiteral("_notify"));
        statements = {
                // Two clients creating the same table at once would collide in the catalog.
                QStringLiteral("SELECT pg_advisory_xact_lock(hashtext('persistent_map:' || %1))")
                        .arg(QStringLiteral("'%1'").arg(m_table)),
                QStringLiteral("CREATE TABLE IF NOT EXISTS %1 (key TEXT PRIMARY KEY NOT NULL, "
                               "type TEXT NOT NULL, value TEXT NOT NULL)")
                        .arg(table),
                QStringLiteral("CREATE TABLE IF NOT EXISTS %1 (seq BIGSERIAL PRIMARY KEY, "
                               "key TEXT NOT NULL)")
                        .arg(log),
                QStringLiteral(
                        "CREATE OR REPLACE FUNCTION %1() RETURNS trigger LANGUAGE plpgsql AS "
                        "$$ BEGIN IF TG_OP = 'DELETE' THEN INSERT INTO %2 (key) VALUES "
                        "(OLD.key); ELSE INSERT INTO %2 (key) VALUES (NEW.key); IF TG_OP = "
                        "'UPDATE' AND OLD.key IS DISTINCT FROM NEW.key THEN INSERT INTO %2 "
                        "(key) VALUES (OLD.key); END IF; END IF; RETURN NULL; END $$")
                        .arg(function, log),
                QStringLiteral(
                        "CREATE OR REPLACE TRIGGER %1 AFTER INSERT OR UPDATE OR DELETE ON %2 "
                        "FOR EACH ROW EXECUTE FUNCTION %1()")
                        .arg(function, table),
                // NOTIFY is sent at commit, once per transaction and payload; the payload (the
                // writer's server process) lets a client skip its own commits.
                QStringLiteral(
                        "CREATE OR REPLACE FUNCTION %1() RETURNS trigger LANGUAGE plpgsql AS "
                        "$$ BEGIN PERFORM pg_notify('%2', pg_backend_pid()::text); RETURN NULL; "
                        "END $$")
                        .arg(notify, logTable()),
                QStringLiteral(
                        "CREATE OR REPLACE TRIGGER %1 AFTER INSERT OR UPDATE OR DELETE ON %2 "
                        "FOR EACH STATEMENT EXECUTE FUNCTION %1()")
                        .arg(notify, table),
        };
        exec(QStringLiteral("BEGIN"), Code::OpenFailed,
             QStringLiteral("cannot start a transaction"));
    }
    for (const QString &sql : std::as_const(statements)) {
        QSqlQuery query(m_db);
        if (!query.exec(sql)) {
            const QSqlError error = query.lastError();
            QSqlQuery(QStringLiteral("ROLLBACK"), m_db);
            fail(isBusy(error) ? Code::Locked : Code::OpenFailed,
                 QStringLiteral("cannot create the table or its change log"), error);
        }
    }
    QSqlQuery commit(m_db);
    if (!commit.exec(QStringLiteral("COMMIT"))) {
        const QSqlError error = commit.lastError();
        QSqlQuery(QStringLiteral("ROLLBACK"), m_db);
        fail(isBusy(error) ? Code::Locked : Code::OpenFailed,
             QStringLiteral("cannot create the table or its change log"), error);
    }
}

void SqlStore::startWatching()
{
    QSqlQuery newest =
            exec(QStringLiteral("SELECT coalesce(max(seq), 0) FROM %1").arg(quoted(logTable())),
                 Code::Corrupt, QStringLiteral("cannot read the change log"));
    m_position = newest.next() ? newest.value(0).toLongLong() : 0;
}

void SqlStore::loadInto(StorageBackend::Loader &loader)
{
    QSqlQuery rows = exec(QStringLiteral("SELECT key, type, value FROM %1").arg(quoted(m_table)),
                          Code::Corrupt, QStringLiteral("cannot read the table"));
    QString error;
    while (rows.next()) {
        QString key = rows.value(0).toString();
        QVariant value;
        if (!decodeValue(rows.value(1).toString(), rows.value(2).toString(), &value, &error))
            fail(Code::Corrupt, QStringLiteral("key '%1': %2").arg(key.left(200), error));
        loader.add(std::move(key), std::move(value));
    }
    if (rows.lastError().isValid())
        fail(Code::Corrupt, QStringLiteral("cannot read the table"), rows.lastError());
}

void SqlStore::prepareWrites()
{
    if (m_upsert)
        return;
    m_upsert.emplace(m_db);
    // The same upsert in both dialects (SQLite 3.24 and later, PostgreSQL 9.5 and later).
    if (!m_upsert->prepare(QStringLiteral("INSERT INTO %1 (key, type, value) VALUES (?, ?, ?) "
                                          "ON CONFLICT (key) DO UPDATE SET type = excluded.type, "
                                          "value = excluded.value")
                                   .arg(quoted(m_table)))) {
        const QSqlError error = m_upsert->lastError();
        m_upsert.reset();
        fail(Code::WriteFailed, QStringLiteral("cannot prepare a statement"), error);
    }
    m_erase.emplace(m_db);
    if (!m_erase->prepare(QStringLiteral("DELETE FROM %1 WHERE key = ?").arg(quoted(m_table)))) {
        const QSqlError error = m_erase->lastError();
        m_upsert.reset();
        m_erase.reset();
        fail(Code::WriteFailed, QStringLiteral("cannot prepare a statement"), error);
    }
}

void SqlStore::apply(const WriteBatch &batch)
{
    prepareWrites();
    if (m_dialect == Dialect::Sqlite) {
        // IMMEDIATE takes the write lock up front, so the busy timeout covers other writers.
        exec(QStringLiteral("BEGIN IMMEDIATE"), Code::WriteFailed,
             QStringLiteral("cannot start a transaction"));
    } else {
        exec(QStringLiteral("BEGIN"), Code::WriteFailed,
             QStringLiteral("cannot start a transaction"));
        // Writers take turns, so change-log rows become visible in seq order and a reader that
        // has seen seq N never misses a smaller one committed later. Readers are not blocked.
        QSqlQuery lock(m_db);
        if (!lock.exec(QStringLiteral("LOCK TABLE %1 IN EXCLUSIVE MODE").arg(quoted(logTable())))) {
            const QSqlError error = lock.lastError();
            QSqlQuery(QStringLiteral("ROLLBACK"), m_db);
            fail(isBusy(error) ? Code::Locked : Code::WriteFailed,
                 QStringLiteral("cannot lock the change log"), error);
        }
    }
    const auto rollbackAndFail = [this](const QString &what, const QSqlError &error) {
        QSqlQuery(QStringLiteral("ROLLBACK"), m_db);
        fail(isBusy(error) ? Code::Locked : Code::WriteFailed, what, error);
    };
    for (const WriteBatch::Entry &entry : batch.entries()) {
        // PostgreSQL text cannot hold U+0000 (inserts of it are refused earlier): no such key is
        // stored, so there is nothing to remove.
        if (entry.isRemove && m_dialect == Dialect::Postgres && entry.key.contains(QChar(0)))
            continue;
        QSqlQuery &query = entry.isRemove ? *m_erase : *m_upsert;
        query.bindValue(0, nonNull(entry.key));
        if (!entry.isRemove) {
            const EncodedValue encoded = encodeValue(entry.value);
            query.bindValue(1, nonNull(encoded.type));
            query.bindValue(2, nonNull(encoded.text));
        }
        if (!query.exec())
            rollbackAndFail(QStringLiteral("cannot write key '%1'").arg(entry.key.left(200)),
                            query.lastError());
    }
    QSqlQuery commit(m_db);
    if (!commit.exec(QStringLiteral("COMMIT")))
        rollbackAndFail(QStringLiteral("cannot commit"), commit.lastError());
    noteWritten(batch.size());
}

void SqlStore::clear()
{
    // DELETE, not TRUNCATE: the triggers log each removed key for the other clients.
    const QSqlQuery cleared = exec(QStringLiteral("DELETE FROM %1").arg(quoted(m_table)),
                                   Code::WriteFailed, QStringLiteral("cannot clear the table"));
    noteWritten(cleared.numRowsAffected());
}

void SqlStore::noteWritten(qsizetype rows)
{
    m_writtenSincePrune += rows;
    if (m_writtenSincePrune < LogKeep / 10)
        return;
    m_writtenSincePrune = 0;
    // Keeps the newest rows (and so the largest seq). Best effort: a failure only leaves the
    // log longer until the next attempt.
    QSqlQuery prune(m_db);
    prune.exec(QStringLiteral("DELETE FROM %1 WHERE seq <= (SELECT max(seq) FROM %1) - %2")
                       .arg(quoted(logTable()))
                       .arg(LogKeep));
}

StorageBackend::Changes SqlStore::pollChanges()
{
    StorageBackend::Changes changes;
    const QString log = quoted(logTable());
    QSqlQuery range = exec(QStringLiteral("SELECT min(seq), max(seq) FROM %1").arg(log),
                           Code::Corrupt, QStringLiteral("cannot read the change log"));
    if (!range.next() || range.value(1).isNull())
        return changes;
    const qint64 oldest = range.value(0).toLongLong();
    const qint64 newest = range.value(1).toLongLong();
    range.finish();
    if (newest == m_position)
        return changes;

    // Rows this map has not seen were pruned (or the log was recreated): read everything.
    if (oldest > m_position + 1 || newest < m_position) {
        struct Collector : StorageBackend::Loader
        {
            WriteBatch *entries;
            void add(QString &&key, QVariant &&value) override { entries->insert(key, value); }
        } collector;
        collector.entries = &changes.entries;
        loadInto(collector);
        changes.complete = true;
        m_position = newest;
        return changes;
    }

    QSqlQuery rows = exec(QStringLiteral("SELECT c.key, t.type, t.value FROM (SELECT DISTINCT key "
                                         "FROM %1 WHERE seq > %3 AND seq <= %4) c LEFT JOIN %2 t "
                                         "ON t.key = c.key")
                                  .arg(log, quoted(m_table))
                                  .arg(m_position)
                                  .arg(newest),
                          Code::Corrupt, QStringLiteral("cannot read the changed keys"));
    QString error;
    while (rows.next()) {
        const QString key = rows.value(0).toString();
        if (rows.value(1).isNull()) {
            changes.entries.remove(key);
            continue;
        }
        QVariant value;
        if (!decodeValue(rows.value(1).toString(), rows.value(2).toString(), &value, &error))
            fail(Code::Corrupt, QStringLiteral("key '%1': %2").arg(key.left(200), error));
        changes.entries.insert(key, value);
    }
    if (rows.lastError().isValid())
        fail(Code::Corrupt, QStringLiteral("cannot read the changed keys"), rows.lastError());
    m_position = newest;
    return changes;
}

} // namespace PersistentMapInternal
