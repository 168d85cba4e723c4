// SPDX-License-Identifier: GPL-2.0
/*
 * Process control through libdtproc and /dev/dtproc: create, grab,
 * continue, stop, release, status, notifications and the handle cache,
 * each checked from outside the victim (its /proc state, counters it bumps
 * in shared memory, its exit status, files it would write).
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
	ASSERT_EQ(cu_wait_state(pid, 'I', 2000), 'I');
	/* stopped after the exec: it is sh already */
	ASSERT_STREQ(cu_comm(pid, comm), "sh");

	/* and it stays stopped: not one instruction of sh */
	cu_sleep_ms(500);
	ASSERT_ERRNO(access(path, F_OK), ENOENT);
	ASSERT_EQ(cu_state(pid), 'I');
	ASSERT_EQ(waitpid(pid, &status, WNOHANG | WUNTRACED), 0);

	ASSERT_EQ(dtproc_continue(h), 0);
	/* ended, not yet reaped: the module reports it dead, with its status */
	ASSERT_TRUE(cu_wait_exit(pid, &si, CU_WAIT_MS));
	ASSERT_EQ(si.si_code, CLD_EXITED);
	ASSERT_EQ(si.si_status, 0);
	st = cu_status(h);
	ASSERT_EQ(st.state, DTPROC_STATE_DEAD);
	ASSERT_TRUE(WIFEXITED(st.status));
	ASSERT_EQ(WEXITSTATUS(st.status), 0);
	ASSERT_TRUE(cu_reap(pid, &status, CU_WAIT_MS));
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
	ASSERT_EQ(cu_wait_state(victim, 'I', 2000), 'I');
	ASSERT_ERRNO(access(marker, F_OK), ENOENT);

	ASSERT_OK(kill(consumer, SIGKILL));
	ASSERT_EQ(waitpid(consumer, &status, 0), consumer);
	ASSERT_TRUE(WIFSIGNALED(status));
	t0 = cu_now_ms();
	if (!cu_reap(victim, &status, 1000))
		DT_FAIL(1, "victim %d still there 1 s after its consumer died (state '%c')",
			victim, cu_state(victim));
	TH_LOG("victim gone %lld ms after its consumer", cu_now_ms() - t0);
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
		     "failed to execute dtproc-no-such-program: No such file or directory");

	errno = 0;
	ASSERT_TRUE(dtproc_create(dp, argv2[0], argv2) == NULL);
	ASSERT_EQ(errno, ENOENT);
	ASSERT_STREQ(dtproc_errmsg(),
		     "failed to execute /nonexistent/dtproc-prog: No such file or directory");

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
			ASSERT_EQ(cu_wait_state(pid, 'S', CU_WAIT_MS), 'S');
			CU_ASSERT_RUNNING(h);
		}
		dtproc_release(h);
		if (!cu_reap(pid, &status, 1000))
			DT_FAIL(1, "round %d: released created pid %d still alive (state '%c')",
				round, pid, cu_state(pid));
		ASSERT_TRUE(WIFSIGNALED(status));
		ASSERT_EQ(WTERMSIG(status), SIGKILL);
	}
	ASSERT_EQ(dtproc_handle_count(dp), 0);
	dtproc_close(dp);
}

/* --- grab --- */

TEST(grab_unused_pid_fails)
{
	struct dtproc *dp = cu_open();
	pid_t pid = cu_unused_pid();
	char msg[96];

	snprintf(msg, sizeof(msg), "failed to grab pid %d: No such process",
		 pid);
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
	volatile unsigned long *ctr = cu_shared(1);
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
	ASSERT_NE(cu_wait_not_state(pid, 'I', 2000), 'I');

	dtproc_close(dp);
	cu_kill(pid);
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

	cu_close_fds();
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
	volatile unsigned long *ctr = cu_shared(1 + MT_THREADS);
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
	end = cu_now_ms() + CU_WAIT_MS;
	while (!ctr[0] || cu_tasks(pid, 'I', &idle, states, sizeof(states)) !=
			  MT_THREADS + 1) {
		ASSERT_LT(cu_now_ms(), end);
		cu_sleep_ms(5);
	}
	for (i = 0; i < MT_THREADS; i++)
		ASSERT_TRUE(cu_moves(&ctr[1 + i], CU_WAIT_MS));

	dp = cu_open();
	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	st = cu_status(h);
	n = cu_tasks(pid, 'I', &idle, states, sizeof(states));
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
	cu_kill(pid);
}

