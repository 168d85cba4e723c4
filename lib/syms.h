/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libdtproc internals of the symbol layer, shared by rtld.c (reading a
 * process: memory, auxv, maps, r_debug and link maps), symtab.c (ELF
 * symbol tables) and symbols.c (lookups, the public calls).
 */
#ifndef DTPROC_SYMS_H
#define DTPROC_SYMS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "internal.h"

/* One line of /proc/PID/maps. */
struct syms_map {
	uint64_t	start, end, offset;
	uint64_t	dev, ino;
	uint32_t	prot;
	char		*path;		/* NULL for anonymous mappings */
};

/* The symbol table of one ELF file, shared by every process mapping it. */
struct elf_table;

/* One object of the process. */
struct syms_obj {
	char		*name;		/* "a.out", "libc.so.6" */
	char		*path;
	uint64_t	base;		/* l_addr */
	uint64_t	start, end;	/* PT_LOAD extent, runtime */
	uint64_t	dev, ino;
	int64_t		lmid;
	/* link-map identity, to notice cheaply that nothing changed */
	uint64_t	node, l_name, l_ld;
	struct elf_table *tab;		/* NULL: no symbols */
};

struct dtproc_syms {
	pid_t		pid;
	uint64_t	generation;
	/* from /proc/PID/auxv; a change means the process exec'd */
	uint64_t	at_phdr, at_phnum, at_entry, at_base;
	uint64_t	exe_dev, exe_ino;
	uint64_t	r_debug;	/* 0: not found (yet) */
	int32_t		r_version;
	uint32_t	source;		/* DTPROC_SYMS_* */
	struct syms_obj	*objs;
	size_t		nobjs;
};

/* struct r_debug_extended as glibc >= 2.35 lays it out (r_next last). */
struct syms_r_debug {
	int32_t		r_version;
	uint64_t	r_map;
	uint64_t	r_brk;
	int32_t		r_state;
	uint64_t	r_ldbase;
	uint64_t	r_next;		/* only when r_version >= 2 */
};

/* rtld.c */
/* The live r_debug (the executable's DT_DEBUG), or 0 while ld.so has not set it. */
uint64_t syms_find_r_debug(struct dtproc_syms *s);
int syms_rtld_read(pid_t pid, uint64_t addr, struct syms_r_debug *rd);
int syms_read(pid_t pid, uint64_t addr, void *buf, size_t len);
int syms_read_auxv(struct dtproc_syms *s);
int syms_read_maps(pid_t pid, struct syms_map **maps, size_t *n);
void syms_free_maps(struct syms_map *maps, size_t n);
const struct syms_map *syms_find_map(const struct syms_map *maps, size_t n,
				     uint64_t addr);
/*
 * Read the object list again (auxv, r_debug's link maps, else the maps):
 * 1 if it changed (s->generation went up), 0 if not, or -errno.
 */
int syms_refresh_objects(struct dtproc_syms *s);
void syms_free_objs(struct syms_obj *objs, size_t n);

/* symtab.c */
struct elf_table *syms_table_get(pid_t pid, const struct syms_map *map);
void syms_table_put(struct elf_table *t);
/* The function covering ELF address @v: its name, st_value and size. */
const char *syms_table_addr(const struct elf_table *t, uint64_t v,
			    uint64_t *value, uint64_t *size, bool *ifunc);
size_t syms_table_count(const struct elf_table *t);
const char *syms_table_kind(const struct elf_table *t);
/*
 * @fn for each function whose name matches @pat (an fnmatch pattern), in
 * address order, once per address; a non-zero return stops and is returned.
 */
typedef int syms_match_fn(uint64_t value, uint64_t size, const char *name,
			  bool ifunc, void *arg);
int syms_table_match(const struct elf_table *t, const char *pat,
		     syms_match_fn *fn, void *arg);
/* Runtime-less address (st_value) of function @name, or 0. */
uint64_t syms_table_func(const struct elf_table *t, const char *name);
/* The table's PT_LOAD extent (ELF vaddrs), first PT_LOAD and entry. */
void syms_table_extent(const struct elf_table *t, uint64_t *lo, uint64_t *hi,
		       uint64_t *load0_vaddr, uint64_t *load0_off,
		       uint64_t *entry);

#endif /* DTPROC_SYMS_H */
