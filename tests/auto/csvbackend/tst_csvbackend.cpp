// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// PersistentMapCsvBackend: the file a person reads, tombstones and batches, compaction by replacing
// the file, damaged files left untouched, torn tails repaired, a lock held by a second process,
// mode 0600; read-only mode, which follows the appends of the process that owns the store.
#include "backends/csv/csvformat_p.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapCsvBackend>

#include "backendcalls.h"
#include "bindmount.h"
#include "csvfilechecks.h"
#include "testhelpers.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QScopeGuard>
#include <QtCore/QSysInfo>
#include <QtCore/QTemporaryDir>
#include <QtCore/QThread>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <optional>
#include <thread>

#include <sys/stat.h>

using PersistentMapInternal::CsvReader;
using PersistentMapInternal::CsvRecord;

namespace {

const QByteArray header("key,type,value\n");
// The batch row that starts this library's first append to a file, also of one row: it marks the
// file as one the library appends to (docs/FORMAT.md, "A last line without a line break").
const QByteArray firstAppend(",batch,1\n");

// The processes holding a whole-file lock (flock) on the file path names, as /proc/locks lists
// them: "1: FLOCK ADVISORY WRITE PID MAJ:MIN:INODE 0 EOF".
QList<qint64> flockHolders(const QString &path)
{
    QList<qint64> pids;
    const ino_t ino = inode(path);
    QFile locks(QStringLiteral("/proc/locks"));
    if (ino == 0 || !locks.open(QIODevice::ReadOnly))
        return pids;
    const QByteArray suffix = ':' + QByteArray::number(quint64(ino));
    for (const QByteArray &line : locks.readAll().split('\n')) {
        const QList<QByteArray> fields = line.simplified().split(' ');
        if (fields.size() >= 6 && fields.at(1) == "FLOCK" && fields.at(5).endsWith(suffix))
            pids.append(fields.at(4).toLongLong());
    }
    return pids;
}

bool appendBytes(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Append) && file.write(bytes) == bytes.size();
}

// The error a call threw, if it threw one.
std::optional<PersistentMapError> thrownBy(const std::function<void()> &call)
{
    try {
        call();
    } catch (const PersistentMapError &e) {
        return e;
    }
    return std::nullopt;
}

// What a follower knows after applying changes the way PersistentMap does.
void applyChanges(QVariantHash &known, const PersistentMapBackend::Changes &changes)
{
    if (changes.complete)
        known.clear();
    for (const PersistentMapWriteBatch::Entry &entry : changes.entries.entries()) {
        if (entry.isRemove)
            known.remove(entry.key);
        else
            known.insert(entry.key, entry.value);
    }
}

// The changes as readable lines "key=value" and "key removed", in their order.
QStringList describeChanges(const PersistentMapBackend::Changes &changes)
{
    QStringList lines;
    for (const PersistentMapWriteBatch::Entry &entry : changes.entries.entries()) {
        lines.append(entry.isRemove ? entry.key + QStringLiteral(" removed")
                                    : entry.key + u'=' + entry.value.toString());
    }
    return lines;
}

constexpr auto ReadOnly = PersistentMapCsvBackend::OpenMode::ReadOnly;

// Torn-tail warnings, counted by countTornWarnings() where a test installs it.
int tornWarnings = 0;

void countTornWarnings(QtMsgType type, const QMessageLogContext &, const QString &message)
{
    if (type == QtWarningMsg && message.contains(QLatin1String("probably cut off by a crash")))
        ++tornWarnings;
}

const QFile::Permissions groupOrOther = QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup |
        QFile::ReadOther | QFile::WriteOther | QFile::ExeOther;

} // namespace

class tst_CsvBackend : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void writeRefusedByTheKernel();
    void leftoverLockFileIsIgnored_data();
    void leftoverLockFileIsIgnored();
    void oneOwnerWhateverThePath_data();
    void oneOwnerWhateverThePath();
    void lockedThroughALinkWhileTheOwnerRewrites();
    void lockedThroughABindMount();
    void hardLinksAreRefused();
    void storeOpenedThroughProcSelfFd();
    void relativePathAfterTheWorkingFolderChanged();
    void storeReplacedByARename();
    void ownerFollowsAReplacement();
    void symbolicLinkLoopIsNamed();
    void storeRemovedWhileOpen();
    void leftoverReplacementIsRemoved();
    void tornTailIsKeptOnce();
    void tornTailOfALongFileName();
    void storeOverwrittenInPlaceIsNotCutAndAppendedTo();
    void storeRecreatedInPlaceAfterItsRemovalWasAdopted();
    void compactionDuringAReplacementReadsTheLockedFile();
    void editorsSaveDuringACompactionIsNotDiscarded();
    void replacementBySymbolicLinkIsRewrittenThroughIt();
    void fifoIsRefusedWithoutBlocking();
    void init();
    void newStoreHasHeader();
    void readableContent();
    void removalAppendsTombstone();
    void batches();
    void tornBatchIsDroppedWhole();
    void clearRewrites();
    void compactionReplacesTheFile();
    void corruptFileIsLeftUntouched_data();
    void corruptFileIsLeftUntouched();
    void tornFinalLine_data();
    void tornFinalLine();
    void handEditedLastLineIsKept();
    void rfc4180Files_data();
    void rfc4180Files();
    void personsLastLineOfAnUnreadableValueIsKept_data();
    void personsLastLineOfAnUnreadableValueIsKept();
    void blankLinesOfAPersonsFile_data();
    void blankLinesOfAPersonsFile();
    void byteOrderMarkAloneIsAnEmptyStore();
    void fileWithoutRecordsGetsItsHeader_data();
    void fileWithoutRecordsGetsItsHeader();
    void everyCutOfAnAppendIsTornOrWhole_data();
    void everyCutOfAnAppendIsTornOrWhole();
    void lastLineAddedWhileOpenIsKept();
    void unreadableLastLineAddedWhileOpenIsKept();
    void readOnlyFollowsALastLineWithoutLineBreak();
    void lockedBySecondProcess();
    void lockedInSameProcess();
    void fileModeIsOwnerOnly();
    void readOnlyWhileAnotherProcessHoldsTheLock();
    void readOnlyRefusesWrites();
    void readOnlyMissingFile();
    void readOnlyAppliesABatchOnceComplete();
    void readOnlyLeavesATornTail();
    void readOnlyFollowsCompaction();
    void readOnlyReportsACorruptAppend();
    void readOnlyWhileTheOwnerWrites();
    void factorySpec_data();
    void factorySpec();
    void factoryRefusesUnknownOptions();

private:
    void startHolder(QProcess &holder, const QString &program = QString(),
                     const QStringList &arguments = {});

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
};

void tst_CsvBackend::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_path = m_dir->filePath(QStringLiteral("store.csv"));
}

void tst_CsvBackend::newStoreHasHeader()
{
    const QString path = m_dir->filePath(QStringLiteral("sub/folder/new.csv"));
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(path));
        QVERIFY2(!loadError(map), qPrintable(map.errorString()));
        QCOMPARE(readBytes(path), header);
        // The lock is on the file itself: nothing is created beside it.
        QCOMPARE(flockHolders(path), QList<qint64>{QCoreApplication::applicationPid()});
        QCOMPARE(QFileInfo(path).dir().entryList(QDir::Files | QDir::Hidden),
                 QStringList{QStringLiteral("new.csv")});
    }
    QCOMPARE(readBytes(path), header);
    QCOMPARE(flockHolders(path), QList<qint64>()); // released with the map
}

void tst_CsvBackend::readableContent()
{
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        QVERIFY(!loadError(map));
        QVERIFY(!failureOf(map.insert(QStringLiteral("greeting"), QStringLiteral("hello"))));
        QVERIFY(!failureOf(map.insert(QStringLiteral("count"), 3)));
        // Acknowledged means appended: readable before any flush.
        QCOMPARE(readBytes(m_path), header + firstAppend + "greeting,string,hello\ncount,int,3\n");
        QVERIFY(!failureOf(map.insert(QStringLiteral("note"), QStringLiteral("a, \"b\"\nc"))));
        QVERIFY(!failureOf(map.insert(QStringLiteral("ratio"), 0.25)));
        QVERIFY(!failureOf(map.insert(QStringLiteral("raw"), QByteArray("hi"))));
        QVERIFY(!failureOf(map.flush()));
    }
    QCOMPARE(readBytes(m_path),
             header + firstAppend +
                     "greeting,string,hello\ncount,int,3\nnote,string,\"a, \"\"b\"\"\nc\"\n"
                     "ratio,double,0.25\nraw,bytes,aGk=\n");

    PersistentMap reopened(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(reopened));
    QCOMPARE(reopened.toHash(),
             (QVariantHash{{QStringLiteral("greeting"), QStringLiteral("hello")},
                           {QStringLiteral("count"), 3},
                           {QStringLiteral("note"), QStringLiteral("a, \"b\"\nc")},
                           {QStringLiteral("ratio"), 0.25},
                           {QStringLiteral("raw"), QByteArray("hi")}}));
    QCOMPARE(reopened.value(QStringLiteral("count")).metaType(), QMetaType::fromType<int>());
}

void tst_CsvBackend::removalAppendsTombstone()
{
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        QVERIFY(!loadError(map));
        QVERIFY(!failureOf(map.insert(QStringLiteral("a"), 1)));
        QVERIFY(!failureOf(map.insert(QStringLiteral("b"), 2)));
        QVERIFY(!failureOf(map.remove(QStringLiteral("a"))));
        QCOMPARE(readBytes(m_path), header + firstAppend + "a,int,1\nb,int,2\na,removed,\n");
    }
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        QVERIFY(!loadError(map));
        QCOMPARE(map.toHash(), (QVariantHash{{QStringLiteral("b"), 2}}));
        // A key can come back after its tombstone.
        QVERIFY(!failureOf(map.insert(QStringLiteral("a"), QStringLiteral("again"))));
    }
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(map));
    QCOMPARE(map.value(QStringLiteral("a")), QVariant(QStringLiteral("again")));
    QCOMPARE(map.count(), 2);
}

void tst_CsvBackend::batches()
{
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        QVERIFY(!loadError(map));
        QVERIFY(!failureOf(map.insert(QStringLiteral("solo"), 0)));
        QVERIFY(!failureOf(map.insert(QVariantHash{
                {QStringLiteral("x"), 1}, {QStringLiteral("y"), 2}, {QStringLiteral("z"), 3}})));
        PersistentMapWriteBatch batch;
        batch.insert(QStringLiteral("w"), 4);
        batch.remove(QStringLiteral("solo"));
        QVERIFY(!failureOf(map.apply(batch)));
    }
    const QByteArray data = readBytes(m_path);
    QList<QByteArray> lines = data.split('\n');
    QCOMPARE(lines.takeLast(), QByteArray()); // ends with a line break
    QCOMPARE(lines.size(), 1 + 2 + 4 + 3);
    QCOMPARE(lines.at(0) + '\n', header);
    QCOMPARE(lines.at(1) + '\n', firstAppend); // the first append to the file is a batch
    QCOMPARE(lines.at(2), QByteArray("solo,int,0"));
    QCOMPARE(lines.at(3), QByteArray(",batch,3"));
    QList<QByteArray> first = lines.mid(4, 3);
    std::sort(first.begin(), first.end());
    QCOMPARE(first, (QList<QByteArray>{"x,int,1", "y,int,2", "z,int,3"}));
    QCOMPARE(lines.at(7), QByteArray(",batch,2"));
    QList<QByteArray> second = lines.mid(8, 2);
    std::sort(second.begin(), second.end());
    QCOMPARE(second, (QList<QByteArray>{"solo,removed,", "w,int,4"}));

    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(map));
    QCOMPARE(map.toHash(),
             (QVariantHash{{QStringLiteral("x"), 1},
                           {QStringLiteral("y"), 2},
                           {QStringLiteral("z"), 3},
                           {QStringLiteral("w"), 4}}));
}

