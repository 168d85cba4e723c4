// SPDX-License-Identifier: GPL-2.0
/*
 * Process control when the kernel runs out of memory part-way: a GRAB, a
 * STOP or a create that fails must fail whole, with ENOMEM, and leave the
 * victim and the consumer as they were.  The failures are injected by the
 * module of the debug kernel (kernel/fault.h: fail_nth and fail_tgid);
 * every other module has no such parameters and the tests skip.
 *
 * Each test walks N = 1, 2, ... failing the Nth allocation of one request
 * until a request makes fewer than N, so every allocation of it fails once.
 */
#include <sys/wait.h>

#include "control_util.h"

#define FAIL_NTH	"/sys/module/dtproc/parameters/fail_nth"
#define FAIL_TGID	"/sys/module/dtproc/parameters/fail_tgid"
#define MAX_NTH		64

static void fault_write(const char *path, long val)
{
	char buf[32];
	int fd, len;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		DT_FAIL(1, "open %s: %s", path, strerror(errno));
	len = snprintf(buf, sizeof(buf), "%ld\n", val);
	if (write(fd, buf, len) != len)
		DT_FAIL(1, "write %s: %s", path, strerror(errno));
	close(fd);
}

static long fault_read(const char *path)
{
	char buf[32] = "";
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		DT_FAIL(1, "open %s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		DT_FAIL(1, "read %s", path);
	return strtol(buf, NULL, 0);
}

/* Skip unless the module injects faults; count this process's calls. */
static void fault_setup(void)
{
	if (access(FAIL_NTH, F_OK))
		SKIP("dtproc.ko built without fault injection (debug kernel only)");
	fault_write(FAIL_TGID, getpid());
	fault_write(FAIL_NTH, 0);
}

/* Arm the Nth allocation to fail. */
static void fault_arm(int nth)
{
	fault_write(FAIL_NTH, nth);
}

/* Disarm; true if the armed failure was used (the request made N calls). */
static bool fault_used(void)
{
	bool used = fault_read(FAIL_NTH) == 0;

	fault_write(FAIL_NTH, 0);
	return used;
}

static bool all_move(volatile unsigned long *c, int n)
{
	int j;

	for (j = 0; j < n; j++)
		if (!cu_moves(&c[j], CU_WAIT_MS))
			return false;
	return true;
}

/* A child of @n threads, thread i counting in c[i], all counting. */
static pid_t spawn_threads(volatile unsigned long *c, int n)
{
	pid_t pid = cu_spawn_threads(c, n, false);

	if (pid < 0)
		DT_FAIL(1, "fork: %s", strerror(errno));
	if (!all_move(c, n))
		DT_FAIL(1, "the %d threads of %d never all counted", n, pid);
	return pid;
}

static int dev_open(void)
{
	int fd = open("/dev/dtproc", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		DT_FAIL(1, "open /dev/dtproc: %s", strerror(errno));
	return fd;
}

/*
 * Issue 8, defect 14: an ENOMEM part-way through a STOP left the stop's
 * reason set, so every later STOP did nothing.  Each allocation of a stop
 * of 8 threads fails once: the stop fails whole, every thread runs on,
 * and the next stop stops them all.
 */
TEST_TIMEOUT(stop_enomem_midway_then_stop_works, 600)
{
	volatile unsigned long *c = ut_shared(8 * sizeof(*c));
	struct dtproc_status st;
	int fd, nth, failed = 0;
	pid_t pid;

	fault_setup();
	fd = dev_open();
	pid = spawn_threads(c, 8);
	ASSERT_OK(cu_ioc_grab(fd, pid, 0, 0));
	ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_CONTINUE, pid));
	for (nth = 1; nth <= MAX_NTH; nth++) {
		int ret, err;

		fault_arm(nth);
		ret = cu_ioc_pid(fd, DTPROC_IOC_STOP, pid);
		err = errno;
		if (!fault_used()) {
			/* fewer than nth allocations: it stopped */
			ASSERT_OK(ret);
			break;
		}
		if (ret == 0)
			DT_FAIL(1, "allocation %d failed, yet STOP succeeded",
				nth);
		ASSERT_EQ(err, ENOMEM);
		failed++;
		ASSERT_OK(cu_ioc_status(fd, pid, &st));
		EXPECT_EQ(st.state, DTPROC_STATE_RUNNING);
		EXPECT_EQ(st.why, 0);
		if (!all_move(c, 8))
			DT_FAIL(1, "allocation %d: a thread stopped after the STOP failed",
				nth);
		/* the next stop, without a failure, stops every thread */
		ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_STOP, pid));
		ASSERT_OK(cu_ioc_status_wait(fd, pid, &st));
		if (st.state != DTPROC_STATE_STOPPED ||
		    st.why != DTPROC_STOP_REQUESTED ||
		    st.nstopped != st.nthreads)
			DT_FAIL(1, "allocation %d: next STOP left state %u why %u, %u of %u stopped",
				nth, st.state, st.why, st.nstopped,
				st.nthreads);
		ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_CONTINUE, pid));
		ASSERT_TRUE(all_move(c, 8));
	}
	printf("# %d allocations of a STOP failed in turn\n", failed);
	ASSERT_GE(failed, 1);
	ASSERT_LE(nth, MAX_NTH);
	ASSERT_OK(cu_ioc_status_wait(fd, pid, &st));
	ASSERT_EQ(st.state, DTPROC_STATE_STOPPED);
	/* a requested stop outlives RELEASE: continue first */
	ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_CONTINUE, pid));
	ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_RELEASE, pid));
	ASSERT_TRUE(all_move(c, 8));
	close(fd);
	ut_kill(pid);
}

