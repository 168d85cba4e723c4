// SPDX-License-Identifier: GPL-2.0
/*
 * The dtproc CLI's -c, "dtproc count" and "dtproc break", run as a user
 * would in a guest with dtproc.ko loaded, against bp_victim and libbpdl.so
 * (selftests/victims/, built next to this test and on PATH):
 *   -c: words exec'd directly (no shell), a program not found an error;
 *   count: exact counts from threads, the table's format and order, JSON
 *     lines, evaltime (hits before it not counted), fork children never
 *     counted, vfork children counted with their pid, dlopen/dlclose 100
 *     times and from 4 threads, a probe matching nothing;
 *   break: the line it prints, the process left stopped until SIGCONT.
 * Tests of breakpoints skip when the module has none (ABI 1: ENOTTY).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include <linux/dtproc.h>

#define CLI_OUT	"/tmp/cli_bp_test.out"
#define CLI_ERR	"/tmp/cli_bp_test.err"

#include "cli_util.h"

/* Does the module have breakpoints?  (ABI 1 answers ENOTTY.) */
static void need_breakpoints(void)
{
	struct dtproc_bp bp = { .size = sizeof(bp), .pid = 0 };
	int fd = open("/dev/dtproc", O_RDWR | O_CLOEXEC);
	int ret, err;

	ASSERT_GE(fd, 0);
	ret = ioctl(fd, DTPROC_IOC_BP_ADD, &bp);
	err = errno;
	close(fd);
	ASSERT_NE(ret, 0);
	if (err == ENOTTY)
		SKIP("dtproc.ko has no breakpoints (DTPROC_IOC_BP_ADD: ENOTTY)");
}

/* The count of row @name in a count table, or -1 if it has no row. */
static long long row(const char *out, const char *name)
{
	char want[128];
	const char *p;

	snprintf(want, sizeof(want), "\n  %-50s ", name);
	p = strstr(out, want);
	if (!p)
		return -1;
	return strtoll(p + strlen(want), NULL, 10);
}

/* The row line of @name exactly as DTrace prints a count(). */
static bool row_exact(const char *out, const char *name, unsigned long long n)
{
	char want[160];

	snprintf(want, sizeof(want), "\n  %-50s %16llu\n", name, n);
	return strstr(out, want) != NULL;
}

TEST(c_execs_words_without_a_shell)
{
	struct cli_run r;

	/*
	 * A shell would expand $HOME and *, and run "b" after ';'; dtrace -c
	 * does none of it: only quotes and backslashes are taken away.
	 */
	r = cli_dtproc(NULL, "trace -n exec-failure -c \"bp_victim echo \\$HOME 'a  b' x\\\\ y a;b *\"");
	EXPECT_EQ(r.status, 0);
	/* after trace's header line: what bp_victim echoed */
	EXPECT_TRUE(strstr(r.out, "ARGS\n$HOME\na  b\nx y\na;b\n*\n") != NULL);
	EXPECT_STREQ(r.err, "");
	cli_run_free(&r);
}

TEST(c_not_found_is_an_error)
{
	struct cli_run r;

	r = cli_dtproc(NULL, "trace -n exit -c 'no-such-program-dtproc arg'");
	EXPECT_EQ(r.status, 1);
	EXPECT_TRUE(strstr(r.err, "dtproc trace: failed to execute no-such-program-dtproc") == r.err);
	EXPECT_TRUE(strstr(r.err, "not a shell") != NULL);
	EXPECT_STREQ(r.out, "");
	cli_run_free(&r);
}

TEST(c_status_is_the_commands)
{
	struct cli_run r;

	r = cli_dtproc(NULL, "trace -n exec-failure -c \"sh -c 'exit 7'\"");
	EXPECT_EQ(r.status, 7);
	cli_run_free(&r);
}

