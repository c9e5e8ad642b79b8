/*
 * /proc/PID/stat, /proc/PID/statm and the `faults` view (src/report/proc_stat.c,
 * docs/proc-pid.md). The values are checked against what the test computes on its own
 * (faults it caused, VMA sizes summed from maps, smaps Rss, status lines), the format
 * against what the live kernel printed (fs/proc/array.c do_task_stat: 52 fields, the comm
 * unescaped between the first '(' and the last ')', a zombie's zeros), and the `faults`
 * view and every stat/statm line of a fixed run against tests/golden/proc-stat/ (regenerate
 * with MMSIM_UPDATE_GOLDEN=1 ./test_proc_stat, then read the diff).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmsim/mmsim.h"
#include "boot.h"
#include "task_helpers.h"
#include "kernel/exec.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/mman.h"
#include "report/proc.h"

#define GOLDEN_DIR MMSIM_SOURCE_DIR "/tests/golden/proc-stat"
#define PAGE 4096ull
#define NR_STAT_FIELDS 52

static const char *const kv_default[] = { "ram", "1G", "check", "1", NULL };

static char *render(mmsim_machine *m, int pid, const char *name)
{
	char *text = NULL;
	size_t len;
	int ret = mmsim_proc_pid_render(m, pid, name, &text, &len);

	if (ret)
		fail_msg("/proc/%d/%s: %s", pid, name, mmsim_strerror(ret));
	assert_int_equal(strlen(text), len);
	return text;
}

/*
 * A stat line split as a reader must split it (proc(5)): the pid, the comm between the
 * first '(' and the LAST ')', then fields 3.. separated by single spaces, one '\n' at the
 * end. f[1] .. f[52] as strings (f[2] the comm); returns the number of fields.
 */
struct stat_line {
	char buf[2048];
	const char *f[NR_STAT_FIELDS + 8];
};

static int split_stat(const char *text, struct stat_line *s)
{
	size_t len = strlen(text);
	int n = 0;

	assert_true(len < sizeof(s->buf));
	assert_true(len > 0 && text[len - 1] == '\n');
	assert_true(strchr(text, '\n') == text + len - 1);	/* one line */
	memcpy(s->buf, text, len + 1);
	s->buf[len - 1] = '\0';
	char *open = strchr(s->buf, '(');
	char *close = strrchr(s->buf, ')');
	assert_non_null(open);
	assert_non_null(close);
	assert_true(open > s->buf && open[-1] == ' ' && close[1] == ' ');
	open[-1] = '\0';
	*close = '\0';
	s->f[++n] = s->buf;
	s->f[++n] = open + 1;
	for (char *p = close + 2; p; ) {
		char *sp = strchr(p, ' ');
		assert_true(n < NR_STAT_FIELDS + 6);
		if (sp)
			*sp = '\0';
		assert_true(*p != '\0');	/* no double space */
		s->f[++n] = p;
		p = sp ? sp + 1 : NULL;
	}
	return n;
}

static long long num(const struct stat_line *s, int i)
{
	char *end;
	long long v = strtoll(s->f[i], &end, 10);

	assert_true(*end == '\0');
	return v;
}

static unsigned long long unum(const struct stat_line *s, int i)
{
	char *end;
	unsigned long long v = strtoull(s->f[i], &end, 10);

	assert_true(*end == '\0' && s->f[i][0] != '-');
	return v;
}

/* A "Key:   N kB" line's N of a status or smaps text; -1 when absent. */
static long long kb_of(const char *text, const char *key)
{
	const char *at = strstr(text, key);
	return at ? strtoll(at + strlen(key), NULL, 10) : -1;
}

/* Sum of every "Rss:" of smaps (kB): the resident set counted page table by page table. */
static long long smaps_rss_kb(const char *smaps)
{
	long long sum = 0;
	for (const char *p = smaps; (p = strstr(p, "\nRss:")); p += 5)
		sum += strtoll(p + 5, NULL, 10);
	return sum;
}

