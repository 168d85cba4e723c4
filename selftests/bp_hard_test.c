// SPDX-License-Identifier: GPL-2.0
/*
 * Breakpoints (DTPROC_IOC_BP_*): the hard cases of an adversarial review
 * (the breakpoint's file and its mount, the victim's exit, a non-dumpable
 * victim, instructions uprobes refuses, a refused BP_ADD during a stop
 * that starves the XOL slots).
 *
 * The victim is a child of the test calling bp_target(), whose first
 * instruction increments the long its argument points to (shared memory
 * the test reads).  A victim run from another file is a copy of this very
 * binary, which the constructor below turns into the workload again.
 */
#include <pthread.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <ucontext.h>

#include "control_util.h"
#include "bp_util.h"

/* "lock incq (%rdi); ret": uprobes refuses the lock prefix */
void bp_locked(volatile long *p);
__asm__(".pushsection .text\n"
	".globl bp_locked\n"
	".type bp_locked, @function\n"
	"bp_locked:\n"
	"\tlock incq (%rdi)\n"
	"\tret\n"
	".size bp_locked, .-bp_locked\n"
	".popsection\n");

/* bp_fault(p): "movq (%rdi), %rax; ret": a load, which faults for NULL */
void bp_fault(volatile long *p);
__asm__(".pushsection .text\n"
	".globl bp_fault\n"
	".type bp_fault, @function\n"
	"bp_fault:\n"
	"\tmovq (%rdi), %rax\n"
	"\tret\n"
	".size bp_fault, .-bp_fault\n"
	".popsection\n");

#define BP_FAULT_ADDR	((__u64)(unsigned long)bp_fault)

/*
 * SIGSEGV of bp_fault's load: go past it (3 bytes); once the test says so
 * (spin 1), spin here for good instead, in user mode, never hitting a
 * breakpoint; or (spin 2) job-stop the process, once, and go on.
 */
static void wl_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	__atomic_fetch_add(&shm->faults, 1, __ATOMIC_RELAXED);
	while (shm->spin == 1)
		;
	if (shm->spin == 2 &&
	    !__atomic_fetch_add(&shm->sigstops, 1, __ATOMIC_SEQ_CST))
		raise(SIGSTOP);
	uc->uc_mcontext.gregs[REG_RIP] += 3;
}

static void *wl_fault_thread(void *arg)
{
	__atomic_fetch_add(&shm->started, 1, __ATOMIC_SEQ_CST);
	for (;;)
		bp_fault(NULL);
	return NULL;
}

/* shm->nthreads threads calling bp_fault(NULL) in a loop. */
static void wl_faults(void)
{
	struct sigaction sa = { .sa_sigaction = wl_segv,
				.sa_flags = SA_SIGINFO };
	pthread_t t;
	long i;

	if (sigaction(SIGSEGV, &sa, NULL))
		_exit(3);
	for (i = 1; i < shm->nthreads; i++)
		if (pthread_create(&t, NULL, wl_fault_thread, NULL))
			_exit(3);
	wl_fault_thread(NULL);
}

static void wl_nondump(void)
{
	prctl(PR_SET_DUMPABLE, 0);
	wl_rounds();
}

/* A copy of this binary run as a victim: the workload on the same memory. */
__attribute__((constructor)) static void bp_victim_ctor(void)
{
	const char *fd = getenv("BP_VICTIM_FD");

	if (!fd)
		return;
	shm_fd = atoi(fd);
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED,
		   shm_fd, 0);
	if (shm == MAP_FAILED)
		_exit(6);
	wl_rounds();
	_exit(7);
}

/* --- the test's side --- */

/* A controlled victim running @fn, grabbed and running. */
static pid_t grab_victim(int fd, void (*fn)(void))
{
	pid_t pid = victim(fn);

	if (fn == wl_rounds || fn == wl_nondump)
		ASSERT_TRUE(wait_for(&shm->tid, 1, CU_WAIT_MS));
	ASSERT_OK(cu_ioc_grab(fd, pid, 0, 0));
	ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_CONTINUE, pid));
	return pid;
}

#define MNT_DIR		"/tmp/bp_hard_mnt"
#define MNT_EXE		MNT_DIR "/bpv"

/*
 * A controlled victim running a copy of this binary from a fresh tmpfs,
 * with a COUNT breakpoint at its bp_target hit 3 times; its id in *@id.
 */
