// SPDX-License-Identifier: GPL-2.0
/*
 * Process control through libdtproc and /dev/dtproc: create, grab,
 * continue, stop, release, status and notifications, each checked from
 * outside the victim (its /proc state, counters it bumps in shared memory,
 * its exit status, files it would write).  Handles, permissions and bad
 * arguments: control_handle_test.c; ptrace, many victims, the hung-task
 * detector and exec loops: control_ptrace_test.c.
 */
#include <linux/capability.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>

#include "control_util.h"

/* --- create --- */

TEST_TIMEOUT(create_stops_before_first_instruction, 120)
{
	char *argv[] = { "sh", "-c", "echo ran > /tmp/dtproc-create.$$", NULL };
	struct dtproc *dp = cu_open();
	struct cu_notes *ns = calloc(1, sizeof(*ns));
	const struct cu_note *n;
	struct dtproc_handle *h;
	struct dtproc_status st;
	char path[64], comm[16], buf[16], msg[160];
	int status, fd;
	siginfo_t si;
	ssize_t len;
	pid_t pid;

	h = dtproc_create(dp, "sh", argv);
	if (!h)
		DT_FAIL(1, "dtproc_create: %s", dtproc_errmsg());
	pid = dtproc_handle_pid(h);
	snprintf(path, sizeof(path), "/tmp/dtproc-create.%d", pid);

	st = cu_status(h);
	ASSERT_EQ(st.state, DTPROC_STATE_STOPPED);
	ASSERT_EQ(st.why, DTPROC_STOP_CREATE);
	ASSERT_EQ(st.nthreads, 1);
	ASSERT_EQ(st.nstopped, 1);
	ASSERT_TRUE(st.flags & DTPROC_STATUS_CREATED);
	ASSERT_FALSE(st.flags & DTPROC_STATUS_RDONLY);
	ASSERT_EQ(ut_wait_state(pid, 'I', 2000), 'I');
	/* stopped after the exec: it is sh already */
	ASSERT_STREQ(ut_comm(pid, comm), "sh");

	/* and it stays stopped: not one instruction of sh */
	ut_sleep_ms(500);
	ASSERT_ERRNO(access(path, F_OK), ENOENT);
	ASSERT_EQ(ut_state(pid), 'I');
	ASSERT_EQ(waitpid(pid, &status, WNOHANG | WUNTRACED), 0);

	ASSERT_EQ(dtproc_continue(h), 0);
	/* ended, not yet reaped: the module reports it dead, with its status */
	ASSERT_TRUE(ut_wait_exit(pid, &si, CU_WAIT_MS));
	ASSERT_EQ(si.si_code, CLD_EXITED);
	ASSERT_EQ(si.si_status, 0);
	st = cu_status(h);
	ASSERT_EQ(st.state, DTPROC_STATE_DEAD);
	ASSERT_TRUE(WIFEXITED(st.status));
	ASSERT_EQ(WEXITSTATUS(st.status), 0);
	ASSERT_TRUE(ut_reap_within(pid, &status, CU_WAIT_MS));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
	fd = open(path, O_RDONLY);
	ASSERT_GE(fd, 0);
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ASSERT_EQ(len, 4);
	buf[len] = '\0';
	ASSERT_STREQ(buf, "ran\n");

	n = cu_wait_note(dp, ns, pid, DTPROC_NOTE_EXITED, CU_WAIT_MS);
	if (!n)
		cu_log_notes(ns);
	ASSERT_TRUE(n != NULL);
	ASSERT_TRUE(n->h == h);
	ASSERT_TRUE(WIFEXITED(n->note.status));
	ASSERT_EQ(WEXITSTATUS(n->note.status), 0);
	snprintf(msg, sizeof(msg),
		 "failed to control pid %d: process exited with status 0", pid);
	ASSERT_STREQ(n->msg, msg);

	dtproc_release(h);
	ASSERT_EQ(dtproc_handle_count(dp), 0);
	dtproc_close(dp);
	unlink(path);
	free(ns);
}

