// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "backends/sql/sqlstore_p.h"

#include "backend/applyprecondition_p.h"
#include "backends/files/storefiles_p.h"
#include "backends/sql/readrows_p.h"
#include "codec/undecodedvalue_p.h"
#include "codec/valuecodec_p.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QSet>
#include <QtCore/QStringDecoder>
#include <QtCore/QStringEncoder>
#include <QtSql/QSqlField>
#include <QtSql/QSqlRecord>

#include <cerrno>

namespace PersistentMapInternal {

namespace {

using Code = PersistentMapError::Code;

// QSQLITE binds a null QString as SQL NULL, which the NOT NULL columns refuse: an empty key or
// an empty text (an empty string, a null QVariant) must be bound as ''.
QString nonNull(const QString &text)
{
    return text.isNull() ? QStringLiteral("") : text;
}

// How text comes back. QPSQL makes each value a QString with QString::fromUtf8, which also takes
// a leading U+FEFF for a byte order mark and drops it; so PostgreSQL sends keys and values behind
// a guard character, cut off by readRow(). SQLite sends the bytes, as blobs: they may be anything
// another program bound as text, and only the bytes tell whether they are text at all; and the
// key's storage class, as a key stored as a blob (or, without TEXT affinity, as a number) never
// equals the text the map binds.
QString selectedColumns(SqlStore::Dialect dialect)
{
    return dialect == SqlStore::Dialect::Postgres
            ? QStringLiteral("'-' || key, type, '-' || value")
            : QStringLiteral("CAST(key AS BLOB), CAST(type AS BLOB), CAST(value AS BLOB), "
                             "typeof(key)");
}

bool keysAreUnique(const PersistentMapWriteBatch &batch)
{
    QSet<QString> keys;
    keys.reserve(batch.size());
    for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
        if (keys.contains(entry.key))
            return false;
        keys.insert(entry.key);
    }
    return true;
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
    // SQLite's words ("database or disk is full", "disk I/O error") and the system's reason.
    if (error.isValid() && m_systemErrno &&
        (code == Code::DiskFull || code == Code::TooManyOpenFiles || code == Code::IoError)) {
        int osError = m_systemErrno(m_db);
        // SQLite reports a write refused with ENOSPC as SQLITE_FULL and clears its errno.
        if (!osError && code == Code::DiskFull && m_dialect == Dialect::Sqlite)
            osError = ENOSPC;
        if (osError)
            message += QStringLiteral(" (%1)").arg(qt_error_string(osError));
    }
    throw PersistentMapError(code, message);
}

QSqlQuery SqlStore::exec(const QString &sql, Code code, const QString &what)
{
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!query.exec(sql)) {
        const QSqlError error = query.lastError();
        fail(code == Code::OpenFailed ? openFailureCode(error, code)
                                      : (isBusy(error) ? Code::Locked : code),
             what, error);
    }
    return query;
}

bool SqlStore::isBusy(const QSqlError &error) const
{
    const QString code = error.nativeErrorCode();
    if (m_dialect == Dialect::Sqlite) { // SQLITE_BUSY, SQLITE_LOCKED and their extended codes
        const int primary = sqlitePrimaryCode(error);
        return primary == 5 || primary == 6;
    }
    // serialization_failure, deadlock_detected, lock_not_available
    return code == QLatin1String("40001") || code == QLatin1String("40P01") ||
            code == QLatin1String("55P03");
}

Code SqlStore::openFailureCode(const QSqlError &error, Code otherwise, int *osError) const
{
    if (osError)
        *osError = 0;
    if (isBusy(error))
        return Code::Locked;
    const QString native = error.nativeErrorCode();
    if (m_dialect == Dialect::Postgres) {
        if (native == QLatin1String("53100")) // disk_full
            return Code::DiskFull;
        if (native == QLatin1String("58030")) // io_error
            return Code::IoError;
        return otherwise;
    }
    const int primary = sqlitePrimaryCode(error);
    const int system = m_systemErrno ? m_systemErrno(m_db) : 0;
    if (osError)
        *osError = system;
    switch (primary) {
    case 13: // SQLITE_FULL
        return Code::DiskFull;
    case 10: // SQLITE_IOERR: the errno may say more (a write refused for ENOSPC)
        return codeForOsError(system, Code::IoError);
    case 14: // SQLITE_CANTOPEN
        return codeForOsError(system, otherwise);
    case 11: // SQLITE_CORRUPT
    case 26: // SQLITE_NOTADB
        return Code::Corrupt;
    default:
        return otherwise;
    }
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
    m_logInsert.reset();
    m_db = QSqlDatabase();
}

