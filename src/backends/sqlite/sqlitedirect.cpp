// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "backends/sqlite/sqlitedirect_p.h"

#include "backend/keyorder_p.h"
#include "codec/undecodedvalue_p.h"
#include "codec/valuecodec_p.h"

#include <QtCore/QStringEncoder>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlDriver>
#include <QtSql/QSqlQuery>

#ifdef PERSISTENTMAP_HAVE_SQLITE3_API

#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace PersistentMapInternal {

namespace {

// The column's text; *valid turns false when its bytes are not UTF-8.
QString fromUtf8Column(sqlite3_stmt *statement, int column, bool *valid)
{
    const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(statement, column));
    return decodeStoredUtf8(QByteArrayView(text, sqlite3_column_bytes(statement, column)), valid);
}

QByteArray columnBytes(sqlite3_stmt *statement, int column)
{
    const auto *bytes = static_cast<const char *>(sqlite3_column_blob(statement, column));
    return QByteArray(bytes, sqlite3_column_bytes(statement, column));
}

// Binds text as UTF-8 encoded into a buffer reused from row to row: bound as UTF-16, SQLite
// would convert every key and value itself. The buffer stays untouched until the statement is
// reset, hence SQLITE_STATIC; its data is never null, so '' is bound, not NULL.
bool bindText(sqlite3_stmt *statement, int index, QStringView text, QByteArray *buffer)
{
    buffer->resize(text.size() * 3 + 1);
    QStringEncoder encoder(QStringEncoder::Utf8);
    const char *end = encoder.appendToBuffer(buffer->data(), text);
    return sqlite3_bind_text(statement, index, buffer->constData(), int(end - buffer->constData()),
                             SQLITE_STATIC) == SQLITE_OK;
}

} // namespace

std::unique_ptr<SqliteDirect> SqliteDirect::attach(const QSqlDatabase &db, const QString &table)
{
    // For the tests of the generic path, which a build whose QSQLITE runs another SQLite takes
    // (docs/TESTING.md, the *_generic tests).
    static const bool generic = qEnvironmentVariableIntValue("PERSISTENTMAP_SQLITE_GENERIC") == 1;
    if (generic)
        return nullptr;
    const QVariant handle = db.driver() ? db.driver()->handle() : QVariant();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return nullptr;
    sqlite3 *connection = *static_cast<sqlite3 *const *>(handle.constData());
    // The handle may only be used with the library that created it.
    QSqlQuery sourceId(db);
    if (!connection || !sourceId.exec(QStringLiteral("SELECT sqlite_source_id()")) ||
        !sourceId.next() || sourceId.value(0).toString() != QLatin1StringView(sqlite3_sourceid())) {
        return nullptr;
    }
    std::unique_ptr<SqliteDirect> direct(new SqliteDirect(connection, table));
    Error ignored;
    if (!direct->prepare(&ignored))
        return nullptr;
    return direct;
}

int SqliteDirect::systemErrno(const QSqlDatabase &db)
{
    const QVariant handle = db.driver() ? db.driver()->handle() : QVariant();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return 0;
    sqlite3 *connection = *static_cast<sqlite3 *const *>(handle.constData());
    return connection ? sqlite3_system_errno(connection) : 0;
}

SqliteDirect::SqliteDirect(sqlite3 *handle, const QString &table)
    : m_handle(handle)
    , m_table(table.toUtf8())
{
}

SqliteDirect::~SqliteDirect()
{
    sqlite3_finalize(m_upsert);
    sqlite3_finalize(m_erase);
}

SqliteDirect::Error SqliteDirect::lastError(const QString &what) const
{
    const int code = sqlite3_extended_errcode(m_handle) & 0xff;
    return {what + QStringLiteral(": ") + QString::fromUtf8(sqlite3_errmsg(m_handle)),
            code == SQLITE_BUSY || code == SQLITE_LOCKED};
}

bool SqliteDirect::prepare(Error *error)
{
    const QByteArray upsert =
            "INSERT OR REPLACE INTO \"" + m_table + "\" (key, type, value) VALUES (?, ?, ?)";
    const QByteArray erase = "DELETE FROM \"" + m_table + "\" WHERE key = ?";
    if (sqlite3_prepare_v3(m_handle, upsert.constData(), -1, SQLITE_PREPARE_PERSISTENT, &m_upsert,
                           nullptr) != SQLITE_OK ||
        sqlite3_prepare_v3(m_handle, erase.constData(), -1, SQLITE_PREPARE_PERSISTENT, &m_erase,
                           nullptr) != SQLITE_OK) {
        *error = lastError(QStringLiteral("cannot prepare a statement"));
        return false;
    }
    return true;
}

