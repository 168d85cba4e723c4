// SPDX-License-Identifier: GPL-2.0
/*
 * dtproc report: the four D examples of the DTrace guide's proc provider
 * chapter, built in.  Each report keeps D's self-> variables in an idmap,
 * aggregates into a struct agg and prints what the D script prints:
 *
 *   whoexec   who executes what:    proc:::exec, exec-success, exec-failure
 *   progtime  process lifetimes:    proc:::start, exit
 *   lwptime   thread lifetimes:     proc:::lwp-start, lwp-exit
 *   sig       who signals whom:     proc:::signal-send
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dtproc.h>

#include "aggregate.h"
#include "cli.h"
#include "report.h"
#include "session.h"
#include "tree.h"

struct report_state;

struct report {
	const char	*name;
	const char	*help;
	uint32_t	probes;
	enum agg_kind	kind;
	unsigned int	nkeys;
	int		(*event)(struct report_state *st,
				 const struct dtproc_event *ev);
	int		(*print)(struct report_state *st, FILE *fp);
};

struct report_state {
	const struct report	*r;
	struct agg		*agg;
	struct idmap		*self;	/* self->parent or self->start */
	uint64_t		lost;
	bool			seen;	/* the session delivered something */
	int			err;	/* first failure of an event handler */
};

#define PROBE(p)	(1U << DTPROC_PROBE_##p)

/* A string of the event, which may fill its array without a NUL. */
#define EV_STR(buf, arr) ev_str(buf, sizeof(buf), arr, sizeof(arr))

