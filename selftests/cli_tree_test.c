// SPDX-License-Identifier: GPL-2.0
/*
 * The dtproc CLI, run as a user would in a guest with dtproc.ko loaded:
 * "dtproc report tree" of real commands (its text and its SVG), the exit
 * status it passes on, and what its usage mistakes print.  The CLI is
 * found on PATH (the guest's /usr/bin/dtproc).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/stat.h>

#define CLI_OUT	"/tmp/cli_tree_test.out"
#define CLI_ERR	"/tmp/cli_tree_test.err"
#define SVG	"/tmp/cli_tree_test.svg"

#include "cli_util.h"

/* The tree's process lines: those between the header and the summary. */
static int tree_lines(const char *out, char lines[][256], int max)
{
	const char *p = strchr(out, '\n'), *nl;
	int n = 0;

	if (!p || strncmp(out, "    PID  STATUS", 15))
		return -1;
	for (p++; *p && (nl = strchrnul(p, '\n')); p = *nl ? nl + 1 : nl) {
		if (strstr(p, " processes in ") && strstr(p, " processes in ") < nl)
			break;
		if (n < max)
			snprintf(lines[n], 256, "%.*s", (int)(nl - p), p);
		n++;
	}
	return n;
}

static int count(const char *s, const char *what)
{
	int n = 0;

	for (; (s = strstr(s, what)); s += strlen(what))
		n++;
	return n;
}

static const char *find_line(char lines[][256], int n, const char *what)
{
	int i;

	for (i = 0; i < n; i++)
		if (strstr(lines[i], what))
			return lines[i];
	return NULL;
}

TEST(tree_of_a_command_text_and_svg)
{
	char lines[16][256];
	struct cli_run r;
	char *svg;
	const char *root, *sleep;
	int n;

	unlink(SVG);
	r = cli_dtproc(NULL, "report tree -c \"sh -c 'true & sleep 0.2; wait'\" --svg " SVG);
	ASSERT_EQ(r.status, 0);
	EXPECT_STREQ(r.err, "");
	n = tree_lines(r.out, lines, 16);
	/* sh, the subshell running true in the background, sleep */
	ASSERT_GE(n, 3);
	root = lines[0];
	EXPECT_TRUE(strstr(root, "exit 0") != NULL);
	EXPECT_TRUE(strstr(root, "sh -c 'true & sleep 0.2; wait'") != NULL);
	/* the root ran at least as long as its sleep */
	EXPECT_GE(atof(root + 25), 0.2);
	/* indented under sh */
	sleep = find_line(lines, n, "- sleep 0.2");
	ASSERT_TRUE(sleep != NULL);
	EXPECT_TRUE(strstr(sleep, "exit 0") != NULL);
	EXPECT_GE(atof(sleep + 25), 0.2);
	EXPECT_TRUE(strstr(r.out, " processes in ") != NULL);

	svg = cli_slurp(SVG);
	ASSERT_TRUE(svg != NULL);
	EXPECT_TRUE(!strncmp(svg, "<?xml", 5));
	EXPECT_TRUE(strstr(svg, "</svg>") != NULL);
	/* a bar per process, all of them exit 0 */
	EXPECT_EQ(count(svg, "<rect class=\"bar\""), n);
	EXPECT_EQ(count(svg, "fill=\"#3a9b5c\"><title>"), n);
	free(svg);
	cli_run_free(&r);
}

TEST(tree_exit_status_and_signal)
{
	char lines[16][256];
	struct cli_run r;
	int n;

	/* dtproc exits with CMD's status; a killed child shows its signal */
	r = cli_dtproc(NULL, "report tree -c \"sh -c 'sleep 5 & kill -KILL \\$!; wait; exit 3'\"");
	EXPECT_EQ(r.status, 3);
	n = tree_lines(r.out, lines, 16);
	ASSERT_GE(n, 2);
	EXPECT_TRUE(strstr(lines[0], "exit 3") != NULL);
	EXPECT_TRUE(find_line(lines, n, "SIGKILL") != NULL);
	cli_run_free(&r);
}

#define FIFO	"/tmp/cli_tree_test.fifo"

