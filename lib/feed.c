// SPDX-License-Identifier: LGPL-2.1-or-later
/* libdtproc: the "dtproc" generic netlink family, through libnl-3. */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "internal.h"

/* How long a request waits for the module's answer. */
#define DTPROC_REPLY_TIMEOUT_MS	10000
/* One read of events: more than the module's largest batch (8 KiB). */
#define DTPROC_FEED_READ_BYTES	65536
/* Receive buffer asked for: room for bursts of events. */
#define DTPROC_FEED_RCVBUF	(8 << 20)

struct dtproc_feed {
	struct nl_sock *sk;
	struct nl_cb *cb;
	int family;
	uint32_t family_version;

	/* events received while waiting for a reply, or in one datagram */
	struct dtproc_event *q;
	size_t qcap, qhead, qlen;
	int decode_err;
	void *rbuf;		/* DTPROC_FEED_READ_BYTES, for dtproc_feed_read() */

	/* the request being answered */
	nl_recvmsg_msg_cb_t reply_fn;
	void *reply_arg;
	int done;
	int error;
	char extack[256];	/* the module's reason for the error, if given */
};

/* libnl's error codes, as the errno a caller can act on. */
static int dtproc_nlerr_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_PERM:
		return EPERM;
	case NLE_NOACCESS:
		return EACCES;
	case NLE_OBJ_NOTFOUND:
		return ENOENT;
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_INVAL:
		return EINVAL;
	case NLE_AGAIN:
		return EAGAIN;
	case NLE_MSGSIZE:
		return EMSGSIZE;
	case NLE_OPNOTSUPP:
		return EOPNOTSUPP;
	default:
		return EIO;
	}
}

static int dtproc_feed_resolve(struct dtproc_feed *feed)
{
	struct nl_cache *cache = NULL;
	struct genl_family *fam;
	int ret;

	feed->family = genl_ctrl_resolve(feed->sk, DTPROC_GENL_NAME);
	if (feed->family < 0)
		return dtproc_failx(ENOENT,
			"cannot open the dtproc feed: no generic netlink family '" DTPROC_GENL_NAME "' (is dtproc.ko loaded? try 'modprobe dtproc' as root)");

	ret = genl_ctrl_alloc_cache(feed->sk, &cache);
	if (ret < 0)
		return dtproc_failx(dtproc_nlerr_errno(ret),
				    "cannot open the dtproc feed: listing generic netlink families failed: libnl says \"%s\" (unexpected: report it)",
				    nl_geterror(ret));
	fam = genl_ctrl_search_by_name(cache, DTPROC_GENL_NAME);
	if (fam) {
		feed->family_version = genl_family_get_version(fam);
		genl_family_put(fam);
	}
	nl_cache_free(cache);
	return 0;
}

static int dtproc_feed_enqueue(struct dtproc_feed *feed,
			       const struct nlmsghdr *nh)
{
	struct dtproc_event *ev;
	size_t i;

	if (feed->qlen == feed->qcap) {
		size_t ncap = feed->qcap ? 2 * feed->qcap : 64;
		struct dtproc_event *nq = malloc(ncap * sizeof(*nq));

		if (!nq) {
			feed->decode_err = -ENOMEM;
			return NL_STOP;
		}
		for (i = 0; i < feed->qlen; i++)
			nq[i] = feed->q[(feed->qhead + i) % feed->qcap];
		free(feed->q);
		feed->q = nq;
		feed->qcap = ncap;
		feed->qhead = 0;
	}
	ev = &feed->q[(feed->qhead + feed->qlen) % feed->qcap];
	if (dtproc_event_decode(nh, ev) < 0) {
		feed->decode_err = -EPROTO;
		return NL_OK;
	}
	feed->qlen++;
	return NL_OK;
}

/*
 * What a message of the family is: 1 an event or a drop report, 0 anything
 * else, -1 too short for its headers (a decode error, reported later).
 */
