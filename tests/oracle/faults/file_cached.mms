# tests/oracle/probes/fault_file_cached.c as a scenario: the 64-page file @DATA@ is read
# whole with read(2), so the page cache holds it, then a private mapping of it is read page
# by page (fault-around maps the cached neighbours).
exec 1 /usr/bin/true
1 read(3<@DATA@>, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"..., 262144) = 262144
1 mmap(0x10000000, 262144, PROT_READ, MAP_PRIVATE|MAP_FIXED_NOREPLACE, 3<@DATA@>, 0) = 0x10000000
#@ begin read64 1
1 read 0x10000000 256K
#@ end read64 1
