// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "jsonfilebackend.h"

#include <PersistentMap/PersistentMapError>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QSaveFile>

using Code = PersistentMapError::Code;

JsonFileBackend::JsonFileBackend(const QString &path)
    : m_path(QFileInfo(path).absoluteFilePath())
{
}

void JsonFileBackend::loadInto(Loader &loader)
{
    QFile file(m_path);
    if (!file.exists()) {
        // A new store: create the folder and an empty object, so an unwritable place is
        // reported now rather than at the first write.
        if (!QDir().mkpath(QFileInfo(m_path).absolutePath())) {
            throw PersistentMapError(Code::OpenFailed,
                                     QStringLiteral("%1: cannot create its folder").arg(m_path));
        }
        write(QJsonObject());
        return;
    }
    if (!file.open(QIODevice::ReadOnly)) {
        throw PersistentMapError(Code::OpenFailed,
                                 QStringLiteral("%1: %2").arg(m_path, file.errorString()));
    }
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError) {
        // Left untouched: the map reports the error and works in memory only.
        throw PersistentMapError(Code::Corrupt,
                                 QStringLiteral("%1: invalid JSON at byte %2: %3")
                                         .arg(m_path)
                                         .arg(error.offset)
                                         .arg(error.errorString()));
    }
    if (!document.isObject()) {
        throw PersistentMapError(
                Code::Corrupt,
                QStringLiteral("%1: the top level is not a JSON object").arg(m_path));
    }
    m_object = document.object();
    loader.reserve(m_object.size());
    for (auto it = m_object.constBegin(); it != m_object.constEnd(); ++it)
        loader.add(it.key(), it.value().toVariant());
}

void JsonFileBackend::apply(const PersistentMapWriteBatch &batch)
{
    // Change a copy: if anything fails, m_object and the file stay as they were.
    QJsonObject object = m_object;
    for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
        if (entry.isRemove) {
            object.remove(entry.key);
            continue;
        }
        const QJsonValue value = QJsonValue::fromVariant(entry.value);
        if (value.isNull() && !entry.value.isNull()) {
            throw PersistentMapError(
                    Code::Unsupported,
                    QStringLiteral("%1: key \"%2\": a %3 cannot be stored as JSON")
                            .arg(m_path, entry.key, QString::fromLatin1(entry.value.typeName())));
        }
        object.insert(entry.key, value);
    }
    write(object);
    m_object = object;
}

bool JsonFileBackend::canStore(const QString &key, const QVariant &value, QString *why) const
{
    // Called on the thread that writes, not the storage thread: it reads only m_path, which
    // never changes.
    if (!value.isValid() || !QJsonValue::fromVariant(value).isNull() || value.isNull())
        return true;
    *why = QStringLiteral("%1: key \"%2\": a %3 cannot be stored as JSON")
                   .arg(m_path, key, QString::fromLatin1(value.typeName()));
    return false;
}

void JsonFileBackend::clear()
{
    write(QJsonObject());
    m_object = QJsonObject();
}

void JsonFileBackend::write(const QJsonObject &object)
{
    // QSaveFile writes a temporary file and renames it over the old one in commit(), after
    // syncing it: the file is always either the old or the new version, never half of one.
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly)) {
        throw PersistentMapError(Code::WriteFailed,
                                 QStringLiteral("%1: %2").arg(m_path, file.errorString()));
    }
    const QByteArray data = QJsonDocument(object).toJson(QJsonDocument::Indented);
    if (file.write(data) != data.size() || !file.commit()) {
        throw PersistentMapError(Code::WriteFailed,
                                 QStringLiteral("%1: %2").arg(m_path, file.errorString()));
    }
}
