// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdtproc: ELF symbol tables for the symbol layer (symbols.c).
 *
 * rtld.c finds the objects; this file reads each object's ELF symbol
 * table with libelf, once per file: tables are cached per (device, inode)
 * (and checked against the file's mtime and size), refcounted, shared by
 * every dtproc_syms, immutable once built, and so safe to read without a
 * lock.  Only the cache list and the counts take syms_cache_lock.  The
 * SYMS_CACHE_IDLE most recently built tables nobody uses stay cached.
 *
 * A table holds the functions sorted by address, aliases at one address
 * ordered best name first (global, then weak, then local; then names not
 * starting with '_'), and an index sorted by name for exact lookups.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syms.h"

struct elf_sym {
	uint64_t	value, size;
	uint32_t	name;		/* offset in strs */
	uint16_t	rank;		/* lower is a better name */
	uint16_t	ifunc;
};

struct elf_table {
	struct elf_table *next;		/* on syms_cache */
	unsigned int	refs;		/* under syms_cache_lock */
	uint64_t	dev, ino;
	struct timespec	mtime;
	off_t		fsize;
	uint64_t	lo, hi, load0_vaddr, load0_off, entry;
	const char	*symtab;	/* ".symtab", ".dynsym" or "" */
	struct elf_sym	*syms;		/* by address, best alias first */
	uint32_t	*by_name;	/* indices into syms, by name */
	size_t		n;
	char		*strs;
};

/* Unused tables kept for the next process mapping the same files. */
#define SYMS_CACHE_IDLE		16

static pthread_mutex_t syms_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct elf_table *syms_cache;

static unsigned int syms_rank(int bind, const char *name)
{
	unsigned int r = bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2;

	return r * 2 + (name[0] == '_');
}

/* qsort has no context argument: the table being sorted, per thread. */
static __thread const struct elf_table *syms_sorting;

static int syms_cmp_addr(const void *a, const void *b)
{
	const struct elf_sym *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(syms_sorting->strs + x->name, syms_sorting->strs + y->name);
}

static int syms_cmp_name(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int c = strcmp(syms_sorting->strs + syms_sorting->syms[x].name,
		       syms_sorting->strs + syms_sorting->syms[y].name);

	return c ? c : x < y ? -1 : x > y;	/* equal names: by address */
}

static void syms_table_free(struct elf_table *t)
{
	free(t->syms);
	free(t->by_name);
	free(t->strs);
	free(t);
}

/* The function symbols of .symtab, else .dynsym. */
static int syms_table_read_syms(struct elf_table *t, Elf *elf)
{
	Elf_Scn *scn = NULL, *symscn = NULL;
	GElf_Shdr sh, symsh = { 0 };
	size_t strcap = 0, strlen_ = 0, i, nsyms;
	Elf_Data *data;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB ||
		    (sh.sh_type == SHT_DYNSYM && !symscn)) {
			symscn = scn;
			symsh = sh;
		}
	}
	t->symtab = "";
	if (!symscn)
		return 0;
	t->symtab = symsh.sh_type == SHT_SYMTAB ? ".symtab" : ".dynsym";
	data = elf_getdata(symscn, NULL);
	if (!data || !symsh.sh_entsize)
		return 0;
	nsyms = symsh.sh_size / symsh.sh_entsize;
	t->syms = calloc(nsyms ? nsyms : 1, sizeof(*t->syms));
	if (!t->syms)
		return -ENOMEM;
	for (i = 0; i < nsyms; i++) {
		GElf_Sym sym;
		const char *name;
		size_t len;
		int type;

		if (!gelf_getsym(data, (int)i, &sym))
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) ||
		    sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		name = elf_strptr(elf, symsh.sh_link, sym.st_name);
		if (!name || !name[0])
			continue;
		len = strlen(name) + 1;
		if (strlen_ + len > strcap) {
			char *s;

			strcap = 2 * (strcap + len) + 4096;
			s = realloc(t->strs, strcap);
			if (!s)
				return -ENOMEM;
			t->strs = s;
		}
		memcpy(t->strs + strlen_, name, len);
		t->syms[t->n++] = (struct elf_sym){ sym.st_value, sym.st_size,
			(uint32_t)strlen_,
			(uint16_t)syms_rank(GELF_ST_BIND(sym.st_info), name),
			type == STT_GNU_IFUNC };
		strlen_ += len;
	}
	t->by_name = calloc(t->n ? t->n : 1, sizeof(*t->by_name));
	if (!t->by_name)
		return -ENOMEM;
	syms_sorting = t;
	qsort(t->syms, t->n, sizeof(*t->syms), syms_cmp_addr);
	for (i = 0; i < t->n; i++)
		t->by_name[i] = (uint32_t)i;
	qsort(t->by_name, t->n, sizeof(*t->by_name), syms_cmp_name);
	syms_sorting = NULL;
	return 0;
}

