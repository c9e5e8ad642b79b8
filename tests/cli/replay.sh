#!/bin/bash
# mmsim replay: a log recorded on the development machine replays to the kernel's own maps
# (byte for byte, when this machine's files are the ones recorded); a changed return value
# is reported with its line and exit 1; unreadable logs exit 2 with file:line:column.
MMSIM=$1
SRC=$2
D=$SRC/tests/data/strace
. "$SRC/tests/cli/lib/expect.bash"

# every sample log replays; notes may be printed, never a crash
for log in cat.log cat-recorded.log probe.log probe-v-tt-T.log probe-static-ttt.log sh-r.log \
	   sh-stderr.log sh-v-tt.log thread-clone3.log; do
	run replay "$D/$log"
	[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "replay $log: exit $rc"
	grep -q '\[stack\]' "$tmp/out" || fail "replay $log: no [stack] in the maps"
done

# the recorded log (full environment, as `mmsim validate --log` writes it): exact maps
run replay "$D/cat-recorded.log"
[ "$rc" = 0 ] || fail "replay cat-recorded.log: exit $rc"
[ ! -s "$tmp/err" ] || fail "replay cat-recorded.log: printed on stderr"
ino=$(stat -c %i /usr/bin/cat 2>/dev/null)
if grep -q " $ino *\/usr\/bin\/cat$" "$D/cat-recorded.kernel-maps"; then
	diff -u "$D/cat-recorded.kernel-maps" "$tmp/out" >&2 || fail "replay: maps differ from the kernel's"
else
	echo "note: /usr/bin/cat is not the recorded file; maps not compared byte for byte"
fi

# a return value changed in the log: reported with the log's name and line, exit 1
sed '5s/= 0x7ffff7dd3000$/= 0x7ffff7000000/' "$D/cat-recorded.log" >"$tmp/changed.log"
grep -q '0x7ffff7000000' "$tmp/changed.log" || fail "test setup: line 5 not changed"
run replay --quiet "$tmp/changed.log"
[ "$rc" = 1 ] || fail "replay changed.log: exit $rc, expected 1"
grep -q "changed.log:5: .*mmap(.*= 0x7ffff7000000, mmsim gave 0x7ffff7dd3000" "$tmp/err" ||
	fail "replay changed.log: no divergence line for line 5"

# no -v: the environment is made up and said so
run replay "$D/cat.log"
grep -q "note: execve: the environment was elided" "$tmp/err" || fail "replay cat.log: no note"
run replay --quiet "$D/cat.log"
[ ! -s "$tmp/err" ] || fail "replay --quiet printed notes"

# unreadable input: exit 2, file:line:column
# (what precedes the bad line is replayed and reported; then the error, exit 2)
for want in "malformed.log:3:32: unknown symbol 'PROT_WRITTEN'" "truncated.log:36:19: mmap: the line ends"; do
	run replay --quiet "$D/${want%%:*}"
	[ "$rc" = 2 ] || fail "replay ${want%%:*}: exit $rc, expected 2"
	grep -qF "mmsim: $D/$want" "$tmp/err" || fail "replay ${want%%:*}: no '$want'"
done
expect_status 2 replay "$tmp/none.log" -- "none.log"
expect_status 2 replay -- "no LOG given"
expect_status 2 replay a.log b.log -- "one LOG only"
expect_status 2 replay --bogus x.log -- "unknown option"
expect_out help replay -- "usage: mmsim replay" "Exit status"
exit 0
