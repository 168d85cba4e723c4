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
	const char	*cmd;		/* -c: the command line as given, or NULL */
	char		**argv;		/* -c: its words (words.h), exec'd directly */
	pid_t		pid;		/* -p: process, or 0 */
	double		seconds;	/* -T: stop after this long, or 0 */
	int		descendants;	/* -p: its descendants too */
	/*
	 * Called once the subscription is live, just before the target runs:
	 * the target's pid (0 if none) and the time (ns, CLOCK_MONOTONIC).
	 * Nothing need be printed before this: every failure to set up the
	 * session comes before it.
	 */
	void		(*started)(pid_t target, uint64_t now_ns, void *arg);
};

/*
 * Called for every event and drop notification, in order.  Return 0 to go
 * on, non-zero to end the session.
 */
typedef int (*session_event_fn)(const struct dtproc_event *ev, void *arg);

/* The options every session takes, for a cli_cmd's table. */
#define SESSION_OPTS							\
	{ 'c', "command", "CMD", "run CMD (words, no shell), trace it and its children", \
	  "-c 'make -j2'" },						\
	{ 'p', "pid", "PID", "trace process PID (grabbed, then let run)", \
	  "-p 1234" },							\
	{ 'T', "time", "SECONDS", "stop after SECONDS (else at exit, or ^C)", \
	  "-T 10" }

/*
 * Take option @c (-c, -p or -T) with value @arg.  Returns 0, or
 * CLI_EXIT_USAGE after printing what was wrong.
 */
int session_opt(struct session_opts *o, int c, const char *arg);

/*
 * Run a session.  Returns the exit status for the CLI: with -c, the
 * command's own exit status (128 + signal if it was killed); otherwise 0,
 * or 1 after printing what went wrong.
 */
int session_run(const struct session_opts *o, session_event_fn fn, void *arg);

/*
 * dtproc_create() of -c's program @file failed (errno says how): print why
 * and what to do (not in PATH, not executable).  Returns CLI_EXIT_FAIL.
 */
int session_create_failed(const char *file);

#endif /* DTPROC_SESSION_H */
