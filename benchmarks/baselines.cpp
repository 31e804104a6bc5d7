// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The test data and the baselines the workloads compare against: the SQLite C API (the limit
// for writes and loading), QSettings with an INI file, and a QHash behind a QReadWriteLock (the
// limit for reads).
#include "bench.h"

#include <QtCore/QFile>
#include <QtCore/QSettings>

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <random>
#include <stdexcept>
#include <thread>

#include <unistd.h>

namespace Bench {

qint64 Options::targetSize() const
{
    return sizes.contains(1000000) ? 1000000 : *std::max_element(sizes.cbegin(), sizes.cend());
}

QString makeKey(qint64 i)
{
    return QStringLiteral("key%1").arg(i, 13, 10, QLatin1Char('0'));
}

Data makeData(qint64 first, qint64 count, int valueSize)
{
    Data data;
    data.keys.reserve(count);
    data.values.reserve(count);
    for (qint64 i = first; i < first + count; ++i) {
        data.keys.append(makeKey(i));
        // Letters that change with the index, so no two values are alike.
        QString value(valueSize, Qt::Uninitialized);
        QChar *chars = value.data();
        for (int c = 0; c < valueSize; ++c)
            chars[c] = QLatin1Char(char('a' + (i + c * 7) % 26));
        const QString digits = QString::number(i);
        for (int c = 0; c < digits.size() && c < valueSize; ++c)
            chars[c] = digits.at(c);
        data.values.append(value);
    }
    return data;
}

qint64 residentBytes()
{
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1 ? fields.at(1).toLongLong() * sysconf(_SC_PAGESIZE) : -1;
}

std::vector<qint64> shuffledIndexes(qint64 count, qint64 length, quint32 seed)
{
    std::vector<qint64> indexes(length);
    std::mt19937 random(seed);
    std::uniform_int_distribution<qint64> pick(0, count - 1);
    for (qint64 &index : indexes)
        index = pick(random);
    return indexes;
}

namespace Raw {

namespace {

void check(int rc, sqlite3 *db, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

void exec(sqlite3 *db, const char *sql)
{
    check(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), db, sql);
}

sqlite3 *open(const QString &path)
{
    sqlite3 *db = nullptr;
    const int rc = sqlite3_open_v2(QFile::encodeName(path).constData(), &db,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) {
        const std::string message = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        throw std::runtime_error("cannot open " + path.toStdString() + ": " + message);
    }
    return db;
}

} // namespace

QString libraryVersion()
{
    return QString::fromLatin1(sqlite3_libversion());
}

double insertAll(const QString &path, const Data &data)
{
    sqlite3 *db = open(path);
    exec(db, "PRAGMA journal_mode=WAL");
    // FULL: the one commit syncs the WAL, the cheapest way to end as durable as
    // PersistentMap::flush() (which syncs the WAL file after its NORMAL commits).
    exec(db, "PRAGMA synchronous=FULL");
    exec(db,
         "CREATE TABLE IF NOT EXISTS \"persistent_map\" (key TEXT PRIMARY KEY NOT NULL, "
         "type TEXT NOT NULL, value TEXT NOT NULL) WITHOUT ROWID");
    sqlite3_stmt *insert = nullptr;
    check(sqlite3_prepare_v2(db,
                             "INSERT OR REPLACE INTO \"persistent_map\" (key, type, value) "
                             "VALUES (?1, ?2, ?3)",
                             -1, &insert, nullptr),
          db, "prepare");

    QElapsedTimer timer;
    timer.start();
    exec(db, "BEGIN IMMEDIATE");
    for (qsizetype i = 0; i < data.keys.size(); ++i) {
        // The rows arrive as QString, as in any Qt program: encoding them is part of the cost.
        const QByteArray key = data.keys.at(i).toUtf8();
        const QByteArray value = data.values.at(i).toUtf8();
        sqlite3_bind_text(insert, 1, key.constData(), int(key.size()), SQLITE_STATIC);
        sqlite3_bind_text(insert, 2, "string", 6, SQLITE_STATIC);
        sqlite3_bind_text(insert, 3, value.constData(), int(value.size()), SQLITE_STATIC);
        check(sqlite3_step(insert), db, "insert");
        sqlite3_reset(insert);
    }
    exec(db, "COMMIT");
    const double seconds = secondsOf(timer);

    sqlite3_finalize(insert);
    sqlite3_close(db);
    return seconds;
}

double scanIntoHash(const QString &path, QHash<QString, QVariant> *hash)
{
    QElapsedTimer timer;
    timer.start();
    sqlite3 *db = open(path);
    sqlite3_stmt *select = nullptr;
    check(sqlite3_prepare_v2(db, "SELECT key, type, value FROM \"persistent_map\"", -1, &select,
                             nullptr),
          db, "prepare");
    int rc;
    while ((rc = sqlite3_step(select)) == SQLITE_ROW) {
        const auto text = [select](int column) {
            return QString::fromUtf8(
                    reinterpret_cast<const char *>(sqlite3_column_text(select, column)),
                    sqlite3_column_bytes(select, column));
        };
        // Every row of these stores is a string; the type is still read and checked.
        if (sqlite3_column_bytes(select, 1) != 6)
            throw std::runtime_error("unexpected type tag");
        hash->insert(text(0), QVariant(text(2)));
    }
    check(rc, db, "select");
    sqlite3_finalize(select);
    sqlite3_close(db);
    return secondsOf(timer);
}

} // namespace Raw

namespace Settings {

double insertAll(const QString &path, const Data &data)
{
    QSettings settings(path, QSettings::IniFormat);
    QElapsedTimer timer;
    timer.start();
    for (qsizetype i = 0; i < data.keys.size(); ++i)
        settings.setValue(data.keys.at(i), data.values.at(i));
    settings.sync();
    const double seconds = secondsOf(timer);
    if (settings.status() != QSettings::NoError)
        throw std::runtime_error("QSettings could not write " + path.toStdString());
    return seconds;
}

} // namespace Settings

double median(QList<double> values)
{
    if (values.isEmpty())
        return std::nan("");
    std::sort(values.begin(), values.end());
    const qsizetype m = values.size() / 2;
    return values.size() % 2 ? values.at(m) : (values.at(m - 1) + values.at(m)) / 2;
}

std::vector<std::vector<qint64>> readOrders(int threads, qint64 keyCount, qint64 readsPerThread)
{
    std::vector<std::vector<qint64>> orders;
    for (int t = 0; t < threads; ++t)
        orders.push_back(shuffledIndexes(keyCount, readsPerThread, 1234u + quint32(t)));
    return orders;
}

} // namespace Bench
