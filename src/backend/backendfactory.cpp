// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PersistentMapBackend::create(): the one place that knows every backend.
#include <PersistentMap/persistentmapbackend.h>
#include <PersistentMap/persistentmapcsvbackend.h>
#include <PersistentMap/persistentmapmemorybackend.h>
#include <PersistentMap/persistentmappostgresbackend.h>
#include <PersistentMap/persistentmapsqlitebackend.h>

#include "backend/redact_p.h"
#include "backends/postgres/postgresconnection_p.h"

using namespace PersistentMapInternal;

namespace {

// "csv:PATH?readonly=1": the options follow the first '?'.
std::unique_ptr<PersistentMapBackend> createCsv(const QString &spec, const QString &rest,
                                                QString *errorString)
{
    const qsizetype question = rest.indexOf(u'?');
    PersistentMapCsvBackend::OpenMode mode = PersistentMapCsvBackend::OpenMode::ReadWrite;
    const QStringList options = question < 0 ? QStringList() : rest.mid(question + 1).split(u'&');
    for (const QString &option : options) {
        const QString value = option.section(u'=', 1).toLower();
        if (option.section(u'=', 0, 0).toLower() == u"readonly" &&
            (value == u"1" || value == u"true" || value == u"0" || value == u"false")) {
            mode = value == u"1" || value == u"true" ? PersistentMapCsvBackend::OpenMode::ReadOnly
                                                     : PersistentMapCsvBackend::OpenMode::ReadWrite;
            continue;
        }
        if (errorString) {
            *errorString =
                    QStringLiteral(
                            "\"%1\": unknown option \"%2\"; a CSV store takes "
                            "readonly=1 (a path containing '?' needs PersistentMapCsvBackend "
                            "directly)")
                            .arg(redactPasswords(spec), redactPasswords(option));
        }
        return nullptr;
    }
    const QString path = question < 0 ? rest : rest.left(question);
    if (path.isEmpty()) {
        if (errorString)
            *errorString = QStringLiteral("\"%1\": the path is missing").arg(redactPasswords(spec));
        return nullptr;
    }
    return std::make_unique<PersistentMapCsvBackend>(path, mode);
}

} // namespace

std::unique_ptr<PersistentMapBackend> PersistentMapBackend::create(const QString &spec,
                                                                   QString *errorString)
{
    // Every message quotes the spec through redactPasswords(): never a password.
    const QString shown = redactPasswords(spec);
    auto fail = [errorString](const QString &why) {
        if (errorString)
            *errorString = why;
        return std::unique_ptr<PersistentMapBackend>();
    };
    // A scheme is a word of two or more letters before the first colon: not "C:\" and not a
    // colon inside a bare path such as /data/run:2/store.db.
    const qsizetype colon = spec.indexOf(u':');
    bool hasScheme = colon > 1;
    for (qsizetype i = 0; hasScheme && i < colon; ++i) {
        const QChar c = spec.at(i);
        hasScheme = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') ||
                (i > 0 && ((c >= u'0' && c <= u'9') || c == u'+' || c == u'-' || c == u'.'));
    }
    const QString scheme = hasScheme ? spec.left(colon).toLower() : QString();
    const QString rest = hasScheme ? spec.mid(colon + 1) : spec;

    if (scheme == u"memory") {
        if (!rest.isEmpty())
            return fail(QStringLiteral("\"%1\": a memory store takes no path").arg(shown));
        return std::make_unique<PersistentMapMemoryBackend>();
    }
    if (scheme == u"postgres" || scheme == u"postgresql") {
        const QString problem = parsePostgresConnection(spec).error;
        if (!problem.isEmpty()) {
            return fail(QStringLiteral("\"%1\": %2")
                                .arg(PersistentMapPostgresBackend(spec).displayName(), problem));
        }
        auto backend = std::make_unique<PersistentMapPostgresBackend>(spec);
        if (!PersistentMapPostgresBackend::isValidTableName(backend->table()))
            return fail(QStringLiteral("\"%1\": invalid table name \"%2\": use 1 to 48 letters, "
                                       "digits and underscores, not starting with a digit")
                                .arg(backend->displayName(), backend->table()));
        return backend;
    }
    if (scheme.isEmpty() || scheme == u"sqlite" || scheme == u"csv") {
        if (rest.isEmpty())
            return fail(QStringLiteral("\"%1\": the path is missing").arg(shown));
        QString kind = scheme;
        if (kind.isEmpty()) {
            const QString lower = rest.toLower();
            if (lower.endsWith(u".csv"))
                kind = QStringLiteral("csv");
            else if (lower.endsWith(u".db") || lower.endsWith(u".sqlite") ||
                     lower.endsWith(u".sqlite3"))
                kind = QStringLiteral("sqlite");
            else
                return fail(QStringLiteral("\"%1\": cannot tell the backend from the file name; "
                                           "use sqlite:PATH, csv:PATH or memory:, or a name "
                                           "ending in .db, .sqlite, .sqlite3 or .csv")
                                    .arg(shown));
        }
        if (scheme == u"csv")
            return createCsv(spec, rest, errorString);
        if (kind == u"csv")
            return std::make_unique<PersistentMapCsvBackend>(rest);
        return std::make_unique<PersistentMapSqliteBackend>(rest);
    }
    return fail(QStringLiteral("\"%1\": unknown backend \"%2\"; use sqlite:PATH, csv:PATH, "
                               "postgres://USER@HOST:PORT/DATABASE or memory:")
                        .arg(shown, scheme));
}
