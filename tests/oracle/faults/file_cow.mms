# tests/oracle/probes/fault_file_cow.c as a scenario: copy-on-write of file pages in a
# private writable mapping of the cached 64-page file @DATA@.
exec 1 /usr/bin/true
1 read(3<@DATA@>, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"..., 262144) = 262144
1 mmap(0x10000000, 262144, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED_NOREPLACE, 3<@DATA@>, 0) = 0x10000000
#@ begin read-page0 1
1 read 0x10000000
#@ end read-page0 1
#@ begin write-page0 1
1 write 0x10000000
#@ end write-page0 1
#@ begin write-page32 1
1 write 0x10020000
#@ end write-page32 1
