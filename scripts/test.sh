#!/usr/bin/env bash
# Installs what is missing, configures with warnings as errors, builds everything and runs every
# test through ctest. This is exactly what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ensure_packages "${CORE_PACKAGES[@]}" "${QML_PACKAGES[@]}" clang-format

build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPERSISTENTMAP_DEVELOPER_MODE=ON
cmake --build "$build"
QT_QPA_PLATFORM=offscreen ctest --test-dir "$build" --output-on-failure -j2