static struct elf_table *syms_table_read(int fd, const struct syms_map *m,
					 const struct stat *st)
{
	struct elf_table *t = calloc(1, sizeof(*t));
	GElf_Ehdr eh;
	size_t i, nph;
	bool first = true;
	Elf *elf;

	if (!t)
		return NULL;
	t->refs = 1;
	t->dev = m->dev;
	t->ino = m->ino;
	t->mtime = st->st_mtim;
	t->fsize = st->st_size;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) ||
	    elf_getphdrnum(elf, &nph))
		goto fail;
	t->entry = eh.e_entry;
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (first) {
			t->load0_vaddr = ph.p_vaddr;
			t->load0_off = ph.p_offset;
			t->lo = ph.p_vaddr & ~(uint64_t)4095;
			first = false;
		}
		if (ph.p_vaddr + ph.p_memsz > t->hi)
			t->hi = ph.p_vaddr + ph.p_memsz;
	}
	if (first || syms_table_read_syms(t, elf))
		goto fail;
	elf_end(elf);
	return t;
fail:
	elf_end(elf);
	syms_table_free(t);
	return NULL;
}

/* Open the file of mapping @m, checking it is that file. */
static int syms_open_file(pid_t pid, const struct syms_map *m, struct stat *st)
{
	char path[PATH_MAX + 64];
	int i, fd;

	for (i = 0; i < 3; i++) {
		if (i == 0)
			snprintf(path, sizeof(path), "%s", m->path);
		else if (i == 1)
			snprintf(path, sizeof(path), "/proc/%d/root%s", pid, m->path);
		else
			snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64,
				 pid, m->start, m->end);
		/* never open what is not a regular file: a device may care */
		if (path[0] != '/' || stat(path, st) || !S_ISREG(st->st_mode) ||
		    st->st_ino != m->ino || st->st_dev != m->dev)
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			continue;
		if (!fstat(fd, st) && st->st_ino == m->ino && st->st_dev == m->dev)
			return fd;
		close(fd);
	}
	return -ENOENT;
}

static pthread_once_t syms_elf_once = PTHREAD_ONCE_INIT;
static bool syms_elf_ok;

/* libelf's version handshake: once per process, not per thread. */
static void syms_elf_init(void)
{
	syms_elf_ok = elf_version(EV_CURRENT) != EV_NONE;
}

struct elf_table *syms_table_get(pid_t pid, const struct syms_map *m)
{
	struct elf_table *t, *nt, **pp, *stale = NULL;
	struct stat st;
	int fd;

