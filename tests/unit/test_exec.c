/*
 * exec of real ELF files (src/kernel/exec.c, binfmt_elf.c) against the live kernel.
 *
 *  - the oracle: the program is started on this machine under ptrace with ADDR_NO_RANDOMIZE
 *    (setarch -R) and stopped at its first instruction (the exec stop); its /proc/PID/maps
 *    and the mm fields of /proc/PID/stat are what mmsim must give for the same argv and envp;
 *    skipped with a message when ptrace is not permitted or the program is absent;
 *  - malformed files (truncated, lying e_phnum, overlapping PT_LOAD, p_filesz > p_memsz,
 *    wrong machine): -ENOEXEC with a message naming the file, and nothing changed;
 *  - the Nth page-allocation failure during exec: either the task is as before, or it was
 *    killed after the point of no return; afterwards every object is given back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mmsim/mmsim.h"
#include "kernel/exec.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "mm/mm_types.h"
#include "mm/slab.h"
#include "report/proc.h"
#include "util/strbuf.h"

/* ---- the live kernel ------------------------------------------------------------------------ */

struct live {
	char maps[65536];
	uint64_t start_code, end_code, start_stack, start_data, end_data, start_brk;
	uint64_t arg_start, arg_end, env_start, env_end;
};

static int read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	size_t n = 0;
	ssize_t r;
	while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = 0;
	close(fd);
	return 0;
}

/*
 * Run path under ptrace, stopped at the exec stop, ASLR off; fill *lv. 0, or -1 when the
 * kernel would not let us (the test is skipped then).
 */
static int live_exec(const char *path, char *const argv[], char *const envp[], struct live *lv)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		personality(ADDR_NO_RANDOMIZE);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
			_exit(126);
		execve(path, argv, envp);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
		return -1;
	char p[64], stat[4096];
	snprintf(p, sizeof(p), "/proc/%d/maps", (int)pid);
	int ret = read_file(p, lv->maps, sizeof(lv->maps));
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	ret |= read_file(p, stat, sizeof(stat));
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	if (ret)
		return -1;
	/* fields after "(comm) ": field 3 is the state */
	char *s = strrchr(stat, ')');
	uint64_t f[64] = { 0 };
	int i = 3;
	for (char *tok = strtok(s + 2, " "); tok && i < 64; tok = strtok(NULL, " "), i++)
		f[i] = strtoull(tok, NULL, 10);
	lv->start_code = f[26];
	lv->end_code = f[27];
	lv->start_stack = f[28];
	lv->start_data = f[45];
	lv->end_data = f[46];
	lv->start_brk = f[47];
	lv->arg_start = f[48];
	lv->arg_end = f[49];
	lv->env_start = f[50];
	lv->env_end = f[51];
	return 0;
}

/* ---- the model ------------------------------------------------------------------------------ */

static mmsim_machine *boot_default(void)
{
	mmsim_config *cfg = NULL;
	mmsim_machine *m = NULL;
	struct mmsim_error err = { 0 };
	assert_int_equal(mmsim_config_new(&cfg), 0);
	if (mmsim_boot(cfg, &m, &err) != 0)
		fail_msg("boot: %s", err.msg);
	mmsim_config_free(cfg);
	return m;
}

static struct task_struct *new_task(mmsim_machine *m)
{
	struct task_struct *t = NULL;
	assert_int_equal(task_create(m, 0, true, &t), 0);
	t->personality = ADDR_NO_RANDOMIZE;
	return t;
}

static char *render(mmsim_machine *m, int pid, const char *file)
{
	char *out = NULL;
	size_t len = 0;
	assert_int_equal(mmsim_proc_pid_render(m, pid, file, &out, &len), 0);
	return out;
}

