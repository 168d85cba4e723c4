// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/dtproc control device.
 *
 * Only CAP_SYS_ADMIN may open it (the node is also created mode 0600).
 * Each ioctl command is handled by one function taking the user argument;
 * argument structures are extensible and copied with dtproc_arg_in().
 */

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "dtproc.h"

/*
 * Copy an extensible argument structure in.  @ksize is the kernel's size of
 * the structure, @ver0 the smallest size ever published.  On success the
 * caller's size is left in the structure's leading @size field.
 */
static int dtproc_arg_in(void *karg, size_t ksize, size_t ver0,
			 const void __user *uarg)
{
	u32 usize;
	int ret;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize < ver0 || usize > DTPROC_ARG_SIZE_MAX)
		return -EINVAL;

	ret = copy_struct_from_user(karg, ksize, uarg, usize);
	/* Unknown non-zero fields: a request this module cannot honour. */
	return ret == -E2BIG ? -EINVAL : ret;
}

/* Copy an argument structure back, no further than the caller's size. */
static int dtproc_arg_out(void __user *uarg, const void *karg, size_t ksize)
{
	u32 usize = *(const u32 *)karg;

	if (copy_to_user(uarg, karg, min_t(size_t, usize, ksize)))
		return -EFAULT;
	return 0;
}

static long dtproc_ioc_version(void __user *argp)
{
	struct dtproc_version v;
	int ret;

	ret = dtproc_arg_in(&v, sizeof(v), DTPROC_VERSION_SIZE_VER0, argp);
	if (ret)
		return ret;
	if (v.abi_version || v.module_version[0])
		return -EINVAL;

	v.abi_version = DTPROC_ABI_VERSION;
	strscpy(v.module_version, DTPROC_MODULE_VERSION,
		sizeof(v.module_version));
	return dtproc_arg_out(argp, &v, sizeof(v));
}

static long dtproc_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case DTPROC_IOC_VERSION:
		return dtproc_ioc_version(argp);
	default:
		return -ENOIOCTLCMD;
	}
}

static int dtproc_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return nonseekable_open(inode, file);
}

static const struct file_operations dtproc_fops = {
	.owner		= THIS_MODULE,
	.open		= dtproc_open,
	.unlocked_ioctl	= dtproc_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice dtproc_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= DTPROC_DEVICE_NAME,
	.fops	= &dtproc_fops,
	.mode	= 0600,
};

int dtproc_dev_init(void)
{
	return misc_register(&dtproc_misc);
}

void dtproc_dev_exit(void)
{
	misc_deregister(&dtproc_misc);
}
