#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The persistent-map authors

# Builds the libFuzzer targets (tests/fuzz, clang, build-fuzz) and runs each for a bounded time
# over a copy of its seed corpus (new inputs never land in the repository). A crash, a failed
# check, a timeout or running out of memory fails the script and leaves the input in
# $FUZZ_ARTIFACTS (default build-fuzz/artifacts). See docs/TESTING.md.
#
#   scripts/fuzz.sh [target...]        (default: csvreader valuedecoder connection)
#   FUZZ_SECONDS=45 (per target; three targets keep the stage near 2.5 min)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dir=$root/build-fuzz
seconds=${FUZZ_SECONDS:-45}
artifacts=${FUZZ_ARTIFACTS:-$dir/artifacts}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csvreader valuedecoder connection)

cmake -S tests/fuzz -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPERSISTENTMAP_DEVELOPER_MODE=ON >/dev/null
cmake --build "$dir"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
for target in "${targets[@]}"; do
    cp -r "tests/fuzz/corpus/$target" "$work/$target"
    echo "== fuzz: $target for ${seconds} s"
    "$dir/fuzz_$target" "$work/$target" -max_total_time="$seconds" -timeout=5 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/$target-" \
        2>"$work/$target.log" || {
        tail -n 60 "$work/$target.log"
        echo "fuzz_$target found a failure: input saved under $artifacts/$target-*" >&2
        exit 1
    }
    grep -E '^#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb' "$work/$target.log"
done