static int dtproc_feed_kind(struct dtproc_feed *feed,
			    const struct nlmsghdr *nh)
{
	const struct genlmsghdr *gh = NLMSG_DATA(nh);

	if (nh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN) {
		feed->decode_err = -EPROTO;
		return -1;
	}
	return gh->cmd == DTPROC_CMD_EVENT || gh->cmd == DTPROC_CMD_DROP;
}

/*
 * Every message while a request waits: events are queued, anything else
 * answers the request.  Only the kernel's are taken (dtproc_feed_read()).
 */
static int dtproc_feed_valid_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nh = nlmsg_hdr(msg);
	struct dtproc_feed *feed = arg;
	int kind;

	if (nlmsg_get_src(msg)->nl_pid)
		return NL_SKIP;
	kind = dtproc_feed_kind(feed, nh);
	if (kind < 0)
		return NL_SKIP;
	if (kind)
		return dtproc_feed_enqueue(feed, nh);
	if (feed->reply_fn)
		return feed->reply_fn(msg, feed->reply_arg);
	return NL_OK;
}

static int dtproc_feed_ack_cb(struct nl_msg *msg, void *arg)
{
	struct dtproc_feed *feed = arg;

	feed->done = 1;
	return NL_STOP;
}

/*
 * The extended ack's message (NLMSGERR_ATTR_MSG) of error @e into @buf:
 * its TLVs follow the original request's header (NETLINK_CAP_ACK: not its
 * payload) in the NLMSG_ERROR message.
 */
static void dtproc_extack_msg(const struct nlmsgerr *e, char *buf, size_t len)
{
	const struct nlmsghdr *hdr = (const void *)((const char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = NLMSG_HDRLEN + sizeof(*e);

	buf[0] = '\0';
	if (!(hdr->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(hdr->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	if (off >= hdr->nlmsg_len ||
	    nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)hdr + off),
		      hdr->nlmsg_len - off, NULL) < 0 ||
	    !tb[NLMSGERR_ATTR_MSG])
		return;
	nla_strlcpy(buf, tb[NLMSGERR_ATTR_MSG], len);
}

static int dtproc_feed_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e,
			      void *arg)
{
	struct dtproc_feed *feed = arg;

	feed->done = 1;
	feed->error = e->error;
	dtproc_extack_msg(e, feed->extack, sizeof(feed->extack));
	return NL_STOP;
}

static int dtproc_feed_noseq_cb(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

/*
 * The feed's socket: close-on-exec and non-blocking from its creation (no
 * flag is changed later), bound to a port the kernel picks, then handed to
 * libnl, which connects it as genl_connect() would.
 */
static int dtproc_feed_socket(struct dtproc_feed *feed)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK };
	int fd, ret;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    NETLINK_GENERIC);
	if (fd < 0)
		return dtproc_failx(errno, "cannot open the dtproc feed: no netlink socket: %s (too many open files? close some)",
				    strerror(errno));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		ret = errno;
		close(fd);
		return dtproc_failx(ret, "cannot open the dtproc feed: cannot bind its socket: %s (unexpected: report it)",
				    strerror(ret));
	}
	ret = nl_socket_set_fd(feed->sk, NETLINK_GENERIC, fd);
	if (ret < 0) {
		close(fd);
		return dtproc_failx(dtproc_nlerr_errno(ret),
				    "cannot open the dtproc feed: libnl says \"%s\" (unexpected: report it)",
				    nl_geterror(ret));
	}
	return 0;
}

