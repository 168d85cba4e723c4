// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_genl: random and malformed messages to the "dtproc" generic netlink
 * family, then invariants.
 *
 *   fuzz_genl [-s SEED] [-n MESSAGES] [-v]
 *
 * Four threads send MESSAGES requests in all (after a warm-up round of a
 * tenth as many) on raw NETLINK_GENERIC sockets, half the time on one
 * shared socket and otherwise on one of the others, while sockets are
 * closed and opened again under them (subscribed ones with events in
 * flight: a child keeps forking, exec'ing, exiting and signalling), joined
 * to and dropped from multicast groups, their receive buffers resized and
 * drained now and then (or left full, so that deliveries fail).  Each
 * request is:
 *
 *   header    nlmsg_type the family's id mostly, else nlctrl, a neighbour
 *             or any number; flags REQUEST with or without ACK, DUMP, ECHO
 *             or anything; nlmsg_len exact, short or long, trailing bytes,
 *             several messages in one datagram;
 *   genl      every command of the family (and EVENT, DROP, 0 and unknown
 *             ones), version 1 or another, reserved bytes zero or not;
 *   attrs     none, every attribute with its right type, wrong lengths,
 *             strings without their NUL, duplicates, unknown ids, the nested
 *             and byte-order flags, nests of garbage, lengths running past
 *             the message; SUBSCRIBE with valid masks, filter pids (ours, a
 *             child's, init's, none) and flags often enough to subscribe.
 *
 * Invariants checked: the module answers GET_VERSION (during and after)
 * and GET_STATS, a victim grabbed before the fuzz is still stopped by its
 * grab, a clean subscriber (libdtproc) sees no gap in its seq and the feed
 * still delivers, no subscription outlives its socket (hit counters stand
 * still once every socket is closed), slab usage does not grow
 * (fuzz_util.h), and the module unloads and loads again.
 */
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/utsname.h>

#include "fuzz_util.h"

#define FZ_DEFAULT_MSGS		200000
#define FZ_THREADS		4
#define FZ_SLOTS		8
#define FZ_SLOT_FD0		900	/* above anything socket() hands out here */
#define FZ_BUF			8192

/* The clean subscriber's probes; the fuzz's masks add and drop the others. */
#define FZ_CLEAN_MASK	((1u << DTPROC_PROBE_CREATE) | (1u << DTPROC_PROBE_EXEC) | \
			 (1u << DTPROC_PROBE_EXEC_SUCCESS) | (1u << DTPROC_PROBE_EXIT) | \
			 (1u << DTPROC_PROBE_START) | (1u << DTPROC_PROBE_SIGNAL_SEND))

static struct fz_held held;
static uint16_t family;
static uint32_t events_group;
static pid_t loader;
static _Atomic pid_t loader_kid;	/* the loader's latest child, for filters */

static atomic_bool round_over;
static atomic_long version_checks, version_fails, held_checks, held_fails;
static char held_fail_why[256];

struct fz_stats {
	long	sent, msgs, send_err, reopens, drains, received, events,
		drop_reports, joins, bufs, subscribes;
	long	acks[256];		/* -error of NLMSG_ERROR answers */
	long	bad_replies;
	char	bad_what[160];
};

static struct fz_stats round_stats;
static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;

static void stats_merge(const struct fz_stats *s)
{
	long *d = (long *)&round_stats;
	const long *a = (const long *)s;
	size_t i, n = offsetof(struct fz_stats, bad_what) / sizeof(long);

	pthread_mutex_lock(&stats_lock);
	if (s->bad_replies && !round_stats.bad_replies)
		memcpy(round_stats.bad_what, s->bad_what, sizeof(s->bad_what));
	for (i = 0; i < n; i++)
		d[i] += a[i];
	pthread_mutex_unlock(&stats_lock);
}

/* --- raw generic netlink --- */

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int nl_send(int fd, const void *buf, size_t len, int flags)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	return sendto(fd, buf, len, flags, (struct sockaddr *)&sa, sizeof(sa));
}

/* Put attribute @type with @len bytes of @data at @p; returns its size. */
static size_t nla_put_raw(char *p, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)p;

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(p + NLA_HDRLEN, data, len);
	memset(p + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	return NLA_ALIGN(a->nla_len);
}

/* A request: header, genl header, attributes of @alen bytes at @attrs. */
static size_t nl_msg(char *buf, uint16_t type, uint16_t flags, uint8_t cmd,
		     const void *attrs, size_t alen)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = NLMSG_DATA(nlh);

	memset(buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = 1;
	g->cmd = cmd;
	g->version = DTPROC_GENL_VERSION;
	memcpy((char *)g + GENL_HDRLEN, attrs, alen);
	nlh->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + alen;
	return nlh->nlmsg_len;
}