TEST_TIMEOUT(created_then_consumer_killed_never_runs, 120)
{
	char marker[64];
	long long t0;
	pid_t consumer, victim;
	int p[2], status;

	/* the victim is the consumer's child: once orphaned, ours to reap */
	ASSERT_OK(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	ASSERT_OK(pipe2(p, O_CLOEXEC));
	fflush(NULL);
	consumer = fork();
	ASSERT_GE(consumer, 0);
	if (consumer == 0) {
		char *argv[] = { "sh", "-c", "echo ran > /tmp/dtproc-orphan.$$",
				 NULL };
		struct dtproc_handle *h;
		struct dtproc *dp;
		pid_t v;

		close(p[0]);
		dp = dtproc_open();
		if (!dp) {
			TH_LOG("consumer: %s", dtproc_errmsg());
			_exit(2);
		}
		h = dtproc_create(dp, "sh", argv);
		if (!h) {
			TH_LOG("consumer: %s", dtproc_errmsg());
			_exit(3);
		}
		v = dtproc_handle_pid(h);
		if (write(p[1], &v, sizeof(v)) != sizeof(v))
			_exit(4);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &victim, sizeof(victim)) != sizeof(victim)) {
		waitpid(consumer, &status, 0);
		DT_FAIL(1, "consumer failed: status 0x%x", status);
	}
	close(p[0]);
	snprintf(marker, sizeof(marker), "/tmp/dtproc-orphan.%d", victim);
	ASSERT_EQ(ut_wait_state(victim, 'I', 2000), 'I');
	ASSERT_ERRNO(access(marker, F_OK), ENOENT);

	ASSERT_OK(kill(consumer, SIGKILL));
	ASSERT_EQ(waitpid(consumer, &status, 0), consumer);
	ASSERT_TRUE(WIFSIGNALED(status));
	t0 = ut_now_ms();
	if (!ut_reap_within(victim, &status, CU_WAIT_MS))
		DT_FAIL(1, "victim %d still there %d ms after its consumer died (state '%c')",
			victim, CU_WAIT_MS, ut_state(victim));
	TH_LOG("victim gone %lld ms after its consumer", ut_now_ms() - t0);
	ASSERT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(WTERMSIG(status), SIGKILL);
	ASSERT_ERRNO(kill(victim, 0), ESRCH);
	ASSERT_ERRNO(access(marker, F_OK), ENOENT);
}

TEST(create_nonexistent_fails)
{
	char *argv[] = { "dtproc-no-such-program", NULL };
	char *argv2[] = { "/nonexistent/dtproc-prog", NULL };
	struct dtproc *dp = cu_open();

	errno = 0;
	ASSERT_TRUE(dtproc_create(dp, argv[0], argv) == NULL);
	ASSERT_EQ(errno, ENOENT);
	ASSERT_STREQ(dtproc_errmsg(),
		     "failed to execute dtproc-no-such-program: No such file or directory (check the name and PATH)");

	errno = 0;
	ASSERT_TRUE(dtproc_create(dp, argv2[0], argv2) == NULL);
	ASSERT_EQ(errno, ENOENT);
	ASSERT_STREQ(dtproc_errmsg(),
		     "failed to execute /nonexistent/dtproc-prog: No such file or directory (check the name and PATH)");

	ASSERT_EQ(dtproc_handle_count(dp), 0);
	/* the failed children were reaped */
	ASSERT_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
	dtproc_close(dp);
}

/* RELEASE of a created victim kills it, continued or not. */
TEST_TIMEOUT(release_kills_created, 120)
{
	char *argv[] = { "sleep", "60", NULL };
	struct dtproc *dp = cu_open();
	struct dtproc_handle *h;
	int status, round;
	pid_t pid;

	for (round = 0; round < 2; round++) {
		h = dtproc_create(dp, "sleep", argv);
		if (!h)
			DT_FAIL(1, "dtproc_create: %s", dtproc_errmsg());
		pid = dtproc_handle_pid(h);
		CU_ASSERT_STOPPED(h, DTPROC_STOP_CREATE);
		if (round == 1) {
			ASSERT_EQ(dtproc_continue(h), 0);
			ASSERT_EQ(ut_wait_state(pid, 'S', CU_WAIT_MS), 'S');
			CU_ASSERT_RUNNING(h);
		}
		dtproc_release(h);
		if (!ut_reap_within(pid, &status, CU_WAIT_MS))
			DT_FAIL(1, "round %d: released created pid %d still alive (state '%c')",
				round, pid, ut_state(pid));
		ASSERT_TRUE(WIFSIGNALED(status));
		ASSERT_EQ(WTERMSIG(status), SIGKILL);
	}
	ASSERT_EQ(dtproc_handle_count(dp), 0);
	dtproc_close(dp);
}