static void dtproc_feed_tune(struct dtproc_feed *feed)
{
	int fd = nl_socket_get_fd(feed->sk), one = 1, size = DTPROC_FEED_RCVBUF;

	/* Losses are reported in-band; ENOBUFS would only break the reader. */
	setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	/* The module's reason for an error comes with it, without the request. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	nl_socket_enable_msg_peek(feed->sk);
}

DTPROC_EXPORT struct dtproc_feed *dtproc_feed_open(void)
{
	struct dtproc_feed *feed;
	int ret;

	feed = calloc(1, sizeof(*feed));
	if (!feed)
		return dtproc_failx_null(ENOMEM, "cannot open the dtproc feed: out of memory (free some, then retry)");
	feed->sk = nl_socket_alloc();
	feed->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!feed->sk || !feed->cb) {
		dtproc_feed_close(feed);
		return dtproc_failx_null(ENOMEM, "cannot open the dtproc feed: out of memory (free some, then retry)");
	}
	ret = dtproc_feed_socket(feed);
	if (ret < 0) {
		dtproc_feed_close(feed);
		errno = -ret;
		return NULL;
	}
	ret = dtproc_feed_resolve(feed);
	if (ret < 0) {
		dtproc_feed_close(feed);
		errno = -ret;
		return NULL;
	}
	dtproc_feed_tune(feed);
	nl_cb_set(feed->cb, NL_CB_VALID, NL_CB_CUSTOM, dtproc_feed_valid_cb, feed);
	nl_cb_set(feed->cb, NL_CB_ACK, NL_CB_CUSTOM, dtproc_feed_ack_cb, feed);
	nl_cb_err(feed->cb, NL_CB_CUSTOM, dtproc_feed_err_cb, feed);
	/* Events are not answers to a request: they carry no sequence number. */
	nl_cb_set(feed->cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, dtproc_feed_noseq_cb, NULL);
	dtproc_clear_error();
	return feed;
}

DTPROC_EXPORT void dtproc_feed_close(struct dtproc_feed *feed)
{
	if (!feed)
		return;
	nl_cb_put(feed->cb);
	nl_socket_free(feed->sk);
	free(feed->q);
	free(feed->rbuf);
	free(feed);
}

DTPROC_EXPORT int dtproc_feed_fd(const struct dtproc_feed *feed)
{
	return nl_socket_get_fd(feed->sk);
}

DTPROC_EXPORT uint32_t dtproc_feed_family_version(const struct dtproc_feed *feed)
{
	return feed->family_version;
}

DTPROC_EXPORT int dtproc_feed_wait(struct dtproc_feed *feed, int timeout_ms)
{
	struct pollfd pfd = { .fd = dtproc_feed_fd(feed), .events = POLLIN };
	int ret;

	if (feed->qlen)
		return 1;
	do
		ret = poll(&pfd, 1, timeout_ms);
	while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return dtproc_failx(errno, "cannot wait for the dtproc feed: %s (unexpected: report it)",
				    strerror(errno));
	return ret > 0;
}

/* Read what is waiting on the socket: 0, -EAGAIN if nothing, or -errno. */
static int dtproc_feed_receive(struct dtproc_feed *feed)
{
	int ret = nl_recvmsgs(feed->sk, feed->cb);

	if (ret == -NLE_AGAIN)
		return -EAGAIN;
	if (ret < 0)
		return dtproc_failx(dtproc_nlerr_errno(ret),
				    "cannot read from the dtproc feed: libnl says \"%s\" (close the feed and open another)",
				    nl_geterror(ret));
	return 0;
}

/*
 * Read one datagram of events straight into the queue, without libnl's
 * copy of each message (every event comes this way): 1 if one was read,
 * 0 if nothing waits, or -errno.  Only the kernel's messages are taken;
 * anything else (a reply no request waits for) is skipped.
 */
