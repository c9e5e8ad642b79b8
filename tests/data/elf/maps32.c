/*
 * A static i386 program without libc that prints its own /proc/self/maps and exits: run
 * right after exec, it shows the address space exactly as the kernel's exec built it for a
 * 32-bit task. tests/cli/exec32.sh builds it (gcc -m32 -nostdlib, as a plain and as a
 * static PIE) and compares with `mmsim run` of an exec of the same file.
 */
static char buf[65536];
static long sc3(long n, long a, long b, long c) {
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}
void _start(void) {
	long fd = sc3(5, (long)"/proc/self/maps", 0, 0);
	long n, tot = 0;
	while ((n = sc3(3, fd, (long)buf + tot, sizeof(buf) - tot)) > 0) tot += n;
	sc3(4, 1, (long)buf, tot);
	sc3(1, 0, 0, 0);
}
