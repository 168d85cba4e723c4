/* SPDX-License-Identifier: GPL-2.0 */
/* dtproc CLI: helpers shared by the subcommands. */
#ifndef DTPROC_CLI_H
#define DTPROC_CLI_H

#include <stdarg.h>
#include <stdio.h>

extern const char *progname;

/* Print "dtproc: <message>" on stderr; return exit status 1. */
static inline int __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* A command-line mistake: say what and point at help; exit status 2. */
static inline int usage_error(const char *what)
{
	fprintf(stderr, "%s: %s; '%s help' shows usage\n", progname, what,
		progname);
	return 2;
}

#endif /* DTPROC_CLI_H */