void tst_CsvBackend::tornBatchIsDroppedWhole()
{
    // A crash after two of three rows of a batch: the whole batch is dropped.
    const QByteArray content = header + "keep,int,1\n,batch,3\na,int,1\nb,int,2\n";
    QVERIFY(writeBytes(m_path, content));
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("batch that starts on line 3 is "
                                                           "incomplete.*2 row")));
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        QVERIFY(!loadError(map));
        QCOMPARE(map.toHash(), (QVariantHash{{QStringLiteral("keep"), 1}}));
        QCOMPARE(readBytes(m_path), content); // loading alone changes nothing
        QVERIFY(!failureOf(map.insert(QStringLiteral("c"), 3)));
    }
    // The next write repaired the file first, so the new row is not swallowed by the batch.
    const QByteArray repaired = readBytes(m_path);
    QString why;
    QVERIFY2(fullyParseable(repaired, &why), qPrintable(why));
    QVERIFY(!repaired.contains("a,int,1"));
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".")));
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(map));
    QCOMPARE(map.toHash(), (QVariantHash{{QStringLiteral("keep"), 1}, {QStringLiteral("c"), 3}}));
}

void tst_CsvBackend::clearRewrites()
{
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        QVERIFY(!loadError(map));
        QVERIFY(!failureOf(map.insert(QStringLiteral("a"), 1)));
        QVERIFY(!failureOf(map.clear()));
        QCOMPARE(readBytes(m_path), header);
        QVERIFY(!failureOf(map.insert(QStringLiteral("b"), 2)));
    }
    QCOMPARE(readBytes(m_path), header + firstAppend + "b,int,2\n");
}

void tst_CsvBackend::compactionReplacesTheFile()
{
    PersistentMapCsvBackend backend(m_path);
    QVERIFY(loadAll(backend).isEmpty());
    save(backend, QStringLiteral("other"), QStringLiteral("stays"));
    const ino_t before = inode(m_path);
    QVERIFY(before != 0);
    // A handle on the original file: if it were truncated and rewritten in place, this handle
    // would see the rewritten content; replaced by a rename, it keeps every appended row.
    QFile original(m_path);
    QVERIFY(original.open(QIODevice::ReadOnly));

    const int writes = 1200;
    qint64 largest = 0;
    for (int i = 0; i < writes; ++i) {
        save(backend, QStringLiteral("counter"), i);
        largest = qMax(largest, QFileInfo(m_path).size());
    }
    const ino_t after = inode(m_path);
    QVERIFY(after != 0);
    QVERIFY2(after != before, "compaction must replace the file, not rewrite it in place");

    const QByteArray old = original.readAll();
    QVERIFY(old.startsWith(header + firstAppend +
                           "other,string,stays\ncounter,int,0\ncounter,int,1\n"));
    QVERIFY2(old.count('\n') > 1024, QByteArray::number(old.count('\n')).constData());

    const QByteArray now = readBytes(m_path);
    QVERIFY2(now.size() < largest / 4, QByteArray::number(now.size()).constData());
    QVERIFY(now.endsWith(QByteArray("counter,int,") + QByteArray::number(writes - 1) + '\n'));
    QString why;
    QVERIFY2(fullyParseable(now, &why), qPrintable(why));
    QCOMPARE(QFile::permissions(m_path) & groupOrOther, QFile::Permissions());

    // Appends continue on the new file, and another reader sees the same map.
    save(backend, QStringLiteral("last"), true);
    QVERIFY(readBytes(m_path).endsWith("last,bool,true\n"));
    backend.flush();
}

void tst_CsvBackend::corruptFileIsLeftUntouched_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<int>("line");
    QTest::addColumn<QString>("cause");

    const QByteArray good = header + "a,string,x\n";
    const QByteArray after = "c,int,1\n";
    QTest::newRow("too few fields")
            << good + "b,string\n" + after << 3 << QStringLiteral("2 fields instead of 3");
    QTest::newRow("too many fields")
            << good + "b,string,x,y\n" + after << 3 << QStringLiteral("4 fields instead of 3");
    // A blank line is skipped (blankLinesOfAPersonsFile); a line of spaces is one field.
    QTest::newRow("line of spaces")
            << good + "  \n" + after << 3 << QStringLiteral("1 fields instead of 3");
    // A value that does not decode (an unknown tag, bad base64, "abc" as an int) is no damage
    // of the file: it is kept, and the store opens (tst_undecoded::damagedCsvValuesAreKept).
    QTest::newRow("quote in unquoted field") << good + "b,str\"ing,x\n" + after << 3
                                             << QStringLiteral("quote inside an unquoted field");
    QTest::newRow("invalid utf-8")
            << good + "b,string,\xff\xfe\n" + after << 3 << QStringLiteral("invalid UTF-8");
    QTest::newRow("bad header") << QByteArray("name,value\na,b\n") << 1
                                << QStringLiteral("header is not key,type,value");
    QTest::newRow("header with different columns")
            << QByteArray("key,value,type\na,x,string\n") << 1
            << QStringLiteral("header is not key,type,value");
    QTest::newRow("bad batch row")
            << good + ",batch,zero\n" + after << 3 << QStringLiteral("batch row");
    QTest::newRow("bad row inside a batch") << good + ",batch,2\nb,int,1\nc,int\n" + after << 5
                                            << QStringLiteral("2 fields instead of 3");
    QTest::newRow("bad line after many good ones") << good + QByteArray("k,int,1\n").repeated(500) +
                    "k,bool\n" << 503 << QStringLiteral("2 fields instead of 3");
}

void tst_CsvBackend::corruptFileIsLeftUntouched()
{
    QFETCH(QByteArray, content);
    QFETCH(int, line);
    QFETCH(QString, cause);
    QVERIFY(writeBytes(m_path, content));
    const ino_t inodeBefore = inode(m_path);
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        QSignalSpy errors(&map, &PersistentMap::errorOccurred);
        const std::optional<PersistentMapError> error = loadError(map);
        QVERIFY(error);
        QCOMPARE(error->code(), PersistentMapError::Code::Corrupt);
        QCOMPARE(map.status(), PersistentMap::Status::Error);
        const QString prefix = QStringLiteral("CSV store %1: line %2: ").arg(m_path).arg(line);
        QVERIFY2(error->message().startsWith(prefix), qPrintable(error->message()));
        QVERIFY2(error->message().contains(cause), qPrintable(error->message()));
        QCOMPARE(map.errorString(), error->message());
        QTRY_VERIFY(!errors.isEmpty());
        QCOMPARE(errors.first().first().toString(), error->message());
        QCOMPARE(readBytes(m_path), content);

        // The map works in memory, but nothing it does reaches the file.
        const std::optional<PersistentMapError> writeError =
                failureOf(map.insert(QStringLiteral("a"), QStringLiteral("overwritten?")));
        QVERIFY(writeError);
        QCOMPARE(writeError->message(), error->message());
        QCOMPARE(map.value(QStringLiteral("a")), QVariant(QStringLiteral("overwritten?")));
        QVERIFY(failureOf(map.remove(QStringLiteral("c"))));
        QVERIFY(failureOf(map.clear()));
        QVERIFY(failureOf(map.flush()));
        QCOMPARE(readBytes(m_path), content);
        // The lock is given up at once, so a repaired file can be opened by another process.
        QCOMPARE(flockHolders(m_path), QList<qint64>());
    }
    QCOMPARE(readBytes(m_path), content);
    QCOMPARE(inode(m_path), inodeBefore);
}

void tst_CsvBackend::tornFinalLine_data()
{
    QTest::addColumn<QByteArray>("tail");
    // Cuts that read as whole rows (issue 12, 3): `b,int,12` of `b,int,123\n`, and so on. In a
    // file this library appended to they are its own writes cut off, never a person's rows.
    QTest::newRow("no newline") << QByteArray("b,int,12");
    QTest::newRow("cut inside a string value") << QByteArray("b,string,hel");
    QTest::newRow("cut right after the last comma") << QByteArray("b,string,");
    QTest::newRow("cut right after a closing quote") << QByteArray("b,string,\"say \"");
    QTest::newRow("cut after the type") << QByteArray("b,int,");
    QTest::newRow("cut inside quotes") << QByteArray("b,string,\"unfinished, value");
    QTest::newRow("cut inside a character") << QByteArray("b,string,\xe6\x97");
    QTest::newRow("cut between CR and LF") << QByteArray("b,int,12\r");
    // Issue 11, 5: values with line breaks cut by a crash used to make the store unreadable.
    QTest::newRow("cut inside a multi-line value") << QByteArray("b,string,\"first line\nsecond");
    QTest::newRow("cut after a line break in a value") << QByteArray("b,string,\"first line\n");
    QTest::newRow("cut inside a multi-line value with quotes")
            << QByteArray("b,string,\"\"\"quoted\"\"\r\nnext, \xe6\x97");
    // A value holding CSV text of its own: whole lines of three fields after the open quote,
    // but not rows of the store (no type tag). They were taken for damage: store unreadable.
    // Lines that are whole rows of a store, inside a value cut by a power loss (found by the
    // power-loss suite), or below a quote a hand edit left open: the file ends inside quotes
    // either way, and the cut bytes are kept. The store could not be opened before.
    QTest::newRow("cut inside a value holding store rows")
            << QByteArray("b,string,\"total\nname,string,value\nc,int,1\n");
    QTest::newRow("cut inside a value holding CSV lines") << QByteArray(
            "b,string,\"name,size,date\nreport,12,2026-11-30\nsummary,3,2026-12-01\n");
}

void tst_CsvBackend::tornFinalLine()
{
    QFETCH(QByteArray, tail);
    // A file this library appended to: its first append is a batch row.
    const QByteArray content = header + firstAppend + "a,string,x\n" + tail;
    QVERIFY(writeBytes(m_path, content));
    const QFile::Permissions mode = QFile::permissions(m_path);
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral(
                                 "line 4 is incomplete.*dropping it.*the cut bytes are kept in "
                                 ".*store.csv.torn-")));
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        QVERIFY2(!loadError(map), qPrintable(map.errorString()));
        // What is cut is kept, byte for byte, in the file the warning names.
        const QStringList kept =
                QDir(QFileInfo(m_path).path())
                        .entryList({QFileInfo(m_path).fileName() + QStringLiteral(".torn-*")},
                                   QDir::Files);
        QCOMPARE(kept.size(), 1);
        QCOMPARE(readBytes(QFileInfo(m_path).dir().filePath(kept.first())), tail);
        QCOMPARE(map.status(), PersistentMap::Status::Ready);
        QCOMPARE(map.toHash(), (QVariantHash{{QStringLiteral("a"), QStringLiteral("x")}}));
        QCOMPARE(readBytes(m_path), content); // nothing is written until there is something to
        QVERIFY(!failureOf(map.insert(QStringLiteral("c"), 3)));
        const QByteArray repaired = readBytes(m_path);
        QString why;
        QVERIFY2(fullyParseable(repaired, &why), qPrintable(why));
        QVERIFY(repaired.endsWith("c,int,3\n"));
        QVERIFY(!failureOf(map.insert(QStringLiteral("d"), 4)));
    }
    QString why;
    QVERIFY2(fullyParseable(readBytes(m_path), &why), qPrintable(why));
    QCOMPARE(QFile::permissions(m_path), mode); // the repair keeps the file's mode
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".")));
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(map));
    QCOMPARE(map.toHash(),
             (QVariantHash{{QStringLiteral("a"), QStringLiteral("x")},
                           {QStringLiteral("c"), 3},
                           {QStringLiteral("d"), 4}}));
}

// Issue 12, 3: a hand-edited file whose last line has no line break (as many editors save it)
// opened without that line, and the next write cut it off the file (into PATH.torn-*).
void tst_CsvBackend::handEditedLastLineIsKept()
{
    const QByteArray content("key,type,value\ngreeting,string,hello\nruns,int,2");
    QVERIFY(writeBytes(m_path, content));
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".")));
    const QVariantHash edited{{QStringLiteral("greeting"), QStringLiteral("hello")},
                              {QStringLiteral("runs"), 2}};
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        QVERIFY2(!loadError(map), qPrintable(map.errorString()));
        QCOMPARE(map.toHash(), edited);
        QCOMPARE(readBytes(m_path), content);
        QVERIFY(!failureOf(map.insert(QStringLiteral("runs"), 3)));
    }
    // The line break first, then the append, which marks the file as one this library
    // appends to.
    QCOMPARE(readBytes(m_path), content + "\n" + firstAppend + "runs,int,3\n");
    QCOMPARE(QDir(m_dir->path()).entryList({QStringLiteral("store.csv.torn-*")}), QStringList());
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(map));
    QCOMPARE(map.toHash(),
             (QVariantHash{{QStringLiteral("greeting"), QStringLiteral("hello")},
                           {QStringLiteral("runs"), 3}}));
}