bool SqlStore::checkSchema()
{
    // Whether the table exists (with the expected columns).
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
        return !columns.isEmpty();
    };
    const bool table = check(
            m_table, {QStringLiteral("key"), QStringLiteral("type"), QStringLiteral("value")});
    const bool log = check(logTable(), {QStringLiteral("seq"), QStringLiteral("keys")});
    readTextEncoding();
    return table && log;
}

void SqlStore::createSchema()
{
    const QString table = quoted(m_table);
    const QString log = quoted(logTable());
    QStringList statements;
    if (m_dialect == Dialect::Sqlite) {
        statements = {
                QStringLiteral("CREATE TABLE IF NOT EXISTS %1 (key TEXT PRIMARY KEY NOT NULL, "
                               "type TEXT NOT NULL, value TEXT NOT NULL) WITHOUT ROWID")
                        .arg(table),
                // seq is the rowid: the newest row is never pruned, so it only grows.
                QStringLiteral("CREATE TABLE IF NOT EXISTS %1 (seq INTEGER PRIMARY KEY, "
                               "keys TEXT NOT NULL)")
                        .arg(log),
        };
        // One transaction: another process opening the same new file sees all or nothing.
        exec(QStringLiteral("BEGIN IMMEDIATE"), Code::OpenFailed,
             QStringLiteral("cannot start a transaction"));
    } else {
        statements = {
                // Two clients creating the same table at once would collide in the catalog.
                QStringLiteral("SELECT pg_advisory_xact_lock(hashtext('persistent_map:%1'))")
                        .arg(m_table),
                QStringLiteral("CREATE TABLE IF NOT EXISTS %1 (key TEXT PRIMARY KEY NOT NULL, "
                               "type TEXT NOT NULL, value TEXT NOT NULL)")
                        .arg(table),
                QStringLiteral("CREATE TABLE IF NOT EXISTS %1 (seq BIGSERIAL PRIMARY KEY, "
                               "keys TEXT NOT NULL)")
                        .arg(log),
        };
        exec(QStringLiteral("BEGIN"), Code::OpenFailed,
             QStringLiteral("cannot start a transaction"));
    }
    for (const QString &sql : std::as_const(statements)) {
        QSqlQuery query(m_db);
        if (!query.exec(sql)) {
            const QSqlError error = query.lastError();
            QSqlQuery(QStringLiteral("ROLLBACK"), m_db);
            fail(openFailureCode(error, Code::OpenFailed),
                 QStringLiteral("cannot create the table or its change log"), error);
        }
    }
    QSqlQuery commit(m_db);
    if (!commit.exec(QStringLiteral("COMMIT"))) {
        const QSqlError error = commit.lastError();
        QSqlQuery(QStringLiteral("ROLLBACK"), m_db);
        fail(openFailureCode(error, Code::OpenFailed),
             QStringLiteral("cannot create the table or its change log"), error);
    }
    readTextEncoding(); // fixed once the file has a table
}

void SqlStore::startWatching()
{
    QSqlQuery newest =
            exec(QStringLiteral("SELECT coalesce(max(seq), 0) FROM %1").arg(quoted(logTable())),
                 Code::Corrupt, QStringLiteral("cannot read the change log"));
    m_position = newest.next() ? newest.value(0).toLongLong() : 0;
}

