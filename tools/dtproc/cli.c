// SPDX-License-Identifier: GPL-2.0
/*
 * dtproc CLI: messages, option parsing and --help (see cli.h).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char *progname = "dtproc";

int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_FAIL;
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; see '%s --help'\n", progname);
	return CLI_EXIT_USAGE;
}

void cli_parser_init(struct cli_parser *p, const struct cli_cmd *cmd,
		     int argc, char **argv)
{
	const struct cli_opt *o;
	size_t n = 0, i = 0;

	memset(p, 0, sizeof(*p));
	p->cmd = cmd;
	p->argc = argc;
	p->argv = argv;
	/* ':' first: report a missing value as ':', not with getopt's words */
	p->shortopts[n++] = ':';
	for (o = cmd->opts; o->val && i < CLI_MAX_OPTS; o++, i++) {
		p->shortopts[n++] = o->val;
		if (o->arg)
			p->shortopts[n++] = ':';
		p->longopts[i] = (struct option){
			o->name, o->arg ? required_argument : no_argument,
			NULL, o->val
		};
	}
	optind = 0;	/* a fresh scan (glibc) */
	opterr = 0;
}

static const struct cli_opt *cli_find(const struct cli_cmd *cmd, int val)
{
	const struct cli_opt *o;

	for (o = cmd->opts; o->val; o++)
		if (o->val == val)
			return o;
	return NULL;
}

int cli_next(struct cli_parser *p)
{
	const struct cli_opt *o;
	const char *word;
	int c;

	p->arg = NULL;
	c = getopt_long(p->argc, p->argv, p->shortopts, p->longopts, NULL);
	if (c == -1)
		return -1;
	word = p->argv[optind - 1];
	if (c == '?') {
		o = optopt ? cli_find(p->cmd, optopt) : NULL;
		if (!strncmp(word, "--", 2) && o && strchr(word, '='))
			usage_error("--%s takes no value", o->name);
		else if (!strncmp(word, "--", 2))
			usage_error("no option '%.*s'", (int)strcspn(word, "="), word);
		else
			usage_error("no option -%c", optopt);
		return '?';
	}
	o = cli_find(p->cmd, c == ':' ? optopt : c);
	if (!o) {		/* getopt found no letter: cannot happen */
		usage_error("bad option '%s'", word);
		return '?';
	}
	if (c == ':') {
		if (o->example)
			usage_error("-%c (--%s) needs %s, e.g. %s", o->val,
				    o->name, o->arg, o->example);
		else
			usage_error("-%c (--%s) needs %s", o->val, o->name,
				    o->arg);
		return '?';
	}
	p->arg = o->arg ? optarg : NULL;
	/* "-n -p 5": the value of -n cannot be the next option */
	if (p->arg && p->arg == word && p->arg[0] == '-' && p->arg[1] &&
	    !(p->arg[1] >= '0' && p->arg[1] <= '9')) {
		usage_error("-%c (--%s) needs %s, not the option '%s'",
			    o->val, o->name, o->arg, p->arg);
		p->arg = NULL;
		return '?';
	}
	return c;
}

int cli_optind(void)
{
	return optind;
}

void cli_help(const struct cli_cmd *cmd, FILE *f)
{
	const char *line = cmd->usage, *nl;
	const struct cli_opt *o;
	char lhs[64];
	bool first = true;

	do {
		nl = strchrnul(line, '\n');
		fprintf(f, "%s dtproc%s%s%s%.*s\n", first ? "Usage:" : "   or:",
			cmd->name ? " " : "", cmd->name ?: "",
			nl > line ? " " : "", (int)(nl - line), line);
		first = false;
		line = *nl ? nl + 1 : nl;
	} while (*line);
	fprintf(f, "\n%s", cmd->about);
	if (cmd->opts->val)
		fprintf(f, "\nOptions:\n");
	for (o = cmd->opts; o->val; o++) {
		if (o->arg)
			snprintf(lhs, sizeof(lhs), "-%c, --%s=%s", o->val,
				 o->name, o->arg);
		else
			snprintf(lhs, sizeof(lhs), "-%c, --%s", o->val, o->name);
		if (strlen(lhs) > 22)
			fprintf(f, "  %s\n  %-22s  %s\n", lhs, "", o->help);
		else
			fprintf(f, "  %-22s  %s\n", lhs, o->help);
	}
	if (cmd->after)
		fprintf(f, "\n%s", cmd->after);
}
