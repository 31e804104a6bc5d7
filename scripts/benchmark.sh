#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The persistent-map authors

# The full benchmark of docs/PERFORMANCE.md in one command: installs what is missing, builds
# pm-bench in Release (build-bench), runs every workload with its baselines, prints the table
# with the ratios of the targets, writes docs/benchmark-results.json and draws
# docs/images/performance.png. Extra arguments go to pm-bench (e.g. --only W1,W4 --sizes 10000).
# The QML module is built too, for W8 and W9 (issue 13: start-up and `values` reads in QML).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ensure_packages "${CORE_PACKAGES[@]}" "${QML_PACKAGES[@]}" "${BENCHMARK_PACKAGES[@]}"

build=${BUILD_DIR:-build-bench}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPERSISTENTMAP_BUILD_BENCHMARKS=ON \
    -DPERSISTENTMAP_BUILD_TESTS=OFF -DPERSISTENTMAP_BUILD_EXAMPLES=OFF -DPERSISTENTMAP_BUILD_QML=ON
cmake --build "$build" --target pm-bench

mkdir -p docs/images
dat="$build/performance.dat"
"$build/benchmarks/pm-bench" --json docs/benchmark-results.json --dat "$dat" "$@"

# Columns of the .dat file: N, then entries/s of W1 (ours, raw C API, QSettings INI, commit per
# write) and W4 (ours, raw C API); NaN where a baseline was not measured at that N (capped).
gnuplot <<GNUPLOT
set terminal pngcairo size 1200,520 font "sans,11"
set output "docs/images/performance.png"
set datafile missing "NaN"
set logscale xy
set grid
set key bottom right
set xlabel "entries N"
set ylabel "entries per second"
set format x "10^{%L}"
set format y "10^{%L}"
set offsets graph 0.04, graph 0.04, 0, 0
set multiplot layout 1,2 title "persistent-map on this machine (docs/PERFORMANCE.md)"
set title "W1: N inserts, then flush() finished (durable)"
plot "$dat" using 1:2 with linespoints lw 2 pt 7 title "PersistentMap + PersistentMapSqliteBackend", \
     "$dat" using 1:3 with linespoints lw 2 pt 5 title "SQLite C API, one transaction", \
     "$dat" using 1:4 with linespoints lw 2 pt 9 title "QSettings INI (setValue + sync)", \
     "$dat" using 1:5 with points pt 11 ps 2 title "commit per write (capped N)"
set title "W4: open a store of N entries until whenReady()"
plot "$dat" using 1:6 with linespoints lw 2 pt 7 title "PersistentMap + PersistentMapSqliteBackend", \
     "$dat" using 1:7 with linespoints lw 2 pt 5 title "SQLite C API scan into QHash"
unset multiplot
GNUPLOT
echo "Wrote docs/benchmark-results.json and docs/images/performance.png"
