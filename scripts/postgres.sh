#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: Debian's `postgresql` package, a cluster in a temp
# folder, run as the postgres user on 127.0.0.1 on a free port, one database `paperbrief_test`.
#
#   eval "$(bash scripts/postgres.sh start)"   # exports PAPERBRIEF_TEST_POSTGRES_URL and _DIR
#   bash scripts/postgres.sh stop "$PAPERBRIEF_TEST_POSTGRES_DIR"   # stops it and removes the folder
#
# `start` installs the package when missing (scripts/apt_install.sh waits for a busy apt lock; needs
# root or sudo). Only the export lines go to stdout; progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  if [ -z "$(bindir)" ]; then
    echo "Installing Debian's postgresql for the store tests…" >&2
    bash scripts/apt_install.sh postgresql >&2
  fi
  local bin dir port
  bin=$(bindir)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/paperbrief-pg.XXXXXX")
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_postgres "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; exit 1; }
  as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k $dir -c max_connections=200 -c fsync=off" start >&2 \
    || { cat "$dir/server.log" >&2; rm -rf "$dir"; exit 1; }
  as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres paperbrief_test >&2
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)" >&2
  echo "export PAPERBRIEF_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$port/paperbrief_test"
  echo "export PAPERBRIEF_TEST_POSTGRES_DIR=$dir"
}

stop() {
  local dir=${1:?usage: postgres.sh stop DIR}
  [ -d "$dir" ] || return 0
  if [ -d "$dir/data" ]; then
    as_postgres "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
