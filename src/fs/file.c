/*
 * Files and inodes over host files (Linux: fs/file_table.c alloc_file/fput, fs/inode.c iget
 * and iput, fs/open.c filp_open, fs/read_write.c kernel_read).
 *
 * Leaves out: dentries and mounts (the inode keeps the canonical path d_path would print,
 * so two hard links to one host file print the path of the first open), write(2), locks,
 * file operations tables, inode reclaim under memory pressure (an unused inode with cached
 * pages stays until teardown). The host file is opened O_RDONLY | O_CLOEXEC once per inode
 * and closed when the inode is evicted; writeback (mm/page-writeback.c) writes a copy of it,
 * or the file itself with file_writes=real.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fs/fs.h"
#include "mm/folio.h"
#include "mm/mmzone.h"
#include "mm/page_alloc.h"
#include "mm/pagemap.h"
#include "mm/slab.h"
#include "mm/workingset.h"
#include "util/error.h"

#define INODE_HASH_BITS 8
#define INODE_HASH_SIZE (1u << INODE_HASH_BITS)

/*
 * The machine's file layer: the two caches and the inode table (Linux's inode_hashtable).
 *
 * Invariants (fs_validate): every inode is in bucket inode_hash(i_dev, i_ino) exactly once;
 * no two inodes share (dev, ino); i_count >= 1, or 0 for a host file's inode that keeps
 * cached pages; the sum of i_count over the table is nr_files, the number of struct file
 * objects alive; each inode's host_fd is open, except for shmem inodes, which have none
 * (host_fd -1). shmem_last_ino is the last inode number a shmem inode took (get_next_ino:
 * machine-wide, increasing, never 0).
 */
struct fs_state {
	struct mm_sys *ms;
	struct kmem_cache *filp_cachep;		/* "filp", 192 bytes */
	struct kmem_cache *inode_cachep;	/* "inode_cache", 624 bytes */
	struct inode *hash[INODE_HASH_SIZE];
	uint64_t nr_inodes;
	uint64_t nr_files;
	uint64_t shmem_last_ino;
	bool scratch_created;			/* ms->scratch_dir is mmsim's own (mkdtemp) */
};

/*
 * Object sizes of this machine's kernel (/proc/slabinfo of the reference host: filp 192,
 * inode_cache 624, the generic inode of filesystems without their own cache).
 */
#define FILP_SIZE 192
#define INODE_CACHE_SIZE 624
_Static_assert(sizeof(struct file) <= FILP_SIZE, "struct file must fit a filp object");
_Static_assert(sizeof(struct inode) <= INODE_CACHE_SIZE, "struct inode must fit an inode_cache object");

static unsigned int inode_hash(uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino ^ (dev * 0x9e3779b97f4a7c15ull)) * 0x9e3779b97f4a7c15ull;
	return (unsigned int)(h >> (64 - INODE_HASH_BITS));
}

static uint64_t inode_dev(const struct inode *inode)
{
	return ((uint64_t)inode->i_dev_major << 32) | inode->i_dev_minor;
}

int fs_init(struct mm_sys *ms, struct fs_state **out)
{
	struct fs_state *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->ms = ms;
	/* fs/file_table.c files_init: SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT */
	int ret = kmem_cache_create(ms, "filp", FILP_SIZE, 0, SLAB_HWCACHE_ALIGN | SLAB_ACCOUNT,
				    &fs->filp_cachep);
	if (ret)
		goto out_free_fs;
	/* fs/inode.c inode_init: SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT */
	ret = kmem_cache_create(ms, "inode_cache", INODE_CACHE_SIZE, 0,
				SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT, &fs->inode_cachep);
	if (ret)
		goto out_destroy_filp;
	ret = page_cache_init(ms);	/* radix_tree_node, for every mapping's xarray */
	if (ret)
		goto out_destroy_inode;
	*out = fs;
	return 0;

out_destroy_inode:
	kmem_cache_destroy(ms, fs->inode_cachep);
out_destroy_filp:
	kmem_cache_destroy(ms, fs->filp_cachep);
out_free_fs:
	free(fs);
	return ret;
}

