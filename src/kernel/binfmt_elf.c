/*
 * The ELF loader (Linux 6.18: fs/binfmt_elf.c load_elf_binary, load_elf_interp, elf_load,
 * elf_map, total_mapping_size, maximum_alignment, load_elf_phdrs; arch/x86/include/asm/elf.h
 * ELF_ET_DYN_BASE, elf_read_implies_exec; arch/x86/kernel/process.c arch_randomize_brk).
 *
 * 64-bit x86-64 and 32-bit i386 files (compat tasks) on an x86-64 machine, i386 files on an
 * i386 machine, arm64 files on an arm64 machine. Both classes are read into one 64-bit
 * description (struct elf_image) and loaded by one code path.
 *
 * Checks. Linux's own checks give Linux's errno (-ENOEXEC for a bad header or program header
 * table, -ELIBBAD for a bad interpreter, -EIO for a short read). mmsim also refuses, with
 * -ENOEXEC and a message, what Linux would only notice after the point of no return (and so
 * kill the process with SIGSEGV): PT_LOAD segments out of p_vaddr order or overlapping,
 * p_filesz > p_memsz, p_offset and p_vaddr not congruent modulo the page size, segments
 * reaching past TASK_SIZE or past the end of the file, sizes that overflow. Such a file
 * leaves the task untouched here where Linux would have killed it; docs/exec.md lists this.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"
#include "kernel/access.h"
#include "kernel/exec.h"
#include "kernel/fork.h"
#include "kernel/machine.h"
#include "mm/mman.h"
#include "mm/mmap.h"
#include "mm/vma.h"
#include "util/error.h"

#define MMSIM_PATH_MAX 4096
#define MMSIM_MMAP_PAGE_ZERO 0x0100000u

/* One program header, whatever the class. */
struct elf_phdr64 {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_filesz, p_memsz, p_align;
};

/* The header fields the loader uses, and the program headers. */
struct elf_image {
	const char *path;
	struct file *file;
	bool is32;
	uint16_t e_type, e_machine;
	uint64_t e_entry, e_phoff;
	unsigned int e_phnum;
	struct elf_phdr64 *phdr;	/* [e_phnum], host memory */
};

static uint64_t ps_of(const struct linux_binprm *bprm) { return bprm->m->mm.page_size; }
#define ELF_PAGESTART(v) ((v) & ~(ps - 1))
#define ELF_PAGEOFFSET(v) ((v) & (ps - 1))
#define ELF_PAGEALIGN(v) (((v) + ps - 1) & ~(ps - 1))

/* Which class and machine this machine runs (elf_check_arch, compat_elf_check_arch). */
static int elf_check_arch(const struct linux_binprm *bprm, const unsigned char *ident,
			  uint16_t machine, bool *is32, const char **why)
{
	enum arch_id arch = bprm->m->desc.arch->id;
	if (ident[EI_DATA] != ELFDATA2LSB) {
		*why = "not a little-endian ELF file (EI_DATA)";
		return -ENOEXEC;
	}
	if (ident[EI_CLASS] == ELFCLASS64) {
		*is32 = false;
		if ((arch == ARCH_X86_64 && machine == EM_X86_64) ||
		    (arch == ARCH_ARM64 && machine == EM_AARCH64))
			return 0;
	} else if (ident[EI_CLASS] == ELFCLASS32) {
		*is32 = true;
		if (machine == EM_386 && (arch == ARCH_X86_64 || arch == ARCH_I386))
			return 0;
	} else {
		*why = "unknown ELF class (EI_CLASS is neither 1 nor 2)";
		return -ENOEXEC;
	}
	*why = "e_machine/EI_CLASS is not a machine this simulated CPU runs";
	return -ENOEXEC;
}

/*
 * Read and check the ELF header in buf (256 bytes of the file, zero-padded), then the
 * program headers (load_elf_phdrs). bad is the errno Linux gives (-ENOEXEC for the program,
 * -ELIBBAD for its interpreter).
 */