static pid_t mounted_victim(int fd, __u32 *id)
{
	char fdstr[16];
	pid_t pid;

	mkdir(MNT_DIR, 0755);
	ASSERT_OK(mount("none", MNT_DIR, "tmpfs", 0, NULL));
	ut_copy_file("/proc/self/exe", MNT_EXE, 0755);
	shm_new();
	fflush(NULL);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		snprintf(fdstr, sizeof(fdstr), "%d", shm_fd);
		setenv("BP_VICTIM_FD", fdstr, 1);
		execl(MNT_EXE, "bpv", (char *)NULL);
		_exit(9);
	}
	ASSERT_TRUE(wait_for(&shm->target, 1, 60000));
	ASSERT_OK(cu_ioc_grab(fd, pid, 0, 0));
	ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_CONTINUE, pid));
	ASSERT_OK(bp_add(fd, pid, shm->target, DTPROC_BP_COUNT, 0, 0, id));
	round_run(3);
	EXPECT_EQ(bp_hits(fd, pid, *id), 3);
	return pid;
}

/* umount(MNT_DIR), retried for up to @ms while EBUSY; its result. */
static int umount_within(int ms)
{
	long long end = ut_now_ms() + ms;
	int r;

	while ((r = umount2(MNT_DIR, 0)) && errno == EBUSY &&
	       ut_now_ms() < end)
		ut_sleep_ms(50);
	return r ? -errno : 0;
}

/*
 * The breakpoint's file is on a filesystem its victim no longer uses: the
 * breakpoint pins the file's mount (umount EBUSY, never a kernel BUG for
 * an inode left behind) until it goes, then the umount succeeds.
 */
TEST_TIMEOUT(umount_under_breakpoint_file, 300)
{
	int fd = open_dtproc(), status, r;
	__u32 id = 0;
	pid_t pid;

	pid = mounted_victim(fd, &id);
	ASSERT_OK(kill(pid, SIGKILL));
	ASSERT_TRUE(ut_reap_within(pid, &status, 60000));
	r = umount2(MNT_DIR, 0);
	TH_LOG("umount after the victim's exit, breakpoints held: %s",
	       r ? strerror(errno) : "unmounted");
	EXPECT_TRUE(!r || errno == EBUSY);
	close(fd);
	if (r)
		ASSERT_EQ(umount_within(10000), 0);
}

/* Same, while the victim still runs: EBUSY; the release frees the mount. */
TEST_TIMEOUT(umount_after_release, 300)
{
	int fd = open_dtproc(), status;
	__u32 id = 0;
	pid_t pid;

	pid = mounted_victim(fd, &id);
	ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_RELEASE, pid));
	ASSERT_OK(kill(pid, SIGKILL));
	ASSERT_TRUE(ut_reap_within(pid, &status, 60000));
	ASSERT_EQ(umount_within(10000), 0);
	close(fd);
}

/*
 * A victim's breakpoints go at its exit (uapi: "dropped at the victim's
 * exit"), not at the consumer's release: the consumer keeps its
 * descriptor open and the file's filesystem unmounts.
 */
TEST_TIMEOUT(exit_drops_breakpoints, 300)
{
	int fd = open_dtproc(), status, r;
	__u32 id = 0;
	pid_t pid;

	pid = mounted_victim(fd, &id);
	ASSERT_OK(kill(pid, SIGKILL));
	ASSERT_TRUE(ut_reap_within(pid, &status, 60000));
	r = umount_within(10000);
	TH_LOG("umount within 10 s of the victim's exit, its consumer open: %s",
	       r ? strerror(-r) : "unmounted");
	EXPECT_EQ(r, 0);
	close(fd);
	if (r)
		ASSERT_EQ(umount_within(10000), 0);
}

/* A victim that is not dumpable (dropped privileges, prctl): root controls it. */
TEST(nondumpable_victim_breakpoint)
{
	struct dtproc_bp_info info;
	int fd = open_dtproc();
	__u32 id = 0;
	pid_t pid;

	shm_new();
	pid = grab_victim(fd, wl_nondump);
	ASSERT_OK(bp_add(fd, pid, BP_ADDR, DTPROC_BP_COUNT, 0, 0, &id));
	ASSERT_TRUE(bp_info(fd, pid, id, &info, NULL));
	round_run(10);
	TH_LOG("10 calls made, %llu hits counted",
	       (unsigned long long)bp_hits(fd, pid, id));
	EXPECT_EQ(bp_hits(fd, pid, id), 10);
	finish(fd, pid);
}

