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

#include "bp.h"
#include "cli.h"
#include "list.h"
#include "report.h"
#include "trace.h"

#ifndef DTPROC_CLI_VERSION
#define DTPROC_CLI_VERSION "unknown"
#endif

static const struct cli_opt help_only_opts[] = { CLI_OPT_HELP, { 0 } };

/* Parse a subcommand that takes only -h; returns -1 to go on, or a status. */
static int only_help(const struct cli_cmd *cmd, int argc, char **argv)
{
	struct cli_parser p;
	int c;

	cli_parser_init(&p, cmd, argc, argv);
	while ((c = cli_next(&p)) != -1) {
		if (c != 'h')
			return CLI_EXIT_USAGE;
		cli_help(cmd, stdout);
		return CLI_EXIT_OK;
	}
	return -1;
}

static const struct cli_cmd version_cmd = {
	.name	= "version",
	.usage	= "",
	.about	= "Print the versions of the CLI, of libdtproc and of the loaded dtproc.ko\n"
		  "(its ABI and netlink family).  'dtproc --version' prints the first\n"
		  "two only and needs no module.\n",
	.opts	= help_only_opts,
	.after	= "Exit status: 0 on success, 1 if the module cannot be asked, 2 on a\n"
		  "usage mistake.\n",
};

static int cmd_version(int argc, char **argv)
{
	char modver[DTPROC_VERSION_LEN];
	struct dtproc_feed *feed;
	uint32_t abi, family;
	struct dtproc *dp;
	int ret;

	ret = only_help(&version_cmd, argc, argv);
	if (ret >= 0)
		return ret;
	if (cli_optind() < argc)
		return usage_error("takes no arguments, not '%s'", argv[cli_optind()]);

	/* ask everything first: print nothing unless all of it is known */
	dp = dtproc_open();
	if (!dp)
		return fail("%s", dtproc_errmsg());
	ret = dtproc_module_version(dp, &abi, modver, sizeof(modver));
	dtproc_close(dp);
	if (ret < 0)
		return fail("%s", dtproc_errmsg());
	feed = dtproc_feed_open();
	if (!feed)
		return fail("%s", dtproc_errmsg());
	family = dtproc_feed_family_version(feed);
	dtproc_feed_close(feed);

	printf("dtproc %s\n", DTPROC_CLI_VERSION);
	printf("libdtproc %s (ABI %d)\n", dtproc_lib_version(),
	       DTPROC_ABI_VERSION);
	printf("dtproc.ko %s (ABI %u, netlink family '%s' version %u)\n",
	       modver, abi, DTPROC_GENL_NAME, family);
	return CLI_EXIT_OK;
}

static const struct cli_opt stop_opts[] = {
	{ 'p', "pid", "PID", "the process to stop", "-p 1234" },
	CLI_OPT_HELP,
	{ 0 }
};

static const struct cli_cmd stop_cmd = {
	.name	= "stop",
	.usage	= "-p PID",
	.about	= "Stop process PID, every thread, as pstop(1) does: it stays stopped,\n"
		  "parked in the kernel (killable, not ptraced), after dtproc exits,\n"
		  "until SIGCONT (kill -CONT PID).  Needs root and dtproc.ko.\n",
	.opts	= stop_opts,
	.after	= "Exit status: 0 once PID is stopped, 1 on a runtime failure, 2 on a\n"
		  "usage mistake.\n",
};

/* dtproc stop -p PID: a requested stop, as pstop(1); prun is kill -CONT. */
static int cmd_stop(int argc, char **argv)
{
	struct dtproc_handle *h;
	struct cli_parser p;
	struct dtproc *dp;
	long pid = 0;
	char *end;
	int c;

	cli_parser_init(&p, &stop_cmd, argc, argv);
	while ((c = cli_next(&p)) != -1) {
		switch (c) {
		case 'h':
			cli_help(&stop_cmd, stdout);
			return CLI_EXIT_OK;
		case 'p':
			errno = 0;
			pid = strtol(p.arg, &end, 10);
			if (errno || *end || pid <= 0 || pid != (pid_t)pid)
				return usage_error("-p needs a process id (see ps), not '%s'",
						   p.arg);
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_optind() < argc)
		return usage_error("unexpected '%s'", argv[cli_optind()]);
	if (!pid)
		return usage_error("which process? give -p PID");

	dp = dtproc_open();
	if (!dp)
		return fail("%s", dtproc_errmsg());
	h = dtproc_grab(dp, pid, 0);
	if (!h || dtproc_stop(h) < 0) {
		fail("%s", dtproc_errmsg());
		dtproc_close(dp);
		return CLI_EXIT_FAIL;
	}
	dtproc_close(dp);	/* a requested stop outlives us */
	printf("pid %ld stopped; resume it with: kill -CONT %ld\n", pid, pid);
	return CLI_EXIT_OK;
}

static int cmd_help(int argc, char **argv);

static const struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} subcommands[] = {
	{ "trace", cmd_trace, "print the proc provider's events (of CMD, of PID, or all)" },
	{ "list", cmd_list, "list the 14 probes and their arguments (dtrace -l/-lv)" },
	{ "report", cmd_report, "tree, whoexec, progtime, lwptime or sig, of CMD, PID or all" },
	{ "count", cmd_count, "count calls of functions (breakpoints) in CMD or PID" },
	{ "break", cmd_break, "stop CMD or PID at a function, and leave it stopped" },
	{ "stop", cmd_stop, "stop a process until SIGCONT, as pstop(1)" },
	{ "version", cmd_version, "print the CLI's, the library's and the module's versions" },
	{ "help", cmd_help, "show the help of dtproc or of one command" },
};