TEST(tree_of_a_pid)
{
	char lines[16][256], cmd[128];
	struct cli_run r = { .status = -1 };
	pid_t pid, d;
	int n, st, fd;

	/* the process waits on a FIFO, so that it forks only once traced */
	unlink(FIFO);
	ASSERT_OK(mkfifo(FIFO, 0600));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		execl("/bin/sh", "sh", "-c", "read x < " FIFO "; sleep 0.2 & wait", NULL);
		_exit(127);
	}
	snprintf(cmd, sizeof(cmd), "dtproc report tree -p %d >" CLI_OUT " 2>" CLI_ERR, pid);
	d = fork();
	ASSERT_GE(d, 0);
	if (!d) {
		execl("/bin/sh", "sh", "-c", cmd, NULL);
		_exit(127);
	}
	sleep(3);	/* time to attach, even on a debug kernel under TCG */
	fd = open(FIFO, O_WRONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(write(fd, "go\n", 3), 3);
	close(fd);
	ASSERT_EQ(waitpid(d, &st, 0), d);
	waitpid(pid, NULL, 0);
	unlink(FIFO);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r.out = cli_slurp(CLI_OUT);
	r.err = cli_slurp(CLI_ERR);
	TH_LOG("%s: exit %d\n%s%s", cmd, r.status, r.out, r.err);
	EXPECT_EQ(r.status, 0);
	n = tree_lines(r.out, lines, 16);
	ASSERT_EQ(n, 2);
	EXPECT_EQ(atoi(lines[0]), pid);
	EXPECT_TRUE(strstr(lines[0], "exit 0") != NULL);
	EXPECT_TRUE(strstr(lines[0], "sh -c 'read x < " FIFO "; sleep 0.2 & wait'") != NULL);
	/* its wall time counts from its start (/proc), not the trace's */
	EXPECT_GE(atof(lines[0] + 25), 3.2);
	EXPECT_TRUE(strstr(lines[1], "`- sleep 0.2") != NULL);
	EXPECT_TRUE(strstr(lines[1], "exit 0") != NULL);
	cli_run_free(&r);
}

TEST(usage_mistakes_say_so_with_status_2)
{
	static const char *const cases[][2] = {
		{ "trace -n", "dtproc trace: -n (--probes) needs PROBES" },
		{ "trace -jT 5 -n", "dtproc trace: -n (--probes) needs PROBES" },
		{ "trace -n -p 1", "dtproc trace: -n (--probes) needs PROBES, not the option '-p'" },
		{ "trace -n nosuch", "dtproc trace: -n: no probe 'nosuch'" },
		{ "trace -c true -p 1", "dtproc trace: -c and -p cannot be used together" },
		{ "report tree", "dtproc report: tree needs a command (-c CMD) or a process (-p PID)" },
		{ "report nosuch -c true", "dtproc report: no report 'nosuch'" },
		{ "nosuch", "dtproc: no command 'nosuch'" },
		{ "stop -p x", "dtproc stop: -p needs a process id" },
	};
	struct cli_run r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = cli_dtproc(NULL, cases[i][0]);
		EXPECT_EQ(r.status, 2);
		EXPECT_STREQ(r.out, "");	/* nothing before the failure */
		EXPECT_TRUE(!strncmp(r.err, cases[i][1], strlen(cases[i][1])));
		/* one line, which says where to look */
		EXPECT_EQ(count(r.err, "\n"), 1);
		EXPECT_TRUE(strstr(r.err, "--help'") != NULL);
		cli_run_free(&r);
	}
}

TEST(runtime_failure_is_status_1_and_runs_nothing)
{
	struct cli_run r;

	unlink("/tmp/cli_tree_test.ran");
	r = cli_dtproc(NULL, "report tree -c 'touch /tmp/cli_tree_test.ran' --svg /nonexistent/t.svg");
	EXPECT_EQ(r.status, 1);
	EXPECT_STREQ(r.out, "");
	EXPECT_TRUE(!strncmp(r.err, "dtproc report: cannot write /nonexistent/t.svg", 46));
	EXPECT_TRUE(access("/tmp/cli_tree_test.ran", F_OK) != 0);
	cli_run_free(&r);
}

TEST(help_everywhere)
{
	static const char *const cmds[] = {
		"--help", "-h", "trace -h", "trace --help", "list --help",
		"report --help", "report tree --help", "stop --help",
		"version --help", "help trace",
	};
	struct cli_run r;
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		r = cli_dtproc(NULL, cmds[i]);
		EXPECT_EQ(r.status, 0);
		EXPECT_TRUE(!strncmp(r.out, "Usage: dtproc", 13));
		EXPECT_TRUE(strstr(r.out, "Exit status") || strstr(r.out, "-h, --help"));
		EXPECT_STREQ(r.err, "");
		cli_run_free(&r);
	}
	r = cli_dtproc(NULL, "--version");
	EXPECT_EQ(r.status, 0);
	EXPECT_TRUE(!strncmp(r.out, "dtproc ", 7));
	cli_run_free(&r);
}

TEST(list_is_dtrace_l)
{
	struct cli_run r;

	r = cli_dtproc(NULL, "list");
	EXPECT_EQ(r.status, 0);
	EXPECT_TRUE(!strncmp(r.out, "   ID   PROVIDER            MODULE                          FUNCTION NAME\n", 74));
	EXPECT_EQ(count(r.out, "\n"), 15);
	EXPECT_EQ(count(r.out, "  proc  "), 14);
	cli_run_free(&r);

	r = cli_dtproc(NULL, "trace -lv -n create,signal-send");
	EXPECT_EQ(r.status, 0);
	EXPECT_TRUE(strstr(r.out, " create\n") != NULL);
	EXPECT_TRUE(strstr(r.out, "\t\targs[0]: psinfo_t *\n") != NULL);
	EXPECT_TRUE(strstr(r.out, "\t\targs[2]: int\n") != NULL);
	EXPECT_EQ(count(r.out, "Argument Types"), 2);
	cli_run_free(&r);
}
