/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the breakpoint tests (bp_test.c, bp_hard_test.c) share: the target
 * function, the memory a test shares with its victim, the rounds workload,
 * and the ioctl wrappers.  Include after control_util.h.
 */
#ifndef _DTPROC_BP_UTIL_H
#define _DTPROC_BP_UTIL_H

#include <pthread.h>
#include <stdio.h>

/* bp_target(p): "incq (%rdi); ret" (uprobes refuses a lock prefix) */
void bp_target(volatile long *p);
__asm__(".pushsection .text\n"
	".globl bp_target\n"
	".type bp_target, @function\n"
	"bp_target:\n"
	"\tincq (%rdi)\n"
	"\tret\n"
	".size bp_target, .-bp_target\n"
	".popsection\n");

#define BP_ADDR		((__u64)(unsigned long)bp_target)

/* What the test and its victim share. */
struct vshm {
	volatile long go;	/* test: rounds asked for */
	volatile long n;	/* test: calls per round (per thread) */
	volatile long done;	/* victim: rounds (thread rounds) done */
	volatile long counter;	/* bp_target's (the first thread's) */
	volatile long tid;	/* victim: its (first) thread's tid */
	volatile long nthreads;	/* test: threads to run */
	volatile long nforks;	/* test: fork children to run */
	volatile long forks_ok;	/* victim: children that exited 0 */
	volatile long vpid;	/* victim: its vfork child's pid */
	volatile long exec_now;	/* test: exec (1: itself, 2: sleep) */
	volatile long execs;	/* victim: images started */
	volatile long target;	/* victim: bp_target's address there */
	volatile long hits;	/* victim (re-exec): bp_target calls */
	volatile long stop_execs; /* test: re-exec loop ends */
	volatile long slot[64];	/* bp_target's of threads 1..63 */
	volatile long started;	/* victim: threads running */
	volatile long traps;	/* tracer: SIGTRAPs it saw */
	volatile long faults;	/* victim: bp_fault's SIGSEGVs (bp_hard_test) */
	volatile long spin;	/* test: a SIGSEGV spins for good (bp_hard_test) */
	volatile long phase;	/* test: trapped-step workload's phase */
	volatile long dsleep;	/* test: vfork child's sleep, us */
	volatile long vforks;	/* victim: vforks done in phase 1 */
	volatile long sigstops;	/* victim: SIGSTOPs raised (bp_hard_test) */
};

static struct vshm *shm;
static int shm_fd = -1;

static inline void wait_go(long round)
{
	while (shm->go < round)
		usleep(200);
}

/* Rounds of n calls, in shm->nthreads threads (each counts a round). */
static inline void *wl_thread(void *arg)
{
	volatile long *c = arg;
	long r, i;

	__atomic_fetch_add(&shm->started, 1, __ATOMIC_SEQ_CST);
	for (r = 1;; r++) {
		wait_go(r);
		for (i = 0; i < shm->n; i++)
			bp_target(c);
		__atomic_fetch_add(&shm->done, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static inline void wl_rounds(void)
{
	pthread_t t;
	long i;

	shm->tid = gettid();
	shm->target = (long)bp_target;
	for (i = 1; i < shm->nthreads; i++)
		if (pthread_create(&t, NULL, wl_thread,
				   (void *)&shm->slot[i]))
			_exit(3);
	wl_thread((void *)&shm->counter);
}

static inline void shm_new(void)
{
	shm_fd = memfd_create("bp_test", 0);	/* inherited through exec */
	ASSERT_GE(shm_fd, 0);
	ASSERT_OK(ftruncate(shm_fd, sizeof(*shm)));
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED,
		   shm_fd, 0);
	ASSERT_TRUE(shm != MAP_FAILED);
	memset((void *)shm, 0, sizeof(*shm));
	shm->nthreads = 1;
}

static inline pid_t victim(void (*fn)(void))
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* no descriptor of ours but the shared memory */
		close_range(3, shm_fd - 1, 0);
		close_range(shm_fd + 1, ~0U, 0);
		fn();
		_exit(0);
	}
	return pid;
}

static inline bool wait_for(volatile long *v, long want, int ms)
{
	long long end = ut_now_ms() + ms;

	while (*v < want) {
		if (ut_now_ms() > end)
			return false;
		usleep(1000);
	}
	return true;
}

