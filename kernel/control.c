// SPDX-License-Identifier: GPL-2.0
/*
 * Process control: victims, their consumers, and the in-kernel rendezvous.
 *
 * A consumer is an open /dev/dtproc.  Each process it holds is a victim;
 * the victims of one process, across consumers, share a dtproc_proc.  A
 * process is its thread group's struct pid: dtproc_procs indexes procs by
 * pid number (initial namespace) for the hooks, and every lookup compares
 * proc->pid, so a stale proc never stands for a new process of the same
 * number.  Lookups take the caller's reference (refcount_inc_not_zero under
 * RCU; procs are freed after a grace period).  At most one victim of a
 * process controls it; the others only watch.
 *
 * Stopping a process queues a park (a task_work) on each of its threads.
 * A thread runs it in its own context on its way back to user mode and
 * waits there, on proc->park_wq, until proc->gen moves on from the park's
 * generation: continue, release, SIGCONT after a requested stop, SIGKILL,
 * or the process is lost.  The wait is TASK_KILLABLE | TASK_NOLOAD |
 * TASK_FREEZABLE: killable, out of the load average and the hung-task
 * detector, frozen by suspend's freezer.  The cgroup v2 freezer counts only
 * threads in its trap: while its cgroup freezes, a parked thread sleeps
 * interruptibly, goes to the trap when asked, and parks again when thawed
 * (control_freeze.c).
 *
 * A stop has settled when no thread of the program can run user code:
 * each one is parked, or sleeps where the park's wake-up does not reach it
 * (job-stopped, ptrace-stopped, a vfork parent, uninterruptible): it parks
 * if and when it heads back to user mode.  io_uring and other user worker
 * threads are not the program's: never parked, never counted.
 *
 * Every queued park holds a module reference: rmmod fails (in use) while
 * a thread has one queued or is parked, and never waits for one.
 *
 * Locking: dtproc_control_lock (mutex) serialises adding processes and
 * victims and the hooks' placement; proc->lock (raw, irqsave: the hooks run
 * with preemption or interrupts off, also on PREEMPT_RT) protects a
 * process's state and victim list; consumer->notes_lock (raw) its
 * notification ring.  Order: control_lock, consumer->lock, proc->lock,
 * notes_lock, the xarray's lock.  Hooks never sleep, allocate, or take a
 * sleeping lock: what they cannot do (wake-ups, unlisting) is kicked to an
 * irq_work.
 */
#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/hash.h>
#include <linux/irq_work.h>
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/ptrace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/xarray.h>

#include "control.h"
#include "fault.h"

/* The wait of a parked thread: see the top of the file. */
#define DTPROC_PARK_STATE	(TASK_KILLABLE | TASK_NOLOAD | TASK_FREEZABLE)
/* ... while its cgroup freezes (control_freeze.c) */
#define DTPROC_PARK_STATE_FREEZING	(TASK_INTERRUPTIBLE | TASK_FREEZABLE)

/*
 * Notifications a consumer may have unread (the last slot is the
 * overflow's); more once it has placed a breakpoint, which notes each hit.
 */
#define DTPROC_NOTES_MAX	256
#define DTPROC_NOTES_BP_MAX	4096

struct dtproc_victim {
	struct list_head	proc_node;
	struct dtproc_consumer	*consumer;
	struct dtproc_proc	*proc;
	pid_t			nr;		/* in the consumer's namespace */
	u32			flags;		/* DTPROC_GRAB_* */
};

struct dtproc_consumer {
	struct rcu_head		rcu;		/* dtproc_proc_kick_owed() */
	struct mutex		lock;		/* victims */
	struct xarray		victims;	/* its pid number -> victim */
	struct pid_namespace	*ns;		/* where its numbers live */
	struct pid		*owner;		/* the process that opened it */
	bool			active;		/* has held a process */

	raw_spinlock_t		notes_lock;	/* the ring */
	unsigned int		notes_head, notes_count;
	bool			notes_kick;	/* woken from a hook: irq_work */
	wait_queue_head_t	notes_wq;
	struct llist_node	kick_node;
	unsigned int		notes_max;
	struct dtproc_note	*notes;		/* notes_max: notes_small or big */
	struct dtproc_note	notes_small[DTPROC_NOTES_MAX];
};

/*
 * A park: queued as a task_work, then, while its thread waits, on
 * proc->parked saying who stopped where and why.
 */
struct dtproc_park {
	struct callback_head	cb;
	struct dtproc_proc	*proc;
	unsigned long		gen;
	struct list_head	node;		/* proc->parked */
	struct hlist_node	hnode;		/* proc->parked_hash */
	struct task_struct	*task;
	unsigned long		addr;		/* user IP it resumes at */
	u32			why;
	bool			let_in;		/* a tracer's stop is due */
	struct dtproc_xol_wait	xol;		/* held back (bp_xol.c, control_ptrace.c) */
};

static DEFINE_MUTEX(dtproc_control_lock);
static DEFINE_XARRAY_FLAGS(dtproc_procs, XA_FLAGS_LOCK_IRQ);
static unsigned int dtproc_consumers;	/* active ones; dtproc_control_lock */
static bool dtproc_hooked;		/* dtproc_control_lock */
static bool dtproc_parks_queued;	/* ever, since the load: see the unload */

/*
 * A task_work of ours (a park, a breakpoint's work) is about to be queued:
 * take the module reference its last instructions drop, after the flag
 * that makes the unload wait for those instructions (synchronize_rcu_tasks
 * in dtproc_control_cleanup()).
 */
void dtproc_task_work_module_get(void)
{
	WRITE_ONCE(dtproc_parks_queued, true);	/* before the reference */
	__module_get(THIS_MODULE);
}

/* --- procs --- */

static void dtproc_parks_free(struct dtproc_park *list)
{
	struct dtproc_park *pk;

	while (list) {
		pk = list;
		list = (void *)pk->cb.next;
		kfree(pk);
	}
}

static void dtproc_proc_free_rcu(struct rcu_head *rcu)
{
	struct dtproc_proc *proc = container_of(rcu, struct dtproc_proc, rcu);

	dtproc_parks_free(proc->spare);
	kfree(proc->exec_park);
	kfree(proc->parked_hash);
	dtproc_bp_skips_drop(proc, 0);
	kfree(proc->bp_spare_skip);
	kfree(proc->bp_spare_work);
	put_pid(proc->bp_tid);
	put_pid(proc->pid);
	kfree(proc);
}

/* Any context: the last put frees after a grace period. */
void dtproc_proc_put(struct dtproc_proc *proc)
{
	if (refcount_dec_and_test(&proc->ref))
		call_rcu(&proc->rcu, dtproc_proc_free_rcu);
}

/* The listed proc of @pid with a reference for the caller, or NULL. */
struct dtproc_proc *dtproc_proc_lookup(struct pid *pid)
{
	struct dtproc_proc *proc;

	rcu_read_lock();
	proc = xa_load(&dtproc_procs, pid_nr(pid));
	if (proc && (proc->pid != pid || !refcount_inc_not_zero(&proc->ref)))
		proc = NULL;
	rcu_read_unlock();
	return proc;
}

/*
 * Take @proc out of dtproc_procs, in two steps: the decision under
 * proc->lock (true: the caller is to finish), then, outside that raw lock
 * (the xarray's is a spinlock_t, which sleeps on PREEMPT_RT), the removal,
 * which drops the list's reference; the caller holds one of its own.
 */
static bool dtproc_proc_unlist_locked(struct dtproc_proc *proc)
{
	lockdep_assert_held(&proc->lock);
	if (!proc->listed)
		return false;
	proc->listed = false;
	return true;
}

static void dtproc_proc_unlist_finish(struct dtproc_proc *proc)
{
	unsigned long flags;

	xa_lock_irqsave(&dtproc_procs, flags);
	__xa_cmpxchg(&dtproc_procs, proc->key, proc, NULL, GFP_ATOMIC);
	xa_unlock_irqrestore(&dtproc_procs, flags);
	dtproc_proc_put(proc);
}

/* Nobody wants @proc listed any more: no victim, no requested stop. */
static bool dtproc_proc_unwanted(struct dtproc_proc *proc)
{
	lockdep_assert_held(&proc->lock);
	return list_empty(&proc->victims) && !proc->orphan;
}

/* --- the rendezvous --- */

/* Only under control is a process stopped: it has its buckets then. */
static struct hlist_head *dtproc_parked_bucket(struct dtproc_proc *proc,
					       struct task_struct *t)
{
	return &proc->parked_hash[hash_ptr(t, DTPROC_PARKED_HASH_BITS)];
}

/* A park held back for a thread that exited meanwhile (bp_xol.c). */
static void dtproc_park_drop(struct callback_head *cb)
{
	struct dtproc_park *pk = container_of(cb, struct dtproc_park, cb);
	struct dtproc_proc *proc = pk->proc;

	kfree(pk);
	dtproc_proc_put(proc);
	module_put(THIS_MODULE);
}

/*
 * A stop of the kernel's own is due for parked current (a tracer's, the
 * freezer's: control_ptrace.c): leave the park, held until the thread has
 * stopped there.  0 if it left; else it is parked again, unless its stop
 * has ended: -EAGAIN if that stop or the one due has, another error if it
 * cannot be held.
 */
static int dtproc_park_leave(struct dtproc_proc *proc, struct dtproc_park *pk)
{
	unsigned long flags;
	bool ours;
	int ret;

	/* out of the hash first: nobody wakes it in hold()'s sleeps */
	raw_spin_lock_irqsave(&proc->lock, flags);
	ours = proc->gen == pk->gen;
	if (ours) {
		list_del_init(&pk->node);
		hlist_del_init(&pk->hnode);
	}
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	if (!ours)
		return -EAGAIN;
	ret = dtproc_ptrace_hold(&pk->xol, &pk->cb, dtproc_park_drop);
	if (!ret) {
		wake_up_all(&proc->state_wq);
		return 0;
	}
	raw_spin_lock_irqsave(&proc->lock, flags);
	if (proc->gen == pk->gen) {
		list_add_tail(&pk->node, &proc->parked);
		hlist_add_head(&pk->hnode, dtproc_parked_bucket(proc, current));
	}
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	return ret;
}