/* Exec path in mmsim and on the live kernel with the same argv/envp; compare. */
static void compare_exec(const char *path, char *const argv[], char *const envp[])
{
	if (access(path, X_OK) != 0) {
		print_message("skipped: %s is not on this machine\n", path);
		skip();
	}
	static struct live lv;
	if (live_exec(path, argv, envp, &lv) != 0) {
		print_message("skipped: ptrace of %s is not permitted here\n", path);
		skip();
	}
	mmsim_machine *m = boot_default();
	struct task_struct *t = new_task(m);
	struct mmsim_error err = { 0 };
	int ret = do_execve(m, t, path, argv, envp, &err);
	if (ret)
		fail_msg("exec %s: %d %s", path, ret, err.msg);
	char *maps = render(m, t->pid, "maps");
	if (strcmp(maps, lv.maps) != 0)
		fail_msg("maps of %s differ\n--- live kernel\n%s--- mmsim\n%s", path, lv.maps, maps);
	struct mm_struct *mm = t->mm;
	assert_int_equal(mm->start_code, lv.start_code);
	assert_int_equal(mm->end_code, lv.end_code);
	assert_int_equal(mm->start_data, lv.start_data);
	assert_int_equal(mm->end_data, lv.end_data);
	assert_int_equal(mm->start_brk, lv.start_brk);
	assert_int_equal(mm->arg_start, lv.arg_start);
	assert_int_equal(mm->arg_end, lv.arg_end);
	assert_int_equal(mm->env_start, lv.env_start);
	assert_int_equal(mm->env_end, lv.env_end);
	assert_int_equal(mm->start_stack, lv.start_stack);
	assert_int_equal(mmsim_machine_validate(m, &err), 0);
	free(maps);
	mmsim_machine_free(m);
}

static char *small_env[] = { "PATH=/usr/bin:/bin", "HOME=/root", "LANG=C.UTF-8", NULL };

static void test_exec_cat(void **state)
{
	(void)state;
	char *argv[] = { "/usr/bin/cat", "/proc/self/maps", NULL };
	compare_exec("/usr/bin/cat", argv, small_env);
}

static void test_exec_true_empty_env(void **state)
{
	(void)state;
	char *argv[] = { "true", NULL };
	char *envp[] = { NULL };
	compare_exec("/bin/true", argv, envp);
}

static void test_exec_empty_argv(void **state)
{
	(void)state;
	char *argv[] = { NULL };
	compare_exec("/usr/bin/true", argv, small_env);
}

/* A 200 KiB variable: the strings take 50 pages, the stack is that plus 128 KiB. */
static void test_exec_large_env(void **state)
{
	(void)state;
	size_t n = 50 * 1024;
	char *big[4];
	for (int i = 0; i < 4; i++) {
		big[i] = malloc(n);
		assert_non_null(big[i]);
		memset(big[i], 'a' + i, n - 1);
		big[i][1] = '=';
		big[i][n - 1 - i] = 0;
	}
	char *envp[] = { "A=b", big[0], big[1], big[2], big[3], "Z=y", NULL };
	char *argv[] = { "/usr/bin/cat", "-n", NULL };
	compare_exec("/usr/bin/cat", argv, envp);
	for (int i = 0; i < 4; i++)
		free(big[i]);
}

/* Many small strings: the pointers, not the bytes, decide the layout. */
static void test_exec_many_args(void **state)
{
	(void)state;
	enum { N = 3000 };
	static char *argv[N + 2];
	static char buf[N][8];
	argv[0] = "cat";
	for (int i = 0; i < N; i++) {
		snprintf(buf[i], sizeof(buf[i]), "a%d", i);
		argv[i + 1] = buf[i];
	}
	argv[N + 1] = NULL;
	compare_exec("/usr/bin/cat", argv, small_env);
}

/* The dynamic loader run directly: ET_DYN without PT_INTERP, in the mmap area, brk moved. */
static void test_exec_ld_so(void **state)
{
	(void)state;
	char *argv[] = { "/lib64/ld-linux-x86-64.so.2", NULL };
	compare_exec("/lib64/ld-linux-x86-64.so.2", argv, small_env);
}

/* A static PIE (Debian's ldconfig). */
static void test_exec_static_pie(void **state)
{
	(void)state;
	char *argv[] = { "/sbin/ldconfig", "-p", NULL };
	compare_exec("/sbin/ldconfig", argv, small_env);
}

/* ---- malformed files -------------------------------------------------------------------------- */

/* A copy of /bin/true in a temporary file, changed by fix(); its path in out. */
static int make_bad_elf(char *out, size_t cap, void (*fix)(unsigned char *buf, size_t *len))
{
	static unsigned char buf[1 << 20];
	int fd = open("/bin/true", O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0)
		return -1;
	size_t len = (size_t)n;
	fix(buf, &len);
	snprintf(out, cap, "/tmp/mmsim-bad-elf-XXXXXX");
	fd = mkstemp(out);
	if (fd < 0)
		return -1;
	if (write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	fchmod(fd, 0755);
	close(fd);
	return 0;
}

static Elf64_Phdr *nth_load(unsigned char *buf, int nth)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(buf + eh->e_phoff + (size_t)i * sizeof(*ph));
		if (ph->p_type == PT_LOAD && nth-- == 0)
			return ph;
	}
	return NULL;
}

