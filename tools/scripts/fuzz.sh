#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 (ASan + UBSan) in build-fuzz/ (or uses the build
# FUZZ_BUILD names, as .ci/run does with its sanitizer build) and runs each for
# FUZZ_SECONDS (default 60) from seed corpora made of the repository's own packs, examples and a
# bundle, with dictionaries of the policy language and the agreement keys. Exits non-zero on
# any crash, leak, timeout or sanitizer report; findings are written to $build/findings/.
#   FUZZ_SECONDS=600 bash tools/scripts/fuzz.sh            # longer runs
#   bash tools/scripts/fuzz.sh fuzz_agreement               # one target
#   FUZZ_LONG=1 FUZZ_SECONDS=7200 bash tools/scripts/fuzz.sh fuzz_policy
#     the settings of the multi-hour runs: no allocation stacks in ASan reports (replay a
#     finding's artifact without FUZZ_LONG for them), leaks checked when the run ends rather than
#     after each input, and policies up to 512 bytes (4x the inputs per second; CI's runs keep
#     whole files)
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/scripts/install-deps.sh
build=${FUZZ_BUILD:-build-fuzz}
if [ -z "${FUZZ_BUILD:-}" ]; then
  launcher=()
  command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTEWARD_FUZZ=ON \
    -DSTEWARD_BUILD_TESTS=OFF -DSTEWARD_BUILD_TOOLS=ON -DSTEWARD_INSTALL=OFF "${launcher[@]}" > /dev/null
fi
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_agreement fuzz_evaluate fuzz_policy fuzz_bundle fuzz_http fuzz_lsp fuzz_scan fuzz_table)
cmake --build "$build" -j 2 --target "${targets[@]}"

# Seed corpora from the repository.
seeds=$build/seeds
rm -rf "$seeds" && mkdir -p "$seeds"/{fuzz_agreement,fuzz_evaluate,fuzz_policy,fuzz_bundle,fuzz_http,fuzz_lsp,fuzz_scan,fuzz_table} $build/findings
cp policies/dcf-5-4/examples/agreements/*.yaml bench/json/*.json tests/fuzz/regressions/agreement-* \
  "$seeds/fuzz_agreement/" 2> /dev/null || true
find policies tests/packs tests/golden -name '*.policy' -exec cp --backup=numbered {} "$seeds/fuzz_policy/" \;
python3 tests/fuzz/evaluate_seeds.py . "$seeds/fuzz_evaluate" > /dev/null
cp tests/fuzz/regressions/evaluate-* "$seeds/fuzz_evaluate/" 2> /dev/null || true
if [ -x build/tools/steward ]; then
  build/tools/steward build policies/dcf-5-4 -o "$seeds/fuzz_bundle/dcf.bundle" > /dev/null 2>&1
  build/tools/steward build tests/packs/lending -o "$seeds/fuzz_bundle/lending.bundle" > /dev/null 2>&1
fi
echo '{"format": "steward-bundle/2"}' > "$seeds/fuzz_bundle/minimal.json"
python3 tests/fuzz/http_seeds.py "$seeds/fuzz_http"
python3 tests/fuzz/lsp_seeds.py . "$seeds/fuzz_lsp"
# Data files for the scanner: the first byte picks CSV (0), TSV (1) or JSON Lines (2).
{ printf '\0'; head -c 4000 tests/data/scan/planted.csv; } > "$seeds/fuzz_scan/planted.csv"
printf '\2{"email": "a@example.org", "n": {"x": [1, "123-45-6789"]}}\n{"age": 93}\n' > "$seeds/fuzz_scan/lines.jsonl"
printf '\1a\tssn\n1\t123-45-6789\n' > "$seeds/fuzz_scan/t.tsv"
# Tables: the first byte picks the reading (bit 0 a region > office hierarchy, bit 1 a `rate`).
for f in tests/data/tables/*.csv; do { printf '\0'; cat "$f"; } > "$seeds/fuzz_table/$(basename "$f")"; done
{ printf '\1'; cat tests/data/tables/region-office.csv; } > "$seeds/fuzz_table/hier.csv"
printf '\201region,office,g,n\nA,A1,m,3\nA,A1,f,12\nA,A2,m,1\nA,A2,f,9\nB,B1,m,14\nB,B1,f,2\n' > "$seeds/fuzz_table/hier-raw.csv"
printf '\2county,n,rate\nA,3,1.2\nB,40,16.0\nTotal,43,4.1\n' > "$seeds/fuzz_table/rate.csv"
printf '\114region,who,amount\nnorth,P1,100\nnorth,P2,5\nsouth,P3,50\nsouth,P4,45.5\nsouth,P3,2\n' > "$seeds/fuzz_table/contrib.csv"

declare -A dict=([fuzz_agreement]=tests/fuzz/agreement.dict [fuzz_evaluate]=tests/fuzz/policy.dict [fuzz_policy]=tests/fuzz/policy.dict [fuzz_bundle]="" [fuzz_http]=tests/fuzz/http.dict [fuzz_lsp]=tests/fuzz/lsp.dict [fuzz_scan]="" [fuzz_table]="")
status=0
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t
  mkdir -p "$corpus"
  max_len=65536
  [ -n "${FUZZ_LONG:-}" ] && [ "$t" = fuzz_policy ] && max_len=512
  args=(-max_total_time="${FUZZ_SECONDS:-60}" -timeout=10 -rss_limit_mb=2048 -max_len=$max_len
        -artifact_prefix=$build/findings/$t- -print_final_stats=1)
  [ -n "${dict[$t]}" ] && args+=(-dict="${dict[$t]}")
  # The policy target collects tens of thousands of coverage features; libFuzzer's entropic
  # schedule then spends most of its time updating their frequencies (perf: 64%).
  # The HTTP target spends a fifth of its time there too, the language server's three quarters
  # (perf, 2026-12-04: 77%; replaying 200 corpus inputs took 12.5 s with it, 3.2 s without).
  case $t in fuzz_policy | fuzz_evaluate | fuzz_http | fuzz_lsp) args+=(-entropic=0) ;; esac
  # The server allocates and frees on its own threads, so libFuzzer's count of mallocs and frees
  # around an input never balances and it ran a full leak scan after most inputs (a third of
  # the run). Leaks are still reported, and fail the run, when it ends.
  [ "$t" = fuzz_http ] && args+=(-detect_leaks=0)
  asan=detect_leaks=1
  if [ -n "${FUZZ_LONG:-}" ]; then
    asan+=:malloc_context_size=0
    [ "$t" = fuzz_http ] || args+=(-detect_leaks=0)
  fi
  echo "== $t for ${FUZZ_SECONDS:-60} s"
  if ! ASAN_OPTIONS=$asan UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "$build/tests/fuzz/$t" "${args[@]}" "$corpus" "$seeds/$t" 2> "$build/$t.log"; then
    status=1
    echo "$t: FINDING (see $build/$t.log and $build/findings/)"
    grep -E "ERROR|SUMMARY" "$build/$t.log" | head -5
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build/$t.log" || true
done
exit $status
