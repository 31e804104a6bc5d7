#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The persistent-map authors

# The licence check (ctest `licence_headers`): LICENSE and LICENSES/MIT.txt exist, every source,
# script, QML and CMake file names its licence in an `SPDX-License-Identifier: MIT` line within
# its first five lines (REUSE style, as KDE Frameworks and KDAB do), and every other file is
# covered by an annotation in REUSE.toml. Lists each file that is not, and fails.
#
#   tests/licence/check-spdx.sh [SOURCE_DIR]     (default: the repository this script is in)
set -euo pipefail
top=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"

failures=0
fail() {
    echo "licence: $*"
    failures=$((failures + 1))
}

for file in LICENSE LICENSES/MIT.txt REUSE.toml; do
    [ -s "$file" ] || fail "$file is missing"
done
grep -q '^MIT License' LICENSE 2>/dev/null || fail "LICENSE is not the MIT licence"

# The files of the project: the tracked ones in a git checkout, else every file outside build
# folders (a source tarball).
if git rev-parse --is-inside-work-tree >/dev/null 2>&1 && [ "$(git rev-parse --show-toplevel)" = "$PWD" ]; then
    mapfile -t files < <(git ls-files)
else
    mapfile -t files < <(find . -path './build*' -prune -o -path './.git' -prune -o -type f -print |
        sed 's|^\./||')
fi
[ ${#files[@]} -gt 0 ] || fail "no files found in $top"

# REUSE.toml's path patterns (one `path = [...]` list), as bash globs with ** for any depth.
mapfile -t patterns < <(sed -n 's/^path *= *\[\(.*\)\]/\1/p' REUSE.toml | tr ',' '\n' |
    sed 's/^ *"//; s/" *$//' | grep -v '^$')
covered_by_reuse_toml() {
    local file=$1 pattern
    for pattern in "${patterns[@]}"; do
        # **/ matches any folders or none; ** and * match anything (fnmatch without FNM_PATHNAME).
        pattern=${pattern//\*\*\//}
        # shellcheck disable=SC2053
        [[ $file == $pattern || $file == */$pattern ]] && return 0
    done
    return 1
}

checked=0
for file in "${files[@]}"; do
    [ -f "$file" ] || continue
    case $file in
    *.cpp | *.h | *.qml | *.sh | *.cmake | *.cmake.in | *.supp | *.toml | */CMakeLists.txt | \
        CMakeLists.txt | .ci/run | .clang-format | .gitignore)
        checked=$((checked + 1))
        head -n 5 "$file" | grep -q 'SPDX-License-Identifier: MIT' ||
            fail "$file has no 'SPDX-License-Identifier: MIT' line at its top"
        ;;
    LICENSES/*) ;;
    *)
        checked=$((checked + 1))
        covered_by_reuse_toml "$file" || fail "$file carries no SPDX line and REUSE.toml does not cover it"
        ;;
    esac
done

if [ $failures -gt 0 ]; then
    echo "licence: $failures problem(s) in $checked files checked"
    exit 1
fi
echo "licence: $checked files checked, each with an SPDX line or a REUSE.toml annotation"
