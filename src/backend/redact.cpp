// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "backend/redact_p.h"

#include <QtCore/QRegularExpression>

namespace PersistentMapInternal {

QString redactPasswords(const QString &spec)
{
    QString result = spec;
    // scheme://user:password@host: the user information ends at the last '@', so a password
    // holding '@', ':' or '/' (unencoded, as people type them) is hidden whole.
    // "//" rather than "://": a URL typed without the scheme's ':' is hidden too.
    const qsizetype authority = result.indexOf(QLatin1StringView("//"));
    if (authority >= 0) {
        const qsizetype start = authority + 2;
        const qsizetype at = result.lastIndexOf(u'@');
        const qsizetype colon = result.indexOf(u':', start);
        if (at > start && colon >= 0 && colon < at)
            result.replace(colon + 1, at - colon - 1, QStringLiteral("***"));
    }
    // password=... as a query item or a libpq keyword: a quoted value, or everything up to the
    // next unescaped blank (libpq's rule; in a URL's query that also hides the items after it).
    static const QRegularExpression keyword(
            QStringLiteral(
                    R"(((?:^|[?&\s;])(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'?|(?:\\.|[^\s\\])*\\?))"),
            QRegularExpression::CaseInsensitiveOption);
    result.replace(keyword, QStringLiteral("\\1***"));
    return result;
}

} // namespace PersistentMapInternal