/* 8 threads x 10,000 calls, counted exactly; the table's order and format */
TEST_TIMEOUT(count_threads_exact, 600)
{
	struct cli_run r;
	const char *work, *other;

	need_breakpoints();
	r = cli_dtproc(NULL, "count -c 'bp_victim calls 8 10000' 'a.out`bp_work' 'a.out`bp_other'");
	EXPECT_EQ(r.status, 0);
	EXPECT_STREQ(r.err, "");
	EXPECT_TRUE(strstr(r.out, "done 80000\n") != NULL);
	EXPECT_TRUE(row_exact(r.out, "a.out`bp_other", 1));
	EXPECT_TRUE(row_exact(r.out, "a.out`bp_work", 80000));
	/* ascending by count */
	other = strstr(r.out, "a.out`bp_other");
	work = strstr(r.out, "a.out`bp_work");
	EXPECT_TRUE(other && work && other < work);
	cli_run_free(&r);
}

TEST_TIMEOUT(count_glob_and_exit_status, 300)
{
	struct cli_run r;

	need_breakpoints();
	/* a glob: bp_work and bp_other (bp_early never hit: no row) */
	r = cli_dtproc(NULL, "count -c 'bp_victim calls 2 10' 'a.out`bp_*'");
	EXPECT_EQ(r.status, 0);
	EXPECT_EQ(row(r.out, "a.out`bp_work"), 20);
	EXPECT_EQ(row(r.out, "a.out`bp_other"), 1);
	EXPECT_EQ(row(r.out, "a.out`bp_early"), -1);
	cli_run_free(&r);
	/* CMD's status */
	r = cli_dtproc(NULL, "count -c 'bp_victim nosuchmode' 'a.out`bp_work'");
	EXPECT_EQ(r.status, 2);
	cli_run_free(&r);
}

TEST_TIMEOUT(count_json_lines, 300)
{
	char *line, *save = NULL, fmt[160];
	int n = 0, pid = 0, tids[2] = { 0, 0 };
	struct cli_run r;

	need_breakpoints();
	r = cli_dtproc(NULL, "count -j -c 'bp_victim calls 2 50' 'a.out`bp_work'");
	EXPECT_EQ(r.status, 0);
	for (line = strtok_r(r.out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long addr;
		int p, t, len = 0;

		if (line[0] != '{')
			continue;
		n++;
		snprintf(fmt, sizeof(fmt), "%s", "{\"pid\":%d,\"tid\":%d,\"object\":\"a.out\",\"function\":\"bp_work\",\"offset\":0,\"addr\":\"0x%llx\"}%n");
		ASSERT_EQ(sscanf(line, fmt, &p, &t, &addr, &len), 3);
		EXPECT_EQ((size_t)len, strlen(line));
		if (!pid)
			pid = p;
		EXPECT_EQ(p, pid);
		EXPECT_NE(t, pid);	/* the two threads, not main */
		if (!tids[0] || tids[0] == t)
			tids[0] = t;
		else if (!tids[1] || tids[1] == t)
			tids[1] = t;
		else
			DT_FAIL(0, "a third thread %d", t);
	}
	EXPECT_EQ(n, 100);
	EXPECT_TRUE(tids[0] && tids[1]);
	cli_run_free(&r);
}

/* Hits before the evaltime are not counted: 5 in a constructor, 5 in main. */
TEST_TIMEOUT(count_evaltime, 120)
{
	static const struct { const char *when; long long want; } cases[] = {
		{ "", 10 }, { "-x evaltime=exec", 10 },
		{ "-x evaltime=preinit", 10 }, { "-x evaltime=postinit", 10 },
		{ "-x evaltime=main", 5 },
	};
	char args[160];
	struct cli_run r;
	size_t i;

	need_breakpoints();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(args, sizeof(args), "count %s -c 'bp_victim early' 'a.out`bp_early'",
			 cases[i].when);
		r = cli_dtproc("BP_VICTIM_EARLY=5", args);
		EXPECT_EQ(r.status, 0);
		EXPECT_EQ(row(r.out, "a.out`bp_early"), cases[i].want);
		cli_run_free(&r);
	}
	/* a bad evaltime is a usage mistake */
	r = cli_dtproc(NULL, "count -x evaltime=bogus -c 'bp_victim early' bp_early");
	EXPECT_EQ(r.status, 2);
	EXPECT_TRUE(strstr(r.err, "no evaltime 'bogus'") != NULL);
	cli_run_free(&r);
}

