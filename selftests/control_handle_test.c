// SPDX-License-Identifier: GPL-2.0
/*
 * Process control through libdtproc: the handle cache, permissions and
 * bad arguments (the rest is in control_test.c and control_ptrace_test.c).
 */
#include <linux/capability.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>

#include "control_util.h"

/* --- handles --- */

TEST_TIMEOUT(handle_refcount, 120)
{
	volatile unsigned long *ctr = ut_shared(1 * sizeof(*ctr));
	pid_t pid = cu_spawn(ctr, 0);
	struct dtproc *dp = cu_open();
	struct dtproc_handle *h, *h2;
	struct dtproc_status st;

	h = cu_grab(dp, pid, 0);
	h2 = cu_grab(dp, pid, 0);
	ASSERT_TRUE(h == h2);
	ASSERT_EQ(dtproc_handle_count(dp), 1);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);

	/* one release: still held, still stopped */
	dtproc_release(h2);
	ASSERT_EQ(dtproc_handle_count(dp), 1);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	ASSERT_TRUE(cu_frozen(ctr, CU_FROZEN_MS));
	ASSERT_OK(cu_ioc_status(dtproc_fd(dp), pid, &st));

	/* the second lets go */
	dtproc_release(h);
	ASSERT_EQ(dtproc_handle_count(dp), 0);
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	/* alive, not held: ENOENT */
	ASSERT_ERRNO(cu_ioc_status(dtproc_fd(dp), pid, &st), ENOENT);
	dtproc_close(dp);
	ut_kill(pid);
}

#define LRU_N	10

TEST_TIMEOUT(handle_lru, 120)
{
	struct dtproc_handle *h[LRU_N], *again;
	struct dtproc_status st;
	pid_t pids[LRU_N];
	struct dtproc *dp;
	int i, fd;

	for (i = 0; i < LRU_N; i++)
		pids[i] = cu_spawn(NULL, -1);
	dp = cu_open();
	fd = dtproc_fd(dp);
	for (i = 0; i < LRU_N; i++) {
		h[i] = cu_grab(dp, pids[i], DTPROC_GRAB_RDONLY);
		st = cu_status(h[i]);
		ASSERT_TRUE(st.flags & DTPROC_STATUS_RDONLY);
		ASSERT_EQ(st.state, DTPROC_STATE_RUNNING);
	}
	ASSERT_EQ(dtproc_handle_count(dp), LRU_N);
	/* watching stops nothing */
	for (i = 0; i < LRU_N; i++)
		ASSERT_EQ(ut_wait_state(pids[i], 'S', CU_WAIT_MS), 'S');

	for (i = 0; i < LRU_N; i++)
		dtproc_release(h[i]);
	ASSERT_EQ(dtproc_handle_count(dp), 8);
	/* the two least recently used went, in the module too */
	for (i = 0; i < LRU_N; i++) {
		if (i < LRU_N - 8)
			ASSERT_ERRNO(cu_ioc_status(fd, pids[i], &st), ENOENT);
		else
			ASSERT_OK(cu_ioc_status(fd, pids[i], &st));
	}

	dtproc_set_lru_limit(dp, 3);
	ASSERT_EQ(dtproc_handle_count(dp), 3);
	for (i = 0; i < LRU_N; i++) {
		if (i < LRU_N - 3)
			ASSERT_ERRNO(cu_ioc_status(fd, pids[i], &st), ENOENT);
		else
			ASSERT_OK(cu_ioc_status(fd, pids[i], &st));
	}

	/* a cached handle comes back as it was */
	again = cu_grab(dp, pids[LRU_N - 1], DTPROC_GRAB_RDONLY);
	ASSERT_TRUE(again == h[LRU_N - 1]);
	ASSERT_EQ(dtproc_handle_count(dp), 3);
	dtproc_release(again);
	ASSERT_EQ(dtproc_handle_count(dp), 3);

	dtproc_close(dp);
	for (i = 0; i < LRU_N; i++)
		ut_kill(pids[i]);
}

TEST_TIMEOUT(handle_upgrade_rdonly_to_control, 120)
{
	volatile unsigned long *ctr = ut_shared(1 * sizeof(*ctr));
	pid_t pid = cu_spawn(ctr, 0);
	struct dtproc *dp = cu_open();
	struct dtproc_handle *h;
	struct dtproc_status st;

	h = cu_grab(dp, pid, DTPROC_GRAB_RDONLY);
	dtproc_release(h);
	ASSERT_EQ(dtproc_handle_count(dp), 1);	/* cached */
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));

	h = cu_grab(dp, pid, 0);
	st = cu_status(h);
	ASSERT_FALSE(st.flags & DTPROC_STATUS_RDONLY);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	ASSERT_TRUE(cu_frozen(ctr, CU_FROZEN_MS));
	ASSERT_EQ(dtproc_handle_count(dp), 1);

	dtproc_release(h);
	ASSERT_EQ(dtproc_handle_count(dp), 0);
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	dtproc_close(dp);
	ut_kill(pid);
}

