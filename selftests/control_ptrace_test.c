// SPDX-License-Identifier: GPL-2.0
/*
 * Process control next to ptrace, under many victims, before the hung-task
 * detector and across exec loops (the rest is in control_test.c and
 * control_handle_test.c).
 */
#include <linux/capability.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include "control_util.h"

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
	volatile unsigned long *ctr = ut_shared(1 * sizeof(*ctr));
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
	ASSERT_EQ(ut_status_field(pid, "TracerPid:"), tr);
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));

	dp = cu_open();
	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	ASSERT_TRUE(cu_frozen(ctr, CU_FROZEN_MS));
	/* the tracer sees nothing of the stop */
	ASSERT_EQ(tracer_ask(cmd[1], rep[0], 'w'), 'N');
	ASSERT_EQ(ut_status_field(pid, "TracerPid:"), tr);

	dtproc_release(h);
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	ASSERT_EQ(ut_status_field(pid, "TracerPid:"), tr);

	/* and it still traces it */
	ASSERT_EQ(tracer_ask(cmd[1], rep[0], 'i'), 'K');
	ASSERT_EQ(ut_wait_state(pid, 't', CU_WAIT_MS), 't');
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
	ut_kill(tr);
	ut_kill(pid);
}

/*
 * A debugger's side: attach to every thread of @victim (PTRACE_ATTACH, as
 * gdb does) and wait up to 10 s for each to stop ('A', or 'T': it did not
 * stop), read each one's registers ('R'), continue each ('C'); attach to
 * each and continue it as soon as it stops ('B'); or seize each, which
 * stops nothing ('S').
 */
static void attacher(pid_t victim, int cmd_fd, int rep_fd)
{
	pid_t tids[16];
	int n = 0, i, status;
	char path[64], c, r;
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", victim);
	dir = opendir(path);
	while (dir && (d = readdir(dir)) && n < 16)
		if (d->d_name[0] != '.')
			tids[n++] = atoi(d->d_name);
	if (dir)
		closedir(dir);
	while (read(cmd_fd, &c, 1) == 1) {
		r = c == 'a' ? 'A' : c == 'r' ? 'R' : c == 'c' ? 'C' :
		    c == 's' ? 'S' : c == 'b' ? 'B' : '?';
		for (i = 0; i < n && r != 'E' && r != 'T'; i++) {
			long long end = ut_now_ms() + 10000;
			struct user_regs_struct regs;
			pid_t w = 0;

			switch (c) {
			case 'b':
			case 'a':
				if (ptrace(PTRACE_ATTACH, tids[i], 0, 0)) {
					r = 'E';
					break;
				}
				while ((w = waitpid(tids[i], &status,
						    WNOHANG | __WALL)) == 0 &&
				       ut_now_ms() < end)
					ut_sleep_ms(5);
				if (!w)
					r = 'T';
				else if (w != tids[i] || !WIFSTOPPED(status) ||
					 WSTOPSIG(status) != SIGSTOP)
					r = 'E';
				else if (c == 'b' &&
					 ptrace(PTRACE_CONT, tids[i], 0, 0))
					r = 'E';
				break;
			case 'r':
				if (ptrace(PTRACE_GETREGS, tids[i], 0, &regs))
					r = 'E';
				break;
			case 'c':
				if (ptrace(PTRACE_CONT, tids[i], 0, 0))
					r = 'E';
				break;
			case 's':
				if (ptrace(PTRACE_SEIZE, tids[i], 0, 0))
					r = 'E';
				break;
			}
		}
		if (write(rep_fd, &r, 1) != 1)
			_exit(2);
	}
	_exit(0);
}

/* A grabbed victim of @n spinning threads, and a tracer (attacher()) beside it. */
struct traced {
	volatile unsigned long *ctr;
	unsigned long base[4];	/* the counters once the grab stopped it */
	int n, cmd, rep;
	pid_t pid, tr;
	struct dtproc *dp;
	struct dtproc_handle *h;
};

static void traced_start(struct traced *t, int n)
{
	int cmd[2], rep[2], i;

	t->n = n;
	t->ctr = ut_shared(n * sizeof(*t->ctr));
	t->pid = cu_spawn_threads(t->ctr, n, false);
	ASSERT_GT(t->pid, 0);
	for (i = 0; i < n; i++)
		ASSERT_TRUE(cu_moves(&t->ctr[i], CU_WAIT_MS));
	t->dp = cu_open();
	t->h = cu_grab(t->dp, t->pid, 0);
	CU_ASSERT_STOPPED(t->h, DTPROC_STOP_GRAB);
	ASSERT_TRUE(cu_frozen(&t->ctr[0], CU_FROZEN_MS));
	for (i = 0; i < n; i++)
		t->base[i] = t->ctr[i];

	ASSERT_OK(pipe2(cmd, O_CLOEXEC));
	ASSERT_OK(pipe2(rep, O_CLOEXEC));
	fflush(NULL);
	t->tr = fork();
	ASSERT_GE(t->tr, 0);
	if (t->tr == 0) {
		close(cmd[1]);
		close(rep[0]);
		attacher(t->pid, cmd[0], rep[1]);
	}
	close(cmd[0]);
	close(rep[1]);
	t->cmd = cmd[1];
	t->rep = rep[0];
}

