# tests/oracle/probes/fault_mprotect.c as a scenario: zero pages made writable by mprotect
# still fault on the write; written pages made read-only and writable again do not.
exec 1 /usr/bin/true
1 mmap(0x10000000, 65536, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x10000000
1 read 0x10000000 64K
#@ begin rw-write-zeropages 1
1 mprotect(0x10000000, 65536, PROT_READ|PROT_WRITE) = 0
1 write 0x10000000 64K
#@ end rw-write-zeropages 1
#@ begin ro-rw-write 1
1 mprotect(0x10000000, 65536, PROT_READ) = 0
1 mprotect(0x10000000, 65536, PROT_READ|PROT_WRITE) = 0
1 write 0x10000000 64K
#@ end ro-rw-write 1