/* --- permissions and bad arguments --- */

TEST(grab_kernel_thread_eperm)
{
	struct dtproc *dp = cu_open();
	char comm[16];

	ASSERT_STREQ(ut_comm(2, comm), "kthreadd");
	errno = 0;
	ASSERT_TRUE(dtproc_grab(dp, 2, 0) == NULL);
	ASSERT_EQ(errno, EPERM);
	errno = 0;
	ASSERT_TRUE(dtproc_grab(dp, 2, DTPROC_GRAB_RDONLY) == NULL);
	ASSERT_EQ(errno, EPERM);
	ASSERT_NE(ut_state(2), 'I');
	ASSERT_EQ(dtproc_handle_count(dp), 0);
	dtproc_close(dp);
}

TEST(grab_self_einval)
{
	struct dtproc *dp = cu_open();

	errno = 0;
	ASSERT_TRUE(dtproc_grab(dp, getpid(), 0) == NULL);
	ASSERT_EQ(errno, EINVAL);
	errno = 0;
	ASSERT_TRUE(dtproc_grab(dp, getpid(), DTPROC_GRAB_RDONLY) == NULL);
	ASSERT_EQ(errno, EINVAL);
	ASSERT_EQ(dtproc_handle_count(dp), 0);
	dtproc_close(dp);
}

static void drop_effective_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	ASSERT_OK(syscall(SYS_capget, &hdr, data));
	data[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	ASSERT_OK(syscall(SYS_capset, &hdr, data));
	memset(data, 0, sizeof(data));
	ASSERT_OK(syscall(SYS_capget, &hdr, data));
	ASSERT_FALSE(data[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap));
}

static pid_t spawn_nobody(volatile unsigned long *c)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		ut_close_fds();
		drop_to_nobody();
		cu_loop(c, 1000);
	}
	ASSERT_TRUE(cu_moves(c, CU_WAIT_MS));
	return pid;
}

static pid_t spawn_without_ptrace_cap(volatile unsigned long *c)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct __user_cap_header_struct hdr = {
			.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
		};
		struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

		ut_close_fds();
		if (syscall(SYS_capget, &hdr, data))
			_exit(3);
		data[CAP_TO_INDEX(CAP_SYS_PTRACE)].effective &=
			~CAP_TO_MASK(CAP_SYS_PTRACE);
		data[CAP_TO_INDEX(CAP_SYS_PTRACE)].permitted &=
			~CAP_TO_MASK(CAP_SYS_PTRACE);
		if (syscall(SYS_capset, &hdr, data))
			_exit(4);
		cu_loop(c, 1000);
	}
	ASSERT_TRUE(cu_moves(c, CU_WAIT_MS));
	return pid;
}

