// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// libFuzzer target for CsvReader (src/backends/csv/csvformat.cpp): any bytes are read until End,
// TornTail or Error without a memory error, the reader's invariants hold (blank lines are no
// records, and are consumed with the record before them), every record it returns, written again
// with appendCsvRecord, reads back equal, and a torn tail that it gives as a last record without
// a line break reads as that record once PersistentMapCsvBackend adds the line break.
#include "backends/csv/csvformat_p.h"

#include <QtCore/QList>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace PersistentMapInternal;
using Result = CsvReader::Result;

namespace {

[[noreturn]] void failure(const char *what, const QByteArray &detail = QByteArray())
{
    std::fprintf(stderr, "fuzz_csvreader: %s %s\n", what,
                 detail.toPercentEncoding(" ").constData());
    std::abort();
}

void check(bool condition, const char *what, const QByteArray &detail = QByteArray())
{
    if (!condition)
        failure(what, detail);
}

qsizetype lineAt(const QByteArray &data, qsizetype offset)
{
    return 1 + std::count(data.cbegin(), data.cbegin() + offset, '\n');
}

// Where the first record starts: after a BOM and the blank lines (LF or CRLF) that follow.
qsizetype startOfRecords(const QByteArray &data)
{
    qsizetype pos = data.startsWith("\xEF\xBB\xBF") ? 3 : 0;
    for (;;) {
        if (data.mid(pos, 1) == "\n")
            pos += 1;
        else if (data.mid(pos, 2) == "\r\n")
            pos += 2;
        else
            return pos;
    }
}

// Reads every record, checking what holds for any input; returns the result that ended it.
Result readAll(const QByteArray &data, QList<CsvRecord> *records, CsvReader **out = nullptr)
{
    auto *reader = new CsvReader(data);
    qsizetype previousEnd = reader->consumed();
    check(previousEnd == startOfRecords(data),
          "consumed() does not start after the BOM and the blank lines");
    Result result;
    for (;;) {
        CsvRecord record;
        result = reader->next(&record);
        if (result != Result::Record)
            break;
        check(!record.fields.isEmpty(), "a record without fields");
        check(reader->consumed() > previousEnd, "a record that consumed nothing");
        check(reader->consumed() <= data.size(), "consumed() past the end");
        check(data.at(reader->consumed() - 1) == '\n', "a record that does not end with LF");
        check(record.line == lineAt(data, previousEnd), "wrong line number for a record");
        // Blank lines are no records: one that looks like a blank line is a quoted empty field.
        check(record.fields != QStringList{QString()} || data.at(previousEnd) == '"',
              "a blank line read as a record");
        previousEnd = reader->consumed();
        records->append(record);
    }
    check(reader->consumed() == previousEnd, "consumed() moved without a record");
    switch (result) {
    case Result::End:
        check(previousEnd == data.size(), "End before the end of the data");
        break;
    case Result::TornTail:
        check(previousEnd < data.size(), "a torn tail without text");
        check(!reader->tornText().contains('\n') || data.mid(previousEnd).contains('"'),
              "a torn tail spanning lines outside quotes");
        check(reader->tornLine() == lineAt(data, previousEnd), "wrong torn line");
        check(reader->tornText() == data.mid(previousEnd), "tornText() is not the rest");
        break;
    case Result::Error:
        check(reader->errorString().startsWith(QStringLiteral("line ")), "an error without a line",
              reader->errorString().toUtf8());
        break;
    case Result::Record:
        failure("unreachable");
    }
    if (out)
        *out = reader;
    else
        delete reader;
    return result;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *bytes, std::size_t size)
{
    const QByteArray data(reinterpret_cast<const char *>(bytes), qsizetype(size));
    QList<CsvRecord> records;
    CsvReader *reader = nullptr;
    const Result result = readAll(data, &records, &reader);
    const qsizetype consumed = reader->consumed();
    delete reader;

    // What PersistentMapCsvBackend keeps of a torn file (everything up to consumed()) reads back to
    // the same records and ends cleanly.
    if (result == Result::TornTail) {
        QList<CsvRecord> kept;
        check(readAll(data.left(consumed), &kept) == Result::End, "the kept part does not end");
        check(kept.size() == records.size(), "the kept part has other records");
        for (qsizetype i = 0; i < kept.size(); ++i)
            check(kept.at(i).fields == records.at(i).fields, "the kept part reads differently");
    }

    // A last record without a line break (RFC 4180): with the line break the owner appends
    // before its rows, the same data reads that record, then ends. One the reader does not give
    // (inside quotes, half a character) never becomes a record that way.
    if (result == Result::TornTail) {
        CsvReader again(data);
        QList<CsvRecord> before;
        CsvRecord last;
        for (CsvRecord r; again.next(&r) == Result::Record;)
            before.append(r);
        const bool isRecord = again.lastRecordWithoutLineBreak(&last);
        QList<CsvRecord> completed;
        const Result withLineBreak = readAll(data + '\n', &completed);
        if (isRecord) {
            check(!last.fields.isEmpty(), "a last record without fields");
            check(last.line == again.tornLine(), "a last record on another line");
            check(withLineBreak == Result::End, "a last record that a line break does not end");
            check(completed.size() == before.size() + 1, "a line break gives another count");
            check(completed.last().fields == last.fields, "a line break reads another record");
            check(completed.last().line == last.line, "a line break moves the record");
        } else {
            check(withLineBreak != Result::End || completed.size() == before.size(),
                  "a torn tail that is a record once a line break is added");
        }
    }

    // Round trip: every three-field record (what the store writes), written again, reads back
    // exactly.
    QByteArray written;
    QList<QStringList> expected;
    for (const CsvRecord &record : std::as_const(records)) {
        if (record.fields.size() != 3)
            continue;
        appendCsvRecord(written, record.fields.at(0), record.fields.at(1), record.fields.at(2));
        expected.append(record.fields);
    }
    QList<CsvRecord> reread;
    check(readAll(written, &reread) == Result::End, "written records do not read back", written);
    check(reread.size() == expected.size(), "written records read back as another count", written);
    for (qsizetype i = 0; i < expected.size(); ++i) {
        check(reread.at(i).fields == expected.at(i), "a written record reads back differently",
              written);
    }
    return 0;
}
