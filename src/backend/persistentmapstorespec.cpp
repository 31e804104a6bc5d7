// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmappostgresbackend.h>
#include <PersistentMap/persistentmapstorespec.h>

#include "backend/redact_p.h"
#include "backends/postgres/postgresconnection_p.h"

#include <QtCore/QSharedData>

using namespace PersistentMapInternal;

class PersistentMapStoreSpecPrivate : public QSharedData
{
public:
    QString spec;
    QString error;
    QString scheme;
    QString path;
    QStringList options;
    // Where path() sits in spec, for withPath().
    qsizetype pathStart = 0;
    qsizetype pathEnd = 0;
    PersistentMapStoreSpec::Backend backend = PersistentMapStoreSpec::Backend::None;
    bool readOnly = false;

    void refuse(const QString &why)
    {
        backend = PersistentMapStoreSpec::Backend::None;
        path.clear();
        options.clear();
        readOnly = false;
        error = why;
    }
    void parseCsvOptions(const QString &rest);
    void parse();
};

// "csv:PATH?readonly=1": the options follow the first '?'.
void PersistentMapStoreSpecPrivate::parseCsvOptions(const QString &rest)
{
    const qsizetype question = rest.indexOf(u'?');
    options = question < 0 ? QStringList() : rest.mid(question + 1).split(u'&');
    path = question < 0 ? rest : rest.left(question);
    pathEnd = pathStart + path.size();
    const QStringList items = options; // refuse() clears options
    for (const QString &option : items) {
        const QString value = option.section(u'=', 1).toLower();
        if (option.section(u'=', 0, 0).toLower() == u"readonly" &&
            (value == u"1" || value == u"true" || value == u"0" || value == u"false")) {
            readOnly = value == u"1" || value == u"true";
            continue;
        }
        // The path stays known: the QML source still resolves it, as it always did.
        const QString known = path;
        refuse(QStringLiteral("\"%1\": unknown option \"%2\"; a CSV store takes "
                              "readonly=1 (a path containing '?' needs "
                              "PersistentMapCsvBackend directly)")
                       .arg(redactPasswords(spec), redactPasswords(option)));
        path = known;
        return;
    }
    if (path.isEmpty())
        refuse(QStringLiteral("\"%1\": the path is missing").arg(redactPasswords(spec)));
}

void PersistentMapStoreSpecPrivate::parse()
{
    using Backend = PersistentMapStoreSpec::Backend;
    // Every message quotes the spec through redactPasswords(): never a password.
    const QString shown = redactPasswords(spec);
    // A scheme is a word of two or more letters before the first colon: not "C:\" and not a
    // colon inside a bare path such as /data/run:2/store.db.
    const qsizetype colon = spec.indexOf(u':');
    bool hasScheme = colon > 1;
    for (qsizetype i = 0; hasScheme && i < colon; ++i) {
        const QChar c = spec.at(i);
        hasScheme = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') ||
                (i > 0 && ((c >= u'0' && c <= u'9') || c == u'+' || c == u'-' || c == u'.'));
    }
    scheme = hasScheme ? spec.left(colon).toLower() : QString();
    pathStart = hasScheme ? colon + 1 : 0;
    const QString rest = spec.mid(pathStart);

    if (scheme == u"memory") {
        if (!rest.isEmpty())
            return refuse(QStringLiteral("\"%1\": a memory store takes no path").arg(shown));
        backend = Backend::Memory;
        return;
    }
    if (scheme == u"postgres" || scheme == u"postgresql") {
        const PersistentMapPostgresBackend postgres(spec); // parses, does no I/O
        const QString problem = parsePostgresConnection(spec).error;
        if (!problem.isEmpty())
            return refuse(QStringLiteral("\"%1\": %2").arg(postgres.displayName(), problem));
        if (!PersistentMapPostgresBackend::isValidTableName(postgres.table())) {
            return refuse(QStringLiteral("\"%1\": invalid table name \"%2\": use 1 to 48 "
                                         "letters, digits and underscores, not starting with a "
                                         "digit")
                                  .arg(postgres.displayName(), postgres.table()));
        }
        backend = Backend::Postgres;
        const qsizetype question = rest.indexOf(u'?');
        if (rest.startsWith(u"//") && question >= 0)
            options = rest.mid(question + 1).split(u'&', Qt::SkipEmptyParts);
        return;
    }
    if (!scheme.isEmpty() && scheme != u"sqlite" && scheme != u"csv") {
        return refuse(QStringLiteral("\"%1\": unknown backend \"%2\"; use sqlite:PATH, csv:PATH, "
                                     "postgres://USER@HOST:PORT/DATABASE or memory:")
                              .arg(shown, scheme));
    }
    if (rest.isEmpty())
        return refuse(QStringLiteral("\"%1\": the path is missing").arg(shown));
    if (scheme == u"csv") {
        backend = Backend::Csv;
        return parseCsvOptions(rest);
    }
    path = rest;
    pathEnd = spec.size();
    if (scheme == u"sqlite") {
        backend = Backend::Sqlite;
        return;
    }
    const QString lower = rest.toLower();
    if (lower.endsWith(u".csv")) {
        backend = Backend::Csv;
    } else if (lower.endsWith(u".db") || lower.endsWith(u".sqlite") ||
               lower.endsWith(u".sqlite3")) {
        backend = Backend::Sqlite;
    } else {
        refuse(QStringLiteral("\"%1\": cannot tell the backend from the file name; use "
                              "sqlite:PATH, csv:PATH or memory:, or a name ending in .db, "
                              ".sqlite, .sqlite3 or .csv")
                       .arg(shown));
    }
}

PersistentMapStoreSpec::PersistentMapStoreSpec()
    : d(new PersistentMapStoreSpecPrivate)
{
}

PersistentMapStoreSpec::PersistentMapStoreSpec(const PersistentMapStoreSpec &other) = default;
PersistentMapStoreSpec::PersistentMapStoreSpec(PersistentMapStoreSpec &&other) noexcept = default;
PersistentMapStoreSpec &PersistentMapStoreSpec::operator=(const PersistentMapStoreSpec &other) =
        default;
PersistentMapStoreSpec &PersistentMapStoreSpec::operator=(PersistentMapStoreSpec &&other) noexcept =
        default;
PersistentMapStoreSpec::~PersistentMapStoreSpec() = default;

PersistentMapStoreSpec PersistentMapStoreSpec::parse(const QString &spec)
{
    PersistentMapStoreSpec result;
    result.d->spec = spec;
    result.d->parse();
    return result;
}

bool PersistentMapStoreSpec::isValid() const
{
    return d->backend != Backend::None;
}

QString PersistentMapStoreSpec::errorString() const
{
    return d->error;
}

QString PersistentMapStoreSpec::spec() const
{
    return d->spec;
}

QString PersistentMapStoreSpec::redacted() const
{
    return redactPasswords(d->spec);
}

PersistentMapStoreSpec::Backend PersistentMapStoreSpec::backend() const
{
    return d->backend;
}

QString PersistentMapStoreSpec::scheme() const
{
    return d->scheme;
}

QString PersistentMapStoreSpec::path() const
{
    return d->path;
}

QStringList PersistentMapStoreSpec::options() const
{
    return d->options;
}

bool PersistentMapStoreSpec::isReadOnly() const
{
    return d->readOnly;
}

QString PersistentMapStoreSpec::withPath(const QString &path) const
{
    if (d->path.isEmpty())
        return d->spec;
    return d->spec.left(d->pathStart) + path + d->spec.mid(d->pathEnd);
}