static void fix_truncate(unsigned char *buf, size_t *len) { (void)buf; *len = 100; }
static void fix_phnum(unsigned char *buf, size_t *len)
{
	(void)len;
	((Elf64_Ehdr *)buf)->e_phnum = 1000;	/* 56000 bytes: past the end of the file */
	*len = 20000;
}
static void fix_overlap(unsigned char *buf, size_t *len)
{
	(void)len;
	Elf64_Phdr *a = nth_load(buf, 0), *b = nth_load(buf, 1);
	b->p_vaddr = a->p_vaddr + 0x1000;
	b->p_offset = 0x1000;
}
static void fix_filesz(unsigned char *buf, size_t *len)
{
	(void)len;
	Elf64_Phdr *a = nth_load(buf, 1);
	a->p_filesz = a->p_memsz + 0x1000;
}
static void fix_machine(unsigned char *buf, size_t *len)
{
	(void)len;
	((Elf64_Ehdr *)buf)->e_machine = EM_AARCH64;
}
static void fix_phentsize(unsigned char *buf, size_t *len)
{
	(void)len;
	((Elf64_Ehdr *)buf)->e_phentsize = 32;
}

/* Active objects of a slab cache, from /proc/slabinfo. */
static long slab_active(mmsim_machine *m, const char *name)
{
	struct strbuf sb;
	sb_init(&sb);
	slabinfo_render(&m->mm, &sb);
	long active = -1;
	size_t nl = strlen(name);
	for (char *line = sb.buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (!strncmp(line, name, nl) && line[nl] == ' ') {
			active = strtol(line + nl, NULL, 10);
			break;
		}
	}
	sb_free(&sb);
	return active;
}

static const char *const tracked_caches[] = {
	"vm_area_struct", "mm_struct", "maple_node", "task_struct", "files_cache", "filp",
	"inode_cache", NULL
};

static void snapshot(mmsim_machine *m, long *v)
{
	for (int i = 0; tracked_caches[i]; i++)
		v[i] = slab_active(m, tracked_caches[i]);
}


/*
 * slabinfo's active_objs counts every object of the per-CPU slabs as active (SLUB), so it is
 * exact only up to a slab per CPU: growth beyond that is a leak.
 */
static void expect_no_growth(mmsim_machine *m, const long *before, const char *what)
{
	long now[8];
	snapshot(m, now);
	for (int i = 0; tracked_caches[i]; i++)
		if (now[i] > before[i] + 2 * 64)
			fail_msg("%s: %s has %ld objects, %ld before", what, tracked_caches[i], now[i],
				 before[i]);
}

static void bad_elf_case(void (*fix)(unsigned char *, size_t *), const char *what, int want)
{
	char path[64];
	if (access("/bin/true", R_OK) != 0)
		skip();
	assert_int_equal(make_bad_elf(path, sizeof(path), fix), 0);
	mmsim_machine *m = boot_default();
	struct task_struct *t = new_task(m);
	struct mmsim_error err = { 0 };
	char *argv[] = { "true", NULL };
	assert_int_equal(do_execve(m, t, "/usr/bin/cat", argv, small_env, &err), 0);
	char *before = render(m, t->pid, "maps");
	long objs[8];
	snapshot(m, objs);
	memset(&err, 0, sizeof(err));
	int ret = do_execve(m, t, path, argv, small_env, &err);
	unlink(path);
	if (ret != want)
		fail_msg("%s: exec returned %d (%s), expected %d", what, ret, err.msg, want);
	if (!strstr(err.file, "mmsim-bad-elf") || !err.msg[0])
		fail_msg("%s: the error does not name the file: '%s' '%s'", what, err.file, err.msg);
	print_message("%s: %s\n", what, err.msg);
	assert_false(t->exited);
	char *after = render(m, t->pid, "maps");
	assert_string_equal(before, after);
	expect_no_growth(m, objs, what);
	assert_int_equal(mmsim_machine_validate(m, &err), 0);
	free(before);
	free(after);
	mmsim_machine_free(m);
}

