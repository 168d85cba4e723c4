/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by dtproc's selftests, whatever they test: time, /proc,
 * memory shared with children, children and their ends, files.  The
 * process control tests add theirs in control_util.h (cu_*), the proc
 * provider tests theirs in proc_util.h (pu_*), the CLI tests in
 * cli_util.h; each helper has one name, here or there.
 *
 * The guest is QEMU TCG: everything that must happen is polled for with a
 * generous timeout, never slept for and hoped.
 */
#ifndef DTPROC_SELFTEST_UTIL_H
#define DTPROC_SELFTEST_UTIL_H

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "harness.h"

#define NOBODY 65534

/* Become uid/gid 65534 with no supplementary groups and no capabilities. */
static inline void drop_to_nobody(void)
{
	ASSERT_OK(setgroups(0, NULL));
	ASSERT_OK(setgid(NOBODY));
	ASSERT_OK(setuid(NOBODY));
	ASSERT_EQ(geteuid(), NOBODY);
}

static inline int open_dtproc(void)
{
	int fd = open("/dev/dtproc", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		DT_FAIL(1, "open /dev/dtproc: %s", strerror(errno));
	return fd;
}

/* --- time --- */

static inline uint64_t ut_now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* CLOCK_MONOTONIC in milliseconds. */
static inline long long ut_now_ms(void)
{
	return ut_now_ns(CLOCK_MONOTONIC) / 1000000;
}

/* Milliseconds until CLOCK_MONOTONIC @deadline_ns, rounded up; 0 if past. */
static inline int ut_ms_left(uint64_t deadline_ns)
{
	uint64_t now = ut_now_ns(CLOCK_MONOTONIC);

	return now >= deadline_ns ? 0 : (int)((deadline_ns - now) / 1000000) + 1;
}

static inline void ut_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* --- /proc --- */

/* The state letter of a /proc/.../stat file, 0 if it cannot be read. */
static inline char ut_stat_state_of(const char *path)
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
static inline char ut_state(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return ut_stat_state_of(path);
}

/* Poll until @pid's state is @want or @ms pass; returns the last state. */
static inline char ut_wait_state(pid_t pid, char want, int ms)
{
	long long end = ut_now_ms() + ms;
	char s;

	for (;;) {
		s = ut_state(pid);
		if (s == want || ut_now_ms() >= end)
			return s;
		ut_sleep_ms(2);
	}
}

/* Poll until @pid's state is not @unwanted or @ms pass; the last state. */
static inline char ut_wait_not_state(pid_t pid, char unwanted, int ms)
{
	long long end = ut_now_ms() + ms;
	char s;

	for (;;) {
		s = ut_state(pid);
		if (s != unwanted || ut_now_ms() >= end)
			return s;
		ut_sleep_ms(2);
	}
}

/*
 * Threads of @pid: their number in /proc/PID/task, how many of them are in
 * state @letter, and their state letters in @states (for logs).
 */
static inline int ut_tasks(pid_t pid, char letter, int *nletter,
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
		s = ut_stat_state_of(path);
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

/*
 * For a test that found @pid stuck: each thread's state, wchan and kernel
 * stack (/proc/PID/task/TID/stack; root) to stdout as TAP diagnostics.
 */
static inline void ut_dump_tasks(pid_t pid)
{
	char path[320], line[256];
	struct dirent *d;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid,
			 d->d_name);
		printf("# task %s: state %c, wchan ", d->d_name,
		       ut_stat_state_of(path) ?: '-');
		snprintf(path, sizeof(path), "/proc/%d/task/%s/wchan", pid,
			 d->d_name);
		f = fopen(path, "r");
		if (f && fgets(line, sizeof(line), f))
			printf("%s", line);
		if (f)
			fclose(f);
		printf("\n");
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stack", pid,
			 d->d_name);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			printf("#   %s", line);
		if (f)
			fclose(f);
	}
	closedir(dir);
	fflush(stdout);
}

/* Poll until every thread of @pid is in state @letter; the thread count. */
static inline int ut_wait_all_tasks(pid_t pid, char letter, int ms,
				    char *states, size_t len)
{
	long long end = ut_now_ms() + ms;
	int n, k;

	for (;;) {
		n = ut_tasks(pid, letter, &k, states, len);
		if ((n > 0 && k == n) || ut_now_ms() >= end)
			return n > 0 && k == n ? n : -1;
		ut_sleep_ms(2);
	}
}

/*
 * /proc/PID/comm (what execname and pr_fname show) into @buf (16 bytes),
 * newline stripped; "" if gone.
 */
static inline const char *ut_comm(pid_t pid, char *buf)
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
static inline long ut_status_field(pid_t pid, const char *field)
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

/* --- memory shared with children --- */

/* @size zeroed bytes a child's writes to are seen by its parent. */
static inline void *ut_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		DT_FAIL(1, "mmap: %s", strerror(errno));
	memset(p, 0, size);
	return p;
}

/* --- children --- */

/* In a new child: no file descriptor of ours (a /dev/dtproc one above all). */
static inline void ut_close_fds(void)
{
	int fd;

	if (close_range(3, ~0U, 0))
		for (fd = 3; fd < 1024; fd++)
			close(fd);
}

/* Reap @pid, waiting as long as it takes; returns its wait status. */
static inline int ut_reap(pid_t pid)
{
	int status = 0;
	pid_t w;

	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	if (w != pid)
		DT_FAIL(1, "waitpid(%d): %s", (int)pid, strerror(errno));
	return status;
}

/*
 * Reap @pid within @ms, also once it is reparented to us (a subreaper).
 * Returns true with its wait status in *@status.
 */
static inline bool ut_reap_within(pid_t pid, int *status, int ms)
{
	long long end = ut_now_ms() + ms;
	pid_t w;

	for (;;) {
		w = waitpid(pid, status, WNOHANG | __WALL);
		if (w == pid)
			return true;
		if (w < 0 && errno != ECHILD && errno != EINTR)
			return false;
		if (ut_now_ms() >= end)
			return false;
		ut_sleep_ms(1);
	}
}

/*
 * Wait up to @ms for child @pid to end, leaving it unreaped (a zombie, so
 * its pid stays its own); true with how it ended in *@si.
 */
static inline bool ut_wait_exit(pid_t pid, siginfo_t *si, int ms)
{
	long long end = ut_now_ms() + ms;

	for (;;) {
		memset(si, 0, sizeof(*si));
		if (!waitid(P_PID, pid, si, WEXITED | WNOWAIT | WNOHANG) &&
		    si->si_pid == pid)
			return true;
		if (ut_now_ms() >= end)
			return false;
		ut_sleep_ms(1);
	}
}

/* Clean-up: SIGKILL @pid and reap it if it is ours. */
static inline void ut_kill(pid_t pid)
{
	int status;

	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	ut_reap_within(pid, &status, 5000);
}

/* A pid no process has (a child's, reaped). */
static inline pid_t ut_unused_pid(void)
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

#define ASSERT_EXITED(status, code) do {				\
	int __s = (status);						\
	if (!WIFEXITED(__s) || WEXITSTATUS(__s) != (code))		\
		DT_FAIL(1, "expected exit status %d, wait status 0x%x",	\
			(int)(code), __s);				\
} while (0)

/* --- files --- */

/* Write @s to file @path (created with @mode, or truncated); 0 or -errno. */
static inline int ut_write_file(const char *path, const char *s, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ssize_t len = strlen(s), n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	close(fd);
	return n == len ? 0 : -EIO;
}

/* Copy @from to a new file @to with @mode; any failure fails the test. */
static inline void ut_copy_file(const char *from, const char *to, mode_t mode)
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

#endif /* DTPROC_SELFTEST_UTIL_H */
