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
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

/* dtproc_status, as the library itself calls it (see status_sized()) */
int dtproc_status_v2(struct dtproc_handle *h, struct dtproc_status *st,
		     unsigned int flags);

#define DTPROC_HASH_BUCKETS	4096
#define DTPROC_LRU_DEFAULT	8

struct dtproc_handle {
	struct dtproc		*dp;
	pid_t			pid;
	unsigned int		refs;
	bool			rdonly;
	bool			created;
	struct dtproc_handle	*hash_next;
	struct dtproc_handle	*lru_prev, *lru_next;	/* on the LRU if refs == 0 */
};

struct dtproc_handles {
	struct dtproc_handle	*buckets[DTPROC_HASH_BUCKETS];
	struct dtproc_handle	*lru_head, *lru_tail;	/* most recent first */
	unsigned int		lru_count, lru_limit;
	size_t			count;
	/* notes the library read on its own (dtproc_create_at) for the caller */
	struct dtproc_note	*deferred;
	size_t			ndeferred, deferred_cap;
};

void dtproc_handles_free(struct dtproc_handles *hs)
{
	struct dtproc_handle *h, *next;
	size_t i;

	if (!hs)
		return;
	for (i = 0; i < DTPROC_HASH_BUCKETS; i++)
		for (h = hs->buckets[i]; h; h = next) {
			next = h->hash_next;
			free(h);
		}
	free(hs->deferred);
	free(hs);
}

static struct dtproc_handles *handles_of(struct dtproc *dp)
{
	struct dtproc_handles **hp = dtproc_handles_slot(dp);

	if (!*hp) {
		*hp = calloc(1, sizeof(**hp));
		if (*hp)
			(*hp)->lru_limit = DTPROC_LRU_DEFAULT;
	}
	return *hp;
}

static struct dtproc_handle **bucket(struct dtproc_handles *hs, pid_t pid)
{
	return &hs->buckets[(unsigned int)pid % DTPROC_HASH_BUCKETS];
}

static struct dtproc_handle *lookup(struct dtproc_handles *hs, pid_t pid)
{
	struct dtproc_handle *h;

	for (h = *bucket(hs, pid); h; h = h->hash_next)
		if (h->pid == pid)
			return h;
	return NULL;
}

static void lru_remove(struct dtproc_handles *hs, struct dtproc_handle *h)
{
	if (h->lru_prev)
		h->lru_prev->lru_next = h->lru_next;
	else
		hs->lru_head = h->lru_next;
	if (h->lru_next)
		h->lru_next->lru_prev = h->lru_prev;
	else
		hs->lru_tail = h->lru_prev;
	h->lru_prev = h->lru_next = NULL;
	hs->lru_count--;
}

static void lru_push(struct dtproc_handles *hs, struct dtproc_handle *h)
{
	h->lru_prev = NULL;
	h->lru_next = hs->lru_head;
	if (hs->lru_head)
		hs->lru_head->lru_prev = h;
	else
		hs->lru_tail = h;
	hs->lru_head = h;
	hs->lru_count++;
}

static int pid_ioctl(struct dtproc *dp, unsigned long cmd, pid_t pid)
{
	struct dtproc_pid p = { .size = sizeof(p), .pid = pid };

	return ioctl(dtproc_fd(dp), cmd, &p) < 0 ? -errno : 0;
}

/* Unlink @h from the table, let the kernel go of it, free it. */
static void handle_destroy(struct dtproc_handles *hs, struct dtproc_handle *h)
{
	struct dtproc_handle **pp = bucket(hs, h->pid);

	while (*pp != h)
		pp = &(*pp)->hash_next;
	*pp = h->hash_next;
	hs->count--;
	pid_ioctl(h->dp, DTPROC_IOC_RELEASE, h->pid);
	free(h);
}

