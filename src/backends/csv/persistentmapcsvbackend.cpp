// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include <PersistentMap/persistentmapcsvbackend.h>

#include "backend/readonlystate_p.h"
#include "backend/threadheap_p.h"
#include "backends/csv/csvformat_p.h"
#include "backends/files/filewatch_p.h"
#include "backends/files/storefiles_p.h"
#include "backends/files/storelock_p.h"
#include "codec/undecodedvalue_p.h"
#include "codec/valuecodec_p.h"
#include "logging_p.h"
#include <PersistentMap/persistentmaperror.h>

#include <QtCore/QDateTime>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QRandomGenerator>
#include <QtCore/QScopeGuard>
#include <QtCore/QSet>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>

#ifdef Q_OS_UNIX
#include <dirent.h>
#include <sys/stat.h>
#endif

using namespace PersistentMapInternal;
using Code = PersistentMapError::Code;

namespace {

const QByteArray header = QByteArrayLiteral("key,type,value\n");

// Compact once dead rows (overwritten or removed) exceed the live ones and this many, so the
// cost of rewriting the file is spread over at least as many appends: O(1) per write.
constexpr qint64 CompactionSlack = 1024;

// The name of a rewritten file before it replaces the store: PATH.replacing-XXXXXX.
const QString ReplacingSuffix = QStringLiteral(".replacing-");

// The name of a file beside the store (a replacement, a torn tail): the store's name and
// `suffix`, with room for `more` characters, kept within NAME_MAX (255 bytes) by cutting the
// store's name, not the suffix, so that a long store name still gets them.
QString besideName(const QString &storeName, const QString &suffix, int more)
{
    QString name = storeName;
    while (name.size() > 1 && QFile::encodeName(name + suffix).size() + more > 255)
        name.chop(1);
    return name + suffix;
}

// Why a store with several names (hard links) is refused: a rewrite replaces the file by a
// rename, which moves one name only; the others would go on naming the old file, a second store
// that another process could open and write while this one's owner never sees it.
QString hardLinksRefused(qint64 links)
{
    return QStringLiteral("the file has %1 hard links; a CSV store is replaced by a rename when it "
                          "is rewritten (compaction, clear()), which would leave the other names "
                          "on an old copy. Use a symbolic link instead")
            .arg(links);
}

// PATH resolved: the real file it names, or, when it names none yet, its absolute form.
QString resolvedPath(const QString &path)
{
    const QFileInfo info(path);
    const QString canonical = info.canonicalFilePath();
    return canonical.isEmpty() ? info.absoluteFilePath() : canonical;
}

// What replaying a file gives: the entries, and what the writer needs to know about the file.
struct Replay
{
    QVariantHash entries;
    qint64 rows = 0; // data rows in the file, live or dead
    qint64 goodSize = 0; // the file's size up to the end of its last complete write
    bool torn = false; // a crash left an unfinished write at the end
    bool marked = false; // the library has appended to the file (Position::marked)
    bool lineBreakMissing = false; // the file ends with a whole last line without a line break
    // No header was read: the file holds no record (empty, a byte order mark or blank lines
    // alone) or a header cut off by a crash.
    bool headerMissing = false;
    QByteArray tornBytes; // that write's bytes: the file from the last complete write on
    QString tornWarning; // what was dropped, for the warning
};

// A place in the file between two complete writes: everything before it has been read.
struct Position
{
    qint64 offset = 0;
    qsizetype line = 1; // the line that starts at offset; line 1 holds the header
    // A batch row is before offset: the library has appended to this file since it was last
    // written whole (its first append to a file always is a batch, also of one row), so a last
    // line without a line break after it is its own write cut off by a crash.
    bool marked = false;
    // The last line before offset is a whole record without a line break (a person's last line,
    // RFC 4180 allows it); `line` is that line. The owner adds the line break before it appends.
    bool lineBreakMissing = false;
};

// What parsing a file's bytes from a Position on found.
struct Parsed
{
    Position end; // just after the last complete write
    qint64 rows = 0; // rows of the complete writes, batch rows included
    qsizetype tornLine = 0; // when not 0, the data ends inside this line, which holds tornText
    QByteArray tornText;
    qsizetype batchLine = 0; // when not 0, the data ends inside the batch that starts here
    qsizetype batchRows = 0; // the rows of that batch that are there
    bool header = false; // the header was read (or read before `from`)
};

// Tells, without reading it, whether a file changed: which file the path names (the owner's
// compaction renames a new file over it) and its size and modification time.
struct FileStamp
{
    quint64 device = 0;
    quint64 identity = 0; // the inode; elsewhere than Unix, the creation time
    qint64 size = 0;
    qint64 modified = 0;

    bool sameFile(const FileStamp &other) const
    {
        return device == other.device && identity == other.identity;
    }
    bool operator==(const FileStamp &other) const
    {
        return sameFile(other) && size == other.size && modified == other.modified;
    }
};

#ifdef Q_OS_UNIX
FileStamp stampFrom(const struct stat &st)
{
    FileStamp stamp;
    stamp.device = quint64(st.st_dev);
    stamp.identity = quint64(st.st_ino);
    stamp.size = qint64(st.st_size);
#ifdef Q_OS_LINUX
    stamp.modified = qint64(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
#else
    stamp.modified = qint64(st.st_mtime);
#endif
    return stamp;
}
#else
FileStamp stampFrom(const QFileInfo &info)
{
    FileStamp stamp;
    stamp.identity = quint64(info.fileTime(QFileDevice::FileBirthTime).toMSecsSinceEpoch());
    stamp.size = info.size();
    stamp.modified = info.lastModified().toMSecsSinceEpoch();
    return stamp;
}
#endif

// The file the path names now; false when there is none.
bool stampOfPath(const QString &path, FileStamp *stamp)
{
#ifdef Q_OS_UNIX
    struct stat st;
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return false;
    *stamp = stampFrom(st);
    return true;
#else
    const QFileInfo info(path);
    if (!info.isFile())
        return false;
    *stamp = stampFrom(info);
    return true;
#endif
}

// The file as it was opened, whatever the path names now.
bool stampOfOpenFile(QFile &file, FileStamp *stamp)
{
#ifdef Q_OS_UNIX
    struct stat st;
    if (::fstat(file.handle(), &st) != 0)
        return false;
    *stamp = stampFrom(st);
    return true;
#else
    return stampOfPath(file.fileName(), stamp);
#endif
}

} // namespace

class PersistentMapCsvBackendPrivate
{
public:
    [[noreturn]] void fail(Code code, const QString &what) const
    {
        throw PersistentMapError(code, QStringLiteral("CSV store %1: %2").arg(path, what));
    }
    void becomeReadOnly(const QString &why)
    {
        readOnly.set(QStringLiteral("CSV store %1: %2").arg(path, why));
    }
    bool following() const { return readOnly.isSet(); } // read-only stores follow their owner
    Parsed parse(const QByteArray &data, Position from,
                 const std::function<void(const CsvRecord &)> &apply) const;
    // The row's value; nullopt for a removal. A value this process cannot decode is an
    // UndecodedValue: kept, and written back unchanged by a rewrite.
    std::optional<QVariant> decodeRow(const CsvRecord &row) const;
    Replay replay(const QByteArray &data) const;
    Replay readFile() const;
    QString keepTornBytes(const QByteArray &bytes) const;
    bool openForAppend(QString *error);
    void ensureOpen();
    void prepareAppend();
    void append(const QByteArray &data);
    void rewrite(const QVariantHash &entries);
    void clearByRemovals();
    void removeLeftovers() const;
    void compactIfWorthIt();
    QVariantHash load(); // loadInto(): opens the store and reads it
    QVariantHash takeOver();
    bool adoptChanges();
    bool lockedFileStamp(FileStamp *stamp) const;
    void noteOwnWrite();

