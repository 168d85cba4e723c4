// SPDX-License-Identifier: GPL-2.0
/*
 * dtproc CLI: the process tree of "dtproc report tree" (see tree.h).
 *
 * Each process is a node, kept in creation order; its parent is the
 * process that forked it (even if it was later reparented).  A pid is
 * looked up among the live processes only, so a reused pid makes a new
 * node.  A process's label is the chain of images it ran: what it exec'd,
 * in order, or "NAME (fork)" if it never exec'd.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"

#define NONE	((size_t)-1)

struct pnode {
	pid_t		pid;
	uint64_t	start, end;
	bool		start_known;
	bool		exited;
	int		reason, status;
	char		*label;		/* images so far, " -> " between */
	bool		execd;		/* label holds exec'd images */
	bool		path_only;	/* the last image is the exec path only */
	char		*path;		/* exec's path, until exec-success */
	size_t		parent, first_child, last_child, next;
};

struct ptree {
	struct pnode	*n;
	size_t		count, cap;
	size_t		*live;		/* nodes not exited */
	size_t		nlive, livecap;
	uint64_t	t0, t1;		/* first and last ns seen */
	uint64_t	end;		/* the session's end, or 0 */
};

struct ptree *ptree_new(void)
{
	return calloc(1, sizeof(struct ptree));
}

void ptree_free(struct ptree *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->count; i++) {
		free(t->n[i].label);
		free(t->n[i].path);
	}
	free(t->n);
	free(t->live);
	free(t);
}

size_t ptree_count(const struct ptree *t)
{
	return t->count;
}

static void ptree_seen(struct ptree *t, uint64_t ts)
{
	if (!t->t0 || ts < t->t0)
		t->t0 = ts;
	if (ts > t->t1)
		t->t1 = ts;
}

static size_t ptree_find(const struct ptree *t, pid_t pid)
{
	size_t i;

	for (i = t->nlive; i-- > 0;)
		if (t->n[t->live[i]].pid == pid)
			return t->live[i];
	return NONE;
}

/* A new live node under @parent (NONE for a root); its index, or NONE. */
static size_t ptree_add(struct ptree *t, pid_t pid, uint64_t ts,
			bool start_known, size_t parent)
{
	struct pnode *n;
	size_t i;

	if (t->count == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;

		n = realloc(t->n, cap * sizeof(*n));
		if (!n)
			return NONE;
		t->n = n;
		t->cap = cap;
	}
	if (t->nlive == t->livecap) {
		size_t cap = t->livecap ? 2 * t->livecap : 16;
		size_t *live = realloc(t->live, cap * sizeof(*live));

		if (!live)
			return NONE;
		t->live = live;
		t->livecap = cap;
	}
	i = t->count++;
	n = &t->n[i];
	*n = (struct pnode){
		.pid = pid, .start = ts, .start_known = start_known,
		.parent = parent, .first_child = NONE, .last_child = NONE,
		.next = NONE,
	};
	if (parent != NONE) {
		struct pnode *p = &t->n[parent];

		if (p->last_child != NONE)
			t->n[p->last_child].next = i;
		else
			p->first_child = i;
		p->last_child = i;
	}
	t->live[t->nlive++] = i;
	ptree_seen(t, ts);
	return i;
}

/* Append image @img to the label (replacing a fork's borrowed one). */
static int ptree_image(struct pnode *n, const char *img, bool path_only)
{
	char *label;

	if (n->execd && n->label) {
		if (asprintf(&label, "%s -> %s", n->label, img) < 0)
			return -ENOMEM;
	} else {
		label = strdup(img);
		if (!label)
			return -ENOMEM;
	}
	free(n->label);
	n->label = label;
	n->execd = true;
	n->path_only = path_only;
	return 0;
}

/* Replace the last image of @n's label with @img. */
static int ptree_fix_image(struct pnode *n, const char *img)
{
	char *arrow = NULL, *p, *label;

	for (p = n->label; (p = strstr(p, " -> ")); p += 4)
		arrow = p;
	if (asprintf(&label, "%.*s%s", arrow ? (int)(arrow - n->label + 4) : 0,
		     n->label, img) < 0)
		return -ENOMEM;
	free(n->label);
	n->label = label;
	n->path_only = false;
	return 0;
}

int ptree_root(struct ptree *t, pid_t pid, uint64_t ts, int start_known,
	       const char *args)
{
	size_t i = ptree_add(t, pid, ts, start_known, NONE);

	if (i == NONE)
		return -ENOMEM;
	return ptree_image(&t->n[i], args, false);
}

