// SPDX-License-Identifier: GPL-2.0
/*
 * dtproc count [-c CMD | -p PID] [-j] [-T SECS] [-x evaltime=...] PROBE...
 *
 * A counting breakpoint at each match of each PROBE; at the end (the
 * target's exit, -T, SIGINT) the hits as DTrace prints a count()
 * aggregation, one row "OBJECT`FUNCTION[+0xOFF] COUNT" per breakpoint hit
 * at least once, ascending; or with -j one JSON line per hit.
 *
 * The module counts the hits (DTPROC_BP_COUNT: no note, no wake-up) and
 * its counts go with the victim when it exits; so a STOP breakpoint on
 * _exit (glibc's way out of exit() and of a return from main) lets the
 * counts be read while the process still exists, and they are read every
 * 250 ms besides (a process killed by a signal: its counts as of then).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "aggregate.h"
#include "bpcli.h"
#include "cli.h"


struct count_state {
	bool		json;
	uint64_t	user_mask;	/* the set's probes given by the user */
	uint64_t	exit_mask;	/* the set's _exit probe */
};

static const struct cli_opt count_opts[] = {
	BP_TARGET_OPTS,
	{ 'j', "json", NULL, "one JSON line per hit instead of the table", NULL },
	{ 'T', "time", "SECONDS", "stop after SECONDS (else at exit, or ^C)", "-T 10" },
	CLI_OPT_HELP,
	{ 0 }
};

static const struct cli_cmd count_cmd = {
	.name	= "count",
	.usage	= "[-c CMD | -p PID] [-j] [-T SECS] [-x evaltime=exec|preinit|postinit|main] PROBE...",
	.about	= "Count the calls of functions in a process, with breakpoints (uprobes)\n"
		  "placed by dtproc.ko.  PROBE is [OBJECT`]FUNCTION[+OFFSET]: FUNCTION\n"
		  "may be a glob; OBJECT is a file name (libc.so.6, or a.out for the\n"
		  "program); without OBJECT, every object, now and loaded later.  At\n"
		  "the end (the process's exit, -T or ^C) prints one row per function\n"
		  "hit, ascending by count, as DTrace prints count().  With -c, CMD is\n"
		  "exec'd directly (no shell) and counting starts at its evaltime:\n"
		  "exec (its first instruction), preinit (libraries loaded, none\n"
		  "initialised), postinit (its entry point; the default, as DTrace) or\n"
		  "main.  A fork child's calls are not counted; a vfork child's before\n"
		  "its exec are.  Needs root and dtproc.ko.\n",
	.opts	= count_opts,
	.after	= "-j prints {\"pid\":N,\"tid\":N,\"object\":\"s\",\"function\":\"s\",\"offset\":N,\"addr\":\"0x...\"}\n"
		  "per hit.\n\n"
		  "Examples:\n"
		  "  dtproc count -c 'ls -l' 'libc.so.6`malloc' 'libc.so.6`free'\n"
		  "  dtproc count -p 1234 -T 5 'a.out`*'\n"
		  "  dtproc count -j -x evaltime=main -c ./prog 'work*'\n\n"
		  "Exit status: with -c, CMD's own (128+N if signal N killed it), else 0;\n"
		  "1 on a runtime failure; 2 on a usage mistake.\n",
};

/* @s as a JSON string's contents. */
static void count_json_str(const char *s)
{
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
}

static void count_json(const struct dtproc_note *n,
		       const struct dtproc_bps_entry *e)
{
	printf("{\"pid\":%d,\"tid\":%d,\"object\":\"", n->pid, n->tid);
	count_json_str(e->object);
	printf("\",\"function\":\"");
	count_json_str(e->function);
	printf("\",\"offset\":%" PRIu64 ",\"addr\":\"0x%" PRIx64 "\"}\n",
	       e->offset, (uint64_t)n->addr);
}

