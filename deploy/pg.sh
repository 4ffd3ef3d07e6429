#!/usr/bin/env bash
# A local PostgreSQL for the run command: a cluster in a git-ignored folder, on a loopback port.
# Usage: deploy/pg.sh start|stop|status   (PHONESUPPORT_PG_PORT, default 55432)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/.local/pg/data"
port="${PHONESUPPORT_PG_PORT:-55432}"
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

# initdb refuses to run as root: run the server tools as the 'postgres' user then.
pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$bin/$1" "${@:2}"; else "$bin/$1" "${@:2}"; fi
}

case "${1:-}" in
  start)
    mkdir -p "$root/.local/pg"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$root/.local/pg"
    if [ ! -f "$data/PG_VERSION" ]; then
      pg initdb -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! pg pg_ctl -D "$data" status >/dev/null 2>&1; then
      pg pg_ctl -D "$data" -l "$root/.local/pg/server.log" -w -t 60 \
        -o "-p $port -k $root/.local/pg -c listen_addresses=127.0.0.1" start >/dev/null
    fi
    if ! pg psql -h 127.0.0.1 -p "$port" -U postgres -Atqc "select 1 from pg_database where datname = 'phonesupport'" | grep -q 1; then
      pg createdb -h 127.0.0.1 -p "$port" -U postgres phonesupport
    fi
    echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=phonesupport"
    ;;
  stop)
    pg pg_ctl -D "$data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  status)
    pg pg_ctl -D "$data" status
    ;;
  *)
    echo "usage: deploy/pg.sh start|stop|status" >&2
    exit 2
    ;;
esac
