#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The persistent-map authors

# Runs the README's two commands on a bare Debian 12 (bookworm) root, as a new user would: a
# minimal root file system with nothing but apt, git, sudo and CA certificates (Debian's
# mmdebstrap, --variant=apt), the project cloned into it from this repository's HEAD, then
# `./scripts/demo.sh` twice (the second run must say "run number 2") and `./scripts/test.sh`. As
# the user, the library alone is built first with only qt6-base-dev, cmake and g++ installed.
# Prints how long each command took. Not part of CI: it downloads a root file system and every
# package the scripts install (QT-NOTES.md, "Bare Debian 12 check").
#
#   scripts/check-bare-machine.sh [--as root|user|both] [--demo-only] [--keep]
#
#   --as user   a user `dev` with password-less sudo runs the commands (the scripts install
#               packages through sudo); --as root: root runs them; both (default): one fresh
#               root for each, one after the other.
#   --demo-only leave out test.sh (a quick check of the first command).
#   --keep      keep the unpacked roots (their paths are printed) instead of removing them.
#
# Needs root (mmdebstrap, chroot, mount); run as another user, it asks sudo. The root file system
# is made once and cached as $PM_BARE_CACHE/bookworm-apt.tar (default
# ~/.cache/persistent-map-bare); downloaded .deb files are cached beside it and shared by the
# roots, so a second check downloads nothing. Roots are unpacked under $PM_BARE_WORK (default
# /var/tmp) and removed on exit, also after a failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

as=both
demo_only=0
keep=0
while [ $# -gt 0 ]; do
    case $1 in
    --as)
        as=${2:-}
        shift 2
        ;;
    --demo-only)
        demo_only=1
        shift
        ;;
    --keep)
        keep=1
        shift
        ;;
    *)
        sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2
        exit 2
        ;;
    esac
done
case $as in root | user | both) ;; *)
    echo "check-bare-machine.sh: --as takes root, user or both" >&2
    exit 2
    ;;
esac

if [ "$(id -u)" -ne 0 ]; then
    exec sudo --preserve-env=PM_BARE_CACHE,PM_BARE_WORK "$0" --as "$as" \
        $([ $demo_only = 1 ] && echo --demo-only) $([ $keep = 1 ] && echo --keep)
fi

source scripts/deps.sh
ensure_packages mmdebstrap git

# Every mount below lives in a mount namespace of this script's own: none can leak to the host,
# and all of them vanish when the script ends, however it ends.
if [ -z "${PM_BARE_NAMESPACE:-}" ]; then
    PM_BARE_NAMESPACE=1 exec unshare --mount --propagation private "$0" --as "$as" \
        $([ $demo_only = 1 ] && echo --demo-only) $([ $keep = 1 ] && echo --keep)
fi

cache=${PM_BARE_CACHE:-$HOME/.cache/persistent-map-bare}
mkdir -p "$cache/archives/partial"
tarball=$cache/bookworm-apt.tar
if [ ! -s "$tarball" ]; then
    echo "== making a minimal Debian 12 root file system (cached as $tarball)"
    start=$SECONDS
    # mmdebstrap picks the output format by the name's suffix: it must end in .tar.
    mmdebstrap --quiet --variant=apt --include=ca-certificates,git,sudo bookworm "$cache/part.tar"
    mv "$cache/part.tar" "$tarball"
    echo "== root file system made in $((SECONDS - start)) s"
fi

