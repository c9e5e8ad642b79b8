#!/bin/bash
# mmsim validate --faults (docs/validate-faults.md) on a small static program: the probe
# tests/oracle/probes/fault_anon_write.c, which writes 16 pages of anonymous memory.
# Checks the mechanics: the exit statuses, the kernel's counts, that valgrind's trace is
# read whole and every access lands in a mapping of the program, that every system call
# finds its partner; and, once mmsim models every fault path the program takes (no "not
# model yet" line), that the counts agree within the tolerance (exit 0).
# Skips (77) without gcc, valgrind or ptrace.
MMSIM=$(readlink -f "$1")
SRC=$2
. "$SRC/tests/cli/lib/expect.bash"

# cannot run: exit 2 and one "mmsim: " line naming why (no valgrind needed for these)
run validate --faults --valgrind /nonexistent/valgrind -- true
[ "$rc" = 2 ] || fail "validate --faults with a missing valgrind: exit $rc, expected 2"
[ ! -s "$tmp/out" ] || fail "validate --faults with a missing valgrind: printed on stdout"
grep -q '^mmsim: validate --faults: valgrind is not installed' "$tmp/err" ||
	fail "validate --faults with a missing valgrind: stderr does not say so"
[ "$(wc -l <"$tmp/err")" = 1 ] || fail "validate --faults: expected one line on stderr"
run validate --faults -- "/nonexistent/program-$$"
[ "$rc" = 2 ] || fail "validate --faults of a missing program: exit $rc, expected 2"
grep -q "^mmsim: .*/nonexistent/program-$$: cannot execute" "$tmp/err" ||
	fail "validate --faults of a missing program: stderr does not name it"
expect_out help validate -- "--faults" "--valgrind PROG"

if ! command -v valgrind >/dev/null; then
	echo "SKIP: valgrind is not installed (Debian: apt-get install valgrind)"
	exit 77
fi
if ! command -v gcc >/dev/null; then
	echo "SKIP: gcc is not installed (the test program is built from source)"
	exit 77
fi
run validate -- true
if [ "$rc" = 2 ] && grep -q ptrace "$tmp/err"; then
	echo "SKIP: ptrace is not permitted here: $(cat "$tmp/err")"
	exit 77
fi
if ! gcc -O1 -static -o "$tmp/probe" "$SRC/tests/oracle/probes/fault_anon_write.c" 2>/dev/null; then
	echo "SKIP: cannot build a static program here (no static libc)"
	exit 77
fi

rc=0
(cd "$tmp" && "$MMSIM" validate --faults --log "$tmp/p.log" -- ./probe) \
	>"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "validate --faults ./probe: exit $rc"
for needle in "minor faults" "major faults" "RssAnon at exit_group" "RssFile at exit_group" \
	      "VmHWM" "tolerance:" "what cannot be exact"; do
	grep -qF "$needle" "$tmp/out" || fail "validate --faults: no '$needle' in the output"
done
# the kernel's side: the probe wrote 16 pages of anonymous memory, so at least 16 faults
# and 64 kB of RssAnon
kmin=$(awk '/^minor faults/ { print $3 }' "$tmp/out")
kanon=$(awk '/^RssAnon at exit_group/ { print $4 }' "$tmp/out")
[ "${kmin:-0}" -ge 16 ] || fail "the kernel's minor faults are $kmin, expected >= 16"
[ "${kanon:-0}" -ge 64 ] || fail "the kernel's RssAnon is $kanon kB, expected >= 64"
# --log keeps the recorded log and valgrind's two outputs
[ -s "$tmp/p.log" ] && [ -s "$tmp/p.log.lackey" ] && [ -s "$tmp/p.log.valgrind-stderr" ] ||
	fail "validate --faults --log: the three files were not kept"
grep -q '^[0-9]* execve("./probe"' "$tmp/p.log" || fail "the recorded log has no execve"
# every access of valgrind's log was read
want=$(grep -c '^I  \|^ [LSM] ' "$tmp/p.log.lackey")
got=$(sed -n 's/^valgrind.s trace: [0-9]* lines, \([0-9]*\) accesses, .*/\1/p' "$tmp/out")
[ "$got" = "$want" ] || fail "valgrind's log has $want accesses, the run read $got"
# a static program: no loader, no preload; every call paired, every access translated
grep -Eq '^system calls: ([0-9]+) memory calls recorded natively, \1 in valgrind.s run, \1 paired' \
	"$tmp/out" || fail "not every system call found its partner: $(grep '^system calls' "$tmp/out")"
! grep -q "outside every mapping\|own mappings\|no native partner\|SIGSEGV/SIGBUS" "$tmp/out" ||
	fail "some accesses were not translated: $(grep -A6 "^valgrind.s trace" "$tmp/out")"
if ! grep -q "does not model yet" "$tmp/out"; then
	[ "$rc" = 0 ] || fail "every fault path is modelled, yet the counts differ:
$(sed -n '3,11p' "$tmp/out")"
else
	echo "note: mmsim does not model every fault path of the probe yet; the verdict is not checked"
	sed -n '3,11p' "$tmp/out"
fi
exit 0
