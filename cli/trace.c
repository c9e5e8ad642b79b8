/*
 * `mmsim trace FILE`: run a memory-access trace (valgrind lackey or page-trace format, plain,
 * gzip or zstd) on one simulated process and print what it cost: accesses by kind, page
 * faults, RSS, TLB hits and misses, page walks. The process is a new one with an empty
 * address space, or (--log) one an strace log's replay built. Exit status 0 when the whole
 * trace ran, 1 when an access was stopped by a signal (SIGSEGV outside any VMA without
 * --auto-vma) or the trace or log is wrong (file:line:column), 2 for a usage error.
 *
 * The library is deterministic; only the "time" lines of the text output (and the one
 * "seconds" field of --json) depend on the host.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "replay.h"
#include "trace.h"
#include "input/scenario.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "kernel/trace_run.h"
#include "kernel/policy_run.h"
#include "input/config.h"

enum trace_opt { OPT_HELP, OPT_AUTO_VMA, OPT_JSON, OPT_LOG, OPT_PID, OPT_SHOW_LOG,
		 OPT_NO_FAST_PATH, OPT_KEEP_GOING, OPT_POLICY, OPT_FRAMES, OPT_PAGE_SIZE,
		 OPT_SECOND_PAGE, OPT_SCRIPT };

static const struct cli_option trace_options[] = {
	{ "help", NULL, OPT_HELP },
	CLI_MACHINE_OPTIONS,
	{ "auto-vma", NULL, OPT_AUTO_VMA },
	{ "json", NULL, OPT_JSON },
	{ "log", "LOG", OPT_LOG },
	{ "script", "FILE.mms", OPT_SCRIPT },
	{ "pid", "N", OPT_PID },
	{ "show-log", NULL, OPT_SHOW_LOG },
	{ "no-fast-path", NULL, OPT_NO_FAST_PATH },
	{ "keep-going", NULL, OPT_KEEP_GOING },
	{ "policy", "NAME", OPT_POLICY },
	{ "frames", "N", OPT_FRAMES },
	{ "page-size", "4K|2M|raw", OPT_PAGE_SIZE },
	{ "count-second-page", NULL, OPT_SECOND_PAGE },
	{ NULL, NULL, 0 },
};

static void policy_names_help(FILE *f);

void trace_help(FILE *f)
{
	fputs("usage: mmsim trace [OPTION]... FILE\n"
	      "\n"
	      "Run a memory-access trace on one simulated process: every access goes through the\n"
	      "TLB, the page walk and the page-fault handler. FILE is a valgrind lackey log\n"
	      "(valgrind --tool=lackey --trace-mem=yes) or a page trace (\"0041f7a0 R\"), plain,\n"
	      "gzip or zstd; - reads standard input. See docs/traces.md.\n"
	      "\n", f);
	machine_options_help(f);
	fputs("Tracing:\n"
	      "  --auto-vma             map what the trace touches: an access outside every VMA\n"
	      "                         maps the free part of its 1 MiB-aligned chunk (rw-, or\n"
	      "                         r-x for an instruction fetch); without it such an access\n"
	      "                         is a SIGSEGV and the run stops (exit status 1)\n"
	      "  --keep-going           count an access that gets SIGSEGV or SIGBUS, skip it and\n"
	      "                         go on (as a program that handles the signal); the first\n"
	      "                         one is described, the exit status is 0\n"
	      "  --log LOG              build the process first by replaying LOG, a log of\n"
	      "                         strace -f -y -e trace=memory,process (as mmsim replay):\n"
	      "                         the trace runs in the address space the process had\n"
	      "                         when it called exit_group; its first process, or the\n"
	      "                         pid the trace's ==PID== lines name\n"
	      "  --pid N                with --log: run in the log's process N; with --script:\n"
	      "                         in the script's process N\n"
	      "  --script FILE.mms      build the process first by running a scenario script\n"
	      "                         (docs/scenario-language.md): the trace runs in the\n"
	      "                         address space the script leaves, in its lowest live pid\n"
	      "  --show-log             with --log: print the replay's differing values and\n"
	      "                         notes on stderr, as mmsim replay does\n"
	      "  --json                 one JSON object (vmstat names: pgfault, pgmajfault)\n"
	      "  --no-fast-path         every access through the full access path (slower; the\n"
	      "                         counters are the same: for checking the fast path)\n"
	      "  -h, --help             show this help\n"
	      "\n"
	      "Research mode (page replacement, docs/policies.md): no machine is booted; a fixed\n"
	      "number of frames and a replacement policy, every counter exact:\n"
	      "  --policy NAME[:K=V,..] the policy (repeat for several; 'all' runs every one and\n"
	      "                         prints a table); NAME is one of\n"
	      "                         ", f);
	policy_names_help(f);
	fputs("  --frames N             the cache size in frames (page frames, or objects)\n"
	      "  --ram SIZE             the cache size in bytes: SIZE / page size frames\n"
	      "  --page-size 4K|2M|raw  the page of an address: addr >> 12 (default), addr >> 21,\n"
	      "                         or the number itself (a page trace of page numbers,\n"
	      "                         object ids)\n"
	      "  --count-second-page    an access that crosses into the next page references\n"
	      "                         that page too\n"
	      "  --seed N               seed of the Random policy (default: the machine's, 1)\n"
	      "  --check                check every policy's invariants after every batch\n"
	      "  --json                 one JSON object per policy run, one per line\n"
	      "  Conventions (those of libCacheSim and the course simulators): one trace record\n"
	      "  is one reference to the page of its first byte; cold misses count as faults;\n"
	      "  the cache size is a number of frames; a write (lackey S or M, W) makes the page\n"
	      "  dirty, a dirty page evicted is one write-back, pages resident at the end are\n"
	      "  not written.\n"
	      "  The same policies (all but opt) can decide a simulated machine's own reclaim:\n"
	      "  --set policy=NAME [--set policy_frames=N] without --policy (docs/policies.md).\n"
	      "\n"
	      "Examples:\n"
	      "  valgrind --tool=lackey --trace-mem=yes --log-file=ls.lackey ls\n"
	      "  mmsim trace --auto-vma ls.lackey\n"
	      "  mmsim trace --auto-vma --json --tlb zen4 trace.gz\n"
	      "  setarch -R strace -f -y -e trace=memory,process -o ls.strace \\\n"
	      "      valgrind --tool=lackey --trace-mem=yes --log-file=ls.lackey ls\n"
	      "  mmsim trace --log ls.strace ls.lackey\n"
	      "  mmsim trace --policy lru --frames 64 gcc.trace.gz\n"
	      "  mmsim trace --policy all --frames 8 --json trace1\n"
	      "  mmsim trace --policy clock:ref=0 --ram 1M trace.gz\n", f);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t total_accesses(const struct mmsim_trace_result *r)
{
	return r->loads + r->stores + r->modifies + r->ifetches;
}

static void print_text(const struct mmsim_trace_result *r, const struct trace_run_info *info,
		       const char *log, bool by_pid, double secs)
{
	uint64_t n = total_accesses(r);
	uint64_t kb = r->page_size / 1024;

	if (log) {
		printf("process:    pid %d of %s (%s; %" PRIu64 " VMAs, RSS %" PRIu64
		       " kB before the trace)\n", info->pid, log,
		       info->pid_from_trace ? "the pid the trace names" :
		       by_pid ? "--pid" : "the log's first process", info->vmas_before,
		       info->rss_before_pages * kb);
		printf("log:        %lu calls, %lu return values compared, %lu differ\n",
		       info->log_calls, info->log_checked, info->log_diverged);
	}
	printf("trace:      %s, %s, %" PRIu64 " lines\n", r->kind, r->compression, r->lines);
	printf("accesses:   %" PRIu64 " (load %" PRIu64 ", store %" PRIu64 ", modify %" PRIu64
	       ", ifetch %" PRIu64 ")\n", n, r->loads, r->stores, r->modifies, r->ifetches);
	printf("pgfault:    %" PRIu64 " (minor %" PRIu64 ", major %" PRIu64 ")\n", r->pgfault,
	       r->pgfault - r->pgmajfault, r->pgmajfault);
	printf("rss:        %" PRIu64 " kB (peak %" PRIu64 " kB)\n", r->rss_pages * kb,
	       r->rss_peak_pages * kb);
	printf("vmas:       %" PRIu64 " (auto mmap %" PRIu64 ", auto mprotect %" PRIu64 ")\n",
	       r->vmas, r->auto_maps, r->auto_mprotects);
	printf("tlb l1i:    %" PRIu64 " hits, %" PRIu64 " misses\n", r->l1i_hits, r->l1i_misses);
	printf("tlb l1d:    %" PRIu64 " hits, %" PRIu64 " misses\n", r->l1d_hits, r->l1d_misses);
	printf("tlb l2:     %" PRIu64 " hits, %" PRIu64 " misses\n", r->l2_hits, r->l2_misses);
	printf("walks:      %" PRIu64 " (%" PRIu64 " memory references, %.2f per walk)\n",
	       r->walks, r->walk_refs, r->walks ? (double)r->walk_refs / (double)r->walks : 0.0);
	printf("time:       %.3f s\n", secs);
	printf("time rate:  %.0f accesses/s\n", secs > 0 ? (double)n / secs : 0.0);
}

static void print_json(const struct mmsim_trace_result *r, const struct trace_run_info *info,
		       const char *log, double secs)
{
	uint64_t kb = r->page_size / 1024;

	printf("{\"pid\":%d,\"rss_before_kb\":%" PRIu64 ",\"vmas_before\":%" PRIu64 ",",
	       info->pid, info->rss_before_pages * kb, info->vmas_before);
	if (log)
		printf("\"log\":{\"calls\":%lu,\"checked\":%lu,\"diverged\":%lu,\"notes\":%lu,"
		       "\"pid_from_trace\":%s},", info->log_calls, info->log_checked,
		       info->log_diverged, info->log_notes, info->pid_from_trace ? "true" : "false");
	printf("\"format\":\"%s\",\"compression\":\"%s\",\"lines\":%" PRIu64 ","
	       "\"accesses\":%" PRIu64 ",\"load\":%" PRIu64 ",\"store\":%" PRIu64 ","
	       "\"modify\":%" PRIu64 ",\"ifetch\":%" PRIu64 ",",
	       r->kind, r->compression, r->lines, total_accesses(r), r->loads, r->stores,
	       r->modifies, r->ifetches);
	printf("\"pgfault\":%" PRIu64 ",\"pgmajfault\":%" PRIu64 ",\"rss_kb\":%" PRIu64 ","
	       "\"rss_peak_kb\":%" PRIu64 ",\"vmas\":%" PRIu64 ",\"auto_mmap\":%" PRIu64 ","
	       "\"auto_mprotect\":%" PRIu64 ",",
	       r->pgfault, r->pgmajfault, r->rss_pages * r->page_size / 1024,
	       r->rss_peak_pages * r->page_size / 1024, r->vmas, r->auto_maps, r->auto_mprotects);
	printf("\"tlb\":{\"l1i_hits\":%" PRIu64 ",\"l1i_misses\":%" PRIu64 ",\"l1d_hits\":%" PRIu64
	       ",\"l1d_misses\":%" PRIu64 ",\"l2_hits\":%" PRIu64 ",\"l2_misses\":%" PRIu64 "},",
	       r->l1i_hits, r->l1i_misses, r->l1d_hits, r->l1d_misses, r->l2_hits, r->l2_misses);
	printf("\"walks\":%" PRIu64 ",\"walk_refs\":%" PRIu64 ",\"signals\":%" PRIu64 ","
	       "\"signal\":%d,\"signal_addr\":%" PRIu64 ",\"signal_line\":%" PRIu64 ","
	       "\"seconds\":%.6f}\n", r->walks, r->walk_refs, r->signals, r->signo,
	       r->signal_addr, r->signal_line, secs);
}

/* What to add to the line of a signal that stopped the trace ("" when nothing helps). */
/*
 * --script: run the scenario on the machine the options describe, keep the machine and its
 * processes, and choose the one the trace runs in (--pid, else the lowest live pid). The
 * script's own output (show, echo) is printed first. 0 or the exit status.
 */
