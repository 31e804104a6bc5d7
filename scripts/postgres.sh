#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The persistent-map authors

# A throwaway PostgreSQL server for the tests: its own cluster in a new temporary folder, on a free
# loopback port (never 5432, never the system's default cluster), trust authentication, user `pm`,
# database `pm_test`. scripts/test.sh starts one before the tests and stops it on exit.
#
#   eval "$(scripts/postgres.sh start)"    start a new cluster; prints `export` lines for
#                                          PM_POSTGRES_DIR, PM_POSTGRES_PORT and
#                                          PM_TEST_POSTGRES=postgres://pm@127.0.0.1:PORT/pm_test
#   scripts/postgres.sh env [DIR]          print the same lines again for a running cluster
#   scripts/postgres.sh stop [DIR]         stop the cluster and remove its folder
#   psql "$PM_TEST_POSTGRES"               connect to it (psql takes the URI as it is)
#
# DIR defaults to $PM_POSTGRES_DIR. Every `start` makes a new folder (mktemp, under $TMPDIR or
# /tmp; PM_POSTGRES_BASE overrides) and picks a random port in 20000-59999 that nothing listens on,
# retrying with another one if the server cannot bind it, so two runs on one machine never share
# a folder or a port. `stop` is safe to repeat: a folder that is gone is not an error, a server
# that is not running is not an error, and it only removes folders this script made (they hold a
# file named `pm-postgres`). A `start` that fails removes what it made.
#
# Run as root, the server runs as the `postgres` system user the Debian package creates (initdb
# refuses root) and the folder belongs to it; run as anyone else, as that user. The socket is in
# the folder itself (-k), the server listens on 127.0.0.1 only, fsync is off (nothing here has to
# survive a power cut), and the log is DIR/log. Binaries: the newest /usr/lib/postgresql/*/bin
# unless PG_BINDIR is set (packages: POSTGRES_PACKAGES in scripts/deps.sh).
set -euo pipefail

die() {
    echo "postgres.sh: $*" >&2
    exit 1
}

find_bindir() {
    local dir=${PG_BINDIR:-}
    [ -n "$dir" ] || dir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    if [ -z "${PG_BINDIR:-}" ] && [ ! -x "$dir/initdb" ] && command -v initdb >/dev/null; then
        dir=$(dirname "$(command -v initdb)")
    fi
    if [ ! -x "$dir/initdb" ] || [ ! -x "$dir/pg_ctl" ]; then
        die "no PostgreSQL server binaries found (install the package 'postgresql', or set PG_BINDIR)"
    fi
    echo "$dir"
}

# Runs a server command as the folder's owner: `postgres` when we are root, else ourselves.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

port_in_use() {
    local port=$1
    if command -v ss >/dev/null; then
        [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
    fi
}

print_env() {
    local dir=$1 port=$2
    printf "export PM_POSTGRES_DIR='%s'\n" "$dir"
    printf "export PM_POSTGRES_PORT=%s\n" "$port"
    printf "export PM_TEST_POSTGRES='postgres://pm@127.0.0.1:%s/pm_test'\n" "$port"
}

# Stops the server of DIR (if it runs) and removes DIR. Returns non-zero if the server would not stop.
stop_cluster() {
    local dir=$1 bindir
    bindir=$(find_bindir)
    if [ -f "$dir/data/postmaster.pid" ]; then
        if ! as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1; then
            as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
        fi
        # pg_ctl removes postmaster.pid once the server is gone; a pid file naming a live
        # process still means it is running.
        local pid
        pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            echo "postgres.sh: the server in $dir (pid $pid) did not stop; folder kept" >&2
            return 1
        fi
    fi
    rm -rf -- "$dir"
}

cmd_start() {
    local bindir base dir port=
    bindir=$(find_bindir)
    base=${PM_POSTGRES_BASE:-${TMPDIR:-/tmp}}
    dir=$(mktemp -d "$base/pm-postgres.XXXXXXXX")
    touch "$dir/pm-postgres"
    # From here on, a failure (or an interruption) removes what was made.
    trap 'stop_cluster "$dir" || true' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM HUP

    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' system user (package postgresql)"
        chown postgres: "$dir"
        as_owner test -w "$dir" ||
            die "user postgres cannot write $dir (set PM_POSTGRES_BASE to a folder it can reach, e.g. /tmp)"
    fi
    chmod 700 "$dir"

    if ! as_owner "$bindir/initdb" -D "$dir/data" -A trust -U pm -E UTF8 --locale=C --no-sync \
        >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        die "initdb failed"
    fi

    local attempt started=0
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        port_in_use "$port" && continue
        rm -f "$dir/log"
        if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
            -o "-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null 2>&1; then
            started=1
            break
        fi
        # Somebody else took the port between the check and the bind: try another one.
        if grep -qE 'could not (bind|create any TCP/IP sockets)|Address already in use' "$dir/log" 2>/dev/null; then
            echo "postgres.sh: port $port was taken (attempt $attempt), trying another" >&2
            continue
        fi
        cat "$dir/log" >&2 || true
        die "the server did not start (log above)"
    done
    [ "$started" = 1 ] || die "found no free port after 10 attempts"
    echo "$port" >"$dir/port"

    "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U pm -d postgres -t 30 ||
        die "the server on port $port does not accept connections"
    "$bindir/createdb" -h 127.0.0.1 -p "$port" -U pm pm_test || die "createdb pm_test failed"

    trap - EXIT INT TERM HUP
    echo "postgres.sh: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') in $dir, port $port" >&2
    print_env "$dir" "$port"
}

resolve_dir() {
    local dir=${1:-${PM_POSTGRES_DIR:-}}
    [ -n "$dir" ] || die "which cluster? give its folder or set PM_POSTGRES_DIR"
    echo "$dir"
}

cmd_stop() {
    local dir
    dir=$(resolve_dir "${1:-}")
    if [ ! -e "$dir" ]; then
        echo "postgres.sh: $dir is already gone" >&2
        return 0
    fi
    [ -f "$dir/pm-postgres" ] || die "$dir was not made by postgres.sh (no pm-postgres file); not touching it"
    stop_cluster "$dir"
    echo "postgres.sh: stopped and removed $dir" >&2
}

cmd_env() {
    local dir port
    dir=$(resolve_dir "${1:-}")
    if [ ! -f "$dir/pm-postgres" ] || [ ! -f "$dir/port" ]; then
        die "no cluster made by postgres.sh in $dir"
    fi
    port=$(cat "$dir/port")
    "$(find_bindir)/pg_isready" -q -h 127.0.0.1 -p "$port" -U pm -d pm_test ||
        die "the cluster in $dir (port $port) is not running"
    print_env "$dir" "$port"
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop "${2:-}" ;;
env) cmd_env "${2:-}" ;;
*)
    echo "usage: $0 start | stop [DIR] | env [DIR]   (see the top of this file)" >&2
    exit 2
    ;;
esac