static int elf_read_headers(struct linux_binprm *bprm, struct elf_image *im,
			    const unsigned char *buf, int bad)
{
	const char *why = NULL;
	if (memcmp(buf, ELFMAG, SELFMAG) != 0)
		return err_set(bprm->err, bad, im->path, 0, 0, "exec: not an ELF file (no \\177ELF magic)");
	int ret = elf_check_arch(bprm, buf, ((const Elf32_Ehdr *)(const void *)buf)->e_machine,
				 &im->is32, &why);
	if (ret)
		return err_set(bprm->err, bad, im->path, 0, 0, "exec: %s (e_machine %u, class %u)", why,
			       ((const Elf32_Ehdr *)(const void *)buf)->e_machine, buf[EI_CLASS]);
	unsigned int phentsize, want;
	if (im->is32) {
		Elf32_Ehdr eh;
		memcpy(&eh, buf, sizeof(eh));
		im->e_type = eh.e_type;
		im->e_machine = eh.e_machine;
		im->e_entry = eh.e_entry;
		im->e_phoff = eh.e_phoff;
		im->e_phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
		want = sizeof(Elf32_Phdr);
	} else {
		Elf64_Ehdr eh;
		memcpy(&eh, buf, sizeof(eh));
		im->e_type = eh.e_type;
		im->e_machine = eh.e_machine;
		im->e_entry = eh.e_entry;
		im->e_phoff = eh.e_phoff;
		im->e_phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
		want = sizeof(Elf64_Phdr);
	}
	if (im->e_type != ET_EXEC && im->e_type != ET_DYN)
		return err_set(bprm->err, bad, im->path, 0, 0,
			       "exec: e_type %u is neither ET_EXEC (2) nor ET_DYN (3)", im->e_type);
	if (phentsize != want)
		return err_set(bprm->err, bad, im->path, 0, 0,
			       "exec: e_phentsize %u, expected %u for this class", phentsize, want);
	uint64_t size = (uint64_t)want * im->e_phnum;
	if (size == 0 || size > 65536)
		return err_set(bprm->err, bad, im->path, 0, 0,
			       "exec: e_phnum %u: the program header table must be 1..65536 bytes",
			       im->e_phnum);
	if (im->e_phoff > im->file->f_inode->i_size || size > im->file->f_inode->i_size - im->e_phoff)
		return err_set(bprm->err, bad, im->path, 0, 0,
			       "exec: the program header table (e_phoff 0x%llx, %u entries) lies past "
			       "the end of the file (%llu bytes)", (unsigned long long)im->e_phoff,
			       im->e_phnum, (unsigned long long)im->file->f_inode->i_size);
	unsigned char *raw = malloc(size);
	im->phdr = calloc(im->e_phnum, sizeof(*im->phdr));
	if (!raw || !im->phdr) {
		free(raw);
		return err_set(bprm->err, -ENOMEM, im->path, 0, 0, "exec: out of host memory");
	}
	int64_t n = kernel_read(im->file, raw, size, im->e_phoff);
	if (n != (int64_t)size) {
		free(raw);
		return err_set(bprm->err, bad, im->path, 0, 0,
			       "exec: the program header table could not be read (%lld of %llu bytes)",
			       (long long)n, (unsigned long long)size);
	}
	for (unsigned int i = 0; i < im->e_phnum; i++) {
		struct elf_phdr64 *ph = &im->phdr[i];
		if (im->is32) {
			Elf32_Phdr p;
			memcpy(&p, raw + i * want, sizeof(p));
			*ph = (struct elf_phdr64){ p.p_type, p.p_flags, p.p_offset, p.p_vaddr,
						   p.p_filesz, p.p_memsz, p.p_align };
		} else {
			Elf64_Phdr p;
			memcpy(&p, raw + i * want, sizeof(p));
			*ph = (struct elf_phdr64){ p.p_type, p.p_flags, p.p_offset, p.p_vaddr,
						   p.p_filesz, p.p_memsz, p.p_align };
		}
	}
	free(raw);
	return 0;
}

/*
 * mmsim's checks of the PT_LOAD segments, before the point of no return (see the header
 * comment). task_size: TASK_SIZE of the new image.
 */
