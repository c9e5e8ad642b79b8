#!/usr/bin/env bash
# ASLR (randomize_va_space 0/1/2, personality ADDR_NO_RANDOMIZE): with `aslr on` the PIE base,
# mmap_base, the stack and (at 2) brk move by the kernel's entropy, drawn from the machine's
# seed: the same seed gives the same layout, another seed another one, and every region stays
# in the range Linux 6.18 on x86-64 gives it (28 bits of pages for mmap and PIE, 22 for the
# stack, 1 GiB for brk).
# usage: bash aslr.sh MMSIM-BINARY SOURCE-DIR
set -eu
MMSIM=$1
# shellcheck source=lib/expect.bash
. "$(dirname "$0")/lib/expect.bash"
[ -x /usr/bin/true ] || { echo "SKIP: /usr/bin/true is absent" >&2; exit 77; }

# layout SEED RANDOMIZE_VA_SPACE ASLR: maps and brk(NULL) into $tmp/out
layout() {
	printf 'machine seed=%s\nsysctl kernel.randomize_va_space=%s\naslr %s\nexec 1 /usr/bin/true\n1 brk(NULL)\nshow 1 maps\n' \
		"$1" "$2" "$3" >"$tmp/l.mms"
	run run --echo "$tmp/l.mms"
	[ "$rc" = 0 ] || fail "layout $*: exit $rc"
}
field() { # the start (1) or end (2) address of the first maps line matching $1, in decimal
	local a
	a=$(grep -E "^[0-9a-f]+-" "$tmp/out" | grep -m1 -- "$1" | cut -d' ' -f1 | cut -d- -f"$2")
	[ -n "$a" ] || fail "no '$1' line in the maps"
	printf '%d' "0x$a"
}
brk() { printf '%d' "$(sed -n 's/^1 brk(NULL) = //p' "$tmp/out")"; }

layout 1 2 off; cp "$tmp/out" "$tmp/off"
layout 1 0 on; cmp -s "$tmp/out" "$tmp/off" || fail "randomize_va_space=0 differs from ASLR off"
grep -q '^555555554000-' "$tmp/off" || fail "ASLR off: the PIE is not at 0x555555554000"

layout 7 2 on; cp "$tmp/out" "$tmp/a"
layout 7 2 on; cmp -s "$tmp/out" "$tmp/a" || fail "the same seed gave two layouts"
seen=""
for seed in 1 2 3 4 5 6; do
	layout $seed 2 on
	pie=$(field /usr/bin/true 1) ldso=$(field ld-linux 2) stack=$(field '\[stack\]' 2)
	data_end=$(grep -E "^[0-9a-f]+-.*/usr/bin/true" "$tmp/out" | tail -1 | cut -d' ' -f1 | cut -d- -f2)
	b=$(brk)
	# PIE: ELF_ET_DYN_BASE + up to 2^28 pages; mmap_base: up to 2^28 pages below the fixed one
	[ "$pie" -ge $((0x555555554000)) ] && [ "$pie" -lt $((0x555555554000 + (1 << 40))) ] ||
		fail "seed $seed: PIE base $(printf %x "$pie") out of range"
	[ "$ldso" -le $((0x7ffff7fff000)) ] && [ "$ldso" -gt $((0x7ffff7fff000 - (1 << 40) - (1 << 35))) ] ||
		fail "seed $seed: the loader ends at $(printf %x "$ldso"), out of range"
	# stack top: STACK_TOP minus up to 0x3fffff pages (16 GiB), then 16-byte alignment
	[ "$stack" -le $((0x7ffffffff000)) ] && [ "$stack" -gt $((0x7ffffffff000 - (1 << 34) - 4096)) ] ||
		fail "seed $seed: stack ends at $(printf %x "$stack"), out of range"
	# brk: a random page in [end of bss, + 1 GiB)
	[ "$b" -ge $((0x$data_end)) ] && [ "$b" -lt $((0x$data_end + (1 << 30))) ] ||
		fail "seed $seed: brk $(printf %x "$b") not within 1 GiB after the data ($data_end)"
	seen="$seen $pie/$ldso/$stack/$b"
done
[ "$(echo "$seen" | tr ' ' '\n' | sed '/^$/d' | cut -d/ -f1 | sort -u | wc -l)" -ge 5 ] ||
	fail "six seeds gave fewer than five PIE bases:$seen"
[ "$(echo "$seen" | tr ' ' '\n' | sed '/^$/d' | cut -d/ -f3 | sort -u | wc -l)" -ge 5 ] ||
	fail "six seeds gave fewer than five stack tops:$seen"

# randomize_va_space=1: everything but brk moves; the heap starts right after the data
layout 3 1 on
data_end=$(grep -E "^[0-9a-f]+-.*/usr/bin/true" "$tmp/out" | tail -1 | cut -d' ' -f1 | cut -d- -f2)
[ "$(brk)" = "$((0x$data_end))" ] || fail "randomize_va_space=1 moved brk"
[ "$(field /usr/bin/true 1)" != "$((0x555555554000))" ] || fail "randomize_va_space=1 did not move the PIE"
echo "aslr: ok"
