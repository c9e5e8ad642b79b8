/*
 * `mmsim validate -- CMD ARGS`: run CMD on the live kernel under ptrace with ASLR off
 * (mmsim_record), replay what it recorded in a booted machine (mmsim_replay), and print the
 * difference between the kernel's /proc/PID/maps and mmsim's as a unified diff (nothing
 * when they are the same), then every return value that differed. Exit status 0 exact,
 * 1 different, 2 could not run (ptrace not permitted, CMD not found, usage error).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "replay.h"

enum validate_opt { OPT_HELP, OPT_LOG, OPT_KEEP, OPT_PASS, OPT_QUIET };

static const struct cli_option validate_options[] = {
	{ "help", NULL, OPT_HELP },
	{ "log", "FILE", OPT_LOG },
	{ "keep", NULL, OPT_KEEP },
	{ "show-output", NULL, OPT_PASS },
	{ "quiet", NULL, OPT_QUIET },
	CLI_MACHINE_OPTIONS,
	{ NULL, NULL, 0 },
};

void validate_help(FILE *f)
{
	fputs("usage: mmsim validate [OPTION]... -- CMD [ARG]...\n"
	      "\n"
	      "Check mmsim against the live kernel: run CMD under ptrace with ASLR off (as\n"
	      "`setarch -R`), record its memory and process system calls and its /proc/PID/maps\n"
	      "just before it exits, replay the calls in mmsim and print a unified diff of the\n"
	      "two maps (nothing when they are the same), then each return value that differed.\n"
	      "When the stack only grew during the run, below where exec left it, the diff says\n"
	      "so instead: a system call log cannot show that growth.\n"
	      "\n"
	      "  --log FILE             write the recorded log (strace format) to FILE\n"
	      "  --keep                 also keep FILE.kernel-maps and FILE.mmsim-maps (FILE is\n"
	      "                         --log's, or mmsim-validate.log)\n"
	      "  --show-output          let CMD write to this terminal (default: /dev/null)\n"
	      "  --quiet                do not print the replay's notes\n"
	      "  -h, --help             show this help\n"
	      "\n", f);
	machine_options_help(f);
	fputs("\n"
	      "Examples:\n"
	      "  mmsim validate -- ls /\n"
	      "  mmsim validate --log py.log --keep -- python3 -c 'x = bytearray(10**7)'\n"
	      "\n"
	      "Exit status: 0 the maps and every return value matched, 1 something differed,\n"
	      "2 CMD could not be run and recorded (ptrace not permitted, not found) or a usage\n"
	      "error. See docs/replay.md.\n", f);
}

/* Lines of a text, pointing into it (the text is changed: '\n' become '\0'). */
struct lines {
	char **v;
	size_t n;
};

