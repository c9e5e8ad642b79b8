# tests/oracle/probes/fault_anon_write.c as a scenario (tests/oracle/faults.sh compares them):
# one write in each of 16 fresh pages of a private anonymous mapping.
# "#@ begin STEP PID" / "#@ end STEP PID" mark the probe's measuring window; faults.sh
# turns them into `show vmstat` and `show PID status` and compares the differences.
exec 1 /usr/bin/true
1 mmap(0x10000000, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x10000000
#@ begin write16 1
1 write 0x10000000 64K
#@ end write16 1
