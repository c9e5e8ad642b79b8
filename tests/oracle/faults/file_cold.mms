# tests/oracle/probes/fault_file_cold.c as a scenario: a private mapping of the 64-page file
# @DATA@, not in the page cache (the model's page cache starts empty), read page by page (a
# major fault reads the readahead window).
exec 1 /usr/bin/true
1 mmap(0x10000000, 262144, PROT_READ, MAP_PRIVATE|MAP_FIXED_NOREPLACE, 3<@DATA@>, 0) = 0x10000000
#@ begin cold-read64 1
1 read 0x10000000 256K
#@ end cold-read64 1
