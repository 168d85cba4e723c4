// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side tests of lib/event.c, libdtproc's decoder of the feed's
 * messages, which walks the attributes in place instead of through libnl's
 * parser.  Well-formed messages are built with libnl's own nla_put_*()
 * (the layout the kernel's nla_put_*() writes); malformed ones by hand.
 * Each must decode to the same values, or be refused with -EPROTO.
 */
#include <errno.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "internal.h"

#include "harness.h"

#define FAMILY	0x1d	/* any: the decoder does not look at it */

static struct nl_msg *new_msg(int cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg)
		genlmsg_put(msg, 0, 0, FAMILY, 0, 0, cmd, 1);
	return msg;
}

static void put_header(struct nl_msg *msg, int probe)
{
	nla_put_u64(msg, DTPROC_A_SEQ, 42);
	nla_put_u32(msg, DTPROC_A_PROBE, probe);
	nla_put_u64(msg, DTPROC_A_TIMESTAMP, 123456789012ULL);
	nla_put_u32(msg, DTPROC_A_CPU, 1);
	nla_put_u32(msg, DTPROC_A_PID, 100);
	nla_put_u32(msg, DTPROC_A_TID, 101);
	nla_put_u32(msg, DTPROC_A_PPID, 1);
	nla_put_u32(msg, DTPROC_A_UID, 1000);
	nla_put_string(msg, DTPROC_A_EXECNAME, "bash");
}

static void put_psinfo(struct nl_msg *msg)
{
	struct nlattr *nest = nla_nest_start(msg, DTPROC_A_PSINFO);

	nla_put_u32(msg, DTPROC_PSINFO_A_PID, 200);
	nla_put_u32(msg, DTPROC_PSINFO_A_PPID, 100);
	nla_put_u32(msg, DTPROC_PSINFO_A_PGID, 200);
	nla_put_u32(msg, DTPROC_PSINFO_A_SID, 7);
	nla_put_u32(msg, DTPROC_PSINFO_A_UID, 1000);
	nla_put_u32(msg, DTPROC_PSINFO_A_EUID, 0);
	nla_put_u32(msg, DTPROC_PSINFO_A_GID, 1001);
	nla_put_u32(msg, DTPROC_PSINFO_A_EGID, 1002);
	nla_put_u32(msg, DTPROC_PSINFO_A_NLWP, 3);
	nla_put_string(msg, DTPROC_PSINFO_A_FNAME, "sleep");
	nla_put_string(msg, DTPROC_PSINFO_A_PSARGS, "sleep 10");
	nla_put_u32(msg, DTPROC_PSINFO_A_ARGC, 2);
	nla_put_u64(msg, DTPROC_PSINFO_A_START, 1700000000123456789ULL);
	nla_put_u32(msg, DTPROC_PSINFO_A_DMODEL, 2);
	nla_nest_end(msg, nest);
}

static void put_lwpsinfo(struct nl_msg *msg)
{
	struct nlattr *nest = nla_nest_start(msg, DTPROC_A_LWPSINFO);

	nla_put_u32(msg, DTPROC_LWPSINFO_A_LWPID, 201);
	nla_put_u32(msg, DTPROC_LWPSINFO_A_FLAG, 0x10);
	nla_put_u32(msg, DTPROC_LWPSINFO_A_SNAME, 'S');
	nla_put_u32(msg, DTPROC_LWPSINFO_A_STATE, 1);
	nla_put_u32(msg, DTPROC_LWPSINFO_A_NICE, (uint32_t)-5);
	nla_put_u32(msg, DTPROC_LWPSINFO_A_PRI, 120);
	nla_put_u32(msg, DTPROC_LWPSINFO_A_SYSCALL, 61);
	nla_put_string(msg, DTPROC_LWPSINFO_A_CLNAME, "TS");
	nla_put_u32(msg, DTPROC_LWPSINFO_A_ONPRO, 0);
	nla_nest_end(msg, nest);
}

static int decode(struct nl_msg *msg, struct dtproc_event *ev)
{
	return dtproc_event_decode(nlmsg_hdr(msg), ev);
}

