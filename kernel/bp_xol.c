// SPDX-License-Identifier: GPL-2.0
/*
 * Parks held back while their thread steps out of line, so that no parked
 * thread holds an XOL slot.
 *
 * After a uprobe's handlers, handle_swbp() takes one of the mm's XOL slots
 * (32 on x86; the next thread waits for one uninterruptibly,
 * xol_take_insn_slot()), points the IP at it and sets TF (pre_ssout(),
 * utask->active_uprobe set, state UTASK_SSTEP); the thread returns to user
 * mode, executes the copied instruction, and the single-step's #DB
 * (exc_debug_user() -> notify_die(DIE_DEBUG)) has uprobes' die notifier
 * (priority INT_MAX - 1, uprobe_post_sstep_notifier()) set TIF_UPROBE and
 * stop the chain; on the way out exit_to_user_mode_loop() runs
 * uprobe_notify_resume() first in its iteration, whose handle_singlestep()
 * frees the slot, then signals and task_work.  A stop whose park reaches a
 * thread after its handler and before that #DB (a hit begun before the
 * stop: hits during a stop leave the breakpoint untaken, bp.c) would park
 * it holding its slot, 6.1 and 6.12 alike (get_signal() runs task_work
 * before uprobe_deny_signal()).
 *
 * So a park that finds its thread stepping (utask->active_uprobe) is held
 * back here instead of parking, and the thread, not parked and so not
 * counted as stopped, goes on with its single-step.  Our die notifier,
 * placed before uprobes' (priority INT_MAX), sees the step's #DB in the
 * thread itself, interrupts off: it queues the held park again, TWA_RESUME
 * (no allocation, no sleeping lock), and leaves the #DB to uprobes; the
 * same exit loop then runs handle_singlestep() (the slot is freed) before
 * resume_user_mode_work() runs the park.  A single-step that ends without
 * a #DB (the copied instruction trapped, or a fatal signal: uprobes aborts
 * it from uprobe_deny_signal()) leaves its park held: a worker queues each
 * park held for DTPROC_XOL_KICK again, TWA_SIGNAL (it holds itself back
 * again if its thread still steps), or drops it if its thread has exited.
 * Meanwhile the thread may run its signal handler and on, and sleep: a
 * thread with a park held back never counts as stopped (dtproc_xol_held()).
 *
 * While nothing is held the notifier costs an atomic read per #DB from
 * user mode.  A held park keeps a reference to its thread (for the
 * worker), beside the proc's and the module's of every queued park.
 */
#include <linux/hashtable.h>
#include <linux/kdebug.h>
#include <linux/ptrace.h>
#include <linux/sched/task.h>
#include <linux/task_work.h>
#include <linux/uprobes.h>
#include <linux/workqueue.h>

#include "control.h"

/* How long a park may stay held before the worker queues it again. */
#define DTPROC_XOL_KICK		(HZ / 10)

#define DTPROC_XOL_HASH_BITS	6

static DEFINE_HASHTABLE(dtproc_xol_table, DTPROC_XOL_HASH_BITS);
static DEFINE_RAW_SPINLOCK(dtproc_xol_lock);	/* dtproc_xol_table */
static atomic_t dtproc_xol_nheld = ATOMIC_INIT(0);
static void dtproc_xol_kick_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(dtproc_xol_kick_work, dtproc_xol_kick_fn);

/* Does current hold an XOL slot (between a uprobe hit and its step's end)? */
bool dtproc_xol_stepping(void)
{
	struct uprobe_task *ut = current->utask;

	return ut && READ_ONCE(ut->active_uprobe);
}

/*
 * Hold back task_work @cb of current (@w in it) until current's single-step
 * out of line ends; @drop disposes of it if current exits first.
 * Process context, from @cb's own function.
 */
void dtproc_xol_hold(struct dtproc_xol_wait *w, struct callback_head *cb,
		     void (*drop)(struct callback_head *cb))
{
	unsigned long flags;

	w->cb = cb;
	w->drop = drop;
	w->task = get_task_struct(current);
	w->since = jiffies;
	atomic_inc(&dtproc_xol_nheld);
	raw_spin_lock_irqsave(&dtproc_xol_lock, flags);
	hash_add(dtproc_xol_table, &w->node, (unsigned long)current);
	raw_spin_unlock_irqrestore(&dtproc_xol_lock, flags);
	schedule_delayed_work(&dtproc_xol_kick_work, DTPROC_XOL_KICK);
}

