// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// ReadRows: a store's rows read whole into a PersistentMapWriteBatch (a follower's reload), with
// the rule for rows kept out as not text (docs/FORMAT.md, SQLite).
#ifndef READROWS_P_H
#define READROWS_P_H

#include <PersistentMap/persistentmapwritebatch.h>

#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QVariant>

#include <utility>

namespace PersistentMapInternal {

// Rows read from a store into a PersistentMapWriteBatch (a reload, a follower's read). A row kept
// by keepNotText() may decode to the key of a readable row (key X'FF' and a real key U+FFFD): it is
// then left out, whatever order the store gives the two in; of several such rows of one key,
// the first is kept, as a load keeps it (so each is reported once, not at every reload).
class ReadRows
{
public:
    void add(QString &&key, QVariant &&value);
    PersistentMapWriteBatch take();

private:
    PersistentMapWriteBatch m_rows;
    QList<std::pair<QString, QVariant>> m_altered;
};

} // namespace PersistentMapInternal

#endif // READROWS_P_H
