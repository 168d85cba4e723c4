/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dtproc CLI: what the subcommands share.  Every message goes to stderr as
 * one line starting with the command's prefix ("dtproc trace: ..."), and
 * says what to do about it.  Options are described once, in a table, from
 * which both getopt_long's arguments and the --help text are made.
 */
#ifndef DTPROC_CLI_H
#define DTPROC_CLI_H

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>

/* Exit statuses (with -c, the command's own status instead of 0). */
#define CLI_EXIT_OK	0
#define CLI_EXIT_FAIL	1	/* a runtime failure, said on stderr */
#define CLI_EXIT_USAGE	2	/* a command-line mistake */

/* Every message's prefix: "dtproc", or "dtproc trace" in a subcommand. */
extern const char *progname;

/* Print "PREFIX: <message>" on stderr; return CLI_EXIT_FAIL. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A command-line mistake: print "PREFIX: <message>; see 'PREFIX --help'"
 * on stderr; return CLI_EXIT_USAGE.
 */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One option of a (sub)command. */
struct cli_opt {
	int		val;	/* its letter, -x */
	const char	*name;	/* its long name, --name */
	const char	*arg;	/* its value's name ("PID"), NULL if none */
	const char	*help;	/* one line */
	const char	*example; /* of a value: "-p 1234", or NULL */
};

/* A (sub)command: its usage lines, what it does, its options. */
struct cli_cmd {
	const char		*name;		/* "trace"; NULL for dtproc itself */
	const char		*usage;		/* synopsis lines, '\n'-separated */
	const char		*about;		/* paragraph(s) after the synopsis */
	const struct cli_opt	*opts;		/* ends with { 0 } */
	const char		*after;		/* printed after the options, or NULL */
};

#define CLI_OPT_HELP	{ 'h', "help", NULL, "show this help and exit", NULL }

/* Text shared by every --help that runs a session. */
#define CLI_EXIT_HELP							\
	"Exit status: 0 on success; with -c, CMD's own status (128+N if a\n" \
	"signal N killed it); 1 on a runtime failure; 2 on a usage mistake.\n"

#define CLI_MAX_OPTS	16

struct cli_parser {
	const struct cli_cmd	*cmd;
	int			argc;
	char			**argv;
	const char		*arg;		/* the last option's value */
	char			shortopts[2 * CLI_MAX_OPTS + 2];
	struct option		longopts[CLI_MAX_OPTS + 1];
};

/* Begin parsing @argv (argv[0] is the (sub)command's name). */
void cli_parser_init(struct cli_parser *p, const struct cli_cmd *cmd,
		     int argc, char **argv);

/*
 * The next option: its letter (its value, if it takes one, in p->arg);
 * -1 when the options are done (operands start at cli_optind()); or '?'
 * after printing what was wrong (exit with CLI_EXIT_USAGE).
 */
int cli_next(struct cli_parser *p);
int cli_optind(void);

/* Print @cmd's --help text. */
void cli_help(const struct cli_cmd *cmd, FILE *f);

#endif /* DTPROC_CLI_H */
