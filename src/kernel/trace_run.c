/*
 * Running a memory-access trace on a simulated process (mmsim_trace_run, `mmsim trace`).
 *
 * One task with an empty mm (task_create: mm_alloc + arch_pick_mmap_layout, as exec's
 * bprm_mm_init starts one) makes every access of the trace through task_access on CPU 0:
 * the TLB, the page walk, and on a fault do_user_addr_fault and handle_mm_fault
 * (kernel/access.c). A lackey " M" is a load then a store of the same bytes, as valgrind's
 * lackey/lk_main.c defines it. An access spanning two pages touches both (task_access).
 *
 * --auto-vma (o->auto_vma): a trace records a program's accesses but not its mmap calls, so
 * the run can create the mappings itself. An access that faults with SEGV_MAPERR maps the
 * free part of the enclosing 1 MiB-aligned chunk around the faulting address with
 * mmap(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE): PROT_READ|PROT_WRITE for data,
 * PROT_READ|PROT_EXEC for an instruction fetch. mmap merges it with a neighbour whose
 * flags match (vma_merge_new_range), so a trace walking through memory ends with few VMAs.
 * An access that faults with SEGV_ACCERR (a store into a r-x chunk, a fetch from a rw-
 * chunk: a program's code and data often share 1 MiB) adds the missing permission to the
 * faulting page with mprotect, which splits the VMA as Linux's mprotect_fixup does. The
 * task has CAP_SYS_RAWIO (as root has), so page traces that start at address 0 can map it
 * (security_mmap_addr). Without auto_vma the first signal stops the run.
 *
 * With a log (trace_run_opts.log) the process is one the log's replay made
 * (kernel/trace_log.c). The fast path for accesses the MMU translates at once, and why it
 * counts what task_access counts: kernel/trace_run.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mmsim/mmsim.h"
#include "input/trace.h"
#include "kernel/access.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "kernel/sched.h"
#include "kernel/trace_run.h"
#include "mm/mm.h"
#include "mm/mman.h"
#include "mm/mmap.h"
#include "mm/page_alloc.h"
#include "mm/policy_reclaim.h"
#include "mm/vma.h"
#include "util/error.h"

#define TRACE_BATCH	4096
#define AUTO_CHUNK	(1ull << 20)	/* --auto-vma maps 1 MiB-aligned chunks */
#define AUTO_RETRIES	4		/* mappings / mprotects one access may need (2 pages) */

/*
 * One run. Invariant of the fast path: when fast is set, CPU 0's user root register held
 * root_reg and its asid was asid at a moment task_access_switched(m, t) was true, and
 * neither t's mm nor the MMU's control bits have changed since (nothing in a run changes
 * them): so while mmu->root[0] == root_reg and mmu->asid == asid, switch_mm would do
 * nothing and an access within one page may go straight to mmu_translate.
 */
struct trace_run {
	struct mmsim_machine *m;
	struct task_struct *t;
	struct mmu *mmu;		/* CPU 0 */
	const struct trace_run_opts *o;
	struct mmsim_trace_result *res;
	uint64_t page_size;		/* m->mm.page_size */
	bool fast;
	uint16_t asid;
	uint64_t root_reg;
	/* the pid the trace names in valgrind's "==PID==" lines, and where (0: none yet) */
	int trace_pid;
	uint64_t trace_pid_line;
	/* counters at the start: the run reports what it added */
	uint64_t ev0[2];		/* PGFAULT, PGMAJFAULT */
	struct mmu_stats mmu0;
	struct tlb_stats tlb0;
};

