// SPDX-License-Identifier: GPL-2.0
/*
 * The feed's messages as they arrive on the socket, read with recv() and
 * checked byte by byte against uapi/linux/dtproc.h, without libdtproc's
 * decoder: every message and attribute exactly as nla_put_*() lays them
 * out (a u32 4 bytes, a u64 8, a string its bytes and one NUL, a nest
 * flagged NLA_F_NESTED and exactly its attributes), the alignment bytes
 * zero (nothing of the kernel's memory), each attribute an event must
 * carry present once.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "proc_util.h"

/* What the uapi says an attribute holds. */
enum { W_NONE, W_U32, W_U64, W_STR, W_NEST, W_PAD };

static const unsigned char top_kinds[DTPROC_A_MAX + 1] = {
	[DTPROC_A_SEQ] = W_U64,		[DTPROC_A_PROBE] = W_U32,
	[DTPROC_A_TIMESTAMP] = W_U64,	[DTPROC_A_CPU] = W_U32,
	[DTPROC_A_PID] = W_U32,		[DTPROC_A_TID] = W_U32,
	[DTPROC_A_PPID] = W_U32,	[DTPROC_A_UID] = W_U32,
	[DTPROC_A_EXECNAME] = W_STR,	[DTPROC_A_PSINFO] = W_NEST,
	[DTPROC_A_LWPSINFO] = W_NEST,	[DTPROC_A_SIGINFO] = W_NEST,
	[DTPROC_A_SIGNO] = W_U32,	[DTPROC_A_PATH] = W_STR,
	[DTPROC_A_ERRNO] = W_U32,	[DTPROC_A_EXIT_REASON] = W_U32,
	[DTPROC_A_EXIT_STATUS] = W_U32,	[DTPROC_A_FAULT] = W_U32,
	[DTPROC_A_HANDLER] = W_U64,	[DTPROC_A_DROPPED] = W_U64,
	[DTPROC_A_PAD] = W_PAD,
};

static const unsigned char psinfo_kinds[DTPROC_PSINFO_A_MAX + 1] = {
	[DTPROC_PSINFO_A_PID] = W_U32,	[DTPROC_PSINFO_A_PPID] = W_U32,
	[DTPROC_PSINFO_A_PGID] = W_U32,	[DTPROC_PSINFO_A_SID] = W_U32,
	[DTPROC_PSINFO_A_UID] = W_U32,	[DTPROC_PSINFO_A_EUID] = W_U32,
	[DTPROC_PSINFO_A_GID] = W_U32,	[DTPROC_PSINFO_A_EGID] = W_U32,
	[DTPROC_PSINFO_A_NLWP] = W_U32,	[DTPROC_PSINFO_A_FNAME] = W_STR,
	[DTPROC_PSINFO_A_PSARGS] = W_STR, [DTPROC_PSINFO_A_ARGC] = W_U32,
	[DTPROC_PSINFO_A_START] = W_U64, [DTPROC_PSINFO_A_DMODEL] = W_U32,
	[DTPROC_PSINFO_A_PAD] = W_PAD,
};

static const unsigned char lwpsinfo_kinds[DTPROC_LWPSINFO_A_MAX + 1] = {
	[DTPROC_LWPSINFO_A_LWPID] = W_U32, [DTPROC_LWPSINFO_A_FLAG] = W_U32,
	[DTPROC_LWPSINFO_A_SNAME] = W_U32, [DTPROC_LWPSINFO_A_STATE] = W_U32,
	[DTPROC_LWPSINFO_A_NICE] = W_U32, [DTPROC_LWPSINFO_A_PRI] = W_U32,
	[DTPROC_LWPSINFO_A_SYSCALL] = W_U32,
	[DTPROC_LWPSINFO_A_CLNAME] = W_STR, [DTPROC_LWPSINFO_A_ONPRO] = W_U32,
};

static const unsigned char siginfo_kinds[DTPROC_SIGINFO_A_MAX + 1] = {
	[DTPROC_SIGINFO_A_SIGNO] = W_U32, [DTPROC_SIGINFO_A_CODE] = W_U32,
	[DTPROC_SIGINFO_A_ERRNO] = W_U32, [DTPROC_SIGINFO_A_PID] = W_U32,
	[DTPROC_SIGINFO_A_UID] = W_U32,	[DTPROC_SIGINFO_A_ADDR] = W_U64,
	[DTPROC_SIGINFO_A_STATUS] = W_U32, [DTPROC_SIGINFO_A_PAD] = W_PAD,
};

