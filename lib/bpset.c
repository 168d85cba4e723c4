// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdtproc: a breakpoint set (dtproc_bps_*; see dtproc.h): probes kept
 * armed in one victim as the dynamic linker loads objects.
 *
 * The set follows ld.so through its own breakpoint on r_brk
 * (_dl_debug_state), which ld.so calls with r_state RT_ADD or RT_DELETE
 * before it changes the link map and RT_CONSISTENT after.  While some
 * probe may still match an object not loaded yet, that breakpoint stops
 * the victim, so that the new object's breakpoints are armed before any
 * of its code runs; otherwise it only notifies, the note carrying r_state
 * (the 8 bytes at r_debug + 24), and the set refreshes its names.
 * Breakpoints are keyed by file (device, inode) and offset: the module
 * keeps one armed across dlclose/dlopen and exec, so the set adds it once.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syms.h"

#define RT_CONSISTENT		0
#define R_DEBUG_STATE_OFF	24	/* offsetof(struct r_debug, r_state) */

struct bps_probe {
	char		*text;		/* as given */
	char		*object;	/* its OBJECT pattern, or NULL: every object */
	unsigned int	action;
};

struct bps_entry {
	struct dtproc_bps_entry	pub;
	uint64_t		dev, ino, file_off;
};

struct dtproc_bps {
	struct dtproc_handle	*h;
	struct dtproc_syms	*s;
	struct bps_probe	*probes;
	size_t			nprobes;
	struct bps_entry	*e;
	size_t			n, cap;
	uint32_t		rtld_id;	/* 0: none (static program) */
	unsigned int		rtld_action;
	uint64_t		rtld_peek;
};

DTPROC_EXPORT struct dtproc_syms *dtproc_bps_syms(struct dtproc_bps *b)
{
	return b->s;
}

DTPROC_EXPORT size_t dtproc_bps_count(const struct dtproc_bps *b)
{
	return b->n;
}

DTPROC_EXPORT const struct dtproc_bps_entry *
dtproc_bps_entry(const struct dtproc_bps *b, size_t i)
{
	return i < b->n ? &b->e[i].pub : NULL;
}

DTPROC_EXPORT const struct dtproc_bps_entry *
dtproc_bps_find(const struct dtproc_bps *b, uint32_t id)
{
	size_t i;

	for (i = 0; id && i < b->n; i++)
		if (b->e[i].pub.id == id)
			return &b->e[i].pub;
	return NULL;
}

/* Is there a loaded object named by @pat? */
static bool bps_object_loaded(struct dtproc_bps *b, const char *pat)
{
	struct dtproc_object o;
	size_t i;

	for (i = 0; dtproc_syms_object(b->s, i, &o) == 0; i++)
		if (!fnmatch(pat, o.name, 0))
			return true;
	return false;
}

/* Has probe @i a breakpoint (the first 64 probes say)? */
static bool bps_probe_armed(const struct dtproc_bps *b, size_t i)
{
	size_t j;

	if (i >= 64)
		return false;
	for (j = 0; j < b->n; j++)
		if (b->e[j].pub.probes & (1ULL << i))
			return true;
	return false;
}

/*
 * Could an object not loaded yet add matches to probe @i?  One named by a
 * literal OBJECT cannot once armed: its breakpoints follow the file,
 * re-armed by the module whenever it is mapped again.
 */
static bool bps_may_grow(struct dtproc_bps *b, size_t i)
{
	const struct bps_probe *p = &b->probes[i];

	if (!p->object || strpbrk(p->object, "*?["))
		return true;
	return !bps_probe_armed(b, i) && !bps_object_loaded(b, p->object);
}

/* Is ld.so still to map the start-up objects (a process at its exec)? */
static bool bps_before_rtld(struct dtproc_bps *b)
{
	struct dtproc_rtld rt;

	return b->rtld_id && dtproc_syms_rtld(b->s, &rt) == 0 && !rt.r_debug;
}

static unsigned int bps_stronger(unsigned int a, unsigned int b)
{
	return a > b ? a : b;	/* COUNT < NOTIFY < STOP */
}