TEST_TIMEOUT(grab_needs_cap_sys_ptrace, 120)
{
	volatile unsigned long *ctr = ut_shared(2 * sizeof(*ctr));
	pid_t other = spawn_nobody(&ctr[0]);
	pid_t mine = cu_spawn(&ctr[1], 1000);
	struct dtproc_handle *h;
	struct dtproc *dp;

	/* with CAP_SYS_PTRACE another user's process can be grabbed */
	dp = cu_open();
	h = cu_grab(dp, other, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	dtproc_release(h);
	ASSERT_TRUE(cu_moves(&ctr[0], CU_WAIT_MS));
	dtproc_close(dp);

	drop_effective_cap(CAP_SYS_PTRACE);
	/*
	 * ptrace's rule (cap_ptrace_access_check): the victim's permitted
	 * capabilities must be within ours, so our own uid's process must
	 * have given up CAP_SYS_PTRACE too
	 */
	ut_kill(mine);
	mine = spawn_without_ptrace_cap(&ctr[1]);
	dp = cu_open();
	errno = 0;
	ASSERT_TRUE(dtproc_grab(dp, other, 0) == NULL);
	ASSERT_EQ(errno, EPERM);
	errno = 0;
	ASSERT_TRUE(dtproc_grab(dp, other, DTPROC_GRAB_RDONLY) == NULL);
	ASSERT_EQ(errno, EPERM);
	ASSERT_TRUE(cu_moves(&ctr[0], CU_WAIT_MS));

	/* a process of its own uid it can */
	h = cu_grab(dp, mine, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	ASSERT_TRUE(cu_frozen(&ctr[1], CU_FROZEN_MS));
	dtproc_release(h);
	ASSERT_TRUE(cu_moves(&ctr[1], CU_WAIT_MS));
	ASSERT_EQ(dtproc_handle_count(dp), 0);
	dtproc_close(dp);
	ut_kill(other);
	ut_kill(mine);
}

TEST_TIMEOUT(grab_create_of_non_child_einval, 120)
{
	volatile unsigned long *ctr = ut_shared(2 * sizeof(*ctr));
	struct dtproc_status st;
	int fd, status;
	long long end;
	pid_t mid, grandchild, child;

	/* a grandchild: not ours */
	fflush(NULL);
	mid = fork();
	ASSERT_GE(mid, 0);
	if (mid == 0) {
		pid_t g;

		ut_close_fds();
		g = fork();
		if (g < 0)
			_exit(2);
		if (g == 0)
			cu_loop(&ctr[1], 1000);
		ctr[0] = g;
		for (;;)
			pause();
	}
	end = ut_now_ms() + CU_WAIT_MS;
	while (!ctr[0]) {
		ASSERT_LT(ut_now_ms(), end);
		ut_sleep_ms(2);
	}
	grandchild = ctr[0];
	child = cu_spawn(NULL, -1);

	fd = open_dtproc();
	ASSERT_ERRNO(cu_ioc_grab(fd, grandchild, DTPROC_GRAB_CREATE, 0), EINVAL);
	ASSERT_ERRNO(cu_ioc_status(fd, grandchild, &st), ENOENT);
	ASSERT_TRUE(cu_moves(&ctr[1], CU_WAIT_MS));

	/* our own child it takes, and kills on release */
	ASSERT_OK(cu_ioc_grab(fd, child, DTPROC_GRAB_CREATE, 0));
	ASSERT_OK(cu_ioc_status(fd, child, &st));
	ASSERT_TRUE(st.flags & DTPROC_STATUS_CREATED);
	ASSERT_EQ(st.state, DTPROC_STATE_RUNNING);	/* until it execs */
	ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_RELEASE, child));
	ASSERT_TRUE(ut_reap_within(child, &status, CU_WAIT_MS));
	ASSERT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(WTERMSIG(status), SIGKILL);

	close(fd);
	ut_kill(grandchild);
	ut_kill(mid);
}

TEST_TIMEOUT(raw_grab_bad_args_einval, 120)
{
	volatile unsigned long *ctr = ut_shared(1 * sizeof(*ctr));
	pid_t pid = cu_spawn(ctr, 1000);
	struct dtproc_status st;
	int fd = open_dtproc();

	ASSERT_ERRNO(cu_ioc_grab(fd, pid, 0, 1), EINVAL);
	ASSERT_ERRNO(cu_ioc_grab(fd, pid, DTPROC_GRAB_RDONLY, 0x80000000U), EINVAL);
	ASSERT_ERRNO(cu_ioc_grab(fd, pid, 0x10, 0), EINVAL);
	ASSERT_ERRNO(cu_ioc_grab(fd, pid, 0x80000000U, 0), EINVAL);
	ASSERT_ERRNO(cu_ioc_grab(fd, pid, DTPROC_GRAB_RDONLY | DTPROC_GRAB_CREATE, 0),
		     EINVAL);
	ASSERT_ERRNO(cu_ioc_grab(fd, 0, 0, 0), EINVAL);
	ASSERT_ERRNO(cu_ioc_grab(fd, 0, DTPROC_GRAB_RDONLY, 0), EINVAL);
	ASSERT_ERRNO(cu_ioc_grab(fd, -1, 0, 0), EINVAL);
	ASSERT_ERRNO(cu_ioc_pid(fd, DTPROC_IOC_RELEASE, 0), EINVAL);
	ASSERT_ERRNO(cu_ioc_pid(fd, DTPROC_IOC_CONTINUE, 0), EINVAL);
	ASSERT_ERRNO(cu_ioc_pid(fd, DTPROC_IOC_STOP, -1), EINVAL);
	ASSERT_ERRNO(cu_ioc_status(fd, 0, &st), EINVAL);

	/* none of them took it */
	ASSERT_ERRNO(cu_ioc_status(fd, pid, &st), ENOENT);
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	ASSERT_NE(ut_state(pid), 'I');

	/* and the same arguments done right do */
	ASSERT_OK(cu_ioc_grab(fd, pid, 0, 0));
	ASSERT_OK(cu_ioc_status_wait(fd, pid, &st));
	ASSERT_EQ(st.state, DTPROC_STATE_STOPPED);
	ASSERT_TRUE(cu_frozen(ctr, CU_FROZEN_MS));
	ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_RELEASE, pid));
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	close(fd);
	ut_kill(pid);
}