    // Read-only mode.
    QVariantHash openFollowed();
    PersistentMapBackend::Changes reloadFollowed();
    PersistentMapBackend::Changes readAppended(qint64 size);

    QString path; // as given, for messages
    // Read-only: asked for (OpenMode::ReadOnly), or found at open (a file this user may not
    // write); such a store follows its owner.
    ReadOnlyState readOnly;
    mutable int lastOsError = 0; // the errno of the last failed open or write of the store's file
    // The file the store was opened on: PATH resolved at open (symbolic links, "..", the working
    // folder, /proc/self/fd/N), so that a later change of working folder does not move the store
    // and a rewrite replaces the file that was opened.
    QString filePath;
    PersistentMapCsvBackend::OpenMode mode = PersistentMapCsvBackend::OpenMode::ReadWrite;
    QFile file; // the append handle; closed after a rewrite that could not open it again
    StoreLock lock; // held while the store is open for writing
    // The keys the file holds now (for compaction and clear()); use live(). Built from the
    // entries read at open only when first needed (a write, a poll): building it at open cost
    // start-up about as much as loading the map's own hash (issue 15).
    QSet<QString> liveKeys;
    std::optional<QVariantHash> openedEntries; // the entries read at open (their keys)
    QSet<QString> &live()
    {
        if (openedEntries) {
            liveKeys = QSet<QString>(openedEntries->keyBegin(), openedEntries->keyEnd());
            openedEntries.reset();
        }
        return liveKeys;
    }
    qint64 rows = 0;
    // The file's size after the last complete write. Bytes after it were never acknowledged (an
    // append that failed halfway, a write torn by a crash, kept in PATH.torn-*): the next append
    // cuts them off first.
    qint64 goodSize = 0;
    // The file has a batch row (Position::marked): appends need none to mark it.
    bool marked = false;
    // The file holds no header (Replay::headerMissing): the next append writes it first.
    bool headerMissing = false;
    // The file ends with a whole last line without a line break, taken as a record: the next
    // append adds the line break first, so as not to glue its rows onto that line.
    bool lineBreakMissing = false;
    // Another program wrote the file while this owner had it open (adoptChanges()): its last
    // line without a line break is that program's, not a write of this library cut off, even
    // after a batch row. Until this owner writes to it.
    bool lastLineIsForeign = false;
    // A folder flush() syncs before it reports durability: after a rename whose own folder sync
    // failed, and at the first flush() after open (the process that created the file may have
    // died before it synced the folder, ensureStoreFile()).
    QString unsyncedFolder;
    // Why a rename cannot replace the file here (EBUSY: a file bind-mounted on its own; EXDEV),
    // once one was refused: no rewrite is tried again while the store is open.
    QString renameRefused;
    qint64 compactionDelayedUntil = 0; // rows; a failed compaction waits for more writes
    bool adopted = false; // another program's file was adopted; the next poll hands it over
    // The locked file as this owner last left it (size, modification time): anything else means
    // another program wrote it in place (cp, an editor saving in place), and the bytes after
    // goodSize are then not this owner's unfinished append to cut off.
    FileStamp lastSeen;

    // Read-only mode: the file being followed stays open, so a file the owner renamed over it
    // is told apart by its inode even when the new file gets the number the old one had.
    std::unique_ptr<QFile> followed;
    FileStamp followedStamp; // the followed file when it was opened
    FileStamp seen; // the path's file at the last poll
    Position applied; // how far the followed file has been applied
    std::optional<PersistentMapError> pollFailure; // thrown again while the file is unchanged

