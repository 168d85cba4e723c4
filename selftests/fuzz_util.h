/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What fuzz_ioctl.c and fuzz_genl.c share: options, a seeded PRNG, TAP
 * output, child processes, the invariants both check (a held victim, a
 * clean feed subscriber, slab usage, the module's unload) and a watchdog.
 *
 * Reproducibility: every thread draws from its own stream, derived from the
 * seed and the thread's fixed stream number, so `-s SEED` replays every
 * thread's sequence of calls.  The interleaving of the threads, and the pid
 * numbers the kernel hands out, are the scheduler's.
 *
 * These programs print TAP 13 themselves (the harness's main() has no
 * options and runs each test in a child; a fuzzer's steps share state).
 */
#ifndef DTPROC_SELFTEST_FUZZ_UTIL_H
#define DTPROC_SELFTEST_FUZZ_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dtproc.h>

/* --- options and TAP --- */

struct fz_opts {
	const char	*prog;		/* fuzz_ioctl, fuzz_genl */
	uint64_t	seed;
	long		count;		/* calls or messages of the main round */
	long		def_count;
	bool		verbose;
};

static struct fz_opts fz;
static int fz_ntap, fz_nfail;

static inline uint64_t fz_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline double fz_secs(uint64_t from_ns)
{
	return (fz_now_ns() - from_ns) / 1e9;
}

static inline void fz_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline void fz_replay_line(void)
{
	printf("# seed %" PRIu64 "\n", fz.seed);
	if (fz.count != fz.def_count)
		printf("# replay: tools/vm/run -k debug -- %s -s %" PRIu64 " -n %ld\n",
		       fz.prog, fz.seed, fz.count);
	else
		printf("# replay: tools/vm/run -k debug -- %s -s %" PRIu64 "\n",
		       fz.prog, fz.seed);
	fflush(stdout);
}

static inline void __attribute__((format(printf, 1, 2))) fz_log(const char *fmt, ...)
{
	va_list ap;

	flockfile(stdout);
	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	funlockfile(stdout);
	fflush(stdout);
}

/* One TAP result; a failure also prints how to replay the run. */
static inline bool __attribute__((format(printf, 2, 3)))
fz_tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	flockfile(stdout);
	printf("%sok %d ", ok ? "" : "not ", ++fz_ntap);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	funlockfile(stdout);
	if (!ok) {
		fz_nfail++;
		fz_replay_line();
	}
	fflush(stdout);
	return ok;
}

static inline void fz_usage(void)
{
	fprintf(stderr, "usage: %s [-s SEED] [-n COUNT] [-v]\n"
		"  -s SEED   replay a run (default: from the clock, printed first)\n"
		"  -n COUNT  calls of the main round (default %ld)\n",
		fz.prog, fz.def_count);
	exit(2);
}

static inline void fz_parse(int argc, char **argv, const char *prog,
			    long def_count)
{
	int c;

	fz.prog = prog;
	fz.def_count = fz.count = def_count;
	fz.seed = fz_now_ns() ^ ((uint64_t)getpid() << 32);
	while ((c = getopt(argc, argv, "s:n:vh")) != -1) {
		switch (c) {
		case 's':
			fz.seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			fz.count = strtol(optarg, NULL, 0);
			if (fz.count < 1)
				fz_usage();
			break;
		case 'v':
			fz.verbose = true;
			break;
		default:
			fz_usage();
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n# seed %" PRIu64 "\n", fz.seed);
	fflush(stdout);
}

/* --- PRNG: splitmix64 seeds a xorshift64* stream per thread --- */

struct fz_rng {
	uint64_t s;
};

static inline uint64_t fz_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void fz_rng_init(struct fz_rng *r, uint64_t stream)
{
	uint64_t x = fz.seed ^ (stream * 0xd1b54a32d192ed03ULL);

	r->s = fz_splitmix(&x) | 1;
}

static inline uint64_t fz_next(struct fz_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n), n > 0. */
static inline uint32_t fz_below(struct fz_rng *r, uint32_t n)
{
	return (uint32_t)(((fz_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* True with probability pct/100. */
static inline bool fz_pct(struct fz_rng *r, uint32_t pct)
{
	return fz_below(r, 100) < pct;
}

static inline void fz_fill(struct fz_rng *r, void *buf, size_t len)
{
	unsigned char *p = buf;
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			v = fz_next(r);
		p[i] = v;
		v >>= 8;
	}
}

/* --- children --- */

/* Children a failed run must not leave behind (at most this many). */
#define FZ_MAX_KIDS	256
static _Atomic pid_t fz_kids[FZ_MAX_KIDS];

static inline void fz_kid_add(pid_t pid)
{
	int i;

	for (i = 0; i < FZ_MAX_KIDS; i++) {
		pid_t z = 0;

		if (atomic_compare_exchange_strong(&fz_kids[i], &z, pid))
			return;
	}
}

static inline void fz_kid_del(pid_t pid)
{
	int i;

	for (i = 0; i < FZ_MAX_KIDS; i++) {
		pid_t p = pid;

		if (atomic_compare_exchange_strong(&fz_kids[i], &p, 0))
			return;
	}
}

/* SIGKILL (and SIGCONT, for a job-control stop) every child still known. */
static inline void fz_kill_kids(void)
{
	int i;

	for (i = 0; i < FZ_MAX_KIDS; i++) {
		pid_t p = atomic_load(&fz_kids[i]);

		if (p > 0) {
			kill(p, SIGKILL);
			kill(p, SIGCONT);
		}
	}
}

/* Reap every child known, after fz_kill_kids(). */
static inline void fz_reap_kids(void)
{
	int i;

	for (i = 0; i < FZ_MAX_KIDS; i++) {
		pid_t p = atomic_exchange(&fz_kids[i], 0);

		if (p > 0)
			while (waitpid(p, NULL, __WALL) < 0 && errno == EINTR)
				;
	}
}

/* Body of a forked child that sleeps until killed (raw syscalls only). */
static inline void __attribute__((noreturn)) fz_child_sleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	for (;;)
		syscall(SYS_nanosleep, &ts, NULL);
}

/* A child that sleeps until killed; dies with its parent. */
static inline pid_t fz_spawn_sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fz_child_sleep(50);
	}
	if (pid > 0)
		fz_kid_add(pid);
	return pid;
}

/* --- the control device --- */

static inline int fz_open_dev(int flags)
{
	return open("/dev/dtproc", O_RDWR | O_CLOEXEC | flags);
}

/* DTPROC_IOC_VERSION on @fd: 0 if it answers our ABI version, else -errno. */
static inline int fz_dev_version(int fd, char *buf, size_t len)
{
	struct dtproc_version v = { .size = sizeof(v) };

	if (ioctl(fd, DTPROC_IOC_VERSION, &v))
		return -errno;
	if (v.abi_version != DTPROC_ABI_VERSION || !v.module_version[0] ||
	    !memchr(v.module_version, 0, sizeof(v.module_version)))
		return -EPROTO;
	if (buf)
		snprintf(buf, len, "%s", v.module_version);
	return 0;
}

/* The same on a fresh descriptor. */
static inline int fz_dev_version_fresh(void)
{
	int fd = fz_open_dev(0), ret;

	if (fd < 0)
		return -errno;
	ret = fz_dev_version(fd, NULL, 0);
	close(fd);
	return ret;
}

/* GET_VERSION over netlink (libdtproc): 0 if it answers our ABI version. */
static inline int fz_feed_version(void)
{
	struct dtproc_feed *f = dtproc_feed_open();
	uint32_t abi = 0;
	int ret;

	if (!f)
		return -ENOENT;
	ret = dtproc_feed_module_version(f, &abi, NULL, 0);
	dtproc_feed_close(f);
	if (ret < 0)
		return ret;
	return abi == DTPROC_ABI_VERSION ? 0 : -EPROTO;
}

static inline int fz_status(int fd, pid_t pid, struct dtproc_status *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->pid = pid;
	return ioctl(fd, DTPROC_IOC_STATUS, st) ? -errno : 0;
}

/* --- the held victim: grabbed before the fuzz, must stay stopped --- */

struct fz_held {
	int	fd;		/* its consumer, not one the fuzz touches */
	pid_t	pid;
};

/* Count @pid's threads and how many of them show state 'I' (parked). */
static inline int fz_parked_threads(pid_t pid, int *nparked)
{
	char path[300], buf[512], *p;
	struct dirent *d;
	int n = 0, fd;
	ssize_t len;
	DIR *dir;

	*nparked = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid,
			 d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		p = strrchr(buf, ')');
		if (!p || !p[1] || !p[2])
			continue;
		n++;
		if (p[2] == 'I')
			(*nparked)++;
	}
	closedir(dir);
	return n;
}

/*
 * Is the held victim stopped by its grab, every thread parked?  Fills @why
 * with what is wrong, for the TAP line.
 */
static inline bool fz_held_ok(const struct fz_held *h, char *why, size_t len)
{
	struct dtproc_status st;
	int ret, n, nparked;

	ret = fz_status(h->fd, h->pid, &st);
	if (ret) {
		snprintf(why, len, "STATUS failed: %s", strerror(-ret));
		return false;
	}
	n = fz_parked_threads(h->pid, &nparked);
	snprintf(why, len, "state %u why %u nthreads %u nstopped %u; /proc: %d threads, %d parked",
		 st.state, st.why, st.nthreads, st.nstopped, n, nparked);
	return st.state == DTPROC_STATE_STOPPED && st.why == DTPROC_STOP_GRAB &&
	       st.nthreads >= 1 && st.nstopped == st.nthreads &&
	       n == (int)st.nthreads && nparked == n &&
	       !(st.flags & (DTPROC_STATUS_RDONLY | DTPROC_STATUS_CREATED));
}

static inline bool fz_held_grab(struct fz_held *h)
{
	struct dtproc_grab g = { .size = sizeof(g) };
	char why[256];

	h->fd = fz_open_dev(0);
	h->pid = fz_spawn_sleeper();
	if (h->fd < 0 || h->pid < 0)
		return fz_tap(false, "held victim: open or fork failed: %s",
			      strerror(errno));
	g.pid = h->pid;
#ifdef DTPROC_GRAB_MEMFD
	{
		/* control needs the proof ptrace would: an open /proc/PID/mem */
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/mem", h->pid);
		g.flags |= DTPROC_GRAB_MEMFD;
		g.memfd = open(path, O_RDONLY | O_CLOEXEC);
	}
#endif
	if (ioctl(h->fd, DTPROC_IOC_GRAB, &g))
		return fz_tap(false, "held victim %d: GRAB failed: %s", h->pid,
			      strerror(errno));
	return fz_tap(fz_held_ok(h, why, sizeof(why)),
		      "held victim %d grabbed before the fuzz # %s", h->pid, why);
}

/* Let go of the held victim and kill it. */
static inline void fz_held_drop(struct fz_held *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	if (h->pid > 0) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
		fz_kid_del(h->pid);
	}
	h->pid = 0;
}

/* --- a clean subscriber, checking the feed's seq --- */

struct fz_sub {
	pthread_t		thread;
	struct dtproc_feed	*feed;
	atomic_bool		stop;
	_Atomic pid_t		marker;		/* exit event awaited */
	atomic_bool		marker_seen;
	atomic_long		events, drops, dropped, gaps;
	uint64_t		next_seq;	/* the seq the next record must have */
	char			first_gap[160];
	int			err;
};

static inline void fz_sub_record(struct fz_sub *s, const struct dtproc_event *ev)
{
	if (ev->seq != s->next_seq) {
		if (!atomic_fetch_add(&s->gaps, 1))
			snprintf(s->first_gap, sizeof(s->first_gap),
				 "expected seq %" PRIu64 ", got %" PRIu64 " (%s)",
				 s->next_seq, ev->seq,
				 ev->kind == DTPROC_EVENT_DROP ? "drop report" :
				 dtproc_probe_name(ev->probe));
	}
	if (ev->kind == DTPROC_EVENT_DROP) {
		atomic_fetch_add(&s->drops, 1);
		atomic_fetch_add(&s->dropped, ev->dropped);
		s->next_seq = ev->seq + ev->dropped;
		return;
	}
	atomic_fetch_add(&s->events, 1);
	s->next_seq = ev->seq + 1;
	if (ev->probe == DTPROC_PROBE_EXIT && ev->pid == atomic_load(&s->marker) &&
	    ev->pid > 0)
		atomic_store(&s->marker_seen, true);
}

static inline void *fz_sub_main(void *arg)
{
	struct fz_sub *s = arg;
	struct dtproc_event ev = DTPROC_EVENT_INIT;
	int ret;

	while (!atomic_load(&s->stop)) {
		ret = dtproc_feed_wait(s->feed, 100);
		if (ret < 0) {
			s->err = ret;
			break;
		}
		while ((ret = dtproc_feed_next(s->feed, &ev)) == 1)
			fz_sub_record(s, &ev);
		if (ret < 0) {
			s->err = ret;
			break;
		}
	}
	return NULL;
}

static inline bool fz_sub_start(struct fz_sub *s, uint32_t mask)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->next_seq = 1;	/* documented: each subscriber's seq starts at 1 */
	s->feed = dtproc_feed_open();
	if (!s->feed)
		return fz_tap(false, "clean subscriber: %s", dtproc_errmsg());
	ret = dtproc_feed_subscribe(s->feed, mask, 0, 0);
	if (ret < 0)
		return fz_tap(false, "clean subscriber: subscribe: %s",
			      dtproc_errmsg());
	return fz_tap(!pthread_create(&s->thread, NULL, fz_sub_main, s),
		      "clean subscriber of probes 0x%x", mask);
}