static int dtproc_feed_read(struct dtproc_feed *feed)
{
	struct sockaddr_nl from;
	struct iovec iov = { .iov_len = DTPROC_FEED_READ_BYTES };
	struct msghdr mh = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	const struct nlmsghdr *nh;
	ssize_t n;

	if (!feed->rbuf) {
		feed->rbuf = malloc(DTPROC_FEED_READ_BYTES);
		if (!feed->rbuf)
			return dtproc_failx(ENOMEM, "cannot read from the dtproc feed: out of memory (free some, then retry)");
	}
	iov.iov_base = feed->rbuf;
	do
		n = recvmsg(dtproc_feed_fd(feed), &mh, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n < 0)
		return dtproc_failx(errno, "cannot read from the dtproc feed: %s (close the feed and open another)",
				    strerror(errno));
	if (mh.msg_namelen < sizeof(from) || from.nl_pid)
		return 1;	/* not the kernel's: another process sent it */
	if (mh.msg_flags & MSG_TRUNC)
		return dtproc_failx(EMSGSIZE, "a message from dtproc.ko did not fit in %d bytes (install matching dtproc.ko and libdtproc)",
				    DTPROC_FEED_READ_BYTES);
	for (nh = feed->rbuf; NLMSG_OK(nh, n); nh = NLMSG_NEXT(nh, n))
		if (nh->nlmsg_type == feed->family &&
		    dtproc_feed_kind(feed, nh) > 0 &&
		    dtproc_feed_enqueue(feed, nh) == NL_STOP)
			break;
	return 1;
}

/* What to do about an error the module answered a request with. */
static const char *dtproc_refusal_hint(int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		return " (run as root)";
	case ESRCH:
		return " (check that the process exists)";
	case EINVAL:
	case EOPNOTSUPP:
		return " (update libdtproc to match dtproc.ko)";
	case ENOMEM:
	case ENOBUFS:
		return " (free some memory and try again)";
	default:
		return "";
	}
}

/*
 * "cannot WHAT: REASON (HINT)": the module's own reason (its extended
 * ack) if it gave one, else its errno's.
 */
static int dtproc_feed_refused(const char *what, int err, const char *extack)
{
	return dtproc_failx(err, "cannot %s: dtproc.ko says \"%s\"%s", what,
			    extack[0] ? extack : strerror(err),
			    dtproc_refusal_hint(err));
}

/*
 * Send command @cmd with the attributes already in @msg (consumed) and
 * hand each reply to @fn, queueing any events that arrive meanwhile.
 */
static int dtproc_feed_request(struct dtproc_feed *feed, struct nl_msg *msg,
			       const char *what, nl_recvmsg_msg_cb_t fn,
			       void *arg)
{
	int ret;

	ret = nl_send_auto(feed->sk, msg);
	nlmsg_free(msg);
	if (ret < 0)
		return dtproc_failx(dtproc_nlerr_errno(ret),
				    "cannot send to dtproc.ko: libnl says \"%s\" (is dtproc.ko still loaded?)",
				    nl_geterror(ret));

	feed->reply_fn = fn;
	feed->reply_arg = arg;
	feed->done = 0;
	feed->error = 0;
	feed->extack[0] = '\0';
	while (!feed->done) {
		ret = dtproc_feed_receive(feed);
		if (ret == -EAGAIN) {
			ret = dtproc_feed_wait(feed, DTPROC_REPLY_TIMEOUT_MS);
			if (ret == 0)
				ret = dtproc_failx(ETIMEDOUT, "dtproc.ko did not answer in %d s (is the machine overloaded? retry)",
						   DTPROC_REPLY_TIMEOUT_MS / 1000);
			if (ret < 0)
				break;
			ret = 0;
		} else if (ret < 0) {
			break;
		}
	}
	feed->reply_fn = NULL;
	/* The module's own errno, not libnl's translation of it. */
	if (feed->error)
		return dtproc_feed_refused(what, -feed->error, feed->extack);
	if (ret < 0)
		return ret;
	return 0;
}

struct dtproc_version_reply {
	uint32_t abi;
	char module_version[DTPROC_VERSION_LEN];
	int seen;
};

static int dtproc_version_cb(struct nl_msg *msg, void *arg)
{
	static struct nla_policy policy[DTPROC_A_MAX + 1] = {
		[DTPROC_A_ABI_VERSION]		= { .type = NLA_U32 },
		[DTPROC_A_MODULE_VERSION]	= { .type = NLA_STRING },
	};
	struct dtproc_version_reply *r = arg;
	struct nlattr *tb[DTPROC_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, DTPROC_A_MAX, policy) < 0)
		return NL_SKIP;
	if (tb[DTPROC_A_ABI_VERSION]) {
		r->abi = nla_get_u32(tb[DTPROC_A_ABI_VERSION]);
		r->seen = 1;
	}
	if (tb[DTPROC_A_MODULE_VERSION])
		nla_strlcpy(r->module_version, tb[DTPROC_A_MODULE_VERSION],
			    sizeof(r->module_version));
	return NL_OK;
}

