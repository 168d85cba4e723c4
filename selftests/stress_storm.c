// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: a fork+exec storm with all 14 probes subscribed, and a consumer
 * grabbing, stopping, continuing and releasing random members of it.
 *
 * The storm forks COUNT children, a few at a time, each exec'ing
 * busybox's usleep for 0-20 ms.  A subscriber drains the whole feed and
 * checks its sequence numbers: every number is an event or covered by an
 * in-band drop report, and every exec-success of the storm was delivered
 * or dropped.  A consumer picks random recent members of the storm and
 * grabs (for control or read-only), stops, continues, reads the status of
 * and releases them; every call succeeds or fails with an errno documented
 * for a process that is gone.  Every member must exit 0 (a grabbed process
 * runs again when released), and the storm must finish.
 *
 *   stress_storm [-n FORKS] [-s SECONDS] [-S SEED]
 *
 * -n: 10,000 forks by default; -s: no fork starts after 200 s (default), so
 * that the run fits in the debug guest; it prints how many ran.
 */
#include "stress_util.h"
#include "control_util.h"

#define ST_PARALLEL	4
#define ST_RING		64
#define ST_CHILD	"/bin/usleep"
#define ST_COMM		"usleep"
#define ST_GRACE_MS	60000

struct st_shared {
	volatile int		storm_done;
	volatile int		consumer_done;
	volatile pid_t		ring[ST_RING];
	volatile unsigned long	head;
	/* the storm */
	unsigned long		forked, exited0, bad_exit;
	int			bounded;	/* stopped at the time bound */
	int			first_bad_status;
	/* the subscriber */
	struct st_seq		seq;
	uint64_t		storm_execs;
	/* the consumer */
	unsigned long		grabs, grabbed, grab_srch, grab_perm, grab_dead;
	unsigned long		stops, conts, sigconts, statuses, op_srch, op_perm;
};

static struct st_shared *sh;

/* The subscriber: all 14 probes, every process, until the storm is over. */
static void __attribute__((noreturn)) st_subscriber(int ready_fd)
{
	struct dtproc_feed *feed = dtproc_feed_open();
	struct dtproc_event ev = DTPROC_EVENT_INIT;
	long long quiet_since = 0;
	int r;

	if (!feed)
		DT_FAIL(1, "dtproc_feed_open: %s", dtproc_errmsg());
	if (dtproc_feed_subscribe(feed, DTPROC_PROBE_MASK_ALL, 0, 0))
		DT_FAIL(1, "subscribe: %s", dtproc_errmsg());
	sh->seq.next = 1;
	ASSERT_EQ(write(ready_fd, "", 1), 1);
	close(ready_fd);
	for (;;) {
		r = dtproc_feed_wait(feed, 200);
		if (r < 0)
			DT_FAIL(1, "dtproc_feed_wait: %s", strerror(-r));
		while ((r = dtproc_feed_next(feed, &ev)) == 1) {
			quiet_since = 0;
			if (!st_seq_account(&sh->seq, &ev))
				DT_FAIL(1, "feed gap: seq %llu where %llu was due",
					(unsigned long long)ev.seq,
					(unsigned long long)sh->seq.bad_want);
			if (ev.kind == DTPROC_EVENT_PROBE &&
			    ev.probe == DTPROC_PROBE_EXEC_SUCCESS &&
			    !strcmp(ev.execname, ST_COMM))
				sh->storm_execs++;
		}
		if (r < 0)
			DT_FAIL(1, "dtproc_feed_next: %s (%s)", strerror(-r),
				dtproc_errmsg());
		/* the storm and the consumer are over and the feed is quiet */
		if (sh->storm_done && sh->consumer_done) {
			if (!quiet_since)
				quiet_since = ut_now_ms();
			else if (ut_now_ms() - quiet_since > 1500)
				break;
		}
	}
	dtproc_feed_close(feed);
	_exit(KSFT_PASS);
}

/* What a member that never ended is doing, for the log. */
static void st_dump_member(pid_t pid)
{
	char path[64], buf[2048], states[64];
	ssize_t n;
	int fd, k;

	ut_tasks(pid, 'I', &k, states, sizeof(states));
	TH_LOG("member %d: state '%c', threads \"%s\"", pid, ut_state(pid),
	       states);
	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		TH_LOG("member %d: kernel stack:\n%s", pid, buf);
	}
}

/*
 * The storm: @n fork+execs, ST_PARALLEL at a time; no new fork after
 * @end_ms (the time bound), and every member must have ended
 * ST_GRACE_MS later.
 */
