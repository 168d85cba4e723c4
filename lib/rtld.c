// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdtproc: reading a process from userland for the symbol layer.
 *
 * Memory comes through process_vm_readv() (/proc/PID/mem where that call
 * is missing): both apply ptrace's access check, nothing new in the kernel.
 * The dynamic linker's list is found as a debugger finds it: the
 * executable's program headers (at AT_PHDR) give its PT_DYNAMIC, whose
 * DT_DEBUG entry ld.so sets to the live struct r_debug.  The executable's
 * own _r_debug symbol may be a copy-relocated duplicate and is never used.
 * No glibc-private layout (_rtld_global) is read: only r_debug, whose
 * layout is ABI, and the head of struct link_map (l_addr, l_name, l_ld,
 * l_next, l_prev), which is too.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "syms.h"

#define SYMS_MAX_NODES		4096	/* per namespace: a loop guard */
#define SYMS_MAX_NAMESPACES	64
#define SYMS_MAX_DYN		4096	/* dynamic entries scanned */

static int syms_read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, (off_t)addr);
	close(fd);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

/* Read @len bytes at @addr of @pid: 0, or -EFAULT, -ESRCH, -EPERM. */
int syms_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n;

	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n < 0 && errno == ENOSYS)
		return syms_read_mem(pid, addr, buf, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

/* A NUL-terminated string at @addr, page by page; malloc'ed. */
static char *syms_read_string(pid_t pid, uint64_t addr)
{
	size_t cap = 256, len = 0;
	char *s = malloc(cap);

	while (s) {
		size_t chunk = 4096 - (addr & 4095);
		char *nul;

		if (len + chunk + 1 > cap) {
			char *t;

			cap = len + chunk + 1;
			if (cap > PATH_MAX + 4096)
				break;
			t = realloc(s, cap);
			if (!t)
				break;
			s = t;
		}
		if (syms_read(pid, addr, s + len, chunk))
			break;
		nul = memchr(s + len, '\0', chunk);
		if (nul)
			return s;
		len += chunk;
		addr += chunk;
	}
	free(s);
	return NULL;
}

int syms_read_auxv(struct dtproc_syms *s)
{
	char path[64];
	Elf64_auxv_t av[64];
	struct stat st;
	ssize_t n;
	size_t i;
	int fd, err;

	snprintf(path, sizeof(path), "/proc/%d/auxv", s->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, av, sizeof(av));
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	/* A zombie's auxv is empty. */
	if (n == 0)
		return -ESRCH;
	s->at_phdr = s->at_phnum = s->at_entry = s->at_base = 0;
	for (i = 0; i < (size_t)n / sizeof(av[0]); i++) {
		switch (av[i].a_type) {
		case AT_PHDR:
			s->at_phdr = av[i].a_un.a_val;
			break;
		case AT_PHNUM:
			s->at_phnum = av[i].a_un.a_val;
			break;
		case AT_ENTRY:
			s->at_entry = av[i].a_un.a_val;
			break;
		case AT_BASE:
			s->at_base = av[i].a_un.a_val;
			break;
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", s->pid);
	if (stat(path, &st))
		return -errno;
	s->exe_dev = st.st_dev;
	s->exe_ino = st.st_ino;
	return 0;
}

void syms_free_maps(struct syms_map *maps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(maps[i].path);
	free(maps);
}

int syms_read_maps(pid_t pid, struct syms_map **mapsp, size_t *np)
{
	struct syms_map *maps = NULL, *m;
	size_t n = 0, cap = 0, len = 0;
	char path[64], *line = NULL;
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &len, f) > 0) {
		unsigned int maj, min;
		char perms[5];
		int pos = 0;

		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			m = realloc(maps, cap * sizeof(*maps));
			if (!m) {
				err = -ENOMEM;
				break;
			}
			maps = m;
		}
		m = &maps[n];
		memset(m, 0, sizeof(*m));
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64 " %n",
			   &m->start, &m->end, perms, &m->offset, &maj, &min,
			   &m->ino, &pos) < 7)
			continue;
		m->dev = makedev(maj, min);
		m->prot = (perms[0] == 'r' ? PROT_READ : 0) |
			  (perms[1] == 'w' ? PROT_WRITE : 0) |
			  (perms[2] == 'x' ? PROT_EXEC : 0);
		line[strcspn(line, "\n")] = '\0';
		if (pos && line[pos]) {
			m->path = strdup(line + pos);
			if (!m->path) {
				err = -ENOMEM;
				break;
			}
		}
		n++;
	}
	free(line);
	fclose(f);
	if (err) {
		syms_free_maps(maps, n);
		return err;
	}
	*mapsp = maps;
	*np = n;
	return 0;
}

