// SPDX-License-Identifier: GPL-2.0
/*
 * dtproc trace [-n PROBE[,PROBE...]] [-p PID] [-c 'CMD ARGS'] [-j] [-T SECONDS]
 *
 * Prints the proc provider's events: one readable line each, or with -j one
 * JSON object per line.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "list.h"
#include "session.h"
#include "trace.h"

struct trace_state {
	bool		json;
	uint64_t	lost;
};

static const struct cli_opt trace_opts[] = {
	SESSION_OPTS,
	{ 'n', "probes", "PROBES", "only these probes (default: all 14)",
	  "-n exec-success,exit" },
	{ 'j', "json", NULL, "one JSON object per line, not columns", NULL },
	{ 'l', "list", NULL, "list the probes instead (dtrace -l)", NULL },
	{ 'v', "verbose", NULL, "with -l: their arguments (dtrace -lv)", NULL },
	CLI_OPT_HELP,
	{ 0 }
};

static const struct cli_cmd trace_cmd = {
	.name	= "trace",
	.usage	= "[-j] [-n PROBES] [-c CMD | -p PID] [-T SECONDS]\n"
		  "-l [-v] [-n PROBES]",
	.about	= "Print the proc provider's events as they fire: one line each (CPU,\n"
		  "timestamp, probe, pid/tid, execname, the probe's arguments), or JSON.\n"
		  "With -c, CMD is created stopped after its exec, traced with its\n"
		  "descendants from its first instruction, and the trace ends when it\n"
		  "exits; with -p, PID alone until it exits; otherwise every process\n"
		  "until -T or ^C.  Needs root and dtproc.ko.\n",
	.opts	= trace_opts,
	.after	= "Examples:\n"
		  "  dtproc trace -c 'make -j2'\n"
		  "  dtproc trace -jn exec-success,exit -p 1234\n"
		  "  dtproc trace -T 5 -n signal-send\n\n"
		  CLI_EXIT_HELP,
};

static const char *trace_reason(int reason)
{
	switch (reason) {
	case DTPROC_CLD_EXITED:
		return "exited";
	case DTPROC_CLD_KILLED:
		return "killed";
	case DTPROC_CLD_DUMPED:
		return "dumped";
	default:
		return "?";
	}
}

static void trace_print_args(FILE *f, const struct dtproc_event *ev)
{
	const struct dtproc_psinfo *ps = &ev->psinfo;

	switch (ev->probe) {
	case DTPROC_PROBE_CREATE:
		fprintf(f, "child=%d %s", ps->pr_pid, ps->pr_fname);
		break;
	case DTPROC_PROBE_EXEC:
		fprintf(f, "path=%s", ev->path);
		break;
	case DTPROC_PROBE_EXEC_FAILURE:
		fprintf(f, "errno=%d (%s)", ev->err, strerror(ev->err));
		break;
	case DTPROC_PROBE_EXIT:
		fprintf(f, "%s %s=%d", trace_reason(ev->exit_reason),
			ev->exit_reason == DTPROC_CLD_EXITED ? "status" : "signal",
			ev->exit_status);
		break;
	case DTPROC_PROBE_FAULT:
		fprintf(f, "fault=%d signo=%d code=%d addr=0x%llx", ev->fault,
			ev->siginfo.signo, ev->siginfo.code,
			(unsigned long long)ev->siginfo.addr);
		break;
	case DTPROC_PROBE_LWP_CREATE:
		fprintf(f, "lwp=%d in %d %s", ev->lwpsinfo.pr_lwpid,
			ps->pr_pid, ps->pr_fname);
		break;
	case DTPROC_PROBE_SIGNAL_SEND:
	case DTPROC_PROBE_SIGNAL_DISCARD:
		fprintf(f, "sig=%d (%s) to %d/%d %s", ev->signo,
			sigabbrev_np(ev->signo) ?: "?", ps->pr_pid,
			ev->lwpsinfo.pr_lwpid, ps->pr_fname);
		break;
	case DTPROC_PROBE_SIGNAL_HANDLE:
		fprintf(f, "sig=%d (%s) handler=0x%llx%s", ev->signo,
			sigabbrev_np(ev->signo) ?: "?",
			(unsigned long long)ev->handler,
			ev->has & DTPROC_HAS_SIGINFO ? " siginfo" : "");
		break;
	case DTPROC_PROBE_SIGNAL_CLEAR:
		fprintf(f, "sig=%d (%s)", ev->signo, sigabbrev_np(ev->signo) ?: "?");
		break;
	default:
		break;
	}
}

static int trace_event(const struct dtproc_event *ev, void *arg)
{
	struct trace_state *st = arg;
	char buf[2048];

	if (st->json) {
		int n = dtproc_event_json(ev, buf, sizeof(buf));
		char *line = buf;

		if (n >= (int)sizeof(buf)) {
			line = malloc(n + 1);
			if (!line)
				return 1;
			dtproc_event_json(ev, line, n + 1);
		}
		puts(line);
		if (line != buf)
			free(line);
	} else if (ev->kind == DTPROC_EVENT_DROP) {
		printf("*** %llu events lost (seq %llu-%llu)\n",
		       (unsigned long long)ev->dropped,
		       (unsigned long long)ev->seq,
		       (unsigned long long)(ev->seq + ev->dropped - 1));
	} else {
		printf("%3u %llu.%09llu %-14s %6d/%-6d %-15s ", ev->cpu,
		       (unsigned long long)(ev->ts / 1000000000),
		       (unsigned long long)(ev->ts % 1000000000),
		       dtproc_probe_name(ev->probe), ev->pid, ev->tid,
		       ev->execname);
		trace_print_args(stdout, ev);
		putchar('\n');
	}
	if (ev->kind == DTPROC_EVENT_DROP)
		st->lost += ev->dropped;
	fflush(stdout);
	return 0;
}

static void trace_started(pid_t target, uint64_t now, void *arg)
{
	struct trace_state *st = arg;

	if (!st->json)
		printf("CPU TIMESTAMP            PROBE             PID/TID    EXECNAME        ARGS\n");
	fflush(stdout);
}

int cmd_trace(int argc, char **argv)
{
	struct session_opts o = { .probes = DTPROC_PROBE_MASK_ALL };
	struct trace_state st = { 0 };
	bool list = false, verbose = false;
	struct cli_parser p;
	int c, ret, status;

	cli_parser_init(&p, &trace_cmd, argc, argv);
	while ((c = cli_next(&p)) != -1) {
		switch (c) {
		case 'h':
			cli_help(&trace_cmd, stdout);
			return CLI_EXIT_OK;
		case 'c':
		case 'p':
		case 'T':
			ret = session_opt(&o, c, p.arg);
			if (ret)
				return ret;
			break;
		case 'n':
			ret = list_parse_probes(p.arg, &o.probes);
			if (ret)
				return ret;
			break;
		case 'j':
			st.json = true;
			break;
		case 'l':
			list = true;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_optind() < argc)
		return usage_error("unexpected '%s' (quote a command line: -c 'CMD ARGS')",
				   argv[cli_optind()]);
	if (list) {
		if (o.cmd || o.pid || o.seconds || st.json)
			return usage_error("-l lists the probes; it takes only -v and -n");
		list_probes(stdout, o.probes, verbose);
		return CLI_EXIT_OK;
	}
	if (verbose)
		return usage_error("-v goes with -l (the probes' argument types)");

	o.started = trace_started;
	status = session_run(&o, trace_event, &st);
	if (st.lost)
		fprintf(stderr, "%s: %llu events lost (the module's buffers or this socket overflowed; trace fewer probes or processes)\n",
			progname, (unsigned long long)st.lost);
	return status;
}
