// SPDX-License-Identifier: GPL-2.0
/*
 * dtproc break [-c CMD | -p PID] [-x evaltime=...] PROBE...
 *
 * A STOP breakpoint at each match of each PROBE; at the first hit the
 * process is stopped (the hitting thread before the probed instruction),
 * "pid P tid T stopped at OBJECT`FUNCTION+0xOFF" is printed, the stop
 * made a requested one (DTPROC_IOC_STOP: it outlives us, even for a
 * created process, which would otherwise be killed), the breakpoints
 * removed, and dtproc exits 0 leaving it stopped until SIGCONT.
 */
#include <inttypes.h>
#include <stdio.h>

#include "bpcli.h"
#include "cli.h"

static const struct cli_opt break_opts[] = {
	BP_TARGET_OPTS,
	{ 'T', "time", "SECONDS", "give up after SECONDS", "-T 10" },
	CLI_OPT_HELP,
	{ 0 }
};

static const struct cli_cmd break_cmd = {
	.name	= "break",
	.usage	= "[-c CMD | -p PID] [-x evaltime=exec|preinit|postinit|main] PROBE...",
	.about	= "Stop a process at the first call of any PROBE ([OBJECT`]FUNCTION[+OFFSET],\n"
		  "as 'dtproc count' takes), print\n"
		  "  pid P tid T stopped at OBJECT`FUNCTION+0xOFFSET\n"
		  "and leave it stopped, as 'dtproc stop' does, a command started with\n"
		  "-c too: the thread T has not executed the probed instruction.\n"
		  "Resume it with kill -CONT P (or attach a debugger first).  Needs root\n"
		  "and dtproc.ko.\n",
	.opts	= break_opts,
	.after	= "Examples:\n"
		  "  dtproc break -c ./prog 'a.out`work'\n"
		  "  dtproc break -p 1234 'libc.so.6`write'\n\n"
		  "Exit status: 0 once the process is stopped at a probe; 1 on a runtime\n"
		  "failure (it exited first, -T passed); 2 on a usage mistake.\n",
};

static int break_note(struct bp_target *t, const struct dtproc_note *n,
		      void *arg)
{
	struct dtproc_stopinfo si = { .size = sizeof(si) };
	const struct dtproc_bps_entry *e;
	pid_t tid = n->tid;

	if (n->what != DTPROC_NOTE_BREAK)
		return 0;
	e = dtproc_bps_find(t->bps, n->bp_id);
	if (!e)
		return 0;
	if (dtproc_stop_info(t->h, &si, DTPROC_STATUS_WAIT) < 0) {
		fail("%s", dtproc_errmsg());
		return CLI_EXIT_FAIL + 1;
	}
	if (si.state != DTPROC_STATE_STOPPED) {
		fail("pid %d exited at a probe, before it could be left stopped",
		     t->target);
		return CLI_EXIT_FAIL + 1;
	}
	if (si.why == DTPROC_STOP_BREAK && si.bp_id == n->bp_id && si.tid)
		tid = si.tid;
	/* a requested stop: it outlives us, a created process too */
	if (dtproc_stop(t->h) < 0) {
		fail("%s", dtproc_errmsg());
		return CLI_EXIT_FAIL + 1;
	}
	t->left_stopped = true;
	printf("pid %d tid %d stopped at %s`%s+0x%" PRIx64 "\n", n->pid, tid,
	       e->object, e->function, e->offset);
	fflush(stdout);
	return 1;
}

int cmd_break(int argc, char **argv)
{
	struct bp_target t = { 0 };
	struct cli_parser p;
	int c, ret, nprobes;
	char **probes;

	cli_parser_init(&p, &break_cmd, argc, argv);
	while ((c = cli_next(&p)) != -1) {
		switch (c) {
		case 'h':
			cli_help(&break_cmd, stdout);
			return CLI_EXIT_OK;
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
	ret = bp_target_start(&t, nprobes, probes, DTPROC_BP_STOP);
	if (ret)
		return ret;
	ret = bp_target_loop(&t, break_note, NULL, NULL);
	if (!ret && !t.left_stopped) {
		bp_target_unmatched(&t, nprobes, probes);
		if (t.exited)
			ret = fail("pid %d exited before any probe was hit",
				   t.target);
		else
			ret = fail("no probe was hit%s", t.seconds ?
				   " in the time -T gave" : " before the interrupt");
	}
	return bp_target_end(&t, ret);
}
