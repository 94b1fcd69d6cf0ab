#!/usr/bin/env bash
# Installs, builds with warnings as errors, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/scripts/install-deps.sh
bash tools/scripts/build.sh -DSTEWARD_WERROR=ON -DSTEWARD_BUILD_TESTS=ON
cd build
ctest -j "${STEWARD_JOBS:-2}" --output-on-failure --timeout 600
