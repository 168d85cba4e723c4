// SPDX-License-Identifier: GPL-2.0
/*
 * dtproc: the command line.  One function per subcommand; this file holds
 * the dispatcher and the small ones.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dtproc.h>

#include "cli.h"
#include "report.h"
#include "trace.h"

const char *progname = "dtproc";

static int cmd_version(int argc, char **argv)
{
	char modver[DTPROC_VERSION_LEN];
	struct dtproc_feed *feed;
	struct dtproc *dp;
	uint32_t abi;

	if (argc > 1)
		return usage_error("version takes no arguments");

	printf("libdtproc %s (ABI %d)\n", dtproc_lib_version(),
	       DTPROC_ABI_VERSION);

	dp = dtproc_open();
	if (!dp)
		return fail("%s", dtproc_errmsg());
	if (dtproc_module_version(dp, &abi, modver, sizeof(modver)) < 0) {
		dtproc_close(dp);
		return fail("%s", dtproc_errmsg());
	}
	dtproc_close(dp);

	feed = dtproc_feed_open();
	if (!feed)
		return fail("%s", dtproc_errmsg());
	printf("dtproc.ko %s (ABI %u, netlink family '%s' version %u)\n",
	       modver, abi, DTPROC_GENL_NAME, dtproc_feed_family_version(feed));
	dtproc_feed_close(feed);
	return 0;
}

/* dtproc stop -p PID: a requested stop, as pstop(1); prun is kill -CONT. */
static int cmd_stop(int argc, char **argv)
{
	struct dtproc_handle *h;
	struct dtproc *dp;
	char *end;
	long pid;

	if (argc != 3 || strcmp(argv[1], "-p"))
		return usage_error("usage: dtproc stop -p PID");
	pid = strtol(argv[2], &end, 10);
	if (*end || pid <= 0)
		return usage_error("-p wants a process id");

	dp = dtproc_open();
	if (!dp)
		return fail("%s", dtproc_errmsg());
	h = dtproc_grab(dp, pid, 0);
	if (!h || dtproc_stop(h) < 0) {
		fail("%s", dtproc_errmsg());
		dtproc_close(dp);
		return 1;
	}
	dtproc_close(dp);	/* a requested stop outlives us */
	printf("pid %ld stopped; resume it with: kill -CONT %ld\n", pid, pid);
	return 0;
}

static const struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} subcommands[] = {
	{ "trace", cmd_trace, "print proc provider events (-n probes, -p PID, -c CMD, -j, -T secs)" },
	{ "report", cmd_report, "whoexec|progtime|lwptime|sig tables (-c CMD, -p PID, -T secs)" },
	{ "stop", cmd_stop, "stop a process until SIGCONT (-p PID), as pstop" },
	{ "version", cmd_version, "print library, ABI and module versions" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: %s COMMAND [ARGS]\n\ncommands:\n", progname);
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-8s %s\n", subcommands[i].name,
			subcommands[i].help);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 1, argv + 1);

	fprintf(stderr, "%s: unknown command '%s'; '%s help' lists them\n",
		progname, argv[1], progname);
	return 2;
}
