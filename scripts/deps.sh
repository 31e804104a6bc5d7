# Sourced by demo.sh and test.sh: installs the Debian packages the project needs, only those
# that are missing, so a second run does not touch apt at all.
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
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}"
}

# What the core library, its tests and the console examples need.
CORE_PACKAGES=(cmake ninja-build g++ qt6-base-dev libqt6sql6-sqlite)