/*
 * The feed still delivers: a child exits with status 77 and its exit
 * event must arrive.  Then the subscriber stops and its seq is judged.
 */
static inline void fz_sub_finish(struct fz_sub *s)
{
	uint64_t t0 = fz_now_ns();
	int go[2] = { -1, -1 };
	pid_t pid;
	char c;

	/* the marker exits only once the reader knows its pid */
	if (pipe2(go, O_CLOEXEC))
		fz_log("pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		_exit(read(go[0], &c, 1) == 1 ? 77 : 78);
	}
	atomic_store(&s->marker, pid);
	if (write(go[1], "x", 1) != 1)
		fz_log("marker pipe: %s", strerror(errno));
	close(go[0]);
	close(go[1]);
	waitpid(pid, NULL, 0);
	while (!atomic_load(&s->marker_seen) && fz_secs(t0) < 60 && !s->err)
		fz_sleep_ms(20);
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	fz_tap(atomic_load(&s->marker_seen) && !s->err,
	       "feed still delivers: exit of marker %d seen in %.1f s%s%s", pid,
	       fz_secs(t0), s->err ? "; reader error: " : "",
	       s->err ? strerror(-s->err) : "");
	fz_tap(!atomic_load(&s->gaps),
	       "feed seq has no gap: %ld events, %ld drop reports (%ld lost), %ld gaps%s%s",
	       atomic_load(&s->events), atomic_load(&s->drops),
	       atomic_load(&s->dropped), atomic_load(&s->gaps),
	       atomic_load(&s->gaps) ? "; first: " : "", s->first_gap);
	dtproc_feed_close(s->feed);
	s->feed = NULL;
}

