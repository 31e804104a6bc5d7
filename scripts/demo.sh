#!/usr/bin/env bash
# Builds and runs examples/quickstart on the default SQLite store. Run it twice: the second run
# shows what the first one stored.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ensure_packages "${CORE_PACKAGES[@]}"

build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target quickstart
echo
"$build/examples/quickstart/quickstart" "$@"
