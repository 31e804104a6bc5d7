#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The persistent-map authors

# Builds the library and its unit tests (tests/auto) with sanitizers and runs them through ctest.
# Called by scripts/test.sh after the normal build; see docs/TESTING.md.
#
#   scripts/sanitizers.sh [asan] [tsan]     (default: both)
#
# asan: AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer in build-asan; any report
#       fails the test (halt_on_error, -fno-sanitize-recover=undefined).
# tsan: ThreadSanitizer in build-tsan.
# Qt comes from Debian and is not instrumented: tests/sanitizers/*.supp suppress the false
# positives that causes, and only those (each entry says why).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
supp=$root/tests/sanitizers

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(asan tsan)

# Not unit tests: the install test builds a separate consumer project, clang_format checks style.
exclude='^(install_and_consume|clang_format)$'

run_stage() {
    local name=$1 sanitize=$2 dir=$3
    echo "== sanitizers: $name (-fsanitize=$sanitize) in $dir"
    local start=$SECONDS
    # -O1 -g1 (line tables: the reports keep file:line) instead of RelWithDebInfo's -O2 -g: the
    # sanitizers' own advice, and half the compile time (tst_persistentmap.cpp under ASan+UBSan:
    # 58 s of CPU instead of 113 s), which keeps CI within its 30 minutes.
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
        -DPERSISTENTMAP_DEVELOPER_MODE=ON -DPERSISTENTMAP_SANITIZE="$sanitize" \
        -DPERSISTENTMAP_BUILD_TESTS=ON -DPERSISTENTMAP_BUILD_EXAMPLES=OFF \
        -DPERSISTENTMAP_BUILD_BENCHMARKS=OFF -DPERSISTENTMAP_BUILD_QML=OFF \
        -DPERSISTENTMAP_TEST_APIDOCS=OFF \
        -DPERSISTENTMAP_CRASH_SECONDS=30 -DPERSISTENTMAP_STRESS_SECONDS=15 >/dev/null
    cmake --build "$dir"
    local built=$SECONDS
    local preload=
    if [ "$name" = tsan ]; then
        # Tells ThreadSanitizer about the locking and hand-overs done inside uninstrumented
        # libQt6Core (tests/sanitizers/tsan_qt_sync.cpp). Neither instrumented nor linked to the
        # runtime: it calls the annotation interface of the runtime the test binaries load.
        g++ -std=c++17 -shared -fPIC -O1 -g -Wall -Wextra -Werror \
            $(pkg-config --cflags Qt6Core) "$supp/tsan_qt_sync.cpp" \
            -o "$dir/libtsan_qt_sync.so" $(pkg-config --libs Qt6Core) -ldl
        preload=$dir/libtsan_qt_sync.so
    fi
    # The crash-kill and stress suites run for a time budget: the normal stage gives them their
    # full one (90 s per backend, 30 s per part), where they test durability; here they look for
    # memory and thread errors in the same code, with a third of the crash budget and half the
    # stress budget, and minimums that those budgets reach at the sanitizers' slowdown (ASan: 53
    # CSV kills in 90 s, 17 000 CSV writes in 30 s). This keeps CI within its 30 minutes.
    export PM_CRASH_MIN_KILLS=10 PM_STRESS_MIN_OPS=2000
    local skip=$exclude
    # The crash-kill suite kills writer processes after fixed waits for their output; under
    # TSan's 5-15x slowdown those waits run out. It runs in the normal stage and under ASan.
    [ "$name" = tsan ] && skip='^(install_and_consume|clang_format|tst_crashkill)$'
    LD_PRELOAD=$preload QT_QPA_PLATFORM=offscreen ctest --test-dir "$dir" --output-on-failure -j2 -E "$skip"
    echo "== sanitizers: $name: build $((built - start)) s, tests $((SECONDS - built)) s"
}

for stage in "${stages[@]}"; do
    case $stage in
    asan)
        export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1"
        export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
        export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$supp/ubsan.supp"
        run_stage asan address,undefined "$root/build-asan"
        unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
        ;;
    tsan)
        # history_size=7: keep the older stack of a report, which the suppressions match on.
        # die_after_fork=0: QProcess forks the (multi-threaded) test to exec a helper process
        # (crashwriter, csvlockholder, sqlitewriter); the child only execs, which TSan's
        # default refuses.
        export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:die_after_fork=0:history_size=7:suppressions=$supp/tsan.supp:print_suppressions=0"
        run_stage tsan thread "$root/build-tsan"
        unset TSAN_OPTIONS
        ;;
    *)
        echo "unknown stage '$stage' (asan, tsan)" >&2
        exit 2
        ;;
    esac
done
