// SPDX-License-Identifier: GPL-2.0
/*
 * The proc provider's signal probes: signal-send, signal-handle,
 * signal-discard, signal-clear, and fault.
 */
#include <pthread.h>
#include <linux/perf_event.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "proc_util.h"

#define SIGNAL_MASK (PU_P(SIGNAL_SEND) | PU_P(SIGNAL_DISCARD) | \
		     PU_P(SIGNAL_HANDLE) | PU_P(SIGNAL_CLEAR) | PU_P(EXIT))
#define FAULT_MASK (PU_P(FAULT) | SIGNAL_MASK)

/* The signal-send's context is the kernel's: pid 0, "sched". */
#define ASSERT_SENT_BY_KERNEL(e) do {					\
	ASSERT_EQ((e)->pid, 0);						\
	ASSERT_EQ((e)->tid, 0);						\
	ASSERT_EQ((e)->ppid, 0);					\
	ASSERT_EQ((e)->uid, 0);						\
	ASSERT_STREQ((e)->execname, "sched");				\
} while (0)

/* The signal-send's (-discard's) target is process @p, single-threaded. */
#define ASSERT_TARGET(e, p) do {					\
	ASSERT_TRUE((e)->has & DTPROC_HAS_PSINFO);			\
	ASSERT_TRUE((e)->has & DTPROC_HAS_LWPSINFO);			\
	ASSERT_EQ((e)->psinfo.pr_pid, (p));				\
	ASSERT_EQ((e)->psinfo.pr_ppid, getpid());			\
	ASSERT_EQ((e)->lwpsinfo.pr_lwpid, (p));				\
} while (0)

/* No core dumps: a fatal SIGSEGV or SIGFPE is then CLD_KILLED. */
static void nocore_setup(void *arg)
{
	struct rlimit rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl))
		_exit(PU_CHILD_BROKEN);
}

/* --- fault --- */

static void null_body(void *arg)
{
	pu_null_store();
	_exit(9);
}

static int __attribute__((noinline)) divide(volatile int *a, volatile int *b)
{
	return *a / *b;
}

static void div_body(void *arg)
{
	volatile int a = 1, b = 0, c;

	c = divide(&a, &b);
	_exit(c == 0 ? 8 : 9);
}

/*
 * Run @body in a filtered child that dies of the fault; check the
 * sequence fault, signal-send (by the kernel), signal-handle, exit.
 * Returns the fault event in @fault.
 */
static void check_fault(pu_fn body, int signo, int code, int flt,
			struct dtproc_event *fault)
{
	char comm[DTPROC_FNAME_LEN], psargs[DTPROC_PSARGS_LEN];
	struct pu_log log = { 0 };
	const struct dtproc_event *e;
	struct dtproc_feed *feed;
	struct pu_child c;
	ssize_t f, s, h, x;
	int status;
	pid_t p;

	ut_comm(getpid(), comm);
	pu_self_args(psargs);
	pu_spawn(&c, nocore_setup, body, NULL);
	p = c.pid;
	feed = pu_subscribe(FAULT_MASK, p, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, p);
	status = ut_reap(p);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == signo);

	f = pu_find(&log, 0, DTPROC_PROBE_FAULT, p);
	s = pu_find_target(&log, 0, DTPROC_PROBE_SIGNAL_SEND, p, signo);
	h = pu_find(&log, 0, DTPROC_PROBE_SIGNAL_HANDLE, p);
	x = pu_find(&log, 0, DTPROC_PROBE_EXIT, p);
	ASSERT_BEFORE(&log, f, s);
	ASSERT_BEFORE(&log, s, h);
	ASSERT_BEFORE(&log, h, x);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_FAULT, PU_ANY), 1);
	ASSERT_EQ(pu_count_target(&log, DTPROC_PROBE_SIGNAL_SEND, p), 1);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_SIGNAL_HANDLE, PU_ANY), 1);
	ASSERT_EQ(pu_count_target(&log, DTPROC_PROBE_SIGNAL_DISCARD, p), 0);

	/* fault: in the faulting thread */
	e = &log.ev[f];
	ASSERT_EQ(e->tid, p);
	ASSERT_EQ(e->ppid, getpid());
	ASSERT_STREQ(e->execname, comm);
	ASSERT_EQ(e->fault, flt);
	ASSERT_TRUE(e->has & DTPROC_HAS_SIGINFO);
	ASSERT_EQ(e->siginfo.signo, signo);
	ASSERT_EQ(e->siginfo.code, code);
	*fault = *e;

	/* signal-send: by the kernel, to p */
	e = &log.ev[s];
	ASSERT_SENT_BY_KERNEL(e);
	ASSERT_TARGET(e, p);
	ASSERT_EQ(e->signo, signo);
	ASSERT_STREQ(e->psinfo.pr_fname, comm);
	ASSERT_STREQ(e->psinfo.pr_psargs, psargs);

	/* signal-handle: the default action, in p */
	e = &log.ev[h];
	ASSERT_EQ(e->tid, p);
	ASSERT_EQ(e->signo, signo);
	ASSERT_EQ(e->handler, (uint64_t)(uintptr_t)SIG_DFL);
	ASSERT_FALSE(e->has & DTPROC_HAS_SIGINFO);

	ASSERT_EQ(log.ev[x].exit_reason, DTPROC_CLD_KILLED);
	ASSERT_EQ(log.ev[x].exit_status, signo);
	pu_assert_seq_accounted(&log, 1);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

