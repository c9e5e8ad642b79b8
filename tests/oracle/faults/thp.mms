# tests/oracle/probes/fault_thp.c as a scenario: a transparent huge page in a 2 MiB-aligned
# range advised MADV_HUGEPAGE (THP "enabled" = madvise, as on the reference machine).
exec 1 /usr/bin/true
1 mmap(0x40000000, 4194304, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x40000000
1 madvise(0x40000000, 2097152, MADV_HUGEPAGE) = 0
#@ begin thp-first-write 1
1 write 0x40000000
#@ end thp-first-write 1
#@ begin thp-rest-write 1
1 write 0x40000000 2M
#@ end thp-rest-write 1
#@ begin nohuge-write 1
1 write 0x40200000
#@ end nohuge-write 1
