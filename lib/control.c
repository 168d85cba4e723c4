// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdtproc: process control handles over /dev/dtproc's ioctls.
 *
 * As libdtrace's dt_proc: handles live in a pid-keyed table; grabbing a pid
 * already held returns the same handle with its count raised; read-only
 * handles whose count drops to zero stay cached on an LRU list of a
 * settable length (default 8), the least recently used unreferenced one
 * dropped beyond it; a grab for control of a pid cached read-only retires
 * that handle and makes a new one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "table.h"

/* dtproc_status, as the library itself calls it (see status_sized()) */
int dtproc_status_v2(struct dtproc_handle *h, struct dtproc_status *st,
		     unsigned int flags);

#define DTPROC_LRU_DEFAULT	8

struct dtproc_handle {
	struct dtproc		*dp;
	pid_t			pid;
	unsigned int		refs;
	bool			rdonly;
	bool			created;
	TAILQ_ENTRY(dtproc_handle) lru;	/* on dp->lru while refs == 0 */
};

static bool handle_is(const void *item, const void *key)
{
	return ((const struct dtproc_handle *)item)->pid == *(const pid_t *)key;
}

static uint64_t pid_hash(pid_t pid)
{
	return table_hash_u64((uint32_t)pid);
}

static struct dtproc_handle *lookup(struct dtproc *dp, pid_t pid)
{
	return table_find(&dp->handles, pid_hash(pid), handle_is, &pid);
}

int dtproc_handles_init(struct dtproc *dp)
{
	TAILQ_INIT(&dp->lru);
	dp->lru_limit = DTPROC_LRU_DEFAULT;
	return table_init(&dp->handles, 64);
}

/* Free every handle (the kernel lets the victims go at the close). */
void dtproc_handles_fini(struct dtproc *dp)
{
	struct dtproc_handle *h;
	size_t pos = 0;

	while ((h = table_next(&dp->handles, &pos)))
		free(h);
	table_fini(&dp->handles);
	free(dp->deferred);
	dp->deferred = NULL;
}

static void lru_remove(struct dtproc *dp, struct dtproc_handle *h)
{
	TAILQ_REMOVE(&dp->lru, h, lru);
	dp->lru_count--;
}

static void lru_push(struct dtproc *dp, struct dtproc_handle *h)
{
	TAILQ_INSERT_HEAD(&dp->lru, h, lru);
	dp->lru_count++;
}

static int pid_ioctl(struct dtproc *dp, unsigned long cmd, pid_t pid)
{
	struct dtproc_pid p = { .size = sizeof(p), .pid = pid };

	return ioctl(dtproc_fd(dp), cmd, &p) < 0 ? -errno : 0;
}

/* Take @h out of the table, let the kernel go of it, free it. */
static void handle_destroy(struct dtproc *dp, struct dtproc_handle *h)
{
	table_del(&dp->handles, pid_hash(h->pid), handle_is, &h->pid);
	pid_ioctl(dp, DTPROC_IOC_RELEASE, h->pid);
	free(h);
}

/* A handle for @pid, which the kernel already holds for @dp. */
static struct dtproc_handle *handle_insert(struct dtproc *dp, pid_t pid,
					   unsigned int flags)
{
	struct dtproc_handle *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->dp = dp;
	h->pid = pid;
	h->refs = 1;
	h->rdonly = flags & DTPROC_GRAB_RDONLY;
	h->created = flags & DTPROC_GRAB_CREATE;
	if (table_add(&dp->handles, pid_hash(pid), h)) {
		free(h);
		return NULL;
	}
	return h;
}

/*
 * Open /proc/PID/mem of @pid's image: the proof of the right to control it
 * that the module asks for (its open(2) runs the kernel's own ptrace access
 * check, PTRACE_MODE_ATTACH, with Yama, SELinux, AppArmor and the dumpable
 * rules).  A zombie leader's has no memory: a live thread's then.
 */
static int open_mem(pid_t pid)
{
	char path[320], buf[512], *p;
	struct dirent *d;
	int fd, sfd;
	ssize_t n;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	sfd = open(path, O_RDONLY | O_CLOEXEC);
	if (sfd < 0)
		return -1;
	n = read(sfd, buf, sizeof(buf) - 1);
	close(sfd);
	buf[n > 0 ? n : 0] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] != 'Z') {
		snprintf(path, sizeof(path), "/proc/%d/mem", pid);
		return open(path, O_RDONLY | O_CLOEXEC);
	}
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	fd = -1;
	errno = ESRCH;
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

