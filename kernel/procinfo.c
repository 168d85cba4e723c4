// SPDX-License-Identifier: GPL-2.0
/*
 * psinfo_t, lwpsinfo_t and siginfo_t, as the proc provider's arguments
 * describe them, filled from kernel objects.
 *
 * Everything here except dtproc_read_psargs() runs in probe context: no
 * sleeping, no allocation, no locks beyond RCU, and user memory only
 * through copy_from_user_nofault() of the current task's own image.
 * Identifiers are those of the initial namespaces.
 */
#include <linux/cred.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/signal.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <asm/syscall.h>

#include "arch.h"
#include "dtproc.h"

static u32 dtproc_uid(kuid_t uid)
{
	return from_kuid_munged(&init_user_ns, uid);
}

static u32 dtproc_gid(kgid_t gid)
{
	return from_kgid_munged(&init_user_ns, gid);
}

/*
 * @n bytes of NUL-separated argument strings are in @buf (@n < its size):
 * join them with spaces, as ps(1) and pr_psargs show them.
 */
static void dtproc_join_args(char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	while (n && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
}

/* The system call the current task is in, or 0. */
static u32 dtproc_current_syscall(void)
{
	int nr = syscall_get_nr(current, task_pt_regs(current));

	return nr > 0 ? nr : 0;
}

/*
 * The first bytes of the current image's argument list and its argument
 * count.  The pages are almost always resident (exec just wrote them);
 * when they are not, the fields stay empty rather than fault.
 */
static void dtproc_current_args(struct dtproc_psinfo_rec *ps)
{
	struct mm_struct *mm = current->mm;
	unsigned long start, end, argc;
	size_t n;

	if (!mm || (current->flags & PF_KTHREAD))
		return;
	start = READ_ONCE(mm->arg_start);
	end = READ_ONCE(mm->arg_end);
	n = min_t(size_t, end > start ? end - start : 0, sizeof(ps->psargs) - 1);
	if (n && !copy_from_user_nofault(ps->psargs, (void __user *)start, n))
		dtproc_join_args(ps->psargs, n);
	else
		ps->psargs[0] = '\0';

	/* x86-64 (and i386): argc is the word at the initial stack pointer */
	if (!copy_from_user_nofault(&argc, (void __user *)mm->start_stack,
				    sizeof(argc)))
		ps->argc = argc;
}

/*
 * @same_image: @t's memory holds the same arguments as current's (it is
 * current, a thread of current, or a child current has just forked), so
 * pr_psargs can be read here; otherwise the caller marks the record for
 * dtproc_read_psargs() later.
 */
void dtproc_fill_psinfo(struct dtproc_psinfo_rec *ps, struct task_struct *t,
			bool same_image)
{
	const struct cred *cred;
	struct task_struct *leader;

	memset(ps, 0, sizeof(*ps));
	rcu_read_lock();
	leader = READ_ONCE(t->group_leader);
	ps->pid = task_tgid_nr(t);
	ps->ppid = task_tgid_nr(rcu_dereference(t->real_parent));
	ps->pgid = task_pgrp_nr_ns(t, &init_pid_ns);
	ps->sid = task_session_nr_ns(t, &init_pid_ns);
	cred = __task_cred(t);
	ps->uid = dtproc_uid(cred->uid);
	ps->euid = dtproc_uid(cred->euid);
	ps->gid = dtproc_gid(cred->gid);
	ps->egid = dtproc_gid(cred->egid);
	rcu_read_unlock();

	ps->nlwp = READ_ONCE(t->signal->nr_threads);
	ps->start_boottime = leader->start_boottime;
	ps->dmodel = dtproc_arch_task_is_32bit(t) ? DTPROC_MODEL_ILP32 :
					       DTPROC_MODEL_LP64;
	memcpy(ps->fname, t->comm, sizeof(ps->fname));
	ps->fname[sizeof(ps->fname) - 1] = '\0';
	if (same_image)
		dtproc_current_args(ps);
}

/* Solaris's thread states and their letters. */
static void dtproc_lwp_state(struct dtproc_lwpsinfo_rec *lwp,
			     struct task_struct *t)
{
	unsigned int state = READ_ONCE(t->__state);

	if (t->exit_state) {
		lwp->state = DTPROC_SZOMB;
		lwp->sname = 'Z';
	} else if (state & TASK_NEW) {
		lwp->state = DTPROC_SIDL;
		lwp->sname = 'I';
	} else if (state & (__TASK_STOPPED | __TASK_TRACED)) {
		lwp->state = DTPROC_SSTOP;
		lwp->sname = 'T';
		lwp->flag |= DTPROC_PR_STOPPED;
	} else if (state == TASK_RUNNING) {
		if (READ_ONCE(t->on_cpu)) {
			lwp->state = DTPROC_SONPROC;
			lwp->sname = 'O';
		} else {
			lwp->state = DTPROC_SRUN;
			lwp->sname = 'R';
		}
	} else {
		lwp->state = DTPROC_SSLEEP;
		lwp->sname = 'S';
		if (state & TASK_INTERRUPTIBLE)
			lwp->flag |= DTPROC_PR_ASLEEP;
	}
}

static const char *dtproc_class_name(struct task_struct *t)
{
	if (t->flags & PF_KTHREAD)
		return "SYS";
	switch (t->policy) {
	case SCHED_FIFO:
	case SCHED_RR:
	case SCHED_DEADLINE:
		return "RT";
	default:
		return "TS";
	}
}

void dtproc_fill_lwpsinfo(struct dtproc_lwpsinfo_rec *lwp,
			  struct task_struct *t)
{
	memset(lwp, 0, sizeof(*lwp));
	lwp->lwpid = task_pid_nr(t);
	dtproc_lwp_state(lwp, t);
	if (t->flags & PF_KTHREAD)
		lwp->flag |= DTPROC_PR_ISSYS;
	/*
	 * DTPROC_PR_VFORKP is Solaris's "parent of a vfork()ed child": Linux
	 * keeps no mark on the parent that probe context could read (its
	 * child's vfork_done is the only trace, and the children list needs
	 * tasklist_lock), so it is never set.  vfork_done marks the child,
	 * which is not one.
	 */
	lwp->nice = task_nice(t);
	/* Solaris: larger is more important; Linux prio 0..139 the reverse */
	lwp->pri = MAX_PRIO - 1 - READ_ONCE(t->prio);
	lwp->syscall = t == current ? dtproc_current_syscall() : 0;
	lwp->onpro = task_cpu(t);
	strscpy(lwp->clname, dtproc_class_name(t), sizeof(lwp->clname));
}

static bool dtproc_fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
	       sig == SIGFPE || sig == SIGTRAP;
}

