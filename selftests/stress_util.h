/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the stress runs (selftests/stress_*.c), run by `make check` in
 * the debug guest (KASAN, lockdep, kmemleak) with no arguments.
 *
 * Each stress binary takes, besides the harness's -l and -t NAME:
 *   -n COUNT    the run's main count (forks, rounds, load cycles...)
 *   -s SECONDS  the run's time bound, where it has one
 *   -S SEED     the seed of its random choices (printed at the start)
 * Each test prints what it ran (counts and seconds) as TAP diagnostics.
 * The harness's main() is renamed and wrapped to take these options.
 */
#ifndef DTPROC_SELFTEST_STRESS_UTIL_H
#define DTPROC_SELFTEST_STRESS_UTIL_H

#define main dt_harness_main
#include "harness.h"
#undef main

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>

#include <dtproc.h>

static long st_opt_n = -1;
static long st_opt_s = -1;
static unsigned long long st_seed;
static const char *st_prog = "stress";

/* The main count of a run: -n, or @def. */
static inline long st_count(long def)
{
	return st_opt_n > 0 ? st_opt_n : def;
}

/* The time bound of a run in seconds: -s, or @def. */
static inline long st_secs(long def)
{
	return st_opt_s > 0 ? st_opt_s : def;
}

/* xorshift64*: reproducible choices from -S SEED. */
static unsigned long long st_rng_state;

static inline void st_srand(unsigned long long salt)
{
	st_rng_state = (st_seed ^ (salt * 0x9e3779b97f4a7c15ULL)) | 1;
}

static inline uint32_t st_rand(void)
{
	st_rng_state ^= st_rng_state >> 12;
	st_rng_state ^= st_rng_state << 25;
	st_rng_state ^= st_rng_state >> 27;
	return (st_rng_state * 0x2545f4914f6cdd1dULL) >> 32;
}

/* Uniform in [0, @n). */
static inline uint32_t st_below(uint32_t n)
{
	return n ? st_rand() % n : 0;
}

/* At a test's start: the seed and options to replay it with. */
static inline void st_begin(const char *test)
{
	printf("# %s: seed %llu (replay: %s -t %s -S %llu", test, st_seed,
	       st_prog, test, st_seed);
	if (st_opt_n > 0)
		printf(" -n %ld", st_opt_n);
	if (st_opt_s > 0)
		printf(" -s %ld", st_opt_s);
	printf(")\n");
	fflush(stdout);
}

static inline double st_elapsed(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) +
	       (now.tv_nsec - start->tv_nsec) / 1e9;
}

/* The module is loaded and answers on /dev/dtproc. */
static inline bool st_module_loaded(void)
{
	return access("/dev/dtproc", F_OK) == 0;
}

static inline int st_load(int kofd)
{
	return syscall(SYS_finit_module, kofd, "", 0);
}

static inline int st_unload(void)
{
	return syscall(SYS_delete_module, "dtproc", O_NONBLOCK);
}

/*
 * Open DTPROC_KO (set by tools/vm/init) for reloading; SKIP outside a
 * guest.
 */
static inline int st_open_ko(void)
{
	const char *ko = getenv("DTPROC_KO");
	int fd;

	if (!ko)
		SKIP("DTPROC_KO is not set (run inside tools/vm/run)");
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		DT_FAIL(1, "open %s: %s", ko, strerror(errno));
	return fd;
}

/*
 * A subscriber's view of its feed's sequence numbers: every number is an
 * event delivered or one reported lost in-band, nothing else.
 */
struct st_seq {
	uint64_t	next;		/* the number expected next; 0: none yet */
	uint64_t	events;
	uint64_t	drops;		/* drop reports */
	uint64_t	dropped;	/* events they cover */
	uint64_t	bad_seq;	/* the first unexplained number, if any */
	uint64_t	bad_want;
};

/* Account @ev; false at the first gap or repeat. */
static inline bool st_seq_account(struct st_seq *sq, const struct dtproc_event *ev)
{
	if (sq->next && ev->seq != sq->next) {
		if (!sq->bad_seq) {
			sq->bad_seq = ev->seq;
			sq->bad_want = sq->next;
		}
		return false;
	}
	if (ev->kind == DTPROC_EVENT_DROP) {
		sq->drops++;
		sq->dropped += ev->dropped;
		sq->next = ev->seq + ev->dropped;
	} else {
		sq->events++;
		sq->next = ev->seq + 1;
	}
	return true;
}

static inline void st_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-l] [-t TEST]... [-n COUNT] [-s SECONDS] [-S SEED]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	char **hargv = calloc(argc + 1, sizeof(*hargv));
	bool seeded = false;
	int i, hargc = 0;
	char *end;

	if (!hargv)
		return KSFT_FAIL;
	hargv[hargc++] = argv[0];
	for (i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "-n") || !strcmp(o, "-s") || !strcmp(o, "-S")) {
			unsigned long long v;

			if (i + 1 >= argc)
				st_usage(argv[0]);
			errno = 0;
			v = strtoull(argv[++i], &end, 0);
			if (errno || *end || end == argv[i])
				st_usage(argv[0]);
			if (o[1] == 'n')
				st_opt_n = v;
			else if (o[1] == 's')
				st_opt_s = v;
			else
				st_seed = v, seeded = true;
			continue;
		}
		hargv[hargc++] = argv[i];
	}
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		st_seed = (unsigned long long)ts.tv_nsec ^
			  ((unsigned long long)ts.tv_sec << 20) ^ getpid();
	}
	st_prog = argv[0];
	return dt_harness_main(hargc, hargv);
}

#endif /* DTPROC_SELFTEST_STRESS_UTIL_H */
