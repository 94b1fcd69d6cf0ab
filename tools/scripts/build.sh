#!/usr/bin/env bash
# Configures and builds steward in ./build (Ninja, 2 jobs, ccache when present): every target,
# or only those named (`build.sh steward`). One configuration for every script (warnings are
# errors, tests configured), so that demo.sh and test.sh share one build instead of compiling
# the tree twice with different flags; extra cmake settings: STEWARD_CMAKE_ARGS.
set -euo pipefail
cd "$(dirname "$0")/../.."
launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
# shellcheck disable=SC2086
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTEWARD_WERROR=ON \
  -DSTEWARD_BUILD_TESTS=ON "${launcher[@]}" ${STEWARD_CMAKE_ARGS:-} > /dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build -j "${STEWARD_JOBS:-2}" "${targets[@]}"