/* Why a grab of @pid failed with @err, and what to do; NULL, errno set. */
static struct dtproc_handle *grab_fail(int err, pid_t pid)
{
	switch (err) {
	case EPERM:
	case EACCES:
		return dtproc_failx_null(err, "failed to grab pid %d: permission denied (run as its user with ptrace allowed, or as root)", pid);
	case EOWNERDEAD:
		/* dt_proc's words */
		return dtproc_failx_null(err, "failed to grab pid %d: process is a zombie", pid);
	case EBUSY:
		return dtproc_failx_null(err, "failed to grab pid %d: another consumer controls it (end that one, or grab read-only)", pid);
	case EINVAL:
		return dtproc_failx_null(err, "failed to grab pid %d: cannot control the calling process itself (grab another process)", pid);
	case ESRCH:
		return dtproc_failx_null(err, "failed to grab pid %d: No such process (check the pid)", pid);
	case ENOMEM:
		return dtproc_failx_null(err, "failed to grab pid %d: out of memory (free some, then retry)", pid);
	default:
		return dtproc_failx_null(err, "failed to grab pid %d: %s (unexpected: report it, with dtproc.ko's version)",
					 pid, strerror(err));
	}
}

int dtproc_status_fail(int err, pid_t pid)
{
	switch (err) {
	case ENOENT:
		return dtproc_failx(err, "failed to get the status of pid %d: this consumer does not hold it (grab it first)", pid);
	case ESRCH:
		return dtproc_failx(err, "failed to get the status of pid %d: the process is gone", pid);
	case EINTR:
		return dtproc_failx(err, "failed to get the status of pid %d: a signal interrupted the wait (call it again)", pid);
	default:
		return dtproc_failx(err, "failed to get the status of pid %d: %s (unexpected: report it, with dtproc.ko's version)",
				    pid, strerror(err));
	}
}

static struct dtproc_handle *handle_new(struct dtproc *dp, pid_t pid,
					unsigned int flags)
{
	struct dtproc_grab g = { .size = sizeof(g), .flags = flags, .pid = pid };
	struct dtproc_handle *h;
	int err, ret, memfd, tries = 0;

again:
	memfd = -1;
	g.flags = flags;
	g.memfd = 0;
	if (!(flags & (DTPROC_GRAB_RDONLY | DTPROC_GRAB_CREATE))) {
		/* if it cannot be opened, the module says why: gone, or EPERM */
		memfd = open_mem(pid);
		if (memfd >= 0) {
			g.flags |= DTPROC_GRAB_MEMFD;
			g.memfd = memfd;
		}
	}
	ret = ioctl(dtproc_fd(dp), DTPROC_IOC_GRAB, &g);
	err = errno;
	if (memfd >= 0)
		close(memfd);
	/* it exec'd between our open and the grab: prove it again */
	if (ret < 0 && err == ESTALE && ++tries < 100)
		goto again;
	errno = err;
	if (ret < 0)
		return grab_fail(err, pid);
	h = handle_insert(dp, pid, flags);
	if (!h) {
		pid_ioctl(dp, DTPROC_IOC_RELEASE, pid);
		return grab_fail(ENOMEM, pid);
	}
	return h;
}

DTPROC_EXPORT struct dtproc_handle *dtproc_grab(struct dtproc *dp, pid_t pid,
						unsigned int flags)
{
	struct dtproc_handle *h;

	if (flags & ~DTPROC_GRAB_RDONLY)
		return dtproc_failx_null(EINVAL, "failed to grab pid %d: unknown flags 0x%x (the only one is DTPROC_GRAB_RDONLY)", pid, flags);
	h = lookup(dp, pid);
	if (h && !h->refs) {
		/* a cached handle of a process since gone: the pid is new */
		struct dtproc_status st;

		if (dtproc_status_v2(h, &st, 0) || st.state == DTPROC_STATE_DEAD) {
			lru_remove(dp, h);
			handle_destroy(dp, h);
			h = NULL;
		}
	}
	if (h && h->rdonly && !(flags & DTPROC_GRAB_RDONLY)) {
		/* a cached read-only handle is stale for control */
		if (h->refs)
			return dtproc_failx_null(EBUSY, "failed to grab pid %d: this consumer holds it read-only (release that handle first)", pid);
		lru_remove(dp, h);
		handle_destroy(dp, h);
		h = NULL;
	}
	if (h) {
		if (!h->refs)
			lru_remove(dp, h);
		h->refs++;
		return h;
	}
	return handle_new(dp, pid, flags);
}

/* Drop the least recently used cached handles beyond the limit. */
static void lru_trim(struct dtproc *dp)
{
	while (dp->lru_count > dp->lru_limit) {
		struct dtproc_handle *old = TAILQ_LAST(&dp->lru, dtproc_lru);

		lru_remove(dp, old);
		handle_destroy(dp, old);
	}
}

