#!/usr/bin/env bash
# `mmsim translate`: the walk of one address through real page tables, in every paging mode,
# byte for byte against golden files (MMSIM_UPDATE_GOLDEN=1 rewrites them); the faults with
# their exact x86 error codes; the TLB hit on a repeat; the tour; errors with one stderr line.
# usage: bash translate.sh MMSIM-BINARY SOURCE-DIR
set -eu
MMSIM=$1 SRC=$2
gold=$SRC/tests/golden/translate
# shellcheck source=lib/expect.bash
. "$(dirname "$0")/lib/expect.bash"

# golden NAME ARGS...: the output equals tests/golden/translate/NAME.txt
golden() {
	local name=$1
	shift
	run translate --check "$@"
	[ "$rc" = 0 ] || fail "mmsim translate $*: exit $rc"
	if [ "${MMSIM_UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$tmp/out" "$gold/$name.txt"
		return
	fi
	diff -u "$gold/$name.txt" "$tmp/out" >&2 || fail "mmsim translate $*: differs from $name.txt"
}

golden x86_64-4level --repeat 2 0x7fffffffebcd
golden x86_64-5level --levels 5 --access write 0x7fffffffebcd
golden i386-2level --arch i386 --ram 2G 0xbffff123
golden i386-pae --arch i386 --levels 3 --ram 2G --access write 0xbffff123
golden arm64-4k-48 --arch arm64 --ram 2G 0xfffffffffbcd
golden arm64-16k-47 --arch arm64 --ram 2G --granule 16k --va-bits 47 0x7ffffffffbcd
golden arm64-64k-42 --arch arm64 --ram 2G --granule 64k --va-bits 42 --kernel 0xfffffc0000001234
golden tour-x86_64
golden tour-arm64-64k-48 --arch arm64 --granule 64k

# The faults, with the hardware's own codes.
expect_out translate --access write 0x555555554010 -- "write to a read-only page" \
	"#PF error code 0x7 (P W U)"
expect_out translate --access exec 0x7fffffffebcd -- "no-execute" "#PF error code 0x15 (P U I)"
expect_out translate 0x555555560000 -- "not present at pte" "#PF error code 0x4 (U)"
# the issue's example address: an ASLR stack's, unmapped here (the stack is where this
# machine's kernel puts it with ASLR off): its pgd entry exists, its pud entry does not
expect_out translate 0x7ffd1234abcd -- "not present at pud (PDPT)" "#PF error code 0x4 (U)"
expect_out translate 0x0000800000000000 -- "non-canonical" "#GP(0)"
expect_out translate 0xffff888000100000 -- "user access to a kernel page"
expect_out translate --kernel 0x555555554010 -- "kernel data access to a user page"
expect_out translate --arch arm64 --ram 2G --access write 0xaaaaaaaa0010 -- \
	"ESR 0x9200004f (EC 0x24, FSC 0x0f, WnR)"
# A TLB without entries ("none") walks every time; "tiny" hits on the repeat.
expect_out translate --tlb none --repeat 2 0x7fffffffebcd -- "access 2:" "4 memory references"
expect_out translate --tlb tiny --repeat 2 0x7fffffffebcd -- "TLB: L1d hit"
# JSON: one document with the walk.
expect_out translate --json 0x7fffffffebcd -- '"format": "x86_64-4level"' '"raw": "0x' \
	'"pa": "0x'

# x86 segmentation in front of paging: Linux's flat model, FS/GS bases, a bad selector.
expect_out translate --logical 0x2b:0x7fffffffebcd -- "descriptor 0x00cff3000000ffff" \
	"-> linear 0x7fffffffebcd" "physical 0x"
expect_out translate --kernel --logical gs:0x28 -- "-> linear 0xffff88813fa00028" \
	"1 GiB page"
expect_out translate --arch i386 --ram 2G --logical 0x7b:0xbffff123 -- "-> linear 0xbffff123" \
	"physical 0x"
expect_out translate --logical 0x1000:0x10 -- "#GP"
expect_status 1 translate --arch arm64 --logical ds:0 -- "arm64 has no segmentation"
expect_status 2 translate --logical ds:0 0x1000 -- "not both"

# Same input, same output.
run translate --repeat 3 0x7fffffffebcd
cp "$tmp/out" "$tmp/first"
run translate --repeat 3 0x7fffffffebcd
cmp -s "$tmp/out" "$tmp/first" || fail "two runs of translate differ"

# Errors.
expect_status 2 translate 0xzz -- "'0xzz'"
expect_status 2 translate --access bogus 0x1000 -- "--access"
expect_status 2 translate --json -- "need"
expect_status 1 translate --levels 6 0x1000 -- "--levels 6: paging: unknown page-table format"
expect_status 1 translate --tlb "l1d=60x4:4k" 0x1000 -- "power of two"
expect_status 1 translate --cpu 9 0x1000 -- "cpu 9"
expect_status 1 translate --set paging=arm64-4k-48 0x1000 -- "format of arm64"
echo ok
