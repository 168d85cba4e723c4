// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for the test builds only (see fault.h): two module
 * parameters, fail_nth and fail_tgid, written by the selftests.
 */

#include <linux/atomic.h>
#include <linux/moduleparam.h>
#include <linux/kstrtox.h>
#include <linux/sched.h>
#include <linux/sysfs.h>

#include "fault.h"

static atomic_t dtproc_fail_nth = ATOMIC_INIT(0);
static int dtproc_fail_tgid;

static int dtproc_fail_nth_set(const char *val, const struct kernel_param *kp)
{
	int n, ret;

	ret = kstrtoint(val, 0, &n);
	if (ret)
		return ret;
	if (n < 0)
		return -EINVAL;
	atomic_set(&dtproc_fail_nth, n);
	return 0;
}

static int dtproc_fail_nth_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&dtproc_fail_nth));
}

static const struct kernel_param_ops dtproc_fail_nth_ops = {
	.set = dtproc_fail_nth_set,
	.get = dtproc_fail_nth_get,
};

module_param_cb(fail_nth, &dtproc_fail_nth_ops, NULL, 0600);
MODULE_PARM_DESC(fail_nth, "test builds: fail the Nth allocation (0: none)");
module_param_named(fail_tgid, dtproc_fail_tgid, int, 0600);
MODULE_PARM_DESC(fail_tgid, "test builds: count only this process's calls");

bool dtproc_should_fail(void)
{
	int tgid = READ_ONCE(dtproc_fail_tgid);

	if (!atomic_read(&dtproc_fail_nth))
		return false;
	if (tgid && task_tgid_nr(current) != tgid)
		return false;
	/* the call that takes it from 1 to 0 fails; none after it */
	return atomic_dec_if_positive(&dtproc_fail_nth) == 0;
}
