// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 The persistent-map authors

// The storage thread's heap, grown ahead of a load (issue 15). glibc gives a thread other than
// the main one an arena of its own, and grows that arena's heap one page at a time, with an
// mprotect() call each (sysmalloc() and grow_heap() add no top pad there, as they do for the main
// arena): loading 10 000 entries made about 1 300 such calls, a tenth of the open. Growing it
// once to about what the load will take and freeing that at once leaves the pages mapped
// read-write (shrink_heap() only advises them away), so the load's allocations grow into them
// without a system call each.
#ifndef THREADHEAP_P_H
#define THREADHEAP_P_H

#include <QtCore/QtGlobal>

namespace PersistentMapInternal {

// Grows the calling thread's heap by about `bytes` (at most 32 MiB) and frees it again. Does
// nothing but cost a few allocations where the C library is not glibc.
void growThreadHeap(qsizetype bytes);

} // namespace PersistentMapInternal

#endif // THREADHEAP_P_H
