#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests: `start DIR` makes DIR (initdb as the postgres
# user: PostgreSQL refuses to run as root), serves it on a free loopback port with trust auth for
# 127.0.0.1 only, and prints the base URI (postgresql://postgres@127.0.0.1:PORT/); `stop DIR`
# stops it and removes DIR. Nothing outside DIR is touched. PG_DURABLE=1 keeps PostgreSQL's
# durability (fsync, synchronous commit) on: for make bench, whose writes must be as durable as
# SQLite's synchronous=FULL; the tests leave it off.
set -euo pipefail
# the newest PostgreSQL of the Debian packages, unless PGBIN names one
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
cmd=${1:-}
dir=${2:-}
if [[ -z $cmd || -z $dir ]]; then
    echo "usage: $0 start|stop DIR" >&2
    exit 2
fi

as_pg() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case $cmd in
start)
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    # Throwaway data: durability off makes the suite fast; the socket stays inside DIR.
    fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [[ ${PG_DURABLE:-0} == 1 ]] && fast=""
    for attempt in 1 2 3; do
        port=$(free_port)
        if as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-h 127.0.0.1 -p $port -k $dir $fast -c max_connections=300" \
            start >/dev/null 2>&1; then
            echo "$port" >"$dir/port"
            echo "postgresql://postgres@127.0.0.1:$port/"
            exit 0
        fi
    done
    cat "$dir/server.log" >&2
    exit 1
    ;;
stop)
    if [[ -d $dir/data ]]; then
        as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
