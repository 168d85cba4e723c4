// SPDX-License-Identifier: GPL-2.0
/*
 * A debugger attaching to a parked thread: the park lets the thread go to
 * its ptrace stop, and the thread parks again before it can run user code.
 * The same for the cgroup v2 freezer's trap (control_freeze.c).
 *
 * A parked thread sleeps killable, where PTRACE_ATTACH's SIGSTOP does not
 * wake it (signal_wake_up() wakes interruptible sleepers only), so the
 * debugger's waitpid(2) would wait for the CONTINUE.  control_hooks.c sees
 * that SIGSTOP (signal_generate, with the tracer already linked) and wakes
 * the park, which leaves (dtproc_park_fn()) if a ptrace stop is due: it is
 * held here, and the thread goes on into get_signal(), which stops it for
 * its tracer.  A task_work cannot queue itself again (task_work_run() runs
 * whatever is queued before it returns), so the held park is queued again
 * from outside task_work_run():
 *
 *  - sched_switch, when the thread itself goes to sleep stopped, traced or
 *    frozen (TWA_RESUME on current: no wake-up, no allocation): the park
 *    runs once its tracer, SIGCONT or the thaw resumes it, before user
 *    mode, and parks it;
 *  - a SIGCONT to its process (which may take the SIGSTOP away before the
 *    thread stops for it): TWA_SIGNAL, from control_hooks.c;
 *  - a thaw (which may take the trap away before the thread enters it):
 *    every held park, TWA_RESUME (the thaw wakes the thread itself);
 *  - a worker, every DTPROC_PTRACE_KICK: TWA_SIGNAL, or dropped if the
 *    thread has exited.
 *
 * A park that runs while its thread's ptrace stop is still due holds itself
 * back again.  Meanwhile the thread is not parked: it counts as stopped
 * while it sleeps stopped or traced (control.c), not while it runs in the
 * kernel on its way there.  The sched_switch probe is placed while a park
 * is held (it costs an atomic read per context switch) and removed by the
 * worker once none is.
 */
#include <linux/cgroup.h>
#include <linux/hashtable.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include "control.h"

#define DTPROC_PTRACE_KICK		(HZ / 10)
#define DTPROC_PTRACE_HASH_BITS		4

static DEFINE_HASHTABLE(dtproc_ptrace_table, DTPROC_PTRACE_HASH_BITS);
static DEFINE_RAW_SPINLOCK(dtproc_ptrace_lock);	/* dtproc_ptrace_table */
static atomic_t dtproc_ptrace_nheld = ATOMIC_INIT(0);
static DEFINE_MUTEX(dtproc_ptrace_tp_lock);	/* the sched_switch probe */
static struct tracepoint *dtproc_sched_switch;
static bool dtproc_ptrace_tp_on;
static void dtproc_ptrace_kick_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(dtproc_ptrace_kick_work, dtproc_ptrace_kick_fn);

/*
 * Is a ptrace stop due for current (its siglock held): traced, with a
 * SIGSTOP of its own pending or a group stop to take part in?  Then
 * get_signal() stops it
 * before it returns to user mode (such a stop keeps TIF_SIGPENDING set:
 * recalc_sigpending_tsk()), for its tracer or, if the tracer has gone, as
 * a group stop (TASK_STOPPED); only it or a SIGCONT can take that away.
 * Not a process-wide SIGSTOP (another thread may take it), nor a ptrace
 * trap alone (PTRACE_INTERRUPT's, a new thread's): the tracer's going
 * away clears that.
 */
static bool dtproc_ptrace_due_locked(void)
{
	return current->ptrace &&
	       (sigismember(&current->pending.signal, SIGSTOP) ||
		(current->jobctl & JOBCTL_STOP_PENDING));
}

/*
 * A stop of the kernel's own is due for current: ptrace's (above) or the
 * freezer's trap (control_freeze.c).  Decided under current's siglock,
 * which a SIGCONT's probe and a thaw's clearing of the trap also hold;
 * with the freezer's due, TIF_SIGPENDING is set (recalc_sigpending() sees
 * the trap), so the thread goes through get_signal() to it, also a child
 * the fork hook parks with TWA_RESUME.
 */
static bool __dtproc_kernel_stop_due(void)
{
	struct sighand_struct *sighand;
	unsigned long flags;
	bool due, freeze;

	rcu_read_lock();
	sighand = rcu_dereference(current->sighand);
	spin_lock_irqsave(&sighand->siglock, flags);
	freeze = dtproc_freeze_due();
	due = dtproc_ptrace_due_locked() || freeze;
	if (freeze)
		recalc_sigpending();
	spin_unlock_irqrestore(&sighand->siglock, flags);
	rcu_read_unlock();
	return due;
}

/* The same, without the lock when neither can be (a park's usual case). */
bool dtproc_kernel_stop_due(void)
{
	if (!current->ptrace &&
	    !(READ_ONCE(current->jobctl) & JOBCTL_TRAP_FREEZE))
		return false;
	return __dtproc_kernel_stop_due();
}

