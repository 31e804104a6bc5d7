// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The one rule for group names and keys relative to a group, shared by PersistentMap::
// removeGroup() and PersistentMapGroup (settings/, which the QML module uses): as QSettings'
// normalizedKey() (qtbase, src/corelib/io/qsettings.cpp), slashes at either end are dropped and
// a run of slashes is one.
#ifndef GROUPNAME_P_H
#define GROUPNAME_P_H

#include <QtCore/QString>

namespace PersistentMapInternal {

inline QString normalizedGroupName(const QString &name)
{
    if (!name.startsWith(u'/') && !name.endsWith(u'/') && !name.contains(QLatin1String("//")))
        return name;
    QString result;
    result.reserve(name.size());
    for (const QChar c : name) {
        if (c == u'/' && (result.isEmpty() || result.endsWith(u'/')))
            continue;
        result.append(c);
    }
    if (result.endsWith(u'/'))
        result.chop(1);
    return result;
}

} // namespace PersistentMapInternal

#endif // GROUPNAME_P_H
