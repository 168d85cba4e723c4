/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the proc provider's selftests (proc_*_test.c).
 *
 * The usual shape of a test:
 *
 *   pu_spawn(&c, setup, body, arg);   child runs setup(), then waits
 *   feed = pu_subscribe(mask | PU_P(EXIT), c.pid, DTPROC_FILTER_DESCENDANTS);
 *   pu_release(&c);                   child runs body() and exits
 *   pu_collect_until_exit(feed, &log, c.pid);
 *   ... pu_find() the events, check their order and arguments ...
 *
 * The child is held on a pipe while the test subscribes, so that every
 * event of its workload is seen, and a pid filter keeps the rest of the
 * guest out of the log.  Any failed ASSERT or EXPECT prints the log
 * registered with pu_dump_log_on_failure() (the one pu_collect*() last
 * filled), which is what one needs to see when an order is wrong.
 */
#ifndef DTPROC_SELFTEST_PROC_UTIL_H
#define DTPROC_SELFTEST_PROC_UTIL_H

#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <dtproc.h>

#include "util.h"

/* How long a test waits for events it knows must come (the guest is TCG). */
#define PU_WAIT_MS	30000

/* A program every guest has (busybox applet). */
#define PU_TRUE		"/bin/true"

/* Mask bit of probe DTPROC_PROBE_x. */
#define PU_P(x)		(1U << DTPROC_PROBE_##x)

/* Any process, for pu_find() and friends. */
#define PU_ANY		(-1)

/* Exit statuses of a pu_spawn() child that never got to its body. */
#define PU_CHILD_BROKEN		120
#define PU_CHILD_ABANDONED	121

/* --- an event log --- */

struct pu_log {
	struct dtproc_event	*ev;
	size_t			n, cap;
	size_t			ndrops;		/* DTPROC_EVENT_DROP records */
};

static const struct pu_log *pu_failure_log;

/* Print @log (at most the first 200 and last 50 events) as JSON lines. */
static inline void pu_log_dump(const struct pu_log *log)
{
	char line[1024];
	size_t i;

	fprintf(stderr, "# --- %zu events received ---\n", log->n);
	for (i = 0; i < log->n; i++) {
		if (i == 200 && log->n > 250) {
			fprintf(stderr, "# ... %zu more ...\n", log->n - 250);
			i = log->n - 50;
		}
		dtproc_event_json(&log->ev[i], line, sizeof(line));
		fprintf(stderr, "# [%zu] %s\n", i, line);
	}
	fprintf(stderr, "# --- end of events ---\n");
}

static inline void pu_dump_log_on_failure(const struct pu_log *log)
{
	pu_failure_log = log;
}

static inline void pu_fail_hook(void)
{
	static bool dumped;

	if (pu_failure_log && !dumped) {
		dumped = true;
		pu_log_dump(pu_failure_log);
	}
}

/* Every failed check also shows the events behind the failure. */
static void __attribute__((constructor)) pu_install_fail_hook(void)
{
	dt_fail_hook = pu_fail_hook;
}

static inline void pu_log_add(struct pu_log *log, const struct dtproc_event *ev)
{
	if (log->n == log->cap) {
		size_t ncap = log->cap ? 2 * log->cap : 256;
		struct dtproc_event *nev = realloc(log->ev, ncap * sizeof(*nev));

		if (!nev)
			DT_FAIL(1, "out of memory for %zu events", ncap);
		log->ev = nev;
		log->cap = ncap;
	}
	log->ev[log->n++] = *ev;
	if (ev->kind == DTPROC_EVENT_DROP)
		log->ndrops++;
}

/* Done with @log; with PU_VERBOSE set in the environment, show it first. */
static inline void pu_log_free(struct pu_log *log)
{
	if (getenv("PU_VERBOSE"))
		pu_log_dump(log);
	if (pu_failure_log == log)
		pu_failure_log = NULL;
	free(log->ev);
	memset(log, 0, sizeof(*log));
}

/* --- the feed --- */

/* Open a feed and subscribe it; any failure fails the test. */
static inline struct dtproc_feed *pu_subscribe(uint32_t mask, pid_t pid,
					       uint32_t flags)
{
	struct dtproc_feed *feed = dtproc_feed_open();
	int ret;

	if (!feed)
		DT_FAIL(1, "dtproc_feed_open: %s", dtproc_errmsg());
	ret = dtproc_feed_subscribe(feed, mask, pid, flags);
	if (ret < 0)
		DT_FAIL(1, "dtproc_feed_subscribe(0x%x, %d, 0x%x): %d: %s",
			mask, (int)pid, flags, ret, dtproc_errmsg());
	return feed;
}