/* An instruction uprobes refuses (lock prefix): EINVAL, nothing left. */
TEST(refused_instruction_einval)
{
	int fd = open_dtproc(), r;
	__u32 count = 0;
	struct dtproc_bp_info info;
	pid_t pid;

	shm_new();
	pid = grab_victim(fd, wl_rounds);
	r = bp_add(fd, pid, (__u64)(unsigned long)bp_locked, DTPROC_BP_COUNT,
		   0, 0, NULL);
	TH_LOG("BP_ADD at a lock-prefixed instruction: %d (%s, errno %d)", r,
	       r ? strerror(errno) : "added", r ? errno : 0);
	EXPECT_EQ(r, -1);
	EXPECT_EQ(errno, EINVAL);
	bp_info(fd, pid, 1, &info, &count);
	EXPECT_EQ(count, 0);
	finish(fd, pid);
}

struct addarg {
	int fd;
	pid_t pid;
	__u32 id;
	int ret, err;
	volatile int done;
};

static void *add_locked(void *p)
{
	struct addarg *a = p;

	a->ret = bp_add(a->fd, a->pid, (__u64)(unsigned long)bp_locked,
			DTPROC_BP_COUNT, 0, 0, NULL);
	a->err = errno;
	a->done = 1;
	return NULL;
}

/* End the stop for good: the breakpoint made a counting one, continue. */
static void *cont_thread(void *p)
{
	struct addarg *a = p;

	a->ret = bp_set(a->fd, a->pid, a->id, DTPROC_BP_COUNT, 0) ||
		 cu_ioc_pid(a->fd, DTPROC_IOC_CONTINUE, a->pid);
	a->err = errno;
	a->done = 1;
	return NULL;
}

/* Threads of @pid waiting for an XOL slot (STATUS: held). */
static int held_threads(int fd, pid_t pid)
{
	static struct dtproc_thread th[64];
	struct dtproc_status st = {
		.size = sizeof(st), .pid = pid,
		.threads = (unsigned long)th, .threads_len = 64,
		.thread_size = sizeof(th[0]),
	};
	int held = 0;
	__u32 j;

	if (ioctl(fd, DTPROC_IOC_STATUS, &st))
		return 0;
	for (j = 0; j < st.threads_len; j++)
		held += th[j].state == DTPROC_THREAD_HELD;
	return held;
}

/* Wait for a BREAK stop of @pid. */
static void wait_break(int fd, pid_t pid)
{
	struct dtproc_status st = {
		.size = sizeof(st), .pid = pid, .flags = DTPROC_STATUS_WAIT,
	};

	do {
		ASSERT_OK(ioctl(fd, DTPROC_IOC_STATUS, &st));
		ut_sleep_ms(20);
	} while (st.why != DTPROC_STOP_BREAK ||
		 st.state != DTPROC_STATE_STOPPED);
}

/*
 * A BREAK stop of 64 spinners (threads in the kernel between a hit and its
 * single-step: a stop catches some holding or waiting for an XOL slot),
 * then a BP_ADD that uprobes refuses.  On 6.12 a refused registration
 * waits for every running handler (synchronize_rcu_tasks_trace()), and a
 * thread waiting for an XOL slot is one until the stop ends: the consumer
 * must not wait for it with its lock held, or its own CONTINUE, which
 * ends the stop, never comes.
 */
