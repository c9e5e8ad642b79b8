#!/usr/bin/env bash
# Machine options are applied in order (a later one overrides), --set reaches the same keys as
# the named options, and the default overview shows the machine and its free memory.
# usage: bash options.sh MMSIM-BINARY SOURCE-DIR
set -eu
MMSIM=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# boot ARGS... > FILE: mmsim boot ARGS, which must succeed.
boot() { "$MMSIM" boot "$@" </dev/null || fail "mmsim boot $*: exit $?"; }

boot --ram 1G --show meminfo >"$tmp/1g"
boot --ram 2G --show meminfo >"$tmp/2g"
cmp -s "$tmp/1g" "$tmp/2g" && fail "--ram 1G and --ram 2G give the same meminfo"
boot --ram 1G --ram 2G --show meminfo >"$tmp/1g2g"
cmp -s "$tmp/1g2g" "$tmp/2g" || fail "--ram 1G --ram 2G is not --ram 2G: the later option must win"
boot --set ram=2G --show meminfo >"$tmp/set"
cmp -s "$tmp/set" "$tmp/2g" || fail "--set ram=2G is not --ram 2G"
boot --set=ram=2G --show meminfo >"$tmp/set2"
cmp -s "$tmp/set2" "$tmp/2g" || fail "--set=ram=2G is not --ram 2G"

boot --nodes 2 --show buddyinfo >"$tmp/n2"
grep -q '^Node 1, zone' "$tmp/n2" || fail "--nodes 2: no Node 1 in buddyinfo"
boot --nodes 2 --nodes 1 --show buddyinfo >"$tmp/n1"
grep -q '^Node 1, zone' "$tmp/n1" && fail "--nodes 2 --nodes 1: Node 1 still in buddyinfo"

# A firmware map as dmesg prints it: the host's low ranges (tests/oracle/host-6.18/dmesg.txt),
# RAM cut at 1.5 GiB to keep the test small; other lines are ignored.
cat >"$tmp/e820.txt" <<'E820'
[    0.000000] BIOS-provided physical RAM map:
[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
[    0.000000] BIOS-e820: [mem 0x000000000009fc00-0x00000000000fffff] reserved
[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x000000005fffffff] usable
[    0.000000] NX (Execute Disable) protection: active
E820
boot --e820 "$tmp/e820.txt" --check --show meminfo >"$tmp/e820"
grep -qE '^MemTotal: +[0-9]+ kB$' "$tmp/e820" || fail "--e820: no MemTotal in meminfo"
total() { sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' "$1"; }
[ "$(total "$tmp/e820")" -gt "$(total "$tmp/1g")" ] && [ "$(total "$tmp/e820")" -lt "$(total "$tmp/2g")" ] ||
	fail "--e820 with 1.5 GiB of RAM: MemTotal $(total "$tmp/e820") kB is not between --ram 1G's and --ram 2G's"

# The overview: the machine in one sentence, then buddyinfo and meminfo lines unchanged.
boot --ram 2G --cpus 4 >"$tmp/overview"
head -n 1 "$tmp/overview" | grep -q 'x86_64' || fail "overview's first line does not name the architecture"
head -n 1 "$tmp/overview" | grep -qE ' 2(\.00)? GiB ' || fail "overview's first line does not say 2 GiB"
head -n 1 "$tmp/overview" | grep -q '4 CPUs' || fail "overview's first line does not say 4 CPUs"
boot --ram 2G --cpus 4 --show buddyinfo >"$tmp/b"
while IFS= read -r line; do
	grep -qxF -- "$line" "$tmp/overview" || fail "overview lacks buddyinfo line '$line'"
done <"$tmp/b"
grep -qE '^ *MemTotal: +[0-9]+ kB$' "$tmp/overview" || fail "overview lacks MemTotal"
[ "$(wc -l <"$tmp/overview")" -le 40 ] || fail "overview is longer than 40 lines"
echo "ok"
