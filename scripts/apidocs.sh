#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The persistent-map authors

# Builds the API reference: Doxygen over the public headers (every *.h under src/ that is not a
# private *_p.h; their comments are the text), as HTML and as a Qt help file (.qch) for Qt
# Creator and Qt Assistant. Installs Doxygen and qhelpgenerator when missing (scripts/deps.sh,
# APIDOCS_PACKAGES). Any Doxygen warning but an undocumented member fails it.
#
#   scripts/apidocs.sh [--no-install] [OUTPUT_DIR]     (default: build-apidocs)
#
# --no-install (the ctest apidocs uses it) installs nothing; DOXYGEN and QHELPGENERATOR name the
# tools when they are not at their Debian places.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

install=1
if [ "${1:-}" = --no-install ]; then
    install=0
    shift
fi
out=${1:-$top/build-apidocs}
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ $install = 1 ]; then
    source "$top/scripts/deps.sh"
    ensure_packages "${APIDOCS_PACKAGES[@]}"
fi

doxygen=$(command -v "${DOXYGEN:-doxygen}" || true)
if [ -z "$doxygen" ]; then
    echo "apidocs: doxygen not found (Debian: doxygen)" >&2
    exit 1
fi
# Qt 6 keeps qhelpgenerator among its libexec tools, outside PATH.
qhg=
if [ -n "${QHELPGENERATOR:-}" ]; then
    qhg=$(command -v "$QHELPGENERATOR" || true)
else
    for candidate in "$(qtpaths6 --query QT_HOST_LIBEXECS 2>/dev/null || true)/qhelpgenerator" \
        /usr/lib/qt6/libexec/qhelpgenerator "$(command -v qhelpgenerator || true)"; do
        if [ -x "$candidate" ] && [ -f "$candidate" ]; then
            qhg=$candidate
            break
        fi
    done
fi
if [ -z "$qhg" ]; then
    echo "apidocs: Qt 6's qhelpgenerator not found (Debian: qt6-documentation-tools)" >&2
    exit 1
fi

version=$(sed -n 's/^project([A-Za-z_]* VERSION \([0-9.]*\).*/\1/p' "$top/CMakeLists.txt")
if [ -z "$version" ]; then
    echo "apidocs: no project(... VERSION x.y.z) in $top/CMakeLists.txt" >&2
    exit 1
fi

# The public headers, wherever they are under src/; private ones end in _p.h.
mapfile -t headers < <(cd "$top" && find src -name '*.h' ! -name '*_p.h' | LC_ALL=C sort)
if [ ${#headers[@]} -eq 0 ]; then
    echo "apidocs: no public header under $top/src" >&2
    exit 1
fi
input="\"$top/README.md\""
for page in "$top"/docs/*.md; do
    input+=" \"$page\""
done
include_dirs=
for header in "${headers[@]}"; do
    input+=" \"$top/$header\""
    dir="\"$top/$(dirname "$header")\""
    case " $include_dirs " in *" $dir "*) ;; *) include_dirs+="${include_dirs:+ }$dir" ;; esac
done

# A fresh output: Doxygen leaves pages of classes that no longer exist in place.
rm -rf "$out/html" "$out/warnings.log"
doxyfile=$out/Doxyfile
fill() { # the @NAME@ values; a value is never a sed pattern, so | and & need no thought
    local line
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line//@VERSION@/$version}
        line=${line//@OUTPUT_DIRECTORY@/$out}
        line=${line//@SOURCE_DIR@/$top}
        line=${line//@INCLUDE_DIRS@/$include_dirs}
        line=${line//@INPUT@/$input}
        line=${line//@QHELPGENERATOR@/$qhg}
        printf '%s\n' "$line"
    done
}
fill <"$top/docs/apidocs/Doxyfile.in" >"$doxyfile"

# qhelpgenerator (a Qt program, run by Doxygen) wants a private runtime folder.
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
    export XDG_RUNTIME_DIR=$out/runtime
    mkdir -p "$XDG_RUNTIME_DIR"
    chmod 700 "$XDG_RUNTIME_DIR"
fi

echo "apidocs: Doxygen $("$doxygen" --version) over ${#headers[@]} public headers, version $version"
status=0
(cd "$out" && "$doxygen" "$doxyfile") || status=$?
echo # qhelpgenerator's last line has no line break
if [ -s "$out/warnings.log" ]; then
    cat "$out/warnings.log" >&2
    echo "apidocs: Doxygen warned (above, $out/warnings.log): fix the headers' comments" >&2
    exit 1
fi
if [ $status -ne 0 ]; then
    echo "apidocs: Doxygen failed (exit $status)" >&2
    exit 1
fi
qch=$out/html/persistent-map.qch
if [ ! -s "$qch" ]; then
    echo "apidocs: $qch was not made (qhelpgenerator: $qhg)" >&2
    exit 1
fi

echo "apidocs: HTML: $out/html/index.html"
echo "apidocs: Qt help file: $qch"
echo "  Qt Creator: Edit > Preferences > Help > Documentation > Add..., pick that file; its"
echo "  classes then appear in Help mode's index, and F1 on one of them opens its page."