TEST_TIMEOUT(sigkill_parked_victim, 120)
{
	volatile unsigned long *ctr = cu_shared(1);
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
	t0 = cu_now_ms();
	ASSERT_OK(kill(pid, SIGKILL));
	if (!cu_wait_exit(pid, &si, 1000))
		DT_FAIL(1, "parked pid %d not dead 1 s after SIGKILL (state '%c')",
			pid, cu_state(pid));
	TH_LOG("dead %lld ms after SIGKILL", cu_now_ms() - t0);
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
	ASSERT_TRUE(cu_reap(pid, &status, CU_WAIT_MS));
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
			cu_close_fds();
			cu_loop(c, 0);
		}
		if (pid == want)
			return pid;
		cu_kill(pid);
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
	volatile unsigned long *ctr = cu_shared(2);
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
	ASSERT_TRUE(cu_reap(pid, &status, CU_WAIT_MS));
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
	cu_kill(again);
}

/* --- requested stops --- */

TEST_TIMEOUT(requested_stop_outlives_consumer, 120)
{
	volatile unsigned long *ctr = cu_shared(1);
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
	ASSERT_EQ(cu_state(pid), 'I');
	ASSERT_TRUE(cu_frozen(ctr, 500));

	ASSERT_OK(kill(pid, SIGCONT));
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	ASSERT_NE(cu_wait_not_state(pid, 'I', 2000), 'I');

	/* nothing of the old stop is left: a new consumer can grab it */
	dp = cu_open();
	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	dtproc_release(h);
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	dtproc_close(dp);
	cu_kill(pid);
}

/*
 * ctr[0] the victim's counter, ctr[1] its child's; ctr[2] set: fork now;
 * ctr[3] the child's pid.
 */
static void forking_victim(volatile unsigned long *ctr)
{
	pid_t child;

	cu_close_fds();
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
	volatile unsigned long *ctr = cu_shared(4);
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
	end = cu_now_ms() + CU_WAIT_MS;
	while (!ctr[3]) {
		ASSERT_LT(cu_now_ms(), end);
		cu_sleep_ms(2);
	}
	child = ctr[3];
	ASSERT_TRUE(cu_moves(&ctr[1], CU_WAIT_MS));

	ASSERT_EQ(dtproc_stop(h), 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_REQUESTED);
	ASSERT_TRUE(cu_frozen(&ctr[0], CU_FROZEN_MS));
	/* the child is not stopped with its parent */
	ASSERT_TRUE(cu_moves(&ctr[1], CU_WAIT_MS));
	ASSERT_NE(cu_state(child), 'I');
	ASSERT_TRUE(cu_moves(&ctr[1], CU_WAIT_MS));
	ASSERT_TRUE(cu_frozen(&ctr[0], 20));

	ASSERT_EQ(dtproc_continue(h), 0);
	ASSERT_TRUE(cu_moves(&ctr[0], CU_WAIT_MS));
	dtproc_release(h);
	dtproc_close(dp);
	cu_kill(child);
	cu_kill(pid);
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

	cu_copy_file("/bin/busybox", SUIDBB, 0755);
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
	ASSERT_EQ(cu_wait_state(pid, 'S', CU_WAIT_MS), 'S');
	ASSERT_EQ(cu_status_field(pid, "Uid:"), 65534);

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

	/* it runs, and can be stopped no more */
	end = cu_now_ms() + 500;
	while (cu_now_ms() < end) {
		s = cu_state(pid);
		ASSERT_TRUE(s == 'S' || s == 'R');
		cu_sleep_ms(10);
	}
	ASSERT_NE(dtproc_stop(h), 0);
	ASSERT_NE(cu_wait_not_state(pid, 'I', 200), 'I');
	st = cu_status(h);
	ASSERT_EQ(st.state, DTPROC_STATE_LOST);

	dtproc_release(h);
	ASSERT_NE(cu_state(pid), 'I');
	dtproc_close(dp);
	cu_kill(pid);
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
	ASSERT_STREQ(cu_comm(pid, comm), "sleep");
	st = cu_status(h);
	ASSERT_EQ(st.state, DTPROC_STATE_RUNNING);
	ASSERT_FALSE(st.flags & DTPROC_STATUS_RDONLY);
	ASSERT_EQ(cu_wait_state(pid, 'S', CU_WAIT_MS), 'S');

	/* still ours: the same handle, and it stops when asked */
	h2 = dtproc_grab(dp, pid, 0);
	ASSERT_TRUE(h2 == h);
	ASSERT_EQ(dtproc_stop(h), 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_REQUESTED);
	ASSERT_EQ(dtproc_continue(h), 0);
	ASSERT_EQ(cu_wait_state(pid, 'S', CU_WAIT_MS), 'S');
	dtproc_release(h2);
	CU_ASSERT_RUNNING(h);
	dtproc_release(h);
	ASSERT_EQ(dtproc_handle_count(dp), 0);
	dtproc_close(dp);
	cu_kill(pid);
	free(ns);
}

