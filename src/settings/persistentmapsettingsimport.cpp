// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmap.h>
#include <PersistentMap/persistentmapmigrations.h>
#include <PersistentMap/persistentmapsettingsimport.h>

#include "codec/valuecodec_p.h"
#include "core/persistentmap_p.h"
#include "logging_p.h"

#include <QtCore/QCryptographicHash>
#include <QtCore/QFile>
#include <QtCore/QMutex>
#include <QtCore/QPromise>
#include <QtCore/QSettings>
#include <QtCore/QThreadPool>

#include <algorithm>
#include <exception>
#include <functional>
#include <memory>
#include <utility>

namespace {

using Code = PersistentMapError::Code;
using Result = PersistentMapSettingsImport::Result;

// The import's state between its steps, shared by the continuations.
struct Import
{
    PersistentMap *map = nullptr;
    QPromise<Result> promise;
    Result result;
    QList<std::pair<QString, QVariant>> entries;
    QString marker;
    QString source;
    QByteArray sourceBytes; // the file as run() read it: removed only if still so
    QString sourceHash; // hex SHA-256 of sourceBytes, recorded in the marker; empty: unreadable
    bool removeSource = false;

    void fail(const std::exception_ptr &error)
    {
        promise.setException(error);
        promise.finish();
    }
    void succeed()
    {
        promise.addResult(result);
        promise.finish();
    }
};

// Runs next once future succeeded; fails the import with its error otherwise. Not
// future.then(): Qt 6.4 keeps one continuation per future, a second then() replacing the first,
// and these futures are shared with the program (whenReady() is one future for every caller, a
// write's future is its batch's): the import would take the place of the program's continuation
// or lose its own. A thread of the global pool waits instead (waitForFinished() serves any
// number of waiters); a future already finished goes on at once.
template<typename Next>
void whenDone(const std::shared_ptr<Import> &import, QFuture<void> future, Next next)
{
    std::function<void()> step = [import, future, next = std::move(next)]() mutable {
        try {
            future.waitForFinished();
        } catch (...) {
            import->fail(std::current_exception());
            return;
        }
        if (future.isCanceled()) {
            import->fail(std::make_exception_ptr(PersistentMapError(
                    Code::WriteFailed,
                    QStringLiteral("the map was destroyed before the import finished"))));
            return;
        }
        next();
    };
    if (future.isFinished())
        step();
    else
        QThreadPool::globalInstance()->start(std::move(step));
}

// Removes the source once what the map committed is durable.
void removeSourceAfterFlush(const std::shared_ptr<Import> &import)
{
    whenDone(import, import->map->flush(), [import] {
        QFile file(import->source);
        // Another process may have written the file since run() read it: what it added was
        // never imported, so the file stays. (A short window remains between this check and
        // the removal, and between sync() and the read in run().)
        if (file.exists() &&
            (!file.open(QIODevice::ReadOnly) || file.readAll() != import->sourceBytes)) {
            import->fail(std::make_exception_ptr(PersistentMapError(
                    Code::WriteFailed,
                    QStringLiteral("imported, but the QSettings file '%1' changed after it was "
                                   "read (or cannot be read again); it was kept")
                            .arg(import->source))));
            return;
        }
        file.close();
        if (file.exists() && !file.remove()) {
            import->fail(std::make_exception_ptr(PersistentMapError(
                    Code::WriteFailed,
                    QStringLiteral("imported, but cannot remove the QSettings file '%1': %2")
                            .arg(import->source, file.errorString()))));
            return;
        }
        import->result.sourceRemoved = true;
        import->succeed();
    });
}

void importLoaded(const std::shared_ptr<Import> &import)
{
    // Two imports of one name into one map may get here at once, each on a pool thread: the
    // marker's check and the batch that writes it (in the map's memory at once) are one step.
    static QMutex oneAtATime;
    const QMutexLocker locker(&oneAtATime);
    PersistentMap &map = *import->map;
    const QVariant marker = map.value(import->marker);
    if (!marker.isValid() && PersistentMapPrivate::get(&map)->holdsUndecoded(import->marker)) {
        // Taking a damaged marker for none would import again, over values changed since.
        import->fail(std::make_exception_ptr(PersistentMapError(
                Code::Corrupt,
                QStringLiteral("the marker '%1' of an earlier import is stored but cannot be "
                               "read; nothing was imported again")
                        .arg(import->marker))));
        return;
    }
    if (marker.isValid()) {
        // Done before. Its file is removed only when that import skipped nothing and the file
        // is still the one imported: a file written since holds what was never imported.
        const QVariantMap done = marker.toMap();
        if (!import->removeSource ||
            !done.value(QStringLiteral("skipped")).toStringList().isEmpty()) {
            import->succeed();
        } else if (!QFile::exists(import->source) ||
                   (!import->sourceHash.isEmpty() &&
                    done.value(QStringLiteral("sha256")).toString() == import->sourceHash)) {
            removeSourceAfterFlush(import);
        } else {
            import->fail(std::make_exception_ptr(PersistentMapError(
                    Code::WriteFailed,
                    QStringLiteral("the QSettings file '%1' changed after it was imported (or "
                                   "cannot be read); it was kept")
                            .arg(import->source))));
        }
        return;
    }
    PersistentMapWriteBatch batch;
    batch.reserve(import->entries.size() + 1);
    for (const auto &[key, value] : std::as_const(import->entries))
        batch.insert(key, value);
    QStringList skipped = import->result.skipped.keys();
    std::sort(skipped.begin(), skipped.end());
    batch.insert(import->marker,
                 QVariantMap{{QStringLiteral("skipped"), skipped},
                             {QStringLiteral("sha256"), import->sourceHash}});
    import->result.imported = true;
    const QFuture<void> applied = map.apply(batch);
    if (import->removeSource && skipped.isEmpty()) {
        // Not flush() at once: a batch refused at once is not queued, and the flush would succeed.
        whenDone(import, applied, [import] { removeSourceAfterFlush(import); });
    } else {
        whenDone(import, applied, [import] { import->succeed(); });
    }
}

} // namespace