// What a person or a spreadsheet writes under RFC 4180 opens with every row, and the next write
// keeps every byte of it: it only adds a line break where the last line has none, then its rows
// (always LF line ends, also in a CRLF file).
void tst_CsvBackend::rfc4180Files_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QVariantHash>("expected");
    const QVariantHash two{{QStringLiteral("greeting"), QStringLiteral("hello")},
                           {QStringLiteral("runs"), 2}};
    QTest::newRow("no final line break") << QByteArray("key,type,value\ngreeting,string,hello\n"
                                                       "runs,int,2")
                                         << two;
    QTest::newRow("CRLF, no final line break")
            << QByteArray("key,type,value\r\ngreeting,string,hello\r\nruns,int,2") << two;
    QTest::newRow("CRLF, final CRLF")
            << QByteArray("key,type,value\r\ngreeting,string,hello\r\nruns,int,2\r\n") << two;
    QTest::newRow("last line ends in CR") << QByteArray("key,type,value\r\ngreeting,string,hello"
                                                        "\r\nruns,int,2\r")
                                          << two;
    QTest::newRow("BOM, no final line break")
            << QByteArray("\xEF\xBB\xBFkey,type,value\ngreeting,string,hello\nruns,int,2") << two;
    QTest::newRow("every field quoted, no final line break")
            << QByteArray("\"key\",\"type\",\"value\"\r\n\"greeting\",\"string\",\"hello\"\r\n"
                          "\"runs\",\"int\",\"2\"")
            << two;
    QTest::newRow("quoted last value with a line break")
            << QByteArray(
                       "key,type,value\nruns,int,2\nnote,string,\"two\r\nlines, \"\"quoted\"\"\"")
            << QVariantHash{{QStringLiteral("runs"), 2},
                            {QStringLiteral("note"), QStringLiteral("two\r\nlines, \"quoted\"")}};
    QTest::newRow("empty last field")
            << QByteArray("key,type,value\nruns,int,2\ngreeting,string,")
            << QVariantHash{{QStringLiteral("runs"), 2}, {QStringLiteral("greeting"), QString()}};
    QTest::newRow("empty fields, final line break")
            << QByteArray("key,type,value\n,string,\nnothing,null,\n")
            << QVariantHash{{QString(), QString()}, {QStringLiteral("nothing"), QVariant()}};
    QTest::newRow("removal last") << QByteArray("key,type,value\ngreeting,string,hello\n"
                                                "runs,int,2\ngreeting,removed,")
                                  << QVariantHash{{QStringLiteral("runs"), 2}};
    QTest::newRow("header only, no line break") << QByteArray("key,type,value") << QVariantHash();
    QTest::newRow("quoted header only, no line break")
            << QByteArray("\"key\",\"type\",\"value\"") << QVariantHash();
    QTest::newRow("blank lines before the header, after a BOM")
            << QByteArray("\xEF\xBB\xBF\n\r\nkey,type,value\ngreeting,string,hello\nruns,int,2\n")
            << two;
    QTest::newRow("blank last line without its LF")
            << QByteArray("key,type,value\r\ngreeting,string,hello\r\nruns,int,2\r\n\r") << two;
    QTest::newRow("blank lines, then a last line without a line break")
            << QByteArray("key,type,value\n\ngreeting,string,hello\n\r\n\nruns,int,2") << two;
}

void tst_CsvBackend::rfc4180Files()
{
    QFETCH(QByteArray, content);
    QFETCH(QVariantHash, expected);
    QVERIFY(writeBytes(m_path, content));
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".")));
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        QVERIFY2(!loadError(map), qPrintable(map.errorString()));
        QCOMPARE(map.toHash(), expected);
        QCOMPARE(readBytes(m_path), content); // opening writes nothing
        QVERIFY(!failureOf(map.insert(QStringLiteral("added"), 7)));
        QVERIFY(!failureOf(map.flush()));
    }
    const QByteArray lineBreak = content.endsWith('\n') ? QByteArray() : QByteArray("\n");
    QCOMPARE(readBytes(m_path), content + lineBreak + firstAppend + "added,int,7\n");
    QCOMPARE(QDir(m_dir->path()).entryList({QStringLiteral("store.csv.torn-*")}), QStringList());
    expected.insert(QStringLiteral("added"), 7);
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        QVERIFY2(!loadError(map), qPrintable(map.errorString()));
        QCOMPARE(map.toHash(), expected);
        QVERIFY(!failureOf(map.insert(QStringLiteral("more"), 8)));
    }
    // Appends after the first need no batch row.
    QCOMPARE(readBytes(m_path), content + lineBreak + firstAppend + "added,int,7\nmore,int,8\n");
    expected.insert(QStringLiteral("more"), 8);
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(map));
    QCOMPARE(map.toHash(), expected);
}

void tst_CsvBackend::personsLastLineOfAnUnreadableValueIsKept_data()
{
    QTest::addColumn<QByteArray>("lastLine");
    QTest::newRow("tag of a newer version") << QByteArray("accent,futuretype,xyz");
    QTest::newRow("damaged int") << QByteArray("width,int,12px");
    QTest::newRow("legacy row of a type no longer read")
            << QByteArray("curve,variant:QEasingCurve,AAAA");
}

// Issue 12, promises 1 and 3: a file a person wrote has no batch row, so its last line without a
// line break cannot be a torn append of this library (its first append to a file always starts
// with one). A whole record of three fields whose value this process cannot read (a tag of a
// newer version, a damaged text) is a value to keep in the store byte for byte and report, as on
// any other line. It was taken for a crash's torn write instead: dropped "probably cut off by a
// crash", moved to PATH.torn-* and cut off the store at the next write, so the program that can
// read it never sees it again.
void tst_CsvBackend::personsLastLineOfAnUnreadableValueIsKept()
{
    QFETCH(QByteArray, lastLine);
    const QByteArray content = QByteArray("key,type,value\ngreeting,string,hello\n") + lastLine;
    QVERIFY(writeBytes(m_path, content));
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        QVERIFY2(!loadError(map), qPrintable(map.errorString()));
        QCOMPARE(map.toHash(),
                 (QVariantHash{{QStringLiteral("greeting"), QStringLiteral("hello")}}));
        QCOMPARE(readBytes(m_path), content); // opening writes nothing
        QVERIFY(!failureOf(map.insert(QStringLiteral("added"), 7)));
        QVERIFY(!failureOf(map.flush()));
    }
    QCOMPARE(QDir(m_dir->path()).entryList({QStringLiteral("store.csv.torn-*")}), QStringList());
    // The line break it lacked, then the append: the person's line is still in the store.
    QCOMPARE(readBytes(m_path), content + "\n" + firstAppend + "added,int,7\n");
}

void tst_CsvBackend::blankLinesOfAPersonsFile_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::newRow("blank line at the end")
            << QByteArray("key,type,value\ngreeting,string,hello\nruns,int,2\n\n");
    QTest::newRow("blank line at the end, CRLF")
            << QByteArray("key,type,value\r\ngreeting,string,hello\r\nruns,int,2\r\n\r\n");
    QTest::newRow("blank line between rows")
            << QByteArray("key,type,value\ngreeting,string,hello\n\nruns,int,2\n");
}

// Issue 12, promise 3: every RFC 4180 file a person writes opens without losing a byte. An editor
// leaves a blank line at the end (or between rows) of a hand-edited file all the time; RFC 4180's
// grammar reads it as an empty record, and spreadsheets and CSV readers skip it. The store
// refused to open ("line 4: 1 fields instead of 3", Code::Corrupt): every value of it unreadable
// over one blank line, and an application that resets corrupt stores throws them away.
void tst_CsvBackend::blankLinesOfAPersonsFile()
{
    QFETCH(QByteArray, content);
    QVERIFY(writeBytes(m_path, content));
    const QVariantHash two{{QStringLiteral("greeting"), QStringLiteral("hello")},
                           {QStringLiteral("runs"), 2}};
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        QVERIFY2(!loadError(map), qPrintable(map.errorString()));
        QCOMPARE(map.toHash(), two);
        QVERIFY(!failureOf(map.insert(QStringLiteral("added"), 7)));
    }
    QCOMPARE(readBytes(m_path), content + firstAppend + "added,int,7\n");
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY2(!loadError(map), qPrintable(map.errorString()));
    QCOMPARE(map.value(QStringLiteral("added")), QVariant(7));
    QCOMPARE(map.count(), 3);
}

// Issue 12, promises 1 and 3: a file that holds only a UTF-8 byte order mark (an empty file saved
// by an editor or a spreadsheet as "UTF-8 with BOM") opened as an empty store, but the first
// write appended its rows right after the mark, without the header: the write was acknowledged,
// and the store no longer opened ("line 1: the header is not key,type,value", Code::Corrupt).
void tst_CsvBackend::byteOrderMarkAloneIsAnEmptyStore()
{
    const QByteArray bom("\xEF\xBB\xBF");
    QVERIFY(writeBytes(m_path, bom));
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        QVERIFY2(!loadError(map), qPrintable(map.errorString()));
        QCOMPARE(map.count(), 0);
        QVERIFY(!failureOf(map.insert(QStringLiteral("greeting"), QStringLiteral("hello"))));
    }
    const QByteArray written = readBytes(m_path);
    QVERIFY2(written.startsWith(bom + header) || written.startsWith(header), written.constData());
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY2(!loadError(map), qPrintable(map.errorString()));
    QCOMPARE(map.value(QStringLiteral("greeting")), QVariant(QStringLiteral("hello")));
}

void tst_CsvBackend::fileWithoutRecordsGetsItsHeader_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::newRow("BOM and a blank line") << QByteArray("\xEF\xBB\xBF\n");
    QTest::newRow("blank lines") << QByteArray("\n\r\n");
    QTest::newRow("BOM and a lone CR") << QByteArray("\xEF\xBB\xBF\r");
}

// A file with no record (a BOM, blank lines) is an empty store, like an empty file: the first
// write adds the header after what is there (a line break first after a lone CR), and a follower
// that opened it reads the header and the rows.
void tst_CsvBackend::fileWithoutRecordsGetsItsHeader()
{
    QFETCH(QByteArray, content);
    QVERIFY(writeBytes(m_path, content));
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".")));
    PersistentMapCsvBackend follower(m_path, ReadOnly);
    QVariantHash known;
    std::optional<PersistentMapError> error = thrownBy([&] { known = loadAll(follower); });
    QVERIFY2(!error, error ? qPrintable(error->message()) : "");
    QCOMPARE(known, QVariantHash());
    QVariantHash loaded{{QStringLiteral("not"), QStringLiteral("loaded")}};
    QByteArray afterOpen;
    error = thrownBy([&] {
        PersistentMapCsvBackend owner(m_path);
        loaded = loadAll(owner);
        afterOpen = readBytes(m_path);
        save(owner, QStringLiteral("greeting"), QStringLiteral("hello"));
    });
    QVERIFY2(!error, error ? qPrintable(error->message()) : "");
    QCOMPARE(loaded, QVariantHash());
    QCOMPARE(afterOpen, content); // opening writes nothing
    const QByteArray lineBreak = content.endsWith('\r') ? QByteArray("\n") : QByteArray();
    QCOMPARE(readBytes(m_path),
             content + lineBreak + header + firstAppend + "greeting,string,hello\n");
    const QVariantHash one{{QStringLiteral("greeting"), QStringLiteral("hello")}};
    error = thrownBy([&] {
        applyChanges(known, follower.pollChanges());
        PersistentMapCsvBackend reopened(m_path);
        loaded = loadAll(reopened);
    });
    QVERIFY2(!error, error ? qPrintable(error->message()) : "");
    QCOMPARE(known, one);
    QCOMPARE(loaded, one);
}