	pthread_once(&syms_elf_once, syms_elf_init);
	if (!syms_elf_ok)
		return NULL;
	fd = syms_open_file(pid, m, &st);
	if (fd < 0)
		return NULL;
	pthread_mutex_lock(&syms_cache_lock);
	for (pp = &syms_cache; (t = *pp); pp = &t->next) {
		if (t->dev != m->dev || t->ino != m->ino)
			continue;
		if (t->fsize == st.st_size && t->mtime.tv_sec == st.st_mtim.tv_sec &&
		    t->mtime.tv_nsec == st.st_mtim.tv_nsec) {
			t->refs++;
			break;
		}
		if (!t->refs) {		/* the file was rewritten in place */
			*pp = t->next;
			stale = t;
			t = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&syms_cache_lock);
	if (stale)
		syms_table_free(stale);
	if (t) {
		close(fd);
		return t;
	}
	/* read outside the lock; a racing reader of the same file wastes work */
	nt = syms_table_read(fd, m, &st);
	close(fd);
	if (!nt)
		return NULL;
	pthread_mutex_lock(&syms_cache_lock);
	nt->next = syms_cache;
	syms_cache = nt;
	pthread_mutex_unlock(&syms_cache_lock);
	return nt;
}

void syms_table_put(struct elf_table *t)
{
	struct elf_table **pp;

	struct elf_table *victim = NULL;
	unsigned int idle = 0;

	pthread_mutex_lock(&syms_cache_lock);
	if (--t->refs) {
		pthread_mutex_unlock(&syms_cache_lock);
		return;
	}
	/* keep the SYMS_CACHE_IDLE newest unused tables, drop the oldest */
	for (pp = &syms_cache; *pp; pp = &(*pp)->next)
		if (!(*pp)->refs && ++idle > SYMS_CACHE_IDLE)
			break;
	if (*pp) {
		victim = *pp;
		*pp = victim->next;
	}
	pthread_mutex_unlock(&syms_cache_lock);
	if (victim)
		syms_table_free(victim);
}

void syms_table_extent(const struct elf_table *t, uint64_t *lo, uint64_t *hi,
		       uint64_t *load0_vaddr, uint64_t *load0_off,
		       uint64_t *entry)
{
	*lo = t->lo;
	*hi = t->hi;
	*load0_vaddr = t->load0_vaddr;
	*load0_off = t->load0_off;
	*entry = t->entry;
}

/* First index in by_name whose name is >= @name. */
static size_t syms_name_lower(const struct elf_table *t, const char *name)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(t->strs + t->syms[t->by_name[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t syms_table_func(const struct elf_table *t, const char *name)
{
	size_t i = syms_name_lower(t, name);

	if (i < t->n && !strcmp(t->strs + t->syms[t->by_name[i]].name, name))
		return t->syms[t->by_name[i]].value;
	return 0;
}

/* The symbol covering ELF address @v, or NULL. */
static const struct elf_sym *syms_table_cover(const struct elf_table *t,
					      uint64_t v)
{
	size_t lo = 0, hi = t->n;
	const struct elf_sym *s;

	while (lo < hi) {		/* first symbol above v */
		size_t mid = lo + (hi - lo) / 2;

		if (t->syms[mid].value <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	s = &t->syms[lo - 1];
	while (s > t->syms && s[-1].value == s->value)
		s--;			/* the best name of the aliases */
	if (v < s->value + s->size || v == s->value)
		return s;
	return NULL;
}

const char *syms_table_addr(const struct elf_table *t, uint64_t v,
			    uint64_t *value, uint64_t *size, bool *ifunc)
{
	const struct elf_sym *s = syms_table_cover(t, v);

	if (!s)
		return NULL;
	*value = s->value;
	*size = s->size;
	*ifunc = s->ifunc;
	return t->strs + s->name;
}

size_t syms_table_count(const struct elf_table *t)
{
	return t->n;
}

const char *syms_table_kind(const struct elf_table *t)
{
	return t->symtab;
}

int syms_table_match(const struct elf_table *t, const char *pat,
		     syms_match_fn *fn, void *arg)
{
	uint64_t last = 0;
	size_t i;
	int ret;

	if (!strpbrk(pat, "*?[\\")) {
		/* exact: the by-name run, in address order */
		for (i = syms_name_lower(t, pat); i < t->n; i++) {
			const struct elf_sym *s = &t->syms[t->by_name[i]];

			if (strcmp(t->strs + s->name, pat))
				break;
			if (s->value == last)
				continue;
			last = s->value;
			ret = fn(s->value, s->size, t->strs + s->name, s->ifunc, arg);
			if (ret)
				return ret;
		}
		return 0;
	}
	for (i = 0; i < t->n; i++) {
		const struct elf_sym *s = &t->syms[i];

		/* one name per address: the best one that matches */
		if (s->value == last || fnmatch(pat, t->strs + s->name, 0))
			continue;
		last = s->value;
		ret = fn(s->value, s->size, t->strs + s->name, s->ifunc, arg);
		if (ret)
			return ret;
	}
	return 0;
}
