# brk and the heap. The heap starts right after the program's bss (with ASLR off) and is
# the VMA /proc/PID/maps calls [heap]. glibc's malloc grows it with brk for small requests.
# Checked against Linux 6.18 (tests/oracle/probes/lessons.c).
exec 1 /usr/bin/true

echo == brk(NULL) asks where the heap ends: nothing is mapped there yet
1 brk(NULL) = $start
expect 1 maps lines 13

echo == grow by 132 KiB (what glibc asks for first): a [heap] VMA appears
1 brk($start+0x21000) = $start+0x21000
expect 1 maps contains [heap]
expect 1 status VmData 156 kB

echo == shrink by one page, and grow again: brk moves in whole pages
1 brk($start+0x20000) = $start+0x20000
1 brk($start+0x20800) = $start+0x20800
expect 1 status VmData 156 kB

echo == below the start of the heap: refused, brk returns where the heap ends
1 brk($start-0x1000) = $start+0x20800
show 1 maps
show 1 status
