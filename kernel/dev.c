// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/dtproc control device.
 *
 * Only CAP_SYS_ADMIN may open it (the node is also created mode 0600).
 * Each ioctl command is handled by one function taking the user argument;
 * argument structures are extensible and copied with dtproc_arg_in().
 * Control needs a descriptor open for writing.
 */

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
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

static long dtproc_ioc_grab(struct dtproc_consumer *c, void __user *argp)
{
	struct dtproc_grab g;
	int ret;

	ret = dtproc_arg_in(&g, sizeof(g), DTPROC_GRAB_SIZE_VER0, argp);
	if (ret)
		return ret;
	if (g.memfd && !(g.flags & DTPROC_GRAB_MEMFD))
		return -EINVAL;
	return dtproc_ctl_grab(c, &g);
}

/* RELEASE, CONTINUE and STOP: a pid, and one action on it. */
static long dtproc_ioc_pid(struct dtproc_consumer *c, void __user *argp,
			   int (*action)(struct dtproc_consumer *c, pid_t pid))
{
	struct dtproc_pid p;
	pid_t nr;
	int ret;

	ret = dtproc_arg_in(&p, sizeof(p), DTPROC_PID_SIZE_VER0, argp);
	if (ret)
		return ret;
	if (p.pad || (p.flags & ~DTPROC_PID_PIDFD))
		return -EINVAL;
	ret = dtproc_resolve(c, p.pid, p.flags & DTPROC_PID_PIDFD, &nr);
	if (ret)
		return ret;
	return action(c, nr);
}

static long dtproc_ioc_status(struct dtproc_consumer *c, void __user *argp)
{
	struct dtproc_status st;
	s32 id;
	int ret;

	ret = dtproc_arg_in(&st, sizeof(st), DTPROC_STATUS_SIZE_VER0, argp);
	if (ret)
		return ret;
	if (st.flags & ~(DTPROC_STATUS_WAIT | DTPROC_STATUS_PIDFD))
		return -EINVAL;
	id = st.pid;
	ret = dtproc_resolve(c, id, st.flags & DTPROC_STATUS_PIDFD, &st.pid);
	if (ret)
		return ret;
	st.flags &= ~DTPROC_STATUS_PIDFD;
	ret = dtproc_ctl_status(c, &st);
	if (ret)
		return ret;
	st.pid = id;	/* as the caller named it */
	return dtproc_arg_out(argp, &st, sizeof(st));
}

/* BP_ADD, BP_SET and BP_DEL: a breakpoint, and one action on it. */
static long dtproc_ioc_bp(struct dtproc_consumer *c, void __user *argp,
			  int (*action)(struct dtproc_consumer *c, pid_t nr,
					struct dtproc_bp *req))
{
	struct dtproc_bp bp;
	pid_t nr;
	int ret;

	ret = dtproc_arg_in(&bp, sizeof(bp), DTPROC_BP_SIZE_VER0, argp);
	if (ret)
		return ret;
	ret = dtproc_resolve(c, bp.pid, bp.flags & DTPROC_BP_PIDFD, &nr);
	if (ret)
		return ret;
	ret = action(c, nr, &bp);
	if (ret)
		return ret;
	return dtproc_arg_out(argp, &bp, sizeof(bp));
}

static long dtproc_ioc_bp_list(struct dtproc_consumer *c, void __user *argp)
{
	struct dtproc_bp_list l;
	pid_t nr;
	int ret;

	ret = dtproc_arg_in(&l, sizeof(l), DTPROC_BP_LIST_SIZE_VER0, argp);
	if (ret)
		return ret;
	ret = dtproc_resolve(c, l.pid, l.flags & DTPROC_BP_PIDFD, &nr);
	if (ret)
		return ret;
	ret = dtproc_bp_report(c, nr, &l);
	if (ret)
		return ret;
	return dtproc_arg_out(argp, &l, sizeof(l));
}

/*
 * Commands are told apart by type and number only: the size field of the
 * command number follows the caller's structure, which may be a later
 * (larger) or an earlier version; it must at least hold the first version,
 * and the structure's own size field says how much there is to read.
 */
