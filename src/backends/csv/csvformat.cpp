// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "backends/csv/csvformat_p.h"

#include <cstring>

namespace PersistentMapInternal {

namespace {

bool needsQuotes(const QByteArray &field)
{
    // A field starting with U+FEFF: at the very start of a file the reader would take it for a
    // byte order mark and drop it (found by tests/fuzz/fuzz_csvreader).
    if (field.startsWith("\xEF\xBB\xBF"))
        return true;
    for (const char c : field) {
        if (c == ',' || c == '"' || c == '\n' || c == '\r')
            return true;
    }
    return false;
}

void appendField(QByteArray &out, QStringView field)
{
    const QByteArray utf8 = field.toUtf8();
    if (!needsQuotes(utf8)) {
        out.append(utf8);
        return;
    }
    out.append('"');
    for (const char c : utf8) {
        if (c == '"')
            out.append('"');
        out.append(c);
    }
    out.append('"');
}

} // namespace

void appendCsvRecord(QByteArray &out, QStringView f0, QStringView f1, QStringView f2)
{
    appendField(out, f0);
    out.append(',');
    appendField(out, f1);
    out.append(',');
    appendField(out, f2);
    out.append('\n');
}

CsvReader::CsvReader(const QByteArray &data, qsizetype firstLine)
    : m_data(data)
    , m_line(firstLine)
    // ConvertInitialBom: a field that starts with U+FEFF keeps it; only the file's BOM is
    // skipped, below.
    , m_decoder(QStringDecoder::Utf8,
                QStringDecoder::Flag::Stateless | QStringDecoder::Flag::ConvertInitialBom)
{
    if (firstLine == 1 && m_data.startsWith("\xEF\xBB\xBF")) // a BOM, as spreadsheets write it
        m_pos = m_consumed = 3;
    skipBlankLines();
}

// RFC 4180's grammar reads an empty line as a record of one empty field; editors leave them at
// the end of a file or between rows, and spreadsheets and Python's csv module skip them. So does
// the reader, as whole lines (LF or CRLF) it consumes: a line of spaces is a field.
void CsvReader::skipBlankLines()
{
    const qsizetype size = m_data.size();
    for (;;) {
        if (m_pos < size && m_data.at(m_pos) == '\n')
            m_pos += 1;
        else if (m_pos + 1 < size && m_data.at(m_pos) == '\r' && m_data.at(m_pos + 1) == '\n')
            m_pos += 2;
        else
            return;
        m_consumed = m_pos;
        ++m_line;
    }
}

CsvReader::Result CsvReader::fail(qsizetype line, const QString &what)
{
    m_error = QStringLiteral("line %1: %2").arg(line).arg(what);
    return Result::Error;
}

CsvReader::Result CsvReader::next(CsvRecord *record)
{
    const qsizetype size = m_data.size();
    const char *data = m_data.constData();
    if (m_pos >= size)
        return Result::End;

    const qsizetype startLine = m_line;
    record->line = startLine;
    record->fields.clear();
    auto torn = [&] {
        m_tornLine = startLine;
        return Result::TornTail;
    };
    // A lone CR left: a blank last line without its LF (half a CRLF), no record.
    if (data[m_pos] == '\r' && m_pos + 1 == size)
        return torn();

    for (;;) {
        // The field's bytes: a view into the data where they are contiguous (unquoted, or
        // quoted without a doubled quote: the common case, decoded without a copy), else
        // gathered in `unquoted`.
        QByteArrayView field;
        QByteArray unquoted;
        if (data[m_pos] == '"') {
            ++m_pos;
            bool gathered = false; // a doubled quote was met: the field is in `unquoted`
            for (;;) {
                const char *quote =
                        static_cast<const char *>(memchr(data + m_pos, '"', size - m_pos));
                if (!quote) {
                    // The file ends inside quotes: a write cut off inside a quoted value, which
                    // may hold line breaks, quotes and lines that read like rows of a store
                    // (seen in the power-loss suite). A quote left open by a hand edit looks
                    // the same; either way the caller keeps the bytes it cuts (PATH.torn-*).
                    // While the file grows, it is a value half appended.
                    return torn();
                }
                const qsizetype end = quote - data;
                m_line += std::count(data + m_pos, quote, '\n');
                if (end + 1 < size && data[end + 1] == '"') { // a doubled quote stands for one
                    unquoted.append(data + m_pos, end - m_pos);
                    unquoted.append('"');
                    gathered = true;
                    m_pos = end + 2;
                    continue;
                }
                if (gathered) {
                    unquoted.append(data + m_pos, end - m_pos);
                    field = unquoted;
                } else {
                    field = QByteArrayView(data + m_pos, end - m_pos);
                }
                m_pos = end + 1;
                break;
            }
            // A CR at the very end is half of a CRLF cut off by a torn write.
            if (m_pos < size && data[m_pos] != ',' && data[m_pos] != '\n' &&
                !(data[m_pos] == '\r' && (m_pos + 1 == size || data[m_pos + 1] == '\n'))) {
                return fail(m_line, QStringLiteral("unexpected text after a closing quote"));
            }
        } else {
            qsizetype end = m_pos;
            while (end < size && data[end] != ',' && data[end] != '\n') {
                if (data[end] == '"')
                    return fail(m_line, QStringLiteral("quote inside an unquoted field"));
                ++end;
            }
            qsizetype fieldEnd = end;
            // A CR before the line break, or at the very end (half a CRLF, or a last line that
            // ends in CR), belongs to the line end, not to the field.
            if ((end == size || data[end] == '\n') && fieldEnd > m_pos &&
                data[fieldEnd - 1] == '\r')
                --fieldEnd;
            field = QByteArrayView(data + m_pos, fieldEnd - m_pos);
            m_pos = end;
        }
        // The data ends after this field (or after a lone CR): every record the writer makes
        // ends with a line break, so this is torn, unless the caller takes it for a whole last
        // record (lastRecordWithoutLineBreak()). Not one if a torn write cut the last character
        // in half: invalid UTF-8 here is not an error.
        if (m_pos >= size || (data[m_pos] == '\r' && m_pos + 1 == size)) {
            QString text = m_decoder.decode(field);
            if (!m_decoder.hasError()) {
                record->fields.append(std::move(text));
                m_tail = *record;
                m_tailIsRecord = true;
            }
            return torn();
        }
        // A short field that repeats the one above it (a row's type: "string" in most rows) is
        // shared with it instead of decoded and allocated again. Not the first column, the
        // store's keys, which never repeat.
        const qsizetype column = record->fields.size();
        if (column > 0 && column < RememberedColumns && m_above[column].size == field.size() &&
            (field.isEmpty() ||
             std::memcmp(m_above[column].bytes, field.data(), size_t(field.size())) == 0)) {
            record->fields.append(m_above[column].text);
        } else {
            record->fields.append(m_decoder.decode(field));
            if (m_decoder.hasError())
                return fail(startLine, QStringLiteral("invalid UTF-8"));
            if (column > 0 && column < RememberedColumns) {
                Above &above = m_above[column];
                above.size = field.size() <= RememberedBytes ? int(field.size()) : -1;
                if (above.size > 0)
                    std::memcpy(above.bytes, field.data(), size_t(above.size));
                if (above.size >= 0)
                    above.text = record->fields.constLast();
            }
        }

        if (data[m_pos] == ',') {
            ++m_pos;
            if (m_pos >= size) { // a final comma: an empty last field
                record->fields.append(QString());
                m_tail = *record;
                m_tailIsRecord = true;
                return torn();
            }
            continue;
        }
        if (data[m_pos] == '\r')
            ++m_pos;
        ++m_pos; // '\n'
        ++m_line;
        m_consumed = m_pos;
        skipBlankLines();
        return Result::Record;
    }
}

bool CsvReader::lastRecordWithoutLineBreak(CsvRecord *record) const
{
    if (!m_tailIsRecord)
        return false;
    *record = m_tail;
    return true;
}

} // namespace PersistentMapInternal