/*
 * Spare parks a proc keeps for its hooks, beyond what a stop needs: a few
 * on PREEMPT_RT, where the fork hook cannot allocate; one elsewhere, where
 * it allocates (GFP_ATOMIC) once they run out.  A victim stays small.
 */
#define DTPROC_SPARE_PARKS	(IS_ENABLED(CONFIG_PREEMPT_RT) ? 4 : 1)
/* ... and a process stopping at breakpoints one more: a stop allocates none */
#define DTPROC_SPARE_PARKS_BREAK	(DTPROC_SPARE_PARKS + 1)

static void dtproc_park_fn(struct callback_head *cb)
{
	struct dtproc_park *pk = container_of(cb, struct dtproc_park, cb);
	struct dtproc_proc *proc = pk->proc;
	bool told = false, parked, park, live;
	bool may_freeze = true, freezing, quiet = false;
	unsigned long flags;
	DEFINE_WAIT(wait);
	int ret;

	/*
	 * Stepping out of line after a breakpoint hit (one begun before the
	 * stop), the thread holds an XOL slot: it parks once the step is
	 * over and the slot free, not now (bp_xol.c).  Until then it is not
	 * parked, so not counted as stopped.  The same for a stop its tracer
	 * is to see first (control_ptrace.c).
	 */
	dtproc_xol_resumed(&pk->xol);
	live = READ_ONCE(proc->gen) == pk->gen &&
	       !(current->flags & PF_EXITING) && !fatal_signal_pending(current);
	if (live && dtproc_xol_stepping()) {
		dtproc_proc_kick_owed(proc);
		dtproc_xol_hold(&pk->xol, &pk->cb, dtproc_park_drop);
		return;
	}
	if (live && dtproc_kernel_stop_due()) {
		dtproc_proc_kick_owed(proc);
		if (!dtproc_ptrace_hold(&pk->xol, &pk->cb, dtproc_park_drop))
			return;
	}

	pk->task = current;
	pk->let_in = false;
	pk->addr = dtproc_bp_resume_ip(proc);
	INIT_LIST_HEAD(&pk->node);
	INIT_HLIST_NODE(&pk->hnode);
	raw_spin_lock_irqsave(&proc->lock, flags);
	park = proc->gen == pk->gen && !(current->flags & PF_EXITING) &&
	       !WARN_ON_ONCE(!proc->parked_hash);
	if (park) {
		pk->why = proc->why;
		list_add_tail(&pk->node, &proc->parked);
		hlist_add_head(&pk->hnode, dtproc_parked_bucket(proc, current));
	}
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	parked = park;

	/*
	 * Wait until the stop ends, that is until proc->gen moves on from
	 * pk->gen, unless a new stop adopted this park meanwhile (it moves
	 * pk->gen along, under the lock): then the thread stays parked
	 * without a moment between the two stops.  While its cgroup
	 * freezes, the wait is interruptible, and the freezer's trap ends
	 * it (control_freeze.c).  TIF_SIGPENDING may then be clear:
	 * __fatal_signal_pending() looks at SIGKILL itself.
	 */
again:
	while (park) {
		freezing = may_freeze && dtproc_freeze_pending();
		if (freezing && !quiet) {
			dtproc_freeze_quiet();
			quiet = true;
		}
		prepare_to_wait(&proc->park_wq, &wait, freezing ?
				DTPROC_PARK_STATE_FREEZING : DTPROC_PARK_STATE);
		if (__fatal_signal_pending(current) || READ_ONCE(pk->let_in))
			break;
		/* the stop's end first: a freeze due then is no park's affair */
		if (READ_ONCE(proc->gen) != READ_ONCE(pk->gen)) {
			raw_spin_lock_irqsave(&proc->lock, flags);
			park = proc->gen == pk->gen;
			if (!park) {
				list_del_init(&pk->node);
				hlist_del_init(&pk->hnode);
			}
			raw_spin_unlock_irqrestore(&proc->lock, flags);
			continue;
		}
		if (freezing && dtproc_freeze_due())
			break;
		if (!told) {
			/* asleep in the park's state: the stop may have settled */
			dtproc_proc_kick_owed(proc);
			wake_up_all(&proc->state_wq);
			told = true;
		}
		/*
		 * A freeze that began, or a thaw that ended one, since the
		 * look above: its wake-up may have come before this wait's
		 * (the thaw's wake_up_process() did, found it running, and
		 * left it asleep interruptibly, 'S', until the stop's end).
		 */
		if (freezing != (may_freeze && dtproc_freeze_pending()))
			continue;
		schedule();
		if (quiet)
			dtproc_freeze_quiet();	/* a signal woke it, say */
	}
	finish_wait(&proc->park_wq, &wait);
	if (quiet) {
		dtproc_freeze_unquiet();
		quiet = false;
	}
	dtproc_proc_kick_owed(proc);	/* if it never slept */
	/*
	 * Still parked and not dying: a tracer attached
	 * (dtproc_proc_ptrace_stop()), or the freezer's trap was due.  Let
	 * the thread go to that stop if it still is; else (a thaw just
	 * took it away, say) it waits again.  One that cannot be held there
	 * for the freezer waits for the stop's end, as before.
	 */
	if (park && !__fatal_signal_pending(current)) {
		WRITE_ONCE(pk->let_in, false);
		ret = dtproc_kernel_stop_due() ? dtproc_park_leave(proc, pk) :
						 -EAGAIN;
		if (!ret)
			return;
		if (ret != -EAGAIN)
			may_freeze = false;	/* cannot be held: wait */
		goto again;
	}
	raw_spin_lock_irqsave(&proc->lock, flags);
	list_del(&pk->node);
	hlist_del_init(&pk->hnode);
	if (parked && pk->why == DTPROC_STOP_BREAK &&
	    proc->nspare < DTPROC_SPARE_PARKS_BREAK) {
		pk->cb.next = (void *)proc->spare;
		proc->spare = pk;
		proc->nspare++;
		pk = NULL;
	}
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	kfree(pk);
	dtproc_proc_put(proc);
	/*
	 * Last: this park's module reference.  rmmod cannot begin before it
	 * is dropped; what is left of this function (and of the task_work
	 * run that called it) is not covered by any reference: the unload
	 * waits with synchronize_rcu_tasks(), which returns only once every
	 * task has switched voluntarily or been in user mode since, also
	 * one preempted right here.
	 */
	module_put(THIS_MODULE);
}

/*
 * Parking right after an exec: the exec's deferred work (the final fput of
 * its close-on-exec files, which a consumer may be waiting on) was queued
 * before the park, and task_work runs the newest first.  So the park first
 * requeues itself, behind everything already queued.
 */
static void dtproc_park_later_fn(struct callback_head *cb)
{
	struct dtproc_park *pk = container_of(cb, struct dtproc_park, cb);

	init_task_work(&pk->cb, dtproc_park_fn);
	if (task_work_add(current, &pk->cb, TWA_RESUME))
		dtproc_park_fn(&pk->cb);	/* exiting: just clean up */
}

static bool dtproc_program_thread(struct task_struct *t)
{
	return !(t->flags & (PF_EXITING | DTPROC_NOT_PROGRAM));
}

/*
 * Queue @pk, for the current stop of @proc, on @t.  Caller holds
 * proc->lock.  Returns false if @t is exiting (then @pk is freed).
 */
static bool dtproc_park_queue(struct dtproc_proc *proc, struct task_struct *t,
			      struct dtproc_park *pk,
			      enum task_work_notify_mode mode)
{
	lockdep_assert_held(&proc->lock);
	init_task_work(&pk->cb, t == current ? dtproc_park_later_fn :
						dtproc_park_fn);
	pk->proc = proc;
	pk->gen = proc->gen;
	pk->xol.task = NULL;
	refcount_inc(&proc->ref);
	dtproc_task_work_module_get();
	if (dtproc_task_work_add_noalloc(t, &pk->cb, mode)) {
		module_put(THIS_MODULE);
		dtproc_proc_put(proc);	/* not the last: the caller has one */
		kfree(pk);
		return false;
	}
	return true;
}

/*
 * Parks the fork hook may need in one stop of @nthreads threads, on top of
 * DTPROC_SPARE_PARKS, where it cannot allocate (PREEMPT_RT): one per
 * thread.  copy_process() checks for signals only with task_sigpending()
 * at its start and fatal_signal_pending() under the siglock, so the park's
 * TWA_SIGNAL (TIF_NOTIFY_SIGNAL) stops no clone: every thread in clone()
 * when the stop begins completes it, and the fork hook parks its child,
 * walked or not.  Each thread then runs its park on its way out of
 * clone(), before it can clone again, and each child parks before its
 * first instruction, cloning nothing: at most one such child per thread.
 */
static unsigned int dtproc_clone_budget(unsigned int nthreads)
{
	return IS_ENABLED(CONFIG_PREEMPT_RT) ? nthreads : 0;
}

/*
 * Park @t (a thread of @proc) for the current stop, from a hook.  Caller
 * holds proc->lock.  A spare park first; else, except on PREEMPT_RT, an
 * atomic allocation.
 */
int dtproc_park_task(struct dtproc_proc *proc, struct task_struct *t,
		     enum task_work_notify_mode mode)
{
	struct dtproc_park *pk = proc->spare;

	lockdep_assert_held(&proc->lock);
	if (!dtproc_program_thread(t))
		return 0;
	if (pk) {
		proc->spare = (void *)pk->cb.next;
		proc->nspare--;
	} else if (!IS_ENABLED(CONFIG_PREEMPT_RT)) {
		pk = kmalloc(sizeof(*pk), GFP_ATOMIC);
	}
	if (!pk)
		return -ENOMEM;
	dtproc_park_queue(proc, t, pk, mode);
	return 0;
}

/*
 * A park for dtproc_park_current_locked(), allocated where the caller may
 * sleep (a breakpoint's handler): the spares are the fork hook's, which
 * cannot allocate on PREEMPT_RT.
 */
