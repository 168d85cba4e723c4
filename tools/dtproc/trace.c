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
#include "session.h"
#include "trace.h"

struct trace_state {
	bool		json;
	uint64_t	lost;
};

/* -n: probe names, comma-separated, each "NAME" or "proc:::NAME". */
static int trace_parse_probes(const char *list, uint32_t *mask)
{
	char *copy = strdup(list), *save = NULL, *name;
	int id;

	if (!copy)
		return -1;
	*mask = 0;
	for (name = strtok_r(copy, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		id = dtproc_probe_id(name);
		if (id < 0) {
			fail("-n: %s", dtproc_errmsg());
			free(copy);
			return -1;
		}
		*mask |= 1U << id;
	}
	free(copy);
	if (!*mask) {
		fail("-n: no probe named; e.g. -n exec-success,exit");
		return -1;
	}
	return 0;
}

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

int cmd_trace(int argc, char **argv)
{
	struct session_opts o = { .probes = DTPROC_PROBE_MASK_ALL };
	struct trace_state st = { 0 };
	int i = 1, ret, status;

	while (i < argc) {
		ret = session_parse_opt(&o, argc, argv, &i);
		if (ret < 0)
			return 2;
		if (ret)
			continue;
		if (!strcmp(argv[i], "-j")) {
			st.json = true;
			i++;
		} else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			if (trace_parse_probes(argv[i + 1], &o.probes))
				return 2;
			i += 2;
		} else {
			fprintf(stderr, "%s trace: unexpected '%s'\n", progname, argv[i]);
			return usage_error("usage: dtproc trace [-n PROBE[,PROBE...]] [-p PID] [-c CMD] [-j] [-T SECONDS]");
		}
	}
	if (!st.json)
		printf("CPU TIMESTAMP            PROBE             PID/TID    EXECNAME        ARGS\n");
	status = session_run(&o, trace_event, &st);
	if (st.lost)
		fprintf(stderr, "%s: %llu events lost\n", progname,
			(unsigned long long)st.lost);
	return status;
}