/* One level of attributes: how often each type came, and a few values. */
struct level {
	const struct nlattr	*at[64];
	unsigned int		count[64];
};

static const void *payload(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static uint32_t u32_at(const struct level *l, int type)
{
	uint32_t v = 0;

	if (l->at[type])
		memcpy(&v, payload(l->at[type]), sizeof(v));
	return v;
}

/* Its alignment bytes, after @used of @total, are zero. */
static void expect_zero_pad(const unsigned char *p, size_t used, size_t total,
			    const char *what)
{
	size_t i;

	for (i = used; i < total; i++)
		if (p[i])
			DT_FAIL(1, "%s: alignment byte %zu is 0x%02x, not 0",
				what, i, p[i]);
}

static void check_level(const void *head, size_t len,
			const unsigned char *kinds, int max, struct level *l,
			const char *what);

/* One attribute of @kind, @a, as nla_put_*() writes that kind. */
static void check_attr(const struct nlattr *a, int kind, const char *what)
{
	size_t plen = a->nla_len - NLA_HDRLEN;
	const char *s = payload(a);
	struct level inner;

	switch (kind) {
	case W_U32:
		if (plen != 4)
			DT_FAIL(1, "%s: type %d: a u32 of %zu bytes", what,
				a->nla_type & NLA_TYPE_MASK, plen);
		break;
	case W_U64:
		if (plen != 8)
			DT_FAIL(1, "%s: type %d: a u64 of %zu bytes", what,
				a->nla_type & NLA_TYPE_MASK, plen);
		break;
	case W_PAD:
		if (plen)
			DT_FAIL(1, "%s: a pad of %zu bytes", what, plen);
		break;
	case W_STR:
		if (!plen || s[plen - 1] || strlen(s) != plen - 1)
			DT_FAIL(1, "%s: type %d: not one string and its NUL in %zu bytes",
				what, a->nla_type & NLA_TYPE_MASK, plen);
		break;
	case W_NEST:
		memset(&inner, 0, sizeof(inner));
		if ((a->nla_type & NLA_TYPE_MASK) == DTPROC_A_PSINFO)
			check_level(s, plen, psinfo_kinds, DTPROC_PSINFO_A_MAX,
				    &inner, "psinfo");
		else if ((a->nla_type & NLA_TYPE_MASK) == DTPROC_A_LWPSINFO)
			check_level(s, plen, lwpsinfo_kinds,
				    DTPROC_LWPSINFO_A_MAX, &inner, "lwpsinfo");
		else
			check_level(s, plen, siginfo_kinds,
				    DTPROC_SIGINFO_A_MAX, &inner, "siginfo");
		break;
	default:
		DT_FAIL(1, "%s: attribute type %d is not in the uapi", what,
			a->nla_type);
	}
}

/*
 * The @len bytes at @head are attributes end to end, each of a type
 * @kinds knows, and every type but pads at most once; a nest holds all of
 * its own attributes.
 */
static void check_level(const void *head, size_t len,
			const unsigned char *kinds, int max, struct level *l,
			const char *what)
{
	const unsigned char *p = head;
	const struct nlattr *a;
	size_t off = 0;
	int type, t;

	while (off < len) {
		ASSERT_GE(len - off, (size_t)NLA_HDRLEN);
		a = (const struct nlattr *)(p + off);
		type = a->nla_type & NLA_TYPE_MASK;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len - off)
			DT_FAIL(1, "%s: attribute at %zu: length %u overruns %zu",
				what, off, a->nla_len, len - off);
		if (type > max || !kinds[type])
			DT_FAIL(1, "%s: attribute type %d is not in the uapi",
				what, type);
		/* nla_nest_start() flags a nest, and nothing else is flagged */
		if ((a->nla_type & ~NLA_TYPE_MASK) !=
		    (kinds[type] == W_NEST ? NLA_F_NESTED : 0))
			DT_FAIL(1, "%s: attribute type %d has flags 0x%x",
				what, type, a->nla_type & ~NLA_TYPE_MASK);
		check_attr(a, kinds[type], what);
		ASSERT_LE(off + NLA_ALIGN(a->nla_len), len);
		expect_zero_pad((const unsigned char *)a, a->nla_len,
				NLA_ALIGN(a->nla_len), what);
		if (kinds[type] != W_PAD && ++l->count[type] > 1)
			DT_FAIL(1, "%s: attribute type %d twice", what, type);
		l->at[type] = a;
		off += NLA_ALIGN(a->nla_len);
	}
	if (kinds == top_kinds)
		return;
	for (t = 1; t <= max; t++)
		if (kinds[t] != W_PAD && l->count[t] != 1)
			DT_FAIL(1, "%s: attribute type %d %u times, not once",
				what, t, l->count[t]);
}

