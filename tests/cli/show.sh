#!/usr/bin/env bash
# --show prints each /proc file exactly as rendered, in the order given, back to back like cat.
# usage: bash show.sh MMSIM-BINARY SOURCE-DIR
set -eu
MMSIM=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# show LIST [ARGS...] > FILE: one run of mmsim boot --show LIST, which must succeed.
show() {
	local list=$1
	shift
	"$MMSIM" boot --ram 2G --nodes 2 "$@" --show "$list" </dev/null || fail "--show $list $*: exit $?"
}

files=(buddyinfo zoneinfo pagetypeinfo meminfo slabinfo vmstat iomem memblock)
for f in "${files[@]}"; do
	show "$f" >"$tmp/$f"
	[ -s "$tmp/$f" ] || fail "--show $f printed nothing"
	[ "$(tail -c 1 "$tmp/$f" | od -An -c | tr -d ' ')" = '\n' ] || fail "--show $f does not end in a newline"
done
head -n 1 "$tmp/buddyinfo" | grep -qE '^Node 0, zone +DMA' || fail "buddyinfo does not start with Node 0's DMA zone"
grep -q '^Node 1, zone' "$tmp/buddyinfo" || fail "buddyinfo of a 2-node machine has no Node 1"
head -n 1 "$tmp/meminfo" | grep -qE '^MemTotal: +[0-9]+ kB$' || fail "meminfo does not start with MemTotal"
head -n 1 "$tmp/zoneinfo" | grep -qE '^Node 0, zone +DMA$' || fail "zoneinfo does not start with Node 0, zone DMA"
head -n 1 "$tmp/slabinfo" | grep -qx 'slabinfo - version: 2.1' || fail "slabinfo header is not Linux's"
head -n 1 "$tmp/pagetypeinfo" | grep -qE '^Page block order: [0-9]+$' || fail "pagetypeinfo header is not Linux's"
head -n 1 "$tmp/vmstat" | grep -qE '^nr_free_pages [0-9]+$' || fail "vmstat does not start with nr_free_pages"
grep -qvE '^[0-9a-f]{8,}-[0-9a-f]{8,} : [A-Za-z]' "$tmp/iomem" && fail "iomem has a line not in r_show's format"
head -n 1 "$tmp/memblock" | grep -qx 'memory:' || fail "memblock does not start with 'memory:'"

# Several files: back to back, in the order given, each unchanged.
show meminfo,buddyinfo >"$tmp/two"
cat "$tmp/meminfo" "$tmp/buddyinfo" | cmp -s - "$tmp/two" || fail "--show meminfo,buddyinfo is not meminfo then buddyinfo"
show buddyinfo,meminfo >"$tmp/two-rev"
cat "$tmp/buddyinfo" "$tmp/meminfo" | cmp -s - "$tmp/two-rev" || fail "--show buddyinfo,meminfo is not buddyinfo then meminfo"
list=$(IFS=,; echo "${files[*]}")
show "$list" >"$tmp/all"
(cd "$tmp" && cat "${files[@]}") | cmp -s - "$tmp/all" || fail "--show $list is not the files back to back"

# A later --show replaces an earlier one.
show buddyinfo --show meminfo >"$tmp/later"
cmp -s "$tmp/later" "$tmp/buddyinfo" || fail "a later --show did not replace an earlier one"
echo "ok"
