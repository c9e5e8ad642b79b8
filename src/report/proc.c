/*
 * mmsim_proc_render: the /proc files of a machine by name (Linux: fs/proc, each file's
 * show function named in report/proc.h). Rendering reads the machine and changes nothing.
 */
#include <errno.h>
#include <string.h>
#include "mmsim/mmsim.h"
#include "mm/oom.h"
#include "mm/slab.h"
#include "report/proc.h"
#include "report/proc_swaps.h"

static int render_buddyinfo(struct mmsim_machine *m, struct strbuf *sb)
{
	proc_buddyinfo(&m->mm, sb);
	return 0;
}

static int render_pagetypeinfo(struct mmsim_machine *m, struct strbuf *sb)
{
	proc_pagetypeinfo(&m->mm, sb);
	return 0;
}

static int render_zoneinfo(struct mmsim_machine *m, struct strbuf *sb)
{
	proc_zoneinfo(&m->mm, sb);
	return 0;
}

static int render_meminfo(struct mmsim_machine *m, struct strbuf *sb)
{
	proc_meminfo(&m->mm, sb);
	return 0;
}

static int render_vmstat(struct mmsim_machine *m, struct strbuf *sb)
{
	proc_vmstat(&m->mm, sb);
	return 0;
}

static int render_slabinfo(struct mmsim_machine *m, struct strbuf *sb)
{
	return slabinfo_render(&m->mm, sb);
}

static int render_iomem(struct mmsim_machine *m, struct strbuf *sb)
{
	proc_iomem(m, sb);
	return 0;
}

static int render_swaps(struct mmsim_machine *m, struct strbuf *sb)
{
	return proc_swaps(&m->mm, sb);
}

/* dmesg: the kernel log (the OOM killer's report, panics); not a /proc file on Linux */
static int render_dmesg(struct mmsim_machine *m, struct strbuf *sb)
{
	return kernel_log_show(&m->mm, sb);
}

/* faults: mmsim's per-process fault counts (ps's columns); not a /proc file on Linux */
static int render_faults(struct mmsim_machine *m, struct strbuf *sb)
{
	proc_faults(m, sb);
	return sb->err;
}

/* policy: who decides reclaim and a research policy's counters; not a /proc file on Linux */
static int render_policy(struct mmsim_machine *m, struct strbuf *sb)
{
	proc_reclaim_policy(&m->mm, sb);
	return sb->err;
}

static int render_memblock(struct mmsim_machine *m, struct strbuf *sb)
{
	proc_memblock(&m->mm, sb);
	return 0;
}

/* The files, in the order mmsim_proc_names lists them. */
#define PROC_FILES(X) X(buddyinfo) X(pagetypeinfo) X(zoneinfo) X(meminfo) X(vmstat) \
	X(slabinfo) X(iomem) X(memblock) X(swaps) X(dmesg) X(faults) \
	X(policy)

static const struct {
	const char *name;
	int (*render)(struct mmsim_machine *m, struct strbuf *sb);
} proc_files[] = {
#define X_FILE(n) { #n, render_##n },
	PROC_FILES(X_FILE)
#undef X_FILE
};
#define NR_PROC_FILES (sizeof(proc_files) / sizeof(proc_files[0]))

const char *const *mmsim_proc_names(void)
{
#define X_NAME(n) #n,
	static const char *const names[] = { PROC_FILES(X_NAME) NULL };
#undef X_NAME
	return names;
}

int mmsim_proc_render(mmsim_machine *m, const char *name, char **out, size_t *len)
{
	if (!m || !name || !out)
		return -EINVAL;
	for (size_t i = 0; i < NR_PROC_FILES; i++) {
		if (strcmp(proc_files[i].name, name) != 0)
			continue;
		struct strbuf sb;
		sb_init(&sb);
		int ret = proc_files[i].render(m, &sb);
		if (ret < 0) {
			sb_free(&sb);
			return ret;
		}
		return sb_finish(&sb, out, len);
	}
	return -ENOENT;
}
