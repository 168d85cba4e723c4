// SPDX-License-Identifier: GPL-2.0
/* dtproc.ko loads and unloads cleanly, over and over. */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include <linux/dtproc.h>

#include "util.h"

static int load(int kofd)
{
	return syscall(SYS_finit_module, kofd, "", 0);
}

static int unload(void)
{
	return syscall(SYS_delete_module, "dtproc", O_NONBLOCK);
}

TEST_TIMEOUT(load_unload_100_times, 240)
{
	const char *ko = getenv("DTPROC_KO");
	struct dtproc_version v;
	int kofd, fd, i;

	if (!ko)
		SKIP("DTPROC_KO is not set (run inside tools/vm/run)");
	kofd = open(ko, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(kofd, 0);

	/* The guest loaded it already; end the test with it loaded too. */
	for (i = 0; i < 100; i++) {
		ASSERT_OK(unload());
		ASSERT_EQ(access("/dev/dtproc", F_OK), -1);
		ASSERT_OK(load(kofd));

		fd = open_dtproc();
		memset(&v, 0, sizeof(v));
		v.size = sizeof(v);
		ASSERT_OK(ioctl(fd, DTPROC_IOC_VERSION, &v));
		ASSERT_EQ(v.abi_version, DTPROC_ABI_VERSION);
		close(fd);
	}
	close(kofd);
}

TEST(unload_refused_while_open)
{
	int fd = open_dtproc();

	ASSERT_ERRNO(unload(), EWOULDBLOCK);
	close(fd);
}
