// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Checks of a CSV store's file for the tests that read it back (tst_csvbackend,
// tst_transientfaults): its inode, and whether it parses whole with the library's own reader
// (src/backends/csv/csvformat.cpp, linked into those tests).
#ifndef CSVFILECHECKS_H
#define CSVFILECHECKS_H

#include "backends/csv/csvformat_p.h"

#include <QtCore/QFile>
#include <QtCore/QString>

#include <sys/stat.h>

// The inode the path names now; 0 when it names nothing.
inline ino_t inode(const QString &path)
{
    struct stat st;
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return 0;
    return st.st_ino;
}

// True when every line parses as a complete record of three fields under the header.
inline bool fullyParseable(const QByteArray &data, QString *why)
{
    using PersistentMapInternal::CsvReader;
    CsvReader reader(data);
    PersistentMapInternal::CsvRecord record;
    int records = 0;
    for (;;) {
        switch (reader.next(&record)) {
        case CsvReader::Result::Record:
            if (record.fields.size() != 3) {
                *why = QStringLiteral("line %1 has %2 fields")
                               .arg(record.line)
                               .arg(record.fields.size());
                return false;
            }
            if (records++ == 0 && record.fields.join(u',') != QStringLiteral("key,type,value")) {
                *why = QStringLiteral("no header");
                return false;
            }
            continue;
        case CsvReader::Result::End:
            return records > 0;
        case CsvReader::Result::TornTail:
            *why = QStringLiteral("torn tail on line %1").arg(reader.tornLine());
            return false;
        case CsvReader::Result::Error:
            *why = reader.errorString();
            return false;
        }
    }
}

#endif // CSVFILECHECKS_H