/*
 * A created victim in a requested stop is not killed by RELEASE: it stays
 * stopped (dtproc break -c leaves its process so) until SIGCONT.
 */
TEST_TIMEOUT(release_leaves_created_in_requested_stop, 120)
{
	char *argv[] = { "sleep", "60", NULL };
	struct dtproc *dp = cu_open();
	struct dtproc_handle *h;
	int status;
	pid_t pid;

	h = dtproc_create(dp, "sleep", argv);
	if (!h)
		DT_FAIL(1, "dtproc_create: %s", dtproc_errmsg());
	pid = dtproc_handle_pid(h);
	ASSERT_EQ(dtproc_continue(h), 0);
	ASSERT_EQ(ut_wait_state(pid, 'S', CU_WAIT_MS), 'S');
	ASSERT_EQ(dtproc_stop(h), 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_REQUESTED);
	dtproc_release(h);
	dtproc_close(dp);
	if (ut_reap_within(pid, &status, 1000))
		DT_FAIL(1, "released created pid %d in a requested stop died (status %#x)",
			pid, status);
	ASSERT_EQ(ut_state(pid), 'I');
	ASSERT_OK(kill(pid, SIGCONT));
	ASSERT_EQ(ut_wait_state(pid, 'S', CU_WAIT_MS), 'S');
	ASSERT_OK(kill(pid, SIGKILL));
	ASSERT_TRUE(ut_reap_within(pid, &status, CU_WAIT_MS));
}

/* --- grab --- */

TEST(grab_unused_pid_fails)
{
	struct dtproc *dp = cu_open();
	pid_t pid = ut_unused_pid();
	char msg[96];

	snprintf(msg, sizeof(msg),
		 "failed to grab pid %d: No such process (check the pid)", pid);
	errno = 0;
	ASSERT_TRUE(dtproc_grab(dp, pid, 0) == NULL);
	ASSERT_EQ(errno, ESRCH);
	ASSERT_STREQ(dtproc_errmsg(), msg);
	errno = 0;
	ASSERT_TRUE(dtproc_grab(dp, pid, DTPROC_GRAB_RDONLY) == NULL);
	ASSERT_EQ(errno, ESRCH);
	ASSERT_STREQ(dtproc_errmsg(), msg);
	ASSERT_EQ(dtproc_handle_count(dp), 0);
	dtproc_close(dp);
}

TEST_TIMEOUT(grab_stops_busy_victim, 120)
{
	volatile unsigned long *ctr = ut_shared(1 * sizeof(*ctr));
	pid_t pid = cu_spawn(ctr, 0);
	struct dtproc *dp = cu_open();
	struct dtproc_handle *h;
	struct dtproc_status st;
	int status;

	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	st = cu_status(h);
	ASSERT_EQ(st.nthreads, 1);
	ASSERT_FALSE(st.flags & (DTPROC_STATUS_CREATED | DTPROC_STATUS_RDONLY));
	ASSERT_TRUE(cu_frozen(ctr, CU_FROZEN_MS));
	/* waitpid sees nothing of it */
	ASSERT_EQ(waitpid(pid, &status, WNOHANG | WUNTRACED | WCONTINUED), 0);

	ASSERT_EQ(dtproc_continue(h), 0);
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	CU_ASSERT_RUNNING(h);
	ASSERT_EQ(waitpid(pid, &status, WNOHANG | WUNTRACED | WCONTINUED), 0);

	/* release of a stopped grabbed victim sets it running */
	dtproc_release(h);
	ASSERT_EQ(dtproc_handle_count(dp), 0);
	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	ASSERT_TRUE(cu_frozen(ctr, CU_FROZEN_MS));
	dtproc_release(h);
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	ASSERT_NE(ut_wait_not_state(pid, 'I', 2000), 'I');

	dtproc_close(dp);
	ut_kill(pid);
}

#define MT_THREADS	8