const struct syms_map *syms_find_map(const struct syms_map *maps, size_t n,
				     uint64_t addr)
{
	size_t lo = 0, hi = n;

	/* maps are sorted by address and do not overlap */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < maps[mid].start)
			hi = mid;
		else if (addr >= maps[mid].end)
			lo = mid + 1;
		else
			return &maps[mid];
	}
	return NULL;
}

/* The live r_debug from the executable's DT_DEBUG, or 0 if not set yet. */
uint64_t syms_find_r_debug(struct dtproc_syms *s)
{
	Elf64_Phdr ph[64];
	uint64_t bias = 0, dyn = 0, dynsz = 0, off;
	bool have_phdr = false;
	size_t i, n = s->at_phnum;

	if (!s->at_phdr || !n || n > 64 ||
	    syms_read(s->pid, s->at_phdr, ph, n * sizeof(ph[0])))
		return 0;
	for (i = 0; i < n; i++) {
		if (ph[i].p_type == PT_PHDR) {
			bias = s->at_phdr - ph[i].p_vaddr;
			have_phdr = true;
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = ph[i].p_vaddr;
			dynsz = ph[i].p_memsz;
		}
	}
	/* No PT_PHDR: a static program, which has no ld.so to fill DT_DEBUG. */
	if (!have_phdr || !dyn)
		return 0;
	for (off = 0; off + sizeof(Elf64_Dyn) <= dynsz &&
	     off < SYMS_MAX_DYN * sizeof(Elf64_Dyn); off += sizeof(Elf64_Dyn)) {
		Elf64_Dyn d;

		if (syms_read(s->pid, bias + dyn + off, &d, sizeof(d)))
			return 0;
		if (d.d_tag == DT_NULL)
			break;
		if (d.d_tag == DT_DEBUG)
			return d.d_un.d_ptr;
	}
	return 0;
}

/* The head of struct link_map, which <link.h> makes ABI. */
struct syms_link_map {
	uint64_t	l_addr, l_name, l_ld, l_next, l_prev;
};

struct syms_node {
	uint64_t	node, l_addr, l_name, l_ld;
	int64_t		lmid;
};

int syms_rtld_read(pid_t pid, uint64_t addr, struct syms_r_debug *rd)
{
	int err;

	memset(rd, 0, sizeof(*rd));
	err = syms_read(pid, addr, rd, offsetof(struct syms_r_debug, r_next));
	if (err)
		return err;
	if (rd->r_version >= 2 &&
	    syms_read(pid, addr + offsetof(struct syms_r_debug, r_next),
		      &rd->r_next, sizeof(rd->r_next)))
		rd->r_next = 0;
	return 0;
}

/* Every node of every namespace; malloc'ed into @nodes. */
static int syms_walk_nodes(struct dtproc_syms *s, struct syms_node **nodesp,
			   size_t *np)
{
	struct syms_node *nodes = NULL, *t;
	struct syms_r_debug rd;
	uint64_t rdaddr = s->r_debug;
	size_t n = 0, cap = 0;
	int64_t lmid;
	int err;

	for (lmid = 0; rdaddr && lmid < SYMS_MAX_NAMESPACES; lmid++) {
		uint64_t node;
		size_t count = 0;

		err = syms_rtld_read(s->pid, rdaddr, &rd);
		if (err)
			goto fail;
		if (lmid == 0)
			s->r_version = rd.r_version;
		for (node = rd.r_map; node && count < SYMS_MAX_NODES; count++) {
			struct syms_link_map lm;

			err = syms_read(s->pid, node, &lm, sizeof(lm));
			if (err)
				goto fail;
			if (n == cap) {
				cap = cap ? 2 * cap : 32;
				t = realloc(nodes, cap * sizeof(*nodes));
				if (!t) {
					err = -ENOMEM;
					goto fail;
				}
				nodes = t;
			}
			nodes[n++] = (struct syms_node){ node, lm.l_addr,
				lm.l_name, lm.l_ld, lmid };
			node = lm.l_next;
		}
		rdaddr = s->r_version >= 2 ? rd.r_next : 0;
	}
	*nodesp = nodes;
	*np = n;
	return 0;
fail:
	free(nodes);
	return err;
}