/* Map the free part of the 1 MiB chunk around addr; 0 or a negative errno. */
static int auto_map(struct trace_run *tr, uint64_t addr, unsigned int kind)
{
	struct vm_area_struct *prev = NULL, *next;
	uint64_t start = addr & ~(AUTO_CHUNK - 1), end = start + AUTO_CHUNK;
	uint64_t prot = kind == MMU_EXEC ? PROT_READ | PROT_EXEC : PROT_READ | PROT_WRITE;
	int64_t ret;

	next = find_vma_prev(tr->t->mm, addr, &prev);
	if (prev && prev->vm_end > start)
		start = prev->vm_end;
	if (next && next->vm_start < end)
		end = next->vm_start;
	ret = sys_mmap(tr->t, start, end - start, prot,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (ret < 0)
		return (int)ret;
	tr->res->auto_maps++;
	return 0;
}

/* Give the page at addr the permission kind needs (its VMA refused it); 0 or -errno. */
static int auto_mprotect(struct trace_run *tr, uint64_t addr, unsigned int kind)
{
	struct vm_area_struct *vma = vma_lookup(tr->t->mm, addr);
	uint64_t page = 1ull << tr->m->paging->granule_shift;
	uint64_t prot;
	int64_t ret;

	if (!vma)
		return -EFAULT;
	/* VM_READ/WRITE/EXEC have PROT_READ/WRITE/EXEC's values (include/linux/mm.h) */
	prot = vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC);
	prot |= kind == MMU_EXEC ? PROT_EXEC : kind == MMU_WRITE ? PROT_WRITE : PROT_READ;
	ret = sys_mprotect(tr->t, addr & ~(page - 1), page, prot);
	if (ret < 0)
		return (int)ret;
	tr->res->auto_mprotects++;
	return 0;
}

/* Check the invariant of struct trace_run's fast path; 0 or -EUCLEAN with err. */
static int trace_run_validate(struct trace_run *tr, const char *path, struct mmsim_error *err)
{
	const struct mmu *mmu = tr->mmu;

	if (tr->fast && tr->o->no_fast_path)
		return err_set(err, -EUCLEAN, path, 0, 0, "trace run: fast path on while off");
	if (tr->fast && mmu->root[0] == tr->root_reg && mmu->asid == tr->asid &&
	    !task_access_switched(tr->m, tr->t))
		return err_set(err, -EUCLEAN, path, 0, 0, "trace run: the fast path would skip a "
			       "switch_mm: CPU 0 does not run the task's tables");
	if (tr->mmu != &tr->m->cpu[0] || tr->page_size != tr->m->mm.page_size)
		return err_set(err, -EUCLEAN, path, 0, 0, "trace run: stale CPU or page size");
	return 0;
}

/* Note whether CPU 0 runs the task's tables now (after every access through task_access). */
static void fast_update(struct trace_run *tr)
{
	tr->fast = !tr->o->no_fast_path && task_access_switched(tr->m, tr->t);
	tr->root_reg = tr->mmu->root[0];
	tr->asid = tr->mmu->asid;
}

/*
 * One access of kind (MMU_READ/WRITE/EXEC) that the fast path did not finish: f is the
 * fault its first translation gave (the fast path's mmu_translate), or NULL when nothing
 * was done yet. Maps with --auto-vma as needed. 0 (a signal that stopped it is in
 * res->signo), or a negative errno.
 */
static __attribute__((noinline)) int run_slow(struct trace_run *tr, const struct trace_access *a,
					      unsigned int kind, const struct mmu_fault *f)
{
	struct access_result ar;
	int rc;

	for (int tries = 0;; tries++) {
		/* task_access clears ar itself */
		if (f)
			rc = task_access_after_fault(tr->m, tr->t, a->addr, a->size, kind, f, &ar);
		else
			rc = task_access(tr->m, tr->t, a->addr, a->size, kind, &ar);
		f = NULL;
		fast_update(tr);
		if (rc || !ar.signo)
			return rc;
		if (!tr->o->auto_vma || ar.signo != MMSIM_SIGSEGV || tries >= AUTO_RETRIES)
			break;
		if (ar.si_code == MMSIM_SEGV_MAPERR)
			rc = auto_map(tr, ar.addr, kind);
		else if (ar.si_code == MMSIM_SEGV_ACCERR)
			rc = auto_mprotect(tr, ar.addr, kind);
		else
			break;
		if (rc)		/* cannot map there (non-canonical, beyond TASK_SIZE): the signal */
			break;
	}
	tr->res->signals++;
	if (!tr->res->signo) {		/* the first one is described */
		tr->res->signo = ar.signo;
		tr->res->si_code = ar.si_code;
		tr->res->signal_addr = ar.addr;
		tr->res->signal_line = a->line;
	}
	return 0;
}