struct mt_arg {
	volatile unsigned long *c;
	int spin;
};

static void *mt_thread(void *p)
{
	struct mt_arg *a = p;

	for (;;) {
		(*a->c)++;
		if (!a->spin)
			usleep(1000);
	}
	return NULL;
}

/* ctr[0]: set once every thread runs; ctr[1 + i]: thread i's counter. */
static void mt_victim(volatile unsigned long *ctr)
{
	struct mt_arg args[MT_THREADS];
	pthread_t t;
	int i;

	ut_close_fds();
	for (i = 0; i < MT_THREADS; i++) {
		args[i].c = &ctr[1 + i];
		args[i].spin = !(i % 2);
		if (pthread_create(&t, NULL, mt_thread, &args[i]))
			_exit(2);
	}
	ctr[0] = 1;
	for (;;)
		pause();
}

TEST_TIMEOUT(grab_stops_every_thread, 120)
{
	volatile unsigned long *ctr = ut_shared((1 + MT_THREADS) * sizeof(*ctr));
	struct dtproc_handle *h;
	struct dtproc_status st;
	struct dtproc *dp;
	char states[64];
	int i, n, idle;
	long long end;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		mt_victim(ctr);
	end = ut_now_ms() + CU_WAIT_MS;
	while (!ctr[0] || ut_tasks(pid, 'I', &idle, states, sizeof(states)) !=
			  MT_THREADS + 1) {
		ASSERT_LT(ut_now_ms(), end);
		ut_sleep_ms(5);
	}
	for (i = 0; i < MT_THREADS; i++)
		ASSERT_TRUE(cu_moves(&ctr[1 + i], CU_WAIT_MS));

	dp = cu_open();
	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	st = cu_status(h);
	n = ut_tasks(pid, 'I', &idle, states, sizeof(states));
	TH_LOG("nthreads %u nstopped %u, /proc: %d threads \"%s\"",
	       st.nthreads, st.nstopped, n, states);
	ASSERT_EQ(n, MT_THREADS + 1);
	ASSERT_EQ(st.nthreads, (unsigned int)n);
	ASSERT_EQ(st.nstopped, st.nthreads);
	ASSERT_EQ(idle, n);
	for (i = 0; i < MT_THREADS; i++)
		ASSERT_TRUE(cu_frozen(&ctr[1 + i], i ? 20 : CU_FROZEN_MS));

	ASSERT_EQ(dtproc_continue(h), 0);
	for (i = 0; i < MT_THREADS; i++)
		ASSERT_TRUE(cu_moves(&ctr[1 + i], CU_WAIT_MS));
	CU_ASSERT_RUNNING(h);

	/* and again, now that all of them have been parked once */
	ASSERT_EQ(dtproc_stop(h), 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_REQUESTED);
	for (i = 0; i < MT_THREADS; i++)
		ASSERT_TRUE(cu_frozen(&ctr[1 + i], i ? 20 : CU_FROZEN_MS));
	ASSERT_EQ(dtproc_continue(h), 0);
	for (i = 0; i < MT_THREADS; i++)
		ASSERT_TRUE(cu_moves(&ctr[1 + i], CU_WAIT_MS));

	dtproc_release(h);
	dtproc_close(dp);
	ut_kill(pid);
}