struct dtproc_park *dtproc_park_alloc(void)
{
	might_sleep();
	return kmalloc(sizeof(struct dtproc_park), GFP_KERNEL);
}

/*
 * Park current for the current stop of @proc on @pk (dtproc_park_alloc()).
 * Caller holds proc->lock.  Returns @pk if it was not used (current is not
 * a thread of the program), for the caller to free without the lock; else
 * NULL.
 */
struct dtproc_park *dtproc_park_current_locked(struct dtproc_proc *proc,
					       struct dtproc_park *pk,
					       enum task_work_notify_mode mode)
{
	lockdep_assert_held(&proc->lock);
	if (!dtproc_program_thread(current))
		return pk;
	dtproc_park_queue(proc, current, pk, mode);
	return NULL;
}

/*
 * Park the current thread of armed @proc, exec'ing, from the exec hook,
 * on the park dtproc_hold() set apart for it: no allocation, no spare to
 * run out of.  Caller holds proc->lock.
 */
int dtproc_park_exec_locked(struct dtproc_proc *proc)
{
	struct dtproc_park *pk = proc->exec_park;

	lockdep_assert_held(&proc->lock);
	if (!pk)	/* armed without one: dtproc_hold() never does so */
		return dtproc_park_task(proc, current, TWA_RESUME);
	proc->exec_park = NULL;
	if (!dtproc_program_thread(current)) {
		proc->exec_park = pk;
		return 0;
	}
	dtproc_park_queue(proc, current, pk, TWA_RESUME);
	return 0;
}

/* Keep up to @max spares from the parks on *@list; the caller frees the rest. */
static void dtproc_proc_keep_spares(struct dtproc_proc *proc,
				    struct dtproc_park **list, unsigned int max)
{
	struct dtproc_park *pk;

	lockdep_assert_held(&proc->lock);
	while (*list && proc->nspare < max) {
		pk = *list;
		*list = (void *)pk->cb.next;
		pk->cb.next = (void *)proc->spare;
		proc->spare = pk;
		proc->nspare++;
	}
}

/* Release every parked thread of @proc. */
void dtproc_proc_run_locked(struct dtproc_proc *proc)
{
	lockdep_assert_held(&proc->lock);
	proc->why = 0;
	proc->bp_pending = false;	/* a break this stop overtook */
	proc->wake_parks = true;
	WRITE_ONCE(proc->gen, proc->gen + 1);
}

/* Wake the parked threads if their stop ended, and who awaits a change. */
static void dtproc_proc_wake(struct dtproc_proc *proc)
{
	unsigned long flags;
	bool parks;

	raw_spin_lock_irqsave(&proc->lock, flags);
	parks = proc->wake_parks;
	proc->wake_parks = false;
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	if (parks)
		wake_up_all(&proc->park_wq);
	wake_up_all(&proc->state_wq);
}

/* May @v stop @proc (0), or why not?  Caller holds proc->lock. */
static int dtproc_may_stop_locked(struct dtproc_proc *proc,
				  struct dtproc_victim *v)
{
	lockdep_assert_held(&proc->lock);
	if (!v || proc->control != v)
		return -EPERM;		/* lost, or released meanwhile */
	return proc->state ? -ESRCH : 0;
}

/*
 * Stop every thread of @proc for @why, on behalf of victim @v.  Process
 * context, without the siglock of @proc (taken here: never call this from
 * a hook such as signal_generate's, which holds it).  A stop already
 * under way stays (a requested stop is not made a grab's).  Threads
 * created from here on are parked by the fork hook.
 *
 * The walk that counts the threads and the walk that queues their parks
 * run under the siglock, which copy_process() holds to add a thread and
 * __exit_signal() to remove one: the second walk meets no thread the
 * first did not count (PF_EXITING is only ever set).  The siglock comes
 * before proc->lock, as in the signal_generate hook; on PREEMPT_RT it is
 * a sleeping lock, taken before the raw one.  It is taken as
 * lock_task_sighand() (not exported) does: sighand_structs are
 * SLAB_TYPESAFE_BY_RCU, and the leader's is its group's until it is
 * released.  The parks are allocated before either lock, again if the
 * count outgrew them.  With @gen, only if the stop generation is still
 * *@gen (a breakpoint's stop: one that began and ended since took it in).
 */
static int dtproc_proc_stop_gen(struct dtproc_proc *proc,
				struct dtproc_victim *v, u32 why,
				const unsigned long *gen)
{
	unsigned int have = 0, want = DTPROC_SPARE_PARKS, need = 0;
	struct dtproc_park *pk, *spare = NULL;
	struct sighand_struct *sighand;
	struct task_struct *leader, *t;
	unsigned long flags, sflags;
	int ret = 0;

	leader = get_pid_task(proc->pid, PIDTYPE_TGID);
	if (leader) {
		need = get_nr_threads(leader);	/* counted again below */
		want += need + dtproc_clone_budget(need);
		put_task_struct(leader);
	}
	/*
	 * The proc's spares first, unless a stop is on (its hooks may need
	 * them): a stop after the first allocates only what it lacks.  What
	 * is left goes back to the proc below, or is freed.
	 */
	raw_spin_lock_irqsave(&proc->lock, flags);
	if (!proc->why) {
		spare = proc->spare;
		have = proc->nspare;
		proc->spare = NULL;
		proc->nspare = 0;
	}
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	for (;;) {
		for (; have < want; have++) {
			pk = dtproc_should_fail() ? NULL :
			     kmalloc(sizeof(*pk), GFP_KERNEL);
			if (!pk) {
				ret = -ENOMEM;
				goto out;
			}
			pk->cb.next = (void *)spare;
			spare = pk;
		}

		/* the leader now: an exec by another thread changes it */
		leader = get_pid_task(proc->pid, PIDTYPE_TGID);
		rcu_read_lock();
		sighand = leader ? rcu_dereference(leader->sighand) : NULL;
		if (!sighand) {
			rcu_read_unlock();
			raw_spin_lock_irqsave(&proc->lock, flags);
			ret = dtproc_may_stop_locked(proc, v) ?: -ESRCH;
			raw_spin_unlock_irqrestore(&proc->lock, flags);
			break;
		}
		spin_lock_irqsave(&sighand->siglock, sflags);
		rcu_read_unlock();
		if (sighand != rcu_access_pointer(leader->sighand)) {
			/* released, or unshared by an exec: look again */
			spin_unlock_irqrestore(&sighand->siglock, sflags);
			put_task_struct(leader);
			continue;
		}

		raw_spin_lock_irqsave(&proc->lock, flags);
		ret = dtproc_may_stop_locked(proc, v);
		if (ret || (gen && proc->gen != *gen))
			goto unlock;	/* @gen: a stop began and ended since */
		if (proc->why) {
			if (why == DTPROC_STOP_REQUESTED) {
				proc->why = why;
				list_for_each_entry(pk, &proc->parked, node)
					if (pk->gen == proc->gen)
						pk->why = why;
			}
			goto unlock;
		}
		need = 0;
		rcu_read_lock();
		for_each_thread(leader, t)
			need += dtproc_program_thread(t);
		if (!need) {
			rcu_read_unlock();
			ret = -ESRCH;
			goto unlock;
		}
		if (have < need + dtproc_clone_budget(need)) {
			/* more threads than parks: allocate again, with room */
			rcu_read_unlock();
			raw_spin_unlock_irqrestore(&proc->lock, flags);
			spin_unlock_irqrestore(&sighand->siglock, sflags);
			put_task_struct(leader);
			want = need + need / 8 + DTPROC_SPARE_PARKS +
			       dtproc_clone_budget(need);
			continue;
		}
		proc->why = why;
		/* threads still in the last stop's park stay parked */
		list_for_each_entry(pk, &proc->parked, node) {
			pk->gen = proc->gen;
			pk->why = why;
		}
		for_each_thread(leader, t) {
			if (!dtproc_program_thread(t))
				continue;
			if (WARN_ON_ONCE(!spare))	/* see above: never */
				break;
			pk = spare;
			spare = (void *)pk->cb.next;
			/*
			 * Current in a breakpoint's stop (@gen) is on its way
			 * to user mode, in task_work_run(), which runs what is
			 * added: no signal round trip for it.  (Elsewhere, as
			 * a self-grabbed caller's STOP, the signal is what
			 * ends its wait for the stop to settle.)
			 */
			dtproc_park_queue(proc, t, pk,
					  t == current && gen ? TWA_RESUME :
								TWA_SIGNAL);
		}
		rcu_read_unlock();
unlock:
		/* for the threads the fork hook will see */
		dtproc_proc_keep_spares(proc, &spare, DTPROC_SPARE_PARKS +
					dtproc_clone_budget(need));
		raw_spin_unlock_irqrestore(&proc->lock, flags);
		spin_unlock_irqrestore(&sighand->siglock, sflags);
		break;
	}
	if (leader)
		put_task_struct(leader);
out:
	dtproc_parks_free(spare);
	return ret;
}

static int dtproc_proc_stop(struct dtproc_proc *proc,
			    struct dtproc_victim *v, u32 why)
{
	return dtproc_proc_stop_gen(proc, v, why, NULL);
}

/* The park of @t for @proc's current stop, if it is parked.  Under lock. */
static struct dtproc_park *dtproc_thread_parked(struct dtproc_proc *proc,
						struct task_struct *t)
{
	struct dtproc_park *pk;

	lockdep_assert_held(&proc->lock);
	if (!proc->parked_hash)
		return NULL;	/* never controlled: never stopped */
	hlist_for_each_entry(pk, dtproc_parked_bucket(proc, t), hnode)
		if (pk->task == t && pk->gen == proc->gen)
			return pk;
	return NULL;
}

