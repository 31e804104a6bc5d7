// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// Transient failures under a CSV store (issue 11, 4 and 6): no free descriptor (EMFILE, ENFILE),
// a full disk (ENOSPC), an interrupted call (EINTR), a failed sync (EIO), a rename that cannot
// replace the file (EBUSY on a file bind-mounted on its own, EXDEV). Each is injected by
// SyscallFaults at one step of a write, clear(), compaction, the repair of a torn tail or
// flush(); the step fails naming the OS's reason, or the design absorbs it; the map stays
// usable; once the fault is gone the next write and flush() succeed; and a fresh map on the
// store then holds every acknowledged value, from a file that parses whole.
#include "backends/csv/csvformat_p.h"
#include "bindmount.h"
#include "csvfilechecks.h"
#include "syscallfaults.h"
#include "testhelpers.h"

#include <PersistentMap/PersistentMap>
#include <PersistentMap/PersistentMapCsvBackend>
#include <PersistentMap/PersistentMapSqliteBackend>

#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using PersistentMapInternal::CsvReader;
using PersistentMapInternal::CsvRecord;

namespace {

const QByteArray header("key,type,value\n");

// What the program's next run finds, with no fault armed: empty when the file parses whole (no
// torn tail, no half batch) and a fresh map on it loads exactly `expected`, without a warning.
QString problemWithStore(const QString &path, const QVariantHash &expected)
{
    SyscallFaults::reset();
    QString why;
    if (!fullyParseable(readBytes(path), &why))
        return QStringLiteral("the file does not parse whole: ") + why;
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".")));
    PersistentMap reopened(std::make_unique<PersistentMapCsvBackend>(path));
    if (const std::optional<PersistentMapError> error = loadError(reopened))
        return QStringLiteral("reopening failed: ") + error->message();
    const QString diff = contentDiff(reopened.toHash(), expected);
    return diff.isEmpty() ? QString() : QStringLiteral("reopened: ") + diff;
}

#define CHECK_STORE(path, expected) \
    do { \
        const QString problem_ = problemWithStore((path), (expected)); \
        QVERIFY2(problem_.isEmpty(), qPrintable(problem_)); \
    } while (false)

// The replacements a rewrite leaves beside the store: none may outlive a failed one.
QStringList leftovers(const QString &path)
{
    return QFileInfo(path).dir().entryList(
            {QFileInfo(path).fileName() + QStringLiteral(".replacing-*")},
            QDir::Files | QDir::Hidden);
}

QRegularExpression mentioning(const QString &text)
{
    return QRegularExpression(QRegularExpression::escape(text));
}

} // namespace

class tst_TransientFaults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup() { SyscallFaults::reset(); }
    void shimReachesQt();
    void noDescriptorAtTheFirstSqliteOpenIsNotFatal();
    void appendHandleLostAfterARewrite_data();
    void appendHandleLostAfterARewrite();
    void tornTailRepairNeedsNoRename_data();
    void tornTailRepairNeedsNoRename();
    void renameCannotReplace_data();
    void renameCannotReplace();
    void singleFileBindMount();
    void appendFails_data();
    void appendFails();
    void clearRewriteFails_data();
    void clearRewriteFails();
    void folderSyncAfterARename_data();
    void folderSyncAfterARename();
    // Issue 12.
    void openFailsWithItsCause_data();
    void openFailsWithItsCause();
    void tornBytesOnAFullDisk();
    void readOnlyOpenFailsWithItsCause_data();
    void readOnlyOpenFailsWithItsCause();

private:
    // Overwrites one key, each write acknowledged, until `until` says the step under test
    // happened: a compaction, which rewrites the file and renames it over the store once dead
    // rows outnumber live ones by 1024 (CompactionSlack).
    void writeUntilCompaction(PersistentMap &map, const std::function<bool()> &until);

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
};

void tst_TransientFaults::init()
{
    SyscallFaults::reset();
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_path = m_dir->filePath(QStringLiteral("store.csv"));
}

void tst_TransientFaults::writeUntilCompaction(PersistentMap &map,
                                               const std::function<bool()> &until)
{
    for (int i = 0; !until(); ++i) {
        QVERIFY2(i < 3000, "no compaction after 3000 overwrites");
        VERIFY_OK(map.insert(QStringLiteral("churn"), i));
    }
}