/* --- slab usage --- */

/*
 * Bytes in use by slab objects: the sum over /proc/slabinfo of active
 * objects times object size (/proc/meminfo's Slab if slabinfo is missing).
 * With @top, the FZ_SLAB_TOP caches that grew most since @base (a
 * snapshot kept by a previous call with @base NULL) are described.
 */
#define FZ_SLAB_MAX	512
#define FZ_SLAB_TOP	6

struct fz_slab {
	int		n;
	char		name[FZ_SLAB_MAX][64];
	long long	bytes[FZ_SLAB_MAX];
	long long	total;
};

static inline long long fz_meminfo(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			v = strtoll(line + klen + 1, NULL, 10) * 1024;
			break;
		}
	fclose(f);
	return v;
}

static inline void fz_slab_read(struct fz_slab *s)
{
	char line[512], name[64];
	long long active, num, objsize;
	FILE *f = fopen("/proc/slabinfo", "re");

	s->n = 0;
	s->total = 0;
	if (!f) {
		s->total = fz_meminfo("Slab");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %lld %lld %lld", name, &active, &num,
			   &objsize) != 4)
			continue;
		if (s->n < FZ_SLAB_MAX) {
			snprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
			s->bytes[s->n++] = active * objsize;
		}
		s->total += active * objsize;
	}
	fclose(f);
}