static char traced_ask(struct traced *t, char cmd)
{
	return tracer_ask(t->cmd, t->rep, cmd);
}

/*
 * No user code ran since the grab.  Then the tracer goes, a SIGCONT takes
 * away any SIGSTOP left, and the consumer's continue runs every thread.
 */
static void traced_finish(struct traced *t)
{
	int i;

	for (i = 0; i < t->n; i++)
		EXPECT_EQ(t->ctr[i], t->base[i]);
	close(t->cmd);
	close(t->rep);
	ut_kill(t->tr);
	ASSERT_OK(kill(t->pid, SIGCONT));
	CU_ASSERT_STOPPED(t->h, DTPROC_STOP_GRAB);
	ASSERT_EQ(dtproc_continue(t->h), 0);
	for (i = 0; i < t->n; i++)
		ASSERT_TRUE(cu_moves(&t->ctr[i], CU_WAIT_MS));
	dtproc_release(t->h);
	dtproc_close(t->dp);
	ut_kill(t->pid);
}

/*
 * A debugger attaching to a parked victim sees each thread stop at once,
 * not after the CONTINUE; continued by it, the threads park again (no user
 * code runs until the consumer continues).
 */
TEST_TIMEOUT(attach_to_parked_victim_at_once, 180)
{
	struct dtproc_status st;
	struct traced t;

	traced_start(&t, 2);
	/* the old module: 'T', the stop came only with a continue */
	ASSERT_EQ(traced_ask(&t, 'a'), 'A');
	ASSERT_EQ(traced_ask(&t, 'r'), 'R');
	ASSERT_EQ(ut_wait_state(t.pid, 't', CU_WAIT_MS), 't');
	/* stopped by its tracer: still stopped for us */
	st = cu_status(t.h);
	EXPECT_EQ(st.state, DTPROC_STATE_STOPPED);
	EXPECT_EQ(st.nstopped, 2);

	/* its tracer lets it go: it parks again, and runs no user code */
	ASSERT_EQ(traced_ask(&t, 'c'), 'C');
	CU_ASSERT_STOPPED(t.h, DTPROC_STOP_GRAB);

	/*
	 * A process-wide SIGSTOP lets no thread out (one thread takes it:
	 * the others would run).
	 */
	ASSERT_OK(kill(t.pid, SIGSTOP));
	ASSERT_TRUE(cu_frozen(&t.ctr[0], 1000));
	traced_finish(&t);
}

/*
 * A tracer that continues each thread as soon as it has stopped for it:
 * the park is queued again as the thread stops (sched_switch), not 100 ms
 * later by the worker, so no user code runs.
 */
TEST_TIMEOUT(attach_and_continue_at_once_parks_again, 180)
{
	struct traced t;

	traced_start(&t, 2);
	ASSERT_EQ(traced_ask(&t, 'b'), 'B');
	CU_ASSERT_STOPPED(t.h, DTPROC_STOP_GRAB);
	ASSERT_TRUE(cu_frozen(&t.ctr[0], 1000));
	traced_finish(&t);
}

/*
 * A process-wide SIGSTOP to a parked process whose threads are traced lets
 * none of them out: one thread would take it, and the others run.
 */
