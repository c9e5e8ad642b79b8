# mremap: shrink, grow in place, move. Checked against Linux 6.18 (tests/oracle/probes/lessons.c).
exec 1 /usr/bin/true

echo == four pages at 0x30000000, shrink to two: the tail is unmapped
1 mmap(0x30000000, 4*4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = $a
1 mremap($a, 4*4096, 2*4096, 0) = 0x30000000
expect 1 maps contains 30000000-30002000 rw-p

echo == grow in place: the space after it is free
1 mremap($a, 2*4096, 8*4096, 0) = 0x30000000
expect 1 maps contains 30000000-30008000 rw-p

echo == a mapping right after it blocks growth; without MREMAP_MAYMOVE that is ENOMEM
1 mmap(0x30008000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x30008000
1 mremap($a, 8*4096, 16*4096, 0) = -1 ENOMEM (Cannot allocate memory)

echo == with MREMAP_MAYMOVE it moves (top-down, to the highest free gap below mmap_base)
1 mremap($a, 8*4096, 16*4096, MREMAP_MAYMOVE) = $b
show 1 maps
expect 1 maps contains 30008000-30009000 r--p
expect 1 maps contains 7ffff7fb2000-7ffff7fc2000 rw-p

echo == MREMAP_FIXED moves it where we say
1 mremap($b, 16*4096, 16*4096, MREMAP_MAYMOVE|MREMAP_FIXED, 0x40000000) = 0x40000000
expect 1 maps contains 40000000-40010000 rw-p
show 1 maps

echo == bad requests: EINVAL for an unaligned address, EFAULT for an unmapped one
1 mremap(0x40000001, 4096, 8192, MREMAP_MAYMOVE) = -1 EINVAL (Invalid argument)
1 mremap(0x50000000, 4096, 8192, MREMAP_MAYMOVE) = -1 EFAULT (Bad address)