struct bps_arm {
	struct dtproc_bps	*b;
	unsigned int		action;
	size_t			probe;
	int			armed;	/* matches, new or not */
	int			err;
};

static int bps_arm_one(const struct dtproc_sym *sym, void *arg)
{
	struct bps_arm *a = arg;
	struct dtproc_bps *b = a->b;
	struct dtproc_mapping map;
	struct bps_entry *e;
	uint32_t id;
	size_t i;
	int ret;

	if (dtproc_syms_mapping(b->s, sym->addr, &map) < 0)
		return 0;	/* not in a file: nothing to arm */
	for (i = 0; i < b->n; i++) {
		e = &b->e[i];
		if (e->dev != map.dev || e->ino != map.ino ||
		    e->file_off != map.file_offset)
			continue;
		if (a->probe < 64)
			e->pub.probes |= 1ULL << a->probe;
		a->armed++;
		if (bps_stronger(e->pub.action, a->action) != e->pub.action) {
			ret = dtproc_bp_set(b->h, e->pub.id, a->action, 0);
			if (ret < 0)
				return a->err = ret;
			e->pub.action = a->action;
		}
		return 0;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 32;

		e = realloc(b->e, cap * sizeof(*e));
		if (!e)
			return a->err = dtproc_failx(ENOMEM, "failed to place a breakpoint: out of memory (free some, then retry)");
		b->e = e;
		b->cap = cap;
	}
	ret = dtproc_bp_add(b->h, sym->addr, a->action, 0, &id);
	if (ret == -EEXIST || ret == -EINVAL)
		return 0;	/* the set's rtld one, or unmapped since */
	if (ret < 0)
		return a->err = ret;
	e = &b->e[b->n];
	memset(e, 0, sizeof(*e));
	e->pub.id = id;
	e->pub.action = a->action;
	e->pub.object = strdup(sym->object ?: "?");
	e->pub.function = strdup(sym->function ?: "?");
	e->pub.offset = sym->offset;
	e->pub.addr = sym->addr;
	e->pub.probes = a->probe < 64 ? 1ULL << a->probe : 0;
	e->dev = map.dev;
	e->ino = map.ino;
	e->file_off = map.file_offset;
	if (!e->pub.object || !e->pub.function) {
		free((char *)e->pub.object);
		free((char *)e->pub.function);
		dtproc_bp_del(b->h, id);
		return a->err = dtproc_failx(ENOMEM, "failed to place a breakpoint: out of memory (free some, then retry)");
	}
	b->n++;
	a->armed++;
	return 0;
}

/*
 * Arm probe @i's matches in the objects loaded now: how many it has there
 * (new or already armed), or -ENOENT (none), or another -errno.
 */
static int bps_arm(struct dtproc_bps *b, size_t i)
{
	struct bps_arm a = { .b = b, .action = b->probes[i].action, .probe = i };
	int ret;

	ret = dtproc_syms_lookup(b->s, b->probes[i].text, bps_arm_one, &a);
	if (a.err)
		return a.err;
	return ret < 0 ? ret : a.armed;
}

/* The rtld breakpoint's action: STOP while a probe may grow. */
static int bps_rtld_update(struct dtproc_bps *b)
{
	unsigned int action = DTPROC_BP_NOTIFY;
	size_t i;
	int ret;

	if (!b->rtld_id)
		return 0;
	for (i = 0; i < b->nprobes; i++)
		if (bps_may_grow(b, i))
			action = DTPROC_BP_STOP;
	/* a NOTIFY one needs the peek at r_state, placed at add time */
	if (!b->rtld_peek)
		action = DTPROC_BP_STOP;
	if (action == b->rtld_action)
		return 0;
	ret = dtproc_bp_set(b->h, b->rtld_id, action, 0);
	if (ret == 0)
		b->rtld_action = action;
	return ret;
}

