/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by dtproc's selftests. */
#ifndef DTPROC_SELFTEST_UTIL_H
#define DTPROC_SELFTEST_UTIL_H

#include <fcntl.h>
#include <grp.h>
#include <unistd.h>

#include "harness.h"

#define NOBODY 65534

/* Become uid/gid 65534 with no supplementary groups and no capabilities. */
static inline void drop_to_nobody(void)
{
	ASSERT_OK(setgroups(0, NULL));
	ASSERT_OK(setgid(NOBODY));
	ASSERT_OK(setuid(NOBODY));
	ASSERT_EQ(geteuid(), NOBODY);
}

static inline int open_dtproc(void)
{
	int fd = open("/dev/dtproc", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		DT_FAIL(1, "open /dev/dtproc: %s", strerror(errno));
	return fd;
}

#endif /* DTPROC_SELFTEST_UTIL_H */
