#!/usr/bin/env bash
# Same options, same seed: byte-identical output, run after run.
# usage: bash determinism.sh MMSIM-BINARY SOURCE-DIR
set -eu
MMSIM=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
all=buddyinfo,zoneinfo,pagetypeinfo,meminfo,slabinfo,vmstat,iomem,memblock

n=0
for args in "" "--json" "--show $all" "--seed 42 --ram 3G --nodes 2 --cpus 4 --show $all" \
	"--seed 42 --ram 3G --nodes 2 --cpus 4 --json"; do
	n=$((n + 1))
	# shellcheck disable=SC2086 # args is a list of words
	"$MMSIM" boot $args >"$tmp/a$n" </dev/null || fail "mmsim boot $args: exit $?"
	# shellcheck disable=SC2086
	"$MMSIM" boot $args >"$tmp/b$n" </dev/null || fail "mmsim boot $args (second run): exit $?"
	[ -s "$tmp/a$n" ] || fail "mmsim boot $args printed nothing"
	cmp -s "$tmp/a$n" "$tmp/b$n" || fail "mmsim boot $args: two runs differ"
done
echo "ok"
