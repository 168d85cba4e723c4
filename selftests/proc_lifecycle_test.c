// SPDX-License-Identifier: GPL-2.0
/*
 * The proc provider's life-cycle probes: create, lwp-create, start,
 * lwp-start, lwp-exit, exec, exec-success, exec-failure and exit.
 */
#include <pthread.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/xattr.h>
#include <sys/resource.h>

#include "proc_util.h"

#define LIFECYCLE_MASK (PU_P(CREATE) | PU_P(LWP_CREATE) | PU_P(START) | \
			PU_P(LWP_START) | PU_P(LWP_EXIT) | PU_P(EXIT))
#define EXEC_MASK (PU_P(EXEC) | PU_P(EXEC_SUCCESS) | PU_P(EXEC_FAILURE) | \
		   PU_P(EXIT))

/* --- create, lwp-create, start, lwp-start --- */

struct fork_shared {
	pid_t grandchild;
};

static void fork_one_body(void *arg)
{
	struct fork_shared *sh = arg;
	pid_t g;
	int status;

	fflush(NULL);
	g = fork();
	if (g < 0)
		_exit(2);
	if (g == 0)
		_exit(5);
	sh->grandchild = g;
	if (waitpid(g, &status, 0) != g || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 5)
		_exit(3);
	_exit(0);
}