/* A handle for @pid, which the kernel already holds for @dp. */
static struct dtproc_handle *handle_insert(struct dtproc *dp,
					   struct dtproc_handles *hs, pid_t pid,
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
	h->hash_next = *bucket(hs, pid);
	*bucket(hs, pid) = h;
	hs->count++;
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

static struct dtproc_handle *handle_new(struct dtproc *dp,
					struct dtproc_handles *hs, pid_t pid,
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
	h = handle_insert(dp, hs, pid, flags);
	if (!h) {
		pid_ioctl(dp, DTPROC_IOC_RELEASE, pid);
		return grab_fail(ENOMEM, pid);
	}
	return h;
}

DTPROC_EXPORT struct dtproc_handle *dtproc_grab(struct dtproc *dp, pid_t pid,
						unsigned int flags)
{
	struct dtproc_handles *hs = handles_of(dp);
	struct dtproc_handle *h;

	if (!hs)
		return grab_fail(ENOMEM, pid);
	if (flags & ~DTPROC_GRAB_RDONLY)
		return dtproc_failx_null(EINVAL, "failed to grab pid %d: unknown flags 0x%x (the only one is DTPROC_GRAB_RDONLY)", pid, flags);
	h = lookup(hs, pid);
	if (h && !h->refs) {
		/* a cached handle of a process since gone: the pid is new */
		struct dtproc_status st;

		if (dtproc_status_v2(h, &st, 0) || st.state == DTPROC_STATE_DEAD) {
			lru_remove(hs, h);
			handle_destroy(hs, h);
			h = NULL;
		}
	}
	if (h && h->rdonly && !(flags & DTPROC_GRAB_RDONLY)) {
		/* a cached read-only handle is stale for control */
		if (h->refs)
			return dtproc_failx_null(EBUSY, "failed to grab pid %d: this consumer holds it read-only (release that handle first)", pid);
		lru_remove(hs, h);
		handle_destroy(hs, h);
		h = NULL;
	}
	if (h) {
		if (!h->refs)
			lru_remove(hs, h);
		h->refs++;
		return h;
	}
	return handle_new(dp, hs, pid, flags);
}

DTPROC_EXPORT void dtproc_release(struct dtproc_handle *h)
{
	struct dtproc_handles *hs;

	if (!h)
		return;
	hs = handles_of(h->dp);
	if (--h->refs)
		return;
	if (!h->rdonly) {
		handle_destroy(hs, h);
		return;
	}
	lru_push(hs, h);
	while (hs->lru_count > hs->lru_limit) {
		struct dtproc_handle *old = hs->lru_tail;

		lru_remove(hs, old);
		handle_destroy(hs, old);
	}
}

DTPROC_EXPORT void dtproc_set_lru_limit(struct dtproc *dp, unsigned int limit)
{
	struct dtproc_handles *hs = handles_of(dp);

	if (!hs)
		return;
	hs->lru_limit = limit;
	while (hs->lru_count > hs->lru_limit) {
		struct dtproc_handle *old = hs->lru_tail;

		lru_remove(hs, old);
		handle_destroy(hs, old);
	}
}

DTPROC_EXPORT size_t dtproc_handle_count(struct dtproc *dp)
{
	struct dtproc_handles *hs = handles_of(dp);

	return hs ? hs->count : 0;
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
	struct dtproc_handles *hs = handles_of(dp);
	volatile int stage = 0, failure = 0;
	struct dtproc_handle *h;
	struct dtproc_status st;
	int err;
	pid_t pid;

	if (!hs)
		return dtproc_failx_null(ENOMEM, "failed to execute %s: out of memory (free some, then retry)", file);
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

	h = handle_insert(dp, hs, pid, DTPROC_GRAB_CREATE);
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
		handle_destroy(hs, h);
		waitpid(pid, NULL, 0);
		if (lost)
			return dtproc_failx_null(err, "failed to control pid %d: process exec'd set-id or unobservable program (run it as a user it does not change to)", pid);
		return dtproc_failx_null(err, "failed to control pid %d: process exited before it could be stopped", pid);
	}
	return h;
}

/* dt_proc's notification messages. */
static void note_message(const struct dtproc_note *n, char *buf, size_t len)
{
	switch (n->what) {
	case DTPROC_NOTE_EXITED:
		if (WIFSIGNALED(n->status))
			snprintf(buf, len, "failed to control pid %d: process died from signal %d",
				 n->pid, WTERMSIG(n->status));
		else
			snprintf(buf, len, "failed to control pid %d: process exited with status %d",
				 n->pid, WEXITSTATUS(n->status));
		break;
	case DTPROC_NOTE_LOST:
		snprintf(buf, len, "failed to control pid %d: process exec'd set-id or unobservable program",
			 n->pid);
		break;
	case DTPROC_NOTE_EXEC:
		snprintf(buf, len, "pid %d: process exec'd a new program", n->pid);
		break;
	case DTPROC_NOTE_OVERFLOW:
		snprintf(buf, len, "%d notifications lost (not read in time)",
			 n->status);
		break;
	case DTPROC_NOTE_BREAK:
		snprintf(buf, len, "pid %d: thread %d hit breakpoint %u at 0x%llx",
			 n->pid, n->tid, n->bp_id, (unsigned long long)n->addr);
		break;
	default:
		snprintf(buf, len, "pid %d: notification %u", n->pid, n->what);
		break;
	}
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
	struct dtproc_handles *hs = handles_of(dp);
	struct dtproc_note *d;

	if (!hs)
		return -ENOMEM;
	if (hs->ndeferred == hs->deferred_cap) {
		size_t cap = hs->deferred_cap ? 2 * hs->deferred_cap : 16;

		d = realloc(hs->deferred, cap * sizeof(*d));
		if (!d)
			return -ENOMEM;
		hs->deferred = d;
		hs->deferred_cap = cap;
	}
	hs->deferred[hs->ndeferred++] = *note;
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
	struct dtproc_handles *hs = handles_of(dp);
	struct dtproc_note note;
	char msg[160];
	int count = 0, ret;
	size_t i;

	if (hs && hs->ndeferred) {
		for (i = 0; i < hs->ndeferred; i++) {
			note = hs->deferred[i];
			note_message(&note, msg, sizeof(msg));
			fn(lookup(hs, note.pid), &note, msg, arg);
			count++;
		}
		hs->ndeferred = 0;
	}
	while ((ret = dtproc_note_read(dp, &note)) > 0) {
		note_message(&note, msg, sizeof(msg));
		fn(hs ? lookup(hs, note.pid) : NULL, &note, msg, arg);
		count++;
	}
	if (ret < 0)
		return dtproc_failx(-ret, "cannot read dtproc notifications: %s (unexpected: report it, with dtproc.ko's version)",
				    strerror(-ret));
	return count;
}