/* --- handles --- */

TEST_TIMEOUT(handle_refcount, 120)
{
	volatile unsigned long *ctr = cu_shared(1);
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
	cu_kill(pid);
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
		ASSERT_EQ(cu_wait_state(pids[i], 'S', CU_WAIT_MS), 'S');

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
		cu_kill(pids[i]);
}

TEST_TIMEOUT(handle_upgrade_rdonly_to_control, 120)
{
	volatile unsigned long *ctr = cu_shared(1);
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
	cu_kill(pid);
}

/* --- permissions and bad arguments --- */

TEST(grab_kernel_thread_eperm)
{
	struct dtproc *dp = cu_open();
	char comm[16];

	ASSERT_STREQ(cu_comm(2, comm), "kthreadd");
	errno = 0;
	ASSERT_TRUE(dtproc_grab(dp, 2, 0) == NULL);
	ASSERT_EQ(errno, EPERM);
	errno = 0;
	ASSERT_TRUE(dtproc_grab(dp, 2, DTPROC_GRAB_RDONLY) == NULL);
	ASSERT_EQ(errno, EPERM);
	ASSERT_NE(cu_state(2), 'I');
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
		cu_close_fds();
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

		cu_close_fds();
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
	volatile unsigned long *ctr = cu_shared(2);
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
	cu_kill(mine);
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
	cu_kill(other);
	cu_kill(mine);
}

TEST_TIMEOUT(grab_create_of_non_child_einval, 120)
{
	volatile unsigned long *ctr = cu_shared(2);
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

		cu_close_fds();
		g = fork();
		if (g < 0)
			_exit(2);
		if (g == 0)
			cu_loop(&ctr[1], 1000);
		ctr[0] = g;
		for (;;)
			pause();
	}
	end = cu_now_ms() + CU_WAIT_MS;
	while (!ctr[0]) {
		ASSERT_LT(cu_now_ms(), end);
		cu_sleep_ms(2);
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
	ASSERT_TRUE(cu_reap(child, &status, 1000));
	ASSERT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(WTERMSIG(status), SIGKILL);

	close(fd);
	cu_kill(grandchild);
	cu_kill(mid);
}

TEST_TIMEOUT(raw_grab_bad_args_einval, 120)
{
	volatile unsigned long *ctr = cu_shared(1);
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
	ASSERT_NE(cu_state(pid), 'I');

	/* and the same arguments done right do */
	ASSERT_OK(cu_ioc_grab(fd, pid, 0, 0));
	ASSERT_OK(cu_ioc_status(fd, pid, &st));
	ASSERT_EQ(st.state, DTPROC_STATE_STOPPED);
	ASSERT_TRUE(cu_frozen(ctr, CU_FROZEN_MS));
	ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_RELEASE, pid));
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	close(fd);
	cu_kill(pid);
}

