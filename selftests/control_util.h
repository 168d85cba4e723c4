/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the process control selftests (control_*_test.c, bp_*test.c,
 * stress_*.c); what is not about process control is in util.h.
 *
 * A victim is observed from outside only: the state letter of its
 * /proc/PID/stat (a parked thread shows 'I'), counters it bumps in shared
 * memory (frozen while it is stopped, moving while it runs) and its exit
 * status.  The guest is QEMU TCG: everything that must happen is polled
 * for with a generous timeout, never slept for and hoped.
 */
#ifndef DTPROC_SELFTEST_CONTROL_UTIL_H
#define DTPROC_SELFTEST_CONTROL_UTIL_H

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <dtproc.h>

#include "util.h"

/* How long a test waits for something that must happen. */
#define CU_WAIT_MS	15000
/* How long a counter must stay put to count as frozen. */
#define CU_FROZEN_MS	300

/* Does *@c change within @ms? */
static inline bool cu_moves(volatile unsigned long *c, int ms)
{
	long long end = ut_now_ms() + ms;
	unsigned long v = *c;

	while (*c == v) {
		if (ut_now_ms() >= end)
			return false;
		ut_sleep_ms(1);
	}
	return true;
}

/* Does *@c stay put for @ms? */
static inline bool cu_frozen(volatile unsigned long *c, int ms)
{
	unsigned long v = *c;

	ut_sleep_ms(ms);
	return *c == v;
}

/* --- victims --- */

/* Spin (@period_us 0), nap @period_us between bumps, or pause (< 0). */
static inline void __attribute__((noreturn))
cu_loop(volatile unsigned long *c, long period_us)
{
	for (;;) {
		if (c)
			(*c)++;
		if (period_us > 0)
			usleep(period_us);
		else if (period_us < 0)
			pause();
	}
}

/* A child running cu_loop(); with a counter, returns once it has moved. */
static inline pid_t cu_spawn(volatile unsigned long *c, long period_us)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		DT_FAIL(1, "fork: %s", strerror(errno));
	if (pid == 0) {
		ut_close_fds();
		cu_loop(c, period_us);
	}
	if (c && period_us >= 0 && !cu_moves(c, CU_WAIT_MS))
		DT_FAIL(1, "victim %d never started counting", pid);
	return pid;
}

static volatile unsigned long *cu_thread_ctr;

static inline void *cu_thread_spin(void *arg)
{
	cu_loop(cu_thread_ctr + (long)arg, 0);
	return NULL;
}

/*
 * A child of @nthreads spinning threads, thread i counting in c[i]; with
 * @main_exits, its main thread leaves as pthread_exit() would once they
 * are made (a zombie leader), else it is thread 0.  Its pid, or -1.
 */
static inline pid_t cu_spawn_threads(volatile unsigned long *c,
				     long nthreads, bool main_exits)
{
	pthread_t t;
	pid_t pid;
	long j;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid;
	ut_close_fds();
	cu_thread_ctr = c;
	for (j = main_exits ? 0 : 1; j < nthreads; j++)
		if (pthread_create(&t, NULL, cu_thread_spin, (void *)j))
			_exit(3);
	if (main_exits)
		syscall(SYS_exit, 0);	/* pthread_exit() without libgcc_s */
	cu_thread_spin(NULL);
	_exit(0);
}

/* --- libdtproc --- */

static inline struct dtproc *cu_open(void)
{
	struct dtproc *dp = dtproc_open();

	if (!dp)
		DT_FAIL(1, "dtproc_open: %s", dtproc_errmsg());
	return dp;
}

static inline struct dtproc_handle *cu_grab(struct dtproc *dp, pid_t pid,
					    unsigned int flags)
{
	struct dtproc_handle *h = dtproc_grab(dp, pid, flags);

	if (!h)
		DT_FAIL(1, "dtproc_grab(%d, 0x%x): %s", pid, flags,
			dtproc_errmsg());
	return h;
}

/*
 * With DTPROC_STATUS_WAIT: the uapi promises STOPPED with nstopped ==
 * nthreads only to a waiting STATUS (without it, a thread counted held in
 * an uninterruptible sleep, say an exec reading its file, may have woken
 * on its way to its park: STOPPING for that moment).  A running, dead or
 * lost victim is answered at once.
 */
static inline struct dtproc_status cu_status(struct dtproc_handle *h)
{
	struct dtproc_status st;

	if (dtproc_status(h, &st, DTPROC_STATUS_WAIT))
		DT_FAIL(1, "dtproc_status(%d): %s", dtproc_handle_pid(h),
			dtproc_errmsg());
	return st;
}

/* Every thread parked for @w, as the module and as /proc see it. */
#define CU_ASSERT_STOPPED(h, w) do {					\
	struct dtproc_status __st = cu_status(h);			\
	char __states[64];						\
	ASSERT_EQ(__st.state, DTPROC_STATE_STOPPED);			\
	ASSERT_EQ(__st.why, (w));					\
	ASSERT_GE(__st.nthreads, 1);					\
	ASSERT_EQ(__st.nstopped, __st.nthreads);			\
	if (ut_wait_all_tasks(dtproc_handle_pid(h), 'I', CU_WAIT_MS,	\
			      __states, sizeof(__states)) < 0)		\
		DT_FAIL(1, "pid %d not parked: thread states \"%s\"",	\
			dtproc_handle_pid(h), __states);		\
} while (0)

