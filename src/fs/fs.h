/*
 * Files and inodes (Linux: include/linux/fs.h, fs/file_table.c, fs/inode.c), as much of
 * them as the memory manager needs: an inode stands for one host file (its real device and
 * inode numbers, size and path), a struct file is one open of it. mmsim opens host files
 * read-only; only writeback writes, and by default to a copy (mm/page-writeback.c).
 *
 * Objects: struct file from the slab cache "filp" (192 bytes as Linux), struct inode from
 * "inode_cache"; the path string is kmalloc'd. One inode per (device, inode number): two
 * opens of the same host file share it. The page cache hangs off the inode: i_data, the
 * address_space (mm/pagemap.h), which i_mapping points at, as in Linux.
 *
 * Lifetime, as Linux's inode cache: a host file's inode stays in the table after its last
 * struct file goes (i_count 0) while it has pages in the cache, so a later open finds the
 * file still cached; it goes at fs_teardown (the pages back to the buddy allocator). A
 * shmem inode goes, with its pages, with its last reference.
 *
 * The one other kind of inode is the shmem file behind a MAP_SHARED|MAP_ANONYMOUS mapping
 * (mm/shmem.c shmem_zero_setup): no host file (host_fd -1, i_shmem set), device 0:1 (the
 * internal shm_mnt), an inode number from the machine's own counter (get_next_ino), and
 * the name /proc/PID/maps prints for it, "/dev/zero (deleted)". It lives as long as the
 * VMAs that map it (each holds a reference to its struct file).
 *
 * Invariants (fs_validate): every file's f_count >= 1; i_count == number of struct file
 * pointing at the inode, >= 1 except for a host file's inode kept for its cached pages
 * (i_count 0, i_data.nrpages > 0); inodes are in the machine's inode table exactly once,
 * keyed by (i_dev, i_ino); an inode has an open host file exactly when it is not a shmem
 * inode; i_mapping == &i_data and every mapping passes mapping_validate; the machine's
 * NR_FILE_PAGES / NR_SHMEM / NR_FILE_DIRTY equal the sums over the inodes' mappings.
 */
#ifndef MMSIM_FS_FS_H
#define MMSIM_FS_FS_H
#include <stdint.h>
#include <stdbool.h>
#include "mm/pagemap.h"

struct mm_sys;
struct mmsim_error;

struct inode {
	uint64_t i_ino;
	uint32_t i_serial;			/* the machine's serial number, from 1 (a page's
						   identity for research policies) */
	uint32_t i_dev_major, i_dev_minor;	/* as /proc/PID/maps prints them (hex) */
	uint32_t i_mode;			/* S_IFREG | 0755 ... */
	uint64_t i_size;
	int i_count;				/* struct files referring to it */
	int host_fd;				/* O_RDONLY descriptor of the host file, or -1 */
	bool i_shmem;				/* shmem inode without a host file */
	char *i_path;				/* canonical path (realpath), what maps prints */
	struct inode *i_hash_next;		/* the machine's inode table */
	struct address_space i_data;		/* the page cache of this file */
	struct address_space *i_mapping;	/* &i_data */
};

struct file {
	struct inode *f_inode;
	unsigned int f_flags;			/* O_* the simulated process opened it with */
	unsigned int f_mode;			/* FMODE_READ | FMODE_WRITE */
	int f_count;				/* references: fd table entries, VMAs, exe_file */
	struct address_space *f_mapping;	/* f_inode->i_mapping */
	struct file_ra_state f_ra;		/* readahead state of this open (read(2), faults) */
	int64_t f_pos;				/* file position for read(2) */
};
#define FMODE_READ	0x1u
#define FMODE_WRITE	0x2u
#define FMODE_RANDOM	0x1000u			/* POSIX_FADV_RANDOM: no readahead windows */

/* The inode table and the caches, created at boot. */
struct fs_state;
int fs_init(struct mm_sys *ms, struct fs_state **out);
void fs_teardown(struct fs_state *fs);

/*
 * Open the host file at path for the simulated process (flags as openat's). A write open
 * (O_WRONLY, O_RDWR) is allowed when the host allows writing the file (faccessat W_OK) and
 * gives FMODE_WRITE, so a shared writable mapping can be made; its writeback goes to a copy
 * unless file_writes=real. O_CREAT and O_TRUNC: -EROFS (mmsim makes no host file).
 * -ENOENT, -EACCES, -EISDIR ... as the host's open(2) said; -ENOMEM.
 */
struct file *filp_open(struct fs_state *fs, const char *path, unsigned int flags, int *err);
struct file *get_file(struct file *f);
void fput(struct fs_state *fs, struct file *f);
/*
 * shmem_kernel_file_setup("dev/zero", size) as shmem_zero_setup calls it: a new shmem inode
 * of size bytes (S_IFREG | 0777, device 0:1, the next shmem inode number) and one open of
 * it, read-write, with f_count 1. NULL with *err = -ENOMEM.
 */
struct file *shmem_zero_file(struct fs_state *fs, uint64_t size, int *err);
/* Is f the shmem file of a shared anonymous mapping (vma_is_anon_shmem's test)? */
static inline bool file_is_shmem(const struct file *f)
{
	return f && f->f_inode && f->f_inode->i_shmem;
}
/*
 * Read len bytes at off of the file (exec reads headers) without adding to the page cache:
 * a page the cache holds is read from there (so writes through shared mappings are seen),
 * others from the host file (or its writeback copy). Linux's kernel_read goes through the
 * cache with readahead (filemap_read); call that instead where the cache effect matters.
 * A shmem file reads its pages (zeros where none was touched) up to its size. Bytes read
 * or -errno.
 */
int64_t kernel_read(struct file *f, void *buf, uint64_t len, uint64_t off);

/*
 * Call fn for every inode of the table (cached ones included), until fn returns nonzero:
 * that value is returned (0 when every call returned 0). fn may not free inodes.
 */
int fs_for_each_inode(struct fs_state *fs, int (*fn)(struct inode *inode, void *arg), void *arg);

/* Whether mmsim made ms->scratch_dir itself (and so removes it at teardown): page-writeback.c. */
bool *fs_scratch_created(struct fs_state *fs);

int fs_validate(struct fs_state *fs, struct mmsim_error *err);
#endif
