// SPDX-License-Identifier: GPL-2.0
/*
 * dtproc list [-v] [-n PROBES]: the proc provider's probes, as
 * "dtrace -l -P proc" lists them and "dtrace -lv" describes them.
 *
 * Names come from the library (dtproc_probe_name()); the argument types
 * are the DTrace guide's (Table 25-2), which uapi/linux/dtproc.h
 * implements; FUNCTION is the kernel hook each probe fires from
 * (kernel/hooks.c).
 */
#include <stdlib.h>
#include <string.h>

#include <dtproc.h>

#include "cli.h"
#include "list.h"

struct list_probe {
	const char	*func;		/* the kernel hook it fires from */
	const char	*args[3];	/* args[0..2] types */
};

static const struct list_probe list_table[DTPROC_PROBE_COUNT] = {
	[DTPROC_PROBE_CREATE]	      = { "sched_process_fork", { "psinfo_t *" } },
	[DTPROC_PROBE_EXEC]	      = { "begin_new_exec", { "char *" } },
	[DTPROC_PROBE_EXEC_SUCCESS]   = { "execve", { NULL } },
	[DTPROC_PROBE_EXEC_FAILURE]   = { "execve", { "int" } },
	[DTPROC_PROBE_EXIT]	      = { "acct_collect", { "int" } },
	[DTPROC_PROBE_FAULT]	      = { "signal_generate", { "int", "siginfo_t *" } },
	[DTPROC_PROBE_LWP_CREATE]     = { "sched_process_fork",
					  { "lwpsinfo_t *", "psinfo_t *" } },
	[DTPROC_PROBE_LWP_START]      = { "schedule_tail", { NULL } },
	[DTPROC_PROBE_LWP_EXIT]	      = { "exit_signals", { NULL } },
	[DTPROC_PROBE_SIGNAL_SEND]    = { "signal_generate",
					  { "lwpsinfo_t *", "psinfo_t *", "int" } },
	[DTPROC_PROBE_SIGNAL_DISCARD] = { "signal_generate",
					  { "lwpsinfo_t *", "psinfo_t *", "int" } },
	[DTPROC_PROBE_SIGNAL_HANDLE]  = { "signal_deliver",
					  { "int", "siginfo_t *", "void (*)(void)" } },
	[DTPROC_PROBE_SIGNAL_CLEAR]   = { "rt_sigtimedwait", { "int" } },
	[DTPROC_PROBE_START]	      = { "schedule_tail", { NULL } },
};

/* The guide's stability table: module and function Private, the rest Evolving. */
static void list_attrs(FILE *f, const char *title, const char *names,
		       const char *data, const char *class)
{
	fprintf(f, "\n\t%s\n", title);
	fprintf(f, "\t\tIdentifier Names: %s\n", names);
	fprintf(f, "\t\tData Semantics:   %s\n", data);
	fprintf(f, "\t\tDependency Class: %s\n", class);
}

void list_probes(FILE *f, uint32_t mask, bool verbose)
{
	const struct list_probe *lp;
	int i, a;

	fprintf(f, "%5s %10s %17s %33s %s\n", "ID", "PROVIDER", "MODULE",
		"FUNCTION", "NAME");
	for (i = 0; i < DTPROC_PROBE_COUNT; i++) {
		if (!(mask & (1U << i)))
			continue;
		lp = &list_table[i];
		fprintf(f, "%5d %10s %17s %33s %s\n", i + 1, "proc", "vmlinux",
			lp->func, dtproc_probe_name(i));
		if (!verbose)
			continue;
		/* a probe's description is as stable as its least stable part */
		list_attrs(f, "Probe Description Attributes", "Private",
			   "Private", "Unknown");
		list_attrs(f, "Argument Attributes", "Evolving", "Evolving",
			   "ISA");
		fprintf(f, "\n\tArgument Types\n");
		for (a = 0; a < 3 && lp->args[a]; a++)
			fprintf(f, "\t\targs[%d]: %s\n", a, lp->args[a]);
		if (!a)
			fprintf(f, "\t\tNone\n");
		fprintf(f, "\n");
	}
}

int list_parse_probes(const char *list, uint32_t *mask)
{
	char *copy, *save = NULL, *name;
	int id;

	copy = strdup(list);
	if (!copy)
		return fail("out of memory");
	*mask = 0;
	for (name = strtok_r(copy, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		id = dtproc_probe_id(name);
		if (id < 0) {
			int ret = usage_error("-n: no probe '%s' ('dtproc list' shows the 14)",
					      name);

			free(copy);
			return ret;
		}
		*mask |= 1U << id;
	}
	free(copy);
	if (!*mask)
		return usage_error("-n needs probe names, e.g. -n exec-success,exit ('dtproc list' shows them)");
	return 0;
}

static const struct cli_opt list_opts[] = {
	{ 'n', "probes", "PROBES", "only these probes (comma-separated)",
	  "-n exec-success,exit" },
	{ 'v', "verbose", NULL, "their stability and argument types too", NULL },
	CLI_OPT_HELP,
	{ 0 }
};

static const struct cli_cmd list_cmd = {
	.name	= "list",
	.usage	= "[-v] [-n PROBES]",
	.about	= "List the proc provider's probes, as 'dtrace -l -P proc' does (with -v,\n"
		  "as 'dtrace -lv -P proc'). Needs neither the module nor root.\n",
	.opts	= list_opts,
	.after	= "Exit status: 0 on success, 2 on a usage mistake.\n",
};

int cmd_list(int argc, char **argv)
{
	uint32_t mask = DTPROC_PROBE_MASK_ALL;
	struct cli_parser p;
	bool verbose = false;
	int c, ret;

	cli_parser_init(&p, &list_cmd, argc, argv);
	while ((c = cli_next(&p)) != -1) {
		switch (c) {
		case 'h':
			cli_help(&list_cmd, stdout);
			return CLI_EXIT_OK;
		case 'v':
			verbose = true;
			break;
		case 'n':
			ret = list_parse_probes(p.arg, &mask);
			if (ret)
				return ret;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_optind() < argc)
		return usage_error("unexpected '%s'", argv[cli_optind()]);
	list_probes(stdout, mask, verbose);
	return CLI_EXIT_OK;
}