static int elf_check_loads(struct linux_binprm *bprm, const struct elf_image *im, int bad,
			   uint64_t task_size)
{
	uint64_t ps = ps_of(bprm);
	const struct elf_phdr64 *prev = NULL;
	unsigned int nload = 0;
	for (unsigned int i = 0; i < im->e_phnum; i++) {
		const struct elf_phdr64 *ph = &im->phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		nload++;
		if (ph->p_filesz > ph->p_memsz)
			return err_set(bprm->err, bad, im->path, 0, 0,
				       "exec: PT_LOAD %u: p_filesz 0x%llx > p_memsz 0x%llx", i,
				       (unsigned long long)ph->p_filesz, (unsigned long long)ph->p_memsz);
		if (ELF_PAGEOFFSET(ph->p_offset) != ELF_PAGEOFFSET(ph->p_vaddr))
			return err_set(bprm->err, bad, im->path, 0, 0,
				       "exec: PT_LOAD %u: p_offset 0x%llx and p_vaddr 0x%llx differ "
				       "modulo the page size", i, (unsigned long long)ph->p_offset,
				       (unsigned long long)ph->p_vaddr);
		if (ph->p_vaddr >= task_size || ph->p_memsz > task_size ||
		    task_size - ph->p_memsz < ph->p_vaddr)
			return err_set(bprm->err, bad, im->path, 0, 0,
				       "exec: PT_LOAD %u: [0x%llx, +0x%llx) does not fit below TASK_SIZE "
				       "0x%llx", i, (unsigned long long)ph->p_vaddr,
				       (unsigned long long)ph->p_memsz, (unsigned long long)task_size);
		if (ph->p_filesz && (ph->p_offset > im->file->f_inode->i_size ||
				     ph->p_filesz > im->file->f_inode->i_size - ph->p_offset))
			return err_set(bprm->err, bad, im->path, 0, 0,
				       "exec: PT_LOAD %u: file bytes [0x%llx, +0x%llx) lie past the end of "
				       "the file (%llu bytes)", i, (unsigned long long)ph->p_offset,
				       (unsigned long long)ph->p_filesz,
				       (unsigned long long)im->file->f_inode->i_size);
		if (prev && ph->p_vaddr < prev->p_vaddr)
			return err_set(bprm->err, bad, im->path, 0, 0,
				       "exec: PT_LOAD %u (p_vaddr 0x%llx) comes before the previous one "
				       "(0x%llx): segments must be sorted by p_vaddr", i,
				       (unsigned long long)ph->p_vaddr, (unsigned long long)prev->p_vaddr);
		if (prev && ph->p_vaddr < prev->p_vaddr + prev->p_memsz)
			return err_set(bprm->err, bad, im->path, 0, 0,
				       "exec: PT_LOAD %u [0x%llx, 0x%llx) overlaps the previous one, which "
				       "ends at 0x%llx", i, (unsigned long long)ph->p_vaddr,
				       (unsigned long long)(ph->p_vaddr + ph->p_memsz),
				       (unsigned long long)(prev->p_vaddr + prev->p_memsz));
		prev = ph;
	}
	if (!nload)
		return err_set(bprm->err, bad, im->path, 0, 0, "exec: no PT_LOAD segment");
	return 0;
}

/* total_mapping_size: from the first PT_LOAD's page to the end of the last one. */
static uint64_t total_mapping_size(const struct elf_image *im, uint64_t ps)
{
	int first = -1, last = -1;
	for (unsigned int i = 0; i < im->e_phnum; i++) {
		if (im->phdr[i].p_type == PT_LOAD) {
			last = (int)i;
			if (first < 0)
				first = (int)i;
		}
	}
	if (first < 0)
		return 0;
	return im->phdr[last].p_vaddr + im->phdr[last].p_memsz - ELF_PAGESTART(im->phdr[first].p_vaddr);
}

/* maximum_alignment: the largest power-of-two p_align of the PT_LOADs, at least a page. */
static uint64_t maximum_alignment(const struct elf_image *im, uint64_t ps)
{
	uint64_t alignment = 0;
	for (unsigned int i = 0; i < im->e_phnum; i++) {
		uint64_t a = im->phdr[i].p_align;
		if (im->phdr[i].p_type != PT_LOAD || !a || (a & (a - 1)))
			continue;
		if (a > alignment)
			alignment = a;
	}
	return ELF_PAGEALIGN(alignment);
}

