// SPDX-License-Identifier: GPL-2.0
/*
 * dtproc: DTrace process control and the proc provider for Linux.
 *
 * Module entry points: bring the subsystems up in order and take them down
 * in reverse.
 */

#include <linux/module.h>

#include "dtproc.h"

static int __init dtproc_init(void)
{
	int ret;

	ret = dtproc_ring_init();
	if (ret)
		goto err_ring;

	/* the feed before the hooks: their handlers kick its worker */
	ret = dtproc_feed_init();
	if (ret)
		goto err_feed;

	ret = dtproc_hooks_init();
	if (ret)
		goto err_hooks;

	ret = dtproc_bp_init();
	if (ret)
		goto err_bp;

	ret = dtproc_genl_init();
	if (ret)
		goto err_genl;

	ret = dtproc_dev_init();
	if (ret)
		goto err_dev;

	pr_info("version %s, ABI %d loaded\n", DTPROC_MODULE_VERSION,
		DTPROC_ABI_VERSION);
	return 0;

err_dev:
	dtproc_genl_exit();
err_genl:
	dtproc_bp_cleanup();
err_bp:
	dtproc_hooks_exit();
err_hooks:
	dtproc_feed_exit();
err_feed:
	dtproc_ring_exit();
err_ring:
	return ret;
}

static void __exit dtproc_exit(void)
{
	dtproc_dev_exit();
	dtproc_genl_exit();
	dtproc_bp_cleanup();
	dtproc_control_cleanup();
	dtproc_hooks_exit();
	dtproc_feed_exit();
	dtproc_ring_exit();
}

module_init(dtproc_init);
module_exit(dtproc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("DTrace process control and proc provider");
MODULE_VERSION(DTPROC_MODULE_VERSION);
MODULE_ALIAS_GENL_FAMILY(DTPROC_GENL_NAME);