// The premise of every other test: Qt's file calls, and the library's, reach the definitions of
// syscallfaults.cpp (Qt 6.4 calls open64(), write(), ftruncate64() and renameat2(); the library
// open(), rename(), fsync()).
void tst_TransientFaults::shimReachesQt()
{
    const QString path = m_dir->filePath(QStringLiteral("probe"));
    SyscallFaults::failOpens(EMFILE, 1, "probe$", O_CREAT);
    QFile file(path);
    QVERIFY(!file.open(QIODevice::WriteOnly));
    QCOMPARE(file.errorString(), qt_error_string(EMFILE));
    QCOMPARE(SyscallFaults::failedOpens(), 1);

    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Unbuffered));
    SyscallFaults::failWrites(ENOSPC, 1, "probe$", 3);
    // Cut short, as by a disk that fills up; Qt tries the rest, and that call fails.
    QCOMPARE(file.write("abcdef"), qint64(3));
    QCOMPARE(SyscallFaults::failedWrites(), 1);
    QCOMPARE(file.write("def"), qint64(3)); // spent

    SyscallFaults::failTruncates(EIO, 1, "probe$");
    QVERIFY(!file.resize(0));
    QCOMPARE(SyscallFaults::failedTruncates(), 1);
    file.close();
    QCOMPARE(readBytes(path), QByteArray("abcdef"));

    SyscallFaults::failRenames(EBUSY, 1, "renamed$");
    QFile::rename(path, m_dir->filePath(QStringLiteral("renamed")));
    QCOMPARE(SyscallFaults::failedRenames(), 1);

    SyscallFaults::failSyncs(EIO, 1, "probe$");
    QVERIFY(file.open(QIODevice::ReadWrite));
    QCOMPARE(::fsync(file.handle()), -1);
    QCOMPARE(SyscallFaults::failedSyncs(), 1);
}

// Issue 12, promises 4 and 5: a descriptor limit at open gives Code::TooManyOpenFiles with the
// system's reason, and no transient failure is fatal. When the first store a process opens finds
// no free descriptor, Qt cannot read its SQL driver plugins and remembers that for the life of the
// process: the open said "Qt's SQLite driver (QSQLITE) is not installed" (Code::OpenFailed), and so
// did every later open, after descriptors were free again. It needs a process that has not looked
// for Qt's SQL drivers yet: this test runs the next one in a process of its own.
void tst_TransientFaults::noDescriptorAtTheFirstSqliteOpenIsNotFatal()
{
    // Qt reads its plugin folders once per process: the case needs a process whose first
    // SQLite open finds no free descriptor. This function runs itself again in a new process
    // (PM_TEST_FIRST_SQLITE_OPEN=1), which does the checks below.
    if (qEnvironmentVariable("PM_TEST_FIRST_SQLITE_OPEN") != u"1") {
        QProcess child;
        child.setProgram(QCoreApplication::applicationFilePath());
        child.setArguments({QStringLiteral("noDescriptorAtTheFirstSqliteOpenIsNotFatal")});
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("PM_TEST_FIRST_SQLITE_OPEN"), QStringLiteral("1"));
        child.setProcessEnvironment(environment);
        child.setProcessChannelMode(QProcess::MergedChannels);
        child.start();
        QVERIFY(child.waitForFinished(60000));
        const QByteArray output = child.readAll();
        if (child.exitStatus() != QProcess::NormalExit || child.exitCode() != 0)
            qInfo().noquote() << "the test's own process said:\n" + QString::fromUtf8(output);
        QCOMPARE(child.exitStatus(), QProcess::NormalExit);
        QCOMPARE(child.exitCode(), 0);
        return;
    }
    const QString path = m_dir->filePath(QStringLiteral("store.db"));
    SyscallFaults::failOpens(EMFILE, -1, "/"); // every file this process opens
    {
        PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
        const std::optional<PersistentMapError> failure = loadError(map);
        SyscallFaults::reset();
        QVERIFY2(failure, "the store opened although every open failed");
        QVERIFY2(failure->code() == PersistentMapError::Code::TooManyOpenFiles,
                 qPrintable(QStringLiteral("code %1: %2")
                                    .arg(int(failure->code()))
                                    .arg(failure->message())));
        QVERIFY2(failure->message().contains(qt_error_string(EMFILE)),
                 qPrintable(failure->message()));
    }
    // The descriptors are back: the store opens.
    PersistentMap map(std::make_unique<PersistentMapSqliteBackend>(path));
    VERIFY_OK(map.whenReady());
    VERIFY_OK(map.insert(QStringLiteral("a"), 1));
}

