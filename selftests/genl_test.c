// SPDX-License-Identifier: GPL-2.0
/* The "dtproc" generic netlink family, through libdtproc and libnl-3. */
#include <fcntl.h>

#include <dtproc.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "util.h"

/*
 * Stay root but lose CAP_SYS_ADMIN (effective, permitted, inheritable and
 * bounding), keeping every other capability, CAP_NET_ADMIN among them:
 * what a host-network daemon or a --cap-add NET_ADMIN container has.
 */
static void drop_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int i = CAP_TO_INDEX(CAP_SYS_ADMIN);
	__u32 bit = CAP_TO_MASK(CAP_SYS_ADMIN);

	ASSERT_OK(prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0));
	memset(data, 0, sizeof(data));
	ASSERT_OK(syscall(SYS_capget, &hdr, data));
	data[i].effective &= ~bit;
	data[i].permitted &= ~bit;
	data[i].inheritable &= ~bit;
	ASSERT_OK(syscall(SYS_capset, &hdr, data));
	memset(data, 0, sizeof(data));
	ASSERT_OK(syscall(SYS_capget, &hdr, data));
	ASSERT_FALSE(data[i].effective & bit);
	ASSERT_TRUE(data[CAP_TO_INDEX(CAP_NET_ADMIN)].effective &
		    CAP_TO_MASK(CAP_NET_ADMIN));
	ASSERT_EQ(geteuid(), 0);
}

/*
 * The events group's join, as a program built against LIBDTPROC_1 calls
 * it (the header no longer has it: the group carries nothing).  The
 * module must still refuse the join to whoever lacks CAP_SYS_ADMIN.
 */
__asm__(".symver join_events_v1, dtproc_feed_join_events@LIBDTPROC_1");
int join_events_v1(struct dtproc_feed *feed);

/*
 * The library's descriptors are close-on-exec and non-blocking from their
 * creation (it never changes their flags afterwards).
 */
TEST(descriptors_cloexec_nonblock)
{
	struct dtproc_feed *feed = dtproc_feed_open();
	struct dtproc *dp = dtproc_open();
	int fds[2], i;

	ASSERT_TRUE(feed != NULL);
	ASSERT_TRUE(dp != NULL);
	fds[0] = dtproc_feed_fd(feed);
	fds[1] = dtproc_fd(dp);
	for (i = 0; i < 2; i++) {
		EXPECT_TRUE(fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
		EXPECT_TRUE(fcntl(fds[i], F_GETFL) & O_NONBLOCK);
	}
	dtproc_close(dp);
	dtproc_feed_close(feed);
}

TEST(family_resolves)
{
	struct dtproc_feed *feed = dtproc_feed_open();

	if (!feed)
		DT_FAIL(1, "%s", dtproc_errmsg());
	EXPECT_EQ(dtproc_feed_family_version(feed), DTPROC_GENL_VERSION);
	EXPECT_GE(dtproc_feed_fd(feed), 0);
	dtproc_feed_close(feed);
}

TEST(version_matches_uapi)
{
	char buf[DTPROC_VERSION_LEN];
	struct dtproc_feed *feed = dtproc_feed_open();
	uint32_t abi = 0;

	ASSERT_TRUE(feed != NULL);
	if (dtproc_feed_module_version(feed, &abi, buf, sizeof(buf)) < 0)
		DT_FAIL(1, "%s", dtproc_errmsg());
	EXPECT_EQ(abi, DTPROC_ABI_VERSION);
	EXPECT_TRUE(buf[0] != '\0');
	dtproc_feed_close(feed);
}

TEST(join_events_as_root)
{
	struct dtproc_feed *feed = dtproc_feed_open();

	ASSERT_TRUE(feed != NULL);
	if (join_events_v1(feed) < 0)
		DT_FAIL(1, "%s", dtproc_errmsg());
	dtproc_feed_close(feed);
}

TEST(join_events_refused_for_nobody)
{
	struct dtproc_feed *feed;

	drop_to_nobody();
	feed = dtproc_feed_open();
	ASSERT_TRUE(feed != NULL);
	EXPECT_EQ(join_events_v1(feed), -EPERM);
	dtproc_feed_close(feed);
}

TEST(commands_refused_for_nobody)
{
	struct dtproc_feed *feed;
	uint32_t abi;

	drop_to_nobody();
	feed = dtproc_feed_open();
	ASSERT_TRUE(feed != NULL);
	EXPECT_EQ(dtproc_feed_module_version(feed, &abi, NULL, 0), -EPERM);
	dtproc_feed_close(feed);
}

/*
 * A refused command's message is the module's own reason (its netlink
 * extended ack), said once, with what to do.
 */
TEST(refusal_carries_the_modules_reason)
{
	struct dtproc_feed *feed;
	uint32_t abi;

	drop_to_nobody();
	feed = dtproc_feed_open();
	ASSERT_TRUE(feed != NULL);
	EXPECT_EQ(dtproc_feed_module_version(feed, &abi, NULL, 0), -EPERM);
	EXPECT_STREQ(dtproc_errmsg(),
		     "cannot read the version of dtproc.ko: dtproc.ko says \"dtproc needs CAP_SYS_ADMIN\" (run as root)");
	EXPECT_EQ(dtproc_feed_subscribe(feed, DTPROC_PROBE_MASK_ALL, 1, 0),
		  -EPERM);
	EXPECT_STREQ(dtproc_errmsg(),
		     "cannot trace pid 1: dtproc.ko says \"dtproc needs CAP_SYS_ADMIN\" (run as root)");
	dtproc_feed_close(feed);
}

/* Issue 9 item 1: CAP_NET_ADMIN is not enough, for any command or the join. */
static void expect_all_refused(struct dtproc_feed *feed)
{
	struct dtproc_probe_stats st[DTPROC_PROBE_COUNT];
	uint32_t abi;

	EXPECT_EQ(dtproc_feed_module_version(feed, &abi, NULL, 0), -EPERM);
	EXPECT_EQ(dtproc_feed_subscribe(feed, DTPROC_PROBE_MASK_ALL, 0, 0),
		  -EPERM);
	EXPECT_EQ(dtproc_feed_unsubscribe(feed), -EPERM);
	EXPECT_EQ(dtproc_feed_stats(feed, st, DTPROC_PROBE_COUNT, sizeof(st[0])), -EPERM);
	EXPECT_EQ(join_events_v1(feed), -EPERM);
}

TEST(everything_refused_with_net_admin_only)
{
	struct dtproc_feed *feed;

	drop_sys_admin();
	feed = dtproc_feed_open();
	ASSERT_TRUE(feed != NULL);
	expect_all_refused(feed);
	dtproc_feed_close(feed);
}

/* A socket opened with CAP_SYS_ADMIN does not lend it to a sender without. */
TEST(everything_refused_after_dropping_sys_admin)
{
	struct dtproc_feed *feed = dtproc_feed_open();

	ASSERT_TRUE(feed != NULL);
	drop_sys_admin();
	expect_all_refused(feed);
	dtproc_feed_close(feed);
}
