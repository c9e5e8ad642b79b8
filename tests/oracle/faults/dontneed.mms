# tests/oracle/probes/fault_dontneed.c as a scenario: MADV_DONTNEED of 16 written anonymous
# pages, then reading them back (zero pages).
exec 1 /usr/bin/true
1 mmap(0x10000000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x10000000
1 write 0x10000000 64K
#@ begin dontneed16 1
1 madvise(0x10000000, 65536, MADV_DONTNEED) = 0
#@ end dontneed16 1
#@ begin read-after-dontneed 1
1 read 0x10000000 64K
#@ end read-after-dontneed 1