void tst_TransientFaults::appendHandleLostAfterARewrite_data()
{
    QTest::addColumn<QString>("step"); // what replaces the file: "clear" or "compaction"
    QTest::addColumn<int>("error");
    QTest::addColumn<int>("times"); // reopenings that fail: the rewrite's, then the next step's
    QTest::addColumn<QString>("next"); // what comes after: "insert", "flush" or "clear"
    QTest::newRow("clear, EMFILE, then insert") << "clear" << EMFILE << 1 << "insert";
    QTest::newRow("clear, ENFILE, then flush") << "clear" << ENFILE << 1 << "flush";
    QTest::newRow("clear, EMFILE, then clear") << "clear" << EMFILE << 1 << "clear";
    QTest::newRow("clear, EMFILE twice, then insert") << "clear" << EMFILE << 2 << "insert";
    QTest::newRow("compaction, EMFILE, then insert") << "compaction" << EMFILE << 1 << "insert";
    QTest::newRow("compaction, ENFILE, then flush") << "compaction" << ENFILE << 1 << "flush";
    QTest::newRow("compaction, ENFILE twice, then flush") << "compaction" << ENFILE << 2 << "flush";
}

// Issue 11, 6 (1): a clear() or a compaction renamed the new file over the store, then could not
// open it for appending (no free descriptor): the backend stayed "not open", every later write
// failed with "the store is not open", and they were lost at exit. The rename committed: the
// next write, clear() or flush() opens the file again.
void tst_TransientFaults::appendHandleLostAfterARewrite()
{
    QFETCH(QString, step);
    QFETCH(int, error);
    QFETCH(int, times);
    QFETCH(QString, next);
    auto map = std::make_unique<PersistentMap>(std::make_unique<PersistentMapCsvBackend>(m_path));
    VERIFY_OK(map->whenReady());
    VERIFY_OK(map->insert(QStringLiteral("before"), 1));
    const ino_t before = inode(m_path);

    // The append handle only: O_APPEND is how the backend opens it, and nothing else it opens.
    SyscallFaults::failOpens(error, times, "store.csv$", O_APPEND);
    if (step == u"clear")
        VERIFY_OK(map->clear()); // committed by the rename, whatever came after it
    else
        writeUntilCompaction(*map, [] { return SyscallFaults::failedOpens() > 0; });
    QCOMPARE(SyscallFaults::failedOpens(), 1);
    QVERIFY(inode(m_path) != before); // the step happened: the file was replaced

    QSignalSpy errors(map.get(), &PersistentMap::errorOccurred);
    int round = 0;
    const auto doNext = [&] {
        ++round;
        if (next == u"insert")
            return map->insert(QStringLiteral("next"), round);
        if (next == u"clear")
            return map->clear();
        return map->flush();
    };
    if (times > 1) { // the fault is still there: the next step fails, naming it
        const std::optional<PersistentMapError> failure = failureOf(doNext());
        QVERIFY2(failure, "a step that could not open the file reported success");
        QVERIFY2(failure->message().contains(qt_error_string(error)),
                 qPrintable(failure->message()));
        QTRY_VERIFY(!errors.isEmpty());
        QVERIFY(errors.first().first().toString().contains(qt_error_string(error)));
        QCOMPARE(SyscallFaults::failedOpens(), 2);
    }
    VERIFY_OK(doNext());
    VERIFY_OK(map->insert(QStringLiteral("after"), 2));
    VERIFY_OK(map->flush());
    const QVariantHash expected = map->toHash();
    QVERIFY(expected.contains(QStringLiteral("after")));
    map.reset();
    CHECK_STORE(m_path, expected);
}

void tst_TransientFaults::tornTailRepairNeedsNoRename_data()
{
    QTest::addColumn<QString>("fault");
    QTest::newRow("no free descriptor (EMFILE)") << "EMFILE";
    QTest::newRow("file bind-mounted on its own (rename fails with EBUSY)") << "EBUSY";
}

// Issue 11, 6 (1 and 2): the first write after opening a store whose last write was torn by a
// crash repaired it by rewriting the file and renaming it over the store. With no free
// descriptor to reopen it after the rename, the store stayed "not open"; where the rename cannot
// replace the file (a file bind-mounted on its own), every write failed. The torn bytes were
// never acknowledged and are kept in PATH.torn-*: the repair cuts them off the file instead.
void tst_TransientFaults::tornTailRepairNeedsNoRename()
{
    QFETCH(QString, fault);
    const QByteArray tail("b,int,12");
    // A file this library appended to (its first append is a batch): the tail is its own.
    QVERIFY(writeBytes(m_path, header + ",batch,1\na,string,x\n" + tail));
    const ino_t before = inode(m_path);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("line 4 is incomplete")));
    auto map = std::make_unique<PersistentMap>(std::make_unique<PersistentMapCsvBackend>(m_path));
    VERIFY_OK(map->whenReady());
    if (fault == u"EMFILE")
        SyscallFaults::failOpens(EMFILE, 1, "store.csv$", O_APPEND);
    else
        SyscallFaults::failRenames(EBUSY, -1, "store.csv$"); // the mount stays

    VERIFY_OK(map->insert(QStringLiteral("c"), 3));
    VERIFY_OK(map->insert(QStringLiteral("d"), 4));
    VERIFY_OK(map->flush());
    QCOMPARE(inode(m_path), before);
    QCOMPARE(readBytes(m_path), header + ",batch,1\na,string,x\nc,int,3\nd,int,4\n");
    const QStringList kept = QDir(m_dir->path()).entryList({QStringLiteral("store.csv.torn-*")});
    QCOMPARE(kept.size(), 1);
    QCOMPARE(readBytes(m_dir->filePath(kept.first())), tail);
    map.reset();
    CHECK_STORE(m_path,
                (QVariantHash{{QStringLiteral("a"), QStringLiteral("x")},
                              {QStringLiteral("c"), 3},
                              {QStringLiteral("d"), 4}}));
}