static bool syms_same_nodes(const struct dtproc_syms *s,
			    const struct syms_node *nodes, size_t n)
{
	size_t i;

	if (s->source != DTPROC_SYMS_LINKMAP || n != s->nobjs)
		return false;
	for (i = 0; i < n; i++) {
		const struct syms_obj *o = &s->objs[i];

		if (o->node != nodes[i].node || o->base != nodes[i].l_addr ||
		    o->l_name != nodes[i].l_name || o->l_ld != nodes[i].l_ld ||
		    o->lmid != nodes[i].lmid)
			return false;
	}
	return true;
}

static const char *syms_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Fill @o for a node; the file is the mapping holding its dynamic section. */
static int syms_obj_from_node(struct dtproc_syms *s,
			      const struct syms_node *nd, bool is_main,
			      const struct syms_map *maps, size_t nmaps,
			      struct syms_obj *o)
{
	const struct syms_map *m = syms_find_map(maps, nmaps, nd->l_ld);
	char *lname = nd->l_name ? syms_read_string(s->pid, nd->l_name) : NULL;
	uint64_t lo, hi, l0v, l0o, entry;
	const char *path;

	memset(o, 0, sizeof(*o));
	o->node = nd->node;
	o->base = nd->l_addr;
	o->l_name = nd->l_name;
	o->l_ld = nd->l_ld;
	o->lmid = nd->lmid;
	if (m && m->ino) {
		o->dev = m->dev;
		o->ino = m->ino;
	}
	path = m && m->path ? m->path : lname ? lname : "";
	o->path = strdup(path);
	if (o->dev == s->exe_dev && o->ino == s->exe_ino && o->ino)
		o->name = strdup("a.out");
	else if (lname && lname[0])
		o->name = strdup(syms_basename(lname));
	else
		o->name = strdup(is_main ? "a.out" : syms_basename(path));
	free(lname);
	if (!o->path || !o->name)
		return -ENOMEM;
	if (m && m->ino)
		o->tab = syms_table_get(s->pid, m);
	if (o->tab) {
		syms_table_extent(o->tab, &lo, &hi, &l0v, &l0o, &entry);
		o->start = o->base + lo;
		o->end = o->base + hi;
	} else if (m) {
		o->start = m->start;
		o->end = m->end;
	}
	return 0;
}

void syms_free_objs(struct syms_obj *objs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(objs[i].name);
		free(objs[i].path);
		if (objs[i].tab)
			syms_table_put(objs[i].tab);
	}
	free(objs);
}

static int syms_objs_from_nodes(struct dtproc_syms *s,
				const struct syms_node *nodes, size_t n,
				const struct syms_map *maps, size_t nmaps,
				struct syms_obj **objsp)
{
	struct syms_obj *objs = calloc(n ? n : 1, sizeof(*objs));
	size_t i;
	int err;

	if (!objs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		err = syms_obj_from_node(s, &nodes[i],
					 i == 0 && nodes[i].lmid == 0,
					 maps, nmaps, &objs[i]);
		if (err) {
			syms_free_objs(objs, i + 1);
			return err;
		}
	}
	*objsp = objs;
	return 0;
}

/*
 * Static programs, and dynamic ones before ld.so filled r_debug: every
 * ELF file mapped, in address order, its bias worked out from the mapping
 * of its lowest file offset and its first PT_LOAD.
 */
static int syms_objs_from_maps(struct dtproc_syms *s,
			       const struct syms_map *maps, size_t nmaps,
			       struct syms_obj **objsp, size_t *np)
{
	struct syms_obj *objs = calloc(nmaps ? nmaps : 1, sizeof(*objs));
	size_t i, j, n = 0;

