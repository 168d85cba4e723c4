// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: the module's unload with users live, and load/unload cycles.
 *
 * rmmod_while_live: with a subscriber on all 14 probes, a consumer holding
 * grabbed, created and requested-stop victims, an unload is refused
 * (EBUSY/EAGAIN) at once, never hangs, and everything still works after;
 * with only the subscriber and requested-stop orphans left, the unload is
 * clean (the orphans run) or refused (they stay stopped until SIGCONT, and
 * then it is clean); the subscriber sees its family vanish, and after a
 * reload it subscribes again and gets events.
 *
 * load_unload_cycles: COUNT unload+load cycles (1,000 by default) while a
 * subscriber reconnects in a loop, tolerating the family vanishing and
 * reappearing: each connection's sequence numbers have no gap, it
 * connects again and again, and on the last load it still gets events.
 * Ends with the module loaded (tools/vm/init unloads it).
 *
 *   stress_module [-t TEST] [-n CYCLES] [-s SECONDS] [-S SEED]
 *
 * -n: 1,000 cycles by default; -s: no cycle starts after 180 s (default):
 * with a subscriber's hooks placed an unload takes ~0.6 s under TCG, so the
 * debug guest does fewer; the run prints how many.
 */
#include "stress_util.h"
#include "control_util.h"

#define ST_TRUE		"/bin/true"

/* Run /bin/true to make some events; its pid. */
static pid_t st_true(void)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		DT_FAIL(1, "fork: %s", strerror(errno));
	if (pid == 0) {
		ut_close_fds();
		execl(ST_TRUE, "true", (char *)NULL);
		_exit(127);
	}
	if (!ut_reap_within(pid, &status, CU_WAIT_MS) || status)
		DT_FAIL(1, "%s: status 0x%x", ST_TRUE, status);
	return pid;
}

/* Unload, retrying while a transient reference drains; 0 or -errno. */
static int st_unload_retry(int ms)
{
	long long end = ut_now_ms() + ms;

	while (st_unload()) {
		if (errno != EAGAIN && errno != EBUSY)
			return -errno;
		if (ut_now_ms() >= end)
			return -errno;
		ut_sleep_ms(5);
	}
	return 0;
}

/* --- the reconnecting subscriber --- */

struct st_sub {
	volatile int	stop;		/* set by the test: finish */
	volatile unsigned long true_execs;	/* exec-success of /bin/true */
	unsigned long	connects, open_fails, sub_fails, vanished;
	uint64_t	events, dropped;
	uint64_t	bad_seq, bad_want;
	unsigned long	connection;	/* where the gap was */
};

/*
 * Connect, subscribe, drain until the family is gone (a failed version
 * request when the feed has been quiet, or a socket error), again.
 */
static void __attribute__((noreturn)) st_subscriber(struct st_sub *s,
						    int ready_fd)
{
	struct dtproc_event ev = DTPROC_EVENT_INIT;
	char version[DTPROC_VERSION_LEN];
	uint32_t abi;
	int r;

	while (!s->stop) {
		struct dtproc_feed *feed = dtproc_feed_open();
		struct st_seq sq = { .next = 1 };

		if (!feed) {
			/* no family (unloaded): look again soon, not busily */
			s->open_fails++;
			ut_sleep_ms(10);
			continue;
		}
		if (dtproc_feed_subscribe(feed, DTPROC_PROBE_MASK_ALL, 0, 0)) {
			s->sub_fails++;
			dtproc_feed_close(feed);
			ut_sleep_ms(2);
			continue;
		}
		s->connects++;
		if (ready_fd >= 0) {
			ASSERT_EQ(write(ready_fd, "", 1), 1);
			close(ready_fd);
			ready_fd = -1;
		}
		while (!s->stop) {
			r = dtproc_feed_wait(feed, 20);
			if (r < 0)
				break;
			while ((r = dtproc_feed_next(feed, &ev)) == 1) {
				if (!st_seq_account(&sq, &ev) && !s->bad_seq) {
					s->bad_seq = sq.bad_seq;
					s->bad_want = sq.bad_want;
					s->connection = s->connects;
				}
				if (ev.kind == DTPROC_EVENT_PROBE &&
				    ev.probe == DTPROC_PROBE_EXEC_SUCCESS &&
				    !strcmp(ev.execname, "true"))
					s->true_execs++;
			}
			if (r < 0)
				break;
			/* quiet: is the family still there? */
			if (dtproc_feed_module_version(feed, &abi, version,
						       sizeof(version)))
				break;
		}
		s->vanished++;
		s->events += sq.events;
		s->dropped += sq.dropped;
		dtproc_feed_close(feed);
	}
	_exit(KSFT_PASS);
}