/* Not held: ENOENT if the process exists, ESRCH if not. */
TEST_TIMEOUT(ops_on_unheld_pid_esrch, 120)
{
	volatile unsigned long *ctr = cu_shared(1);
	pid_t pid = cu_spawn(ctr, 1000);
	pid_t unused = cu_unused_pid();
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
	ASSERT_NE(cu_state(pid), 'I');

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
	cu_kill(pid);
}

TEST_TIMEOUT(grab_busy_and_exists, 120)
{
	volatile unsigned long *ctr = cu_shared(1);
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
		 "failed to grab pid %d: another consumer controls it: %s",
		 pid, strerror(EBUSY));
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
	cu_kill(pid);
}

/* --- ptrace --- */

/* Tracer commands and answers over two pipes. */
static char tracer_ask(int cmd_fd, int rep_fd, char cmd)
{
	char c = 0;

	if (write(cmd_fd, &cmd, 1) != 1)
		return 0;
	if (read(rep_fd, &c, 1) != 1)
		return 0;
	return c;
}

static void tracer(pid_t victim, int cmd_fd, int rep_fd)
{
	int status;
	char c, r;

	r = ptrace(PTRACE_SEIZE, victim, 0, 0) ? 'E' : 'S';
	if (write(rep_fd, &r, 1) != 1)
		_exit(2);
	while (read(cmd_fd, &c, 1) == 1) {
		switch (c) {
		case 'w':	/* anything to wait for? */
			r = waitpid(victim, &status, WNOHANG | __WALL) == 0 ?
				'N' : 'Y';
			break;
		case 'i':	/* interrupt: a group-stop like PTRACE_EVENT_STOP */
			r = 'F';
			if (!ptrace(PTRACE_INTERRUPT, victim, 0, 0) &&
			    waitpid(victim, &status, __WALL) == victim &&
			    WIFSTOPPED(status) &&
			    status >> 16 == PTRACE_EVENT_STOP)
				r = 'K';
			break;
		case 'c':
			r = ptrace(PTRACE_CONT, victim, 0, 0) ? 'F' : 'C';
			break;
		default:
			r = '?';
		}
		if (write(rep_fd, &r, 1) != 1)
			_exit(2);
	}
	_exit(0);
}

TEST_TIMEOUT(grab_ptraced_victim, 120)
{
	volatile unsigned long *ctr = cu_shared(1);
	pid_t pid = cu_spawn(ctr, 0);
	struct dtproc_handle *h;
	struct dtproc *dp;
	int cmd[2], rep[2];
	pid_t tr;
	char c;

	ASSERT_OK(pipe2(cmd, O_CLOEXEC));
	ASSERT_OK(pipe2(rep, O_CLOEXEC));
	fflush(NULL);
	tr = fork();
	ASSERT_GE(tr, 0);
	if (tr == 0) {
		close(cmd[1]);
		close(rep[0]);
		tracer(pid, cmd[0], rep[1]);
	}
	close(cmd[0]);
	close(rep[1]);
	ASSERT_EQ(read(rep[0], &c, 1), 1);
	ASSERT_EQ(c, 'S');
	ASSERT_EQ(cu_status_field(pid, "TracerPid:"), tr);
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));

	dp = cu_open();
	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	ASSERT_TRUE(cu_frozen(ctr, CU_FROZEN_MS));
	/* the tracer sees nothing of the stop */
	ASSERT_EQ(tracer_ask(cmd[1], rep[0], 'w'), 'N');
	ASSERT_EQ(cu_status_field(pid, "TracerPid:"), tr);

	dtproc_release(h);
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	ASSERT_EQ(cu_status_field(pid, "TracerPid:"), tr);

	/* and it still traces it */
	ASSERT_EQ(tracer_ask(cmd[1], rep[0], 'i'), 'K');
	ASSERT_EQ(cu_wait_state(pid, 't', CU_WAIT_MS), 't');
	ASSERT_TRUE(cu_frozen(ctr, CU_FROZEN_MS));
	ASSERT_EQ(tracer_ask(cmd[1], rep[0], 'c'), 'C');
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));

	/* grabbed again, then continued while still grabbed */
	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	ASSERT_EQ(dtproc_continue(h), 0);
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	dtproc_release(h);
	dtproc_close(dp);

	close(cmd[1]);
	close(rep[0]);
	cu_kill(tr);
	cu_kill(pid);
}

