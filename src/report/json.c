/*
 * mmsim_machine_json: every counter of the machine and its physical layout as one JSON
 * document (libjansson), keys sorted, two-space indent, so equal machines give equal bytes.
 *
 *   machine   arch, page size, orders, nodes, cpus, memory model, e820 map, totals
 *   nodes[]   node id, pfn range, node stats (pages), zones[]:
 *             name, start_pfn, spanned/present/managed/cma, free, watermarks, lowmem_reserve,
 *             free_area[] (nr_free and per migrate type), pageblocks per migrate type,
 *             pcp[] per cpu (with the vm stats threshold), zone stats, pgalloc events
 *   vm_stats  the /proc/vmstat counters (zone items summed, node items in pages)
 *   vm_events the event counters
 *   meminfo_kb  the /proc/meminfo lines the model computes, in kB
 *   memblock  memory and reserved regions (with owners)
 * Counters the model does not keep are absent here too.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "mmsim/mmsim.h"
#include "mm/page_alloc.h"
#include "report/proc.h"

/* Set o[k] = v, taking v; -ENOMEM when v could not be made or stored. */
static int jset(json_t *o, const char *k, json_t *v)
{
	return v && json_object_set_new(o, k, v) == 0 ? 0 : -ENOMEM;
}

static int jadd(json_t *a, json_t *v)
{
	return v && json_array_append_new(a, v) == 0 ? 0 : -ENOMEM;
}

