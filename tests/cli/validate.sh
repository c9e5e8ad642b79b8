#!/bin/bash
# mmsim validate: real programs on the live kernel against mmsim; an empty diff and exit 0
# when they agree; exit 2 when the program cannot be run. Skips (77) without ptrace.
MMSIM=$1
SRC=$2
. "$SRC/tests/cli/lib/expect.bash"

run validate -- true
if [ "$rc" = 2 ] && grep -q ptrace "$tmp/err"; then
	echo "SKIP: ptrace is not permitted here: $(cat "$tmp/err")"
	exit 77
fi
[ "$rc" = 0 ] || fail "validate true: exit $rc"
[ ! -s "$tmp/out" ] || fail "validate true: the diff is not empty"

# the recorded log is strace's format and replays to the same result
run validate --quiet --log "$tmp/cat.log" --keep -- cat /etc/hostname
[ "$rc" = 0 ] || fail "validate cat: exit $rc"
head -1 "$tmp/cat.log" | grep -q '^[0-9]* execve("/usr/bin/cat", \["cat", "/etc/hostname"\], \[' ||
	fail "validate --log: the log does not start with the execve"
grep -q ' exit_group(0) = ?$' "$tmp/cat.log" || fail "validate --log: no exit_group"
cmp -s "$tmp/cat.log.kernel-maps" "$tmp/cat.log.mmsim-maps" || fail "validate --keep: maps differ"
grep -q '\[vsyscall\]' "$tmp/cat.log.kernel-maps" || fail "validate --keep: no kernel maps"
run replay --quiet "$tmp/cat.log"
[ "$rc" = 0 ] || fail "replay of the recorded log: exit $rc"
cmp -s "$tmp/out" "$tmp/cat.log.mmsim-maps" || fail "replay of the recorded log: other maps"

# a child process and an mmap past the malloc threshold freed again
run validate --quiet -- sh -c 'dd if=/dev/zero of=/dev/null bs=4M count=2 2>/dev/null'
[ "$rc" = 0 ] || fail "validate sh -c dd: exit $rc"

# cannot run: exit 2 and one "mmsim: " line naming why
cant_run() {
	local want=$1
	shift
	run validate "$@"
	[ "$rc" = 2 ] || fail "validate $*: exit $rc, expected 2"
	[ ! -s "$tmp/out" ] || fail "validate $*: printed on stdout"
	[ "$(wc -l <"$tmp/err")" = 1 ] || fail "validate $*: expected one line on stderr"
	grep -q "^mmsim: .*$want" "$tmp/err" || fail "validate $*: stderr does not say '$want'"
}
cant_run "/nonexistent/program: cannot execute: No such file" -- /nonexistent/program
cant_run "nosuchprogram-$$: not found in PATH" -- "nosuchprogram-$$"
cant_run "unexpected argument" true
cant_run "expected -- CMD" --
expect_out help validate -- "usage: mmsim validate" "Exit status"
exit 0