/*
 * Can @t not run user code now: asleep where no park's wake-up reaches it,
 * with its park queued (it parks on its way back to user mode)?  Frozen
 * (the cgroup v1 freezer, suspend; the v2 freezer's trap, where its park
 * is queued again, control_ptrace.c) is such a sleep: the thaw's wake-up
 * sends it on its way, and the park's, missed meanwhile, is not lost.  Not
 * if its park is held back (bp_xol.c): a step that ended without a #DB
 * (it trapped) lets it run its signal handler and on, sleeping meanwhile
 * too.
 */
static bool dtproc_thread_held(struct task_struct *t)
{
	unsigned int state = READ_ONCE(t->__state);

	/* or asleep in the cgroup v2 freezer's trap: its park runs at the thaw */
	if (!(state & (TASK_UNINTERRUPTIBLE | __TASK_STOPPED | __TASK_TRACED |
		       TASK_FROZEN)) &&
	    !((state & TASK_INTERRUPTIBLE) && cgroup_task_frozen(t)))
		return false;
	/*
	 * The state, then the hold: a thread asleep after dtproc_xol_hold()
	 * shows its hold (its sleep's set_current_state() is a full barrier).
	 */
	smp_rmb();
	return !dtproc_xol_held(t);
}

/* Is @t parked for @proc's current stop?  Takes proc->lock. */
static bool dtproc_thread_parked_now(struct dtproc_proc *proc,
				     struct task_struct *t)
{
	unsigned long flags;
	bool parked;

	raw_spin_lock_irqsave(&proc->lock, flags);
	parked = dtproc_thread_parked(proc, t);
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	return parked;
}

/*
 * The program's threads of @proc and how many of them cannot run user
 * code now: parked, or asleep where a park's wake-up does not reach.
 * Sampled thread by thread under RCU: interrupts are off only for one
 * thread's look-up, however many threads there are.
 */
static void dtproc_proc_count(struct dtproc_proc *proc, u32 *nthreads,
			      u32 *nstopped)
{
	struct task_struct *leader, *t;
	u32 n = 0, s = 0;

	rcu_read_lock();
	leader = pid_task(proc->pid, PIDTYPE_TGID);
	if (leader) {
		for_each_thread(leader, t) {
			if (!dtproc_program_thread(t))
				continue;
			n++;
			s += dtproc_thread_held(t) ||
			     dtproc_thread_parked_now(proc, t);
		}
	}
	rcu_read_unlock();
	*nthreads = n;
	*nstopped = s;
}

static bool dtproc_proc_settled(struct dtproc_proc *proc)
{
	unsigned long flags;
	u32 n, s;
	bool moving;

	/* armed: still on its way through its exec, a stop to come */
	raw_spin_lock_irqsave(&proc->lock, flags);
	moving = !proc->state && (proc->why || proc->armed || proc->bp_pending);
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	if (!moving)
		return true;
	dtproc_proc_count(proc, &n, &s);
	return !n || s >= n;
}

/*
 * Wait until @proc is stopped, running again, dead or lost.  States are
 * sampled: a thread leaving a stop's sleep is seen at the next look.
 */
static int dtproc_proc_wait(struct dtproc_proc *proc)
{
	while (!dtproc_proc_settled(proc)) {
		if (wait_event_interruptible_timeout(proc->state_wq,
						     dtproc_proc_settled(proc),
						     HZ / 50) < 0)
			return -EINTR;
	}
	return 0;
}

/* --- notifications --- */

static LLIST_HEAD(dtproc_kick_list);	/* consumers to wake */
static LLIST_HEAD(dtproc_proc_kicks);	/* procs to wake (and unlist) */
static void dtproc_kick_fn(struct irq_work *work);
static DEFINE_IRQ_WORK(dtproc_kick_work, dtproc_kick_fn);

/*
 * Queue a note for @c, or count it in the overflow record that takes the
 * ring's last slot.  Any context.  With @defer, @c goes on the kick list
 * but the irq_work is raised later (proc->kick_owed).
 */
static void dtproc_notify_note(struct dtproc_consumer *c,
			       const struct dtproc_note *note, bool defer)
{
	struct dtproc_note *n;
	unsigned long flags;
	bool kick = false;

	raw_spin_lock_irqsave(&c->notes_lock, flags);
	n = &c->notes[(c->notes_head + c->notes_count - 1) % c->notes_max];
	if (c->notes_count && n->what == DTPROC_NOTE_OVERFLOW) {
		n->status++;
	} else {
		n = &c->notes[(c->notes_head + c->notes_count) % c->notes_max];
		c->notes_count++;
		if (c->notes_count == c->notes_max) {
			memset(n, 0, sizeof(*n));
			n->what = DTPROC_NOTE_OVERFLOW;
			n->status = 1;
		} else {
			*n = *note;
		}
		n->size = sizeof(*n);
	}
	if (!c->notes_kick) {
		c->notes_kick = true;
		kick = true;
	}
	raw_spin_unlock_irqrestore(&c->notes_lock, flags);
	if (kick) {
		llist_add(&c->kick_node, &dtproc_kick_list);
		if (!defer)
			irq_work_queue(&dtproc_kick_work);
	}
}

static void dtproc_notify(struct dtproc_consumer *c, pid_t pid, u32 what,
			  int status)
{
	struct dtproc_note n = { .pid = pid, .what = what, .status = status };

	dtproc_notify_note(c, &n, false);
}

/*
 * A breakpoint hit by current: tell the breakpoints' owner.  @n has the
 * breakpoint's fields; the pid and tid are filled here, in the owner's
 * namespace (a vfork child's own).  With @defer, the owner is woken when
 * proc->kick_owed is paid.  Caller holds proc->lock.
 */
void dtproc_notify_break(struct dtproc_proc *proc, struct dtproc_note *n,
			 bool defer)
{
	struct dtproc_victim *v = proc->bp_owner;

	lockdep_assert_held(&proc->lock);
	if (!v)
		return;
	n->what = DTPROC_NOTE_BREAK;
	n->pid = task_tgid(current) == proc->pid ? v->nr :
		 task_tgid_nr_ns(current, v->consumer->ns);
	n->tid = task_pid_nr_ns(current, v->consumer->ns);
	dtproc_notify_note(v->consumer, n, defer);
	if (defer)
		proc->kick_owed = true;
}

/*
 * Current hit STOP breakpoint @id at @addr in stop generation @gen and has
 * not executed it (bp.c, from a task_work of that thread): stop the whole
 * process for it.  The thread parks in this same return to user mode.
 * Unless another stop overtook it: one on now, or one that began after
 * the hit and has ended (its park ran before this work: task_work runs
 * newest first).  That stop took the hit in: the thread parked at the
 * breakpoint, and takes it once, uncounted, when it comes back there.
 */
void dtproc_proc_break(struct dtproc_proc *proc, u32 id, u64 addr,
		       unsigned long gen)
{
	struct pid *tid = get_pid(task_pid(current)), *old = NULL;
	struct dtproc_victim *v;
	unsigned long flags;

	raw_spin_lock_irqsave(&proc->lock, flags);
	v = proc->control;
	if (v && !proc->why && !proc->state && proc->gen == gen) {
		old = proc->bp_tid;
		proc->bp_tid = tid;
		proc->bp_id = id;
		proc->bp_addr = addr;
		tid = NULL;
	} else {
		v = NULL;	/* overtaken, released or gone */
	}
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	put_pid(old);
	put_pid(tid);
	if (v)
		dtproc_proc_stop_gen(proc, v, DTPROC_STOP_BREAK, &gen);
	/*
	 * Only now, with proc->why set: until then another hit must not
	 * take itself for the first of a new stop.  (Once the generation
	 * moved on, the end of a stop cleared it, and it may be a new hit's.)
	 */
	raw_spin_lock_irqsave(&proc->lock, flags);
	if (proc->gen == gen)
		proc->bp_pending = false;
	raw_spin_unlock_irqrestore(&proc->lock, flags);
}

/* Tell every consumer of @proc.  Caller holds proc->lock. */
void dtproc_notify_all(struct dtproc_proc *proc, u32 what, int status)
{
	struct dtproc_victim *v;

	lockdep_assert_held(&proc->lock);
	list_for_each_entry(v, &proc->victims, proc_node)
		dtproc_notify(v->consumer, v->nr, what, status);
}

/*
 * The wake-ups the hooks cannot make: the irq_work, or directly from task
 * context (dtproc_proc_kick_owed()).  A consumer on the list is not freed
 * before the list is flushed (dtproc_consumer_free syncs this work), nor
 * before a grace period once it is off (kfree_rcu).
 */
static void dtproc_kick_fn(struct irq_work *work)
{
	struct llist_node *list = llist_del_all(&dtproc_kick_list);
	struct dtproc_consumer *c, *tmp;
	unsigned long flags;

	struct dtproc_proc *proc, *ptmp;
	bool unlist;

	llist_for_each_entry_safe(c, tmp, list, kick_node) {
		raw_spin_lock_irqsave(&c->notes_lock, flags);
		c->notes_kick = false;
		raw_spin_unlock_irqrestore(&c->notes_lock, flags);
		wake_up_interruptible(&c->notes_wq);
	}
	list = llist_del_all(&dtproc_proc_kicks);
	llist_for_each_entry_safe(proc, ptmp, list, kick_node) {
		raw_spin_lock_irqsave(&proc->lock, flags);
		proc->kick_queued = false;
		unlist = dtproc_proc_unwanted(proc) &&
			 dtproc_proc_unlist_locked(proc);
		raw_spin_unlock_irqrestore(&proc->lock, flags);
		if (unlist)
			dtproc_proc_unlist_finish(proc);
		dtproc_proc_wake(proc);
		dtproc_proc_put(proc);
	}
}

/*
 * From a hook: wake @proc's parked threads and waiting consumers, and
 * unlist it if nobody wants it any more, from the irq_work.
 */
void dtproc_proc_kick(struct dtproc_proc *proc)
{
	unsigned long flags;
	bool queue = false;

	raw_spin_lock_irqsave(&proc->lock, flags);
	if (!proc->kick_queued) {
		proc->kick_queued = true;
		refcount_inc(&proc->ref);
		queue = true;
	}
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	if (queue) {
		llist_add(&proc->kick_node, &dtproc_proc_kicks);
		irq_work_queue(&dtproc_kick_work);
	}
}