/* The bytes of every VMA in maps, the [vsyscall] gate left out (it is not in total_vm). */
static unsigned long long maps_bytes(const char *maps)
{
	unsigned long long sum = 0;
	for (const char *p = maps; *p; ) {
		unsigned long long a, b;
		assert_int_equal(sscanf(p, "%llx-%llx", &a, &b), 2);
		if (!strstr(p, "[vsyscall]") || strchr(p, '\n') < strstr(p, "[vsyscall]"))
			sum += b - a;
		p = strchr(p, '\n');
		assert_non_null(p);
		p++;
	}
	return sum;
}

static uint64_t map_anon(struct task_struct *t, uint64_t len)
{
	int64_t a = sys_mmap(t, 0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(a > 0);
	return (uint64_t)a;
}

/* Write one byte into each of n pages from va; each is a first touch: one minor fault. */
static void write_pages(mmsim_machine *m, struct task_struct *t, uint64_t va, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(acc(m, t, va + i * PAGE, MMU_WRITE), 1);
}

/* ---- an exec'd program: every memory field against an independent source ------------- */

static void test_stat_of_exec(void **state)
{
	(void)state;
	static char *const argv[] = { "/usr/bin/true", "x", NULL };
	static char *const envp[] = { "A=1", "HOME=/root", NULL };
	struct mmsim_error err = { 0 };
	struct stat_line s;
	const unsigned int touched = 10;

	if (access(argv[0], X_OK) != 0) {
		print_message("skipped: %s is not on this machine\n", argv[0]);
		skip();
	}
	mmsim_machine *m = boot(kv_default);
	struct task_struct *t;
	assert_int_equal(task_create(m, 7, false, &t), 0);
	t->personality = ADDR_NO_RANDOMIZE;
	if (do_execve(m, t, argv[0], argv, envp, &err))
		fail_msg("exec: %s", err.msg);
	uint64_t exec_faults = t->min_flt + t->maj_flt;
	assert_true(exec_faults > 0);		/* exec writes the stack page (3 faults on 6.18) */
	uint64_t a = map_anon(t, 64 * PAGE);
	write_pages(m, t, a, touched);

	char *stat = render(m, 7, "stat");
	char *statm = render(m, 7, "statm");
	char *status = render(m, 7, "status");
	char *maps = render(m, 7, "maps");
	char *smaps = render(m, 7, "smaps");
	struct mm_struct *mm = t->mm;

	assert_int_equal(split_stat(stat, &s), NR_STAT_FIELDS);
	assert_int_equal(num(&s, 1), 7);
	assert_string_equal(s.f[2], "true");
	assert_string_equal(s.f[3], "R");
	assert_int_equal(num(&s, 4), 0);		/* no parent in the model */
	assert_int_equal(num(&s, 5), 7);		/* pgrp and session: its own */
	assert_int_equal(num(&s, 6), 7);
	assert_int_equal(num(&s, 7), 0);		/* no tty */
	assert_int_equal(num(&s, 8), -1);
	assert_int_equal(unum(&s, 9), 0);		/* ADDR_NO_RANDOMIZE: no PF_RANDOMIZE */
	/* the faults: exec's, then exactly one per page written */
	assert_int_equal(unum(&s, 10) + unum(&s, 12), exec_faults + touched);
	assert_int_equal(unum(&s, 10), t->min_flt);
	assert_int_equal(unum(&s, 12), t->maj_flt);
	assert_int_equal(unum(&s, 11), 0);
	assert_int_equal(unum(&s, 13), 0);
	assert_int_equal(num(&s, 18), 20);		/* priority */
	assert_int_equal(num(&s, 19), 0);		/* nice */
	assert_int_equal(num(&s, 20), 1);		/* num_threads */
	/* vsize: bytes, the VMAs of maps summed (VmSize in kB * 1024 too) */
	assert_int_equal(unum(&s, 23), maps_bytes(maps));
	assert_int_equal(unum(&s, 23), (unsigned long long)kb_of(status, "VmSize:") * 1024);
	/* rss: pages, status VmRSS / 4 and the smaps Rss sum / 4 */
	assert_int_equal(unum(&s, 24) * 4, kb_of(status, "VmRSS:"));
	assert_int_equal(unum(&s, 24) * 4, smaps_rss_kb(smaps));
	assert_int_equal(unum(&s, 25), 18446744073709551615ull);	/* RLIMIT_RSS */
	assert_int_equal(unum(&s, 26), mm->start_code);
	assert_int_equal(unum(&s, 27), mm->end_code);
	assert_int_equal(unum(&s, 28), mm->start_stack);
	/* startcode lies in the first executable mapping of /usr/bin/true */
	char *x = strstr(maps, " r-xp ");
	assert_non_null(x);
	while (x > maps && x[-1] != '\n')
		x--;
	unsigned long long xs, xe;
	assert_int_equal(sscanf(x, "%llx-%llx", &xs, &xe), 2);
	assert_true(unum(&s, 26) >= xs && unum(&s, 27) <= xe);
	assert_true(unum(&s, 26) < unum(&s, 27));
	assert_int_equal(unum(&s, 38), 17);		/* exit_signal SIGCHLD */
	/* kstkesp .. cguest_time: 0 for a running task (docs/proc-pid.md says why each) */
	for (int i = 29; i <= 44; i++)
		if (i != 38)
			assert_int_equal(num(&s, i), 0);
	assert_int_equal(unum(&s, 45), mm->start_data);
	assert_int_equal(unum(&s, 46), mm->end_data);
	assert_int_equal(unum(&s, 47), mm->start_brk);
	assert_int_equal(unum(&s, 48), mm->arg_start);
	assert_int_equal(unum(&s, 49), mm->arg_end);
	assert_int_equal(unum(&s, 50), mm->env_start);
	assert_int_equal(unum(&s, 51), mm->env_end);
	/* argv "/usr/bin/true\0x\0" and envp "A=1\0HOME=/root\0" sit back to back */
	assert_int_equal(unum(&s, 49) - unum(&s, 48), sizeof("/usr/bin/true") + sizeof("x"));
	assert_int_equal(unum(&s, 50), unum(&s, 49));
	assert_int_equal(unum(&s, 51) - unum(&s, 50), sizeof("A=1") + sizeof("HOME=/root"));
	assert_int_equal(num(&s, 52), 0);

	/* statm: size resident shared text lib data dt, pages */
	unsigned long long sz, res, shr, txt, lib, dat, dt;
	assert_int_equal(sscanf(statm, "%llu %llu %llu %llu %llu %llu %llu", &sz, &res, &shr, &txt,
				&lib, &dat, &dt), 7);
	assert_int_equal(sz * PAGE, maps_bytes(maps));
	assert_int_equal(res, unum(&s, 24));
	assert_int_equal(shr * 4, kb_of(status, "RssFile:") + kb_of(status, "RssShmem:"));
	assert_int_equal(txt, ((mm->end_code + PAGE - 1) / PAGE) - mm->start_code / PAGE);
	assert_int_equal(dat * 4, kb_of(status, "VmData:") + kb_of(status, "VmStk:"));
	assert_int_equal(lib, 0);
	assert_int_equal(dt, 0);
	char line[128];
	snprintf(line, sizeof(line), "%llu %llu %llu %llu 0 %llu 0\n", sz, res, shr, txt, dat);
	assert_string_equal(statm, line);

	free(stat);
	free(statm);
	free(status);
	free(maps);
	free(smaps);
	check_machine(m);
	mmsim_machine_free(m);
}

/* ---- the comm as Linux prints it in stat: raw, a reader splits at the last ')' --------- */

static void test_stat_comm_quoting(void **state)
{
	(void)state;
	struct stat_line s;
	mmsim_machine *m = boot(kv_default);
	struct task_struct *t = new_task(m, 3);

	/* prctl(PR_SET_NAME, "a b) (c") on the live kernel: "PID (a b) (c) R ..." */
	memset(t->comm, 0, sizeof(t->comm));
	strcpy(t->comm, "a b) (c");
	char *stat = render(m, 3, "stat");
	assert_memory_equal(stat, "3 (a b) (c) R ", 14);
	assert_int_equal(split_stat(stat, &s), NR_STAT_FIELDS);
	assert_string_equal(s.f[2], "a b) (c");
	free(stat);

	/* 15 characters, the whole of TASK_COMM_LEN - 1, and an empty name */
	strcpy(t->comm, "123456789012345");
	stat = render(m, 3, "stat");
	assert_memory_equal(stat, "3 (123456789012345) R ", 22);
	free(stat);
	memset(t->comm, 0, sizeof(t->comm));
	stat = render(m, 3, "stat");
	assert_memory_equal(stat, "3 () R ", 7);
	assert_int_equal(split_stat(stat, &s), NR_STAT_FIELDS);
	free(stat);
	mmsim_machine_free(m);
}

/* ---- fork, a zombie, no reaping ------------------------------------------------------- */

static void test_stat_fork_and_zombie(void **state)
{
	(void)state;
	struct stat_line s;
	mmsim_machine *m = boot(kv_default);
	struct task_struct *p = new_task(m, 10);
	strcpy(p->comm, "parent");
	uint64_t a = map_anon(p, 16 * PAGE);
	write_pages(m, p, a, 4);
	int cpid;
	assert_int_equal(do_fork(m, p, 0, 0, &cpid), 0);
	struct task_struct *c = find_task_by_pid(m, cpid);
	assert_non_null(c);

	/* the child: its own counts start at 0 (copy_process), ppid the parent */
	char *stat = render(m, cpid, "stat");
	assert_int_equal(split_stat(stat, &s), NR_STAT_FIELDS);
	assert_int_equal(num(&s, 4), 10);
	assert_int_equal(num(&s, 5), 10);		/* the parent's group and session */
	assert_int_equal(unum(&s, 10), 0);
	assert_int_equal(unum(&s, 24), 4);		/* the 4 pages, shared copy-on-write */
	free(stat);
	/* a write breaks COW: one more fault in the child only */
	assert_int_equal(acc(m, c, a, MMU_WRITE), 1);
	write_pages(m, c, a + 8 * PAGE, 2);
	assert_int_equal(c->min_flt, 3);

	do_exit_group(m, c, 3 << 8);		/* exit(3): Linux's exit_code is the wait status */
	stat = render(m, cpid, "stat");
	assert_int_equal(split_stat(stat, &s), NR_STAT_FIELDS);
	assert_string_equal(s.f[3], "Z");
	assert_int_equal(num(&s, 4), 10);
	assert_int_equal(unum(&s, 10), 3);		/* a zombie keeps its counts */
	assert_int_equal(num(&s, 20), 1);		/* the leader stays until reaped */
	for (int i = 23; i <= 28; i++)
		if (i != 25)
			assert_int_equal(unum(&s, i), 0);	/* no mm: vsize, rss, code, stack */
	assert_int_equal(unum(&s, 35), 1);		/* wchan: not running */
	for (int i = 45; i <= 51; i++)
		assert_int_equal(unum(&s, i), 0);
	assert_int_equal(num(&s, 52), 768);
	/* PF_EXITING | PF_POSTCOREDUMP | PF_NOFREEZE, as the live zombie (without setarch -R
	 * it adds PF_RANDOMIZE: 4227148 less PF_FORKNOEXEC) */
	assert_int_equal(unum(&s, 9), 0x800c);
	free(stat);
	char *statm = render(m, cpid, "statm");
	assert_string_equal(statm, "0 0 0 0 0 0 0\n");
	free(statm);

	/* nothing reaps the zombie (wait4 is not modelled): the parent's c* fields stay 0 */
	stat = render(m, 10, "stat");
	assert_int_equal(split_stat(stat, &s), NR_STAT_FIELDS);
	assert_int_equal(unum(&s, 10), 4);
	assert_int_equal(unum(&s, 11), 0);
	assert_int_equal(unum(&s, 13), 0);
	free(stat);

	/* the parent exits: the child is handed to init, ppid 1 */
	struct task_struct *g;
	int gpid;
	assert_int_equal(do_fork(m, p, 0, 0, &gpid), 0);
	g = find_task_by_pid(m, gpid);
	do_exit_group(m, p, 0);
	stat = render(m, gpid, "stat");
	assert_int_equal(split_stat(stat, &s), NR_STAT_FIELDS);
	assert_int_equal(num(&s, 4), 1);
	assert_string_equal(s.f[3], "R");
	free(stat);
	(void)g;
	check_machine(m);
	mmsim_machine_free(m);
}

/* ---- threads: the group's sum, num_threads, a thread's exit_signal -------------------- */

static void test_stat_threads(void **state)
{
	(void)state;
	struct stat_line s;
	mmsim_machine *m = boot(kv_default);
	struct task_struct *t = new_task(m, 20);
	uint64_t a = map_anon(t, 16 * PAGE);
	int tid;

	write_pages(m, t, a, 2);
	assert_int_equal(do_fork(m, t, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD, 0, &tid), 0);
	struct task_struct *th = find_task_by_pid(m, tid);
	write_pages(m, th, a + 4 * PAGE, 5);

	char *stat = render(m, 20, "stat");
	assert_int_equal(split_stat(stat, &s), NR_STAT_FIELDS);
	assert_int_equal(unum(&s, 10), 7);		/* 2 + the thread's 5 */
	assert_int_equal(num(&s, 20), 2);
	assert_int_equal(num(&s, 38), 17);
	free(stat);
	stat = render(m, tid, "stat");
	assert_int_equal(split_stat(stat, &s), NR_STAT_FIELDS);
	assert_int_equal(unum(&s, 10), 7);		/* /proc/TID/stat: the whole group too */
	assert_int_equal(num(&s, 38), -1);		/* a thread signals nobody */
	free(stat);

	do_exit(m, th, 0);				/* the thread alone: released at once */
	stat = render(m, 20, "stat");
	assert_int_equal(split_stat(stat, &s), NR_STAT_FIELDS);
	assert_int_equal(unum(&s, 10), 7);		/* its faults stay in the group's */
	assert_int_equal(num(&s, 20), 1);
	free(stat);

	char *faults = NULL;
	size_t len;
	assert_int_equal(mmsim_proc_render(m, "faults", &faults, &len), 0);
	/* one line per process: the thread's faults are in its group's line */
	char pidcol[16];
	assert_non_null(strstr(faults, "\n   20 "));
	snprintf(pidcol, sizeof(pidcol), "\n%5d ", tid);
	assert_null(strstr(faults, pidcol));
	free(faults);
	check_machine(m);
	mmsim_machine_free(m);
}

/* ---- golden: `faults` and every stat/statm line of a fixed run ----------------------- */

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, len = 0;
	size_t n;
	char chunk[4096];
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	buf[len] = '\0';
	return buf;
}

