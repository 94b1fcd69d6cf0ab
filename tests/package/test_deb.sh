#!/usr/bin/env bash
# The Debian package in a clean Debian 12 root, as an operator meets it:
#   test_deb.sh SOURCE_DIR BUILD_DIR
# builds the package (tools/scripts/package-deb.sh), bootstraps a minimal bookworm root
# (mmdebstrap, from this machine's apt sources), installs the package there with apt (which
# fetches its dependencies), checks what the maintainer scripts made, runs the systemd unit's
# own command line as its user (systemd does not run in a chroot) and decides through it over
# HTTP, verifies the archive it wrote, and removes the package: `purge` must keep a decision
# archive, and with STEWARD_PURGE_ARCHIVE=yes leave nothing behind. Exit 77 (a skip; a failure
# under CI=true) where it cannot run: not root, or no mmdebstrap.
set -euo pipefail
src="$(cd "$1" && pwd)"
build="$(cd "$2" && pwd)"
if [ "$(id -u)" != 0 ] || ! command -v mmdebstrap > /dev/null; then
  echo "skipped: needs root and mmdebstrap (bash tools/scripts/install-deps.sh)"
  exit 77
fi
work="$(mktemp -d)"
root="$work/root"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2> /dev/null || true
  # Nothing is mounted in the root; it is plain files.
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

echo "== package"
deb="$(bash "$src/tools/scripts/package-deb.sh" "$build" "$work")"
echo "$deb"

echo "== a clean bookworm root"
sources=/etc/apt/sources.list.d/debian.sources
[ -f "$sources" ] || sources=http://deb.debian.org/debian
mmdebstrap --quiet --variant=apt --skip=cleanup/apt/lists bookworm "$root" "$sources" < /dev/null
# Every file of the clean root, to compare with after the package is purged.
snapshot() {
  (cd "$root" && find . -xdev \( -path ./var/cache -o -path ./var/lib/apt -o -path ./var/lib/dpkg \
    -o -path ./var/log -o -path ./tmp -o -path ./proc -o -path ./dev -o -path ./run \) -prune \
    -o -print | grep -vxE '\./etc/(passwd|group|shadow|gshadow)-' | sort)
}
snapshot > "$work/before"

echo "== install"
cp "$deb" "$root/tmp/steward.deb"
in_root apt-get install -y -q --no-install-recommends /tmp/steward.deb > "$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "apt-get install"; }
in_root getent passwd steward > /dev/null || fail "no steward user"
owner="$(in_root stat -c '%U:%a' /var/lib/steward)"
[ "$owner" = "steward:750" ] || fail "/var/lib/steward is $owner"
for f in usr/bin/steward usr/share/steward/policies/dcf-5-4/pack.yaml lib/systemd/system/steward.service \
  etc/default/steward usr/share/bash-completion/completions/steward usr/share/man/man1/steward.1.gz \
  usr/share/man/man1/steward-serve.1.gz usr/share/man/man1/steward-verify-compare.1.gz \
  usr/share/man/man1/steward-archive-verify.1.gz usr/share/doc/steward/copyright; do
  [ -e "$root/$f" ] || fail "missing /$f"
done
in_root steward check /usr/share/steward/policies/dcf-5-4 > /dev/null || fail "the installed pack"

echo "== the unit's command line, as its user"
grep -qx 'ExecStart=/usr/bin/steward serve --policy ${STEWARD_POLICY} $STEWARD_OPTS' \
  "$root/lib/systemd/system/steward.service" || fail "ExecStart is not what this test runs"
grep -qx 'User=steward' "$root/lib/systemd/system/steward.service" || fail "User="
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# An operator edits /etc/default/steward; so does this test, for a free port.
sed -i "s/127.0.0.1:8750/127.0.0.1:$port/" "$root/etc/default/steward"
chroot --userspec=steward:steward "$root" /bin/sh -c \
  '. /etc/default/steward; cd /var/lib/steward; exec /usr/bin/steward serve --policy "$STEWARD_POLICY" $STEWARD_OPTS' \
  > "$work/serve.log" 2>&1 &
server=$!
python3 - "$port" "$src/bench/json/03-email-request-deny.json" << 'EOF'
import json, sys, time, urllib.request
port, agreement = sys.argv[1], open(sys.argv[2], "rb").read()
base = f"http://127.0.0.1:{port}"
for _ in range(100):
    try:
        urllib.request.urlopen(base + "/readyz", timeout=1)
        break
    except Exception:
        time.sleep(0.1)
req = urllib.request.Request(base + "/v1/evaluate", data=agreement,
                             headers={"Content-Type": "application/json"})
with urllib.request.urlopen(req, timeout=10) as r:
    decision = json.load(r)
    assert r.headers["Steward-Decision-Id"], "no decision id"
assert decision["decision"] == "deny", decision["decision"]
assert decision["reasons"] and decision["reasons"][0]["clause"], decision
print("decided through the installed service:", decision["agreement"], decision["decision"])
EOF
kill "$server"
wait "$server" 2> /dev/null || true
server=""
grep -q "serving dcf-5-4" "$work/serve.log" || { cat "$work/serve.log"; fail "serve"; }
chroot --userspec=steward:steward "$root" steward archive verify --archive sqlite:/var/lib/steward/decisions.db ||
  fail "archive verify"

echo "== purge keeps the archive"
in_root apt-get purge -y -q steward > "$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "purge"; }
[ -f "$root/var/lib/steward/decisions.db" ] || fail "purge deleted the decision archive"
for f in usr/bin/steward usr/share/steward lib/systemd/system/steward.service etc/default/steward; do
  [ ! -e "$root/$f" ] || fail "/$f left after purge"
done

echo "== install again (the archive is kept and read), purge with STEWARD_PURGE_ARCHIVE=yes"
in_root apt-get install -y -q --no-install-recommends /tmp/steward.deb > "$work/install2.log" 2>&1 ||
  { cat "$work/install2.log"; fail "second install"; }
chroot --userspec=steward:steward "$root" steward archive verify --archive sqlite:/var/lib/steward/decisions.db ||
  fail "the kept archive"
in_root env STEWARD_PURGE_ARCHIVE=yes apt-get purge -y -q steward > "$work/purge2.log" 2>&1 ||
  { cat "$work/purge2.log"; fail "second purge"; }
in_root apt-get autoremove -y -q --purge > /dev/null 2>&1
rm -f "$root/tmp/steward.deb"
snapshot > "$work/after"
if ! diff "$work/before" "$work/after"; then fail "files left behind (above: < missing, > extra)"; fi
! in_root getent passwd steward > /dev/null || fail "the steward user is left"
echo "package test passed"