static int make_prot(uint32_t p_flags)
{
	int prot = 0;
	if (p_flags & PF_R)
		prot |= PROT_READ;
	if (p_flags & PF_W)
		prot |= PROT_WRITE;
	if (p_flags & PF_X)
		prot |= PROT_EXEC;
	return prot;
}

/* BAD_ADDR: an error value or an address at or above TASK_SIZE. */
static bool bad_addr(const struct linux_binprm *bprm, int64_t x)
{
	return x < 0 || (uint64_t)x >= bprm->t->mm->task_size;
}

/* elf_map: map p_filesz bytes of the segment; with total_size, reserve the whole image first. */
static int64_t elf_map(struct linux_binprm *bprm, struct file *f, uint64_t addr,
		       const struct elf_phdr64 *ph, int prot, int type, uint64_t total_size)
{
	uint64_t ps = ps_of(bprm);
	uint64_t size = ph->p_filesz + ELF_PAGEOFFSET(ph->p_vaddr);
	uint64_t off = ph->p_offset - ELF_PAGEOFFSET(ph->p_vaddr);
	addr = ELF_PAGESTART(addr);
	size = ELF_PAGEALIGN(size);
	if (!size)
		return (int64_t)addr;
	int64_t map_addr;
	if (total_size) {
		total_size = ELF_PAGEALIGN(total_size);
		map_addr = vm_mmap(bprm->t, f, addr, total_size, (uint64_t)prot, (uint64_t)type, off);
		if (!bad_addr(bprm, map_addr) && total_size > size)
			do_munmap(bprm->t, (uint64_t)map_addr + size, total_size - size);
	} else {
		map_addr = vm_mmap(bprm->t, f, addr, size, (uint64_t)prot, (uint64_t)type, off);
	}
	return map_addr;
}

/*
 * elf_load: map the segment's file part, then an anonymous mapping from the page after
 * p_filesz up to p_memsz (vm_brk_flags, VM_EXEC if the segment is executable). The partial
 * page after p_filesz is zeroed (padzero: clear_user, a write fault that copies the file's
 * page into an anonymous one, as on Linux).
 */
static int64_t elf_load(struct linux_binprm *bprm, struct file *f, uint64_t addr,
			const struct elf_phdr64 *ph, int prot, int type, uint64_t total_size)
{
	uint64_t ps = ps_of(bprm);
	uint64_t zero_start, zero_end;
	int64_t map_addr;
	if (ph->p_filesz) {
		map_addr = elf_map(bprm, f, addr, ph, prot, type, total_size);
		if (bad_addr(bprm, map_addr))
			return map_addr;
		zero_start = (uint64_t)map_addr + ELF_PAGEOFFSET(ph->p_vaddr) + ph->p_filesz;
		zero_end = (uint64_t)map_addr + ELF_PAGEOFFSET(ph->p_vaddr) + ph->p_memsz;
	} else {
		map_addr = (int64_t)ELF_PAGESTART(addr);
		zero_start = ELF_PAGESTART(addr);
		zero_end = zero_start + ELF_PAGEOFFSET(ph->p_vaddr) + ph->p_memsz;
	}
	if (ph->p_memsz > ph->p_filesz) {
		/* padzero(zero_start): an error matters only for a writable segment */
		uint64_t nbyte = ELF_PAGEOFFSET(zero_start);

		if (nbyte) {
			static const uint8_t zeros[65536];
			struct access_result ar;
			int rc = task_access_data(bprm->m, bprm->t, zero_start,
						  (uint32_t)(ps - nbyte), MMU_WRITE,
						  (void *)zeros, &ar);

			if (rc == -ENOMEM)
				return rc;
			if ((prot & PROT_WRITE) && !rc && ar.signo)
				return -EFAULT;
		}
		zero_start = ELF_PAGEALIGN(zero_start);
		zero_end = ELF_PAGEALIGN(zero_end);
		int err = vm_brk_flags(bprm->t, zero_start, zero_end - zero_start,
				       (prot & PROT_EXEC) ? VM_EXEC : 0);
		if (err)
			map_addr = err;
	}
	return map_addr;
}