static void check_golden(const char *file, const char *text)
{
	char path[512];
	const char *upd = getenv("MMSIM_UPDATE_GOLDEN");

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, file);
	if (upd && *upd && strcmp(upd, "0") != 0) {
		mkdir(GOLDEN_DIR, 0755);
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(text, f);
		assert_int_equal(fclose(f), 0);
		return;
	}
	char *want = read_text(path);
	if (!want)
		fail_msg("no golden file %s (MMSIM_UPDATE_GOLDEN=1 creates it)", path);
	if (strcmp(text, want) != 0)
		fail_msg("%s differs (MMSIM_UPDATE_GOLDEN=1 regenerates; read the diff)\n"
			 "--- golden\n%s--- now\n%s", path, want, text);
	free(want);
}

static void append(char **all, size_t *len, const char *s)
{
	size_t n = strlen(s);
	*all = realloc(*all, *len + n + 1);
	assert_non_null(*all);
	memcpy(*all + *len, s, n + 1);
	*len += n;
}

static void test_golden_faults(void **state)
{
	(void)state;
	mmsim_machine *m = boot(kv_default);
	struct task_struct *t = new_task(m, 1);
	strcpy(t->comm, "touch16");
	uint64_t a = map_anon(t, 64 * PAGE);
	write_pages(m, t, a, 16);
	int c1, c2, th;
	assert_int_equal(do_fork(m, t, 0, 0, &c1), 0);
	struct task_struct *child = find_task_by_pid(m, c1);
	strcpy(child->comm, "cow child");
	write_pages(m, child, a, 4);			/* copy-on-write breaks */
	assert_int_equal(acc(m, child, a + 40 * PAGE, MMU_READ), 1);	/* the zero page */
	assert_int_equal(do_fork(m, t, 0, 0, &c2), 0);
	struct task_struct *z = find_task_by_pid(m, c2);
	strcpy(z->comm, "a name too long");
	write_pages(m, z, a + 20 * PAGE, 2);
	do_exit_group(m, z, 0);
	assert_int_equal(do_fork(m, t, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD, 0, &th), 0);
	write_pages(m, find_task_by_pid(m, th), a + 30 * PAGE, 3);

	char *all = NULL, *text = NULL;
	size_t len = 0, n;
	assert_int_equal(mmsim_proc_render(m, "faults", &text, &n), 0);
	append(&all, &len, text);
	free(text);
	int pids[] = { 1, c1, c2, th };
	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		text = render(m, pids[i], "stat");
		append(&all, &len, text);
		free(text);
		text = render(m, pids[i], "statm");
		append(&all, &len, text);
		free(text);
	}
	check_golden("faults.txt", all);
	free(all);
	check_machine(m);
	mmsim_machine_free(m);
}

