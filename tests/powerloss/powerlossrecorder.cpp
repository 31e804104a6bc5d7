// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "powerlossrecorder.h"

#include <QtCore/QHash>
#include <QtCore/QList>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

struct Known
{
    int fd = -1; // read-only, never closed (see the header)
    QByteArray content; // at the last event
    int vid = 0;
};

struct Entry
{
    QByteArray name;
    QByteArray identity;
    int vid = 0;
};

struct Recorder
{
    QByteArray folder; // canonical, no trailing slash
    QByteArray lieName;
    int log = -1;
    int blobs = -1;
    qint64 blobSize = 0;
    qint64 seq = 0;
    int nextVid = 1;
    QHash<QByteArray, Known> known; // by identity
    QByteArray error;
};

std::mutex mutex;

QByteArray identityOf(const struct stat &st)
{
    return QByteArray::number(quint64(st.st_dev), 16) + ':' +
            QByteArray::number(quint64(st.st_ino), 16);
}

void writeAll(int fd, const QByteArray &data)
{
    const char *at = data.constData();
    qsizetype left = data.size();
    while (left > 0) {
        const ssize_t written = ::write(fd, at, size_t(left));
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            std::abort(); // a record with holes would check nothing: stop loudly
        at += written;
        left -= written;
    }
}