/*
 * Pay the wake-up a stopping hit of @proc left owed.  Current is the
 * hitting thread, about to sleep in its park (or not to park after all):
 * woken now, not at the hit, the consumer finds the stop settled, instead
 * of running once to find it unsettled and again when it settles.  Every
 * way out of the hit's breakpoint work and of a park pays it.
 *
 * Task context, maybe between prepare_to_wait() and schedule() (wake-ups
 * only: nothing here sleeps).  The kick lists are run here, without the
 * irq_work's self-IPI, and without preemption, so that the other
 * consumers on the lists are not left waiting on this thread; a consumer
 * taken off the list stays until a grace period after
 * dtproc_consumer_free() (kfree_rcu), a proc by the list's reference.
 * PREEMPT_RT wakes in sleeping locks: there the irq_work's thread runs
 * them.
 */
void dtproc_proc_kick_owed(struct dtproc_proc *proc)
{
	unsigned long flags;
	bool owed;

	if (!READ_ONCE(proc->kick_owed))
		return;
	raw_spin_lock_irqsave(&proc->lock, flags);
	owed = proc->kick_owed;
	proc->kick_owed = false;
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	if (!owed)
		return;
	if (IS_ENABLED(CONFIG_PREEMPT_RT)) {
		irq_work_queue(&dtproc_kick_work);
		return;
	}
	preempt_disable();
	rcu_read_lock();
	dtproc_kick_fn(NULL);
	rcu_read_unlock();
	preempt_enable();
}

/* --- events from the hooks (control_hooks.c), proc->lock held --- */

/*
 * A SIGSTOP for @t alone, sent by PTRACE_ATTACH (or to a traced thread):
 * if it is parked, it goes to its tracer's stop now, not after the
 * CONTINUE (control_ptrace.c).  Only a thread's own: a process-wide one is
 * taken by one thread, and the others, let go, would run user code.  From
 * signal_generate: @t's siglock held, interrupts off.
 */
void dtproc_proc_ptrace_stop(struct task_struct *t)
{
	struct dtproc_proc *proc = dtproc_proc_lookup(task_tgid(t));
	struct dtproc_park *pk = NULL;
	unsigned long flags;

	if (!proc)
		return;
	raw_spin_lock_irqsave(&proc->lock, flags);
	if (proc->why && !proc->state)
		pk = dtproc_thread_parked(proc, t);
	if (pk && !pk->let_in) {
		WRITE_ONCE(pk->let_in, true);
		/* in the hash, it sleeps in nothing but its park */
		wake_up_process(t);
	}
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	dtproc_proc_put(proc);
}

/*
 * A cgroup freezes, or a process moved into one (control_freeze.c's
 * irq_work): wake every parked thread, which looks whether its own cgroup
 * freezes.  O(processes), for an event as rare as a freeze.
 */
void dtproc_procs_wake_parks(void)
{
	struct dtproc_proc *proc;
	unsigned long i;

	rcu_read_lock();	/* procs are freed after a grace period */
	xa_for_each(&dtproc_procs, i, proc)
		if (wq_has_sleeper(&proc->park_wq))	/* after CGRP_FREEZE */
			wake_up_all(&proc->park_wq);
	rcu_read_unlock();
}

/* Control ends: a set-id or unobservable exec. */
void dtproc_proc_lost_locked(struct dtproc_proc *proc)
{
	lockdep_assert_held(&proc->lock);
	proc->control = NULL;
	proc->armed = false;
	proc->orphan = false;
	proc->state = DTPROC_STATE_LOST;
	dtproc_proc_run_locked(proc);
	dtproc_notify_all(proc, DTPROC_NOTE_LOST, 0);
}

/* The last thread of @proc is on its way out. */
void dtproc_proc_dead_locked(struct dtproc_proc *proc, int status)
{
	lockdep_assert_held(&proc->lock);
	if (proc->state == DTPROC_STATE_DEAD)
		return;
	proc->state = DTPROC_STATE_DEAD;
	proc->status = status;
	proc->armed = false;
	proc->orphan = false;
	dtproc_proc_run_locked(proc);
	dtproc_notify_all(proc, DTPROC_NOTE_EXITED, status);
}

/* --- consumers --- */

struct dtproc_consumer *dtproc_consumer_new(void)
{
	struct dtproc_consumer *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return NULL;
	mutex_init(&c->lock);
	xa_init(&c->victims);
	raw_spin_lock_init(&c->notes_lock);
	c->notes = c->notes_small;
	c->notes_max = DTPROC_NOTES_MAX;
	init_waitqueue_head(&c->notes_wq);
	c->ns = get_pid_ns(task_active_pid_ns(current));
	c->owner = get_pid(task_tgid(current));
	return c;
}

/* Place or remove control's hooks as consumers and procs come and go. */
static int dtproc_control_hooks_update(void)
{
	bool on = dtproc_consumers || !xa_empty(&dtproc_procs);
	int ret;

	lockdep_assert_held(&dtproc_control_lock);
	if (on == dtproc_hooked)
		return 0;
	if (on) {
		ret = dtproc_control_hooks_on();
		if (ret)
			return ret;
	} else {
		dtproc_control_hooks_off();
	}
	dtproc_hooked = on;
	return 0;
}

/*
 * The listed, live proc of @pid with a reference for the caller, listing a
 * new one if need be: a proc of another process of the same number, or of
 * this one dead or lost, makes way.
 */
static struct dtproc_proc *dtproc_proc_get(struct pid *pid)
{
	struct dtproc_proc *proc, *old;
	unsigned long flags;
	bool unlist;
	int ret;

	lockdep_assert_held(&dtproc_control_lock);
	proc = dtproc_should_fail() ? NULL : kzalloc(sizeof(*proc), GFP_KERNEL);
	if (!proc)
		return ERR_PTR(-ENOMEM);
	refcount_set(&proc->ref, 2);	/* dtproc_procs and the caller */
	proc->pid = get_pid(pid);
	proc->key = pid_nr(pid);
	proc->listed = true;
	raw_spin_lock_init(&proc->lock);
	INIT_LIST_HEAD(&proc->victims);
	INIT_LIST_HEAD(&proc->parked);
	INIT_LIST_HEAD(&proc->bps);
	INIT_LIST_HEAD(&proc->bp_rewinds);
	INIT_LIST_HEAD(&proc->bp_skips);
	INIT_WORK(&proc->bp_exit_work, dtproc_proc_bp_exit_fn);
	init_waitqueue_head(&proc->park_wq);
	init_waitqueue_head(&proc->state_wq);

	for (;;) {
		old = dtproc_proc_lookup(pid);
		if (!old) {
			/* nothing of this pid listed; a stale one of its number? */
			rcu_read_lock();
			old = xa_load(&dtproc_procs, proc->key);
			if (old && !refcount_inc_not_zero(&old->ref))
				old = NULL;
			rcu_read_unlock();
		}
		if (old) {
			raw_spin_lock_irqsave(&old->lock, flags);
			if (old->listed && old->pid == pid && !old->state) {
				raw_spin_unlock_irqrestore(&old->lock, flags);
				put_pid(proc->pid);
				kfree(proc);
				return old;
			}
			unlist = dtproc_proc_unlist_locked(old);
			raw_spin_unlock_irqrestore(&old->lock, flags);
			if (unlist)
				dtproc_proc_unlist_finish(old);
			else	/* another is taking it out: let it finish */
				cond_resched();
			dtproc_proc_put(old);
			continue;
		}
		/* only this mutex's holder adds: the slot stays empty */
		ret = dtproc_should_fail() ? -ENOMEM :
		      xa_err(xa_store_irq(&dtproc_procs, proc->key, proc,
					  GFP_KERNEL));
		if (ret) {
			put_pid(proc->pid);
			kfree(proc);
			return ERR_PTR(ret);
		}
		return proc;
	}
}

/*
 * Is the process of @pid still alive now that its proc is listed?  A
 * process past its last thread's exit hook would never be seen to die.
 * The full barrier pairs with the one of atomic_dec_and_test() of
 * signal->live in do_exit(), before the exit hook looks the proc up.
 */
static int dtproc_proc_alive(struct pid *pid)
{
	struct task_struct *leader;
	int ret = 0;

	smp_mb();	/* the listing before the look: see above */
	rcu_read_lock();
	leader = pid_task(pid, PIDTYPE_TGID);
	if (!leader)
		ret = -ESRCH;
	else if (!atomic_read(&leader->signal->live))
		ret = -EOWNERDEAD;	/* a zombie, or about to be one */
	rcu_read_unlock();
	return ret;
}

/* Undo a victim made by dtproc_hold(); both locks held. */
static void dtproc_let_go(struct dtproc_consumer *c, struct dtproc_victim *v);
static int dtproc_release_as(struct dtproc_consumer *c, pid_t nr, u32 unflags);

/*
 * Make @pid, numbered @nr by the caller, a victim of @c; on success *procp
 * holds a reference.
 */