void SqlStore::loadInto(PersistentMapBackend::Loader &loader)
{
    QSqlQuery rows = exec(
            QStringLiteral("SELECT %1 FROM %2").arg(selectedColumns(m_dialect), quoted(m_table)),
            Code::Corrupt, QStringLiteral("cannot read the table"));
    while (rows.next()) {
        auto [key, value] = readRow(rows);
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

void SqlStore::apply(const PersistentMapWriteBatch &batch)
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
    try {
        checkPrecondition();
    } catch (...) {
        QSqlQuery(QStringLiteral("ROLLBACK"), m_db);
        throw;
    }
    try {
        if (m_dialect == Dialect::Postgres && batch.size() > 1 && keysAreUnique(batch))
            writeRowsInChunks(batch.entries());
        else
            writeRows(batch.entries());
        logChanges(batch);
    } catch (...) {
        QSqlQuery(QStringLiteral("ROLLBACK"), m_db);
        throw;
    }
    QSqlQuery commit(m_db);
    if (!commit.exec(QStringLiteral("COMMIT")))
        rollbackAndFail(QStringLiteral("cannot commit"), commit.lastError());
    committed();
}

// Throws on the first row that fails; apply() rolls the transaction back.
void SqlStore::writeRows(const QList<PersistentMapWriteBatch::Entry> &entries)
{
    for (const PersistentMapWriteBatch::Entry &entry : entries) {
        QSqlQuery &query = entry.isRemove ? *m_erase : *m_upsert;
        query.bindValue(0, textValue(entry.key));
        if (!entry.isRemove) {
            const EncodedValue encoded = encodeValue(entry.value);
            query.bindValue(1, textValue(encoded.type));
            query.bindValue(2, textValue(encoded.text));
        }
        if (!query.exec()) {
            fail(isBusy(query.lastError()) ? Code::Locked : Code::WriteFailed,
                 QStringLiteral("cannot write key '%1'").arg(entry.key.left(200)),
                 query.lastError());
        }
    }
}

// A statement per row is a round trip to the server per row: 20 000 keys took about 4 s here
// (tst_migrations' PostgreSQL rows), in chunks of RowsPerStatement a few hundred milliseconds.
// Each chunk runs inside a savepoint: when it fails, its rows go again one by one from the
// savepoint, so the error names the key as writeRows() does. Only for a batch in which each key
// appears once (what the map hands over): one statement may not upsert a key twice.
void SqlStore::writeRowsInChunks(const QList<PersistentMapWriteBatch::Entry> &entries)
{
    QList<PersistentMapWriteBatch::Entry> upserts;
    QList<PersistentMapWriteBatch::Entry> removes;
    for (const PersistentMapWriteBatch::Entry &entry : entries)
        (entry.isRemove ? removes : upserts).append(entry);
    const auto write = [this](const QList<PersistentMapWriteBatch::Entry> &rows, bool remove) {
        for (qsizetype start = 0; start < rows.size();) {
            // Up to RowsPerStatement rows, and up to BytesPerStatement of text: large values
            // stay within the protocol's message size (1 GB) that each fits on its own.
            QList<EncodedValue> encoded;
            qsizetype n = 0;
            qsizetype characters = 0;
            while (start + n < rows.size() && n < RowsPerStatement &&
                   (n == 0 || characters < BytesPerStatement / 2)) {
                const PersistentMapWriteBatch::Entry &entry = rows.at(start + n);
                characters += entry.key.size();
                if (!remove) {
                    encoded.append(encodeValue(entry.value));
                    characters += encoded.constLast().type.size() + encoded.constLast().text.size();
                }
                ++n;
            }
            const QList<PersistentMapWriteBatch::Entry> chunk = rows.mid(start, n);
            start += n;
            QString sql;
            if (remove) {
                sql = QStringLiteral("DELETE FROM %1 WHERE key IN (%2)")
                              .arg(quoted(m_table), QStringList(n, QStringLiteral("?")).join(u','));
            } else {
                sql = QStringLiteral(
                              "INSERT INTO %1 (key, type, value) VALUES %2 ON CONFLICT (key) "
                              "DO UPDATE SET type = excluded.type, value = excluded.value")
                              .arg(quoted(m_table),
                                   QStringList(n, QStringLiteral("(?, ?, ?)")).join(u','));
            }
            exec(QStringLiteral("SAVEPOINT persistentmap_rows"), Code::WriteFailed,
                 QStringLiteral("cannot write the batch"));
            QSqlQuery query(m_db);
            bool written = query.prepare(sql);
            if (written) {
                for (qsizetype i = 0; i < n; ++i) {
                    query.addBindValue(textValue(chunk.at(i).key));
                    if (!remove) {
                        query.addBindValue(textValue(encoded.at(i).type));
                        query.addBindValue(textValue(encoded.at(i).text));
                    }
                }
                written = query.exec();
            }
            if (!written) {
                exec(QStringLiteral("ROLLBACK TO SAVEPOINT persistentmap_rows"), Code::WriteFailed,
                     QStringLiteral("cannot write the batch"));
                writeRows(chunk); // throws, naming the key, if one fails on its own too
            }
            exec(QStringLiteral("RELEASE SAVEPOINT persistentmap_rows"), Code::WriteFailed,
                 QStringLiteral("cannot write the batch"));
        }
    };
    write(upserts, false);
    write(removes, true);
}

void SqlStore::clear()
{
    exec(m_dialect == Dialect::Sqlite ? QStringLiteral("BEGIN IMMEDIATE") : QStringLiteral("BEGIN"),
         Code::WriteFailed, QStringLiteral("cannot start a transaction"));
    try {
        if (m_dialect == Dialect::Postgres)
            exec(QStringLiteral("LOCK TABLE %1 IN EXCLUSIVE MODE").arg(quoted(logTable())),
                 Code::WriteFailed, QStringLiteral("cannot lock the change log"));
        exec(QStringLiteral("DELETE FROM %1").arg(quoted(m_table)), Code::WriteFailed,
             QStringLiteral("cannot clear the table"));
        log(QStringLiteral("*"));
        exec(QStringLiteral("COMMIT"), Code::WriteFailed, QStringLiteral("cannot commit"));
        committed();
    } catch (...) {
        QSqlQuery(QStringLiteral("ROLLBACK"), m_db);
        throw;
    }
}

void SqlStore::checkPrecondition()
{
    ApplyPrecondition *precondition = ApplyPrecondition::current();
    if (!precondition)
        return;
    QSqlQuery row(m_db);
    row.setForwardOnly(true);
    if (!row.prepare(QStringLiteral("SELECT %1 FROM %2 WHERE key = ?")
                             .arg(selectedColumns(m_dialect), quoted(m_table))))
        fail(Code::WriteFailed, QStringLiteral("cannot read the version record"), row.lastError());
    row.addBindValue(textValue(precondition->key));
    if (!row.exec())
        fail(isBusy(row.lastError()) ? Code::Locked : Code::WriteFailed,
             QStringLiteral("cannot read the version record"), row.lastError());
    qint64 stored = 0;
    if (row.next()) {
        const QVariant value = readRow(row).second;
        bool isNumber = false;
        stored = value.toLongLong(&isNumber);
        if (!isNumber)
            stored = -1; // not a version this check can match
    }
    precondition->checked = true;
    if (stored != precondition->expected) {
        precondition->stale = true;
        if (precondition->reload)
            loadInto(*precondition->reload);
        fail(Code::Locked,
             QStringLiteral("another writer changed '%1' to %2 (expected %3)")
                     .arg(precondition->key)
                     .arg(stored)
                     .arg(precondition->expected));
    }
}

// The keys as a JSON array of strings, written directly: QJsonArray and QJsonDocument took
// a measurable share of a bulk insert.
void SqlStore::logChanges(const PersistentMapWriteBatch &batch)
{
    // A batch of very long keys, or of more than a follower would read key by key: "*", which
    // makes followers read the whole table. The JSON could exceed SQLite's length limit (a key
    // of 5 * 10^8 characters does) and fail every later commit (issue 11).
    qsizetype size = 2; // unescaped; escaped, a character takes at most 6 (\uXXXX)
    for (const PersistentMapWriteBatch::Entry &entry : batch.entries())
        size += entry.key.size() + 3;
    if (batch.size() > ReloadAbove || 6 * qint64(size) > LogTextLimit) {
        log(QStringLiteral("*"));
        return;
    }
    QString text;
    text.reserve(size);
    text += u'[';
    for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
        if (text.size() > 1)
            text += u',';
        text += u'"';
        for (const QChar c : entry.key) {
            if (c == u'"' || c == u'\\') {
                text += u'\\';
                text += c;
            } else if (c.unicode() < 0x20 || c.unicode() == 0xfeff) {
                // U+FEFF escaped too: Qt's JSON parser drops it unescaped at a string's start.
                text += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
            } else {
                text += c;
            }
        }
        text += u'"';
    }
    text += u']';
    log(text);
}