TEST_TIMEOUT(sigkill_parked_victim, 120)
{
	volatile unsigned long *ctr = ut_shared(1 * sizeof(*ctr));
	pid_t pid = cu_spawn(ctr, 0);
	struct dtproc *dp = cu_open();
	struct cu_notes *ns = calloc(1, sizeof(*ns));
	const struct cu_note *n;
	struct dtproc_handle *h;
	struct dtproc_status st;
	char msg[160];
	long long t0;
	siginfo_t si;
	int status;

	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	t0 = ut_now_ms();
	ASSERT_OK(kill(pid, SIGKILL));
	if (!ut_wait_exit(pid, &si, CU_WAIT_MS))
		DT_FAIL(1, "parked pid %d not dead %d ms after SIGKILL (state '%c')",
			pid, CU_WAIT_MS, ut_state(pid));
	TH_LOG("dead %lld ms after SIGKILL", ut_now_ms() - t0);
	ASSERT_EQ(si.si_code, CLD_KILLED);
	ASSERT_EQ(si.si_status, SIGKILL);

	n = cu_wait_note(dp, ns, pid, DTPROC_NOTE_EXITED, CU_WAIT_MS);
	if (!n)
		cu_log_notes(ns);
	ASSERT_TRUE(n != NULL);
	ASSERT_TRUE(n->h == h);
	ASSERT_TRUE(WIFSIGNALED(n->note.status));
	ASSERT_EQ(WTERMSIG(n->note.status), SIGKILL);
	snprintf(msg, sizeof(msg),
		 "failed to control pid %d: process died from signal 9", pid);
	ASSERT_STREQ(n->msg, msg);

	/* a zombie still: dead, with its wait status */
	st = cu_status(h);
	ASSERT_EQ(st.state, DTPROC_STATE_DEAD);
	ASSERT_TRUE(WIFSIGNALED(st.status));
	ASSERT_EQ(WTERMSIG(st.status), SIGKILL);
	ASSERT_TRUE(ut_reap_within(pid, &status, CU_WAIT_MS));
	ASSERT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(WTERMSIG(status), SIGKILL);
	dtproc_release(h);
	dtproc_close(dp);
	free(ns);
}

#define NS_LAST_PID	"/proc/sys/kernel/ns_last_pid"

/* A spinning child that has pid @want (through ns_last_pid), or -1. */
static pid_t spawn_with_pid(volatile unsigned long *c, pid_t want)
{
	char buf[16];
	int fd, tries, len;
	pid_t pid;

	for (tries = 0; tries < 50; tries++) {
		fd = open(NS_LAST_PID, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		len = snprintf(buf, sizeof(buf), "%d", want - 1);
		if (write(fd, buf, len) != len) {
			close(fd);
			return -1;
		}
		close(fd);
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			return -1;
		if (pid == 0) {
			ut_close_fds();
			cu_loop(c, 0);
		}
		if (pid == want)
			return pid;
		ut_kill(pid);
	}
	return -1;
}

/*
 * A victim that dies and is reaped before its handle is released: the
 * release must still let go of it, so that a new process given the same
 * pid is nothing of this consumer's and can be grabbed.
 */
TEST_TIMEOUT(release_after_reap_lets_go, 120)
{
	volatile unsigned long *ctr = ut_shared(2 * sizeof(*ctr));
	pid_t pid = cu_spawn(&ctr[0], 0), again;
	struct dtproc *dp = cu_open();
	struct dtproc_handle *h;
	struct dtproc_status st;
	int status;

	if (access(NS_LAST_PID, W_OK))
		SKIP(NS_LAST_PID ": %s", strerror(errno));
	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	ASSERT_OK(kill(pid, SIGKILL));
	ASSERT_TRUE(ut_reap_within(pid, &status, CU_WAIT_MS));
	dtproc_release(h);
	ASSERT_EQ(dtproc_handle_count(dp), 0);

	again = spawn_with_pid(&ctr[1], pid);
	if (again < 0)
		SKIP("cannot have pid %d again", pid);
	ASSERT_TRUE(cu_moves(&ctr[1], CU_WAIT_MS));

	/* the new process is not held: STATUS knows nothing of it */
	errno = 0;
	if (cu_ioc_status(dtproc_fd(dp), again, &st) == 0)
		DT_FAIL(0, "STATUS of new pid %d answers for the released victim: state %u status 0x%x",
			again, st.state, st.status);
	else
		EXPECT_EQ(errno, ENOENT);
	h = dtproc_grab(dp, again, 0);
	if (!h)
		DT_FAIL(1, "grab of pid %d, reused after the released victim was reaped: %s",
			again, dtproc_errmsg());
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	ASSERT_TRUE(cu_frozen(&ctr[1], CU_FROZEN_MS));
	dtproc_release(h);
	ASSERT_TRUE(cu_moves(&ctr[1], CU_WAIT_MS));
	dtproc_close(dp);
	ut_kill(again);
}

/* --- requested stops --- */

TEST_TIMEOUT(requested_stop_outlives_consumer, 120)
{
	volatile unsigned long *ctr = ut_shared(1 * sizeof(*ctr));
	pid_t pid = cu_spawn(ctr, 0);
	struct dtproc *dp = cu_open();
	struct dtproc_handle *h;

	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	ASSERT_EQ(dtproc_continue(h), 0);
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));

	ASSERT_EQ(dtproc_stop(h), 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_REQUESTED);
	ASSERT_TRUE(cu_frozen(ctr, CU_FROZEN_MS));

	/* SIGCONT ends a requested stop, as prun(1) would */
	ASSERT_OK(kill(pid, SIGCONT));
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	CU_ASSERT_RUNNING(h);

	ASSERT_EQ(dtproc_stop(h), 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_REQUESTED);

	/* the consumer goes; the victim stays stopped */
	dtproc_close(dp);
	ASSERT_TRUE(cu_frozen(ctr, 500));
	ASSERT_EQ(ut_state(pid), 'I');
	ASSERT_TRUE(cu_frozen(ctr, 500));

	ASSERT_OK(kill(pid, SIGCONT));
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	ASSERT_NE(ut_wait_not_state(pid, 'I', 2000), 'I');

	/* nothing of the old stop is left: a new consumer can grab it */
	dp = cu_open();
	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	dtproc_release(h);
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	dtproc_close(dp);
	ut_kill(pid);
}