/* Attributes of a reply, indexed by type (the last one of each type). */
static void nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb,
		     int max)
{
	const char *p = (const char *)NLMSG_DATA(nlh) + GENL_HDRLEN;
	const char *end = (const char *)nlh + nlh->nlmsg_len;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const void *)p;

		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) <= max)
			tb[a->nla_type & NLA_TYPE_MASK] = a;
		p += NLA_ALIGN(a->nla_len);
	}
}

/*
 * Send one request on a fresh socket and wait (5 s) for its answer;
 * returns the reply's length in @buf, or -errno.
 */
static int nl_request(uint16_t type, uint8_t cmd, const void *attrs,
		      size_t alen, char *buf, size_t size)
{
	struct timeval tv = { 5, 0 };
	int fd = nl_open(), ret = -EIO;
	ssize_t n;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = nl_msg(buf, type, NLM_F_REQUEST | NLM_F_ACK, cmd, attrs, alen);
	if (nl_send(fd, buf, n, 0) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

		n = recv(fd, buf, size, 0);
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n < NLMSG_HDRLEN || !NLMSG_OK(nlh, (size_t)n))
			break;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(nlh);

			ret = e->error ? e->error : -ENODATA;
			break;
		}
		if (nlh->nlmsg_type == type) {	/* nlctrl answers NEWFAMILY */
			ret = nlh->nlmsg_len;
			break;
		}
	}
out:
	close(fd);
	return ret;
}

/* CTRL_CMD_GETFAMILY "dtproc": its id and the events group's id. */
static int nl_resolve(void)
{
	char attrs[64], buf[FZ_BUF];
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	const struct nlattr *grp;
	size_t alen;
	int ret;

	alen = nla_put_raw(attrs, CTRL_ATTR_FAMILY_NAME, DTPROC_GENL_NAME,
			   sizeof(DTPROC_GENL_NAME));
	ret = nl_request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, attrs, alen, buf,
			 sizeof(buf));
	if (ret < 0)
		return ret;
	nl_parse((struct nlmsghdr *)buf, tb, CTRL_ATTR_MAX);
	if (!tb[CTRL_ATTR_FAMILY_ID])
		return -ENOENT;
	family = *(const uint16_t *)((const char *)tb[CTRL_ATTR_FAMILY_ID] + NLA_HDRLEN);
	grp = tb[CTRL_ATTR_MCAST_GROUPS];
	if (grp) {
		/* one nest per group: CTRL_ATTR_MCAST_GRP_NAME, _ID */
		const char *p = (const char *)grp + NLA_HDRLEN;
		const char *end = (const char *)grp + grp->nla_len;

		while (p + NLA_HDRLEN <= end) {
			const struct nlattr *g = (const void *)p;
			const char *q = p + NLA_HDRLEN;

			if (g->nla_len < NLA_HDRLEN)
				break;
			while (q + NLA_HDRLEN <= p + g->nla_len) {
				const struct nlattr *a = (const void *)q;

				if (a->nla_len < NLA_HDRLEN)
					break;
				if (a->nla_type == CTRL_ATTR_MCAST_GRP_ID)
					events_group = *(const uint32_t *)(q + NLA_HDRLEN);
				q += NLA_ALIGN(a->nla_len);
			}
			p += NLA_ALIGN(g->nla_len);
		}
	}
	return 0;
}

/* GET_VERSION on a fresh socket: 0 if it answers our ABI version. */
static int nl_version(void)
{
	const struct nlattr *tb[DTPROC_A_MAX + 1];
	char buf[FZ_BUF];
	int ret = nl_request(family, DTPROC_CMD_GET_VERSION, NULL, 0, buf,
			     sizeof(buf));

	if (ret < 0)
		return ret;
	nl_parse((struct nlmsghdr *)buf, tb, DTPROC_A_MAX);
	if (!tb[DTPROC_A_ABI_VERSION] || !tb[DTPROC_A_MODULE_VERSION] ||
	    *(const uint32_t *)((const char *)tb[DTPROC_A_ABI_VERSION] + NLA_HDRLEN) !=
	    DTPROC_ABI_VERSION)
		return -EPROTO;
	return 0;
}

/* After a reload: the family has a new id. */
static int nl_resolve_version(void)
{
	int ret = nl_resolve();

	return ret ? ret : nl_version();
}