static void dtproc_ptrace_switch(void *data, bool preempt,
				 struct task_struct *prev,
				 struct task_struct *next,
				 unsigned int prev_state)
{
	struct dtproc_xol_wait *w;
	struct hlist_node *tmp;

	if (!atomic_read(&dtproc_ptrace_nheld) ||
	    !((prev_state & (__TASK_STOPPED | __TASK_TRACED)) ||
	      (!preempt && (prev_state & TASK_INTERRUPTIBLE) &&
	       cgroup_task_frozen(prev))))
		return;
	/* prev is current: its own task_works, interrupts off */
	raw_spin_lock(&dtproc_ptrace_lock);
	hash_for_each_possible_safe(dtproc_ptrace_table, w, tmp, node,
				    (unsigned long)prev) {
		if (w->task != prev ||
		    dtproc_task_work_add_noalloc(prev, w->cb, TWA_RESUME))
			continue;
		hash_del(&w->node);
		atomic_dec(&dtproc_ptrace_nheld);
	}
	raw_spin_unlock(&dtproc_ptrace_lock);
}

static void dtproc_ptrace_tp_find(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_switch"))
		dtproc_sched_switch = tp;
}

/* Place the sched_switch probe unless it is. */
static int dtproc_ptrace_tp_get(void)
{
	int ret;

	lockdep_assert_held(&dtproc_ptrace_tp_lock);
	if (dtproc_ptrace_tp_on)
		return 0;
	if (!dtproc_sched_switch)
		for_each_kernel_tracepoint(dtproc_ptrace_tp_find, NULL);
	ret = dtproc_sched_switch ?
	      tracepoint_probe_register(dtproc_sched_switch,
					dtproc_ptrace_switch, NULL) :
	      -ENOENT;
	dtproc_ptrace_tp_on = !ret;
	return ret;
}

/* Remove the sched_switch probe if it is placed. */
static void dtproc_ptrace_tp_put(void)
{
	lockdep_assert_held(&dtproc_ptrace_tp_lock);
	if (!dtproc_ptrace_tp_on)
		return;
	tracepoint_probe_unregister(dtproc_sched_switch, dtproc_ptrace_switch,
				    NULL);
	dtproc_ptrace_tp_on = false;
}

/*
 * Hold back park @cb of current (@w in it), whose ptrace stop or freezer's
 * trap is due (dtproc_kernel_stop_due()), until the thread has stopped;
 * @drop disposes of it if the thread exits first.  0 if held; else
 * nothing is, and the caller parks the thread: -EAGAIN if the stop is no
 * longer due, another error if the sched_switch probe cannot be placed.
 * Process context.
 */
int dtproc_ptrace_hold(struct dtproc_xol_wait *w, struct callback_head *cb,
		       void (*drop)(struct callback_head *cb))
{
	struct dtproc_xol_wait *h;
	unsigned long flags;
	bool held = false;
	int ret;

	/* with the probe's lock: the worker removes it only with none held */
	mutex_lock(&dtproc_ptrace_tp_lock);
	ret = dtproc_ptrace_tp_get();
	if (ret) {
		mutex_unlock(&dtproc_ptrace_tp_lock);
		return ret;
	}
	w->cb = cb;
	w->drop = drop;
	w->task = get_task_struct(current);
	w->since = jiffies;
	raw_spin_lock_irqsave(&dtproc_ptrace_lock, flags);
	hash_add(dtproc_ptrace_table, &w->node, (unsigned long)current);
	atomic_inc(&dtproc_ptrace_nheld);
	raw_spin_unlock_irqrestore(&dtproc_ptrace_lock, flags);
	mutex_unlock(&dtproc_ptrace_tp_lock);
	schedule_delayed_work(&dtproc_ptrace_kick_work, DTPROC_PTRACE_KICK);

	/*
	 * A SIGCONT or thaw that took the stop away before the park was in
	 * the table found nothing to queue: look again, now that one would
	 * (the thaw clears CGRP_FREEZE before its probe takes our lock).
	 * Still held, it comes out.  Gone, it is queued: by a SIGCONT, which
	 * did so under the siglock kernel_stop_due() took, by a thaw, before it
	 * cleared JOBCTL_TRAP_FREEZE, or by the worker, which does so under
	 * the mutex (so the thread cannot reach user mode before).
	 */
	if (__dtproc_kernel_stop_due())
		return 0;
	mutex_lock(&dtproc_ptrace_tp_lock);
	raw_spin_lock_irqsave(&dtproc_ptrace_lock, flags);
	hash_for_each_possible(dtproc_ptrace_table, h, node,
			       (unsigned long)current) {
		if (h != w)
			continue;
		hash_del(&w->node);
		atomic_dec(&dtproc_ptrace_nheld);
		held = true;
		break;
	}
	raw_spin_unlock_irqrestore(&dtproc_ptrace_lock, flags);
	mutex_unlock(&dtproc_ptrace_tp_lock);
	if (!held)
		return 0;
	w->task = NULL;
	put_task_struct(current);	/* never the last */
	return -EAGAIN;
}

