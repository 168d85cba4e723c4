/* SPDX-License-Identifier: GPL-2.0 */
/* dtproc CLI: "dtproc list" and "dtproc trace -l". */
#ifndef DTPROC_LIST_H
#define DTPROC_LIST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Print the probes in @mask (bits 1 << DTPROC_PROBE_*) as "dtrace -l -P
 * proc" does, and with @verbose their stability and argument types as
 * "dtrace -lv" does.
 */
void list_probes(FILE *f, uint32_t mask, bool verbose);

/*
 * -n's value: probe names, comma-separated, each "NAME" or "proc:::NAME",
 * into @mask.  Returns 0, or CLI_EXIT_USAGE after saying what was wrong.
 */
int list_parse_probes(const char *list, uint32_t *mask);

/* dtproc list [-v] [-n PROBES] */
int cmd_list(int argc, char **argv);

#endif /* DTPROC_LIST_H */