static const char *ev_str(char *buf, size_t size, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (n >= size)
		n = size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

/*
 * whoexec.d:
 *	proc:::exec { self->parent = execname; }
 *	proc:::exec-success /self->parent != NULL/
 *	{ @[self->parent, execname] = count(); self->parent = NULL; }
 *	proc:::exec-failure /self->parent != NULL/ { self->parent = NULL; }
 *
 * Keyed by pid, not tid: on Linux a thread other than the first that execs
 * successfully takes the pid as its tid.
 */
static int whoexec_event(struct report_state *st, const struct dtproc_event *ev)
{
	char execname[DTPROC_FNAME_LEN + 1];
	const char *parent;
	struct agg_key keys[2];
	int err;

	switch (ev->probe) {
	case DTPROC_PROBE_EXEC:
		return idmap_set(st->self, ev->pid, 0,
				 EV_STR(execname, ev->execname));
	case DTPROC_PROBE_EXEC_SUCCESS:
		if (!idmap_get(st->self, ev->pid, NULL, &parent))
			return 0;
		keys[0] = (struct agg_key){ .str = parent };
		keys[1] = (struct agg_key){ .str = EV_STR(execname, ev->execname) };
		err = agg_count(st->agg, keys);
		idmap_del(st->self, ev->pid);
		return err;
	case DTPROC_PROBE_EXEC_FAILURE:
		idmap_del(st->self, ev->pid);
		return 0;
	}
	return 0;
}

/*
 *	END {
 *		printf("%-20s %-20s %s\n", "WHO", "WHAT", "COUNT");
 *		printa("%-20s %-20s %@d\n", @);
 *	}
 */
static int whoexec_print(struct report_state *st, FILE *fp)
{
	fprintf(fp, "%-20s %-20s %s\n", "WHO", "WHAT", "COUNT");
	return agg_printa(st->agg, fp, "%-20s %-20s %@d\n");
}

/* @[execname] = quantize(timestamp - self->start); self->start = 0; */
static int quantize_since(struct report_state *st,
			  const struct dtproc_event *ev, int64_t id)
{
	char execname[DTPROC_FNAME_LEN + 1];
	struct agg_key key;
	uint64_t start;
	int err;

	if (!idmap_get(st->self, id, &start, NULL))
		return 0;
	key = (struct agg_key){ .str = EV_STR(execname, ev->execname) };
	err = agg_quantize(st->agg, &key, (int64_t)(ev->ts - start));
	idmap_del(st->self, id);
	return err;
}

/*
 * progtime.d:
 *	proc:::start { self->start = timestamp; }
 *	proc:::exit /self->start/
 *	{ @[execname] = quantize(timestamp - self->start); self->start = 0; }
 *
 * start fires in the new process and exit in the process that ends, so
 * the start time is kept per process.
 */
static int progtime_event(struct report_state *st,
			  const struct dtproc_event *ev)
{
	switch (ev->probe) {
	case DTPROC_PROBE_START:
		return idmap_set(st->self, ev->pid, ev->ts, NULL);
	case DTPROC_PROBE_EXIT:
		return quantize_since(st, ev, ev->pid);
	}
	return 0;
}

/*
 * lwptime.d:
 *	proc:::lwp-start /tid != 1/ { self->start = timestamp; }
 *	proc:::lwp-exit /self->start/
 *	{ @[execname] = quantize(timestamp - self->start); self->start = 0; }
 *
 * Solaris numbers a process's first thread 1; on Linux its tid is the pid.
 */
static int lwptime_event(struct report_state *st,
			 const struct dtproc_event *ev)
{
	switch (ev->probe) {
	case DTPROC_PROBE_LWP_START:
		if (ev->tid == ev->pid)
			return 0;
		return idmap_set(st->self, ev->tid, ev->ts, NULL);
	case DTPROC_PROBE_LWP_EXIT:
		return quantize_since(st, ev, ev->tid);
	}
	return 0;
}

/* The default output of dtrace(1M) for a quantize() aggregation. */
static int quantize_print(struct report_state *st, FILE *fp)
{
	return agg_print(st->agg, fp);
}

/*
 * sig.d:
 *	proc:::signal-send
 *	{ @[execname, stringof(args[1]->pr_fname), args[2]] = count(); }
 */
static int sig_event(struct report_state *st, const struct dtproc_event *ev)
{
	char execname[DTPROC_FNAME_LEN + 1], fname[DTPROC_FNAME_LEN + 1];
	struct agg_key keys[3];

	if (ev->probe != DTPROC_PROBE_SIGNAL_SEND)
		return 0;
	keys[0] = (struct agg_key){ .str = EV_STR(execname, ev->execname) };
	keys[1] = (struct agg_key){ .str = EV_STR(fname, ev->psinfo.pr_fname) };
	keys[2] = (struct agg_key){ .num = ev->signo };
	return agg_count(st->agg, keys);
}

/*
 *	END {
 *		printf("%20s %20s %12s %s\n",
 *		    "SENDER", "RECIPIENT", "SIG", "COUNT");
 *		printa("%20s %20s %12d %@d\n", @);
 *	}
 */
static int sig_print(struct report_state *st, FILE *fp)
{
	fprintf(fp, "%20s %20s %12s %s\n", "SENDER", "RECIPIENT", "SIG",
		"COUNT");
	return agg_printa(st->agg, fp, "%20s %20s %12d %@d\n");
}

static const struct report reports[] = {
	{
		.name	= "whoexec",
		.help	= "who executes what (exec, exec-success)",
		.probes	= PROBE(EXEC) | PROBE(EXEC_SUCCESS) |
			  PROBE(EXEC_FAILURE),
		.kind	= AGG_COUNT,
		.nkeys	= 2,
		.event	= whoexec_event,
		.print	= whoexec_print,
	},
	{
		.name	= "progtime",
		.help	= "process lifetimes in ns, per program (start, exit)",
		.probes	= PROBE(START) | PROBE(EXIT),
		.kind	= AGG_QUANTIZE,
		.nkeys	= 1,
		.event	= progtime_event,
		.print	= quantize_print,
	},
	{
		.name	= "lwptime",
		.help	= "thread lifetimes in ns, per program (lwp-start, lwp-exit)",
		.probes	= PROBE(LWP_START) | PROBE(LWP_EXIT),
		.kind	= AGG_QUANTIZE,
		.nkeys	= 1,
		.event	= lwptime_event,
		.print	= quantize_print,
	},
	{
		.name	= "sig",
		.help	= "signals by sender, recipient and number (signal-send)",
		.probes	= PROBE(SIGNAL_SEND),
		.kind	= AGG_COUNT,
		.nkeys	= 3,
		.event	= sig_event,
		.print	= sig_print,
	},
};

#define NREPORTS	(sizeof(reports) / sizeof(reports[0]))

static int report_event(const struct dtproc_event *ev, void *arg)
{
	struct report_state *st = arg;
	int err;

	st->seen = true;
	if (ev->kind == DTPROC_EVENT_DROP) {
		st->lost += ev->dropped;
		return 0;
	}
	err = st->r->event(st, ev);
	if (err) {
		st->err = err;
		return 1;	/* end the session */
	}
	return 0;
}

static const struct cli_opt report_opts[] = {
	SESSION_OPTS,
	{ 's', "svg", "FILE", "tree: draw it as a timeline, SVG, in FILE",
	  "--svg tree.svg" },
	CLI_OPT_HELP,
	{ 0 }
};

static const struct cli_cmd report_cmd = {
	.name	= "report",
	.usage	= "tree (-c CMD | -p PID) [-T SECONDS] [--svg FILE]\n"
		  "whoexec|progtime|lwptime|sig [-c CMD | -p PID] [-T SECONDS]",
	.about	= "Trace, then report:\n"
		  "  tree      the processes CMD started (or PID's descendants) as they ran:\n"
		  "            pid, exit status or signal, wall time, what each exec'd\n"
		  "  whoexec   who executes what (the DTrace guide's whoexec.d)\n"
		  "  progtime  process lifetimes in ns, per program (progtime.d)\n"
		  "  lwptime   thread lifetimes in ns, per program (lwptime.d)\n"
		  "  sig       signals by sender, recipient and number (sig.d)\n"
		  "With -c the report ends when CMD exits, with -p when PID does;\n"
		  "otherwise (not for tree) every process is traced until -T or ^C.\n"
		  "Needs root and dtproc.ko.\n",
	.opts	= report_opts,
	.after	= "Examples:\n"
		  "  dtproc report tree -c 'make -j4' --svg make.svg\n"
		  "  dtproc report whoexec -T 10\n\n"
		  CLI_EXIT_HELP,
};

int cmd_report(int argc, char **argv)
{
	struct session_opts opts = { 0 };
	struct report_state st = { 0 };
	const struct report *r = NULL;
	const char *name, *svg = NULL;
	struct cli_parser p;
	int c, rc, err;
	size_t k;

	cli_parser_init(&p, &report_cmd, argc, argv);
	while ((c = cli_next(&p)) != -1) {
		switch (c) {
		case 'h':
			cli_help(&report_cmd, stdout);
			return CLI_EXIT_OK;
		case 'c':
		case 'p':
		case 'T':
			rc = session_opt(&opts, c, p.arg);
			if (rc)
				return rc;
			break;
		case 's':
			svg = p.arg;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_optind() == argc)
		return usage_error("which report? tree, whoexec, progtime, lwptime or sig");
	name = argv[cli_optind()];
	if (cli_optind() + 1 < argc)
		return usage_error("name one report, not also '%s'",
				   argv[cli_optind() + 1]);
	if (!strcmp(name, "tree"))
		return tree_report(&opts, svg);
	for (k = 0; k < NREPORTS; k++)
		if (!strcmp(name, reports[k].name))
			r = &reports[k];
	if (!r)
		return usage_error("no report '%s': tree, whoexec, progtime, lwptime or sig",
				   name);
	if (svg)
		return usage_error("--svg draws 'report tree' only");

	st.r = r;
	st.agg = agg_new(r->kind, r->nkeys);
	st.self = idmap_new();
	if (!st.agg || !st.self) {
		agg_free(st.agg);
		idmap_free(st.self);
		return fail("out of memory");
	}

	opts.probes = r->probes;
	rc = session_run(&opts, report_event, &st);

	/*
	 * Like dtrace(1M), print what was gathered however the session ended
	 * (with -c, rc is the command's status), but not after a session that
	 * failed before delivering anything.
	 */
	err = 0;
	if (!rc || st.seen || opts.cmd) {
		err = r->print(&st, stdout);
		if ((fflush(stdout) || ferror(stdout)) && !err)
			err = errno ? -errno : -EIO;
	}
	if (st.lost)
		fprintf(stderr, "%s: %" PRIu64 " events lost; the report misses them (trace a shorter time, or fewer processes)\n",
			progname, st.lost);
	if (st.err)
		rc = fail("%s; the report is incomplete (free some memory and retry)",
			  strerror(-st.err));
	if (err)
		rc = fail("cannot print the report: %s", strerror(-err));

	agg_free(st.agg);
	idmap_free(st.self);
	return rc;
}
