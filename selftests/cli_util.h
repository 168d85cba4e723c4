/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the tests that run the dtproc CLI as a user would
 * (cli_*_test.c): the CLI is found on PATH (the guest's /usr/bin/dtproc),
 * run through the shell with its stdout and stderr in files, and what it
 * printed is read back and logged.
 *
 * A test defines CLI_OUT and CLI_ERR (the files) before including this.
 */
#ifndef DTPROC_SELFTEST_CLI_UTIL_H
#define DTPROC_SELFTEST_CLI_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "util.h"

#if !defined(CLI_OUT) || !defined(CLI_ERR)
#error "define CLI_OUT and CLI_ERR (where a run's stdout and stderr go) first"
#endif

struct cli_run {
	int	status;		/* exit status, or -1 */
	char	*out, *err;	/* stdout, stderr (cli_run_free() them) */
};

/* The contents of file @path ("" if there is none); free it. */
static inline char *cli_slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0, n;
	FILE *f = fopen(path, "re"), *m;
	char chunk[4096];

	if (!f)
		return strdup("");
	m = open_memstream(&buf, &len);
	if (!m) {
		fclose(f);
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(f);
	fclose(m);
	return buf;
}

/*
 * Run "[@env] dtproc @args" (shell words; @env NULL for none) and collect
 * what it printed in CLI_OUT and CLI_ERR.
 */
static inline struct cli_run cli_dtproc(const char *env, const char *args)
{
	struct cli_run r = { .status = -1 };
	char *cmd;
	int st;

	if (asprintf(&cmd, "%s dtproc %s >" CLI_OUT " 2>" CLI_ERR,
		     env ?: "", args) < 0)
		return r;
	st = system(cmd);
	free(cmd);
	if (st != -1 && WIFEXITED(st))
		r.status = WEXITSTATUS(st);
	r.out = cli_slurp(CLI_OUT);
	r.err = cli_slurp(CLI_ERR);
	TH_LOG("dtproc %s: exit %d\n%s%s", args, r.status, r.out ?: "",
	       r.err ?: "");
	return r;
}

static inline void cli_run_free(struct cli_run *r)
{
	free(r->out);
	free(r->err);
}

#endif /* DTPROC_SELFTEST_CLI_UTIL_H */