TEST(signal_send_decodes_every_member)
{
	struct nl_msg *msg = new_msg(DTPROC_CMD_EVENT);
	struct dtproc_event ev;

	ASSERT_TRUE(msg != NULL);
	put_header(msg, DTPROC_PROBE_SIGNAL_SEND);
	nla_put_u32(msg, DTPROC_A_SIGNO, 15);
	put_lwpsinfo(msg);
	put_psinfo(msg);
	ASSERT_EQ(decode(msg, &ev), 0);
	EXPECT_EQ(ev.size, (uint32_t)sizeof(ev));
	EXPECT_EQ(ev.kind, DTPROC_EVENT_PROBE);
	EXPECT_EQ(ev.seq, 42ULL);
	EXPECT_EQ(ev.probe, DTPROC_PROBE_SIGNAL_SEND);
	EXPECT_EQ(ev.ts, 123456789012ULL);
	EXPECT_EQ(ev.cpu, 1U);
	EXPECT_EQ(ev.pid, 100);
	EXPECT_EQ(ev.tid, 101);
	EXPECT_EQ(ev.ppid, 1);
	EXPECT_EQ(ev.uid, 1000U);
	EXPECT_STREQ(ev.execname, "bash");
	EXPECT_EQ(ev.signo, 15);
	EXPECT_EQ(ev.has, DTPROC_HAS_PSINFO | DTPROC_HAS_LWPSINFO);
	EXPECT_EQ(ev.lwpsinfo.pr_lwpid, 201);
	EXPECT_EQ(ev.lwpsinfo.pr_flag, 0x10);
	EXPECT_EQ(ev.lwpsinfo.pr_sname, 'S');
	EXPECT_EQ(ev.lwpsinfo.pr_state, 1);
	EXPECT_EQ(ev.lwpsinfo.pr_nice, -5);
	EXPECT_EQ(ev.lwpsinfo.pr_pri, 120);
	EXPECT_EQ(ev.lwpsinfo.pr_syscall, 61);
	EXPECT_STREQ(ev.lwpsinfo.pr_clname, "TS");
	EXPECT_EQ(ev.psinfo.pr_pid, 200);
	EXPECT_EQ(ev.psinfo.pr_ppid, 100);
	EXPECT_EQ(ev.psinfo.pr_pgid, 200);
	EXPECT_EQ(ev.psinfo.pr_sid, 7);
	EXPECT_EQ(ev.psinfo.pr_uid, 1000U);
	EXPECT_EQ(ev.psinfo.pr_euid, 0U);
	EXPECT_EQ(ev.psinfo.pr_gid, 1001U);
	EXPECT_EQ(ev.psinfo.pr_egid, 1002U);
	EXPECT_EQ(ev.psinfo.pr_nlwp, 3);
	EXPECT_STREQ(ev.psinfo.pr_fname, "sleep");
	EXPECT_STREQ(ev.psinfo.pr_psargs, "sleep 10");
	EXPECT_EQ(ev.psinfo.pr_argc, 2);
	EXPECT_EQ(ev.psinfo.pr_start, 1700000000123456789ULL);
	EXPECT_EQ(ev.psinfo.pr_dmodel, 2);
	nlmsg_free(msg);
}

TEST(signal_handle_with_siginfo)
{
	struct nl_msg *msg = new_msg(DTPROC_CMD_EVENT);
	struct dtproc_event ev;
	struct nlattr *nest;

	ASSERT_TRUE(msg != NULL);
	put_header(msg, DTPROC_PROBE_SIGNAL_HANDLE);
	nla_put_u32(msg, DTPROC_A_SIGNO, 11);
	nla_put_u64(msg, DTPROC_A_HANDLER, 0x401000);
	nest = nla_nest_start(msg, DTPROC_A_SIGINFO);
	nla_put_u32(msg, DTPROC_SIGINFO_A_SIGNO, 11);
	nla_put_u32(msg, DTPROC_SIGINFO_A_CODE, (uint32_t)-6);
	nla_put_u32(msg, DTPROC_SIGINFO_A_ERRNO, 0);
	nla_put_u32(msg, DTPROC_SIGINFO_A_PID, 55);
	nla_put_u32(msg, DTPROC_SIGINFO_A_UID, 1000);
	nla_put_u64(msg, DTPROC_SIGINFO_A_ADDR, 0xdeadbeef000ULL);
	nla_put_u32(msg, DTPROC_SIGINFO_A_STATUS, 3);
	nla_nest_end(msg, nest);
	ASSERT_EQ(decode(msg, &ev), 0);
	EXPECT_EQ(ev.has, DTPROC_HAS_SIGINFO);
	EXPECT_EQ(ev.handler, 0x401000ULL);
	EXPECT_EQ(ev.siginfo.signo, 11);
	EXPECT_EQ(ev.siginfo.code, -6);
	EXPECT_EQ(ev.siginfo.pid, 55);
	EXPECT_EQ(ev.siginfo.uid, 1000U);
	EXPECT_EQ(ev.siginfo.addr, 0xdeadbeef000ULL);
	EXPECT_EQ(ev.siginfo.status, 3);
	nlmsg_free(msg);
}

