// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "syscallfaults.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <dlfcn.h>
#include <fcntl.h>
#include <mutex>
#include <string>
#include <unistd.h>

namespace {

enum Kind { Sync, Open, Write, Truncate, Rename, Kinds };

struct Fault
{
    int error = 0;
    int times = 0; // < 0: until reset()
    std::string pathPart;
    int requiredFlags = 0; // Open
    long long allowance = 0; // Write: bytes still let through before failing
};

std::mutex mutex;
Fault faults[Kinds]; // guarded by mutex
// Read without the mutex first, so that the calls of a test that arms nothing (and every write()
// to the terminal) cost one load.
std::atomic<bool> armed[Kinds];
std::atomic<int> failed[Kinds];
std::atomic<int> forwardedSyncs{0};

std::string pathOf(int fd)
{
    char link[64];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    char target[4096];
    const ssize_t size = ::readlink(link, target, sizeof target - 1);
    return size > 0 ? std::string(target, size_t(size)) : std::string();
}

bool matches(const std::string &path, const std::string &part)
{
    if (!part.empty() && part.back() == '$') {
        const size_t size = part.size() - 1;
        return path.size() >= size && path.compare(path.size() - size, size, part, 0, size) == 0;
    }
    return path.find(part) != std::string::npos;
}

// Called with the mutex held, for a call the fault matches: counts it and spends the fault.
int fire(Kind kind)
{
    Fault &fault = faults[kind];
    if (fault.times > 0 && --fault.times == 0)
        armed[kind] = false;
    ++failed[kind];
    return fault.error;
}

// errno to fail a call on path with, or 0 to forward it.
int armedFault(Kind kind, const char *path, int flags = 0)
{
    if (!armed[kind] || !path)
        return 0;
    std::lock_guard<std::mutex> lock(mutex);
    const Fault &fault = faults[kind];
    if (fault.times == 0 || !matches(path, fault.pathPart) ||
        (flags & fault.requiredFlags) != fault.requiredFlags) {
        return 0;
    }
    return fire(kind);
}

int armedFaultOn(Kind kind, int fd)
{
    return armed[kind] ? armedFault(kind, pathOf(fd).c_str()) : 0;
}

// How many of `count` bytes write() may pass to the file; -1 with *error set: fail the call.
ssize_t writeAllowance(int fd, size_t count, int *error)
{
    if (!armed[Write])
        return ssize_t(count);
    const std::string path = pathOf(fd);
    std::lock_guard<std::mutex> lock(mutex);
    Fault &fault = faults[Write];
    if (fault.times == 0 || !matches(path, fault.pathPart) || count == 0)
        return ssize_t(count);
    if (fault.allowance > 0) {
        const size_t passed = std::min<size_t>(count, size_t(fault.allowance));
        fault.allowance -= (long long)passed;
        return ssize_t(passed);
    }
    *error = fire(Write);
    return -1;
}

void arm(Kind kind, int error, int times, const QByteArray &pathPart, int requiredFlags = 0,
         long long allowance = 0)
{
    std::lock_guard<std::mutex> lock(mutex);
    faults[kind] = Fault{error, times, pathPart.toStdString(), requiredFlags, allowance};
    armed[kind] = times != 0;
}

template<typename Function>
Function real(const char *name)
{
    return reinterpret_cast<Function>(dlsym(RTLD_NEXT, name));
}

// The mode argument of open() is there only when the flags create a file.
bool needsMode(int flags)
{
    return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
}

} // namespace

namespace SyscallFaults {

void failSyncs(int error, int times, const QByteArray &pathPart)
{
    arm(Sync, error, times, pathPart);
}

void failOpens(int error, int times, const QByteArray &pathPart, int requiredFlags)
{
    arm(Open, error, times, pathPart, requiredFlags);
}

void failWrites(int error, int times, const QByteArray &pathPart, qint64 afterBytes)
{
    arm(Write, error, times, pathPart, 0, afterBytes);
}

void failTruncates(int error, int times, const QByteArray &pathPart)
{
    arm(Truncate, error, times, pathPart);
}

void failRenames(int error, int times, const QByteArray &pathPart)
{
    arm(Rename, error, times, pathPart);
}

int failedSyncs()
{
    return failed[Sync];
}

int failedOpens()
{
    return failed[Open];
}

int failedWrites()
{
    return failed[Write];
}

int failedTruncates()
{
    return failed[Truncate];
}

int failedRenames()
{
    return failed[Rename];
}

int syncs()
{
    return forwardedSyncs;
}

void reset()
{
    std::lock_guard<std::mutex> lock(mutex);
    for (int kind = 0; kind < Kinds; ++kind) {
        faults[kind] = Fault();
        armed[kind] = false;
        failed[kind] = 0;
    }
    forwardedSyncs = 0;
}

} // namespace SyscallFaults

