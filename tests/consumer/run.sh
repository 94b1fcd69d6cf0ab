#!/usr/bin/env bash
# Builds the consumer project against steward twice: with find_package after an install into
# a temporary prefix, and with add_subdirectory. Usage: run.sh <steward source> <steward build>
set -euo pipefail
src=$1
build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > /dev/null
for mode in find_package subdirectory; do
  flags=(-DCMAKE_PREFIX_PATH="$tmp/prefix")
  [ "$mode" = subdirectory ] && flags=(-DSTEWARD_CONSUMER_SUBDIR=ON -DSTEWARD_SOURCE="$src")
  cmake -S "$src/tests/consumer" -B "$tmp/$mode" -G Ninja "${flags[@]}" > /dev/null
  cmake --build "$tmp/$mode" -j2 > /dev/null
  out=$("$tmp/$mode/consumer" "$src/policies/dcf-5-4" "$src/policies/dcf-5-4/examples/agreements/03-email-request-deny.yaml")
  [ "$out" = deny ] || { echo "consumer ($mode) printed '$out', expected deny"; exit 1; }
  echo "consumer via $mode: ok"
done