// Every way a crash can cut this library's append (every byte count) opens as the store before
// it, with the cut bytes kept aside, or, when the append is all there, with it: never with a
// value cut short (`k,int,12` of `k,int,123`), and never without the person's last line. On a
// person's file whose last line has no line break (the append starts with the line break) and on
// a store the library created.
void tst_CsvBackend::everyCutOfAnAppendIsTornOrWhole_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QVariantHash>("before");
    QTest::newRow("a person's file")
            << QByteArray("key,type,value\ngreeting,string,hello\nruns,int,2")
            << QVariantHash{{QStringLiteral("greeting"), QStringLiteral("hello")},
                            {QStringLiteral("runs"), 2}};
    QTest::newRow("a new store") << QByteArray() << QVariantHash();
    QTest::newRow("a store already appended to")
            << QByteArray(header + firstAppend + "runs,int,2\n")
            << QVariantHash{{QStringLiteral("runs"), 2}};
}

void tst_CsvBackend::everyCutOfAnAppendIsTornOrWhole()
{
    QFETCH(QByteArray, content);
    QFETCH(QVariantHash, before);
    QVERIFY(writeBytes(m_path, content));
    QByteArray start;
    QByteArray written;
    {
        PersistentMapCsvBackend backend(m_path);
        QCOMPARE(loadAll(backend), before);
        start = readBytes(m_path); // a new store gets its header
        PersistentMapWriteBatch batch;
        batch.insert(QStringLiteral("k"), 123);
        batch.insert(QStringLiteral("s"), QStringLiteral("text"));
        backend.apply(batch);
        save(backend, QStringLiteral("k"), 456);
        written = readBytes(m_path).mid(start.size());
    }
    // Every prefix of both appends.
    QVariantHash afterFirst = before;
    afterFirst.insert(QStringLiteral("k"), 123);
    afterFirst.insert(QStringLiteral("s"), QStringLiteral("text"));
    QVariantHash afterSecond = afterFirst;
    afterSecond.insert(QStringLiteral("k"), 456);
    const qsizetype firstEnd = written.indexOf("k,int,456");
    QVERIFY(firstEnd > 0);
    // On the person's file, the first append starts with the line break its last line lacked.
    const qsizetype lineBreak = written.startsWith('\n') ? 1 : 0;
    QCOMPARE(lineBreak, content.isEmpty() || content.endsWith('\n') ? 0 : 1);
    int torn = 0;
    for (qsizetype cut = 0; cut <= written.size(); ++cut) {
        const QByteArray prefix = written.left(cut);
        const QString what = QStringLiteral("cut %1: %2").arg(cut).arg(QString::fromUtf8(prefix));
        QVERIFY(writeBytes(m_path, start + prefix));
        for (const QString &name : QDir(m_dir->path()).entryList({QStringLiteral("*.torn-*")}))
            QVERIFY(QFile::remove(m_dir->filePath(name)));
        QVariantHash loaded;
        tornWarnings = 0;
        const QtMessageHandler previous = qInstallMessageHandler(countTornWarnings);
        const std::optional<PersistentMapError> error = thrownBy([&] {
            PersistentMapCsvBackend backend(m_path);
            loaded = loadAll(backend);
        });
        qInstallMessageHandler(previous);
        if (error)
            QFAIL(qPrintable(what + u' ' + error->message()));
        const QVariantHash expected = cut < firstEnd ? before
                : cut < written.size()               ? afterFirst
                                                     : afterSecond;
        QVERIFY2(loaded == expected, qPrintable(what));
        const bool whole = cut <= lineBreak || cut == firstEnd || cut == written.size();
        QVERIFY2(tornWarnings == (whole ? 0 : 1), qPrintable(what));
        const QStringList kept =
                QDir(m_dir->path()).entryList({QStringLiteral("store.csv.torn-*")});
        QCOMPARE(kept.size(), whole ? 0 : 1);
        if (!whole) {
            ++torn;
            QCOMPARE(readBytes(m_dir->filePath(kept.first())),
                     prefix.mid(cut < firstEnd ? lineBreak : firstEnd));
        }
    }
    QVERIFY(torn > 20);
}

// A person adds a line without a line break to the store while a map owns it: the owner adopts
// the change (the file is not as it left it), so that line is the person's, not a write of its
// own cut off, even after the batch row of its first append. The next write keeps it.
void tst_CsvBackend::lastLineAddedWhileOpenIsKept()
{
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(map));
    QVERIFY(!failureOf(map.insert(QStringLiteral("a"), 1)));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("changed in place")));
    QVERIFY(appendBytes(m_path, "b,int,5"));
    QTRY_COMPARE_WITH_TIMEOUT(map.value(QStringLiteral("b")), QVariant(5), 20000);
    QVERIFY(!failureOf(map.insert(QStringLiteral("c"), 3)));
    QCOMPARE(readBytes(m_path), header + firstAppend + "a,int,1\nb,int,5\nc,int,3\n");
    QCOMPARE(QDir(m_dir->path()).entryList({QStringLiteral("store.csv.torn-*")}), QStringList());
}

// The same with a value this process cannot read: another program's line is kept as any row
// whose value does not read (reported, kept byte for byte), not cut off as a torn write.
void tst_CsvBackend::unreadableLastLineAddedWhileOpenIsKept()
{
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(map));
    QVERIFY(!failureOf(map.insert(QStringLiteral("a"), 1)));
    QSignalSpy errors(&map, &PersistentMap::errorOccurred);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("changed in place")));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("key 'b'.*futuretype")));
    QVERIFY(appendBytes(m_path, "b,futuretype,xyz"));
    QTRY_VERIFY_WITH_TIMEOUT(!errors.isEmpty(), 20000);
    QVERIFY(!map.contains(QStringLiteral("b")));
    QVERIFY(!failureOf(map.insert(QStringLiteral("c"), 3)));
    QCOMPARE(readBytes(m_path), header + firstAppend + "a,int,1\nb,futuretype,xyz\nc,int,3\n");
    QCOMPARE(QDir(m_dir->path()).entryList({QStringLiteral("store.csv.torn-*")}), QStringList());
}

// A follower shows a person's last line without a line break, and reads on after the line break
// the owner adds before its first append.
void tst_CsvBackend::readOnlyFollowsALastLineWithoutLineBreak()
{
    const QByteArray content("key,type,value\r\ngreeting,string,hello\r\nruns,int,2");
    QVERIFY(writeBytes(m_path, content));
    PersistentMapCsvBackend follower(m_path, ReadOnly);
    QVariantHash known = loadAll(follower);
    const QVariantHash edited{{QStringLiteral("greeting"), QStringLiteral("hello")},
                              {QStringLiteral("runs"), 2}};
    QCOMPARE(known, edited);
    {
        PersistentMapCsvBackend owner(m_path);
        QCOMPARE(loadAll(owner), edited);
        save(owner, QStringLiteral("added"), 7);
        applyChanges(known, follower.pollChanges());
        QCOMPARE(known,
                 (QVariantHash{{QStringLiteral("greeting"), QStringLiteral("hello")},
                               {QStringLiteral("runs"), 2},
                               {QStringLiteral("added"), 7}}));
    }
    // Another program writes on in the last line itself: the follower reads the file again.
    QVERIFY(writeBytes(m_path, content));
    PersistentMapCsvBackend second(m_path, ReadOnly);
    known = loadAll(second);
    QVERIFY(appendBytes(m_path, "5"));
    const PersistentMapBackend::Changes changes = second.pollChanges();
    QVERIFY(changes.complete);
    applyChanges(known, changes);
    QCOMPARE(known.value(QStringLiteral("runs")), QVariant(25));
}

// Starts csvlockholder on m_path (or through `program` and `arguments`, which end by running
// it) and waits until it holds the store.
void tst_CsvBackend::startHolder(QProcess &holder, const QString &program,
                                 const QStringList &arguments)
{
    holder.setProgram(program.isEmpty() ? QStringLiteral(CSVLOCKHOLDER_PATH) : program);
    holder.setArguments(program.isEmpty() ? QStringList{m_path} : arguments);
    holder.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    holder.start();
    QVERIFY2(holder.waitForStarted(), qPrintable(holder.errorString()));
    QByteArray out;
    while (!out.contains('\n') && holder.waitForReadyRead(20000))
        out += holder.readAll();
    QCOMPARE(out, QByteArray("ready\n"));
}

void tst_CsvBackend::lockedBySecondProcess()
{
    QProcess holder;
    startHolder(holder);
    if (QTest::currentTestFailed())
        return;
    const qint64 pid = holder.processId();
    QVERIFY(pid > 0);
    const QByteArray content = readBytes(m_path);
    QCOMPARE(content, header + firstAppend + "holder,int64," + QByteArray::number(pid) + '\n');

    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        const std::optional<PersistentMapError> error = loadError(map);
        QVERIFY(error);
        QCOMPARE(error->code(), PersistentMapError::Code::Locked);
        QCOMPARE(map.status(), PersistentMap::Status::Error);
        QVERIFY2(error->message().startsWith(QStringLiteral("CSV store %1: ").arg(m_path)),
                 qPrintable(error->message()));
        QVERIFY2(error->message().contains(QStringLiteral("process %1 (csvlockholder)").arg(pid)),
                 qPrintable(error->message()));
        QVERIFY2(error->message().contains(QStringLiteral("no lock file to delete")),
                 qPrintable(error->message()));
        QVERIFY(failureOf(map.insert(QStringLiteral("intruder"), 1)));
        QVERIFY(failureOf(map.flush()));
    }
    QCOMPARE(readBytes(m_path), content);
    QCOMPARE(flockHolders(m_path), QList<qint64>{pid}); // still the holder's

    holder.closeWriteChannel();
    QVERIFY(holder.waitForFinished(20000));
    QCOMPARE(holder.exitStatus(), QProcess::NormalExit);
    QCOMPARE(holder.exitCode(), 0);

    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY2(!loadError(map), qPrintable(map.errorString()));
    QCOMPARE(map.value(QStringLiteral("holder")), QVariant(pid));
    QVERIFY(!failureOf(map.insert(QStringLiteral("after"), 1)));
}

void tst_CsvBackend::lockedInSameProcess()
{
    PersistentMap first(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(first));
    PersistentMap second(std::make_unique<PersistentMapCsvBackend>(m_path));
    const std::optional<PersistentMapError> error = loadError(second);
    QVERIFY(error);
    QCOMPARE(error->code(), PersistentMapError::Code::Locked);
    QVERIFY2(error->message().contains(
                     QStringLiteral("process %1").arg(QCoreApplication::applicationPid())),
             qPrintable(error->message()));
    QVERIFY(!failureOf(first.insert(QStringLiteral("k"), 1)));
}

void tst_CsvBackend::fileModeIsOwnerOnly()
{
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(map));
    QVERIFY(!failureOf(map.insert(QStringLiteral("secret"), QStringLiteral("token"))));
    QCOMPARE(QFile::permissions(m_path) & groupOrOther, QFile::Permissions());
    QVERIFY(QFile::permissions(m_path) & QFile::ReadOwner);
    QVERIFY(!failureOf(map.clear())); // a rewrite keeps the mode
    QCOMPARE(QFile::permissions(m_path) & groupOrOther, QFile::Permissions());
}

// The case: another process owns the store (holds PATH.lock); a map opened read-only
// loads it anyway and follows the owner's writes, and leaves the owner's lock alone.
void tst_CsvBackend::readOnlyWhileAnotherProcessHoldsTheLock()
{
    QProcess holder;
    startHolder(holder);
    if (QTest::currentTestFailed())
        return;
    const QList<qint64> lock{holder.processId()};
    QCOMPARE(flockHolders(m_path), lock);
    {
        PersistentMap follower(std::make_unique<PersistentMapCsvBackend>(m_path, ReadOnly));
        QVERIFY2(!loadError(follower), qPrintable(follower.errorString()));
        QCOMPARE(follower.value(QStringLiteral("holder")), QVariant(holder.processId()));
        QVERIFY(follower.watchExternalChanges());
        QSignalSpy changed(&follower, &PersistentMap::valueChanged);

        holder.write("greeting=hello\n");
        QByteArray out;
        while (!out.contains('\n') && holder.waitForReadyRead(20000))
            out += holder.readAll();
        QCOMPARE(out, QByteArray("done greeting\n"));
        QVERIFY(changed.wait(20000));
        QCOMPARE(changed.first().at(0), QVariant(QStringLiteral("greeting")));
        QCOMPARE(follower.value(QStringLiteral("greeting")), QVariant(QStringLiteral("hello")));
    }
    QCOMPARE(flockHolders(m_path), lock); // the follower took no lock and left the owner's

    holder.closeWriteChannel();
    QVERIFY(holder.waitForFinished(20000));
    QCOMPARE(holder.exitCode(), 0);
    const QByteArray written = readBytes(m_path);
    QVERIFY2(written.endsWith("greeting,string,hello\n"), written.constData());
}