// The interposed calls. Each fails as armed, or forwards to the next definition (the C
// library's, or a sanitizer's interceptor).

extern "C" int fsync(int fd)
{
    if (const int error = armedFaultOn(Sync, fd)) {
        errno = error;
        return -1;
    }
    static const auto next = real<int (*)(int)>("fsync");
    ++forwardedSyncs;
    return next(fd);
}

extern "C" int fdatasync(int fd)
{
    if (const int error = armedFaultOn(Sync, fd)) {
        errno = error;
        return -1;
    }
    static const auto next = real<int (*)(int)>("fdatasync");
    ++forwardedSyncs;
    return next(fd);
}

// Never failed, only counted with the syncs: a sync of part of a file (Linux). Neither SQLite
// nor Qt calls it today; counted so that a "no sync" test cannot miss one made this way.
extern "C" int sync_file_range(int fd, off64_t offset, off64_t count, unsigned int flags)
{
    static const auto next = real<int (*)(int, off64_t, off64_t, unsigned int)>("sync_file_range");
    ++forwardedSyncs;
    return next(fd, offset, count, flags);
}

#define SYSCALLFAULTS_OPEN(name, ...) \
    int mode = 0; \
    if (needsMode(flags)) { \
        va_list arguments; \
        va_start(arguments, flags); \
        mode = va_arg(arguments, int); \
        va_end(arguments); \
    } \
    if (const int error = armedFault(Open, path, flags)) { \
        errno = error; \
        return -1; \
    } \
    static const auto next = real<decltype(&name)>(#name); \
    return next(__VA_ARGS__, flags, mode);

extern "C" int open(const char *path, int flags, ...)
{
    SYSCALLFAULTS_OPEN(open, path)
}

extern "C" int open64(const char *path, int flags, ...)
{
    SYSCALLFAULTS_OPEN(open64, path)
}

extern "C" int openat(int folder, const char *path, int flags, ...)
{
    SYSCALLFAULTS_OPEN(openat, folder, path)
}

extern "C" int openat64(int folder, const char *path, int flags, ...)
{
    SYSCALLFAULTS_OPEN(openat64, folder, path)
}

#undef SYSCALLFAULTS_OPEN

extern "C" ssize_t write(int fd, const void *data, size_t count)
{
    int error = 0;
    const ssize_t allowed = writeAllowance(fd, count, &error);
    if (allowed < 0) {
        errno = error;
        return -1;
    }
    static const auto next = real<decltype(&write)>("write");
    return next(fd, data, size_t(allowed));
}

// SQLite writes its database and write-ahead log with pwrite64() (pwrite() on some builds).
extern "C" ssize_t pwrite(int fd, const void *data, size_t count, off_t offset)
{
    int error = 0;
    const ssize_t allowed = writeAllowance(fd, count, &error);
    if (allowed < 0) {
        errno = error;
        return -1;
    }
    static const auto next = real<decltype(&pwrite)>("pwrite");
    return next(fd, data, size_t(allowed), offset);
}

extern "C" ssize_t pwrite64(int fd, const void *data, size_t count, off64_t offset)
{
    int error = 0;
    const ssize_t allowed = writeAllowance(fd, count, &error);
    if (allowed < 0) {
        errno = error;
        return -1;
    }
    static const auto next = real<decltype(&pwrite64)>("pwrite64");
    return next(fd, data, size_t(allowed), offset);
}

extern "C" int ftruncate(int fd, off_t size) noexcept
{
    if (const int error = armedFaultOn(Truncate, fd)) {
        errno = error;
        return -1;
    }
    static const auto next = real<decltype(&ftruncate)>("ftruncate");
    return next(fd, size);
}

extern "C" int ftruncate64(int fd, off64_t size) noexcept
{
    if (const int error = armedFaultOn(Truncate, fd)) {
        errno = error;
        return -1;
    }
    static const auto next = real<decltype(&ftruncate64)>("ftruncate64");
    return next(fd, size);
}

extern "C" int rename(const char *from, const char *to) noexcept
{
    if (const int error = armedFault(Rename, to)) {
        errno = error;
        return -1;
    }
    static const auto next = real<decltype(&rename)>("rename");
    return next(from, to);
}

extern "C" int renameat(int fromFolder, const char *from, int toFolder, const char *to) noexcept
{
    if (const int error = armedFault(Rename, to)) {
        errno = error;
        return -1;
    }
    static const auto next = real<decltype(&renameat)>("renameat");
    return next(fromFolder, from, toFolder, to);
}

extern "C" int renameat2(int fromFolder, const char *from, int toFolder, const char *to,
                         unsigned int flags) noexcept
{
    if (const int error = armedFault(Rename, to)) {
        errno = error;
        return -1;
    }
    static const auto next = real<decltype(&renameat2)>("renameat2");
    return next(fromFolder, from, toFolder, to, flags);
}
