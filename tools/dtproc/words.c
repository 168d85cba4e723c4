// SPDX-License-Identifier: GPL-2.0
/*
 * dtproc CLI: -c CMD split into words (see words.h).
 *
 * Two passes over the line: the first counts words and bytes and finds the
 * mistakes, the second copies; both run the same scanner, so the vector
 * and its strings come in one allocation.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "words.h"

static bool words_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/*
 * Scan @line; with @out, copy each word there NUL-terminated and point
 * @argv at it.  Returns the number of words and sets *@bytes to the
 * characters the words need, or -1 after writing why into @err.
 */
static int words_scan(const char *line, char **argv, char *out, size_t *bytes,
		      char *err, size_t errlen)
{
	const char *p = line;
	size_t n = 0;
	int argc = 0;

	for (;;) {
		while (words_blank(*p))
			p++;
		if (!*p)
			break;
		if (argv)
			argv[argc] = out + n;
		argc++;
		while (*p && !words_blank(*p)) {
			char q = *p;

			if (q == '\\') {
				if (!p[1]) {
					snprintf(err, errlen, "-c ends with a lone backslash: remove it or escape it as \\\\");
					return -1;
				}
				if (out)
					out[n] = p[1];
				n++;
				p += 2;
				continue;
			}
			if (q != '\'' && q != '"') {
				if (out)
					out[n] = *p;
				n++;
				p++;
				continue;
			}
			/* a quoted part of the word */
			for (p++; *p && *p != q; p++) {
				if (q == '"' && *p == '\\' && p[1] &&
				    strchr("\\\"$`\n", p[1]))
					p++;
				if (out)
					out[n] = *p;
				n++;
			}
			if (!*p) {
				snprintf(err, errlen, "-c has an unterminated %s quote: close it with %c",
					 q == '"' ? "double" : "single", q);
				return -1;
			}
			p++;
		}
		if (out)
			out[n] = '\0';
		n++;
	}
	*bytes = n;
	return argc;
}

int words_split(const char *line, char ***argvp, char *err, size_t errlen)
{
	size_t bytes;
	char **argv;
	int argc;

	argc = words_scan(line, NULL, NULL, &bytes, err, errlen);
	if (argc < 0)
		return -1;
	argv = malloc((argc + 1) * sizeof(*argv) + bytes);
	if (!argv) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	words_scan(line, argv, (char *)(argv + argc + 1), &bytes, err, errlen);
	argv[argc] = NULL;
	*argvp = argv;
	return argc;
}
