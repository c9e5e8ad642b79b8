# Transparent huge pages: one fault, one 2 MiB page.
#
# With /sys/kernel/mm/transparent_hugepage/enabled = madvise (this machine's setting and the
# simulated kernel's default, `machine thp=madvise`), a private anonymous range that was given
# MADV_HUGEPAGE, and whose 2 MiB-aligned block lies wholly inside its VMA, is not filled 4 KiB
# at a time: its first write allocates an order-9 folio (512 contiguous frames, zeroed) and
# maps it with ONE page-table entry at the PMD level. One fault instead of 512, and one TLB
# entry covers the whole 2 MiB. A read maps the shared huge zero page instead, allocating
# nothing. When only part of the 2 MiB must change (a fork child writes one page, munmap or
# mprotect of 4 KiB) the PMD is split into 512 ordinary PTEs mapping the same frames.
# Each step's numbers are what tests/oracle/probes/thp_fault.c measured on Linux 6.18
# (steps write, write-2nd, nohuge, read, fork-child-write, munmap-4k; tests/unit/test_thp.c
# checks them one by one, with the fault counts and RSS). The expectations here use the THP
# counters and AnonHugePages, which the program's own start-up does not touch.
exec 1 /usr/bin/true
1 mmap(0x40000000, 4*1048576, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = $a
1 madvise($a, 2*1048576, MADV_HUGEPAGE) = 0

echo == one write: one fault maps a whole 2 MiB huge page
1 write $a
expect vmstat thp_fault_alloc 1
expect vmstat nr_anon_transparent_hugepages 1
expect meminfo AnonHugePages 2048 kB
expect 1 smaps_rollup AnonHugePages 2048 kB

echo == the other 511 pages of it are there already: writing them takes no fault
1 write $a 2M

echo == the second 2 MiB was not madvised: 4 KiB pages, one fault each
1 write $a+0x200000 8K
expect vmstat thp_fault_alloc 1
expect 1 smaps_rollup AnonHugePages 2048 kB

echo == a read of a fresh madvised block maps the huge zero page: one fault, no memory
1 mmap(0x40400000, 2*1048576, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = $b
1 madvise($b, 2*1048576, MADV_HUGEPAGE) = 0
1 read $b 2M
expect vmstat thp_zero_page_alloc 1
expect vmstat thp_fault_alloc 1
expect 1 smaps_rollup AnonHugePages 2048 kB

echo == fork: the child shares the huge page; its first write splits ITS PMD into 512 PTEs
echo == and copies just the one 4 KiB page it wrote (its RSS stays the same: -1 page, +1 page)
1 fork() = 2
2 write $a+0x1000
expect vmstat thp_split_pmd 1
expect 2 smaps_rollup AnonHugePages 0 kB
expect 1 smaps_rollup AnonHugePages 2048 kB
2 exit_group(0) = ?

echo == munmap of one 4 KiB page inside the huge page splits the parent's PMD too
1 munmap($a+0x64000, 4096) = 0
expect vmstat thp_split_pmd 2
expect vmstat nr_anon_transparent_hugepages 0
expect meminfo AnonHugePages 0 kB
expect 1 smaps_rollup AnonHugePages 0 kB

echo == the 2 MiB folio itself stays whole (Linux queues it for a deferred split, counted in
echo == thp_deferred_split_page) and goes back to the buddy allocator with its last page
1 munmap($a, 2*1048576) = 0
expect vmstat thp_split_pmd 2
expect 1 smaps_rollup AnonHugePages 0 kB
