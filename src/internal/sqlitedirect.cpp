#include "sqlitedirect_p.h"

#include "valuecodec_p.h"

#include <QtCore/QStringEncoder>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlDriver>
#include <QtSql/QSqlQuery>

#include <sqlite3.h>

#include <algorithm>

namespace PersistentMapInternal {

namespace {

QString fromUtf8Column(sqlite3_stmt *statement, int column)
{
    const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(statement, column));
    return QString::fromUtf8(text, sqlite3_column_bytes(statement, column));
}

bool bindText(sqlite3_stmt *statement, int index, const QString &text)
{
    // utf16() is never null, so an empty string is bound as '' rather than NULL. The text stays
    // alive until the statement is reset, hence SQLITE_STATIC.
    return sqlite3_bind_text16(statement, index, text.utf16(), int(text.size() * sizeof(char16_t)),
                               SQLITE_STATIC) == SQLITE_OK;
}

} // namespace

std::unique_ptr<SqliteDirect> SqliteDirect::attach(const QSqlDatabase &db, const QString &table)
{
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

bool SqliteDirect::loadAll(QVariantHash *out, Error *error)
{
    const QByteArray select = "SELECT key, type, value FROM \"" + m_table + '"';
    sqlite3_stmt *statement = nullptr;
    if (sqlite3_prepare_v2(m_handle, select.constData(), -1, &statement, nullptr) != SQLITE_OK) {
        *error = lastError(QStringLiteral("cannot read the table"));
        return false;
    }
    const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt *)> finalizer(statement,
                                                                           sqlite3_finalize);
    const QString stringTag = QStringLiteral("string");
    QString type;
    int rc;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
        QString key = fromUtf8Column(statement, 0);
        const auto *tag = reinterpret_cast<const char *>(sqlite3_column_text(statement, 1));
        const int tagSize = sqlite3_column_bytes(statement, 1);
        // Strings are the common case: no tag string, no trip through the codec.
        if (tagSize == 6 && memcmp(tag, "string", 6) == 0) {
            out->insert(std::move(key), fromUtf8Column(statement, 2));
            continue;
        }
        type = QString::fromUtf8(tag, tagSize);
        QVariant value;
        QString why;
        if (!decodeValue(type, fromUtf8Column(statement, 2), &value, &why)) {
            *error = {QStringLiteral("key '%1': %2").arg(key.left(200), why), false};
            return false;
        }
        out->insert(std::move(key), std::move(value));
    }
    if (rc != SQLITE_DONE) {
        *error = lastError(QStringLiteral("cannot read the table"));
        return false;
    }
    return true;
}

bool SqliteDirect::apply(const WriteBatch &batch, Error *error)
{
    // IMMEDIATE takes the write lock up front, so the busy timeout covers other writers.
    if (!exec("BEGIN IMMEDIATE", error))
        return false;
    // In key order: a B-tree written in order touches each page once, while the map's batches
    // come in hash order, which scatters writes over the whole table (measured: 1M entries, 86k
    // page writes and 75k page reads in hash order). Stable, so repeated keys keep their order.
    const QList<WriteBatch::Entry> &entries = batch.entries();
    QList<const WriteBatch::Entry *> ordered;
    ordered.reserve(entries.size());
    for (const WriteBatch::Entry &entry : entries)
        ordered.append(&entry);
    std::stable_sort(
            ordered.begin(), ordered.end(),
            [](const WriteBatch::Entry *a, const WriteBatch::Entry *b) { return a->key < b->key; });
    for (const WriteBatch::Entry *item : std::as_const(ordered)) {
        const WriteBatch::Entry &entry = *item;
        sqlite3_stmt *statement = entry.isRemove ? m_erase : m_upsert;
        EncodedValue encoded;
        bool bound = bindText(statement, 1, entry.key);
        if (!entry.isRemove) {
            encoded = encodeValue(entry.value);
            bound = bound && bindText(statement, 2, encoded.type) &&
                    bindText(statement, 3, encoded.text);
        }
        const int rc = bound ? sqlite3_step(statement) : SQLITE_ERROR;
        if (rc != SQLITE_DONE)
            *error = lastError(QStringLiteral("cannot write key '%1'").arg(entry.key.left(200)));
        sqlite3_reset(statement);
        if (rc != SQLITE_DONE) {
            sqlite3_exec(m_handle, "ROLLBACK", nullptr, nullptr, nullptr);
            return false;
        }
    }
    if (!exec("COMMIT", error)) {
        sqlite3_exec(m_handle, "ROLLBACK", nullptr, nullptr, nullptr);
        return false;
    }
    return true;
}

} // namespace PersistentMapInternal
