# tests/oracle/probes/fault_mlock.c as a scenario: mlock populates 16 anonymous pages;
# writing them afterwards faults no more.
exec 1 /usr/bin/true
1 mmap(0x10000000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x10000000
#@ begin mlock16 1
1 mlock(0x10000000, 65536) = 0
#@ end mlock16 1
#@ begin write-after-mlock 1
1 write 0x10000000 64K
#@ end write-after-mlock 1
