// SPDX-License-Identifier: GPL-2.0
/*
 * control_bench: process control benchmarks, run inside a guest by
 * tools/bench/run.  Each mode prints "key value" lines.
 *
 *   control_bench create N     dtproc create + continue + wait of /bin/true,
 *                              then the same with fork, PTRACE_TRACEME, exec,
 *                              PTRACE_CONT: ns each
 *   control_bench roundtrip N  stop -> continue of a running victim, then
 *                              PTRACE_INTERRUPT -> PTRACE_CONT: ns each
 *   control_bench breakpoint N
 *                              a victim calling a function in a loop with a
 *                              STOP breakpoint on its first instruction: hit
 *                              -> stop -> continue (the consumer sees the
 *                              note, waits for the stop, continues) until
 *                              the next hit; then the same as a debugger
 *                              does it with ptrace (int3 by POKETEXT, CONT,
 *                              waitpid, the byte restored and the IP moved
 *                              back, SINGLESTEP, waitpid, int3 again): ns
 *                              per hit
 *   control_bench pingpong N [same]
 *                              one process writes an eventfd, a second reads
 *                              it and writes another back, that the first
 *                              reads: ns per round trip (the floor for any
 *                              stop/continue rendezvous between two tasks);
 *                              same: both pinned to one CPU
 *   control_bench scale R C    R processes grabbed read-only and C for
 *                              control: kernel memory per victim, and the
 *                              time of grabs and lookups by thousands
 *   control_bench register M N
 *                              M other processes mapping libc (asleep), one
 *                              victim: N times arm, then remove, a COUNT
 *                              breakpoint on libc's getppid in the victim
 *                              (each a uprobe registration, which walks
 *                              every mm mapping libc and blocks forks
 *                              meanwhile): ns each; and a fork+exit+wait
 *                              loop beside it: ns per fork and the longest
 *                              fork, while arming and while the consumer
 *                              makes as many STATUS calls instead
 */
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <poll.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dtproc.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int die(const char *what)
{
	fprintf(stderr, "control_bench: %s: %s\n", what, dtproc_errmsg()[0] ?
		dtproc_errmsg() : strerror(errno));
	return 1;
}

static int create(long n)
{
	char *argv[] = { "true", NULL };
	struct dtproc *dp = dtproc_open();
	long long t0, t1, t2;
	long i;

	if (!dp)
		return die("open");
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		struct dtproc_handle *h = dtproc_create(dp, "/bin/true", argv);

		if (!h || dtproc_continue(h) < 0)
			return die("create");
		waitpid(dtproc_handle_pid(h), NULL, 0);
		dtproc_release(h);
	}
	t1 = now_ns();
	for (i = 0; i < n; i++) {
		pid_t pid = fork();
		int st;

		if (!pid) {
			ptrace(PTRACE_TRACEME, 0, NULL, NULL);
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		waitpid(pid, &st, 0);		/* SIGTRAP after exec */
		ptrace(PTRACE_CONT, pid, NULL, NULL);
		waitpid(pid, &st, 0);
	}
	t2 = now_ns();
	printf("create_dtproc_ns %lld\ncreate_ptrace_ns %lld\n", (t1 - t0) / n,
	       (t2 - t1) / n);
	dtproc_close(dp);
	return 0;
}

/* Run the caller on @cpu only (if there is such a CPU). */
static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/*
 * A victim spinning on CPU 1 while the controller runs on CPU 0: where
 * the two meet decides a round trip's cost (on one CPU the controller
 * waits for the spinner's time slice to end), so both methods measure
 * the same placement, every round.
 */
static pid_t spinner(void)
{
	pid_t pid = fork();

	if (!pid) {
		pin(1);
		for (;;)
			;
	}
	pin(0);
	return pid;
}