/* (Re)place the rtld breakpoint of the process as it is now. */
static int bps_rtld_place(struct dtproc_bps *b)
{
	struct dtproc_rtld rt;
	int ret;

	if (b->rtld_id)
		dtproc_bp_del(b->h, b->rtld_id);
	b->rtld_id = 0;
	b->rtld_peek = 0;
	ret = dtproc_syms_rtld(b->s, &rt);
	if (ret < 0)
		return ret;
	if (!rt.r_brk)
		return 0;	/* static: nothing loads */
	if (rt.r_debug)
		b->rtld_peek = rt.r_debug + R_DEBUG_STATE_OFF;
	b->rtld_action = b->rtld_peek ? DTPROC_BP_NOTIFY : DTPROC_BP_STOP;
	ret = dtproc_bp_add(b->h, rt.r_brk, b->rtld_action, b->rtld_peek,
			    &b->rtld_id);
	if (ret < 0)
		return ret;
	return bps_rtld_update(b);
}

DTPROC_EXPORT struct dtproc_bps *dtproc_bps_open(struct dtproc_handle *h)
{
	struct dtproc_bps *b = calloc(1, sizeof(*b));
	int ret;

	if (!b)
		return dtproc_failx_null(ENOMEM, "failed to set up breakpoints: out of memory (free some, then retry)");
	b->h = h;
	b->s = dtproc_syms_open(dtproc_handle_pid(h));
	if (!b->s) {
		free(b);
		return NULL;
	}
	ret = bps_rtld_place(b);
	if (ret < 0) {
		dtproc_bps_close(b);
		errno = -ret;
		return NULL;
	}
	return b;
}

DTPROC_EXPORT void dtproc_bps_close(struct dtproc_bps *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->n; i++) {
		dtproc_bp_del(b->h, b->e[i].pub.id);
		free((char *)b->e[i].pub.object);
		free((char *)b->e[i].pub.function);
	}
	if (b->rtld_id)
		dtproc_bp_del(b->h, b->rtld_id);
	for (i = 0; i < b->nprobes; i++) {
		free(b->probes[i].text);
		free(b->probes[i].object);
	}
	free(b->probes);
	free(b->e);
	dtproc_syms_close(b->s);
	free(b);
	dtproc_clear_error();
}

DTPROC_EXPORT int dtproc_bps_add(struct dtproc_bps *b, const char *probe,
				 unsigned int action)
{
	struct bps_probe *p;
	const char *tick;
	int ret, up;

	if (action < DTPROC_BP_COUNT || action > DTPROC_BP_STOP)
		return dtproc_failx(EINVAL, "dtproc_bps_add: action %u is not DTPROC_BP_COUNT, _NOTIFY or _STOP", action);
	p = realloc(b->probes, (b->nprobes + 1) * sizeof(*p));
	if (!p)
		return dtproc_failx(ENOMEM, "failed to add probe %s: out of memory (free some, then retry)", probe);
	b->probes = p;
	p = &b->probes[b->nprobes];
	memset(p, 0, sizeof(*p));
	p->action = action;
	p->text = strdup(probe);
	tick = strchr(probe, '`');
	if (tick)
		p->object = strndup(probe, tick - probe);
	if (!p->text || (tick && !p->object)) {
		free(p->text);
		free(p->object);
		return dtproc_failx(ENOMEM, "failed to add probe %s: out of memory (free some, then retry)", probe);
	}
	b->nprobes++;

	ret = bps_arm(b, b->nprobes - 1);
	if (ret == -ENOENT) {
		/*
		 * Nothing now: fine if an object loaded later could match (no
		 * OBJECT, or one not loaded); not if OBJECT is loaded and has
		 * no such function.
		 */
		if (!bps_before_rtld(b) && p->object &&
		    !strpbrk(p->object, "*?[") && bps_object_loaded(b, p->object)) {
			ret = dtproc_failx(ENOENT, "%s has no function matching '%s' (list them with nm)",
					   p->object, tick + 1);
			goto drop;
		}
		dtproc_clear_error();
		ret = 0;
	}
	if (ret < 0)
		goto drop;
	up = bps_rtld_update(b);
	return up < 0 ? up : ret;
drop:
	b->nprobes--;
	free(p->text);
	free(p->object);
	return ret;
}

