// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: grab processes that are exiting.
 *
 * Workers (one consumer each) fork short-lived children and grab each at
 * once: children that _exit() on their own, that spin a little first, that
 * were SIGKILLed just before the grab, and requested-stop orphans whose
 * SIGCONT races a new grab.  Every grab must succeed (then the release must
 * too) or fail with an errno documented for a process that is gone; every
 * child must end (none stays parked); the kernel must not splat.  This is
 * where the use-after-free of a grab racing its victim's exit (issue 8,
 * defect 1) shows.
 *
 *   stress_exiting [-s SECONDS] [-n WORKERS] [-S SEED]
 */
#include "stress_util.h"
#include "control_util.h"

#define ST_WORKERS_MAX	16

/* What a worker counted, in shared memory. */
struct st_counts {
	unsigned long	iters;
	unsigned long	grabbed;	/* grab succeeded, release too */
	unsigned long	err_srch;
	unsigned long	err_perm;
	unsigned long	err_dead;	/* EOWNERDEAD (zombie), ESTALE */
	unsigned long	orphans;	/* SIGCONT-vs-grab rounds */
};

/* Kinds of children. */
enum { CH_EXIT, CH_SPIN, CH_KILLED, CH_ORPHAN, CH_KINDS };

static void __attribute__((noreturn)) st_child(int kind, unsigned int spin)
{
	volatile unsigned int i;

	ut_close_fds();
	switch (kind) {
	case CH_EXIT:
		_exit(0);
	case CH_SPIN:
		for (i = 0; i < spin; i++)
			;
		_exit(0);
	default:
		for (;;)
			pause();
	}
}

/*
 * A call that failed on a process on its way out: an errno documented for
 * that?  ESRCH: gone; EPERM: its image is gone (no longer dumpable);
 * EOWNERDEAD: a zombie (dt_proc's "process is a zombie"); ESTALE: its image
 * changed under the grab.  EBUSY would mean a stale controller: each
 * worker grabs only its own children.
 */
static void st_count_err(struct st_counts *cn, pid_t pid, int kind,
			 const char *what, int err)
{
	switch (err) {
	case ESRCH:
		cn->err_srch++;
		break;
	case EPERM:
		cn->err_perm++;
		break;
	case EOWNERDEAD:
	case ESTALE:
		cn->err_dead++;
		break;
	default:
		DT_FAIL(1, "%s of exiting pid %d (kind %d): unexpected %s: %s",
			what, pid, kind, strerror(err), dtproc_errmsg());
	}
}

/* Grab @pid; NULL (counted) if it failed as a process going away may. */
static struct dtproc_handle *st_grab(struct dtproc *dp, struct st_counts *cn,
				     pid_t pid, int kind, unsigned int flags)
{
	struct dtproc_handle *h = dtproc_grab(dp, pid, flags);

	if (!h)
		st_count_err(cn, pid, kind, "grab", errno);
	return h;
}

/* A requested-stop orphan: stopped, released, then SIGCONT racing a grab. */
static void st_orphan_round(struct dtproc *dp, struct st_counts *cn, pid_t pid)
{
	struct dtproc_handle *h;
	int ret;

	/* alive and pausing: this grab and stop must work */
	h = cu_grab(dp, pid, 0);
	if (dtproc_stop(h))
		DT_FAIL(1, "dtproc_stop(%d): %s", pid, dtproc_errmsg());
	dtproc_release(h);
	cn->orphans++;
	if (st_below(2))
		kill(pid, SIGCONT);
	else
		kill(pid, SIGKILL);
	h = st_grab(dp, cn, pid, CH_ORPHAN, st_below(4) ? 0 : DTPROC_GRAB_RDONLY);
	if (!h)
		return;
	cn->grabbed++;
	if (st_below(2)) {
		ret = dtproc_stop(h);
		if (ret && -ret != EPERM)	/* EPERM: read-only */
			st_count_err(cn, pid, CH_ORPHAN, "stop", -ret);
		ret = dtproc_continue(h);
		if (ret && -ret != EPERM)
			st_count_err(cn, pid, CH_ORPHAN, "continue", -ret);
	}
	dtproc_release(h);
}