/* The caches of @now that grew most since @then, as text. */
static inline void fz_slab_diff(const struct fz_slab *then,
				const struct fz_slab *now, char *buf, size_t len)
{
	bool used[FZ_SLAB_MAX] = { false };
	size_t off = 0;
	int k, i, j;

	buf[0] = '\0';
	for (k = 0; k < FZ_SLAB_TOP; k++) {
		long long best = 0, d;
		int bi = -1;

		for (i = 0; i < now->n; i++) {
			long long was = 0;

			if (used[i])
				continue;
			for (j = 0; j < then->n; j++)
				if (!strcmp(then->name[j], now->name[i])) {
					was = then->bytes[j];
					break;
				}
			d = now->bytes[i] - was;
			if (d > best) {
				best = d;
				bi = i;
			}
		}
		if (bi < 0)
			break;
		used[bi] = true;
		off += snprintf(buf + off, len > off ? len - off : 0,
				"%s%s +%lld KiB", k ? ", " : "", now->name[bi],
				best / 1024);
	}
}

/*
 * Bring slab usage to a steady state before measuring: reclaimable caches
 * dropped, RCU callbacks run, and KASAN's quarantine (freed objects it
 * holds back, up to 1/32 of memory) pushed through by freeing 64 MiB of
 * socket buffers, so that what remains is what is really held.
 */
