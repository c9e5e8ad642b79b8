/*
 * The SLUB slab allocator (Linux: mm/slub.c, mm/slab_common.c, include/linux/slab.h).
 *
 * Objects of one size are carved from slabs: compound pages of order oo_order, each
 * holding oo_objects objects. A slab is on its node's partial list while it has both
 * free and used objects; full slabs are on no list (as Linux without debugging); empty
 * slabs beyond min_partial go back to the page allocator.
 */
#ifndef MMSIM_MM_SLAB_H
#define MMSIM_MM_SLAB_H
#include <stddef.h>
#include <stdint.h>
#include "mm/page_alloc.h"
#include "util/strbuf.h"

#define SLAB_HWCACHE_ALIGN	0x00002000u
#define SLAB_RECLAIM_ACCOUNT	0x00020000u
#define SLAB_PANIC		0x00040000u
#define SLAB_ACCOUNT		0x04000000u

struct kmem_cache;

/* Create a cache; -EINVAL for a bad size/align/name, -EEXIST for a duplicate name. */
int kmem_cache_create(struct mm_sys *ms, const char *name, unsigned int size, unsigned int align,
		      unsigned int flags, struct kmem_cache **out);
/* Destroy a cache; -EBUSY (and nothing changes) if objects are still allocated. */
int kmem_cache_destroy(struct mm_sys *ms, struct kmem_cache *s);
/* Allocate an object; NULL with *errp = -ENOMEM when no page could be had. */
void *kmem_cache_alloc(struct mm_sys *ms, struct kmem_cache *s, gfp_t gfp, int *errp);
void kmem_cache_free(struct mm_sys *ms, struct kmem_cache *s, void *obj);
/* kmalloc size classes (8 .. 8192, with 96 and 192), larger sizes from the page allocator. */
void *kmalloc(struct mm_sys *ms, size_t size, gfp_t gfp, int *errp);
void kfree(struct mm_sys *ms, const void *obj);
/* Usable size of a kmalloc'd object. */
size_t ksize(struct mm_sys *ms, const void *obj);

/* Set up the slab allocator and the kmalloc caches at boot. */
int kmem_cache_init(struct mm_sys *ms);
/* Destroy every cache (machine teardown; frees nothing to the buddy lists it need not). */
void kmem_cache_teardown(struct mm_sys *ms);
/* Check every cache: slab counts, free-object chains, partial lists. 0 or -EUCLEAN. */
int slab_validate(struct mm_sys *ms, struct mmsim_error *err);
/* /proc/slabinfo text (version 2.1, Linux's format and order). */
int slabinfo_render(struct mm_sys *ms, struct strbuf *sb);
#endif
