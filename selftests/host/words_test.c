// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side tests of tools/dtproc/words.c: -c CMD split into the words
 * exec'd directly, with a shell's quoting and no expansion.
 */
#include <stdlib.h>
#include <string.h>

#include "words.h"

#include "harness.h"

/* @line's words joined by '|', or "ERR: message". */
static const char *split(const char *line)
{
	static char out[512];
	char err[128], **argv;
	size_t off = 0;
	int n, i;

	n = words_split(line, &argv, err, sizeof(err));
	if (n < 0) {
		snprintf(out, sizeof(out), "ERR: %s", err);
		return out;
	}
	out[0] = '\0';
	for (i = 0; i < n; i++)
		off += snprintf(out + off, sizeof(out) - off, "%s%s",
				i ? "|" : "", argv[i]);
	if (argv[n] != NULL)
		snprintf(out, sizeof(out), "argv not NULL-terminated");
	free(argv);
	return out;
}

#define EXPECT_SPLIT(line, want) do {					\
	const char *__g = split(line);					\
	if (strcmp(__g, want))						\
		DT_FAIL(0, "split(%s) = \"%s\", want \"%s\"", #line, __g, want); \
} while (0)

TEST(plain_words)
{
	EXPECT_SPLIT("ls", "ls");
	EXPECT_SPLIT("  ls  -l\t/tmp \n", "ls|-l|/tmp");
	EXPECT_SPLIT("", "");
	EXPECT_SPLIT("   ", "");
}

TEST(quotes)
{
	EXPECT_SPLIT("sh -c 'true & sleep 1; wait'", "sh|-c|true & sleep 1; wait");
	EXPECT_SPLIT("echo \"a  b\" c", "echo|a  b|c");
	EXPECT_SPLIT("a'b c'd", "ab cd");
	EXPECT_SPLIT("'' x", "|x");
	EXPECT_SPLIT("\"\"", "");
	EXPECT_SPLIT("'a\\b'", "a\\b");		/* no escapes in '...' */
	EXPECT_SPLIT("\"a\\\"b\\\\c\\d\"", "a\"b\\c\\d");	/* \" \\ escape, \d stays */
	EXPECT_SPLIT("\"it's\"", "it's");
}

TEST(backslash)
{
	EXPECT_SPLIT("a\\ b c", "a b|c");
	EXPECT_SPLIT("\\'x", "'x");
	EXPECT_SPLIT("\\\\", "\\");
}

TEST(no_expansion)
{
	/* the program gets these as they are: no shell runs */
	EXPECT_SPLIT("echo $HOME *.c ~ a;b a|b", "echo|$HOME|*.c|~|a;b|a|b");
}

TEST(mistakes_are_explained)
{
	EXPECT_SPLIT("sh -c 'true", "ERR: -c has an unterminated single quote: close it with '");
	EXPECT_SPLIT("echo \"a", "ERR: -c has an unterminated double quote: close it with \"");
	EXPECT_SPLIT("echo a\\", "ERR: -c ends with a lone backslash: remove it or escape it as \\\\");
}