/* load_elf_interp: map the interpreter; its load address or an error (as an int64). */
static int64_t load_elf_interp(struct linux_binprm *bprm, struct elf_image *im, uint64_t no_base)
{
	uint64_t ps = ps_of(bprm);
	uint64_t load_addr = 0;
	bool load_addr_set = false;
	uint64_t total_size = total_mapping_size(im, ps);
	if (!total_size)
		return -EINVAL;
	for (unsigned int i = 0; i < im->e_phnum; i++) {
		const struct elf_phdr64 *ph = &im->phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		int type = MAP_PRIVATE;
		int prot = make_prot(ph->p_flags);
		uint64_t vaddr = ph->p_vaddr;
		if (im->e_type == ET_EXEC || load_addr_set)
			type |= MAP_FIXED;
		else if (no_base && im->e_type == ET_DYN)
			load_addr = -vaddr;
		int64_t map_addr = elf_load(bprm, im->file, load_addr + vaddr, ph, prot, type, total_size);
		total_size = 0;
		if (bad_addr(bprm, map_addr))
			return map_addr < 0 ? map_addr : -EINVAL;
		if (!load_addr_set && im->e_type == ET_DYN) {
			load_addr = (uint64_t)map_addr - ELF_PAGESTART(vaddr);
			load_addr_set = true;
		}
		uint64_t k = load_addr + ph->p_vaddr;
		uint64_t ts = bprm->t->mm->task_size;
		if (k >= ts || ph->p_filesz > ph->p_memsz || ph->p_memsz > ts || ts - ph->p_memsz < k)
			return -ENOMEM;
	}
	return (int64_t)load_addr;
}

/*
 * ELF_ET_DYN_BASE: where a PIE goes (x86: 2/3 of the 47-bit window, 0x400000 on an i386
 * kernel; arm64: 2/3 of TASK_SIZE_64 (DEFAULT_MAP_WINDOW_64), 0x800000 for compat).
 * An i386 file on x86-64 is loaded by fs/compat_binfmt_elf.c, which uses
 * COMPAT_ELF_ET_DYN_BASE instead (arch/x86/include/asm/elf.h): TASK_UNMAPPED_BASE +
 * 16 MiB, TASK_UNMAPPED_BASE being PAGE_ALIGN(IA32_PAGE_OFFSET / 3) for a TIF_ADDR32
 * task (arch/x86/include/asm/processor.h): 0x56555000 (measured: a static i386 PIE's
 * start_brk, /proc/PID/stat field 47, with ASLR off).
 */
static uint64_t elf_et_dyn_base(struct linux_binprm *bprm)
{
	struct mmsim_machine *m = bprm->m;
	bool is32 = bprm->compat || m->desc.arch->id == ARCH_I386;
	if (m->desc.arch->id == ARCH_ARM64)
		return is32 ? 0x800000ull : 2 * exec_stack_top_base(bprm) / 3;
	if (bprm->compat) {
		uint64_t ps = ps_of(bprm);
		uint64_t ts = mmsim_task_size(m, true);
		return ((ts / 3 + ps - 1) & ~(ps - 1)) + 0x1000000ull;
	}
	if (is32)
		return 0x400000ull;
	return exec_stack_top_base(bprm) / 3 * 2;
}

/* arch_mmap_rnd: mmap_rnd_bits random pages (x86-64 28, 32-bit 8; arm64 33 / 11 for 4K). */
static uint64_t arch_mmap_rnd_for(struct linux_binprm *bprm)
{
	bool is32 = bprm->compat || bprm->m->desc.arch->id == ARCH_I386;
	unsigned int bits;
	if (bprm->m->desc.arch->id == ARCH_ARM64)
		bits = is32 ? 11 : 33 - (bprm->m->mm.page_shift - 12);
	else
		bits = is32 ? 8 : 28;
	return (rng_next(&bprm->m->rng) & ((1ull << bits) - 1)) << bprm->m->mm.page_shift;
}