/* GET_STATS: the hit counter of each probe; 0, or -errno. */
static int nl_hits(uint64_t hits[DTPROC_PROBE_COUNT], int *nnests)
{
	const struct nlmsghdr *nlh;
	char buf[FZ_BUF];
	const char *p, *end;
	int ret = nl_request(family, DTPROC_CMD_GET_STATS, NULL, 0, buf,
			     sizeof(buf));

	if (ret < 0)
		return ret;
	memset(hits, 0, sizeof(uint64_t) * DTPROC_PROBE_COUNT);
	*nnests = 0;
	nlh = (const struct nlmsghdr *)buf;
	p = (const char *)NLMSG_DATA(nlh) + GENL_HDRLEN;
	end = buf + nlh->nlmsg_len;
	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *n = (const void *)p, *tb[DTPROC_STATS_A_MAX + 1];
		const char *q = p + NLA_HDRLEN;
		uint32_t probe;

		if (n->nla_len < NLA_HDRLEN)
			break;
		memset(tb, 0, sizeof(tb));
		while (q + NLA_HDRLEN <= p + n->nla_len) {
			const struct nlattr *a = (const void *)q;

			if (a->nla_len < NLA_HDRLEN)
				break;
			if (a->nla_type <= DTPROC_STATS_A_MAX)
				tb[a->nla_type] = a;
			q += NLA_ALIGN(a->nla_len);
		}
		if ((n->nla_type & NLA_TYPE_MASK) == DTPROC_A_STATS &&
		    tb[DTPROC_STATS_A_PROBE] && tb[DTPROC_STATS_A_HITS]) {
			probe = *(const uint32_t *)((const char *)tb[DTPROC_STATS_A_PROBE] + NLA_HDRLEN);
			if (probe < DTPROC_PROBE_COUNT) {
				memcpy(&hits[probe], (const char *)tb[DTPROC_STATS_A_HITS] +
				       NLA_HDRLEN, 8);
				(*nnests)++;
			}
		}
		p += NLA_ALIGN(n->nla_len);
	}
	return 0;
}

/* --- building requests --- */

struct fz_thread {
	int		id;
	long		quota;
	struct fz_rng	rng;
	char		buf[FZ_BUF];
	char		rbuf[32768];
	struct fz_stats	st;
	pthread_t	thread;
};

static int32_t pick_pid(struct fz_rng *r)
{
	switch (fz_below(r, 10)) {
	case 0:
		return getpid();
	case 1:
		return 1;
	case 2:
		return 0;
	case 3:
		return held.pid;
	case 4:
		return loader;
	case 5:
		return atomic_load(&loader_kid);
	case 6:
		return -(int32_t)fz_below(r, 100);
	case 7:
		return 1 + fz_below(r, 32768);
	case 8:
		return INT32_MAX;
	default:
		return atomic_load(&loader_kid) + fz_below(r, 3);
	}
}

/*
 * A valid mask: almost always within the clean subscriber's, so the set of
 * hooks placed changes at the churner's pace (below), not at every request:
 * placing and removing hooks waits for RCU grace periods, slow under TCG.
 */
static uint32_t valid_mask(struct fz_rng *r)
{
	return (uint32_t)fz_next(r) &
	       (fz_pct(r, 98) ? FZ_CLEAN_MASK : DTPROC_PROBE_MASK_ALL);
}

static uint32_t pick_mask(struct fz_rng *r)
{
	switch (fz_below(r, 6)) {
	case 0:
		return fz_pct(r, 2) ? DTPROC_PROBE_MASK_ALL : FZ_CLEAN_MASK;
	case 1:
		return fz_pct(r, 2) ? 1u << fz_below(r, DTPROC_PROBE_COUNT) :
				      1u << DTPROC_PROBE_EXIT;
	case 2:
		return 0;
	case 3:
		return (uint32_t)fz_next(r);	/* unknown bits, mostly */
	default:
		return valid_mask(r);
	}
}