// Null until the first call; configured from the environment once. Never destroyed: syncs may
// come from threads that outlive main().
Recorder *recorder()
{
    static Recorder *instance = [] {
        const char *folder = std::getenv("PM_POWERLOSS_FOLDER");
        const char *record = std::getenv("PM_POWERLOSS_RECORD");
        if (!folder || !*folder || !record || !*record)
            return static_cast<Recorder *>(nullptr);
        char *canonical = ::realpath(folder, nullptr);
        if (!canonical)
            std::abort();
        auto *r = new Recorder;
        r->folder = canonical;
        std::free(canonical);
        if (const char *lie = std::getenv("PM_POWERLOSS_LIE"))
            r->lieName = lie;
        const QByteArray base = QByteArray(record) + '/';
        r->log = ::open((base + "events.log").constData(),
                        O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
        r->blobs = ::open((base + "blobs.bin").constData(),
                          O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
        if (r->log < 0 || r->blobs < 0)
            std::abort();
        return r;
    }();
    return instance;
}

void emitLine(Recorder *r, const QByteArray &line)
{
    writeAll(r->log, line + '\n');
}

QByteArray nextSeq(Recorder *r)
{
    return QByteArray::number(++r->seq);
}

void fail(Recorder *r, const QByteArray &what)
{
    if (r->error.isEmpty())
        r->error = what;
    emitLine(r, "U " + nextSeq(r) + ' ' + what.toPercentEncoding());
}

bool readWhole(int fd, QByteArray *out)
{
    out->clear();
    char buffer[65536];
    for (off_t offset = 0;;) {
        const ssize_t got = ::pread(fd, buffer, sizeof buffer, offset);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return false;
        if (got == 0)
            return true;
        out->append(buffer, got);
        offset += got;
    }
}

// The file's content now, as a version; records a new version when it changed.
int versionOf(Recorder *r, const QByteArray &identity, Known &file)
{
    QByteArray content;
    if (!readWhole(file.fd, &content)) {
        fail(r, "cannot read a file of the folder: " + QByteArray(std::strerror(errno)));
        return file.vid;
    }
    if (file.vid && content == file.content)
        return file.vid;
    // A file that only grew (appends: the CSV store, SQLite's log) costs only its new bytes.
    const bool grew = file.vid && content.startsWith(file.content);
    const QByteArray slice = grew ? content.mid(file.content.size()) : content;
    const int vid = r->nextVid++;
    emitLine(r,
             "V " + QByteArray::number(vid) + ' ' + identity + ' ' +
                     (grew ? QByteArray::number(file.vid) : QByteArray("-")) + ' ' +
                     QByteArray::number(r->blobSize) + ' ' + QByteArray::number(slice.size()));
    writeAll(r->blobs, slice);
    r->blobSize += slice.size();
    file.content = std::move(content);
    file.vid = vid;
    return vid;
}

// Every regular file of the folder with its content now.
QList<Entry> snapshot(Recorder *r)
{
    QList<Entry> entries;
    DIR *dir = ::opendir(r->folder.constData());
    if (!dir) {
        fail(r, "cannot list the folder: " + QByteArray(std::strerror(errno)));
        return entries;
    }
    while (const struct dirent *entry = ::readdir(dir)) {
        const QByteArray name(entry->d_name);
        if (name == "." || name == "..")
            continue;
        struct stat st;
        if (::fstatat(::dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            fail(r, "cannot stat " + name + ": " + QByteArray(std::strerror(errno)));
            continue;
        }
        if (!S_ISREG(st.st_mode)) {
            fail(r, "not a regular file, which the model does not cover: " + name);
            continue;
        }
        const QByteArray identity = identityOf(st);
        Known &file = r->known[identity];
        if (file.fd < 0) {
            file.fd = ::openat(::dirfd(dir), entry->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
            struct stat opened;
            if (file.fd < 0 || ::fstat(file.fd, &opened) != 0 || identityOf(opened) != identity) {
                fail(r, "cannot open " + name + " to read it");
                continue;
            }
        }
        entries.append({name, identity, versionOf(r, identity, file)});
    }
    ::closedir(dir);
    std::sort(entries.begin(), entries.end(),
              [](const Entry &a, const Entry &b) { return a.name < b.name; });
    return entries;
}

QByteArray listing(const QList<Entry> &entries)
{
    QByteArray text;
    for (const Entry &entry : entries) {
        text += ' ' + entry.name.toPercentEncoding() + ' ' + entry.identity + ' ' +
                QByteArray::number(entry.vid);
    }
    return text;
}

// The path a descriptor was opened with, without the " (deleted)" of an unlinked file.
QByteArray pathOf(int fd)
{
    char link[64];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    char target[4096];
    const ssize_t size = ::readlink(link, target, sizeof target - 1);
    QByteArray path = size > 0 ? QByteArray(target, size) : QByteArray();
    if (path.endsWith(" (deleted)"))
        path.chop(10);
    return path;
}

using SyncFunction = int (*)(int);

int realSync(bool data, int fd)
{
    static const auto real = reinterpret_cast<SyncFunction>(dlsym(RTLD_NEXT, "fsync"));
    static const auto realData = reinterpret_cast<SyncFunction>(dlsym(RTLD_NEXT, "fdatasync"));
    return (data ? realData : real)(fd);
}

int recordedSync(bool data, int fd)
{
    Recorder *r = recorder();
    struct stat st;
    if (!r || ::fstat(fd, &st) != 0)
        return realSync(data, fd);
    const QByteArray path = pathOf(fd);
    const bool isFolder = S_ISDIR(st.st_mode) && path == r->folder;
    const qsizetype slash = path.lastIndexOf('/');
    const bool inFolder = S_ISREG(st.st_mode) && slash > 0 && path.left(slash) == r->folder;
    if (!isFolder && !inFolder)
        return realSync(data, fd); // not part of the model

    std::lock_guard<std::mutex> lock(mutex);
    const QByteArray name = inFolder ? path.mid(slash + 1) : QByteArray();
    if (inFolder && !r->lieName.isEmpty() && name == r->lieName) {
        emitLine(r, "L " + nextSeq(r) + ' ' + name.toPercentEncoding());
        return 0; // the negative control: success, nothing synced, nothing recorded
    }
    // Before the sync: what it makes durable is what the files held when it was called. The
    // mutex is held until the event is logged, so no note of another thread (a write issued
    // meanwhile) falls between the content read and the event.
    const QList<Entry> entries = snapshot(r);
    const QByteArray seq = nextSeq(r);
    QByteArray what = "D";
    if (inFolder) {
        const QByteArray identity = identityOf(st);
        int vid = 0;
        for (const Entry &entry : entries)
            vid = entry.identity == identity ? entry.vid : vid;
        if (!vid) { // unlinked already: read it through the descriptor kept for it
            Known &file = r->known[identity];
            if (file.fd < 0) {
                char link[64];
                std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
                file.fd = ::open(link, O_RDONLY | O_CLOEXEC);
            }
            vid = file.fd < 0 ? 0 : versionOf(r, identity, file);
            if (!vid)
                fail(r, "cannot read the synced file " + name);
        }
        what = "F " + identity + ' ' + QByteArray::number(vid) + ' ' + name.toPercentEncoding();
    }
    int result;
    do {
        result = realSync(data, fd);
    } while (result != 0 && errno == EINTR);
    if (result != 0)
        return result; // failed: nothing became durable, not a cut point
    const int savedErrno = errno;
    emitLine(r, "S " + seq + ' ' + what + listing(entries));
    errno = savedErrno;
    return 0;
}

void unmodelled(const char *what)
{
    if (Recorder *r = recorder()) {
        std::lock_guard<std::mutex> lock(mutex);
        fail(r, QByteArray(what) + " was called: the model cannot tell what it made durable");
    }
}

} // namespace

namespace PowerLossRecorder {

bool active()
{
    return recorder() != nullptr;
}

void note(char kind, const QByteArray &text)
{
    if (Recorder *r = recorder()) {
        std::lock_guard<std::mutex> lock(mutex);
        emitLine(r, kind + (' ' + nextSeq(r)) + ' ' + text);
    }
}

void recordEnd()
{
    if (Recorder *r = recorder()) {
        std::lock_guard<std::mutex> lock(mutex);
        const QList<Entry> entries = snapshot(r);
        emitLine(r, "E " + nextSeq(r) + listing(entries));
    }
}

QByteArray error()
{
    if (Recorder *r = recorder()) {
        std::lock_guard<std::mutex> lock(mutex);
        return r->error;
    }
    return {};
}

} // namespace PowerLossRecorder

extern "C" int fsync(int fd)
{
    return recordedSync(false, fd);
}

extern "C" int fdatasync(int fd)
{
    return recordedSync(true, fd);
}

// Whole-system syncs make everything durable at once; nothing here calls them, and if anything
// ever does, the record says so and the test fails rather than model it wrongly.
extern "C" void sync()
{
    unmodelled("sync()");
    using Function = void (*)();
    static const auto real = reinterpret_cast<Function>(dlsym(RTLD_NEXT, "sync"));
    real();
}

extern "C" int syncfs(int fd)
{
    unmodelled("syncfs()");
    static const auto real = reinterpret_cast<SyncFunction>(dlsym(RTLD_NEXT, "syncfs"));
    return real(fd);
}