void tst_TransientFaults::renameCannotReplace_data()
{
    QTest::addColumn<QString>("step");
    QTest::addColumn<int>("error");
    QTest::newRow("clear, EBUSY (a file bind-mounted on its own)") << "clear" << EBUSY;
    QTest::newRow("clear, EXDEV (across file systems)") << "clear" << EXDEV;
    QTest::newRow("compaction, EBUSY") << "compaction" << EBUSY;
    QTest::newRow("compaction, EXDEV") << "compaction" << EXDEV;
}

// Issue 11, 6 (2): a CSV store on a file bind-mounted on its own cannot be replaced by a rename
// (EBUSY; across file systems EXDEV). clear() failed, stayed queued and failed again before every
// later write, so they were all lost at exit; compaction rewrote the whole file at every write,
// to fail each time. Now clear() appends a removal for every key in one batch, and compaction
// is tried once and waits for the next open, with one warning naming the cause.
void tst_TransientFaults::renameCannotReplace()
{
    QFETCH(QString, step);
    QFETCH(int, error);
    auto map = std::make_unique<PersistentMap>(std::make_unique<PersistentMapCsvBackend>(m_path));
    VERIFY_OK(map->whenReady());
    VERIFY_OK(map->insert(QVariantHash{{QStringLiteral("a"), 1}, {QStringLiteral("b"), 2}}));
    const ino_t before = inode(m_path);
    SyscallFaults::failRenames(error, -1, "store.csv$"); // for the whole run, like the mount
    QTest::ignoreMessage(QtWarningMsg, mentioning(qt_error_string(error)));

    if (step == u"clear") {
        VERIFY_OK(map->clear());
        VERIFY_OK(map->insert(QStringLiteral("c"), 3));
        VERIFY_OK(map->clear()); // no second rename tried, no second warning
        VERIFY_OK(map->insert(QStringLiteral("d"), 4));
    } else {
        int writes = 0;
        writeUntilCompaction(*map, [&] { return SyscallFaults::failedRenames() > 0; });
        for (; writes < 300; ++writes) // compaction is due at each of these: not tried again
            VERIFY_OK(map->insert(QStringLiteral("churn"), -writes));
    }
    VERIFY_OK(map->flush());
    QCOMPARE(SyscallFaults::failedRenames(), 1);
    QCOMPARE(inode(m_path), before);
    QCOMPARE(leftovers(m_path), QStringList());
    const QVariantHash expected = map->toHash();
    map.reset(); // with the mount still there
    CHECK_STORE(m_path, expected);
}