static struct nl_msg *dtproc_feed_msg(struct dtproc_feed *feed, uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, feed->family, 0,
			       NLM_F_REQUEST | NLM_F_ACK, cmd, DTPROC_GENL_VERSION))
		return msg;
	nlmsg_free(msg);
	return NULL;
}

DTPROC_EXPORT int dtproc_feed_module_version(struct dtproc_feed *feed,
					     uint32_t *abi, char *buf, size_t len)
{
	struct dtproc_version_reply r = { 0 };
	struct nl_msg *msg;
	int ret;

	msg = dtproc_feed_msg(feed, DTPROC_CMD_GET_VERSION);
	if (!msg)
		return dtproc_failx(ENOMEM, "cannot build a netlink request: out of memory (free some, then retry)");
	ret = dtproc_feed_request(feed, msg, "read the version of dtproc.ko",
				  dtproc_version_cb, &r);
	if (ret < 0)
		return ret;
	if (!r.seen)
		return dtproc_failx(EPROTO, "dtproc.ko sent no version (install matching dtproc.ko and libdtproc)");
	if (abi)
		*abi = r.abi;
	if (buf && len) {
		strncpy(buf, r.module_version, len - 1);
		buf[len - 1] = '\0';
	}
	return 0;
}

DTPROC_EXPORT int dtproc_feed_subscribe(struct dtproc_feed *feed,
					uint32_t probe_mask, int32_t pid,
					uint32_t flags)
{
	char what[64];
	struct nl_msg *msg;

	if (!probe_mask || (probe_mask & ~DTPROC_PROBE_MASK_ALL))
		return dtproc_failx(EINVAL, "bad probe mask 0x%x: set bits 1 << DTPROC_PROBE_* only, at least one",
				    probe_mask);
	if (pid < 0 || ((flags & DTPROC_FILTER_DESCENDANTS) && !pid))
		return dtproc_failx(EINVAL, "bad pid filter %d: give a pid >= 0, and a pid > 0 with DTPROC_FILTER_DESCENDANTS",
				    pid);
	msg = dtproc_feed_msg(feed, DTPROC_CMD_SUBSCRIBE);
	if (!msg || nla_put_u32(msg, DTPROC_A_PROBE_MASK, probe_mask) ||
	    (pid && nla_put_u32(msg, DTPROC_A_FILTER_PID, pid)) ||
	    (flags && nla_put_u32(msg, DTPROC_A_FILTER_FLAGS, flags))) {
		nlmsg_free(msg);
		return dtproc_failx(ENOMEM, "cannot build a netlink request: out of memory (free some, then retry)");
	}
	if (pid)
		snprintf(what, sizeof(what), "trace pid %d", pid);
	return dtproc_feed_request(feed, msg, pid ? what : "subscribe to the dtproc feed",
				   NULL, NULL);
}

DTPROC_EXPORT int dtproc_feed_unsubscribe(struct dtproc_feed *feed)
{
	struct nl_msg *msg = dtproc_feed_msg(feed, DTPROC_CMD_UNSUBSCRIBE);

	if (!msg)
		return dtproc_failx(ENOMEM, "cannot build a netlink request: out of memory (free some, then retry)");
	return dtproc_feed_request(feed, msg, "unsubscribe from the dtproc feed",
				   NULL, NULL);
}