static void __attribute__((noreturn))
st_worker(int w, struct st_counts *cn, long long end_ms)
{
	struct dtproc *dp = cu_open();
	struct dtproc_handle *h;
	int kind, status;
	unsigned int flags;
	pid_t pid;

	st_srand(w + 1);
	dtproc_set_lru_limit(dp, 0);
	while (ut_now_ms() < end_ms) {
		kind = st_below(CH_KINDS);
		flags = st_below(4) ? 0 : DTPROC_GRAB_RDONLY;
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			DT_FAIL(1, "fork: %s", strerror(errno));
		if (pid == 0)
			st_child(kind, st_below(20000));
		cn->iters++;

		if (kind == CH_ORPHAN) {
			st_orphan_round(dp, cn, pid);
		} else {
			if (kind == CH_KILLED || (kind == CH_SPIN && st_below(2)))
				kill(pid, SIGKILL);
			h = st_grab(dp, cn, pid, kind, flags);
			if (h) {
				cn->grabbed++;
				if (st_below(2))
					kill(pid, SIGKILL);
				dtproc_release(h);
			}
		}
		kill(pid, SIGKILL);
		if (!ut_reap_within(pid, &status, CU_WAIT_MS))
			DT_FAIL(1, "child %d (kind %d) did not end in %d ms: state '%c'",
				pid, kind, CU_WAIT_MS, ut_state(pid));
	}
	ASSERT_EQ(dtproc_handle_count(dp), 0);
	dtproc_close(dp);
	_exit(KSFT_PASS);
}

TEST_TIMEOUT(grab_exiting, 600)
{
	long secs = st_secs(60), nworkers = st_count(2);
	struct st_counts *cn, sum = { 0 };
	pid_t pids[ST_WORKERS_MAX];
	struct timespec start;
	long long end_ms;
	int i, status, bad = 0;

	st_begin("grab_exiting");
	ASSERT_LE(nworkers, ST_WORKERS_MAX);
	cn = ut_shared(nworkers * sizeof(*cn));
	clock_gettime(CLOCK_MONOTONIC, &start);
	end_ms = ut_now_ms() + secs * 1000;
	for (i = 0; i < nworkers; i++) {
		fflush(NULL);
		pids[i] = fork();
		ASSERT_GE(pids[i], 0);
		if (pids[i] == 0)
			st_worker(i, &cn[i], end_ms);
	}
	for (i = 0; i < nworkers; i++) {
		if (!ut_reap_within(pids[i], &status, (secs + 120) * 1000)) {
			TH_LOG("worker %d did not finish", i);
			bad++;
			continue;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != KSFT_PASS) {
			TH_LOG("worker %d failed: status 0x%x", i, status);
			bad++;
		}
	}
	for (i = 0; i < nworkers; i++) {
		sum.iters += cn[i].iters;
		sum.grabbed += cn[i].grabbed;
		sum.err_srch += cn[i].err_srch;
		sum.err_perm += cn[i].err_perm;
		sum.err_dead += cn[i].err_dead;
		sum.orphans += cn[i].orphans;
	}
	printf("# grab_exiting: %ld workers, %.1f s: %lu children, %lu grabbed+released, "
	       "%lu orphan rounds; failures: %lu ESRCH, %lu EPERM, %lu EOWNERDEAD/ESTALE\n",
	       nworkers, st_elapsed(&start), sum.iters, sum.grabbed,
	       sum.orphans, sum.err_srch, sum.err_perm, sum.err_dead);
	ASSERT_EQ(bad, 0);
	ASSERT_GT(sum.iters, 0);
	ASSERT_GT(sum.grabbed, 0);
	/* the module still answers and holds nothing of ours */
	i = open_dtproc();
	struct dtproc_version v = { .size = sizeof(v) };

	ASSERT_OK(ioctl(i, DTPROC_IOC_VERSION, &v));
	ASSERT_EQ(v.abi_version, DTPROC_ABI_VERSION);
	close(i);
}