// The same with a real bind mount, where the system allows one (a mount namespace: `unshare -rm`
// as any user, or root). csvlockholder owns the store through the mounted name, clears it and
// writes; the file is checked from outside the namespace, through its own name.
void tst_TransientFaults::singleFileBindMount()
{
    QString why;
    const QStringList unshare = mountNamespaceCommand(&why);
    if (unshare.isEmpty())
        BIND_MOUNT_UNAVAILABLE(why);
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        VERIFY_OK(map.insert(QStringLiteral("a"), 1));
    }
    const QString mounted = m_dir->filePath(QStringLiteral("mounted.csv"));
    QVERIFY(writeBytes(mounted, QByteArray()));
    QProcess holder;
    holder.start(unshare.at(0),
                 {unshare.at(1), QStringLiteral("sh"), QStringLiteral("-c"),
                  QStringLiteral("mount --bind \"$0\" \"$1\" && exec \"$2\" \"$1\""), m_path,
                  mounted, QStringLiteral(CSVLOCKHOLDER_PATH)});
    QVERIFY(holder.waitForStarted());
    const auto readLine = [&holder] {
        while (!holder.canReadLine() && holder.waitForReadyRead(20000)) { }
        return holder.readLine().trimmed();
    };
    const QByteArray ready = readLine();
    if (ready != "ready") {
        holder.kill();
        holder.waitForFinished();
        BIND_MOUNT_UNAVAILABLE(QStringLiteral("cannot bind-mount a file here: ") +
                               QString::fromLocal8Bit(ready + holder.readAllStandardError()));
    }
    holder.write("!clear\n");
    QCOMPARE(readLine(), QByteArray("done !clear"));
    holder.write("c=3\n");
    QCOMPARE(readLine(), QByteArray("done c"));
    holder.closeWriteChannel();
    QVERIFY(holder.waitForFinished(20000));
    QCOMPARE(holder.exitStatus(), QProcess::NormalExit);
    QCOMPARE(holder.exitCode(), 0);
    // The library's warning, from the holder: the kernel refused the rename.
    const QString warnings = QString::fromLocal8Bit(holder.readAllStandardError());
    QVERIFY2(warnings.contains(qt_error_string(EBUSY)), qPrintable(warnings));
    CHECK_STORE(m_path, (QVariantHash{{QStringLiteral("c"), QStringLiteral("3")}}));
}

void tst_TransientFaults::appendFails_data()
{
    QTest::addColumn<int>("error");
    QTest::addColumn<qint64>("afterBytes"); // written before the fault
    QTest::addColumn<int>("truncateError"); // the cut back of the partial write fails too
    QTest::addColumn<bool>("absorbed"); // the write succeeds all the same
    QTest::newRow("ENOSPC at once") << ENOSPC << qint64(0) << 0 << false;
    QTest::newRow("ENOSPC after 10 bytes") << ENOSPC << qint64(10) << 0 << false;
    QTest::newRow("ENOSPC after 10 bytes, cut back fails (EIO)")
            << ENOSPC << qint64(10) << EIO << false;
    QTest::newRow("ENOSPC after 10 bytes, cut back interrupted (EINTR)")
            << ENOSPC << qint64(10) << EINTR << false;
    QTest::newRow("EIO after 25 bytes") << EIO << qint64(25) << 0 << false;
    QTest::newRow("EINTR at once") << EINTR << qint64(0) << 0 << true;
    QTest::newRow("EINTR after 10 bytes") << EINTR << qint64(10) << 0 << true;
}

// Issue 11, 6 (3): an append cut short by a full disk reported "Unknown error" (QFile::write()
// returns the part written and sets no error). Now the future and errorOccurred name the OS's
// reason, the partial batch is cut back (by the next write when that fails too), and the next
// write stores everything. An interrupted write is continued.
void tst_TransientFaults::appendFails()
{
    QFETCH(int, error);
    QFETCH(qint64, afterBytes);
    QFETCH(int, truncateError);
    QFETCH(bool, absorbed);
    auto map = std::make_unique<PersistentMap>(std::make_unique<PersistentMapCsvBackend>(m_path));
    VERIFY_OK(map->whenReady());
    VERIFY_OK(map->insert(QStringLiteral("before"), 1));
    const QByteArray good = readBytes(m_path);
    QSignalSpy errors(map.get(), &PersistentMap::errorOccurred);

    SyscallFaults::failWrites(error, 1, "store.csv$", afterBytes);
    if (truncateError)
        SyscallFaults::failTruncates(truncateError, 1, "store.csv$");
    const QVariantHash batch{{QStringLiteral("x"), QStringLiteral("a value of some length")},
                             {QStringLiteral("y"), 2}};
    const std::optional<PersistentMapError> failure = failureOf(map->insert(batch));
    QCOMPARE(SyscallFaults::failedWrites(), 1);
    if (absorbed) {
        QVERIFY2(!failure, failure ? qPrintable(failure->message()) : "");
    } else {
        QVERIFY2(failure, "a write the system refused reported success");
        QCOMPARE(failure->code(), PersistentMapError::Code::WriteFailed);
        QVERIFY2(failure->message().contains(qt_error_string(error)),
                 qPrintable(failure->message()));
        QVERIFY2(failure->message().contains(m_path), qPrintable(failure->message()));
        QTRY_VERIFY(!errors.isEmpty());
        QVERIFY(errors.first().first().toString().contains(qt_error_string(error)));
        if (!truncateError) // cut back at once
            QCOMPARE(readBytes(m_path), good);
        QCOMPARE(map->value(QStringLiteral("y")), QVariant(2)); // the cache keeps it
    }
    SyscallFaults::reset();
    VERIFY_OK(map->insert(QStringLiteral("after"), 3));
    VERIFY_OK(map->flush());
    const QVariantHash expected = map->toHash();
    QCOMPARE(expected.size(), 4);
    map.reset();
    CHECK_STORE(m_path, expected);
}