TEST_TIMEOUT(fault_null_dereference, 120)
{
	struct dtproc_event fault;

	check_fault(null_body, SIGSEGV, SEGV_MAPERR, DTPROC_FLTBOUNDS, &fault);
	ASSERT_EQ(fault.siginfo.addr, 0);
}

TEST_TIMEOUT(fault_integer_divide_by_zero, 120)
{
	uintptr_t fn = (uintptr_t)divide;
	struct dtproc_event fault;

	check_fault(div_body, SIGFPE, FPE_INTDIV, DTPROC_FLTIZDIV, &fault);
	/* the address of the faulting instruction, in divide() */
	ASSERT_GE(fault.siginfo.addr, fn);
	ASSERT_LT(fault.siginfo.addr, fn + 64);
}

/* Issue 9 item 11: a user int3 is a breakpoint fault, #GP a privileged one. */
static void int3_body(void *arg)
{
	asm volatile("int3");
	_exit(9);
}

static void hlt_body(void *arg)
{
	asm volatile("hlt");	/* privileged: #GP in user mode */
	_exit(9);
}

TEST_TIMEOUT(fault_int3_is_fltbpt, 120)
{
	struct dtproc_event fault;

	check_fault(int3_body, SIGTRAP, SI_KERNEL, DTPROC_FLTBPT, &fault);
}

TEST_TIMEOUT(fault_privileged_instruction_is_fltpriv, 120)
{
	const char *trace = "/proc/sys/debug/exception-trace";
	struct dtproc_event fault;

	/* no "general protection fault" line in the log: tools/vm/run fails on it */
	ASSERT_EQ(ut_write_file(trace, "0\n", 0644), 0);
	check_fault(hlt_body, SIGSEGV, SI_KERNEL, DTPROC_FLTPRIV, &fault);
	ut_write_file(trace, "1\n", 0644);
}

/*
 * A process may queue itself a SIGSEGV with a fault's si_code: that is no
 * machine fault.  It ignores the signal and exits normally.
 */
static void forge_body(void *arg)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = SIGSEGV;
	si.si_code = SEGV_MAPERR;
	signal(SIGSEGV, SIG_IGN);
	if (syscall(SYS_rt_sigqueueinfo, getpid(), SIGSEGV, &si))
		_exit(3);
	si.si_signo = SIGTRAP;
	si.si_code = TRAP_BRKPT;
	signal(SIGTRAP, SIG_IGN);
	if (syscall(SYS_rt_tgsigqueueinfo, getpid(), getpid(), SIGTRAP, &si))
		_exit(4);
	_exit(0);
}

TEST_TIMEOUT(fault_not_forged_by_sigqueueinfo, 120)
{
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	struct pu_child c;
	pid_t p;

	pu_spawn(&c, NULL, forge_body, NULL);
	p = c.pid;
	feed = pu_subscribe(FAULT_MASK, p, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, p);
	ASSERT_EXITED(ut_reap(p), 0);
	/* both signals were generated (and discarded): the feed saw them */
	ASSERT_EQ(pu_count_target(&log, DTPROC_PROBE_SIGNAL_DISCARD, p), 2);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_FAULT, PU_ANY), 0);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

/*
 * A SIGSEGV the kernel makes when it cannot build a signal frame (the
 * alternate stack is not mapped) is SI_KERNEL like a #GP's, but no machine
 * fault happened: no fault fires.
 */
static void bad_frame_handler(int sig)
{
}

static void bad_frame_body(void *arg)
{
	struct sigaction sa;
	stack_t ss;
	void *stk;

	stk = mmap(NULL, 65536, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stk == MAP_FAILED)
		_exit(2);
	memset(&ss, 0, sizeof(ss));
	ss.ss_sp = stk;
	ss.ss_size = 65536;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = bad_frame_handler;
	sa.sa_flags = SA_ONSTACK;
	if (sigaltstack(&ss, NULL) || sigaction(SIGUSR1, &sa, NULL))
		_exit(3);
	raise(SIGUSR1);
	_exit(4);
}

TEST_TIMEOUT(fault_not_from_bad_signal_frame, 120)
{
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	struct pu_child c;
	int status;
	pid_t p;

	pu_spawn(&c, nocore_setup, bad_frame_body, NULL);
	p = c.pid;
	feed = pu_subscribe(FAULT_MASK, p, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, p);
	status = ut_reap(p);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	/* the kernel's SIGSEGV was sent (and killed it) ... */
	ASSERT_EQ(pu_count_target(&log, DTPROC_PROBE_SIGNAL_SEND, p), 2);
	/* ... but nothing faulted */
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_FAULT, PU_ANY), 0);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

