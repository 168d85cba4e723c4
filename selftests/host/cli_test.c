// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side tests of tools/dtproc/cli.c, the option parsing and --help of
 * every dtproc command: bundled flags, long options, a missing value, an
 * option where a value should be, unknown options; each mistake one line
 * on stderr with the command's prefix, pointing at --help.
 */
#include <stdlib.h>

#include "cli.h"

#include "harness.h"

#ifndef EXPECT_STREQ	/* until the harness has it */
#define EXPECT_STREQ(a, b) do {						\
	const char *__a = (a), *__b = (b);				\
	if (strcmp(__a, __b))						\
		DT_FAIL(0, "expected %s == %s (\"%s\" vs \"%s\")",	\
			#a, #b, __a, __b);				\
} while (0)
#endif

static const struct cli_opt opts[] = {
	{ 'c', "command", "CMD", "run CMD", "-c 'make -j2'" },
	{ 'n', "probes", "PROBES", "only these probes", "-n exec-success,exit" },
	{ 'T', "time", "SECONDS", "stop after SECONDS", "-T 10" },
	{ 'j', "json", NULL, "JSON lines", NULL },
	{ 'l', "list", NULL, "list the probes", NULL },
	CLI_OPT_HELP,
	{ 0 }
};

static const struct cli_cmd cmd = {
	.name	= "trace",
	.usage	= "[-j] [-n PROBES] [-c CMD] [-T SECONDS]\n-l",
	.about	= "Trace.\n",
	.opts	= opts,
	.after	= CLI_EXIT_HELP,
};

/* What parsing @argv gave: "j n=exec T=5 | operand...", and stderr. */
static void parse(char **argv, char *got, size_t len, char *err, size_t errlen)
{
	struct cli_parser p;
	int argc = 0, c, i;
	size_t off = 0;
	FILE *f = tmpfile();
	long n;

	ASSERT_TRUE(f);
	progname = "dtproc trace";
	while (argv[argc])
		argc++;
	fflush(stderr);
	int saved = dup(2);

	ASSERT_GE(saved, 0);
	ASSERT_GE(dup2(fileno(f), 2), 0);
	got[0] = '\0';
	cli_parser_init(&p, &cmd, argc, argv);
	while ((c = cli_next(&p)) != -1) {
		if (p.arg)
			off += snprintf(got + off, len - off, "%c=%s ", c, p.arg);
		else
			off += snprintf(got + off, len - off, "%c ", c);
		if (c == '?')
			break;
	}
	if (c != '?') {
		off += snprintf(got + off, len - off, "|");
		for (i = cli_optind(); i < argc; i++)
			off += snprintf(got + off, len - off, " %s", argv[i]);
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = ftell(f);
	rewind(f);
	n = fread(err, 1, n < (long)errlen - 1 ? n : (long)errlen - 1, f);
	err[n] = '\0';
	fclose(f);
}

#define PARSE(want, want_err, ...) do {					\
	char *argv[] = { "trace", __VA_ARGS__, NULL };			\
	char got[512], err[512];					\
									\
	parse(argv, got, sizeof(got), err, sizeof(err));		\
	EXPECT_STREQ(got, want);					\
	EXPECT_STREQ(err, want_err);					\
} while (0)

TEST(bundled_and_long_options)
{
	PARSE("j T=5 n=exit |", "", "-jT", "5", "-n", "exit");
	PARSE("j T=5 |", "", "-jT5");
	PARSE("j l |", "", "-jl");
	PARSE("n=exec c=make -j2 |", "", "--probes=exec", "--command", "make -j2");
	PARSE("T=-1 |", "", "-T", "-1");	/* a negative number is a value */
	PARSE("j | tree", "", "tree", "-j");	/* operands after options */
	PARSE("| -j", "", "--", "-j");
}

TEST(missing_value_is_one_clear_line)
{
	PARSE("? ", "dtproc trace: -n (--probes) needs PROBES, e.g. -n exec-success,exit; see 'dtproc trace --help'\n",
	      "-n");
	PARSE("j T=5 ? ", "dtproc trace: -n (--probes) needs PROBES, e.g. -n exec-success,exit; see 'dtproc trace --help'\n",
	      "-jT", "5", "-n");
	PARSE("? ", "dtproc trace: -T (--time) needs SECONDS, e.g. -T 10; see 'dtproc trace --help'\n",
	      "--time");
	PARSE("? ", "dtproc trace: -n (--probes) needs PROBES, not the option '-j'; see 'dtproc trace --help'\n",
	      "-n", "-j");
}

TEST(unknown_options)
{
	PARSE("? ", "dtproc trace: no option -x; see 'dtproc trace --help'\n", "-x");
	PARSE("j ? ", "dtproc trace: no option -x; see 'dtproc trace --help'\n", "-jx");
	PARSE("? ", "dtproc trace: no option '--bogus'; see 'dtproc trace --help'\n", "--bogus");
	PARSE("? ", "dtproc trace: --json takes no value; see 'dtproc trace --help'\n", "--json=1");
	PARSE("? ", "dtproc trace: no option '--bogus'; see 'dtproc trace --help'\n", "--bogus=1");
	/* a unique prefix is the option; an ambiguous one is not */
	PARSE("j |", "", "--js");
}

TEST(help_text)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ASSERT_TRUE(f);
	cli_help(&cmd, f);
	fclose(f);
	ASSERT_STREQ(text,
		"Usage: dtproc trace [-j] [-n PROBES] [-c CMD] [-T SECONDS]\n"
		"   or: dtproc trace -l\n"
		"\n"
		"Trace.\n"
		"\n"
		"Options:\n"
		"  -c, --command=CMD       run CMD\n"
		"  -n, --probes=PROBES     only these probes\n"
		"  -T, --time=SECONDS      stop after SECONDS\n"
		"  -j, --json              JSON lines\n"
		"  -l, --list              list the probes\n"
		"  -h, --help              show this help and exit\n"
		"\n"
		"Exit status: 0 on success; with -c, CMD's own status (128+N if a\n"
		"signal N killed it); 1 on a runtime failure; 2 on a usage mistake.\n");
	free(text);
}