TEST_TIMEOUT(create_order_and_psinfo, 120)
{
	struct fork_shared *sh = ut_shared(sizeof(*sh));
	char comm[DTPROC_FNAME_LEN], psargs[DTPROC_PSARGS_LEN];
	struct pu_log log = { 0 };
	const struct dtproc_event *e;
	struct dtproc_feed *feed;
	uint64_t t0, t1;
	struct pu_child c;
	ssize_t lc, cr, st, ls, xg, xp, first;
	pid_t p, g;
	int argc;

	ut_comm(getpid(), comm);
	argc = pu_self_args(psargs);

	pu_spawn(&c, NULL, fork_one_body, sh);
	p = c.pid;
	feed = pu_subscribe(LIFECYCLE_MASK, p, DTPROC_FILTER_DESCENDANTS);
	t0 = ut_now_ns(CLOCK_REALTIME);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, p);
	t1 = ut_now_ns(CLOCK_REALTIME);
	ASSERT_EXITED(ut_reap(p), 0);
	g = sh->grandchild;
	ASSERT_GT(g, 0);

	lc = pu_find(&log, 0, DTPROC_PROBE_LWP_CREATE, p);
	cr = pu_find(&log, 0, DTPROC_PROBE_CREATE, p);
	st = pu_find(&log, 0, DTPROC_PROBE_START, g);
	ls = pu_find(&log, 0, DTPROC_PROBE_LWP_START, g);
	xg = pu_find(&log, 0, DTPROC_PROBE_EXIT, g);
	xp = pu_find(&log, 0, DTPROC_PROBE_EXIT, p);

	/* lwp-create, then create, in the parent; start, lwp-start in the child */
	ASSERT_BEFORE(&log, lc, cr);
	ASSERT_BEFORE(&log, cr, st);
	ASSERT_BEFORE(&log, st, ls);
	ASSERT_BEFORE(&log, ls, xg);
	ASSERT_BEFORE(&log, xg, xp);
	/* start and lwp-start are the first two things the child does */
	first = pu_find_any(&log, 0, g);
	ASSERT_EQ(first, st);
	ASSERT_EQ(pu_find_any(&log, first + 1, g), ls);

	/* one of each: the filter follows p and g, and nothing else forks */
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_CREATE, PU_ANY), 1);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_LWP_CREATE, PU_ANY), 1);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_START, PU_ANY), 1);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_LWP_START, PU_ANY), 1);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_EXIT, PU_ANY), 2);

	e = &log.ev[lc];
	ASSERT_EQ(e->pid, p);
	ASSERT_EQ(e->tid, p);
	ASSERT_EQ(e->ppid, getpid());
	ASSERT_STREQ(e->execname, comm);
	ASSERT_TRUE(e->has & DTPROC_HAS_LWPSINFO);
	ASSERT_TRUE(e->has & DTPROC_HAS_PSINFO);
	ASSERT_EQ(e->lwpsinfo.pr_lwpid, g);
	ASSERT_EQ(e->lwpsinfo.pr_sname, 'I');
	ASSERT_EQ(e->lwpsinfo.pr_state, DTPROC_SIDL);
	ASSERT_EQ(e->psinfo.pr_pid, g);
	ASSERT_EQ(e->psinfo.pr_ppid, p);
	ASSERT_EQ(e->psinfo.pr_nlwp, 1);

	e = &log.ev[cr];
	ASSERT_EQ(e->pid, p);
	ASSERT_EQ(e->tid, p);
	ASSERT_EQ(e->ppid, getpid());
	ASSERT_EQ(e->uid, getuid());
	ASSERT_STREQ(e->execname, comm);
	ASSERT_TRUE(e->has & DTPROC_HAS_PSINFO);
	ASSERT_FALSE(e->has & DTPROC_HAS_LWPSINFO);
	ASSERT_EQ(e->psinfo.pr_pid, g);
	ASSERT_EQ(e->psinfo.pr_ppid, p);
	ASSERT_EQ(e->psinfo.pr_pgid, getpgrp());
	ASSERT_EQ(e->psinfo.pr_sid, getsid(0));
	ASSERT_EQ(e->psinfo.pr_uid, getuid());
	ASSERT_EQ(e->psinfo.pr_euid, geteuid());
	ASSERT_EQ(e->psinfo.pr_gid, getgid());
	ASSERT_EQ(e->psinfo.pr_egid, getegid());
	ASSERT_EQ(e->psinfo.pr_nlwp, 1);
	ASSERT_STREQ(e->psinfo.pr_fname, comm);
	ASSERT_STREQ(e->psinfo.pr_psargs, psargs);
	ASSERT_EQ(e->psinfo.pr_argc, argc);
	ASSERT_EQ(e->psinfo.pr_dmodel, DTPROC_MODEL_LP64);
	/* g started between the release and now (1 s for clock slack) */
	ASSERT_GE(e->psinfo.pr_start, t0 - 1000000000ULL);
	ASSERT_LE(e->psinfo.pr_start, t1 + 1000000000ULL);

	e = &log.ev[st];
	ASSERT_EQ(e->tid, g);
	ASSERT_EQ(e->ppid, p);
	ASSERT_STREQ(e->execname, comm);
	ASSERT_EQ(e->has, 0);

	e = &log.ev[ls];
	ASSERT_EQ(e->tid, g);
	ASSERT_EQ(e->ppid, p);
	ASSERT_EQ(e->has, 0);

	ASSERT_EQ(log.ev[xg].exit_reason, DTPROC_CLD_EXITED);
	ASSERT_EQ(log.ev[xg].exit_status, 5);
	ASSERT_EQ(log.ev[xp].exit_reason, DTPROC_CLD_EXITED);
	ASSERT_EQ(log.ev[xp].exit_status, 0);

	pu_assert_seq_accounted(&log, 1);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

/* Without lwp-create in the mask, create still comes, and alone. */
TEST_TIMEOUT(create_without_lwp_create, 120)
{
	struct fork_shared *sh = ut_shared(sizeof(*sh));
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	struct pu_child c;
	ssize_t cr;

	pu_spawn(&c, NULL, fork_one_body, sh);
	feed = pu_subscribe(PU_P(CREATE) | PU_P(EXIT), c.pid,
			    DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, c.pid);
	ASSERT_EXITED(ut_reap(c.pid), 0);

	cr = pu_find(&log, 0, DTPROC_PROBE_CREATE, c.pid);
	ASSERT_FOUND(cr);
	ASSERT_EQ(log.ev[cr].psinfo.pr_pid, sh->grandchild);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_LWP_CREATE, PU_ANY), 0);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_CREATE, PU_ANY), 1);
	/* the grandchild's exit: the filter followed it */
	ASSERT_BEFORE(&log, cr, pu_find(&log, 0, DTPROC_PROBE_EXIT,
					sh->grandchild));
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

/* --- threads: lwp-create, lwp-start, lwp-exit, exit --- */

