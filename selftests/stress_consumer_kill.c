// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: a consumer SIGKILLed with 100 parked victims, ROUNDS times over.
 *
 * Each round a consumer process creates ST_CREATED victims (stopped after
 * their exec), grabs ST_GRABBED running processes of ours, and puts
 * ST_PSTOPPED of those in a requested stop; once all 100 are parked it is
 * SIGKILLed.  Then, by dt_proc's rules: every created victim dies of
 * SIGKILL, every grabbed one runs again, every requested stop stays stopped
 * until SIGCONT and then runs; nothing stays parked.  At the end the module
 * still unloads (and is loaded again).
 *
 *   stress_consumer_kill [-n ROUNDS] [-s SECONDS] [-S SEED]
 *
 * -n: 20 rounds by default; -s: no round starts after 200 s (default).
 */
#include <sys/prctl.h>

#include "stress_util.h"
#include "control_util.h"

#define ST_CREATED	40
#define ST_GRABBED	60	/* of which the first ST_PSTOPPED ... */
#define ST_PSTOPPED	10	/* ... are in a requested stop */
#define ST_PERIOD_US	20000	/* how often a grabbed victim counts */

struct st_round {
	pid_t		created[ST_CREATED];
	volatile int	ncreated;
	unsigned long	counters[ST_GRABBED];
};

static struct st_round *rd;

/* The consumer: parks all 100, says so on @ready_fd, waits to be killed. */
static void __attribute__((noreturn))
st_consumer(const pid_t *grabbed, int ready_fd)
{
	char *argv[] = { "sleep", "1000", NULL };
	struct dtproc *dp = cu_open();
	struct dtproc_handle *h;
	int i, order[ST_CREATED + ST_GRABBED], n = 0, j, k;

	for (i = 0; i < ST_CREATED + ST_GRABBED; i++)
		order[i] = i;
	for (i = ST_CREATED + ST_GRABBED - 1; i > 0; i--) {
		j = st_below(i + 1);
		k = order[i];
		order[i] = order[j];
		order[j] = k;
	}
	for (n = 0; n < ST_CREATED + ST_GRABBED; n++) {
		i = order[n];
		if (i < ST_CREATED) {
			h = dtproc_create(dp, "/bin/sleep", argv);
			if (!h)
				DT_FAIL(1, "dtproc_create: %s", dtproc_errmsg());
			rd->created[rd->ncreated++] = dtproc_handle_pid(h);
			CU_ASSERT_STOPPED(h, DTPROC_STOP_CREATE);
			continue;
		}
		i -= ST_CREATED;
		h = cu_grab(dp, grabbed[i], 0);
		CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
		if (i < ST_PSTOPPED) {
			if (dtproc_stop(h))
				DT_FAIL(1, "dtproc_stop(%d): %s", grabbed[i],
					dtproc_errmsg());
			CU_ASSERT_STOPPED(h, DTPROC_STOP_REQUESTED);
		}
	}
	ASSERT_EQ(write(ready_fd, "", 1), 1);
	for (;;)
		pause();
}

