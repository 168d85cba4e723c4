// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdtproc: function symbols of a process, the public calls
 * (dtproc_syms_*; see dtproc.h).  rtld.c keeps the object list, symtab.c
 * the symbol tables; this file parses probes and answers lookups.
 */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "syms.h"

static int syms_fail_pid(struct dtproc_syms *s, int err, const char *what)
{
	if (err == -ESRCH || err == -ENOENT)
		return dtproc_failx(ESRCH, "%s of pid %d: the process is gone (or is a zombie or a kernel thread, which have no memory to read)",
				   what, s->pid);
	if (err == -EAGAIN || err == -EFAULT)
		return dtproc_failx(EAGAIN, "%s of pid %d: its link map changed under the walk; refresh again at the next RT_CONSISTENT",
				   what, s->pid);
	if (err == -EPERM || err == -EACCES)
		return dtproc_failx(-err, "%s of pid %d: reading its memory needs the right ptrace would need (same user and ptrace_scope allowing it, or CAP_SYS_PTRACE)",
				   what, s->pid);
	return dtproc_failx(-err, "%s of pid %d: %s (unexpected: report it)",
			    what, s->pid, strerror(-err));
}

DTPROC_EXPORT struct dtproc_syms *dtproc_syms_open(pid_t pid)
{
	struct dtproc_syms *s;
	int err;

	if (pid <= 0)
		return dtproc_failx_null(EINVAL, "dtproc_syms_open: pid %d is not a process id", pid);
	s = calloc(1, sizeof(*s));
	if (!s)
		return dtproc_failx_null(ENOMEM, "cannot read the symbols of pid %d: out of memory (free some, then retry)", pid);
	s->pid = pid;
	err = syms_refresh_objects(s);
	if (err < 0) {
		syms_fail_pid(s, err, "failed to read the objects");
		dtproc_syms_close(s);
		errno = -err == ENOENT ? ESRCH : -err;
		return NULL;
	}
	dtproc_clear_error();
	return s;
}

DTPROC_EXPORT void dtproc_syms_close(struct dtproc_syms *s)
{
	if (!s)
		return;
	syms_free_objs(s->objs, s->nobjs);
	free(s);
}

DTPROC_EXPORT int dtproc_syms_refresh(struct dtproc_syms *s)
{
	int err = syms_refresh_objects(s);

	if (err < 0)
		return syms_fail_pid(s, err, "failed to refresh the objects");
	return err;
}

DTPROC_EXPORT uint64_t dtproc_syms_generation(const struct dtproc_syms *s)
{
	return s->generation;
}

/* The object holding runtime address @addr, or NULL. */
static const struct syms_obj *syms_obj_at(const struct dtproc_syms *s,
					  uint64_t addr)
{
	size_t i;

	for (i = 0; i < s->nobjs; i++)
		if (addr >= s->objs[i].start && addr < s->objs[i].end)
			return &s->objs[i];
	return NULL;
}

static uint64_t syms_ldso_func(const struct dtproc_syms *s, const char *name)
{
	const struct syms_obj *o = s->at_base ? syms_obj_at(s, s->at_base) : NULL;
	uint64_t v;

	if (!o || !o->tab)
		return 0;
	v = syms_table_func(o->tab, name);
	return v ? o->base + v : 0;
}

DTPROC_EXPORT int dtproc_syms_rtld(struct dtproc_syms *s,
				   struct dtproc_rtld *rt)
{
	struct syms_r_debug rd = { 0 };
	int err;

	memset(rt, 0, sizeof(*rt));
	if (!s->r_debug)
		s->r_debug = syms_find_r_debug(s);	/* set since the refresh? */
	if (s->r_debug) {
		err = syms_rtld_read(s->pid, s->r_debug, &rd);
		if (err)
			return syms_fail_pid(s, err, "failed to read r_debug");
	}
	rt->r_debug = s->r_debug;
	rt->r_version = rd.r_version;
	rt->r_state = rd.r_state;
	rt->r_brk = rd.r_brk ? rd.r_brk : syms_ldso_func(s, "_dl_debug_state");
	rt->source = s->source;
	rt->nobjects = (uint32_t)s->nobjs;
	rt->generation = s->generation;
	return 0;
}

