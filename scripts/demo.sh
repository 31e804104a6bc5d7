#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The persistent-map authors

# Builds and runs examples/quickstart on the default SQLite store. Run it twice: the second run
# shows what the first one stored.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ensure_packages "${CORE_PACKAGES[@]}"

# Optional parts (the QML module, ...) are built when their packages are installed; configure's
# summary of what it left out, and why, is the only part of its output shown.
build=${BUILD_DIR:-build}
mkdir -p "$build"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/configure.log" 2>&1 || {
    cat "$build/configure.log"
    exit 1
}
sed -n '/not be built\|have been disabled/,/^-- Configuring done/p' "$build/configure.log" |
    grep -v '^-- Configuring done' || true
cmake --build "$build" --target quickstart
echo
"$build/examples/quickstart/quickstart" "$@"
