// SPDX-License-Identifier: GPL-2.0
/*
 * Process control's own hooks: tracepoint probes, placed while any consumer
 * or held process exists (control.c decides), apart from the proc
 * provider's.  Tracepoints are not exported: found by name.
 *
 *   sched_process_exec	every successful exec, from every entry point
 *			(execve, execveat, ia32, x32, kernel_execve), in the
 *			exec'ing task after de_thread() and before
 *			ptrace_event(EXEC): a set-id image loses control, a
 *			created victim stops before its first instruction
 *   sched_process_fork	a thread created while its process stops parks too
 *   sched_process_exit	the process's last thread out: dead, with its status
 *   signal_generate	SIGCONT resumes a requested stop, as prun(1) would;
 *			a SIGSTOP to a traced thread (PTRACE_ATTACH's)
 *			lets its tracer in (control_ptrace.c)
 *   cgroup_freeze,	a parked thread whose cgroup freezes (or that moves
 *   cgroup_unfreeze,	into a frozen one) enters the freezer's trap, and
 *   cgroup_attach_task	parks again when thawed (control_freeze.c)
 *
 * Probe context: preemption off (signal_generate: interrupts; cgroup_*:
 * interrupts too, except on PREEMPT_RT).
 * Nothing here sleeps, and on PREEMPT_RT nothing allocates either.
 */
#include <linux/binfmts.h>
#include <linux/cred.h>
#include <linux/sched/coredump.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>

#include "control.h"

/* Was this exec set-id (or of an unreadable file)?  Not just dumpability. */
static bool dtproc_exec_setid(struct linux_binprm *bprm)
{
	const struct cred *cred = current_cred();
	struct mm_struct *mm = current->mm;

	return bprm->secureexec ||
	       (bprm->interp_flags & BINPRM_FLAGS_ENFORCE_NONDUMP) ||
	       !uid_eq(cred->euid, cred->uid) || !gid_eq(cred->egid, cred->gid) ||
	       !mm || get_dumpable(mm) != SUID_DUMP_USER;
}

static void dtproc_tp_exec(void *data, struct task_struct *p, pid_t old_pid,
			   struct linux_binprm *bprm)
{
	struct dtproc_proc *proc;
	unsigned long flags;

	/*
	 * The exec's self_exec_id update before the lookup: a CREATE grab
	 * lists first and reads it after (dtproc_create_recheck()).
	 */
	smp_mb();
	proc = dtproc_proc_lookup(task_tgid(p));
	if (!proc)
		return;
	raw_spin_lock_irqsave(&proc->lock, flags);
	if (proc->state) {
		/* lost already (or dead): nothing to do */
	} else if (proc->control && dtproc_exec_setid(bprm)) {
		dtproc_proc_lost_locked(proc);
	} else if (proc->armed) {
		/* created: stop before the first instruction */
		proc->armed = false;
		proc->why = DTPROC_STOP_CREATE;
		if (dtproc_park_exec_locked(proc)) {
			/*
			 * Cannot park it (never: armed comes with a park of
			 * its own).  No signal can be sent here (a sleeping
			 * lock on PREEMPT_RT, and signal_generate takes
			 * proc->lock): control is lost, the consumer told,
			 * and its release kills a created victim.
			 */
			dtproc_proc_lost_locked(proc);
		}
	} else {
		dtproc_notify_all(proc, DTPROC_NOTE_EXEC, 0);
	}
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	dtproc_proc_kick(proc);
	dtproc_proc_put(proc);
}

static void dtproc_tp_fork(void *data, struct task_struct *parent,
			   struct task_struct *child)
{
	struct dtproc_proc *proc;
	unsigned long flags;

	if (!same_thread_group(parent, child))
		return;		/* a child process runs free */
	proc = dtproc_proc_lookup(task_tgid(child));
	if (!proc)
		return;
	/* why under the lock: a stop sets it there before walking threads */
	raw_spin_lock_irqsave(&proc->lock, flags);
	if (proc->why && !proc->state &&
	    dtproc_park_task(proc, child, TWA_RESUME))
		pr_warn_ratelimited("cannot stop new thread %d\n",
				    task_pid_nr(child));
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	dtproc_proc_put(proc);
}

