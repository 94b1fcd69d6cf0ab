#!/usr/bin/env bash
# `steward completion bash` completes as bash would: test_completion.sh STEWARD_BINARY
# Each case sets the words typed so far and checks what the completion offers.
set -euo pipefail
steward="$1"
script="$(mktemp)"
dir="$(mktemp -d)"
trap 'rm -rf "$script" "$dir"' EXIT
"$steward" completion bash > "$script"
bash -n "$script"
# shellcheck disable=SC1090
source "$script"
mkdir -p "$dir/pack-a" && touch "$dir/agreement.yaml"
failures=0
offers() {  # offers "<words typed, the last one being completed>" -> COMPREPLY, one a line
  read -r -a COMP_WORDS <<< "$1"
  [[ "$1" == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _steward
  printf '%s\n' "${COMPREPLY[@]}"
}
expect() {  # expect "<words>" <a word that must be offered> [<a word that must not be>]
  local got
  got="$(offers "$1")"
  if ! grep -qxF -- "$2" <<< "$got"; then
    echo "FAIL: '$1' should offer '$2'; offered: $(tr '\n' ' ' <<< "$got")"
    failures=$((failures + 1))
  fi
  if [ -n "${3:-}" ] && grep -qxF -- "$3" <<< "$got"; then
    echo "FAIL: '$1' should not offer '$3'"
    failures=$((failures + 1))
  fi
}
expect "steward ev" eval
expect "steward " serve
expect "steward eval --po" --policy
expect "steward eval --" --as-of --strict
expect "steward check --" --strict
expect "steward verify " compare
expect "steward verify compare --" --counterexample
expect "steward archive " verify
expect "steward serve --" --token-file
expect "steward eval --policy $dir/pa" "$dir/pack-a" "$dir/agreement.yaml"
expect "steward eval --policy $dir/pack-a $dir/ag" "$dir/agreement.yaml"
expect "steward eval --format " sarif --policy
expect "steward eval -f j" junit
expect "steward eval --format x --fail-on " review
[ "$failures" = 0 ] || exit 1
echo "completion: every case offered what it should"
