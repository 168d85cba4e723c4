/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small kselftest-style harness for dtproc's selftests.
 *
 * Each TEST() runs in its own forked child, in its own process group, with
 * a timeout; output is TAP 13.  ASSERT_*() ends the test at the first
 * failure, EXPECT_*() records it and goes on, SKIP() ends the test as
 * skipped (use it when the feature under test is absent, never to hide a
 * failure).  Exit status: 0 all passed, 1 something failed, 4 all skipped.
 *
 *   prog          run every test
 *   prog -l       list the tests
 *   prog -t NAME  run one test (may be repeated)
 */
#ifndef DTPROC_HARNESS_H
#define DTPROC_HARNESS_H

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

#define DT_DEFAULT_TIMEOUT	60
#define DT_MAX_TESTS		256

struct dt_test {
	const char *name;
	void (*fn)(void);
	int timeout;
};

static struct dt_test dt_tests[DT_MAX_TESTS];
static int dt_ntests;
static int dt_failed;	/* in the test's child: EXPECT failures so far */
/* Called at every failed check, before the test ends (e.g. to dump state). */
static void (*dt_fail_hook)(void);

static inline void dt_register(const char *name, void (*fn)(void), int timeout)
{
	if (dt_ntests == DT_MAX_TESTS) {
		fprintf(stderr, "harness: too many tests\n");
		exit(KSFT_FAIL);
	}
	dt_tests[dt_ntests++] = (struct dt_test){ name, fn, timeout };
}

#define TEST_TIMEOUT(name, secs)					\
	static void dt_test_##name(void);				\
	static void __attribute__((constructor)) dt_reg_##name(void)	\
	{								\
		dt_register(#name, dt_test_##name, secs);		\
	}								\
	static void dt_test_##name(void)

#define TEST(name) TEST_TIMEOUT(name, DT_DEFAULT_TIMEOUT)

/* Diagnostics, TAP style. */
#define TH_LOG(fmt, ...) \
	fprintf(stderr, "# %s:%d: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__)

#define SKIP(fmt, ...) do {						\
	printf("# SKIP " fmt "\n", ##__VA_ARGS__);			\
	fflush(stdout);							\
	_exit(KSFT_SKIP);						\
} while (0)

#define DT_FAIL(assert, fmt, ...) do {					\
	TH_LOG(fmt, ##__VA_ARGS__);					\
	if (dt_fail_hook)						\
		dt_fail_hook();						\
	if (assert) {							\
		fflush(NULL);						\
		_exit(KSFT_FAIL);					\
	}								\
	dt_failed++;							\
} while (0)

#define DT_CMP(assert, a, op, b) do {					\
	long long __a = (long long)(a), __b = (long long)(b);		\
	if (!(__a op __b))						\
		DT_FAIL(assert, "expected %s %s %s (%lld %s %lld)",	\
			#a, #op, #b, __a, #op, __b);			\
} while (0)

#define ASSERT_EQ(a, b)	DT_CMP(1, a, ==, b)
#define ASSERT_NE(a, b)	DT_CMP(1, a, !=, b)
#define ASSERT_LT(a, b)	DT_CMP(1, a, <, b)
#define ASSERT_LE(a, b)	DT_CMP(1, a, <=, b)
#define ASSERT_GT(a, b)	DT_CMP(1, a, >, b)
#define ASSERT_GE(a, b)	DT_CMP(1, a, >=, b)
#define EXPECT_EQ(a, b)	DT_CMP(0, a, ==, b)
#define EXPECT_NE(a, b)	DT_CMP(0, a, !=, b)
#define EXPECT_LT(a, b)	DT_CMP(0, a, <, b)
#define EXPECT_LE(a, b)	DT_CMP(0, a, <=, b)
#define EXPECT_GT(a, b)	DT_CMP(0, a, >, b)
#define EXPECT_GE(a, b)	DT_CMP(0, a, >=, b)

#define ASSERT_TRUE(c)	do { if (!(c)) DT_FAIL(1, "expected %s", #c); } while (0)
#define ASSERT_FALSE(c)	do { if (c) DT_FAIL(1, "expected !(%s)", #c); } while (0)
#define EXPECT_TRUE(c)	do { if (!(c)) DT_FAIL(0, "expected %s", #c); } while (0)
#define EXPECT_FALSE(c)	do { if (c) DT_FAIL(0, "expected !(%s)", #c); } while (0)

/* Strings; a NULL on either side is a failure, never a crash. */
#define DT_STREQ(assert, a, b) do {					\
	const char *__a = (a), *__b = (b);				\
	if (!__a || !__b || strcmp(__a, __b))				\
		DT_FAIL(assert, "expected %s == %s (\"%s\" vs \"%s\")", \
			#a, #b, __a ? __a : "(null)",			\
			__b ? __b : "(null)");				\
} while (0)
#define ASSERT_STREQ(a, b)	DT_STREQ(1, a, b)
#define EXPECT_STREQ(a, b)	DT_STREQ(0, a, b)

/* A call that must fail with -1 and errno @err. */
#define DT_ERRNO(assert, call, err) do {				\
	errno = 0;							\
	long __r = (long)(call);					\
	int __e = errno;						\
	if (__r != -1 || __e != (err))					\
		DT_FAIL(assert, "expected %s to fail with %s, got %ld (%s)", \
			#call, #err, __r, __r == -1 ? strerror(__e) : "success"); \
} while (0)
#define ASSERT_ERRNO(call, err)	DT_ERRNO(1, call, err)
#define EXPECT_ERRNO(call, err)	DT_ERRNO(0, call, err)

/* A call that must succeed (not return -1). */
#define ASSERT_OK(call) do {						\
	errno = 0;							\
	if ((long)(call) == -1)						\
		DT_FAIL(1, "%s failed: %s", #call, strerror(errno));	\
} while (0)

static inline int dt_run_one(const struct dt_test *t)
{
	struct timespec start, now;
	pid_t pid, w;
	int status = 0;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("# fork");
		return KSFT_FAIL;
	}
	if (pid == 0) {
		setpgid(0, 0);
		alarm(0);
		t->fn();
		fflush(NULL);
		_exit(dt_failed ? KSFT_FAIL : KSFT_PASS);
	}
	setpgid(pid, pid);

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			perror("# waitpid");
			return KSFT_FAIL;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= t->timeout) {
			printf("# %s: timed out after %d s\n", t->name,
			       t->timeout);
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return KSFT_FAIL;
		}
		usleep(2000);
	}
	/* Leave nothing of the test behind. */
	kill(-pid, SIGKILL);

	if (WIFSIGNALED(status)) {
		printf("# %s: killed by signal %d\n", t->name,
		       WTERMSIG(status));
		return KSFT_FAIL;
	}
	switch (WEXITSTATUS(status)) {
	case KSFT_PASS:
	case KSFT_SKIP:
		return WEXITSTATUS(status);
	default:
		return KSFT_FAIL;
	}
}

