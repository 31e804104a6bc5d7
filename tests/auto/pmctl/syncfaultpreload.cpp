// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// An LD_PRELOAD library that arms SyscallFaults (../shared/syscallfaults.h) in a process that is
// not a test executable, such as pmctl: PM_FAIL_SYNCS=PART makes every fsync()/fdatasync() of a
// file whose path contains PART fail with EIO. At exit it prints on standard error how many syncs
// it made fail. Listed after syscallfaults.cpp in the library's sources, so that SyscallFaults'
// own state is constructed before this arms it.
#include "syscallfaults.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace {

struct Arm
{
    Arm()
    {
        if (const char *part = std::getenv("PM_FAIL_SYNCS"); part && *part)
            SyscallFaults::failSyncs(EIO, -1, QByteArray(part));
    }
    ~Arm()
    {
        if (const char *part = std::getenv("PM_FAIL_SYNCS"); part && *part)
            std::fprintf(stderr, "syncfaultpreload: %d syncs failed\n",
                         SyscallFaults::failedSyncs());
    }
} arm;

} // namespace