#define NSUBCOMMANDS	(sizeof(subcommands) / sizeof(subcommands[0]))

static const struct cli_opt main_opts[] = {
	CLI_OPT_HELP,
	{ 'V', "version", NULL, "print the CLI's and library's versions", NULL },
	{ 0 }
};

static const struct cli_cmd main_cmd = {
	.usage	= "[-h | -V] COMMAND [OPTIONS] [ARGS]",
	.about	= "DTrace's proc provider and process control on Linux (dtproc.ko).\n",
	.opts	= main_opts,
};

static void main_help(FILE *f)
{
	size_t i;

	cli_help(&main_cmd, f);
	fprintf(f, "\nCommands:\n");
	for (i = 0; i < NSUBCOMMANDS; i++)
		fprintf(f, "  %-8s  %s\n", subcommands[i].name,
			subcommands[i].help);
	fprintf(f, "\n'dtproc COMMAND --help' describes each; man dtproc(8) all of them.\n\n"
		CLI_EXIT_HELP);
}

static const struct subcommand *find_subcommand(const char *name)
{
	size_t i;

	for (i = 0; i < NSUBCOMMANDS; i++)
		if (!strcmp(name, subcommands[i].name))
			return &subcommands[i];
	return NULL;
}

static const struct cli_cmd help_cmd = {
	.name	= "help",
	.usage	= "[COMMAND]",
	.about	= "Show the help of dtproc, or of COMMAND (as 'dtproc COMMAND --help').\n",
	.opts	= help_only_opts,
};

static int cmd_help(int argc, char **argv)
{
	const struct subcommand *sc;
	char *args[] = { NULL, "--help", NULL };
	char name[32];
	int ret;

	ret = only_help(&help_cmd, argc, argv);
	if (ret >= 0)
		return ret;
	if (cli_optind() == argc) {
		main_help(stdout);
		return CLI_EXIT_OK;
	}
	if (cli_optind() + 1 < argc)
		return usage_error("name one command, not '%s'", argv[cli_optind() + 1]);
	sc = find_subcommand(argv[cli_optind()]);
	if (!sc)
		return usage_error("no command '%s'", argv[cli_optind()]);
	snprintf(name, sizeof(name), "dtproc %s", sc->name);
	progname = strdup(name) ?: progname;
	args[0] = (char *)sc->name;
	return sc->fn(2, args);
}

int main(int argc, char **argv)
{
	const struct subcommand *sc;
	struct cli_parser p;
	char *name;
	int c;

	/* "+": options up to the command are dtproc's, the rest its own */
	cli_parser_init(&p, &main_cmd, argc, argv);
	memmove(p.shortopts + 1, p.shortopts, sizeof(p.shortopts) - 1);
	p.shortopts[0] = '+';
	while ((c = cli_next(&p)) != -1) {
		switch (c) {
		case 'h':
			main_help(stdout);
			return CLI_EXIT_OK;
		case 'V':
			printf("dtproc %s\nlibdtproc %s (ABI %d)\n",
			       DTPROC_CLI_VERSION, dtproc_lib_version(),
			       DTPROC_ABI_VERSION);
			return CLI_EXIT_OK;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_optind() == argc)
		return usage_error("which command? e.g. 'dtproc list' or 'dtproc trace -c CMD'");
	sc = find_subcommand(argv[cli_optind()]);
	if (!sc)
		return usage_error("no command '%s'", argv[cli_optind()]);

	if (asprintf(&name, "dtproc %s", sc->name) >= 0)
		progname = name;
	return sc->fn(argc - cli_optind(), argv + cli_optind());
}
