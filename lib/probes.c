// SPDX-License-Identifier: LGPL-2.1-or-later
/* libdtproc: the proc provider's probe names. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char *const dtproc_probe_names[DTPROC_PROBE_COUNT] = {
	[DTPROC_PROBE_CREATE]		= "create",
	[DTPROC_PROBE_EXEC]		= "exec",
	[DTPROC_PROBE_EXEC_SUCCESS]	= "exec-success",
	[DTPROC_PROBE_EXEC_FAILURE]	= "exec-failure",
	[DTPROC_PROBE_EXIT]		= "exit",
	[DTPROC_PROBE_FAULT]		= "fault",
	[DTPROC_PROBE_LWP_CREATE]	= "lwp-create",
	[DTPROC_PROBE_LWP_START]	= "lwp-start",
	[DTPROC_PROBE_LWP_EXIT]		= "lwp-exit",
	[DTPROC_PROBE_SIGNAL_SEND]	= "signal-send",
	[DTPROC_PROBE_SIGNAL_DISCARD]	= "signal-discard",
	[DTPROC_PROBE_SIGNAL_HANDLE]	= "signal-handle",
	[DTPROC_PROBE_SIGNAL_CLEAR]	= "signal-clear",
	[DTPROC_PROBE_START]		= "start",
};

/* Longest list of names, with ", " between them. */
#define DTPROC_PROBE_LIST_LEN	256

DTPROC_EXPORT const char *dtproc_probe_name(int probe)
{
	if (probe < 0 || probe >= DTPROC_PROBE_COUNT)
		return NULL;
	return dtproc_probe_names[probe];
}

DTPROC_EXPORT int dtproc_probe_id(const char *name)
{
	char list[DTPROC_PROBE_LIST_LEN];
	const char *p = name;
	size_t off = 0;
	int i;

	if (!p)
		return dtproc_failx(EINVAL, "no probe name given: name one of the proc provider's (dtproc list)");

	/* A full description "proc:::NAME", or "proc::NAME". */
	if (!strncmp(p, "proc:::", 7))
		p += 7;
	else if (!strncmp(p, "proc::", 6))
		p += 6;

	for (i = 0; i < DTPROC_PROBE_COUNT; i++)
		if (!strcmp(p, dtproc_probe_names[i]))
			return i;

	list[0] = '\0';
	for (i = 0; i < DTPROC_PROBE_COUNT && off < sizeof(list); i++) {
		int n = snprintf(list + off, sizeof(list) - off, "%s%s",
				 i ? ", " : "", dtproc_probe_names[i]);

		if (n < 0)
			break;
		off += n;
	}
	return dtproc_failx(EINVAL, "unknown probe '%s': valid probes are %s",
			   name, list);
}
