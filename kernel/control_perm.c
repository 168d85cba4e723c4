// SPDX-License-Identifier: GPL-2.0
/*
 * Who may control what, and which process a pidfd names.
 *
 * ptrace_may_access() is not exported, so the kernel's own ptrace check
 * is made by the consumer's library instead: it opens /proc/PID/mem, whose
 * open runs ptrace_may_access(PTRACE_MODE_ATTACH) with every LSM (Yama's
 * ptrace_scope, SELinux, AppArmor, Landlock) and the dumpable rules, and
 * passes that descriptor to GRAB (DTPROC_GRAB_MEMFD).  Here the descriptor
 * must be a procfs file named "mem" whose memory is the victim's: its
 * private data is the mm the open checked (pinned by the file, so the
 * pointer cannot be reused), and an exec gives a process a new mm, so a
 * descriptor opened before a set-id exec no longer matches after it.
 *
 * Not consulted: who opened the descriptor (it is a capability, like any
 * file: a consumer may be handed one), and which pid's directory it was
 * opened in (a CLONE_VM sibling shares the mm and the right).
 *
 * Without a descriptor only watching (DTPROC_GRAB_RDONLY) is possible, on
 * the module's own approximation of PTRACE_MODE_READ: same uids and gids
 * and a dumpable image, or CAP_SYS_PTRACE over the image's user namespace.
 * That one consults no LSM.
 */
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>

#include "control.h"

/* The mm of @t's process (its leader may have exited), referenced. */
static struct mm_struct *dtproc_process_mm(struct task_struct *t)
{
	struct mm_struct *mm = NULL;
	struct task_struct *u;

	rcu_read_lock();
	for_each_thread(t, u) {
		mm = get_task_mm(u);
		if (mm)
			break;
	}
	rcu_read_unlock();
	return mm;
}

/* Is @memfd an open /proc/<pid>/mem of @t's current image? */
static int dtproc_memfd_check(struct task_struct *t, int memfd)
{
	struct file *file = fget(memfd);
	struct mm_struct *mm;
	int ret = -EPERM;

	if (!file)
		return -EBADF;
	if (file_inode(file)->i_sb->s_magic != PROC_SUPER_MAGIC ||
	    strcmp(file->f_path.dentry->d_name.name, "mem"))
		goto out;
	mm = dtproc_process_mm(t);
	if (mm) {
		/* another image: an exec since the open (or another process) */
		ret = file->private_data == mm ? 0 : -ESTALE;
		mmput(mm);
	} else {
		ret = -ESRCH;	/* every thread is past exit_mm() */
	}
out:
	fput(file);
	return ret;
}

/* The module's own approximation of PTRACE_MODE_READ (no LSM). */
static int dtproc_may_watch(struct task_struct *t)
{
	const struct cred *cred = current_cred(), *tcred;
	struct user_namespace *ns;
	struct mm_struct *mm;
	bool same, dumpable;
	int ret = 0;

	tcred = get_task_cred(t);
	same = uid_eq(cred->uid, tcred->euid) && uid_eq(cred->uid, tcred->suid) &&
	       uid_eq(cred->uid, tcred->uid) && gid_eq(cred->gid, tcred->egid) &&
	       gid_eq(cred->gid, tcred->sgid) && gid_eq(cred->gid, tcred->gid);
	mm = dtproc_process_mm(t);
	dumpable = mm && get_dumpable(mm) == SUID_DUMP_USER;
	/* as ptrace: the dumpable override is over the image's namespace */
	ns = mm ? mm->user_ns : tcred->user_ns;
	if (!(same && dumpable) && !ns_capable(ns, CAP_SYS_PTRACE))
		ret = -EPERM;
	if (mm)
		mmput(mm);
	put_cred(tcred);
	return ret;
}

/*
 * May the caller hold @t with DTPROC_GRAB_* @flags, proving its right with
 * @memfd if DTPROC_GRAB_MEMFD is among them?  Control needs the proof.
 */
int dtproc_may_control(struct task_struct *t, int memfd, u32 flags)
{
	if (t->flags & PF_KTHREAD)
		return -EPERM;
	if (flags & DTPROC_GRAB_MEMFD)
		return dtproc_memfd_check(t, memfd);
	if (!(flags & DTPROC_GRAB_RDONLY))
		return -EPERM;
	return dtproc_may_watch(t);
}

/* The struct pid a pidfd names (referenced), as pidfd_pid() would. */
struct pid *dtproc_pidfd_pid(int fd)
{
	struct file *file = fget(fd);
	struct pid *pid = ERR_PTR(-EBADF);
	unsigned long magic;

	if (!file)
		return pid;
	magic = file_inode(file)->i_sb->s_magic;
	if (magic == PID_FS_MAGIC)			/* 6.9+: pidfs */
		pid = get_pid(file_inode(file)->i_private);
	else if (magic == ANON_INODE_FS_MAGIC &&	/* before: anon inode */
		 !strcmp(file->f_path.dentry->d_name.name, "[pidfd]"))
		pid = get_pid(file->private_data);
	fput(file);
	return pid;
}