static pid_t st_start_subscriber(struct st_sub *s)
{
	int ready[2];
	pid_t pid;
	char c;

	ASSERT_OK(pipe(ready));
	fflush(NULL);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(ready[0]);
		st_subscriber(s, ready[1]);
	}
	close(ready[1]);
	ASSERT_EQ(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

static void st_stop_subscriber(struct st_sub *s, pid_t pid)
{
	int status;

	s->stop = 1;
	if (!ut_reap_within(pid, &status, 30000)) {
		kill(pid, SIGKILL);
		DT_FAIL(1, "the subscriber did not finish");
	}
	if (status)
		DT_FAIL(1, "the subscriber failed: status 0x%x", status);
}

/* Does the subscriber see the exec of a /bin/true we run now? */
static bool st_sub_sees_exec(struct st_sub *s)
{
	long long end = ut_now_ms() + CU_WAIT_MS;
	unsigned long before;

	/* it may be reconnecting: try again until it is back */
	while (ut_now_ms() < end) {
		long long until = ut_now_ms() + 2000;

		before = s->true_execs;
		st_true();
		while (s->true_execs == before && ut_now_ms() < until)
			ut_sleep_ms(5);
		if (s->true_execs != before)
			return true;
	}
	return false;
}

TEST_TIMEOUT(rmmod_while_live, 300)
{
	char *argv[] = { "sleep", "1000", NULL };
	struct dtproc_handle *hg[4], *hc, *ho;
	volatile unsigned long *cnt = ut_shared(6 * sizeof(*cnt));
	struct dtproc *dp;
	struct st_sub *s;
	pid_t sub, g[6];
	int kofd, i, r, tries, status = 0;
	const char *orphans_unload;
	pid_t created;

	st_begin("rmmod_while_live");
	kofd = st_open_ko();
	s = ut_shared(sizeof(*s));
	sub = st_start_subscriber(s);

	/* victims: 4 grabbed, 1 grabbed read-only, 1 requested stop, 1 created */
	for (i = 0; i < 6; i++)
		g[i] = cu_spawn(&cnt[i], 10000);
	dp = cu_open();
	for (i = 0; i < 4; i++)
		hg[i] = cu_grab(dp, g[i], 0);
	cu_grab(dp, g[4], DTPROC_GRAB_RDONLY);
	ho = cu_grab(dp, g[5], 0);
	ASSERT_OK(dtproc_stop(ho));
	hc = dtproc_create(dp, "/bin/sleep", argv);
	if (!hc)
		DT_FAIL(1, "dtproc_create: %s", dtproc_errmsg());
	created = dtproc_handle_pid(hc);

	/* refused at once, several times over */
	for (tries = 0; tries < 20; tries++) {
		long long t0 = ut_now_ms();

		errno = 0;
		r = st_unload();
		if (r != -1 || (errno != EAGAIN && errno != EBUSY))
			DT_FAIL(1, "unload with a consumer open: %d (%s), want EBUSY/EAGAIN",
				r, strerror(errno));
		ASSERT_LT(ut_now_ms() - t0, 5000);
	}
	ASSERT_TRUE(st_module_loaded());

	/* everything still works */
	for (i = 0; i < 4; i++)
		CU_ASSERT_STOPPED(hg[i], DTPROC_STOP_GRAB);
	CU_ASSERT_STOPPED(ho, DTPROC_STOP_REQUESTED);
	CU_ASSERT_STOPPED(hc, DTPROC_STOP_CREATE);
	ASSERT_TRUE(cu_moves(&cnt[4], CU_WAIT_MS));	/* read-only runs */
	ASSERT_OK(dtproc_continue(hg[0]));
	ASSERT_TRUE(cu_moves(&cnt[0], CU_WAIT_MS));
	ASSERT_OK(dtproc_stop(hg[0]));
	CU_ASSERT_STOPPED(hg[0], DTPROC_STOP_REQUESTED);
	ASSERT_TRUE(st_sub_sees_exec(s));
	ASSERT_EQ(s->bad_seq, 0);

	/* the consumer goes: grabbed run, created killed, requested stops stay */
	dtproc_close(dp);
	for (i = 1; i < 5; i++)
		ASSERT_TRUE(cu_moves(&cnt[i], CU_WAIT_MS));
	if (!ut_reap_within(created, &status, CU_WAIT_MS) ||
	    !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		DT_FAIL(1, "created %d: not killed with its consumer (status 0x%x)",
			created, status);
	ASSERT_TRUE(cu_frozen(&cnt[0], CU_FROZEN_MS));
	ASSERT_TRUE(cu_frozen(&cnt[5], CU_FROZEN_MS));
	ASSERT_EQ(ut_state(g[5]), 'I');

	/*
	 * Left: the subscriber and two orphans in a requested stop.  The
	 * unload is clean (and lets the orphans go) or refused (a parked
	 * thread holds the module); refused, the orphans are still stopped
	 * and resume on SIGCONT, and then the unload is clean.
	 */
	r = st_unload();
	if (!r) {
		orphans_unload = "clean";
	} else if (errno == EAGAIN || errno == EBUSY) {
		orphans_unload = "refused";
		ASSERT_TRUE(st_module_loaded());
		ASSERT_TRUE(cu_frozen(&cnt[0], CU_FROZEN_MS));
		ASSERT_TRUE(cu_frozen(&cnt[5], 10));
		ASSERT_OK(kill(g[0], SIGCONT));
		ASSERT_OK(kill(g[5], SIGCONT));
		r = st_unload_retry(10000);
		if (r)
			DT_FAIL(1, "unload with only a subscriber left: %s",
				strerror(-r));
	} else {
		DT_FAIL(1, "unload with a subscriber and orphans: %s",
			strerror(errno));
	}
	ASSERT_FALSE(st_module_loaded());
	/* the orphans run */
	ASSERT_TRUE(cu_moves(&cnt[0], CU_WAIT_MS));
	ASSERT_TRUE(cu_moves(&cnt[5], CU_WAIT_MS));

	ASSERT_OK(st_load(kofd));
	ASSERT_TRUE(st_module_loaded());
	/* the subscriber noticed, came back and gets events */
	ASSERT_TRUE(st_sub_sees_exec(s));
	ASSERT_GE(s->connects, 2);
	st_stop_subscriber(s, sub);
	printf("# rmmod_while_live: 20 refusals with a consumer; with orphans: %s; "
	       "subscriber %lu connections, %llu events, %llu dropped\n",
	       orphans_unload, s->connects, (unsigned long long)s->events,
	       (unsigned long long)s->dropped);
	ASSERT_EQ(s->bad_seq, 0);

	/* and a consumer works on the reloaded module */
	dp = cu_open();
	hg[0] = cu_grab(dp, g[0], 0);
	CU_ASSERT_STOPPED(hg[0], DTPROC_STOP_GRAB);
	dtproc_close(dp);
	ASSERT_TRUE(cu_moves(&cnt[0], CU_WAIT_MS));
	for (i = 0; i < 6; i++)
		ut_kill(g[i]);
	close(kofd);
}

TEST_TIMEOUT(load_unload_cycles, 900)
{
	long n = st_count(1000), secs = st_secs(180), i;
	long long t0, t_load = 0, t_unload = 0, end_ms;
	bool bounded = false;
	struct dtproc_version v;
	unsigned long retries = 0;
	struct timespec start;
	struct st_sub *s;
	int kofd, fd, r;
	pid_t sub;

	st_begin("load_unload_cycles");
	kofd = st_open_ko();
	s = ut_shared(sizeof(*s));
	sub = st_start_subscriber(s);
	st_srand(1);
	clock_gettime(CLOCK_MONOTONIC, &start);
	end_ms = ut_now_ms() + secs * 1000;
	for (i = 0; i < n; i++) {
		if (ut_now_ms() > end_ms) {
			bounded = true;	/* the time bound: no more cycles */
			break;
		}
		if (st_below(4) == 0)
			st_true();	/* events while loaded */
		t0 = ut_now_ms();
		while (st_unload()) {
			if (errno != EAGAIN && errno != EBUSY)
				DT_FAIL(1, "cycle %ld: unload: %s", i,
					strerror(errno));
			retries++;
			ASSERT_LT(retries, 100000);
			ut_sleep_ms(1);
		}
		t_unload += ut_now_ms() - t0;
		ASSERT_FALSE(st_module_loaded());
		if (st_below(4) == 0)
			ut_sleep_ms(st_below(20));	/* the family is gone */
		t0 = ut_now_ms();
		r = st_load(kofd);
		t_load += ut_now_ms() - t0;
		if (r)
			DT_FAIL(1, "cycle %ld: load: %s", i, strerror(errno));
		fd = open_dtproc();
		memset(&v, 0, sizeof(v));
		v.size = sizeof(v);
		ASSERT_OK(ioctl(fd, DTPROC_IOC_VERSION, &v));
		ASSERT_EQ(v.abi_version, DTPROC_ABI_VERSION);
		close(fd);
	}
	/* loaded: the subscriber gets events on the last load */
	ASSERT_TRUE(st_sub_sees_exec(s));
	st_stop_subscriber(s, sub);
	printf("# load_unload_cycles: %ld of %ld cycles in %.1f s%s (%.1f s in unload, %.1f s in load, "
	       "%lu busy unloads retried)\n", i, n, st_elapsed(&start),
	       bounded ? " (stopped at the time bound, -s)" : "",
	       t_unload / 1e3, t_load / 1e3, retries);
	printf("# load_unload_cycles: "
	       "subscriber: %lu connections, %lu failed opens, %lu failed subscribes, "
	       "%llu events, %llu dropped\n",
	       s->connects, s->open_fails,
	       s->sub_fails, (unsigned long long)s->events,
	       (unsigned long long)s->dropped);
	if (s->bad_seq)
		DT_FAIL(1, "connection %lu: seq %llu where %llu was due",
			s->connection, (unsigned long long)s->bad_seq,
			(unsigned long long)s->bad_want);
	/* it came back after unloads (not every cycle: some are too quick) */
	ASSERT_GE(s->connects, 2);
	ASSERT_TRUE(st_module_loaded());
	close(kofd);
}