TEST(drop_decodes)
{
	struct nl_msg *msg = new_msg(DTPROC_CMD_DROP);
	struct dtproc_event ev;

	ASSERT_TRUE(msg != NULL);
	nla_put_u64(msg, DTPROC_A_SEQ, 9);
	nla_put_u64(msg, DTPROC_A_DROPPED, 4);
	ASSERT_EQ(decode(msg, &ev), 0);
	EXPECT_EQ(ev.kind, DTPROC_EVENT_DROP);
	EXPECT_EQ(ev.seq, 9ULL);
	EXPECT_EQ(ev.dropped, 4ULL);
	nlmsg_free(msg);
}

TEST(unknown_attributes_and_pads_are_skipped)
{
	struct nl_msg *msg = new_msg(DTPROC_CMD_EVENT);
	struct dtproc_event ev;
	struct nlattr *nest;

	ASSERT_TRUE(msg != NULL);
	nla_put(msg, DTPROC_A_PAD, 0, NULL);
	put_header(msg, DTPROC_PROBE_EXEC);
	nla_put_u32(msg, 400, 7);	/* a newer module's attribute */
	nest = nla_nest_start(msg, 401);
	nla_put_u64(msg, 1, 1);
	nla_nest_end(msg, nest);
	nla_put_string(msg, DTPROC_A_PATH, "/bin/true");
	ASSERT_EQ(decode(msg, &ev), 0);
	EXPECT_EQ(ev.probe, DTPROC_PROBE_EXEC);
	EXPECT_STREQ(ev.path, "/bin/true");
	EXPECT_EQ(ev.pid, 100);
	nlmsg_free(msg);
}

TEST(long_and_unterminated_strings_are_cut)
{
	struct nl_msg *msg = new_msg(DTPROC_CMD_EVENT);
	struct dtproc_event ev;

	ASSERT_TRUE(msg != NULL);
	put_header(msg, DTPROC_PROBE_EXEC);
	/* the last one counts: longer than execname's 16 bytes */
	nla_put_string(msg, DTPROC_A_EXECNAME, "a-name-far-longer-than-sixteen");
	nla_put(msg, DTPROC_A_PATH, 3, "abc");	/* no NUL */
	ASSERT_EQ(decode(msg, &ev), 0);
	EXPECT_STREQ(ev.execname, "a-name-far-long");
	EXPECT_STREQ(ev.path, "abc");
	nlmsg_free(msg);
}

/* A message of @len attribute bytes copied from @attrs, by hand. */
static struct nlmsghdr *raw_msg(void *buf, int cmd, const void *attrs,
				size_t len)
{
	struct nlmsghdr *nh = buf;
	struct genlmsghdr *gh = NLMSG_DATA(nh);

	memset(buf, 0, NLMSG_HDRLEN + GENL_HDRLEN + len);
	nh->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + len;
	nh->nlmsg_type = FAMILY;
	gh->cmd = cmd;
	memcpy((char *)gh + GENL_HDRLEN, attrs, len);
	return nh;
}

struct attr32 {
	struct nlattr	nla;
	uint32_t	v;
};