static void test_bad_truncated(void **s) { (void)s; bad_elf_case(fix_truncate, "truncated", -ENOEXEC); }
static void test_bad_phnum(void **s) { (void)s; bad_elf_case(fix_phnum, "lying e_phnum", -ENOEXEC); }
static void test_bad_overlap(void **s) { (void)s; bad_elf_case(fix_overlap, "overlapping PT_LOAD", -ENOEXEC); }
static void test_bad_filesz(void **s) { (void)s; bad_elf_case(fix_filesz, "p_filesz > p_memsz", -ENOEXEC); }
static void test_bad_machine(void **s) { (void)s; bad_elf_case(fix_machine, "wrong machine", -ENOEXEC); }
static void test_bad_phentsize(void **s) { (void)s; bad_elf_case(fix_phentsize, "e_phentsize", -ENOEXEC); }

static void test_exec_errors(void **state)
{
	(void)state;
	mmsim_machine *m = boot_default();
	struct task_struct *t = new_task(m);
	struct mmsim_error err = { 0 };
	char *argv[] = { "x", NULL };
	/* one string longer than MAX_ARG_STRLEN (32 pages): E2BIG, as the kernel says */
	char *huge = malloc(200 * 1024);
	assert_non_null(huge);
	memset(huge, 'x', 200 * 1024 - 1);
	huge[1] = '=';
	huge[200 * 1024 - 1] = 0;
	char *envp[] = { huge, NULL };
	assert_int_equal(do_execve(m, t, "/bin/true", argv, envp, &err), -E2BIG);
	pid_t pid = fork();
	if (pid == 0) {
		execve("/bin/true", argv, envp);
		_exit(errno == E2BIG ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	free(huge);
	assert_int_equal(do_execve(m, t, "/nonexistent/prog", argv, small_env, &err), -ENOENT);
	assert_int_equal(do_execve(m, t, "/etc/passwd", argv, small_env, &err), -EACCES);
	assert_int_equal(do_execve(m, t, "/usr", argv, small_env, &err), -EACCES);
	assert_false(t->exited);
	mmsim_machine_free(m);
}

/* The Nth page allocation fails, for every N until the exec succeeds. */
static void test_exec_fail_nth(void **state)
{
	(void)state;
	if (access("/usr/bin/cat", X_OK) != 0)
		skip();
	mmsim_machine *m = boot_default();
	char *argv[] = { "cat", NULL };
	long base[8];
	int successes = 0, killed = 0, refused = 0;
	for (uint64_t n = 1; n < 300 && successes < 40; n++) {
		struct task_struct *t = new_task(m);
		struct mmsim_error err = { 0 };
		assert_int_equal(do_execve(m, t, "/bin/true", argv, small_env, &err), 0);
		char *before = render(m, t->pid, "maps");
		mmsim_fail_nth_alloc(m, n);
		int ret = do_execve(m, t, "/usr/bin/cat", argv, small_env, &err);
		mmsim_fail_nth_alloc(m, 0);
		if (ret == 0) {
			successes++;
		} else if (t->exited) {
			killed++;
			assert_null(t->mm);
		} else {
			refused++;
			char *after = render(m, t->pid, "maps");
			assert_string_equal(before, after);
			free(after);
		}
		free(before);
		assert_int_equal(mmsim_machine_validate(m, &err), 0);
		task_free(m, t);
		if (n == 1)
			snapshot(m, base);
	}
	/* every object back: a leak of one object per round would have grown a cache past
	 * the slab's worth of slack the per-CPU slabs allow */
	expect_no_growth(m, base, "after every round");
	print_message("exec under failures: %d refused, %d killed, %d succeeded\n", refused, killed,
		      successes);
	assert_true(successes > 0);
	mmsim_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_cat),
		cmocka_unit_test(test_exec_true_empty_env),
		cmocka_unit_test(test_exec_empty_argv),
		cmocka_unit_test(test_exec_large_env),
		cmocka_unit_test(test_exec_many_args),
		cmocka_unit_test(test_exec_ld_so),
		cmocka_unit_test(test_exec_static_pie),
		cmocka_unit_test(test_bad_truncated),
		cmocka_unit_test(test_bad_phnum),
		cmocka_unit_test(test_bad_overlap),
		cmocka_unit_test(test_bad_filesz),
		cmocka_unit_test(test_bad_machine),
		cmocka_unit_test(test_bad_phentsize),
		cmocka_unit_test(test_exec_errors),
		cmocka_unit_test(test_exec_fail_nth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
