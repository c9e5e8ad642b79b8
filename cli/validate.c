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
#include "kernel/validate_faults.h"

enum validate_opt {
	OPT_HELP, OPT_LOG, OPT_KEEP, OPT_PASS, OPT_QUIET, OPT_FAULTS, OPT_VALGRIND, OPT_NATIVE_CPU
};

static const struct cli_option validate_options[] = {
	{ "help", NULL, OPT_HELP },
	{ "log", "FILE", OPT_LOG },
	{ "keep", NULL, OPT_KEEP },
	{ "show-output", NULL, OPT_PASS },
	{ "quiet", NULL, OPT_QUIET },
	{ "faults", NULL, OPT_FAULTS },
	{ "valgrind", "PROG", OPT_VALGRIND },
	{ "native-cpu", NULL, OPT_NATIVE_CPU },
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
	      "  --faults               compare page faults and RSS instead of the maps: the\n"
	      "                         kernel's counts of a native run against mmsim's for the\n"
	      "                         recorded system calls and the accesses of a run under\n"
	      "                         valgrind --tool=lackey (docs/validate-faults.md); with\n"
	      "                         --log/--keep, FILE.lackey and FILE.valgrind-stderr too\n"
	      "  --valgrind PROG        the valgrind to run (default: valgrind in PATH)\n"
	      "  --native-cpu           with --faults: let glibc see every CPU feature (by\n"
	      "                         default those valgrind's virtual CPU lacks, AVX-512 ...,\n"
	      "                         are hidden in all runs, so both pick the same code)\n"
	      "  -h, --help             show this help\n"
	      "\n", f);
	machine_options_help(f);
	fputs("\n"
	      "Examples:\n"
	      "  mmsim validate -- ls /\n"
	      "  mmsim validate --log py.log --keep -- python3 -c 'x = bytearray(10**7)'\n"
	      "  mmsim validate --faults -- ls /\n"
	      "\n"
	      "Exit status: 0 the maps and every return value matched (--faults: every count\n"
	      "equal within the tolerance printed), 1 something differed, 2 CMD could not be run\n"
	      "and recorded (ptrace not permitted, not found, valgrind missing) or a usage error.\n"
	      "See docs/replay.md and docs/validate-faults.md.\n", f);
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

/* ---- --faults ----------------------------------------------------------------------- */

/*
 * The tolerance of a count (docs/validate-faults.md, "Tolerance"): what valgrind's run
 * cannot show or does differently moves a few pages, whatever the program's size (the
 * vDSO and vvar pages the native program touches and valgrind's client has none of; the
 * stack pages' alignment; the dynamic loader's extra work for vgpreload_core.so), plus a
 * share that grows with the program (its environment is longer under valgrind, which adds
 * LD_PRELOAD and its own variables; its heap and locale data move with that).
 */
#define VF_TOL_PAGES	8		/* faults, or pages of RSS */
#define VF_TOL_PERCENT	5

static bool within(uint64_t kernel, uint64_t sim, uint64_t unit_kb, uint64_t kb_per_page)
{
	uint64_t diff = kernel > sim ? kernel - sim : sim - kernel;
	uint64_t abs = VF_TOL_PAGES * (unit_kb ? kb_per_page : 1);
	uint64_t rel = kernel * VF_TOL_PERCENT / 100;
	return diff <= (abs > rel ? abs : rel);
}

static void row(const char *name, uint64_t k, uint64_t s, const char *unit, bool *ok,
		bool check, uint64_t kb_per_page)
{
	long long d = (long long)s - (long long)k;
	bool in = within(k, s, unit[0] != '\0', kb_per_page);
	char kb[32], sb[32], db[32];

	snprintf(kb, sizeof(kb), "%llu%s", (unsigned long long)k, unit);
	snprintf(sb, sizeof(sb), "%llu%s", (unsigned long long)s, unit);
	snprintf(db, sizeof(db), "%+lld%s", d, unit);
	printf("%-26s %12s %12s %12s%s\n", name, kb, sb, db, !check ? "" : in ? "" : "  <- beyond tolerance");
	if (check && !in)
		*ok = false;
}