void tst_CsvBackend::readOnlyRefusesWrites()
{
    const QByteArray content = header + "a,int,1\nc,int,3\n";
    QVERIFY(writeBytes(m_path, content));
    const ino_t inodeBefore = inode(m_path);
    QCOMPARE(PersistentMapCsvBackend(m_path).openMode(),
             PersistentMapCsvBackend::OpenMode::ReadWrite);
    // The owner watches too: for another program replacing the file (storeReplacedByARename).
    QVERIFY(PersistentMapCsvBackend(m_path).canWatchChanges());

    PersistentMapCsvBackend backend(m_path, ReadOnly);
    QCOMPARE(backend.openMode(), ReadOnly);
    QVERIFY(backend.canWatchChanges());
    QCOMPARE(loadAll(backend), (QVariantHash{{QStringLiteral("a"), 1}, {QStringLiteral("c"), 3}}));
    PersistentMapWriteBatch batch;
    batch.insert(QStringLiteral("b"), 2);
    batch.remove(QStringLiteral("a"));
    const QList<std::pair<const char *, std::function<void()>>> writes{
            {"save", [&] { save(backend, QStringLiteral("a"), 2); }},
            {"remove", [&] { remove(backend, QStringLiteral("a")); }},
            {"apply", [&] { backend.apply(batch); }},
            {"clear", [&] { backend.clear(); }},
    };
    for (const auto &[name, write] : writes) {
        const std::optional<PersistentMapError> error = thrownBy(write);
        QVERIFY2(error, name);
        QCOMPARE(error->code(), PersistentMapError::Code::ReadOnly);
        QVERIFY2(error->message().startsWith(QStringLiteral("CSV store %1: ").arg(m_path)),
                 qPrintable(error->message()));
        QVERIFY2(error->message().contains(QStringLiteral("read-only")),
                 qPrintable(error->message()));
    }
    backend.flush(); // nothing to make durable: not an error

    // Through a map: every write is refused before it reaches the cache (isReadOnly(), issue 12),
    // with Code::ReadOnly, and later flushes succeed.
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path, ReadOnly));
        QVERIFY(!loadError(map));
        QVERIFY(map.isReadOnly());
        QVERIFY(!PersistentMap(PersistentMapBackend::create(QStringLiteral("memory:")))
                         .isReadOnly());
        QVERIFY(!failureOf(map.flush()));
        std::optional<PersistentMapError> error = failureOf(map.insert(QStringLiteral("b"), 2));
        QVERIFY(error);
        QCOMPARE(error->code(), PersistentMapError::Code::ReadOnly);
        QVERIFY2(error->message().contains(QStringLiteral("read-only")),
                 qPrintable(error->message()));
        QVERIFY(!map.contains(QStringLiteral("b")));
        error = failureOf(map.remove(QStringLiteral("a")));
        QVERIFY(error);
        QCOMPARE(error->code(), PersistentMapError::Code::ReadOnly);
        QCOMPARE(map.value(QStringLiteral("a")), QVariant(1));
        QVERIFY(!failureOf(map.flush()));
    }

    QCOMPARE(readBytes(m_path), content);
    QCOMPARE(inode(m_path), inodeBefore);
    QCOMPARE(QDir(m_dir->path()).entryList(QDir::Files | QDir::Hidden),
             QStringList{QStringLiteral("store.csv")}); // no lock, no temporary file
}

void tst_CsvBackend::readOnlyMissingFile()
{
    const QString path = m_dir->filePath(QStringLiteral("missing/store.csv"));
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(path, ReadOnly));
    const std::optional<PersistentMapError> error = loadError(map);
    QVERIFY(error);
    QCOMPARE(error->code(), PersistentMapError::Code::OpenFailed);
    QVERIFY2(error->message().startsWith(QStringLiteral("CSV store %1: ").arg(path)),
             qPrintable(error->message()));
    QVERIFY2(error->message().contains(QStringLiteral("does not exist")),
             qPrintable(error->message()));
    QVERIFY(!QFileInfo::exists(m_dir->filePath(QStringLiteral("missing"))));

    // In an existing folder: nothing is created either.
    PersistentMapCsvBackend backend(m_path, ReadOnly);
    const std::optional<PersistentMapError> thrown = thrownBy([&] { loadAll(backend); });
    QVERIFY(thrown);
    QCOMPARE(thrown->code(), PersistentMapError::Code::OpenFailed);
    QVERIFY(QDir(m_dir->path()).entryList(QDir::Files | QDir::Hidden).isEmpty());
}

// The owner appends each write with one write(), but a reader may see any prefix of it: a batch
// is applied only once all its rows are there, a line only once it has its line break.
void tst_CsvBackend::readOnlyAppliesABatchOnceComplete()
{
    QVERIFY(writeBytes(m_path, header + "a,int,1\n"));
    PersistentMapCsvBackend follower(m_path, ReadOnly);
    QCOMPARE(loadAll(follower), (QVariantHash{{QStringLiteral("a"), 1}}));
    QVERIFY(follower.pollChanges().isEmpty());

    QVERIFY(appendBytes(m_path, ",batch,3\nb,int,2\nc,int,"));
    QVERIFY(follower.pollChanges().isEmpty());
    QVERIFY(appendBytes(m_path, "3\n"));
    QVERIFY(follower.pollChanges().isEmpty()); // two rows of three
    QVERIFY(appendBytes(m_path, "a,removed,\n"));
    PersistentMapBackend::Changes changes = follower.pollChanges();
    QVERIFY(!changes.complete);
    QCOMPARE(describeChanges(changes),
             (QStringList{QStringLiteral("b=2"), QStringLiteral("c=3"),
                          QStringLiteral("a removed")}));
    QVERIFY(follower.pollChanges().isEmpty()); // nothing new

    // A quoted value with a line break, cut inside the quotes, is an append in progress too.
    QVERIFY(appendBytes(m_path, "d,string,\"two\nli"));
    QVERIFY(follower.pollChanges().isEmpty());
    QVERIFY(appendBytes(m_path, "nes\"\n"));
    QCOMPARE(describeChanges(follower.pollChanges()), QStringList{QStringLiteral("d=two\nlines")});

    // Rows for one key: only where it ended up.
    QVERIFY(appendBytes(m_path, "e,int,1\ne,int,2\nb,removed,\nb,int,5\nf,int,1\nf,removed,\n"));
    QCOMPARE(describeChanges(follower.pollChanges()),
             (QStringList{QStringLiteral("e=2"), QStringLiteral("b=5"),
                          QStringLiteral("f removed")}));

    // A map opened now reads the same as the follower pieced together.
    PersistentMapCsvBackend reader(m_path, ReadOnly);
    QCOMPARE(loadAll(reader),
             (QVariantHash{{QStringLiteral("b"), 5},
                           {QStringLiteral("c"), 3},
                           {QStringLiteral("d"), QStringLiteral("two\nlines")},
                           {QStringLiteral("e"), 2}}));
}

// A torn last line may be an append in progress: read-only, it is neither applied, nor warned
// about, nor repaired.
void tst_CsvBackend::readOnlyLeavesATornTail()
{
    const QByteArray content = header + "a,string,x\n,batch,2\nb,int,1\nc,int,1";
    QVERIFY(writeBytes(m_path, content));
    const ino_t inodeBefore = inode(m_path);
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".")));
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path, ReadOnly));
        QVERIFY2(!loadError(map), qPrintable(map.errorString()));
        QCOMPARE(map.toHash(), (QVariantHash{{QStringLiteral("a"), QStringLiteral("x")}}));
    }
    PersistentMapCsvBackend follower(m_path, ReadOnly);
    QCOMPARE(loadAll(follower), (QVariantHash{{QStringLiteral("a"), QStringLiteral("x")}}));
    QVERIFY(follower.pollChanges().isEmpty());
    QCOMPARE(readBytes(m_path), content);
    QCOMPARE(inode(m_path), inodeBefore);

    QVERIFY(appendBytes(m_path, "2\n"));
    QCOMPARE(describeChanges(follower.pollChanges()),
             (QStringList{QStringLiteral("b=1"), QStringLiteral("c=12")}));
}

// The owner compacts (a new file renamed over the old one) and clears: the follower notices
// the new file, reads it whole and ends with the owner's content.
void tst_CsvBackend::readOnlyFollowsCompaction()
{
    PersistentMapCsvBackend owner(m_path);
    QVERIFY(loadAll(owner).isEmpty());
    save(owner, QStringLiteral("other"), QStringLiteral("stays"));
    save(owner, QStringLiteral("gone"), 1);
    PersistentMapCsvBackend follower(m_path, ReadOnly);
    QVariantHash known = loadAll(follower);
    QCOMPARE(known.size(), 2);
    const ino_t before = inode(m_path);

    int reloads = 0;
    for (int i = 0; i < 1200; ++i) {
        save(owner, QStringLiteral("counter"), i);
        if (i % 100 == 0) {
            const PersistentMapBackend::Changes changes = follower.pollChanges();
            reloads += changes.complete;
            applyChanges(known, changes);
        }
    }
    remove(owner, QStringLiteral("gone"));
    QVERIFY2(inode(m_path) != before, "the owner did not compact");
    PersistentMapBackend::Changes changes = follower.pollChanges();
    reloads += changes.complete;
    applyChanges(known, changes);
    QCOMPARE(reloads, 1);
    PersistentMapCsvBackend reader(m_path, ReadOnly);
    const QVariantHash expected{{QStringLiteral("other"), QStringLiteral("stays")},
                                {QStringLiteral("counter"), 1199}};
    QCOMPARE(loadAll(reader), expected);
    QCOMPARE(known, expected);

    // Appends to the new file are followed row by row again.
    save(owner, QStringLiteral("last"), true);
    changes = follower.pollChanges();
    QVERIFY(!changes.complete);
    QCOMPARE(describeChanges(changes), QStringList{QStringLiteral("last=true")});

    owner.clear();
    changes = follower.pollChanges();
    QVERIFY(changes.complete);
    QVERIFY(changes.entries.isEmpty());
    save(owner, QStringLiteral("after"), 1);
    QCOMPARE(describeChanges(follower.pollChanges()), QStringList{QStringLiteral("after=1")});
}

// A complete line that cannot be read is damage, not an append in progress: Code::Corrupt with
// its line in the file, reported by the map once.
void tst_CsvBackend::readOnlyReportsACorruptAppend()
{
    QVERIFY(writeBytes(m_path, header + "a,int,1\n,batch,2\nb,int,2\nc,int,3\n"));
    PersistentMapCsvBackend follower(m_path, ReadOnly);
    QCOMPARE(loadAll(follower).size(), 3);
    // Line 7 has two fields (a value that does not decode is kept instead: tst_undecoded).
    QVERIFY(appendBytes(m_path, "d,int,4\nd,int\n"));
    for (int poll = 0; poll < 2; ++poll) { // the unchanged file gives the same error again
        const std::optional<PersistentMapError> error = thrownBy([&] { follower.pollChanges(); });
        QVERIFY(error);
        QCOMPARE(error->code(), PersistentMapError::Code::Corrupt);
        QVERIFY2(error->message().startsWith(QStringLiteral("CSV store %1: line 7: ").arg(m_path)),
                 qPrintable(error->message()));
    }

    QVERIFY(writeBytes(m_path, header + "a,int,1\n"));
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path, ReadOnly));
    QVERIFY(!loadError(map));
    QSignalSpy errors(&map, &PersistentMap::errorOccurred);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("line 3: .*quote")));
    QVERIFY(appendBytes(m_path, "b,str\"ing,x\n"));
    QVERIFY(errors.wait(20000));
    QVERIFY2(errors.first().first().toString().startsWith(
                     QStringLiteral("CSV store %1: line 3: ").arg(m_path)),
             qPrintable(errors.first().first().toString()));
    // That it is reported once, not at every poll, is tst_faults::pollFailureReportedOnce.
    QCOMPARE(map.toHash(), (QVariantHash{{QStringLiteral("a"), 1}}));
}