void tst_TransientFaults::clearRewriteFails_data()
{
    QTest::addColumn<QString>("call"); // the call that fails
    QTest::addColumn<int>("error");
    QTest::addColumn<int>("times");
    QTest::addColumn<QByteArray>("pathPart");
    QTest::addColumn<QString>("outcome"); // "absorbed", "removals" (absorbed by appending
                                          // removals, with a warning), "fails"
    QTest::newRow("no descriptor for the replacement (EMFILE)")
            << "open" << EMFILE << 1 << QByteArray(".replacing-") << "removals";
    QTest::newRow("no descriptor for the replacement (ENFILE)")
            << "open" << ENFILE << 1 << QByteArray(".replacing-") << "removals";
    QTest::newRow("full disk writing the replacement (ENOSPC)")
            << "write" << ENOSPC << 1 << QByteArray(".replacing-") << "removals";
    QTest::newRow("sync of the replacement fails (EIO)")
            << "sync" << EIO << 1 << QByteArray(".replacing-") << "removals";
    QTest::newRow("rename fails (ENOSPC)")
            << "rename" << ENOSPC << 1 << QByteArray("store.csv$") << "removals";
    QTest::newRow("rename interrupted (EINTR)")
            << "rename" << EINTR << 1 << QByteArray("store.csv$") << "absorbed";
    QTest::newRow("full disk for the replacement and the removals (ENOSPC)")
            << "write" << ENOSPC << -1 << QByteArray("store.csv") << "fails";
}

// Issue 11, 6 (3): clear() rewrites the file as an empty store and renames it over the store.
// When that cannot be done, the store is cleared by appending a removal for every key (one
// batch), which needs no new file and no rename; an interrupted rename is retried. A failed
// clear() (here: the disk is full for the removals too) names the reason, stays queued, and is
// done by the next write; no replacement file is left behind.
void tst_TransientFaults::clearRewriteFails()
{
    QFETCH(QString, call);
    QFETCH(int, error);
    QFETCH(int, times);
    QFETCH(QByteArray, pathPart);
    QFETCH(QString, outcome);
    auto map = std::make_unique<PersistentMap>(std::make_unique<PersistentMapCsvBackend>(m_path));
    VERIFY_OK(map->whenReady());
    VERIFY_OK(map->insert(QVariantHash{{QStringLiteral("a"), 1}, {QStringLiteral("b"), 2}}));
    const ino_t before = inode(m_path);

    if (call == u"open")
        SyscallFaults::failOpens(error, times, pathPart, O_CREAT);
    else if (call == u"write")
        SyscallFaults::failWrites(error, times, pathPart, 5);
    else if (call == u"sync")
        SyscallFaults::failSyncs(error, times, pathPart);
    else
        SyscallFaults::failRenames(error, times, pathPart);
    if (outcome != u"absorbed") {
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QRegularExpression::escape(qt_error_string(error)) +
                                                QStringLiteral(".*removal for every key")));
    }
    const std::optional<PersistentMapError> failure = failureOf(map->clear());
    QVERIFY(SyscallFaults::failedOpens() + SyscallFaults::failedWrites() +
                    SyscallFaults::failedSyncs() + SyscallFaults::failedRenames() >
            0);
    if (outcome == u"fails") {
        QVERIFY2(failure, "a clear() that could not be written reported success");
        QVERIFY2(failure->message().contains(qt_error_string(error)),
                 qPrintable(failure->message()));
        QCOMPARE(map->count(), 0);
    } else {
        QVERIFY2(!failure, failure ? qPrintable(failure->message()) : "");
        if (outcome == u"absorbed")
            QVERIFY(inode(m_path) != before);
        else
            QCOMPARE(inode(m_path), before); // cleared by removals
    }
    QCOMPARE(leftovers(m_path), QStringList());
    SyscallFaults::reset();
    VERIFY_OK(map->insert(QStringLiteral("c"), 3));
    VERIFY_OK(map->flush());
    map.reset();
    CHECK_STORE(m_path, (QVariantHash{{QStringLiteral("c"), 3}}));
}

void tst_TransientFaults::folderSyncAfterARename_data()
{
    QTest::addColumn<QString>("step");
    QTest::addColumn<QString>("call");
    QTest::addColumn<int>("error");
    QTest::newRow("clear, folder sync fails (EIO)") << "clear"
                                                    << "sync" << EIO;
    QTest::newRow("clear, no descriptor for the folder (EMFILE)") << "clear"
                                                                  << "open" << EMFILE;
    QTest::newRow("compaction, folder sync fails (EIO)") << "compaction"
                                                         << "sync" << EIO;
    QTest::newRow("compaction, no descriptor for the folder (ENFILE)") << "compaction"
                                                                       << "open" << ENFILE;
}