/* Print the table and what cannot be exact; 0 within tolerance, 1 different. */
static int print_faults(char *const cmd[], const struct vf_result *r, uint64_t kb_per_page)
{
	const struct vf_counts *k = &r->kernel, *s = &r->sim;
	bool ok = true;
	uint64_t not_run = 0;

	printf("mmsim validate --faults:");
	for (int i = 0; cmd[i]; i++)
		printf(" %s", cmd[i]);
	printf("\n\n%-26s %12s %12s %12s\n", "", "kernel", "mmsim", "difference");
	/* min_flt and maj_flt are disjoint: a fault is one or the other (mm_account_fault) */
	row("minor faults", k->minflt, s->minflt, "", &ok, true, kb_per_page);
	row("  during execve", k->exec_minflt, s->exec_minflt, "", &ok, false, kb_per_page);
	row("  after execve", k->minflt - k->exec_minflt, s->minflt - s->exec_minflt, "", &ok,
	    false, kb_per_page);
	row("major faults", k->majflt, s->majflt, "", &ok, true, kb_per_page);
	row("RssAnon at exit_group", k->rss_anon_kb, s->rss_anon_kb, " kB", &ok, true, kb_per_page);
	row("RssFile at exit_group", k->rss_file_kb, s->rss_file_kb, " kB", &ok, true, kb_per_page);
	row("RssShmem at exit_group", k->rss_shmem_kb, s->rss_shmem_kb, " kB", &ok, true,
	    kb_per_page);
	row("VmHWM", k->hwm_kb, s->hwm_kb, " kB", &ok, true, kb_per_page);
	printf("\ntolerance: %d pages or %d%% of the kernel's count, whichever is larger "
	       "(docs/validate-faults.md)\n", VF_TOL_PAGES, VF_TOL_PERCENT);
	for (int i = 0; i < VF_SKIP_NR; i++)
		not_run += r->skipped[i];
	printf("\nvalgrind's trace: %llu lines, %llu accesses, and %llu stores added for the "
	       "kernel's\nwrites into the program's buffers (read, fstat ...: lackey does not "
	       "see them);\n%llu run through mmsim's MMU and fault handler, %llu not run\n",
	       (unsigned long long)r->lines, (unsigned long long)r->accesses,
	       (unsigned long long)r->kernel_writes, (unsigned long long)r->run,
	       (unsigned long long)not_run);
	for (int i = 0; i < VF_SKIP_NR; i++)
		if (r->skipped[i])
			printf("  %llu %s\n", (unsigned long long)r->skipped[i],
			       vf_skip_name((enum vf_skip)i));
	if (r->nosys)
		printf("  %llu run but needing a fault path mmsim does not model yet (the first at "
		       "0x%llx)\n", (unsigned long long)r->nosys,
		       (unsigned long long)r->first_nosys_addr);
	if (r->signals)
		printf("  %llu run but refused by mmsim with SIGSEGV/SIGBUS (the first at 0x%llx, "
		       "log line %llu)\n", (unsigned long long)r->signals,
		       (unsigned long long)r->first_signal_addr,
		       (unsigned long long)r->first_signal_line);
	printf("system calls: %llu memory calls recorded natively, %llu in valgrind's run, %llu "
	       "paired", (unsigned long long)r->native_calls, (unsigned long long)r->vg_calls,
	       (unsigned long long)r->paired);
	if (r->paired_loosely)
		printf(" (%llu of them anonymous mappings of another length)",
		       (unsigned long long)r->paired_loosely);
	if (r->first_unpaired_line)
		printf(" (the first without a partner: line %llu of valgrind's log)",
		       (unsigned long long)r->first_unpaired_line);
	if (r->replay_diverged || r->replay_skipped)
		printf("; replay: %llu values differ, %llu calls not applied",
		       (unsigned long long)r->replay_diverged,
		       (unsigned long long)r->replay_skipped);
	printf("\nwait4 rusage of the native run: minflt %llu, majflt %llu (with the census's "
	       "pre-exec code\nand the children it waited for)\n",
	       (unsigned long long)r->ru_minflt, (unsigned long long)r->ru_majflt);
	if (r->nrss_diff) {
		printf("\nwhere the RSS differs (smaps Rss at the exit, kernel and mmsim):\n");
		for (size_t i = 0; i < r->nrss_diff; i++)
			printf("  %-62s %7llu kB %7llu kB\n", r->rss_diff[i].name,
			       (unsigned long long)r->rss_diff[i].kernel_kb,
			       (unsigned long long)r->rss_diff[i].sim_kb);
	}
	printf("\npage cache: mmsim's started with the pages the host's cache held of %llu files "
	       "the\nprogram maps, as the native runs found them\n",
	       (unsigned long long)r->files_mirrored);
	printf("\nwhat cannot be exact (docs/validate-faults.md):\n"
	       "  - valgrind runs the program at other addresses (its own loader, stack at 0x%llx,\n"
	       "    brk after the interpreter): accesses are moved to the native layout by mapping\n"
	       "    identity (file and offset, heap, stack pointer, paired mmap results)\n"
	       "  - valgrind's client has no vDSO: the native run's faults on [vdso] and [vvar]\n"
	       "    have no accesses in the trace\n"
	       "  - valgrind adds LD_PRELOAD=vgpreload_core.so and its own variables: the loader\n"
	       "    does more, the environment is longer\n",
	       (unsigned long long)r->vg_start_stack);
	if (r->cpu_hidden)
		printf("  - every run had GLIBC_TUNABLES=%s\n    (CPU features valgrind's virtual "
		       "CPU lacks: glibc then picks the same string\n    functions natively as under "
		       "valgrind; --native-cpu leaves them)\n", vf_hwcaps_tunable());
	else
		printf("  - --native-cpu: glibc picks other string functions natively (AVX-512 ...) "
		       "than under\n    valgrind's virtual CPU: libc's text pages differ\n");
	if (k->exec_minflt != s->exec_minflt)
		printf("  - execve: the kernel wrote the new stack and cleared the bss tails (%llu "
		       "faults); mmsim's exec %s\n", (unsigned long long)k->exec_minflt,
		       s->exec_minflt ? "counts other ones" : "takes none yet");
	if (r->vg_tp)
		printf("  - the loader maps the main thread's TLS block with another size under\n"
		       "    valgrind: it is moved by the thread pointer (kernel 0x%llx,\n"
		       "    valgrind 0x%llx)\n", (unsigned long long)r->kernel_tp,
		       (unsigned long long)r->vg_tp);
	if (r->native_brks_skipped)
		printf("  - the heap follows valgrind's brk calls, moved to the native heap's start\n"
		       "    (%llu recorded brk calls not applied): heap use differs between the runs\n",
		       (unsigned long long)r->native_brks_skipped);
	if (r->start_stack_differs)
		printf("  - the initial stack pointer differs (kernel 0x%llx, mmsim 0x%llx): stack "
		       "accesses follow mmsim's\n", (unsigned long long)k->start_stack,
		       (unsigned long long)s->start_stack);
	if (r->threads)
		printf("  - several threads: their accesses are interleaved as valgrind serialised "
		       "them; valgrind 3.19\n    refuses clone3 and rseq, so glibc creates and "
		       "registers threads another way\n");
	if (r->children)
		printf("  - child processes are replayed (their system calls) but their accesses are "
		       "not traced; the counts are the first process's own\n");
	if (r->exec_again)
		printf("  - the program exec'd another program: only the first image is compared\n");
	if (!r->kernel_exited)
		printf("  - the native run did not stop at its exit: no RSS was read\n");
	printf("\n%s\n", ok ? "equal within the tolerance" : "different beyond the tolerance");
	return ok ? 0 : 1;
}