/*
 * ctr[0] the victim's counter, ctr[1] its child's; ctr[2] set: fork now;
 * ctr[3] the child's pid.
 */
static void forking_victim(volatile unsigned long *ctr)
{
	pid_t child;

	ut_close_fds();
	for (;;) {
		ctr[0]++;
		if (ctr[2] == 1 && !ctr[3]) {
			child = fork();
			if (child < 0)
				_exit(2);
			if (child == 0)
				cu_loop(&ctr[1], 1000);
			ctr[3] = child;
		}
		usleep(1000);
	}
}

TEST_TIMEOUT(fork_children_run_free, 120)
{
	volatile unsigned long *ctr = ut_shared(4 * sizeof(*ctr));
	struct dtproc_handle *h;
	struct dtproc *dp;
	long long end;
	pid_t pid, child;

	fflush(NULL);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		forking_victim(ctr);
	ASSERT_TRUE(cu_moves(&ctr[0], CU_WAIT_MS));

	dp = cu_open();
	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	ASSERT_EQ(dtproc_continue(h), 0);
	ASSERT_TRUE(cu_moves(&ctr[0], CU_WAIT_MS));

	/* a controlled victim forks */
	ctr[2] = 1;
	end = ut_now_ms() + CU_WAIT_MS;
	while (!ctr[3]) {
		ASSERT_LT(ut_now_ms(), end);
		ut_sleep_ms(2);
	}
	child = ctr[3];
	ASSERT_TRUE(cu_moves(&ctr[1], CU_WAIT_MS));

	ASSERT_EQ(dtproc_stop(h), 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_REQUESTED);
	ASSERT_TRUE(cu_frozen(&ctr[0], CU_FROZEN_MS));
	/* the child is not stopped with its parent */
	ASSERT_TRUE(cu_moves(&ctr[1], CU_WAIT_MS));
	ASSERT_NE(ut_state(child), 'I');
	ASSERT_TRUE(cu_moves(&ctr[1], CU_WAIT_MS));
	ASSERT_TRUE(cu_frozen(&ctr[0], 20));

	ASSERT_EQ(dtproc_continue(h), 0);
	ASSERT_TRUE(cu_moves(&ctr[0], CU_WAIT_MS));
	dtproc_release(h);
	dtproc_close(dp);
	ut_kill(child);
	ut_kill(pid);
}

/* --- exec --- */

#define SUIDBB "/tmp/suidbb"