/*
 * x32 system calls are open to any x86-64 process (with the x32 bit in the
 * number) when the kernel runs x32: rt_sigqueueinfo (524) and
 * rt_tgsigqueueinfo (536) queue a caller-made siginfo as well.
 */
#define X32_BIT			0x40000000L
#define X32_RT_SIGQUEUEINFO	(X32_BIT | 524)
#define X32_RT_TGSIGQUEUEINFO	(X32_BIT | 536)

static void forge_x32_body(void *arg)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = SIGSEGV;
	si.si_code = SEGV_MAPERR;
	signal(SIGSEGV, SIG_IGN);
	if (syscall(X32_RT_SIGQUEUEINFO, getpid(), SIGSEGV, &si))
		_exit(errno == ENOSYS ? 5 : 3);
	si.si_signo = SIGBUS;
	si.si_code = BUS_ADRERR;
	signal(SIGBUS, SIG_IGN);
	if (syscall(X32_RT_TGSIGQUEUEINFO, getpid(), getpid(), SIGBUS, &si))
		_exit(4);
	_exit(0);
}

TEST_TIMEOUT(fault_not_forged_by_x32_sigqueueinfo, 120)
{
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	struct pu_child c;
	int status;
	pid_t p;

	pu_spawn(&c, NULL, forge_x32_body, NULL);
	p = c.pid;
	feed = pu_subscribe(FAULT_MASK, p, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, p);
	status = ut_reap(p);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 5)
		SKIP("this kernel does not run x32 system calls (syscall.x32=y)");
	ASSERT_EXITED(status, 0);
	ASSERT_EQ(pu_count_target(&log, DTPROC_PROBE_SIGNAL_DISCARD, p), 2);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_FAULT, PU_ANY), 0);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

/*
 * A perf event with sigtrap sends its own thread SIGTRAP, TRAP_PERF, when
 * it overflows (here: at every page fault): a perf action, not a fault.
 */
static volatile sig_atomic_t perf_traps;

static void perf_trap_handler(int sig)
{
	perf_traps++;
}

static void perf_sigtrap_body(void *arg)
{
	struct perf_event_attr attr;
	volatile char *mem;
	int fd, i;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_PAGE_FAULTS;
	attr.sample_period = 1;
	attr.exclude_kernel = 1;
	attr.sigtrap = 1;
	attr.remove_on_exec = 1;
	if (signal(SIGTRAP, perf_trap_handler) == SIG_ERR)
		_exit(2);
	mem = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		_exit(3);
	fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		_exit(4);
	for (i = 0; i < 64 && !perf_traps; i++)
		mem[i * 4096] = 1;
	close(fd);
	_exit(perf_traps ? 0 : 5);
}

TEST_TIMEOUT(fault_not_from_perf_sigtrap, 120)
{
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	struct pu_child c;
	pid_t p;

	pu_spawn(&c, NULL, perf_sigtrap_body, NULL);
	p = c.pid;
	feed = pu_subscribe(FAULT_MASK, p, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, p);
	ASSERT_EXITED(ut_reap(p), 0);
	/* the perf SIGTRAP was sent and handled ... */
	ASSERT_GE(pu_count_target(&log, DTPROC_PROBE_SIGNAL_SEND, p), 1);
	ASSERT_GE(pu_count(&log, DTPROC_PROBE_SIGNAL_HANDLE, p), 1);
	/* ... and nothing faulted */
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_FAULT, PU_ANY), 0);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

/* --- signal-send, signal-handle --- */

/*
 * Issue 9 item 10: exit_group(2) of a process with three threads handles
 * no signal (the kernel makes the other two take SIGKILL), and a signal
 * that is dequeued only to be ignored (SIGWINCH by default) is not handled.
 */
static void *sleeper_fn(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static void three_threads_exit_body(void *arg)
{
	pthread_t th;
	sigset_t set;
	int i;

	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	for (i = 0; i < 2; i++)
		if (pthread_create(&th, NULL, sleeper_fn, NULL))
			_exit(2);
	/* default-ignored, blocked so that it is queued, then dequeued */
	if (sigprocmask(SIG_BLOCK, &set, NULL) || raise(SIGWINCH) ||
	    sigprocmask(SIG_UNBLOCK, &set, NULL))
		_exit(3);
	usleep(100000);
	exit(0);
}

TEST_TIMEOUT(signal_handle_none_at_exit_or_ignored, 120)
{
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	struct pu_child c;
	pid_t p;

	pu_spawn(&c, NULL, three_threads_exit_body, NULL);
	p = c.pid;
	feed = pu_subscribe(SIGNAL_MASK, p, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, p);
	ASSERT_EXITED(ut_reap(p), 0);
	ASSERT_EQ(pu_count_target(&log, DTPROC_PROBE_SIGNAL_SEND, p), 1);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_SIGNAL_HANDLE, PU_ANY), 0);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

/*
 * A fatal signal to a process of three threads is handled once, as on
 * Solaris: the kernel turns it into a group exit in which every thread
 * takes SIGKILL, and only one of them reports the real signal.
 */
static void *counted_sleeper_fn(void *arg)
{
	__atomic_add_fetch((int *)arg, 1, __ATOMIC_SEQ_CST);
	for (;;)
		pause();
	return NULL;
}

static void three_threads_pause_body(void *arg)
{
	int *ready = arg;
	pthread_t th;
	int i;

	for (i = 0; i < 2; i++)
		if (pthread_create(&th, NULL, counted_sleeper_fn, ready))
			_exit(2);
	__atomic_add_fetch(ready, 1, __ATOMIC_SEQ_CST);
	for (;;)
		pause();
}

static void check_fatal_signal_once(int signo)
{
	uint64_t deadline = ut_now_ns(CLOCK_MONOTONIC) + 30000000000ULL;
	int *ready = ut_shared(sizeof(*ready));
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	struct pu_child c;
	int status;
	ssize_t h;
	pid_t p;

	pu_spawn(&c, NULL, three_threads_pause_body, ready);
	p = c.pid;
	feed = pu_subscribe(SIGNAL_MASK, p, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	while (__atomic_load_n(ready, __ATOMIC_SEQ_CST) < 3) {
		ASSERT_GT(ut_ms_left(deadline), 0);
		usleep(1000);
	}
	ASSERT_OK(kill(p, signo));
	pu_collect_until_exit(feed, &log, p);
	status = ut_reap(p);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == signo);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_SIGNAL_HANDLE, PU_ANY), 1);
	h = pu_find(&log, 0, DTPROC_PROBE_SIGNAL_HANDLE, p);
	ASSERT_FOUND(h);
	ASSERT_EQ(log.ev[h].signo, signo);
	ASSERT_EQ(log.ev[h].handler, (uint64_t)(uintptr_t)SIG_DFL);
	dtproc_feed_close(feed);
	pu_log_free(&log);
	munmap(ready, sizeof(*ready));
}

TEST_TIMEOUT(signal_handle_fatal_signal_once, 120)
{
	check_fatal_signal_once(SIGUSR1);
	check_fatal_signal_once(SIGTERM);
	check_fatal_signal_once(SIGKILL);
}

/*
 * A fatal signal blocked in every thread when it is sent is no group exit
 * yet: one thread dequeues it when it unblocks it (and handles it, with its
 * siginfo), then the others take the kernel's SIGKILL.  Handled once.
 * (From the lead's review.)
 */
static void blocked_fatal_body(void *arg)
{
	int *ready = arg;
	pthread_t th;
	sigset_t set;
	int i;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (i = 0; i < 2; i++)
		if (pthread_create(&th, NULL, counted_sleeper_fn, ready))
			_exit(2);
	__atomic_add_fetch(ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(ready, __ATOMIC_SEQ_CST) < 100)
		usleep(1000);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	for (;;)
		pause();
}

TEST_TIMEOUT(signal_handle_blocked_fatal_signal_once, 120)
{
	uint64_t deadline = ut_now_ns(CLOCK_MONOTONIC) + 30000000000ULL;
	int *ready = ut_shared(sizeof(*ready));
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	struct pu_child c;
	int status;
	pid_t p;

	pu_spawn(&c, NULL, blocked_fatal_body, ready);
	p = c.pid;
	feed = pu_subscribe(SIGNAL_MASK, p, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	while (__atomic_load_n(ready, __ATOMIC_SEQ_CST) < 3) {
		ASSERT_GT(ut_ms_left(deadline), 0);
		usleep(1000);
	}
	ASSERT_OK(kill(p, SIGTERM));
	usleep(100000);
	__atomic_store_n(ready, 100, __ATOMIC_SEQ_CST);
	pu_collect_until_exit(feed, &log, p);
	status = ut_reap(p);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_SIGNAL_HANDLE, PU_ANY), 1);
	dtproc_feed_close(feed);
	pu_log_free(&log);
	munmap(ready, sizeof(*ready));
}

TEST_TIMEOUT(signal_send_handle_default_action, 120)
{
	char comm[DTPROC_FNAME_LEN];
	struct pu_log log = { 0 };
	const struct dtproc_event *e;
	struct dtproc_feed *feed;
	struct pu_child c;
	ssize_t s, h, x;
	int status;
	pid_t p;

	ut_comm(getpid(), comm);
	pu_spawn(&c, NULL, NULL, NULL);
	p = c.pid;
	feed = pu_subscribe(SIGNAL_MASK, p, DTPROC_FILTER_DESCENDANTS);
	ASSERT_OK(kill(p, SIGUSR1));
	pu_collect_until_exit(feed, &log, p);
	status = ut_reap(p);
	close(c.release_fd);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1);

	s = pu_find_target(&log, 0, DTPROC_PROBE_SIGNAL_SEND, p, SIGUSR1);
	h = pu_find(&log, 0, DTPROC_PROBE_SIGNAL_HANDLE, p);
	x = pu_find(&log, 0, DTPROC_PROBE_EXIT, p);
	ASSERT_BEFORE(&log, s, h);
	ASSERT_BEFORE(&log, h, x);
	ASSERT_EQ(pu_count_target(&log, DTPROC_PROBE_SIGNAL_SEND, p), 1);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_SIGNAL_HANDLE, PU_ANY), 1);

	/* signal-send: in the sender (us), about the target */
	e = &log.ev[s];
	ASSERT_EQ(e->pid, getpid());
	ASSERT_EQ(e->tid, gettid());
	ASSERT_EQ(e->uid, getuid());
	ASSERT_STREQ(e->execname, comm);
	ASSERT_TARGET(e, p);
	ASSERT_STREQ(e->psinfo.pr_fname, comm);
	ASSERT_EQ(e->signo, SIGUSR1);

	/* signal-handle: the real signal, not the SIGKILL it became */
	e = &log.ev[h];
	ASSERT_EQ(e->tid, p);
	ASSERT_EQ(e->signo, SIGUSR1);
	ASSERT_EQ(e->handler, (uint64_t)(uintptr_t)SIG_DFL);
	ASSERT_FALSE(e->has & DTPROC_HAS_SIGINFO);

	ASSERT_EQ(log.ev[x].exit_reason, DTPROC_CLD_KILLED);
	ASSERT_EQ(log.ev[x].exit_status, SIGUSR1);
	pu_assert_seq_accounted(&log, 1);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

struct handled {
	int		signo;
	pid_t		pid;
	int		code;
};

static struct handled *handled;	/* shared with the child */

static void siginfo_handler(int sig, siginfo_t *si, void *uc)
{
	handled->signo = sig;
	handled->pid = si->si_pid;
	handled->code = si->si_code;
}

static void plain_handler(int sig)
{
	handled->signo = sig;
}

static void siginfo_setup(void *arg)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = siginfo_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		_exit(PU_CHILD_BROKEN);
}

static void plain_setup(void *arg)
{
	struct sigaction sa = { 0 };

	sa.sa_handler = plain_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		_exit(PU_CHILD_BROKEN);
}

static void handled_body(void *arg)
{
	_exit(handled->signo == SIGUSR1 ? 0 : 1);
}

/*
 * Send SIGUSR1 to a child that handles it (installed by @setup) while it
 * waits to be released; returns the log of it all.
 */
static void run_handled(pu_fn setup, struct pu_log *log, pid_t *pid)
{
	struct dtproc_feed *feed;
	struct pu_child c;

	handled = ut_shared(sizeof(*handled));
	pu_spawn(&c, setup, handled_body, NULL);
	*pid = c.pid;
	feed = pu_subscribe(SIGNAL_MASK, c.pid, DTPROC_FILTER_DESCENDANTS);
	ASSERT_OK(kill(c.pid, SIGUSR1));
	/* the child takes it while still held: its psargs are still there */
	pu_collect_until(feed, log, DTPROC_PROBE_SIGNAL_HANDLE, c.pid);
	pu_release(&c);
	pu_collect_until_exit(feed, log, c.pid);
	ASSERT_EXITED(ut_reap(c.pid), 0);
	dtproc_feed_close(feed);
}

TEST_TIMEOUT(signal_handle_siginfo_handler, 120)
{
	char psargs[DTPROC_PSARGS_LEN];
	struct pu_log log = { 0 };
	const struct dtproc_event *e;
	ssize_t s, h, x;
	pid_t p;

	pu_self_args(psargs);
	run_handled(siginfo_setup, &log, &p);
	ASSERT_EQ(handled->pid, getpid());
	ASSERT_EQ(handled->code, SI_USER);

	s = pu_find_target(&log, 0, DTPROC_PROBE_SIGNAL_SEND, p, SIGUSR1);
	h = pu_find(&log, 0, DTPROC_PROBE_SIGNAL_HANDLE, p);
	x = pu_find(&log, 0, DTPROC_PROBE_EXIT, p);
	ASSERT_BEFORE(&log, s, h);
	ASSERT_BEFORE(&log, h, x);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_SIGNAL_HANDLE, PU_ANY), 1);

	e = &log.ev[s];
	ASSERT_EQ(e->pid, getpid());
	ASSERT_TARGET(e, p);
	ASSERT_EQ(e->signo, SIGUSR1);
	/* read from the target, which was alive when the event went out */
	ASSERT_STREQ(e->psinfo.pr_psargs, psargs);

	e = &log.ev[h];
	ASSERT_EQ(e->tid, p);
	ASSERT_EQ(e->signo, SIGUSR1);
	ASSERT_EQ(e->handler, (uint64_t)(uintptr_t)siginfo_handler);
	ASSERT_TRUE(e->has & DTPROC_HAS_SIGINFO);
	ASSERT_EQ(e->siginfo.signo, SIGUSR1);
	ASSERT_EQ(e->siginfo.code, SI_USER);
	ASSERT_EQ(e->siginfo.pid, getpid());
	ASSERT_EQ(e->siginfo.uid, getuid());

	ASSERT_EQ(log.ev[x].exit_reason, DTPROC_CLD_EXITED);
	ASSERT_EQ(log.ev[x].exit_status, 0);
	pu_assert_seq_accounted(&log, 1);
	pu_log_free(&log);
}

/* A handler without SA_SIGINFO: its address, and no siginfo. */
TEST_TIMEOUT(signal_handle_plain_handler, 120)
{
	struct pu_log log = { 0 };
	const struct dtproc_event *e;
	ssize_t h;
	pid_t p;

	run_handled(plain_setup, &log, &p);
	h = pu_find(&log, 0, DTPROC_PROBE_SIGNAL_HANDLE, p);
	ASSERT_FOUND(h);
	e = &log.ev[h];
	ASSERT_EQ(e->signo, SIGUSR1);
	ASSERT_EQ(e->handler, (uint64_t)(uintptr_t)plain_handler);
	ASSERT_FALSE(e->has & DTPROC_HAS_SIGINFO);
	pu_log_free(&log);
}

/* --- signal-discard --- */

static void ignore_hup_setup(void *arg)
{
	if (signal(SIGHUP, SIG_IGN) == SIG_ERR)
		_exit(PU_CHILD_BROKEN);
}

/*
 * PR_VFORKP marks "the parent of a vfork()ed child" (Solaris), never the
 * child: a signal a vfork child sends itself describes a thread without it.
 */
static void vfork_self_signal_body(void *arg)
{
	pid_t v;
	int status;

	signal(SIGWINCH, SIG_DFL);	/* default-ignored: discarded */
	v = vfork();
	if (v < 0)
		_exit(2);
	if (v == 0) {
		syscall(SYS_kill, syscall(SYS_getpid), SIGWINCH);
		_exit(0);
	}
	if (waitpid(v, &status, 0) != v || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		_exit(3);
	_exit(0);
}

TEST_TIMEOUT(vfork_child_is_not_vforkp, 120)
{
	struct pu_log log = { 0 };
	const struct dtproc_event *e;
	struct dtproc_feed *feed;
	struct pu_child c;
	size_t i, n = 0;
	pid_t p;

	pu_spawn(&c, NULL, vfork_self_signal_body, NULL);
	p = c.pid;
	feed = pu_subscribe(SIGNAL_MASK, p, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, p);
	ASSERT_EXITED(ut_reap(p), 0);
	pu_drain(feed, &log);
	for (i = 0; i < log.n; i++) {
		e = &log.ev[i];
		if (!pu_is(e, DTPROC_PROBE_SIGNAL_DISCARD) ||
		    e->signo != SIGWINCH)
			continue;
		n++;
		/* sent by the vfork child to itself */
		ASSERT_NE(e->pid, p);
		ASSERT_EQ(e->lwpsinfo.pr_lwpid, e->tid);
		ASSERT_EQ(e->lwpsinfo.pr_flag & DTPROC_PR_VFORKP, 0);
	}
	ASSERT_EQ(n, 1);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

TEST_TIMEOUT(signal_discard_ignored_signal, 120)
{
	char comm[DTPROC_FNAME_LEN], psargs[DTPROC_PSARGS_LEN];
	struct pu_log log = { 0 };
	const struct dtproc_event *e;
	struct dtproc_feed *feed;
	struct pu_child c;
	ssize_t d, x;
	size_t i;
	pid_t p;

	ut_comm(getpid(), comm);
	pu_self_args(psargs);
	pu_spawn(&c, ignore_hup_setup, NULL, NULL);
	p = c.pid;
	feed = pu_subscribe(SIGNAL_MASK, p, DTPROC_FILTER_DESCENDANTS);
	ASSERT_OK(kill(p, SIGHUP));
	pu_collect_until(feed, &log, DTPROC_PROBE_SIGNAL_DISCARD, getpid());
	pu_release(&c);
	pu_collect_until_exit(feed, &log, p);
	ASSERT_EXITED(ut_reap(p), 0);

	d = pu_find_target(&log, 0, DTPROC_PROBE_SIGNAL_DISCARD, p, SIGHUP);
	x = pu_find(&log, 0, DTPROC_PROBE_EXIT, p);
	ASSERT_BEFORE(&log, d, x);
	ASSERT_EQ(pu_count_target(&log, DTPROC_PROBE_SIGNAL_DISCARD, p), 1);
	for (i = 0; i < log.n; i++) {
		e = &log.ev[i];
		if (pu_is(e, DTPROC_PROBE_SIGNAL_SEND) ||
		    pu_is(e, DTPROC_PROBE_SIGNAL_HANDLE))
			ASSERT_NE(e->signo, SIGHUP);
	}

	e = &log.ev[d];
	ASSERT_EQ(e->pid, getpid());
	ASSERT_EQ(e->tid, gettid());
	ASSERT_STREQ(e->execname, comm);
	ASSERT_TARGET(e, p);
	ASSERT_EQ(e->signo, SIGHUP);
	ASSERT_EQ(e->psinfo.pr_nlwp, 1);
	ASSERT_STREQ(e->psinfo.pr_fname, comm);
	ASSERT_STREQ(e->psinfo.pr_psargs, psargs);

	ASSERT_EQ(log.ev[x].exit_reason, DTPROC_CLD_EXITED);
	pu_assert_seq_accounted(&log, 1);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

/*
 * Solaris discards an ignored signal at generation only for a
 * single-threaded target: a multithreaded one is sent it.
 */
static void *idle_thread(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static void ignore_hup_threaded_setup(void *arg)
{
	pthread_t th;

	ignore_hup_setup(arg);
	if (pthread_create(&th, NULL, idle_thread, NULL))
		_exit(PU_CHILD_BROKEN);
}

TEST_TIMEOUT(signal_send_ignored_signal_multithreaded, 120)
{
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	struct pu_child c;
	ssize_t s;
	pid_t p;

	pu_spawn(&c, ignore_hup_threaded_setup, NULL, NULL);
	p = c.pid;
	feed = pu_subscribe(SIGNAL_MASK, p, DTPROC_FILTER_DESCENDANTS);
	ASSERT_OK(kill(p, SIGHUP));
	pu_release(&c);
	pu_collect_until_exit(feed, &log, p);
	ASSERT_EXITED(ut_reap(p), 0);

	s = pu_find_target(&log, 0, DTPROC_PROBE_SIGNAL_SEND, p, SIGHUP);
	ASSERT_FOUND(s);
	ASSERT_EQ(log.ev[s].pid, getpid());
	ASSERT_EQ(log.ev[s].psinfo.pr_nlwp, 2);
	ASSERT_EQ(pu_count_target(&log, DTPROC_PROBE_SIGNAL_DISCARD, p), 0);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

/* --- signal-clear --- */

static void block_setup(void *arg)
{
	int sig = *(int *)arg;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		_exit(PU_CHILD_BROKEN);
}

static void timer_wait_body(void *arg)
{
	int sig = *(int *)arg;
	struct itimerspec its = { .it_value = { 0, 50 * 1000 * 1000 } };
	struct timespec timeout = { 20, 0 };
	struct sigevent sev = { 0 };
	siginfo_t si;
	timer_t timer;
	sigset_t set;

	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = sig;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) ||
	    timer_settime(timer, 0, &its, NULL))
		_exit(2);
	sigemptyset(&set);
	sigaddset(&set, sig);
	if (sigtimedwait(&set, &si, &timeout) != sig)
		_exit(3);
	_exit(si.si_code == SI_TIMER ? 0 : 4);
}

TEST_TIMEOUT(signal_clear_timer_sigtimedwait, 120)
{
	int sig = SIGRTMIN;
	struct pu_log log = { 0 };
	const struct dtproc_event *e;
	struct dtproc_feed *feed;
	struct pu_child c;
	ssize_t s, cl, x;
	pid_t p;

	pu_spawn(&c, block_setup, timer_wait_body, &sig);
	p = c.pid;
	feed = pu_subscribe(SIGNAL_MASK, p, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, p);
	ASSERT_EXITED(ut_reap(p), 0);

	s = pu_find_target(&log, 0, DTPROC_PROBE_SIGNAL_SEND, p, sig);
	cl = pu_find(&log, 0, DTPROC_PROBE_SIGNAL_CLEAR, p);
	x = pu_find(&log, 0, DTPROC_PROBE_EXIT, p);
	ASSERT_BEFORE(&log, s, cl);
	ASSERT_BEFORE(&log, cl, x);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_SIGNAL_CLEAR, PU_ANY), 1);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_SIGNAL_HANDLE, PU_ANY), 0);

	/* the timer's signal comes from the kernel */
	e = &log.ev[s];
	ASSERT_SENT_BY_KERNEL(e);
	ASSERT_TARGET(e, p);
	ASSERT_EQ(e->signo, sig);

	e = &log.ev[cl];
	ASSERT_EQ(e->tid, p);
	ASSERT_EQ(e->ppid, getpid());
	ASSERT_EQ(e->signo, sig);
	ASSERT_EQ(log.ev[x].exit_reason, DTPROC_CLD_EXITED);
	pu_assert_seq_accounted(&log, 1);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

static void sigwaitinfo_body(void *arg)
{
	int sig = *(int *)arg;
	siginfo_t si;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	if (sigwaitinfo(&set, &si) != sig)
		_exit(3);
	_exit(si.si_pid == getppid() ? 0 : 4);
}

TEST_TIMEOUT(signal_clear_sigwaitinfo_kill, 120)
{
	int sig = SIGUSR2;
	struct pu_log log = { 0 };
	const struct dtproc_event *e;
	struct dtproc_feed *feed;
	struct pu_child c;
	ssize_t s, cl;
	pid_t p;

	pu_spawn(&c, block_setup, sigwaitinfo_body, &sig);
	p = c.pid;
	feed = pu_subscribe(SIGNAL_MASK, p, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	ASSERT_OK(kill(p, sig));
	pu_collect_until_exit(feed, &log, p);
	ASSERT_EXITED(ut_reap(p), 0);

	s = pu_find_target(&log, 0, DTPROC_PROBE_SIGNAL_SEND, p, sig);
	cl = pu_find(&log, 0, DTPROC_PROBE_SIGNAL_CLEAR, p);
	ASSERT_BEFORE(&log, s, cl);
	ASSERT_EQ(log.ev[s].pid, getpid());
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_SIGNAL_CLEAR, PU_ANY), 1);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_SIGNAL_HANDLE, PU_ANY), 0);
	e = &log.ev[cl];
	ASSERT_EQ(e->tid, p);
	ASSERT_EQ(e->signo, sig);
	pu_assert_seq_accounted(&log, 1);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

