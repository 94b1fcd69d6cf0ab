#!/usr/bin/env bash
# Does reviewing slow deciding? `POST /v1/evaluate` under wrk alone, then again while staff use
# the pages (a decision page and a queue, with a session cookie) and reviewers post to
# /v1/reviews, all on loopback with the SQLite archive and approvals from review records (the
# server's default). Prints one JSON line per wrk run; the archive must verify afterwards.
#   bash bench/load/reviews.sh [seconds] [connections]      (defaults: 10 s, 48 connections)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
conns=${2:-48}
steward=${STEWARD:-build/tools/steward}
command -v wrk > /dev/null || { echo "load: wrk is needed (apt-get install wrk)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'kill $pid 2> /dev/null || true; rm -rf "$tmp"' EXIT
propose=$(printf 'p%.0s' $(seq 40))
review=$(printf 'd%.0s' $(seq 40))
printf 'proposer %s propose\ndgc %s review:data_governance_committee\n' "$propose" "$review" > "$tmp/tokens"
chmod 600 "$tmp/tokens"
"$steward" serve --policy policies/dcf-5-4 --listen 127.0.0.1:0 -q --archive "sqlite:$tmp/a.db" \
  --token-file "$tmp/tokens" > "$tmp/out" 2> "$tmp/err" &
pid=$!
for _ in $(seq 50); do grep -q "://" "$tmp/out" 2> /dev/null && break; sleep 0.1; done
base=$(grep -o 'http://[0-9.:]*' "$tmp/out")
body=bench/json/01-compliant-allow.json
# One decision waiting for the committee (on an agreement of its own: the evaluated one piles up
# decisions, not reviews), and a session for its reviewer.
sed 's/DSA-EX-01/DSA-LOAD-REVIEWED/' "$body" > "$tmp/reviewed.json"
curl -sf -H "Authorization: Bearer $propose" -H 'Content-Type: application/json' \
  --data-binary @"$tmp/reviewed.json" "$base/v1/evaluate" > /dev/null
first=$(curl -sf -H "Authorization: Bearer $review" "$base/v1/decisions?agreement=DSA-LOAD-REVIEWED")
id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[0]["decision_id"])' "$first")
digest=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[0]["agreement_digest"])' "$first")
cookie=$(curl -s -o /dev/null -D - --data "token=$review" "$base/ui/signin" | grep -io 'steward_ui=[0-9a-f]*')
printf '{"decision_id":"%s","agreement_digest":"%s","body":"data_governance_committee","verdict":"request_changes","note":"load"}' \
  "$id" "$digest" > "$tmp/review.json"

evaluate() {
  STEWARD_LOAD_BODY=$body wrk -t1 -c"$conns" -d"${seconds}s" --latency -s bench/load/post.lua \
    -H "Authorization: Bearer $propose" "$base/v1/evaluate" | tail -1
}
echo "{\"run\": \"evaluate alone\", \"result\": $(evaluate)}"
# Staff and reviewers beside it: a decision page and a queue on a connection each, and reviews
# on one; first at a review office's pace held high (`delay` ms between requests: 10 pages/s
# each and a review a second), then as fast as the server answers.
beside() {  # label, delay for pages, delay for reviews ("" : none)
  local side=()
  STEWARD_LOAD_BODY= STEWARD_LOAD_DELAY_MS=$2 wrk -t1 -c1 -d"${seconds}s" -s bench/load/post.lua \
    -H "Cookie: $cookie" "$base/ui/decisions/$id" | tail -1 > "$tmp/page" &
  side+=($!)
  STEWARD_LOAD_BODY= STEWARD_LOAD_DELAY_MS=$2 wrk -t1 -c1 -d"${seconds}s" -s bench/load/post.lua \
    -H "Cookie: $cookie" "$base/ui/queue/data_governance_committee" | tail -1 > "$tmp/queue" &
  side+=($!)
  STEWARD_LOAD_BODY=$tmp/review.json STEWARD_LOAD_DELAY_MS=$3 wrk -t1 -c1 -d"${seconds}s" \
    -s bench/load/post.lua -H "Authorization: Bearer $review" "$base/v1/reviews" | tail -1 \
    > "$tmp/reviews" &
  side+=($!)
  echo "{\"run\": \"evaluate beside staff, $1\", \"result\": $(evaluate)}"
  wait "${side[@]}"
  echo "{\"run\": \"decision page, $1\", \"result\": $(cat "$tmp/page")}"
  echo "{\"run\": \"queue page, $1\", \"result\": $(cat "$tmp/queue")}"
  echo "{\"run\": \"POST /v1/reviews, $1\", \"result\": $(cat "$tmp/reviews")}"
}
beside "paced" 100 1000
beside "unpaced" "" ""
kill $pid
wait $pid 2> /dev/null || true
"$steward" archive verify --archive "sqlite:$tmp/a.db" | tail -1
