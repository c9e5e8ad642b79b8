#!/usr/bin/env bash
# `mmsim run`: every lesson in examples/ runs with every validator on and all its expectations
# hold; a failed expectation and a malformed line each exit 1 with one stderr line naming the
# file, line and column; output is the same on every run.
# usage: bash run.sh MMSIM-BINARY SOURCE-DIR
set -eu
MMSIM=$1
SRC=$2
# shellcheck source=lib/expect.bash
. "$(dirname "$0")/lib/expect.bash"

[ -x /usr/bin/true ] || { echo "SKIP: /usr/bin/true is absent" >&2; exit 77; }

for f in "$SRC"/examples/*.mms; do
	run run --check "$f"
	[ "$rc" = 0 ] || fail "mmsim run --check $f: exit $rc"
	[ ! -s "$tmp/err" ] || fail "mmsim run $f: printed on stderr"
	cp "$tmp/out" "$tmp/first"
	run run "$f"
	cmp -s "$tmp/out" "$tmp/first" || fail "mmsim run $f: two runs differ"
done
expect_out run "$SRC/examples/address-space.mms" -- \
	"555555560000-555555581000 rw-p 00000000 00:00 0                          [heap]" \
	"7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]" \
	"VmStk:	     132 kB"

script() { printf '%s\n' "$@" >"$tmp/s.mms"; }

# --echo: each call with its result, as strace prints it
script "exec 1 /usr/bin/true" \
	"1 mmap(NULL, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = \$a" \
	"1 munmap(\$a+4096, 4096)" "1 munmap(\$a+1, 4096)"
expect_out run --echo "$tmp/s.mms" -- \
	"1 mmap(NULL, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7fc0000" \
	"1 munmap(0x7ffff7fc1000, 4096) = 0" "1 munmap(0x7ffff7fc0001, 4096) = -1 EINVAL (Invalid argument)"

# [anon:NAME]: only with CONFIG_ANON_VMA_NAME, which the reference kernel lacks (EINVAL there)
script "exec 1 /usr/bin/true" \
	"1 mmap(0x10000000, 3*4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = \$a" \
	"1 prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, \$a+4096, 4096, \"my buffer\") = -1 EINVAL (Invalid argument)"
expect_out run "$tmp/s.mms" --
printf '%s\n' "machine anon_vma_name=1" "$(cat "$tmp/s.mms" | sed 's/ = -1 EINVAL (Invalid argument)/ = 0/')" \
	"show 1 maps" >"$tmp/s2.mms"
expect_out run "$tmp/s2.mms" -- \
	"10000000-10001000 rw-p 00000000 00:00 0 " \
	"10001000-10002000 rw-p 00000000 00:00 0                                  [anon:my buffer]" \
	"10002000-10003000 rw-p 00000000 00:00 0 "

# fork: the child gets the pid written as the result and a copy of the VMAs; its munmap
# leaves the parent's mapping alone; after exit_group the child has no address space
script "exec 1 /usr/bin/true" \
	"1 mmap(0x10000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x10000000" \
	"1 fork() = 7" "expect 7 maps contains 10000000-10001000 r--p" \
	"7 munmap(0x10000000, 4096) = 0" "expect 1 maps contains 10000000-10001000 r--p" \
	"expect 7 maps lines 13" "7 exit_group(0) = ?" "expect 7 maps lines 0"
expect_out run --echo --check "$tmp/s.mms" -- "1 fork() = 7" "7 exit_group(0) = ?"

# accesses: faults fill the page tables; an unexpected completion of an access written to
# expect a signal fails; a lackey line with a bad address is refused with its column
script "exec 1 /usr/bin/true" \
	"1 mmap(0x10000000, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = \$a" \
	"1 read \$a 8K" "1 L 10000008,8" "1 write \$a = SIGSEGV" "expect 1 maps lines 0"
expect_out run --echo "$tmp/s.mms" -- "1 read 0x10000000 8K" "1 L 10000008,8" \
	"1 +++ killed by SIGSEGV (SEGV_ACCERR at 0x10000000) +++"
script "exec 1 /usr/bin/true" "1 write 0x7fffffffe000 = SIGSEGV"
expect_status 1 run "$tmp/s.mms" -- "s.mms:2:1: expect failed: the access was expected to end with SIGSEGV, it completed"
script "exec 1 /usr/bin/true" "1 L 1000zz,8"
expect_status 1 run "$tmp/s.mms" -- "s.mms:2:3: expected 'PID read|write|exec ADDR [LEN]'"

# a result that differs from the one written: exit 1, the line, both values
script "exec 1 /usr/bin/true" "1 mmap(NULL, 0, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0"
expect_status 1 run "$tmp/s.mms" -- "s.mms:2:1: expect failed: mmap returned = -1 EINVAL"
# expectations
script "exec 1 /usr/bin/true" "expect 1 status VmStk 128 kB"
expect_status 1 run "$tmp/s.mms" -- "s.mms:2:1: expect failed: /proc/1/status: VmStk is '132 kB', expected '128 kB'"
script "exec 1 /usr/bin/true" "expect 1 maps <<END" "nothing" "END"
expect_status 1 run "$tmp/s.mms" -- "differs from the expected text at its line 1"
script "exec 1 /usr/bin/true" "expect 1 maps lines 99"
expect_status 1 run "$tmp/s.mms" -- "has 13 lines, expected 99"
# malformed input: file, line, column, what was expected
script "exec 1 /usr/bin/true" "" "# comment" "1 munmap(\$nope, 4096)"
expect_status 1 run "$tmp/s.mms" -- "s.mms:4:10: variable '\$nope' is not set"
script "frobnicate 3"
expect_status 1 run "$tmp/s.mms" -- "s.mms:1:1: unknown statement 'frobnicate'"
script "1 mmap(NULL, 4096, PROT_READ|PROT_BOGUS, MAP_PRIVATE, -1, 0)"
expect_status 1 run "$tmp/s.mms" -- "s.mms:1:"
script "1 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)"
expect_status 1 run "$tmp/s.mms" -- "no process with pid 1 for mmap"
script "exec 1 /usr/bin/true" "machine memory=1G"
expect_status 1 run "$tmp/s.mms" -- "'machine' must come before"
script "exec 1 /nonexistent/program"
expect_status 1 run "$tmp/s.mms" -- "s.mms:1:6: exec /nonexistent/program"
script "exec 1 /usr/bin/true" "expect 1 maps <<END" "x"
expect_status 1 run "$tmp/s.mms" -- "has no closing line 'END'"
expect_status 1 run "$tmp/missing.mms" -- "missing.mms"
expect_status 2 run -- "a script FILE is needed"
echo "run: ok"