/*
 * A GRAB whose allocations fail in turn: ENOMEM, the victim untouched and
 * not held (ENOENT), and a GRAB after it takes the victim.
 */
TEST_TIMEOUT(grab_enomem_loses_nothing, 600)
{
	volatile unsigned long *c = ut_shared(4 * sizeof(*c));
	struct dtproc_status st;
	int fd, nth, failed = 0;
	pid_t pid;

	fault_setup();
	fd = dev_open();
	pid = spawn_threads(c, 4);
	for (nth = 1; nth <= MAX_NTH; nth++) {
		int ret, err;

		fault_arm(nth);
		ret = cu_ioc_grab(fd, pid, 0, 0);
		err = errno;
		if (!fault_used()) {
			ASSERT_OK(ret);
			break;
		}
		if (ret == 0)
			DT_FAIL(1, "allocation %d failed, yet GRAB succeeded",
				nth);
		ASSERT_EQ(err, ENOMEM);
		failed++;
		ASSERT_EQ(cu_ioc_status(fd, pid, &st), -1);
		ASSERT_EQ(errno, ENOENT);
		if (!all_move(c, 4))
			DT_FAIL(1, "allocation %d: the victim stopped after the GRAB failed",
				nth);
		/* a whole grab now, and let go */
		ASSERT_OK(cu_ioc_grab(fd, pid, 0, 0));
		ASSERT_OK(cu_ioc_status_wait(fd, pid, &st));
		ASSERT_EQ(st.state, DTPROC_STATE_STOPPED);
		ASSERT_EQ(st.nstopped, st.nthreads);
		ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_RELEASE, pid));
		ASSERT_TRUE(all_move(c, 4));
	}
	printf("# %d allocations of a GRAB failed in turn\n", failed);
	ASSERT_GE(failed, 1);
	ASSERT_LE(nth, MAX_NTH);
	ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_RELEASE, pid));
	ASSERT_TRUE(all_move(c, 4));
	close(fd);
	ut_kill(pid);
}

/*
 * dtproc_create() whose kernel allocations fail in turn: it fails with the
 * library's message, the child is killed and reaped by nobody else, and
 * the next create works.
 */
TEST_TIMEOUT(create_enomem_leaves_no_child, 600)
{
	char *argv[] = { "true", NULL };
	struct dtproc *dp = cu_open();
	struct dtproc_handle *h;
	int nth, failed = 0, status;
	pid_t pid;

	fault_setup();
	/* the vfork child makes the GRAB (DTPROC_GRAB_CREATE): any caller */
	fault_write(FAIL_TGID, 0);
	for (nth = 1; nth <= MAX_NTH; nth++) {
		fault_arm(nth);
		h = dtproc_create(dp, "true", argv);
		if (!fault_used()) {
			if (!h)
				DT_FAIL(1, "create: %s", dtproc_errmsg());
			break;
		}
		if (h)
			DT_FAIL(1, "allocation %d failed, yet create succeeded",
				nth);
		failed++;
		printf("# allocation %d: %s\n", nth, dtproc_errmsg());
		/* no child left running or stopped: it was killed */
		pid = waitpid(-1, &status, __WALL);
		if (pid > 0 && !WIFSIGNALED(status))
			DT_FAIL(1, "allocation %d: child %d ended with 0x%x, not killed",
				nth, pid, status);
	}
	printf("# %d allocations of a create failed in turn\n", failed);
	ASSERT_GE(failed, 1);
	ASSERT_LE(nth, MAX_NTH);
	pid = dtproc_handle_pid(h);
	ASSERT_OK(dtproc_continue(h));
	ASSERT_TRUE(ut_reap_within(pid, &status, CU_WAIT_MS));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	dtproc_release(h);
	dtproc_close(dp);
	ASSERT_EQ(waitpid(-1, &status, WNOHANG | __WALL), -1);
	ASSERT_EQ(errno, ECHILD);
}
