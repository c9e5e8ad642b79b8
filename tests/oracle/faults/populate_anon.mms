# tests/oracle/probes/fault_populate_anon.c as a scenario: MAP_POPULATE of 16 private
# anonymous pages; reading them afterwards faults no more.
exec 1 /usr/bin/true
#@ begin populate-anon16 1
1 mmap(0x10000000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE|MAP_FIXED_NOREPLACE, -1, 0) = 0x10000000
#@ end populate-anon16 1
#@ begin read-anon16 1
1 read 0x10000000 64K
#@ end read-anon16 1
