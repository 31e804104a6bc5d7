// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Passwords out of messages: every message that quotes a store spec or a connection string
// shows it through redactPasswords().
#ifndef REDACT_P_H
#define REDACT_P_H

#include <QtCore/QString>

namespace PersistentMapInternal {

// `spec` with every password replaced by "***": the password of a URL's user information
// ("scheme://user:***@host", whatever the scheme, even a misspelled one or one without its ':',
// and whatever characters the password holds: everything from the first ':' after "//" up to the
// last '@' is hidden), and the value of every "password=" and "sslpassword=" keyword or query
// item (a quoted value, or everything up to the next unescaped blank, as libpq reads it).
// Over-redacts rather than under-redacts.
QString redactPasswords(const QString &spec);

} // namespace PersistentMapInternal

#endif // REDACT_P_H