/*
 * One access of kind: the fast path when CPU 0 runs the task's tables and the access lies
 * in one page (what task_access would do then is this mmu_translate and nothing else), the
 * rest through run_slow. Same returns as run_slow. Inlined into run_batch's loop (both of
 * its calls): a call per access cost 5% of a trace whose pages stay in the micro-TLB.
 */
static inline __attribute__((always_inline))
int run_one(struct trace_run *tr, const struct trace_access *a, unsigned int kind)
{
	struct mmu *mmu = tr->mmu;

	if (__builtin_expect(tr->fast && mmu->root[0] == tr->root_reg && mmu->asid == tr->asid &&
			     (a->addr & (tr->page_size - 1)) + a->size <= tr->page_size, 1)) {
		struct mmu_xlat x;
		struct mmu_fault f;

		if (__builtin_expect(!mmu_translate(mmu, a->addr, kind | MMU_USER, &x, &f), 1)) {
			/* research mode: the reference task_access would have counted */
			if (__builtin_expect(tr->m->mm.rpolicy != NULL, 0))
				rpolicy_access(&tr->m->mm, x.pa >> tr->m->mm.page_shift,
					       kind == MMU_WRITE);
			return 0;
		}
		return run_slow(tr, a, kind, &f);
	}
	return run_slow(tr, a, kind, NULL);
}

/*
 * Run one batch; stops at the first signal or error. 0 or a negative errno; *failed: the
 * access that failed or was stopped by a signal (untouched when all ran).
 */
static int run_batch(struct trace_run *tr, const struct trace_access *buf, size_t n,
		     const struct trace_access **failed)
{
	/* the access of each trace kind (enum trace_kind); a modify adds a store after it */
	static const uint8_t mmu_kind[4] = {
		[TRACE_LOAD] = MMU_READ, [TRACE_STORE] = MMU_WRITE,
		[TRACE_MODIFY] = MMU_READ, [TRACE_IFETCH] = MMU_EXEC,
	};
	struct mmsim_trace_result *res = tr->res;
	uint64_t count[4] = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		const struct trace_access *a = &buf[i];
		unsigned int k = a->kind & 3;

		count[k]++;
		uint64_t sig0 = res->signals;

		rc = run_one(tr, a, mmu_kind[k]);
		if (__builtin_expect(rc || res->signals != sig0, 0)) {
			if (rc || !tr->o->keep_going)
				break;
			continue;	/* keep_going: the access is skipped (a modify's store too) */
		}
		if (k == TRACE_MODIFY) {
			rc = run_one(tr, a, MMU_WRITE);
			if (rc || (res->signals != sig0 && !tr->o->keep_going))
				break;
		}
	}
	if (i < n)
		*failed = &buf[i];
	res->loads += count[TRACE_LOAD];
	res->stores += count[TRACE_STORE];
	res->modifies += count[TRACE_MODIFY];
	res->ifetches += count[TRACE_IFETCH];
	return rc;
}