TEST_TIMEOUT(refused_add_during_stop, 600)
{
	struct addarg a = { 0 }, c = { 0 };
	int fd = open_dtproc(), status, i, w = 0;
	pthread_t t, t2;
	__u32 id = 0;
	pid_t pid;

	shm_new();
	shm->nthreads = 64;
	pid = grab_victim(fd, wl_rounds);
	ASSERT_TRUE(wait_for(&shm->started, 64, 60000));
	ASSERT_OK(bp_add(fd, pid, BP_ADDR, DTPROC_BP_STOP, 0, 0, &id));
	shm->n = 1000000000;
	shm->go = 1;
	wait_break(fd, pid);
	/*
	 * a stop catching threads in flight through a COUNT breakpoint:
	 * some hold an XOL slot, the next ones wait for one (held)
	 */
	for (i = 0; i < 20; i++) {
		ASSERT_OK(bp_set(fd, pid, id, DTPROC_BP_COUNT, 0));
		ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_CONTINUE, pid));
		ut_sleep_ms(200);
		ASSERT_OK(bp_set(fd, pid, id, DTPROC_BP_STOP, 0));
		wait_break(fd, pid);
		ut_sleep_ms(300);
		w = held_threads(fd, pid);
		if (w)
			break;
	}
	TH_LOG("stop %d: %d threads waiting for an XOL slot", i, w);
	if (!w) {
		/* nothing to test (the debug kernel is slow to catch one) */
		finish(fd, pid);
		SKIP("no stop caught a thread waiting for an XOL slot");
	}
	a.fd = fd;
	a.pid = pid;
	ASSERT_OK(pthread_create(&t, NULL, add_locked, &a));
	for (i = 0; i < 100 && !a.done; i++)
		ut_sleep_ms(100);
	TH_LOG("BP_ADD of a refused instruction: %s",
	       a.done ? "returned" : "waits (for the stop's end)");
	if (!a.done) {
		/* the consumer is not locked out of its own victim */
		c.fd = fd;
		c.pid = pid;
		c.id = id;
		ASSERT_OK(pthread_create(&t2, NULL, cont_thread, &c));
		for (i = 0; i < 50 && !c.done; i++)
			ut_sleep_ms(100);
		TH_LOG("BP_SET (count) and CONTINUE meanwhile: %s",
		       c.done ? "returned" : "STILL BLOCKED after 5 s");
		EXPECT_TRUE(c.done);
		for (i = 0; i < 100 && !a.done; i++)
			ut_sleep_ms(100);
	}
	TH_LOG("BP_ADD: %s (ret %d, %s)",
	       a.done ? "returned" : "STILL BLOCKED after the continue",
	       a.ret, a.done ? strerror(a.err) : "-");
	EXPECT_TRUE(a.done);
	if (a.done) {
		EXPECT_EQ(a.ret, -1);
		EXPECT_EQ(a.err, EINVAL);
	}
	ASSERT_OK(kill(pid, SIGKILL));
	ASSERT_TRUE(ut_reap_within(pid, &status, 60000));
	pthread_join(t, NULL);
	if (c.fd)
		pthread_join(t2, NULL);
	close(fd);
}

/*
 * A victim of 64 threads stepping bp_fault's faulting load through a COUNT
 * breakpoint (*@idp), 2000 hits in.
 */
static pid_t stepping_victim(int fd, __u32 *idp)
{
	long long until;
	__u32 id = 0;
	pid_t pid;

	shm_new();
	shm->nthreads = 64;
	pid = grab_victim(fd, wl_faults);
	ASSERT_TRUE(wait_for(&shm->started, 64, 60000));
	ASSERT_OK(bp_add(fd, pid, BP_FAULT_ADDR, DTPROC_BP_COUNT, 0, 0, &id));
	until = ut_now_ms() + CU_WAIT_MS;
	while (bp_hits(fd, pid, id) < 2000 && ut_now_ms() < until)
		ut_sleep_ms(10);
	ASSERT_GE(bp_hits(fd, pid, id), 2000);
	*idp = id;
	return pid;
}

/*
 * A stop that catches threads between a breakpoint's handler and a
 * single-step that traps: the copied load faults, uprobes aborts the step
 * (no #DB ends it) and the thread runs its SIGSEGV handler, which spins
 * for good in user mode.  Their parks, held back while they held an XOL
 * slot, must still park them (bp_xol.c's worker queues them again): every
 * thread parks, none at an XOL slot, none waiting for one.
 */
