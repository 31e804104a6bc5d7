// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

/// PersistentMapSettingsImport: brings an existing QSettings store (INI or the native format)
/// into a PersistentMap once, in one atomic batch (docs/MIGRATIONS.md, "Importing QSettings").
///
/// run() reads the QSettings object on the calling thread, at once (QSettings is reentrant, not
/// thread-safe): it syncs it, then takes every key of allKeys() ('/'-separated, groups included)
/// with the value QSettings gives back. Once the map is loaded it commits all of them together
/// with the marker markerKey(name) in one PersistentMap::apply(), so after a crash either both
/// are in the store or neither is: a later run() is a no-op (the marker is there) or a complete
/// redo, never a double import. Values keep what QSettings returns: an INI or native file gives
/// numbers and booleans as strings ("42", "true"), lists as QStringList, and the types QSettings
/// wrote with \@Variant(...), \@ByteArray(...), \@Size(...), \@Point(...) and \@Rect(...) typed.
/// (In the process that wrote them, QSettings may still give back the typed values it holds.)
///
/// Values of a type the map cannot store (PersistentMap::insert() refuses them with
/// Code::Unsupported: a custom type QSettings kept as \@Variant) are skipped and reported in
/// Result::skipped with the reason, and the rest is imported; the marker lists the skipped keys.
/// A marker the store holds but this process cannot decode (a damaged row) fails the future with
/// Code::Corrupt naming it, and nothing is imported again.
/// A batch the store refuses as a whole (a value over a store's size limit) fails the future
/// with that error and writes nothing, marker included.
///
/// Option::RemoveSource removes the QSettings file after the import was flushed to disk (the
/// future of PersistentMap::flush() succeeded), only when nothing was skipped and only when the
/// file still holds the bytes run() read (otherwise it is kept and the future fails with
/// Code::WriteFailed: another process wrote something never imported); a later run()
/// that finds the marker (the process ended between the flush and the removal) removes it then,
/// again only when the file's SHA-256 is still the one the marker recorded.
/// The QSettings object must not be written afterwards, or it writes the file again.
///
/// Two processes importing into one store at once may both commit the import (the marker is
/// looked up in the loaded map): run it from one process.
///
/// Threads: call run() on the thread that uses the QSettings object. The future finishes on a
/// thread of QThreadPool::globalInstance(), which waits for the map's futures (it attaches no
/// then() to them: a Qt 6.4 future keeps one continuation, and the program may have attached
/// its own to whenReady()), or, when everything was done at once, before run() returns; the map
/// must outlive it. It fails with the map's load error, with Code::OpenFailed or Code::Corrupt when
/// QSettings reports an access or format error, or with the write's or flush's error.
#ifndef PERSISTENTMAPSETTINGSIMPORT_H
#define PERSISTENTMAPSETTINGSIMPORT_H

#include <PersistentMap/persistentmap_export.h>

#include <QtCore/QFlags>
#include <QtCore/QFuture>
#include <QtCore/QHash>
#include <QtCore/QString>
#include <QtCore/QStringList>

class PersistentMap;
class QSettings;

class PERSISTENTMAP_EXPORT PersistentMapSettingsImport
{
public:
    enum class Option {
        NoOption = 0x0,
        RemoveSource = 0x1, ///< remove QSettings::fileName() once the import is durable
    };
    Q_DECLARE_FLAGS(Options, Option)

    /// What run() did. A plain value type.
    struct Result
    {
        bool imported = false; ///< false: the marker was in the map, nothing was written
        QStringList keys; ///< the keys imported, in allKeys() order
        QHash<QString, QString> skipped; ///< key -> why the map cannot store its value
        bool sourceRemoved = false; ///< RemoveSource removed the file
    };

    /// Imports settings into map unless map holds markerKey(name). name tells several imports
    /// apart (non-empty; default "qsettings").
    static QFuture<Result> run(PersistentMap &map, QSettings &settings, Options options = {},
                               const QString &name = QStringLiteral("qsettings"));

    /// The marker of an import: ".persistentmap/imported/NAME", its value a QVariantMap:
    /// "skipped", the QStringList of the keys skipped (empty when every key was imported), and
    /// "sha256", the hex SHA-256 of the file's bytes as run() read them (empty: not readable).
    static QString markerKey(const QString &name = QStringLiteral("qsettings"));

    PersistentMapSettingsImport() = delete;
};

Q_DECLARE_OPERATORS_FOR_FLAGS(PersistentMapSettingsImport::Options)

#endif // PERSISTENTMAPSETTINGSIMPORT_H
