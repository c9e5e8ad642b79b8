/*
 * The /proc renderers of a booted machine (Linux: mm/vmstat.c, fs/proc/meminfo.c,
 * kernel/resource.c, mm/memblock.c debugfs). Each appends the whole file, byte for byte as
 * Linux 6.18 prints it for the counters the model has, to sb; none changes the machine.
 * docs/proc.md lists the fields each file has and the ones left out.
 */
#ifndef MMSIM_REPORT_PROC_H
#define MMSIM_REPORT_PROC_H
#include <stdbool.h>
#include <stdint.h>
#include "kernel/machine.h"
#include "util/strbuf.h"

/* mm/vmstat.c */
void proc_buddyinfo(struct mm_sys *ms, struct strbuf *sb);
void proc_pagetypeinfo(struct mm_sys *ms, struct strbuf *sb);
void proc_zoneinfo(struct mm_sys *ms, struct strbuf *sb);
void proc_vmstat(struct mm_sys *ms, struct strbuf *sb);

/* `show policy`: who decides reclaim, a research policy's counters (report/proc_policy.c). */
void proc_reclaim_policy(struct mm_sys *ms, struct strbuf *sb);

/* fs/proc/meminfo.c */
void proc_meminfo(struct mm_sys *ms, struct strbuf *sb);

/* /proc/iomem top level lines and the memblock debugfs view (mmsim's own file). */
void proc_iomem(const struct mmsim_machine *m, struct strbuf *sb);
void proc_memblock(const struct mm_sys *ms, struct strbuf *sb);

/*
 * /proc/PID/<file> of task pid as text (report/proc_pid.c, proc_smaps.c, proc_pagemap.c,
 * proc_stat.c): "maps", "smaps", "smaps_rollup", "status" (the memory lines VmPeak ..
 * HugetlbPages), "stat", "statm" or "pagemap" (mmsim's text form of the binary file:
 * docs/proc-pid.md). 0, -ESRCH (no such task; smaps_rollup and pagemap of an exited task,
 * whose open fails so on Linux), -ENOENT (another file name), -ENOMEM. An exited task's
 * maps, smaps and status are empty; its stat shows state Z and zeros for the mm fields,
 * its statm seven zeros.
 */
int proc_pid_render(struct mmsim_machine *m, int pid, const char *file, struct strbuf *sb);

/* report/proc_stat.c: do_task_stat (whole = 1) and proc_pid_statm, one line each. */
struct task_struct;
struct mm_struct;
int show_stat(struct mmsim_machine *m, struct task_struct *t, struct strbuf *sb);
int show_statm(struct mmsim_machine *m, struct task_struct *t, struct strbuf *sb);

/* get_mm_counter: an RSS counter of mm (MM_FILEPAGES ...) in pages, a negative one as 0. */
uint64_t proc_mm_counter(const struct mm_struct *mm, int member);
/* get_mm_rss: file + anon + shmem pages (status VmRSS, stat rss, statm resident). */
uint64_t proc_mm_rss(const struct mm_struct *mm);
/*
 * The faults of t's thread group as do_task_stat sums them with whole = 1: every thread's
 * min_flt and maj_flt, the exited ones' included (Linux adds those to sig->min_flt).
 */
void proc_tgid_faults(struct mmsim_machine *m, const struct task_struct *t, uint64_t *min_flt,
		      uint64_t *maj_flt);
/*
 * mmsim's `faults` view (not a /proc file): a header and one line per process (thread
 * group), in pid order: PID COMMAND MINFL MAJFL RSS SWAP, RSS and SWAP in kB, in the
 * columns of `ps -o pid,comm,min_flt,maj_flt,rss` (docs/proc-pid.md).
 */
void proc_faults(struct mmsim_machine *m, struct strbuf *sb);

