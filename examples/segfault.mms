# Why a process gets SIGSEGV (or SIGBUS): the fault handler's three answers to "may this access happen?"
#
# Every access the page tables do not allow traps into the kernel (do_user_addr_fault). The
# kernel looks for the VMA holding the address:
#   - none (and the address is not just below a stack it may grow): SIGSEGV, SEGV_MAPERR;
#   - one, but it forbids the access (a write to a read-only mapping, any access to
#     PROT_NONE): SIGSEGV, SEGV_ACCERR;
#   - one that allows it: the fault is handled (a page is mapped) and the access is retried.
# The signal's default action kills the process, so each bad access below happens in a child
# made for it with fork. The stack is the one VMA that grows on a fault: an access below it,
# within RLIMIT_STACK (8 MiB) and the guard gap to the mapping below, extends it.
# SIGBUS is the answer for a page the VMA allows but nothing can back: a file mapping's
# pages beyond the end of the file.
# (tests/oracle/probes/fault_stack.c shows the same on Linux 6.18.)
exec 1 /usr/bin/true
1 mmap(0x10000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = $ro

echo == a NULL pointer: there is no VMA at address 0 -> SEGV_MAPERR
1 fork() = 2
2 read 0x0 = SIGSEGV

echo == a write to a read-only mapping: the VMA is there but forbids it -> SEGV_ACCERR
1 fork() = 3
3 write $ro = SIGSEGV

echo == reading it is allowed: one fault maps the shared zero page
1 read $ro

echo == PROT_NONE turns it into a guard page: even a read is refused -> SEGV_ACCERR
1 mprotect($ro, 4096, PROT_NONE) = 0
1 fork() = 4
4 read $ro = SIGSEGV

echo == one page below the stack: the stack VMA grows down to cover it
expect 1 maps contains 7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]
1 write 0x7ffffffdd000
expect 1 maps contains 7ffffffdd000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]

echo == 4 GiB below it: beyond RLIMIT_STACK, the stack may not grow there -> SEGV_MAPERR
1 fork() = 5
5 write 0x7fff00000000 = SIGSEGV

echo == SIGBUS: a file mapping longer than its file. GPL-3 is 35149 bytes: pages 0-8 hold
echo == them (the rest of page 8 reads as zeros); page 9 lies beyond the end -> BUS_ADRERR
1 mmap(NULL, 65536, PROT_READ, MAP_PRIVATE, 3</usr/share/common-licenses/GPL-3>, 0) = $g
1 read $g+0x8fff
1 fork() = 6
6 read $g+0x9000 = SIGBUS
