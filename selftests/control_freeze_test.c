// SPDX-License-Identifier: GPL-2.0
/*
 * Process control and the freezers (issue 8 item 11): a stopped victim
 * frozen by the cgroup v2 freezer (cgroup.freeze, or moved into a frozen
 * cgroup) stays stopped across the thaw; one frozen by either freezer is
 * grabbed at once.
 */
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/statfs.h>

#include "control_util.h"

static void write_sysctl(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(write(fd, v, strlen(v)), (ssize_t)strlen(v));
	close(fd);
}

static void on_alarm(int sig)
{
	(void)sig;
}

#define CG2	"/sys/fs/cgroup"
#define CG2_DIR	CG2 "/dtproc-freeze"

/* cgroup2 at CG2 and CG2_DIR, or the test is skipped. */
static void cg2_mount(void)
{
	struct statfs sfs;

	if (statfs(CG2, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		mkdir(CG2, 0755);
		if (mount("cgroup2", CG2, "cgroup2", 0, NULL))
			SKIP("no cgroup2: %s", strerror(errno));
	}
	if (mkdir(CG2_DIR, 0755) && errno != EEXIST)
		SKIP("mkdir " CG2_DIR ": %s", strerror(errno));
}

/* A child of @n spinning threads (thread i counts in c[i]), in CG2_DIR. */
static pid_t cg2_spawn(volatile unsigned long *c, int n)
{
	char buf[32];
	pid_t pid;
	int i;

	pid = cu_spawn_threads(c, n, false);
	ASSERT_GE(pid, 0);
	for (i = 0; i < n; i++)
		ASSERT_TRUE(cu_moves(&c[i], CU_WAIT_MS));
	snprintf(buf, sizeof(buf), "%d", pid);
	write_sysctl(CG2_DIR "/cgroup.procs", buf);
	return pid;
}

/* "frozen N" of CG2_DIR's cgroup.events, or -1. */
static int cg2_frozen(void)
{
	char buf[256], *p;
	int fd, n;

	fd = open(CG2_DIR "/cgroup.events", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "frozen ");
	return p ? atoi(p + 7) : -1;
}

static bool cg2_wait_frozen(int want, int ms)
{
	long long end = ut_now_ms() + ms;

	while (cg2_frozen() != want) {
		if (ut_now_ms() > end)
			return false;
		ut_sleep_ms(10);
	}
	return true;
}

static volatile unsigned long *cg2_usr1_ctr;

static void cg2_usr1(int sig)
{
	(*cg2_usr1_ctr)++;
}

/* Do all @n counters stay put for CU_FROZEN_MS? */
static bool cg2_all_frozen(volatile unsigned long *c, int n)
{
	unsigned long v[16];
	int i;

	for (i = 0; i < n; i++)
		v[i] = c[i];
	ut_sleep_ms(CU_FROZEN_MS);
	for (i = 0; i < n; i++)
		if (c[i] != v[i])
			return false;
	return true;
}

/* @h's @n threads are parked and run no code, then run once continued. */
static void cg2_parked_then_runs(struct dtproc_handle *h,
				 volatile unsigned long *c, int n)
{
	int i;

	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	ASSERT_TRUE(cg2_all_frozen(c, n));
	ASSERT_OK(dtproc_continue(h));
	for (i = 0; i < n; i++)
		ASSERT_TRUE(cu_moves(&c[i], CU_WAIT_MS));
}

/*
 * The cgroup v2 freezer and a parked victim (issue 8 item 11): the freeze
 * completes while the victim is stopped, which STATUS still says; the
 * thaw leaves it stopped (no user code ran, every thread parked again); a
 * CONTINUE while frozen lets it run only once thawed; a SIGKILL while
 * frozen and parked ends it.  A signal pending at a parked thread keeps
 * it from neither the freezer's trap nor its park after the thaw.
 */
TEST_TIMEOUT(cgroup2_freeze_parked_victim, 120)
{
	volatile unsigned long *c = ut_shared(5 * sizeof(*c));
	unsigned long handled;
	long long end;
	struct dtproc_handle *h;
	struct dtproc_status st;
	struct dtproc *dp;
	pid_t pid;
	int i;

	cg2_mount();
	cg2_usr1_ctr = &c[4];
	signal(SIGUSR1, cg2_usr1);	/* the victim's, inherited */
	pid = cg2_spawn(c, 4);
	signal(SIGUSR1, SIG_DFL);
	dp = cu_open();
	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);

	/* frozen while stopped, and still stopped */
	write_sysctl(CG2_DIR "/cgroup.freeze", "1");
	ASSERT_TRUE(cg2_wait_frozen(1, CU_WAIT_MS));
	st = cu_status(h);
	ASSERT_EQ(st.state, DTPROC_STATE_STOPPED);
	ASSERT_EQ(st.nthreads, 4);
	ASSERT_EQ(st.nstopped, 4);
	ASSERT_TRUE(cg2_all_frozen(c, 4));

	/* thawed: parked again, not one instruction of user code */
	write_sysctl(CG2_DIR "/cgroup.freeze", "0");
	ASSERT_TRUE(cg2_wait_frozen(0, CU_WAIT_MS));
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	ASSERT_TRUE(cg2_all_frozen(c, 4));

	/* continued while frozen: runs once thawed, not before */
	write_sysctl(CG2_DIR "/cgroup.freeze", "1");
	ASSERT_TRUE(cg2_wait_frozen(1, CU_WAIT_MS));
	ASSERT_OK(dtproc_continue(h));
	ASSERT_TRUE(cg2_all_frozen(c, 4));
	write_sysctl(CG2_DIR "/cgroup.freeze", "0");
	for (i = 0; i < 4; i++)
		ASSERT_TRUE(cu_moves(&c[i], CU_WAIT_MS));

	/* a signal pending at a parked thread keeps it from no freeze */
	ASSERT_OK(dtproc_stop(h));
	CU_ASSERT_STOPPED(h, DTPROC_STOP_REQUESTED);
	handled = c[4];
	ASSERT_OK(kill(pid, SIGUSR1));	/* handled: pending, not fatal */
	write_sysctl(CG2_DIR "/cgroup.freeze", "1");
	ASSERT_TRUE(cg2_wait_frozen(1, CU_WAIT_MS));
	write_sysctl(CG2_DIR "/cgroup.freeze", "0");
	ASSERT_TRUE(cg2_wait_frozen(0, CU_WAIT_MS));
	CU_ASSERT_STOPPED(h, DTPROC_STOP_REQUESTED);
	ASSERT_TRUE(cg2_all_frozen(c, 5));	/* nor the handler */
	ASSERT_EQ(c[4], handled);

	/* delivered once continued */
	ASSERT_OK(dtproc_continue(h));
	end = ut_now_ms() + CU_WAIT_MS;
	while (c[4] == handled && ut_now_ms() < end)
		ut_sleep_ms(1);
	ASSERT_EQ(c[4], handled + 1);
	ASSERT_OK(dtproc_stop(h));
	CU_ASSERT_STOPPED(h, DTPROC_STOP_REQUESTED);

	/* frozen while stopped, then killed */
	write_sysctl(CG2_DIR "/cgroup.freeze", "1");
	ASSERT_TRUE(cg2_wait_frozen(1, CU_WAIT_MS));
	ASSERT_OK(kill(pid, SIGKILL));
	ASSERT_TRUE(ut_reap_within(pid, NULL, CU_WAIT_MS));
	dtproc_release(h);
	dtproc_close(dp);
	write_sysctl(CG2_DIR "/cgroup.freeze", "0");
	rmdir(CG2_DIR);
}

