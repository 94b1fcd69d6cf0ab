#!/usr/bin/env bash
# Builds the Debian package of steward from a build tree:
#   bash tools/scripts/package-deb.sh [BUILD_DIR (default build)] [OUT_DIR (default BUILD_DIR)]
# prints the path of steward_<version>_<arch>.deb. What it holds: /usr/bin/steward (stripped),
# the DCF pack under /usr/share/steward/policies, a man page for `steward` and one for each
# command (help2man, from the command's own --help), bash completion (`steward completion
# bash`), the systemd unit and its settings (tools/package/), and the maintainer scripts that
# create the service's user. Dependencies are what dpkg-shlibdeps finds the binary linked to.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
out="${2:-$build}"
for tool in help2man dpkg-deb dpkg-shlibdeps; do
  command -v "$tool" > /dev/null || {
    echo "package-deb: $tool is missing (bash tools/scripts/install-deps.sh installs it)" >&2
    exit 2
  }
done
cmake --build "$build" --target steward > /dev/null
steward="$build/tools/steward"
version="$("$steward" --version | awk '{print $2}')"
arch="$(dpkg --print-architecture)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
stage="$work/steward_${version}_${arch}"

install -D -m 0755 "$steward" "$stage/usr/bin/steward"
strip --strip-unneeded "$stage/usr/bin/steward"
mkdir -p "$stage/usr/share/steward/policies"
cp -r "$root/policies/dcf-5-4" "$stage/usr/share/steward/policies/"
install -D -m 0644 "$root/tools/package/steward.service" "$stage/lib/systemd/system/steward.service"
install -D -m 0644 "$root/tools/package/default" "$stage/etc/default/steward"
install -d -m 0755 "$stage/etc/steward"
install -D -m 0644 "$root/README.md" "$stage/usr/share/doc/steward/README.md"
for doc in http-api.md security.md archive.md packaging.md; do
  [ -f "$root/docs/$doc" ] && install -m 0644 "$root/docs/$doc" "$stage/usr/share/doc/steward/"
done
cat > "$stage/usr/share/doc/steward/copyright" << 'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: steward
Comment: The repository names no license yet; until it does, no rights are granted beyond
 running the program as packaged.

Files: *
Copyright: the steward authors
License: none-yet
 No license has been chosen.
EOF

# Completion and man pages come from the binary itself, so they cannot fall behind it.
install -d "$stage/usr/share/bash-completion/completions"
"$steward" completion bash > "$stage/usr/share/bash-completion/completions/steward"
man="$stage/usr/share/man/man1"
install -d "$man"
# The commands and their one-line descriptions, as `steward --help` lists them.
mapfile -t commands < <("$steward" --help | awk '/^Subcommands:/{on=1; next} on && /^  [a-z]/{print $1}')
see_also="$work/see_also"
{
  echo "[SEE ALSO]"
  for c in "${commands[@]}"; do printf '.BR steward-%s (1)\n' "$c"; done
} > "$see_also"
help2man --no-info --no-discard-stderr --section=1 --version-string="steward $version" \
  --name="decide on data sharing agreements against a policy pack" --include="$see_also" \
  --output="$man/steward.1" "$steward"
# A command's subcommands and their descriptions, from its --help: "name<TAB>description".
subcommands_of() {
  "$steward" "$@" --help | awk '/^Subcommands:/{on=1; next} on && /^  [a-z]/{n=$1; $1=""; sub(/^ +/, ""); print n "\t" $0}'
}
# One page per command and per command under it (`steward verify compare`: steward-verify-compare).
page() {  # page "<words after steward>" "<description>" "<parent page>"
  local words="$1" desc="$2" parent="$3" name
  name="steward-${words// /-}"
  printf '[SEE ALSO]\n.BR %s (1)\n' "$parent" > "$work/see_$name"
  help2man --no-info --no-discard-stderr --section=1 --version-string="$name $version" \
    --help-option="$words --help" --name="${desc:-steward $words}" --include="$work/see_$name" \
    --output="$man/$name.1" "$steward"
}
while IFS=$'\t' read -r c desc; do
  page "$c" "$desc" steward
  while IFS=$'\t' read -r sub subdesc; do
    page "$c $sub" "$subdesc" "steward-$c"
  done < <(subcommands_of "$c")
done < <(subcommands_of)
gzip -9n "$man"/*.1

mkdir -p "$stage/DEBIAN" "$work/shlibs/debian"
touch "$work/shlibs/debian/control"
depends="$(cd "$work/shlibs" && dpkg-shlibdeps -O "$stage/usr/bin/steward" 2> /dev/null |
  sed -n 's/^shlibs:Depends=//p')"
installed_kb="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
cat > "$stage/DEBIAN/control" << EOF
Package: steward
Version: $version
Architecture: $arch
Maintainer: steward developers <steward@localhost>
Installed-Size: $installed_kb
Depends: $depends, adduser
Section: admin
Priority: optional
Homepage: https://localhost/steward
Description: policy-as-code engine for data sharing agreements
 steward decides on proposed data sharing agreements (allow, deny or
 needs_review) against a declarative policy pack, with reasons that cite the
 policy clause and point at the agreement's line. This package holds the
 steward command, the DCF 5-4 policy pack, and a sandboxed systemd service
 (steward.service) that serves decisions over HTTP and archives them.
EOF
echo "/etc/default/steward" > "$stage/DEBIAN/conffiles"
install -m 0755 "$root/tools/package/postinst" "$root/tools/package/prerm" \
  "$root/tools/package/postrm" "$stage/DEBIAN/"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | xargs -0 md5sum) \
  > "$stage/DEBIAN/md5sums"
mkdir -p "$out"
deb="$out/steward_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build -Zxz "$stage" "$deb" > /dev/null
echo "$deb"
