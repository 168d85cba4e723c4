// SPDX-License-Identifier: GPL-2.0
/* /dev/dtproc: who may open it, and what bad ioctl arguments get. */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>

#include <linux/dtproc.h>

#include "util.h"

TEST(device_is_root_only)
{
	struct stat st;

	ASSERT_OK(stat("/dev/dtproc", &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(st.st_mode & 07777, 0600);
	ASSERT_EQ(st.st_uid, 0);
}

TEST(open_as_root)
{
	close(open_dtproc());
}

TEST(open_refused_for_nobody)
{
	drop_to_nobody();
	EXPECT_ERRNO(open("/dev/dtproc", O_RDWR), EACCES);
	EXPECT_ERRNO(open("/dev/dtproc", O_RDONLY), EACCES);
}

/* Even a non-root user a node's mode would admit is refused by the module. */
TEST(open_refused_without_cap_sys_admin)
{
	const char *node = "/tmp/dtproc-0666";
	struct stat st;

	ASSERT_OK(stat("/dev/dtproc", &st));
	unlink(node);
	ASSERT_OK(mknod(node, S_IFCHR | 0666, st.st_rdev));
	ASSERT_OK(chmod(node, 0666));
	drop_to_nobody();
	EXPECT_ERRNO(open(node, O_RDWR), EPERM);
}

TEST(unknown_ioctl_is_enotty)
{
	int fd = open_dtproc();
	struct termios t;
	char buf[64] = { 0 };

	EXPECT_ERRNO(ioctl(fd, _IO(DTPROC_IOC_MAGIC, 0x7f)), ENOTTY);
	EXPECT_ERRNO(ioctl(fd, _IOWR(DTPROC_IOC_MAGIC, 0x00, char[8]), buf), ENOTTY);
	EXPECT_ERRNO(ioctl(fd, TCGETS, &t), ENOTTY);
	close(fd);
}

static void version_ok(int fd)
{
	struct dtproc_version v = { .size = sizeof(v) };

	ASSERT_OK(ioctl(fd, DTPROC_IOC_VERSION, &v));
	ASSERT_EQ(v.abi_version, DTPROC_ABI_VERSION);
	ASSERT_TRUE(v.module_version[0] != '\0');
}

TEST(version_ioctl)
{
	int fd = open_dtproc();

	ASSERT_EQ(sizeof(struct dtproc_version), DTPROC_VERSION_SIZE_VER0);
	version_ok(fd);
	close(fd);
}

TEST(short_argument_is_einval)
{
	struct dtproc_version v;
	int fd = open_dtproc();

	memset(&v, 0, sizeof(v));
	EXPECT_ERRNO(ioctl(fd, DTPROC_IOC_VERSION, &v), EINVAL);
	v.size = DTPROC_VERSION_SIZE_VER0 - 1;
	EXPECT_ERRNO(ioctl(fd, DTPROC_IOC_VERSION, &v), EINVAL);
	v.size = 4;
	EXPECT_ERRNO(ioctl(fd, DTPROC_IOC_VERSION, &v), EINVAL);
	/* Output fields must come in zeroed. */
	v.size = sizeof(v);
	v.abi_version = 7;
	EXPECT_ERRNO(ioctl(fd, DTPROC_IOC_VERSION, &v), EINVAL);
	version_ok(fd);
	close(fd);
}

TEST(oversized_argument)
{
	struct {
		struct dtproc_version v;
		unsigned char tail[64];
	} big;
	int fd = open_dtproc();

	/* Larger, with zeroes beyond what the module knows: accepted. */
	memset(&big, 0, sizeof(big));
	big.v.size = sizeof(big);
	ASSERT_OK(ioctl(fd, DTPROC_IOC_VERSION, &big));
	EXPECT_EQ(big.v.abi_version, DTPROC_ABI_VERSION);
	EXPECT_EQ(big.tail[0], 0);

	/* Larger, asking for something unknown: refused. */
	memset(&big, 0, sizeof(big));
	big.v.size = sizeof(big);
	big.tail[63] = 1;
	EXPECT_ERRNO(ioctl(fd, DTPROC_IOC_VERSION, &big), EINVAL);

	/* Beyond DTPROC_ARG_SIZE_MAX: refused before anything is read. */
	big.v.size = DTPROC_ARG_SIZE_MAX + 1;
	EXPECT_ERRNO(ioctl(fd, DTPROC_IOC_VERSION, &big), EINVAL);
	big.v.size = 0xffffffff;
	EXPECT_ERRNO(ioctl(fd, DTPROC_IOC_VERSION, &big), EINVAL);

	version_ok(fd);
	close(fd);
}

TEST(unreadable_argument_is_efault)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct dtproc_version *v;
	char *map;
	int fd = open_dtproc();

	EXPECT_ERRNO(ioctl(fd, DTPROC_IOC_VERSION, NULL), EFAULT);
	EXPECT_ERRNO(ioctl(fd, DTPROC_IOC_VERSION, (void *)-4096L), EFAULT);

	/* A structure whose size field says more than is mapped. */
	map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	ASSERT_OK(mprotect(map + pg, pg, PROT_NONE));
	v = (struct dtproc_version *)(map + pg - 16);
	v->size = sizeof(*v);
	EXPECT_ERRNO(ioctl(fd, DTPROC_IOC_VERSION, v), EFAULT);

	/* A read-only structure cannot take the answer. */
	v = (struct dtproc_version *)map;
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	ASSERT_OK(mprotect(map, pg, PROT_READ));
	EXPECT_ERRNO(ioctl(fd, DTPROC_IOC_VERSION, v), EFAULT);

	version_ok(fd);
	munmap(map, 2 * pg);
	close(fd);
}