typedef bool (*pu_done_fn)(const struct pu_log *log, void *arg);

/*
 * Append what @feed delivers to @log until @done(@log, @arg) holds or
 * @timeout_ms pass.  Returns whether @done held.  With @done NULL, reads
 * until the feed has been silent for @timeout_ms.
 */
static inline bool pu_collect(struct dtproc_feed *feed, struct pu_log *log,
			      pu_done_fn done, void *arg, int timeout_ms)
{
	uint64_t deadline = ut_now_ns(CLOCK_MONOTONIC) +
			    (uint64_t)timeout_ms * 1000000;
	struct dtproc_event ev = DTPROC_EVENT_INIT;
	int ret, left;

	pu_dump_log_on_failure(log);
	for (;;) {
		if (done && done(log, arg))
			return true;
		ret = dtproc_feed_next(feed, &ev);
		if (ret < 0)
			DT_FAIL(1, "dtproc_feed_next: %d: %s", ret,
				dtproc_errmsg());
		if (ret == 1) {
			pu_log_add(log, &ev);
			if (!done)
				deadline = ut_now_ns(CLOCK_MONOTONIC) +
					   (uint64_t)timeout_ms * 1000000;
			continue;
		}
		left = ut_ms_left(deadline);
		if (!left)
			return !done;
		ret = dtproc_feed_wait(feed, left < 500 ? left : 500);
		if (ret < 0)
			DT_FAIL(1, "dtproc_feed_wait: %d: %s", ret,
				dtproc_errmsg());
	}
}

/* Append to @log whatever the feed holds right now, without waiting. */
/*
 * Read what is still coming: until the feed has been quiet for 300 ms (a
 * process's last events, such as the SIGCHLD it sends after its exit event,
 * may come in a later batch).
 */
static inline void pu_drain(struct dtproc_feed *feed, struct pu_log *log)
{
	struct dtproc_event ev = DTPROC_EVENT_INIT;
	int ret;

	do {
		while ((ret = dtproc_feed_next(feed, &ev)) == 1)
			pu_log_add(log, &ev);
		if (ret < 0)
			DT_FAIL(1, "dtproc_feed_next: %d: %s", ret, dtproc_errmsg());
	} while (dtproc_feed_wait(feed, 300) > 0);
}

/* --- finding events --- */

static inline bool pu_is(const struct dtproc_event *ev, int probe)
{
	return ev->kind == DTPROC_EVENT_PROBE && ev->probe == probe;
}

/*
 * Index of the first event at or after @from of @probe fired by process
 * @pid (PU_ANY: by anyone), or -1.
 */
static inline ssize_t pu_find(const struct pu_log *log, size_t from, int probe,
			      pid_t pid)
{
	size_t i;

	for (i = from; i < log->n; i++)
		if (pu_is(&log->ev[i], probe) &&
		    (pid == PU_ANY || log->ev[i].pid == pid))
			return i;
	return -1;
}

/* The same, for the event fired by thread @tid. */
static inline ssize_t pu_find_tid(const struct pu_log *log, size_t from,
				  int probe, pid_t tid)
{
	size_t i;

	for (i = from; i < log->n; i++)
		if (pu_is(&log->ev[i], probe) && log->ev[i].tid == tid)
			return i;
	return -1;
}

/*
 * The first event at or after @from of @probe (signal-send, -discard,
 * create, lwp-create) whose psinfo describes process @target and, unless
 * @signo is 0, of signal @signo.
 */
static inline ssize_t pu_find_target(const struct pu_log *log, size_t from,
				     int probe, pid_t target, int signo)
{
	size_t i;

	for (i = from; i < log->n; i++) {
		const struct dtproc_event *ev = &log->ev[i];

		if (pu_is(ev, probe) && (ev->has & DTPROC_HAS_PSINFO) &&
		    ev->psinfo.pr_pid == target && (!signo || ev->signo == signo))
			return i;
	}
	return -1;
}

/* The first event at or after @from fired by process @pid, any probe. */
static inline ssize_t pu_find_any(const struct pu_log *log, size_t from,
				  pid_t pid)
{
	size_t i;

	for (i = from; i < log->n; i++)
		if (log->ev[i].kind == DTPROC_EVENT_PROBE &&
		    log->ev[i].pid == pid)
			return i;
	return -1;
}

