// SPDX-License-Identifier: GPL-2.0
/*
 * dtproc CLI: the target and loop of "dtproc count" and "dtproc break"
 * (see bpcli.h).
 *
 * -c CMD is created by dtproc_create_at(): stopped at its evaltime, so
 * that nothing it did before is counted; -p PID is grabbed (stopped).
 * The probes are placed while it is stopped, then it runs.  The loop
 * polls /dev/dtproc for notes: the breakpoint set's own (the dynamic
 * linker's) go to dtproc_bps_note(), which arms the probes' matches in
 * objects as they load; the others to the subcommand.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpcli.h"
#include "cli.h"
#include "probe.h"
#include "session.h"
#include "words.h"

static volatile sig_atomic_t bp_interrupted;

/* DTPROC_DEBUG=1 in the environment: each note and stop, on stderr. */
static int bp_debug = -1;

static void bp_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void bp_trace(const char *fmt, ...)
{
	va_list ap;

	if (bp_debug < 0)
		bp_debug = getenv("DTPROC_DEBUG") != NULL;
	if (!bp_debug)
		return;
	fprintf(stderr, "%s: debug: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void bp_on_signal(int sig)
{
	bp_interrupted = 1;
}

int bp_target_opt(struct bp_target *t, int c, const char *arg)
{
	char why[160], *end;
	long pid;
	int n;

	errno = 0;
	switch (c) {
	case 'c':
		n = words_split(arg, &t->argv, why, sizeof(why));
		if (n < 0)
			return usage_error("%s", why);
		if (n == 0)
			return usage_error("-c needs a command, e.g. -c './prog arg'");
		t->cmd = arg;
		break;
	case 'p':
		pid = strtol(arg, &end, 10);
		if (errno || *end || pid <= 0 || pid != (pid_t)pid)
			return usage_error("-p needs a process id (see ps), not '%s'", arg);
		t->pid = pid;
		break;
	case 'x':
		if (strncmp(arg, "evaltime=", 9))
			return usage_error("no option -x %s: the one -x option is evaltime=exec|preinit|postinit|main", arg);
		n = dtproc_evaltime_id(arg + 9);
		if (n < 0)
			return usage_error("%s", dtproc_errmsg());
		t->evaltime = n;
		break;
	case 'T':
		t->seconds = strtod(arg, &end);
		if (errno || *end || !(t->seconds > 0) || t->seconds > 1e9)
			return usage_error("-T needs a positive number of seconds, not '%s'", arg);
		break;
	}
	if (t->cmd && t->pid)
		return usage_error("-c and -p cannot be used together: run a command or attach to one");
	return 0;
}

int bp_target_check(struct bp_target *t, int nprobes, char **probes)
{
	char why[256];
	int i;

	if (!t->cmd && !t->pid)
		return usage_error("which process? give -c CMD or -p PID");
	if (t->pid && t->evaltime)
		return usage_error("-x evaltime is for a command started with -c; a -p process is stopped where it is");
	if (!nprobes)
		return usage_error("which functions? give probes, e.g. 'a.out`main' or 'libc.so.6`malloc'");
	if (nprobes > BP_MAX_PROBES)
		return usage_error("at most %d probes, not %d: use globs ('a.out`work*')",
				   BP_MAX_PROBES, nprobes);
	for (i = 0; i < nprobes; i++)
		if (probe_check(probes[i], why, sizeof(why)) < 0)
			return usage_error("%s", why);
	return 0;
}

int bp_target_start(struct bp_target *t, int nprobes, char **probes,
		    unsigned int action)
{
	int i, ret;

	t->dp = dtproc_open();
	if (!t->dp)
		return fail("%s", dtproc_errmsg());
	if (t->cmd) {
		t->h = dtproc_create_at(t->dp, t->argv[0], t->argv, t->evaltime);
		if (!t->h)
			return session_create_failed(t->argv[0]);
	} else {
		t->h = dtproc_grab(t->dp, t->pid, 0);
		if (!t->h)
			return fail("%s", dtproc_errmsg());
	}
	t->target = dtproc_handle_pid(t->h);
	t->bps = dtproc_bps_open(t->h);
	if (!t->bps) {
		fail("%s", dtproc_errmsg());
		goto fail;
	}
	for (i = 0; i < nprobes; i++) {
		ret = dtproc_bps_add(t->bps, probes[i], action);
		if (ret == -ENOENT) {
			/* the library's message says what to do */
			fail("no probe matched '%s': %s",
			     probes[i], dtproc_errmsg());
			goto fail;
		}
		if (ret < 0) {
			fail("%s", dtproc_errmsg());
			goto fail;
		}
	}
	return 0;
fail:
	bp_target_end(t, CLI_EXIT_FAIL);
	return CLI_EXIT_FAIL;
}

static double bp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct bp_loop {
	struct bp_target	*t;
	bp_note_fn		*fn;
	void			*arg;
	int			ret;	/* 0 go on, 1 done, else CLI_EXIT_FAIL + 1 */
};

static void bp_on_note(struct dtproc_handle *h, const struct dtproc_note *n,
		       const char *msg, void *arg)
{
	struct bp_loop *l = arg;
	struct bp_target *t = l->t;
	int ret;

	bp_trace("note what %u pid %d tid %d bp %u addr 0x%llx value 0x%llx",
		 n->what, n->pid, n->tid, n->bp_id, (unsigned long long)n->addr,
		 (unsigned long long)n->value);
	if (l->ret)
		return;
	if (n->what == DTPROC_NOTE_OVERFLOW) {
		t->lost += n->status;
		return;
	}
	ret = dtproc_bps_note(t->bps, n);
	if (ret < 0) {
		fail("%s", dtproc_errmsg());
		l->ret = CLI_EXIT_FAIL + 1;
		return;
	}
	if (ret > 0)
		return;
	if ((n->what == DTPROC_NOTE_EXITED || n->what == DTPROC_NOTE_LOST) &&
	    n->pid == t->target) {
		t->exited = true;
		if (n->what == DTPROC_NOTE_LOST)
			fail("%s", msg);
	}
	l->ret = l->fn(t, n, l->arg);
	if (!l->ret && t->exited)
		l->ret = 1;
}

/*
 * A breakpoint stop whose note never came (lost to an overflow of the
 * module's queue) would leave the target stopped for good: handle it as
 * if its note had come.  A note coming after all finds the stop over.
 */
static void bp_unnoted_stop(struct bp_target *t, struct bp_loop *l)
{
	struct dtproc_stopinfo si = { .size = sizeof(si) };
	struct dtproc_note n = { .what = DTPROC_NOTE_BREAK };

	if (l->ret || dtproc_stop_info(t->h, &si, 0) < 0)
		return;
	bp_trace("tick: state %u why %u tid %d bp %u", si.state, si.why, si.tid,
		 si.bp_id);
	if (si.state != DTPROC_STATE_STOPPED || si.why != DTPROC_STOP_BREAK)
		return;
	n.pid = t->target;
	n.size = sizeof(n);
	n.tid = si.tid;
	n.bp_id = si.bp_id;
	n.addr = si.addr;
	bp_on_note(t->h, &n, "", l);
}

int bp_target_loop(struct bp_target *t, bp_note_fn *fn,
		   void (*tick)(struct bp_target *t, void *arg), void *arg)
{
	struct sigaction sa = { .sa_handler = bp_on_signal };
	struct bp_loop l = { .t = t, .fn = fn, .arg = arg };
	struct pollfd pfd = { .fd = dtproc_fd(t->dp), .events = POLLIN };
	double deadline = t->seconds ? bp_now() + t->seconds : 0;
	double next_tick = bp_now() + 0.25;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (dtproc_continue(t->h) < 0)
		return fail("%s", dtproc_errmsg());
	while (!l.ret && !bp_interrupted) {
		double now = bp_now(), wait_s = 0.25;

		if (deadline && now >= deadline)
			break;
		if (deadline && deadline - now < wait_s)
			wait_s = deadline - now;
		if (poll(&pfd, 1, (int)(wait_s * 1000) + 1) < 0 && errno != EINTR)
			return fail("cannot poll /dev/dtproc: %s", strerror(errno));
		if (dtproc_notifications(t->dp, bp_on_note, &l) < 0)
			return fail("%s", dtproc_errmsg());
		if (bp_now() >= next_tick) {
			bp_unnoted_stop(t, &l);
			if (tick)
				tick(t, arg);
			next_tick = bp_now() + 0.25;
		}
		/* a created command's exit note should come; its reaping too */
		if (t->cmd && !t->reaped &&
		    waitpid(t->target, &t->wstatus, WNOHANG) == t->target) {
			t->reaped = true;
			t->exited = true;
			dtproc_notifications(t->dp, bp_on_note, &l);
			break;
		}
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	return l.ret > 1 ? CLI_EXIT_FAIL : 0;
}

int bp_target_unmatched(struct bp_target *t, int nprobes, char **probes)
{
	const struct dtproc_bps_entry *e;
	uint64_t matched = 0;
	int i, ret = 0;
	size_t j;

	for (j = 0; (e = dtproc_bps_entry(t->bps, j)); j++)
		matched |= e->probes;
	for (i = 0; i < nprobes; i++) {
		if (matched & (1ULL << i))
			continue;
		ret = fail("no probe matched '%s': no function of pid %d's objects, at the start or loaded later, has that name (check it with nm; name the object: OBJECT`FUNCTION)",
			   probes[i], t->target);
	}
	return ret;
}

int bp_target_end(struct bp_target *t, int status)
{
	pid_t target = t->target;

	dtproc_bps_close(t->bps);	/* the victim's text as it was */
	t->bps = NULL;
	dtproc_close(t->dp);	/* a created one is killed, a requested stop stays */
	t->dp = NULL;
	t->h = NULL;
	if (t->cmd && target && !t->reaped && !t->left_stopped) {
		if (waitpid(target, &t->wstatus, 0) == target)
			t->reaped = true;
	}
	if (status || !t->cmd)
		return status;
	if (t->left_stopped)
		return CLI_EXIT_OK;
	if (!t->reaped)
		return CLI_EXIT_FAIL;
	if (WIFEXITED(t->wstatus))
		return WEXITSTATUS(t->wstatus);
	if (WIFSIGNALED(t->wstatus))
		return 128 + WTERMSIG(t->wstatus);
	return CLI_EXIT_FAIL;
}
