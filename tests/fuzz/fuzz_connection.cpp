// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// libFuzzer target for PostgreSQL connection specs (src/backends/postgres/postgresconnection.cpp)
// and password redaction (src/backend/redact.cpp). For any input:
// - parsing ends without a memory error, and an error never quotes the input's text beyond a
//   keyword;
// - when it parses, the options as QPSQL hands them to libpq (setConnectOptions() text with
//   ';' turned into ' ', as QPSQLDriver::open() does) read back as exactly the same keywords and
//   values: no value can add or change a keyword;
// - a URL built from the input's bytes as scheme://USER:PASSWORD@HOST/... never shows the
//   password after redactPasswords().
#include "backend/redact_p.h"
#include "backends/postgres/postgresconnection_p.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace PersistentMapInternal;

namespace {

[[noreturn]] void failure(const char *what, const QString &input)
{
    std::fprintf(stderr, "fuzz_connection: %s: '%s'\n", what,
                 input.toUtf8().toPercentEncoding(" ").constData());
    std::abort();
}

void checkOptionsReadBack(const QString &input)
{
    const PostgresConnection parsed = parsePostgresConnection(input);
    if (!parsed.error.isEmpty() || parsed.options.isEmpty())
        return;
    QString handed = postgresConnectOptions(parsed.options);
    handed.replace(u';', u' ');
    const PostgresConnection again = parsePostgresConnection(handed);
    if (!again.error.isEmpty())
        failure("the quoted options do not parse", input);
    if (again.options != parsed.options)
        failure("the quoted options read back different", input);
    if (!again.host.isEmpty() || again.port != -1 || !again.database.isEmpty() ||
        !again.user.isEmpty() || !again.password.isEmpty())
        failure("an option value became a connection keyword", input);
}

// The input split at its first two NULs into user, password and the rest (host, path, query).
void checkRedaction(const QString &input)
{
    const QStringList parts = input.split(QChar(0));
    if (parts.size() < 3)
        return;
    const QString &user = parts.at(0);
    const QString &password = parts.at(1);
    QString rest = parts.mid(2).join(u' ');
    // The user information ends at the URL's last '@' and the password at the user's ':'.
    if (password.isEmpty() || user.contains(u':') || user.contains(u'@') || rest.contains(u'@'))
        return;
    const QString spec = QStringLiteral("pg://") + user + u':' + password + u'@' + rest;
    const QString shown = redactPasswords(spec);
    const QString withoutPassword = QStringLiteral("pg://") + user + QStringLiteral(":***@") + rest;
    // The password may also appear by chance in the user or the rest: then nothing can hide it.
    if (shown.contains(password) && !withoutPassword.contains(password))
        failure("the password survives redaction", spec);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString input = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    checkOptionsReadBack(input);
    checkRedaction(input);
    (void)redactPasswords(input);
    return 0;
}
