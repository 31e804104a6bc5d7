#include "csvbackend.h"

#include "csvformat_p.h"
#include "persistentmaperror.h"
#include "storefiles_p.h"
#include "valuecodec_p.h"

#include <QtCore/QFile>
#include <QtCore/QLockFile>
#include <QtCore/QLoggingCategory>
#include <QtCore/QSaveFile>
#include <QtCore/QSet>

Q_DECLARE_LOGGING_CATEGORY(lcPersistentMap)

using namespace PersistentMapInternal;
using Code = PersistentMapError::Code;

namespace {

const QByteArray header = QByteArrayLiteral("key,type,value\n");

// Compact once dead rows (overwritten or removed) exceed the live ones and this many, so the
// cost of rewriting the file is spread over at least as many appends: O(1) per write.
constexpr qint64 CompactionSlack = 1024;

// What replaying a file gives: the entries, and what the writer needs to know about the file.
struct Replay
{
    QVariantHash entries;
    qint64 rows = 0; // data rows in the file, live or dead
    bool torn = false; // a crash left an unfinished write at the end
};

} // namespace

class CsvBackendPrivate
{
public:
    [[noreturn]] void fail(Code code, const QString &what) const
    {
        throw PersistentMapError(code, QStringLiteral("CSV store %1: %2").arg(path, what));
    }
    Replay replay(const QByteArray &data) const;
    Replay readFile() const;
    void openForAppend();
    void rewrite(const QVariantHash &entries);
    void compactIfWorthIt();

    QString path;
    QFile file; // the append handle
    std::unique_ptr<QLockFile> lock;
    QSet<QString> liveKeys;
    qint64 rows = 0;
    qint64 goodSize = 0; // the file's size after the last complete write
    bool needsRepair = false;
};

Replay CsvBackendPrivate::replay(const QByteArray &data) const
{
    Replay result;
    if (data.isEmpty())
        return result;
    CsvReader reader(data);
    CsvRecord record;
    auto fields = [&](int n) {
        if (record.fields.size() != n) {
            fail(Code::Corrupt,
                 QStringLiteral("line %1: %2 fields instead of 3 (key,type,value)")
                         .arg(record.line)
                         .arg(record.fields.size()));
        }
    };
    CsvReader::Result next = reader.next(&record);
    if (next == CsvReader::Result::Record) {
        if (record.fields !=
            QStringList{QStringLiteral("key"), QStringLiteral("type"), QStringLiteral("value")}) {
            fail(Code::Corrupt,
                 QStringLiteral("line 1: the header is not key,type,value; this file was not "
                                "written by PersistentMap"));
        }
        next = reader.next(&record);
    } else if (next == CsvReader::Result::TornTail &&
               !QByteArrayLiteral("key,type,value\n").startsWith(data.mid(reader.consumed()))) {
        // A first line without a line break is a header cut off by a crash only if it is the
        // start of our header: otherwise it is someone's one-line file, which must not be
        // taken for an empty store and overwritten.
        fail(Code::Corrupt,
             QStringLiteral("line 1: the header is not key,type,value; this file was not "
                            "written by PersistentMap"));
    }
    // Rows of an unfinished batch: applied only once the whole batch has been read.
    QList<CsvRecord> batch;
    qsizetype batchExpected = 0;
    qsizetype batchLine = 0;
    auto applyRow = [&](const CsvRecord &row) {
        const QString &key = row.fields.at(0);
        const QString &type = row.fields.at(1);
        if (type == removedTag()) {
            result.entries.remove(key);
        } else {
            QVariant value;
            QString error;
            if (!decodeValue(type, row.fields.at(2), &value, &error)) {
                fail(Code::Corrupt,
                     QStringLiteral("line %1: key '%2': %3")
                             .arg(row.line)
                             .arg(key.left(200), error));
            }
            result.entries.insert(key, value);
        }
    };
    for (;; next = reader.next(&record)) {
        if (next == CsvReader::Result::Error)
            fail(Code::Corrupt, reader.errorString());
        if (next != CsvReader::Result::Record)
            break;
        fields(3);
        ++result.rows;
        if (record.fields.at(1) == batchTag()) {
            bool ok = false;
            const qsizetype size = record.fields.at(2).toLongLong(&ok);
            if (!ok || size < 1 || !record.fields.at(0).isEmpty() || batchExpected) {
                fail(Code::Corrupt,
                     QStringLiteral("line %1: a batch row must have an empty key, a positive "
                                    "count, and not fall inside another batch")
                             .arg(record.line));
            }
            batchExpected = size;
            batchLine = record.line;
            continue;
        }
        if (batchExpected) {
            batch.append(record);
            if (batch.size() == batchExpected) {
                for (const CsvRecord &row : std::as_const(batch))
                    applyRow(row);
                batch.clear();
                batchExpected = 0;
            }
            continue;
        }
        applyRow(record);
    }
    if (next == CsvReader::Result::TornTail) {
        result.torn = true;
        qCWarning(lcPersistentMap).noquote()
                << QStringLiteral("CSV store %1: line %2 is incomplete, probably cut off by a "
                                  "crash; dropping it: %3")
                           .arg(path)
                           .arg(reader.tornLine())
                           .arg(QString::fromUtf8(reader.tornText().left(200)));
    }
    if (batchExpected) {
        result.torn = true;
        qCWarning(lcPersistentMap).noquote()
                << QStringLiteral("CSV store %1: the batch that starts on line %2 is incomplete, "
                                  "probably cut off by a crash; dropping its %3 row(s)")
                           .arg(path)
                           .arg(batchLine)
                           .arg(batch.size());
    }
    return result;
}

