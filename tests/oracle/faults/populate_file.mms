# tests/oracle/probes/fault_populate_file.c as a scenario: MAP_POPULATE of a private mapping
# of the 64-page file @DATA@, read whole with read(2) first (so it is in the page cache).
exec 1 /usr/bin/true
1 read(3<@DATA@>, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"..., 262144) = 262144
#@ begin populate-file64 1
1 mmap(0x20000000, 262144, PROT_READ, MAP_PRIVATE|MAP_POPULATE|MAP_FIXED_NOREPLACE, 3<@DATA@>, 0) = 0x20000000
#@ end populate-file64 1
#@ begin read-file64 1
1 read 0x20000000 256K
#@ end read-file64 1
