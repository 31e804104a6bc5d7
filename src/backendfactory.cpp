// StorageBackend::create(): the one place that knows every backend.
#include "csvbackend.h"
#include "memorybackend.h"
#include "postgresbackend.h"
#include "sqlitebackend.h"
#include "storagebackend.h"

std::unique_ptr<StorageBackend> StorageBackend::create(const QString &spec, QString *errorString)
{
    auto fail = [errorString](const QString &why) {
        if (errorString)
            *errorString = why;
        return std::unique_ptr<StorageBackend>();
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
            return fail(QStringLiteral("\"%1\": a memory store takes no path").arg(spec));
        return std::make_unique<MemoryBackend>();
    }
    if (scheme == u"postgres" || scheme == u"postgresql") {
        auto backend = std::make_unique<PostgresBackend>(spec);
        if (!PostgresBackend::isValidTableName(backend->table()))
            return fail(QStringLiteral("\"%1\": invalid table name \"%2\"")
                                .arg(backend->displayName(), backend->table()));
        return backend;
    }
    if (scheme.isEmpty() || scheme == u"sqlite" || scheme == u"csv") {
        if (rest.isEmpty())
            return fail(QStringLiteral("\"%1\": the path is missing").arg(spec));
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
                                    .arg(spec));
        }
        if (kind == u"csv")
            return std::make_unique<CsvBackend>(rest);
        return std::make_unique<SqliteBackend>(rest);
    }
    return fail(QStringLiteral("\"%1\": unknown backend \"%2\"; use sqlite:PATH, csv:PATH, "
                               "postgres://USER@HOST:PORT/DATABASE or memory:")
                        .arg(spec, scheme));
}