static int dtproc_hold(struct dtproc_consumer *c, struct pid *pid, pid_t nr,
		       u32 flags, struct dtproc_proc **procp)
{
	struct hlist_head *hash = NULL;
	struct dtproc_park *pk = NULL;
	struct dtproc_victim *v;
	struct dtproc_proc *proc;
	unsigned long irqflags;
	int ret;

	/* control: the parks' buckets, unless the process has them */
	if (!(flags & DTPROC_GRAB_RDONLY)) {
		hash = dtproc_should_fail() ? NULL :
		       kcalloc(DTPROC_PARKED_HASH_SIZE, sizeof(*hash),
			       GFP_KERNEL);
		if (!hash)
			return -ENOMEM;
	}
	/* created: the exec hook's park, allocated now */
	if (flags & DTPROC_GRAB_CREATE) {
		pk = dtproc_should_fail() ? NULL :
		     kzalloc(sizeof(*pk), GFP_KERNEL);
		if (!pk) {
			kfree(hash);
			return -ENOMEM;
		}
	}
	mutex_lock(&dtproc_control_lock);
	mutex_lock(&c->lock);
	if (!c->active) {
		c->active = true;
		dtproc_consumers++;
	}
	ret = dtproc_control_hooks_update();
	if (ret)
		goto out;
	ret = -EEXIST;
	if (xa_load(&c->victims, nr))
		goto out;
	ret = -ENOMEM;
	v = dtproc_should_fail() ? NULL : kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		goto out;
	ret = dtproc_should_fail() ? -ENOMEM :
	      xa_err(xa_store(&c->victims, nr, v, GFP_KERNEL));
	if (ret) {
		kfree(v);
		goto out;
	}
	for (;;) {
		proc = dtproc_proc_get(pid);
		if (IS_ERR(proc)) {
			xa_erase(&c->victims, nr);
			kfree(v);
			ret = PTR_ERR(proc);
			goto out;
		}
		raw_spin_lock_irqsave(&proc->lock, irqflags);
		if (proc->listed)
			break;
		/*
		 * Unlisted since dtproc_proc_get() looked (a SIGCONT's kick
		 * found it unwanted): a victim of it would never be seen to
		 * die.  Look again; once the victim is on the list below,
		 * under this lock, no kick finds the proc unwanted.
		 */
		raw_spin_unlock_irqrestore(&proc->lock, irqflags);
		dtproc_proc_put(proc);
	}
	/* the victim holds the caller's reference of dtproc_proc_get() */
	v->consumer = c;
	v->proc = proc;
	v->nr = nr;
	v->flags = flags;
	list_add_tail(&v->proc_node, &proc->victims);
	if (!(flags & DTPROC_GRAB_RDONLY)) {
		if (proc->control) {
			ret = -EBUSY;
			goto err_unlock;
		}
		proc->control = v;
		proc->orphan = false;
		if (!proc->parked_hash) {
			proc->parked_hash = hash;
			hash = NULL;
		}
		/* created: armed with its exec's own park (pk) */
		if (pk && !proc->exec_park) {
			proc->exec_park = pk;
			pk = NULL;
		}
		proc->armed = (flags & DTPROC_GRAB_CREATE) && proc->exec_park;
	}
	raw_spin_unlock_irqrestore(&proc->lock, irqflags);

	ret = dtproc_proc_alive(pid);
	if (ret)
		goto err_let_go;
	refcount_inc(&proc->ref);
	*procp = proc;
	mutex_unlock(&c->lock);
	mutex_unlock(&dtproc_control_lock);
	kfree(pk);
	kfree(hash);
	return 0;

err_unlock:
	raw_spin_unlock_irqrestore(&proc->lock, irqflags);
err_let_go:
	dtproc_let_go(c, v);
out:
	mutex_unlock(&c->lock);
	dtproc_control_hooks_update();
	mutex_unlock(&dtproc_control_lock);
	kfree(pk);
	kfree(hash);
	return ret;
}

/*
 * The process the caller names: a pid of its namespace, or a pidfd.  On
 * success, a reference on its struct pid and its number for the caller.
 */
static struct pid *dtproc_pid_of(struct dtproc_consumer *c, s32 id,
				 bool pidfd, pid_t *nrp)
{
	struct pid *pid;

	if (pidfd) {
		pid = dtproc_pidfd_pid(id);
		if (IS_ERR(pid))
			return pid;
	} else {
		if (id <= 0)
			return ERR_PTR(-EINVAL);
		pid = find_get_pid(id);
		if (!pid)
			return ERR_PTR(-ESRCH);
	}
	*nrp = pid_nr_ns(pid, c->ns);
	if (*nrp && pidfd) {
		/* reaped: its number may name another process by now */
		rcu_read_lock();
		if (find_pid_ns(*nrp, c->ns) != pid)
			*nrp = 0;
		rcu_read_unlock();
	}
	if (!*nrp) {
		put_pid(pid);
		return ERR_PTR(-ESRCH);
	}
	return pid;
}

/*
 * A grab has stopped its victim; was the image stopped still the one the
 * caller had the right to control?  An exec between the check and the
 * listing was not seen by the exec hook.
 */
static int dtproc_grab_recheck(struct dtproc_proc *proc, struct pid *pid,
			       struct dtproc_grab *g)
{
	struct task_struct *t = get_pid_task(pid, PIDTYPE_TGID);
	int ret;

	if (!t)
		return -ESRCH;
	ret = dtproc_may_control(t, g->memfd, g->flags);
	put_task_struct(t);
	if (!ret && READ_ONCE(proc->state) == DTPROC_STATE_LOST)
		ret = -EPERM;
	return ret;
}

/*
 * A CREATE grab has listed @proc, its victim @t of @pid, checked with exec
 * id @exec_id: did an exec pass meanwhile, unseen by the exec hook (which
 * stops only at an exec after the listing)?  An exec the hook did see,
 * the first since the check, is the grab's: stopped at (or lost to a
 * set-id image, as any created victim's).  The listing and the full
 * barrier of dtproc_proc_alive() before this look pair with the exec's
 * self_exec_id update and the barrier in the exec hook before its lookup.
 */
static bool dtproc_create_stale(struct dtproc_proc *proc, struct pid *pid,
				struct task_struct *t, u64 exec_id)
{
	unsigned long flags;
	bool stale, seen;
	u64 now;

	rcu_read_lock();
	now = READ_ONCE(t->self_exec_id);
	stale = pid_task(pid, PIDTYPE_TGID) != t;
	rcu_read_unlock();
	if (stale || now == exec_id)
		return stale;
	if (now != exec_id + 1)
		return true;
	raw_spin_lock_irqsave(&proc->lock, flags);
	seen = !proc->armed && (proc->why == DTPROC_STOP_CREATE ||
				proc->state == DTPROC_STATE_LOST);
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	return !seen;
}

int dtproc_ctl_grab(struct dtproc_consumer *c, struct dtproc_grab *g)
{
	u32 flags = g->flags & ~DTPROC_GRAB_PIDFD;
	struct dtproc_proc *proc;
	struct task_struct *t;
	u64 exec_id = 0;
	bool child, self;
	struct pid *pid;
	pid_t nr;
	int ret;

	if (g->flags & ~(DTPROC_GRAB_RDONLY | DTPROC_GRAB_CREATE |
			 DTPROC_GRAB_PIDFD | DTPROC_GRAB_MEMFD) ||
	    (flags & DTPROC_GRAB_RDONLY && flags & DTPROC_GRAB_CREATE))
		return -EINVAL;
	pid = dtproc_pid_of(c, g->pid, g->flags & DTPROC_GRAB_PIDFD, &nr);
	if (IS_ERR(pid))
		return PTR_ERR(pid);
	ret = -ESRCH;
	t = get_pid_task(pid, PIDTYPE_TGID);
	if (!t)
		goto out_pid;
	ret = -EOWNERDEAD;
	if (!atomic_read(&t->signal->live))
		goto out;
	ret = -EINVAL;
	if (same_thread_group(t, current) && !(flags & DTPROC_GRAB_CREATE))
		goto out;

	/*
	 * created: the caller's own child before its exec, or the child
	 * itself on the descriptor it inherited (the consumer is the same)
	 */
	rcu_read_lock();
	child = rcu_dereference(t->real_parent)->tgid == current->tgid ||
		(t == current->group_leader && get_nr_threads(t) == 1);
	rcu_read_unlock();
	if ((flags & DTPROC_GRAB_CREATE) && !child)
		goto out;
	/* a child arming itself for its exec needs no right over itself */
	self = (flags & DTPROC_GRAB_CREATE) && t == current->group_leader;
	if (!self) {
		/*
		 * created: not exec'd since its fork (its exec id is still
		 * the parent's of then): its next exec must be its first.
		 * A CLONE_PARENT child has its maker's exec id and parent
		 * exec id: ESTALE if its maker has exec'd, though it has not
		 * (nothing tells the two apart; refusing is the safe side)
		 */
		ret = -ESTALE;
		exec_id = READ_ONCE(t->self_exec_id);
		if ((flags & DTPROC_GRAB_CREATE) && exec_id != t->parent_exec_id)
			goto out;
		ret = dtproc_may_control(t, g->memfd, g->flags);
		if (ret)
			goto out;
	}

	ret = dtproc_hold(c, pid, nr, flags & ~DTPROC_GRAB_MEMFD, &proc);
	if (ret)
		goto out;
	if ((flags & DTPROC_GRAB_CREATE) && !self &&
	    dtproc_create_stale(proc, pid, t, exec_id)) {
		/* never held: it runs on, not killed as a created victim */
		ret = -ESTALE;
		dtproc_release_as(c, nr, DTPROC_GRAB_CREATE);
	} else if (!(flags & (DTPROC_GRAB_RDONLY | DTPROC_GRAB_CREATE))) {
		ret = dtproc_proc_stop(proc, READ_ONCE(proc->control),
				       DTPROC_STOP_GRAB);
		if (!ret)
			ret = dtproc_proc_wait(proc);
		if (!ret)	/* an exec may have completed meanwhile */
			ret = dtproc_grab_recheck(proc, pid, g);
		if (ret)	/* interrupted, or it is gone: no half grabs */
			dtproc_ctl_release(c, nr);
	}
	dtproc_proc_put(proc);
out:
	put_task_struct(t);
out_pid:
	put_pid(pid);
	return ret;
}

/*
 * In a requested stop (pstop): it outlives its consumer, a created victim's
 * too (dtproc break leaves the process it ran stopped at the breakpoint).
 */
static bool dtproc_proc_requested_locked(struct dtproc_proc *proc)
{
	lockdep_assert_held(&proc->lock);
	return proc->why == DTPROC_STOP_REQUESTED && !proc->state;
}

