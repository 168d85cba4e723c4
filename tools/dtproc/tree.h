/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dtproc CLI: "dtproc report tree", the process tree of a command (or of a
 * process's descendants) as it ran, from the proc provider's create, exec,
 * exec-success and exit events.  The model knows nothing of libdtproc's
 * types, so that a fixed sequence of events can drive it in a unit test.
 */
#ifndef DTPROC_TREE_H
#define DTPROC_TREE_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct ptree;

struct ptree *ptree_new(void);
void ptree_free(struct ptree *t);

/*
 * The traced process, running @args (its argv, joined by spaces), started
 * at @ts (ns) or, if !@start_known, before that.  Events of processes not
 * in the tree are ignored, but for a fork by one that is.
 */
int ptree_root(struct ptree *t, pid_t pid, uint64_t ts, int start_known,
	       const char *args);

/* proc:::create: @parent forked @child, a copy of @parent_args (may be ""). */
int ptree_fork(struct ptree *t, uint64_t ts, pid_t parent, pid_t child,
	       const char *parent_args);
/*
 * The events below fire in process @pid whose parent is @ppid: a process
 * not seen before (it was running before the session) is added under
 * @ppid if that one is known.
 */
/* proc:::exec: @pid is about to exec @path. */
int ptree_exec(struct ptree *t, uint64_t ts, pid_t pid, pid_t ppid,
	       const char *path);
/*
 * proc:::exec-success: @pid now runs @args (its argv if known, else NULL:
 * the path given to exec stands for it; "/proc/self/exe", as busybox
 * re-executes itself, for the program it ran before).
 */
int ptree_exec_success(struct ptree *t, uint64_t ts, pid_t pid, pid_t ppid,
		       const char *args);
/* proc:::exit: @reason DTPROC_CLD_* (1 exited, 2 killed, 3 dumped), @status. */
int ptree_exit(struct ptree *t, uint64_t ts, pid_t pid, pid_t ppid,
	       int reason, int status);
/* The session ended at @ts: processes not yet exited are drawn running. */
void ptree_end(struct ptree *t, uint64_t ts);

/* Processes known so far. */
size_t ptree_count(const struct ptree *t);

enum ptree_end {
	PTREE_RUNNING,		/* no exit seen before the session ended */
	PTREE_EXIT_OK,		/* exit status 0 */
	PTREE_EXIT_ERR,		/* exit status other than 0 */
	PTREE_KILLED,		/* killed by a signal (or dumped core) */
};

/* One process, as drawn: ptree_rows() lists them parent first, depth first. */
struct ptree_row {
	pid_t		pid;
	unsigned int	depth;		/* 0 for the root */
	size_t		parent;		/* its parent's row, or (size_t)-1 */
	int		last;		/* the last child of its parent */
	const char	*label;		/* its images: "sh -c x -> make -j2" */
	uint64_t	start, end;	/* ns; end: its exit or the session's */
	int		start_known;	/* started in the session (not before) */
	enum ptree_end	how;
	int		status;		/* exit status, or the signal */
	int		core;		/* dumped core */
};

/* The rows (free() them), @n of them; the session's first and last ns. */
struct ptree_row *ptree_rows(const struct ptree *t, size_t *n,
			     uint64_t *t0, uint64_t *t1);

/* "exit 0", "exit 2", "SIGKILL", "SIGSEGV (core)", "running" */
void ptree_row_status(const struct ptree_row *r, char *buf, size_t len);

/* One line per process, indented by parent; then a summary line. */
int ptree_print(const struct ptree *t, FILE *f);

/* The same as a timeline picture, SVG (svg.c). */
int ptree_svg(const struct ptree *t, FILE *f);

/* Layout of the SVG, for the test that renders it. */
#define PTREE_SVG_WIDTH		1000	/* px */
#define PTREE_SVG_LABEL_W	330	/* the left column of labels */
#define PTREE_SVG_TOP		64	/* the first row's top */
#define PTREE_SVG_ROW		24	/* row pitch */
#define PTREE_SVG_BAR		16	/* bar height */

/* Bar fills, by how the process ended. */
#define PTREE_SVG_OK		"#3a9b5c"	/* exit 0 */
#define PTREE_SVG_ERR		"#e08a1e"	/* exit status != 0 */
#define PTREE_SVG_SIG		"#d0413c"	/* killed by a signal */
#define PTREE_SVG_RUN		"#8f9bb0"	/* still running at the end */

#endif /* DTPROC_TREE_H */