/* Not held: ENOENT if the process exists, ESRCH if not. */
TEST_TIMEOUT(ops_on_unheld_pid_esrch, 120)
{
	volatile unsigned long *ctr = ut_shared(1 * sizeof(*ctr));
	pid_t pid = cu_spawn(ctr, 1000);
	pid_t unused = ut_unused_pid();
	struct dtproc_status st;
	int fd = open_dtproc();
	pid_t p;
	int i;

	for (i = 0; i < 2; i++) {
		int e = i ? ESRCH : ENOENT;

		p = i ? unused : pid;
		ASSERT_ERRNO(cu_ioc_pid(fd, DTPROC_IOC_RELEASE, p), e);
		ASSERT_ERRNO(cu_ioc_pid(fd, DTPROC_IOC_CONTINUE, p), e);
		ASSERT_ERRNO(cu_ioc_pid(fd, DTPROC_IOC_STOP, p), e);
		ASSERT_ERRNO(cu_ioc_status(fd, p, &st), e);
	}
	/* STOP of an unheld pid stopped nothing */
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	ASSERT_NE(ut_state(pid), 'I');

	/* held by another consumer is not held by this one */
	{
		int fd2 = open_dtproc();

		ASSERT_OK(cu_ioc_grab(fd2, pid, 0, 0));
		ASSERT_ERRNO(cu_ioc_pid(fd, DTPROC_IOC_CONTINUE, pid), ENOENT);
		ASSERT_ERRNO(cu_ioc_pid(fd, DTPROC_IOC_RELEASE, pid), ENOENT);
		ASSERT_ERRNO(cu_ioc_status(fd, pid, &st), ENOENT);
		ASSERT_TRUE(cu_frozen(ctr, CU_FROZEN_MS));
		close(fd2);
		ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	}
	close(fd);
	ut_kill(pid);
}

TEST_TIMEOUT(grab_busy_and_exists, 120)
{
	volatile unsigned long *ctr = ut_shared(1 * sizeof(*ctr));
	pid_t pid = cu_spawn(ctr, 0);
	struct dtproc *dp1 = cu_open(), *dp2 = cu_open();
	struct dtproc_handle *h1, *h2;
	struct dtproc_status st;
	char msg[128];

	h1 = cu_grab(dp1, pid, 0);
	CU_ASSERT_STOPPED(h1, DTPROC_STOP_GRAB);

	/* a second controller: EBUSY */
	errno = 0;
	ASSERT_TRUE(dtproc_grab(dp2, pid, 0) == NULL);
	ASSERT_EQ(errno, EBUSY);
	snprintf(msg, sizeof(msg),
		 "failed to grab pid %d: another consumer controls it (end that one, or grab read-only)",
		 pid);
	ASSERT_STREQ(dtproc_errmsg(), msg);
	/* the same consumer twice, bypassing the library's table: EEXIST */
	ASSERT_ERRNO(cu_ioc_grab(dtproc_fd(dp1), pid, 0, 0), EEXIST);
	ASSERT_ERRNO(cu_ioc_grab(dtproc_fd(dp1), pid, DTPROC_GRAB_RDONLY, 0), EEXIST);

	/* a watcher sees the controller's stop and does not disturb it */
	h2 = cu_grab(dp2, pid, DTPROC_GRAB_RDONLY);
	st = cu_status(h2);
	ASSERT_TRUE(st.flags & DTPROC_STATUS_RDONLY);
	ASSERT_EQ(st.state, DTPROC_STATE_STOPPED);
	ASSERT_EQ(st.why, DTPROC_STOP_GRAB);
	ASSERT_TRUE(cu_frozen(ctr, CU_FROZEN_MS));
	ASSERT_NE(dtproc_continue(h2), 0);
	ASSERT_NE(dtproc_stop(h2), 0);
	ASSERT_TRUE(cu_frozen(ctr, CU_FROZEN_MS));

	dtproc_release(h1);
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	st = cu_status(h2);
	ASSERT_EQ(st.state, DTPROC_STATE_RUNNING);

	/* the watcher does not keep another controller out */
	h1 = cu_grab(dp1, pid, 0);
	CU_ASSERT_STOPPED(h1, DTPROC_STOP_GRAB);
	dtproc_close(dp1);
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	dtproc_release(h2);
	dtproc_close(dp2);
	ut_kill(pid);
}

