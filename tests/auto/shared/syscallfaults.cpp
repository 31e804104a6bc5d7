// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "syscallfaults.h"

#include <atomic>
#include <cerrno>
#include <dlfcn.h>
#include <mutex>
#include <string>
#include <unistd.h>

namespace {

std::mutex mutex;
std::string syncPath; // guarded by mutex
int syncError = 0; // guarded by mutex
int syncTimes = 0; // guarded by mutex
std::atomic<int> failed{0};
std::atomic<int> forwarded{0};

std::string pathOf(int fd)
{
    char link[64];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    char target[4096];
    const ssize_t size = ::readlink(link, target, sizeof target - 1);
    return size > 0 ? std::string(target, size_t(size)) : std::string();
}

// errno to fail with, or 0 to forward the call.
int armedSyncFault(int fd)
{
    std::lock_guard<std::mutex> lock(mutex);
    if (syncTimes <= 0 || pathOf(fd).find(syncPath) == std::string::npos)
        return 0;
    --syncTimes;
    ++failed;
    return syncError;
}

using SyncFunction = int (*)(int);

int forward(const char *name, int fd)
{
    static const auto real = reinterpret_cast<SyncFunction>(dlsym(RTLD_NEXT, "fsync"));
    static const auto realData = reinterpret_cast<SyncFunction>(dlsym(RTLD_NEXT, "fdatasync"));
    ++forwarded;
    return (name[1] == 's' ? real : realData)(fd);
}

} // namespace

namespace SyscallFaults {

void failSyncs(int error, int times, const QByteArray &pathPart)
{
    std::lock_guard<std::mutex> lock(mutex);
    syncError = error;
    syncTimes = times;
    syncPath = pathPart.toStdString();
}

int failedSyncs()
{
    return failed;
}

int syncs()
{
    return forwarded;
}

void reset()
{
    std::lock_guard<std::mutex> lock(mutex);
    syncTimes = 0;
    failed = 0;
    forwarded = 0;
}

} // namespace SyscallFaults

extern "C" int fsync(int fd)
{
    if (const int error = armedSyncFault(fd)) {
        errno = error;
        return -1;
    }
    return forward("fsync", fd);
}

extern "C" int fdatasync(int fd)
{
    if (const int error = armedSyncFault(fd)) {
        errno = error;
        return -1;
    }
    return forward("fdatasync", fd);
}
