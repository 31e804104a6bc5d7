// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// JsonFileBackend: a PersistentMapBackend that keeps the map in one JSON file, {"key": value, ...}.
//
// A full backend: it derives from PersistentMapBackend to commit each batch atomically. A store
// that can only save and remove one entry at a time derives from PersistentMapSimpleBackend
// instead (README.md, "A custom backend"). What a backend has to do (persistentmapbackend.h has
// the contract):
// - loadInto() opens the store, creating it with its parent folders when missing, and hands
//   everything in it to the loader. A file that cannot be parsed is reported as Code::Corrupt
//   and left as it is.
// - apply() commits a batch of the map's pending writes. Here: the whole object is written once
//   per batch with QSaveFile, which replaces the file atomically when it commits, so a crash or
//   a failed write leaves the previous file in place and the batch is all-or-nothing.
// - clear() writes an empty object; flush() has nothing left to do, because
//   QSaveFile::commit() has already synced the file to disk.
// - Failures are thrown as PersistentMapError naming the file and the cause.
//
// The map calls these functions one at a time on its storage thread, so no locking is needed.
//
// Values are stored as JSON: strings, numbers, booleans, null, and lists and maps of them.
// JSON has no type tags, so an int comes back as a qlonglong and a QDateTime as a string;
// values JSON cannot hold at all (a QByteArray, a QPoint) are refused with Code::Unsupported.
// The built-in SQLite and CSV backends keep every type: use them when that matters.
#ifndef JSONFILEBACKEND_H
#define JSONFILEBACKEND_H

#include <PersistentMap/PersistentMapBackend>

#include <QJsonObject>

class JsonFileBackend : public PersistentMapBackend
{
public:
    explicit JsonFileBackend(const QString &path); // no I/O here: the map calls loadInto()

    QString path() const { return m_path; }

    void loadInto(Loader &loader) override;
    void apply(const PersistentMapWriteBatch &batch) override;
    void clear() override;
    // Refuses, before the map queues them, values JSON cannot hold (QPoint, ...): a write that
    // failed in apply() would be retried with every later batch.
    bool canStore(const QString &key, const QVariant &value, QString *why) const override;

private:
    void write(const QJsonObject &object);

    QString m_path;
    QJsonObject m_object; // what the file holds
};

#endif // JSONFILEBACKEND_H
