# mprotect splits a VMA where the protection changes, and merges again when it is undone.
# Checked against Linux 6.18 (tests/oracle/probes/lessons.c).
exec 1 /usr/bin/true

echo == three pages, one VMA
1 mmap(0x20000000, 3*4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = $a
expect $a == 0x20000000
expect 1 maps contains 20000000-20003000 rw-p

echo == the middle page read-only: three VMAs (split twice)
1 mprotect($a+4096, 4096, PROT_READ) = 0
show 1 maps
expect 1 maps contains 20000000-20001000 rw-p
expect 1 maps contains 20001000-20002000 r--p
expect 1 maps contains 20002000-20003000 rw-p

echo == and back: one VMA again
1 mprotect($a+4096, 4096, PROT_READ|PROT_WRITE) = 0
expect 1 maps contains 20000000-20003000 rw-p

echo == over a hole: Linux changes the pages before the hole, then fails with ENOMEM
1 munmap($a+0x1000, 4096) = 0
1 mprotect($a, 3*4096, PROT_READ) = -1 ENOMEM (Cannot allocate memory)
expect 1 maps contains 20000000-20001000 r--p
expect 1 maps contains 20002000-20003000 rw-p

echo == PROT_EXEC on a mapping: the x bit; the page counts as executable, but VmExe is the
echo == program's text (end_code - start_code), so it shows in VmLib: 160 + 4 kB
1 mprotect($a+0x2000, 4096, PROT_READ|PROT_EXEC) = 0
expect 1 maps contains 20002000-20003000 r-xp
expect 1 status VmExe 16 kB
expect 1 status VmLib 164 kB
show 1 maps