/* A value of the right type for a known attribute, or garbage. */
static size_t attr_payload(struct fz_rng *r, uint16_t type, char *p, int depth)
{
	uint32_t v;
	size_t n;

	switch (fz_below(r, 10)) {
	case 0:		/* a wrong length */
		n = fz_below(r, 17);
		fz_fill(r, p, n);
		return n;
	case 1:		/* a string, with or without its NUL */
		n = fz_pct(r, 80) ? 1 + fz_below(r, 40) : 1 + fz_below(r, 300);
		memset(p, 'a' + fz_below(r, 26), n);
		if (fz_pct(r, 50))
			p[n - 1] = '\0';
		return n;
	case 2: {	/* nested garbage */
		size_t off = 0;
		int i, k = fz_below(r, 5);

		for (i = 0; i < k && depth < 3 && off < 512; i++) {
			uint16_t t = fz_pct(r, 50) ? fz_below(r, 8) :
						     (uint16_t)fz_next(r);

			n = attr_payload(r, t, p + off + NLA_HDRLEN, depth + 1);
			off += nla_put_raw(p + off, t, p + off + NLA_HDRLEN, n);
		}
		return off;
	}
	case 3:		/* a u64 */
		fz_fill(r, p, 8);
		return 8;
	default:
		break;
	}
	switch (type & NLA_TYPE_MASK) {
	case DTPROC_A_PROBE_MASK:
		v = pick_mask(r);
		break;
	case DTPROC_A_FILTER_PID:
		v = pick_pid(r);
		break;
	case DTPROC_A_FILTER_FLAGS:
		v = fz_pct(r, 60) ? fz_below(r, 2) : (uint32_t)fz_next(r);
		break;
	case DTPROC_A_MODULE_VERSION:
	case DTPROC_A_EXECNAME:
	case DTPROC_A_PATH:
		n = fz_below(r, 64);
		memset(p, 'x', n);
		p[n] = '\0';
		return n + 1;
	default:
		v = fz_pct(r, 50) ? fz_below(r, 16) : (uint32_t)fz_next(r);
		break;
	}
	memcpy(p, &v, 4);
	return 4;
}

static uint16_t pick_attr_type(struct fz_rng *r)
{
	switch (fz_below(r, 10)) {
	case 0:
		return 0;
	case 1:
		return DTPROC_A_MAX + 1 + fz_below(r, 20);
	case 2:
		return (uint16_t)fz_next(r);
	case 3:
		return (1 + fz_below(r, DTPROC_A_MAX)) |
		       (fz_pct(r, 50) ? NLA_F_NESTED : NLA_F_NET_BYTEORDER);
	case 4: case 5: case 6:
		return DTPROC_A_PROBE_MASK + fz_below(r, 3);
	default:
		return 1 + fz_below(r, DTPROC_A_MAX);
	}
}

/* A SUBSCRIBE the module should accept (or refuse only for its pid). */
static size_t valid_subscribe(struct fz_rng *r, char *attrs)
{
	uint32_t mask = valid_mask(r), pid, fl;
	size_t off;

	off = nla_put_raw(attrs, DTPROC_A_PROBE_MASK, &mask, 4);
	if (fz_pct(r, 30)) {
		pid = fz_pct(r, 50) ? (uint32_t)loader : (uint32_t)pick_pid(r);
		off += nla_put_raw(attrs + off, DTPROC_A_FILTER_PID, &pid, 4);
		if (fz_pct(r, 50)) {
			fl = DTPROC_FILTER_DESCENDANTS;
			off += nla_put_raw(attrs + off, DTPROC_A_FILTER_FLAGS, &fl, 4);
		}
	}
	return off;
}