/* What each probe's event carries besides the firing context (the uapi). */
static void check_event_args(const struct level *l, uint32_t probe)
{
	static const int context[] = {
		DTPROC_A_SEQ, DTPROC_A_PROBE, DTPROC_A_TIMESTAMP, DTPROC_A_CPU,
		DTPROC_A_PID, DTPROC_A_TID, DTPROC_A_PPID, DTPROC_A_UID,
		DTPROC_A_EXECNAME,
	};
	int want[4] = { 0 }, n = 0, i, t, args = 0;

	for (i = 0; i < (int)(sizeof(context) / sizeof(context[0])); i++)
		if (l->count[context[i]] != 1)
			DT_FAIL(1, "probe %u: context attribute %d missing",
				probe, context[i]);
	switch (probe) {
	case DTPROC_PROBE_CREATE:
		want[n++] = DTPROC_A_PSINFO;
		break;
	case DTPROC_PROBE_EXEC:
		want[n++] = DTPROC_A_PATH;
		break;
	case DTPROC_PROBE_EXEC_FAILURE:
		want[n++] = DTPROC_A_ERRNO;
		break;
	case DTPROC_PROBE_EXIT:
		want[n++] = DTPROC_A_EXIT_REASON;
		want[n++] = DTPROC_A_EXIT_STATUS;
		break;
	case DTPROC_PROBE_FAULT:
		want[n++] = DTPROC_A_FAULT;
		want[n++] = DTPROC_A_SIGINFO;
		break;
	case DTPROC_PROBE_SIGNAL_SEND:
	case DTPROC_PROBE_SIGNAL_DISCARD:
		want[n++] = DTPROC_A_SIGNO;
		/* fallthrough */
	case DTPROC_PROBE_LWP_CREATE:
		want[n++] = DTPROC_A_LWPSINFO;
		want[n++] = DTPROC_A_PSINFO;
		break;
	case DTPROC_PROBE_SIGNAL_HANDLE:
		want[n++] = DTPROC_A_SIGNO;
		want[n++] = DTPROC_A_HANDLER;
		if (l->count[DTPROC_A_SIGINFO])
			want[n++] = DTPROC_A_SIGINFO;
		break;
	case DTPROC_PROBE_SIGNAL_CLEAR:
		want[n++] = DTPROC_A_SIGNO;
		break;
	}
	for (i = 0; i < n; i++)
		if (l->count[want[i]] != 1)
			DT_FAIL(1, "probe %u: argument attribute %d missing",
				probe, want[i]);
	for (t = DTPROC_A_EXECNAME + 1; t <= DTPROC_A_MAX; t++)
		if (top_kinds[t] != W_PAD && l->count[t])
			args++;
	if (args != n)
		DT_FAIL(1, "probe %u: %d argument attributes, the uapi has %d",
			probe, args, n);
}

