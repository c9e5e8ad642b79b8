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
#include "mm/mm.h"
#include "mm/mman.h"
#include "mm/mmap.h"
#include "mm/page_alloc.h"
#include "mm/vma.h"
#include "util/error.h"

#define TRACE_BATCH	4096
#define AUTO_CHUNK	(1ull << 20)	/* --auto-vma maps 1 MiB-aligned chunks */
#define AUTO_RETRIES	4		/* mappings / mprotects one access may need (2 pages) */

struct trace_run {
	struct mmsim_machine *m;
	struct task_struct *t;
	const struct mmsim_trace_opts *o;
	struct mmsim_trace_result *res;
	uint64_t line;			/* the line of the access being run */
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

/*
 * One access of kind (MMU_READ/WRITE/EXEC), mapping with --auto-vma as needed.
 * 0 (a signal that stopped it is in res->signo), or a negative errno.
 */
static int run_one(struct trace_run *tr, const struct trace_access *a, unsigned int kind)
{
	struct access_result ar;
	int rc;

	for (int tries = 0;; tries++) {
		/* task_access clears ar itself */
		rc = task_access(tr->m, tr->t, a->addr, a->size, kind, &ar);
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
	tr->res->signo = ar.signo;
	tr->res->si_code = ar.si_code;
	tr->res->signal_addr = ar.addr;
	tr->res->signal_line = a->line;
	return 0;
}

/* Run one batch; stops at the first signal. 0 or a negative errno. */
static int run_batch(struct trace_run *tr, const struct trace_access *buf, size_t n)
{
	struct mmsim_trace_result *res = tr->res;
	int rc = 0;

	for (size_t i = 0; i < n && !rc && !res->signo; i++) {
		const struct trace_access *a = &buf[i];

		tr->line = a->line;

		switch (a->kind) {
		case TRACE_LOAD:
			res->loads++;
			rc = run_one(tr, a, MMU_READ);
			break;
		case TRACE_STORE:
			res->stores++;
			rc = run_one(tr, a, MMU_WRITE);
			break;
		case TRACE_MODIFY:
			res->modifies++;
			rc = run_one(tr, a, MMU_READ);
			if (!rc && !res->signo)
				rc = run_one(tr, a, MMU_WRITE);
			break;
		default:
			res->ifetches++;
			rc = run_one(tr, a, MMU_EXEC);
			break;
		}
	}
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

int mmsim_trace_run(mmsim_machine *m, const char *path, const struct mmsim_trace_opts *o,
		    struct mmsim_trace_result *res, struct mmsim_error *err)
{
	static const struct mmsim_trace_opts defaults;
	struct trace_reader *r = NULL;
	struct trace_access *buf;
	struct trace_run tr;
	struct trace_stats st;
	size_t n;
	int rc;

	memset(res, 0, sizeof(*res));
	buf = malloc(TRACE_BATCH * sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	rc = trace_open(path, NULL, &r, err);
	if (rc)
		goto out_free_buf;
	tr = (struct trace_run){ .m = m, .o = o ? o : &defaults, .res = res };
	rc = task_create(m, 0, true, &tr.t);
	if (rc)
		goto out_close;
	tr.t->cap_sys_rawio = true;
	tr.ev0[0] = m->mm.vm_events[PGFAULT];
	tr.ev0[1] = m->mm.vm_events[PGMAJFAULT];
	tr.mmu0 = m->cpu[0].stats;
	if (m->cpu[0].tlb)
		tr.tlb0 = *tlb_stats(m->cpu[0].tlb);
	do {
		int rrc = trace_next_batch(r, buf, TRACE_BATCH, &n, err);

		/* the accesses before a bad line run, then the error stops the run */
		rc = run_batch(&tr, buf, n);
		if (rc)
			err_set(err, rc, path, (int)tr.line, 0,
				"the access of this line failed in the simulator: %s",
				mmsim_strerror(rc));
		else
			rc = rrc;
	} while (!rc && n && !res->signo);
	collect(&tr);
	trace_reader_stats(r, &st);
	res->lines = st.lines;
	strncpy(res->kind, trace_format_name(trace_reader_format(r)), sizeof(res->kind) - 1);
	strncpy(res->compression, trace_compression_name(trace_reader_compression(r)),
		sizeof(res->compression) - 1);
	task_free(m, tr.t);
out_close:
	trace_close(r);
out_free_buf:
	free(buf);
	return rc;
}