/* One fuzzed request at @buf; returns its length (of the datagram). */
static size_t build_msg(struct fz_rng *r, char *buf, size_t room)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *g;
	char attrs[2048];
	size_t alen = 0, len;
	uint16_t type, flags;
	uint8_t cmd;
	int i, nattrs;
	uint32_t w;

	w = fz_below(r, 100);
	type = w < 88 ? family : w < 91 ? GENL_ID_CTRL : w < 94 ? (uint16_t)(family + 1) :
	       w < 96 ? 1 + fz_below(r, 3) : (uint16_t)fz_next(r);
	w = fz_below(r, 100);
	flags = w < 45 ? NLM_F_REQUEST | NLM_F_ACK : w < 70 ? NLM_F_REQUEST :
		w < 78 ? NLM_F_REQUEST | NLM_F_DUMP :
		w < 84 ? NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO | NLM_F_ATOMIC :
		w < 94 ? NLM_F_REQUEST | (uint16_t)fz_next(r) : (uint16_t)fz_next(r);
	w = fz_below(r, 100);
	cmd = w < 20 ? DTPROC_CMD_SUBSCRIBE : w < 30 ? DTPROC_CMD_UNSUBSCRIBE :
	      w < 45 ? DTPROC_CMD_GET_VERSION : w < 55 ? DTPROC_CMD_GET_STATS :
	      w < 70 ? fz_below(r, DTPROC_CMD_MAX + 1) :
	      w < 80 ? DTPROC_CMD_EVENT + fz_below(r, 2) : (uint8_t)fz_next(r);

	if (cmd == DTPROC_CMD_SUBSCRIBE && fz_pct(r, 40)) {
		alen = valid_subscribe(r, attrs);
	} else {
		nattrs = fz_pct(r, 30) ? 0 : 1 + fz_below(r, fz_pct(r, 80) ? 3 : 12);
		for (i = 0; i < nattrs && alen < sizeof(attrs) - 700; i++) {
			uint16_t t = pick_attr_type(r);
			char tmp[700];
			size_t n = attr_payload(r, t, tmp, 0);

			alen += nla_put_raw(attrs + alen, t, tmp, n);
			if (fz_pct(r, 15) && alen < sizeof(attrs) - 700) {
				/* a duplicate, another value */
				n = attr_payload(r, t, tmp, 0);
				alen += nla_put_raw(attrs + alen, t, tmp, n);
			}
		}
		if (alen >= NLA_HDRLEN && fz_pct(r, 5)) {
			/* the last attribute claims more than there is */
			struct nlattr *a = (struct nlattr *)attrs;

			a->nla_len = fz_pct(r, 50) ? fz_below(r, NLA_HDRLEN) :
				     (uint16_t)(alen + 1 + fz_below(r, 200));
		}
	}
	len = nl_msg(buf, type, flags, cmd, attrs, alen);
	nlh->nlmsg_seq = (uint32_t)fz_next(r);
	if (fz_pct(r, 5))
		nlh->nlmsg_pid = (uint32_t)fz_next(r);
	g = NLMSG_DATA(nlh);
	if (fz_pct(r, 10))
		g->version = fz_below(r, 256);
	if (fz_pct(r, 15))
		g->reserved = (uint16_t)fz_next(r);

	w = fz_below(r, 100);
	if (w < 3) {
		nlh->nlmsg_len = fz_below(r, len + 1);		/* short */
	} else if (w < 6) {
		nlh->nlmsg_len = len + 1 + fz_below(r, 256);	/* long */
	} else if (w < 10 && len + 64 < room) {
		size_t extra = 1 + fz_below(r, 63);

		fz_fill(r, buf + len, extra);			/* trailing bytes */
		len += extra;
	}
	return len;
}

/* --- the threads --- */

static int slot_fd(int slot)
{
	return FZ_SLOT_FD0 + slot;
}

static void tune_socket(struct fz_rng *r, int fd, struct fz_stats *st)
{
	int v;

	switch (fz_below(r, 4)) {
	case 0:
		v = 2048 + fz_below(r, 256 * 1024);
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
		break;
	case 1:
		v = fz_below(r, 2);
		setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &v, sizeof(v));
		break;
	case 2:
		v = fz_below(r, 2);
		setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &v, sizeof(v));
		break;
	default:
		v = fz_below(r, 2);
		setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &v, sizeof(v));
		break;
	}
	st->bufs++;
}

static void reopen_slot(struct fz_thread *t)
{
	int slot = fz_below(&t->rng, FZ_SLOTS), fd;

	if (fz_pct(&t->rng, 30)) {
		/* subscribe first: closed with its events in flight */
		size_t n = nl_msg(t->buf, family, NLM_F_REQUEST, DTPROC_CMD_SUBSCRIBE,
				  t->rbuf, valid_subscribe(&t->rng, t->rbuf));

		nl_send(slot_fd(slot), t->buf, n, MSG_DONTWAIT);
		t->st.subscribes++;
	}
	if (fz_pct(&t->rng, 50))
		close(slot_fd(slot));	/* calls on it meanwhile: EBADF */
	fd = nl_open();
	if (fd >= 0) {
		if (fz_pct(&t->rng, 30))
			tune_socket(&t->rng, fd, &t->st);
		dup3(fd, slot_fd(slot), O_CLOEXEC);	/* closes the old one */
		close(fd);
	}
	t->st.reopens++;
}

static void note_bad(struct fz_stats *st, const char *what)
{
	if (!st->bad_replies++)
		snprintf(st->bad_what, sizeof(st->bad_what), "%s", what);
}

