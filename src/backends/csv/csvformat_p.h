// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// RFC 4180 CSV records for PersistentMapCsvBackend: a writer that quotes only where needed and a
// reader that reports errors with the line they are on, skips blank lines, and tells a record torn
// by a crash (the file ends inside its last line) from a damaged file.
#ifndef CSVFORMAT_P_H
#define CSVFORMAT_P_H

#include <QtCore/QByteArray>
#include <QtCore/QStringConverter>
#include <QtCore/QStringList>

namespace PersistentMapInternal {

// Appends one '\n'-terminated record in UTF-8. Fields containing a comma, quote, CR or LF are
// quoted, with quotes doubled.
void appendCsvRecord(QByteArray &out, QStringView f0, QStringView f1, QStringView f2);

struct CsvRecord
{
    qsizetype line = 0; // 1-based line on which the record starts
    QStringList fields;
};

class CsvReader
{
public:
    enum class Result {
        Record, // *record holds the next record
        End, // no more data
        TornTail, // the data ends inside its last record (in a quoted value that may span lines,
                  // or before the record's line break): a torn final write, or, when
                  // lastRecordWithoutLineBreak() gives one, maybe a whole last record that
                  // RFC 4180 allows without a line break; the caller tells which. A lone CR
                  // (tornText() "\r") is a blank last line without its LF.
        Error // errorString() says what is wrong, starting with the line number
    };

    // data holds a file's bytes from the start of line firstLine on; a byte order mark is
    // skipped only at the start of the file (line 1). Blank lines (LF or CRLF alone) are no
    // records: skipped, and consumed with the record before them (or at the start).
    explicit CsvReader(const QByteArray &data, qsizetype firstLine = 1);

    Result next(CsvRecord *record);
    QString errorString() const { return m_error; }
    // Bytes up to and including the last complete record and the blank lines after it.
    qsizetype consumed() const { return m_consumed; }
    // After Record: the line on which the next record starts.
    qsizetype nextLine() const { return m_line; }
    // The line on which the torn tail starts, and its text (for the warning).
    qsizetype tornLine() const { return m_tornLine; }
    QByteArray tornText() const { return m_data.mid(m_consumed); }
    // After TornTail: whether the torn text is one whole record that only lacks its line break
    // (it ends outside quotes, after a field or a lone CR, and is valid UTF-8; a final comma
    // ends an empty last field), and that record. Adding a line break to the data would make it
    // a Record with these fields.
    bool lastRecordWithoutLineBreak(CsvRecord *record) const;

private:
    Result fail(qsizetype line, const QString &what);
    void skipBlankLines();

    // The last short field read in the second and third columns (the first is unused), bytes
    // and text.
    static constexpr int RememberedColumns = 3;
    static constexpr int RememberedBytes = 16;
    struct Above
    {
        char bytes[RememberedBytes];
        int size = -1; // -1: none (or too long)
        QString text;
    };
    Above m_above[RememberedColumns];

    const QByteArray m_data;
    qsizetype m_pos = 0;
    qsizetype m_line = 1;
    qsizetype m_consumed = 0;
    qsizetype m_tornLine = 0;
    bool m_tailIsRecord = false;
    CsvRecord m_tail;
    QString m_error;
    QStringDecoder m_decoder;
};

} // namespace PersistentMapInternal

#endif // CSVFORMAT_P_H