Replay CsvBackendPrivate::readFile() const
{
    QFile in(path);
    if (!in.open(QIODevice::ReadOnly))
        fail(Code::OpenFailed, QStringLiteral("cannot read the file: ") + in.errorString());
    return replay(in.readAll());
}

void CsvBackendPrivate::openForAppend()
{
    file.close();
    file.setFileName(path);
    // Unbuffered: each batch reaches the operating system in one write() before it is
    // acknowledged, so a crash of the process cannot lose it.
    if (!file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Unbuffered))
        fail(Code::OpenFailed, QStringLiteral("cannot open for writing: ") + file.errorString());
    goodSize = file.size();
}

// Replaces the file with one holding exactly these entries. QSaveFile writes a new file and
// renames it over the old one, so a crash leaves either the old file or the new, never half.
void CsvBackendPrivate::rewrite(const QVariantHash &entries)
{
    QByteArray data = header;
    for (auto it = entries.cbegin(); it != entries.cend(); ++it) {
        const EncodedValue encoded = encodeValue(it.value());
        appendCsvRecord(data, it.key(), encoded.type, encoded.text);
    }
    file.close();
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly) || out.write(data) != data.size() || !out.commit()) {
        const QString error = out.errorString();
        openForAppend();
        fail(Code::WriteFailed, QStringLiteral("cannot rewrite the file: ") + error);
    }
    syncParentFolder(path);
    liveKeys = QSet<QString>(entries.keyBegin(), entries.keyEnd());
    rows = entries.size();
    needsRepair = false;
    openForAppend();
}

void CsvBackendPrivate::compactIfWorthIt()
{
    if (rows <= 2 * qint64(liveKeys.size()) + CompactionSlack)
        return;
    try {
        rewrite(readFile().entries);
    } catch (const PersistentMapError &e) {
        // The appended rows are safe; compaction is retried after the next write.
        qCWarning(lcPersistentMap).noquote() << e.message();
    }
}

CsvBackend::CsvBackend(const QString &path)
    : d(std::make_unique<CsvBackendPrivate>())
{
    d->path = path;
}

CsvBackend::~CsvBackend() = default;

QString CsvBackend::path() const
{
    return d->path;
}

