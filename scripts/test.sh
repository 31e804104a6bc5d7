#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The persistent-map authors

# Installs what is missing, configures with warnings as errors, builds everything and runs every
# test through ctest. This is exactly what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ensure_packages "${CORE_PACKAGES[@]}" "${QML_PACKAGES[@]}" "${SANITIZER_PACKAGES[@]}" clang-format
ensure_packages "${POSTGRES_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
# The ctest apidocs (doxygen, qhelpgenerator): about 13 MB beside the rest, a second to run.
ensure_packages "${APIDOCS_PACKAGES[@]}"

# How long each stage took, printed at the end (also after a failure).
stages=()
stage_start=$SECONDS
stage_done() {
    stages+=("$(printf '%-22s %5d s' "$1" $((SECONDS - stage_start)))")
    stage_start=$SECONDS
}
print_stages() {
    echo "== test.sh stages (load average now: $(cut -d' ' -f1-3 /proc/loadavg)):"
    printf '   %s\n' "${stages[@]}"
}

build=${BUILD_DIR:-build}
# Every optional part is asked for (ON): a missing package fails here instead of a part being
# left out silently. -g1 (line tables: file and line in every report and backtrace) instead of
# RelWithDebInfo's -g: a quarter less compile time (tst_schema.cpp: 9.4 s instead of 12.9 s),
# which keeps CI within its 30 minutes; the code is the same -O2 build users get.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DPERSISTENTMAP_DEVELOPER_MODE=ON \
    -DPERSISTENTMAP_BUILD_TESTS=ON -DPERSISTENTMAP_BUILD_EXAMPLES=ON -DPERSISTENTMAP_BUILD_TOOLS=ON \
    -DPERSISTENTMAP_BUILD_BENCHMARKS=ON -DPERSISTENTMAP_BUILD_QML=ON \
    -DPERSISTENTMAP_WITH_SQLITE3_API=ON -DPERSISTENTMAP_TEST_APIDOCS=ON
cmake --build "$build"
stage_done "normal build"

# A throwaway PostgreSQL server (scripts/postgres.sh) for every ctest run below, sanitizer stages
# included; stopped and removed on exit, whatever the outcome. PM_REQUIRE_POSTGRES=1 turns a
# PostgreSQL test that finds no server into a failure instead of a skip.
pg_env=$(scripts/postgres.sh start)
eval "$pg_env"
trap 'print_stages; scripts/postgres.sh stop "$PM_POSTGRES_DIR"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
export PM_REQUIRE_POSTGRES=1
# Root can always make a bind mount (tests/auto/shared/bindmount.h): the tests that need one fail
# instead of skipping. Another user skips them, saying why, where user namespaces are not allowed.
[ "$(id -u)" = 0 ] && export PM_REQUIRE_BIND_MOUNT=1

QT_QPA_PLATFORM=offscreen ctest --test-dir "$build" --output-on-failure -j2
stage_done "normal tests"
# The figures of the suites that kill, cut power and race processes (docs/TESTING.md): what they
# tried and what they found lost, from ctest's log.
echo "== durability suites' figures:"
grep -hoE '(crash-kill suite|power-loss|stress): .*|(sqlite|csv|postgres): [0-9]+ kills of .*' \
    "$build/Testing/Temporary/LastTest.log" || true

# The unit tests again under ASan+UBSan (build-asan) and ThreadSanitizer (build-tsan), then the
# fuzzers (build-fuzz) for a bounded time. docs/TESTING.md describes each stage.
# SKIP_SANITIZERS=1 / SKIP_FUZZ=1 leave a stage out (local runs only; CI runs everything).
if [ "${SKIP_SANITIZERS:-0}" != 1 ]; then
    ./scripts/sanitizers.sh asan
    stage_done "asan (build + tests)"
    ./scripts/sanitizers.sh tsan
    stage_done "tsan (build + tests)"
fi
if [ "${SKIP_FUZZ:-0}" != 1 ]; then
    ./scripts/fuzz.sh
    stage_done "fuzz"
fi
