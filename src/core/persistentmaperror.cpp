// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmaperror.h>

PersistentMapError::PersistentMapError(Code code, const QString &message)
    : m_code(code)
    , m_message(message)
    , m_what(message.toUtf8())
{
}

const char *PersistentMapError::what() const noexcept
{
    return m_what.constData();
}

void PersistentMapError::raise() const
{
    throw *this;
}

PersistentMapError *PersistentMapError::clone() const
{
    return new PersistentMapError(*this);
}