/* Events of @probe fired by @pid (PU_ANY: by anyone). */
static inline size_t pu_count(const struct pu_log *log, int probe, pid_t pid)
{
	size_t i, n = 0;

	for (i = 0; i < log->n; i++)
		if (pu_is(&log->ev[i], probe) &&
		    (pid == PU_ANY || log->ev[i].pid == pid))
			n++;
	return n;
}

/* Events of @probe (signal-send, -discard, ...) about process @target. */
static inline size_t pu_count_target(const struct pu_log *log, int probe,
				     pid_t target)
{
	size_t i, n = 0;

	for (i = 0; i < log->n; i++)
		if (pu_is(&log->ev[i], probe) &&
		    (log->ev[i].has & DTPROC_HAS_PSINFO) &&
		    log->ev[i].psinfo.pr_pid == target)
			n++;
	return n;
}

/* Events fired by @pid, any probe. */
static inline size_t pu_count_pid(const struct pu_log *log, pid_t pid)
{
	size_t i, n = 0;

	for (i = 0; i < log->n; i++)
		if (log->ev[i].kind == DTPROC_EVENT_PROBE &&
		    log->ev[i].pid == pid)
			n++;
	return n;
}

/* Has every pid of the 0-terminated array @arg an exit event in @log? */
static inline bool pu_all_exited(const struct pu_log *log, void *arg)
{
	const pid_t *pids = arg;

	for (; *pids; pids++)
		if (pu_find(log, 0, DTPROC_PROBE_EXIT, *pids) < 0)
			return false;
	return true;
}

/* Collect until process @pid's exit event arrives; fail after PU_WAIT_MS. */
static inline void pu_collect_until_exit(struct dtproc_feed *feed,
					 struct pu_log *log, pid_t pid)
{
	pid_t pids[2] = { pid, 0 };

	if (!pu_collect(feed, log, pu_all_exited, pids, PU_WAIT_MS))
		DT_FAIL(1, "no exit event of pid %d within %d ms",
			(int)pid, PU_WAIT_MS);
}

struct pu_want {
	int	probe;
	pid_t	pid;	/* firing process, or PU_ANY */
};

static inline bool pu_has_event(const struct pu_log *log, void *arg)
{
	const struct pu_want *w = arg;

	return pu_find(log, 0, w->probe, w->pid) >= 0;
}

struct pu_want_count {
	int	probe;
	pid_t	pid;	/* firing process, or PU_ANY */
	size_t	count;
};

static inline bool pu_has_count(const struct pu_log *log, void *arg)
{
	const struct pu_want_count *w = arg;

	return pu_count(log, w->probe, w->pid) >= w->count;
}

/* Collect until an event of @probe fired by @pid arrives; fail after PU_WAIT_MS. */
static inline void pu_collect_until(struct dtproc_feed *feed,
				    struct pu_log *log, int probe, pid_t pid)
{
	struct pu_want w = { probe, pid };

	if (!pu_collect(feed, log, pu_has_event, &w, PU_WAIT_MS))
		DT_FAIL(1, "no %s event of pid %d within %d ms",
			dtproc_probe_name(probe), (int)pid, PU_WAIT_MS);
}

struct pu_want_target {
	int	probe;
	pid_t	pid;	/* firing process, or PU_ANY */
	pid_t	target;
	int	signo;	/* or 0 */
};

static inline bool pu_has_target_event(const struct pu_log *log, void *arg)
{
	const struct pu_want_target *w = arg;
	ssize_t i = pu_find_target(log, 0, w->probe, w->target, w->signo);

	for (; i >= 0; i = pu_find_target(log, i + 1, w->probe, w->target,
					  w->signo))
		if (w->pid == PU_ANY || log->ev[i].pid == w->pid)
			return true;
	return false;
}

/* Both indices found, @i's event delivered before @j's, and numbered so. */
#define ASSERT_BEFORE(log, i, j) do {					\
	ssize_t __i = (i), __j = (j);					\
	if (__i < 0 || __j < 0 || __i >= __j ||				\
	    (log)->ev[__i].seq >= (log)->ev[__j].seq)			\
		DT_FAIL(1, "expected event %s (#%zd) before %s (#%zd)",	\
			#i, __i, #j, __j);				\
} while (0)

