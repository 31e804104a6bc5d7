// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

/// PersistentMapError: the exception that travels inside a failed QFuture of PersistentMap and
/// that storage backends throw. Custom backends throw it too (any other exception thrown by a
/// backend is reported as Code::WriteFailed). message() says what failed, where (file, line, key)
/// and why (the system's reason, as strerror() words it); it never contains a password or
/// connection string. Corrupt means bytes that cannot be parsed, nothing else: a store that cannot
/// be opened for a passing reason (DiskFull, TooManyOpenFiles, IoError, Locked) is worth opening
/// again later, and one that is only read-only opens (status Ready) and refuses writes (ReadOnly).
/// A write that fails after the store opened is WriteFailed, whatever the reason (the message
/// names it).
#ifndef PERSISTENTMAPERROR_H
#define PERSISTENTMAPERROR_H

#include <PersistentMap/persistentmap_export.h>

#include <QtCore/QException>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>

class PersistentMapErrorPrivate;

class PERSISTENTMAP_EXPORT PersistentMapError : public QException
{
public:
    enum class Code {
        OpenFailed, ///< the store could not be opened or created (permissions, bad path, bad name)
        Corrupt, ///< the store exists but cannot be parsed; it is left untouched
        WriteFailed, ///< a write, commit or flush failed (disk full, I/O error)
        Locked, ///< another process holds the store
        Unsupported, ///< the value or the operation is not supported by this backend
        // Appended; the values above never change.
        ReadOnly, ///< a write to a store opened read-only (by request, or one this user may only
                  ///< read: the message names the path and the permission); the store is intact
        DiskFull, ///< opening needed space the disk (or the quota) does not have (ENOSPC,
                  ///< EDQUOT, SQLITE_FULL)
        TooManyOpenFiles, ///< opening needed a file descriptor and none was left (EMFILE, ENFILE)
        IoError, ///< opening failed with an I/O error (EIO, SQLITE_IOERR): the device, not the data
        SchemaViolation, ///< a write of a value the map's schema refuses for its key (type, range,
                         ///< choices); nothing was written (PersistentMap::setSchema())
        InvalidSchema, ///< a PersistentMapSchema that contradicts itself or JSON that is not one
        MigrationFailed ///< a migration step (PersistentMapMigrations) threw or returned a batch
                        ///< the store cannot take; the message names the step, the store stays
                        ///< at the version before it
    };

    PersistentMapError(Code code, const QString &message);
    PersistentMapError(const PersistentMapError &other) noexcept;
    PersistentMapError &operator=(const PersistentMapError &other) noexcept;
    ~PersistentMapError() override;

    Code code() const noexcept;
    QString message() const;

    const char *what() const noexcept override;
    void raise() const override;
    PersistentMapError *clone() const override;

private:
    // Shared and never modified after construction: copying an exception never allocates.
    QSharedDataPointer<PersistentMapErrorPrivate> d;
};

#endif // PERSISTENTMAPERROR_H
