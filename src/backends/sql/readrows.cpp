// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "backends/sql/readrows_p.h"

#include "codec/undecodedvalue_p.h"

#include <QtCore/QSet>

namespace PersistentMapInternal {

void ReadRows::add(QString &&key, QVariant &&value)
{
    if (isUndecoded(value) && static_cast<const UndecodedValue *>(value.constData())->altered)
        m_altered.append({std::move(key), std::move(value)});
    else
        m_rows.insert(key, value);
}

PersistentMapWriteBatch ReadRows::take()
{
    if (!m_altered.isEmpty()) {
        QSet<QString> taken;
        for (const PersistentMapWriteBatch::Entry &entry : m_rows.entries())
            taken.insert(entry.key);
        for (const auto &[key, value] : std::as_const(m_altered)) {
            if (!taken.contains(key)) {
                taken.insert(key);
                m_rows.insert(key, value);
            }
        }
        m_altered.clear();
    }
    return std::exchange(m_rows, PersistentMapWriteBatch());
}

} // namespace PersistentMapInternal