/* One round; false (with a log line) if any rule was broken. */
static bool st_round(int r, unsigned long *stats)
{
	pid_t grabbed[ST_GRABBED], cons;
	int ready[2], i, status;
	bool ok = true;
	char c;

	memset((void *)rd, 0, sizeof(*rd));
	for (i = 0; i < ST_GRABBED; i++)
		grabbed[i] = cu_spawn(&rd->counters[i], ST_PERIOD_US);

	ASSERT_OK(pipe(ready));
	fflush(NULL);
	cons = fork();
	ASSERT_GE(cons, 0);
	if (cons == 0) {
		close(ready[0]);
		st_srand(r + 1);
		st_consumer(grabbed, ready[1]);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		ut_reap_within(cons, &status, CU_WAIT_MS);
		TH_LOG("round %d: the consumer failed (status 0x%x) after %d creates",
		       r, status, rd->ncreated);
		for (i = 0; i < ST_GRABBED; i++)
			ut_kill(grabbed[i]);
		return false;
	}
	close(ready[0]);

	/* all 100 are parked: frozen counters, and 'I' in /proc */
	for (i = 0; i < ST_GRABBED; i++)
		if (ut_state(grabbed[i]) != 'I') {
			TH_LOG("round %d: grabbed %d not parked: '%c'", r,
			       grabbed[i], ut_state(grabbed[i]));
			ok = false;
		}

	ASSERT_OK(kill(cons, SIGKILL));
	if (!ut_reap_within(cons, &status, CU_WAIT_MS)) {
		TH_LOG("round %d: the killed consumer %d was not reaped", r, cons);
		return false;
	}

	/* created victims: killed (we are their subreaper now) */
	for (i = 0; i < rd->ncreated; i++) {
		pid_t p = rd->created[i];

		if (!ut_reap_within(p, &status, CU_WAIT_MS)) {
			TH_LOG("round %d: created %d still there: '%c'", r, p,
			       ut_state(p));
			ut_kill(p);
			ok = false;
		} else if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
			TH_LOG("round %d: created %d ended with status 0x%x, not SIGKILL",
			       r, p, status);
			ok = false;
		} else {
			stats[0]++;
		}
	}
	/* grabbed ones run again; requested stops stay stopped until SIGCONT */
	for (i = ST_PSTOPPED; i < ST_GRABBED; i++) {
		if (!cu_moves(&rd->counters[i], CU_WAIT_MS)) {
			TH_LOG("round %d: grabbed %d did not resume: '%c'", r,
			       grabbed[i], ut_state(grabbed[i]));
			ok = false;
		} else {
			stats[1]++;
		}
	}
	for (i = 0; i < ST_PSTOPPED; i++) {
		if (!cu_frozen(&rd->counters[i], i ? 10 : CU_FROZEN_MS) ||
		    ut_state(grabbed[i]) != 'I') {
			TH_LOG("round %d: requested stop %d did not stay stopped: '%c'",
			       r, grabbed[i], ut_state(grabbed[i]));
			ok = false;
		}
		kill(grabbed[i], SIGCONT);
		if (!cu_moves(&rd->counters[i], CU_WAIT_MS)) {
			TH_LOG("round %d: requested stop %d did not resume on SIGCONT: '%c'",
			       r, grabbed[i], ut_state(grabbed[i]));
			ok = false;
		} else {
			stats[2]++;
		}
	}
	for (i = 0; i < ST_GRABBED; i++)
		ut_kill(grabbed[i]);
	return ok;
}

TEST_TIMEOUT(consumer_killed, 900)
{
	long rounds = st_count(20), secs = st_secs(200), r, tries;
	bool bounded = false;
	long long end_ms;
	unsigned long stats[3] = { 0 };
	struct timespec start;
	int kofd, fails = 0;

	st_begin("consumer_killed");
	kofd = st_open_ko();
	/* created victims outlive their consumer: we reap them */
	ASSERT_OK(prctl(PR_SET_CHILD_SUBREAPER, 1));
	rd = ut_shared(sizeof(*rd));
	clock_gettime(CLOCK_MONOTONIC, &start);
	end_ms = ut_now_ms() + secs * 1000;
	for (r = 0; r < rounds && fails < 3; r++) {
		if (ut_now_ms() > end_ms) {
			bounded = true;	/* the time bound: no more rounds */
			break;
		}
		if (!st_round(r, stats))
			fails++;
	}
	printf("# consumer_killed: %ld of %ld rounds of %d victims in %.1f s%s: %lu created killed, "
	       "%lu grabbed resumed, %lu requested stops resumed on SIGCONT; %d rounds failed\n",
	       r, rounds, ST_CREATED + ST_GRABBED, st_elapsed(&start),
	       bounded ? " (stopped at the time bound, -s)" : "", stats[0],
	       stats[1], stats[2], fails);
	ASSERT_EQ(fails, 0);

	/* the module unloads (no park, victim or reference left), and reloads */
	for (tries = 0; st_unload(); tries++) {
		if ((errno != EAGAIN && errno != EBUSY) || tries >= 100)
			DT_FAIL(1, "unload after the rounds: %s (%ld tries)",
				strerror(errno), tries);
		ut_sleep_ms(100);
	}
	ASSERT_FALSE(st_module_loaded());
	ASSERT_OK(st_load(kofd));
	ASSERT_TRUE(st_module_loaded());
	close(kofd);
}