static void dtproc_tp_exit(void *data, struct task_struct *p)
{
	struct signal_struct *sig = p->signal;
	struct dtproc_proc *proc;
	unsigned long flags;
	int status;

	/* after atomic_dec_and_test(&sig->live) in do_exit(): the last out */
	if (atomic_read(&sig->live))
		return;
	proc = dtproc_proc_lookup(task_tgid(p));
	if (!proc)
		return;
	/* the status wait(2) will report: the group's, or the leader's */
	status = READ_ONCE(sig->flags) & SIGNAL_GROUP_EXIT ?
		 READ_ONCE(sig->group_exit_code) :
		 READ_ONCE(p->group_leader->exit_code);
	raw_spin_lock_irqsave(&proc->lock, flags);
	dtproc_proc_dead_locked(proc, status);
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	dtproc_proc_kick(proc);
	dtproc_bps_exit(proc);
	dtproc_proc_put(proc);
}

static void dtproc_tp_signal(void *data, int signo, struct kernel_siginfo *info,
			     struct task_struct *task, int group, int result)
{
	struct dtproc_proc *proc;
	unsigned long flags;

	/* PTRACE_ATTACH's: a process-wide one waits for the CONTINUE */
	if (signo == SIGSTOP && task->ptrace && !group)
		dtproc_proc_ptrace_stop(task);
	if (signo != SIGCONT)
		return;
	dtproc_ptrace_sigcont(task_tgid(task));
	proc = dtproc_proc_lookup(task_tgid(task));
	if (!proc)
		return;
	raw_spin_lock_irqsave(&proc->lock, flags);
	if (proc->why == DTPROC_STOP_REQUESTED && !proc->state) {
		dtproc_proc_run_locked(proc);
		proc->orphan = false;
	}
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	dtproc_proc_kick(proc);
	dtproc_proc_put(proc);
}

struct dtproc_ctl_tp {
	const char		*name;
	void			*probe;
	struct tracepoint	*tp;
};

static struct dtproc_ctl_tp dtproc_ctl_tps[] = {
	{ .name = "sched_process_exec", .probe = dtproc_tp_exec },
	{ .name = "sched_process_fork", .probe = dtproc_tp_fork },
	{ .name = "sched_process_exit", .probe = dtproc_tp_exit },
	{ .name = "signal_generate", .probe = dtproc_tp_signal },
	{ .name = "cgroup_freeze", .probe = dtproc_freeze_tp_begin },
	{ .name = "cgroup_unfreeze", .probe = dtproc_freeze_tp_end },
	{ .name = "cgroup_attach_task", .probe = dtproc_freeze_tp_moved },
};

static void dtproc_ctl_tp_find(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dtproc_ctl_tps); i++)
		if (!strcmp(tp->name, dtproc_ctl_tps[i].name))
			dtproc_ctl_tps[i].tp = tp;
}

/* Place every hook, or none: a grab must fail if control cannot work. */
int dtproc_control_hooks_on(void)
{
	unsigned int i;
	int ret = 0;

	for_each_kernel_tracepoint(dtproc_ctl_tp_find, NULL);
	for (i = 0; i < ARRAY_SIZE(dtproc_ctl_tps); i++) {
		if (!dtproc_ctl_tps[i].tp) {
			pr_warn("no tracepoint %s\n", dtproc_ctl_tps[i].name);
			ret = -ENOENT;
			break;
		}
		ret = tracepoint_probe_register(dtproc_ctl_tps[i].tp,
						dtproc_ctl_tps[i].probe, NULL);
		if (ret) {
			pr_warn("cannot hook %s: %d\n", dtproc_ctl_tps[i].name,
				ret);
			break;
		}
	}
	if (!ret)
		return 0;
	while (i--)
		tracepoint_probe_unregister(dtproc_ctl_tps[i].tp,
					    dtproc_ctl_tps[i].probe, NULL);
	tracepoint_synchronize_unregister();
	dtproc_freeze_cleanup();
	return ret;
}

/* Remove them; no probe of ours runs once this returns. */
void dtproc_control_hooks_off(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dtproc_ctl_tps); i++)
		tracepoint_probe_unregister(dtproc_ctl_tps[i].tp,
					    dtproc_ctl_tps[i].probe, NULL);
	tracepoint_synchronize_unregister();
	dtproc_freeze_cleanup();
}