/*
 * Drop every folio of the mapping, mapped or not (teardown: the tasks are gone, so a mapped
 * folio is a leak whose cache references still have to go back).
 */
static void mapping_drop_all(struct address_space *mapping)
{
	uint64_t index = 0;
	struct page *folio;

	while ((folio = xa_find(&mapping->i_pages, &index, UINT64_MAX, NULL, NULL)) != NULL) {
		index = folio->index + folio_nr_pages(folio);
		filemap_remove_folio(folio, 0);
	}
}

/*
 * Drop the inode from the table, its pages from the cache, close the host files and free it
 * (iput_final + evict: truncate_inode_pages_final, clear_inode).
 */
static void inode_free(struct fs_state *fs, struct inode *inode)
{
	struct inode **pp = &fs->hash[inode_hash(inode_dev(inode), inode->i_ino)];
	while (*pp && *pp != inode)
		pp = &(*pp)->i_hash_next;
	if (*pp)
		*pp = inode->i_hash_next;
	fs->nr_inodes--;
	mapping_drop_all(&inode->i_data);
	workingset_forget_mapping(&inode->i_data);	/* its shadow entries */
	xa_destroy(&inode->i_data.i_pages);
	mapping_writeback_release(&inode->i_data);
	if (inode->host_fd >= 0)
		close(inode->host_fd);
	kfree(fs->ms, inode->i_path);
	kmem_cache_free(fs->ms, fs->inode_cachep, inode);
}

void fs_teardown(struct fs_state *fs)
{
	if (!fs)
		return;
	struct mm_sys *ms = fs->ms;
	/* file_writes=real: no written byte may be lost at the end of a run */
	if (ms->file_writes == FILE_WRITES_REAL)
		(void)sync_all_mappings(ms);
	/*
	 * Every inode goes, cached or leaked, and gives its pages back to the buddy allocator;
	 * the caches are destroyed only when nothing leaked (else they go with the machine).
	 */
	bool leaked = fs->nr_files != 0;
	for (unsigned int b = 0; b < INODE_HASH_SIZE; b++) {
		while (fs->hash[b]) {
			struct inode *inode = fs->hash[b];

			leaked |= inode->i_count != 0;
			inode_free(fs, inode);
		}
	}
	page_writeback_teardown(ms);
	if (!leaked) {
		page_cache_exit(ms);
		kmem_cache_destroy(ms, fs->inode_cachep);
		kmem_cache_destroy(ms, fs->filp_cachep);
	}
	free(fs);
}

bool *fs_scratch_created(struct fs_state *fs)
{
	return &fs->scratch_created;
}

int fs_for_each_inode(struct fs_state *fs, int (*fn)(struct inode *inode, void *arg), void *arg)
{
	for (unsigned int b = 0; b < INODE_HASH_SIZE; b++) {
		for (struct inode *inode = fs->hash[b]; inode; inode = inode->i_hash_next) {
			int ret = fn(inode, arg);

			if (ret)
				return ret;
		}
	}
	return 0;
}

static struct inode *inode_lookup(struct fs_state *fs, uint64_t dev, uint64_t ino)
{
	for (struct inode *inode = fs->hash[inode_hash(dev, ino)]; inode; inode = inode->i_hash_next)
		if (inode->i_ino == ino && inode_dev(inode) == dev)
			return inode;
	return NULL;
}