DTPROC_EXPORT void dtproc_release(struct dtproc_handle *h)
{
	struct dtproc *dp;

	if (!h)
		return;
	dp = h->dp;
	if (--h->refs)
		return;
	if (!h->rdonly) {
		handle_destroy(dp, h);
		return;
	}
	lru_push(dp, h);
	lru_trim(dp);
}

DTPROC_EXPORT void dtproc_set_lru_limit(struct dtproc *dp, unsigned int limit)
{
	dp->lru_limit = limit;
	lru_trim(dp);
}

DTPROC_EXPORT size_t dtproc_handle_count(struct dtproc *dp)
{
	return dp->handles.n;
}

struct dtproc *dtproc_handle_dp(const struct dtproc_handle *h)
{
	return h->dp;
}

DTPROC_EXPORT pid_t dtproc_handle_pid(const struct dtproc_handle *h)
{
	return h->pid;
}

/* An ioctl on @h's process failed with @err: why, and what to do. */
static int dtproc_handle_fail(struct dtproc_handle *h, int err,
			      const char *what)
{
	switch (err) {
	case ENOENT:
		return dtproc_failx(err, "failed to %s pid %d: this consumer does not hold it (grab it first)",
				    what, h->pid);
	case ESRCH:
		return dtproc_failx(err, "failed to %s pid %d: the process is gone", what, h->pid);
	case EPERM:
		return dtproc_failx(err, "failed to %s pid %d: it is held read-only (grab it without DTPROC_GRAB_RDONLY)",
				    what, h->pid);
	case EINTR:
		return dtproc_failx(err, "failed to %s pid %d: a signal interrupted the wait (call it again)",
				    what, h->pid);
	default:
		return dtproc_failx(err, "failed to %s pid %d: %s (unexpected: report it, with dtproc.ko's version)",
				    what, h->pid, strerror(err));
	}
}

DTPROC_EXPORT int dtproc_continue(struct dtproc_handle *h)
{
	int ret = pid_ioctl(h->dp, DTPROC_IOC_CONTINUE, h->pid);

	if (ret)
		return dtproc_handle_fail(h, -ret, "continue");
	return 0;
}

DTPROC_EXPORT int dtproc_stop(struct dtproc_handle *h)
{
	int ret = pid_ioctl(h->dp, DTPROC_IOC_STOP, h->pid);

	if (ret)
		return dtproc_handle_fail(h, -ret, "stop");
	return 0;
}

/* STATUS into @st, whose caller knows its first @size bytes only. */
static int status_sized(struct dtproc_handle *h, struct dtproc_status *st,
			size_t size, unsigned int flags)
{
	struct dtproc_status full;

	memset(&full, 0, sizeof(full));
	full.size = sizeof(full);
	full.pid = h->pid;
	full.flags = flags;
	if (ioctl(dtproc_fd(h->dp), DTPROC_IOC_STATUS, &full) < 0)
		return dtproc_status_fail(errno, h->pid);
	full.size = size;
	memcpy(st, &full, size);
	return 0;
}

/*
 * dtproc_status@LIBDTPROC_1: for programs built when struct dtproc_status
 * was DTPROC_STATUS_SIZE_VER1 bytes long: never write past that.
 */
__attribute__((symver("dtproc_status@LIBDTPROC_1")))
DTPROC_EXPORT int dtproc_status_v1(struct dtproc_handle *h,
				   struct dtproc_status *st, unsigned int flags)
{
	return status_sized(h, st, DTPROC_STATUS_SIZE_VER1, flags);
}

/* dtproc_status@@LIBDTPROC_1.2: the struct with the breakpoint members. */
__attribute__((symver("dtproc_status@@LIBDTPROC_1.2")))
DTPROC_EXPORT int dtproc_status_v2(struct dtproc_handle *h,
				   struct dtproc_status *st, unsigned int flags)
{
	return status_sized(h, st, sizeof(*st), flags);
}

DTPROC_EXPORT int dtproc_threads(struct dtproc_handle *h,
				 struct dtproc_thread *buf, size_t len)
{
	struct dtproc_status st;

	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.pid = h->pid;
	st.threads = (uintptr_t)buf;
	st.threads_len = len > UINT32_MAX ? UINT32_MAX : len;
	st.thread_size = sizeof(*buf);
	if (ioctl(dtproc_fd(h->dp), DTPROC_IOC_STATUS, &st) < 0)
		return dtproc_handle_fail(h, errno, "list the threads of");
	return st.threads_len;
}

/*
 * Start @file with @argv so that it stops after the exec, before its first
 * instruction.  The child, a vfork child as posix_spawn() makes, arms
 * itself on the descriptor it shares with us (the consumer is the same
 * open file) and execs; we run again once it has exec'd or died, and it
 * leaves why it failed in our memory.  The child is ours to reap.
 */
