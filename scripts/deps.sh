# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The persistent-map authors

# Sourced by demo.sh, test.sh and benchmark.sh: installs the Debian packages the project needs,
# only those that are missing, so a second run does not touch apt at all.
#
#   ensure_packages PKG...
ensure_packages() {
    local missing=()
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing missing Debian packages: ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if ! command -v sudo >/dev/null; then
            echo "These Debian packages are missing: ${missing[*]}" >&2
            echo "Install them as root (apt-get install ${missing[*]}), or install sudo." >&2
            return 1
        fi
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}"
}

# What the core library, its tests and the console examples need.
# libsqlite3-dev: the library drives QSQLITE's connection through the SQLite C API, and
# pm-bench measures that API as its baseline.
CORE_PACKAGES=(cmake ninja-build g++ qt6-base-dev libqt6sql6-sqlite libsqlite3-dev)
# The QML module, Qt Quick Test and the Qt Quick examples (QT-NOTES.md: without
# qml6-module-qtquick-window every Qt Quick Test file fails to load TestCase).
# qml6-module-qt-labs-settings: QML Settings (Qt.labs.settings), pm-bench W8's baseline.
# qt6-declarative-dev-tools: qmltyperegistrar, which builds the module, and qmllint, which the
# qmllint test runs (qt6-declarative-dev pulls it in; named because the tests call it).
QML_PACKAGES=(qt6-declarative-dev qt6-declarative-dev-tools qml6-module-qtqml qml6-module-qtqml-models
    qml6-module-qtqml-workerscript qml6-module-qtquick qml6-module-qtquick-window
    qml6-module-qttest qml6-module-qtquick-controls qml6-module-qtquick-layouts
    qml6-module-qtquick-templates qml6-module-qt-labs-settings libgl-dev)
# scripts/benchmark.sh draws docs/images/performance.png with gnuplot.
BENCHMARK_PACKAGES=(gnuplot-nox)
# scripts/sanitizers.sh and scripts/fuzz.sh: clang 14 with libFuzzer and the sanitizer runtimes
# (libclang-rt-14-dev), llvm-symbolizer (llvm) for readable stacks, pkg-config for the TSan shim.
SANITIZER_PACKAGES=(clang libclang-rt-14-dev llvm pkg-config)
# The PostgreSQL backend's tests: scripts/postgres.sh runs a throwaway server (postgresql: initdb,
# pg_ctl, psql) and the tests reach it through Qt's QPSQL driver plugin (libqt6sql6-psql).
POSTGRES_PACKAGES=(postgresql libqt6sql6-psql)
# tst_pushedchanges: another program writing a store, the sqlite3 command-line shell.
TEST_PACKAGES=(sqlite3)
# scripts/apidocs.sh and the ctest apidocs: the API reference (doxygen) and its Qt help file
# (qt6-documentation-tools: Qt 6's qhelpgenerator, in /usr/lib/qt6/libexec).
APIDOCS_PACKAGES=(doxygen qt6-documentation-tools)