#define NTHREADS 4

struct thread_shared {
	pid_t tids[NTHREADS];
	int created;
};

static void *thread_fn(void *arg)
{
	*(pid_t *)arg = gettid();
	return NULL;
}

static void threads_body(void *arg)
{
	struct thread_shared *sh = arg;
	pthread_t th[NTHREADS];
	int i;

	for (i = 0; i < NTHREADS; i++) {
		if (pthread_create(&th[i], NULL, thread_fn, &sh->tids[i]))
			_exit(2);
		sh->created++;
	}
	for (i = 0; i < NTHREADS; i++)
		if (pthread_join(th[i], NULL))
			_exit(3);
	_exit(0);
}

static bool tid_of_thread(const struct thread_shared *sh, pid_t tid)
{
	int i;

	for (i = 0; i < NTHREADS; i++)
		if (sh->tids[i] == tid)
			return true;
	return false;
}

TEST_TIMEOUT(threads_lwp_create_start_exit, 120)
{
	struct thread_shared *sh = ut_shared(sizeof(*sh));
	char comm[DTPROC_FNAME_LEN];
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	struct pu_child c;
	ssize_t lc, ls, le, x, last_le = -1;
	size_t i;
	int k;
	pid_t p;

	ut_comm(getpid(), comm);
	pu_spawn(&c, NULL, threads_body, sh);
	p = c.pid;
	feed = pu_subscribe(LIFECYCLE_MASK, p, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, p);
	ASSERT_EXITED(ut_reap(p), 0);
	ASSERT_EQ(sh->created, NTHREADS);

	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_LWP_CREATE, PU_ANY), NTHREADS);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_LWP_START, PU_ANY), NTHREADS);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_LWP_EXIT, PU_ANY), NTHREADS + 1);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_LWP_EXIT, p), NTHREADS + 1);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_EXIT, PU_ANY), 1);
	/* threads are not processes */
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_CREATE, PU_ANY), 0);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_START, PU_ANY), 0);

	for (k = 0; k < NTHREADS; k++) {
		pid_t tid = sh->tids[k];

		ASSERT_GT(tid, 0);
		ASSERT_NE(tid, p);
		lc = pu_find_target(&log, 0, DTPROC_PROBE_LWP_CREATE, p, 0);
		while (lc >= 0 && log.ev[lc].lwpsinfo.pr_lwpid != tid)
			lc = pu_find_target(&log, lc + 1,
					    DTPROC_PROBE_LWP_CREATE, p, 0);
		ls = pu_find_tid(&log, 0, DTPROC_PROBE_LWP_START, tid);
		le = pu_find_tid(&log, 0, DTPROC_PROBE_LWP_EXIT, tid);
		ASSERT_BEFORE(&log, lc, ls);
		ASSERT_BEFORE(&log, ls, le);

		/* lwp-create in the creating thread, about process p */
		ASSERT_EQ(log.ev[lc].pid, p);
		ASSERT_EQ(log.ev[lc].tid, p);
		ASSERT_STREQ(log.ev[lc].execname, comm);
		ASSERT_TRUE(log.ev[lc].has & DTPROC_HAS_LWPSINFO);
		ASSERT_EQ(log.ev[lc].lwpsinfo.pr_sname, 'I');
		ASSERT_EQ(log.ev[lc].psinfo.pr_pid, p);
		ASSERT_EQ(log.ev[lc].psinfo.pr_ppid, getpid());
		ASSERT_GE(log.ev[lc].psinfo.pr_nlwp, 2);
		ASSERT_LE(log.ev[lc].psinfo.pr_nlwp, NTHREADS + 1);

		/* lwp-start in the new thread */
		ASSERT_EQ(log.ev[ls].pid, p);
		ASSERT_EQ(log.ev[ls].tid, tid);
		ASSERT_EQ(log.ev[ls].ppid, getpid());

		ASSERT_EQ(log.ev[le].pid, p);
	}
	/* every lwp-start and lwp-exit is of p's threads */
	for (i = 0; i < log.n; i++) {
		const struct dtproc_event *e = &log.ev[i];

		ASSERT_EQ(e->pid, p);
		if (pu_is(e, DTPROC_PROBE_LWP_START))
			ASSERT_TRUE(tid_of_thread(sh, e->tid));
		if (pu_is(e, DTPROC_PROBE_LWP_EXIT)) {
			ASSERT_TRUE(e->tid == p || tid_of_thread(sh, e->tid));
			last_le = i;
		}
	}
	/* the main thread's lwp-exit, then the exit, last of all */
	le = pu_find_tid(&log, 0, DTPROC_PROBE_LWP_EXIT, p);
	x = pu_find(&log, 0, DTPROC_PROBE_EXIT, p);
	ASSERT_EQ(le, last_le);
	ASSERT_BEFORE(&log, last_le, x);
	ASSERT_EQ(log.ev[x].tid, p);
	ASSERT_EQ(log.ev[x].exit_reason, DTPROC_CLD_EXITED);
	ASSERT_EQ(log.ev[x].exit_status, 0);
	ASSERT_EQ((size_t)x, log.n - 1);

	pu_assert_seq_accounted(&log, 1);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