void SqlStore::log(const QString &keys)
{
    m_ownSeq = 0;
    if (!m_logInsert) {
        m_logInsert.emplace(m_db);
        if (!m_logInsert->prepare(QStringLiteral("INSERT INTO %1 (keys) VALUES (?) RETURNING seq")
                                          .arg(quoted(logTable())))) {
            const QSqlError error = m_logInsert->lastError();
            m_logInsert.reset();
            fail(Code::WriteFailed, QStringLiteral("cannot prepare a statement"), error);
        }
    }
    QSqlQuery &insert = *m_logInsert;
    insert.bindValue(0, keys);
    if (!insert.exec()) {
        // Prepared again next time: after some failures (a value SQLite refuses as too big)
        // QSQLITE finalizes the statement, and every later exec fails with "Parameter count
        // mismatch".
        const QSqlError error = insert.lastError();
        m_logInsert.reset();
        fail(isBusy(error) ? Code::Locked : Code::WriteFailed,
             QStringLiteral("cannot write the change log"), error);
    }
    if (insert.next())
        m_ownSeq = insert.value(0).toLongLong();
    insert.finish();
    if (m_dialect == Dialect::Postgres) {
        // Delivered at commit; the payload lets this client skip its own commits.
        exec(QStringLiteral("SELECT pg_notify('%1', pg_backend_pid()::text)").arg(logTable()),
             Code::WriteFailed, QStringLiteral("cannot notify the other clients"));
    }
    // Keeps the newest rows (and so the largest seq), in the same transaction: a reader never
    // sees the log change without a new row. Pruned at a connection's first commit and then
    // whenever seq (shared by every writer) passed another PruneEvery rows: the log holds at most
    // about LogKeep + PruneEvery rows whatever the commit pattern, many short-lived writers
    // included (tst_durability::changeLogIsBounded).
    if (m_ownSeq == 0 || m_ownSeq >= m_nextPrune) {
        m_nextPrune = (m_ownSeq / PruneEvery + 1) * PruneEvery;
        exec(QStringLiteral("DELETE FROM %1 WHERE seq <= (SELECT max(seq) FROM %1) - %2")
                     .arg(quoted(logTable()))
                     .arg(LogKeep),
             Code::WriteFailed, QStringLiteral("cannot prune the change log"));
    }
}

