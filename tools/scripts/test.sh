#!/usr/bin/env bash
# Installs, builds with warnings as errors, and runs the whole test suite; then builds it again
# with clang, AddressSanitizer and UndefinedBehaviorSanitizer, runs it again, and runs every
# libFuzzer target for a bounded time (set STEWARD_SKIP_SANITIZERS=1 to skip that second pass). The archive tests run on SQLite and on
# a throwaway PostgreSQL cluster started here (or the server STEWARD_TEST_POSTGRES_URL names).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/scripts/install-deps.sh
bash tools/scripts/build.sh
if [ -z "${STEWARD_TEST_POSTGRES_URL:-}" ]; then
  pg_dir=$(mktemp -d)
  trap 'bash tools/scripts/pg-cluster.sh stop "$pg_dir"' EXIT
  STEWARD_TEST_POSTGRES_URL=$(bash tools/scripts/pg-cluster.sh start "$pg_dir")
  export STEWARD_TEST_POSTGRES_URL
  echo "== a throwaway PostgreSQL cluster for the archive tests: $STEWARD_TEST_POSTGRES_URL"
fi
echo "== the test suite (gcc; ${SECONDS} s so far)"
(cd build && ctest -j "${STEWARD_JOBS:-2}" --output-on-failure --timeout 600)
if [ -z "${STEWARD_SKIP_SANITIZERS:-}" ]; then
  # One clang build serves both the sanitizer pass and the fuzzers: everything is compiled with
  # ASan + UBSan and libFuzzer's coverage hooks, the suite runs on it, then each fuzz target
  # runs for STEWARD_FUZZ_SECONDS (default 20, seven targets in about two and a half minutes; 0
  # skips the fuzzing; the long runs are tools/scripts/fuzz.sh's, docs/security.md).
  echo "== the same suite under AddressSanitizer and UndefinedBehaviorSanitizer (clang; ${SECONDS} s so far)"
  launcher=()
  if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  san="-fno-omit-frame-pointer -fno-sanitize-recover=all"
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSTEWARD_BUILD_TESTS=ON -DSTEWARD_FUZZ=ON -DSTEWARD_INSTALL=OFF -DCMAKE_CXX_FLAGS="$san" -DCMAKE_C_FLAGS="$san" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" "${launcher[@]}" > /dev/null
  cmake --build build-asan -j "${STEWARD_JOBS:-2}"
  # Formatting checks and the unit's sandboxing do not depend on the build, a Debian package is
  # never built with sanitizers, and the consumer test needs an install. An
  # ASan-built libsteward.so cannot be loaded into Debian's unsanitized Python (the C API runs
  # under the sanitizers from C, as c_api_test).
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest -j "${STEWARD_JOBS:-2}" --output-on-failure --timeout 900 -E 'cpp_format|policy_format|python_package|python_example|package_deb|unit_security')
  if [ "${STEWARD_FUZZ_SECONDS:-20}" != 0 ]; then
    echo "== each fuzz target for ${STEWARD_FUZZ_SECONDS:-20} s (${SECONDS} s so far)"
    FUZZ_BUILD=build-asan FUZZ_SECONDS=${STEWARD_FUZZ_SECONDS:-20} bash tools/scripts/fuzz.sh
  fi
fi
echo "== done in ${SECONDS} s"