/* The process's exit comes after every lwp-exit even if a thread is last out. */
static void *linger_fn(void *arg)
{
	char path[64], buf[256], *s;
	int fd, i;
	ssize_t n;

	/* wait (at most 30 s) for the main thread to be a zombie */
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)getpid(),
		 (int)getpid());
	for (i = 0; i < 3000; i++) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			break;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			break;
		buf[n] = '\0';
		s = strrchr(buf, ')');
		if (s && s[1] == ' ' && s[2] == 'Z')
			break;
		usleep(10 * 1000);
	}
	_exit(6);	/* exit_group() from a thread once main has gone */
}

static void main_leaves_first_body(void *arg)
{
	pthread_t th;

	if (pthread_create(&th, NULL, linger_fn, NULL))
		_exit(2);
	/* the main thread alone (pthread_exit() needs libgcc_s) */
	syscall(SYS_exit, 0);
}

TEST_TIMEOUT(exit_after_all_lwp_exits_main_first, 120)
{
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	struct pu_child c;
	ssize_t x;
	size_t i;

	pu_spawn(&c, NULL, main_leaves_first_body, NULL);
	feed = pu_subscribe(LIFECYCLE_MASK, c.pid, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, c.pid);
	ASSERT_EXITED(ut_reap(c.pid), 6);

	x = pu_find(&log, 0, DTPROC_PROBE_EXIT, c.pid);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_EXIT, PU_ANY), 1);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_LWP_EXIT, c.pid), 2);
	for (i = 0; i < log.n; i++)
		if (pu_is(&log.ev[i], DTPROC_PROBE_LWP_EXIT))
			ASSERT_BEFORE(&log, (ssize_t)i, x);
	ASSERT_EQ(log.ev[x].exit_reason, DTPROC_CLD_EXITED);
	ASSERT_EQ(log.ev[x].exit_status, 6);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

/* --- exec, exec-success, exec-failure --- */

static void exec_body(void *arg)
{
	const char *path = arg, *base = strrchr(path, '/');

	/* busybox picks its applet by argv[0] */
	execl(path, base ? base + 1 : path, "arg1", (char *)NULL);
	_exit(errno == ENOENT ? 7 : 8);
}

/* Run exec_body(@path) in a filtered child; returns its wait status. */
static int run_exec(const char *path, struct pu_log *log, pid_t *pid)
{
	struct dtproc_feed *feed;
	struct pu_child c;
	int status;

	pu_spawn(&c, NULL, exec_body, (void *)path);
	*pid = c.pid;
	feed = pu_subscribe(EXEC_MASK, c.pid, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, log, c.pid);
	status = ut_reap(c.pid);
	pu_drain(feed, log);
	dtproc_feed_close(feed);
	return status;
}