TEST_TIMEOUT(count_fork_child_never_counted, 300)
{
	struct cli_run r;

	need_breakpoints();
	/* the child calls it 200 times and must neither count nor trap */
	r = cli_dtproc(NULL, "count -c 'bp_victim fork 100' 'a.out`bp_work'");
	EXPECT_EQ(r.status, 0);
	EXPECT_EQ(row(r.out, "a.out`bp_work"), 100);
	EXPECT_TRUE(strstr(r.err, "fork child") == NULL);
	cli_run_free(&r);
}

TEST_TIMEOUT(count_vfork_child_with_its_pid, 300)
{
	int n = 0, nchild = 0, child = 0, p;
	char *line, *save = NULL, *copy;
	struct cli_run r;

	need_breakpoints();
	r = cli_dtproc(NULL, "count -j -c 'bp_victim vfork 10 3' 'a.out`bp_work'");
	EXPECT_EQ(r.status, 0);
	/* the victim prints "child PID" after the child's hits */
	copy = strdup(r.out);
	ASSERT_TRUE(copy);
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "child %d", &p) == 1)
			child = p;
	free(copy);
	ASSERT_GT(child, 0);
	save = NULL;
	for (line = strtok_r(r.out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "{\"pid\":%d,", &p) == 1) {
			n++;
			nchild += p == child;
		}
	}
	EXPECT_EQ(n, 13);
	EXPECT_EQ(nchild, 3);
	cli_run_free(&r);
}

TEST_TIMEOUT(count_dlopen_100_times, 600)
{
	struct cli_run r;

	need_breakpoints();
	/* a library not loaded at the start: armed when it loads, every time */
	r = cli_dtproc(NULL, "count -c 'bp_victim dlopen 1 100' 'libbpdl.so`bpdl_func'");
	EXPECT_EQ(r.status, 0);
	EXPECT_STREQ(r.err, "");
	EXPECT_TRUE(row_exact(r.out, "libbpdl.so`bpdl_func", 100));
	cli_run_free(&r);
	/* no object: every object, now and loaded later */
	r = cli_dtproc(NULL, "count -c 'bp_victim dlopen 1 100' bpdl_func");
	EXPECT_EQ(r.status, 0);
	EXPECT_TRUE(row_exact(r.out, "libbpdl.so`bpdl_func", 100));
	cli_run_free(&r);
}

TEST_TIMEOUT(count_dlopen_from_4_threads, 600)
{
	struct cli_run r;

	need_breakpoints();
	r = cli_dtproc(NULL, "count -c 'bp_victim dlopen 4 25' 'libbpdl.so`bpdl_func'");
	EXPECT_EQ(r.status, 0);
	EXPECT_TRUE(row_exact(r.out, "libbpdl.so`bpdl_func", 100));
	cli_run_free(&r);
}

TEST_TIMEOUT(count_no_probe_matched, 120)
{
	struct cli_run r;

	need_breakpoints();
	r = cli_dtproc(NULL, "count -c 'bp_victim calls 1 1' 'a.out`no_such_function'");
	EXPECT_EQ(r.status, 1);
	EXPECT_STREQ(r.err, "dtproc count: no probe matched 'a.out`no_such_function': a.out has no function matching 'no_such_function' (list them with nm)\n");
	EXPECT_STREQ(r.out, "");
	cli_run_free(&r);
	r = cli_dtproc(NULL, "count -c 'bp_victim calls 1 1' 'a.out`main+zz'");
	EXPECT_EQ(r.status, 2);
	cli_run_free(&r);
	/* no OBJECT: it may load later; said at the end if it never did */
	r = cli_dtproc(NULL, "count -c 'bp_victim calls 1 1' 'a.out`bp_work' no_such_function");
	EXPECT_EQ(r.status, 1);
	EXPECT_TRUE(strstr(r.err, "dtproc count: no probe matched 'no_such_function'") == r.err);
	EXPECT_TRUE(strstr(r.out, "done 1\n") != NULL);
	EXPECT_TRUE(row_exact(r.out, "a.out`bp_work", 1));
	cli_run_free(&r);
}

