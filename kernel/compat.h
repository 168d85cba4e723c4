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
 * uprobes.  6.12: uprobe_register() returns the uprobe (or an ERR_PTR),
 * consumers are removed with uprobe_unregister_nosync() and one
 * uprobe_unregister_sync() covers a batch (until then handlers may still
 * run); the filter takes no context.  6.1: register and unregister by
 * (inode, offset); unregister waits for running handlers itself.
 */
#include <linux/uprobes.h>

struct dtproc_uprobe {
	struct uprobe_consumer	uc;
	struct inode		*inode;
	loff_t			offset;
#ifdef DTPROC_UPROBE_NOSYNC
	struct uprobe		*uprobe;
#endif
};

/* The filter, in the kernel's signature for it (dtproc's own in bp.c). */
bool dtproc_uprobe_filter(struct uprobe_consumer *uc, struct mm_struct *mm);

#ifdef DTPROC_UPROBE_NOSYNC
static inline bool dtproc_uprobe_filter_fn(struct uprobe_consumer *uc,
					   struct mm_struct *mm)
{
	return dtproc_uprobe_filter(uc, mm);
}

static inline int dtproc_uprobe_register(struct dtproc_uprobe *u)
{
	u->uprobe = uprobe_register(u->inode, u->offset, 0, &u->uc);
	return PTR_ERR_OR_ZERO(u->uprobe);
}

static inline void dtproc_uprobe_unregister_nosync(struct dtproc_uprobe *u)
{
	uprobe_unregister_nosync(u->uprobe, &u->uc);
}

static inline void dtproc_uprobe_unregister_sync(void)
{
	uprobe_unregister_sync();
}
#else
static inline bool dtproc_uprobe_filter_fn(struct uprobe_consumer *uc,
					   enum uprobe_filter_ctx ctx,
					   struct mm_struct *mm)
{
	return dtproc_uprobe_filter(uc, mm);
}

static inline int dtproc_uprobe_register(struct dtproc_uprobe *u)
{
	return uprobe_register(u->inode, u->offset, &u->uc);
}

static inline void dtproc_uprobe_unregister_nosync(struct dtproc_uprobe *u)
{
	uprobe_unregister(u->inode, u->offset, &u->uc);
}

static inline void dtproc_uprobe_unregister_sync(void)
{
}
#endif

/*
 * handle_swbp() skips the single-step of the probed instruction when a
 * handler moved the IP (6.12; Debian's 6.1.192 has it too, uprobes.c:2259):
 * a thread can leave a breakpoint untaken, holding no XOL slot, and take it
 * again later.  A 6.1 kernel older than that backport must set this to 0.
 */
#define DTPROC_UPROBE_CAN_REWIND	1

#endif /* _DTPROC_COMPAT_H */