	if (!objs)
		return -ENOMEM;
	for (i = 0; i < nmaps; i++) {
		const struct syms_map *m = &maps[i];
		uint64_t lo, hi, l0v, l0o, entry;
		struct syms_obj *o = &objs[n];
		struct elf_table *tab;
		bool seen = false;

		if (!m->ino || !m->path)
			continue;
		/* the lowest-offset mapping of a run of this file */
		for (j = 0; j < n && !seen; j++)
			seen = objs[j].dev == m->dev && objs[j].ino == m->ino &&
			       m->start >= objs[j].start && m->start < objs[j].end;
		if (seen)
			continue;
		tab = syms_table_get(s->pid, m);
		if (!tab)
			continue;	/* not an ELF file we can read */
		syms_table_extent(tab, &lo, &hi, &l0v, &l0o, &entry);
		o->tab = tab;
		o->dev = m->dev;
		o->ino = m->ino;
		o->base = m->start - m->offset - (l0v - l0o);
		o->start = o->base + lo;
		o->end = o->base + hi;
		o->path = strdup(m->path);
		o->name = strdup(m->dev == s->exe_dev && m->ino == s->exe_ino ?
				 "a.out" : syms_basename(m->path));
		n++;
		if (!o->path || !o->name) {
			syms_free_objs(objs, n);
			return -ENOMEM;
		}
	}
	*objsp = objs;
	*np = n;
	return 0;
}

static bool syms_same_objs(const struct syms_obj *a, size_t na,
			   const struct syms_obj *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (a[i].base != b[i].base || a[i].dev != b[i].dev ||
		    a[i].ino != b[i].ino || a[i].lmid != b[i].lmid ||
		    strcmp(a[i].name, b[i].name) || strcmp(a[i].path, b[i].path))
			return false;
	return true;
}

int syms_refresh_objects(struct dtproc_syms *s)
{
	uint64_t phdr = s->at_phdr, entry = s->at_entry, base = s->at_base;
	uint64_t dev = s->exe_dev, ino = s->exe_ino;
	struct syms_node *nodes = NULL;
	struct syms_map *maps = NULL;
	struct syms_obj *objs = NULL;
	size_t n = 0, nmaps = 0, nobjs = 0;
	uint32_t source;
	int err;

	err = syms_read_auxv(s);
	if (err)
		return err;
	if (phdr != s->at_phdr || entry != s->at_entry || base != s->at_base ||
	    dev != s->exe_dev || ino != s->exe_ino)
		s->r_debug = 0;		/* a new program: find r_debug again */
	if (!s->r_debug) {
		s->r_debug = syms_find_r_debug(s);
		s->r_version = 0;
	}
	if (s->r_debug) {
		/* a node freed under the walk (dlclose racing) reads as EFAULT */
		err = syms_walk_nodes(s, &nodes, &n);
		if (err == -EFAULT)
			err = syms_walk_nodes(s, &nodes, &n);
		if (err)
			return err == -EFAULT ? -EAGAIN : err;
		if (n && syms_same_nodes(s, nodes, n)) {
			free(nodes);
			return 0;
		}
	}
	err = syms_read_maps(s->pid, &maps, &nmaps);
	if (err)
		goto out;
	if (n) {
		source = DTPROC_SYMS_LINKMAP;
		err = syms_objs_from_nodes(s, nodes, n, maps, nmaps, &objs);
		nobjs = n;
	} else {
		source = DTPROC_SYMS_MAPS;
		err = syms_objs_from_maps(s, maps, nmaps, &objs, &nobjs);
	}
	if (err)
		goto out;
	if (source == s->source && syms_same_objs(objs, nobjs, s->objs, s->nobjs)) {
		/* same objects, new nodes (say, dlclose and dlopen again) */
		syms_free_objs(s->objs, s->nobjs);
		err = 0;
	} else {
		syms_free_objs(s->objs, s->nobjs);
		s->generation++;
		err = 1;
	}
	s->objs = objs;
	s->nobjs = nobjs;
	s->source = source;
out:
	syms_free_maps(maps, nmaps);
	free(nodes);
	return err;
}
