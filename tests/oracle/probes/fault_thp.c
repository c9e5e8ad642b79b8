/*
 * Fault probe: a transparent huge page. 4 MiB of private anonymous memory at a 2 MiB-aligned
 * address, madvise(MADV_HUGEPAGE) on the first 2 MiB (THP "enabled" is madvise on this
 * machine), then one write: do_huge_pmd_anonymous_page allocates an order-9 folio and maps
 * it with one PMD: 1 fault, RssAnon +2048 kB. Writing the other 511 pages of it faults no
 * more. The second 2 MiB has no MADV_HUGEPAGE: one write there is a 4 KiB page.
 * Scenario: tests/oracle/faults/thp.mms.
 */
#include "fault_probe.h"

#define HPAGE (2ul << 20)

int main(void)
{
	struct probe_mark m;
	char *p = probe_map(0x40000000, 2 * HPAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (madvise(p, HPAGE, MADV_HUGEPAGE)) {
		perror("madvise");
		return 2;
	}
	probe_begin(&m);
	probe_touch(p, PS, 1);
	probe_end("thp-first-write", &m);
	probe_begin(&m);
	probe_touch(p, HPAGE, 1);
	probe_end("thp-rest-write", &m);
	probe_begin(&m);
	probe_touch(p + HPAGE, PS, 1);
	probe_end("nohuge-write", &m);
	return 0;
}