static inline void fz_settle(void)
{
	static char msg[4000];
	int sv[2], i, fd;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "2", 1) < 0)
			fz_log("drop_caches: %s", strerror(errno));
		close(fd);
	}
	if (!socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv)) {
		for (i = 0; i < 16384; i++) {
			if (send(sv[0], msg, sizeof(msg), 0) < 0 ||
			    recv(sv[1], msg, sizeof(msg), 0) < 0)
				break;
		}
		close(sv[0]);
		close(sv[1]);
	}
	for (i = 0; i < 3; i++) {
		syscall(SYS_membarrier, 1 /* MEMBARRIER_CMD_GLOBAL */, 0, 0);
		fz_sleep_ms(300);
	}
}

/*
 * The fuzz must not leave slab memory behind.  @warm: usage grown over the
 * warm-up round (a tenth of the calls), which absorbs one-time allocations
 * (caches first used, per-CPU slabs, hooks placed, pid and /proc
 * structures); @main: grown over the main round, ten times as long.  What
 * is measured is steady (fz_settle()): main rounds grew 100-300 KiB in
 * 6.1 and 6.12 guests.  The limit is FZ_SLAB_FLOOR, about ten times that
 * noise, plus the warm-up's growth: a leak of L bytes a call shows up about
 * ten times over in @main and once in @warm, so it fails the check once
 * 9 * L * calls / 10 passes the floor (L of 2-3 bytes at the default
 * counts: a 64-byte object every twenty calls).  A mutant module leaking
 * 64 bytes at every EINVAL of the size check grew the main round by 3.2 MiB
 * over 300,000 calls, kmalloc-64 named first.  kmemleak (the debug
 * guest) is the check for rare leaks.
 */
