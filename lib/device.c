// SPDX-License-Identifier: LGPL-2.1-or-later
/* libdtproc: the /dev/dtproc control device. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

#define DTPROC_DEV_PATH "/dev/" DTPROC_DEVICE_NAME

static const char *dtproc_open_hint(int err)
{
	switch (err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return "is dtproc.ko loaded? try 'modprobe dtproc' as root";
	case EACCES:
	case EPERM:
		return "dtproc needs root: run it with sudo";
	case EMFILE:
	case ENFILE:
		return "too many open files: close some";
	default:
		return "unexpected: report it, with dtproc.ko's version";
	}
}

DTPROC_EXPORT struct dtproc *dtproc_open(void)
{
	struct dtproc *dp;
	uint32_t abi;
	int err;

	dp = calloc(1, sizeof(*dp));
	if (!dp || dtproc_handles_init(dp)) {
		free(dp);
		return dtproc_failx_null(ENOMEM, "cannot open " DTPROC_DEV_PATH ": out of memory (free some, then retry)");
	}

	/*
	 * Non-blocking from the start: the library never waits in read(2)
	 * (notes are read until EAGAIN), and the flag is never changed on a
	 * description a vfork'd child or the caller may share.
	 */
	dp->fd = open(DTPROC_DEV_PATH, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (dp->fd < 0) {
		err = errno;
		dtproc_handles_fini(dp);
		free(dp);
		return dtproc_failx_null(err, "cannot open " DTPROC_DEV_PATH ": %s (%s)",
					 strerror(err), dtproc_open_hint(err));
	}

	if (dtproc_module_version(dp, &abi, NULL, 0) < 0) {
		err = errno;
		dtproc_close(dp);
		errno = err;
		return NULL;
	}
	if (abi != DTPROC_ABI_VERSION) {
		dtproc_close(dp);
		return dtproc_failx_null(EPROTO,
			"dtproc.ko speaks ABI %u but this libdtproc speaks ABI %u: install matching versions",
			abi, DTPROC_ABI_VERSION);
	}
	dtproc_clear_error();
	return dp;
}

DTPROC_EXPORT void dtproc_close(struct dtproc *dp)
{
	if (!dp)
		return;
	/* closing the device releases every victim by its rule */
	close(dp->fd);
	dtproc_handles_fini(dp);
	free(dp);
}

DTPROC_EXPORT int dtproc_fd(const struct dtproc *dp)
{
	return dp->fd;
}

DTPROC_EXPORT int dtproc_module_version(struct dtproc *dp, uint32_t *abi,
					char *buf, size_t len)
{
	struct dtproc_version v = { .size = sizeof(v) };
	int err;

	if (ioctl(dp->fd, DTPROC_IOC_VERSION, &v) < 0) {
		err = errno;
		if (err == ENOTTY || err == EINVAL)
			return dtproc_failx(err, "cannot read the version of dtproc.ko: " DTPROC_DEV_PATH " does not answer DTPROC_IOC_VERSION (is it dtproc.ko's? reload the module)");
		return dtproc_failx(err, "cannot read the version of dtproc.ko: %s (unexpected: report it, with dtproc.ko's version)",
				    strerror(err));
	}
	if (abi)
		*abi = v.abi_version;
	if (buf && len) {
		strncpy(buf, v.module_version, len - 1);
		buf[len - 1] = '\0';
	}
	return 0;
}
