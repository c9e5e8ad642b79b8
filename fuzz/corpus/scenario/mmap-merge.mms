# mmap and merge: when does a new mapping join its neighbour?
#
# Linux keeps one VMA for a range with one set of flags and one backing. A new anonymous
# mapping that touches an existing one with the same flags extends it instead of making a
# second VMA (vma_merge_new_range in mm/vma.c). Checked against Linux 6.18: every result and
# every maps line here is what tests/oracle/probes/lessons.c prints on the live kernel.
exec 1 /usr/bin/true

echo == two pages at 0x10000000, then two more right after them: one VMA
1 mmap(0x10000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x10000000
1 mmap(0x10002000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x10002000
expect 1 maps contains 10000000-10004000 rw-p 00000000 00:00 0
# 24 kB of data at exec (the rw segments of true and ld.so) + 16 kB
expect 1 status VmData 40 kB

echo == a read-only page after them: different flags, a second VMA
1 mmap(0x10004000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x10004000
expect 1 maps contains 10004000-10005000 r--p 00000000 00:00 0

echo == MAP_FIXED_NOREPLACE over an existing mapping fails and changes nothing
1 mmap(0x10003000, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = -1 EEXIST (File exists)

echo == making it writable joins all three (mprotect merges too)
1 mprotect(0x10004000, 4096, PROT_READ|PROT_WRITE) = 0
expect 1 maps contains 10000000-10005000 rw-p 00000000 00:00 0

echo == a file mapping next to it never merges with anonymous memory
1 mmap(0x10005000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED, 3</usr/bin/true>, 0) = 0x10005000
echo == MAP_NORESERVE changes VM_ACCOUNT: no merge either
1 mmap(0x0fffe000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED|MAP_NORESERVE, -1, 0) = 0xfffe000
show 1 maps
expect 1 maps contains 0fffe000-10000000 rw-p 00000000 00:00 0
expect 1 maps contains 10000000-10005000 rw-p 00000000 00:00 0
expect 1 maps contains 10005000-10006000 rw-p 00000000 fe:
