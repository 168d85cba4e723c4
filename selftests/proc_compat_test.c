// SPDX-License-Identifier: GPL-2.0
/*
 * exec, exec-success, exec-failure and signal-clear for ia32 callers
 * (issue 9 item 5): a 64-bit process makes the 32-bit system calls with
 * `int $0x80`, which enter the kernel through the ia32 compat entry points
 * (no 32-bit libraries needed).  Pointers passed that way are 32 bits
 * wide, so every argument lives in memory below 4 GiB (MAP_32BIT).
 */
#include <signal.h>
#include <sys/mman.h>

#include "proc_util.h"

#define IA32_EXECVE		11
#define IA32_RT_SIGTIMEDWAIT	177

#define EXEC_MASK (PU_P(EXEC) | PU_P(EXEC_SUCCESS) | PU_P(EXEC_FAILURE) | \
		   PU_P(EXIT))

static long ia32_syscall(long nr, long a, long b, long c, long d)
{
	long ret;

	/* int $0x80 from 64-bit code clears r8-r11 on the way back */
	asm volatile("int $0x80"
		     : "=a"(ret)
		     : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d)
		     : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

/* Memory below 4 GiB, as ia32 system calls can address. */
static void *low_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	if (p == MAP_FAILED || (unsigned long)p + size > 0xffffffffUL)
		_exit(9);
	return p;
}

/* execve(@path, { base, "arg1" }, {}) through int $0x80. */
static void ia32_exec_body(void *arg)
{
	const char *path = arg, *base = strrchr(path, '/');
	char *low = low_alloc(4096);
	uint32_t *argv = (uint32_t *)(low + 2048);
	long ret;

	strcpy(low, path);
	strcpy(low + 512, base ? base + 1 : path);
	strcpy(low + 1024, "arg1");
	argv[0] = (uint32_t)(unsigned long)(low + 512);
	argv[1] = (uint32_t)(unsigned long)(low + 1024);
	argv[2] = 0;
	argv[3] = 0;	/* envp: empty */
	ret = ia32_syscall(IA32_EXECVE, (unsigned long)low,
			   (unsigned long)argv, (unsigned long)(argv + 3), 0);
	_exit(ret == -ENOENT ? 7 : 8);
}

static int run_ia32_exec(const char *path, struct pu_log *log, pid_t *pid)
{
	struct dtproc_feed *feed;
	struct pu_child c;
	int status;

	pu_spawn(&c, NULL, ia32_exec_body, (void *)path);
	*pid = c.pid;
	feed = pu_subscribe(EXEC_MASK, c.pid, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, log, c.pid);
	status = ut_reap(c.pid);
	pu_drain(feed, log);
	dtproc_feed_close(feed);
	return status;
}

TEST_TIMEOUT(ia32_exec_success, 120)
{
	char comm[DTPROC_FNAME_LEN];
	struct pu_log log = { 0 };
	ssize_t ex, ok, x;
	pid_t p;

	ut_comm(getpid(), comm);
	ASSERT_EXITED(run_ia32_exec(PU_TRUE, &log, &p), 0);
	ex = pu_find(&log, 0, DTPROC_PROBE_EXEC, p);
	ok = pu_find(&log, 0, DTPROC_PROBE_EXEC_SUCCESS, p);
	x = pu_find(&log, 0, DTPROC_PROBE_EXIT, p);
	ASSERT_BEFORE(&log, ex, ok);
	ASSERT_BEFORE(&log, ok, x);
	ASSERT_EQ(log.n, 3);
	ASSERT_STREQ(log.ev[ex].path, PU_TRUE);
	ASSERT_STREQ(log.ev[ex].execname, comm);
	ASSERT_EQ(log.ev[ok].tid, p);
	ASSERT_STREQ(log.ev[ok].execname, "true");
	pu_assert_seq_accounted(&log, 1);
	pu_log_free(&log);
}

TEST_TIMEOUT(ia32_exec_failure_enoent, 120)
{
	const char *path = "/nonexistent/dtproc-no-such-program";
	char comm[DTPROC_FNAME_LEN];
	struct pu_log log = { 0 };
	ssize_t ex, fail, x;
	pid_t p;

	ut_comm(getpid(), comm);
	ASSERT_EXITED(run_ia32_exec(path, &log, &p), 7);
	ex = pu_find(&log, 0, DTPROC_PROBE_EXEC, p);
	fail = pu_find(&log, 0, DTPROC_PROBE_EXEC_FAILURE, p);
	x = pu_find(&log, 0, DTPROC_PROBE_EXIT, p);
	ASSERT_BEFORE(&log, ex, fail);
	ASSERT_BEFORE(&log, fail, x);
	ASSERT_EQ(log.n, 3);
	ASSERT_STREQ(log.ev[ex].path, path);
	ASSERT_EQ(log.ev[fail].tid, p);
	ASSERT_EQ(log.ev[fail].err, ENOENT);
	pu_assert_seq_accounted(&log, 1);
	pu_log_free(&log);
}

/* rt_sigtimedwait(&{SIGUSR1}, NULL, NULL, 8) through int $0x80. */
static void ia32_sigwait_setup(void *arg)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		_exit(2);
}

static void ia32_sigwait_body(void *arg)
{
	uint64_t *set = low_alloc(4096);

	*set = 1ULL << (SIGUSR1 - 1);
	raise(SIGUSR1);
	_exit(ia32_syscall(IA32_RT_SIGTIMEDWAIT, (unsigned long)set, 0, 0,
			   8) == SIGUSR1 ? 0 : 3);
}

TEST_TIMEOUT(ia32_signal_clear, 120)
{
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	struct pu_child c;
	ssize_t cl, x;
	pid_t p;

	pu_spawn(&c, ia32_sigwait_setup, ia32_sigwait_body, NULL);
	p = c.pid;
	feed = pu_subscribe(PU_P(SIGNAL_CLEAR) | PU_P(EXIT), p,
			    DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, p);
	ASSERT_EXITED(ut_reap(p), 0);
	cl = pu_find(&log, 0, DTPROC_PROBE_SIGNAL_CLEAR, p);
	x = pu_find(&log, 0, DTPROC_PROBE_EXIT, p);
	ASSERT_BEFORE(&log, cl, x);
	ASSERT_EQ(log.ev[cl].signo, SIGUSR1);
	ASSERT_EQ(log.ev[cl].tid, p);
	pu_assert_seq_accounted(&log, 1);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}