/* Copy the end-of-run counters of the task, its mm and CPU 0 (what the run added) into res. */
static void collect(struct trace_run *tr)
{
	struct mmsim_trace_result *res = tr->res;
	struct mm_struct *mm = tr->t->mm;
	struct mmu *mmu = &tr->m->cpu[0];
	uint64_t rss;

	res->pgfault = tr->m->mm.vm_events[PGFAULT] - tr->ev0[0];
	res->pgmajfault = tr->m->mm.vm_events[PGMAJFAULT] - tr->ev0[1];
	rss = (uint64_t)(mm->rss_stat[MM_FILEPAGES] + mm->rss_stat[MM_ANONPAGES] +
			 mm->rss_stat[MM_SHMEMPAGES]);
	res->rss_pages = rss;
	/* VmHWM: hiwater_rss is only raised before RSS drops (fs/proc/task_mmu.c task_mem) */
	res->rss_peak_pages = mm->hiwater_rss > rss ? mm->hiwater_rss : rss;
	res->page_size = 1ull << tr->m->paging->granule_shift;
	res->vmas = (uint64_t)mm->map_count;
	if (mmu->tlb) {
		const struct tlb_stats *ts = tlb_stats(mmu->tlb);

		res->l1i_hits = ts->l1i.hits - tr->tlb0.l1i.hits;
		res->l1i_misses = ts->l1i.misses - tr->tlb0.l1i.misses;
		res->l1d_hits = ts->l1d.hits - tr->tlb0.l1d.hits;
		res->l1d_misses = ts->l1d.misses - tr->tlb0.l1d.misses;
		res->l2_hits = ts->l2.hits - tr->tlb0.l2.hits;
		res->l2_misses = ts->l2.misses - tr->tlb0.l2.misses;
	}
	res->walks = mmu->stats.walks - tr->mmu0.walks;
	res->walk_refs = mmu->stats.walk_refs - tr->mmu0.walk_refs;
}

/* trace_options.other_line: the first "==PID==", "--PID--" or "**PID**" line names the pid. */
static int note_trace_pid(void *ctx, const char *line, size_t len, uint64_t lineno,
			  uint64_t accesses_before)
{
	struct trace_run *tr = ctx;
	long pid = 0;
	size_t i = 2;

	(void)accesses_before;
	if (tr->trace_pid || len < 5 || line[1] != line[0] ||
	    (line[0] != '=' && line[0] != '-' && line[0] != '*'))
		return 0;
	while (i < len && line[i] >= '0' && line[i] <= '9' && pid < 1 << 22)
		pid = pid * 10 + (line[i++] - '0');
	/* "--PID:LEVEL:" debug lines (-d) name the pid too; anything else does not */
	if (i == 2 || i >= len || pid <= 0 || pid >= 1 << 22 ||
	    !(line[i] == ':' || (i + 1 < len && line[i] == line[0] && line[i + 1] == line[0])))
		return 0;
	tr->trace_pid = (int)pid;
	tr->trace_pid_line = lineno;
	return 0;
}

/* err for an access the simulator could not run (rc: a negative errno); returns rc. */
static int access_failed(const struct trace_access *a, int rc, const char *path,
			 struct mmsim_error *err)
{
	if (rc == -ENOSYS)
		return err_set(err, rc, path, (int)a->line, 0, "the access at 0x%llx faults in a "
			       "mapping whose fault path is not modelled (file-backed, shared or "
			       "special mapping)", (unsigned long long)a->addr);
	return err_set(err, rc, path, (int)a->line, 0, "the access at 0x%llx failed in the "
		       "simulator: %s", (unsigned long long)a->addr, mmsim_strerror(rc));
}

/* The task the trace runs in: a new one, or the log's process. 0 or a negative errno. */
static int get_task(struct trace_run *tr, const char *path, struct trace_run_info *info,
		    struct mmsim_error *err)
{
	int rc;

	if (tr->o->log)
		return trace_log_build(tr->m, tr->o->log, tr->o, path, tr->trace_pid,
				       tr->trace_pid_line, &tr->t, info, err);
	if (tr->o->pid > 0) {
		/* a process the machine has already (mmsim trace --script) */
		tr->t = find_task_by_pid(tr->m, tr->o->pid);
		if (!tr->t || tr->t->exited || !tr->t->mm)
			return err_set(err, -ESRCH, path, 0, 0, "the machine has no live process %d "
				       "to run the trace in", tr->o->pid);
		info->pid = tr->t->pid;
		return 0;
	}
	rc = task_create(tr->m, 0, true, &tr->t);
	if (rc)
		return rc;
	tr->t->cap_sys_rawio = true;
	info->pid = tr->t->pid;
	return 0;
}

