#!/usr/bin/env bash
# Configures and builds steward in ./build (Ninja, 2 jobs, ccache when present).
set -euo pipefail
cd "$(dirname "$0")/../.."
launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" "$@" > /dev/null
cmake --build build -j "${STEWARD_JOBS:-2}"
