// SPDX-License-Identifier: GPL-2.0
/*
 * dtproc report tree: a session's create, exec, exec-success and exit
 * events fed to the process tree (tree.c), printed, and drawn (svg.c).
 *
 * The feed's exec-success carries no argv: a process's command line is
 * read from /proc/PID/cmdline when its exec-success arrives (it may be
 * gone by then: the path given to exec stands in, until a child's create
 * event shows the parent's psargs).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dtproc.h>

#include "cli.h"
#include "report.h"
#include "session.h"
#include "tree.h"

#define TREE_ARGS_MAX	4096

struct tree_state {
	struct ptree		*tree;
	const struct session_opts *o;
	int			err;
	uint64_t		lost;
};

/* "a b 'c d'": an argv as a shell would take it back (quoted if need be). */
static void tree_quote(char *out, size_t len, const char *arg, size_t *off)
{
	bool plain = *arg && !arg[strcspn(arg, " \t\n'\"\\$`&|;<>()*?[]#~")];
	const char *p;

	if (*off && *off + 1 < len)
		out[(*off)++] = ' ';
	if (plain) {
		*off += snprintf(out + *off, *off < len ? len - *off : 0, "%s", arg);
	} else {
		if (*off + 1 < len)
			out[(*off)++] = '\'';
		for (p = arg; *p && *off + 5 < len; p++) {
			if (*p == '\'') {
				memcpy(out + *off, "'\\''", 4);
				*off += 4;
			} else {
				out[(*off)++] = *p;
			}
		}
		if (*off + 1 < len)
			out[(*off)++] = '\'';
	}
	if (*off >= len)
		*off = len - 1;
	out[*off] = '\0';
}

/* /proc/PID/cmdline as one line; false if it cannot be read (or is empty). */
static bool tree_cmdline(pid_t pid, char *out, size_t len)
{
	char path[64], buf[TREE_ARGS_MAX];
	size_t off = 0, i;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	out[0] = '\0';
	for (i = 0; i < (size_t)n; i += strlen(buf + i) + 1)
		tree_quote(out, len, buf + i, &off);
	return off > 0;
}

/* When @pid started (ns, CLOCK_MONOTONIC), from /proc/PID/stat; 0 if unknown. */
static uint64_t tree_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ticks;
	struct timespec mono, boot;
	uint64_t since_boot, now_boot, now_mono;
	long hz = sysconf(_SC_CLK_TCK);
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || hz <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* comm may hold spaces */
	if (!p)
		return 0;
	/* starttime is field 22; p points at the end of field 2 */
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &ticks) != 1)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	since_boot = ticks * (1000000000ULL / hz);
	now_boot = (uint64_t)boot.tv_sec * 1000000000 + boot.tv_nsec;
	now_mono = (uint64_t)mono.tv_sec * 1000000000 + mono.tv_nsec;
	if (since_boot > now_boot || now_boot - since_boot > now_mono)
		return 0;
	return now_mono - (now_boot - since_boot);
}

static void tree_started(pid_t target, uint64_t now, void *arg)
{
	struct tree_state *st = arg;
	char args[TREE_ARGS_MAX];
	uint64_t start = 0;
	size_t off = 0;

	if (st->o->cmd) {
		char **w;

		for (w = st->o->argv; *w; w++)
			tree_quote(args, sizeof(args), *w, &off);
	} else {
		if (!tree_cmdline(target, args, sizeof(args)))
			snprintf(args, sizeof(args), "?");
		start = tree_start_time(target);
	}
	if (start && start < now)
		st->err = ptree_root(st->tree, target, start, true, args);
	else	/* -c: it started now (it was stopped until); -p: unknown */
		st->err = ptree_root(st->tree, target, now, !!st->o->cmd, args);
}

static int tree_event(const struct dtproc_event *ev, void *arg)
{
	struct tree_state *st = arg;
	char args[TREE_ARGS_MAX], psargs[DTPROC_PSARGS_LEN + 1];
	char path[DTPROC_PATH_LEN + 1];
	int err = 0;

	if (ev->kind == DTPROC_EVENT_DROP) {
		st->lost += ev->dropped;
		return 0;
	}
	switch (ev->probe) {
	case DTPROC_PROBE_CREATE:
		snprintf(psargs, sizeof(psargs), "%.*s", DTPROC_PSARGS_LEN,
			 ev->psinfo.pr_psargs);
		err = ptree_fork(st->tree, ev->ts, ev->pid, ev->psinfo.pr_pid,
				 psargs);
		break;
	case DTPROC_PROBE_EXEC:
		snprintf(path, sizeof(path), "%.*s", DTPROC_PATH_LEN, ev->path);
		err = ptree_exec(st->tree, ev->ts, ev->pid, ev->ppid, path);
		break;
	case DTPROC_PROBE_EXEC_SUCCESS:
		err = ptree_exec_success(st->tree, ev->ts, ev->pid, ev->ppid,
					 tree_cmdline(ev->pid, args, sizeof(args)) ?
					 args : NULL);
		break;
	case DTPROC_PROBE_EXIT:
		err = ptree_exit(st->tree, ev->ts, ev->pid, ev->ppid,
				 ev->exit_reason, ev->exit_status);
		break;
	}
	if (err) {
		st->err = err;
		return 1;
	}
	return 0;
}

int tree_report(struct session_opts *o, const char *svg)
{
	struct tree_state st = { .o = o };
	struct timespec now;
	FILE *svgf = NULL;
	int rc, err;

	if (!o->cmd && !o->pid)
		return usage_error("tree needs a command (-c CMD) or a process (-p PID)");
	st.tree = ptree_new();
	if (!st.tree)
		return fail("out of memory");
	/* open it now: a bad path must not cost a whole run */
	if (svg) {
		svgf = fopen(svg, "w");
		if (!svgf) {
			rc = fail("cannot write %s: %s (give --svg a writable path)",
				  svg, strerror(errno));
			ptree_free(st.tree);
			return rc;
		}
	}
	o->probes = (1U << DTPROC_PROBE_CREATE) | (1U << DTPROC_PROBE_EXEC) |
		    (1U << DTPROC_PROBE_EXEC_SUCCESS) | (1U << DTPROC_PROBE_EXIT);
	o->descendants = 1;
	o->started = tree_started;
	rc = session_run(o, tree_event, &st);
	clock_gettime(CLOCK_MONOTONIC, &now);
	ptree_end(st.tree, (uint64_t)now.tv_sec * 1000000000 + now.tv_nsec);

	err = 0;
	if (ptree_count(st.tree)) {
		err = ptree_print(st.tree, stdout);
		if (fflush(stdout) && !err)
			err = -errno;
		if (svgf && !err) {
			err = ptree_svg(st.tree, svgf);
			if (fclose(svgf) && !err)
				err = -errno;
			svgf = NULL;
			if (err)
				rc = fail("cannot write %s: %s", svg, strerror(-err));
			err = 0;
		}
	}
	if (svgf) {
		fclose(svgf);
		unlink(svg);	/* nothing to draw: leave no empty picture */
	}
	if (st.lost)
		fprintf(stderr, "%s: %llu events lost; the tree may miss processes (retry, or trace a smaller command)\n",
			progname, (unsigned long long)st.lost);
	if (st.err)
		rc = fail("%s; the tree is incomplete (free some memory and retry)",
			  strerror(-st.err));
	if (err)
		rc = fail("cannot print the tree: %s", strerror(-err));
	ptree_free(st.tree);
	return rc;
}
