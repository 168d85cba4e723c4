// SPDX-License-Identifier: LGPL-2.1-or-later
/* libdtproc: the "dtproc" generic netlink family, through libnl-3. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "internal.h"

struct dtproc_feed {
	struct nl_sock *sk;
	int family;
	uint32_t family_version;
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
		return dtproc_fail(ENOENT,
			"generic netlink family '" DTPROC_GENL_NAME "' not found (is dtproc.ko loaded?)");

	ret = genl_ctrl_alloc_cache(feed->sk, &cache);
	if (ret < 0)
		return dtproc_fail(dtproc_nlerr_errno(ret),
				   "cannot list generic netlink families: %s",
				   nl_geterror(ret));
	fam = genl_ctrl_search_by_name(cache, DTPROC_GENL_NAME);
	if (fam) {
		feed->family_version = genl_family_get_version(fam);
		genl_family_put(fam);
	}
	nl_cache_free(cache);
	return 0;
}

DTPROC_EXPORT struct dtproc_feed *dtproc_feed_open(void)
{
	struct dtproc_feed *feed;
	int ret, err;

	feed = calloc(1, sizeof(*feed));
	if (!feed)
		return dtproc_fail_null(ENOMEM, "cannot open the dtproc feed");
	feed->sk = nl_socket_alloc();
	if (!feed->sk) {
		free(feed);
		return dtproc_fail_null(ENOMEM, "cannot open the dtproc feed");
	}
	ret = genl_connect(feed->sk);
	if (ret < 0) {
		err = dtproc_nlerr_errno(ret);
		dtproc_feed_close(feed);
		return dtproc_fail_null(err, "cannot open a generic netlink socket: %s",
					nl_geterror(ret));
	}
	ret = dtproc_feed_resolve(feed);
	if (ret < 0) {
		dtproc_feed_close(feed);
		errno = -ret;
		return NULL;
	}
	dtproc_clear_error();
	return feed;
}

DTPROC_EXPORT void dtproc_feed_close(struct dtproc_feed *feed)
{
	if (!feed)
		return;
	nl_socket_free(feed->sk);
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

static int dtproc_ack_cb(struct nl_msg *msg, void *arg)
{
	*(int *)arg = 1;
	return NL_STOP;
}

/* Send one command with no attributes and feed each reply to @cb. */
static int dtproc_feed_request(struct dtproc_feed *feed, uint8_t cmd,
			       nl_recvmsg_msg_cb_t cb, void *arg)
{
	struct nl_msg *msg;
	struct nl_cb *nlcb;
	int ret, done = 0;

	msg = nlmsg_alloc();
	if (!msg)
		return dtproc_fail(ENOMEM, "cannot build a netlink request");
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, feed->family, 0,
			 NLM_F_REQUEST | NLM_F_ACK, cmd, DTPROC_GENL_VERSION)) {
		nlmsg_free(msg);
		return dtproc_fail(ENOMEM, "cannot build a netlink request");
	}
	ret = nl_send_auto(feed->sk, msg);
	nlmsg_free(msg);
	if (ret < 0)
		return dtproc_fail(dtproc_nlerr_errno(ret),
				   "cannot send to dtproc.ko: %s", nl_geterror(ret));

	nlcb = nl_cb_clone(nl_socket_get_cb(feed->sk));
	if (!nlcb)
		return dtproc_fail(ENOMEM, "cannot receive from dtproc.ko");
	nl_cb_set(nlcb, NL_CB_VALID, NL_CB_CUSTOM, cb, arg);
	nl_cb_set(nlcb, NL_CB_ACK, NL_CB_CUSTOM, dtproc_ack_cb, &done);
	do
		ret = nl_recvmsgs(feed->sk, nlcb);
	while (ret >= 0 && !done);
	nl_cb_put(nlcb);
	if (ret < 0)
		return dtproc_fail(dtproc_nlerr_errno(ret),
				   "dtproc.ko refused the request: %s",
				   nl_geterror(ret));
	return 0;
}

DTPROC_EXPORT int dtproc_feed_module_version(struct dtproc_feed *feed,
					     uint32_t *abi, char *buf, size_t len)
{
	struct dtproc_version_reply r = { 0 };
	int ret;

	ret = dtproc_feed_request(feed, DTPROC_CMD_GET_VERSION,
				  dtproc_version_cb, &r);
	if (ret < 0)
		return ret;
	if (!r.seen)
		return dtproc_fail(EPROTO, "dtproc.ko sent no version reply");
	if (abi)
		*abi = r.abi;
	if (buf && len) {
		strncpy(buf, r.module_version, len - 1);
		buf[len - 1] = '\0';
	}
	return 0;
}

DTPROC_EXPORT int dtproc_feed_join_events(struct dtproc_feed *feed)
{
	int grp, ret;

	grp = genl_ctrl_resolve_grp(feed->sk, DTPROC_GENL_NAME,
				    DTPROC_GENL_MCGRP_EVENTS);
	if (grp < 0)
		return dtproc_fail(ENOENT, "dtproc.ko has no '%s' group: %s",
				   DTPROC_GENL_MCGRP_EVENTS, nl_geterror(grp));
	ret = nl_socket_add_membership(feed->sk, grp);
	if (ret < 0)
		return dtproc_fail(dtproc_nlerr_errno(ret),
				   "cannot join the dtproc event feed%s: %s",
				   ret == -NLE_PERM || ret == -NLE_NOACCESS ?
				   " (needs CAP_SYS_ADMIN: run as root)" : "",
				   nl_geterror(ret));
	return 0;
}
