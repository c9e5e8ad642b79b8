# tests/oracle/probes/fault_stack.c as a scenario: one write in each of the 16 pages below
# the stack VMA's start, from the top down (expand_stack at every fault).
exec 1 /usr/bin/true
expect 1 maps contains 7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]
#@ begin grow16 1
1 write 0x7ffffffdd000
1 write 0x7ffffffdc000
1 write 0x7ffffffdb000
1 write 0x7ffffffda000
1 write 0x7ffffffd9000
1 write 0x7ffffffd8000
1 write 0x7ffffffd7000
1 write 0x7ffffffd6000
1 write 0x7ffffffd5000
1 write 0x7ffffffd4000
1 write 0x7ffffffd3000
1 write 0x7ffffffd2000
1 write 0x7ffffffd1000
1 write 0x7ffffffd0000
1 write 0x7ffffffcf000
1 write 0x7ffffffce000
#@ end grow16 1