/* Let go of one victim; caller holds both locks. */
static void dtproc_let_go(struct dtproc_consumer *c, struct dtproc_victim *v)
{
	struct dtproc_proc *proc = v->proc;
	unsigned long flags;
	bool kill, unlist;
	bool bps;

	lockdep_assert_held(&dtproc_control_lock);
	lockdep_assert_held(&c->lock);
	xa_erase(&c->victims, v->nr);

	/*
	 * kill-on-last-close, of a created victim lost to a set-id exec too,
	 * but not of one in a requested stop:
	 * the SIGKILL is pending before its parks are released below, so no
	 * thread reaches user mode (sent outside the raw lock: the signal
	 * code takes sleeping locks on PREEMPT_RT)
	 */
	raw_spin_lock_irqsave(&proc->lock, flags);
	kill = (v->flags & DTPROC_GRAB_CREATE) &&
	       (proc->control == v || proc->state == DTPROC_STATE_LOST) &&
	       proc->state != DTPROC_STATE_DEAD &&
	       !dtproc_proc_requested_locked(proc);
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	if (kill)
		kill_pid(proc->pid, SIGKILL, 1);

	raw_spin_lock_irqsave(&proc->lock, flags);
	list_del(&v->proc_node);
	bps = proc->bp_owner == v;
	if (bps)
		proc->bp_owner = NULL;
	if (proc->control == v) {
		proc->control = NULL;
		proc->armed = false;
		if (dtproc_proc_requested_locked(proc))
			proc->orphan = true;		/* stays stopped */
		else
			dtproc_proc_run_locked(proc);	/* run-on-last-close */
	}
	unlist = dtproc_proc_unwanted(proc) && dtproc_proc_unlist_locked(proc);
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	if (unlist)
		dtproc_proc_unlist_finish(proc);
	dtproc_proc_wake(proc);
	/*
	 * after the wake-up: on 6.12 the retirement waits for running
	 * handlers, and a thread waiting for an XOL slot is one
	 */
	if (bps)
		dtproc_bps_release(proc);
	dtproc_proc_put(proc);
	kfree(v);
}

/*
 * The victim @c numbers @nr: ENOENT if @c does not hold it but such a
 * process exists, ESRCH if none does.
 */
static struct dtproc_victim *dtproc_victim_of(struct dtproc_consumer *c,
					      pid_t nr)
{
	struct dtproc_victim *v;
	bool exists;

	lockdep_assert_held(&c->lock);
	v = xa_load(&c->victims, nr);
	if (v)
		return v;
	rcu_read_lock();
	exists = nr > 0 && find_pid_ns(nr, c->ns);
	rcu_read_unlock();
	return ERR_PTR(exists ? -ENOENT : -ESRCH);
}

/* A pid or pidfd of a request as the consumer's number for it. */
int dtproc_resolve(struct dtproc_consumer *c, s32 id, bool pidfd, pid_t *nrp)
{
	struct pid *pid;

	if (!pidfd) {
		if (id <= 0)
			return -EINVAL;
		*nrp = id;
		return 0;
	}
	pid = dtproc_pid_of(c, id, true, nrp);
	if (IS_ERR(pid))
		return PTR_ERR(pid);
	put_pid(pid);
	return 0;
}

/* Let go of the victim @c numbers @nr as if grabbed without @unflags. */
static int dtproc_release_as(struct dtproc_consumer *c, pid_t nr, u32 unflags)
{
	struct dtproc_victim *v;
	int ret = 0;

	mutex_lock(&dtproc_control_lock);
	mutex_lock(&c->lock);
	v = dtproc_victim_of(c, nr);
	if (IS_ERR(v)) {
		ret = PTR_ERR(v);
	} else {
		v->flags &= ~unflags;
		dtproc_let_go(c, v);
	}
	mutex_unlock(&c->lock);
	dtproc_control_hooks_update();
	mutex_unlock(&dtproc_control_lock);
	return ret;
}

int dtproc_ctl_release(struct dtproc_consumer *c, pid_t nr)
{
	return dtproc_release_as(c, nr, 0);
}

int dtproc_ctl_continue(struct dtproc_consumer *c, pid_t nr)
{
	struct dtproc_victim *v;
	unsigned long flags;
	int ret;

	mutex_lock(&c->lock);
	v = dtproc_victim_of(c, nr);
	ret = PTR_ERR_OR_ZERO(v);
	if (!ret) {
		ret = -EPERM;
		raw_spin_lock_irqsave(&v->proc->lock, flags);
		if (v->proc->control == v) {
			dtproc_proc_run_locked(v->proc);
			ret = 0;
		}
		raw_spin_unlock_irqrestore(&v->proc->lock, flags);
		if (!ret)
			dtproc_proc_wake(v->proc);
	}
	mutex_unlock(&c->lock);
	return ret;
}

int dtproc_ctl_stop(struct dtproc_consumer *c, pid_t nr)
{
	struct dtproc_proc *proc = NULL;
	struct dtproc_victim *v;
	int ret;

	mutex_lock(&c->lock);
	v = dtproc_victim_of(c, nr);
	ret = PTR_ERR_OR_ZERO(v);
	if (!ret) {
		proc = v->proc;
		refcount_inc(&proc->ref);
		ret = dtproc_proc_stop(proc, v, DTPROC_STOP_REQUESTED);
	}
	mutex_unlock(&c->lock);
	if (proc) {
		if (!ret)
			ret = dtproc_proc_wait(proc);
		dtproc_proc_put(proc);
	}
	return ret;
}

/* A consumer placing breakpoints gets the larger ring; under c->lock. */
static int dtproc_consumer_grow_notes(struct dtproc_consumer *c)
{
	struct dtproc_note *big;
	unsigned long flags;
	unsigned int i;

	lockdep_assert_held(&c->lock);
	if (c->notes_max == DTPROC_NOTES_BP_MAX)
		return 0;
	big = kvcalloc(DTPROC_NOTES_BP_MAX, sizeof(*big), GFP_KERNEL);
	if (!big)
		return -ENOMEM;
	raw_spin_lock_irqsave(&c->notes_lock, flags);
	for (i = 0; i < c->notes_count; i++)
		big[i] = c->notes[(c->notes_head + i) % c->notes_max];
	c->notes_head = 0;
	c->notes = big;
	c->notes_max = DTPROC_NOTES_BP_MAX;
	raw_spin_unlock_irqrestore(&c->notes_lock, flags);
	return 0;
}

/*
 * A breakpoint request on victim @nr of @c: @fn runs with the consumer's
 * lock held, which keeps the breakpoint list of the victim it owns.
 * @control: the request changes breakpoints, so @c must control the
 * victim (EPERM if it only watches); else @fn gets a NULL proc when @c
 * owns no breakpoints of it.
 */
int dtproc_bp_call(struct dtproc_consumer *c, pid_t nr, bool control,
		   dtproc_bp_fn fn, void *arg)
{
	struct dtproc_proc *proc = NULL;
	struct dtproc_victim *v;
	unsigned long flags;
	int ret;

	mutex_lock(&c->lock);
	v = dtproc_victim_of(c, nr);
	ret = PTR_ERR_OR_ZERO(v);
	if (ret)
		goto out;
	raw_spin_lock_irqsave(&v->proc->lock, flags);
	if (control && v->proc->control != v) {
		ret = -EPERM;
	} else if (v->proc->control == v || v->proc->bp_owner == v) {
		proc = v->proc;
		if (control)
			proc->bp_owner = v;
	}
	raw_spin_unlock_irqrestore(&v->proc->lock, flags);
	if (!ret && control)
		ret = dtproc_consumer_grow_notes(c);
	if (!ret)
		ret = fn(proc, c->ns, arg);
out:
	mutex_unlock(&c->lock);
	return ret;
}

/*
 * The victim @proc died (dtproc_bps_exit()): its breakpoints go now, not
 * at its release, as its owner lets go of it would.  The victim and its
 * consumer stay while dtproc_control_lock is held (dtproc_let_go()).
 */
void dtproc_proc_bp_exit_fn(struct work_struct *work)
{
	struct dtproc_proc *proc = container_of(work, struct dtproc_proc,
						bp_exit_work);
	struct dtproc_consumer *c = NULL;
	struct dtproc_victim *v;
	unsigned long flags;
	bool bps = false;

	mutex_lock(&dtproc_control_lock);
	raw_spin_lock_irqsave(&proc->lock, flags);
	v = proc->bp_owner;
	if (v)
		c = v->consumer;
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	if (c) {
		mutex_lock(&c->lock);
		raw_spin_lock_irqsave(&proc->lock, flags);
		bps = proc->bp_owner == v;
		if (bps)
			proc->bp_owner = NULL;
		raw_spin_unlock_irqrestore(&proc->lock, flags);
		if (bps)
			dtproc_bps_release(proc);
		mutex_unlock(&c->lock);
	}
	mutex_unlock(&dtproc_control_lock);
	dtproc_proc_put(proc);
}

/*
 * The consumer's lock, for bp.c: a registration is made without it (on
 * 6.12 a refused one waits for running handlers, which a stop can hold)
 * and its outcome recorded under it again.
 */
void dtproc_consumer_lock(struct dtproc_consumer *c)
{
	mutex_lock(&c->lock);
}

void dtproc_consumer_unlock(struct dtproc_consumer *c)
{
	mutex_unlock(&c->lock);
}

/*
 * Fill @out (@len entries) with the program's threads of @proc as @ns
 * numbers them; returns how many were filled.
 */
static u32 dtproc_proc_threads(struct dtproc_proc *proc,
			       struct pid_namespace *ns,
			       struct dtproc_thread *out, u32 len)
{
	struct task_struct *leader, *t;
	struct dtproc_park *pk;
	unsigned long flags;
	u32 n = 0;

	/* thread by thread, as dtproc_proc_count() */
	rcu_read_lock();
	leader = pid_task(proc->pid, PIDTYPE_TGID);
	if (leader) {
		for_each_thread(leader, t) {
			struct dtproc_thread *th = &out[n];

			if (!dtproc_program_thread(t))
				continue;
			if (n == len)
				break;
			memset(th, 0, sizeof(*th));
			th->tid = task_pid_nr_ns(t, ns);
			th->state = DTPROC_THREAD_RUNNING;
			raw_spin_lock_irqsave(&proc->lock, flags);
			pk = dtproc_thread_parked(proc, t);
			if (pk) {
				th->state = DTPROC_THREAD_PARKED;
				th->why = pk->why;
				th->addr = pk->addr;
			}
			raw_spin_unlock_irqrestore(&proc->lock, flags);
			if (!pk && dtproc_thread_held(t))
				th->state = DTPROC_THREAD_HELD;
			n++;
		}
	}
	rcu_read_unlock();
	return n;
}