void SqlStore::committed()
{
    // This map's own row follows everything it has seen: nothing to read back. (When another
    // writer's row lies in between, both are read at the next poll; the own keys then compare
    // equal to the cache.)
    if (m_ownSeq == m_position + 1)
        m_position = m_ownSeq;
    m_ownSeq = 0;
}

PersistentMapBackend::Changes SqlStore::reloadAll(qint64 newest)
{
    struct Collector : PersistentMapBackend::Loader
    {
        ReadRows rows;
        void add(QString &&key, QVariant &&value) override
        {
            rows.add(std::move(key), std::move(value));
        }
    } collector;
    loadInto(collector);
    PersistentMapBackend::Changes changes;
    changes.entries = collector.rows.take();
    changes.complete = true;
    m_position = newest;
    return changes;
}

PersistentMapBackend::Changes SqlStore::pollChanges(Unlogged unlogged)
{
    // One read transaction: the log rows and the values come from one snapshot, so a follower
    // takes in whole transactions of the other writers, never part of one.
    exec(m_dialect == Dialect::Sqlite ? QStringLiteral("BEGIN")
                                      : QStringLiteral("BEGIN ISOLATION LEVEL REPEATABLE READ"),
         Code::Corrupt, QStringLiteral("cannot start a read transaction"));
    try {
        PersistentMapBackend::Changes changes = readChanges(unlogged);
        exec(QStringLiteral("COMMIT"), Code::Corrupt,
             QStringLiteral("cannot end a read transaction"));
        return changes;
    } catch (...) {
        QSqlQuery(QStringLiteral("ROLLBACK"), m_db);
        throw;
    }
}

