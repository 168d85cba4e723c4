// SPDX-License-Identifier: GPL-2.0
/*
 * The "dtproc" generic netlink family.
 *
 * Every command needs CAP_SYS_ADMIN (GENL_ADMIN_PERM), and so does joining
 * the events multicast group (GENL_MCAST_CAP_SYS_ADMIN).
 */

#include <linux/module.h>
#include <net/genetlink.h>

#include "dtproc.h"

static struct genl_family dtproc_genl_family;

static const struct nla_policy dtproc_genl_policy[DTPROC_A_MAX + 1] = {
	[DTPROC_A_ABI_VERSION]		= { .type = NLA_U32 },
	[DTPROC_A_MODULE_VERSION]	= { .type = NLA_NUL_STRING,
					    .len = DTPROC_VERSION_LEN - 1 },
};

static int dtproc_genl_get_version(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &dtproc_genl_family, 0,
				DTPROC_CMD_GET_VERSION);
	if (!hdr)
		goto err_msg;
	if (nla_put_u32(msg, DTPROC_A_ABI_VERSION, DTPROC_ABI_VERSION) ||
	    nla_put_string(msg, DTPROC_A_MODULE_VERSION, DTPROC_MODULE_VERSION))
		goto err_msg;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_msg:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static const struct genl_ops dtproc_genl_ops[] = {
	{
		.cmd	= DTPROC_CMD_GET_VERSION,
		.doit	= dtproc_genl_get_version,
		.flags	= GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group dtproc_genl_mcgrps[] = {
	{ .name = DTPROC_GENL_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_SYS_ADMIN },
};

static struct genl_family dtproc_genl_family __ro_after_init = {
	.name		= DTPROC_GENL_NAME,
	.version	= DTPROC_GENL_VERSION,
	.maxattr	= DTPROC_A_MAX,
	.policy		= dtproc_genl_policy,
	.module		= THIS_MODULE,
	.ops		= dtproc_genl_ops,
	.n_ops		= ARRAY_SIZE(dtproc_genl_ops),
	.resv_start_op	= DTPROC_CMD_MAX + 1,
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