/* ---- through a scenario: `show PID stat`, `show faults`, the error's list ------------ */

static void test_scenario_show(void **state)
{
	(void)state;
	static const char script[] =
		"exec 1 /usr/bin/true\n"
		"1 mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = $a\n"
		"1 write $a 32768\n"
		"show 1 stat\n"
		"show 1 statm\n"
		"show faults\n";
	mmsim_config *cfg = NULL;
	struct mmsim_error err = { 0 };
	char *out = NULL;
	size_t len = 0;
	struct stat_line s;

	if (access("/usr/bin/true", X_OK) != 0) {
		print_message("skipped: /usr/bin/true is not on this machine\n");
		skip();
	}
	assert_int_equal(mmsim_config_new(&cfg), 0);
	assert_int_equal(mmsim_script_run(cfg, "t.mms", script, sizeof(script) - 1, 0, &out, &len,
					  &err), 0);
	char *nl = strchr(out, '\n');
	assert_non_null(nl);
	char first[2048];
	snprintf(first, sizeof(first), "%.*s", (int)(nl - out + 1), out);
	assert_int_equal(split_stat(first, &s), NR_STAT_FIELDS);
	unsigned long long minflt = unum(&s, 10), rss = unum(&s, 24);
	assert_true(minflt >= 8);			/* exec's faults and the 8 pages */
	/* statm's resident is the stat line's rss; faults shows the same counts */
	unsigned long long sz, res;
	assert_int_equal(sscanf(nl + 1, "%llu %llu", &sz, &res), 2);
	assert_int_equal(res, rss);
	assert_int_equal(sz * PAGE, unum(&s, 23));
	char want[256];
	snprintf(want, sizeof(want), "%5d %-15s %6llu %6llu %5llu %5d\n", 1, "true",
		 unum(&s, 10), unum(&s, 12), rss * 4, 0);
	assert_non_null(strstr(out, "  PID COMMAND          MINFL  MAJFL   RSS  SWAP\n"));
	assert_non_null(strstr(out, want));
	free(out);

	static const char bad[] = "exec 1 /usr/bin/true\nshow 1 stats\n";
	out = NULL;
	assert_int_equal(mmsim_script_run(cfg, "t.mms", bad, sizeof(bad) - 1, 0, &out, &len, &err),
			 -ENOENT);
	assert_non_null(strstr(err.msg, "stat, statm"));
	free(out);
	mmsim_config_free(cfg);
}