static const struct {
	u32	dir;
	u32	ver0;
	bool	control;	/* needs an open for writing */
} dtproc_cmds[] = {
	[_IOC_NR(DTPROC_IOC_VERSION)] = { _IOC_READ | _IOC_WRITE,
					  DTPROC_VERSION_SIZE_VER0, false },
	[_IOC_NR(DTPROC_IOC_GRAB)] = { _IOC_WRITE, DTPROC_GRAB_SIZE_VER0, true },
	[_IOC_NR(DTPROC_IOC_RELEASE)] = { _IOC_WRITE, DTPROC_PID_SIZE_VER0, true },
	[_IOC_NR(DTPROC_IOC_CONTINUE)] = { _IOC_WRITE, DTPROC_PID_SIZE_VER0,
					   true },
	[_IOC_NR(DTPROC_IOC_STOP)] = { _IOC_WRITE, DTPROC_PID_SIZE_VER0, true },
	[_IOC_NR(DTPROC_IOC_STATUS)] = { _IOC_READ | _IOC_WRITE,
					 DTPROC_STATUS_SIZE_VER0, true },
	[_IOC_NR(DTPROC_IOC_BP_ADD)] = { _IOC_READ | _IOC_WRITE,
					 DTPROC_BP_SIZE_VER0, true },
	[_IOC_NR(DTPROC_IOC_BP_SET)] = { _IOC_WRITE, DTPROC_BP_SIZE_VER0, true },
	[_IOC_NR(DTPROC_IOC_BP_DEL)] = { _IOC_WRITE, DTPROC_BP_SIZE_VER0, true },
	[_IOC_NR(DTPROC_IOC_BP_LIST)] = { _IOC_READ | _IOC_WRITE,
					  DTPROC_BP_LIST_SIZE_VER0, true },
};

static long dtproc_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct dtproc_consumer *c = file->private_data;
	void __user *argp = (void __user *)arg;
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != DTPROC_IOC_MAGIC || nr >= ARRAY_SIZE(dtproc_cmds) ||
	    !dtproc_cmds[nr].ver0 || _IOC_DIR(cmd) != dtproc_cmds[nr].dir ||
	    _IOC_SIZE(cmd) < dtproc_cmds[nr].ver0)
		return -ENOTTY;
	/* a descriptor opened read-only may ask the version, nothing else */
	if (dtproc_cmds[nr].control && !(file->f_mode & FMODE_WRITE))
		return -EBADF;

	switch (nr) {
	case _IOC_NR(DTPROC_IOC_VERSION):
		return dtproc_ioc_version(argp);
	case _IOC_NR(DTPROC_IOC_GRAB):
		return dtproc_ioc_grab(c, argp);
	case _IOC_NR(DTPROC_IOC_RELEASE):
		return dtproc_ioc_pid(c, argp, dtproc_ctl_release);
	case _IOC_NR(DTPROC_IOC_CONTINUE):
		return dtproc_ioc_pid(c, argp, dtproc_ctl_continue);
	case _IOC_NR(DTPROC_IOC_STOP):
		return dtproc_ioc_pid(c, argp, dtproc_ctl_stop);
	case _IOC_NR(DTPROC_IOC_STATUS):
		return dtproc_ioc_status(c, argp);
	case _IOC_NR(DTPROC_IOC_BP_ADD):
		return dtproc_ioc_bp(c, argp, dtproc_bp_place);
	case _IOC_NR(DTPROC_IOC_BP_SET):
		return dtproc_ioc_bp(c, argp, dtproc_bp_change);
	case _IOC_NR(DTPROC_IOC_BP_DEL):
		return dtproc_ioc_bp(c, argp, dtproc_bp_remove);
	case _IOC_NR(DTPROC_IOC_BP_LIST):
		return dtproc_ioc_bp_list(c, argp);
	default:
		return -ENOTTY;
	}
}

static ssize_t dtproc_read(struct file *file, char __user *buf, size_t len,
			   loff_t *off)
{
	return dtproc_consumer_read(file->private_data, buf, len,
				    file->f_flags & O_NONBLOCK);
}

static __poll_t dtproc_poll(struct file *file, poll_table *wait)
{
	return dtproc_consumer_poll(file->private_data, file, wait);
}

static int dtproc_dev_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	file->private_data = dtproc_consumer_new();
	if (!file->private_data)
		return -ENOMEM;
	return nonseekable_open(inode, file);
}

static int dtproc_flush(struct file *file, fl_owner_t id)
{
	dtproc_consumer_flush(file->private_data);
	return 0;
}

/* The consumer is gone: its victims are released by their rules. */
static int dtproc_release_file(struct inode *inode, struct file *file)
{
	dtproc_consumer_free(file->private_data);
	return 0;
}

static const struct file_operations dtproc_fops = {
	.owner		= THIS_MODULE,
	.open		= dtproc_dev_open,
	.flush		= dtproc_flush,
	.release	= dtproc_release_file,
	.read		= dtproc_read,
	.poll		= dtproc_poll,
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