/*
 * @pid was left stopped by "dtproc break" (whose output was @out, the
 * victim's stdout too): it stays so, printing nothing, until SIGCONT;
 * then it runs every call, the first one too, and prints "done 5".
 */
static void check_left_stopped(int pid, const char *victim_out)
{
	char *out;
	int i;

	usleep(500000);
	out = cli_slurp(victim_out);
	EXPECT_TRUE(strstr(out, "done") == NULL);	/* still stopped */
	free(out);
	EXPECT_NE(ut_state(pid), 0);
	EXPECT_NE(ut_state(pid), 'Z');
	ASSERT_EQ(kill(pid, SIGCONT), 0);
	for (i = 0; i < 600 && ut_state(pid) && ut_state(pid) != 'Z'; i++)
		usleep(100000);
	out = cli_slurp(victim_out);
	EXPECT_TRUE(strstr(out, "done 5\n") != NULL);
	free(out);
}

/* A created process is left stopped too (a requested stop, not killed). */
TEST_TIMEOUT(break_created_is_left_stopped, 300)
{
	char func[64];
	int pid, tid;
	struct cli_run r;

	need_breakpoints();
	r = cli_dtproc(NULL, "break -c 'bp_victim calls 1 5' 'a.out`bp_work'");
	EXPECT_EQ(r.status, 0);
	EXPECT_STREQ(r.err, "");
	ASSERT_EQ(sscanf(r.out, "pid %d tid %d stopped at a.out`%63s", &pid, &tid,
			 func), 3);
	EXPECT_STREQ(func, "bp_work+0x0");
	EXPECT_NE(tid, pid);		/* the one worker thread hit it */
	ASSERT_GT(pid, 0);
	cli_run_free(&r);
	check_left_stopped(pid, CLI_OUT);
}

#define VOUT	"/tmp/cli_bp_test.victim"

TEST_TIMEOUT(break_pid_is_left_stopped, 300)
{
	char func[64], args[96];
	int pid, p, tid, fd;
	struct cli_run r;

	need_breakpoints();
	/* it sleeps 2 s before its calls: time to attach */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		fd = open(VOUT, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		setenv("BP_VICTIM_SLEEP_MS", "2000", 1);
		execlp("bp_victim", "bp_victim", "calls", "1", "5", (char *)NULL);
		_exit(127);
	}
	snprintf(args, sizeof(args), "break -p %d 'a.out`bp_work'", pid);
	r = cli_dtproc(NULL, args);
	EXPECT_EQ(r.status, 0);
	EXPECT_STREQ(r.err, "");
	ASSERT_EQ(sscanf(r.out, "pid %d tid %d stopped at a.out`%63s", &p, &tid,
			 func), 3);
	EXPECT_EQ(p, pid);
	EXPECT_STREQ(func, "bp_work+0x0");
	cli_run_free(&r);
	check_left_stopped(pid, VOUT);
	waitpid(pid, NULL, 0);
}

TEST_TIMEOUT(break_exited_first, 120)
{
	struct cli_run r;

	need_breakpoints();
	/* bp_early is never called without BP_VICTIM_EARLY */
	r = cli_dtproc(NULL, "break -c 'bp_victim calls 1 1' 'a.out`bp_early'");
	EXPECT_EQ(r.status, 1);
	EXPECT_TRUE(strstr(r.err, "exited before any probe was hit") != NULL);
	cli_run_free(&r);
}