static inline int dt_selected(const char *name, int argc, char **argv)
{
	int i, any = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-t") && i + 1 < argc) {
			any = 1;
			if (!strcmp(argv[i + 1], name))
				return 1;
		}
	}
	return !any;
}

int main(int argc, char **argv)
{
	int i, n = 0, pass = 0, fail = 0, skip = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-l")) {
			for (n = 0; n < dt_ntests; n++)
				printf("%s\n", dt_tests[n].name);
			return 0;
		}
		if (!strcmp(argv[i], "-t") && i + 1 < argc) {
			i++;
			continue;
		}
		fprintf(stderr, "usage: %s [-l] [-t TEST]...\n", argv[0]);
		return 2;
	}

	for (i = 0; i < dt_ntests; i++)
		n += dt_selected(dt_tests[i].name, argc, argv);

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%d\n", n);
	n = 0;
	for (i = 0; i < dt_ntests; i++) {
		const struct dt_test *t = &dt_tests[i];

		if (!dt_selected(t->name, argc, argv))
			continue;
		n++;
		printf("# RUN %s\n", t->name);
		switch (dt_run_one(t)) {
		case KSFT_PASS:
			pass++;
			printf("ok %d %s\n", n, t->name);
			break;
		case KSFT_SKIP:
			skip++;
			printf("ok %d %s # SKIP\n", n, t->name);
			break;
		default:
			fail++;
			printf("not ok %d %s\n", n, t->name);
			break;
		}
	}
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       pass, fail, skip);
	if (fail)
		return KSFT_FAIL;
	return pass ? KSFT_PASS : KSFT_SKIP;
}

#endif /* DTPROC_HARNESS_H */