static void __attribute__((noreturn)) st_storm(long n, long long end_ms)
{
	pid_t live[ST_PARALLEL] = { 0 };
	int running = 0, status, i;
	char arg[16];
	pid_t pid;

	st_srand(1);
	while (sh->forked < (unsigned long)n || running) {
		if (ut_now_ms() > end_ms && !sh->bounded) {
			sh->bounded = 1;
			n = sh->forked;	/* the time bound: start no more */
		}
		if (ut_now_ms() > end_ms + ST_GRACE_MS) {
			TH_LOG("storm: %lu of %ld forked, %d still running %d ms after the time bound",
			       sh->forked, n, running, ST_GRACE_MS);
			for (i = 0; i < ST_PARALLEL; i++)
				if (live[i])
					st_dump_member(live[i]);
			DT_FAIL(1, "storm: did not finish");
		}
		if (running < ST_PARALLEL && sh->forked < (unsigned long)n) {
			snprintf(arg, sizeof(arg), "%u", st_below(20000));
			fflush(NULL);
			pid = fork();
			if (pid < 0)
				DT_FAIL(1, "fork: %s", strerror(errno));
			if (pid == 0) {
				ut_close_fds();
				execl(ST_CHILD, ST_COMM, arg, (char *)NULL);
				_exit(127);
			}
			for (i = 0; live[i]; i++)
				;
			live[i] = pid;
			sh->ring[sh->head++ % ST_RING] = pid;
			sh->forked++;
			running++;
			continue;
		}
		pid = waitpid(-1, &status, WNOHANG);
		if (pid == 0) {
			ut_sleep_ms(1);
			continue;
		}
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			DT_FAIL(1, "waitpid: %s", strerror(errno));
		}
		for (i = 0; i < ST_PARALLEL; i++)
			if (live[i] == pid)
				live[i] = 0;
		running--;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			sh->exited0++;
		} else if (!sh->bad_exit++) {
			sh->first_bad_status = status;
		}
	}
	sh->storm_done = 1;
	_exit(KSFT_PASS);
}

static bool st_gone(int err)
{
	return err == ESRCH || err == EOWNERDEAD;
}

/* One grab, a few random operations, the release. */
static void st_consume_one(struct dtproc *dp, pid_t pid)
{
	unsigned int flags = st_below(4) ? 0 : DTPROC_GRAB_RDONLY;
	struct dtproc_handle *h;
	struct dtproc_status st;
	bool pstopped = false;
	int i, nops, ret;

	sh->grabs++;
	h = dtproc_grab(dp, pid, flags);
	if (!h) {
		switch (errno) {
		case ESRCH:
			sh->grab_srch++;
			ut_sleep_ms(1);	/* too late: let the storm move on */
			return;
		case EPERM:	/* exiting: its image is gone */
			sh->grab_perm++;
			return;
		case EOWNERDEAD:	/* a zombie */
		case ESTALE:		/* it exec'd under the grab */
			sh->grab_dead++;
			return;
		}
		/* EBUSY too: this is the only consumer */
		DT_FAIL(1, "grab(%d, 0x%x): unexpected %s: %s", pid, flags,
			strerror(errno), dtproc_errmsg());
	}
	sh->grabbed++;
	if (!flags) {
		/*
		 * a grab returns with every thread parked or held, or the
		 * victim gone: a waiting STATUS says which (without the wait,
		 * a held thread that woke may be seen on its way to its park)
		 */
		ASSERT_OK(dtproc_status(h, &st, DTPROC_STATUS_WAIT));
		if (st.state != DTPROC_STATE_STOPPED && st.state != DTPROC_STATE_DEAD) {
			char states[64];
			int k;

			ut_tasks(pid, 'I', &k, states, sizeof(states));
			TH_LOG("pid %d after its grab: state %u why %u threads %u/%u; /proc: \"%s\"",
			       pid, st.state, st.why, st.nstopped, st.nthreads,
			       states);
			ret = dtproc_status(h, &st, DTPROC_STATUS_WAIT);
			ut_tasks(pid, 'I', &k, states, sizeof(states));
			DT_FAIL(1, "pid %d: grab returned before its stop settled "
				"(then: ret %d state %u why %u threads %u/%u; /proc: \"%s\")",
				pid, ret, st.state, st.why, st.nstopped, st.nthreads,
				states);
		}
	}
	nops = st_below(4);
	for (i = 0; i < nops; i++) {
		switch (st_below(3)) {
		case 0:
			ret = dtproc_stop(h);
			sh->stops++;
			pstopped = !ret;
			break;
		case 1:
			ret = dtproc_continue(h);
			sh->conts++;
			pstopped &= !!ret;
			break;
		default:
			ret = dtproc_status(h, &st, 0);
			sh->statuses++;
			break;
		}
		if (!ret)
			continue;
		if (st_gone(-ret))
			sh->op_srch++;
		else if (-ret == EPERM && flags)	/* read-only */
			sh->op_perm++;
		else
			DT_FAIL(1, "pid %d (flags 0x%x): unexpected %s: %s",
				pid, flags, strerror(-ret), dtproc_errmsg());
	}
	/*
	 * A requested stop outlives the release (dt_proc's pstop): continue
	 * it first, or release it and send SIGCONT as prun(1) would.
	 */
	if (pstopped && st_below(2)) {
		ret = dtproc_continue(h);
		sh->conts++;
		if (ret && !st_gone(-ret))
			DT_FAIL(1, "continue %d: %s", pid, dtproc_errmsg());
		pstopped = false;
	}
	dtproc_release(h);
	if (pstopped) {
		kill(pid, SIGCONT);
		sh->sigconts++;
	}
}