static int run_script(const struct machine_args *args, const char *script,
		      struct trace_run_opts *topts, mmsim_machine **m)
{
	mmsim_config *cfg = NULL;
	struct mmsim_error err = { 0 };
	char *text = NULL, *out = NULL;
	size_t len = 0, outlen = 0;
	int status = machine_args_config(args, &cfg), rc;

	if (status)
		return status;
	rc = read_all(script, &text, &len);
	if (rc < 0) {
		fprintf(stderr, "mmsim: trace: %s: %s\n", script, strerror(-rc));
		mmsim_config_free(cfg);
		return CLI_EXIT_FAIL;
	}
	rc = scenario_run_keep(cfg, script, text, len, 0, &out, &outlen, &err, m);
	free(text);
	mmsim_config_free(cfg);
	if (out)
		status = cli_write(out, outlen);
	free(out);
	if (rc != 0) {
		status = cli_fail("trace: --script", rc < 0 ? rc : -EDOM, &err);
		if (*m)
			mmsim_machine_free(*m);
		*m = NULL;
		return status;
	}
	if (!*m) {
		fprintf(stderr, "mmsim: trace: %s makes no process to run the trace in\n", script);
		return CLI_EXIT_FAIL;
	}
	if (!topts->pid) {
		struct mmsim_machine *mm = (struct mmsim_machine *)*m;
		struct task_struct *first = NULL;
		struct list_head *pos;

		list_for_each(pos, &mm->tasks) {
			struct task_struct *t = list_entry(pos, struct task_struct, tasks);

			if (!t->exited && t->mm && (!first || t->pid < first->pid))
				first = t;
		}
		if (!first) {
			fprintf(stderr, "mmsim: trace: %s leaves no live process to run the trace "
				"in\n", script);
			mmsim_machine_free(*m);
			*m = NULL;
			return CLI_EXIT_FAIL;
		}
		topts->pid = first->pid;
	}
	return status;
}

static const char *signal_hint(const struct mmsim_trace_result *r,
			       const struct trace_run_opts *o)
{
	if (o->auto_vma || r->signo != 11)
		return "";
	if (r->si_code == 1)
		return o->log ? " (no VMA there at the end of the log: --auto-vma maps one)"
			      : " (no VMA there: --auto-vma maps one)";
	if (r->si_code == 2)
		return o->log ? " (the VMA there does not allow it at the end of the log: "
				"--auto-vma adds the permission)"
			      : " (the VMA does not allow it: --auto-vma adds the permission)";
	return "";
}

/* The policy names, wrapped for --help. */
static void policy_names_help(FILE *f)
{
	int col = 25;

	for (size_t i = 0; i < policy_registry_len; i++) {
		const char *n = policy_registry[i]->name;
		int w = (int)strlen(n) + 2;
		if (col + w > 88) {
			fputs("\n                         ", f);
			col = 25;
		}
		fprintf(f, "%s%s", n, i + 1 < policy_registry_len ? ", " : "\n");
		col += w;
	}
}

/* What research mode was asked. */
struct policy_args {
	const char **specs;
	size_t nr_specs;
	bool all;
	const char *frames;		/* --frames value, NULL: none */
	unsigned page_shift;
	const char *page_size;		/* as given, for the output */
	bool second;
};

static int parse_page_size(const char *v, struct policy_args *pa)
{
	uint64_t bytes;
	struct mmsim_error err = { 0 };

	pa->page_size = v;
	if (!strcmp(v, "raw")) {
		pa->page_shift = 0;
		return 0;
	}
	if (config_parse_size(v, &bytes, &err) == 0 && (bytes == 4096 || bytes == 2u << 20)) {
		pa->page_shift = bytes == 4096 ? 12 : 21;
		return 0;
	}
	return cli_usage_error("trace: --page-size '%s': expected 4K, 2M or raw", v);
}

static const char *page_size_name(unsigned shift)
{
	return shift == 12 ? "4K" : shift == 21 ? "2M" : "raw";
}

static void print_policy_text(const struct policy_run_result *r, size_t n,
			      const struct policy_run_info *info, const char *path,
			      unsigned shift, double secs)
{
	printf("trace:      %s, %s, %s, %" PRIu64 " lines, %" PRIu64 " records\n", path,
	       trace_format_name(info->format), trace_compression_name(info->compression),
	       info->lines, info->records);
	printf("pages:      %s%s; %" PRIu64 " frames; %" PRIu64 " references\n",
	       page_size_name(shift), shift ? " (a record references the page of its first byte)"
	       : " (the numbers are the pages)", r[0].frames, info->refs);
	if (n == 1) {
		const struct policy_stats *s = &r->st;
		printf("policy:     %s\n", r->policy);
		printf("accesses:   %" PRIu64 "\n", s->accesses);
		printf("hits:       %" PRIu64 "\n", s->hits);
		printf("faults:     %" PRIu64 " (fault rate %.4f)\n", s->faults,
		       s->accesses ? (double)s->faults / (double)s->accesses : 0.0);
		printf("evictions:  %" PRIu64 "\n", s->evictions);
		printf("writebacks: %" PRIu64 " (dirty pages evicted)\n", s->dirty_writebacks);
		printf("resident:   %" PRIu64 " at the end\n", s->resident);
	} else {
		printf("%-24s %12s %12s %10s %12s %12s\n", "policy", "accesses", "faults",
		       "fault rate", "evictions", "writebacks");
		for (size_t i = 0; i < n; i++) {
			const struct policy_stats *s = &r[i].st;
			printf("%-24s %12" PRIu64 " %12" PRIu64 " %10.4f %12" PRIu64 " %12" PRIu64
			       "\n", r[i].policy, s->accesses, s->faults,
			       s->accesses ? (double)s->faults / (double)s->accesses : 0.0,
			       s->evictions, s->dirty_writebacks);
		}
	}
	printf("time:       %.3f s\n", secs);
	printf("time rate:  %.0f references/s per policy\n",
	       secs > 0 ? (double)info->refs * (double)n / secs : 0.0);
}

static void print_policy_json(const struct policy_run_result *r, size_t n,
			      const struct policy_run_info *info, unsigned shift)
{
	for (size_t i = 0; i < n; i++) {
		const struct policy_stats *s = &r[i].st;
		printf("{\"policy\":\"%s\",\"frames\":%" PRIu64 ",\"page_size\":\"%s\","
		       "\"records\":%" PRIu64 ",\"accesses\":%" PRIu64 ",\"hits\":%" PRIu64 ","
		       "\"faults\":%" PRIu64 ",\"evictions\":%" PRIu64 ",\"dirty_writebacks\":%"
		       PRIu64 ",\"resident\":%" PRIu64 ",\"fault_rate\":%.6f}\n", r[i].policy,
		       r[i].frames, page_size_name(shift), info->records, s->accesses, s->hits,
		       s->faults, s->evictions, s->dirty_writebacks, s->resident,
		       s->accesses ? (double)s->faults / (double)s->accesses : 0.0);
	}
}

/* Research mode: no machine; --ram and --seed are read from the machine options. */
static int trace_policy_mode(const char *path, struct policy_args *pa,
			     const struct machine_args *args, bool json)
{
	struct policy_run_opts o = { 0 };
	const char *ram = NULL;
	uint64_t seed = 1;
	int status = 0;

	for (size_t k = 0; k < args->n; k++) {
		char *end;
		if (args->ops[k].id == MOPT_RAM) {
			ram = args->ops[k].value;
		} else if (args->ops[k].id == MOPT_SEED) {
			seed = strtoull(args->ops[k].value, &end, 0);
			if (*end || end == args->ops[k].value)
				return cli_usage_error("trace: --seed '%s': expected a number",
						       args->ops[k].value);
		} else if (args->ops[k].id != MOPT_CHECK) {
			return cli_usage_error("trace: machine options other than --ram, --seed and "
					       "--check do not apply with --policy");
		}
	}
	if (args->levels || args->granule || args->va_bits)
		return cli_usage_error("trace: --levels, --granule and --va-bits do not apply "
				       "with --policy");
	if (!!pa->frames == !!ram)
		return cli_usage_error("trace: --policy needs the cache size: --frames N or "
				       "--ram SIZE (one of them)");
	if (pa->frames) {
		char *end;
		errno = 0;
		o.frames = strtoull(pa->frames, &end, 10);
		if (*end || end == pa->frames || errno || pa->frames[0] == '-' || !o.frames)
			return cli_usage_error("trace: --frames '%s': expected a number of frames, "
					       "at least 1", pa->frames);
	} else {
		uint64_t bytes;
		struct mmsim_error err = { 0 };
		if (!pa->page_shift)
			return cli_usage_error("trace: --ram needs a page size; with --page-size raw "
					       "give --frames");
		if (config_parse_size(ram, &bytes, &err))
			return cli_fail("trace: --ram", -EINVAL, &err);
		o.frames = bytes >> pa->page_shift;
		if (!o.frames)
			return cli_usage_error("trace: --ram %s is less than one %s page", ram,
					       page_size_name(pa->page_shift));
	}
	if (pa->all) {
		pa->nr_specs = 0;
		for (size_t i = 0; i < policy_registry_len; i++)
			pa->specs[pa->nr_specs++] = policy_registry[i]->name;
	}
	o.specs = pa->specs;
	o.nr_specs = pa->nr_specs;
	o.page_shift = pa->page_shift;
	o.count_second_page = pa->second;
	o.seed = seed;
	o.check = args->check;

	struct policy_run_result *res = calloc(o.nr_specs, sizeof(*res));
	struct policy_run_info info;
	struct mmsim_error err = { 0 };
	if (!res)
		return cli_fail("trace", -ENOMEM, NULL);
	double t0 = now_seconds();
	int rc = policy_run(path, &o, res, &info, &err);
	double secs = now_seconds() - t0;
	if (rc)
		status = cli_fail("trace", rc, &err);
	else if (json)
		print_policy_json(res, o.nr_specs, &info, o.page_shift);
	else
		print_policy_text(res, o.nr_specs, &info, path, o.page_shift, secs);
	free(res);
	return status;
}

