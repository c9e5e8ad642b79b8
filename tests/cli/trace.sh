#!/usr/bin/env bash
# `mmsim trace`: page faults, RSS and access counts of generated and sample traces, derived
# here independently of mmsim (a write to a fresh anonymous page is one fault and 4 kB of RSS;
# a read maps the zero page: one fault, no RSS; a second touch of a page faults no more), the
# SIGSEGV of an access outside any VMA, a bad line's file:line:column, gzip input, --json,
# and determinism; the fast path against --no-fast-path; --log (the process an strace log's
# replay builds: tests/data/strace/cat-recorded.log, cat as pid 26592, its heap
# 0x555555560000-0x555555581000 after brk, libc's relro page 0x7ffff7fa2000 read-only after
# mprotect) and its errors; and, where strace and valgrind run, a log recorded around
# valgrind with the lackey trace of the same run.
# usage: bash trace.sh MMSIM-BINARY SOURCE-DIR
set -eu
MMSIM=$1
SRC=$2
# shellcheck source=lib/expect.bash
. "$(dirname "$0")/lib/expect.bash"


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

# the fast path counts what the full path counts (every field but the time)
for t in "$lk" "$tmp/rw.trace" "$tmp/span.trace"; do
	run trace --auto-vma --json "$t"
	sed 's/"seconds":[0-9.]*//' "$tmp/out" >"$tmp/fast"
	run trace --auto-vma --json --no-fast-path "$t"
	sed 's/"seconds":[0-9.]*//' "$tmp/out" | cmp -s - "$tmp/fast" ||
		fail "--no-fast-path counts differently on $t"
done

# bad lackey lines: file:line:column and what was expected
printf 'I  0401ab70,3\n L 10zz,4\n' >"$tmp/badaddr.lackey"
run trace --auto-vma "$tmp/badaddr.lackey"
[ "$rc" = 1 ] || fail "bad lackey address: exit $rc, expected 1"
grep -q "^mmsim: $tmp/badaddr.lackey:2:6: expected ',' and the size" "$tmp/err" ||
	fail "bad lackey address: no file:2:6"
printf ' S 10,0\n' >"$tmp/size0.lackey"
run trace --auto-vma "$tmp/size0.lackey"
[ "$rc" = 1 ] || fail "lackey size 0: exit $rc, expected 1"
grep -q "^mmsim: $tmp/size0.lackey:1:7: expected a size of at least 1 byte" "$tmp/err" ||
	fail "lackey size 0: no file:1:7"

# --log: 20 heap pages of cat's heap written (and read back): 20 faults, 80 kB more RSS
log=$SRC/tests/data/strace/cat-recorded.log
: >"$tmp/heap.trace"
for i in $(seq 0 19); do
	printf '%x W\n%x R\n' $((0x555555560000 + i * 4096 + 8)) $((0x555555560000 + i * 4096)) \
		>>"$tmp/heap.trace"
done
run trace --log "$log" "$tmp/heap.trace"
[ "$rc" = 0 ] || fail "trace --log heap.trace: exit $rc"
grep -q "^process: *pid 26592 of $log" "$tmp/out" || fail "trace --log: no process line"
want pgfault 20 "20 heap pages written"
before=$(sed -n 's/^process:.*RSS \([0-9]*\) kB before.*/\1/p' "$tmp/out")
want rss $((before + 80)) "20 heap pages written"
grep -q "^log: .*, 0 differ" "$tmp/out" || fail "trace --log: the replay differs"
if command -v python3 >/dev/null; then
	run trace --log "$log" --json "$tmp/heap.trace"
	python3 - "$tmp/out" <<'PY' || fail "trace --log --json heap.trace: counts"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["pid"] == 26592, d
assert d["pgfault"] == 20, d
assert d["rss_kb"] == d["rss_before_kb"] + 80, d
assert d["vmas"] == d["vmas_before"] and d["auto_mmap"] == 0, d
assert d["log"]["diverged"] == 0 and d["log"]["calls"] >= 30, d
PY
fi

# the log's last layout: libc's relro page is read-only, so a store there is SEGV_ACCERR
printf '555555560000 W\n7ffff7fa2008 W\n' >"$tmp/relro.trace"
run trace --log "$log" "$tmp/relro.trace"
[ "$rc" = 1 ] || fail "store to relro: exit $rc, expected 1"
grep -q "^mmsim: $tmp/relro.trace:2: SIGSEGV (SEGV_ACCERR) at address 0x7ffff7fa2008" \
	"$tmp/err" || fail "store to relro: no SEGV_ACCERR at line 2"