DTPROC_EXPORT int dtproc_syms_object(struct dtproc_syms *s, size_t i,
				     struct dtproc_object *obj)
{
	const struct syms_obj *o;

	if (i >= s->nobjs)
		return -ENOENT;
	o = &s->objs[i];
	*obj = (struct dtproc_object){
		.name = o->name, .path = o->path, .base = o->base,
		.start = o->start, .end = o->end, .dev = o->dev, .ino = o->ino,
		.lmid = o->lmid,
		.nsyms = o->tab ? (uint32_t)syms_table_count(o->tab) : 0,
		.symtab = o->tab ? syms_table_kind(o->tab) : "",
	};
	return 0;
}

/* --- name to addresses --- */

struct syms_walk {
	const struct syms_obj	*obj;
	uint64_t		offset;
	dtproc_sym_fn		*fn;
	void			*arg;
	int			found;		/* functions named */
	int			matches;	/* reported */
};

static int syms_walk_one(uint64_t value, uint64_t size, const char *name,
			 bool ifunc, void *arg)
{
	struct syms_walk *w = arg;
	struct dtproc_sym sym;

	w->found++;
	if (w->offset && w->offset >= size)
		return 0;
	sym = (struct dtproc_sym){
		.object = w->obj->name, .function = name,
		.func_addr = w->obj->base + value, .size = size,
		.offset = w->offset, .flags = ifunc ? DTPROC_SYM_IFUNC : 0,
	};
	sym.addr = sym.func_addr + w->offset;
	w->matches++;
	return w->fn(&sym, w->arg);
}

DTPROC_EXPORT int dtproc_syms_lookup(struct dtproc_syms *s, const char *probe,
				     dtproc_sym_fn *fn, void *arg)
{
	struct syms_walk w = { .fn = fn, .arg = arg };
	char *copy, *objpat = NULL, *func, *plus, *end;
	int objs = 0, ret = 0;
	size_t i;

	copy = strdup(probe);
	if (!copy)
		return dtproc_failx(ENOMEM, "cannot look up '%s': out of memory (free some, then retry)", probe);
	func = copy;
	end = strchr(copy, '`');
	if (end) {
		*end = '\0';
		objpat = copy;
		func = end + 1;
	}
	plus = strrchr(func, '+');
	if (plus) {
		errno = 0;
		w.offset = strtoull(plus + 1, &end, 0);
		if (errno || end == plus + 1 || *end) {
			ret = dtproc_failx(EINVAL, "bad probe '%s': the offset after '+' must be a number (decimal, or hex with 0x)", probe);
			goto out;
		}
		*plus = '\0';
	}
	if (!func[0] || (objpat && !objpat[0])) {
		ret = dtproc_failx(EINVAL, "bad probe '%s': write [OBJECT`]FUNCTION[+OFFSET], e.g. libc.so.6`malloc or a.out`main+4", probe);
		goto out;
	}
	for (i = 0; i < s->nobjs && !ret; i++) {
		const struct syms_obj *o = &s->objs[i];

		if (objpat && fnmatch(objpat, o->name, 0))
			continue;
		objs++;
		if (!o->tab)
			continue;
		w.obj = o;
		ret = syms_table_match(o->tab, func, syms_walk_one, &w);
	}
	if (ret)
		goto out;
	if (!objs)
		ret = dtproc_failx(ENOENT, "no object of pid %d matches '%s' (objects are named a.out for the program and by file name, e.g. libc.so.6)",
				  s->pid, objpat);
	else if (!w.found)
		ret = dtproc_failx(ENOENT, "no function of %s%s%s matches '%s' in pid %d (a library not loaded yet? refresh after it loads)",
				  objpat ? "" : "any object", objpat ? "object " : "",
				  objpat ? objpat : "", func, s->pid);
	else if (!w.matches)
		ret = dtproc_failx(ENOENT, "offset %" PRIu64 " is past the end of every function matching '%s' in pid %d (give an offset inside the function)",
				  w.offset, func, s->pid);
	else
		ret = w.matches;
out:
	free(copy);
	return ret;
}

