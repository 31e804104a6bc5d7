// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// ApplyPrecondition: a check that the next apply() on this thread makes inside its write
// transaction, before its writes, where the backend can: the SQL backends (SQLite after BEGIN
// IMMEDIATE, PostgreSQL after locking the change log), whose writers take turns there. It compares
// the stored integer under `key` (0 when absent) with `expected`; on a mismatch it sets `stale`,
// hands the whole store as that transaction sees it to `reload` (when set), and the apply()
// throws, its transaction rolled back. MigratingBackend sets one around each
// step's commit, so two processes migrating one store at once never both commit a step: the one
// that comes second finds the version moved and reads the store again. Other backends ignore it
// (`checked` stays false): a CSV store has one writer, a memory store one map.
//
// Set and read on the storage thread only (thread_local), for the length of one apply() call.
#ifndef APPLYPRECONDITION_P_H
#define APPLYPRECONDITION_P_H

#include <PersistentMap/persistentmapbackend.h>

#include <QtCore/QString>

namespace PersistentMapInternal {

struct ApplyPrecondition
{
    QString key;
    qint64 expected = 0;
    bool checked = false; // a backend ran the check
    bool stale = false; // and found another value
    PersistentMapBackend::Loader *reload = nullptr; // gets the store when stale

    // The one set on this thread, or nullptr.
    static ApplyPrecondition *current();

    // Sets `precondition` for this thread while it lives.
    class Scope
    {
    public:
        explicit Scope(ApplyPrecondition *precondition);
        ~Scope();
        Scope(const Scope &) = delete;
        Scope &operator=(const Scope &) = delete;

    private:
        ApplyPrecondition *m_previous;
    };
};

} // namespace PersistentMapInternal

#endif // APPLYPRECONDITION_P_H