QVariantHash CsvBackend::loadAll()
{
    QString error;
    bool created = false;
    if (!ensureStoreFile(d->path, &error, &created))
        d->fail(Code::OpenFailed, error);

    d->lock = std::make_unique<QLockFile>(d->path + QStringLiteral(".lock"));
    d->lock->setStaleLockTime(0); // held for the map's lifetime; a crashed owner is detected by PID
    bool locked = d->lock->tryLock(0);
    qint64 ownerPid = 0;
    QString ownerHost, ownerApp;
    if (!locked && d->lock->error() == QLockFile::LockFailedError &&
        !d->lock->getLockInfo(&ownerPid, &ownerHost, &ownerApp)) {
        // A lock file without readable owner: a process killed while creating it (seen in the
        // crash suite). Qt also holds a native lock (flock) on a live lock file, so removing it
        // succeeds only when no process holds it.
        locked = d->lock->removeStaleLockFile() && d->lock->tryLock(0);
    }
    if (!locked) {
        qint64 pid = 0;
        QString host, app;
        d->lock->getLockInfo(&pid, &host, &app);
        const QLockFile::LockError lockError = d->lock->error();
        d->lock.reset();
        if (lockError == QLockFile::LockFailedError) {
            d->fail(Code::Locked,
                    QStringLiteral("locked by process %1 (%2 on %3); only one process may open a "
                                   "CSV store")
                            .arg(pid)
                            .arg(app, host));
        }
        d->fail(Code::OpenFailed,
                QStringLiteral("cannot create the lock file %1.lock").arg(d->path));
    }

    try {
        Replay replay = d->readFile();
        d->liveKeys = QSet<QString>(replay.entries.keyBegin(), replay.entries.keyEnd());
        d->rows = replay.rows;
        d->needsRepair = replay.torn;
        d->openForAppend();
        if (d->goodSize == 0 && d->file.write(header) != header.size())
            d->fail(Code::WriteFailed,
                    QStringLiteral("cannot write the header: ") + d->file.errorString());
        d->goodSize = d->file.size();
        return replay.entries;
    } catch (...) {
        d->file.close();
        d->lock.reset(); // another process may try to open it after this one gave up
        throw;
    }
}

void CsvBackend::save(const QString &key, const QVariant &value)
{
    WriteBatch batch;
    batch.insert(key, value);
    apply(batch);
}

void CsvBackend::remove(const QString &key)
{
    WriteBatch batch;
    batch.remove(key);
    apply(batch);
}

void CsvBackend::apply(const WriteBatch &batch)
{
    if (!d->file.isOpen())
        d->fail(Code::WriteFailed, QStringLiteral("the store is not open"));
    if (batch.isEmpty())
        return;
    if (d->needsRepair) // never append after a torn line: the new rows would merge with it
        d->rewrite(d->readFile().entries);

    QByteArray data;
    if (batch.size() > 1)
        appendCsvRecord(data, QString(), batchTag(), QString::number(batch.size()));
    for (const WriteBatch::Entry &entry : batch.entries()) {
        if (entry.isRemove) {
            appendCsvRecord(data, entry.key, removedTag(), QString());
        } else {
            const EncodedValue encoded = encodeValue(entry.value);
            appendCsvRecord(data, entry.key, encoded.type, encoded.text);
        }
    }

    // A failed write may have left part of the batch behind; cut back to the last complete
    // write so the file never holds half a batch followed by later rows.
    if (d->file.size() != d->goodSize && !d->file.resize(d->goodSize))
        d->fail(Code::WriteFailed,
                QStringLiteral("cannot repair the file after a failed write: ") +
                        d->file.errorString());
    if (d->file.write(data) != data.size()) {
        const QString error = d->file.errorString();
        d->file.resize(d->goodSize);
        d->fail(Code::WriteFailed, QStringLiteral("cannot append: ") + error);
    }
    d->goodSize += data.size();
    d->rows += batch.size() + (batch.size() > 1 ? 1 : 0);
    for (const WriteBatch::Entry &entry : batch.entries()) {
        if (entry.isRemove)
            d->liveKeys.remove(entry.key);
        else
            d->liveKeys.insert(entry.key);
    }
    d->compactIfWorthIt();
}

void CsvBackend::clear()
{
    if (!d->file.isOpen())
        d->fail(Code::WriteFailed, QStringLiteral("the store is not open"));
    d->rewrite({});
}

void CsvBackend::flush()
{
    if (!d->file.isOpen())
        d->fail(Code::WriteFailed, QStringLiteral("the store is not open"));
    QString error;
    if (!syncFile(d->path, &error))
        d->fail(Code::WriteFailed, error);
}
