# The address space of a real program, as exec leaves it.
#
# exec reads the ELF file /usr/bin/cat: its PT_LOAD segments become file-backed VMAs (text
# r-xp, read-only data r--p, data rw-p) at the PIE base 0x555555554000 (ASLR is off, as with
# `setarch -R`); its PT_INTERP names the dynamic loader, mapped top-down below mmap_base;
# [vvar], [vvar_vclock] and [vdso] go right below the loader; the stack holds argv, envp and
# the auxiliary vector at the top of user space, with 128 KiB more below.
# tests/unit/test_exec.c compares this with the live kernel at the exec stop (ptrace).
exec 1 /usr/bin/cat cat /etc/hostname
show 1 maps
expect 1 maps contains 7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]
expect 1 maps contains [vdso]

echo
echo == the first thing glibc does: ask where the heap ends, then grow it
1 brk(NULL) = $heap
1 brk($heap+0x21000) = $heap+0x21000
echo == and a private anonymous mapping, which the kernel puts below the lowest mapping
1 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $buf
show 1 maps
show 1 status
expect 1 status VmStk 132 kB
