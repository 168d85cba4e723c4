/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dtproc CLI: the syntax of a breakpoint probe, "[OBJECT`]FUNCTION[+OFFSET]"
 * (FUNCTION and OBJECT fnmatch(3) patterns, OFFSET decimal or 0x-hex),
 * checked before anything runs, so that a typo is a usage mistake.  What a
 * probe matches is libdtproc's (dtproc_syms_lookup()).
 */
#ifndef DTPROC_PROBE_H
#define DTPROC_PROBE_H

#include <stddef.h>

/* 0 if @probe is well formed, else -1 with the reason in @err. */
int probe_check(const char *probe, char *err, size_t errlen);

#endif /* DTPROC_PROBE_H */