/* --- address to name --- */

DTPROC_EXPORT int dtproc_syms_addr(struct dtproc_syms *s, uint64_t addr,
				   struct dtproc_sym *sym, char *buf, size_t len)
{
	const struct syms_obj *o = syms_obj_at(s, addr);
	struct dtproc_sym tmp = { .addr = addr };
	const char *name = NULL;
	uint64_t value = 0, size = 0;
	bool ifunc = false;

	if (!sym)
		sym = &tmp;
	*sym = tmp;
	if (!o)
		return snprintf(buf, len, "0x%" PRIx64, addr);
	sym->object = o->name;
	if (o->tab)
		name = syms_table_addr(o->tab, addr - o->base, &value, &size,
				       &ifunc);
	if (!name) {
		sym->offset = addr - o->base;
		return snprintf(buf, len, "%s`0x%" PRIx64, o->name, sym->offset);
	}
	sym->function = name;
	sym->func_addr = o->base + value;
	sym->size = size;
	sym->offset = addr - sym->func_addr;
	sym->flags = ifunc ? DTPROC_SYM_IFUNC : 0;
	if (!sym->offset)
		return snprintf(buf, len, "%s`%s", o->name, name);
	return snprintf(buf, len, "%s`%s+0x%" PRIx64, o->name, name, sym->offset);
}

DTPROC_EXPORT int dtproc_syms_mapping(struct dtproc_syms *s, uint64_t addr,
				      struct dtproc_mapping *map)
{
	const struct syms_map *m;
	struct syms_map *maps;
	size_t n;
	int err;

	err = syms_read_maps(s->pid, &maps, &n);
	if (err)
		return syms_fail_pid(s, err, "failed to read the mappings");
	m = syms_find_map(maps, n, addr);
	if (!m)
		err = dtproc_failx(ENOENT, "0x%" PRIx64 " is in no mapping of pid %d", addr, s->pid);
	else if (!m->ino || !m->path)
		err = dtproc_failx(EINVAL, "0x%" PRIx64 " is in no file mapping of pid %d (%s): a breakpoint needs a file", addr, s->pid, m->path ? m->path : "anonymous memory");
	if (!err) {
		*map = (struct dtproc_mapping){
			.start = m->start, .end = m->end,
			.file_offset = m->offset + (addr - m->start),
			.dev = m->dev, .ino = m->ino, .prot = m->prot,
		};
		snprintf(map->path, sizeof(map->path), "%s", m->path);
	}
	syms_free_maps(maps, n);
	return err;
}

/* --- evaltimes --- */

static int syms_first_fn(const struct dtproc_sym *sym, void *arg)
{
	*(uint64_t *)arg = sym->addr;
	return 1;
}

DTPROC_EXPORT int dtproc_syms_evaltimes(struct dtproc_syms *s,
					struct dtproc_evaltimes *ev)
{
	const struct syms_obj *ldso;
	struct dtproc_rtld rt;
	uint64_t v;
	int err;

	memset(ev, 0, sizeof(*ev));
	ev->postinit = s->at_entry;
	if (!s->at_base) {
		/* static (static-pie too): no ld.so runs first */
		ev->exec = ev->preinit = s->at_entry;
	} else {
		ldso = syms_obj_at(s, s->at_base);
		if (ldso && ldso->tab) {
			syms_table_extent(ldso->tab, &v, &v, &v, &v, &v);
			ev->exec = s->at_base + v;
		}
		err = dtproc_syms_rtld(s, &rt);
		if (err)
			return err;
		ev->preinit = rt.r_brk;
	}
	v = 0;
	if (dtproc_syms_lookup(s, "__libc_start_main", syms_first_fn, &v) > 0 ||
	    v)
		ev->libc_start_main = v;
	v = 0;
	if (dtproc_syms_lookup(s, "a.out`main", syms_first_fn, &v) > 0 || v)
		ev->main = v;
	dtproc_clear_error();
	return 0;
}