static json_t *jint(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *json_e820(const struct machine_desc *d)
{
	json_t *a = json_array();
	int err = a ? 0 : -ENOMEM;

	for (unsigned int i = 0; a && i < d->nr_ranges; i++) {
		json_t *r = json_object();
		err |= jadd(a, r);
		if (!r)
			break;
		err |= jset(r, "start", jint(d->ranges[i].start));
		err |= jset(r, "end", jint(d->ranges[i].end));
		err |= jset(r, "type", json_string(e820_type_name(d->ranges[i].type)));
	}
	if (err) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *json_machine(struct mmsim_machine *m)
{
	struct mm_sys *ms = &m->mm;
	json_t *o = json_object();
	int err = o ? 0 : -ENOMEM;

	if (!o)
		return NULL;
	err |= jset(o, "arch", json_string(ms->arch->name));
	err |= jset(o, "page_size", jint(ms->page_size));
	err |= jset(o, "max_order", jint(ms->max_order));
	err |= jset(o, "pageblock_order", jint(ms->pageblock_order));
	err |= jset(o, "nr_nodes", jint(ms->nr_node_ids));
	err |= jset(o, "nr_cpus", jint(ms->nr_cpus));
	err |= jset(o, "memory_model",
		    json_string(ms->model == MEMORY_MODEL_FLAT ? "flat" : "sparse"));
	err |= jset(o, "min_pfn", jint(ms->min_pfn));
	err |= jset(o, "max_pfn", jint(ms->max_pfn));
	err |= jset(o, "totalram_pages", jint(ms->totalram_pages));
	err |= jset(o, "totalreserve_pages", jint(ms->totalreserve_pages));
	err |= jset(o, "memmap_pages", jint(ms->memmap_pages));
	err |= jset(o, "min_free_kbytes", json_integer(ms->min_free_kbytes));
	err |= jset(o, "e820", json_e820(&m->desc));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {type name: value} for the migrate types Linux shows. */
static json_t *json_by_migratetype(const uint64_t v[MIGRATE_TYPES])
{
	json_t *o = json_object();
	int err = o ? 0 : -ENOMEM;

	for (int mt = 0; o && mt < MIGRATE_TYPES; mt++)
		if (migratetype_shown(mt))
			err |= jset(o, migratetype_names[mt], jint(v[mt]));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *json_free_area(struct mm_sys *ms, const struct zone *z)
{
	json_t *a = json_array();
	int err = a ? 0 : -ENOMEM;

	for (unsigned int order = 0; a && order <= ms->max_order; order++) {
		uint64_t per_type[MIGRATE_TYPES];
		bool over;
		json_t *e = json_object();
		err |= jadd(a, e);
		if (!e)
			break;
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			per_type[mt] = free_list_count(z, order, mt, 0, &over);
		err |= jset(e, "order", jint(order));
		err |= jset(e, "nr_free", jint(z->free_area[order].nr_free));
		err |= jset(e, "by_type", json_by_migratetype(per_type));
	}
	if (err) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *json_pcp(const struct mm_sys *ms, const struct zone *z)
{
	json_t *a = json_array();
	int err = a ? 0 : -ENOMEM;

	for (unsigned int cpu = 0; a && z->per_cpu_pageset && cpu < ms->nr_cpus; cpu++) {
		const struct per_cpu_pages *p = &z->per_cpu_pageset[cpu];
		json_t *e = json_object();
		err |= jadd(a, e);
		if (!e)
			break;
		err |= jset(e, "cpu", jint(cpu));
		err |= jset(e, "count", json_integer(p->count));
		err |= jset(e, "high", json_integer(p->high));
		err |= jset(e, "batch", json_integer(p->batch));
		err |= jset(e, "high_min", json_integer(p->high_min));
		err |= jset(e, "high_max", json_integer(p->high_max));
		err |= jset(e, "stat_threshold", json_integer(p->stat_threshold));
	}
	if (err) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* Watermarks and boost as zoneinfo shows them (boost included in min/low/high/promo). */
static json_t *json_watermarks(const struct zone *z)
{
	json_t *o = json_object();
	int err = o ? 0 : -ENOMEM;

	if (!o)
		return NULL;
	err |= jset(o, "min", jint(wmark_pages(z, WMARK_MIN)));
	err |= jset(o, "low", jint(wmark_pages(z, WMARK_LOW)));
	err |= jset(o, "high", jint(wmark_pages(z, WMARK_HIGH)));
	err |= jset(o, "promo", jint(wmark_pages(z, WMARK_PROMO)));
	err |= jset(o, "boost", jint(z->watermark_boost));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *json_zone_counters(const struct mm_sys *ms, const struct zone *z)
{
	json_t *o = json_object();
	int err = o ? 0 : -ENOMEM;

	for (int i = 0; o && i < NR_VM_ZONE_STAT_ITEMS; i++)
		err |= jset(o, zone_stat_names[i], jint(stat_pos(z->vm_stat[i])));
	for (int i = PGALLOC_DMA; o && i <= PGALLOC_DEVICE; i++)
		if (vm_event_shown(ms, i))
			err |= jset(o, vm_event_names[i], jint(z->vm_events[i]));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *json_zone(struct mm_sys *ms, const pg_data_t *pgdat, unsigned int zi)
{
	const struct zone *z = &pgdat->node_zones[zi];
	json_t *o = json_object();
	json_t *reserve = json_array();
	int err = o && reserve ? 0 : -ENOMEM;

	for (unsigned int i = 0; reserve && i < proc_nr_zones(ms); i++)
		err |= jadd(reserve, json_integer(z->lowmem_reserve[i]));
	if (!o) {
		json_decref(reserve);
		return NULL;
	}
	err |= jset(o, "lowmem_reserve", reserve);
	err |= jset(o, "name", json_string(proc_zone_name(ms, z, zi)));
	err |= jset(o, "index", jint(zi));
	err |= jset(o, "start_pfn", jint(z->zone_start_pfn));
	err |= jset(o, "spanned", jint(z->spanned_pages));
	err |= jset(o, "present", jint(z->present_pages));
	err |= jset(o, "managed", jint(z->managed_pages));
	err |= jset(o, "cma", jint(z->cma_pages));
	err |= jset(o, "free", jint(stat_pos(z->vm_stat[NR_FREE_PAGES])));
	err |= jset(o, "watermarks", json_watermarks(z));
	if (zone_is_populated(z)) {
		uint64_t blocks[MIGRATE_TYPES];
		zone_pageblock_counts(ms, z, blocks);
		err |= jset(o, "pageblocks", json_by_migratetype(blocks));
		err |= jset(o, "free_area", json_free_area(ms, z));
		err |= jset(o, "pcp", json_pcp(ms, z));
		err |= jset(o, "stats", json_zone_counters(ms, z));
	}
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *json_node(struct mm_sys *ms, const pg_data_t *pgdat)
{
	json_t *o = json_object();
	json_t *stats = json_object();
	json_t *zones = json_array();
	int err = o && stats && zones ? 0 : -ENOMEM;

	if (!o || !stats || !zones) {
		json_decref(o);
		json_decref(stats);
		json_decref(zones);
		return NULL;
	}
	for (int i = 0; i < NR_VM_NODE_STAT_ITEMS; i++)
		err |= jset(stats, node_stat_names[i],
			    jint(node_stat_shown(ms, i, node_page_state_pages(ms, pgdat, i))));
	for (unsigned int zi = 0; zi < proc_nr_zones(ms); zi++)
		err |= jadd(zones, json_zone(ms, pgdat, zi));
	err |= jset(o, "node_id", jint(pgdat->node_id));
	err |= jset(o, "start_pfn", jint(pgdat->node_start_pfn));
	err |= jset(o, "present_pages", jint(pgdat->node_present_pages));
	err |= jset(o, "spanned_pages", jint(pgdat->node_spanned_pages));
	err |= jset(o, "stats", stats);
	err |= jset(o, "zones", zones);
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The /proc/vmstat counters (without the constant nr_unstable). */
static json_t *json_vm_stats(struct mm_sys *ms)
{
	json_t *o = json_object();
	int err = o ? 0 : -ENOMEM;

	for (int i = 0; o && i < NR_VM_ZONE_STAT_ITEMS; i++)
		err |= jset(o, zone_stat_names[i], jint(stat_pos(global_zone_page_state(ms, i))));
	for (int i = 0; o && i < NR_VM_NODE_STAT_ITEMS; i++)
		err |= jset(o, node_stat_names[i],
			    jint(node_stat_shown(ms, i, global_node_page_state_pages(ms, i))));
	if (o)
		err |= jset(o, "nr_memmap_boot_pages", jint(ms->memmap_pages));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *json_vm_events(struct mm_sys *ms)
{
	json_t *o = json_object();
	int err = o ? 0 : -ENOMEM;

	for (int i = 0; o && i < NR_VM_EVENT_ITEMS; i++)
		if (vm_event_shown(ms, i))
			err |= jset(o, vm_event_names[i], jint(ms->vm_events[i]));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* meminfo_for_each callback: o[label without its colon] = kB. */
static void meminfo_json_line(void *arg, const char *label, uint64_t kb)
{
	json_t *o = arg;
	char key[32];
	size_t n = strcspn(label, ":");

	if (n >= sizeof(key))
		n = sizeof(key) - 1;
	memcpy(key, label, n);
	key[n] = '\0';
	/* A failed set leaves the key out; json_meminfo counts keys to notice. */
	json_object_set_new(o, key, jint(kb));
}

static void meminfo_count_line(void *arg, const char *label, uint64_t kb)
{
	(void)label;
	(void)kb;
	++*(size_t *)arg;
}

static json_t *json_meminfo(struct mm_sys *ms)
{
	json_t *o = json_object();
	size_t lines = 0;

	if (!o)
		return NULL;
	meminfo_for_each(ms, meminfo_json_line, o);
	meminfo_for_each(ms, meminfo_count_line, &lines);
	if (json_object_size(o) != lines) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *json_memblock_type(const struct memblock_type *t, bool owners)
{
	json_t *a = json_array();
	int err = a ? 0 : -ENOMEM;

	for (unsigned int i = 0; a && i < t->cnt; i++) {
		const struct memblock_region *r = &t->regions[i];
		json_t *e = json_object();
		err |= jadd(a, e);
		if (!e)
			break;
		err |= jset(e, "base", jint(r->base));
		err |= jset(e, "size", jint(r->size));
		err |= jset(e, "nid", r->nid >= 0 ? json_integer(r->nid) : json_null());
		if (owners)
			err |= jset(e, "owner", json_string(r->owner ? r->owner : ""));
	}
	if (err) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *json_memblock(const struct memblock *mb)
{
	json_t *o = json_object();
	int err = o ? 0 : -ENOMEM;

	if (!o)
		return NULL;
	err |= jset(o, "memory", json_memblock_type(&mb->memory, false));
	err |= jset(o, "reserved", json_memblock_type(&mb->reserved, true));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *json_document(struct mmsim_machine *m)
{
	struct mm_sys *ms = &m->mm;
	json_t *doc = json_object();
	json_t *nodes = json_array();
	int err = doc && nodes ? 0 : -ENOMEM;

	if (!doc || !nodes) {
		json_decref(doc);
		json_decref(nodes);
		return NULL;
	}
	for_each_node(ms, nid)
		if (ms->node_data[nid])
			err |= jadd(nodes, json_node(ms, ms->node_data[nid]));
	err |= jset(doc, "nodes", nodes);
	err |= jset(doc, "machine", json_machine(m));
	err |= jset(doc, "vm_stats", json_vm_stats(ms));
	err |= jset(doc, "vm_events", json_vm_events(ms));
	err |= jset(doc, "meminfo_kb", json_meminfo(ms));
	err |= jset(doc, "memblock", json_memblock(&ms->memblock));
	if (err) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

int mmsim_machine_json(mmsim_machine *m, char **out, size_t *len)
{
	if (!m || !out)
		return -EINVAL;
	json_t *doc = json_document(m);
	if (!doc)
		return -ENOMEM;
	char *text = json_dumps(doc, JSON_SORT_KEYS | JSON_INDENT(2));
	json_decref(doc);
	if (!text)
		return -ENOMEM;
	/* json_dumps ends without a newline; a text file ends with one. */
	size_t n = strlen(text);
	char *buf = realloc(text, n + 2);
	if (!buf) {
		free(text);
		return -ENOMEM;
	}
	buf[n] = '\n';
	buf[n + 1] = '\0';
	*out = buf;
	if (len)
		*len = n + 1;
	return 0;
}
