/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dtproc CLI: a tracing session shared by "dtproc trace" and "dtproc report":
 * subscribe to the feed, start or attach to the target, hand every event to
 * a callback, stop at the target's end, after -T seconds, or on SIGINT.
 */
#ifndef DTPROC_SESSION_H
#define DTPROC_SESSION_H

#include <stdint.h>
#include <sys/types.h>

#include <dtproc.h>

struct session_opts {
	uint32_t	probes;		/* DTPROC_PROBE_* bits */
	const char	*cmd;		/* -c: shell command line, or NULL */
	pid_t		pid;		/* -p: process, or 0 */
	double		seconds;	/* -T: stop after this long, or 0 */
};

/*
 * Called for every event and drop notification, in order.  Return 0 to go
 * on, non-zero to end the session.
 */
typedef int (*session_event_fn)(const struct dtproc_event *ev, void *arg);

/*
 * Parse the options common to trace and report (-c CMD, -p PID, -T SECONDS)
 * at argv[*i]; advance *i past them.  Returns 1 if argv[*i] was one of them,
 * 0 if not, or -1 after printing what was wrong.
 */
int session_parse_opt(struct session_opts *o, int argc, char **argv, int *i);

/*
 * Run a session.  Returns the exit status for the CLI: with -c, the
 * command's own exit status (128 + signal if it was killed); otherwise 0,
 * or 1 after printing what went wrong.
 */
int session_run(const struct session_opts *o, session_event_fn fn, void *arg);

#endif /* DTPROC_SESSION_H */
