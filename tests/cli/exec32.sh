#!/usr/bin/env bash
# exec of 32-bit (i386) ELF files on x86-64: a compat task with the 32-bit layout (TASK_SIZE
# 0xffffe000, the stack below it, mmap_base below the stack gap, the 32-bit vDSO), compared
# byte for byte with what the live kernel builds for the same file: the program prints its
# own /proc/self/maps as its first act (tests/data/elf/maps32.c).
# usage: bash exec32.sh MMSIM-BINARY SOURCE-DIR
set -eu
MMSIM=$1
SRC=$2
# shellcheck source=lib/expect.bash
. "$(dirname "$0")/lib/expect.bash"

cc=${CC:-gcc}
flags="-m32 -nostdlib -O1 -fno-stack-protector -fno-asynchronous-unwind-tables"
$cc $flags -static -fno-pie -no-pie -o "$tmp/maps32" "$SRC/tests/data/elf/maps32.c" 2>/dev/null ||
	{ echo "SKIP: $cc cannot build an i386 program here" >&2; exit 77; }
$cc $flags -static-pie -fpie -o "$tmp/maps32pie" "$SRC/tests/data/elf/maps32.c" 2>/dev/null ||
	{ echo "SKIP: $cc cannot build an i386 static PIE here" >&2; exit 77; }
command -v setarch >/dev/null || { echo "SKIP: setarch is absent" >&2; exit 77; }
for prog in maps32 maps32pie; do
	if ! setarch -R "$tmp/$prog" >"$tmp/$prog.kernel" 2>/dev/null || [ ! -s "$tmp/$prog.kernel" ]; then
		echo "SKIP: this kernel does not run i386 programs (IA32 emulation off)" >&2
		exit 77
	fi
	printf 'exec 1 %s\nshow 1 maps\n' "$tmp/$prog" >"$tmp/$prog.mms"
	run run --check "$tmp/$prog.mms"
	[ "$rc" = 0 ] || fail "mmsim run (exec $prog): exit $rc"
	if ! cmp -s "$tmp/out" "$tmp/$prog.kernel"; then
		diff -u "$tmp/$prog.kernel" "$tmp/out" >&2 || true
		fail "$prog: mmsim's maps differ from the kernel's"
	fi
done
echo "exec32: ok"
