// SPDX-License-Identifier: GPL-2.0
/* The "dtproc" generic netlink family, through libdtproc and libnl-3. */
#include <dtproc.h>

#include "util.h"

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
	if (dtproc_feed_join_events(feed) < 0)
		DT_FAIL(1, "%s", dtproc_errmsg());
	dtproc_feed_close(feed);
}

TEST(join_events_refused_for_nobody)
{
	struct dtproc_feed *feed;

	drop_to_nobody();
	feed = dtproc_feed_open();
	ASSERT_TRUE(feed != NULL);
	EXPECT_EQ(dtproc_feed_join_events(feed), -EPERM);
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
