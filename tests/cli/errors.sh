#!/usr/bin/env bash
# Wrong input files and values: exit 1, nothing on stdout, one stderr line that names the
# place (file:line for files) so a person can fix it.
# usage: bash errors.sh MMSIM-BINARY SOURCE-DIR
set -eu
MMSIM=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; [ -s "$tmp/err" ] && sed 's/^/  stderr: /' "$tmp/err" >&2; exit 1; }
run() { rc=0; "$MMSIM" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?; }

# expect_error ARGS... -- PATTERN: exit 1, no stdout, one stderr line matching the ERE PATTERN.
expect_error() {
	local args=() pattern
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	pattern=$2
	run "${args[@]}"
	[ "$rc" = 1 ] || fail "mmsim ${args[*]}: exit $rc, expected 1"
	[ ! -s "$tmp/out" ] || fail "mmsim ${args[*]}: printed on stdout"
	[ "$(wc -l <"$tmp/err")" = 1 ] || fail "mmsim ${args[*]}: expected one line on stderr"
	grep -qE -- "$pattern" "$tmp/err" || fail "mmsim ${args[*]}: stderr does not match '$pattern'"
}

# An e820 log whose third line is a broken BIOS-e820 line.
e820="$tmp/bad-e820.txt"
cat >"$e820" <<'E820'
[    0.000000] BIOS-provided physical RAM map:
[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x00000000zzzzzzzz] usable
[    0.000000] BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved
E820
expect_error boot --e820 "$e820" -- "^mmsim: $e820:3:"

expect_error boot --e820 "$tmp/no-such-file" -- "^mmsim: .*$tmp/no-such-file"
expect_error boot --config "$tmp/no-such-file.ini" -- "^mmsim: .*$tmp/no-such-file.ini"

ini="$tmp/bad.ini"
printf '[machine]\nram = banana\n' >"$ini"
expect_error boot --config "$ini" -- "^mmsim: $ini:2:"

expect_error boot --ram banana -- "^mmsim: .*ram.*banana"
expect_error boot --nodes 0 -- "^mmsim: .*nodes"
expect_error boot --memory-model discontig -- "^mmsim: .*memory.model"
expect_error boot --set nosuchkey=1 -- "^mmsim: .*nosuchkey"
echo "ok"