TEST(malformed_messages_are_refused)
{
	uint64_t buf[64];
	struct dtproc_event ev;
	struct attr32 probe = {
		{ sizeof(probe), DTPROC_A_PROBE }, DTPROC_PROBE_EXIT
	};
	struct nlmsghdr *nh;
	struct attr32 a[3];

	/* shorter than its own headers */
	nh = raw_msg(buf, DTPROC_CMD_EVENT, NULL, 0);
	nh->nlmsg_len = NLMSG_HDRLEN;
	EXPECT_EQ(dtproc_event_decode(nh, &ev), -EPROTO);

	/* well-formed: the baseline the others break */
	a[0] = probe;
	EXPECT_EQ(dtproc_event_decode(raw_msg(buf, DTPROC_CMD_EVENT, a,
					      sizeof(a[0])), &ev), 0);
	EXPECT_EQ(ev.probe, DTPROC_PROBE_EXIT);

	/* an attribute longer than the message */
	a[0].nla.nla_len = sizeof(a[0]) + 4;
	EXPECT_EQ(dtproc_event_decode(raw_msg(buf, DTPROC_CMD_EVENT, a,
					      sizeof(a[0])), &ev), -EPROTO);

	/* an attribute shorter than its own header */
	a[0].nla.nla_len = 2;
	EXPECT_EQ(dtproc_event_decode(raw_msg(buf, DTPROC_CMD_EVENT, a,
					      sizeof(a[0])), &ev), -EPROTO);

	/* a u32 with two bytes */
	a[0] = probe;
	a[1] = probe;
	a[1].nla.nla_type = DTPROC_A_PID;
	a[1].nla.nla_len = NLA_HDRLEN + 2;
	EXPECT_EQ(dtproc_event_decode(raw_msg(buf, DTPROC_CMD_EVENT, a,
					      2 * sizeof(a[0])), &ev), -EPROTO);

	/* a u64 with four bytes */
	a[1].nla.nla_type = DTPROC_A_TIMESTAMP;
	a[1].nla.nla_len = sizeof(a[1]);
	EXPECT_EQ(dtproc_event_decode(raw_msg(buf, DTPROC_CMD_EVENT, a,
					      2 * sizeof(a[0])), &ev), -EPROTO);

	/* a nest whose attribute runs past the nest */
	a[1].nla.nla_type = DTPROC_A_PSINFO;
	a[1].nla.nla_len = sizeof(a[1]);
	a[1].v = (DTPROC_PSINFO_A_PID << 16) | 8;  /* nla_len 8, type PID */
	EXPECT_EQ(dtproc_event_decode(raw_msg(buf, DTPROC_CMD_EVENT, a,
					      2 * sizeof(a[0])), &ev), -EPROTO);

	/* a nest too short for its u32, though the message has room */
	a[1].nla.nla_len = NLA_HDRLEN + NLA_HDRLEN;
	a[1].v = (DTPROC_PSINFO_A_PID << 16) | NLA_HDRLEN;
	a[2] = probe;
	EXPECT_EQ(dtproc_event_decode(raw_msg(buf, DTPROC_CMD_EVENT, a,
					      3 * sizeof(a[0])), &ev), -EPROTO);

	/* an event without its probe, and a command this library lacks */
	a[0].nla.nla_type = DTPROC_A_PID;
	EXPECT_EQ(dtproc_event_decode(raw_msg(buf, DTPROC_CMD_EVENT, a,
					      sizeof(a[0])), &ev), -EPROTO);
	a[0] = probe;
	EXPECT_EQ(dtproc_event_decode(raw_msg(buf, 99, a, sizeof(a[0])), &ev),
		  -EPROTO);

	/* a probe number past the last */
	a[0].v = DTPROC_PROBE_COUNT;
	EXPECT_EQ(dtproc_event_decode(raw_msg(buf, DTPROC_CMD_EVENT, a,
					      sizeof(a[0])), &ev), -EPROTO);
}

/* The kernel's nla_nest_start() flags a nest NLA_F_NESTED. */
TEST(flagged_nests_decode)
{
	/* each word an nlattr header (length | type << 16) or a u32 */
	const uint32_t a[] = {
		8 | DTPROC_A_PROBE << 16, DTPROC_PROBE_CREATE,
		12 | (DTPROC_A_PSINFO | NLA_F_NESTED) << 16,
		8 | DTPROC_PSINFO_A_PPID << 16, 77,
	};
	uint64_t buf[16];
	struct dtproc_event ev;

	ASSERT_EQ(dtproc_event_decode(raw_msg(buf, DTPROC_CMD_EVENT, a,
					      sizeof(a)), &ev), 0);
	EXPECT_EQ(ev.has, DTPROC_HAS_PSINFO);
	EXPECT_EQ(ev.psinfo.pr_ppid, 77);
}
