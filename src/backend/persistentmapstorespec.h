// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

/// PersistentMapStoreSpec: what a store spec string names, the one reading of the rule that
/// PersistentMapBackend::create() and the QML type's `source` both follow.
///
/// Shapes:
/// - "memory:"                            a PersistentMapMemoryBackend; takes no path;
/// - "sqlite:PATH"                        a PersistentMapSqliteBackend on PATH, whatever its suffix
///                                        (a '?' is part of the file name);
/// - "csv:PATH[?readonly=1]"              a PersistentMapCsvBackend; everything from the first '?'
///                                        on is options (readonly=1/true/0/false), so a CSV path
///                                        containing '?' needs PersistentMapCsvBackend directly;
/// - `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?table=NAME&KEYWORD=VALUE...]`, also
///   "postgresql://": a PersistentMapPostgresBackend, its options checked as that class
///   documents. A libpq keyword string ("host=... dbname=...") is no spec, with or without a
///   scheme before it: give it to PersistentMapPostgresBackend directly;
/// - a bare PATH: SQLite for .db, .sqlite, .sqlite3, CSV for .csv (any case).
/// A scheme is a word of two or more letters (then digits, '+', '-', '.') before the first colon,
/// any case: "C:\data\x.db" and "/data/run:2/x.db" are bare paths.
///
/// A spec that does not parse is invalid (isValid() false, backend() None) and errorString() says
/// why, quoting the spec with every password shown as "***": an unknown scheme, a missing path, a
/// memory spec with a path, an unknown CSV option, a bare path without a known suffix, a
/// PostgreSQL option or table name that is not accepted. Parsing does no I/O. A value class,
/// implicitly shared: copies are cheap and may be used from any thread.
#ifndef PERSISTENTMAPSTORESPEC_H
#define PERSISTENTMAPSTORESPEC_H

#include <PersistentMap/persistentmap_export.h>

#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>
#include <QtCore/QStringList>

class PersistentMapStoreSpecPrivate;

class PERSISTENTMAP_EXPORT PersistentMapStoreSpec
{
public:
    enum class Backend { None, Memory, Sqlite, Csv, Postgres };

    /// An invalid spec (backend() None) with no error string.
    PersistentMapStoreSpec();
    PersistentMapStoreSpec(const PersistentMapStoreSpec &other);
    PersistentMapStoreSpec(PersistentMapStoreSpec &&other) noexcept;
    PersistentMapStoreSpec &operator=(const PersistentMapStoreSpec &other);
    PersistentMapStoreSpec &operator=(PersistentMapStoreSpec &&other) noexcept;
    ~PersistentMapStoreSpec();

    static PersistentMapStoreSpec parse(const QString &spec);

    bool isValid() const;
    /// Why the spec is invalid; empty when it is valid. Never holds a password.
    QString errorString() const;
    /// The spec as given to parse() (it may hold a password: show redacted() instead).
    QString spec() const;
    /// The spec with every password shown as "***".
    QString redacted() const;
    Backend backend() const;
    /// The scheme as written, in lower case ("postgresql" stays so); empty for a bare path.
    QString scheme() const;
    /// The file of a SQLite or CSV store, as written (relative or absolute); empty for the
    /// others and for an invalid spec, except a CSV spec refused only for an unknown option.
    QString path() const;
    /// The "NAME=VALUE" items after a CSV path's or a PostgreSQL URL's '?', as written.
    QStringList options() const;
    /// A CSV store opened read-only ("csv:PATH?readonly=1").
    bool isReadOnly() const;
    /// The spec with path() replaced by `path`, scheme and options kept; spec() when there is no
    /// path to replace.
    QString withPath(const QString &path) const;

private:
    QSharedDataPointer<PersistentMapStoreSpecPrivate> d;
};

#endif // PERSISTENTMAPSTORESPEC_H