static int validate_faults(mmsim_machine *m, char *const cmd[], const char *log, bool keep,
			   bool passthrough, const char *valgrind, bool native_cpu)
{
	struct vf_opts o = { .passthrough = passthrough, .valgrind = valgrind,
			     .keep = log ? log : keep ? "mmsim-validate.log" : NULL,
			     .native_cpu = native_cpu };
	struct vf_result r;
	struct mmsim_error err = { 0 };
	int rc = mmsim_validate_faults(m, cmd, &o, &r, &err);

	if (rc) {
		cli_fail("validate --faults", rc, &err);
		return 2;
	}
	rc = print_faults(cmd, &r, r.page_size / 1024);
	vf_result_free(&r);
	return rc;
}

int cmd_validate(int argc, char **argv)
{
	struct machine_args args;
	struct replay_printer pr = { .name = "recorded log" };
	struct mmsim_record_opts ro = { 0 };
	const char *log = NULL, *valgrind = NULL;
	bool keep = false, faults = false, native_cpu = false;
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
		else if (id == OPT_FAULTS)
			faults = true;
		else if (id == OPT_VALGRIND)
			valgrind = value;
		else if (id == OPT_NATIVE_CPU)
			native_cpu = true;
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
	if (faults) {
		status = validate_faults(m, argv + i + 1, log, keep, ro.passthrough, valgrind,
					 native_cpu);
		mmsim_machine_free(m);
		machine_args_free(&args);
		return status;
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