/* The inode of the open host file hfd (taking hfd over), found or made (iget5_locked). */
static struct inode *inode_get(struct fs_state *fs, int hfd, const char *path, int *err)
{
	struct stat st;
	if (fstat(hfd, &st) != 0) {
		*err = -errno;
		close(hfd);
		return NULL;
	}
	uint32_t maj = major(st.st_dev), min = minor(st.st_dev);
	uint64_t dev = ((uint64_t)maj << 32) | min;
	struct inode *inode = inode_lookup(fs, dev, st.st_ino);
	if (inode) {
		close(hfd);
		inode->i_count++;
		return inode;
	}
	char *canon = realpath(path, NULL);
	if (!canon) {
		*err = -errno;
		close(hfd);
		return NULL;
	}
	size_t len = strlen(canon) + 1;
	char *kpath = kmalloc(fs->ms, len, MMSIM_GFP_KERNEL, err);
	if (!kpath)
		goto out_free_canon;
	memcpy(kpath, canon, len);
	inode = kmem_cache_alloc(fs->ms, fs->inode_cachep, MMSIM_GFP_KERNEL | MMSIM_GFP_ZERO, err);
	if (!inode)
		goto out_free_kpath;
	free(canon);
	inode->i_ino = st.st_ino;
	inode->i_serial = ++fs->ms->inode_serial;
	inode->i_dev_major = maj;
	inode->i_dev_minor = min;
	inode->i_mode = st.st_mode;
	inode->i_size = (uint64_t)st.st_size;
	inode->i_count = 1;
	inode->host_fd = hfd;
	inode->i_path = kpath;
	address_space_init(&inode->i_data, inode, fs->ms);
	inode->i_mapping = &inode->i_data;
	unsigned int b = inode_hash(dev, st.st_ino);
	inode->i_hash_next = fs->hash[b];
	fs->hash[b] = inode;
	fs->nr_inodes++;
	return inode;

out_free_kpath:
	kfree(fs->ms, kpath);
out_free_canon:
	free(canon);
	close(hfd);
	return NULL;
}

/*
 * The last reference gone (iput_final): a shmem inode goes with its pages; a host file's
 * inode stays cached while the page cache holds pages of it (Linux's inode LRU), so a later
 * open finds them.
 */
static void iput(struct fs_state *fs, struct inode *inode)
{
	if (--inode->i_count > 0)
		return;
	if (!inode->i_shmem && inode->i_data.nrpages)
		return;
	inode_free(fs, inode);
}

struct file *filp_open(struct fs_state *fs, const char *path, unsigned int flags, int *err)
{
	unsigned int acc = flags & O_ACCMODE;

	if (flags & (O_CREAT | O_TRUNC)) {
		*err = -EROFS;		/* mmsim creates and truncates no host file */
		return NULL;
	}
	if (!path || !*path) {
		*err = -ENOENT;
		return NULL;
	}
	/*
	 * A write open is allowed where the host would allow it (so MAP_SHARED | PROT_WRITE
	 * works); the bytes go to a copy unless file_writes=real (mm/page-writeback.c).
	 */
	if (acc != O_RDONLY && faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) != 0) {
		*err = -errno;
		return NULL;
	}
	int hfd = open(path, O_RDONLY | O_CLOEXEC | (flags & (O_NOFOLLOW | O_DIRECTORY)));
	if (hfd < 0) {
		*err = -errno;
		return NULL;
	}
	struct inode *inode = inode_get(fs, hfd, path, err);
	if (!inode)
		return NULL;
	struct file *f = kmem_cache_alloc(fs->ms, fs->filp_cachep, MMSIM_GFP_KERNEL | MMSIM_GFP_ZERO, err);
	if (!f) {
		iput(fs, inode);
		return NULL;
	}
	f->f_inode = inode;
	f->f_flags = flags;
	f->f_mode = (acc != O_WRONLY ? FMODE_READ : 0) | (acc != O_RDONLY ? FMODE_WRITE : 0);
	f->f_count = 1;
	f->f_mapping = inode->i_mapping;
	file_ra_state_init(&f->f_ra, f->f_mapping);
	fs->nr_files++;
	return f;
}

/*
 * The shmem device: Linux's shm_mnt is an internal tmpfs mount on the anonymous device 0:1
 * (the first one get_anon_bdev hands out), so /proc/PID/maps prints "00:01".
 */
#define SHMEM_DEV_MAJOR 0
#define SHMEM_DEV_MINOR 1
static const char shmem_zero_name[] = "/dev/zero (deleted)";

