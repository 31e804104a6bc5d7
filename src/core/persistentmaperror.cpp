// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmaperror.h>

class PersistentMapErrorPrivate : public QSharedData
{
public:
    PersistentMapError::Code code;
    QString message;
    QByteArray what; // message in UTF-8, for std::exception::what()
};

PersistentMapError::PersistentMapError(Code code, const QString &message)
    : d(new PersistentMapErrorPrivate{{}, code, message, message.toUtf8()})
{
}

PersistentMapError::PersistentMapError(const PersistentMapError &other) noexcept = default;
PersistentMapError &PersistentMapError::operator=(const PersistentMapError &other) noexcept =
        default;
PersistentMapError::~PersistentMapError() = default;

PersistentMapError::Code PersistentMapError::code() const noexcept
{
    return d->code;
}

QString PersistentMapError::message() const
{
    return d->message;
}

const char *PersistentMapError::what() const noexcept
{
    return d->what.constData();
}

void PersistentMapError::raise() const
{
    throw *this;
}

PersistentMapError *PersistentMapError::clone() const
{
    return new PersistentMapError(*this);
}