TEST_TIMEOUT(stop_catches_trapping_steps, 300)
{
	long long until;
	struct dtproc_thread th[64];
	struct dtproc_status st = {
		.size = sizeof(st), .threads = (unsigned long)th,
		.threads_len = 64, .thread_size = sizeof(th[0]),
	};
	int fd = open_dtproc(), status, parked = 0, at_xol = 0, in_d = 0;
	__u32 id = 0, j;
	pid_t pid;

	pid = stepping_victim(fd, &id);
	shm->spin = 1;
	ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_STOP, pid));
	st.pid = pid;
	until = ut_now_ms() + 30000;
	for (;;) {
		ASSERT_OK(ioctl(fd, DTPROC_IOC_STATUS, &st));
		parked = 0;
		for (j = 0; j < st.threads_len; j++)
			parked += th[j].state == DTPROC_THREAD_PARKED;
		xol_census(pid, &at_xol, &in_d, false);
		if (parked == 64 && !at_xol && !in_d)
			break;
		if (ut_now_ms() >= until) {
			xol_census(pid, &at_xol, &in_d, true);
			break;
		}
		ut_sleep_ms(100);
	}
	TH_LOG("%ld faults, %llu hits; stop: state %u, %u of %u stopped, %d parked, %d at an XOL slot, %d in D",
	       shm->faults, (unsigned long long)bp_hits(fd, pid, id),
	       st.state, st.nstopped, st.nthreads, parked, at_xol, in_d);
	EXPECT_EQ(st.state, DTPROC_STATE_STOPPED);
	EXPECT_EQ(parked, 64);
	EXPECT_EQ(at_xol, 0);
	EXPECT_EQ(in_d, 0);
	ASSERT_OK(kill(pid, SIGKILL));
	ASSERT_TRUE(ut_reap_within(pid, &status, 60000));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(fd);
}

/*
 * The same stop, but the first trapped step's SIGSEGV handler job-stops
 * the process: its threads whose parks are held back are job-stopped
 * then, and cannot run user code; once bp_xol.c's worker has queued their
 * parks again they count as stopped, and the stop settles.  A version
 * that kept a queued park held back counted them running until SIGCONT
 * (which also ends this requested stop): "STOP: Interrupted system call
 * after 15001 ms (1 SIGSTOPs raised; state 3, 48 of 64 stopped)".
 */
static void on_alarm(int sig)
{
	(void)sig;
}

TEST_TIMEOUT(stop_settles_with_held_threads_job_stopped, 300)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct dtproc_status st;
	int fd = open_dtproc(), status;
	long long until, t0;
	__u32 id = 0;
	pid_t pid;

	pid = stepping_victim(fd, &id);
	shm->spin = 2;
	/* STOP returns once settled: each thread parked or held */
	ASSERT_OK(sigaction(SIGALRM, &sa, NULL));
	alarm(CU_WAIT_MS / 1000);
	t0 = ut_now_ms();
	if (cu_ioc_pid(fd, DTPROC_IOC_STOP, pid)) {
		int err = errno;

		ASSERT_OK(cu_ioc_status(fd, pid, &st));
		DT_FAIL(1, "STOP: %s after %lld ms (%ld SIGSTOPs raised; state %u, %u of %u stopped)",
			strerror(err), ut_now_ms() - t0, shm->sigstops,
			st.state, st.nstopped, st.nthreads);
	}
	alarm(0);
	until = ut_now_ms() + CU_WAIT_MS;
	do {
		ut_sleep_ms(20);
		ASSERT_OK(cu_ioc_status(fd, pid, &st));
	} while ((st.state != DTPROC_STATE_STOPPED ||
		  st.nstopped != st.nthreads) && ut_now_ms() < until);
	TH_LOG("%ld faults, %ld SIGSTOPs raised; stop: state %u, %u of %u stopped",
	       shm->faults, shm->sigstops, st.state, st.nstopped, st.nthreads);
	EXPECT_EQ(st.state, DTPROC_STATE_STOPPED);
	EXPECT_EQ(st.nstopped, st.nthreads);
	ASSERT_OK(kill(pid, SIGKILL));
	ASSERT_TRUE(ut_reap_within(pid, &status, 60000));
	close(fd);
}

/*
 * A hit on a STOP breakpoint asks for a stop (bp_pending) and makes it on
 * its way back to user mode; a requested STOP that comes in between parks
 * the thread first (task_work runs newest first).  That stop took the hit
 * in (the thread parked at the breakpoint, untaken): once continued, with
 * the breakpoint now counting, nothing stops again.  Old code made the
 * overtaken break stop after the CONTINUE ("round 12: state 2, why 3"):
 * the hang of trapped_step_settled_no_user_code in CI's debug guest.
 */