/* Read what a socket has, and judge the module's answers in it. */
static void drain(struct fz_thread *t, int fd)
{
	int i;

	t->st.drains++;
	for (i = 0; i < 64; i++) {
		ssize_t n = recv(fd, t->rbuf, sizeof(t->rbuf), MSG_DONTWAIT);
		struct nlmsghdr *nlh = (struct nlmsghdr *)t->rbuf;
		size_t left;

		if (n <= 0)
			break;
		for (left = n; NLMSG_OK(nlh, left); nlh = NLMSG_NEXT(nlh, left)) {
			struct genlmsghdr *g = NLMSG_DATA(nlh);
			const struct nlattr *tb[DTPROC_A_MAX + 1];

			t->st.received++;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				int e = -((struct nlmsgerr *)NLMSG_DATA(nlh))->error;

				t->st.acks[e >= 0 && e < 256 ? e : 255]++;
				continue;
			}
			if (nlh->nlmsg_type != family)
				continue;
			nl_parse(nlh, tb, DTPROC_A_MAX);
			switch (g->cmd) {
			case DTPROC_CMD_EVENT:
				t->st.events++;
				if (!tb[DTPROC_A_SEQ] || !tb[DTPROC_A_PROBE])
					note_bad(&t->st, "an event without its seq or probe");
				break;
			case DTPROC_CMD_DROP:
				t->st.drop_reports++;
				if (!tb[DTPROC_A_SEQ] || !tb[DTPROC_A_DROPPED])
					note_bad(&t->st, "a drop report without its seq or count");
				break;
			case DTPROC_CMD_GET_VERSION:
				if (!tb[DTPROC_A_ABI_VERSION] ||
				    *(const uint32_t *)((const char *)tb[DTPROC_A_ABI_VERSION] +
							NLA_HDRLEN) != DTPROC_ABI_VERSION)
					note_bad(&t->st, "a GET_VERSION reply without our ABI version");
				break;
			default:
				break;
			}
		}
	}
}

static void *fuzz_thread(void *arg)
{
	struct fz_thread *t = arg;
	struct fz_rng *r = &t->rng;
	long i;
	int fd;

	for (i = 0; t->st.sent + t->st.send_err < t->quota; i++) {
		uint32_t w = fz_below(r, 1000);

		fd = fz_pct(r, 50) ? slot_fd(0) :
				     slot_fd(1 + fz_below(r, FZ_SLOTS - 1));
		if (w < 15) {
			reopen_slot(t);
		} else if (w < 20) {
			int grp = fz_pct(r, 70) ? (int)events_group :
						  (int)fz_below(r, 64);

			setsockopt(fd, SOL_NETLINK, fz_pct(r, 50) ?
				   NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP,
				   &grp, sizeof(grp));
			t->st.joins++;
		} else if (w < 25) {
			tune_socket(r, fd, &t->st);
		} else if (w < 85) {
			drain(t, fd);
		} else {
			size_t len = build_msg(r, t->buf, sizeof(t->buf));
			int k, nmsgs = 1;

			/* several requests in one datagram */
			for (k = 0; fz_pct(r, 8) && k < 3 && len < sizeof(t->buf) / 2; k++) {
				len = NLMSG_ALIGN(len);
				len += build_msg(r, t->buf + len, sizeof(t->buf) - len);
				nmsgs++;
			}
			if (nl_send(fd, t->buf, len, MSG_DONTWAIT) < 0) {
				t->st.send_err++;
			} else {
				t->st.sent++;
				t->st.msgs += nmsgs;
			}
		}
		if (!(i & 63))
			atomic_fetch_add(&fz_progress, 1);
		if (t->id == 0 && !(i & 8191)) {
			atomic_fetch_add(&version_checks, 1);
			if (nl_version())
				atomic_fetch_add(&version_fails, 1);
		}
	}
	stats_merge(&t->st);
	return NULL;
}

/*
 * The hooks come and go at a steady pace: a socket of its own subscribes to
 * probes the clean subscriber does not want (LWP_EXIT's exit_signals,
 * START's schedule_tail, signal_deliver, ...), changes them, unsubscribes
 * or closes, about ten times a second, while the loader's children exit
 * through those very functions.
 */
static atomic_long churns;