/* arch_randomize_brk: a random page in [brk, brk + 1 GiB) (32 MiB for 32-bit tasks). */
static uint64_t arch_randomize_brk(struct linux_binprm *bprm, uint64_t brk)
{
	uint64_t ps = ps_of(bprm);
	uint64_t range = bprm->t->compat ? 32ull << 20 : 1ull << 30;
	uint64_t start = ELF_PAGEALIGN(brk);
	range -= start - brk;
	range >>= bprm->m->mm.page_shift;
	if (!range)
		return start;
	return start + ((rng_next(&bprm->m->rng) % range) << bprm->m->mm.page_shift);
}

static void elf_image_free(struct linux_binprm *bprm, struct elf_image *im)
{
	free(im->phdr);
	im->phdr = NULL;
	if (im->file && im->file != bprm->file)
		fput(bprm->m->mm.fs, im->file);
	im->file = NULL;
}

/* Find PT_INTERP, open the interpreter and read its headers (before the point of no return). */
static int elf_open_interp(struct linux_binprm *bprm, const struct elf_image *im,
			   struct elf_image *interp, char *ipath)
{
	for (unsigned int i = 0; i < im->e_phnum; i++) {
		const struct elf_phdr64 *ph = &im->phdr[i];
		if (ph->p_type != PT_INTERP)
			continue;
		if (ph->p_filesz > MMSIM_PATH_MAX || ph->p_filesz < 2)
			return err_set(bprm->err, -ENOEXEC, im->path, 0, 0,
				       "exec: PT_INTERP of %llu bytes (2..4096 expected)",
				       (unsigned long long)ph->p_filesz);
		int64_t n = kernel_read(im->file, ipath, ph->p_filesz, ph->p_offset);
		if (n != (int64_t)ph->p_filesz)
			return err_set(bprm->err, n < 0 ? (int)n : -EIO, im->path, 0, 0,
				       "exec: PT_INTERP could not be read at offset 0x%llx",
				       (unsigned long long)ph->p_offset);
		if (ipath[ph->p_filesz - 1] != '\0')
			return err_set(bprm->err, -ENOEXEC, im->path, 0, 0,
				       "exec: the PT_INTERP path is not NUL-terminated");
		int err = 0;
		interp->path = ipath;
		interp->file = open_exec(bprm->m, ipath, &err);
		if (!interp->file)
			return err_set(bprm->err, err, im->path, 0, 0,
				       "exec: its interpreter %s cannot be opened: %s", ipath,
				       mmsim_strerror(err));
		unsigned char buf[BINPRM_BUF_SIZE] = { 0 };
		n = kernel_read(interp->file, buf, sizeof(Elf64_Ehdr), 0);
		if (n != (int64_t)sizeof(Elf64_Ehdr))
			return err_set(bprm->err, n < 0 ? (int)n : -EIO, ipath, 0, 0,
				       "exec: the interpreter's ELF header could not be read");
		err = elf_read_headers(bprm, interp, buf, -ELIBBAD);
		if (err)
			return err;
		if (interp->is32 != im->is32)
			return err_set(bprm->err, -ELIBBAD, ipath, 0, 0,
				       "exec: the interpreter's ELF class differs from the program's");
		return elf_check_loads(bprm, interp, -ELIBBAD, mmsim_task_size(bprm->m, interp->is32));
	}
	return 0;
}

/* PT_GNU_STACK decides the stack's execute permission (EXSTACK_*). */
static int elf_exec_stack(const struct elf_image *im)
{
	int executable_stack = EXSTACK_DEFAULT;
	for (unsigned int i = 0; i < im->e_phnum; i++)
		if (im->phdr[i].p_type == PT_GNU_STACK)
			executable_stack = (im->phdr[i].p_flags & PF_X) ? EXSTACK_ENABLE_X :
									   EXSTACK_DISABLE_X;
	return executable_stack;
}

/* The mapping loop of load_elf_binary, after the point of no return. */
struct elf_layout {
	uint64_t load_bias, phdr_addr, e_entry, elf_brk;
	uint64_t start_code, end_code, start_data, end_data;
};