struct file *shmem_zero_file(struct fs_state *fs, uint64_t size, int *err)
{
	/* d_path of the unlinked dentry "dev/zero" on shm_mnt: "/dev/zero (deleted)" */
	char *kpath = kmalloc(fs->ms, sizeof(shmem_zero_name), MMSIM_GFP_KERNEL, err);
	if (!kpath)
		return NULL;
	memcpy(kpath, shmem_zero_name, sizeof(shmem_zero_name));
	struct inode *inode = kmem_cache_alloc(fs->ms, fs->inode_cachep,
					       MMSIM_GFP_KERNEL | MMSIM_GFP_ZERO, err);
	if (!inode)
		goto out_free_kpath;
	struct file *f = kmem_cache_alloc(fs->ms, fs->filp_cachep, MMSIM_GFP_KERNEL | MMSIM_GFP_ZERO,
					  err);
	if (!f)
		goto out_free_inode;
	/*
	 * get_next_ino: Linux hands numbers out in per-CPU batches of 1024 and shares them
	 * with every other pseudo filesystem, so its values depend on the machine's history;
	 * here one 64-bit counter that never wraps, used by shmem inodes only.
	 */
	inode->i_ino = ++fs->shmem_last_ino;
	inode->i_serial = ++fs->ms->inode_serial;
	inode->i_dev_major = SHMEM_DEV_MAJOR;
	inode->i_dev_minor = SHMEM_DEV_MINOR;
	inode->i_mode = 0100777;	/* shmem_get_inode(S_IFREG | S_IRWXUGO) */
	inode->i_size = size;
	inode->i_count = 1;
	inode->host_fd = -1;
	inode->i_shmem = true;
	inode->i_path = kpath;
	address_space_init(&inode->i_data, inode, fs->ms);
	inode->i_mapping = &inode->i_data;
	unsigned int b = inode_hash(inode_dev(inode), inode->i_ino);
	inode->i_hash_next = fs->hash[b];
	fs->hash[b] = inode;
	fs->nr_inodes++;
	f->f_inode = inode;
	f->f_flags = O_RDWR;
	f->f_mode = FMODE_READ | FMODE_WRITE;
	f->f_count = 1;
	f->f_mapping = inode->i_mapping;
	file_ra_state_init(&f->f_ra, f->f_mapping);
	fs->nr_files++;
	return f;

out_free_inode:
	kmem_cache_free(fs->ms, fs->inode_cachep, inode);
out_free_kpath:
	kfree(fs->ms, kpath);
	return NULL;
}

struct file *get_file(struct file *f)
{
	f->f_count++;
	return f;
}

void fput(struct fs_state *fs, struct file *f)
{
	if (!f || --f->f_count > 0)
		return;
	iput(fs, f->f_inode);
	fs->nr_files--;
	kmem_cache_free(fs->ms, fs->filp_cachep, f);
}