/* --- stress --- */

/*
 * A consumer holds NC created-not-continued victims (its children), NG
 * grabbed ones and NS in a requested stop (ours, counting), and dies.
 */
#define MANY_NC	34
#define MANY_NG	33
#define MANY_NS	33

static void many_consumer(const pid_t *g, const pid_t *s, int out)
{
	char *argv[] = { "sh", "-c", "echo ran > /tmp/dtproc-many.$$", NULL };
	struct dtproc_handle *h;
	struct dtproc_status st;
	struct dtproc *dp;
	pid_t v;
	int i;

	dp = dtproc_open();
	if (!dp)
		goto fail;
	for (i = 0; i < MANY_NG; i++) {
		h = dtproc_grab(dp, g[i], 0);
		if (!h || dtproc_status(h, &st, 0) ||
		    st.state != DTPROC_STATE_STOPPED)
			goto fail;
	}
	for (i = 0; i < MANY_NS; i++) {
		h = dtproc_grab(dp, s[i], 0);
		if (!h || dtproc_continue(h) || dtproc_stop(h) ||
		    dtproc_status(h, &st, 0) ||
		    st.state != DTPROC_STATE_STOPPED ||
		    st.why != DTPROC_STOP_REQUESTED)
			goto fail;
	}
	for (i = 0; i < MANY_NC; i++) {
		h = dtproc_create(dp, "sh", argv);
		if (!h)
			goto fail;
		v = dtproc_handle_pid(h);
		if (write(out, &v, sizeof(v)) != sizeof(v))
			_exit(3);
	}
	for (;;)
		pause();
fail:
	TH_LOG("consumer: %s", dtproc_errmsg());
	_exit(2);
}

