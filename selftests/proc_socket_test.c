// SPDX-License-Identifier: GPL-2.0
/*
 * A subscription belongs to the socket that made it (issue 9 item 2).
 *
 * Netlink port ids are reused: once a socket is closed any process may
 * bind its port id.  Nothing may reach a socket that did not subscribe,
 * and the end of an old subscription must not end a new one made from
 * the same port id.
 */
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "proc_util.h"

/* Rounds of subscribe, close, rebind. */
#define PS_ROUNDS	20

static int ps_family(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int id;

	ASSERT_TRUE(sk != NULL);
	ASSERT_OK(genl_connect(sk));
	id = genl_ctrl_resolve(sk, DTPROC_GENL_NAME);
	ASSERT_GT(id, 0);
	nl_socket_free(sk);
	return id;
}

static uint32_t ps_portid(int fd)
{
	struct sockaddr_nl sa;
	socklen_t len = sizeof(sa);

	ASSERT_OK(getsockname(fd, (struct sockaddr *)&sa, &len));
	return sa.nl_pid;
}

/* A storm of cheap events (signal-discard) until killed. */
static void ps_storm(void *arg)
{
	signal(SIGCHLD, SIG_DFL);
	for (;;)
		kill(getpid(), SIGCHLD);
}

struct ps_thief {
	uint32_t	portid;
	int		family;
	int		fd;
	int		before;		/* messages before it subscribed */
	int		ack;		/* its SUBSCRIBE's error, 1 if none came */
	int		after;		/* events 1-3 s after it subscribed */
};

/* Count what arrives on @fd for @ms; record a SUBSCRIBE ack in @ack. */
static int ps_count(int fd, int ms, int *ack)
{
	uint64_t deadline = ut_now_ns(CLOCK_MONOTONIC) + (uint64_t)ms * 1000000;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	static char buf[65536];
	struct nlmsghdr *nh;
	int n = 0, left;
	ssize_t len;

	while ((left = ut_ms_left(deadline)) > 0) {
		if (poll(&pfd, 1, left) <= 0)
			continue;
		len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (len <= 0)
			continue;
		for (nh = (void *)buf; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_ERROR && ack) {
				*ack = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
				continue;
			}
			n++;
		}
	}
	return n;
}

static int ps_subscribe_raw(struct ps_thief *t)
{
	struct {
		struct nlmsghdr		n;
		struct genlmsghdr	g;
		struct nlattr		a;
		uint32_t		mask;
	} req = {
		.n = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = t->family,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
			.nlmsg_seq = 1,
		},
		.g = { .cmd = DTPROC_CMD_SUBSCRIBE, .version = DTPROC_GENL_VERSION },
		.a = { .nla_len = NLA_HDRLEN + 4, .nla_type = DTPROC_A_PROBE_MASK },
		.mask = DTPROC_PROBE_MASK_ALL,
	};

	return send(t->fd, &req, sizeof(req), 0) == sizeof(req) ? 0 : -errno;
}

/*
 * Bind the port id of a subscriber that is about to close, as soon as it
 * is free; whatever comes then was meant for someone else.  Then subscribe
 * on it: that subscription must live.
 */