/* Each thread calls bp_target, then spins for a while of its own. */
static void *wl_sparse_thread(void *arg)
{
	volatile long *c = arg;
	unsigned int seed = (unsigned long)arg;
	long k;

	__atomic_fetch_add(&shm->started, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		bp_target(c);
		for (k = rand_r(&seed) % 20000; k; k--)
			__asm__ volatile("" ::: "memory");
	}
	return NULL;
}

static void wl_sparse(void)
{
	pthread_t t;
	long i;

	shm->tid = gettid();
	for (i = 1; i < shm->nthreads; i++)
		if (pthread_create(&t, NULL, wl_sparse_thread,
				   (void *)&shm->slot[i]))
			_exit(3);
	wl_sparse_thread((void *)&shm->counter);
}

TEST_TIMEOUT(overtaken_break_stop_dropped_at_continue, 600)
{
	long long end = ut_now_ms() + 20000;
	int fd = open_dtproc(), r;
	struct dtproc_status st;
	__u32 id = 0;
	pid_t pid;

	shm_new();
	shm->nthreads = 4;
	pid = grab_victim(fd, wl_sparse);
	ASSERT_TRUE(wait_for(&shm->started, 4, CU_WAIT_MS));
	ASSERT_OK(bp_add(fd, pid, BP_ADDR, DTPROC_BP_COUNT, 0, 0, &id));
	for (r = 0; ut_now_ms() < end; r++) {
		/* a hit asks for a stop, and a requested one races it */
		ASSERT_OK(bp_set(fd, pid, id, DTPROC_BP_STOP, 0));
		ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_STOP, pid));
		ASSERT_OK(bp_set(fd, pid, id, DTPROC_BP_COUNT, 0));
		ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_CONTINUE, pid));
		ut_sleep_ms(10);
		ASSERT_OK(cu_ioc_status(fd, pid, &st));
		if (st.state != DTPROC_STATE_RUNNING) {
			TH_LOG("round %d: state %u, why %u, tid %d at %#llx",
			       r, st.state, st.why, st.bp_tid,
			       (unsigned long long)st.bp_addr);
			ut_sleep_ms(2000);
			ASSERT_OK(cu_ioc_status(fd, pid, &st));
			DT_FAIL(1, "2 s later: state %u, why %u, tid %d at %#llx",
				st.state, st.why, st.bp_tid,
				(unsigned long long)st.bp_addr);
		}
	}
	TH_LOG("%d rounds, %lld hits", r, (long long)bp_hits(fd, pid, id));
	finish(fd, pid);
}

/* --- counting across break stops: 4 threads on one STOP breakpoint --- */

static long wl_calls(void)
{
	return shm->counter + shm->slot[1] + shm->slot[2] + shm->slot[3];
}

/* Until each of wl_rounds' 4 threads has called twice more than now. */
static bool wl_each_calls_on(int ms)
{
	long was[4] = { shm->counter, shm->slot[1], shm->slot[2], shm->slot[3] };
	long long end = ut_now_ms() + ms;

	while (shm->counter < was[0] + 2 || shm->slot[1] < was[1] + 2 ||
	       shm->slot[2] < was[2] + 2 || shm->slot[3] < was[3] + 2) {
		if (ut_now_ms() > end)
			return false;
		ut_sleep_ms(1);
	}
	return true;
}

/* A victim of 4 threads calling bp_target, a STOP breakpoint there (*@id). */
static pid_t break_victim(int fd, __u32 *id)
{
	pid_t pid;

	shm_new();
	shm->nthreads = 4;
	pid = grab_victim(fd, wl_rounds);
	ASSERT_TRUE(wait_for(&shm->started, 4, CU_WAIT_MS));
	ASSERT_OK(bp_add(fd, pid, BP_ADDR, DTPROC_BP_STOP, 0, 0, id));
	shm->n = 1000000000;
	shm->go = 1;
	return pid;
}

/* Until a thread's hit has stopped @pid, and the stop has settled. */
static void wait_break_stop(int fd, pid_t pid)
{
	struct dtproc_status st;

	for (;;) {
		ASSERT_OK(cu_ioc_status_wait(fd, pid, &st));
		if (st.why == DTPROC_STOP_BREAK)
			break;
		ut_sleep_ms(1);
	}
	/* WAIT answers a running victim at once: the stop may be young */
	ASSERT_OK(cu_ioc_status_wait(fd, pid, &st));
	ASSERT_EQ(st.state, DTPROC_STATE_STOPPED);
}

