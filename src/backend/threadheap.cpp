// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

#include "backend/threadheap_p.h"

#include <algorithm>
#include <array>
#include <cstdlib>

namespace PersistentMapInternal {

void growThreadHeap(qsizetype bytes)
{
#if defined(__GLIBC__)
    // Blocks below glibc's smallest mmap threshold (128 KiB) come from the heap, which grows by
    // one mprotect() per block here instead of one per page.
    constexpr qsizetype Block = 64 * 1024;
    constexpr qsizetype MaxBlocks = 512; // 32 MiB: well within one heap (64 MiB)
    std::array<void *, MaxBlocks> blocks{};
    const qsizetype count = std::clamp<qsizetype>(bytes / Block, 0, MaxBlocks);
    for (qsizetype i = 0; i < count; ++i)
        blocks[i] = std::malloc(Block);
    // In order: each block merges with the free one before it, and only the last one, next to
    // the heap's top, gives the whole back (one madvise(), where the reverse order made one per
    // block).
    for (qsizetype i = 0; i < count; ++i)
        std::free(blocks[i]);
#else
    Q_UNUSED(bytes);
#endif
}

} // namespace PersistentMapInternal
