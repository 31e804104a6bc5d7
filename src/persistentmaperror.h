// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PersistentMapError: the exception that travels inside a failed QFuture of PersistentMap and
// that storage backends throw. Custom backends throw it too (any other exception thrown by a
// backend is reported as Code::WriteFailed). message() says what failed, where (file, line, key)
// and why; it never contains a password or connection string.
#ifndef PERSISTENTMAPERROR_H
#define PERSISTENTMAPERROR_H

#include "persistentmap_export.h"

#include <QtCore/QException>
#include <QtCore/QString>

class PERSISTENTMAP_EXPORT PersistentMapError : public QException
{
public:
    enum class Code {
        OpenFailed, // the store could not be opened or created (permissions, bad path, bad name)
        Corrupt, // the store exists but cannot be parsed; it is left untouched
        WriteFailed, // a write, commit or flush failed (disk full, I/O error)
        Locked, // another process holds the store
        Unsupported // the value or the operation is not supported by this backend
    };

    PersistentMapError(Code code, const QString &message);

    Code code() const noexcept { return m_code; }
    QString message() const { return m_message; }

    const char *what() const noexcept override;
    void raise() const override;
    PersistentMapError *clone() const override;

private:
    Code m_code;
    QString m_message;
    QByteArray m_what;
};

#endif // PERSISTENTMAPERROR_H