roots=()
mounted=()
cleanup() {
    local m
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        m=${mounted[i]}
        umount -l "$m" 2>/dev/null || true
    done
    mounted=()
    if [ $keep = 0 ]; then
        for r in "${roots[@]}"; do
            # Only after every mount under it is gone: never remove through a bind mount.
            if ! grep -q " $r/" /proc/mounts; then rm -rf --one-file-system -- "$r"; fi
        done
    else
        for r in "${roots[@]}"; do echo "kept: $r"; done
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

bind() { # bind SOURCE TARGET
    mkdir -p "$2"
    mount --bind "$1" "$2"
    mounted+=("$2")
}

report=()
# check IDENTITY: a fresh root, the project cloned into it, the commands run by IDENTITY.
check() {
    local who=$1 root home user_prefix
    root=$(mktemp -d "${PM_BARE_WORK:-/var/tmp}/pm-bare-$who.XXXXXX")
    roots+=("$root")
    # Called as `check ... || status=1`, where set -e does not apply: each step checks itself.
    if ! tar -xf "$tarball" -C "$root"; then
        report+=("$who   could not unpack $tarball")
        return 1
    fi
    mount -t proc proc "$root/proc" || return 1
    mounted+=("$root/proc")
    bind /sys "$root/sys"
    # The root's own /dev (mmdebstrap puts the device nodes in the tarball), with a private
    # pseudo-terminal instance, /dev/shm and /tmp, as on a machine of its own.
    mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
    mounted+=("$root/dev/pts")
    mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
    mounted+=("$root/dev/shm")
    mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
    mounted+=("$root/tmp")
    bind "$cache/archives" "$root/var/cache/apt/archives"
    cp -L /etc/resolv.conf "$root/etc/resolv.conf"

    if [ "$who" = user ]; then
        chroot "$root" useradd --create-home --shell /bin/bash dev
        echo 'dev ALL=(ALL) NOPASSWD:ALL' >"$root/etc/sudoers.d/dev"
        chmod 440 "$root/etc/sudoers.d/dev"
        home=/home/dev
    else
        home=/root
    fi
    git clone -q "$repo" "$root$home/persistent-map"
    [ "$who" = user ] && chroot "$root" chown -R dev:dev "$home/persistent-map"

    run() { # run LABEL COMMAND: in the project's folder, as the identity, with a login shell
        local label=$1 command=$2 start status=0
        local log=$root/run-$label.log
        echo "== [$who] $label: $command"
        start=$SECONDS
        if [ "$who" = user ]; then
            chroot "$root" /usr/sbin/runuser -l dev -c "cd ~/persistent-map && $command" \
                >"$log" 2>&1 || status=$?
        else
            chroot "$root" /bin/bash -lc "cd ~/persistent-map && $command" >"$log" 2>&1 ||
                status=$?
        fi
        local took=$((SECONDS - start))
        tail -n 5 "$log"
        report+=("$(printf '%-5s %-12s exit %-3s %5d s' "$who" "$label" "$status" "$took")")
        if [ "$status" != 0 ]; then
            echo "== [$who] $label failed (exit $status); its output: $log" >&2
            tail -n 60 "$log" >&2
            keep=1
            return 1
        fi
    }
    if [ "$who" = user ]; then
        # First the library alone, as a user who reads only CMakeLists.txt would build it: with
        # nothing but Debian's Qt base development package, a compiler and CMake, configure must
        # build the core and say what it leaves out.
        echo "== [$who] core-only: apt-get install cmake g++ qt6-base-dev"
        chroot "$root" /bin/bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq cmake g++ qt6-base-dev' >"$root/run-core-packages.log" 2>&1 || {
            tail -n 30 "$root/run-core-packages.log" >&2
            return 1
        }
        run core-only 'cmake -S . -B build-core && cmake --build build-core' || return 1
        if ! grep -q 'QML module' "$root/run-core-only.log"; then
            echo "== [$who] configure did not say that it left out the QML module" >&2
            return 1
        fi
    fi
    run demo-1 ./scripts/demo.sh || return 1
    run demo-2 ./scripts/demo.sh || return 1
    if ! grep -q 'run number 2' "$root/run-demo-2.log"; then
        echo "== [$who] the second demo run did not show the first run's data" >&2
        report+=("$who   demo-2 did not say \"run number 2\"")
        keep=1
        return 1
    fi
    [ $demo_only = 1 ] || run test ./scripts/test.sh || return 1
    cleanup
}

status=0
case $as in
root) check root || status=1 ;;
user) check user || status=1 ;;
both)
    check user || status=1
    check root || status=1
    ;;
esac
echo
echo "bare Debian 12 check (load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)):"
printf '  %s\n' "${report[@]}"
exit $status