/* sigtimedwait() that times out clears nothing. */
static void wait_timeout_body(void *arg)
{
	struct timespec timeout = { 0, 100 * 1000 * 1000 };
	int sig = *(int *)arg;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	if (sigtimedwait(&set, NULL, &timeout) != -1 || errno != EAGAIN)
		_exit(3);
	_exit(0);
}

TEST_TIMEOUT(signal_clear_not_on_timeout, 120)
{
	int sig = SIGUSR2;
	struct pu_log log = { 0 };
	struct dtproc_feed *feed;
	struct pu_child c;
	size_t i;

	pu_spawn(&c, block_setup, wait_timeout_body, &sig);
	feed = pu_subscribe(SIGNAL_MASK, c.pid, DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, c.pid);
	ASSERT_EXITED(ut_reap(c.pid), 0);
	ASSERT_EQ(pu_count(&log, DTPROC_PROBE_SIGNAL_CLEAR, PU_ANY), 0);
	/* nothing but the exit (and the SIGCHLD it sends us) */
	for (i = 0; i < log.n; i++)
		ASSERT_TRUE(pu_is(&log.ev[i], DTPROC_PROBE_EXIT) ||
			    log.ev[i].signo == SIGCHLD);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}

/*
 * The SIGCHLD an exiting process sends its parent is an event of that
 * process (fired in its context): its subscriber gets it, after the exit.
 */
static void on_sigchld(int sig)
{
}

TEST_TIMEOUT(signal_send_sigchld_of_exiting_child, 120)
{
	struct pu_log log = { 0 }, all = { 0 };
	struct dtproc_feed *feed, *feed_all;
	struct pu_want_target w;
	struct sigaction sa = { 0 };
	struct pu_child c;
	ssize_t s, x;
	pid_t p;

	/* a handled SIGCHLD is sent, an ignored one would be discarded */
	sa.sa_handler = on_sigchld;
	sigemptyset(&sa.sa_mask);
	ASSERT_OK(sigaction(SIGCHLD, &sa, NULL));

	pu_spawn(&c, NULL, NULL, NULL);
	p = c.pid;
	feed = pu_subscribe(SIGNAL_MASK, p, DTPROC_FILTER_DESCENDANTS);
	feed_all = pu_subscribe(PU_P(SIGNAL_SEND), 0, 0);
	pu_release(&c);
	pu_collect_until_exit(feed, &log, p);
	ASSERT_EXITED(ut_reap(p), 0);

	/* an unfiltered subscriber sees p send it... */
	w = (struct pu_want_target){ DTPROC_PROBE_SIGNAL_SEND, p, getpid(),
				     SIGCHLD };
	if (!pu_collect(feed_all, &all, pu_has_target_event, &w, PU_WAIT_MS))
		DT_FAIL(1, "no SIGCHLD from %d to us in the unfiltered feed",
			(int)p);
	pu_log_free(&all);
	dtproc_feed_close(feed_all);

	/* ...and so must p's own subscriber, right after p's exit */
	pu_drain(feed, &log);
	x = pu_find(&log, 0, DTPROC_PROBE_EXIT, p);
	s = pu_find_target(&log, 0, DTPROC_PROBE_SIGNAL_SEND, getpid(),
			   SIGCHLD);
	pu_dump_log_on_failure(&log);
	ASSERT_BEFORE(&log, x, s);
	ASSERT_EQ(log.ev[s].pid, p);
	ASSERT_EQ(log.ev[s].signo, SIGCHLD);
	dtproc_feed_close(feed);
	pu_log_free(&log);
}
