/*
 * Oracle probe: smaps page counts of a private anonymous mapping before fork, in the child
 * (COW-shared: Pss halved, Shared_Dirty, Referenced 0 since the child PTEs are old), after one
 * child write, and in the parent after the child exits. gcc -O0; run under setarch -R.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
static void show(void *p)
{
	char line[256], key[64]; int in = 0;
	snprintf(key, sizeof key, "%lx-", (unsigned long)p);
	FILE *f = fopen("/proc/self/smaps", "r");
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, key, strlen(key))) in = 1;
		else if (in && strchr(line, '-') && line[0] != ' ' && !strchr(line, ':')) in = 0;
		if (in && (!strncmp(line, "Rss", 3) || !strncmp(line, "Pss", 3) || !strncmp(line, "Shared", 6) || !strncmp(line, "Private", 7) || !strncmp(line, "Anon", 4) || !strncmp(line, "Refer", 5)))
			fputs(line, stdout);
		if (in && !strncmp(line, "VmFlags", 7)) break;
	}
	fclose(f);
}
int main(void)
{
	char *q = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *z = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < 8; i++) q[i * 4096] = 1;
	volatile char s = 0; for (int i = 0; i < 4; i++) s += z[i * 4096];
	printf("== parent before fork (q written, z 4 zero pages)\n"); show(q); show(z); fflush(stdout);
	if (fork() == 0) { printf("== child\n"); show(q); q[0] = 2; printf("== child after 1 write\n"); show(q); fflush(stdout); _exit(0); }
	wait(NULL);
	printf("== parent after child exit\n"); show(q);
	return 0;
}