static void *ps_thief_run(void *arg)
{
	struct ps_thief *t = arg;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_pid = t->portid };
	uint64_t deadline = ut_now_ns(CLOCK_MONOTONIC) + 10000000000ull;
	int size = 1 << 20;

	t->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (t->fd < 0)
		return NULL;
	setsockopt(t->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	while (bind(t->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (errno != EADDRINUSE || !ut_ms_left(deadline)) {
			close(t->fd);
			t->fd = -1;
			return NULL;
		}
		sched_yield();
	}
	t->before = ps_count(t->fd, 500, NULL);
	t->ack = 1;
	if (ps_subscribe_raw(t))
		return NULL;
	ps_count(t->fd, 1000, &t->ack);
	t->after = ps_count(t->fd, 2000, NULL);
	return NULL;
}

TEST_TIMEOUT(closed_subscriber_port_id_reused_gets_nothing, 600)
{
	struct pu_child storm;
	struct ps_thief t;
	pthread_t thr;
	int round, leaked = 0, family = ps_family();

	/*
	 * A subscriber for the whole test keeps the hooks placed: the rounds
	 * test port ids, not hook placement (flipping tracepoints in a hot
	 * path once a round made the TCG debug guest hit a stale text-poke
	 * int3, as tools/repro/kretprobe-unregister.sh does).
	 */
	struct dtproc_feed *anchor = pu_subscribe(DTPROC_PROBE_MASK_ALL, 0, 0);

	pu_spawn(&storm, NULL, ps_storm, NULL);
	pu_release(&storm);
	for (round = 0; round < PS_ROUNDS; round++) {
		struct dtproc_feed *feed = pu_subscribe(DTPROC_PROBE_MASK_ALL, 0, 0);

		memset(&t, 0, sizeof(t));
		t.family = family;
		t.portid = ps_portid(dtproc_feed_fd(feed));
		ASSERT_OK(pthread_create(&thr, NULL, ps_thief_run, &t));
		usleep(100000);
		dtproc_feed_close(feed);
		ASSERT_OK(pthread_join(thr, NULL));
		ASSERT_GE(t.fd, 0);
		if (t.before) {
			TH_LOG("round %d: %d messages reached port %u, which never subscribed",
			       round, t.before, t.portid);
			leaked++;
		}
		EXPECT_EQ(t.ack, 0);
		if (!t.after)
			TH_LOG("round %d: the new subscription on port %u got nothing",
			       round, t.portid);
		EXPECT_GT(t.after, 0);
		close(t.fd);
	}
	kill(storm.pid, SIGKILL);
	ut_reap(storm.pid);
	dtproc_feed_close(anchor);
	EXPECT_EQ(leaked, 0);
}

/*
 * The family validates every command strictly (resv_start_op 0): the
 * genlmsghdr's reserved field must be 0, nlmsg_flags may hold only what
 * the core gives a meaning (REQUEST, ACK, ECHO, DUMP), attributes are
 * parsed strictly, and an unknown command is EOPNOTSUPP.
 */
static int ps_request(int fd, int family, uint8_t cmd, uint16_t reserved,
		      uint16_t flags, uint16_t attr)
{
	struct {
		struct nlmsghdr		n;
		struct genlmsghdr	g;
		struct nlattr		a;
		uint32_t		val;
	} req = {
		.n = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = family,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags,
			.nlmsg_seq = 7,
		},
		.g = { .cmd = cmd, .version = DTPROC_GENL_VERSION,
		       .reserved = reserved },
		.a = { .nla_len = NLA_HDRLEN + 4, .nla_type = attr },
	};
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	static char buf[65536];
	struct nlmsghdr *nh;
	ssize_t len;

	if (!attr)
		req.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	ASSERT_EQ(send(fd, &req, req.n.nlmsg_len, 0), (ssize_t)req.n.nlmsg_len);
	for (;;) {
		ASSERT_EQ(poll(&pfd, 1, 10000), 1);
		len = recv(fd, buf, sizeof(buf), 0);
		ASSERT_GT(len, 0);
		for (nh = (void *)buf; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len))
			if (nh->nlmsg_type == NLMSG_ERROR && nh->nlmsg_seq == 7)
				return ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
	}
}

TEST_TIMEOUT(genl_commands_validated_strictly, 60)
{
	int family = ps_family();
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	ASSERT_GE(fd, 0);
	/* well-formed: accepted */
	EXPECT_EQ(ps_request(fd, family, DTPROC_CMD_GET_VERSION, 0, 0, 0), 0);
	EXPECT_EQ(ps_request(fd, family, DTPROC_CMD_GET_STATS, 0, 0, 0), 0);
	/* no such command */
	EXPECT_EQ(ps_request(fd, family, DTPROC_CMD_MAX + 1, 0, 0, 0),
		  -EOPNOTSUPP);
	EXPECT_EQ(ps_request(fd, family, 200, 0, 0, 0), -EOPNOTSUPP);
	/* the reserved field of the genl header */
	EXPECT_EQ(ps_request(fd, family, DTPROC_CMD_GET_VERSION, 1, 0, 0),
		  -EINVAL);
	EXPECT_EQ(ps_request(fd, family, DTPROC_CMD_SUBSCRIBE, 0x100, 0,
			     DTPROC_A_PROBE_MASK), -EINVAL);
	/* netlink flags a request cannot mean */
	EXPECT_EQ(ps_request(fd, family, DTPROC_CMD_GET_VERSION, 0,
			     NLM_F_CREATE | NLM_F_EXCL, 0), -EINVAL);
	EXPECT_EQ(ps_request(fd, family, DTPROC_CMD_UNSUBSCRIBE, 0,
			     NLM_F_REPLACE, 0), -EINVAL);
	/* an attribute the family does not have, or the command does not take */
	EXPECT_EQ(ps_request(fd, family, DTPROC_CMD_GET_VERSION, 0, 0,
			     DTPROC_A_MAX + 1), -EINVAL);
	EXPECT_EQ(ps_request(fd, family, DTPROC_CMD_GET_STATS, 0, 0,
			     DTPROC_A_PROBE_MASK), -EINVAL);
	close(fd);
}