# a process the log does not have: --pid names the log; ==PID== names the trace's line
run trace --log "$log" --pid 4242 "$tmp/heap.trace"
[ "$rc" = 1 ] || fail "--pid 4242: exit $rc, expected 1"
grep -q "^mmsim: $log: the log has no process 4242 (its processes: 26592)" "$tmp/err" ||
	fail "--pid 4242: no error naming the log"
printf '==4242== Lackey, an example Valgrind tool\n S 555555560000,8\n' >"$tmp/other.lackey"
run trace --log "$log" "$tmp/other.lackey"
[ "$rc" = 1 ] || fail "trace of pid 4242: exit $rc, expected 1"
grep -q "^mmsim: $tmp/other.lackey:1: the trace is of process 4242, which the log" \
	"$tmp/err" || fail "trace of pid 4242: no error at the trace's line 1"
run trace --log "$log" --pid 26592 "$tmp/other.lackey"
[ "$rc" = 0 ] || fail "trace of pid 4242 with --pid 26592: exit $rc"
run trace --pid 3 "$tmp/heap.trace"
[ "$rc" = 2 ] || fail "--pid without --log: exit $rc, expected 2"

# --script: the process a scenario made; the trace faults in the rest of its VMA
printf '%s\n' 'exec 1 /usr/bin/true' \
	'1 mmap(0x10000000, 16*4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = $a' \
	'1 write $a 16K' >"$tmp/ts.mms"
printf ' S 10002000,8\n S 10004000,8\n S 10005008,8\n L 10006000,4\n' >"$tmp/ts.lackey"
run trace --script "$tmp/ts.mms" --json "$tmp/ts.lackey"
[ "$rc" = 0 ] || fail "trace --script: exit $rc"
grep -q '"pid":1,' "$tmp/out" || fail "trace --script: not the script's process 1"
grep -q '"pgfault":3,' "$tmp/out" || fail "trace --script: pages 4, 5 and the zero page 6 are 3 faults"
run trace --script "$tmp/ts.mms" --pid 9 "$tmp/ts.lackey"
[ "$rc" = 1 ] || fail "trace --script --pid 9: exit $rc"
grep -q "no live process 9" "$tmp/err" || fail "trace --script --pid 9: no message"
run trace --script "$tmp/ts.mms" --log "$tmp/ts.mms" "$tmp/ts.lackey"
[ "$rc" = 2 ] || fail "trace --script --log: exit $rc, expected a usage error"

# --keep-going: accesses answered with a signal are counted and skipped, the run goes on
printf 'I  00401000,4\n L 00000010,8\n S 00401008,8\n L 00000020,4\n' >"$tmp/sig.lackey"
run trace "$tmp/sig.lackey"
[ "$rc" = 1 ] || fail "trace of unmapped accesses: exit $rc, expected 1"
run trace --keep-going --json "$tmp/sig.lackey"
[ "$rc" = 0 ] || fail "trace --keep-going: exit $rc"
grep -q '"accesses":4,' "$tmp/out" || fail "trace --keep-going: not every access ran"
grep -q '"signals":4,"signal":11,"signal_addr":4198400,"signal_line":1,' "$tmp/out" ||
	fail "trace --keep-going: the signals are not counted or the first is not described"
grep -q "4 accesses skipped after a signal; the first: line 1" "$tmp/err" ||
	fail "trace --keep-going: no note on stderr"

# a log recorded around valgrind, and valgrind's trace of the same run: the same process,
# its layout at valgrind's addresses (skipped where strace or valgrind cannot run)
if command -v valgrind >/dev/null && command -v strace >/dev/null &&
	strace -o /dev/null true 2>/dev/null; then
	(cd "$tmp" && setarch -R strace -f -y -e trace=memory,process -o vg.strace \
		valgrind --tool=lackey --trace-mem=yes --log-file=vg.lackey /usr/bin/true) \
		>/dev/null 2>&1 || fail "strace valgrind true: did not run"
	vgpid=$(sed -n '1s/^==\([0-9]*\)==.*/\1/p' "$tmp/vg.lackey")
	run trace --log "$tmp/vg.strace" --auto-vma "$tmp/vg.lackey"
	[ "$rc" = 0 ] || fail "trace --log vg.strace vg.lackey: exit $rc"
	grep -q "^process: *pid $vgpid of $tmp/vg.strace (the pid the trace names" "$tmp/out" ||
		fail "trace --log vg.strace: not valgrind's process $vgpid"
	[ "$(count pgfault)" -gt 10 ] || fail "trace --log vg.strace: too few faults"
fi
exit 0