TEST_TIMEOUT(consumer_killed_with_many_victims, 900)
{
	volatile unsigned long *ctr = cu_shared(MANY_NG + MANY_NS);
	pid_t g[MANY_NG], s[MANY_NS], c[MANY_NC], consumer;
	int cstatus[MANY_NC], status, p[2], i, left;
	bool reaped[MANY_NC] = { 0 }, running[MANY_NG] = { 0 };
	char marker[64];
	long long t0, t1, t;

	ASSERT_OK(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	for (i = 0; i < MANY_NG; i++)
		g[i] = cu_spawn(&ctr[i], 20000);
	for (i = 0; i < MANY_NS; i++)
		s[i] = cu_spawn(&ctr[MANY_NG + i], 20000);

	ASSERT_OK(pipe2(p, O_CLOEXEC));
	t = cu_now_ms();
	fflush(NULL);
	consumer = fork();
	ASSERT_GE(consumer, 0);
	if (consumer == 0) {
		close(p[0]);
		many_consumer(g, s, p[1]);
	}
	close(p[1]);
	for (i = 0; i < MANY_NC; i++) {
		if (read(p[0], &c[i], sizeof(c[i])) != sizeof(c[i])) {
			waitpid(consumer, &status, 0);
			DT_FAIL(1, "consumer failed after %d creates: status 0x%x",
				i, status);
		}
	}
	close(p[0]);
	TH_LOG("%d victims held after %lld ms", MANY_NC + MANY_NG + MANY_NS,
	       cu_now_ms() - t);

	for (i = 0; i < MANY_NG; i++)
		ASSERT_EQ(cu_wait_state(g[i], 'I', 2000), 'I');
	for (i = 0; i < MANY_NS; i++)
		ASSERT_EQ(cu_wait_state(s[i], 'I', 2000), 'I');
	for (i = 0; i < MANY_NC; i++)
		ASSERT_EQ(cu_wait_state(c[i], 'I', 2000), 'I');

	ASSERT_OK(kill(consumer, SIGKILL));
	ASSERT_EQ(waitpid(consumer, &status, 0), consumer);
	t0 = cu_now_ms();

	/* within 1 s: created ones dead, grabbed ones running */
	do {
		left = 0;
		for (i = 0; i < MANY_NC; i++) {
			if (!reaped[i] &&
			    waitpid(c[i], &cstatus[i], WNOHANG) == c[i])
				reaped[i] = true;
			left += !reaped[i];
		}
		for (i = 0; i < MANY_NG; i++) {
			if (!running[i]) {
				char st = cu_state(g[i]);

				running[i] = st && st != 'I';
			}
			left += !running[i];
		}
		if (left)
			cu_sleep_ms(2);
	} while (left && cu_now_ms() - t0 < 1000);
	t1 = cu_now_ms();
	TH_LOG("settled in %lld ms, %d left", t1 - t0, left);
	for (i = 0; i < MANY_NC; i++) {
		if (!reaped[i])
			DT_FAIL(1, "created %d (pid %d) alive 1 s after its consumer died (state '%c')",
				i, c[i], cu_state(c[i]));
		ASSERT_TRUE(WIFSIGNALED(cstatus[i]));
		ASSERT_EQ(WTERMSIG(cstatus[i]), SIGKILL);
	}
	for (i = 0; i < MANY_NG; i++)
		if (!running[i])
			DT_FAIL(1, "grabbed %d (pid %d) still parked 1 s after its consumer died",
				i, g[i]);
	for (i = 0; i < MANY_NS; i++)
		if (cu_state(s[i]) != 'I')
			DT_FAIL(1, "requested stop %d (pid %d) ended with its consumer: state '%c'",
				i, s[i], cu_state(s[i]));

	/* and a while later: grabbed ones count, stopped ones do not */
	for (i = 0; i < MANY_NG; i++)
		ASSERT_TRUE(cu_moves(&ctr[i], CU_WAIT_MS));
	for (i = 0; i < MANY_NS; i++)
		ASSERT_TRUE(cu_frozen(&ctr[MANY_NG + i], i ? 5 : 500));
	for (i = 0; i < MANY_NS; i++)
		ASSERT_EQ(cu_state(s[i]), 'I');
	/* SIGCONT lets them go */
	for (i = 0; i < MANY_NS; i++)
		ASSERT_OK(kill(s[i], SIGCONT));
	for (i = 0; i < MANY_NS; i++)
		ASSERT_TRUE(cu_moves(&ctr[MANY_NG + i], CU_WAIT_MS));
	for (i = 0; i < MANY_NC; i++) {
		snprintf(marker, sizeof(marker), "/tmp/dtproc-many.%d", c[i]);
		ASSERT_ERRNO(access(marker, F_OK), ENOENT);
	}

	for (i = 0; i < MANY_NG; i++)
		cu_kill(g[i]);
	for (i = 0; i < MANY_NS; i++)
		cu_kill(s[i]);
}

/* --- the hung-task detector --- */

#define HUNG_TIMEOUT	"/proc/sys/kernel/hung_task_timeout_secs"

static void parked_for_7s(void)
{
	volatile unsigned long *ctr = cu_shared(1);
	pid_t pid = cu_spawn(ctr, 0);
	struct dtproc *dp = cu_open();
	struct dtproc_handle *h;
	long long end;

	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	end = cu_now_ms() + 7000;
	while (cu_now_ms() < end) {
		ASSERT_EQ(cu_state(pid), 'I');
		cu_sleep_ms(250);
	}
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	ASSERT_TRUE(cu_frozen(ctr, 20));
	dtproc_release(h);
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	dtproc_close(dp);
	cu_kill(pid);
}

/* Is there a hung-task report in the kernel log from @fd's position on? */
static bool kmsg_has_hung_task(int fd)
{
	char rec[8192];
	bool found = false;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten: go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (strstr(rec, "blocked for more than")) {
			TH_LOG("kernel: %s", rec);
			found = true;
		}
	}
	return found;
}

