#!/usr/bin/env bash
# Installs what steward needs to build and test, from Debian 12's packages only.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
packages=(
  g++ cmake ninja-build pkg-config ccache uuid-dev default-jre-headless
  antlr4 libantlr4-runtime-dev
  libboost-dev libboost-graph-dev libyaml-cpp-dev libyaml-dev libsimdjson-dev libsqlite3-dev libpq-dev postgresql libfmt-dev libssl-dev libjemalloc-dev
  nlohmann-json3-dev libcli11-dev catch2 python3-junitparser graphviz wrk
  clang-14 libclang-rt-14-dev
  coinor-libclp-dev glpk-utils
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi
