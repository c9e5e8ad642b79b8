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
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "replay.h"
#include "trace.h"
#include "kernel/trace_run.h"

enum trace_opt { OPT_HELP, OPT_AUTO_VMA, OPT_JSON, OPT_LOG, OPT_PID, OPT_SHOW_LOG,
		 OPT_NO_FAST_PATH, OPT_KEEP_GOING };

static const struct cli_option trace_options[] = {
	{ "help", NULL, OPT_HELP },
	CLI_MACHINE_OPTIONS,
	{ "auto-vma", NULL, OPT_AUTO_VMA },
	{ "json", NULL, OPT_JSON },
	{ "log", "LOG", OPT_LOG },
	{ "pid", "N", OPT_PID },
	{ "show-log", NULL, OPT_SHOW_LOG },
	{ "no-fast-path", NULL, OPT_NO_FAST_PATH },
	{ "keep-going", NULL, OPT_KEEP_GOING },
	{ NULL, NULL, 0 },
};

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
	      "  --pid N                with --log: run in the log's process N\n"
	      "  --show-log             with --log: print the replay's differing values and\n"
	      "                         notes on stderr, as mmsim replay does\n"
	      "  --json                 one JSON object (vmstat names: pgfault, pgmajfault)\n"
	      "  --no-fast-path         every access through the full access path (slower; the\n"
	      "                         counters are the same: for checking the fast path)\n"
	      "  -h, --help             show this help\n"
	      "\n"
	      "Examples:\n"
	      "  valgrind --tool=lackey --trace-mem=yes --log-file=ls.lackey ls\n"
	      "  mmsim trace --auto-vma ls.lackey\n"
	      "  mmsim trace --auto-vma --json --tlb zen4 trace.gz\n"
	      "  setarch -R strace -f -y -e trace=memory,process -o ls.strace \\\n"
	      "      valgrind --tool=lackey --trace-mem=yes --log-file=ls.lackey ls\n"
	      "  mmsim trace --log ls.strace ls.lackey\n", f);
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

int cmd_trace(int argc, char **argv)
{
	struct machine_args args;
	struct trace_run_opts topts = { 0 };
	struct replay_printer pr = { 0 };
	const char *path = NULL;
	bool json = false;
	int status = machine_args_init(&args, argc);

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
			return 0;
		} else if (id == OPT_AUTO_VMA) {
			topts.auto_vma = 1;
		} else if (id == OPT_KEEP_GOING) {
			topts.keep_going = 1;
		} else if (id == OPT_JSON) {
			json = true;
		} else if (id == OPT_LOG) {
			topts.log = value;
		} else if (id == OPT_PID) {
			char *end;
			long pid = strtol(value, &end, 10);

			if (*end || end == value || pid <= 0 || pid > 4194304)
				status = cli_usage_error("trace: --pid needs a pid from 1 to 4194304, "
							 "not '%s'", value);
			topts.pid = (int)pid;
		} else if (id == OPT_SHOW_LOG) {
			topts.report = replay_print_msg;
			topts.ctx = &pr;
		} else if (id == OPT_NO_FAST_PATH) {
			topts.no_fast_path = true;
		} else {
			status = machine_args_add(&args, id, value, "trace");
		}
	}
	if (!status && !path)
		status = cli_usage_error("trace: a trace FILE is needed; see 'mmsim help trace'");
	if (!status && !topts.log && (topts.pid || topts.report))
		status = cli_usage_error("trace: --pid and --show-log go with --log LOG");
	if (!status && topts.log && !strcmp(topts.log, "-") && !strcmp(path, "-"))
		status = cli_usage_error("trace: the log and the trace cannot both be standard "
					 "input");
	pr.name = topts.log;
	mmsim_machine *m = NULL;
	if (!status)
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
	return status;
}