    // watchChanges(): the kernel's watch of the file's folder; null: polled. Last, so that it
    // goes first: no push once the backend is being destroyed.
    std::unique_ptr<FileWatch> watch;
};

// Reads the rows of data, a file's bytes from `from` on, and hands each row of each complete
// write to apply(): a single row, or a batch once all its rows are there. A write the data ends
// inside is left out of `end`, to be read again when the file is longer (or repaired).
Parsed PersistentMapCsvBackendPrivate::parse(
        const QByteArray &data, Position from,
        const std::function<void(const CsvRecord &)> &apply) const
{
    Parsed result;
    result.end = from;
    CsvReader reader(data, from.line);
    CsvRecord record;
    bool marked = from.marked; // a batch row was read, complete or not
    auto advance = [&] {
        result.end = Position{from.offset + reader.consumed(), reader.nextLine(), marked};
    };
    // The data ends with a whole record without a line break: taken as the last record.
    auto acceptLastRecord = [&](const CsvRecord &last) {
        const QByteArray text = reader.tornText();
        result.end =
                Position{from.offset + data.size(), last.line + text.count('\n'), marked, true};
    };
    // The header's line: 1, or later after blank lines.
    auto notWrittenByUs = [this](qsizetype line) {
        fail(Code::Corrupt,
             QStringLiteral("line %1: the header is not key,type,value; this file was not "
                            "written by PersistentMap")
                     .arg(line));
    };
    CsvReader::Result next = reader.next(&record);
    result.header = from.line != 1;
    if (from.line == 1) {
        if (next == CsvReader::Result::Record) {
            if (record.fields !=
                QStringList{QStringLiteral("key"), QStringLiteral("type"),
                            QStringLiteral("value")}) {
                notWrittenByUs(record.line);
            }
            result.header = true;
            advance();
            next = reader.next(&record);
        } else if (next == CsvReader::Result::TornTail) {
            CsvRecord last;
            if (reader.lastRecordWithoutLineBreak(&last) &&
                last.fields ==
                        QStringList{QStringLiteral("key"), QStringLiteral("type"),
                                    QStringLiteral("value")}) {
                acceptLastRecord(last); // the whole header: nothing is lost either way
                result.header = true;
                return result;
            }
            // A first line without a line break is a header cut off by a crash only if it is
            // the start of our header: otherwise it is someone's one-line file, which must not
            // be taken for an empty store and overwritten. A lone CR is a blank line (below).
            const QByteArray first = reader.tornText();
            if (!header.startsWith(first) && first != "\r")
                notWrittenByUs(reader.tornLine());
        }
    }
    // Rows of an unfinished batch: applied only once the whole batch has been read.
    QList<CsvRecord> batch;
    qsizetype batchExpected = 0;
    for (;; next = reader.next(&record)) {
        if (next == CsvReader::Result::Error)
            fail(Code::Corrupt, reader.errorString());
        if (next != CsvReader::Result::Record)
            break;
        if (record.fields.size() != 3) {
            fail(Code::Corrupt,
                 QStringLiteral("line %1: %2 fields instead of 3 (key,type,value)")
                         .arg(record.line)
                         .arg(record.fields.size()));
        }
        if (record.fields.at(1) == batchTag()) {
            marked = true;
            bool ok = false;
            const qsizetype size = record.fields.at(2).toLongLong(&ok);
            if (!ok || size < 1 || !record.fields.at(0).isEmpty() || batchExpected) {
                fail(Code::Corrupt,
                     QStringLiteral("line %1: a batch row must have an empty key, a positive "
                                    "count, and not fall inside another batch")
                             .arg(record.line));
            }
            batchExpected = size;
            result.batchLine = record.line;
            continue;
        }
        if (batchExpected) {
            batch.append(std::move(record)); // next() fills it anew
            if (batch.size() == batchExpected) {
                for (const CsvRecord &row : std::as_const(batch))
                    apply(row);
                result.rows += batch.size() + 1;
                batch.clear();
                batchExpected = 0;
                advance();
            }
            continue;
        }
        apply(record);
        ++result.rows;
        advance();
    }
    if (next == CsvReader::Result::TornTail) {
        // RFC 4180 allows a last record without a line break, as editors save it. It is taken
        // when it cannot be a write of the library's cut off by a crash: outside a batch, in a
        // file the library has not appended to (no batch row: each append ends with a line
        // break, and the first one to a file is a batch), or one another program changed
        // while this owner had it open; and only a whole record of three fields after the
        // header (on the first line, `key,type,va` is a header cut off). Its value counts for
        // nothing: one this process cannot read is kept like on any other line (decodeOrKeep()),
        // where a torn tail would move it out of the store.
        // Anything else is a torn tail, kept aside by the owner.
        CsvRecord last;
        if (!batchExpected && reader.tornText() == "\r") {
            // A blank last line without its LF: never a write of the library's (its lines
            // never start with a CR), and nothing to apply. The owner adds the LF.
            result.end = Position{from.offset + data.size(), reader.tornLine(), marked, true};
        } else if (!batchExpected && result.header && (!marked || lastLineIsForeign) &&
                   reader.lastRecordWithoutLineBreak(&last) && last.fields.size() == 3 &&
                   last.fields.at(1) != batchTag()) {
            apply(last);
            ++result.rows;
            acceptLastRecord(last);
        } else {
            result.tornLine = reader.tornLine();
            result.tornText = reader.tornText().left(200);
        }
    }
    if (batchExpected)
        result.batchRows = batch.size();
    else
        result.batchLine = 0;
    return result;
}

std::optional<QVariant> PersistentMapCsvBackendPrivate::decodeRow(const CsvRecord &row) const
{
    const QString &type = row.fields.at(1);
    // Strings are the common case: their text is the value, no trip through the codec.
    if (type == StringTag)
        return QVariant(row.fields.at(2));
    if (type == removedTag())
        return std::nullopt;
    return decodeOrKeep(type, row.fields.at(2));
}

Replay PersistentMapCsvBackendPrivate::replay(const QByteArray &data) const
{
    Replay result;
    // At most a row per line: the hash is allocated once instead of growing through rehashes.
    qsizetype lines = 0;
    for (const char *at = data.constData(), *end = at + data.size();
         (at = static_cast<const char *>(memchr(at, '\n', end - at))); ++at)
        ++lines;
    result.entries.reserve(lines);
    const Parsed parsed = parse(data, Position(), [&](const CsvRecord &row) {
        if (std::optional<QVariant> value = decodeRow(row))
            result.entries.emplace(row.fields.at(0), std::move(*value));
        else
            result.entries.remove(row.fields.at(0));
    });
    result.rows = parsed.rows;
    result.goodSize = parsed.end.offset;
    result.marked = parsed.end.marked;
    result.lineBreakMissing = parsed.end.lineBreakMissing;
    result.headerMissing = !parsed.header;
    result.torn = parsed.tornLine || parsed.batchLine;
    if (result.torn)
        result.tornBytes = data.mid(parsed.end.offset);
    if (parsed.tornLine) {
        result.tornWarning = QStringLiteral("line %1 is incomplete, probably cut off by a crash; "
                                            "dropping it: %2")
                                     .arg(parsed.tornLine)
                                     .arg(QString::fromUtf8(parsed.tornText)
                                                  .replace(u'\r', QLatin1String("\\r"))
                                                  .replace(u'\n', QLatin1String("\\n")));
    } else if (parsed.batchLine) {
        result.tornWarning = QStringLiteral("the batch that starts on line %1 is incomplete, "
                                            "probably cut off by a crash; dropping its %2 row(s)")
                                     .arg(parsed.batchLine)
                                     .arg(parsed.batchRows);
    }
    return result;
}

// The bytes a torn write left, kept beside the store before anything cuts them off: the reader
// cannot always tell a write cut inside a multi-line value from a damaged file, so nothing it
// drops is destroyed. PATH.torn-<UTC time>, mode 0600, synced. Returns the file's name.
QString PersistentMapCsvBackendPrivate::keepTornBytes(const QByteArray &bytes) const
{
    const QFileInfo info(filePath);
    const QString stamp =
            QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd'T'HHmmss.zzz'Z'"));
    const QString base = besideName(info.fileName(), QStringLiteral(".torn-"),
                                    int(stamp.size()) + 4); // "-999", should the time repeat
    // The same tail kept already (opened again before a write cut it off): not kept twice.
    const QStringList kept = info.dir().entryList({base + u'*'}, QDir::Files | QDir::Hidden);
    for (const QString &keptName : kept) {
        QFile earlier(info.dir().filePath(keptName));
        if (earlier.size() == bytes.size() && earlier.open(QIODevice::ReadOnly) &&
            earlier.readAll() == bytes) {
            return earlier.fileName();
        }
    }
    QString name = info.dir().filePath(base + stamp);
    for (int n = 2; QFileInfo::exists(name); ++n)
        name = info.dir().filePath(base + stamp + QStringLiteral("-%1").arg(n));
    QFile out(name);
    QString error;
    int osError = 0;
    // writeAll(): QFile::write() cut short by a full disk sets no error ("Unknown error").
    if (!out.open(QIODevice::WriteOnly | QIODevice::NewOnly | QIODevice::Unbuffered,
                  QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        osError = errno;
        error = out.errorString();
    } else if (writeAll(out, bytes, &error, &osError) && syncOpenFile(out.handle(), name, &error)) {
        return name;
    }
    lastOsError = osError;
    out.remove();
    fail(Code::WriteFailed,
         QStringLiteral("its last write is incomplete, and the %1 byte(s) it left cannot be kept "
                        "in %2 before they are cut off: %3")
                 .arg(bytes.size())
                 .arg(name, error));
}

Replay PersistentMapCsvBackendPrivate::readFile() const
{
    // The owner reads the file it holds the lock on, whatever the path names by now (another
    // program may have renamed a file over it: adoptChanges() takes that one over).
    QFile in;
    const bool opened = lock.handle() >= 0
            ? in.open(lock.handle(), QIODevice::ReadOnly, QFileDevice::DontCloseHandle) &&
                    in.seek(0)
            : (in.setFileName(filePath), in.open(QIODevice::ReadOnly));
    if (!opened)
        fail(Code::OpenFailed, QStringLiteral("cannot read the file: ") + in.errorString());
    errno = 0;
    const QByteArray data = in.readAll();
    if (in.error() != QFileDevice::NoError) {
        lastOsError = errno; // read(2)'s reason, for the code at open
        fail(Code::OpenFailed, QStringLiteral("cannot read the file: ") + in.errorString());
    }
    // The records, their text as UTF-16, the entries' nodes and the map's: about six times the
    // file's bytes, allocated on this thread next.
    growThreadHeap(6 * data.size());
    return replay(data);
}

bool PersistentMapCsvBackendPrivate::openForAppend(QString *error)
{
    file.close();
    file.setFileName(filePath);
    // Unbuffered: each batch reaches the operating system in one write() before it is
    // acknowledged, so a crash of the process cannot lose it.
    if (file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Unbuffered))
        return true;
    lastOsError = errno; // QFile's failed open(2) is its last call: errno is still its reason
    *error = QStringLiteral("cannot open the file for writing: ") + file.errorString();
    return false;
}

// The append handle is closed after a rewrite that could not open the new file (no free
// descriptor, ...). The rewrite had committed, so this is no reason to give up the store: the
// next write, clear() or flush() opens it here, onto the file this process holds the lock on
// only (the path could name another one if some other program replaced it).
void PersistentMapCsvBackendPrivate::ensureOpen()
{
    if (!lock.isHeld())
        fail(Code::WriteFailed, QStringLiteral("the store is not open"));
    if (file.isOpen())
        return;
    QString error;
    if (!openForAppend(&error))
        fail(Code::WriteFailed, error);
    if (!lock.locksOpenFile(file.handle())) {
        file.close();
        fail(Code::WriteFailed,
             QStringLiteral("the path no longer names the file this process holds the lock on "
                            "(another program replaced or removed it); nothing is written to it"));
    }
}

// Before an append: the handle is open, the file ends with its last complete write, and it
// has its header. Cutting off what follows is safe: the file is as this owner left it (any other
// program's change was adopted first), so those bytes were never acknowledged, and a torn
// write's were kept in PATH.torn-* when the store was opened. No rename is needed, so this works
// where the file cannot be replaced (a file bind-mounted on its own).
void PersistentMapCsvBackendPrivate::prepareAppend()
{
    adoptChanges();
    ensureOpen();
    FileStamp now;
    if (!stampOfOpenFile(file, &now))
        fail(Code::WriteFailed, QStringLiteral("cannot read the file's status"));
    if (now.size < goodSize) {
        fail(Code::WriteFailed,
             QStringLiteral("the file is shorter (%1 bytes) than this process wrote it (%2 "
                            "bytes): another program changed it; nothing is written to it")
                     .arg(now.size)
                     .arg(goodSize));
    }
    QString error;
    if (now.size > goodSize) {
        const bool cut = truncateOpenFile(file, goodSize, &error);
        noteOwnWrite();
        if (!cut) {
            fail(Code::WriteFailed,
                 QStringLiteral("cannot cut the file back to its last complete write: ") + error);
        }
    }
    // Appends use LF, whatever the file's line ends: this library, RFC 4180 readers and
    // spreadsheets read the mix, and a last line ending in a lone CR becomes CRLF.
    if (lineBreakMissing) {
        append(QByteArrayLiteral("\n"));
        lineBreakMissing = false;
    }
    // A header torn by a crash (cut off above), or a file with no record: a byte order mark or
    // blank lines alone, which are kept before it.
    if (headerMissing) {
        append(header);
        headerMissing = false;
    }
    lastLineIsForeign = false;
}

// Appends whole writes; on failure cuts back what part of them reached the file (or leaves that
// to the next prepareAppend()) and reports the OS's reason.
void PersistentMapCsvBackendPrivate::append(const QByteArray &data)
{
    QString error;
    if (!writeAll(file, data, &error, &lastOsError)) {
        QString ignored;
        truncateOpenFile(file, goodSize, &ignored);
        noteOwnWrite();
        fail(Code::WriteFailed, QStringLiteral("cannot append: ") + error);
    }
    goodSize += data.size();
    noteOwnWrite();
}

// Replaces the file with one holding exactly these entries: written to PATH.replacing-XXXXXX,
// synced, then renamed over the file, so a crash leaves either the old file or the new, never
// half. Not QSaveFile: its temporary file gets an ordinary name (a kill between its link and its
// rename left one behind, seen in the crash suite) and its sync's result is not checked. Not
// QTemporaryFile either: on Linux it writes an unnamed file (O_TMPFILE) and names it later, so
// the steps differ between file systems. A leftover of ours is known by its name and removed
// by the next owner (removeLeftovers()).
//
// Throws only while the store is still the old file, untouched. Once the rename is done the
// rewrite has committed, and what follows cannot undo it: a failure to open the new file for
// appending is left to the next write, clear() or flush() (ensureOpen()), and a failed sync of
// the folder to the next flush(). A rename the file system refuses (EBUSY, EXDEV) is remembered
// in renameRefused: compaction then waits for the next open, and clear() appends removals.
void PersistentMapCsvBackendPrivate::rewrite(const QVariantHash &entries)
{
    QByteArray data = header;
    for (auto it = entries.cbegin(); it != entries.cend(); ++it) {
        const EncodedValue encoded = encodeValue(it.value());
        appendCsvRecord(data, it.key(), encoded.type, encoded.text);
    }
    const QString &target = filePath; // the real file: replaced beside it
    const QFileInfo targetInfo(target);
    const QString base =
            targetInfo.dir().filePath(besideName(targetInfo.fileName(), ReplacingSuffix, 6));
    static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    QFile out;
    for (int attempt = 0; attempt < 16; ++attempt) {
        QString name = base;
        for (int i = 0; i < 6; ++i)
            name += QLatin1Char(letters[QRandomGenerator::global()->bounded(62)]);
        out.setFileName(name);
        if (out.open(QIODevice::WriteOnly | QIODevice::NewOnly | QIODevice::Unbuffered,
                     QFileDevice::ReadOwner | QFileDevice::WriteOwner) ||
            !QFileInfo::exists(name)) {
            break; // opened, or failed for another reason than the name being taken
        }
    }
    auto removeOut = qScopeGuard([&out] {
        if (out.isOpen())
            out.remove();
    });
    QString error;
    bool written = out.isOpen() && out.setPermissions(QFile::permissions(target));
    if (!written)
        error = out.errorString();
    else
        written = writeAll(out, data, &error) && syncOpenFile(out.handle(), out.fileName(), &error);
    if (!written)
        fail(Code::WriteFailed, QStringLiteral("cannot rewrite the file: ") + error);
    // A hard link made while the store is open would keep naming the old file, as a second
    // store nobody else's lock covers.
    if (const qint64 links = lock.linkCount(); links > 1)
        fail(Code::WriteFailed,
             QStringLiteral("cannot rewrite the file: ") + hardLinksRefused(links));
    // Locked before it becomes the store, so no other process can take the new file's lock.
    StoreLock nextLock;
    if (!nextLock.acquireOpenFile(out.handle(), &error))
        fail(Code::WriteFailed, QStringLiteral("cannot rewrite the file: ") + error);
    // The rewrite holds what this owner read; another program's save or in-place change made
    // since (the write and sync above take a while on a large store) would be overwritten
    // unseen. Given up instead: the change is adopted at the next call (adoptChanges()).
    FileStamp now;
    if (!lock.locksFileAt(target) || !lockedFileStamp(&now) || !(now == lastSeen)) {
        fail(Code::WriteFailed,
             QStringLiteral("the file was changed by another program during a rewrite; the "
                            "rewrite is given up and the new file taken over"));
    }
    if (const int failure = renameFile(out.fileName(), target)) {
        const QString reason = qt_error_string(failure);
        if (failure == EBUSY || failure == EXDEV) {
            renameRefused = reason;
            fail(Code::WriteFailed,
                 QStringLiteral("the file cannot be replaced by a rename here (%1: a file "
                                "bind-mounted on its own, or a link to another file system); "
                                "compaction waits until the store is opened again, and clear() "
                                "appends a removal for every key")
                         .arg(reason));
        }
        fail(Code::WriteFailed,
             QStringLiteral("cannot replace the file with its rewritten copy: ") + reason);
    }
    // Committed: the new file is the store. Nothing below throws.
    removeOut.dismiss();
    if (nextLock.isHeld()) // the old file's lock ends: it is no longer the store
        lock = std::move(nextLock);
    liveKeys = QSet<QString>(entries.keyBegin(), entries.keyEnd());
    openedEntries.reset();
    rows = entries.size();
    compactionDelayedUntil = 0;
    goodSize = data.size();
    marked = false; // written whole: no append to tell apart until the next one, a batch
    lineBreakMissing = false;
    headerMissing = false;
    lastLineIsForeign = false;
    unsyncedFolder = target; // the rename is done; it is not yet durable
    if (syncParentFolder(target, &error))
        unsyncedFolder.clear();
    if (!openForAppend(&error))
        file.close(); // opened again by the next write, clear() or flush()
    noteOwnWrite();
}

void PersistentMapCsvBackendPrivate::clearByRemovals()
{
    prepareAppend();
    if (live().isEmpty())
        return;
    const qint64 count = liveKeys.size();
    QByteArray data;
    // One batch: the store is cleared whole or not at all (a single row also marks the file).
    const bool batchRow = count > 1 || !marked;
    if (batchRow)
        appendCsvRecord(data, QString(), batchTag(), QString::number(count));
    for (const QString &key : std::as_const(liveKeys))
        appendCsvRecord(data, key, removedTag(), QString());
    append(data);
    marked = true;
    rows += count + (batchRow ? 1 : 0);
    liveKeys.clear();
    compactIfWorthIt();
}

// A replacement a crash left behind (PATH.replacing-XXXXXX): never live data, since only the
// owner writes one, and this process is the owner now.
void PersistentMapCsvBackendPrivate::removeLeftovers() const
{
    const QFileInfo info(filePath);
    const QString prefix = besideName(info.fileName(), ReplacingSuffix, 6);
    QStringList leftovers;
#ifdef Q_OS_UNIX
    // readdir() and a comparison: QDir's name filter compiles a regular expression, a third of
    // the time a small store took to open (issue 15).
    const QByteArray start = QFile::encodeName(prefix);
    if (DIR *folder = ::opendir(QFile::encodeName(info.absolutePath()).constData())) {
        while (const struct dirent *entry = ::readdir(folder)) {
            if (entry->d_type != DT_DIR && std::strlen(entry->d_name) == size_t(start.size()) + 6 &&
                std::memcmp(entry->d_name, start.constData(), size_t(start.size())) == 0)
                leftovers.append(QFile::decodeName(entry->d_name));
        }
        ::closedir(folder);
    }
#else
    leftovers = info.dir().entryList({prefix + QStringLiteral("??????")},
                                     QDir::Files | QDir::Hidden | QDir::System);
#endif
    for (const QString &name : std::as_const(leftovers))
        QFile::remove(info.dir().filePath(name));
}

// Reads the locked file and makes it the one appended to: its torn tail is kept aside (and
// repaired before the next append), an empty file gets the header. Returns its entries.
QVariantHash PersistentMapCsvBackendPrivate::takeOver()
{
    Replay replay = readFile();
    if (replay.torn) {
        const QString kept = keepTornBytes(replay.tornBytes);
        qCWarning(lcCsv).noquote()
                << QStringLiteral("CSV store %1: %2; the cut bytes are kept in %3")
                           .arg(path, replay.tornWarning, kept);
    }
    liveKeys.clear();
    openedEntries = replay.entries; // shared, not copied
    rows = replay.rows;
    marked = replay.marked;
    lineBreakMissing = replay.lineBreakMissing;
    headerMissing = replay.headerMissing;
    renameRefused.clear();
    compactionDelayedUntil = 0;
    unsyncedFolder = filePath;
    QString error;
    if (!openForAppend(&error))
        fail(Code::OpenFailed, error);
    FileStamp opened;
    if (!stampOfOpenFile(file, &opened))
        fail(Code::OpenFailed, QStringLiteral("cannot read the file's status"));
    // A torn tail stays until the first write cuts it off (prepareAppend()): opening a store
    // changes nothing in it.
    goodSize = replay.torn ? replay.goodSize : opened.size;
    if (opened.size == 0) {
        append(header);
        headerMissing = false;
    }
    noteOwnWrite();
    return replay.entries;
}

bool PersistentMapCsvBackendPrivate::lockedFileStamp(FileStamp *stamp) const
{
#ifdef Q_OS_UNIX
    struct stat st;
    if (lock.handle() < 0 || ::fstat(lock.handle(), &st) != 0)
        return false;
    *stamp = stampFrom(st);
    return true;
#else
    return stampOfPath(filePath, stamp);
#endif
}

// After every write of this owner's to the locked file (append, cut, rewrite).
void PersistentMapCsvBackendPrivate::noteOwnWrite()
{
    if (!lockedFileStamp(&lastSeen))
        lastSeen = FileStamp();
}

// Another program changed the store while this owner had it open: it renamed a new file over it
// (a text editor saving, a backup restored with mv), removed it, or wrote the locked file in
// place (cp, an editor saving in place). Left alone, the owner would append to a file no later
// open reads, or cut the other program's bytes off as its own unfinished append, while a second
// process could take the new file's lock. The store's file as it is now (an empty store after a
// removal; a symbolic link put in its place is followed) becomes the store: locked (taken by
// another process meanwhile: Code::Locked), read (one that does not parse is left as it is:
// Code::Corrupt, and every write fails until it is repaired) and appended to from then on;
// pollChanges() hands its content to the map, as a change by another writer. One stat() and one
// fstat() per call when nothing happened. Returns whether anything was adopted.
bool PersistentMapCsvBackendPrivate::adoptChanges()
{
    if (!lock.isHeld())
        return false;
    QString error;
    if (lock.locksFileAt(filePath)) {
        FileStamp now;
        if (!lockedFileStamp(&now) || now == lastSeen)
            return false;
        lastLineIsForeign = true;
        const qsizetype count = takeOver().size(); // the same file, read again
        qCWarning(lcCsv).noquote()
                << QStringLiteral("CSV store %1: the file was changed in place by another "
                                  "program while open; its new content, %2 entries, is the "
                                  "store from now on")
                           .arg(path)
                           .arg(count);
        adopted = true;
        return true;
    }
    if (!ensureStoreFile(filePath, &error))
        fail(Code::WriteFailed, error);
    // A symbolic link put in the store's place: its target is the store now, replaced beside it
    // by later rewrites (a rename over the link would split the two).
    const QString newPath = resolvedPath(filePath);
    StoreLock next;
    switch (next.acquire(newPath, &error)) {
    case StoreLock::Result::Acquired:
        break;
    case StoreLock::Result::Busy:
        fail(Code::Locked,
             QStringLiteral("the file was replaced by another program while open, and the new "
                            "file is locked by %1")
                     .arg(StoreLock::describeHolder(newPath)));
    case StoreLock::Result::Failed:
        fail(Code::WriteFailed, error);
    }
    if (const qint64 links = next.linkCount(); links > 1)
        fail(Code::WriteFailed, hardLinksRefused(links));
    StoreLock previous = std::move(lock);
    const QString previousPath = filePath;
    lock = std::move(next);
    filePath = newPath;
    lastLineIsForeign = true;
    try {
        const qsizetype count = takeOver().size();
        qCWarning(lcCsv).noquote()
                << QStringLiteral("CSV store %1: the file was replaced (or removed) by another "
                                  "program while open; from now on the new file, with %2 "
                                  "entries, is the store")
                           .arg(path)
                           .arg(count);
    } catch (...) {
        lock = std::move(previous);
        filePath = previousPath;
        throw;
    }
    adopted = true;
    return true;
}

void PersistentMapCsvBackendPrivate::compactIfWorthIt()
{
    if (rows <= 2 * qint64(live().size()) + CompactionSlack || !renameRefused.isEmpty() ||
        rows < compactionDelayedUntil) {
        return;
    }
    try {
        rewrite(readFile().entries);
    } catch (const PersistentMapError &e) {
        // The appended rows are safe. Compaction is tried again after CompactionSlack more rows,
        // not at every write: a fault that lasts (a full disk) must not cost a rewrite of the
        // whole file per write. Where a rename cannot replace the file, it waits for the next
        // open (renameRefused).
        compactionDelayedUntil = rows + CompactionSlack;
        qCWarning(lcCsv).noquote() << e.message();
    }
}

// Opens and reads the whole file; the follower's state changes only once all of it parsed. A
// write that the data ends inside is neither applied nor warned about: its owner is most likely
// writing it right now.
QVariantHash PersistentMapCsvBackendPrivate::openFollowed()
{
    if (QFileInfo::exists(filePath) && !QFileInfo(filePath).isFile()) // a FIFO would block
        fail(Code::OpenFailed, QStringLiteral("not a regular file"));
    auto in = std::make_unique<QFile>(filePath);
    // Unbuffered: every read goes to the file, which another process keeps appending to.
    if (!in->open(QIODevice::ReadOnly | QIODevice::Unbuffered)) {
        // QFile's failed open(2) is its last call: errno is still its reason. No descriptor
        // left is TooManyOpenFiles, as for the owner, so that the application can try again.
        const int reason = errno;
        if (!QFileInfo::exists(filePath)) {
            fail(Code::OpenFailed,
                 QStringLiteral("the file does not exist (a store opened read-only is never "
                                "created)"));
        }
        fail(codeForOsError(reason, Code::OpenFailed),
             QStringLiteral("cannot read the file: ") + in->errorString());
    }
    FileStamp stamp; // before reading: a file that grows meanwhile is read again at the next poll
    if (!stampOfOpenFile(*in, &stamp))
        fail(Code::OpenFailed, QStringLiteral("cannot read the file's status"));
    errno = 0;
    const QByteArray data = in->readAll();
    if (in->error() != QFileDevice::NoError) {
        fail(codeForOsError(errno, Code::OpenFailed),
             QStringLiteral("cannot read the file: ") + in->errorString());
    }
    QVariantHash entries;
    const Parsed parsed = parse(data, Position(), [&](const CsvRecord &row) {
        if (std::optional<QVariant> value = decodeRow(row))
            entries.insert(row.fields.at(0), std::move(*value));
        else
            entries.remove(row.fields.at(0));
    });
    followed = std::move(in);
    followedStamp = stamp;
    seen = stamp;
    // Without a header read (a file of blank lines, or only a CR, so far), the next poll reads
    // from the start again: the header is checked only there.
    applied = parsed.header ? parsed.end : Position();
    return entries;
}

// The followed file read again whole: its complete content, for the map to replace its own.
PersistentMapBackend::Changes PersistentMapCsvBackendPrivate::reloadFollowed()
{
    PersistentMapBackend::Changes changes;
    const QVariantHash entries = openFollowed();
    changes.entries.reserve(entries.size());
    for (auto it = entries.cbegin(); it != entries.cend(); ++it)
        changes.entries.insert(it.key(), it.value());
    changes.complete = true;
    return changes;
}

// Reads the followed file from the last applied write up to size: the current value or the
// removal of each key written there, each key once.
PersistentMapBackend::Changes PersistentMapCsvBackendPrivate::readAppended(qint64 size)
{
    if (!followed->seek(applied.offset))
        fail(Code::OpenFailed, QStringLiteral("cannot read the file: ") + followed->errorString());
    QByteArray data = followed->read(size - applied.offset);
    if (followed->error() != QFileDevice::NoError)
        fail(Code::OpenFailed, QStringLiteral("cannot read the file: ") + followed->errorString());
    Position from = applied;
    if (from.lineBreakMissing) {
        // The last line was applied without its line break: the owner adds one before its rows.
        // Anything else changed that line (another program wrote on): read the file again.
        const qsizetype lineBreak = data.startsWith('\n') ? 1 : data.startsWith("\r\n") ? 2 : 0;
        if (!lineBreak) {
            if (data == "\r")
                return {}; // the rest of a CRLF, most likely
            return reloadFollowed();
        }
        data.remove(0, lineBreak);
        from = Position{from.offset + lineBreak, from.line + 1, from.marked};
    }
    QList<PersistentMapWriteBatch::Entry> entries;
    QHash<QString, qsizetype> indexOf;
    const Parsed parsed = parse(data, from, [&](const CsvRecord &row) {
        PersistentMapWriteBatch::Entry entry{row.fields.at(0), {}, true};
        if (std::optional<QVariant> value = decodeRow(row)) {
            entry.value = std::move(*value);
            entry.isRemove = false;
        }
        const auto found = indexOf.constFind(entry.key);
        if (found != indexOf.cend()) {
            entries[*found] = std::move(entry);
        } else {
            indexOf.insert(entry.key, entries.size());
            entries.append(std::move(entry));
        }
    });
    // Without a header read (a file of blank lines, or only a CR, so far), the next poll reads
    // from the start again: the header is checked only there.
    applied = parsed.header ? parsed.end : Position();
    PersistentMapBackend::Changes changes;
    changes.entries.reserve(entries.size());
    for (const PersistentMapWriteBatch::Entry &entry : std::as_const(entries)) {
        if (entry.isRemove)
            changes.entries.remove(entry.key);
        else
            changes.entries.insert(entry.key, entry.value);
    }
    return changes;
}

PersistentMapCsvBackend::PersistentMapCsvBackend(const QString &path, OpenMode mode)
    : d(std::make_unique<PersistentMapCsvBackendPrivate>())
{
    d->path = path;
    d->mode = mode;
    if (mode == OpenMode::ReadOnly)
        d->becomeReadOnly(
                QStringLiteral("opened read-only (PersistentMapCsvBackend::OpenMode::ReadOnly), it "
                               "cannot be written"));
}

PersistentMapCsvBackend::~PersistentMapCsvBackend() = default;

QString PersistentMapCsvBackend::path() const
{
    return d->path;
}

PersistentMapCsvBackend::OpenMode PersistentMapCsvBackend::openMode() const
{
    return d->mode;
}

void PersistentMapCsvBackend::loadInto(Loader &loader)
{
    QVariantHash all = d->load();
    // The values move to the map; the keys stay behind, for live() (takeOver() shared the hash
    // with openedEntries, which takes it back afterwards, unshared: no copy of it is made).
    const bool opened = d->openedEntries.has_value();
    d->openedEntries.reset();
    loader.reserve(all.size());
    for (auto it = all.begin(); it != all.end(); ++it)
        loader.add(QString(it.key()), std::move(it.value()));
    if (opened)
        d->openedEntries = std::move(all);
}

QVariantHash PersistentMapCsvBackendPrivate::load()
{
    if (following()) {
        filePath = resolvedPath(path);
        return openFollowed();
    }

    QString error;
    bool created = false;
    int osError = 0;
    if (!ensureStoreFile(path, &error, &created, &osError))
        fail(codeForOsError(osError, Code::OpenFailed), error);

    filePath = resolvedPath(path);
    // A file this user may read but not write (another user's, a read-only file system) is
    // followed as with OpenMode::ReadOnly, and without its lock, which would keep its owner out.
    // A read-only folder alone does not count: appends work there, and rewrites fall back as
    // where a rename is refused.
    if (const int denied = writeDenied(filePath)) {
        becomeReadOnly(readOnlyBecause(filePath, denied));
        return openFollowed();
    }
    switch (lock.acquire(filePath, &error)) {
    case StoreLock::Result::Acquired:
        break;
    case StoreLock::Result::Busy:
        fail(Code::Locked,
             QStringLiteral("locked by %1; only one process may open a CSV store for writing "
                            "(others may follow it read-only: csv:PATH?readonly=1); %2")
                     .arg(StoreLock::describeHolder(filePath), StoreLock::howItEnds()));
    case StoreLock::Result::Failed:
        fail(codeForOsError(lock.osError(), Code::OpenFailed), error);
    }
    if (const qint64 links = lock.linkCount(); links > 1) {
        lock.release();
        fail(Code::OpenFailed, hardLinksRefused(links));
    }

    try {
        lastOsError = 0;
        removeLeftovers();
        return takeOver();
    } catch (const PersistentMapError &e) {
        file.close();
        lock.release(); // another process may try to open it after this one gave up
        // Its own code for a passing cause (a full disk writing the header or keeping a torn
        // write, no descriptor left, an I/O error): a store that failed to open is no corrupt one.
        const Code code =
                e.code() == Code::Corrupt ? e.code() : codeForOsError(lastOsError, e.code());
        throw PersistentMapError(code, e.message());
    } catch (...) {
        file.close();
        lock.release();
        throw;
    }
}

void PersistentMapCsvBackend::apply(const PersistentMapWriteBatch &batch)
{
    d->readOnly.refuseWrites();
    if (batch.isEmpty())
        return;
    // Never append after a torn line or half a batch: the new rows would merge with it. Takes over
    // another program's change first (adoptChanges()).
    d->prepareAppend();

    QByteArray data;
    // Several rows are a batch; so is the first append to a file, also of one row, which marks
    // the file as one this library appends to (see PersistentMapCsvBackendPrivate::parse()).
    const bool batchRow = batch.size() > 1 || !d->marked;
    if (batchRow)
        appendCsvRecord(data, QString(), batchTag(), QString::number(batch.size()));
    for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
        if (entry.isRemove) {
            appendCsvRecord(data, entry.key, removedTag(), QString());
        } else {
            const EncodedValue encoded = encodeValue(entry.value);
            appendCsvRecord(data, entry.key, encoded.type, encoded.text);
        }
    }

    d->append(data);
    d->marked = true;
    d->rows += batch.size() + (batchRow ? 1 : 0);
    for (const PersistentMapWriteBatch::Entry &entry : batch.entries()) {
        if (entry.isRemove)
            d->live().remove(entry.key);
        else
            d->live().insert(entry.key);
    }
    d->compactIfWorthIt();
}

// A new empty file renamed over the store, which also gives the space back. Where that cannot be
// done (the rename is refused on a file bind-mounted on its own, no descriptor or disk space for
// the new file, a hard link), a removal row for every live key, appended as one batch, clears the
// store just as well: it needs no new file and no rename, and a crash leaves it whole or not at
// all. Compaction shrinks the file later, where it can.
void PersistentMapCsvBackend::clear()
{
    d->readOnly.refuseWrites();
    if (!d->lock.isHeld())
        d->fail(Code::WriteFailed, QStringLiteral("the store is not open"));
    d->adoptChanges();
    if (d->renameRefused.isEmpty()) {
        try {
            d->rewrite({});
            return;
        } catch (const PersistentMapError &e) {
            qCWarning(lcCsv).noquote() << e.message() +
                            QStringLiteral("; clearing it by appending a removal for "
                                           "every key instead");
        }
    }
    d->clearByRemovals();
}

void PersistentMapCsvBackend::flush()
{
    if (d->following())
        return; // it never wrote anything
    d->adoptChanges(); // a sync of a file that is no longer the store would prove nothing
    d->ensureOpen();
    QString error;
    // A rename whose folder could not be synced is not durable yet: without this, a power loss
    // could bring the old file back, without what was appended to the new one since. A file
    // whose creator died before syncing its folder could lose its name.
    if (!d->unsyncedFolder.isEmpty()) {
        if (!syncParentFolder(d->unsyncedFolder, &error))
            d->fail(Code::WriteFailed, error);
        d->unsyncedFolder.clear();
    }
    if (!syncOpenFile(d->file.handle(), d->path, &error))
        d->fail(Code::WriteFailed, error);
}