/* An index that pu_find() must have found. */
#define ASSERT_FOUND(i) do {						\
	if ((i) < 0)							\
		DT_FAIL(1, "no event found for %s", #i);		\
} while (0)

/*
 * Every sequence number of @log accounted for: the first is @first, each
 * event's is one more than the one before, and a drop record's covers
 * exactly the gap it reports.  Also, the events come in timestamp order,
 * as the ABI promises.  Returns the number of events the drops covered.
 */
static inline uint64_t pu_assert_seq_accounted(const struct pu_log *log,
					       uint64_t first)
{
	uint64_t next = first, lost = 0, last_ts = 0;
	size_t i;

	for (i = 0; i < log->n; i++) {
		const struct dtproc_event *ev = &log->ev[i];

		if (ev->seq != next)
			DT_FAIL(1, "event #%zu has seq %" PRIu64
				", expected %" PRIu64, i, ev->seq, next);
		if (ev->kind == DTPROC_EVENT_DROP) {
			if (!ev->dropped)
				DT_FAIL(1, "drop record #%zu reports 0 lost", i);
			next += ev->dropped;
			lost += ev->dropped;
			continue;
		}
		if (ev->ts < last_ts)
			DT_FAIL(1, "event #%zu (seq %" PRIu64 ") has timestamp %"
				PRIu64 ", before the previous event's %" PRIu64,
				i, ev->seq, ev->ts, last_ts);
		last_ts = ev->ts;
		next++;
	}
	return lost;
}

/* --- children held on a pipe --- */

struct pu_child {
	pid_t	pid;
	int	release_fd;
};

typedef void (*pu_fn)(void *arg);

/*
 * Fork a child that runs @setup(@arg), tells us it has, waits until
 * pu_release(), then runs @body(@arg) and exits 0 unless the body exited
 * itself.  Returns once @setup has run.  Neither may use ASSERT (they run
 * in the child): they report through their exit status.
 */
static inline void pu_spawn(struct pu_child *c, pu_fn setup, pu_fn body,
			    void *arg)
{
	int go[2], ready[2];
	ssize_t n;
	char b;

	ASSERT_OK(pipe2(go, O_CLOEXEC));
	ASSERT_OK(pipe2(ready, O_CLOEXEC));
	fflush(NULL);
	c->pid = fork();
	ASSERT_GE(c->pid, 0);
	if (c->pid == 0) {
		close(go[1]);
		close(ready[0]);
		if (setup)
			setup(arg);
		if (write(ready[1], "r", 1) != 1)
			_exit(PU_CHILD_BROKEN);
		close(ready[1]);
		do
			n = read(go[0], &b, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(PU_CHILD_ABANDONED);
		close(go[0]);
		if (body)
			body(arg);
		_exit(0);
	}
	close(go[0]);
	close(ready[1]);
	do
		n = read(ready[0], &b, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		DT_FAIL(1, "child %d died before it was ready", (int)c->pid);
	close(ready[0]);
	c->release_fd = go[1];
}

static inline void pu_release(struct pu_child *c)
{
	ASSERT_EQ(write(c->release_fd, "g", 1), 1);
	close(c->release_fd);
	c->release_fd = -1;
}

/* Store to address 0 (SIGSEGV, SEGV_MAPERR); the compiler cannot drop it. */
static inline void pu_null_store(void)
{
	volatile int *volatile p = NULL;

	*p = 1;
}

/* --- what the kernel says about us --- */

/*
 * Our argument count, and pr_psargs as psinfo must show it: the first 79
 * bytes of the argument strings, joined by spaces, trailing spaces cut.
 */
static inline int pu_self_args(char psargs[DTPROC_PSARGS_LEN])
{
	char buf[4096];
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC), argc = 0;
	ssize_t n, i, len;

	ASSERT_GE(fd, 0);
	n = read(fd, buf, sizeof(buf));
	ASSERT_GT(n, 0);
	close(fd);
	for (i = 0; i < n; i++)
		if (!buf[i])
			argc++;
	len = n < DTPROC_PSARGS_LEN - 1 ? n : DTPROC_PSARGS_LEN - 1;
	for (i = 0; i < len; i++)
		psargs[i] = buf[i] ? buf[i] : ' ';
	while (len && psargs[len - 1] == ' ')
		len--;
	psargs[len] = '\0';
	return argc;
}

#endif /* DTPROC_SELFTEST_PROC_UTIL_H */