static void test_names_listed(void **state)
{
	(void)state;
	bool stat = false, statm = false, faults = false;
	for (const char *const *n = mmsim_proc_pid_names(); *n; n++) {
		stat |= !strcmp(*n, "stat");
		statm |= !strcmp(*n, "statm");
	}
	for (const char *const *n = mmsim_proc_names(); *n; n++)
		faults |= !strcmp(*n, "faults");
	assert_true(stat && statm && faults);

	mmsim_machine *m = boot(kv_default);
	char *text = NULL;
	size_t len;
	assert_int_equal(mmsim_proc_pid_render(m, 99, "stat", &text, &len), -ESRCH);
	assert_int_equal(mmsim_proc_pid_render(m, 99, "statm", &text, &len), -ESRCH);
	/* no process: the header alone */
	assert_int_equal(mmsim_proc_render(m, "faults", &text, &len), 0);
	assert_string_equal(text, "  PID COMMAND          MINFL  MAJFL   RSS  SWAP\n");
	free(text);
	mmsim_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_of_exec),
		cmocka_unit_test(test_stat_comm_quoting),
		cmocka_unit_test(test_stat_fork_and_zombie),
		cmocka_unit_test(test_stat_threads),
		cmocka_unit_test(test_golden_faults),
		cmocka_unit_test(test_scenario_show),
		cmocka_unit_test(test_names_listed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
