#!/usr/bin/env bash
# Differential test: the DCF 5-4 pack against the independent Cedar encoding of the same table
# (shared/peers/cedar-dcf, run by the real Cedar engine). Skips (77) when node or the peer is
# not there. Usage: run.sh <steward source> <steward build> [count] [seed]
set -euo pipefail
src=$1
build=$2
count=${3:-2000}
seed=${4:-1}
peer=${STEWARD_CEDAR_PEER:-$src/../shared/peers/cedar-dcf}
if ! command -v node > /dev/null || ! command -v npm > /dev/null || [ ! -f "$peer/decide.mjs" ]; then
  echo "skipped: node, npm or the Cedar peer ($peer) is not available"
  exit 77
fi
work=$build/cedar-dcf
if [ ! -d "$work/node_modules/@cedar-policy" ]; then
  rm -rf "$work"
  cp -r "$peer" "$work"
  (cd "$work" && npm ci --silent --no-audit --no-fund) || { echo "skipped: npm ci failed"; exit 77; }
fi
python3 "$src/tools/scripts/differential.py" --steward "$build/tools/steward" --pack "$src/policies/dcf-5-4" \
  --cedar "$work" --count "$count" --seed "$seed"
# The bundled examples too: both engines must agree on every one of them.
python3 - "$build/tools/steward" "$src" "$work" <<'PY'
import json, subprocess, sys, os
steward, src, work = sys.argv[1:]
ex = os.path.join(src, "policies/dcf-5-4/examples/agreements")
st = json.loads(subprocess.run([steward, "eval", "--format", "json", "-p", os.path.join(src, "policies/dcf-5-4"), ex],
                               capture_output=True, text=True).stdout)
ce = [json.loads(l) for l in subprocess.run(["node", "decide.mjs", ex], cwd=work, capture_output=True, text=True).stdout.splitlines()]
bad = 0
for s, c in zip(st, ce):
    sd = sorted({r["clause"] for r in s["reasons"] if r["outcome"] == "deny"})
    sr = sorted({r["clause"] for r in s["reasons"] if r["outcome"] == "needs_review"})
    if (s["decision"], sd, sr, sorted(s["reviewers"])) != (c["decision"], sorted(c["deny"]), sorted(c["review"]), sorted(c["reviewers"])):
        bad += 1
        print("DISAGREE", c["file"], s["decision"], sd, sr, "cedar:", c["decision"], c["deny"], c["review"])
print(f"{len(st)} examples; {bad} disagreement(s)")
sys.exit(1 if bad or len(st) != len(ce) else 0)
PY