QString PersistentMapSettingsImport::markerKey(const QString &name)
{
    return PersistentMapMigrations::reservedPrefix() + QStringLiteral("imported/") + name;
}

QFuture<Result> PersistentMapSettingsImport::run(PersistentMap &map, QSettings &settings,
                                                 Options options, const QString &name)
{
    if (name.isEmpty()) {
        return QtFuture::makeExceptionalFuture<Result>(PersistentMapError(
                Code::Unsupported, QStringLiteral("a QSettings import needs a non-empty name")));
    }
    settings.sync();
    if (settings.status() != QSettings::NoError) {
        const bool format = settings.status() == QSettings::FormatError;
        return QtFuture::makeExceptionalFuture<Result>(PersistentMapError(
                format ? Code::Corrupt : Code::OpenFailed,
                QStringLiteral("cannot read the QSettings file '%1': %2")
                        .arg(settings.fileName(),
                             format ? QStringLiteral("it is not in the expected format")
                                    : QStringLiteral("access denied"))));
    }
    auto import = std::make_shared<Import>();
    import->map = &map;
    import->marker = markerKey(name);
    import->source = settings.fileName();
    import->removeSource = options.testFlag(Option::RemoveSource);
    { // Always: a later run() with RemoveSource removes the file only if it is still this one.
        QFile file(import->source);
        if (file.open(QIODevice::ReadOnly)) {
            import->sourceBytes = file.readAll();
            import->sourceHash = QString::fromLatin1(
                    QCryptographicHash::hash(import->sourceBytes, QCryptographicHash::Sha256)
                            .toHex());
        }
    }
    const QString reserved = PersistentMapMigrations::reservedPrefix();
    const QStringList keys = settings.allKeys();
    for (const QString &key : keys) {
        const QVariant value = settings.value(key);
        QString why;
        if (key.startsWith(reserved)) {
            why = QStringLiteral("the key is under the reserved prefix '%1'").arg(reserved);
        } else if (!PersistentMapInternal::isEncodable(value, &why)) {
            // why says it
        } else {
            import->entries.append({key, value});
            import->result.keys.append(key);
            continue;
        }
        qCWarning(lcPersistentMap).noquote()
                << QStringLiteral("QSettings import of '%1': key '%2' skipped: %3")
                           .arg(import->source, key, why);
        import->result.skipped.insert(key, why);
    }
    import->promise.start();
    QFuture<Result> future = import->promise.future();
    whenDone(import, map.whenReady(), [import] { importLoaded(import); });
    return future;
}
