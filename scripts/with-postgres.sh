#!/usr/bin/env bash
# Runs a command with DATABASE_URL pointing at a throwaway PostgreSQL cluster, so that
# `make test` runs the whole suite on the production database engine (the PostgreSQL-only
# tests included: full-text search syntax, GIN indexes, row locks, NUL bytes in text).
#
#   scripts/with-postgres.sh CMD [ARGS...]
#
# - DATABASE_URL already set: runs CMD as is (your own server; CI's machines start none).
# - Otherwise: initdb a cluster in a temporary folder (fsync off: test data only), start it
#   on 127.0.0.1:${PGPORT:-54329} with its socket in that folder, create the database
#   `podv5`, run CMD with DATABASE_URL=postgres://postgres@127.0.0.1:PORT/podv5, then stop
#   the cluster and delete the folder, whatever CMD's outcome. Exits with CMD's status.
#
# Needs the PostgreSQL server binaries (Debian: `apt-get install postgresql`; found under
# /usr/lib/postgresql/<version>/bin or through POD_PG_BIN). As root, the cluster runs as
# the `postgres` user (initdb refuses root).
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }

if [ -n "${DATABASE_URL:-}" ]; then
  exec "$@"
fi

PGBIN=${POD_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "error: no PostgreSQL server binaries (initdb): install them (Debian: apt-get install" \
    "postgresql) or set DATABASE_URL to a server of yours" >&2
  exit 1
fi

PGPORT=${PGPORT:-54329}
PGDATA=$(mktemp -d /tmp/podv5-test-pg.XXXXXX)
run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown -R postgres "$PGDATA"
cleanup() {
  run_pg "$PGBIN/pg_ctl" -D "$PGDATA/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PGDATA"
}
trap cleanup EXIT

run_pg mkdir -p "$PGDATA/sock"
run_pg "$PGBIN/initdb" -D "$PGDATA/data" -U postgres -A trust --no-sync >/dev/null
run_pg "$PGBIN/pg_ctl" -D "$PGDATA/data" -l "$PGDATA/log" -w \
  -o "-p $PGPORT -k $PGDATA/sock -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
  start >/dev/null
run_pg "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -qc "CREATE DATABASE podv5" >/dev/null
export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/podv5"
echo "$("$PGBIN/postgres" --version) on 127.0.0.1:$PGPORT (throwaway cluster)" >&2

status=0
"$@" || status=$?
exit "$status"
