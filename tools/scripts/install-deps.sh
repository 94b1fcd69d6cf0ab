#!/usr/bin/env bash
# Installs what steward needs to build and test, from Debian 12's packages only.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
# Progress on stdout: apt's own output is long; one line a package set up is enough.
apt_install() {
  if [ -n "$SUDO" ] && ! command -v sudo > /dev/null; then
    echo "install-deps: these Debian packages are missing: $*" >&2
    echo "install-deps: run this script as root, or install sudo (as root: apt-get install sudo," >&2
    echo "  then add yourself to the sudo group), or install the packages above as root yourself" >&2
    exit 2
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "$@" 2>&1 |
    awk '/^Setting up /{print "  " $3; fflush()} /^E: /{print; fflush()}'
  # The pipe hides apt's status: check that everything is there now.
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      { echo "install-deps: $p did not install" >&2; exit 2; }
  done
}
packages=(
  g++ cmake ninja-build pkg-config ccache uuid-dev default-jre-headless
  antlr4 libantlr4-runtime-dev
  libboost-dev libboost-graph-dev libyaml-cpp-dev libyaml-dev libsimdjson-dev libsqlite3-dev libpq-dev postgresql libfmt-dev libssl-dev libjemalloc-dev
  nlohmann-json3-dev libcli11-dev catch2 python3-junitparser graphviz wrk
  clang-14 libclang-rt-14-dev
  coinor-libclp-dev coinor-libcbc-dev glpk-utils libre2-dev libz3-dev
  chromium neovim python3-pytest python3-yaml python3-pandas
  clang-format curl
  help2man dpkg-dev mmdebstrap systemd haproxy
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${#missing[@]} Debian packages (a few minutes on a fresh machine): ${missing[*]}"
  apt_install "${missing[@]}"
fi
# The staff pages' browser test: Node (Debian's, or one already on the machine) drives Debian's
# Chromium through puppeteer-core, which downloads no browser; axe-core checks accessibility.
# Both come from npm at the versions package-lock.json pins.
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  echo "installing Node.js and npm (Debian's)"
  apt_install nodejs npm
fi
ui_tests="$(dirname "$0")/../../tests/ui"
if [ ! -d "$ui_tests/node_modules" ] || [ "$ui_tests/package-lock.json" -nt "$ui_tests/node_modules" ]; then
  echo "installing the browser tests' npm packages (puppeteer-core, axe-core)"
  (cd "$ui_tests" && npm ci --no-audit --no-fund --loglevel=error > /dev/null && touch node_modules)
fi