// The owner writes batches on another thread while the follower polls as fast as it can, so
// polls see appends cut anywhere (inside a batch, a line, quotes, a UTF-8 character) and
// compactions: the follower still ends with the owner's content.
void tst_CsvBackend::readOnlyWhileTheOwnerWrites()
{
    PersistentMapCsvBackend owner(m_path);
    QVERIFY(loadAll(owner).isEmpty());
    PersistentMapCsvBackend follower(m_path, ReadOnly);
    QVariantHash known = loadAll(follower);
    QVariantHash expected;
    std::unique_ptr<QThread> writer(QThread::create([&] {
        for (int round = 0; round < 300; ++round) {
            PersistentMapWriteBatch batch;
            for (int i = 0; i <= round % 40; ++i) {
                const QString key = QStringLiteral("k%1").arg((round * 7 + i) % 100);
                if ((round + i) % 5 == 0) {
                    batch.remove(key);
                    expected.remove(key);
                } else {
                    const QString value = QStringLiteral("\"%1\",\n%2 \u00e9\u6587")
                                                  .arg(round)
                                                  .arg(QString(i * 100, u'x'));
                    batch.insert(key, value);
                    expected.insert(key, value);
                }
            }
            owner.apply(batch);
        }
    }));
    writer->start();
    int polls = 0;
    int reloads = 0;
    std::optional<PersistentMapError> error;
    while (!error && !writer->isFinished()) {
        error = thrownBy([&] {
            const PersistentMapBackend::Changes changes = follower.pollChanges();
            reloads += changes.complete;
            applyChanges(known, changes);
        });
        ++polls;
    }
    QVERIFY(writer->wait()); // before anything can return: the writer uses this frame
    QVERIFY2(!error, error ? qPrintable(error->message()) : "");
    applyChanges(known, follower.pollChanges());
    COMPARE_CONTENT(known, expected);
    qInfo("%d polls, %d after a compaction", polls, reloads);
}

void tst_CsvBackend::factorySpec_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("readOnly");
    QTest::newRow("csv") << QStringLiteral("csv:/tmp/x/s.csv") << QStringLiteral("/tmp/x/s.csv")
                         << false;
    QTest::newRow("readonly=1") << QStringLiteral("csv:/tmp/x/s.csv?readonly=1")
                                << QStringLiteral("/tmp/x/s.csv") << true;
    QTest::newRow("readonly=true")
            << QStringLiteral("csv:s.csv?readonly=true") << QStringLiteral("s.csv") << true;
    QTest::newRow("READONLY=True")
            << QStringLiteral("CSV:s?READONLY=True") << QStringLiteral("s") << true;
    QTest::newRow("readonly=0") << QStringLiteral("csv:s.csv?readonly=0") << QStringLiteral("s.csv")
                                << false;
    QTest::newRow("readonly=false")
            << QStringLiteral("csv:s.csv?readonly=false") << QStringLiteral("s.csv") << false;
    // Without the csv: scheme a path is only a path.
    QTest::newRow("bare path with ?")
            << QStringLiteral("/tmp/what?.csv") << QStringLiteral("/tmp/what?.csv") << false;
}

void tst_CsvBackend::factorySpec()
{
    QFETCH(QString, spec);
    QFETCH(QString, path);
    QFETCH(bool, readOnly);
    QString error;
    const std::unique_ptr<PersistentMapBackend> backend =
            PersistentMapBackend::create(spec, &error);
    auto *csv = dynamic_cast<PersistentMapCsvBackend *>(backend.get());
    QVERIFY2(csv, qPrintable(error));
    QCOMPARE(csv->path(), path);
    QCOMPARE(csv->openMode(), readOnly ? ReadOnly : PersistentMapCsvBackend::OpenMode::ReadWrite);
    QVERIFY(csv->canWatchChanges());
}

void tst_CsvBackend::factoryRefusesUnknownOptions()
{
    QString error;
    QVERIFY(!PersistentMapBackend::create(QStringLiteral("csv:/tmp/a?b.csv"), &error));
    QVERIFY2(error.contains(QStringLiteral("unknown option \"b.csv\"")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("PersistentMapCsvBackend directly")), qPrintable(error));
    QVERIFY(!PersistentMapBackend::create(QStringLiteral("csv:s.csv?readonly=yes"), &error));
    QVERIFY2(error.contains(QStringLiteral("readonly=yes")), qPrintable(error));
    QVERIFY(!PersistentMapBackend::create(QStringLiteral("csv:?readonly=1"), &error));
    QVERIFY2(error.contains(QStringLiteral("path is missing")), qPrintable(error));
    QVERIFY(!PersistentMapBackend::create(QStringLiteral("csv:s.csv?readonly=1&mode=x")));

    // A read-only store through the factory, on a store another map owns.
    PersistentMap owner(PersistentMapBackend::create(QStringLiteral("csv:") + m_path));
    QVERIFY(!loadError(owner));
    VERIFY_OK(owner.insert(QStringLiteral("k"), 1));
    PersistentMap follower(
            PersistentMapBackend::create(QStringLiteral("csv:%1?readonly=1").arg(m_path)));
    QVERIFY2(!loadError(follower), qPrintable(follower.errorString()));
    QCOMPARE(follower.value(QStringLiteral("k")), QVariant(1));
    QSignalSpy changed(&follower, &PersistentMap::valueChanged);
    VERIFY_OK(owner.insert(QStringLiteral("k"), 2));
    QVERIFY(changed.wait(20000));
    QCOMPARE(follower.value(QStringLiteral("k")), QVariant(2));
}

// A write the kernel refuses halfway (issue 5: CSV on a full disk). The soft RLIMIT_FSIZE is
// lowered to just above the file's size, so the append fails with EFBIG after a partial write,
// as it would with ENOSPC: the future fails, the cache keeps the value, the partial row is cut
// back, and once the limit is lifted the next flush() stores everything.
void tst_CsvBackend::writeRefusedByTheKernel()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("full.csv"));
    const QString big(4000, QLatin1Char('x'));
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(path));
        QVERIFY(!loadError(map));
        QVERIFY(!failureOf(map.insert(QStringLiteral("acknowledged"), 1)));
        QVERIFY(!failureOf(map.flush()));
        const qint64 size = QFileInfo(path).size();

        struct rlimit original;
        QCOMPARE(::getrlimit(RLIMIT_FSIZE, &original), 0);
        const auto previousHandler = ::signal(SIGXFSZ, SIG_IGN); // EFBIG instead of a signal
        struct rlimit limited = original;
        limited.rlim_cur = rlim_t(size + 100);
        QCOMPARE(::setrlimit(RLIMIT_FSIZE, &limited), 0);
        QSignalSpy errors(&map, &PersistentMap::errorOccurred);
        const std::optional<PersistentMapError> error =
                failureOf(map.insert(QStringLiteral("big"), big));
        const qint64 sizeWhileFull = QFileInfo(path).size();
        QCOMPARE(::setrlimit(RLIMIT_FSIZE, &original), 0);
        ::signal(SIGXFSZ, previousHandler);

        QVERIFY(error);
        QCOMPARE(error->code(), PersistentMapError::Code::WriteFailed);
        QVERIFY2(error->message().contains(path), qPrintable(error->message()));
        QTRY_VERIFY(!errors.isEmpty()); // posted from the storage thread
        QCOMPARE(sizeWhileFull, size); // the partial row was cut back
        QCOMPARE(map.value(QStringLiteral("big")).toString(), big);

        QVERIFY(!failureOf(map.flush())); // the fault cleared: the queued write is retried
    }
    PersistentMap reopened(std::make_unique<PersistentMapCsvBackend>(path));
    QVERIFY(!loadError(reopened));
    QCOMPARE(reopened.value(QStringLiteral("acknowledged")), QVariant(1));
    QCOMPARE(reopened.value(QStringLiteral("big")).toString(), big);
}

// Lock files beside the store (PATH.lock, written by QLockFile before the lock moved onto the
// file itself) mean nothing now. Regressions: a writer killed while QLockFile created it left it
// empty, and every later open failed with "locked by process 0" (issue 5, found by the crash
// suite); an owner restarted with the PID it had before (PID 1 in a container) found "locked by
// process 1", itself, on every start (issue 11).
void tst_CsvBackend::leftoverLockFileIsIgnored_data()
{
    QTest::addColumn<QByteArray>("lockFile");
    QTest::newRow("empty, a kill while it was created") << QByteArray();
    // QLockFile's format: PID, application name, host name.
    QTest::newRow("naming this very process, restarted with the same PID")
            << QByteArray::number(QCoreApplication::applicationPid()) + '\n' +
                    QCoreApplication::applicationName().toUtf8() + '\n' +
                    QSysInfo::machineHostName().toUtf8() + '\n';
}

void tst_CsvBackend::leftoverLockFileIsIgnored()
{
    QFETCH(QByteArray, lockFile);
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        QVERIFY(!loadError(map));
        QVERIFY(!failureOf(map.insert(QStringLiteral("kept"), 1)));
    }
    QVERIFY(writeBytes(m_path + QStringLiteral(".lock"), lockFile));

    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY2(!loadError(map), qPrintable(map.errorString()));
    QCOMPARE(map.value(QStringLiteral("kept")), QVariant(1));
    QVERIFY(!failureOf(map.insert(QStringLiteral("after"), 2)));
    // And the lock is really held: a second map is refused.
    PersistentMap second(std::make_unique<PersistentMapCsvBackend>(m_path));
    const std::optional<PersistentMapError> error = loadError(second);
    QVERIFY(error);
    QCOMPARE(error->code(), PersistentMapError::Code::Locked);
}

// One owner per file, not per path (issue 11): every other path to the store meets the owner's
// lock, also after the owner replaced the file (compaction, clear()), and a path that reaches
// the file through a symbolic link is the same store. Without this, a second owner's appends
// were cut back or compacted away by the first.
void tst_CsvBackend::oneOwnerWhateverThePath_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("symbolic link") << QStringLiteral("symlink");
    QTest::newRow("linked folder") << QStringLiteral("folder link");
    QTest::newRow("path with ..") << QStringLiteral("dotdot");
}

