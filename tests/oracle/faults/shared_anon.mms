# tests/oracle/probes/fault_shared_anon.c as a scenario: MAP_SHARED|MAP_ANONYMOUS (a shmem
# object) written by the parent, read and written by a child after fork.
exec 1 /usr/bin/true
1 mmap(0x10000000, 65536, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x10000000
#@ begin parent-write16 1
1 write 0x10000000 64K
#@ end parent-write16 1
1 fork() = 2
#@ begin child-read16 2
2 read 0x10000000 64K
#@ end child-read16 2
#@ begin child-write16 2
2 write 0x10000000 64K
#@ end child-write16 2
2 exit_group(0) = ?
#@ begin parent-read16 1
1 read 0x10000000 64K
#@ end parent-read16 1