TEST_TIMEOUT(exec_success, 120)
{
	char comm[DTPROC_FNAME_LEN];
	struct pu_log log = { 0 };
	ssize_t ex, ok, x;
	pid_t p;

	ASSERT_OK(access(PU_TRUE, X_OK));
	ut_comm(getpid(), comm);
	ASSERT_EXITED(run_exec(PU_TRUE, &log, &p), 0);

	ex = pu_find(&log, 0, DTPROC_PROBE_EXEC, p);
	ok = pu_find(&log, 0, DTPROC_PROBE_EXEC_SUCCESS, p);
	x = pu_find(&log, 0, DTPROC_PROBE_EXIT, p);
	ASSERT_BEFORE(&log, ex, ok);
	ASSERT_BEFORE(&log, ok, x);
	ASSERT_EQ(log.n, 3);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_EXEC_FAILURE, PU_ANY), 0);

	/* exec: before the new image, with the path as given */
	ASSERT_EQ(log.ev[ex].tid, p);
	ASSERT_EQ(log.ev[ex].ppid, getpid());
	ASSERT_STREQ(log.ev[ex].execname, comm);
	ASSERT_STREQ(log.ev[ex].path, PU_TRUE);
	/* exec-success: in the same thread, now running "true" */
	ASSERT_EQ(log.ev[ok].tid, p);
	ASSERT_STREQ(log.ev[ok].execname, "true");
	ASSERT_LE(log.ev[ex].ts, log.ev[ok].ts);

	ASSERT_STREQ(log.ev[x].execname, "true");
	ASSERT_EQ(log.ev[x].exit_reason, DTPROC_CLD_EXITED);
	ASSERT_EQ(log.ev[x].exit_status, 0);
	pu_assert_seq_accounted(&log, 1);
	pu_log_free(&log);
}

/* exec of a path that is not there; @path as exec reports it */
static void check_exec_failure(const char *path, int err)
{
	char comm[DTPROC_FNAME_LEN];
	struct pu_log log = { 0 };
	ssize_t ex, fail, x;
	pid_t p;

	ut_comm(getpid(), comm);
	ASSERT_EXITED(run_exec(path, &log, &p), 7);

	ex = pu_find(&log, 0, DTPROC_PROBE_EXEC, p);
	fail = pu_find(&log, 0, DTPROC_PROBE_EXEC_FAILURE, p);
	x = pu_find(&log, 0, DTPROC_PROBE_EXIT, p);
	ASSERT_BEFORE(&log, ex, fail);
	ASSERT_BEFORE(&log, fail, x);
	ASSERT_EQ(log.n, 3);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_EXEC_SUCCESS, PU_ANY), 0);

	ASSERT_EQ(log.ev[ex].tid, p);
	ASSERT_STREQ(log.ev[ex].execname, comm);
	ASSERT_STREQ(log.ev[ex].path, path);
	ASSERT_EQ(log.ev[fail].tid, p);
	ASSERT_STREQ(log.ev[fail].execname, comm);
	ASSERT_EQ(log.ev[fail].err, err);
	ASSERT_EQ(log.ev[x].exit_reason, DTPROC_CLD_EXITED);
	ASSERT_EQ(log.ev[x].exit_status, 7);
	pu_assert_seq_accounted(&log, 1);
	pu_log_free(&log);
}

TEST_TIMEOUT(exec_failure_enoent, 120)
{
	check_exec_failure("/nonexistent/dtproc-no-such-program", ENOENT);
}

TEST_TIMEOUT(exec_failure_missing_interpreter, 120)
{
	const char *script = "/tmp/dtproc-bad-interp.sh";

	ASSERT_EQ(ut_write_file(script, "#!/nonexistent/interp\nexit 0\n",
				0755), 0);
	ASSERT_OK(chmod(script, 0755));
	check_exec_failure(script, ENOENT);
	unlink(script);
}

/*
 * An exec that fails inside begin_new_exec(), before its point of no
 * return: a program with file capabilities "cap_net_raw+ep" is refused
 * (EPERM) to a process whose bounding set lacks CAP_NET_RAW, once the
 * kernel has computed the new credentials.  exec fires once.
 */
#define CAPPED_TRUE "/tmp/dtproc-capped-true"

static void capped_exec_body(void *arg)
{
	if (prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0))
		_exit(2);
	execl(CAPPED_TRUE, "true", (char *)NULL);
	_exit(errno == EPERM ? 7 : 8);
}

