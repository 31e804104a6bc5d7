// CsvBackend: stores the map in a CSV file (RFC 4180 quoting, UTF-8, a key,type,value header)
// that a person can read and a spreadsheet can open. docs/FORMAT.md describes it.
//
// Writes are appended (a removal appends a tombstone row; a batch of several entries is preceded
// by a row that counts them, so a batch torn by a crash is dropped whole). When dead rows
// outnumber live ones the file is compacted into a new file that replaces the old one atomically
// (QSaveFile); the file is never truncated and rewritten in place. A QLockFile (PATH.lock) keeps
// a second process out: it gets Code::Locked with the owner's PID. A final line torn by a crash
// is dropped with a warning; any other line that cannot be parsed is reported as Code::Corrupt
// with its line number, and the file is left untouched.
#ifndef CSVBACKEND_H
#define CSVBACKEND_H

#include "storagebackend.h"

class CsvBackendPrivate;

class PERSISTENTMAP_EXPORT CsvBackend : public StorageBackend
{
public:
    explicit CsvBackend(const QString &path);
    ~CsvBackend() override;

    QString path() const;

    QVariantHash loadAll() override;
    void save(const QString &key, const QVariant &value) override;
    void remove(const QString &key) override;
    void flush() override;
    void apply(const WriteBatch &batch) override;
    void clear() override;

private:
    std::unique_ptr<CsvBackendPrivate> d;
};

#endif // CSVBACKEND_H
