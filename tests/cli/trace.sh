#!/usr/bin/env bash
# `mmsim trace`: page faults, RSS and access counts of generated and sample traces, derived
# here independently of mmsim (a write to a fresh anonymous page is one fault and 4 kB of RSS;
# a read maps the zero page: one fault, no RSS; a second touch of a page faults no more), the
# SIGSEGV of an access outside any VMA, a bad line's file:line:column, gzip input, --json,
# and determinism.
# usage: bash trace.sh MMSIM-BINARY SOURCE-DIR
set -eu
MMSIM=$1
SRC=$2
# shellcheck source=lib/expect.bash
. "$(dirname "$0")/lib/expect.bash"

field() { sed -n "s/^$1: *\([0-9]*\).*/\1/p" "$tmp/out"; }
want() { [ "$(field "$1")" = "$2" ] || fail "$3: $1 is '$(field "$1")', expected $2"; }

# N distinct pages written, 1 MiB apart half the time so several chunks and VMAs are made
N=300
: >"$tmp/w.trace"
for i in $(seq 0 $((N - 1))); do
	printf '%x W\n' $((0x40000000 + i * 4096 * (1 + (i % 2) * 64) + (i % 7) * 8)) >>"$tmp/w.trace"
done
run trace --auto-vma "$tmp/w.trace"
[ "$rc" = 0 ] || fail "trace --auto-vma w.trace: exit $rc"
want pgfault "$N" "N written pages"
want rss "$((N * 4))" "N written pages"
want accesses "$N" "N written pages"
grep -q "^pgfault: *$N (minor $N, major 0)" "$tmp/out" || fail "minor/major split"

# touching them all again: no more faults, same RSS
cat "$tmp/w.trace" "$tmp/w.trace" >"$tmp/ww.trace"
run trace --auto-vma "$tmp/ww.trace"
want pgfault "$N" "pages written twice"
want rss "$((N * 4))" "pages written twice"

# read-only: each read maps the shared zero page: N faults, RSS 0
sed 's/ W$/ R/' "$tmp/w.trace" >"$tmp/r.trace"
run trace --auto-vma "$tmp/r.trace"
want pgfault "$N" "N read pages"
want rss 0 "N read pages"

# read then write: the write replaces the zero page (a second, write-protect fault)
cat "$tmp/r.trace" "$tmp/w.trace" >"$tmp/rw.trace"
run trace --auto-vma "$tmp/rw.trace"
want pgfault "$((2 * N))" "read then written pages"
want rss "$((N * 4))" "read then written pages"

# a lackey store spanning a page boundary touches both pages
printf ' S 10000ffe,4\n' >"$tmp/span.trace"
run trace --auto-vma "$tmp/span.trace"
want pgfault 2 "page-spanning store"
want rss 8 "page-spanning store"

# without --auto-vma nothing is mapped: SIGSEGV at the first access, exit 1, line named
run trace "$tmp/w.trace"
[ "$rc" = 1 ] || fail "trace without --auto-vma: exit $rc, expected 1"
grep -q "^mmsim: $tmp/w.trace:1: SIGSEGV (SEGV_MAPERR) at address 0x40000000" "$tmp/err" ||
	fail "trace without --auto-vma: no SIGSEGV line naming file:1 and the address"

# a bad line: exit 1, file:line:column
printf '1000 W\n2000 R\n3000 Q\n' >"$tmp/bad.trace"
run trace --auto-vma "$tmp/bad.trace"
[ "$rc" = 1 ] || fail "bad trace line: exit $rc, expected 1"
grep -q "^mmsim: $tmp/bad.trace:3:[0-9][0-9]*: " "$tmp/err" || fail "bad trace line: no file:3:col"

# the lackey sample: counts by kind as grep counts them
lk=$SRC/tests/data/traces/true-lackey.log
ni=$(grep -c '^I ' "$lk"); nl=$(grep -c '^ L ' "$lk")
ns=$(grep -c '^ S ' "$lk"); nm=$(grep -c '^ M ' "$lk")
run trace --auto-vma "$lk"
[ "$rc" = 0 ] || fail "trace true-lackey.log: exit $rc"
grep -q "^accesses: *$((ni + nl + ns + nm)) (load $nl, store $ns, modify $nm, ifetch $ni)" \
	"$tmp/out" || fail "true-lackey.log: counts by kind differ from grep's"
grep -v '^time' "$tmp/out" >"$tmp/lk1"

# determinism: a second run is the same but for the time lines
run trace --auto-vma "$lk"
grep -v '^time' "$tmp/out" | cmp -s - "$tmp/lk1" || fail "true-lackey.log: two runs differ"

# gzip: the same run
if command -v gzip >/dev/null; then
	gzip -c "$lk" >"$tmp/lk.gz"
	run trace --auto-vma "$tmp/lk.gz"
	[ "$rc" = 0 ] || fail "trace lk.gz: exit $rc"
	grep -v '^time' "$tmp/out" | sed 's/lackey, gzip,/lackey, plain,/' | cmp -s - "$tmp/lk1" ||
		fail "gzip'd lackey log runs differently"
fi

# the page-trace sample: 8 faults (pages 0-5 first touched: 6; 2 and 3 written after a
# read: 2 more), pages 0, 2, 3 written: 12 kB
run trace --auto-vma "$SRC/tests/data/traces/vmsim-trace1"
want pgfault 8 "vmsim-trace1"
want rss 12 "vmsim-trace1"

# --json parses; without "seconds" two runs are identical
run trace --auto-vma --json "$lk"
[ "$rc" = 0 ] || fail "trace --json: exit $rc"
if command -v python3 >/dev/null; then
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["pgfault"] >= 1, d' \
		<"$tmp/out" || fail "trace --json: not JSON"
fi
sed 's/"seconds":[0-9.]*//' "$tmp/out" >"$tmp/j1"
run trace --auto-vma --json "$lk"
sed 's/"seconds":[0-9.]*//' "$tmp/out" | cmp -s - "$tmp/j1" || fail "trace --json: two runs differ"
exit 0