int cmd_trace(int argc, char **argv)
{
	struct machine_args args;
	struct trace_run_opts topts = { 0 };
	struct replay_printer pr = { 0 };
	const char *path = NULL, *script = NULL;
	bool json = false;
	bool e_opts = false;
	struct policy_args pa = { .page_shift = 12, .page_size = "4K" };
	int status = machine_args_init(&args, argc);

	pa.specs = calloc((size_t)argc + policy_registry_len, sizeof(*pa.specs));
	if (!pa.specs)
		status = cli_fail("trace", -ENOMEM, NULL);

	for (int i = 1; i < argc && !status;) {
		const char *value;

		if (argv[i][0] != '-' || strcmp(argv[i], "-") == 0) {
			if (path)
				status = cli_usage_error("trace: one FILE only ('%s')", argv[i]);
			path = argv[i++];
			continue;
		}
		int id = cli_next_option(argc, argv, &i, trace_options, "trace", &value);
		if (id < 0) {
			status = CLI_EXIT_USAGE;
		} else if (id == OPT_HELP) {
			trace_help(stdout);
			machine_args_free(&args);
			free(pa.specs);
			return 0;
		} else if (id == OPT_POLICY) {
			if (!strcmp(value, "all"))
				pa.all = true;
			else
				pa.specs[pa.nr_specs++] = value;
		} else if (id == OPT_FRAMES) {
			pa.frames = value;
		} else if (id == OPT_PAGE_SIZE) {
			status = parse_page_size(value, &pa);
		} else if (id == OPT_SECOND_PAGE) {
			pa.second = true;
		} else if (id == OPT_AUTO_VMA) {
			topts.auto_vma = 1;
			e_opts = true;
		} else if (id == OPT_KEEP_GOING) {
			topts.keep_going = 1;
			e_opts = true;
		} else if (id == OPT_JSON) {
			json = true;
		} else if (id == OPT_LOG) {
			topts.log = value;
		} else if (id == OPT_SCRIPT) {
			script = value;
			e_opts = true;
		} else if (id == OPT_PID) {
			char *end;
			long pid = strtol(value, &end, 10);

			if (*end || end == value || pid <= 0 || pid > 4194304)
				status = cli_usage_error("trace: --pid needs a pid from 1 to 4194304, "
							 "not '%s'", value);
			topts.pid = (int)pid;
			e_opts = true;
		} else if (id == OPT_SHOW_LOG) {
			topts.report = replay_print_msg;
			topts.ctx = &pr;
		} else if (id == OPT_NO_FAST_PATH) {
			topts.no_fast_path = true;
			e_opts = true;
		} else {
			status = machine_args_add(&args, id, value, "trace");
		}
	}
	if (!status && !path)
		status = cli_usage_error("trace: a trace FILE is needed; see 'mmsim help trace'");
	bool policy_mode = pa.nr_specs || pa.all;
	if (!status && !policy_mode && (pa.frames || pa.second || pa.page_shift != 12))
		status = cli_usage_error("trace: --frames, --page-size and --count-second-page go "
					 "with --policy NAME");
	if (!status && policy_mode && (e_opts || topts.report))
		status = cli_usage_error("trace: --auto-vma, --keep-going, --log, --pid, --show-log "
					 "and --no-fast-path run a process; they do not go with "
					 "--policy");
	if (!status && policy_mode) {
		status = trace_policy_mode(path, &pa, &args, json);
		machine_args_free(&args);
		free(pa.specs);
		return status;
	}
	if (!status && script && topts.log)
		status = cli_usage_error("trace: --log and --script both build the process; give one");
	if (!status && !topts.log && (topts.report || (topts.pid && !script)))
		status = cli_usage_error("trace: --pid goes with --log LOG or --script FILE.mms, "
					 "--show-log with --log");
	if (!status && topts.log && !strcmp(topts.log, "-") && !strcmp(path, "-"))
		status = cli_usage_error("trace: the log and the trace cannot both be standard "
					 "input");
	pr.name = topts.log;
	mmsim_machine *m = NULL;
	if (!status && script)
		status = run_script(&args, script, &topts, &m);
	else if (!status)
		status = machine_args_boot(&args, &m);
	if (!status) {
		struct mmsim_trace_result res;
		struct trace_run_info info;
		struct mmsim_error err = { 0 };
		double t0 = now_seconds();
		int rc = trace_run(m, path, &topts, &res, &info, &err);
		double secs = now_seconds() - t0;

		if (rc) {
			status = cli_fail("trace", rc, &err);
		} else {
			if (json)
				print_json(&res, &info, topts.log, secs);
			else
				print_text(&res, &info, topts.log, topts.pid > 0, secs);
			if (info.log_diverged && !topts.report)
				fprintf(stderr, "mmsim: %s: %lu of the %lu recorded return values differ "
					"in the replay (--show-log or mmsim replay lists them)\n",
					topts.log, info.log_diverged, info.log_checked);
			if (res.signo && topts.keep_going) {
				fprintf(stderr, "mmsim: %s: %" PRIu64 " access%s skipped after a "
					"signal; the first: line %" PRIu64 ", %s at 0x%" PRIx64 "\n",
					path, res.signals, res.signals == 1 ? "" : "es",
					res.signal_line, res.signo == 11 ? "SIGSEGV" : "SIGBUS",
					res.signal_addr);
			} else if (res.signo) {
				fprintf(stderr, "mmsim: %s:%" PRIu64 ": %s (%s) at address 0x%" PRIx64
					": the trace stops here%s\n", path, res.signal_line,
					res.signo == 11 ? "SIGSEGV" : "SIGBUS",
					res.signo != 11 ? "BUS_ADRERR" : res.si_code == 1 ?
					"SEGV_MAPERR" : res.si_code == 2 ? "SEGV_ACCERR" :
					"SI_KERNEL: a non-canonical address", res.signal_addr,
					signal_hint(&res, &topts));
				status = CLI_EXIT_FAIL;
			}
		}
	}
	if (!status && args.check) {
		struct mmsim_error err = { 0 };
		int rc = mmsim_machine_validate(m, &err);
		if (rc)
			status = cli_fail("trace: validate", rc, &err);
	}
	mmsim_machine_free(m);
	machine_args_free(&args);
	free(pa.specs);
	return status;
}