TEST_TIMEOUT(exec_failure_in_begin_new_exec_once, 120)
{
	struct vfs_cap_data cap = {
		.magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE,
		.data = { { .permitted = 1U << CAP_NET_RAW } },
	};
	char comm[DTPROC_FNAME_LEN];
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	ssize_t ex, fail, x;
	struct pu_child c;
	int status;
	pid_t p;

	ut_comm(getpid(), comm);
	ut_copy_file(PU_TRUE, CAPPED_TRUE, 0755);
	if (setxattr(CAPPED_TRUE, "security.capability", &cap, sizeof(cap), 0))
		SKIP("no file capabilities on /tmp: %s", strerror(errno));

	pu_spawn(&c, NULL, capped_exec_body, NULL);
	p = c.pid;
	feed = pu_subscribe(EXEC_MASK, p, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, p);
	status = ut_reap(p);
	pu_drain(feed, &log);
	dtproc_feed_close(feed);
	unlink(CAPPED_TRUE);
	ASSERT_EXITED(status, 7);

	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_EXEC, PU_ANY), 1);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_EXEC_FAILURE, PU_ANY), 1);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_EXEC_SUCCESS, PU_ANY), 0);
	ex = pu_find(&log, 0, DTPROC_PROBE_EXEC, p);
	fail = pu_find(&log, 0, DTPROC_PROBE_EXEC_FAILURE, p);
	x = pu_find(&log, 0, DTPROC_PROBE_EXIT, p);
	ASSERT_BEFORE(&log, ex, fail);
	ASSERT_BEFORE(&log, fail, x);
	ASSERT_EQ(log.ev[ex].tid, p);
	ASSERT_STREQ(log.ev[ex].execname, comm);
	ASSERT_STREQ(log.ev[ex].path, CAPPED_TRUE);
	ASSERT_EQ(log.ev[fail].err, EPERM);
	pu_assert_seq_accounted(&log, 1);
	pu_log_free(&log);
}

/*
 * A vhost device's worker (6.4+) is a thread of the process that owns the
 * device, made by the kernel without a fork (PF_USER_WORKER), like an
 * io_uring worker: the proc provider describes neither, so it brings no
 * lwp-start or lwp-exit without an lwp-create.  The guest needs vhost_net
 * loaded (see the run line in the commit that added this test).
 */
#define VHOST_NET	"/dev/vhost-net"
#define VHOST_SET_OWNER_IOC	_IO(0xAF, 0x01)

static void vhost_body(void *arg)
{
	int fd = open(VHOST_NET, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		_exit(2);
	if (ioctl(fd, VHOST_SET_OWNER_IOC))
		_exit(3);
	usleep(100000);
	close(fd);	/* the worker is stopped and gone when this returns */
	_exit(0);
}

TEST_TIMEOUT(vhost_worker_no_lwp_events, 120)
{
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	struct pu_child c;
	pid_t p;

	if (access(VHOST_NET, R_OK | W_OK))
		SKIP(VHOST_NET ": %s (insmod vhost_net)", strerror(errno));
	pu_spawn(&c, NULL, vhost_body, NULL);
	p = c.pid;
	feed = pu_subscribe(LIFECYCLE_MASK, p, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, p);
	ASSERT_EXITED(ut_reap(p), 0);
	pu_drain(feed, &log);
	dtproc_feed_close(feed);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_LWP_CREATE, PU_ANY), 0);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_LWP_START, PU_ANY), 0);
	/* the main thread's */
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_LWP_EXIT, PU_ANY), 1);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_EXIT, PU_ANY), 1);
	pu_log_free(&log);
}

