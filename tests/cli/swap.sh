#!/usr/bin/env bash
# Swap through a scenario (docs/swap.md): swapon of a file the host's mkswap made, MADV_PAGEOUT
# of three pages of data and one of zeros, /proc/swaps as Linux prints it, the data back by
# major faults, swapon's errors as strace prints them, swapoff reading everything back.
# usage: bash swap.sh MMSIM-BINARY SOURCE-DIR
set -eu
MMSIM=$1
# shellcheck source=lib/expect.bash
. "$(dirname "$0")/lib/expect.bash"

command -v mkswap >/dev/null 2>&1 || { echo "SKIP: no mkswap (util-linux)" >&2; exit 77; }
[ -x /usr/bin/true ] || { echo "SKIP: /usr/bin/true is absent" >&2; exit 77; }

sw="$tmp/swapfile"
dd if=/dev/zero of="$sw" bs=1M count=4 status=none
chmod 600 "$sw"
mkswap -q "$sw" >/dev/null
pad=$(printf '%*s' $((40 - ${#sw})) '')

# nr_requests=0: writes complete at once, so MADV_PAGEOUT's pages leave memory before it
# returns (on the default device they would still be in the swap cache, under writeback)
cat >"$tmp/s.mms" <<EOF
machine nr_requests=0
exec 1 /usr/bin/true
1 swapon("$sw", SWAP_FLAG_PREFER|5) = 0
expect meminfo SwapTotal 4092 kB
1 mmap(0x10000000, 4*4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = \$a
1 write \$a "page zero"
1 write \$a+0x1000 "page one"
1 write \$a+0x2000 "page two"
1 write \$a+0x3000 64
1 madvise(\$a, 16384, MADV_PAGEOUT) = 0
echo == four slots in use; the page of zeros was not written (swpout_zero)
show swaps
expect meminfo SwapFree 4076 kB
expect 1 status VmSwap 16 kB
expect vmstat pswpout 3
echo == one major fault reads slot 2 and, ahead, slots 1, 3 and 4 (the window 1-7 from boot)
expect 1 memory \$a+0x1000 "page one"
expect vmstat pswpin 3
expect vmstat swap_ra 3
expect 1 memory \$a+0x3000 "\\0\\0\\0\\0"
expect vmstat swap_ra_hit 1
1 swapon("$tmp/nonexistent", 0) = -1 ENOENT (No such file or directory)
1 swapon("$sw", 0) = -1 EBUSY (Device or resource busy)
1 swapon("$sw", 0x80000) = -1 EINVAL (Invalid argument)
1 swapoff("$sw") = 0
expect 1 status VmSwap 0 kB
expect 1 memory \$a "page zero"
expect 1 memory \$a+0x2000 "page two"
show swaps
EOF

expect_out run --check "$tmp/s.mms" -- \
	"Filename				Type		Size		Used		Priority" \
	"$sw$pad""file		4092		16		5"
[ "$(grep -c '^Filename' "$tmp/out")" = 2 ] || fail "two /proc/swaps headers expected"
[ "$(tail -1 "$tmp/out")" = "Filename				Type		Size		Used		Priority" ] ||
	fail "after swapoff /proc/swaps has only its header"
cp "$tmp/out" "$tmp/first"
run run "$tmp/s.mms"
cmp -s "$tmp/out" "$tmp/first" || fail "two runs differ"

# a file without a swap header: EINVAL, and the area list stays empty
dd if=/dev/zero of="$tmp/plain" bs=4096 count=16 status=none
printf '%s\n' "exec 1 /usr/bin/true" "1 swapon(\"$tmp/plain\", 0) = -1 EINVAL (Invalid argument)" \
	"expect meminfo SwapTotal 0 kB" >"$tmp/bad.mms"
expect_out run --check "$tmp/bad.mms" --
exit 0