// Refused at insert(), before the cache changes: a read-only follower keeps showing the
// owner's data.
bool PersistentMapCsvBackend::canStore(const QString &key, const QVariant &value,
                                       QString *why) const
{
    Q_UNUSED(key);
    Q_UNUSED(value);
    return !isReadOnly(why);
}

bool PersistentMapCsvBackend::isReadOnly(QString *why) const
{
    return d->readOnly.get(why);
}

// Read-only: follows the owner. Owner: notices another program replacing the file.
bool PersistentMapCsvBackend::canWatchChanges() const
{
    return true;
}

// The folder of the file (and of the symbolic link naming it) is watched for its name: the
// owner's appends and cuts write it, compaction and clear() rename a new file over it, another
// program replaces or removes it; each is a poll (the owner's own writes cost one stat()).
bool PersistentMapCsvBackend::watchChanges(std::function<void()> othersCommitted)
{
    const QFileInfo file(d->filePath);
    QList<FileWatch::Folder> folders{{file.absolutePath(), {file.fileName()}}};
    const QFileInfo named(d->path);
    if (named.absoluteFilePath() != file.absoluteFilePath())
        folders.append({named.absolutePath(), {named.fileName()}});
    d->watch = FileWatch::create(folders, std::move(othersCommitted), lcCsv,
                                 QStringLiteral("CSV store ") + d->path);
    return d->watch != nullptr;
}

