// SPDX-License-Identifier: LGPL-2.1-or-later
/* libdtproc: per-thread error messages. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static __thread char dtproc_errbuf[512];

static void dtproc_vfail(int err, const char *fmt, va_list ap)
{
	int n;

	n = vsnprintf(dtproc_errbuf, sizeof(dtproc_errbuf), fmt, ap);
	if (err && n >= 0 && (size_t)n < sizeof(dtproc_errbuf))
		snprintf(dtproc_errbuf + n, sizeof(dtproc_errbuf) - n, ": %s",
			 strerror(err));
}

int dtproc_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dtproc_vfail(err, fmt, ap);
	va_end(ap);
	return -err;
}

void *dtproc_fail_null(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dtproc_vfail(err, fmt, ap);
	va_end(ap);
	errno = err;
	return NULL;
}

int dtproc_failx(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dtproc_vfail(0, fmt, ap);
	va_end(ap);
	return -err;
}

void *dtproc_failx_null(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dtproc_vfail(0, fmt, ap);
	va_end(ap);
	errno = err;
	return NULL;
}

void dtproc_clear_error(void)
{
	dtproc_errbuf[0] = '\0';
}

DTPROC_EXPORT const char *dtproc_errmsg(void)
{
	return dtproc_errbuf;
}

DTPROC_EXPORT const char *dtproc_lib_version(void)
{
	return DTPROC_LIB_VERSION;
}
