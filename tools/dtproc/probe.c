// SPDX-License-Identifier: GPL-2.0
/* dtproc CLI: the syntax of a breakpoint probe (see probe.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "probe.h"

int probe_check(const char *probe, char *err, size_t errlen)
{
	const char *tick = strchr(probe, '`'), *func, *plus, *p;

	if (tick && strchr(tick + 1, '`')) {
		snprintf(err, errlen, "probe '%s' has two '`': it is [OBJECT`]FUNCTION[+OFFSET], e.g. libc.so.6`malloc",
			 probe);
		return -1;
	}
	if (tick == probe) {
		snprintf(err, errlen, "probe '%s' names no object before '`': give one (a.out, libc.so.6) or leave out the '`'",
			 probe);
		return -1;
	}
	func = tick ? tick + 1 : probe;
	plus = strchr(func, '+');
	if (func == plus || !*func) {
		snprintf(err, errlen, "probe '%s' names no function: it is [OBJECT`]FUNCTION[+OFFSET], e.g. a.out`main",
			 probe);
		return -1;
	}
	if (!plus)
		return 0;
	p = plus + 1;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && p[2]) {
		for (p += 2; isxdigit((unsigned char)*p); p++)
			;
	} else if (isdigit((unsigned char)*p)) {
		while (isdigit((unsigned char)*p))
			p++;
	} else {
		p = plus;	/* no digits */
	}
	if (p == plus || *p) {
		snprintf(err, errlen, "probe '%s' has a bad offset '%s': it is decimal or 0x-hex, e.g. main+0x4",
			 probe, plus + 1);
		return -1;
	}
	return 0;
}