/* Snapshot the counters the run reports as differences, and what the process had. */
static void start_counters(struct trace_run *tr, struct trace_run_info *info)
{
	struct mmsim_machine *m = tr->m;
	struct mm_struct *mm = tr->t->mm;

	tr->ev0[0] = m->mm.vm_events[PGFAULT];
	tr->ev0[1] = m->mm.vm_events[PGMAJFAULT];
	tr->mmu0 = m->cpu[0].stats;
	if (m->cpu[0].tlb)
		tr->tlb0 = *tlb_stats(m->cpu[0].tlb);
	info->rss_before_pages = (uint64_t)(mm->rss_stat[MM_FILEPAGES] + mm->rss_stat[MM_ANONPAGES] +
					    mm->rss_stat[MM_SHMEMPAGES]);
	info->vmas_before = (uint64_t)mm->map_count;
}

int trace_run(struct mmsim_machine *m, const char *path, const struct trace_run_opts *o,
	      struct mmsim_trace_result *res, struct trace_run_info *info,
	      struct mmsim_error *err)
{
	static const struct trace_run_opts defaults;
	struct trace_run_info info_local;
	struct trace_options topt = { 0 };
	struct trace_reader *r = NULL;
	struct trace_access *buf;
	struct trace_run tr;
	struct trace_stats st;
	const struct trace_access *failed = NULL;
	uint64_t line = 0;
	size_t n;
	int rc, rrc;

	if (!o)
		o = &defaults;
	if (!info)
		info = &info_local;
	memset(res, 0, sizeof(*res));
	memset(info, 0, sizeof(*info));
	if (o->keep)
		*o->keep = NULL;
	if (!m->cpu)
		return -EINVAL;
	buf = malloc(TRACE_BATCH * sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	tr = (struct trace_run){ .m = m, .o = o, .res = res, .mmu = &m->cpu[0],
				 .page_size = m->mm.page_size };
	topt.other_line = note_trace_pid;
	topt.other_ctx = &tr;
	rc = trace_open(path, &topt, &r, err);
	if (rc)
		goto out_free_buf;
	/* the first batch first: valgrind's header lines before it name the trace's pid */
	rrc = trace_next_batch(r, buf, TRACE_BATCH, &n, err);
	info->trace_pid = tr.trace_pid;
	rc = get_task(&tr, path, info, err);
	if (rc)
		goto out_close;
	start_counters(&tr, info);
	for (;;) {
		/* the accesses before a bad line run, then the error stops the run */
		if (mmsim_stop_requested()) {
			rc = err_set(err, -EINTR, path, (int)line, 0, "stopped by a signal");
			break;
		}
		rc = run_batch(&tr, buf, n, &failed);
		if (rc) {
			access_failed(failed, rc, path, err);
			break;
		}
		if (m->desc.check) {
			rc = trace_run_validate(&tr, path, err);
			if (rc)
				break;
		}
		rc = rrc;
		if (rc || !n || (res->signo && !o->keep_going))
			break;
		line = buf[n - 1].line;
		rrc = trace_next_batch(r, buf, TRACE_BATCH, &n, err);
	}
	collect(&tr);
	trace_reader_stats(r, &st);
	res->lines = st.lines;
	strncpy(res->kind, trace_format_name(trace_reader_format(r)), sizeof(res->kind) - 1);
	strncpy(res->compression, trace_compression_name(trace_reader_compression(r)),
		sizeof(res->compression) - 1);
	if (o->keep)
		*o->keep = tr.t;
	else if (!o->log && o->pid <= 0)
		task_free(m, tr.t);	/* the log's and the script's processes stay */
out_close:
	trace_close(r);
out_free_buf:
	free(buf);
	return rc;
}

int mmsim_trace_run(mmsim_machine *m, const char *path, const struct mmsim_trace_opts *o,
		    struct mmsim_trace_result *res, struct mmsim_error *err)
{
	struct trace_run_opts to = { .auto_vma = o ? o->auto_vma : 0,
				     .keep_going = o ? o->keep_going : 0 };

	return trace_run(m, path, &to, res, NULL, err);
}