static void *churner_thread(void *arg)
{
	struct fz_rng *r = arg;
	char attrs[64], buf[256], rbuf[8192];
	int fd = nl_open();

	while (!atomic_load(&round_over) && fd >= 0) {
		uint32_t mask = ((uint32_t)fz_next(r) & DTPROC_PROBE_MASK_ALL &
				 ~FZ_CLEAN_MASK) | ((uint32_t)fz_next(r) & FZ_CLEAN_MASK);
		uint32_t w = fz_below(r, 10);
		size_t n;

		if (w < 6) {
			n = nl_msg(buf, family, NLM_F_REQUEST, DTPROC_CMD_SUBSCRIBE,
				   attrs, nla_put_raw(attrs, DTPROC_A_PROBE_MASK,
						      &mask, 4));
		} else if (w < 8) {
			n = nl_msg(buf, family, NLM_F_REQUEST,
				   DTPROC_CMD_UNSUBSCRIBE, NULL, 0);
		} else {
			close(fd);
			fd = nl_open();
			n = 0;
		}
		if (n && nl_send(fd, buf, n, 0) >= 0)
			atomic_fetch_add(&churns, 1);
		while (recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT) > 0)
			;
		/* a change that removes a hook holds the feed lock for a grace period */
		fz_sleep_ms(30 + fz_below(r, 100));
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* Checks the held victim every 2 s while the threads fuzz. */
static void *checker_thread(void *arg)
{
	char why[256];

	while (!atomic_load(&round_over)) {
		atomic_fetch_add(&held_checks, 1);
		if (!fz_held_ok(&held, why, sizeof(why)) &&
		    !atomic_fetch_add(&held_fails, 1))
			memcpy(held_fail_why, why, sizeof(why));
		fz_sleep_ms(2000);
	}
	return NULL;
}

/*
 * Events in flight: a child that forks, execs, exits and signals without
 * end (its children's pids are what some filters name).
 */
static void handler(int sig)
{
}

static pid_t start_loader(void)
{
	pid_t pid = fork(), kid;
	char *argv[] = { "true", NULL };

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGUSR1, handler);
	for (;;) {
		kid = fork();
		if (kid == 0) {
			execv("/bin/true", argv);
			_exit(0);
		}
		if (kid > 0) {
			atomic_store(&loader_kid, kid);
			waitpid(kid, NULL, 0);
		}
		kill(getpid(), SIGUSR1);
		fz_sleep_ms(5);
	}
}

/* --- rounds --- */

static void open_slots(void)
{
	int s, fd;

	for (s = 0; s < FZ_SLOTS; s++) {
		fd = nl_open();
		if (fd < 0 || dup3(fd, slot_fd(s), O_CLOEXEC) < 0) {
			fz_log("cannot open socket %d: %s", s, strerror(errno));
			exit(1);
		}
		close(fd);
	}
}

static double run_round(int round, long msgs)
{
	static struct fz_thread th[FZ_THREADS];
	uint64_t t0 = fz_now_ns();
	struct fz_rng crng;
	pthread_t chk, churn;
	int i, s;

	memset(&round_stats, 0, sizeof(round_stats));
	atomic_store(&round_over, false);
	open_slots();
	pthread_create(&chk, NULL, checker_thread, NULL);
	atomic_store(&churns, 0);
	fz_rng_init(&crng, round * 16 + 14);
	pthread_create(&churn, NULL, churner_thread, &crng);
	for (i = 0; i < FZ_THREADS; i++) {
		struct fz_thread *t = &th[i];

		memset(&t->st, 0, sizeof(t->st));
		t->id = i;
		t->quota = msgs / FZ_THREADS + (i < msgs % FZ_THREADS);
		fz_rng_init(&t->rng, round * 16 + i);
		pthread_create(&t->thread, NULL, fuzz_thread, t);
	}
	for (i = 0; i < FZ_THREADS; i++)
		pthread_join(th[i].thread, NULL);
	atomic_store(&round_over, true);
	pthread_join(chk, NULL);
	pthread_join(churn, NULL);
	for (s = 0; s < FZ_SLOTS; s++)
		close(slot_fd(s));
	return fz_secs(t0);
}

static void report_round(const char *what, long msgs, double secs)
{
	const struct fz_stats *s = &round_stats;
	char acks[512] = "";
	size_t off = 0;
	int i;

	for (i = 0; i < 256; i++)
		if (s->acks[i])
			off += snprintf(acks + off, sizeof(acks) - off, " %s:%ld",
					i == 0 ? "OK" : strerrorname_np(i) ?
					strerrorname_np(i) : "?", s->acks[i]);
	fz_tap(s->sent >= msgs - s->send_err && s->sent > 0,
	       "%s: %ld datagrams (%ld requests) sent in %.1f s (%.0f/s), %ld refused by send",
	       what, s->sent, s->msgs, secs, s->sent / secs, s->send_err);
	fz_log("%ld reopened sockets, %ld subscribed before closing, %ld joins/leaves, %ld socket options, %ld drains, %ld hook churns",
	       s->reopens, s->subscribes, s->joins, s->bufs, s->drains,
	       atomic_load(&churns));
	fz_log("received %ld messages: %ld events, %ld drop reports; acks:%s",
	       s->received, s->events, s->drop_reports, acks);
}

static bool in_guest(void)
{
	struct utsname u;

	return !uname(&u) && !strcmp(u.nodename, "dtproc-guest");
}