/* A round of @n calls per thread; returns once every thread did it. */
static inline void round_run(long n)
{
	long want = (shm->go + 1) * shm->nthreads;

	shm->n = n;
	__atomic_fetch_add(&shm->go, 1, __ATOMIC_SEQ_CST);
	if (!wait_for(&shm->done, want, 120000))
		DT_FAIL(1, "round of %ld: done %ld of %ld", n, shm->done, want);
}

static inline int bp_add(int fd, pid_t pid, __u64 addr, __u32 action,
			 __u32 flags, __u64 peek, __u32 *id)
{
	struct dtproc_bp b = {
		.size = sizeof(b), .pid = pid, .flags = flags,
		.action = action, .addr = addr, .peek = peek,
	};
	int ret = ioctl(fd, DTPROC_IOC_BP_ADD, &b);

	if (!ret && id)
		*id = b.id;
	return ret;
}

static inline int bp_set(int fd, pid_t pid, __u32 id, __u32 action,
			 __u32 flags)
{
	struct dtproc_bp b = {
		.size = sizeof(b), .pid = pid, .flags = flags,
		.action = action, .id = id,
	};

	return ioctl(fd, DTPROC_IOC_BP_SET, &b);
}

/* Breakpoint @id of @pid as BP_LIST reports it; false if not listed. */
static inline bool bp_info(int fd, pid_t pid, __u32 id,
			   struct dtproc_bp_info *out, __u32 *count)
{
	struct dtproc_bp_info infos[16];
	struct dtproc_bp_list l = {
		.size = sizeof(l), .pid = pid,
		.bps = (__u64)(unsigned long)infos, .bps_len = 16,
		.info_size = sizeof(infos[0]),
	};
	__u32 i;

	if (ioctl(fd, DTPROC_IOC_BP_LIST, &l))
		DT_FAIL(1, "BP_LIST: %s", strerror(errno));
	if (count)
		*count = l.count;
	for (i = 0; i < l.bps_len; i++) {
		if (infos[i].id == id) {
			*out = infos[i];
			return true;
		}
	}
	return false;
}

static inline __u64 bp_hits(int fd, pid_t pid, __u32 id)
{
	struct dtproc_bp_info info;

	if (!bp_info(fd, pid, id, &info, NULL))
		DT_FAIL(1, "breakpoint %u not listed", id);
	return info.hits;
}

static inline void finish(int fd, pid_t pid)
{
	close(fd);
	ut_kill(pid);
}

/* Where thread @tid of @pid sleeps. */
static inline void log_wchan(pid_t pid, const char *tid)
{
	char path[320], wchan[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%s/wchan", pid, tid);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(wchan, sizeof(wchan), f))
			wchan[0] = '\0';
		fclose(f);
	}
	TH_LOG("thread %s in D, wchan %s", tid, wchan);
}

/*
 * Threads of @pid whose user IP is in the XOL area ("[uprobes]" in its
 * maps: a thread stopped there holds a single-step slot) and threads in
 * state D (one waits for a slot, uninterruptibly, when all are held).
 * A parked thread is in a task_work, not a system call: its
 * /proc/PID/task/TID/syscall reads "-1 SP PC", PC its user IP.
 */
static inline void xol_census(pid_t pid, int *at_xol, int *in_d, bool log)
{
	unsigned long lo = 0, hi = 0, a, b, pc;
	char path[320], line[512];
	struct dirent *d;
	FILE *f;
	DIR *dir;

	*at_xol = 0;
	*in_d = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[uprobes]") &&
		    sscanf(line, "%lx-%lx", &a, &b) == 2) {
			lo = a;
			hi = b;
		}
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		long nr;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid,
			 d->d_name);
		if (ut_stat_state_of(path) == 'D') {
			(*in_d)++;
			if (log)
				log_wchan(pid, d->d_name);
		}
		snprintf(path, sizeof(path), "/proc/%d/task/%s/syscall", pid,
			 d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) &&
		    sscanf(line, "%ld %*s %lx", &nr, &pc) == 2 &&
		    pc >= lo && pc < hi)
			(*at_xol)++;
		fclose(f);
	}
	closedir(dir);
}

#endif /* _DTPROC_BP_UTIL_H */