DTPROC_EXPORT struct dtproc_handle *dtproc_create(struct dtproc *dp,
						  const char *file,
						  char *const argv[])
{
	volatile int stage = 0, failure = 0;
	struct dtproc_handle *h;
	struct dtproc_status st;
	int err;
	pid_t pid;

	pid = vfork();
	if (pid < 0)
		return dtproc_failx_null(errno, "failed to execute %s: cannot fork: %s (too many processes? retry later)",
					 file, strerror(errno));
	if (pid == 0) {
		struct dtproc_grab g = {
			.size = sizeof(g), .flags = DTPROC_GRAB_CREATE, .pid = getpid(),
		};

		if (ioctl(dtproc_fd(dp), DTPROC_IOC_GRAB, &g) == 0) {
			stage = 1;
			execvp(file, argv);
		}
		failure = errno;
		_exit(127);
	}
	if (failure) {
		waitpid(pid, NULL, 0);
		pid_ioctl(dp, DTPROC_IOC_RELEASE, pid);
		if (!stage)
			return grab_fail(failure, pid);
		/* dt_proc's words: the cause is exec's errno */
		return dtproc_failx_null(failure, "failed to execute %s: %s%s", file,
					 strerror(failure),
					 failure == ENOENT ? " (check the name and PATH)" :
					 failure == EACCES ? " (check that it is executable)" : "");
	}

	h = handle_insert(dp, pid, DTPROC_GRAB_CREATE);
	if (!h) {
		pid_ioctl(dp, DTPROC_IOC_RELEASE, pid);	/* kills it */
		waitpid(pid, NULL, 0);
		return dtproc_failx_null(ENOMEM, "failed to execute %s: out of memory (free some, then retry)", file);
	}
	if (dtproc_status_v2(h, &st, DTPROC_STATUS_WAIT) < 0 ||
	    st.state != DTPROC_STATE_STOPPED) {
		/* a lost one is killed by the release */
		bool lost = st.state == DTPROC_STATE_LOST;

		err = st.state == DTPROC_STATE_DEAD ? ESRCH : lost ? EPERM : EIO;
		handle_destroy(dp, h);
		waitpid(pid, NULL, 0);
		if (lost)
			return dtproc_failx_null(err, "failed to control pid %d: process exec'd set-id or unobservable program (run it as a user it does not change to)", pid);
		return dtproc_failx_null(err, "failed to control pid %d: process exited before it could be stopped", pid);
	}
	return h;
}

int dtproc_note_read(struct dtproc *dp, struct dtproc_note *note)
{
	ssize_t n;

	/* the descriptor is O_NONBLOCK since dtproc_open() */
	memset(note, 0, sizeof(*note));
	n = read(dtproc_fd(dp), note, sizeof(*note));
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	/* a record is at least the 16 bytes of the first ABI */
	if (n < DTPROC_NOTE_SIZE_VER0)
		return -EIO;
	if ((size_t)n < sizeof(*note))
		memset((char *)note + n, 0, sizeof(*note) - n);
	return 1;
}

int dtproc_note_defer(struct dtproc *dp, const struct dtproc_note *note)
{
	struct dtproc_note *d;

	if (dp->ndeferred == dp->deferred_cap) {
		size_t cap = dp->deferred_cap ? 2 * dp->deferred_cap : 16;

		d = realloc(dp->deferred, cap * sizeof(*d));
		if (!d)
			return -ENOMEM;
		dp->deferred = d;
		dp->deferred_cap = cap;
	}
	dp->deferred[dp->ndeferred++] = *note;
	return 0;
}

/*
 * Hand each queued notification to @fn (with the handle of its pid, if
 * one is held, and dt_proc's message for it), those the library read on
 * its own first.  Never blocks.  Returns the number handled or a negative
 * errno.
 */
DTPROC_EXPORT int dtproc_notifications(struct dtproc *dp, dtproc_notify_fn *fn,
				       void *arg)
{
	struct dtproc_note note;
	char msg[160];
	int count = 0, ret;
	size_t i;

	for (i = 0; i < dp->ndeferred; i++) {
		note = dp->deferred[i];
		dtproc_note_message(&note, msg, sizeof(msg));
		fn(lookup(dp, note.pid), &note, msg, arg);
		count++;
	}
	dp->ndeferred = 0;
	while ((ret = dtproc_note_read(dp, &note)) > 0) {
		dtproc_note_message(&note, msg, sizeof(msg));
		fn(lookup(dp, note.pid), &note, msg, arg);
		count++;
		/* the last one queued: no read to fail with EAGAIN */
		if (note.size >= DTPROC_NOTE_SIZE_VER2 && !note.queued)
			break;
	}
	if (ret < 0)
		return dtproc_failx(-ret, "cannot read dtproc notifications: %s (unexpected: report it, with dtproc.ko's version)",
				    strerror(-ret));
	return count;
}
