exec 1 /usr/bin/true
1 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $a
1 munmap($a, 4096) = 0
expect $a == 0x7ffff7fc1000
