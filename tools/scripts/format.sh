#!/usr/bin/env bash
# Formats every C++ source with .clang-format (ctest `cpp_format` checks it).
set -euo pipefail
cd "$(dirname "$0")/../.."
git ls-files --cached --others --exclude-standard '*.h' '*.cpp' '*.c' | xargs clang-format -i