bool SqliteDirect::exec(const char *sql, Error *error)
{
    if (sqlite3_exec(m_handle, sql, nullptr, nullptr, nullptr) == SQLITE_OK)
        return true;
    *error = lastError(QString::fromLatin1(sql));
    return false;
}

qint64 SqliteDirect::lengthLimit() const
{
    return sqlite3_limit(m_handle, SQLITE_LIMIT_LENGTH, -1);
}

bool SqliteDirect::sync(Error *error)
{
    const struct
    {
        int operation;
        const char *what;
    } files[] = {{SQLITE_FCNTL_JOURNAL_POINTER, "the write-ahead log"},
                 {SQLITE_FCNTL_FILE_POINTER, "the database file"}};
    for (const auto &file : files) {
        sqlite3_file *handle = nullptr;
        if (sqlite3_file_control(m_handle, "main", file.operation, &handle) != SQLITE_OK) {
            *error = lastError(QStringLiteral("cannot reach %1").arg(QLatin1String(file.what)));
            return false;
        }
        if (!handle || !handle->pMethods)
            continue; // not open (no write-ahead log yet): nothing of it to sync
        errno = 0;
        const int rc = handle->pMethods->xSync(handle, SQLITE_SYNC_FULL);
        if (rc != SQLITE_OK) {
            const int osError = errno;
            error->message = QStringLiteral("cannot sync %1 to disk: %2 (%3)")
                                     .arg(QLatin1String(file.what),
                                          osError ? qt_error_string(osError)
                                                  : QString::fromUtf8(sqlite3_errstr(rc)))
                                     .arg(rc);
            return false;
        }
    }
    return true;
}

bool SqliteDirect::loadInto(PersistentMapBackend::Loader &loader, Error *error)
{
    // Counting first (about 40 ms per million rows) lets the hash be allocated once instead of
    // growing through twenty rehashes.
    const QByteArray count = "SELECT count(*) FROM \"" + m_table + '"';
    sqlite3_stmt *counter = nullptr;
    if (sqlite3_prepare_v2(m_handle, count.constData(), -1, &counter, nullptr) == SQLITE_OK &&
        sqlite3_step(counter) == SQLITE_ROW) {
        loader.reserve(qsizetype(sqlite3_column_int64(counter, 0)));
    }
    sqlite3_finalize(counter);

    const QByteArray select = "SELECT key, type, value FROM \"" + m_table + '"';
    sqlite3_stmt *statement = nullptr;
    if (sqlite3_prepare_v2(m_handle, select.constData(), -1, &statement, nullptr) != SQLITE_OK) {
        *error = lastError(QStringLiteral("cannot read the table"));
        return false;
    }
    const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt *)> finalizer(statement,
                                                                           sqlite3_finalize);
    const QString stringTag = StringTag;
    QString type;
    int rc;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
        bool keyValid = true;
        bool textValid = true;
        bool typeValid = true;
        // Asked before the text: sqlite3_column_type() tells the type the row holds only then.
        const int keyType = sqlite3_column_type(statement, 0);
        QString key = fromUtf8Column(statement, 0, &keyValid);
        const auto *tag = reinterpret_cast<const char *>(sqlite3_column_text(statement, 1));
        const int tagSize = sqlite3_column_bytes(statement, 1);
        // Strings are the common case: no tag string, no trip through the codec.
        const bool isString =
                tagSize == StringTag.size() && memcmp(tag, StringTag.data(), tagSize) == 0;
        if (!isString)
            type = fromUtf8Column(statement, 1, &typeValid);
        QString text = fromUtf8Column(statement, 2, &textValid);
        const std::optional<NotText> notTextPart =
                notText(keyType == SQLITE3_TEXT, keyValid, typeValid, textValid);
        if (Q_UNLIKELY(notTextPart)) {
            // Kept out of the map, reported, never written back (UndecodedValue::altered).
            const QString detail = keyType == SQLITE_BLOB ? QStringLiteral("blob")
                    : keyType == SQLITE_INTEGER           ? QStringLiteral("integer")
                    : keyType == SQLITE_FLOAT             ? QStringLiteral("real")
                                                          : QStringLiteral("UTF-8");
            loader.add(std::move(key),
                       keepNotText(isString ? stringTag : type, text, columnBytes(statement, 0),
                                   *notTextPart, detail));
        } else if (isString) {
            loader.add(std::move(key), std::move(text));
        } else {
            loader.add(std::move(key), decodeOrKeep(type, text));
        }
    }
    if (rc != SQLITE_DONE) {
        *error = lastError(QStringLiteral("cannot read the table"));
        return false;
    }
    sqlite3_db_release_memory(m_handle);
    return true;
}