static void __attribute__((noreturn)) st_consumer(void)
{
	struct dtproc *dp = cu_open();
	unsigned long head, span;
	pid_t pid;

	st_srand(2);
	dtproc_set_lru_limit(dp, 0);
	while (!sh->storm_done) {
		head = sh->head;
		if (!head) {
			ut_sleep_ms(1);
			continue;
		}
		/* mostly the newest members: the likeliest to be alive */
		span = st_below(4) ? 4 : ST_RING;
		if (span > head)
			span = head;
		pid = sh->ring[(head - 1 - st_below(span)) % ST_RING];
		if (pid > 0)
			st_consume_one(dp, pid);
		if (st_below(4) == 0)
			ut_sleep_ms(st_below(5));
	}
	ASSERT_EQ(dtproc_handle_count(dp), 0);
	dtproc_close(dp);
	sh->consumer_done = 1;
	_exit(KSFT_PASS);
}

static bool st_wait_ok(const char *who, pid_t pid, int ms)
{
	int status;

	if (!ut_reap_within(pid, &status, ms)) {
		TH_LOG("%s (pid %d) did not finish", who, pid);
		kill(pid, SIGKILL);
		return false;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != KSFT_PASS) {
		TH_LOG("%s failed: status 0x%x", who, status);
		return false;
	}
	return true;
}

TEST_TIMEOUT(storm, 900)
{
	long n = st_count(10000), secs = st_secs(200);
	pid_t sub, storm, cons;
	struct timespec start;
	int ready[2], ok = 1;
	char c;

	st_begin("storm");
	if (access(ST_CHILD, X_OK))
		SKIP("%s is missing", ST_CHILD);
	sh = ut_shared(sizeof(*sh));
	ASSERT_OK(pipe(ready));
	fflush(NULL);
	sub = fork();
	ASSERT_GE(sub, 0);
	if (sub == 0) {
		close(ready[0]);
		st_subscriber(ready[1]);
	}
	close(ready[1]);
	ASSERT_EQ(read(ready[0], &c, 1), 1);
	close(ready[0]);

	clock_gettime(CLOCK_MONOTONIC, &start);
	fflush(NULL);
	storm = fork();
	ASSERT_GE(storm, 0);
	if (storm == 0)
		st_storm(n, ut_now_ms() + secs * 1000);
	cons = fork();
	ASSERT_GE(cons, 0);
	if (cons == 0)
		st_consumer();

	ok &= st_wait_ok("storm", storm, secs * 1000 + ST_GRACE_MS + 30000);
	sh->storm_done = 1;
	ok &= st_wait_ok("consumer", cons, 60000);
	sh->consumer_done = 1;
	ok &= st_wait_ok("subscriber", sub, 120000);

	printf("# storm: %lu of %ld fork+execs in %.1f s%s, %lu exited 0, %lu otherwise (first status 0x%x)\n",
	       sh->forked, n, st_elapsed(&start),
	       sh->bounded ? " (stopped at the time bound, -s)" : "",
	       sh->exited0, sh->bad_exit, sh->first_bad_status);
	printf("# storm: subscriber: %llu events, %llu drop reports covering %llu, %llu storm exec-success\n",
	       (unsigned long long)sh->seq.events,
	       (unsigned long long)sh->seq.drops,
	       (unsigned long long)sh->seq.dropped,
	       (unsigned long long)sh->storm_execs);
	printf("# storm: consumer: %lu grabs, %lu held (%lu ESRCH, %lu EPERM, %lu EOWNERDEAD/ESTALE); "
	       "%lu stops, %lu continues, %lu SIGCONTs, %lu statuses (%lu ESRCH, %lu EPERM read-only)\n",
	       sh->grabs, sh->grabbed, sh->grab_srch, sh->grab_perm,
	       sh->grab_dead, sh->stops, sh->conts, sh->sigconts, sh->statuses, sh->op_srch,
	       sh->op_perm);
	ASSERT_TRUE(ok);
	if (!sh->bounded)
		ASSERT_EQ(sh->forked, (unsigned long)n);
	ASSERT_EQ(sh->exited0, sh->forked);
	ASSERT_EQ(sh->bad_exit, 0);
	ASSERT_EQ(sh->seq.bad_seq, 0);
	/* every exec of the storm reached the subscriber or was reported lost */
	ASSERT_GE(sh->storm_execs + sh->seq.dropped, (uint64_t)sh->forked);
	ASSERT_GT(sh->grabbed, 0);
}