/* A long path (near the 255 characters exec reports) comes through whole. */
TEST_TIMEOUT(exec_success_long_path, 120)
{
	char dir[256], path[256];
	struct pu_log log = { 0 };
	ssize_t ex, ok;
	size_t len;
	pid_t p;

	/* /tmp/ddd...d/true, 250 characters in all */
	strcpy(dir, "/tmp/");
	len = strlen(dir);
	while (len < 250 - strlen("/true"))
		dir[len++] = 'd';
	dir[len] = '\0';
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/true", dir);
	ASSERT_EQ(strlen(path), 250);
	unlink(path);
	ASSERT_OK(symlink(PU_TRUE, path));

	ASSERT_EXITED(run_exec(path, &log, &p), 0);
	ex = pu_find(&log, 0, DTPROC_PROBE_EXEC, p);
	ok = pu_find(&log, 0, DTPROC_PROBE_EXEC_SUCCESS, p);
	ASSERT_BEFORE(&log, ex, ok);
	ASSERT_STREQ(log.ev[ex].path, path);
	ASSERT_STREQ(log.ev[ok].execname, "true");
	unlink(path);
	rmdir(dir);
	pu_log_free(&log);
}

/*
 * exec from a thread other than the main one: the other threads exit
 * (the old main thread included), and the exec'ing thread takes over the
 * process's pid.  In timestamp order, as the feed delivers: exec (in the
 * exec'ing thread, stamped when execve() began), the old main thread's
 * lwp-exit, exec-success (the same thread, now under the process's pid),
 * exit.
 */
static void *exec_thread_fn(void *arg)
{
	*(pid_t *)arg = gettid();
	execl(PU_TRUE, "true", (char *)NULL);
	_exit(7);
}

static void exec_from_thread_body(void *arg)
{
	pthread_t th;

	if (pthread_create(&th, NULL, exec_thread_fn, arg))
		_exit(2);
	for (;;)
		pause();
}

TEST_TIMEOUT(exec_from_secondary_thread, 120)
{
	pid_t *tid = ut_shared(sizeof(*tid));
	char comm[DTPROC_FNAME_LEN];
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	ssize_t ex, le, ok, x;
	struct pu_child c;
	pid_t p;

	ut_comm(getpid(), comm);
	pu_spawn(&c, NULL, exec_from_thread_body, tid);
	p = c.pid;
	feed = pu_subscribe(EXEC_MASK | PU_P(LWP_EXIT), p,
			    DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, p);
	ASSERT_EXITED(ut_reap(p), 0);
	ASSERT_GT(*tid, 0);
	ASSERT_NE(*tid, p);

	ex = pu_find(&log, 0, DTPROC_PROBE_EXEC, p);
	le = pu_find_tid(&log, 0, DTPROC_PROBE_LWP_EXIT, p);
	ok = pu_find(&log, 0, DTPROC_PROBE_EXEC_SUCCESS, p);
	x = pu_find(&log, 0, DTPROC_PROBE_EXIT, p);
	ASSERT_FOUND(ex);
	ASSERT_EQ(log.ev[ex].tid, *tid);
	ASSERT_STREQ(log.ev[ex].execname, comm);
	ASSERT_STREQ(log.ev[ex].path, PU_TRUE);
	ASSERT_FOUND(ok);
	/*
	 * exec-success in the thread exec fired in (issue 9 item 12: a
	 * per-thread match, as whoexec.d makes, needs the same tid), though
	 * that thread has the process's pid by now
	 */
	ASSERT_EQ(log.ev[ok].tid, *tid);
	ASSERT_EQ(log.ev[ok].pid, p);
	ASSERT_STREQ(log.ev[ok].execname, "true");
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_EXIT, PU_ANY), 1);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_EXEC_FAILURE, PU_ANY), 0);
	/* the old main thread left while the exec was under way */
	ASSERT_FOUND(le);
	ASSERT_LT(log.ev[ex].ts, log.ev[le].ts);
	ASSERT_LT(log.ev[le].ts, log.ev[ok].ts);
	/* ...and the feed is in timestamp order */
	ASSERT_BEFORE(&log, ex, le);
	ASSERT_BEFORE(&log, le, ok);
	ASSERT_BEFORE(&log, ok, x);
	pu_assert_seq_accounted(&log, 1);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

/* --- exit reasons --- */

static void exit3_body(void *arg)
{
	exit(3);
}

