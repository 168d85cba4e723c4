// SPDX-License-Identifier: GPL-2.0
/*
 * The cgroup v2 freezer and parked threads: a freeze of a parked victim's
 * cgroup completes, and the victim stays stopped across the thaw.
 *
 * The freezer counts a thread frozen only once it sleeps in its trap
 * (do_freezer_trap(), from get_signal(): cgroup_enter_frozen(), which a
 * module cannot call), and reaches it there by setting JOBCTL_TRAP_FREEZE
 * and waking the thread with signal_wake_up(), which wakes interruptible
 * sleepers only.  A park sleeps TASK_IDLE, so:
 *
 *  - The freeze's start (the cgroup_freeze tracepoint, after CGRP_FREEZE is
 *    set, before any thread's JOBCTL_TRAP_FREEZE) wakes every park; a
 *    parked thread whose cgroup is freezing sleeps interruptibly from then
 *    on, its TIF_SIGPENDING and TIF_NOTIFY_SIGNAL cleared as the trap
 *    itself clears them (a pending signal or task_work would end the sleep
 *    at once; both are looked at again when the park ends: the signal by
 *    recalc_sigpending(), the task_work by the task_work_run() the park
 *    runs in, which runs what was queued meanwhile).
 *  - Its JOBCTL_TRAP_FREEZE then wakes it, and the park leaves, held
 *    (control_ptrace.c) until the thread sleeps in the trap; once there,
 *    frozen, it counts as stopped (control.c), and its park is queued again
 *    (sched_switch, TWA_RESUME): when the thaw wakes it, do_freezer_trap()
 *    runs the park, which parks it, before user mode.
 *  - A thaw that comes while the thread is on its way to the trap
 *    (cgroup_unfreeze, after CGRP_FREEZE is cleared, before any thread's
 *    JOBCTL_TRAP_FREEZE is) queues every held park again, TWA_RESUME: the
 *    thread, which then finds no trap, parks on its way to user mode.  A
 *    park holds itself back for the freezer only while its cgroup still
 *    freezes, checked after the hold is in the table (dtproc_ptrace_hold()),
 *    so no thaw can pass between.
 *
 * A process moved into a frozen cgroup gets the trap without cgroup_freeze:
 * cgroup_attach_task, after the move, wakes the parks too.
 *
 * Not covered: a thread moved to a cgroup that does not freeze while it is
 * on its way to the trap (the move clears the trap before any tracepoint):
 * it may run user code until cgroup_attach_task (just after the move)
 * queues its held park again.
 */
#include <linux/cgroup.h>
#include <linux/irq_work.h>
#include <linux/sched/signal.h>

#include "control.h"

/* Is current's cgroup (v2) freezing or frozen? */
bool dtproc_freeze_pending(void)
{
	bool freezing;

	rcu_read_lock();
	freezing = test_bit(CGRP_FREEZE, &task_dfl_cgroup(current)->flags);
	rcu_read_unlock();
	return freezing;
}

/* Is the freezer's trap due for current: asked for, and still wanted? */
bool dtproc_freeze_due(void)
{
	return (READ_ONCE(current->jobctl) & JOBCTL_TRAP_FREEZE) &&
	       dtproc_freeze_pending();
}

/* current's sighand: only current itself replaces it (exec's de_thread()) */
static struct sighand_struct *dtproc_own_sighand(void)
{
	return rcu_dereference_protected(current->sighand, true);
}

/*
 * Let current sleep interruptibly in its park although a signal or a
 * task_work is pending (see the top of the file); dtproc_freeze_unquiet()
 * before the park returns.
 */
void dtproc_freeze_quiet(void)
{
	struct sighand_struct *sighand = dtproc_own_sighand();

	spin_lock_irq(&sighand->siglock);
	clear_thread_flag(TIF_SIGPENDING);
	spin_unlock_irq(&sighand->siglock);
	clear_notify_signal();
}

/* What dtproc_freeze_quiet() cleared, as it should be now. */
void dtproc_freeze_unquiet(void)
{
	struct sighand_struct *sighand = dtproc_own_sighand();

	spin_lock_irq(&sighand->siglock);
	recalc_sigpending();
	spin_unlock_irq(&sighand->siglock);
}

/*
 * Probes of cgroup_freeze, cgroup_unfreeze and cgroup_attach_task (placed
 * with control's other hooks, control_hooks.c): preemption off, which on
 * PREEMPT_RT rules out the wait queues' locks, so the parks are woken from
 * an irq_work (on RT, its thread).  Late is soon enough: a park looks at
 * its cgroup each time round its wait.
 */
static void dtproc_freeze_wake_fn(struct irq_work *work)
{
	dtproc_procs_wake_parks();
}

static DEFINE_IRQ_WORK(dtproc_freeze_wake_work, dtproc_freeze_wake_fn);

/* A cgroup begins to freeze: every park looks whether its own does. */
void dtproc_freeze_tp_begin(void *data, struct cgroup *cgrp, const char *path)
{
	irq_work_queue(&dtproc_freeze_wake_work);
}

/* A cgroup thaws: parks held for a trap their threads may now not reach. */
void dtproc_freeze_tp_end(void *data, struct cgroup *cgrp, const char *path)
{
	dtproc_ptrace_unfreeze();
}

/*
 * A process moved to another cgroup: into a frozen one, its threads got
 * the trap without cgroup_freeze (parks must look); out of one, theirs
 * went away (held parks are queued again, late: the thaw came before this
 * tracepoint, see the top of the file).
 */
void dtproc_freeze_tp_moved(void *data, struct cgroup *dst, const char *path,
			    struct task_struct *task, bool threadgroup)
{
	irq_work_queue(&dtproc_freeze_wake_work);
	dtproc_ptrace_unfreeze();
}

/* Control's hooks are off (no probe runs): nothing of ours may run after. */
void dtproc_freeze_cleanup(void)
{
	irq_work_sync(&dtproc_freeze_wake_work);
}