static int count_note(struct bp_target *t, const struct dtproc_note *n,
		      void *arg)
{
	struct dtproc_stopinfo si = { .size = sizeof(si) };
	struct count_state *st = arg;
	const struct dtproc_bps_entry *e;

	if (n->what != DTPROC_NOTE_BREAK)
		return 0;
	e = dtproc_bps_find(t->bps, n->bp_id);
	if (!e)
		return 0;
	if (st->json && (e->probes & st->user_mask))
		count_json(n, e);
	if (!(e->probes & st->exit_mask))
		return 0;
	/*
	 * On its way out: read the counts while they exist, then let it go
	 * (unless that stop is over already: see dtproc_bps_note()).
	 */
	if (dtproc_stop_info(t->h, &si, 0) == 0 &&
	    si.state == DTPROC_STATE_STOPPING)
		dtproc_stop_info(t->h, &si, DTPROC_STATUS_WAIT);
	dtproc_bps_update(t->bps);
	if (si.state == DTPROC_STATE_STOPPED && si.why == DTPROC_STOP_BREAK &&
	    si.bp_id == n->bp_id && dtproc_continue(t->h) < 0) {
		fail("%s", dtproc_errmsg());
		return CLI_EXIT_FAIL + 1;
	}
	return 0;
}

static void count_tick(struct bp_target *t, void *arg)
{
	const struct count_state *st = arg;

	if (!st->json && !t->exited)
		dtproc_bps_update(t->bps);
}

/* The table: a count() aggregation keyed by OBJECT`FUNCTION[+0xOFF]. */
static int count_print(struct bp_target *t, const struct count_state *st)
{
	const struct dtproc_bps_entry *e;
	struct agg *a = agg_new(AGG_COUNT, 1);
	char name[512];
	size_t i;
	int ret = 0;

	if (!a)
		return -ENOMEM;
	for (i = 0; (e = dtproc_bps_entry(t->bps, i)); i++) {
		struct agg_key key = { .str = name };

		if (!(e->probes & st->user_mask) || !e->hits)
			continue;
		if (e->offset)
			snprintf(name, sizeof(name), "%s`%s+0x%" PRIx64,
				 e->object, e->function, e->offset);
		else
			snprintf(name, sizeof(name), "%s`%s", e->object,
				 e->function);
		ret = agg_count_add(a, &key, e->hits);
		if (ret < 0)
			break;
	}
	if (!ret)
		ret = agg_print(a, stdout);
	agg_free(a);
	return ret;
}

int cmd_count(int argc, char **argv)
{
	struct count_state st = { 0 };
	struct bp_target t = { 0 };
	struct dtproc_rtld rt;
	struct cli_parser p;
	int c, ret, nprobes;
	char **probes;

	cli_parser_init(&p, &count_cmd, argc, argv);
	while ((c = cli_next(&p)) != -1) {
		switch (c) {
		case 'h':
			cli_help(&count_cmd, stdout);
			return CLI_EXIT_OK;
		case 'j':
			st.json = true;
			break;
		case 'c':
		case 'p':
		case 'x':
		case 'T':
			ret = bp_target_opt(&t, c, p.arg);
			if (ret)
				return ret;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	probes = argv + cli_optind();
	nprobes = argc - cli_optind();
	ret = bp_target_check(&t, nprobes, probes);
	if (ret)
		return ret;
	/* -j: each line whole and at once (the command shares our stdout) */
	if (st.json)
		setvbuf(stdout, NULL, _IOLBF, 0);
	st.user_mask = (1ULL << nprobes) - 1;
	st.exit_mask = 1ULL << nprobes;

	ret = bp_target_start(&t, nprobes, probes,
			      st.json ? DTPROC_BP_NOTIFY : DTPROC_BP_COUNT);
	if (ret)
		return ret;
	/*
	 * _exit: a static program's own, else libc's (named: a probe without
	 * OBJECT would keep the rtld breakpoint stopping at every dlopen).
	 * None: the counts are read every 250 ms.
	 */
	ret = dtproc_syms_rtld(dtproc_bps_syms(t.bps), &rt);
	if (ret == 0)
		ret = dtproc_bps_add(t.bps, rt.r_brk ? "libc.so.6`_exit" :
				     "a.out`_exit", DTPROC_BP_STOP);
	if (ret < 0 && ret != -ENOENT) {
		fail("%s", dtproc_errmsg());
		return bp_target_end(&t, CLI_EXIT_FAIL);
	}
	ret = bp_target_loop(&t, count_note, count_tick, &st);
	if (!t.exited)
		dtproc_bps_update(t.bps);	/* -T or ^C: the counts now */
	if (t.lost)
		fprintf(stderr, "%s: %llu hits were not reported: the module's note queue overflowed (count fewer functions, or without -j)\n",
			progname, t.lost);
	if (!ret && !st.json && count_print(&t, &st) < 0)
		ret = fail("out of memory");
	if (!ret)
		ret = bp_target_unmatched(&t, nprobes, probes);
	fflush(stdout);
	return bp_target_end(&t, ret);
}