/* @w's task_work runs (held back or not): drop what the hold took. */
void dtproc_xol_resumed(struct dtproc_xol_wait *w)
{
	if (w->task) {
		put_task_struct(w->task);	/* current: never the last */
		w->task = NULL;
	}
}

/*
 * Has @t a park held back (so it is not stopped, whatever its state)?
 * Any context.
 */
bool dtproc_xol_held(struct task_struct *t)
{
	struct dtproc_xol_wait *w;
	unsigned long flags;
	bool held = false;

	if (!atomic_read(&dtproc_xol_nheld))
		return false;
	raw_spin_lock_irqsave(&dtproc_xol_lock, flags);
	hash_for_each_possible(dtproc_xol_table, w, node, (unsigned long)t) {
		if (w->task == t) {
			held = true;
			break;
		}
	}
	raw_spin_unlock_irqrestore(&dtproc_xol_lock, flags);
	return held;
}

/*
 * A #DB from user mode, in the thread, interrupts off: queue its held
 * parks again.  Their function runs after handle_singlestep() (see the
 * top of the file).  Never stops the chain.
 */
static int dtproc_xol_notify(struct notifier_block *nb, unsigned long val,
			     void *data)
{
	struct die_args *args = data;
	struct dtproc_xol_wait *w;
	struct hlist_node *tmp;
	unsigned long flags;

	if (val != DIE_DEBUG || !atomic_read(&dtproc_xol_nheld) ||
	    !args->regs || !user_mode(args->regs))
		return NOTIFY_DONE;
	raw_spin_lock_irqsave(&dtproc_xol_lock, flags);
	hash_for_each_possible_safe(dtproc_xol_table, w, tmp, node,
				    (unsigned long)current) {
		if (w->task != current ||
		    dtproc_task_work_add_noalloc(current, w->cb, TWA_RESUME))
			continue;
		hash_del(&w->node);
		atomic_dec(&dtproc_xol_nheld);
	}
	raw_spin_unlock_irqrestore(&dtproc_xol_lock, flags);
	return NOTIFY_DONE;
}

static struct notifier_block dtproc_xol_nb = {
	.notifier_call	= dtproc_xol_notify,
	.priority	= INT_MAX,	/* before uprobes', which stops the chain */
};

/*
 * Parks held for DTPROC_XOL_KICK: queued again on their thread (which
 * holds them back again if it still steps), or dropped if it has exited.
 */
static void dtproc_xol_kick_fn(struct work_struct *work)
{
	struct dtproc_xol_wait *w;
	struct hlist_node *tmp;
	HLIST_HEAD(gone);
	unsigned long flags;
	bool more;
	int bkt;

	raw_spin_lock_irqsave(&dtproc_xol_lock, flags);
	hash_for_each_safe(dtproc_xol_table, bkt, tmp, w, node) {
		if (time_before(jiffies, w->since + DTPROC_XOL_KICK))
			continue;
		hash_del(&w->node);
		atomic_dec(&dtproc_xol_nheld);
		if (dtproc_task_work_add_noalloc(w->task, w->cb, TWA_SIGNAL))
			hlist_add_head(&w->node, &gone);
	}
	more = !hash_empty(dtproc_xol_table);
	raw_spin_unlock_irqrestore(&dtproc_xol_lock, flags);

	hlist_for_each_entry_safe(w, tmp, &gone, node) {
		put_task_struct(w->task);
		w->task = NULL;
		w->drop(w->cb);
	}
	if (more)
		schedule_delayed_work(&dtproc_xol_kick_work, DTPROC_XOL_KICK);
}

int dtproc_xol_init(void)
{
	return register_die_notifier(&dtproc_xol_nb);
}

/* Module unload: nothing is held (each held park has a module reference). */
void dtproc_xol_cleanup(void)
{
	unregister_die_notifier(&dtproc_xol_nb);
	cancel_delayed_work_sync(&dtproc_xol_kick_work);
}