void tst_CsvBackend::oneOwnerWhateverThePath()
{
    QFETCH(QString, kind);
    QVERIFY(QDir(m_dir->path()).mkpath(QStringLiteral("sub")));
    QString other;
    if (kind == u"symlink") {
        other = m_dir->filePath(QStringLiteral("link.csv"));
        QVERIFY(QFile::link(m_path, other));
    } else if (kind == u"folder link") {
        QVERIFY(QFile::link(m_dir->path(), m_dir->filePath(QStringLiteral("sub/up"))));
        other = m_dir->filePath(QStringLiteral("sub/up/store.csv"));
    } else {
        other = m_dir->filePath(QStringLiteral("sub/../store.csv"));
    }

    auto owner = std::make_unique<PersistentMap>(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY2(!loadError(*owner), qPrintable(owner->errorString()));
    QVERIFY(!failureOf(owner->insert(QStringLiteral("a"), 1)));
    for (int round = 0; round < 2; ++round) {
        PersistentMap intruder(std::make_unique<PersistentMapCsvBackend>(other));
        const std::optional<PersistentMapError> error = loadError(intruder);
        QVERIFY2(error, qPrintable(kind));
        QCOMPARE(error->code(), PersistentMapError::Code::Locked);
        // After a rewrite, the new file is the one locked.
        const ino_t before = inode(m_path);
        QVERIFY(!failureOf(owner->clear()));
        QVERIFY(inode(m_path) != before);
        QVERIFY(!failureOf(owner->insert(QStringLiteral("a"), round + 2)));
    }
    // The old files' locks are not left held: only the store's.
    QCOMPARE(flockHolders(m_path), QList<qint64>{QCoreApplication::applicationPid()});
    owner.reset();

    // The other path reaches the same store once its owner is gone.
    PersistentMap reopened(std::make_unique<PersistentMapCsvBackend>(other));
    QVERIFY2(!loadError(reopened), qPrintable(reopened.errorString()));
    QCOMPARE(reopened.value(QStringLiteral("a")), QVariant(3));
}

// Another process opening the store through a symbolic link while the owner rewrites the file
// over and over: it never gets the store, whatever moment it opens at (lock, then check that the
// path still names the locked file).
void tst_CsvBackend::lockedThroughALinkWhileTheOwnerRewrites()
{
    QProcess holder;
    startHolder(holder);
    if (QTest::currentTestFailed())
        return;
    const QString link = m_dir->filePath(QStringLiteral("link.csv"));
    QVERIFY(QFile::link(m_path, link));
    int refused = 0;
    for (int i = 0; i < 40; ++i) {
        holder.write("!clear\n"); // the holder rewrites the file (a new inode) each time
        PersistentMap intruder(std::make_unique<PersistentMapCsvBackend>(link));
        const std::optional<PersistentMapError> error = loadError(intruder);
        QVERIFY2(error, "a second owner got the store");
        QCOMPARE(error->code(), PersistentMapError::Code::Locked);
        ++refused;
        QByteArray out;
        while (!out.contains('\n') && holder.waitForReadyRead(20000))
            out += holder.readLine();
        QCOMPARE(out, QByteArray("done !clear\n"));
    }
    QCOMPARE(refused, 40);
    holder.closeWriteChannel();
    QVERIFY(holder.waitForFinished(20000));
    QCOMPARE(holder.exitCode(), 0);
}

// A bind mount of the store file (a container's volume): another process that owns the store
// through the mount point keeps this one out. The other process runs in a mount namespace of
// its own (bindmount.h), where it bind-mounts the store onto another file and opens it there.
void tst_CsvBackend::lockedThroughABindMount()
{
    QString why;
    const QStringList unshare = mountNamespaceCommand(&why);
    if (unshare.isEmpty())
        BIND_MOUNT_UNAVAILABLE(why);
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        QVERIFY(!failureOf(map.insert(QStringLiteral("a"), 1)));
    }
    const QString mountPoint = m_dir->filePath(QStringLiteral("mounted.csv"));
    QVERIFY(writeBytes(mountPoint, QByteArray()));
    QProcess holder;
    startHolder(holder, unshare.at(0),
                {unshare.at(1), QStringLiteral("sh"), QStringLiteral("-c"),
                 QStringLiteral("mount --bind \"$1\" \"$2\" && exec \"$3\" \"$2\""),
                 QStringLiteral("sh"), m_path, mountPoint, QStringLiteral(CSVLOCKHOLDER_PATH)});
    if (QTest::currentTestFailed())
        return;
    const qint64 pid = holder.processId(); // unshare and sh exec: the holder's own
    {
        PersistentMap intruder(std::make_unique<PersistentMapCsvBackend>(m_path));
        const std::optional<PersistentMapError> error = loadError(intruder);
        QVERIFY2(error, "a second owner got the store through the mount's source");
        QCOMPARE(error->code(), PersistentMapError::Code::Locked);
        QVERIFY2(error->message().contains(QStringLiteral("process %1").arg(pid)),
                 qPrintable(error->message()));
    }
    holder.closeWriteChannel();
    QVERIFY(holder.waitForFinished(20000));
    QCOMPARE(holder.exitCode(), 0);
    PersistentMap reopened(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(reopened));
    QCOMPARE(reopened.value(QStringLiteral("holder")), QVariant(pid));
}

// A hard link is a second name the rewrite's rename cannot carry: after a compaction it would
// name the old file, a second store. Refused at open, and a rewrite is refused once someone
// adds one; appends go on, and clear() appends a removal for every key instead (issue 11: it
// used to fail, stay queued and fail again before every later write).
void tst_CsvBackend::hardLinksAreRefused()
{
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        QVERIFY(!loadError(map));
        QVERIFY(!failureOf(map.insert(QStringLiteral("a"), 1)));
    }
    const QString hardLink = m_dir->filePath(QStringLiteral("hard.csv"));
    QCOMPARE(::link(QFile::encodeName(m_path).constData(), QFile::encodeName(hardLink).constData()),
             0);
    const QByteArray content = readBytes(m_path);
    for (const QString &path : {m_path, hardLink}) {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(path));
        const std::optional<PersistentMapError> error = loadError(map);
        QVERIFY(error);
        QCOMPARE(error->code(), PersistentMapError::Code::OpenFailed);
        QVERIFY2(error->message().contains(QStringLiteral("2 hard links")),
                 qPrintable(error->message()));
        QCOMPARE(flockHolders(m_path), QList<qint64>());
    }
    QCOMPARE(readBytes(m_path), content);

    QVERIFY(QFile::remove(hardLink));
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(map));
    QCOMPARE(::link(QFile::encodeName(m_path).constData(), QFile::encodeName(hardLink).constData()),
             0);
    QTest::ignoreMessage(
            QtWarningMsg,
            QRegularExpression(QStringLiteral(
                    "2 hard links.*clearing it by appending a removal for every key")));
    VERIFY_OK(map.clear());
    VERIFY_OK(map.insert(QStringLiteral("b"), 2));
    QCOMPARE(inode(m_path), inode(hardLink)); // not split
    QVERIFY(readBytes(hardLink).endsWith("a,removed,\nb,int,2\n"));
}

// A store opened through /proc/self/fd/N (a descriptor the application holds, as a sandbox
// portal hands it over): a rewrite renames the new file over the store's real path, then reopens
// PATH for appending, which still names the old, unlinked file. Every write acknowledged after a
// clear() or a compaction goes there and is lost.
void tst_CsvBackend::storeOpenedThroughProcSelfFd()
{
    QVERIFY(writeBytes(m_path, header));
    const int fd = ::open(QFile::encodeName(m_path).constData(), O_RDONLY | O_CLOEXEC);
    QVERIFY(fd >= 0);
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(
                QStringLiteral("/proc/self/fd/%1").arg(fd)));
        QVERIFY(!loadError(map));
        QVERIFY(!failureOf(map.insert(QStringLiteral("a"), 1)));
        QVERIFY(!failureOf(map.clear()));
        QVERIFY(!failureOf(map.insert(QStringLiteral("b"), 2)));
        QVERIFY(!failureOf(map.flush()));
    }
    ::close(fd);
    PersistentMap reopened(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(reopened));
    QCOMPARE(reopened.toHash(), (QVariantHash{{QStringLiteral("b"), 2}}));
}

// A store opened by a relative path: the application changes its working folder later (a file
// dialog, a build tool). The store is the file the path named at open, yet clear() and compaction
// resolve PATH again: clear() creates a new store in the new working folder and appends there,
// and the store that was opened keeps every key the acknowledged clear() removed.
void tst_CsvBackend::relativePathAfterTheWorkingFolderChanged()
{
    const QString before = QDir::currentPath();
    const auto restore = qScopeGuard([&] { QDir::setCurrent(before); });
    QVERIFY(QDir().mkpath(m_dir->filePath(QStringLiteral("elsewhere"))));
    QVERIFY(QDir::setCurrent(m_dir->path()));
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(QStringLiteral("store.csv")));
        QVERIFY(!loadError(map));
        QVERIFY(!failureOf(map.insert(QStringLiteral("a"), 1)));
        QVERIFY(QDir::setCurrent(m_dir->filePath(QStringLiteral("elsewhere"))));
        QVERIFY(!failureOf(map.clear()));
        QVERIFY(!failureOf(map.insert(QStringLiteral("b"), 2)));
        QVERIFY(!failureOf(map.flush()));
    }
    PersistentMap reopened(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(reopened));
    QCOMPARE(reopened.toHash(), (QVariantHash{{QStringLiteral("b"), 2}}));
    QVERIFY(!QFile::exists(m_dir->filePath(QStringLiteral("elsewhere/store.csv"))));
}

// Someone saves the store from a text editor, which writes a new file and renames it over PATH
// (or restores a backup with mv) while a map owns the store. The owner goes on appending to the
// old, unlinked file, acknowledging writes no later open finds, and holds the lock of a file that
// is no longer the store, so a second process becomes an owner as well.
void tst_CsvBackend::storeReplacedByARename()
{
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(map));
    QVERIFY(!failureOf(map.insert(QStringLiteral("a"), 1)));
    const QString saved = m_dir->filePath(QStringLiteral("store.csv~"));
    QVERIFY(writeBytes(saved, header + "a,int,1\n"));
    QCOMPARE(::rename(QFile::encodeName(saved).constData(), QFile::encodeName(m_path).constData()),
             0);

    const bool acknowledged = !failureOf(map.insert(QStringLiteral("b"), 2));
    {
        PersistentMap second(std::make_unique<PersistentMapCsvBackend>(m_path));
        const std::optional<PersistentMapError> error = loadError(second);
        QVERIFY2(error, "a second map owns the store beside the first");
        QCOMPARE(error->code(), PersistentMapError::Code::Locked);
    }
    if (acknowledged) {
        QVERIFY(!failureOf(map.flush()));
        const QByteArray content = readBytes(m_path);
        QVERIFY2(content.contains("b,int,2\n"), content.constData());
    }
}

// The owner follows a replacement without a write of its own: its poll notices the new file,
// takes its lock and hands its content to the map as another writer's change, signals
// included; a write made meanwhile is appended to the new file.
void tst_CsvBackend::ownerFollowsAReplacement()
{
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(map));
    QVERIFY(!failureOf(map.insert(QStringLiteral("a"), 1)));
    QVERIFY(!failureOf(map.insert(QStringLiteral("gone"), 1)));
    QSignalSpy changed(&map, &PersistentMap::valueChanged);
    QSignalSpy removed(&map, &PersistentMap::valueRemoved);
    const QString saved = m_dir->filePath(QStringLiteral(".store.csv.swp"));
    QVERIFY(writeBytes(saved, header + "a,int,2\nedited,string,by hand\n"));
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("replaced .* by another program")));
    QCOMPARE(::rename(QFile::encodeName(saved).constData(), QFile::encodeName(m_path).constData()),
             0);
    QTRY_COMPARE_WITH_TIMEOUT(map.value(QStringLiteral("edited")),
                              QVariant(QStringLiteral("by hand")), 20000);
    QCOMPARE(map.value(QStringLiteral("a")), QVariant(2));
    QVERIFY(!map.contains(QStringLiteral("gone")));
    // The cache changes on the storage thread; the signals come through this thread's event
    // loop, possibly after the value above was seen (a busy fresh-clone run saw none yet).
    QTRY_VERIFY(!changed.isEmpty());
    QTRY_COMPARE(removed.size(), 1);
    QCOMPARE(flockHolders(m_path), QList<qint64>{QCoreApplication::applicationPid()});
    QVERIFY(!failureOf(map.insert(QStringLiteral("after"), 3)));
    QVERIFY(!failureOf(map.flush()));
    QVERIFY(readBytes(m_path).endsWith("after,int,3\n"));
}

// The store file removed while open (to reset an application by hand): the owner starts a new,
// empty store there and the map follows (an external clear()).
void tst_CsvBackend::storeRemovedWhileOpen()
{
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(map));
    QVERIFY(!failureOf(map.insert(QStringLiteral("a"), 1)));
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("replaced .* by another program")));
    QVERIFY(QFile::remove(m_path));
    QTRY_VERIFY_WITH_TIMEOUT(!map.contains(QStringLiteral("a")), 20000);
    QVERIFY(!failureOf(map.insert(QStringLiteral("b"), 2)));
    QVERIFY(!failureOf(map.flush()));
    QCOMPARE(readBytes(m_path), header + firstAppend + "b,int,2\n");
}

// A store path that is a loop of symbolic links: the error must name the loop (ELOOP), not say
// that the file "exists", which it does not.
void tst_CsvBackend::symbolicLinkLoopIsNamed()
{
    const QString first = m_dir->filePath(QStringLiteral("loop1.csv"));
    const QString second = m_dir->filePath(QStringLiteral("loop2.csv"));
    QVERIFY(QFile::link(second, first));
    QVERIFY(QFile::link(first, second));
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(first));
    const std::optional<PersistentMapError> error = loadError(map);
    QVERIFY(error);
    QCOMPARE(error->code(), PersistentMapError::Code::OpenFailed);
    QVERIFY2(error->message().contains(qt_error_string(ELOOP)), qPrintable(error->message()));
}

