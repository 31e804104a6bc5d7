#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The persistent-map authors

# Builds the GUI examples and takes a picture of each, offscreen, on a fresh store (so the
# example data they seed on a first run shows): docs/images/widgets-editor.png,
# docs/images/qml-notes.png and docs/images/shared-settings.png (two processes' windows side by
# side, the left one having followed the changes made in the right one). PM_EXAMPLE_SCREENSHOT
# turns on the examples' test support (examples/shared/examplesupport.h), which takes them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ensure_packages "${CORE_PACKAGES[@]}" "${QML_PACKAGES[@]}"

build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPERSISTENTMAP_DEVELOPER_MODE=ON
cmake --build "$build" --target widgets-editor qml-notes shared-settings

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export QT_QPA_PLATFORM=offscreen

mkdir -p docs/images
PM_EXAMPLE_SCREENSHOT=docs/images/widgets-editor.png \
    "$build/examples/widgets-editor/widgets-editor" "$scratch/widgets-editor/editor.db"
PM_EXAMPLE_SCREENSHOT=docs/images/qml-notes.png \
    "$build/examples/qml-notes/qml-notes" "$scratch/qml-notes/notes.db"
PM_EXAMPLE_SCREENSHOT=docs/images/shared-settings.png \
    "$build/examples/shared-settings/shared-settings" --single \
    --store "sqlite:$scratch/shared-settings/shared.db"
echo docs/images/widgets-editor.png
echo docs/images/qml-notes.png
echo docs/images/shared-settings.png
