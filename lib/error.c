// SPDX-License-Identifier: LGPL-2.1-or-later
/* libdtproc: per-thread error messages. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static __thread char dtproc_errbuf[512];

static void dtproc_vfail(const char *fmt, va_list ap)
{
	vsnprintf(dtproc_errbuf, sizeof(dtproc_errbuf), fmt, ap);
}

int dtproc_failx(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dtproc_vfail(fmt, ap);
	va_end(ap);
	return -err;
}

void *dtproc_failx_null(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dtproc_vfail(fmt, ap);
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