static int roundtrip(long n)
{
	struct dtproc *dp = dtproc_open();
	struct dtproc_handle *h;
	long long t0, t1, t2;
	pid_t pid;
	long i;
	int st;

	if (!dp)
		return die("open");
	pid = spinner();
	h = dtproc_grab(dp, pid, 0);
	if (!h || dtproc_continue(h) < 0)
		return die("grab");
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (dtproc_stop(h) < 0 || dtproc_continue(h) < 0)
			return die("stop/continue");
	t1 = now_ns();
	dtproc_close(dp);

	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL))
		return die("PTRACE_SEIZE");
	t1 = now_ns();
	for (i = 0; i < n; i++) {
		ptrace(PTRACE_INTERRUPT, pid, NULL, NULL);
		waitpid(pid, &st, 0);
		ptrace(PTRACE_CONT, pid, NULL, NULL);
	}
	t2 = now_ns();
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("roundtrip_dtproc_ns %lld\nroundtrip_ptrace_ns %lld\n",
	       (t1 - t0) / n, (t2 - t1) / n);
	return 0;
}

/* bench_target(p): "incq (%rdi); ret", where the breakpoints go */
void bench_target(volatile long *p);
__asm__(".pushsection .text\n"
	".globl bench_target\n"
	".type bench_target, @function\n"
	"bench_target:\n"
	"\tincq (%rdi)\n"
	"\tret\n"
	".size bench_target, .-bench_target\n"
	".popsection\n");

/* A victim calling bench_target() in a loop, placed as spinner()'s. */
static pid_t caller(void)
{
	static volatile long calls;
	pid_t pid = fork();

	if (!pid) {
		pin(1);
		for (;;)
			bench_target(&calls);
	}
	pin(0);
	return pid;
}

static void note_fn(struct dtproc_handle *h, const struct dtproc_note *note,
		    const char *msg, void *arg)
{
	*(int *)arg += note->what == DTPROC_NOTE_BREAK;
}

/* Until @h's victim hits its STOP breakpoint and is stopped. */
static int wait_break(struct dtproc *dp, struct dtproc_handle *h)
{
	struct pollfd p = { .fd = dtproc_fd(dp), .events = POLLIN };
	struct dtproc_stopinfo si = { .size = sizeof(si) };
	int hits = 0;

	while (!hits) {
		if (poll(&p, 1, 10000) != 1)
			return -ETIMEDOUT;
		if (dtproc_notifications(dp, note_fn, &hits) < 0)
			return -EIO;
	}
	if (dtproc_stop_info(h, &si, DTPROC_STATUS_WAIT) < 0 ||
	    si.why != DTPROC_STOP_BREAK)
		return -EIO;
	return 0;
}

static int breakpoint(long n)
{
	unsigned long addr = (unsigned long)bench_target, word;
	struct user_regs_struct regs;
	struct dtproc *dp = dtproc_open();
	struct dtproc_handle *h;
	long long t0, t1, t2, t3;
	uint32_t id;
	pid_t pid;
	long i;
	int st;

	if (!dp)
		return die("open");
	pid = caller();
	h = dtproc_grab(dp, pid, 0);
	if (!h || dtproc_continue(h) < 0)
		return die("grab");
	if (dtproc_bp_add(h, addr, DTPROC_BP_STOP, 0, &id) < 0)
		return die("dtproc_bp_add");
	if (wait_break(dp, h) || dtproc_continue(h) < 0)	/* warm */
		return die("first hit");
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (wait_break(dp, h) || dtproc_continue(h) < 0)
			return die("hit/stop/continue");
	t1 = now_ns();
	dtproc_close(dp);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	pid = caller();
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) ||
	    ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) ||
	    waitpid(pid, &st, 0) != pid)
		return die("PTRACE_SEIZE");
	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, pid, addr, NULL);
	if (errno)
		return die("PTRACE_PEEKTEXT");
	t2 = now_ns();
	for (i = 0; i <= n; i++) {
		if (i == 1)
			t2 = now_ns();	/* the first is the warm-up */
		if (ptrace(PTRACE_POKETEXT, pid, addr, (word & ~0xffUL) | 0xcc) ||
		    ptrace(PTRACE_CONT, pid, NULL, NULL) ||
		    waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st) ||
		    WSTOPSIG(st) != SIGTRAP)
			return die("int3");
		if (ptrace(PTRACE_POKETEXT, pid, addr, word) ||
		    ptrace(PTRACE_GETREGS, pid, NULL, &regs))
			return die("restore");
		regs.rip = addr;
		if (ptrace(PTRACE_SETREGS, pid, NULL, &regs) ||
		    ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) ||
		    waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
			return die("single-step");
	}
	t3 = now_ns();
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("bp_dtproc_ns %lld\nbp_ptrace_ns %lld\n", (t1 - t0) / n,
	       (t3 - t2) / n);
	return 0;
}

static int pingpong(long n, int same)
{
	int ping = eventfd(0, EFD_CLOEXEC), pong = eventfd(0, EFD_CLOEXEC);
	uint64_t v = 1;
	long long t0;
	pid_t pid;
	long i;

	if (ping < 0 || pong < 0)
		return die("eventfd");
	if (same) {
		cpu_set_t one;

		CPU_ZERO(&one);
		CPU_SET(0, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			return die("sched_setaffinity");
	}
	pid = fork();
	if (pid < 0)
		return die("fork");
	if (!pid) {
		for (i = 0; i < n; i++)
			if (read(ping, &v, sizeof(v)) != sizeof(v) ||
			    write(pong, &v, sizeof(v)) != sizeof(v))
				_exit(1);
		_exit(0);
	}
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (write(ping, &v, sizeof(v)) != sizeof(v) ||
		    read(pong, &v, sizeof(v)) != sizeof(v))
			return die("ping-pong");
	printf("pingpong%s_ns %lld\n", same ? "_onecpu" : "", (now_ns() - t0) / n);
	waitpid(pid, NULL, 0);
	return 0;
}

static long slab_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* @n children asleep in pause(), into @pids; -1 if a fork failed. */
static int sleepers(pid_t *pids, long n)
{
	long i;

	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (!pids[i]) {
			pause();
			_exit(0);
		}
		if (pids[i] < 0)
			return -1;
	}
	return 0;
}

static void sleepers_kill(pid_t *pids, long n)
{
	long i;

	for (i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
}

static int scale(long nro, long nctl)
{
	long total = nro + nctl, i, k;
	struct dtproc_handle **hs;
	pid_t *pids;
	struct dtproc *dp;
	long before, after;
	long long t;

	pids = calloc(total, sizeof(*pids));
	hs = calloc(total, sizeof(*hs));
	if (!pids || !hs)
		return die("calloc");
	if (sleepers(pids, total))
		return die("fork");
	dp = dtproc_open();
	if (!dp)
		return die("open");
	dtproc_set_lru_limit(dp, total);
	sync();
	before = slab_kb();
	for (k = 0; k < total; k += 1000) {
		t = now_ns();
		for (i = k; i < k + 1000 && i < total; i++) {
			hs[i] = dtproc_grab(dp, pids[i], i < nro ? DTPROC_GRAB_RDONLY : 0);
			if (!hs[i])
				return die("grab");
			if (i >= nro)
				dtproc_continue(hs[i]);
		}
		printf("grab_ns_per_victim_at_%ld %lld\n", k + 1000,
		       (now_ns() - t) / (i - k));
	}
	after = slab_kb();
	t = now_ns();
	for (i = 0; i < total; i++)
		if (dtproc_grab(dp, pids[i], i < nro ? DTPROC_GRAB_RDONLY : 0) != hs[i])
			return die("lookup");
	printf("lookup_ns_per_victim %lld\n", (now_ns() - t) / total);
	printf("victims %ld\nkernel_bytes_per_victim %ld\n", total,
	       (after - before) * 1024 / total);
	dtproc_close(dp);
	sleepers_kill(pids, total);
	return 0;
}

/* What the fork loop of register() reports; reset by the bench. */
struct forks {
	volatile long	reset;		/* bench: start counting afresh */
	volatile long	n;		/* forks since the reset */
	volatile long	max_ns;		/* the longest since the reset */
	volatile long	stop;
};

/* Forks, each child exiting at once and reaped, until told to stop. */
static void fork_loop(struct forks *f)
{
	long long t;
	pid_t p;

	while (!f->stop) {
		if (f->reset) {
			f->n = 0;
			f->max_ns = 0;
			f->reset = 0;
		}
		t = now_ns();
		p = fork();
		if (!p)
			_exit(0);
		if (p < 0 || waitpid(p, NULL, 0) != p)
			_exit(1);
		t = now_ns() - t;
		if (t > f->max_ns)
			f->max_ns = t;
		f->n++;
	}
	_exit(0);
}

/* Reset @f's count, and wait until the fork loop took it. */
static void forks_reset(struct forks *f)
{
	f->reset = 1;
	while (f->reset)
		sched_yield();
}

static int reg(long nmap, long n)
{
	struct forks *f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned long addr = (unsigned long)dlsym(RTLD_DEFAULT, "getppid");
	long long t0, arm = 0, disarm = 0, t_arm, t_idle;
	long i, forks_arm, max_arm, forks_idle, max_idle;
	struct dtproc_status st;
	struct dtproc_handle *h;
	pid_t *pids, victim, forker;
	struct dtproc *dp;
	uint32_t id;

	pids = calloc(nmap + 1, sizeof(*pids));
	if (f == MAP_FAILED || !addr || !pids)
		return die("setup");
	/* forked from this dynamically linked program: each maps libc */
	if (sleepers(pids, nmap + 1))
		return die("fork");
	victim = pids[nmap];
	dp = dtproc_open();
	if (!dp)
		return die("open");
	h = dtproc_grab(dp, victim, 0);
	if (!h || dtproc_continue(h) < 0)
		return die("grab");
	/* warm: the first registration of the file */
	if (dtproc_bp_add(h, addr, DTPROC_BP_COUNT, 0, &id) < 0 ||
	    dtproc_bp_del(h, id) < 0)
		return die("dtproc_bp_add");
	forker = fork();
	if (!forker)
		fork_loop(f);

	forks_reset(f);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		long long t = now_ns();

		if (dtproc_bp_add(h, addr, DTPROC_BP_COUNT, 0, &id) < 0)
			return die("dtproc_bp_add");
		arm += now_ns() - t;
		t = now_ns();
		if (dtproc_bp_del(h, id) < 0)
			return die("dtproc_bp_del");
		disarm += now_ns() - t;
	}
	t_arm = now_ns() - t0;
	forks_arm = f->n;
	max_arm = f->max_ns;

	/* as long again, the consumer busy with calls that register nothing */
	forks_reset(f);
	t0 = now_ns();
	while (now_ns() - t0 < t_arm)
		if (dtproc_status(h, &st, 0) < 0)
			return die("dtproc_status");
	t_idle = now_ns() - t0;
	forks_idle = f->n;
	max_idle = f->max_ns;
	f->stop = 1;
	waitpid(forker, NULL, 0);

	printf("register_mappers %ld\n", nmap);
	printf("register_add_ns %lld\nregister_del_ns %lld\n", arm / n,
	       disarm / n);
	printf("register_fork_ns %lld\nregister_fork_max_ns %ld\n",
	       forks_arm ? t_arm / forks_arm : -1, max_arm);
	printf("idle_fork_ns %lld\nidle_fork_max_ns %ld\n",
	       forks_idle ? t_idle / forks_idle : -1, max_idle);
	dtproc_close(dp);
	sleepers_kill(pids, nmap + 1);
	free(pids);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "create"))
		return create(atol(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "roundtrip"))
		return roundtrip(atol(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "breakpoint"))
		return breakpoint(atol(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "pingpong"))
		return pingpong(atol(argv[2]), argc > 3 && !strcmp(argv[3], "same"));
	if (argc >= 4 && !strcmp(argv[1], "scale"))
		return scale(atol(argv[2]), atol(argv[3]));
	if (argc >= 4 && !strcmp(argv[1], "register"))
		return reg(atol(argv[2]), atol(argv[3]));
	fprintf(stderr, "usage: control_bench create N | roundtrip N | breakpoint N | pingpong N [same] | scale RDONLY CONTROL | register MAPPERS N\n");
	return 2;
}