/*
 * Public API (to move to include/mmsim/mmsim.h):
 *
 * mmsim_proc_pid_names: the names proc_pid_render knows, NULL-terminated.
 *
 * mmsim_proc_pid_read: read(2) of /proc/PID/<name> at offset into buf (count bytes at
 * most), as pread of the live file. "pagemap" gives its 64-bit entries (offset and count
 * multiples of 8, else -EINVAL; root's view, pfns shown); the text files give the bytes of
 * their rendering. Returns the bytes read (0 at the end), -ESRCH, -ENOENT, -EINVAL, -ENOMEM.
 */
const char *const *mmsim_proc_pid_names(void);
int64_t mmsim_proc_pid_read(struct mmsim_machine *m, int pid, const char *name, uint64_t offset,
			    void *buf, size_t count);

/* ---- helpers shared by the renderers and the JSON document ---------------------------- */

/* Migrate types Linux 6.18 on x86_64 compiles in (no CMA on the reference kernel). */
static inline bool migratetype_shown(int mt) { return mt != MIGRATE_CMA; }

/* Zone indexes the machine's configuration compiles (Linux's MAX_NR_ZONES). */
static inline unsigned int proc_nr_zones(const struct mm_sys *ms) { return ms->arch->nr_zones; }

/* Linux's zone name for zone index zidx of a node (set at boot; the arch's name otherwise). */
const char *proc_zone_name(const struct mm_sys *ms, const struct zone *z, unsigned int zidx);

/* Clamp a counter to >= 0 as Linux's readers do (zone_page_state and friends). */
static inline uint64_t stat_pos(int64_t v) { return v < 0 ? 0 : (uint64_t)v; }

/* A node stat item of all nodes in pages (byte items converted), clamped, as Linux's
 * global_node_page_state_pages. */
uint64_t global_node_page_state_pages(struct mm_sys *ms, enum node_stat_item i);
/* A node's stat item in pages (byte items converted), clamped. */
uint64_t node_page_state_pages(const struct mm_sys *ms, const pg_data_t *pgdat,
			       enum node_stat_item i);
/* HPAGE_PMD_NR of the machine's page-table format: base pages per PMD leaf. */
uint64_t hpage_pmd_nr(const struct mm_sys *ms);
/*
 * The value /proc/vmstat and zoneinfo print for item i worth pages pages: the THP items
 * (vmstat_item_print_in_thp) in huge pages, the others as they are.
 */
uint64_t node_stat_shown(const struct mm_sys *ms, enum node_stat_item i, uint64_t pages);

/*
 * Free blocks of one order and migrate type on a zone's list. With cap != 0 counting stops
 * at cap and *overflow says so (pagetypeinfo caps at PAGETYPE_COUNT_CAP as Linux does).
 */
#define PAGETYPE_COUNT_CAP 100000
uint64_t free_list_count(const struct zone *z, unsigned int order, int mt, uint64_t cap,
			 bool *overflow);

/* Pageblocks of each migrate type in a zone (pagetypeinfo_showblockcount_print). */
void zone_pageblock_counts(struct mm_sys *ms, const struct zone *z, uint64_t count[MIGRATE_TYPES]);

/* Is event i printed? pgalloc_<zone> only for the zone types the machine compiles. */
bool vm_event_shown(const struct mm_sys *ms, enum vm_event_item i);

/*
 * The /proc/meminfo lines the model computes, in Linux's order: fn(arg, label, kB) for
 * each, label with its colon ("MemTotal:").
 */
void meminfo_for_each(struct mm_sys *ms, void (*fn)(void *arg, const char *label, uint64_t kb),
		      void *arg);

/*
 * The top-level ranges of /proc/iomem: the kernel's e820 table as boot left it (after the
 * x86 early fixes), neighbours of one type merged; on arm64 the RAM ranges only. Up to max
 * ranges into out; returns how many.
 */
unsigned int iomem_ranges(const struct mmsim_machine *m, struct mem_range *out, unsigned int max);
/* /proc/iomem's name of a firmware range type ("System RAM", "Reserved", ...). */
const char *iomem_type_name(uint32_t type);
#endif