/*
 * Each call counted once, however the threads' hits of a STOP breakpoint
 * interleave: the thread that stopped the process left the breakpoint
 * untaken, and takes it, uncounted, once continued.  Old code remembered
 * one such thread per process: when another thread's hit stopped the
 * process first (woken by the same CONTINUE), the first thread's return
 * to the breakpoint was counted a second time ("hits 731, calls 689").
 */
TEST_TIMEOUT(break_stops_count_each_call_once, 600)
{
	int fd = open_dtproc(), r;
	struct dtproc_status st;
	__u32 id = 0;
	__u64 hits;
	pid_t pid;

	pid = break_victim(fd, &id);
	for (r = 0; r < 60; r++) {
		/* a break stop; then the four race back to the breakpoint */
		wait_break_stop(fd, pid);
		ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_CONTINUE, pid));
		/* every other round a requested stop races their return */
		if (r & 1) {
			ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_STOP, pid));
			ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_CONTINUE, pid));
		}
	}
	/*
	 * counting now (a stop a hit asked for before is waited out): each
	 * thread takes the hit it left, then calls on
	 */
	ASSERT_OK(bp_set(fd, pid, id, DTPROC_BP_COUNT, 0));
	ASSERT_OK(cu_ioc_status_wait(fd, pid, &st));
	if (st.state != DTPROC_STATE_RUNNING)
		ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_CONTINUE, pid));
	ASSERT_TRUE(wl_each_calls_on(CU_WAIT_MS));
	/* stopped, no thread is between its count and its call */
	ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_STOP, pid));
	hits = bp_hits(fd, pid, id);
	TH_LOG("%d break stops; hits %llu, calls %ld", r,
	       (unsigned long long)hits, wl_calls());
	EXPECT_EQ(hits, wl_calls());
	finish(fd, pid);
}

/* Stop, then hits and calls since the last look (@hits0, @calls0). */
static void stop_and_count(int fd, pid_t pid, __u32 id, __u64 *hits0,
			   long *calls0, __u64 *dhits, long *dcalls)
{
	__u64 hits;
	long calls;

	ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_STOP, pid));
	hits = bp_hits(fd, pid, id);
	calls = wl_calls();
	*dhits = hits - *hits0;
	*dcalls = calls - *calls0;
	*hits0 = hits;
	*calls0 = calls;
}

/*
 * A breakpoint disabled at the stop it made, the process continued past
 * it, then enabled again: its next hit is a new one, counted.  Old code
 * kept the stopping thread's skip, and its first call after the enable
 * went uncounted ("round 0: 773 hits for 774 calls").
 */
TEST_TIMEOUT(disabled_at_its_stop_counts_anew, 300)
{
	int fd = open_dtproc(), r;
	__u64 hits0 = 0, dhits;
	long calls0 = 0, dcalls;
	__u32 id = 0;
	pid_t pid;

	pid = break_victim(fd, &id);
	for (r = 0; r < 5; r++) {
		/* stopped by a thread's hit, which it left untaken */
		wait_break_stop(fd, pid);
		/* disabled: it runs on through the instruction, untrapped */
		ASSERT_OK(bp_set(fd, pid, id, DTPROC_BP_COUNT,
				 DTPROC_BP_DISABLED));
		ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_CONTINUE, pid));
		ASSERT_TRUE(wl_each_calls_on(CU_WAIT_MS));
		stop_and_count(fd, pid, id, &hits0, &calls0, &dhits, &dcalls);
		/* enabled, counting: every call from now on is a hit */
		ASSERT_OK(bp_set(fd, pid, id, DTPROC_BP_COUNT, 0));
		ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_CONTINUE, pid));
		ASSERT_TRUE(wl_each_calls_on(CU_WAIT_MS));
		stop_and_count(fd, pid, id, &hits0, &calls0, &dhits, &dcalls);
		if ((long)dhits != dcalls)
			DT_FAIL(1, "round %d: %llu hits for %ld calls", r,
				(unsigned long long)dhits, dcalls);
		/* stopping again, for the next round */
		ASSERT_OK(bp_set(fd, pid, id, DTPROC_BP_STOP, 0));
		ASSERT_OK(cu_ioc_pid(fd, DTPROC_IOC_CONTINUE, pid));
	}
	finish(fd, pid);
}
