/*
 * Files and inodes (Linux: include/linux/fs.h, fs/file_table.c, fs/inode.c), as much of
 * them as the memory manager needs: an inode stands for one host file (its real device and
 * inode numbers, size and path), a struct file is one open of it. mmsim opens host files
 * read-only and never writes them.
 *
 * Objects: struct file from the slab cache "filp" (192 bytes as Linux), struct inode from
 * "inode_cache"; the path string is kmalloc'd. One inode per (device, inode number): two
 * opens of the same host file share it (the page cache of issue 5 hangs off the inode).
 *
 * The one other kind of inode is the shmem file behind a MAP_SHARED|MAP_ANONYMOUS mapping
 * (mm/shmem.c shmem_zero_setup): no host file (host_fd -1, i_shmem set), device 0:1 (the
 * internal shm_mnt), an inode number from the machine's own counter (get_next_ino), and
 * the name /proc/PID/maps prints for it, "/dev/zero (deleted)". It lives as long as the
 * VMAs that map it (each holds a reference to its struct file).
 *
 * Invariants (fs_validate): every file's f_count >= 1 and its inode's i_count counts the
 * files and VMAs... precisely: i_count == number of struct file pointing at it; inodes are
 * in the machine's inode table exactly once, keyed by (i_dev, i_ino); an inode has an open
 * host file exactly when it is not a shmem inode.
 */
#ifndef MMSIM_FS_FS_H
#define MMSIM_FS_FS_H
#include <stdint.h>
#include <stdbool.h>

struct mm_sys;
struct mmsim_error;

struct inode {
	uint64_t i_ino;
	uint32_t i_dev_major, i_dev_minor;	/* as /proc/PID/maps prints them (hex) */
	uint32_t i_mode;			/* S_IFREG | 0755 ... */
	uint64_t i_size;
	int i_count;				/* struct files referring to it */
	int host_fd;				/* O_RDONLY descriptor of the host file, or -1 */
	bool i_shmem;				/* shmem inode without a host file */
	char *i_path;				/* canonical path (realpath), what maps prints */
	struct inode *i_hash_next;		/* the machine's inode table */
};

struct file {
	struct inode *f_inode;
	unsigned int f_flags;			/* O_* the simulated process opened it with */
	unsigned int f_mode;			/* FMODE_READ | FMODE_WRITE */
	int f_count;				/* references: fd table entries, VMAs, exe_file */
};
#define FMODE_READ	0x1u
#define FMODE_WRITE	0x2u

/* The inode table and the caches, created at boot. */
struct fs_state;
int fs_init(struct mm_sys *ms, struct fs_state **out);
void fs_teardown(struct fs_state *fs);

/*
 * Open the host file at path for the simulated process (flags as openat's, only reading
 * access is honoured: a write open returns -EACCES... precisely: -EROFS, mmsim never writes
 * a host file). -ENOENT, -EACCES, -EISDIR ... as the host's open(2) said; -ENOMEM.
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
 * Read len bytes at off from the host file (exec reads headers); a shmem file reads zeros
 * up to its size (no page was written: mmsim keeps no file pages). Bytes read or -errno.
 */
int64_t kernel_read(struct file *f, void *buf, uint64_t len, uint64_t off);

int fs_validate(struct fs_state *fs, struct mmsim_error *err);
#endif