/*
 * Freezes and thaws in quick succession, none waited for, never let a
 * stopped victim's thread out of its park: a thaw between a park's leave
 * for the freezer's trap and its hold must not end the park (first review
 * of the freezer change, defect 1), nor make it ignore later freezes
 * (second review, defect 1).
 */
#define STORM_THREADS	16

TEST_TIMEOUT(cgroup2_freeze_thaw_storm_keeps_stopped, 300)
{
	volatile unsigned long *c = ut_shared(STORM_THREADS * sizeof(*c));
	struct dtproc_handle *h;
	struct dtproc *dp;
	pid_t pid;
	int i, fd;

	cg2_mount();
	pid = cg2_spawn(c, STORM_THREADS);
	dp = cu_open();
	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);

	fd = open(CG2_DIR "/cgroup.freeze", O_WRONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	for (i = 0; i < 2000; i++) {
		ASSERT_EQ(pwrite(fd, "1", 1, 0), 1);
		if (i & 1)
			sched_yield();
		ASSERT_EQ(pwrite(fd, "0", 1, 0), 1);
	}
	close(fd);
	ASSERT_TRUE(cg2_wait_frozen(0, CU_WAIT_MS));
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	ASSERT_TRUE(cg2_all_frozen(c, STORM_THREADS));
	/* and every park still answers a freeze (none gave up on it) */
	write_sysctl(CG2_DIR "/cgroup.freeze", "1");
	ASSERT_TRUE(cg2_wait_frozen(1, CU_WAIT_MS));
	write_sysctl(CG2_DIR "/cgroup.freeze", "0");
	ASSERT_TRUE(cg2_wait_frozen(0, CU_WAIT_MS));
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	dtproc_release(h);
	dtproc_close(dp);
	ut_kill(pid);
	rmdir(CG2_DIR);
}