#define FZ_SLAB_FLOOR	(2LL << 20)

static inline void fz_slab_check(const struct fz_slab *s0, const struct fz_slab *s1,
				 const struct fz_slab *s2, const char *unit)
{
	long long warm = s1->total - s0->total, main = s2->total - s1->total;
	long long limit = FZ_SLAB_FLOOR + (warm > 0 ? warm : 0);
	char top[512];

	fz_slab_diff(s1, s2, top, sizeof(top));
	fz_tap(main <= limit,
	       "slab: no growth across the run: warm-up %+lld KiB, main round %+lld KiB %s (limit %lld KiB; total %lld KiB)%s%s",
	       warm / 1024, main / 1024, unit, limit / 1024, s2->total / 1024,
	       top[0] ? "; grew most: " : "", top);
}

/* --- unload --- */

/* rmmod dtproc (retried while something still lets go), insmod it back. */
static inline void fz_reload_module(int (*version_check)(void))
{
	const char *ko = getenv("DTPROC_KO");
	char cmd[512];
	int i, rc = -1, ret;

	if (!ko) {
		printf("ok %d module unloads and loads again # SKIP DTPROC_KO not set\n",
		       ++fz_ntap);
		return;
	}
	for (i = 0; i < 50; i++) {
		rc = system("rmmod dtproc");
		if (rc == 0)
			break;
		fz_sleep_ms(100);
	}
	if (!fz_tap(rc == 0, "rmmod dtproc after the fuzz (%d tries)", i + 1))
		return;
	snprintf(cmd, sizeof(cmd), "insmod '%s'", ko);
	rc = system(cmd);
	ret = rc == 0 ? version_check() : -1;
	fz_tap(rc == 0 && ret == 0, "insmod %s: the module answers its version again%s%s",
	       ko, ret < 0 && rc == 0 ? ": " : "", ret < 0 && rc == 0 ? strerror(-ret) : "");
}

/* --- watchdog: a call that never returns is a finding too --- */

static atomic_ulong fz_progress;
static atomic_bool fz_watch_stop;
static int fz_watch_secs = 180;

static inline void fz_dump_stacks(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "for t in /proc/%d/task/*; do echo \"# task ${t##*/}: $(cat $t/wchan 2>/dev/null)\"; "
		 "sed 's/^/#   /' $t/stack 2>/dev/null; done", getpid());
	fflush(stdout);
	if (system(cmd) < 0)
		fz_log("cannot dump stacks");
}

static inline void *fz_watchdog(void *arg)
{
	unsigned long last = atomic_load(&fz_progress);
	uint64_t since = fz_now_ns();

	while (!atomic_load(&fz_watch_stop)) {
		fz_sleep_ms(500);
		if (atomic_load(&fz_progress) != last) {
			last = atomic_load(&fz_progress);
			since = fz_now_ns();
			continue;
		}
		if (fz_secs(since) < fz_watch_secs)
			continue;
		fz_tap(false, "no call returned for %d s: a hang", fz_watch_secs);
		fz_dump_stacks();
		fz_kill_kids();
		printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n",
		       fz_ntap - fz_nfail, fz_nfail);
		fflush(stdout);
		_exit(1);
	}
	return NULL;
}

static inline int fz_finish(void)
{
	printf("1..%d\n", fz_ntap);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n",
	       fz_ntap - fz_nfail, fz_nfail);
	if (fz_nfail)
		fz_replay_line();
	return fz_nfail ? 1 : 0;
}

#endif /* DTPROC_SELFTEST_FUZZ_UTIL_H */