PersistentMapBackend::Changes SqlStore::readChanges(Unlogged unlogged)
{
    const QString log = quoted(logTable());
    QSqlQuery range = exec(QStringLiteral("SELECT min(seq), max(seq) FROM %1").arg(log),
                           Code::Corrupt, QStringLiteral("cannot read the change log"));
    const bool any = range.next() && !range.value(1).isNull();
    const qint64 oldest = any ? range.value(0).toLongLong() : 0;
    const qint64 newest = any ? range.value(1).toLongLong() : 0;
    range.finish();
    if (newest == m_position)
        return unlogged == Unlogged::Reload ? reloadAll(newest) : PersistentMapBackend::Changes();
    // Rows this map has not seen were pruned (or the log was recreated): read everything.
    if (oldest > m_position + 1 || newest < m_position)
        return reloadAll(newest);

    QSqlQuery rows = exec(QStringLiteral("SELECT keys FROM %1 WHERE seq > %2 AND seq <= %3")
                                  .arg(log)
                                  .arg(m_position)
                                  .arg(newest),
                          Code::Corrupt, QStringLiteral("cannot read the change log"));
    QSet<QString> keys;
    while (rows.next()) {
        const QString text = rows.value(0).toString();
        if (text == u"*")
            return reloadAll(newest);
        const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8());
        if (!document.isArray())
            return reloadAll(newest); // not written by PersistentMap: trust the table only
        const QJsonArray array = document.array();
        for (const QJsonValue &key : array)
            keys.insert(key.toString());
        if (keys.size() > ReloadAbove)
            return reloadAll(newest);
    }
    rows.finish();

    // The current value of each key, a few hundred keys per query.
    PersistentMapBackend::Changes changes;
    const QStringList wanted(keys.cbegin(), keys.cend());
    constexpr qsizetype Chunk = 500;
    for (qsizetype start = 0; start < wanted.size(); start += Chunk) {
        const qsizetype n = std::min(Chunk, wanted.size() - start);
        const QStringList marks(n, QStringLiteral("?"));
        QSqlQuery values(m_db);
        values.setForwardOnly(true);
        if (!values.prepare(
                    QStringLiteral("SELECT %1 FROM %2 WHERE key IN (%3)")
                            .arg(selectedColumns(m_dialect), quoted(m_table), marks.join(u',')))) {
            fail(Code::Corrupt, QStringLiteral("cannot read the changed keys"), values.lastError());
        }
        for (qsizetype i = 0; i < n; ++i)
            values.addBindValue(textValue(wanted.at(start + i)));
        if (!values.exec())
            fail(Code::Corrupt, QStringLiteral("cannot read the changed keys"), values.lastError());
        QSet<QString> present;
        while (values.next()) {
            const auto [key, value] = readRow(values);
            changes.entries.insert(key, value);
            present.insert(key);
        }
        for (qsizetype i = 0; i < n; ++i) {
            if (!present.contains(wanted.at(start + i)))
                changes.entries.remove(wanted.at(start + i));
        }
    }
    m_position = newest;
    return changes;
}

void SqlStore::readTextEncoding()
{
    if (m_dialect != Dialect::Sqlite)
        return;
    QSqlQuery encoding = exec(QStringLiteral("PRAGMA encoding"), Code::OpenFailed,
                              QStringLiteral("cannot read the text encoding"));
    if (encoding.next())
        m_textEncoding = encoding.value(0).toString();
}

// Text as bound to a statement. QSQLITE binds a QString as UTF-16 (sqlite3_bind_text16), and
// SQLite takes a leading U+FEFF (bytes FF FE here) for a byte order mark and drops it, and a
// leading U+FFFE (FE FF) for a big-endian one: a key starting with either would be stored, removed
// or looked up altered. So SQLite gets a byte order mark of its own in front, which it drops,
// whatever the file's encoding (UTF-8 or UTF-16), and then the text exactly, NUL included. (A blob
// cast to text in the statement, as before, compares with nothing in a UTF-16 file.)
QVariant SqlStore::textValue(const QString &text) const
{
    if (m_dialect == Dialect::Postgres)
        return nonNull(text);
    return QVariant(QString(QChar::ByteOrderMark) + text);
}

// A row of selectedColumns() as the map's key and value (decodeOrKeep()); a row whose SQLite bytes
// are not text in the file's encoding, or whose key is a blob, is kept out of the map
// (keepNotText()).
std::pair<QString, QVariant> SqlStore::readRow(const QSqlQuery &row) const
{
    if (m_dialect == Dialect::Postgres) {
        return {row.value(0).toString().mid(1),
                decodeOrKeep(row.value(1).toString(), row.value(2).toString().mid(1))};
    }
    const QByteArray keyBytes = row.value(0).toByteArray();
    bool keyValid = true;
    bool typeValid = true;
    bool textValid = true;
    const auto decode = [this](const QByteArray &bytes, bool *valid) {
        return m_textEncoding == u"UTF-8"
                ? decodeStoredUtf8(bytes, valid)
                : decodeStoredUtf16(bytes, m_textEncoding == u"UTF-16be", valid);
    };
    QString key = decode(keyBytes, &keyValid);
    const QString type = decode(row.value(1).toByteArray(), &typeValid);
    const QString text = decode(row.value(2).toByteArray(), &textValid);
    const QString keyStorage = row.value(3).toString(); // typeof(key)
    const bool keyIsText = keyStorage == u"text";
    if (const std::optional<NotText> part = notText(keyIsText, keyValid, typeValid, textValid))
        return {std::move(key),
                keepNotText(type, text, keyBytes, *part, keyIsText ? m_textEncoding : keyStorage)};
    return {std::move(key), decodeOrKeep(type, text)};
}

} // namespace PersistentMapInternal