/*
 * A process already frozen (cgroup v2) is grabbed at once, stays frozen
 * (its threads go back to the freezer's trap), and parks when thawed.
 */
TEST_TIMEOUT(cgroup2_grab_frozen_at_once, 120)
{
	volatile unsigned long *c = ut_shared(2 * sizeof(*c));
	struct dtproc_handle *h;
	struct dtproc_status st;
	struct dtproc *dp;
	long long t0;
	pid_t pid;

	cg2_mount();
	pid = cg2_spawn(c, 2);
	write_sysctl(CG2_DIR "/cgroup.freeze", "1");
	ASSERT_TRUE(cg2_wait_frozen(1, CU_WAIT_MS));

	dp = cu_open();
	t0 = ut_now_ms();
	h = cu_grab(dp, pid, 0);
	st = cu_status(h);
	ASSERT_EQ(st.state, DTPROC_STATE_STOPPED);
	ASSERT_EQ(st.nstopped, 2);
	ASSERT_LT(ut_now_ms() - t0, 5000);
	ASSERT_TRUE(cg2_wait_frozen(1, CU_WAIT_MS));

	write_sysctl(CG2_DIR "/cgroup.freeze", "0");
	ASSERT_TRUE(cg2_wait_frozen(0, CU_WAIT_MS));
	cg2_parked_then_runs(h, c, 2);
	dtproc_release(h);
	dtproc_close(dp);
	ut_kill(pid);
	rmdir(CG2_DIR);
}

/*
 * A CONTINUE racing a freeze (the trap set on a parked thread whose stop
 * has just ended): the park ends, and the freeze completes (third review
 * of the freezer change: such a park spun, never reaching the trap).
 */
TEST_TIMEOUT(cgroup2_continue_racing_freeze, 600)
{
	volatile unsigned long *c = ut_shared(4 * sizeof(*c));
	struct dtproc_handle *h;
	struct dtproc *dp;
	pid_t pid;
	int i;

	cg2_mount();
	pid = cg2_spawn(c, 4);
	dp = cu_open();
	h = cu_grab(dp, pid, 0);
	for (i = 0; i < 100; i++) {
		CU_ASSERT_STOPPED(h, i ? DTPROC_STOP_REQUESTED :
					 DTPROC_STOP_GRAB);
		write_sysctl(CG2_DIR "/cgroup.freeze", "1");
		if (i & 1)
			sched_yield();
		ASSERT_OK(dtproc_continue(h));
		if (!cg2_wait_frozen(1, CU_WAIT_MS))
			DT_FAIL(1, "round %d: the freeze never completed", i);
		write_sysctl(CG2_DIR "/cgroup.freeze", "0");
		ASSERT_TRUE(cg2_wait_frozen(0, CU_WAIT_MS));
		ASSERT_OK(dtproc_stop(h));
	}
	dtproc_release(h);
	dtproc_close(dp);
	ut_kill(pid);
	rmdir(CG2_DIR);
}

#define CG2_DIR2	CG2 "/dtproc-freeze2"

/*
 * A stopped victim moved into a frozen cgroup is frozen there (the
 * migration sets the trap without the cgroup_freeze tracepoint), and
 * stays stopped when moved back out (review defect 3).
 */
TEST_TIMEOUT(cgroup2_stopped_victim_moved_into_frozen_cgroup, 120)
{
	volatile unsigned long *c = ut_shared(2 * sizeof(*c));
	struct dtproc_handle *h;
	struct dtproc_status st;
	struct dtproc *dp;
	char buf[32];
	pid_t pid;

	cg2_mount();
	if (mkdir(CG2_DIR2, 0755) && errno != EEXIST)
		SKIP("mkdir " CG2_DIR2 ": %s", strerror(errno));
	pid = cg2_spawn(c, 2);
	snprintf(buf, sizeof(buf), "%d", pid);
	write_sysctl(CG2_DIR2 "/cgroup.procs", buf);	/* out of it */
	write_sysctl(CG2_DIR "/cgroup.freeze", "1");
	ASSERT_TRUE(cg2_wait_frozen(1, CU_WAIT_MS));	/* empty: frozen */
	dp = cu_open();
	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);

	write_sysctl(CG2_DIR "/cgroup.procs", buf);
	ASSERT_TRUE(cg2_wait_frozen(1, CU_WAIT_MS));
	st = cu_status(h);
	ASSERT_EQ(st.state, DTPROC_STATE_STOPPED);
	ASSERT_EQ(st.nstopped, st.nthreads);

	write_sysctl(CG2_DIR2 "/cgroup.procs", buf);	/* out: thawed */
	cg2_parked_then_runs(h, c, 2);
	dtproc_release(h);
	dtproc_close(dp);
	ut_kill(pid);
	write_sysctl(CG2_DIR "/cgroup.freeze", "0");
	rmdir(CG2_DIR);
	rmdir(CG2_DIR2);
}