/* Only the members the siginfo's layout really has are read. */
void dtproc_fill_siginfo(struct dtproc_siginfo_rec *si, int sig,
			 const struct kernel_siginfo *info)
{
	memset(si, 0, sizeof(*si));
	si->signo = sig;
	if (info == SEND_SIG_NOINFO || info == SEND_SIG_PRIV) {
		si->code = info == SEND_SIG_PRIV ? SI_KERNEL : SI_USER;
		return;
	}
	si->code = info->si_code;
	si->err = info->si_errno;
	if (info->si_code > 0 && dtproc_fault_signal(sig)) {
		si->addr = (unsigned long)info->si_addr;
	} else if (info->si_code > 0 && sig == SIGCHLD) {
		si->pid = info->si_pid;
		si->uid = info->si_uid;
		si->status = info->si_status;
	} else if (info->si_code <= 0 && info->si_code != SI_TIMER) {
		si->pid = info->si_pid;
		si->uid = info->si_uid;
	}
}

/*
 * Copy @len bytes at @addr of @mm that are resident, without faulting
 * anything in; returns how many leading bytes were copied.  The caller
 * holds @mm's mmap lock for reading.
 */
static size_t dtproc_copy_resident(struct mm_struct *mm, unsigned long addr,
				   char *buf, size_t len)
{
	size_t done = 0, off, n;
	struct page *page;
	void *kaddr;

	while (done < len) {
		off = offset_in_page(addr + done);
		n = min_t(size_t, len - done, PAGE_SIZE - off);
		if (dtproc_get_user_page_remote(mm, addr + done, FOLL_NOFAULT,
						&page) != 1)
			break;
		kaddr = kmap_local_page(page);
		memcpy(buf + done, kaddr + off, n);
		kunmap_local(kaddr);
		put_page(page);
		done += n;
	}
	return done;
}

/*
 * pr_psargs of another process, read by the feed worker in process context
 * when the event is delivered, with no lock of ours held.  Bounded: it
 * never waits for the target's mmap lock and never faults a page in (an
 * argument page that is not resident, say one backed by a FUSE file whose
 * server is stalled, leaves the field empty).  A process that is not the
 * one @ps describes (gone, or its pid reused) leaves it empty too.
 * pr_argc comes from the same image.
 */
void dtproc_read_psargs(struct dtproc_psinfo_rec *ps)
{
	struct task_struct *t;
	struct mm_struct *mm;
	unsigned long start, end, argc;
	size_t n = 0;

	ps->psargs[0] = '\0';
	rcu_read_lock();
	t = pid_task(find_pid_ns(ps->pid, &init_pid_ns), PIDTYPE_TGID);
	if (t && t->group_leader->start_boottime == ps->start_boottime)
		get_task_struct(t);
	else
		t = NULL;
	rcu_read_unlock();
	if (!t)
		return;
	mm = get_task_mm(t);
	put_task_struct(t);
	if (!mm)
		return;
	if (mmap_read_trylock(mm)) {
		start = READ_ONCE(mm->arg_start);
		end = READ_ONCE(mm->arg_end);
		if (end > start)
			n = dtproc_copy_resident(mm, start, ps->psargs,
						 min_t(size_t, end - start,
						       sizeof(ps->psargs) - 1));
		/* argc: the word at the initial stack pointer, as above */
		if (dtproc_copy_resident(mm, mm->start_stack, (char *)&argc,
					 sizeof(argc)) == sizeof(argc))
			ps->argc = argc;
		mmap_read_unlock(mm);
	}
	/* The last reference may go here: do not run exit_mmap() in the worker. */
	mmput_async(mm);
	if (n)
		dtproc_join_args(ps->psargs, n);
}
