# tests/oracle/probes/fault_fork_cow.c as a scenario: copy-on-write after fork; the child
# writes 16 shared pages (copies), exits, then the parent writes them (reuse).
exec 1 /usr/bin/true
1 mmap(0x10000000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x10000000
1 write 0x10000000 64K
1 fork() = 2
#@ begin child-write16 2
2 write 0x10000000 64K
#@ end child-write16 2
2 exit_group(0) = ?
#@ begin parent-write16 1
1 write 0x10000000 64K
#@ end parent-write16 1
