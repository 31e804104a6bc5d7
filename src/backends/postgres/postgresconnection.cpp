// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "backends/postgres/postgresconnection_p.h"

#include <QtCore/QRegularExpression>
#include <QtCore/QSet>
#include <QtCore/QUrl>
#include <QtCore/QUrlQuery>

#include <algorithm>

namespace PersistentMapInternal {

namespace {

// libpq's connection keywords (PostgreSQL 15 documentation, "Parameter Key Words", 34.1.2),
// besides host, hostaddr, port, dbname, user and password, which are handled apart.
const QSet<QString> &optionKeywords()
{
    static const QSet<QString> keywords{
            QStringLiteral("passfile"),
            QStringLiteral("channel_binding"),
            QStringLiteral("connect_timeout"),
            QStringLiteral("client_encoding"),
            QStringLiteral("options"),
            QStringLiteral("application_name"),
            QStringLiteral("fallback_application_name"),
            QStringLiteral("keepalives"),
            QStringLiteral("keepalives_idle"),
            QStringLiteral("keepalives_interval"),
            QStringLiteral("keepalives_count"),
            QStringLiteral("tcp_user_timeout"),
            QStringLiteral("replication"),
            QStringLiteral("gssencmode"),
            QStringLiteral("sslmode"),
            QStringLiteral("requiressl"),
            QStringLiteral("sslcompression"),
            QStringLiteral("sslcert"),
            QStringLiteral("sslkey"),
            QStringLiteral("sslpassword"),
            QStringLiteral("sslrootcert"),
            QStringLiteral("sslcrl"),
            QStringLiteral("sslcrldir"),
            QStringLiteral("sslsni"),
            QStringLiteral("requirepeer"),
            QStringLiteral("ssl_min_protocol_version"),
            QStringLiteral("ssl_max_protocol_version"),
            QStringLiteral("krbsrvname"),
            QStringLiteral("gsslib"),
            QStringLiteral("service"),
            QStringLiteral("target_session_attrs"),
    };
    return keywords;
}

// Levenshtein distance, for "did you mean".
qsizetype distance(const QString &a, const QString &b)
{
    QList<qsizetype> row(b.size() + 1);
    for (qsizetype j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (qsizetype i = 1; i <= a.size(); ++i) {
        qsizetype diagonal = row[0];
        row[0] = i;
        for (qsizetype j = 1; j <= b.size(); ++j) {
            const qsizetype above = row[j];
            row[j] = std::min(
                    {row[j] + 1, row[j - 1] + 1, diagonal + (a.at(i - 1) == b.at(j - 1) ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

QString unknownKeyword(const QString &key)
{
    // The keyword is shown only when it looks like one: it is the user's text.
    const bool plain = !key.isEmpty() && key.size() <= 40 &&
            std::all_of(key.cbegin(), key.cend(), [](QChar c) {
                return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') ||
                        (c >= u'0' && c <= u'9') || c == u'_';
            });
    if (!plain)
        return QStringLiteral("an unknown option; libpq's keywords are listed in PostgreSQL's "
                              "documentation, \"Parameter Key Words\"");
    QStringList all = optionKeywords().values();
    all << QStringLiteral("host") << QStringLiteral("hostaddr") << QStringLiteral("port")
        << QStringLiteral("dbname") << QStringLiteral("user") << QStringLiteral("password");
    std::sort(all.begin(), all.end()); // the same suggestion whatever the set's order
    QString closest;
    qsizetype best = 3; // at most two edits away
    for (const QString &keyword : std::as_const(all)) {
        const qsizetype d = distance(key, keyword);
        if (d < best) {
            best = d;
            closest = keyword;
        }
    }
    QString text = QStringLiteral("unknown option \"%1\"").arg(key);
    if (!closest.isEmpty())
        text += QStringLiteral(" (did you mean \"%1\"?)").arg(closest);
    return text +
            QStringLiteral("; libpq's keywords are listed in PostgreSQL's documentation, "
                           "\"Parameter Key Words\"");
}

// Takes one keyword and its value; false (and `error`) when it cannot be used.
bool take(PostgresConnection *out, QSet<QString> *seen, const QString &key, const QString &value,
          bool fromUrl)
{
    const bool known = optionKeywords().contains(key) || key == u"host" || key == u"hostaddr" ||
            key == u"port" || key == u"dbname" || key == u"user" || key == u"password";
    if (!known) {
        out->error = unknownKeyword(key);
        return false;
    }
    if (seen->contains(key)) {
        out->error = QStringLiteral("option \"%1\" given twice").arg(key);
        return false;
    }
    seen->insert(key);
    if (value.contains(QChar(0))) {
        out->error = QStringLiteral("the value of \"%1\" holds a NUL character").arg(key);
        return false;
    }
    if (fromUrl && (key == u"dbname" || key == u"user" || key == u"password")) {
        out->error = QStringLiteral("\"%1\" belongs in the URL itself "
                                    "(postgres://USER:PASSWORD@HOST:PORT/DATABASE), not in its "
                                    "query")
                             .arg(key);
        return false;
    }
    if (key == u"host" || key == u"hostaddr") {
        if (fromUrl && !out->host.isEmpty()) {
            out->error = QStringLiteral("\"%1\" in the query, but the URL names a host already")
                                 .arg(key);
            return false;
        }
        if (key == u"host")
            out->host = value;
        else
            out->options.append({key, value});
    } else if (key == u"port") {
        if (fromUrl && out->port >= 0) {
            out->error = QStringLiteral("\"port\" in the query, but the URL names a port already");
            return false;
        }
        bool ok = false;
        out->port = value.toInt(&ok);
        if (!ok || out->port < 1 || out->port > 65535) {
            out->error = QStringLiteral("the port is not a number from 1 to 65535");
            return false;
        }
    } else if (key == u"dbname") {
        out->database = value;
    } else if (key == u"user") {
        out->user = value;
    } else if (key == u"password") {
        out->password = value;
    } else {
        if (value.contains(u';')) {
            out->error = QStringLiteral("the value of \"%1\" holds a ';', which Qt's QPSQL "
                                        "driver turns into a blank")
                                 .arg(key);
            return false;
        }
        out->options.append({key, value});
    }
    return true;
}

// libpq's "key=value key='quoted \' value'" (PostgreSQL documentation, "Keyword/Value
// Connection Strings").
void parseKeywordValues(const QString &text, PostgresConnection *out)
{
    QSet<QString> seen;
    qsizetype i = 0;
    const qsizetype n = text.size();
    QString previous;
    while (i < n) {
        while (i < n && text.at(i).isSpace())
            ++i;
        if (i == n)
            break;
        qsizetype end = i;
        while (end < n && text.at(end) != u'=' && !text.at(end).isSpace())
            ++end;
        const QString key = text.mid(i, end - i);
        i = end;
        while (i < n && text.at(i).isSpace())
            ++i;
        if (i == n || text.at(i) != u'=') {
            // Never the text itself: it may be part of a password.
            out->error = previous.isEmpty()
                    ? QStringLiteral("expected key=value at the start")
                    : QStringLiteral("expected key=value after the value of \"%1\"").arg(previous);
            return;
        }
        ++i;
        while (i < n && text.at(i).isSpace())
            ++i;
        QString value;
        if (i < n && text.at(i) == u'\'') {
            for (++i; i < n && text.at(i) != u'\''; ++i) {
                if (text.at(i) == u'\\' && i + 1 < n)
                    ++i;
                value.append(text.at(i));
            }
            if (i == n) {
                out->error = QStringLiteral("unterminated quote in the value of \"%1\"").arg(key);
                return;
            }
            ++i;
        } else {
            while (i < n && !text.at(i).isSpace()) {
                if (text.at(i) == u'\\' && i + 1 < n)
                    ++i;
                value.append(text.at(i++));
            }
        }
        if (!take(out, &seen, key, value, false))
            return;
        previous = key;
    }
}

} // namespace

PostgresConnection parsePostgresConnection(const QString &connection)
{
    PostgresConnection result;
    // A URL starts with its scheme; "://" elsewhere is inside a keyword's value.
    static const QRegularExpression urlStart(QStringLiteral("\\A[A-Za-z][A-Za-z0-9+.-]*://"));
    if (!urlStart.match(connection).hasMatch()) {
        parseKeywordValues(connection, &result);
        return result;
    }
    // An '@' after the host while the host part has none: user information holding '/', '?'
    // or '#', which end the host part, so "postgres://alice:/secret@db/app" would read "alice"
    // as the host and the rest of the password as the database, shown in every message
    // (adversarial review of issue 12). Refused, without quoting any of it.
    const qsizetype start = connection.indexOf(QLatin1StringView("://")) + 3;
    qsizetype hostEnd = start;
    while (hostEnd < connection.size() && connection.at(hostEnd) != u'/' &&
           connection.at(hostEnd) != u'?' && connection.at(hostEnd) != u'#')
        ++hostEnd;
    if (!QStringView(connection).mid(start, hostEnd - start).contains(u'@') &&
        QStringView(connection).mid(hostEnd).contains(u'@')) {
        result.error = QStringLiteral("an '@' after the host: a user name or password holding "
                                      "'/', '?' or '#', or an '@' in the database name or an "
                                      "option, must be percent-encoded (%2F, %3F, %23, %40)");
        return result;
    }
    // Tolerant: a blank typed into a value ("?options=-c search_path=x") is encoded, as libpq's
    // own URI parser accepts it.
    const QUrl url(connection, QUrl::TolerantMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != u"postgres" && scheme != u"postgresql")) {
        result.error = QStringLiteral("not a postgres:// URL");
        return result;
    }
    result.host = url.host(QUrl::FullyDecoded);
    result.port = url.port(-1);
    result.database = url.path(QUrl::FullyDecoded).mid(1);
    result.user = url.userName(QUrl::FullyDecoded);
    result.password = url.password(QUrl::FullyDecoded);
    QSet<QString> seen;
    bool tableSeen = false;
    for (const auto &[key, value] : QUrlQuery(url).queryItems(QUrl::FullyDecoded)) {
        if (key == u"table") {
            if (tableSeen) {
                result.error = QStringLiteral("option \"table\" given twice");
                return result;
            }
            tableSeen = true;
            result.table = value;
        } else if (!take(&result, &seen, key, value, true)) {
            return result;
        }
    }
    return result;
}

QString postgresConnectOptions(const QList<QPair<QString, QString>> &options)
{
    QStringList parts;
    for (const auto &[key, value] : options) {
        QString quoted = value;
        quoted.replace(u'\\', QLatin1StringView("\\\\")).replace(u'\'', QLatin1StringView("\\'"));
        parts.append(key + QLatin1StringView("='") + quoted + u'\'');
    }
    return parts.join(u';');
}

} // namespace PersistentMapInternal