/* The process an event fired in: known, or added under a known @ppid. */
static size_t ptree_lookup(struct ptree *t, pid_t pid, pid_t ppid)
{
	size_t i = ptree_find(t, pid), parent;

	if (i != NONE)
		return i;
	parent = ptree_find(t, ppid);
	if (parent == NONE)
		return NONE;
	/* running before we looked: it started no later than its parent did */
	return ptree_add(t, pid, t->n[parent].start, false, parent);
}

/*
 * The program of @n's current image: the first word after the last " -> ",
 * without its directory.
 */
static const char *ptree_program(const struct pnode *n, size_t *len)
{
	const char *name = n->label ?: "?", *q;
	size_t i;

	for (q = name; (q = strstr(q, " -> ")); q += 4)
		name = q + 4;
	*len = strcspn(name, " ");
	for (i = *len; i > 0; i--) {
		if (name[i - 1] == '/' && i < *len) {
			*len -= i;
			return name + i;
		}
	}
	return name;
}

int ptree_fork(struct ptree *t, uint64_t ts, pid_t parent, pid_t child,
	       const char *parent_args)
{
	size_t p = ptree_find(t, parent), c;
	const char *name;
	char *label;
	size_t len;

	ptree_seen(t, ts);
	if (p == NONE)
		return 0;
	/* the child's psargs are its parent's argv: fill in a bare path */
	if (parent_args && *parent_args && t->n[p].path_only) {
		if (ptree_fix_image(&t->n[p], parent_args))
			return -ENOMEM;
	}
	c = ptree_add(t, child, ts, true, p);
	if (c == NONE)
		return -ENOMEM;
	/* "sh (fork)": the program of the parent's current image */
	name = ptree_program(&t->n[p], &len);
	if (asprintf(&label, "%.*s (fork)", (int)len, name) < 0)
		return -ENOMEM;
	t->n[c].label = label;
	return 0;
}

int ptree_exec(struct ptree *t, uint64_t ts, pid_t pid, pid_t ppid,
	       const char *path)
{
	size_t i = ptree_lookup(t, pid, ppid);
	char *copy;

	ptree_seen(t, ts);
	if (i == NONE)
		return 0;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	free(t->n[i].path);
	t->n[i].path = copy;
	return 0;
}

int ptree_exec_success(struct ptree *t, uint64_t ts, pid_t pid, pid_t ppid,
		       const char *args)
{
	size_t i = ptree_lookup(t, pid, ppid);
	struct pnode *n;
	int ret;

	ptree_seen(t, ts);
	if (i == NONE)
		return 0;
	n = &t->n[i];
	if (args && *args) {
		ret = ptree_image(n, args, false);
	} else if (n->path && !strcmp(n->path, "/proc/self/exe") && n->label) {
		char *img;
		size_t len;
		const char *prog = ptree_program(n, &len);

		if (asprintf(&img, "%.*s (re-exec)", (int)len, prog) < 0)
			return -ENOMEM;
		ret = ptree_image(n, img, true);
		free(img);
	} else {
		ret = ptree_image(n, n->path ?: "?", true);
	}
	free(n->path);
	n->path = NULL;
	return ret;
}

int ptree_exit(struct ptree *t, uint64_t ts, pid_t pid, pid_t ppid,
	       int reason, int status)
{
	size_t i = ptree_lookup(t, pid, ppid), k;
	struct pnode *n;

	ptree_seen(t, ts);
	if (i == NONE)
		return 0;
	n = &t->n[i];
	if (!n->label) {
		n->label = strdup("?");
		if (!n->label)
			return -ENOMEM;
	}
	n->exited = true;
	n->end = ts;
	n->reason = reason;
	n->status = status;
	for (k = 0; k < t->nlive; k++) {
		if (t->live[k] == i) {
			t->live[k] = t->live[--t->nlive];
			break;
		}
	}
	return 0;
}

void ptree_end(struct ptree *t, uint64_t ts)
{
	t->end = ts;
	/* the picture reaches the end only if something ran until it */
	if (t->nlive)
		ptree_seen(t, ts);
}

struct ptree_walk {
	const struct ptree	*t;
	struct ptree_row	*rows;
	size_t			n;
};

static void ptree_walk(struct ptree_walk *w, size_t i, unsigned int depth,
		       size_t parent_row)
{
	const struct pnode *n = &w->t->n[i];
	struct ptree_row *r = &w->rows[w->n];
	size_t row = w->n++, c;

	*r = (struct ptree_row){
		.pid = n->pid, .depth = depth, .parent = parent_row,
		.last = n->next == NONE, .label = n->label ?: "?",
		.start = n->start,
		.end = n->exited ? n->end : w->t->end ?: w->t->t1,
		.start_known = n->start_known, .status = n->status,
	};
	if (!n->exited)
		r->how = PTREE_RUNNING;
	else if (n->reason == 1)
		r->how = n->status ? PTREE_EXIT_ERR : PTREE_EXIT_OK;
	else
		r->how = PTREE_KILLED;
	r->core = n->exited && n->reason == 3;
	for (c = n->first_child; c != NONE; c = w->t->n[c].next)
		ptree_walk(w, c, depth + 1, row);
}

