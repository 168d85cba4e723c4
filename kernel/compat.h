/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version compatibility for dtproc, force-included into every file
 * of the module by Kbuild.  This is the only place that knows about
 * differences between the kernels dtproc supports (6.1 and 6.12 series);
 * core code never tests kernel versions.
 */
#ifndef _DTPROC_COMPAT_H
#define _DTPROC_COMPAT_H

/* Force-included first, so it also sets the log prefix for every file. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/genetlink.h>

/*
 * One user page of another mm, never faulted in: get_user_pages_remote()
 * lost its vmas argument in 6.5.
 */
#ifdef DTPROC_GUP_HAS_VMAS	/* set by Kbuild from the kernel's mm.h */
#define dtproc_get_user_page_remote(mm, addr, flags, page) \
	get_user_pages_remote(mm, addr, 1, flags, page, NULL, NULL)
#else
#define dtproc_get_user_page_remote(mm, addr, flags, page) \
	get_user_pages_remote(mm, addr, 1, flags, page, NULL)
#endif

/*
 * Joining the events group must need a capability.  The per-group flags
 * arrived in 6.7 and were backported to the 6.1 stable series (6.1.70);
 * an older kernel has no way to refuse unprivileged joins, so refuse to
 * build rather than ship an open event feed.
 */
#ifndef GENL_MCAST_CAP_SYS_ADMIN
#error "this kernel lacks GENL_MCAST_CAP_SYS_ADMIN (6.1.70+ or 6.7+ needed)"
#endif

/* 6.4+: vhost and other user workers; 6.1 has none of them. */
#include <linux/sched.h>
#ifndef PF_USER_WORKER
#define PF_USER_WORKER	0
#endif

/* 6.9+: pidfds live in pidfs; before, an anonymous inode "[pidfd]". */
#include <linux/magic.h>
#ifndef PID_FS_MAGIC
#define PID_FS_MAGIC	0x50494446
#endif

/*
 * 6.11+: task_work_add() records a KASAN stack of the work, allocating
 * unless TWAF_NO_ALLOC says not to; a park queued under a raw lock or from
 * a hook must not allocate.  6.1 has no such flag (and records with an
 * allocation only under KASAN, which none of its builds here has).
 */
#include <linux/task_work.h>
#ifdef DTPROC_HAS_TWAF_NO_ALLOC	/* set by Kbuild from the kernel's task_work.h */
#define DTPROC_TWAF_NO_ALLOC	TWAF_NO_ALLOC
#else
#define DTPROC_TWAF_NO_ALLOC	0
#endif

static inline int dtproc_task_work_add_noalloc(struct task_struct *t,
					       struct callback_head *cb,
					       enum task_work_notify_mode mode)
{
	return task_work_add(t, cb, mode | DTPROC_TWAF_NO_ALLOC);
}

#endif /* _DTPROC_COMPAT_H */
