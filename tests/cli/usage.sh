#!/usr/bin/env bash
# The command line itself: help, version, and usage errors (exit 2, one line naming the culprit).
# usage: bash usage.sh MMSIM-BINARY SOURCE-DIR
set -eu
MMSIM=$1 SRC=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; [ -s "$tmp/err" ] && sed 's/^/  stderr: /' "$tmp/err" >&2; exit 1; }
run() { rc=0; "$MMSIM" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?; }

# expect_usage ARGS... -- NEEDLE: exit 2, nothing on stdout, one stderr line "mmsim: ..." with NEEDLE.
expect_usage() {
	local args=() needle
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	needle=$2
	run "${args[@]}"
	[ "$rc" = 2 ] || fail "mmsim ${args[*]}: exit $rc, expected 2"
	[ ! -s "$tmp/out" ] || fail "mmsim ${args[*]}: printed on stdout"
	[ "$(wc -l <"$tmp/err")" = 1 ] || fail "mmsim ${args[*]}: expected one line on stderr"
	grep -q '^mmsim: ' "$tmp/err" || fail "mmsim ${args[*]}: stderr does not start with 'mmsim: '"
	grep -qF -- "$needle" "$tmp/err" || fail "mmsim ${args[*]}: stderr does not name '$needle'"
}

run --help
[ "$rc" = 0 ] || fail "--help: exit $rc"
grep -qE '^ +boot +' "$tmp/out" || fail "--help does not list the boot command"
cp "$tmp/out" "$tmp/help"
run help
[ "$rc" = 0 ] && cmp -s "$tmp/out" "$tmp/help" || fail "'mmsim help' differs from 'mmsim --help'"

run help boot
[ "$rc" = 0 ] || fail "help boot: exit $rc"
for opt in --arch --ram --e820 --config --nodes --cpus --memory-model --seed --set --show --json --check; do
	grep -qF -- "$opt" "$tmp/out" || fail "'mmsim help boot' does not describe $opt"
done
cp "$tmp/out" "$tmp/bhelp"
run boot --help
[ "$rc" = 0 ] && cmp -s "$tmp/out" "$tmp/bhelp" || fail "'mmsim boot --help' differs from 'mmsim help boot'"

version=$(sed -n 's/^#define MMSIM_VERSION "\(.*\)"$/\1/p' "$SRC/include/mmsim/mmsim.h")
[ -n "$version" ] || fail "no MMSIM_VERSION in include/mmsim/mmsim.h"
run --version
[ "$rc" = 0 ] && [ "$(cat "$tmp/out")" = "mmsim $version" ] || fail "--version printed '$(cat "$tmp/out")', expected 'mmsim $version'"

expect_usage -- "no command"
expect_usage frobnicate -- "'frobnicate'"
expect_usage --frobnicate -- "'--frobnicate'"
expect_usage help frobnicate -- "'frobnicate'"
expect_usage boot --bogus -- "'--bogus'"
expect_usage boot --bogus=3 -- "'--bogus'"
expect_usage boot --ram 1G --bogus -- "'--bogus'"
expect_usage boot extra -- "'extra'"
expect_usage boot --ram -- "--ram"
expect_usage boot --json=yes -- "--json"
expect_usage boot --show nosuchfile -- "'nosuchfile'"
expect_usage boot --show meminfo, -- "empty name"
expect_usage boot --set novalue -- "KEY=VALUE"
expect_usage boot --set =1 -- "KEY=VALUE"
expect_usage boot --json --show meminfo -- "--json"
# A usage error anywhere wins over a wrong value before it: nothing is applied.
expect_usage boot --ram banana --bogus -- "'--bogus'"
echo "ok"