static int elf_map_image(struct linux_binprm *bprm, const struct elf_image *im, bool has_interp,
			 struct elf_layout *lo)
{
	uint64_t ps = ps_of(bprm);
	bool first_pt_load = true;
	uint64_t load_bias = 0;
	lo->start_code = ~0ull;
	for (unsigned int i = 0; i < im->e_phnum; i++) {
		const struct elf_phdr64 *ph = &im->phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		int prot = make_prot(ph->p_flags);
		int flags = MAP_PRIVATE;
		uint64_t vaddr = ph->p_vaddr;
		uint64_t total_size = 0;
		if (!first_pt_load) {
			flags |= MAP_FIXED;
		} else if (im->e_type == ET_EXEC) {
			flags |= MAP_FIXED_NOREPLACE;
		} else {
			total_size = total_mapping_size(im, ps);
			if (!total_size)
				return -EINVAL;
			uint64_t alignment = maximum_alignment(im, ps);
			if (has_interp) {
				/* a PIE: at ELF_ET_DYN_BASE (+ arch_mmap_rnd), aligned */
				load_bias = elf_et_dyn_base(bprm);
				if (bprm->randomize)
					load_bias += arch_mmap_rnd_for(bprm);
				if (alignment)
					load_bias &= ~(alignment - 1);
				flags |= MAP_FIXED_NOREPLACE;
			} else if (alignment > ps) {
				/* a loader with large p_align: find room, then align inside it */
				int64_t r = elf_load(bprm, im->file, 0, ph, prot, flags, total_size);
				if (bad_addr(bprm, r))
					return r < 0 ? (int)r : -EINVAL;
				do_munmap(bprm->t, (uint64_t)r, total_size);
				load_bias = (uint64_t)r & ~(alignment - 1);
				flags |= MAP_FIXED_NOREPLACE;
			} else {
				load_bias = 0;	/* a loader: wherever mmap puts it */
			}
			load_bias = ELF_PAGESTART(load_bias - vaddr);
		}
		int64_t error = elf_load(bprm, im->file, load_bias + vaddr, ph, prot, flags, total_size);
		if (bad_addr(bprm, error))
			return error < 0 ? (int)error : -EINVAL;
		if (first_pt_load) {
			first_pt_load = false;
			if (im->e_type == ET_DYN)
				load_bias += (uint64_t)error - ELF_PAGESTART(load_bias + vaddr);
		}
		if (ph->p_offset <= im->e_phoff && im->e_phoff < ph->p_offset + ph->p_filesz)
			lo->phdr_addr = im->e_phoff - ph->p_offset + ph->p_vaddr;
		uint64_t k = ph->p_vaddr;
		if ((ph->p_flags & PF_X) && k < lo->start_code)
			lo->start_code = k;
		if (lo->start_data < k)
			lo->start_data = k;
		k = ph->p_vaddr + ph->p_filesz;
		if ((ph->p_flags & PF_X) && lo->end_code < k)
			lo->end_code = k;
		if (lo->end_data < k)
			lo->end_data = k;
		k = ph->p_vaddr + ph->p_memsz;
		if (k > lo->elf_brk)
			lo->elf_brk = k;
	}
	lo->load_bias = load_bias;
	lo->e_entry = im->e_entry + load_bias;
	lo->phdr_addr += load_bias;
	lo->elf_brk += load_bias;
	lo->start_code += load_bias;
	lo->end_code += load_bias;
	lo->start_data += load_bias;
	lo->end_data += load_bias;
	return 0;
}