/* The next event in full into @ev: 1, 0 if none waiting, or -errno. */
static int dtproc_feed_pop(struct dtproc_feed *feed, struct dtproc_event *ev)
{
	int ret;

	if (!feed->qlen) {
		ret = dtproc_feed_read(feed);
		if (ret < 0)
			return ret;
	}
	if (feed->decode_err) {
		ret = feed->decode_err;
		feed->decode_err = 0;
		return dtproc_failx(-ret, "cannot decode an event from dtproc.ko (install matching dtproc.ko and libdtproc)");
	}
	if (!feed->qlen)
		return 0;
	*ev = feed->q[feed->qhead];
	feed->qhead = (feed->qhead + 1) % feed->qcap;
	feed->qlen--;
	return 1;
}

/* dtproc_feed_next@@LIBDTPROC_1.3: never writes past @ev->size bytes. */
__attribute__((symver("dtproc_feed_next@@LIBDTPROC_1.3")))
DTPROC_EXPORT int dtproc_feed_next_v13(struct dtproc_feed *feed,
				       struct dtproc_event *ev)
{
	struct dtproc_event full;
	size_t size = ev->size;
	int ret;

	if (size < DTPROC_EVENT_SIZE_MIN)
		return dtproc_failx(EINVAL, "struct dtproc_event's size is %zu: set it to sizeof(struct dtproc_event) (DTPROC_EVENT_INIT)",
				   size);
	ret = dtproc_feed_pop(feed, &full);
	if (ret <= 0)
		return ret;
	if (size > sizeof(full))
		size = sizeof(full);
	full.size = size;
	memcpy(ev, &full, size);
	return 1;
}

/*
 * dtproc_feed_next@LIBDTPROC_1: for programs built when struct
 * dtproc_event had no size (struct dtproc_event_v1): never write past it.
 */
__attribute__((symver("dtproc_feed_next@LIBDTPROC_1")))
DTPROC_EXPORT int dtproc_feed_next_v1(struct dtproc_feed *feed,
				      struct dtproc_event_v1 *ev)
{
	size_t skip = offsetof(struct dtproc_event_v1, seq);
	struct dtproc_event full;
	int ret;

	ret = dtproc_feed_pop(feed, &full);
	if (ret <= 0)
		return ret;
	ev->kind = full.kind;
	memcpy((char *)ev + skip, (char *)&full + skip, sizeof(*ev) - skip);
	return 1;
}

/* The module's counters, as the replies to DTPROC_CMD_GET_STATS give them. */
struct dtproc_stats_reply {
	struct dtproc_probe_stats probe[32];	/* a probe mask has 32 bits */
	size_t count;				/* highest probe seen + 1 */
};

static int dtproc_stats_cb(struct nl_msg *msg, void *arg)
{
	static struct nla_policy policy[DTPROC_STATS_A_MAX + 1] = {
		[DTPROC_STATS_A_PROBE]		= { .type = NLA_U32 },
		[DTPROC_STATS_A_HITS]		= { .type = NLA_U64 },
		[DTPROC_STATS_A_DELIVERED]	= { .type = NLA_U64 },
		[DTPROC_STATS_A_DROPPED]	= { .type = NLA_U64 },
	};
	struct dtproc_stats_reply *r = arg;
	struct nlattr *tb[DTPROC_STATS_A_MAX + 1];
	struct dtproc_probe_stats *st;
	struct nlattr *a;
	uint32_t probe;
	int rem;

	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlmsg_hdr(msg)), 0),
			  genlmsg_attrlen(nlmsg_data(nlmsg_hdr(msg)), 0), rem) {
		if (nla_type(a) != DTPROC_A_STATS ||
		    nla_parse_nested(tb, DTPROC_STATS_A_MAX, a, policy) ||
		    !tb[DTPROC_STATS_A_PROBE])
			continue;
		probe = nla_get_u32(tb[DTPROC_STATS_A_PROBE]);
		if (probe >= sizeof(r->probe) / sizeof(r->probe[0]))
			continue;
		st = &r->probe[probe];
		if (probe >= r->count)
			r->count = probe + 1;
		if (tb[DTPROC_STATS_A_HITS])
			st->hits = nla_get_u64(tb[DTPROC_STATS_A_HITS]);
		if (tb[DTPROC_STATS_A_DELIVERED])
			st->delivered = nla_get_u64(tb[DTPROC_STATS_A_DELIVERED]);
		if (tb[DTPROC_STATS_A_DROPPED])
			st->dropped = nla_get_u64(tb[DTPROC_STATS_A_DROPPED]);
	}
	return NL_OK;
}

