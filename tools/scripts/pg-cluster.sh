#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the archive tests: initdb + pg_ctl in a temporary
# directory, on a free loopback port, as an unprivileged user (PostgreSQL refuses to run as
# root; under root this uses `nobody`). Works in CI and on a developer's machine.
#   url=$(bash tools/scripts/pg-cluster.sh start DIR)   # prints a libpq URL for a superuser
#   bash tools/scripts/pg-cluster.sh stop DIR
#   bash tools/scripts/pg-cluster.sh crash DIR     # stops it as a crash would (immediate), data kept
#   bash tools/scripts/pg-cluster.sh restart DIR   # starts it again after a crash, same port
set -euo pipefail
action=${1:?start, stop, crash or restart}
dir=${2:?a directory for the cluster}
bin=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "pg-cluster: PostgreSQL's server is not installed (apt-get install postgresql)" >&2; exit 2; }

as_owner=()
if [ "$(id -u)" -eq 0 ]; then as_owner=(runuser -u nobody --); fi

run_server() {  # cluster dir, port
  # fsync stays on: the archive's durability is part of what the tests are about.
  "${as_owner[@]}" "$bin/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$2 -c unix_socket_directories='$1' -c max_connections=200" \
    start > /dev/null || { cat "$1/server.log" >&2; exit 1; }
}

case "$action" in
  start)
    mkdir -p "$dir"
    # The cluster lives in its own directory under /tmp, which the unprivileged owner can
    # reach even when DIR's parents are private; DIR records where it is.
    cluster=$(mktemp -d /tmp/steward-pg.XXXXXX)
    echo "$cluster" > "$dir/cluster"
    [ ${#as_owner[@]} -gt 0 ] && chown nobody "$cluster"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "${as_owner[@]}" "$bin/initdb" -D "$cluster/data" -U steward --auth=trust -E UTF8 --locale=C.UTF-8 > "$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    run_server "$cluster" "$port"
    echo "$port" > "$dir/port"
    echo "postgresql://steward@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [ -f "$dir/cluster" ]; then
      cluster=$(cat "$dir/cluster")
      "${as_owner[@]}" "$bin/pg_ctl" -D "$cluster/data" -m immediate stop > /dev/null 2>&1 || true
      rm -rf "$cluster"
    fi
    rm -rf "$dir"
    ;;
  crash)
    "${as_owner[@]}" "$bin/pg_ctl" -D "$(cat "$dir/cluster")/data" -m immediate stop > /dev/null
    ;;
  restart)
    run_server "$(cat "$dir/cluster")" "$(cat "$dir/port")"
    ;;
  *)
    echo "usage: pg-cluster.sh start|stop|crash|restart DIR" >&2
    exit 2
    ;;
esac