/* Most threads one STATUS lists. */
#define DTPROC_THREADS_MAX	4096

/*
 * The thread array of a STATUS (@st->size >= DTPROC_STATUS_SIZE_VER1);
 * how many it lists running goes to *@running.
 */
static int dtproc_status_threads(struct dtproc_consumer *c,
				 struct dtproc_proc *proc,
				 struct dtproc_status *st, u32 *running)
{
	u32 len = min_t(u32, st->threads_len, DTPROC_THREADS_MAX), n, i;
	u8 __user *uarr = u64_to_user_ptr(st->threads);
	size_t usize = st->thread_size, csize;
	struct dtproc_thread *arr;
	int ret = 0;

	if (usize < DTPROC_THREAD_SIZE_VER0 || usize > DTPROC_ARG_SIZE_MAX)
		return -EINVAL;
	arr = kvcalloc(max_t(u32, len, 1), sizeof(*arr), GFP_KERNEL);
	if (!arr)
		return -ENOMEM;
	n = dtproc_proc_threads(proc, c->ns, arr, len);
	for (i = 0; i < n; i++)
		*running += arr[i].state == DTPROC_THREAD_RUNNING;
	csize = min(usize, sizeof(*arr));
	for (i = 0; i < n && !ret; i++) {
		if (copy_to_user(uarr + i * usize, &arr[i], csize) ||
		    (usize > csize &&
		     clear_user(uarr + i * usize + csize, usize - csize)))
			ret = -EFAULT;
	}
	st->threads_len = n;
	kvfree(arr);
	return ret;
}

/* The state part of a STATUS of @proc, sampled now. */
static void dtproc_status_state(struct dtproc_consumer *c,
				struct dtproc_proc *proc,
				struct dtproc_status *st)
{
	unsigned long flags;
	u32 why, state;

	dtproc_proc_count(proc, &st->nthreads, &st->nstopped);
	raw_spin_lock_irqsave(&proc->lock, flags);
	why = proc->armed ? 0 : proc->why;
	if (!why && proc->bp_pending)
		why = DTPROC_STOP_BREAK;	/* its stop is on its way */
	state = proc->state;
	st->status = proc->status;
	st->bp_tid = 0;
	st->bp_id = 0;
	st->bp_addr = 0;
	if (proc->why == DTPROC_STOP_BREAK && !state) {
		st->bp_tid = pid_nr_ns(proc->bp_tid, c->ns);
		st->bp_id = proc->bp_id;
		st->bp_addr = proc->bp_addr;
	}
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	st->why = 0;
	if (state) {
		st->state = state;
		st->nstopped = 0;
	} else if (why) {
		st->why = why;
		st->state = st->nstopped >= st->nthreads ? DTPROC_STATE_STOPPED :
							   DTPROC_STATE_STOPPING;
	} else {
		st->state = DTPROC_STATE_RUNNING;
		st->nstopped = 0;
	}
}

int dtproc_ctl_status(struct dtproc_consumer *c, struct dtproc_status *st)
{
	struct dtproc_victim *v;
	struct dtproc_proc *proc;
	u32 cap = st->threads_len, running;
	int ret = 0;

	mutex_lock(&c->lock);
	v = dtproc_victim_of(c, st->pid);
	if (IS_ERR(v)) {
		mutex_unlock(&c->lock);
		return PTR_ERR(v);
	}
	proc = v->proc;
	refcount_inc(&proc->ref);
	st->flags &= ~(DTPROC_STATUS_CREATED | DTPROC_STATUS_RDONLY);
	if (v->flags & DTPROC_GRAB_CREATE)
		st->flags |= DTPROC_STATUS_CREATED;
	if (v->flags & DTPROC_GRAB_RDONLY)
		st->flags |= DTPROC_STATUS_RDONLY;
	mutex_unlock(&c->lock);

	for (;;) {
		if (st->flags & DTPROC_STATUS_WAIT)
			ret = dtproc_proc_wait(proc);
		if (ret)
			break;
		dtproc_status_state(c, proc, st);
		running = 0;
		if (st->size >= DTPROC_STATUS_SIZE_VER1 && st->threads) {
			st->threads_len = cap;
			ret = dtproc_status_threads(c, proc, st, &running);
		}
		/*
		 * After a wait, the answer of a settled stop: a thread that
		 * counted as held and has woken since walks to its park, in
		 * the kernel, and this look missed it (STOPPING, or listed
		 * running).  Look again once it is there.
		 */
		if (ret || !(st->flags & DTPROC_STATUS_WAIT) ||
		    (st->state != DTPROC_STATE_STOPPING &&
		     (st->state != DTPROC_STATE_STOPPED || !running)))
			break;
		schedule_timeout_interruptible(1);
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
	}
	dtproc_proc_put(proc);
	return ret;
}

/* Every victim of @c released by its rule. */
static void dtproc_consumer_let_go_all(struct dtproc_consumer *c)
{
	struct dtproc_victim *v;
	unsigned long i;

	mutex_lock(&dtproc_control_lock);
	mutex_lock(&c->lock);
	xa_for_each(&c->victims, i, v)
		dtproc_let_go(c, v);
	mutex_unlock(&c->lock);
	dtproc_control_hooks_update();
	mutex_unlock(&dtproc_control_lock);
}

/*
 * A descriptor of @c is closed.  When the process that opened it exits,
 * its victims are let go as on the last close even if another process
 * still holds the file: a victim that inherited a duplicate (fork without
 * close-on-exec) must not keep itself stopped for good.
 */
void dtproc_consumer_flush(struct dtproc_consumer *c)
{
	if ((current->flags & PF_EXITING) && task_tgid(current) == c->owner)
		dtproc_consumer_let_go_all(c);
}

/* Close: every victim released by its rule. */
void dtproc_consumer_free(struct dtproc_consumer *c)
{
	dtproc_consumer_let_go_all(c);
	mutex_lock(&dtproc_control_lock);
	if (c->active)
		dtproc_consumers--;
	dtproc_control_hooks_update();
	mutex_unlock(&dtproc_control_lock);

	/*
	 * No hook can reach @c any more; a kick may still be on its way, or
	 * owed (@c on the list, the irq_work not raised): raise it, let the
	 * list be emptied.
	 */
	irq_work_queue(&dtproc_kick_work);
	irq_work_sync(&dtproc_kick_work);
	xa_destroy(&c->victims);
	if (c->notes != c->notes_small)
		kvfree(c->notes);
	put_pid(c->owner);
	put_pid_ns(c->ns);
	kfree_rcu(c, rcu);
}

ssize_t dtproc_consumer_read(struct dtproc_consumer *c, char __user *buf,
			     size_t len, bool nonblock)
{
	struct dtproc_note n;
	unsigned long flags;
	int ret;

	if (len < DTPROC_NOTE_SIZE_VER0)
		return -EINVAL;
	for (;;) {
		raw_spin_lock_irqsave(&c->notes_lock, flags);
		ret = c->notes_count;
		if (ret) {
			n = c->notes[c->notes_head];
			c->notes_head = (c->notes_head + 1) % c->notes_max;
			c->notes_count--;
			n.queued = c->notes_count;
		}
		raw_spin_unlock_irqrestore(&c->notes_lock, flags);
		if (ret)
			break;
		if (nonblock)
			return -EAGAIN;
		ret = wait_event_interruptible(c->notes_wq,
					       READ_ONCE(c->notes_count));
		if (ret)
			return ret;
	}
	len = min(len, sizeof(n));
	return copy_to_user(buf, &n, len) ? -EFAULT : len;
}

__poll_t dtproc_consumer_poll(struct dtproc_consumer *c, struct file *file,
			      struct poll_table_struct *wait)
{
	poll_wait(file, &c->notes_wq, wait);
	return READ_ONCE(c->notes_count) ? EPOLLIN | EPOLLRDNORM : 0;
}

/*
 * Module unload.  No consumer is open and no park is queued (each holds a
 * module reference): what is left are orphans' procs nobody stops any more.
 */
void dtproc_control_cleanup(void)
{
	struct dtproc_proc *proc;
	unsigned long i, flags;
	bool unlist;

	mutex_lock(&dtproc_control_lock);
	/*
	 * No hook may run (and kick an orphan, which unlists it without our
	 * lock) while the procs are walked: hooks off first, then the kicks
	 * already queued.
	 */
	if (dtproc_hooked) {
		dtproc_control_hooks_off();
		dtproc_hooked = false;
	}
	irq_work_queue(&dtproc_kick_work);	/* anything owed, too */
	irq_work_sync(&dtproc_kick_work);
	xa_for_each(&dtproc_procs, i, proc) {
		if (!refcount_inc_not_zero(&proc->ref))
			continue;
		raw_spin_lock_irqsave(&proc->lock, flags);
		proc->orphan = false;
		dtproc_proc_run_locked(proc);
		unlist = dtproc_proc_unlist_locked(proc);
		raw_spin_unlock_irqrestore(&proc->lock, flags);
		if (unlist)
			dtproc_proc_unlist_finish(proc);
		dtproc_proc_put(proc);
	}
	mutex_unlock(&dtproc_control_lock);
	irq_work_sync(&dtproc_kick_work);
	dtproc_ptrace_cleanup();
	/*
	 * What is left of each park or breakpoint work after its module_put()
	 * (see dtproc_park_fn()), if one was ever queued: its flag was set
	 * before its module reference, whose drop made the unload possible.
	 * Then the RCU frees of procs.
	 */
	if (READ_ONCE(dtproc_parks_queued))
		synchronize_rcu_tasks();
	synchronize_rcu();
	rcu_barrier();
	xa_destroy(&dtproc_procs);
}