#define CG1_DIR	"/tmp/dtproc-freezer"
#define CG1_VIC	CG1_DIR "/victim"

/* CG1_VIC's freezer.state is @want ("FROZEN", "THAWED") within @ms. */
static bool cg1_wait_state(const char *want, int ms)
{
	long long end = ut_now_ms() + ms;
	char buf[32];
	int fd, n;

	for (;;) {
		fd = open(CG1_VIC "/freezer.state", O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = 0;
			if (!strncmp(buf, want, strlen(want)))
				return true;
		}
		if (ut_now_ms() > end)
			return false;
		ut_sleep_ms(10);
	}
}

/*
 * A process frozen by the cgroup v1 freezer (as suspend freezes: each
 * thread TASK_FROZEN, woken only by the thaw) cannot run user code: it is
 * grabbed at once, its threads held, and parks once thawed.  Old code
 * counted a frozen thread as running, and the grab waited for the thaw
 * ("grab of a frozen process: Interrupted system call after 10000 ms").
 */
TEST_TIMEOUT(grab_v1_frozen_at_once, 120)
{
	volatile unsigned long *c = ut_shared(2 * sizeof(*c));
	struct sigaction sa = { .sa_handler = on_alarm };
	struct dtproc_status st;
	int fd = open_dtproc();
	char buf[32];
	long long t0;
	pid_t pid;

	mkdir(CG1_DIR, 0755);
	if (mount("cgroup", CG1_DIR, "cgroup", 0, "freezer") && errno != EBUSY)
		SKIP("no cgroup v1 freezer: %s", strerror(errno));
	if (mkdir(CG1_VIC, 0755) && errno != EEXIST)
		SKIP("mkdir " CG1_VIC ": %s", strerror(errno));
	pid = cu_spawn_threads(c, 2, false);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(cu_moves(&c[0], CU_WAIT_MS) && cu_moves(&c[1], CU_WAIT_MS));
	snprintf(buf, sizeof(buf), "%d", pid);
	write_sysctl(CG1_VIC "/cgroup.procs", buf);
	write_sysctl(CG1_VIC "/freezer.state", "FROZEN");
	ASSERT_TRUE(cg1_wait_state("FROZEN", CU_WAIT_MS));

	ASSERT_OK(sigaction(SIGALRM, &sa, NULL));
	alarm(10);
	t0 = ut_now_ms();
	if (cu_ioc_grab(fd, pid, 0, 0))
		DT_FAIL(1, "grab of a frozen process: %s after %lld ms",
			strerror(errno), ut_now_ms() - t0);
	alarm(0);
	ASSERT_OK(cu_ioc_status_wait(fd, pid, &st));
	ASSERT_EQ(st.state, DTPROC_STATE_STOPPED);
	ASSERT_EQ(st.why, DTPROC_STOP_GRAB);
	ASSERT_EQ(st.nthreads, 2);
	ASSERT_EQ(st.nstopped, 2);

	/* thawed, each thread parks on its way back to user mode */
	write_sysctl(CG1_VIC "/freezer.state", "THAWED");
	ASSERT_TRUE(cg1_wait_state("THAWED", CU_WAIT_MS));
	ASSERT_EQ(ut_wait_all_tasks(pid, 'I', CU_WAIT_MS, buf, sizeof(buf)), 2);
	ASSERT_TRUE(cu_frozen(&c[0], CU_FROZEN_MS) &&
		    cu_frozen(&c[1], CU_FROZEN_MS));
	ASSERT_OK(cu_ioc_status_wait(fd, pid, &st));
	ASSERT_EQ(st.state, DTPROC_STATE_STOPPED);
	ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_CONTINUE, pid));
	ASSERT_TRUE(cu_moves(&c[0], CU_WAIT_MS) && cu_moves(&c[1], CU_WAIT_MS));
	close(fd);
	ut_kill(pid);
	rmdir(CG1_VIC);
	umount(CG1_DIR);
}

