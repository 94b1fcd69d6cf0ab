#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 (ASan + UBSan) in build-fuzz/ and runs each for
# FUZZ_SECONDS (default 60) from seed corpora made of the repository's own packs, examples and a
# bundle, with dictionaries of the policy language and the agreement keys. Exits non-zero on
# any crash, leak, timeout or sanitizer report; findings are written to build-fuzz/findings/.
#   FUZZ_SECONDS=600 bash tools/scripts/fuzz.sh            # longer runs
#   bash tools/scripts/fuzz.sh fuzz_agreement               # one target
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/scripts/install-deps.sh
for p in clang-14 libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || {
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get install -y -qq "$p" > /dev/null
  }
done
launcher=()
command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTEWARD_FUZZ=ON \
  -DSTEWARD_BUILD_TESTS=OFF -DSTEWARD_BUILD_TOOLS=ON -DSTEWARD_INSTALL=OFF "${launcher[@]}" > /dev/null
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_agreement fuzz_policy fuzz_bundle fuzz_http)
cmake --build build-fuzz -j 2 --target "${targets[@]}"

# Seed corpora from the repository.
seeds=build-fuzz/seeds
rm -rf "$seeds" && mkdir -p "$seeds"/{fuzz_agreement,fuzz_policy,fuzz_bundle,fuzz_http} build-fuzz/findings
cp policies/dcf-5-4/examples/agreements/*.yaml bench/json/*.json "$seeds/fuzz_agreement/" 2> /dev/null || true
find policies tests/packs tests/golden -name '*.policy' -exec cp --backup=numbered {} "$seeds/fuzz_policy/" \;
if [ -x build/tools/steward ]; then
  build/tools/steward build policies/dcf-5-4 -o "$seeds/fuzz_bundle/dcf.bundle" > /dev/null
  build/tools/steward build tests/packs/lending -o "$seeds/fuzz_bundle/lending.bundle" > /dev/null
fi
echo '{"format": "steward-bundle/1"}' > "$seeds/fuzz_bundle/minimal.json"
python3 tests/fuzz/http_seeds.py "$seeds/fuzz_http"

declare -A dict=([fuzz_agreement]=tests/fuzz/agreement.dict [fuzz_policy]=tests/fuzz/policy.dict [fuzz_bundle]="" [fuzz_http]=tests/fuzz/http.dict)
status=0
for t in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$t
  mkdir -p "$corpus"
  args=(-max_total_time="${FUZZ_SECONDS:-60}" -timeout=10 -rss_limit_mb=2048 -max_len=65536
        -artifact_prefix=build-fuzz/findings/$t- -print_final_stats=1)
  [ -n "${dict[$t]}" ] && args+=(-dict="${dict[$t]}")
  echo "== $t for ${FUZZ_SECONDS:-60} s"
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "build-fuzz/tests/fuzz/$t" "${args[@]}" "$corpus" "$seeds/$t" 2> "build-fuzz/$t.log"; then
    status=1
    echo "$t: FINDING (see build-fuzz/$t.log and build-fuzz/findings/)"
    grep -E "ERROR|SUMMARY" "build-fuzz/$t.log" | head -5
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "build-fuzz/$t.log" || true
done
exit $status
