# Demand paging of anonymous memory: the zero page, and copy-on-write after fork.
#
# mmap only promises memory; the first touch of each page faults. A read maps the shared zero
# page (nothing is allocated, RSS does not grow); a write allocates a zeroed frame. After fork
# parent and child share every page read-only; the first write by either copies the page,
# unless the writer is the page's last user, which then simply gets it back writable.
# Each step's increments (8 faults, +32 kB RssAnon, Pss 16 kB in the child ...) are what
# tests/oracle/probes/fault_anon.c and fault_fork_smaps.c measure on Linux 6.18
# (tests/unit/test_fault.c compares them step by step). exec itself took 3 faults before the
# first step: the stack page it wrote the arguments to, and the partial page after the file
# data of /usr/bin/true and of the dynamic loader, which exec zeroes (a copy-on-write of a
# file page, read from the file: 2 major faults here, where the page cache starts empty).
# Linux 6.18 shows the same 3 faults and RssAnon 12 kB when exec returns
# (tests/oracle/probes/exec_faults.c; minor there, its files being cached).
exec 1 /usr/bin/true
expect vmstat pgfault 3
1 mmap(0x10000000, 8*4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = $a

echo == read 8 pages: 8 faults, each maps the zero page; RssAnon does not grow
1 read $a 32K
expect vmstat pgfault 11
expect 1 status RssAnon 12 kB

echo == write them: 8 more faults, each replaces the zero page by a new zeroed frame
1 write $a 32K
expect vmstat pgfault 19
expect 1 status RssAnon 44 kB

echo == fork: the child shares all 8 pages; each counts half in Pss
1 fork() = 2
expect 2 smaps contains Pss:                  16 kB
expect 2 status RssAnon 44 kB

echo == the child writes: 8 faults, 8 copies; the parent keeps the originals
2 write $a 32K
expect vmstat pgfault 27
2 exit_group(0) = ?

echo == the parent writes: 8 faults, but no copy: it is the pages' last user (reuse)
1 write $a 32K
expect vmstat pgfault 35
expect 1 status RssAnon 44 kB

echo == and a write where nothing is mapped: SIGSEGV (SEGV_MAPERR) kills the process
1 write 0x1000 = SIGSEGV
