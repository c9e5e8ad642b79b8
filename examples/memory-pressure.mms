# Memory pressure: a 96 MiB machine with 32 MiB of swap, three processes that want more.
#
# While free memory stays above the zones' watermarks nothing happens. Below the low
# watermark kswapd reclaims (here it runs as soon as the allocating call returns); below
# min the allocating process reclaims itself (direct reclaim, allocstall). Reclaim takes
# pages from the tail of the inactive LRU lists: a clean file page is simply dropped, an
# anonymous page is written to swap and its page-table entries become swap entries
# (VmSwap in /proc/PID/status, "Used" in /proc/swaps). When neither RAM nor swap has room
# left, the OOM killer picks the process with the highest badness (RSS + swap entries +
# page tables, adjusted by oom_score_adj; never pid 1), kills it and frees its memory, and
# writes its report to the kernel log (`show dmesg`).
# (docs/reclaim.md and docs/swap.md say what is measured against Linux 6.18 and what is not.)
machine ram=96M swap=32M

echo == process 1 writes 40 MiB: it fits in RAM
exec 1 /usr/bin/true
1 mmap(NULL, 40*1048576, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $a
1 write $a 40M
expect 1 status VmSwap 0 kB

echo == process 2 writes 40 MiB more: reclaim swaps most of process 1 out
exec 2 /usr/bin/true
2 mmap(NULL, 40*1048576, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $b
2 write $b 40M
show 1 status
show swaps

echo == process 3 wants 60 MiB: RAM and swap are full; the OOM killer kills process 2, the
echo == largest, and later process 3 itself, which still wants more than is left
exec 3 /usr/bin/true
3 mmap(NULL, 60*1048576, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $c
3 write $c 60M
expect dmesg contains Out of memory: Killed process 2 (true)
show dmesg