bool SqliteDirect::apply(const PersistentMapWriteBatch &batch, Error *error,
                         const std::function<void()> &afterBegin,
                         const std::function<void()> &beforeCommit)
{
    // In key order: a B-tree written in order touches each page once, while hash order scatters
    // the writes over the whole table (measured: 300k entries, 86k page writes and 75k page
    // reads in hash order, 32k and 21k in key order). PersistentMap's batches come sorted;
    // others are sorted here, stably, so repeated keys keep their order.
    const QList<const PersistentMapWriteBatch::Entry *> ordered =
            entriesInKeyOrder(batch.entries());

    // IMMEDIATE takes the write lock up front, so the busy timeout covers other writers.
    if (!exec("BEGIN IMMEDIATE", error))
        return false;
    try {
        afterBegin();
    } catch (...) {
        sqlite3_exec(m_handle, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    for (const PersistentMapWriteBatch::Entry *entry : std::as_const(ordered)) {
        sqlite3_stmt *statement = entry->isRemove ? m_erase : m_upsert;
        bool bound = bindText(statement, 1, entry->key, &m_buffers[0]);
        if (!entry->isRemove) {
            const EncodedValue encoded = encodeValue(entry->value);
            bound = bound && bindText(statement, 2, encoded.type, &m_buffers[1]) &&
                    bindText(statement, 3, encoded.text, &m_buffers[2]);
        }
        const int rc = bound ? sqlite3_step(statement) : SQLITE_ERROR;
        if (rc != SQLITE_DONE)
            *error = lastError(QStringLiteral("cannot write key '%1'").arg(entry->key.left(200)));
        sqlite3_reset(statement);
        if (rc != SQLITE_DONE) {
            sqlite3_exec(m_handle, "ROLLBACK", nullptr, nullptr, nullptr);
            return false;
        }
    }
    try {
        beforeCommit();
    } catch (...) {
        sqlite3_exec(m_handle, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    if (!exec("COMMIT", error)) {
        sqlite3_exec(m_handle, "ROLLBACK", nullptr, nullptr, nullptr);
        return false;
    }
    return true;
}

} // namespace PersistentMapInternal

#else // !PERSISTENTMAP_HAVE_SQLITE3_API

// Built without the SQLite C API headers (libsqlite3-dev; cmake/OptionalParts.cmake): there is
// no fast path, attach() says so, and PersistentMapSqliteBackend keeps to QSqlQuery. No
// SqliteDirect object ever exists then, so the members below are never reached.
namespace PersistentMapInternal {

std::unique_ptr<SqliteDirect> SqliteDirect::attach(const QSqlDatabase &, const QString &)
{
    return nullptr;
}

SqliteDirect::~SqliteDirect() = default;

int SqliteDirect::systemErrno(const QSqlDatabase &)
{
    return 0;
}

bool SqliteDirect::loadInto(PersistentMapBackend::Loader &, Error *error)
{
    error->message = QStringLiteral("built without the SQLite C API");
    return false;
}

bool SqliteDirect::apply(const PersistentMapWriteBatch &, Error *error,
                         const std::function<void()> &, const std::function<void()> &)
{
    error->message = QStringLiteral("built without the SQLite C API");
    return false;
}

bool SqliteDirect::sync(Error *error)
{
    error->message = QStringLiteral("built without the SQLite C API");
    return false;
}

qint64 SqliteDirect::lengthLimit() const
{
    return 0;
}

} // namespace PersistentMapInternal

#endif // PERSISTENTMAP_HAVE_SQLITE3_API
