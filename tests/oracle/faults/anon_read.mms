# tests/oracle/probes/fault_anon_read.c as a scenario: read 16 fresh anonymous pages (the
# zero page), then write them.
exec 1 /usr/bin/true
1 mmap(0x10000000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x10000000
#@ begin read16 1
1 read 0x10000000 64K
#@ end read16 1
#@ begin write-after-read 1
1 write 0x10000000 64K
#@ end write-after-read 1