/* After every socket is closed, no probe may still be counting. */
static void check_no_subscription_left(void)
{
	uint64_t before[DTPROC_PROBE_COUNT], after[DTPROC_PROBE_COUNT];
	char *argv[] = { "true", NULL };
	int n1 = 0, n2 = 0, r1, r2, p, moved = -1;
	pid_t pid;

	fz_sleep_ms(500);
	r1 = nl_hits(before, &n1);
	pid = fork();
	if (pid == 0) {
		execv("/bin/true", argv);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	fz_sleep_ms(200);
	r2 = nl_hits(after, &n2);
	for (p = 0; p < DTPROC_PROBE_COUNT && !r1 && !r2; p++)
		if (after[p] != before[p] && moved < 0)
			moved = p;
	fz_tap(!r1 && !r2 && n1 == DTPROC_PROBE_COUNT && n2 == n1 && moved < 0,
	       "GET_STATS answers (%d probes) and no subscription outlives its socket%s%s",
	       n2, moved >= 0 ? ": hits still counted for " : "",
	       moved >= 0 ? dtproc_probe_name(moved) : "");
}

int main(int argc, char **argv)
{
	struct fz_slab s0, s1, s2;
	struct fz_sub sub;
	struct fz_stats warm;
	pthread_t wd;
	long warm_msgs;
	double secs;
	char why[256];
	int ret;

	fz_parse(argc, argv, "fuzz_genl", FZ_DEFAULT_MSGS);
	if (!in_guest() && !getenv("DTPROC_FUZZ_ANYWHERE")) {
		printf("1..0 # SKIP unloads the module: only in a dtproc guest (tools/vm/run)\n");
		return 4;
	}
	warm_msgs = fz.count / 10 > 1000 ? fz.count / 10 : 1000;
	signal(SIGPIPE, SIG_IGN);

	ret = nl_resolve();
	if (!fz_tap(!ret, "family \"%s\" resolved: id %u, events group %u%s%s",
		    DTPROC_GENL_NAME, family, events_group, ret ? ": " : "",
		    ret ? strerror(-ret) : ""))
		return fz_finish();
	ret = nl_version();
	fz_tap(!ret, "module answers GET_VERSION before the fuzz%s%s",
	       ret ? ": " : "", ret ? strerror(-ret) : "");
	if (!fz_held_grab(&held))
		return fz_finish();
	/* the clean subscriber leaves the fuzz some probes to hook and unhook */
	if (!fz_sub_start(&sub, getenv("FZ_ALL") ? DTPROC_PROBE_MASK_ALL : FZ_CLEAN_MASK))
		return fz_finish();
	loader = start_loader();
	fz_kid_add(loader);
	pthread_create(&wd, NULL, fz_watchdog, NULL);

	fz_settle();
	fz_slab_read(&s0);
	secs = run_round(1, warm_msgs);
	report_round("warm-up round", warm_msgs, secs);
	warm = round_stats;
	fz_settle();
	fz_slab_read(&s1);
	secs = run_round(2, fz.count);
	report_round("fuzz round", fz.count, secs);
	fz_settle();
	fz_slab_read(&s2);

	ret = nl_version();
	fz_tap(!ret && !atomic_load(&version_fails),
	       "module answers GET_VERSION after the fuzz (%s), and did at %ld checks during it (%ld failed)",
	       ret ? strerror(-ret) : "yes", atomic_load(&version_checks),
	       atomic_load(&version_fails));
	ret = fz_dev_version_fresh();
	fz_tap(!ret, "module answers DTPROC_IOC_VERSION after the fuzz (%s)",
	       ret ? strerror(-ret) : "yes");
	fz_tap(fz_held_ok(&held, why, sizeof(why)) && !atomic_load(&held_fails),
	       "held victim %d still stopped by its grab # %s; %ld checks during the fuzz, %ld failed%s%s",
	       held.pid, why, atomic_load(&held_checks), atomic_load(&held_fails),
	       atomic_load(&held_fails) ? ": " : "", held_fail_why);
	fz_tap(!warm.bad_replies && !round_stats.bad_replies,
	       "every reply, event and drop report the fuzz read was well formed%s%s",
	       warm.bad_replies || round_stats.bad_replies ? ": " : "",
	       warm.bad_replies ? warm.bad_what : round_stats.bad_what);
	fz_sub_finish(&sub);
	fz_slab_check(&s0, &s1, &s2, "(a tenth of the messages, then all of them)");

	kill(loader, SIGKILL);
	waitpid(loader, NULL, 0);
	fz_kid_del(loader);
	check_no_subscription_left();

	atomic_store(&fz_watch_stop, true);
	pthread_join(wd, NULL);
	fz_held_drop(&held);
	fz_kill_kids();
	fz_reap_kids();
	fz_reload_module(nl_resolve_version);
	return fz_finish();
}