/* Everything after the point of no return. A failure here kills the task (do_execve). */
static int elf_finish(struct linux_binprm *bprm, struct elf_image *im, struct elf_image *interp)
{
	struct task_struct *t = bprm->t;
	struct mm_sys *ms = &bprm->m->mm;
	uint64_t ps = ms->page_size;
	int executable_stack = elf_exec_stack(im);

	/* SET_PERSONALITY, then elf_read_implies_exec: 32-bit without PT_GNU_STACK */
	t->personality &= ~READ_IMPLIES_EXEC;
	if ((bprm->compat || bprm->m->desc.arch->id == ARCH_I386) &&
	    executable_stack == EXSTACK_DEFAULT)
		t->personality |= READ_IMPLIES_EXEC;
	bprm->randomize = !(t->personality & ADDR_NO_RANDOMIZE) && ms->sysctl.randomize_va_space;
	setup_new_exec(bprm);
	int ret = setup_arg_pages(bprm, exec_stack_top(bprm), executable_stack);
	if (ret)
		return err_set(bprm->err, ret, im->path, 0, 0, "exec: the stack could not be set up");

	struct elf_layout lo = { 0 };
	ret = elf_map_image(bprm, im, interp->file != NULL, &lo);
	if (ret)
		return err_set(bprm->err, ret, im->path, 0, 0,
			       "exec: mapping the segments failed (%s); the process is killed",
			       mmsim_strerror(ret));
	uint64_t interp_load_addr = 0;
	if (interp->file) {
		int64_t e = load_elf_interp(bprm, interp, lo.load_bias);
		if (e < 0 || (uint64_t)e + interp->e_entry >= t->mm->task_size)
			return err_set(bprm->err, e < 0 ? (int)e : -EINVAL, interp->path, 0, 0,
				       "exec: mapping the interpreter failed; the process is killed");
		interp_load_addr = (uint64_t)e;
	} else if (lo.e_entry >= t->mm->task_size) {
		return err_set(bprm->err, -EINVAL, im->path, 0, 0,
			       "exec: the entry point 0x%llx is outside user space",
			       (unsigned long long)lo.e_entry);
	}
	ret = arch_setup_additional_pages(bprm);
	if (ret)
		return err_set(bprm->err, ret, im->path, 0, 0, "exec: the vDSO could not be mapped");
	ret = create_elf_tables(bprm, lo.phdr_addr, im->e_phnum, interp_load_addr, lo.e_entry);
	if (ret)
		return err_set(bprm->err, ret, im->path, 0, 0, "exec: the stack tables do not fit");

	struct mm_struct *mm = t->mm;
	mm->start_code = lo.start_code;
	mm->end_code = lo.end_code;
	mm->start_data = lo.start_data;
	mm->end_data = lo.end_data;
	mm->start_stack = bprm->p;
	/* brk: after the bss; a loader run directly gets ELF_ET_DYN_BASE (6.15+) */
	bool brk_moved = false;
	uint64_t elf_brk = lo.elf_brk;
	if (im->e_type == ET_DYN && !interp->file) {
		elf_brk = elf_et_dyn_base(bprm);
		brk_moved = true;
	}
	mm->start_brk = mm->brk = ELF_PAGEALIGN(elf_brk);
	if (bprm->randomize && ms->sysctl.randomize_va_space > 1) {
		if (!brk_moved)
			mm->brk = mm->start_brk = mm->brk + ps;
		mm->brk = mm->start_brk = arch_randomize_brk(bprm, mm->brk);
	}
	if (t->personality & MMSIM_MMAP_PAGE_ZERO) {
		int64_t r = vm_mmap(t, NULL, 0, ps, PROT_READ | PROT_EXEC, MAP_FIXED | MAP_PRIVATE, 0);
		(void)r;	/* Linux ignores the result too */
	}
	return 0;
}

int load_elf_binary(struct linux_binprm *bprm)
{
	struct elf_image im = { .path = bprm->filename, .file = bprm->file };
	struct elf_image interp = { 0 };
	char *ipath = malloc(MMSIM_PATH_MAX + 1);
	int ret;
	if (!ipath)
		return err_set(bprm->err, -ENOMEM, bprm->filename, 0, 0, "exec: out of host memory");
	ret = elf_read_headers(bprm, &im, bprm->buf, -ENOEXEC);
	if (ret)
		goto out_free;
	bprm->compat = im.is32 && bprm->m->desc.arch->id != ARCH_I386;
	ret = elf_check_loads(bprm, &im, -ENOEXEC, mmsim_task_size(bprm->m, bprm->compat));
	if (ret)
		goto out_free;
	ret = elf_open_interp(bprm, &im, &interp, ipath);
	if (ret)
		goto out_free;
	ret = begin_new_exec(bprm);
	if (ret) {
		err_set(bprm->err, ret, im.path, 0, 0, "exec: no memory to unshare the files");
		goto out_free;
	}
	ret = elf_finish(bprm, &im, &interp);
out_free:
	elf_image_free(bprm, &interp);
	elf_image_free(bprm, &im);
	free(ipath);
	return ret;
}