/* One message of the feed; the probe it fired (or -1 for a drop). */
static int check_message(const struct nlmsghdr *nh, uint32_t *pid)
{
	const size_t hdr = NLMSG_HDRLEN + GENL_HDRLEN;
	const struct genlmsghdr *gh = NLMSG_DATA(nh);
	struct level l;
	uint32_t probe;

	ASSERT_GE(nh->nlmsg_len, hdr);
	EXPECT_EQ(nh->nlmsg_flags, 0);
	EXPECT_EQ(nh->nlmsg_seq, 0U);
	EXPECT_EQ(nh->nlmsg_pid, 0U);
	EXPECT_EQ(gh->version, DTPROC_GENL_VERSION);
	EXPECT_EQ(gh->reserved, 0);
	memset(&l, 0, sizeof(l));
	check_level((const char *)nh + hdr, nh->nlmsg_len - hdr, top_kinds,
		    DTPROC_A_MAX, &l, "event");
	if (gh->cmd == DTPROC_CMD_DROP) {
		EXPECT_EQ(l.count[DTPROC_A_SEQ], 1U);
		EXPECT_EQ(l.count[DTPROC_A_DROPPED], 1U);
		return -1;
	}
	ASSERT_EQ(gh->cmd, DTPROC_CMD_EVENT);
	probe = u32_at(&l, DTPROC_A_PROBE);
	ASSERT_LT(probe, (uint32_t)DTPROC_PROBE_COUNT);
	check_event_args(&l, probe);
	*pid = u32_at(&l, DTPROC_A_PID);
	return probe;
}

/* --- the workload: every probe that carries a nest or a string --- */

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
}

static void *thread_fn(void *arg)
{
	return arg;
}

static void run_and_wait(void (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		_exit(2);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	waitpid(pid, &status, 0);
}

static void exec_true(void)
{
	execl(PU_TRUE, "true", "an-argument", (char *)NULL);
	_exit(3);
}

static void exec_missing(void)
{
	execl("/nonexistent/dtproc-wire", "dtproc-wire", (char *)NULL);
}

static void every_probe_body(void *arg)
{
	struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };
	pthread_t t;

	run_and_wait(exec_true);
	run_and_wait(exec_missing);
	run_and_wait(pu_null_store);
	if (pthread_create(&t, NULL, thread_fn, NULL) == 0)
		pthread_join(t, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	kill(getpid(), SIGUSR1);
}

TEST_TIMEOUT(event_messages_are_laid_out_as_the_uapi_says, 120)
{
	static const int need[] = {
		DTPROC_PROBE_CREATE, DTPROC_PROBE_EXEC,
		DTPROC_PROBE_EXEC_SUCCESS, DTPROC_PROBE_EXEC_FAILURE,
		DTPROC_PROBE_EXIT, DTPROC_PROBE_FAULT, DTPROC_PROBE_LWP_CREATE,
		DTPROC_PROBE_SIGNAL_SEND, DTPROC_PROBE_SIGNAL_HANDLE,
	};
	static uint64_t buf[65536 / 8];
	unsigned int seen[DTPROC_PROBE_COUNT] = { 0 }, messages = 0;
	uint64_t deadline = ut_now_ns(CLOCK_MONOTONIC) + PU_WAIT_MS * 1000000ULL;
	struct dtproc_feed *feed;
	const struct nlmsghdr *nh;
	struct pollfd pfd;
	struct pu_child c;
	bool exited = false;
	uint32_t pid;
	ssize_t n;
	int probe;
	size_t i;

	pu_spawn(&c, NULL, every_probe_body, NULL);
	feed = pu_subscribe(DTPROC_PROBE_MASK_ALL, c.pid,
			    DTPROC_FILTER_DESCENDANTS);
	pu_release(&c);
	pfd.fd = dtproc_feed_fd(feed);
	pfd.events = POLLIN;
	while (!exited && ut_ms_left(deadline)) {
		poll(&pfd, 1, 500);
		n = recv(pfd.fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			continue;
		ASSERT_GT(n, 0);
		/* the datagram is whole messages, end to end */
		for (nh = (void *)buf; NLMSG_OK(nh, n); nh = NLMSG_NEXT(nh, n)) {
			messages++;
			probe = check_message(nh, &pid);
			if (probe < 0)
				DT_FAIL(1, "events were lost");
			seen[probe]++;
			if (probe == DTPROC_PROBE_EXIT && pid == (uint32_t)c.pid)
				exited = true;
		}
		ASSERT_EQ(n, 0);
	}
	ASSERT_TRUE(exited);
	ASSERT_EXITED(ut_reap(c.pid), 0);
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!seen[need[i]])
			DT_FAIL(1, "no event of probe %d in %u messages",
				need[i], messages);
	dtproc_feed_close(feed);
}