TEST_TIMEOUT(parked_victim_no_hung_task, 180)
{
	char old[32] = "";
	int fd, kfd, status;
	ssize_t n;
	pid_t body;

	fd = open(HUNG_TIMEOUT, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		SKIP(HUNG_TIMEOUT ": %s", strerror(errno));
	n = read(fd, old, sizeof(old) - 1);
	ASSERT_GT(n, 0);
	old[n] = '\0';
	kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(kfd, 0);
	ASSERT_OK(lseek(kfd, 0, SEEK_END));
	ASSERT_OK(pwrite(fd, "2\n", 2, 0));

	fflush(NULL);
	body = fork();
	if (body == 0) {
		parked_for_7s();
		fflush(NULL);
		_exit(dt_failed ? KSFT_FAIL : KSFT_PASS);
	}
	if (body > 0)
		waitpid(body, &status, 0);
	/* give khungtaskd one more look before restoring */
	cu_sleep_ms(2500);
	if (pwrite(fd, old, strlen(old), 0) < 0)
		TH_LOG("cannot restore " HUNG_TIMEOUT " to %s", old);
	close(fd);

	ASSERT_GT(body, 0);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), KSFT_PASS);
	ASSERT_FALSE(kmsg_has_hung_task(kfd));
	close(kfd);
}

/*
 * Grab and release over and over while the victim execs.  This once
 * crashed both guests (the module placed and removed its execve kretprobe
 * at every grab and release); it runs last so that, should it crash the
 * guest again, every other test has reported first.
 */
#define REEXEC "/tmp/reexec.sh"

TEST_TIMEOUT(grab_reexec_loop_100, 300)
{
	struct cu_notes *ns = calloc(1, sizeof(*ns));
	struct dtproc_handle *h;
	struct dtproc_status st;
	struct dtproc *dp;
	char comm[16];
	long long end;
	pid_t pid;
	int i;

	cu_write_file(REEXEC, "#!/bin/sh\nexec /bin/sh " REEXEC "\n", 0755);
	fflush(NULL);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		cu_close_fds();
		execl(REEXEC, "reexec.sh", (char *)NULL);
		_exit(4);
	}
	/* the script's own exec has happened once comm is "sh" */
	end = cu_now_ms() + CU_WAIT_MS;
	while (strcmp(cu_comm(pid, comm), "sh")) {
		ASSERT_LT(cu_now_ms(), end);
		cu_sleep_ms(2);
	}

	dp = cu_open();
	for (i = 0; i < 100; i++) {
		h = dtproc_grab(dp, pid, 0);
		if (!h)
			DT_FAIL(1, "grab %d: %s", i, dtproc_errmsg());
		st = cu_status(h);
		if (st.state != DTPROC_STATE_STOPPED || st.why != DTPROC_STOP_GRAB ||
		    st.nthreads != 1 || st.nstopped != 1)
			DT_FAIL(1, "grab %d: state %u why %u nthreads %u nstopped %u",
				i, st.state, st.why, st.nthreads, st.nstopped);
		if (cu_wait_state(pid, 'I', 2000) != 'I')
			DT_FAIL(1, "grab %d: state '%c'", i, cu_state(pid));
		dtproc_release(h);
		cu_drain_notes(dp, ns);
		ns->n = 0;
	}
	ASSERT_EQ(dtproc_handle_count(dp), 0);
	/* still alive, still running */
	ASSERT_NE(cu_wait_not_state(pid, 'I', 2000), 'I');
	ASSERT_OK(kill(pid, 0));
	dtproc_close(dp);
	cu_kill(pid);
	unlink(REEXEC);
	free(ns);
}
