// SPDX-License-Identifier: GPL-2.0
/*
 * dtproc CLI: a tracing session (see session.h).
 *
 * With -c, the command is created stopped after its exec (dtproc_create),
 * the subscription made, then the command continued: nothing it does is
 * missed; the subscription follows it and its descendants.  With -p, the
 * process is grabbed (stopped) for as long as it takes to subscribe.  The
 * session ends once the target's own exit event has been handed on (or,
 * should that event be lost, shortly after the command is reaped).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "session.h"
#include "words.h"

/* How long to wait for the exit event of a command already reaped. */
#define SESSION_EXIT_GRACE_MS	2000

static volatile sig_atomic_t session_interrupted;

static void session_on_sigint(int sig)
{
	session_interrupted = 1;
}

int session_opt(struct session_opts *o, int c, const char *arg)
{
	char *end;
	long pid;

	errno = 0;
	switch (c) {
	case 'c':
	{
		char why[128];
		int n = words_split(arg, &o->argv, why, sizeof(why));

		if (n < 0)
			return usage_error("%s", why);
		if (n == 0)
			return usage_error("-c needs a command line, e.g. -c 'make -j2'");
		o->cmd = arg;
		break;
	}
	case 'p':
		pid = strtol(arg, &end, 10);
		if (errno || *end || pid <= 0 || pid != (pid_t)pid)
			return usage_error("-p needs a process id (see ps), not '%s'",
					   arg);
		o->pid = pid;
		break;
	case 'T':
		o->seconds = strtod(arg, &end);
		if (errno || *end || !(o->seconds > 0) || o->seconds > 1e9)
			return usage_error("-T needs a positive number of seconds, not '%s'",
					   arg);
		break;
	}
	if (o->cmd && o->pid)
		return usage_error("-c and -p cannot be used together: run a command or attach to one");
	return 0;
}

static double session_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t session_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int session_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}

/* dtproc_create() failed: say why, and what to do about it. */
int session_create_failed(const char *file)
{
	/* the library's message, with the CLI's own advice for -c */
	if (errno == ENOENT)
		return fail("failed to execute %s: no such program (-c runs a program, not a shell: is '%s' in PATH? for shell syntax use -c \"sh -c '...'\")",
			    file, file);
	return fail("%s", dtproc_errmsg());
}

int session_run(const struct session_opts *o, session_event_fn fn, void *arg)
{
	uint32_t mask = o->probes, flags = 0;
	double deadline = 0, reaped_at = 0;
	struct dtproc_handle *h = NULL;
	struct dtproc_feed *feed;
	struct dtproc_event ev = DTPROC_EVENT_INIT;
	struct dtproc *dp = NULL;
	pid_t target = o->pid;
	int wstatus = 0, status = 0, ret;
	bool reaped = false, done = false;
	struct sigaction sa = { .sa_handler = session_on_sigint };

	feed = dtproc_feed_open();
	if (!feed)
		return fail("%s", dtproc_errmsg());

	if (o->cmd || o->pid) {
		dp = dtproc_open();
		if (!dp) {
			dtproc_feed_close(feed);
			return fail("%s", dtproc_errmsg());
		}
	}
	if (o->cmd) {
		h = dtproc_create(dp, o->argv[0], o->argv);
		if (!h) {
			status = session_create_failed(o->argv[0]);
			goto out;
		}
		target = dtproc_handle_pid(h);
		flags = DTPROC_FILTER_DESCENDANTS;
	} else if (o->pid) {
		h = dtproc_grab(dp, o->pid, 0);
		if (!h) {
			status = fail("%s", dtproc_errmsg());
			goto out;
		}
		if (o->descendants)
			flags = DTPROC_FILTER_DESCENDANTS;
	}
	/* The target's exit ends the session, asked for or not. */
	if (target)
		mask |= 1U << DTPROC_PROBE_EXIT;

	if (dtproc_feed_subscribe(feed, mask, target, flags) < 0) {
		status = fail("%s", dtproc_errmsg());
		goto out;
	}

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (o->seconds)
		deadline = session_now() + o->seconds;
	if (o->started)
		o->started(target, session_now_ns(), arg);
	if (h && dtproc_continue(h) < 0) {
		status = fail("%s", dtproc_errmsg());
		goto out;
	}

	while (!done && !session_interrupted) {
		double now = session_now(), wait_s = 0.25;

		if (deadline && now >= deadline)
			break;
		if (deadline && deadline - now < wait_s)
			wait_s = deadline - now;
		ret = dtproc_feed_wait(feed, (int)(wait_s * 1000) + 1);
		if (ret < 0 && !session_interrupted) {
			status = fail("%s", dtproc_errmsg());
			break;
		}
		while (!done && (ret = dtproc_feed_next(feed, &ev)) > 0) {
			bool wanted = ev.kind == DTPROC_EVENT_DROP ||
				      (o->probes & (1U << ev.probe));

			if (wanted && fn(&ev, arg))
				done = true;
			if (ev.kind == DTPROC_EVENT_PROBE && target &&
			    ev.probe == DTPROC_PROBE_EXIT && ev.pid == target)
				done = true;
		}
		if (ret < 0) {
			status = fail("%s", dtproc_errmsg());
			break;
		}
		if (o->cmd && !reaped && waitpid(target, &wstatus, WNOHANG) == target) {
			reaped = true;
			reaped_at = session_now();
		}
		if (reaped && session_now() - reaped_at > SESSION_EXIT_GRACE_MS / 1000.0) {
			fprintf(stderr, "%s: the exit event of pid %d was lost; what followed it is missing (try again, or trace fewer probes)\n",
				progname, target);
			break;
		}
	}

	if (o->cmd) {
		if (!reaped) {
			if (!done)
				kill(target, SIGTERM);
			waitpid(target, &wstatus, 0);
		}
		if (!status)
			status = session_status(wstatus);
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
out:
	if (o->cmd && h && status && !reaped && !done) {
		/* created but never traced: closing dp kills it; reap it */
		dtproc_close(dp);
		dp = NULL;
		waitpid(target, NULL, 0);
	}
	dtproc_close(dp);	/* a grabbed process runs on, a created one is done */
	dtproc_feed_close(feed);
	return status;
}