// A kill between writing a rewritten file and renaming it over the store left QSaveFile's
// temporary file beside it for good (found by the crash suite). Leftovers of the library's own
// replacement (PATH.replacing-XXXXXX) are removed by the next owner; nothing else is touched.
void tst_CsvBackend::leftoverReplacementIsRemoved()
{
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        QVERIFY(!failureOf(map.insert(QStringLiteral("kept"), 1)));
    }
    const QString leftover = m_path + QStringLiteral(".replacing-Ab3XyZ");
    QVERIFY(writeBytes(leftover, header + "half,string,writ"));
    const QStringList others{m_path + QStringLiteral(".backup"),
                             m_path + QStringLiteral(".replacing-notmine"),
                             m_path + QStringLiteral(".Ab3XyZ")};
    for (const QString &other : others)
        QVERIFY(writeBytes(other, "a user's file"));
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(map));
    QCOMPARE(map.value(QStringLiteral("kept")), QVariant(1));
    QVERIFY(!QFile::exists(leftover));
    for (const QString &other : others)
        QCOMPARE(readBytes(other), QByteArray("a user's file"));
}

// Opening a store with a torn tail again before anything was written (a viewer, an application
// that only reads at start) kept the same bytes in one more side file each time.
void tst_CsvBackend::tornTailIsKeptOnce()
{
    const QByteArray tail("b,string,\"cut");
    QVERIFY(writeBytes(m_path, header + firstAppend + "a,string,x\n" + tail));
    for (int open = 0; open < 3; ++open) {
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("kept in")));
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        QVERIFY(!loadError(map));
    }
    const QStringList kept = QDir(m_dir->path()).entryList({QStringLiteral("store.csv.torn-*")});
    QCOMPARE(kept.size(), 1);
    QCOMPARE(readBytes(m_dir->filePath(kept.first())), tail);
}

// A store name near the file-name limit (255 bytes): the side file's name is cut, not refused
// ("File name too long" made the store impossible to open).
void tst_CsvBackend::tornTailOfALongFileName()
{
    const QString path = m_dir->filePath(QString(236, u'n') + QStringLiteral(".csv"));
    const QByteArray tail("b,int,1");
    QVERIFY(writeBytes(path, header + firstAppend + "a,string,x\n" + tail));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("kept in")));
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(path));
    QVERIFY2(!loadError(map), qPrintable(map.errorString()));
    QVERIFY(!failureOf(map.insert(QStringLiteral("c"), 3)));
    const QStringList kept = QDir(m_dir->path()).entryList({QStringLiteral("*.torn-*")});
    QCOMPARE(kept.size(), 1);
    QCOMPARE(readBytes(m_dir->filePath(kept.first())), tail);
}

// A backup restored with cp (or `cat backup > store`, an editor that saves in place) writes the
// owner's own file in place, longer than the owner left it. The owner took the bytes after its
// last write for its own unfinished append and cut the restored file there, in the middle of a
// line, then appended to it: the store no longer parsed.
void tst_CsvBackend::storeOverwrittenInPlaceIsNotCutAndAppendedTo()
{
    PersistentMapCsvBackend owner(m_path);
    loadAll(owner);
    save(owner, QStringLiteral("a"), QStringLiteral("old"));
    const QByteArray restored = header + "a,string,restored from a backup\nb,int,2\n";
    QVERIFY(writeBytes(m_path, restored)); // O_TRUNC and write: the same inode, in place
    const std::optional<PersistentMapError> error =
            thrownBy([&] { save(owner, QStringLiteral("c"), 3); });
    const QByteArray content = readBytes(m_path);
    QString why;
    QVERIFY2(fullyParseable(content, &why), qPrintable(why + u'\n' + QString::fromUtf8(content)));
    if (error) // refused: then the restored file must be left as it was
        QCOMPARE(content, restored);
}

// The store removed and written again by a program that does not rename (`rm store; printf ...
// > store`): when the owner's write or flush() comes between the two, it creates the new empty
// store itself, and the program then writes its content into that file. The owner's poll hands
// that content to the map (the key is shown), and the owner's next write cuts it off the file:
// the map keeps showing a key the store no longer has.
void tst_CsvBackend::storeRecreatedInPlaceAfterItsRemovalWasAdopted()
{
    PersistentMapCsvBackend owner(m_path);
    loadAll(owner);
    save(owner, QStringLiteral("a"), 1);
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("replaced .* by another program")));
    QVERIFY(QFile::remove(m_path));
    owner.flush(); // adopts the removal: a new, empty store
    QVERIFY(writeBytes(m_path, header + "k,string,recreated\n"));
    QVariantHash known{{QStringLiteral("a"), 1}};
    applyChanges(known, owner.pollChanges());
    QCOMPARE(known, (QVariantHash{{QStringLiteral("k"), QStringLiteral("recreated")}}));
    if (!thrownBy([&] { save(owner, QStringLiteral("x"), 2); })) // or refused, with an error
        known.insert(QStringLiteral("x"), 2);
    (void)thrownBy([&] { owner.flush(); });
    applyChanges(known, owner.pollChanges());
    PersistentMapCsvBackend reader(m_path, ReadOnly);
    QCOMPARE(loadAll(reader), known);
}

// An editor saves (a new file renamed over the store) while the owner appends a batch after
// which it compacts. Compaction read the store through its path, so it rewrote the editor's file
// as if it were the owner's, took its lock, and never told the map: the write just acknowledged
// is in no file, and the map never learns the editor's content.
void tst_CsvBackend::compactionDuringAReplacementReadsTheLockedFile()
{
    PersistentMapCsvBackend owner(m_path);
    loadAll(owner);
    save(owner, QStringLiteral("mine"), 0);
    const QString saved = m_dir->filePath(QStringLiteral("store.csv~"));
    QVERIFY(writeBytes(saved, header + "edited,string,by hand\n"));
    const QByteArray pathName = QFile::encodeName(m_path);
    const QByteArray savedName = QFile::encodeName(saved);
    const int watched = ::open(pathName.constData(), O_RDONLY | O_CLOEXEC);
    QVERIFY(watched >= 0);
    struct stat before;
    QCOMPARE(::fstat(watched, &before), 0);
    std::atomic<int> renamed{-1};
    // The editor's save lands while the owner's batch is being appended.
    std::thread editor([&] {
        struct stat now;
        const QDeadlineTimer deadline(20000);
        while (::fstat(watched, &now) == 0 && now.st_size == before.st_size &&
               !deadline.hasExpired()) { }
        renamed = ::rename(savedName.constData(), pathName.constData());
    });
    PersistentMapWriteBatch
            batch; // removals of keys that are not there: dead rows enough to compact after
    batch.insert(QStringLiteral("mine"), 1);
    for (int i = 0; i < 300000; ++i)
        batch.remove(QStringLiteral("absent%1").arg(i));
    QVariantHash known{{QStringLiteral("mine"), 1}};
    const std::optional<PersistentMapError> error = thrownBy([&] { owner.apply(batch); });
    editor.join();
    ::close(watched);
    QCOMPARE(renamed.load(), 0);
    if (error)
        known.insert(QStringLiteral("mine"), 0);
    applyChanges(known, owner.pollChanges());
    owner.flush();
    PersistentMapCsvBackend reader(m_path, ReadOnly);
    QCOMPARE(loadAll(reader), known);
}

// An editor saves (a new file renamed over the store) while the owner compacts: after the owner
// read the store, before its rename. The rename put the compacted copy over the editor's file:
// its save vanished without a warning, never adopted, never shown to the map. The wider the
// store, the wider the window (the rewrite's write and sync).
void tst_CsvBackend::editorsSaveDuringACompactionIsNotDiscarded()
{
    PersistentMapCsvBackend owner(m_path);
    loadAll(owner);
    PersistentMapWriteBatch live;
    for (int i = 0; i < 50000; ++i)
        live.insert(QStringLiteral("key%1").arg(i), QString(100, u'v'));
    owner.apply(live);
    const QString saved = m_dir->filePath(QStringLiteral("store.csv~"));
    QVERIFY(writeBytes(saved, header + "edited,string,by hand\n"));
    const QByteArray pathName = QFile::encodeName(m_path);
    const QByteArray savedName = QFile::encodeName(saved);
    std::atomic<int> renamed{-1};
    // The editor's save lands while the compacted copy is being written.
    std::thread editor([&] {
        const QDeadlineTimer deadline(20000);
        while (!deadline.hasExpired() &&
               QDir(m_dir->path())
                       .entryList({QStringLiteral("store.csv.replacing-*")}, QDir::Files)
                       .isEmpty()) { }
        renamed = ::rename(savedName.constData(), pathName.constData());
    });
    PersistentMapWriteBatch
            dead; // removals of keys that are not there: dead rows enough to compact after
    for (int i = 0; i < 60000; ++i)
        dead.remove(QStringLiteral("absent%1").arg(i));
    QVariantHash known = loadAll(PersistentMapCsvBackend(m_path, ReadOnly)); // what the map holds
    (void)thrownBy([&] { owner.apply(dead); });
    editor.join();
    QCOMPARE(renamed.load(), 0);
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("replaced .* by another program")));
    applyChanges(known, owner.pollChanges());
    (void)thrownBy([&] { owner.flush(); });
    PersistentMapCsvBackend reader(m_path, ReadOnly);
    const QVariantHash content = loadAll(reader);
    QCOMPARE(content.value(QStringLiteral("edited")), QVariant(QStringLiteral("by hand")));
    QCOMPARE(content, known);
}

// A symbolic link renamed over the store (a dotfile manager linking the file into its
// repository) is adopted: the link's target is locked and appended to. The next rewrite
// (clear(), compaction) then renamed a new file over the link itself: the target, still named
// by the link's owner and no longer locked, kept the old content, a second store another process
// could open and write, the split the refusal of hard links exists to prevent. A store opened
// through a link rewrites the file the link points to.
void tst_CsvBackend::replacementBySymbolicLinkIsRewrittenThroughIt()
{
    PersistentMapCsvBackend owner(m_path);
    loadAll(owner);
    save(owner, QStringLiteral("a"), 1);
    QVERIFY(QDir(m_dir->path()).mkdir(QStringLiteral("dotfiles")));
    const QString target = m_dir->filePath(QStringLiteral("dotfiles/store.csv"));
    QVERIFY(writeBytes(target, header + "b,int,2\n"));
    const QString link = m_dir->filePath(QStringLiteral("store.csv.link"));
    QVERIFY(QFile::link(target, link));
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("replaced .* by another program")));
    QCOMPARE(::rename(QFile::encodeName(link).constData(), QFile::encodeName(m_path).constData()),
             0);
    owner.flush(); // adopts the link's target
    QCOMPARE(flockHolders(target), QList<qint64>{QCoreApplication::applicationPid()});
    owner.clear();
    save(owner, QStringLiteral("c"), 3);
    owner.flush();
    QVERIFY(QFileInfo(m_path).isSymLink());
    QCOMPARE(readBytes(target), header + firstAppend + "c,int,3\n");
    QCOMPARE(flockHolders(target), QList<qint64>{QCoreApplication::applicationPid()});
}

QTEST_GUILESS_MAIN(tst_CsvBackend)
// A FIFO at the store's path, from the start or renamed over an open store (found by the second
// adversarial review): opening it to lock it blocked the storage thread for good, so no write
// was acknowledged again and the destructor never returned. Refused at once, naming the cause.
void tst_CsvBackend::fifoIsRefusedWithoutBlocking()
{
    const QString fifo = m_dir->filePath(QStringLiteral("fifo.csv"));
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(fifo));
        const std::optional<PersistentMapError> error = loadError(map);
        QVERIFY(error);
        QVERIFY2(error->message().contains(QStringLiteral("not a regular file")),
                 qPrintable(error->message()));
    }
    {
        PersistentMap follower(std::make_unique<PersistentMapCsvBackend>(fifo, ReadOnly));
        const std::optional<PersistentMapError> error = loadError(follower);
        QVERIFY(error);
        QVERIFY2(error->message().contains(QStringLiteral("not a regular file")),
                 qPrintable(error->message()));
    }
    PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
    QVERIFY(!loadError(map));
    QVERIFY(!failureOf(map.insert(QStringLiteral("a"), 1)));
    QCOMPARE(::rename(QFile::encodeName(fifo).constData(), QFile::encodeName(m_path).constData()),
             0);
    const std::optional<PersistentMapError> error = failureOf(map.insert(QStringLiteral("b"), 2));
    QVERIFY(error);
    QVERIFY2(error->message().contains(QStringLiteral("not a regular file")),
             qPrintable(error->message()));
}

#include "tst_csvbackend.moc"
