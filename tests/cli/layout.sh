#!/usr/bin/env bash
# `mmsim layout`: the kernel's virtual memory layout per architecture and paging mode, drawn as
# the kernel's documents draw it; a malformed option is a usage error (exit 2), a paging mode
# that does not exist a failure (exit 1), each with one stderr line naming the culprit.
# usage: bash layout.sh MMSIM-BINARY SOURCE-DIR
set -eu
MMSIM=$1
# shellcheck source=lib/expect.bash
. "$(dirname "$0")/lib/expect.bash"

# x86_64 (the default), as Documentation/arch/x86/x86_64/mm.rst.
expect_out layout -- "(x86_64-4level)" "TASK_SIZE   0x00007ffffffff000" \
	"PAGE_OFFSET 0xffff888000000000" \
	" ffff888000000000 | -119.5  TB | ffffc87fffffffff |   64 TB | direct mapping" \
	" ffffffff80000000 | -2      GB | ffffffff9fffffff |  512 MB | kernel text" "KASLR"
cp "$tmp/out" "$tmp/first"
expect_out layout --arch x86_64 --levels 4 --
cmp -s "$tmp/out" "$tmp/first" || fail "layout and layout --arch x86_64 --levels 4 differ"
expect_out layout --levels 5 -- "(x86_64-5level)" "TASK_SIZE   0x00fffffffffff000" \
	"DEFAULT_MAP_WINDOW 0x00007ffffffff000" " ffa0000000000000 | -24     PB |"

# i386, as the old "virtual kernel memory layout:" boot lines.
expect_out layout --arch i386 -- "(i386-2level)" "virtual kernel memory layout:" \
	"    lowmem  : 0xc0000000 - 0xf6ffe000   ( 879 MB)" "TASK_SIZE   0xc0000000"
expect_out layout --arch i386 --levels 3 -- "(i386-pae)" \
	"    pkmap   : 0xff600000 - 0xff800000   (2048 kB)" \
	"    vmalloc : 0xf7dfe000 - 0xff5fe000   ( 120 MB)" \
	"    lowmem  : 0xc0000000 - 0xf75fe000   ( 885 MB)"

# arm64, as Documentation/arch/arm64/memory.rst, with the TTBR0/TTBR1 split.
expect_out layout --arch arm64 -- "(arm64-4k-48)" \
	"TTBR1 (kernel): 0xffff000000000000-0xffffffffffffffff" \
	" [ffff600000000000      ffff7fffffffffff]      32TB    [kasan shadow region]" \
	"  ffff800000000000      ffff80007fffffff        2GB    modules" "PCI I/O space"
expect_out layout --arch aarch64 --granule 64k --va-bits 42 -- "(arm64-64k-42)" \
	"PAGE_OFFSET 0xfffffc0000000000" "  ffffffff40000000      ffffffffbfffffff        2GB    vmemmap"
expect_out layout --arch=arm64 --granule=16k --va-bits=47 -- "(arm64-16k-47)"
expect_out layout --arch arm64 --levels 3 -- "(arm64-4k-39)" "PAGE_OFFSET 0xffffff8000000000"

# Same options, same bytes.
run layout --arch arm64 --granule 64k
cp "$tmp/out" "$tmp/a"
run layout --arch arm64 --granule 64k
cmp -s "$tmp/out" "$tmp/a" || fail "two runs of layout --arch arm64 --granule 64k differ"

# Usage errors: nothing printed on stdout, exit 2.
expect_status 2 layout --bogus -- "'--bogus'"
expect_status 2 layout extra -- "'extra'"
expect_status 2 layout --arch -- "--arch"
expect_status 2 layout --granule 8k -- "8k"
expect_status 2 layout --levels four -- "four"
expect_status 2 layout --va-bits=-1 -- "-1"
# Modes that do not exist: exit 1, the message lists the ones that do.
expect_status 1 layout --arch vax -- "'vax'"
expect_status 1 layout --levels 3 -- "x86_64-5level"
expect_status 1 layout --arch arm64 --va-bits 52 -- "arm64-64k-48"
expect_status 1 layout --arch i386 --granule 64k -- "i386-pae"
echo "ok"