static int dtproc_stats_get(struct dtproc_feed *feed,
			    struct dtproc_stats_reply *r)
{
	struct nl_msg *msg = dtproc_feed_msg(feed, DTPROC_CMD_GET_STATS);

	memset(r, 0, sizeof(*r));
	if (!msg)
		return dtproc_failx(ENOMEM, "cannot build a netlink request: out of memory (free some, then retry)");
	return dtproc_feed_request(feed, msg, "read the probe counters of dtproc.ko",
				   dtproc_stats_cb, r);
}

/*
 * dtproc_feed_stats@@LIBDTPROC_1.3: at most @n entries of @size bytes,
 * never written past.
 */
__attribute__((symver("dtproc_feed_stats@@LIBDTPROC_1.3")))
DTPROC_EXPORT int dtproc_feed_stats_v13(struct dtproc_feed *feed,
					struct dtproc_probe_stats *stats,
					size_t n, size_t size)
{
	size_t i, copy = size < sizeof(*stats) ? size : sizeof(*stats);
	struct dtproc_stats_reply r;
	int ret;

	if (n && !size)
		return dtproc_failx(EINVAL, "dtproc_feed_stats: size is 0: pass sizeof(struct dtproc_probe_stats)");
	ret = dtproc_stats_get(feed, &r);
	if (ret < 0)
		return ret;
	for (i = 0; i < n; i++) {
		char *dst = (char *)stats + i * size;

		if (i < sizeof(r.probe) / sizeof(r.probe[0]))
			memcpy(dst, &r.probe[i], copy);
		else
			memset(dst, 0, copy);
		if (size > copy)
			memset(dst + copy, 0, size - copy);
	}
	return r.count;
}

/*
 * dtproc_feed_stats@LIBDTPROC_1: for programs built with a
 * stats[DTPROC_PROBE_COUNT] array of the 14 probes then: never more.
 */
__attribute__((symver("dtproc_feed_stats@LIBDTPROC_1")))
DTPROC_EXPORT int dtproc_feed_stats_v1(struct dtproc_feed *feed,
				       struct dtproc_probe_stats *stats)
{
	int ret = dtproc_feed_stats_v13(feed, stats, DTPROC_PROBE_COUNT_VER1,
					sizeof(*stats));

	return ret < 0 ? ret : 0;
}

/*
 * dtproc_feed_join_events@LIBDTPROC_1, for programs built when the header
 * had it: the events group carries nothing (events go to subscribers), so
 * it only tells whether the module lets the caller join.
 */
__attribute__((symver("dtproc_feed_join_events@LIBDTPROC_1")))
DTPROC_EXPORT int dtproc_feed_join_events_v1(struct dtproc_feed *feed)
{
	int grp, ret;

	grp = genl_ctrl_resolve_grp(feed->sk, DTPROC_GENL_NAME,
				    DTPROC_GENL_MCGRP_EVENTS);
	if (grp < 0)
		return dtproc_failx(ENOENT, "dtproc.ko has no '%s' group (%s): install a matching dtproc.ko",
				   DTPROC_GENL_MCGRP_EVENTS, nl_geterror(grp));
	ret = nl_socket_add_membership(feed->sk, grp);
	if (ret == -NLE_PERM || ret == -NLE_NOACCESS)
		return dtproc_failx(dtproc_nlerr_errno(ret),
				    "cannot join the dtproc event group: it needs CAP_SYS_ADMIN (run as root)");
	if (ret < 0)
		return dtproc_failx(dtproc_nlerr_errno(ret),
				    "cannot join the dtproc event group: libnl says \"%s\" (unexpected: report it)",
				   nl_geterror(ret));
	return 0;
}