TEST_TIMEOUT(group_sigstop_to_traced_parked_victim, 180)
{
	struct traced t;

	traced_start(&t, 4);
	ASSERT_EQ(traced_ask(&t, 's'), 'S');
	ASSERT_OK(kill(t.pid, SIGSTOP));
	ut_sleep_ms(1000);
	traced_finish(&t);
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
		if (!h || dtproc_status(h, &st, DTPROC_STATUS_WAIT) ||
		    st.state != DTPROC_STATE_STOPPED)
			goto fail;
	}
	for (i = 0; i < MANY_NS; i++) {
		h = dtproc_grab(dp, s[i], 0);
		if (!h || dtproc_continue(h) || dtproc_stop(h) ||
		    dtproc_status(h, &st, DTPROC_STATUS_WAIT) ||
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
	volatile unsigned long *ctr = ut_shared((MANY_NG + MANY_NS) * sizeof(*ctr));
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
	t = ut_now_ms();
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
	       ut_now_ms() - t);

	for (i = 0; i < MANY_NG; i++)
		ASSERT_EQ(ut_wait_state(g[i], 'I', 2000), 'I');
	for (i = 0; i < MANY_NS; i++)
		ASSERT_EQ(ut_wait_state(s[i], 'I', 2000), 'I');
	for (i = 0; i < MANY_NC; i++)
		ASSERT_EQ(ut_wait_state(c[i], 'I', 2000), 'I');

	ASSERT_OK(kill(consumer, SIGKILL));
	ASSERT_EQ(waitpid(consumer, &status, 0), consumer);
	t0 = ut_now_ms();

	/*
	 * soon: created ones dead, grabbed ones running (1 s on a quiet
	 * stock guest; the debug kernel beside four guests on two host CPUs
	 * once took longer: "16 left" at 1 s, the created ones zombies)
	 */
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
				char st = ut_state(g[i]);

				running[i] = st && st != 'I';
			}
			left += !running[i];
		}
		if (left)
			ut_sleep_ms(2);
	} while (left && ut_now_ms() - t0 < 10000);
	t1 = ut_now_ms();
	TH_LOG("settled in %lld ms, %d left", t1 - t0, left);
	for (i = 0; i < MANY_NC; i++) {
		if (!reaped[i])
			DT_FAIL(1, "created %d (pid %d) alive 10 s after its consumer died (state '%c')",
				i, c[i], ut_state(c[i]));
		ASSERT_TRUE(WIFSIGNALED(cstatus[i]));
		ASSERT_EQ(WTERMSIG(cstatus[i]), SIGKILL);
	}
	for (i = 0; i < MANY_NG; i++)
		if (!running[i])
			DT_FAIL(1, "grabbed %d (pid %d) still parked 10 s after its consumer died",
				i, g[i]);
	for (i = 0; i < MANY_NS; i++)
		if (ut_state(s[i]) != 'I')
			DT_FAIL(1, "requested stop %d (pid %d) ended with its consumer: state '%c'",
				i, s[i], ut_state(s[i]));

	/* and a while later: grabbed ones count, stopped ones do not */
	for (i = 0; i < MANY_NG; i++)
		ASSERT_TRUE(cu_moves(&ctr[i], CU_WAIT_MS));
	for (i = 0; i < MANY_NS; i++)
		ASSERT_TRUE(cu_frozen(&ctr[MANY_NG + i], i ? 5 : 500));
	for (i = 0; i < MANY_NS; i++)
		ASSERT_EQ(ut_state(s[i]), 'I');
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
		ut_kill(g[i]);
	for (i = 0; i < MANY_NS; i++)
		ut_kill(s[i]);
}

/* --- the hung-task detector --- */

#define HUNG_TIMEOUT	"/proc/sys/kernel/hung_task_timeout_secs"

static void parked_for_7s(void)
{
	volatile unsigned long *ctr = ut_shared(1 * sizeof(*ctr));
	pid_t pid = cu_spawn(ctr, 0);
	struct dtproc *dp = cu_open();
	struct dtproc_handle *h;
	long long end;

	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	end = ut_now_ms() + 7000;
	while (ut_now_ms() < end) {
		ASSERT_EQ(ut_state(pid), 'I');
		ut_sleep_ms(250);
	}
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);
	ASSERT_TRUE(cu_frozen(ctr, 20));
	dtproc_release(h);
	ASSERT_TRUE(cu_moves(ctr, CU_WAIT_MS));
	dtproc_close(dp);
	ut_kill(pid);
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
	ut_sleep_ms(2500);
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

	ASSERT_OK(ut_write_file(REEXEC, "#!/bin/sh\nexec /bin/sh " REEXEC "\n",
				0755));
	fflush(NULL);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		ut_close_fds();
		execl(REEXEC, "reexec.sh", (char *)NULL);
		_exit(4);
	}
	/* the script's own exec has happened once comm is "sh" */
	end = ut_now_ms() + CU_WAIT_MS;
	while (strcmp(ut_comm(pid, comm), "sh")) {
		ASSERT_LT(ut_now_ms(), end);
		ut_sleep_ms(2);
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
		if (ut_wait_state(pid, 'I', CU_WAIT_MS) != 'I')
			DT_FAIL(1, "grab %d: state '%c'", i, ut_state(pid));
		dtproc_release(h);
		cu_drain_notes(dp, ns);
		ns->n = 0;
	}
	ASSERT_EQ(dtproc_handle_count(dp), 0);
	/* still alive, still running */
	ASSERT_NE(ut_wait_not_state(pid, 'I', 2000), 'I');
	ASSERT_OK(kill(pid, 0));
	dtproc_close(dp);
	ut_kill(pid);
	unlink(REEXEC);
	free(ns);
}