/*
 * A SIGCONT to the process of thread group @tgid (it may have taken the
 * SIGSTOP away): its held parks are queued again, TWA_SIGNAL.  Any context
 * (signal_generate: the target's siglock held); one that cannot be queued
 * (its thread exits) stays for the worker to drop.
 */
void dtproc_ptrace_sigcont(struct pid *tgid)
{
	struct dtproc_xol_wait *w;
	struct hlist_node *tmp;
	unsigned long flags;
	HLIST_HEAD(kick);
	int bkt;

	if (!atomic_read(&dtproc_ptrace_nheld))
		return;
	raw_spin_lock_irqsave(&dtproc_ptrace_lock, flags);
	hash_for_each_safe(dtproc_ptrace_table, bkt, tmp, w, node) {
		if (task_tgid(w->task) != tgid)
			continue;
		hash_del(&w->node);
		hlist_add_head(&w->node, &kick);
	}
	raw_spin_unlock_irqrestore(&dtproc_ptrace_lock, flags);

	/* outside our lock: TWA_SIGNAL wakes the thread (sched_switch's order) */
	hlist_for_each_entry_safe(w, tmp, &kick, node) {
		hlist_del(&w->node);
		if (!dtproc_task_work_add_noalloc(w->task, w->cb, TWA_SIGNAL)) {
			atomic_dec(&dtproc_ptrace_nheld);
			continue;
		}
		w->since = 0;	/* the worker's at once */
		raw_spin_lock_irqsave(&dtproc_ptrace_lock, flags);
		hash_add(dtproc_ptrace_table, &w->node, (unsigned long)w->task);
		raw_spin_unlock_irqrestore(&dtproc_ptrace_lock, flags);
	}
}

/*
 * A cgroup thaws (control_freeze.c): every held park is queued again,
 * TWA_RESUME (the thaw wakes a frozen thread; one on its way to the trap
 * then finds none and parks before user mode).  One whose thread exits
 * stays for the worker to drop.  Any context.
 */
void dtproc_ptrace_unfreeze(void)
{
	struct dtproc_xol_wait *w;
	struct hlist_node *tmp;
	unsigned long flags;
	int bkt;

	if (!atomic_read(&dtproc_ptrace_nheld))
		return;
	raw_spin_lock_irqsave(&dtproc_ptrace_lock, flags);
	hash_for_each_safe(dtproc_ptrace_table, bkt, tmp, w, node) {
		if (dtproc_task_work_add_noalloc(w->task, w->cb, TWA_RESUME))
			continue;
		hash_del(&w->node);
		atomic_dec(&dtproc_ptrace_nheld);
	}
	raw_spin_unlock_irqrestore(&dtproc_ptrace_lock, flags);
}

/*
 * Parks held for DTPROC_PTRACE_KICK: queued again (a park whose stop is
 * still due holds itself back again), or dropped if their thread exited.
 * With none held any more, the sched_switch probe goes.
 */
static void dtproc_ptrace_kick_fn(struct work_struct *work)
{
	struct dtproc_xol_wait *w;
	struct hlist_node *tmp;
	HLIST_HEAD(kick);
	unsigned long flags;
	int bkt;

	/* taken out and queued under the mutex: see dtproc_ptrace_hold() */
	mutex_lock(&dtproc_ptrace_tp_lock);
	raw_spin_lock_irqsave(&dtproc_ptrace_lock, flags);
	hash_for_each_safe(dtproc_ptrace_table, bkt, tmp, w, node) {
		if (time_before(jiffies, w->since + DTPROC_PTRACE_KICK))
			continue;
		hash_del(&w->node);
		hlist_add_head(&w->node, &kick);
		atomic_dec(&dtproc_ptrace_nheld);
	}
	raw_spin_unlock_irqrestore(&dtproc_ptrace_lock, flags);

	hlist_for_each_entry_safe(w, tmp, &kick, node) {
		struct task_struct *t = w->task;

		hlist_del(&w->node);
		if (!dtproc_task_work_add_noalloc(t, w->cb, TWA_SIGNAL))
			continue;
		/* exited: what the park held goes */
		w->task = NULL;
		put_task_struct(t);
		w->drop(w->cb);
	}

	if (atomic_read(&dtproc_ptrace_nheld))
		schedule_delayed_work(&dtproc_ptrace_kick_work,
				      DTPROC_PTRACE_KICK);
	else
		dtproc_ptrace_tp_put();
	mutex_unlock(&dtproc_ptrace_tp_lock);
}

/*
 * Module unload: nothing is held (each held park has a module reference);
 * the probe goes, and no call of it runs once this returns.
 */
void dtproc_ptrace_cleanup(void)
{
	cancel_delayed_work_sync(&dtproc_ptrace_kick_work);
	mutex_lock(&dtproc_ptrace_tp_lock);
	dtproc_ptrace_tp_put();
	mutex_unlock(&dtproc_ptrace_tp_lock);
	tracepoint_synchronize_unregister();
}
