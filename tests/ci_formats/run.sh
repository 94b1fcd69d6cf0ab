#!/usr/bin/env bash
# Checks steward's CI outputs with real consumers: SARIF against the official SARIF 2.1.0
# schema (Ajv, from npm), JUnit XML with junitparser (Debian's python3-junitparser).
# Usage: run.sh <steward source> <steward build> sarif|junit
set -euo pipefail
src=$1
build=$2
what=$3
steward=$build/tools/steward
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The examples plus one broken agreement, so input errors are in the report too.
mkdir -p "$tmp/agreements"
cp "$src"/policies/dcf-5-4/examples/agreements/*.yaml "$tmp/agreements/"
printf 'format: steward/agreement/v2\nid: BROKEN\nkind: data_sharing\ntitel: x\ndata: {level: client, deidentification: none}\n' \
  > "$tmp/agreements/99-broken.yaml"
case "$what" in
  sarif)
    schema=${STEWARD_SARIF_SCHEMA:-$src/../shared/vendor/sarif-schema-2.1.0.json}
    if ! command -v node > /dev/null || ! command -v npm > /dev/null || [ ! -f "$schema" ]; then
      echo "skipped: node, npm or the SARIF schema ($schema) is not available"
      exit 77
    fi
    work=$build/ci_formats
    if [ ! -d "$work/node_modules/ajv-draft-04" ]; then
      rm -rf "$work" && mkdir -p "$work"
      cp "$src/tests/ci_formats/package.json" "$src/tests/ci_formats/package-lock.json" "$work/"
      (cd "$work" && npm ci --silent --no-audit --no-fund) || { echo "skipped: npm ci failed"; exit 77; }
    fi
    cp "$src/tests/ci_formats/validate_sarif.mjs" "$work/"
    "$steward" eval -p "$src/policies/dcf-5-4" -f sarif "$tmp/agreements" > "$tmp/all.sarif" || true
    "$steward" eval -p "$src/policies/dcf-5-4" -f sarif "$src/policies/dcf-5-4/examples/agreements/01-compliant-allow.yaml" \
      > "$tmp/allow.sarif" || true
    node "$work/validate_sarif.mjs" "$schema" "$tmp/all.sarif" "$tmp/allow.sarif"
    ;;
  junit)
    if [ ! -x /usr/bin/python3 ] || ! /usr/bin/python3 -c 'import junitparser' 2> /dev/null; then
      echo "skipped: python3-junitparser is not installed"
      exit 77
    fi
    "$steward" eval -p "$src/policies/dcf-5-4" -f json "$tmp/agreements" > "$tmp/all.json" 2> /dev/null || true
    read -r cases fail_default fail_deny errors < <(/usr/bin/python3 - "$tmp/all.json" <<'PY'
import json, sys
docs = json.load(open(sys.argv[1]))
deny = sum(1 for d in docs if d["decision"] == "deny")
review = sum(1 for d in docs if d["decision"] == "needs_review")
errors = sum(1 for d in docs if d["decision"] is None)
print(len(docs), deny + review, deny, errors)
PY
)
    "$steward" eval -p "$src/policies/dcf-5-4" -f junit "$tmp/agreements" > "$tmp/default.xml" 2> /dev/null || true
    "$steward" eval -p "$src/policies/dcf-5-4" -f junit --fail-on deny "$tmp/agreements" > "$tmp/deny.xml" 2> /dev/null || true
    /usr/bin/python3 "$src/tests/ci_formats/read_junit.py" "$tmp/default.xml" "$cases" "$fail_default" "$errors"
    /usr/bin/python3 "$src/tests/ci_formats/read_junit.py" "$tmp/deny.xml" "$cases" "$fail_deny" "$errors"
    ;;
esac
