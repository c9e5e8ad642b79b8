/*
 * /proc/self/stat of a small program on the live kernel, for tests/oracle/stat.sh: the
 * script runs it under `setarch -R strace -f -y -v -s 4096 -e trace=memory,process,openat`,
 * replays the log in mmsim and compares the memory fields of both stat lines.
 *
 * What it does, without malloc or stdio (no system call or page fault of its own between
 * the two reads except the ones listed):
 *   1. warm up: read /proc/self/stat once and write one page of a small mapping, so that the
 *      code and buffers of steps 3-5 have faulted in already;
 *   2. map 64 anonymous pages (PROT_READ|PROT_WRITE, MAP_PRIVATE);
 *   3. read /proc/self/stat and print it as "STAT0 <line>", then statm as "STATM0 <line>";
 *   4. write one byte into each of the first TOUCH_PAGES pages of the mapping, print
 *      "TOUCH <address> <bytes>";
 *   5. read both again and print them as "STAT1 <line>", "STATM1 <line>"; exit_group(0).
 * Between STAT0 and STAT1 the kernel counts exactly TOUCH_PAGES minor faults and RSS grows
 * by TOUCH_PAGES pages (Linux 6.18 here: "minflt +16, rss +16").
 *
 * Build: gcc -O1 -static -o stat_probe stat_probe.c; run: setarch -R ./stat_probe
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAP_PAGES 64
#define TOUCH_PAGES 16
#define PAGE 4096

static char line[4096];

static void put(const char *s)
{
	size_t n = strlen(s);
	while (n) {
		ssize_t w = write(1, s, n);
		if (w <= 0)
			_exit(2);
		s += w;
		n -= (size_t)w;
	}
}

/* The whole of /proc/self/<name> into line (one read: the file is one short line). */
static void read_proc(const char *name)
{
	int fd = open(name, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		_exit(3);
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		_exit(4);
	line[n] = '\0';
}

static void touch(volatile char *p, int pages)
{
	for (int i = 0; i < pages; i++)
		p[(size_t)i * PAGE] = 1;
}

static void hex(char *out, uintptr_t v)
{
	char tmp[32];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	*out++ = '0';
	*out++ = 'x';
	while (n)
		*out++ = tmp[--n];
	*out = '\0';
}

int main(void)
{
	char addr[32], msg[128];
	char *warm, *p;

	warm = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (warm == MAP_FAILED)
		return 1;
	touch(warm, 1);
	read_proc("/proc/self/stat");
	read_proc("/proc/self/statm");
	hex(addr, (uintptr_t)warm);
	strcpy(msg, "WARM ");
	strcat(msg, addr);
	strcat(msg, "\n");
	put(msg);

	p = mmap(NULL, MAP_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	read_proc("/proc/self/stat");
	put("STAT0 ");
	put(line);
	read_proc("/proc/self/statm");
	put("STATM0 ");
	put(line);
	touch(p, TOUCH_PAGES);
	hex(addr, (uintptr_t)p);
	strcpy(msg, "TOUCH ");
	strcat(msg, addr);
	strcat(msg, TOUCH_PAGES == 16 ? " 65536\n" : " ?\n");
	put(msg);
	read_proc("/proc/self/stat");
	put("STAT1 ");
	put(line);
	read_proc("/proc/self/statm");
	put("STATM1 ");
	put(line);
	_exit(0);
}
