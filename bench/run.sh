#!/usr/bin/env bash
# Runs every benchmark in one go: builds a Release tree in build-bench/, then
#   1. Google Benchmark (evaluation, full path, loading, threads, pack memory, compile 10..100,000 rules)
#   2. steward and Cedar side by side on the DCF examples (needs node and ../shared/peers/cedar-dcf)
#   3. 10,000 agreement files through the CLI
#   4. `steward scan` on a 1 GB CSV (bench/scan.sh; 100 MB with BENCH_QUICK)
# Results: build-bench/bench.json (Google Benchmark JSON) and the printed tables.
# BENCH_QUICK=1 skips the 100,000-rule compile and shortens every run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/scripts/install-deps.sh
dpkg-query -W -f='${Status}' libbenchmark-dev 2>/dev/null | grep -q "install ok installed" || {
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get install -y -qq libbenchmark-dev > /dev/null
}
launcher=()
command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTEWARD_BUILD_BENCH=ON -DSTEWARD_BUILD_TESTS=OFF \
  "${launcher[@]}" > /dev/null
cmake --build build-bench -j 2 --target steward_bench steward
python3 bench/make_json.py
packs=build-bench/packs
sizes=(10 100 1000 10000 100000)
min_time=0.5
if [ -n "${BENCH_QUICK:-}" ]; then sizes=(10 100 1000 10000); min_time=0.1; fi
python3 bench/gen_pack.py "$packs" "${sizes[@]}"
filter='.*'
[ -n "${BENCH_QUICK:-}" ] && filter='BM_(Evaluate|FullPath|Load|PackMemory)|BM_Compile/(10|100|1000|10000)$'
echo "== Google Benchmark (build-bench/bench.json)"
STEWARD_BENCH_PACKS=$packs ./build-bench/bench/steward_bench --benchmark_min_time=$min_time \
  --benchmark_filter="$filter" --benchmark_out=build-bench/bench.json --benchmark_out_format=json
peer=${STEWARD_CEDAR_PEER:-../shared/peers/cedar-dcf}
if command -v node > /dev/null && [ -f "$peer/decide.mjs" ]; then
  echo "== steward and Cedar side by side"
  if [ ! -d build-bench/cedar-dcf/node_modules/@cedar-policy ]; then
    rm -rf build-bench/cedar-dcf && cp -r "$peer" build-bench/cedar-dcf
    (cd build-bench/cedar-dcf && npm ci --silent --no-audit --no-fund)
  fi
  python3 bench/cedar_compare.py --bench build-bench/bench/steward_bench --steward build-bench/tools/steward \
    --peer build-bench/cedar-dcf --calls "${CEDAR_CALLS:-2000}"
else
  echo "== Cedar comparison skipped: node or $peer is not available"
fi
echo "== 10,000 agreements through the CLI"
python3 bench/batch_cli.py --steward build-bench/tools/steward --pack policies/dcf-5-4 --count 10000
echo "== steward scan on a large CSV"
SCAN_MB=$([ -n "${BENCH_QUICK:-}" ] && echo 100 || echo 1024) STEWARD=build-bench/tools/steward bash bench/scan.sh
echo "== the HTTP service under load (wrk; see docs/performance.md)"
command -v wrk > /dev/null || { SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo; $SUDO apt-get install -y -qq wrk > /dev/null; }
STEWARD=build-bench/tools/steward bash bench/load/run.sh "${LOAD_SECONDS:-10}" 48
python3 bench/plot.py build-bench/bench.json docs/images/performance.svg