TEST_TIMEOUT(setid_exec_loses_control, 120)
{
	struct cu_notes *ns = calloc(1, sizeof(*ns));
	const struct cu_note *n;
	struct dtproc_handle *h;
	struct dtproc_status st;
	struct dtproc *dp;
	struct stat sb;
	char msg[160], s;
	long long end;
	int go[2];
	pid_t pid;

	ut_copy_file("/bin/busybox", SUIDBB, 0755);
	ASSERT_OK(chown(SUIDBB, 0, 0));
	ASSERT_OK(chmod(SUIDBB, 04755));
	ASSERT_OK(stat(SUIDBB, &sb));
	ASSERT_TRUE(sb.st_mode & S_ISUID);

	ASSERT_OK(pipe2(go, O_CLOEXEC));
	fflush(NULL);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char c;

		close(go[1]);
		drop_to_nobody();
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		/* busybox runs the applet argv[0] names */
		execl(SUIDBB, "sleep", "5", (char *)NULL);
		_exit(4);
	}
	close(go[0]);
	ASSERT_EQ(ut_wait_state(pid, 'S', CU_WAIT_MS), 'S');
	ASSERT_EQ(ut_status_field(pid, "Uid:"), 65534);

	dp = cu_open();
	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	ASSERT_EQ(dtproc_continue(h), 0);
	CU_ASSERT_RUNNING(h);
	ASSERT_EQ(write(go[1], "g", 1), 1);
	close(go[1]);

	n = cu_wait_note(dp, ns, pid, DTPROC_NOTE_LOST, CU_WAIT_MS);
	if (!n)
		cu_log_notes(ns);
	ASSERT_TRUE(n != NULL);
	ASSERT_TRUE(n->h == h);
	snprintf(msg, sizeof(msg),
		 "failed to control pid %d: process exec'd set-id or unobservable program",
		 pid);
	ASSERT_STREQ(n->msg, msg);
	st = cu_status(h);
	ASSERT_EQ(st.state, DTPROC_STATE_LOST);

	/* it runs (or waits for a page, D), and can be stopped no more */
	end = ut_now_ms() + 500;
	while (ut_now_ms() < end) {
		s = ut_state(pid);
		ASSERT_TRUE(s == 'S' || s == 'R' || s == 'D');
		ut_sleep_ms(10);
	}
	ASSERT_NE(dtproc_stop(h), 0);
	ASSERT_NE(ut_wait_not_state(pid, 'I', 200), 'I');
	st = cu_status(h);
	ASSERT_EQ(st.state, DTPROC_STATE_LOST);

	dtproc_release(h);
	ASSERT_NE(ut_state(pid), 'I');
	dtproc_close(dp);
	ut_kill(pid);
	unlink(SUIDBB);
	free(ns);
}

TEST_TIMEOUT(exec_keeps_control, 120)
{
	struct cu_notes *ns = calloc(1, sizeof(*ns));
	struct dtproc_handle *h, *h2;
	const struct cu_note *n;
	struct dtproc_status st;
	struct dtproc *dp;
	char comm[16];
	int go[2];
	pid_t pid;

	ASSERT_OK(pipe2(go, O_CLOEXEC));
	fflush(NULL);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		execl("/bin/sleep", "sleep", "60", (char *)NULL);
		_exit(4);
	}
	close(go[0]);

	dp = cu_open();
	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	ASSERT_EQ(dtproc_continue(h), 0);
	ASSERT_EQ(write(go[1], "g", 1), 1);
	close(go[1]);

	n = cu_wait_note(dp, ns, pid, DTPROC_NOTE_EXEC, CU_WAIT_MS);
	if (!n)
		cu_log_notes(ns);
	ASSERT_TRUE(n != NULL);
	ASSERT_TRUE(n->h == h);
	ASSERT_STREQ(ut_comm(pid, comm), "sleep");
	st = cu_status(h);
	ASSERT_EQ(st.state, DTPROC_STATE_RUNNING);
	ASSERT_FALSE(st.flags & DTPROC_STATUS_RDONLY);
	ASSERT_EQ(ut_wait_state(pid, 'S', CU_WAIT_MS), 'S');

	/* still ours: the same handle, and it stops when asked */
	h2 = dtproc_grab(dp, pid, 0);
	ASSERT_TRUE(h2 == h);
	ASSERT_EQ(dtproc_stop(h), 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_REQUESTED);
	ASSERT_EQ(dtproc_continue(h), 0);
	ASSERT_EQ(ut_wait_state(pid, 'S', CU_WAIT_MS), 'S');
	dtproc_release(h2);
	CU_ASSERT_RUNNING(h);
	dtproc_release(h);
	ASSERT_EQ(dtproc_handle_count(dp), 0);
	dtproc_close(dp);
	ut_kill(pid);
	free(ns);
}

