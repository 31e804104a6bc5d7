// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Passwords out of messages: every message that quotes a store spec or a connection string
// shows it through redactPasswords().
#ifndef REDACT_P_H
#define REDACT_P_H

#include <QtCore/QString>

namespace PersistentMapInternal {

// `spec` with every password replaced by "***": the password of a URL's user information
// ("scheme://user:***@host", whatever the scheme, even a misspelled one, and whatever characters
// the password holds: everything up to the last '@' is user information), "password=" and
// "sslpassword=" query items ("?password=***&..."), and the same keywords of a libpq connection
// string ("password=*** ", quoted values too). Over-redacts rather than under-redacts.
QString redactPasswords(const QString &spec);

} // namespace PersistentMapInternal

#endif // REDACT_P_H
