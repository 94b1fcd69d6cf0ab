#!/usr/bin/env bash
# Load test of `steward serve` on loopback with wrk: sustained decisions per second and p50/p99
# latency, with the SQLite archive, with the PostgreSQL archive (if STEWARD_TEST_POSTGRES_URL
# names a server) and without an archive. After each archived run, `archive verify` must pass
# and hold exactly as many records as decisions answered.
#   bash bench/load/run.sh [seconds] [connections]      (defaults: 10 s, 32 connections)
# STEWARD_SERVE_ARGS adds options to every `steward serve` (e.g. --approvals-stated);
# STEWARD_LOAD_RUNS=n runs every setting n times, in turn, then prints each one's median, least
# and greatest rate, p99 and processor time a decision. First it prints the latency of one 8 kB
# write and fdatasync in the archive's directory (PostgreSQL's pg_test_fsync), the floor under
# every group commit. Beside each rate it prints the processor time a decision took in the
# server (and in every local `postgres` process, for the PostgreSQL run), from /proc: it moves
# far less with the host's load than the rate does. A postgres process that ends during a run
# (an autovacuum worker) is not counted.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
conns=${2:-32}
runs=${STEWARD_LOAD_RUNS:-1}
steward=${STEWARD:-build/tools/steward}
command -v wrk > /dev/null || { echo "load: wrk is needed (apt-get install wrk)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'kill $pid 2> /dev/null || true; rm -rf "$tmp"' EXIT
export STEWARD_LOAD_BODY=bench/json/01-compliant-allow.json

ticks() {  # processor ticks (user + system) of a process and its threads so far
  awk '{print $14 + $15}' "/proc/$1/stat" 2> /dev/null || echo 0
}

postgres_ticks() {  # pid:ticks of every local postgres process, comma-separated
  local p out=""
  for p in $(pgrep -x postgres || true); do out="$out$p:$(ticks "$p"),"; done
  echo "${out:-none}"
}

run() {  # name, archive args...
  local name=$1
  shift
  # shellcheck disable=SC2086 # STEWARD_SERVE_ARGS is a list of options
  "$steward" serve --policy policies/dcf-5-4 --listen 127.0.0.1:0 -q ${STEWARD_SERVE_ARGS:-} "$@" > "$tmp/out" 2> "$tmp/err" &
  pid=$!
  for _ in $(seq 50); do grep -q "://" "$tmp/out" 2> /dev/null && break; sleep 0.1; done
  local base
  base=$(grep -o 'http://[0-9.:]*' "$tmp/out")
  # One wrk thread: the machine's other core is the server's.
  local result server0 server1 pg0 pg1
  server0=$(ticks "$pid")
  pg0=$(postgres_ticks)
  result=$(wrk -t1 -c"$conns" -d"${seconds}s" --latency -s bench/load/post.lua "$base/v1/evaluate" | tail -1)
  server1=$(ticks "$pid")
  pg1=$(postgres_ticks)
  kill $pid
  wait $pid 2> /dev/null || true
  local cpu
  cpu=$(python3 -c '
import json, os, sys
r = json.loads(sys.argv[1]); n = max(1, r["requests"]); hz = os.sysconf("SC_CLK_TCK")
s0, s1 = int(sys.argv[2]), int(sys.argv[3])
out = {"server_us_per_decision": round((s1 - s0) / hz * 1e6 / n)}
# A process that started during the run counts whole; one that ended during it is not seen.
before, after = ({p: int(t) for p, t in (x.split(":") for x in a.split(",") if ":" in x)}
                 for a in sys.argv[4:6])
pg = sum(max(0, t - before.get(p, 0)) for p, t in after.items())  # 0: gone before it was read
if sys.argv[6] == "postgresql": out["postgres_us_per_decision"] = round(pg / hz * 1e6 / n)
print(json.dumps(out)[1:-1])' "$result" "$server0" "$server1" "$pg0" "$pg1" "$name")
  echo "{\"archive\": \"$name\", \"connections\": $conns, \"result\": $result, $cpu}" |
    tee -a "$tmp/lines"
  echo "$result" > "$tmp/last"
}

check_archive() {  # url
  local answered records
  answered=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["requests"]-r["errors"])' "$tmp/last")
  "$steward" archive verify --archive "$1" | tail -1
  records=$("$steward" archive verify --archive "$1" | tail -1 | grep -o '^[^ ]* [0-9]*' | grep -o '[0-9]*$')
  # wrk counts a response only when it is read whole; a request cut off at the end of the run
  # may be archived without being counted, so the archive may hold a few more, never fewer.
  if [ "$records" -lt "$answered" ]; then
    echo "load: $answered decisions answered but only $records archived" >&2
    exit 1
  fi
}

fsync_probe=$(ls /usr/lib/postgresql/*/bin/pg_test_fsync 2> /dev/null | sort -V | tail -1)
if [ -n "$fsync_probe" ]; then
  us=$("$fsync_probe" -s 1 -f "$tmp/fsync.probe" 2> /dev/null | awk '/one 8kB write/ {on=1} on && $1 == "fdatasync" {print $(NF-1); exit}')
  echo "{\"fsync\": \"one 8 kB write + fdatasync in $(dirname "$tmp")\", \"us_per_op\": ${us:-null}}"
fi
# Rounds of all three settings in turn, each archive fresh, so that a minute of the host's
# noise falls on every setting alike.
for round in $(seq "$runs"); do
  run none --no-archive
  run sqlite --archive "sqlite:$tmp/a$round.db"
  check_archive "sqlite:$tmp/a$round.db"
  if [ -n "${STEWARD_TEST_POSTGRES_URL:-}" ]; then
    db="steward_load_$$_$round"
    psql -q "$STEWARD_TEST_POSTGRES_URL" -c "CREATE DATABASE $db;"
    url="${STEWARD_TEST_POSTGRES_URL%/*}/$db"
    run postgresql --archive "$url"
    check_archive "$url"
    psql -q "$STEWARD_TEST_POSTGRES_URL" -c "DROP DATABASE $db WITH (FORCE);"
  fi
  rm -f "$tmp/a$round.db"*
done
if [ "$runs" -gt 1 ]; then
  python3 -c '
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    j = json.loads(line)
    runs.setdefault(j["archive"], []).append(j)
for name, rs in runs.items():
    out = {"archive": name, "runs": len(rs)}
    for key, get in (("per_second", lambda r: r["result"]["per_second"]),
                     ("p99_us", lambda r: r["result"]["p99_us"]),
                     ("server_us_per_decision", lambda r: r["server_us_per_decision"]),
                     ("postgres_us_per_decision", lambda r: r.get("postgres_us_per_decision"))):
        v = [get(r) for r in rs if get(r) is not None]
        if v: out[key] = {"median": statistics.median(v), "min": min(v), "max": max(v)}
    print(json.dumps(out))' "$tmp/lines"
fi
