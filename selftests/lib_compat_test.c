// SPDX-License-Identifier: GPL-2.0
/*
 * A program built against libdtproc's LIBDTPROC_1.2 header (the copy in
 * selftests/abi/, as of commit 5334c8b: struct dtproc_event without a
 * size, dtproc_feed_stats() of a DTPROC_PROBE_COUNT array,
 * dtproc_feed_join_events()) and linked against today's library: its
 * calls bind to the old symbol versions, work, and never write past the
 * structs and arrays that header gave them.
 */
#include "abi/dtproc-1.2.h"	/* first: its DTPROC_H guard wins */

#include <fcntl.h>
#include <sys/wait.h>

#include "harness.h"

#define GUARD	0xa5
#define GUARD_LEN	64

/* /bin/true (or busybox's), in a child that waits for @go first. */
static pid_t spawn_true(int *go)
{
	int fds[2];
	pid_t pid;
	char c;

	ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(126);
		execlp("true", "true", (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	*go = fds[1];
	return pid;
}

static void expect_guard(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != GUARD)
			DT_FAIL(1, "byte %zu past the old struct was written (0x%02x)",
				i, p[i]);
}

TEST(status_and_version_of_old_header)
{
	char *argv[] = { "true", NULL };
	struct dtproc_status st;
	struct dtproc_handle *h;
	struct dtproc *dp;
	char ver[64];
	uint32_t abi;
	pid_t pid;

	dp = dtproc_open();
	if (!dp)
		DT_FAIL(1, "dtproc_open: %s", dtproc_errmsg());
	ASSERT_EQ(dtproc_module_version(dp, &abi, ver, sizeof(ver)), 0);
	EXPECT_EQ(abi, DTPROC_ABI_VERSION);
	h = dtproc_create(dp, "true", argv);
	if (!h)
		DT_FAIL(1, "dtproc_create: %s", dtproc_errmsg());
	pid = dtproc_handle_pid(h);
	memset(&st, 0xaa, sizeof(st));
	ASSERT_EQ(dtproc_status(h, &st, DTPROC_STATUS_WAIT), 0);
	EXPECT_EQ(st.size, sizeof(st));
	EXPECT_EQ(st.pid, pid);
	EXPECT_EQ(st.state, DTPROC_STATE_STOPPED);
	EXPECT_EQ(st.why, DTPROC_STOP_CREATE);
	ASSERT_EQ(dtproc_continue(h), 0);
	dtproc_release(h);
	dtproc_close(dp);
	waitpid(pid, NULL, 0);
}

TEST(feed_stats_next_json_of_old_header)
{
	struct {
		struct dtproc_probe_stats s[DTPROC_PROBE_COUNT];
		unsigned char guard[GUARD_LEN];
	} stats;
	struct {
		struct dtproc_event ev;
		unsigned char guard[GUARD_LEN];
	} e;
	struct dtproc_feed *feed;
	int go, status, ret, tries;
	char line[4096], want[64];
	pid_t pid;

	feed = dtproc_feed_open();
	if (!feed)
		DT_FAIL(1, "dtproc_feed_open: %s", dtproc_errmsg());
	/* the old header's call: refused only without CAP_SYS_ADMIN */
	EXPECT_EQ(dtproc_feed_join_events(feed), 0);

	pid = spawn_true(&go);
	ret = dtproc_feed_subscribe(feed, 1U << DTPROC_PROBE_EXIT, pid, 0);
	if (ret < 0)
		DT_FAIL(1, "dtproc_feed_subscribe: %s", dtproc_errmsg());
	ASSERT_EQ(write(go, "g", 1), 1);
	close(go);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);

	/* a struct dtproc_event of the old layout: kind first, no size */
	ret = 0;
	for (tries = 0; tries < 100 && ret != 1; tries++) {
		memset(&e, GUARD, sizeof(e));
		ret = dtproc_feed_next(feed, &e.ev);
		ASSERT_GE(ret, 0);
		if (!ret)
			dtproc_feed_wait(feed, 100);
	}
	ASSERT_EQ(ret, 1);
	expect_guard(e.guard, sizeof(e.guard));
	ASSERT_EQ(e.ev.kind, DTPROC_EVENT_PROBE);
	EXPECT_EQ(e.ev.probe, DTPROC_PROBE_EXIT);
	EXPECT_EQ(e.ev.pid, pid);
	EXPECT_EQ(e.ev.exit_reason, DTPROC_CLD_EXITED);
	EXPECT_STREQ(e.ev.execname, "true");

	ret = dtproc_event_json(&e.ev, line, sizeof(line));
	ASSERT_GT(ret, 0);
	snprintf(want, sizeof(want), "\"probe\":\"exit\",\"pid\":%d,", pid);
	if (!strstr(line, want))
		DT_FAIL(1, "%s not in %s", want, line);

	memset(&stats, GUARD, sizeof(stats));
	ret = dtproc_feed_stats(feed, stats.s);
	if (ret)
		DT_FAIL(1, "dtproc_feed_stats: %d: %s", ret, dtproc_errmsg());
	expect_guard(stats.guard, sizeof(stats.guard));
	EXPECT_GE(stats.s[DTPROC_PROBE_EXIT].hits, 1);
	EXPECT_GE(stats.s[DTPROC_PROBE_EXIT].delivered, 1);
	dtproc_feed_close(feed);
}