// Issue 11, 6 (3): after a rename, the folder is synced so that the new name survives a power
// loss. When that failed, clear() reported an error although it had committed, and after a
// compaction the next flush() reported the store durable without the folder ever synced: a power
// loss could bring back the old file, without the writes appended since. Now the step succeeds
// (it committed) and flush() syncs the folder first, failing with the reason until it can.
void tst_TransientFaults::folderSyncAfterARename()
{
    QFETCH(QString, step);
    QFETCH(QString, call);
    QFETCH(int, error);
    auto map = std::make_unique<PersistentMap>(std::make_unique<PersistentMapCsvBackend>(m_path));
    VERIFY_OK(map->whenReady());
    VERIFY_OK(map->insert(QStringLiteral("before"), 1));
    VERIFY_OK(map->flush());
    const ino_t before = inode(m_path);
    // The folder, twice: at the rename, and at the next flush().
    const QByteArray folder = QFile::encodeName(m_dir->path()) + '$';
    if (call == u"sync")
        SyscallFaults::failSyncs(error, 2, folder);
    else
        SyscallFaults::failOpens(error, 2, folder, O_DIRECTORY);
    const auto failedSoFar = [] {
        return SyscallFaults::failedSyncs() + SyscallFaults::failedOpens();
    };
    if (step == u"clear")
        VERIFY_OK(map->clear());
    else
        writeUntilCompaction(*map, [&] { return failedSoFar() > 0; });
    QVERIFY(inode(m_path) != before);
    QCOMPARE(failedSoFar(), 1);

    VERIFY_OK(map->insert(QStringLiteral("after"), 2));
    const std::optional<PersistentMapError> failure = failureOf(map->flush());
    QVERIFY2(failure, "flush() reported the store durable without syncing its folder");
    QVERIFY2(failure->message().contains(qt_error_string(error)), qPrintable(failure->message()));
    QCOMPARE(failedSoFar(), 2);
    VERIFY_OK(map->flush()); // the fault is spent: the folder is synced now
    const QVariantHash expected = map->toHash();
    map.reset();
    CHECK_STORE(m_path, expected);
}

QTEST_GUILESS_MAIN(tst_TransientFaults)
void tst_TransientFaults::openFailsWithItsCause_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<bool>("existing"); // the store exists and holds a=1 before the fault
    QTest::addColumn<QString>("call"); // "open" or "write"
    QTest::addColumn<int>("error");
    QTest::addColumn<PersistentMapError::Code>("code");
    using Code = PersistentMapError::Code;
    for (const char *file : {"store.db", "store.csv"}) {
        QTest::addRow("%s: full disk creating it (ENOSPC)", file)
                << QString::fromLatin1(file) << false << "write" << ENOSPC << Code::DiskFull;
        QTest::addRow("%s: I/O error creating it (EIO)", file)
                << QString::fromLatin1(file) << false << "write" << EIO << Code::IoError;
        QTest::addRow("%s: no descriptor left creating it (EMFILE)", file)
                << QString::fromLatin1(file) << false << "open" << EMFILE << Code::TooManyOpenFiles;
        QTest::addRow("%s: no descriptor left opening it (EMFILE)", file)
                << QString::fromLatin1(file) << true << "open" << EMFILE << Code::TooManyOpenFiles;
        QTest::addRow("%s: system file table full opening it (ENFILE)", file)
                << QString::fromLatin1(file) << true << "open" << ENFILE << Code::TooManyOpenFiles;
    }
}