TEST_TIMEOUT(exit_normal_status, 120)
{
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	struct pu_child c;
	ssize_t x;

	pu_spawn(&c, NULL, exit3_body, NULL);
	feed = pu_subscribe(PU_P(EXIT), c.pid, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, c.pid);
	ASSERT_EXITED(ut_reap(c.pid), 3);
	pu_drain(feed, &log);

	ASSERT_EQ(log.n, 1);
	x = pu_find(&log, 0, DTPROC_PROBE_EXIT, c.pid);
	ASSERT_EQ(x, 0);
	ASSERT_EQ(log.ev[x].seq, 1);
	ASSERT_EQ(log.ev[x].tid, c.pid);
	ASSERT_EQ(log.ev[x].ppid, getpid());
	ASSERT_EQ(log.ev[x].exit_reason, DTPROC_CLD_EXITED);
	ASSERT_EQ(log.ev[x].exit_status, 3);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

TEST_TIMEOUT(exit_killed_sigkill, 120)
{
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	struct pu_child c;
	ssize_t x;
	int status;

	pu_spawn(&c, NULL, NULL, NULL);
	feed = pu_subscribe(PU_P(EXIT), c.pid, DTPROC_FILTER_DESCENDANTS);
	ASSERT_OK(kill(c.pid, SIGKILL));
	pu_collect_until_exit(feed, &log, c.pid);
	status = ut_reap(c.pid);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	ASSERT_EQ(log.n, 1);
	x = pu_find(&log, 0, DTPROC_PROBE_EXIT, c.pid);
	ASSERT_EQ(log.ev[x].exit_reason, DTPROC_CLD_KILLED);
	ASSERT_EQ(log.ev[x].exit_status, SIGKILL);
	close(c.release_fd);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

static void core_setup(void *arg)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	if (setrlimit(RLIMIT_CORE, &rl) || chdir("/tmp"))
		_exit(PU_CHILD_BROKEN);
}

static void segv_body(void *arg)
{
	pu_null_store();
	_exit(9);
}

TEST_TIMEOUT(exit_dumped_sigsegv, 120)
{
	const char *pattern_file = "/proc/sys/kernel/core_pattern";
	char old[256] = "", core[64];
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	struct pu_child c;
	struct stat st;
	ssize_t x, n;
	int fd, status;

	fd = open(pattern_file, O_RDONLY);
	ASSERT_GE(fd, 0);
	n = read(fd, old, sizeof(old) - 1);
	close(fd);
	old[n > 0 ? n : 0] = '\0';
	ASSERT_EQ(ut_write_file(pattern_file, "/tmp/core.%p", 0644), 0);

	pu_spawn(&c, core_setup, segv_body, NULL);
	feed = pu_subscribe(PU_P(EXIT), c.pid, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, c.pid);
	status = ut_reap(c.pid);
	if (old[0])
		ut_write_file(pattern_file, old, 0644);
	snprintf(core, sizeof(core), "/tmp/core.%d", (int)c.pid);
	n = stat(core, &st);
	unlink(core);

	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	ASSERT_TRUE(WCOREDUMP(status));
	ASSERT_EQ(n, 0);
	ASSERT_EQ(log.n, 1);
	x = pu_find(&log, 0, DTPROC_PROBE_EXIT, c.pid);
	ASSERT_EQ(log.ev[x].exit_reason, DTPROC_CLD_DUMPED);
	ASSERT_EQ(log.ev[x].exit_status, SIGSEGV);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

/* A SIGSEGV that dumps no core (RLIMIT_CORE 0) is CLD_KILLED. */
static void nocore_setup(void *arg)
{
	struct rlimit rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl))
		_exit(PU_CHILD_BROKEN);
}

TEST_TIMEOUT(exit_killed_sigsegv_without_core, 120)
{
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	struct pu_child c;
	ssize_t x;
	int status;

	pu_spawn(&c, nocore_setup, segv_body, NULL);
	feed = pu_subscribe(PU_P(EXIT), c.pid, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, c.pid);
	status = ut_reap(c.pid);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	ASSERT_FALSE(WCOREDUMP(status));

	x = pu_find(&log, 0, DTPROC_PROBE_EXIT, c.pid);
	ASSERT_FOUND(x);
	ASSERT_EQ(log.ev[x].exit_reason, DTPROC_CLD_KILLED);
	ASSERT_EQ(log.ev[x].exit_status, SIGSEGV);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}
