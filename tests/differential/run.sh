#!/usr/bin/env bash
# Differential and property test: the DCF 5-4 pack (agreement format v2) against the project's
# own Cedar encoding of the v2 table (tests/cedar-dcf-v2, run by the real Cedar engine), on
# generated agreements and on every bundled example; and no generated agreement with a v2 gap
# is allowed. Skips (77) when node or npm is not there.
# Usage: run.sh <steward source> <steward build> [count] [seed]
set -euo pipefail
src=$1
build=$2
count=${3:-2000}
seed=${4:-1}
encoding=$src/tests/cedar-dcf-v2
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  echo "skipped: node or npm is not available"
  exit 77
fi
work=$build/cedar-dcf-v2
# A fresh copy when the encoding changed; node_modules is kept across runs.
if [ ! -d "$work/node_modules/@cedar-policy" ] || ! cmp -s "$encoding/package-lock.json" "$work/package-lock.json"; then
  rm -rf "$work"
  mkdir -p "$work"
  cp "$encoding"/*.mjs "$encoding"/*.cedar "$encoding"/*.cedarschema "$encoding"/package*.json "$work/"
  (cd "$work" && npm ci --silent --no-audit --no-fund) || { echo "skipped: npm ci failed"; exit 77; }
fi
cp "$encoding"/*.mjs "$encoding"/*.cedar "$encoding"/*.cedarschema "$work/"
for as_of in 2026-06-01 2027-02-28; do
  python3 "$src/tools/scripts/differential.py" --steward "$build/tools/steward" --pack "$src/policies/dcf-5-4" \
    --cedar "$work" --count "$count" --seed "$seed" --as-of "$as_of"
done
# The bundled examples too, on the date their expected decisions were made.
python3 - "$build/tools/steward" "$src" "$work" <<'PY'
import json, subprocess, sys, os
steward, src, work = sys.argv[1:]
ex = os.path.join(src, "policies/dcf-5-4/examples/agreements")
st = json.loads(subprocess.run([steward, "eval", "--format", "json", "--as-of", "2026-03-01",
                                "-p", os.path.join(src, "policies/dcf-5-4"), ex],
                               capture_output=True, text=True).stdout)
ce = [json.loads(l) for l in subprocess.run(["node", "decide.mjs", "--as-of", "2026-03-01", ex], cwd=work,
                                            capture_output=True, text=True).stdout.splitlines()]
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