static int split_lines(char *text, struct lines *l)
{
	size_t cap = 16;
	l->n = 0;
	l->v = malloc(cap * sizeof(char *));
	if (!l->v)
		return -ENOMEM;
	for (char *p = text; p && *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (l->n == cap) {
			char **v = realloc(l->v, (cap *= 2) * sizeof(char *));
			if (!v)
				return -ENOMEM;
			l->v = v;
		}
		l->v[l->n++] = p;
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* Start and end of the [stack] line, or false. */
static bool stack_range(const char *line, unsigned long long *a, unsigned long long *b)
{
	return strstr(line, "[stack]") && sscanf(line, "%llx-%llx", a, b) == 2;
}

/*
 * When the kernel's stack VMA and mmsim's differ only in their start, and the kernel's lies
 * below where exec left it: the stack grew at run time. Say so, and compare mmsim's line
 * in its place.
 */
static void explain_stack(struct lines *kern, const struct lines *sim, uint64_t exec_start)
{
	for (size_t i = 0; i < kern->n; i++) {
		unsigned long long ka, kb, sa, sb;
		if (!stack_range(kern->v[i], &ka, &kb))
			continue;
		for (size_t j = 0; j < sim->n; j++) {
			if (!stack_range(sim->v[j], &sa, &sb) || kb != sb || ka >= sa)
				continue;
			if (strcmp(strchr(kern->v[i], ' '), strchr(sim->v[j], ' ')) != 0)
				continue;
			if (exec_start && sa != exec_start)
				continue;
			printf("stack grew during the run (a syscall log cannot show this): the kernel "
			       "has %llx-%llx, exec left %llx-%llx\n", ka, kb, sa, sb);
			kern->v[i] = sim->v[j];
			return;
		}
	}
}

/* Split a maps line into its range..dev part and its path; the inode number between. */
static bool maps_fields(const char *line, size_t *head, unsigned long long *ino,
			const char **path)
{
	int n = 0;
	char r[64], perm[8], off[32], dev[16];
	if (sscanf(line, "%63s %7s %31s %15s %n", r, perm, off, dev, &n) != 4 || !n)
		return false;
	*head = (size_t)n;
	char *end;
	*ino = strtoull(line + n, &end, 10);
	while (*end == ' ')
		end++;
	*path = end;
	return true;
}

/*
 * A shared anonymous mapping is a shmem file ("/dev/zero (deleted)"), whose inode number
 * comes from the kernel's get_next_ino() counter (fs/inode.c): it depends on everything the
 * machine did before, not on the program. When that number is the only difference, say so
 * and compare mmsim's line in its place.
 */
static void explain_inodes(struct lines *kern, const struct lines *sim)
{
	bool said = false;
	for (size_t i = 0; i < kern->n; i++) {
		size_t kh, sh;
		unsigned long long ki, si;
		const char *kp, *sp;
		if (!maps_fields(kern->v[i], &kh, &ki, &kp) || ki == 0 ||
		    (strcmp(kp, "/dev/zero (deleted)") != 0 && strncmp(kp, "/SYSV", 5) != 0))
			continue;
		for (size_t j = 0; j < sim->n; j++) {
			if (!maps_fields(sim->v[j], &sh, &si, &sp) || kh != sh || ki == si ||
			    strncmp(kern->v[i], sim->v[j], kh) != 0 || strcmp(kp, sp) != 0)
				continue;
			if (!said)
				printf("shared anonymous memory: the kernel's inode numbers (a counter of "
				       "the whole machine) differ from mmsim's; not compared\n");
			said = true;
			kern->v[i] = sim->v[j];
			break;
		}
	}
}

/* Print a unified diff of a (kernel) and b (mmsim); returns the number of changed lines. */
static size_t unified_diff(const struct lines *a, const struct lines *b)
{
	size_t pre = 0, suf = 0;
	while (pre < a->n && pre < b->n && strcmp(a->v[pre], b->v[pre]) == 0)
		pre++;
	while (suf < a->n - pre && suf < b->n - pre &&
	       strcmp(a->v[a->n - 1 - suf], b->v[b->n - 1 - suf]) == 0)
		suf++;
	size_t n = a->n - pre - suf, m = b->n - pre - suf;
	if (!n && !m)
		return 0;
	/* longest common subsequence of the middle (maps files are small) */
	uint32_t *dp = NULL;
	if (n <= 4000 && m <= 4000)
		dp = calloc((n + 1) * (m + 1), sizeof(uint32_t));
	if (dp)
		for (size_t i = n; i-- > 0;)
			for (size_t j = m; j-- > 0;)
				dp[i * (m + 1) + j] = strcmp(a->v[pre + i], b->v[pre + j]) == 0
					? dp[(i + 1) * (m + 1) + j + 1] + 1
					: (dp[(i + 1) * (m + 1) + j] > dp[i * (m + 1) + j + 1]
					   ? dp[(i + 1) * (m + 1) + j] : dp[i * (m + 1) + j + 1]);
	size_t ctx = pre < 3 ? pre : 3, tail = suf < 3 ? suf : 3, changed = 0;
	printf("--- kernel /proc/PID/maps\n+++ mmsim /proc/PID/maps\n");
	printf("@@ -%zu,%zu +%zu,%zu @@\n", pre - ctx + 1, n + ctx + tail, pre - ctx + 1,
	       m + ctx + tail);
	for (size_t k = pre - ctx; k < pre; k++)
		printf(" %s\n", a->v[k]);
	size_t i = 0, j = 0;
	while (i < n || j < m) {
		if (dp && i < n && j < m && strcmp(a->v[pre + i], b->v[pre + j]) == 0) {
			printf(" %s\n", a->v[pre + i]);
			i++, j++;
		} else if (i < n && (j == m || !dp ||
				     dp[(i + 1) * (m + 1) + j] >= dp[i * (m + 1) + j + 1])) {
			printf("-%s\n", a->v[pre + i++]);
			changed++;
		} else {
			printf("+%s\n", b->v[pre + j++]);
			changed++;
		}
	}
	for (size_t k = a->n - suf; k < a->n - suf + tail; k++)
		printf(" %s\n", a->v[k]);
	free(dp);
	return changed;
}

static int write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "mmsim: validate: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Compare the recorded maps with the replayed ones; 0 same, 1 different, 2 out of memory. */
static int compare_maps(const struct mmsim_record_result *rec,
			const struct mmsim_replay_result *rep)
{
	char *kt = strdup(rec->maps), *st = strdup(rep->maps);
	struct lines kern = { 0 }, sim = { 0 };
	int status = 2;
	if (kt && st && !split_lines(kt, &kern) && !split_lines(st, &sim)) {
		explain_stack(&kern, &sim, rec->stack_start);
		explain_inodes(&kern, &sim);
		status = unified_diff(&kern, &sim) ? 1 : 0;
	}
	free(kern.v);
	free(sim.v);
	free(kt);
	free(st);
	return status;
}

int cmd_validate(int argc, char **argv)
{
	struct machine_args args;
	struct replay_printer pr = { .name = "recorded log" };
	struct mmsim_record_opts ro = { 0 };
	const char *log = NULL;
	bool keep = false;
	int i = 1, status = machine_args_init(&args, argc);

	while (i < argc && !status && strcmp(argv[i], "--") != 0) {
		const char *value;
		int id = cli_next_option(argc, argv, &i, validate_options, "validate", &value);
		if (id < 0)
			status = CLI_EXIT_USAGE;
		else if (id == OPT_HELP) {
			validate_help(stdout);
			machine_args_free(&args);
			return 0;
		} else if (id == OPT_LOG)
			log = value;
		else if (id == OPT_KEEP)
			keep = true;
		else if (id == OPT_PASS)
			ro.passthrough = 1;
		else if (id == OPT_QUIET)
			pr.quiet = 1;
		else
			status = machine_args_add(&args, id, value, "validate");
	}
	if (!status && (i >= argc || i + 1 >= argc))
		status = cli_usage_error("validate: expected -- CMD [ARG]...; see 'mmsim help "
					 "validate'");
	mmsim_machine *m = NULL;
	if (!status)
		status = machine_args_boot(&args, &m);
	if (status) {
		machine_args_free(&args);
		return 2;
	}
	if (keep && !log)
		log = "mmsim-validate.log";
	struct mmsim_record_result rec;
	struct mmsim_replay_result rep = { 0 };
	struct mmsim_error err = { 0 };
	int rc = mmsim_record(argv + i + 1, &ro, &rec, &err);
	if (rc < 0) {
		cli_fail("validate", rc, &err);
		mmsim_machine_free(m);
		machine_args_free(&args);
		return 2;
	}
	status = 0;
	if (log) {
		pr.name = log;
		if (write_file(log, rec.log, rec.log_len))
			status = 2;
	}
	struct mmsim_replay_opts o = { .report = replay_print_msg, .ctx = &pr };
	if (!status) {
		rc = mmsim_replay(m, pr.name, rec.log, rec.log_len, &o, &rep, &err);
		if (rc < 0)
			status = cli_fail("validate: replaying the recorded log", rc, &err) + 1;
	}
	if (!status) {
		status = compare_maps(&rec, &rep);
		if (rep.diverged && status == 0)
			status = 1;
		if (rep.diverged)
			printf("%lu of %lu return values differ (listed on stderr)\n", rep.diverged,
			       rep.checked);
	}
	if (keep && rep.maps) {
		char path[4096];
		snprintf(path, sizeof(path), "%s.kernel-maps", log);
		write_file(path, rec.maps, rec.maps_len);
		snprintf(path, sizeof(path), "%s.mmsim-maps", log);
		write_file(path, rep.maps, rep.maps_len);
	}
	mmsim_replay_result_free(&rep);
	mmsim_record_result_free(&rec);
	mmsim_machine_free(m);
	machine_args_free(&args);
	return status;
}