#define CU_ASSERT_RUNNING(h) do {					\
	struct dtproc_status __st = cu_status(h);			\
	ASSERT_EQ(__st.state, DTPROC_STATE_RUNNING);			\
	ASSERT_EQ(__st.why, 0);						\
} while (0)

/* /proc/PID/mem of @pid, or of a live thread's if the leader is a zombie. */
static inline int cu_open_mem(pid_t pid)
{
	char path[320];
	struct dirent *d;
	int fd = -1;
	DIR *dir;

	if (ut_state(pid) != 'Z') {
		snprintf(path, sizeof(path), "/proc/%d/mem", pid);
		return open(path, O_RDONLY | O_CLOEXEC);
	}
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while (fd < 0 && (d = readdir(dir))) {
		if (d->d_name[0] == '.' || atoi(d->d_name) == pid)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/mem", pid,
			 d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	closedir(dir);
	return fd;
}

/*
 * Raw ioctls on a /dev/dtproc descriptor: 0 or -1 with errno.  A grab for
 * control of another process proves the right with /proc/PID/mem, as the
 * library does, unless @pad is given (a bad argument on purpose).
 */
static inline int cu_ioc_grab(int fd, pid_t pid, __u32 flags, __u32 pad)
{
	struct dtproc_grab g = {
		.size = sizeof(g), .flags = flags, .pid = pid, .memfd = pad,
	};
	int ret, err, memfd = -1;

	if (!pad && pid > 0 && pid != getpid() &&
	    !(flags & (DTPROC_GRAB_RDONLY | DTPROC_GRAB_PIDFD))) {
		memfd = cu_open_mem(pid);
		if (memfd >= 0) {
			g.flags |= DTPROC_GRAB_MEMFD;
			g.memfd = memfd;
		}
	}
	ret = ioctl(fd, DTPROC_IOC_GRAB, &g);
	err = errno;
	if (memfd >= 0)
		close(memfd);
	errno = err;
	return ret;
}

static inline int cu_ioc_pid(int fd, unsigned long cmd, pid_t pid)
{
	struct dtproc_pid p = { .size = sizeof(p), .pid = pid };

	return ioctl(fd, cmd, &p);
}

static inline int cu_ioc_status(int fd, pid_t pid, struct dtproc_status *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->pid = pid;
	return ioctl(fd, DTPROC_IOC_STATUS, st);
}

/*
 * STATUS with DTPROC_STATUS_WAIT: what a test that expects a settled stop
 * must ask (without it, a thread counted held in an uninterruptible sleep
 * may be seen on its way to its park: STOPPING).
 */
static inline int cu_ioc_status_wait(int fd, pid_t pid,
				     struct dtproc_status *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->pid = pid;
	st->flags = DTPROC_STATUS_WAIT;
	return ioctl(fd, DTPROC_IOC_STATUS, st);
}

/* --- notifications --- */

#define CU_NOTES_MAX	512

struct cu_note {
	struct dtproc_note	note;
	struct dtproc_handle	*h;
	char			msg[160];
};

struct cu_notes {
	int		n;
	struct cu_note	v[CU_NOTES_MAX];
};

static inline void cu_note_fn(struct dtproc_handle *h,
			      const struct dtproc_note *note, const char *msg,
			      void *arg)
{
	struct cu_notes *ns = arg;
	struct cu_note *n;

	if (ns->n == CU_NOTES_MAX)
		return;
	n = &ns->v[ns->n++];
	n->note = *note;
	n->h = h;
	snprintf(n->msg, sizeof(n->msg), "%s", msg);
}

/* Collect whatever is queued now. */
static inline void cu_drain_notes(struct dtproc *dp, struct cu_notes *ns)
{
	if (dtproc_notifications(dp, cu_note_fn, ns) < 0)
		DT_FAIL(1, "dtproc_notifications: %s", dtproc_errmsg());
}

/* Collect notifications until one for @pid of kind @what is in; or NULL. */
static inline const struct cu_note *cu_wait_note(struct dtproc *dp,
						 struct cu_notes *ns,
						 pid_t pid, unsigned int what,
						 int ms)
{
	long long end = ut_now_ms() + ms, left;
	struct pollfd pfd;
	int i;

	for (;;) {
		for (i = 0; i < ns->n; i++)
			if (ns->v[i].note.pid == pid && ns->v[i].note.what == what)
				return &ns->v[i];
		left = end - ut_now_ms();
		if (left <= 0)
			return NULL;
		pfd.fd = dtproc_fd(dp);
		pfd.events = POLLIN;
		poll(&pfd, 1, left);
		cu_drain_notes(dp, ns);
	}
}

static inline void cu_log_notes(const struct cu_notes *ns)
{
	int i;

	TH_LOG("%d notifications:", ns->n);
	for (i = 0; i < ns->n; i++)
		TH_LOG("  pid %d what %u status 0x%x: %s", ns->v[i].note.pid,
		       ns->v[i].note.what, ns->v[i].note.status, ns->v[i].msg);
}

#endif /* DTPROC_SELFTEST_CONTROL_UTIL_H */