// Issue 12, item 4: a full disk, a descriptor limit or an I/O error while opening a store was
// reported as Corrupt (SQLite: "not a SQLite database") or as OpenFailed/WriteFailed with
// "Unknown error" (CSV), so an application that resets corrupt stores would throw good data away.
// Each now has its own code and the system's reason, and an existing store is left as it was.
void tst_TransientFaults::openFailsWithItsCause()
{
    QFETCH(QString, file);
    QFETCH(bool, existing);
    QFETCH(QString, call);
    QFETCH(int, error);
    QFETCH(PersistentMapError::Code, code);
    const QString path = m_dir->filePath(file);
    QByteArray before;
    if (existing) {
        PersistentMap map(PersistentMapBackend::create(path));
        VERIFY_OK(map.insert(QStringLiteral("a"), 1));
    }
    if (existing)
        before = readBytes(path);
    const QByteArray part = QFile::encodeName(file) + (file.endsWith(u"csv") ? "$" : "");
    if (call == u"open")
        SyscallFaults::failOpens(error, -1, part);
    else
        SyscallFaults::failWrites(error, -1, part);
    {
        PersistentMap map(PersistentMapBackend::create(path));
        const std::optional<PersistentMapError> failure = loadError(map);
        SyscallFaults::reset();
        QVERIFY2(failure, "the store opened although every call failed");
        QVERIFY2(failure->code() == code,
                 qPrintable(QStringLiteral("code %1, expected %2: %3")
                                    .arg(int(failure->code()))
                                    .arg(int(code))
                                    .arg(failure->message())));
        QVERIFY2(failure->message().contains(qt_error_string(error)),
                 qPrintable(failure->message()));
        QVERIFY2(failure->message().contains(path), qPrintable(failure->message()));
        QCOMPARE(map.status(), PersistentMap::Status::Error);
    }
    if (existing) {
        QCOMPARE(readBytes(path), before);
        PersistentMap reopened(PersistentMapBackend::create(path));
        VERIFY_OK(reopened.whenReady());
        QCOMPARE(reopened.value(QStringLiteral("a")), QVariant(1));
    }
}

// Issue 12, item 7: the bytes of a torn write are kept in PATH.torn-* before they are cut off;
// that file written on a full disk said "Unknown error" (QFile::write() cut short sets no error).
// Now the open fails with Code::DiskFull and ENOSPC's text, and the store is left as it was.
void tst_TransientFaults::tornBytesOnAFullDisk()
{
    // The last line was cut off; the batch row marks the file as appended to by the library, so
    // a last line without a line break is a torn write, not a person's row (docs/FORMAT.md).
    const QByteArray content = header + ",batch,1\na,int,1\nb,int,2";
    QVERIFY(writeBytes(m_path, content));
    SyscallFaults::failWrites(ENOSPC, -1, ".torn-", 1);
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(m_path));
        const std::optional<PersistentMapError> failure = loadError(map);
        SyscallFaults::reset();
        QVERIFY(failure);
        QCOMPARE(failure->code(), PersistentMapError::Code::DiskFull);
        QVERIFY2(failure->message().contains(qt_error_string(ENOSPC)),
                 qPrintable(failure->message()));
        QVERIFY2(!failure->message().contains(QLatin1String("Unknown error")),
                 qPrintable(failure->message()));
    }
    QCOMPARE(readBytes(m_path), content);
    QCOMPARE(QDir(m_dir->path()).entryList(QDir::Files | QDir::Hidden),
             QStringList{QStringLiteral("store.csv")});
}

void tst_TransientFaults::readOnlyOpenFailsWithItsCause_data()
{
    QTest::addColumn<int>("error");
    QTest::newRow("no descriptor left (EMFILE)") << EMFILE;
    QTest::newRow("system file table full (ENFILE)") << ENFILE;
}

// Issue 12, promise 4: a descriptor limit at open gives Code::TooManyOpenFiles with the system's
// reason, so that the application knows to try again. A CSV store opened read-only (asked for,
// or a file this user may only read, which takes the same path) gave Code::OpenFailed ("cannot
// read the file: Too many open files").
void tst_TransientFaults::readOnlyOpenFailsWithItsCause()
{
    QFETCH(int, error);
    {
        PersistentMap owner(std::make_unique<PersistentMapCsvBackend>(m_path));
        VERIFY_OK(owner.insert(QStringLiteral("a"), 1));
    }
    const QByteArray before = readBytes(m_path);
    SyscallFaults::failOpens(error, -1, "store.csv$");
    {
        PersistentMap map(std::make_unique<PersistentMapCsvBackend>(
                m_path, PersistentMapCsvBackend::OpenMode::ReadOnly));
        const std::optional<PersistentMapError> failure = loadError(map);
        SyscallFaults::reset();
        QVERIFY2(failure, "the store opened although every open failed");
        QVERIFY2(failure->code() == PersistentMapError::Code::TooManyOpenFiles,
                 qPrintable(QStringLiteral("code %1: %2")
                                    .arg(int(failure->code()))
                                    .arg(failure->message())));
        QVERIFY2(failure->message().contains(qt_error_string(error)),
                 qPrintable(failure->message()));
    }
    QCOMPARE(readBytes(m_path), before);
    PersistentMap reopened(std::make_unique<PersistentMapCsvBackend>(
            m_path, PersistentMapCsvBackend::OpenMode::ReadOnly));
    VERIFY_OK(reopened.whenReady());
    QCOMPARE(reopened.value(QStringLiteral("a")), QVariant(1));
}

#include "tst_transientfaults.moc"