DTPROC_EXPORT int dtproc_bps_update(struct dtproc_bps *b)
{
	struct dtproc_breakpoint *bps;
	int n, i;
	size_t j;

	n = dtproc_bp_list(b->h, NULL, 0, 0);
	if (n <= 0)
		return n;
	bps = calloc(n, sizeof(*bps));
	if (!bps)
		return dtproc_failx(ENOMEM, "failed to read the hit counts: out of memory (free some, then retry)");
	n = dtproc_bp_list(b->h, bps, n, sizeof(*bps));
	for (i = 0; i < n; i++)
		for (j = 0; j < b->n; j++)
			if (b->e[j].pub.id == bps[i].id)
				b->e[j].pub.hits = bps[i].hits;
	free(bps);
	return n < 0 ? n : 0;
}

/* At RT_CONSISTENT: read the objects again, arm what just loaded. */
static int bps_loaded(struct dtproc_bps *b)
{
	size_t i;
	int ret;

	ret = dtproc_syms_refresh(b->s);
	if (ret <= 0)
		return ret;	/* nothing new, or -EAGAIN: the next one */
	for (i = 0; i < b->nprobes; i++) {
		ret = bps_arm(b, i);
		if (ret < 0 && ret != -ENOENT)
			return ret;
	}
	return bps_rtld_update(b);
}

DTPROC_EXPORT int dtproc_bps_note(struct dtproc_bps *b,
				  const struct dtproc_note *note)
{
	struct dtproc_stopinfo si = { .size = sizeof(si) };
	struct dtproc_rtld rt;
	bool consistent;
	int ret;

	if (note->pid != dtproc_handle_pid(b->h))
		return 0;
	if (note->what == DTPROC_NOTE_EXEC) {
		/* a new image: its r_debug is elsewhere (ld.so's r_brk re-arms) */
		ret = dtproc_syms_refresh(b->s);
		if (ret < 0)
			return ret;
		ret = bps_rtld_place(b);
		return ret < 0 ? ret : 0;
	}
	if (note->what != DTPROC_NOTE_BREAK || !b->rtld_id ||
	    note->bp_id != b->rtld_id)
		return 0;
	if (b->rtld_action != DTPROC_BP_STOP) {
		/* r_state, read at the hit (little-endian int first) */
		consistent = (int32_t)(note->value & 0xffffffff) == RT_CONSISTENT;
		ret = consistent ? bps_loaded(b) : 0;
		return ret < 0 ? ret : 1;
	}
	/*
	 * The hit's stop: settling (wait for it), settled, or already over
	 * (another thread's hit at the same time made one stop of both, and
	 * its note was handled first: do not wait for a stop to come).
	 */
	ret = dtproc_stop_info(b->h, &si, 0);
	if (ret == 0 && si.state == DTPROC_STATE_STOPPING)
		ret = dtproc_stop_info(b->h, &si, DTPROC_STATUS_WAIT);
	if (ret < 0)
		return ret;
	if (si.state == DTPROC_STATE_DEAD || si.state == DTPROC_STATE_LOST)
		return 1;	/* gone: nothing to arm */
	ret = dtproc_syms_rtld(b->s, &rt);
	consistent = ret == 0 && rt.r_debug && rt.r_state == RT_CONSISTENT;
	if (consistent) {
		ret = bps_loaded(b);
		/* the first time r_debug is known: NOTIFY may do from now on */
		if (ret >= 0 && !b->rtld_peek && rt.r_debug)
			ret = bps_rtld_place(b);	/* with the peek */
	} else {
		ret = 0;
	}
	if (si.state == DTPROC_STATE_STOPPED && si.why == DTPROC_STOP_BREAK &&
	    si.bp_id == note->bp_id) {
		int c = dtproc_continue(b->h);

		if (ret >= 0 && c < 0)
			ret = c;
	}
	return ret < 0 ? ret : 1;
}