// One stat() when nothing changed. The owner only appends to the file, cuts off bytes after its
// last complete write (which a follower never applies), or replaces it whole by a rename
// (compaction, clear()): a file of another identity, or shorter than what was applied, is read
// again whole. The owner's own poll hands over the content of a file another program put in the
// store's place (adoptChanges()).
PersistentMapBackend::Changes PersistentMapCsvBackend::pollChanges()
{
    if (!d->following()) {
        if (!d->lock.isHeld())
            return {};
        d->live(); // built now, off the start-up path, and the entries read at open let go
        d->adoptChanges();
        if (!d->adopted)
            return {};
        Changes changes; // read again: it may hold this map's appends since the adoption
        const QVariantHash entries = d->readFile().entries;
        for (auto it = entries.cbegin(); it != entries.cend(); ++it)
            changes.entries.insert(it.key(), it.value());
        changes.complete = true;
        d->adopted = false;
        return changes;
    }
    if (!d->followed)
        return {};
    FileStamp now;
    if (!stampOfPath(d->filePath, &now))
        d->fail(Code::OpenFailed, QStringLiteral("the file is gone"));
    if (now == d->seen) {
        if (d->pollFailure)
            d->pollFailure->raise();
        return {};
    }
    d->seen = now;
    d->pollFailure.reset();
    try {
        if (!now.sameFile(d->followedStamp) || now.size < d->applied.offset)
            return d->reloadFollowed();
        if (now.size == d->applied.offset)
            return {};
        return d->readAppended(now.size);
    } catch (const PersistentMapError &e) {
        d->pollFailure = e;
        throw;
    }
}
