// SPDX-License-Identifier: GPL-2.0
/*
 * The "dtproc" generic netlink family.
 *
 * Every command needs CAP_SYS_ADMIN in the initial user namespace, checked
 * here before the command runs (GENL_ADMIN_PERM would only ask for
 * CAP_NET_ADMIN, which host-network daemons and containers get); joining
 * the events multicast group needs CAP_SYS_ADMIN too
 * (GENL_MCAST_CAP_SYS_ADMIN).  One small function per command; the feed
 * itself is in feed.c.
 */

#include <linux/module.h>
#include <net/genetlink.h>

#include "dtproc.h"

/*
 * Strict validation for every command (resv_start_op is 0): the genl
 * header's reserved field must be 0, nlmsg_flags may hold only what the
 * core gives a meaning, attributes are parsed strictly, and a command
 * takes only its own attributes.  The commands with no policy here take
 * none (the core rejects any); an unknown command is EOPNOTSUPP.
 */
static const struct nla_policy dtproc_subscribe_policy[DTPROC_A_MAX + 1] = {
	[DTPROC_A_PROBE_MASK]		= NLA_POLICY_MASK(NLA_U32,
							  DTPROC_PROBE_MASK_ALL),
	[DTPROC_A_FILTER_PID]		= { .type = NLA_U32 },
	[DTPROC_A_FILTER_FLAGS]		= NLA_POLICY_MASK(NLA_U32,
							  DTPROC_FILTER_DESCENDANTS),
};

/* Reply to @info with command @cmd, its attributes put by @fill. */
static int dtproc_genl_reply(struct genl_info *info, u8 cmd,
			     int (*fill)(struct sk_buff *msg))
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &dtproc_genl_family, 0, cmd);
	if (!hdr || fill(msg)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int dtproc_put_version(struct sk_buff *msg)
{
	if (nla_put_u32(msg, DTPROC_A_ABI_VERSION, DTPROC_ABI_VERSION) ||
	    nla_put_string(msg, DTPROC_A_MODULE_VERSION, DTPROC_MODULE_VERSION))
		return -EMSGSIZE;
	return 0;
}

/*
 * The feed shows every process of the host, across pid and user
 * namespaces: both the socket's opener and the sender need CAP_SYS_ADMIN
 * over the initial user namespace (netlink_capable()).
 */
static int dtproc_genl_permitted(struct sk_buff *skb, struct genl_info *info)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return 0;
	NL_SET_ERR_MSG(info->extack, "dtproc needs CAP_SYS_ADMIN");
	return -EPERM;
}

static int dtproc_genl_get_version(struct sk_buff *skb, struct genl_info *info)
{
	int ret = dtproc_genl_permitted(skb, info);

	if (ret)
		return ret;
	return dtproc_genl_reply(info, DTPROC_CMD_GET_VERSION,
				 dtproc_put_version);
}

static u32 dtproc_attr_u32(struct genl_info *info, int attr)
{
	return info->attrs[attr] ? nla_get_u32(info->attrs[attr]) : 0;
}

static int dtproc_genl_subscribe(struct sk_buff *skb, struct genl_info *info)
{
	u32 flags = dtproc_attr_u32(info, DTPROC_A_FILTER_FLAGS);
	pid_t pid = dtproc_attr_u32(info, DTPROC_A_FILTER_PID);
	int ret = dtproc_genl_permitted(skb, info);

	if (ret)
		return ret;
	if (GENL_REQ_ATTR_CHECK(info, DTPROC_A_PROBE_MASK))
		return -EINVAL;
	if ((flags & DTPROC_FILTER_DESCENDANTS) && !pid) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[DTPROC_A_FILTER_FLAGS],
				    "descendants of which process?");
		return -EINVAL;
	}
	return dtproc_feed_sub_add(NETLINK_CB(skb).sk,
				     nla_get_u32(info->attrs[DTPROC_A_PROBE_MASK]),
				     pid, flags);
}

static int dtproc_genl_unsubscribe(struct sk_buff *skb, struct genl_info *info)
{
	int ret = dtproc_genl_permitted(skb, info);

	if (ret)
		return ret;
	return dtproc_feed_sub_del(NETLINK_CB(skb).sk);
}

static int dtproc_put_stats(struct sk_buff *msg, int probe)
{
	u64 hits, delivered, dropped;
	struct nlattr *nest;

	dtproc_feed_probe_stats(probe, &hits, &delivered, &dropped);
	nest = nla_nest_start(msg, DTPROC_A_STATS);
	if (!nest ||
	    nla_put_u32(msg, DTPROC_STATS_A_PROBE, probe) ||
	    nla_put_u64_64bit(msg, DTPROC_STATS_A_HITS, hits,
			      DTPROC_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, DTPROC_STATS_A_DELIVERED, delivered,
			      DTPROC_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, DTPROC_STATS_A_DROPPED, dropped,
			      DTPROC_STATS_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int dtproc_put_all_stats(struct sk_buff *msg)
{
	int probe, ret;

	for (probe = 0; probe < DTPROC_PROBE_COUNT; probe++) {
		ret = dtproc_put_stats(msg, probe);
		if (ret)
			return ret;
	}
	return 0;
}

static int dtproc_genl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	int ret = dtproc_genl_permitted(skb, info);

	if (ret)
		return ret;
	return dtproc_genl_reply(info, DTPROC_CMD_GET_STATS,
				 dtproc_put_all_stats);
}

static const struct genl_ops dtproc_genl_ops[] = {
	{
		.cmd	= DTPROC_CMD_GET_VERSION,
		.doit	= dtproc_genl_get_version,
	}, {
		.cmd	= DTPROC_CMD_SUBSCRIBE,
		.doit	= dtproc_genl_subscribe,
		.policy	= dtproc_subscribe_policy,
		.maxattr = DTPROC_A_MAX,
	}, {
		.cmd	= DTPROC_CMD_UNSUBSCRIBE,
		.doit	= dtproc_genl_unsubscribe,
	}, {
		.cmd	= DTPROC_CMD_GET_STATS,
		.doit	= dtproc_genl_get_stats,
	},
};

static const struct genl_multicast_group dtproc_genl_mcgrps[] = {
	{ .name = DTPROC_GENL_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_SYS_ADMIN },
};

struct genl_family dtproc_genl_family __ro_after_init = {
	.name		= DTPROC_GENL_NAME,
	.version	= DTPROC_GENL_VERSION,
	.maxattr	= DTPROC_A_MAX,
	.module		= THIS_MODULE,
	.ops		= dtproc_genl_ops,
	.n_ops		= ARRAY_SIZE(dtproc_genl_ops),
	.mcgrps		= dtproc_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(dtproc_genl_mcgrps),
};

int dtproc_genl_init(void)
{
	return genl_register_family(&dtproc_genl_family);
}

void dtproc_genl_exit(void)
{
	genl_unregister_family(&dtproc_genl_family);
}