int64_t kernel_read(struct file *f, void *buf, uint64_t len, uint64_t off)
{
	struct address_space *mapping = f->f_mapping;
	struct mm_sys *ms = mapping_ms(mapping);
	uint64_t size = f->f_inode->i_size, done = 0, ps = ms->page_size;
	int fd = mapping_read_fd(mapping);

	if (off > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - off)
		return -EINVAL;
	/*
	 * __kernel_read -> filemap_read: exec's header reads go through the page cache with
	 * the file's readahead, so the pages they bring in are cached for the faults after
	 */
	if (!f->f_inode->i_shmem)
		return filemap_read(f, off, len, buf);
	if (off >= size)
		return 0;
	if (len > size - off)
		len = size - off;
	while (done < len) {
		uint64_t pos = off + done, in = pos & (ps - 1);
		uint64_t n = ps - in < len - done ? ps - in : len - done;
		struct page *page = find_get_page(mapping, pos >> ms->page_shift);

		if (page) {		/* the cache's bytes: a shared mapping may have written them */
			memcpy((char *)buf + done, (char *)page_address(ms, page) + in, n);
		} else if (f->f_inode->i_shmem) {
			memset((char *)buf + done, 0, n);	/* a hole reads as zeros */
		} else {
			ssize_t r = pread(fd, (char *)buf + done, n, (off_t)pos);

			if (r < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			if (r == 0)
				break;	/* the host file shrank under us */
			n = (uint64_t)r;
		}
		done += n;
	}
	return (int64_t)done;
}

/* The page-cache totals of the inodes, for fs_validate. */
struct cache_sums {
	int64_t file_pages, shmem, dirty;
	struct mmsim_error *err;
};

static int inode_cache_check(struct inode *inode, void *arg)
{
	struct cache_sums *sums = arg;

	if (inode->i_mapping != &inode->i_data || inode->i_data.host != inode)
		return err_set(sums->err, -EUCLEAN, NULL, 0, 0,
			       "inode %s: i_mapping is not its own i_data", inode->i_path);
	int ret = mapping_validate(&inode->i_data, sums->err);
	if (ret)
		return ret;
	sums->file_pages += (int64_t)inode->i_data.nrpages;
	if (inode->i_shmem)
		sums->shmem += (int64_t)inode->i_data.nrpages;
	sums->dirty += (int64_t)inode->i_data.nr_dirty;
	return 0;
}

int fs_validate(struct fs_state *fs, struct mmsim_error *err)
{
	uint64_t inodes = 0, refs = 0;
	for (unsigned int b = 0; b < INODE_HASH_SIZE; b++) {
		for (struct inode *inode = fs->hash[b]; inode; inode = inode->i_hash_next) {
			if (inode_hash(inode_dev(inode), inode->i_ino) != b)
				return err_set(err, -EUCLEAN, NULL, 0, 0,
					       "inode %llu of %s is in the wrong hash bucket",
					       (unsigned long long)inode->i_ino, inode->i_path);
			if (inode_lookup(fs, inode_dev(inode), inode->i_ino) != inode)
				return err_set(err, -EUCLEAN, NULL, 0, 0,
					       "inode %llu is in the table twice",
					       (unsigned long long)inode->i_ino);
			if (inode->i_count < 0 ||
			    (inode->i_count == 0 && (inode->i_shmem || !inode->i_data.nrpages)))
				return err_set(err, -EUCLEAN, NULL, 0, 0,
					       "inode %s has i_count %d%s", inode->i_path, inode->i_count,
					       inode->i_count == 0 ? " and no cached pages to keep it" : "");
			if (inode->i_shmem) {
				if (inode->host_fd != -1 || inode->i_dev_major != SHMEM_DEV_MAJOR ||
				    inode->i_dev_minor != SHMEM_DEV_MINOR)
					return err_set(err, -EUCLEAN, NULL, 0, 0,
						       "shmem inode %llu has a host file or a device other than 00:01",
						       (unsigned long long)inode->i_ino);
			} else if (inode->host_fd < 0 || fcntl(inode->host_fd, F_GETFD) < 0) {
				return err_set(err, -EUCLEAN, NULL, 0, 0,
					       "inode %s has no open host file", inode->i_path);
			}
			inodes++;
			refs += (uint64_t)inode->i_count;
		}
	}
	if (inodes != fs->nr_inodes)
		return err_set(err, -EUCLEAN, NULL, 0, 0, "inode table holds %llu inodes, %llu counted",
			       (unsigned long long)inodes, (unsigned long long)fs->nr_inodes);
	if (refs != fs->nr_files)
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "inodes count %llu file references but %llu files are open",
			       (unsigned long long)refs, (unsigned long long)fs->nr_files);
	struct cache_sums sums = { .err = err };
	int ret = fs_for_each_inode(fs, inode_cache_check, &sums);
	if (ret)
		return ret;
	struct mm_sys *ms = fs->ms;
	/* the swap cache counts in nr_file_pages too (__swap_cache_add_folio) */
	int64_t fp = global_node_page_state(ms, NR_FILE_PAGES) -
		     global_node_page_state(ms, NR_SWAPCACHE);
	int64_t sh = global_node_page_state(ms, NR_SHMEM);
	int64_t dirty = global_node_page_state(ms, NR_FILE_DIRTY);
	if (fp != sums.file_pages || sh != sums.shmem || dirty != sums.dirty)
		return err_set(err, -EUCLEAN, NULL, 0, 0,
			       "page cache holds %lld pages (%lld shmem, %lld dirty) but nr_file_pages %lld, nr_shmem %lld, nr_dirty %lld",
			       (long long)sums.file_pages, (long long)sums.shmem, (long long)sums.dirty,
			       (long long)fp, (long long)sh, (long long)dirty);
	return 0;
}
