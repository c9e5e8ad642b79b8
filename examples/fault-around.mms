# File pages: the page cache, major and minor faults, and fault-around.
#
# A file mapping's pages come from the page cache. The first touch of a page that is not in
# the cache reads it from the file (a major fault) together with a large window around it
# (readahead: "read-around" of read_ahead_kb, 8 MiB on this machine's disk). Then the
# kernel maps not just the page touched but every cached page in the 64 KiB-aligned block
# around it (fault-around, fault_around_bytes = 65536), so the 15 neighbours take no fault
# of their own. A later touch outside that block finds its page cached: a minor fault,
# which again maps a whole block. A write to a private file mapping copies the page into
# an anonymous one (copy-on-write): RssFile goes down, RssAnon up.
# (Measured on Linux 6.18 with tests/oracle/probes/pagecache_probe.c: 1 major fault and 16
# pages mapped on a cold first touch; docs/page-cache.md has the numbers.)
#
# The mapping is placed at a 2 MiB-aligned address so that the blocks are easy to see.
exec 1 /usr/bin/true
1 mmap(0x20000000, 1048576, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3</usr/lib/x86_64-linux-gnu/libc.so.6>, 0) = $f
expect 1 status RssFile 0 kB

echo == touch page 3 of libc, not cached yet: one major fault maps pages 0-15 (64 KiB)
1 read $f+0x3000
expect vmstat pgmajfault 3
expect 1 status RssFile 64 kB

echo == page 20: cached by the readahead, one minor fault maps pages 16-31
1 read $f+0x14000
expect vmstat pgmajfault 3
expect 1 status RssFile 128 kB

echo == page 17 is mapped already: no fault at all
1 read $f+0x11000
expect vmstat pgfault 5

echo == writing page 17 of this private mapping copies it: RssFile -4 kB, RssAnon +4 kB
1 write $f+0x11000
expect vmstat pgfault 6
expect 1 status RssFile 124 kB
expect 1 status RssAnon 16 kB
show 1 smaps_rollup
