/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the process control selftests (control_test.c).
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

static inline long long cu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static inline void cu_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* --- /proc --- */

/* The state letter of a /proc/.../stat file, 0 if it cannot be read. */
static inline char cu_stat_state_of(const char *path)
{
	char buf[1024], *p;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return 0;
	return p[2];
}

/* State letter of process @pid (its main thread), 0 if gone. */
static inline char cu_state(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return cu_stat_state_of(path);
}

/* Poll until @pid's state is @want or @ms pass; returns the last state. */
static inline char cu_wait_state(pid_t pid, char want, int ms)
{
	long long end = cu_now_ms() + ms;
	char s;

	for (;;) {
		s = cu_state(pid);
		if (s == want || cu_now_ms() >= end)
			return s;
		cu_sleep_ms(2);
	}
}

/* Poll until @pid's state is not @unwanted or @ms pass; the last state. */
static inline char cu_wait_not_state(pid_t pid, char unwanted, int ms)
{
	long long end = cu_now_ms() + ms;
	char s;

	for (;;) {
		s = cu_state(pid);
		if (s != unwanted || cu_now_ms() >= end)
			return s;
		cu_sleep_ms(2);
	}
}

/*
 * Threads of @pid: their number in /proc/PID/task, how many of them are in
 * state @letter, and their state letters in @states (for logs).
 */
static inline int cu_tasks(pid_t pid, char letter, int *nletter,
			   char *states, size_t len)
{
	char path[320];
	struct dirent *d;
	size_t used = 0;
	int n = 0;
	DIR *dir;

	*nletter = 0;
	if (len)
		states[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		char s;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid,
			 d->d_name);
		s = cu_stat_state_of(path);
		if (!s)
			continue;	/* exited meanwhile */
		n++;
		if (s == letter)
			(*nletter)++;
		if (used + 1 < len) {
			states[used++] = s;
			states[used] = '\0';
		}
	}
	closedir(dir);
	return n;
}

/* Poll until every thread of @pid is in state @letter; the thread count. */
static inline int cu_wait_all_tasks(pid_t pid, char letter, int ms,
				    char *states, size_t len)
{
	long long end = cu_now_ms() + ms;
	int n, k;

	for (;;) {
		n = cu_tasks(pid, letter, &k, states, len);
		if ((n > 0 && k == n) || cu_now_ms() >= end)
			return n > 0 && k == n ? n : -1;
		cu_sleep_ms(2);
	}
}

/* /proc/PID/comm into @buf (16 bytes), newline stripped; "" if gone. */
static inline const char *cu_comm(pid_t pid, char *buf)
{
	char path[64];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return buf;
	n = read(fd, buf, 15);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return buf;
}

/* A numeric field ("TracerPid:") of /proc/PID/status, -1 if absent. */
static inline long cu_status_field(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, flen)) {
			v = strtol(line + flen, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* --- counters in shared memory --- */

static inline volatile unsigned long *cu_shared(size_t n)
{
	void *p = mmap(NULL, n * sizeof(unsigned long), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		DT_FAIL(1, "mmap: %s", strerror(errno));
	return p;
}

/* Does *@c change within @ms? */
static inline bool cu_moves(volatile unsigned long *c, int ms)
{
	long long end = cu_now_ms() + ms;
	unsigned long v = *c;

	while (*c == v) {
		if (cu_now_ms() >= end)
			return false;
		cu_sleep_ms(1);
	}
	return true;
}

/* Does *@c stay put for @ms? */
static inline bool cu_frozen(volatile unsigned long *c, int ms)
{
	unsigned long v = *c;

	cu_sleep_ms(ms);
	return *c == v;
}

/* --- victims --- */

/* In a new child: no file descriptor of ours (a /dev/dtproc one above all). */
static inline void cu_close_fds(void)
{
	int fd;

	if (close_range(3, ~0U, 0))
		for (fd = 3; fd < 1024; fd++)
			close(fd);
}

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
		cu_close_fds();
		cu_loop(c, period_us);
	}
	if (c && period_us >= 0 && !cu_moves(c, CU_WAIT_MS))
		DT_FAIL(1, "victim %d never started counting", pid);
	return pid;
}

/*
 * Reap @pid within @ms, also once it is reparented to us (a subreaper).
 * Returns true with its wait status in *@status.
 */
static inline bool cu_reap(pid_t pid, int *status, int ms)
{
	long long end = cu_now_ms() + ms;
	pid_t w;

	for (;;) {
		w = waitpid(pid, status, WNOHANG | __WALL);
		if (w == pid)
			return true;
		if (w < 0 && errno != ECHILD && errno != EINTR)
			return false;
		if (cu_now_ms() >= end)
			return false;
		cu_sleep_ms(1);
	}
}

/*
 * Wait up to @ms for child @pid to end, leaving it unreaped (a zombie, so
 * its pid stays its own); true with how it ended in *@si.
 */
static inline bool cu_wait_exit(pid_t pid, siginfo_t *si, int ms)
{
	long long end = cu_now_ms() + ms;

	for (;;) {
		memset(si, 0, sizeof(*si));
		if (!waitid(P_PID, pid, si, WEXITED | WNOWAIT | WNOHANG) &&
		    si->si_pid == pid)
			return true;
		if (cu_now_ms() >= end)
			return false;
		cu_sleep_ms(1);
	}
}

/* Clean-up: SIGKILL @pid and reap it if it is ours. */
static inline void cu_kill(pid_t pid)
{
	int status;

	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	cu_reap(pid, &status, 5000);
}

/* A pid no process has (a child's, reaped). */
static inline pid_t cu_unused_pid(void)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		DT_FAIL(1, "fork: %s", strerror(errno));
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_ERRNO(kill(pid, 0), ESRCH);
	return pid;
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

static inline struct dtproc_status cu_status(struct dtproc_handle *h)
{
	struct dtproc_status st;

	if (dtproc_status(h, &st, 0))
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
	if (cu_wait_all_tasks(dtproc_handle_pid(h), 'I', 2000,		\
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

	if (cu_state(pid) != 'Z') {
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
	long long end = cu_now_ms() + ms, left;
	struct pollfd pfd;
	int i;

	for (;;) {
		for (i = 0; i < ns->n; i++)
			if (ns->v[i].note.pid == pid && ns->v[i].note.what == what)
				return &ns->v[i];
		left = end - cu_now_ms();
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

/* --- files --- */

static inline void cu_write_file(const char *path, const char *text,
				 mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		DT_FAIL(1, "create %s: %s", path, strerror(errno));
	ASSERT_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ASSERT_OK(fchmod(fd, mode));
	ASSERT_OK(close(fd));
}

static inline void cu_copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		DT_FAIL(1, "open %s: %s", from, strerror(errno));
	unlink(to);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (out < 0)
		DT_FAIL(1, "create %s: %s", to, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ASSERT_EQ(write(out, buf, n), n);
	ASSERT_EQ(n, 0);
	close(in);
	ASSERT_OK(close(out));
	ASSERT_OK(chmod(to, mode));
}

#endif /* DTPROC_SELFTEST_CONTROL_UTIL_H */