struct ptree_row *ptree_rows(const struct ptree *t, size_t *n,
			     uint64_t *t0, uint64_t *t1)
{
	struct ptree_walk w = { .t = t };
	size_t i;

	w.rows = calloc(t->count ? t->count : 1, sizeof(*w.rows));
	if (!w.rows)
		return NULL;
	for (i = 0; i < t->count; i++)
		if (t->n[i].parent == NONE)
			ptree_walk(&w, i, 0, NONE);
	*n = w.n;
	*t0 = t->t0;
	*t1 = t->t1;
	return w.rows;
}

void ptree_row_status(const struct ptree_row *r, char *buf, size_t len)
{
	const char *sig;

	switch (r->how) {
	case PTREE_RUNNING:
		snprintf(buf, len, "running");
		break;
	case PTREE_EXIT_OK:
	case PTREE_EXIT_ERR:
		snprintf(buf, len, "exit %d", r->status);
		break;
	case PTREE_KILLED:
		sig = sigabbrev_np(r->status);
		if (sig)
			snprintf(buf, len, "SIG%s%s", sig, r->core ? " (core)" : "");
		else
			snprintf(buf, len, "signal %d%s", r->status,
				 r->core ? " (core)" : "");
		break;
	}
}

/* "|  |  `- ": the branches of @r's ancestors, then its own. */
static void ptree_prefix(const struct ptree_row *rows, size_t i, char *buf,
			 size_t len)
{
	unsigned int d = rows[i].depth, k;
	size_t r = i;

	if (!d || len < 3 * d + 1) {
		buf[0] = '\0';
		return;
	}
	buf[3 * d] = '\0';
	memcpy(buf + 3 * (d - 1), rows[i].last ? "`- " : "|- ", 3);
	for (k = d - 1; k > 0; k--) {
		r = rows[r].parent;
		memcpy(buf + 3 * (k - 1), rows[r].last ? "   " : "|  ", 3);
	}
}

/* How many rows run at once at the most (at some row's start). */
static size_t ptree_most_at_once(const struct ptree_row *rows, size_t n)
{
	size_t most = 0, at_once, i, k;

	for (i = 0; i < n; i++) {
		at_once = 0;
		for (k = 0; k < n; k++)
			if (rows[k].start <= rows[i].start &&
			    rows[k].end > rows[i].start)
				at_once++;
		if (at_once > most)
			most = at_once;
	}
	return most;
}

int ptree_print(const struct ptree *t, FILE *f)
{
	char status[32], prefix[3 * 32 + 1], wall[32];
	struct ptree_row *rows;
	size_t n, i, longest = 0;
	uint64_t t0, t1;

	rows = ptree_rows(t, &n, &t0, &t1);
	if (!rows)
		return -ENOMEM;
	fprintf(f, "%7s  %-15s %9s  %s\n", "PID", "STATUS", "WALL", "COMMAND");
	for (i = 0; i < n; i++) {
		const struct ptree_row *r = &rows[i];

		ptree_row_status(r, status, sizeof(status));
		if (r->depth < 32)
			ptree_prefix(rows, i, prefix, sizeof(prefix));
		else
			snprintf(prefix, sizeof(prefix), "[depth %u] ", r->depth);
		/* ">": it started before the trace, so it ran longer */
		snprintf(wall, sizeof(wall), "%s%.3fs", r->start_known ? "" : ">",
			 (r->end - r->start) / 1e9);
		fprintf(f, "%7d  %-15s %9s  %s%s\n", r->pid, status, wall,
			prefix, r->label);
		if (i && r->end - r->start >= rows[longest].end - rows[longest].start)
			longest = i;
		if (i == 1)
			longest = 1;
	}
	/* what make -j raises: how parallel was it, what held it up */
	if (n > 1)
		fprintf(f, "%zu processes in %.3fs, at most %zu at once; the longest under the first: %d %s (%.3fs)\n",
			n, (t1 - t0) / 1e9, ptree_most_at_once(rows, n),
			rows[longest].pid, rows[longest].label,
			(rows[longest].end - rows[longest].start) / 1e9);
	free(rows);
	return ferror(f) ? -EIO : 0;
}
