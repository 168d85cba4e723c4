// SPDX-License-Identifier: GPL-2.0
/*
 * Process control: victims, their consumers, and the in-kernel rendezvous.
 *
 * A consumer is an open /dev/dtproc.  Each process it holds is a victim;
 * the victims of one process, across consumers, share a dtproc_proc, found
 * by tgid in dtproc_procs (also from the hooks, under RCU).  At most one
 * victim of a process controls it; the others only watch.
 *
 * Stopping a process queues a park (a task_work) on each of its threads.
 * A thread runs it in its own context on its way back to user mode and
 * waits there, on proc->park_wq, until proc->gen moves on: continue,
 * release, SIGCONT after a requested stop, SIGKILL, or module unload.
 * The wait is TASK_KILLABLE | TASK_NOLOAD | TASK_FREEZABLE: killable, out of
 * the load average and the hung-task detector, no obstacle to suspend.
 *
 * References: dtproc_procs, each victim and each queued park hold one on
 * their dtproc_proc; it is freed after an RCU grace period.
 *
 * Locking: dtproc_control_lock (mutex) serialises adding and removing
 * processes and victims; proc->lock (spinlock, irqsave: SIGCONT may be sent
 * from interrupts) protects a process's stop state and victim list;
 * consumer->notes_lock its notification queue.  Order: control_lock, then
 * proc->lock, then notes_lock.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/sched/coredump.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/wait_bit.h>
#include <linux/xarray.h>

#include "dtproc.h"

/* The wait of a parked thread: see the top of the file. */
#define DTPROC_PARK_STATE	(TASK_KILLABLE | TASK_NOLOAD | TASK_FREEZABLE)

struct dtproc_proc {
	struct rcu_head		rcu;
	refcount_t		ref;
	pid_t			tgid;		/* initial namespace */
	struct pid		*pid;

	spinlock_t		lock;		/* the members below */
	struct list_head	victims;
	struct dtproc_victim	*control;	/* NULL: nobody controls it */
	u32			why;		/* DTPROC_STOP_*, 0 if running */
	u32			state;		/* DTPROC_STATE_DEAD/_LOST, or 0 */
	int			status;		/* wait status once dead */
	bool			armed;		/* created: stop after exec */
	bool			orphan;		/* requested stop, no consumer */
	unsigned long		gen;		/* moves on to release parks */
	atomic_t		parked;
	wait_queue_head_t	park_wq;	/* parked threads */
	wait_queue_head_t	state_wq;	/* consumers awaiting a stop */
};

struct dtproc_victim {
	struct list_head	proc_node;
	struct dtproc_consumer	*consumer;
	struct dtproc_proc	*proc;
	pid_t			nr;		/* in the consumer's namespace */
	u32			flags;		/* DTPROC_GRAB_* */
};

struct dtproc_consumer {
	struct mutex		lock;		/* victims */
	struct xarray		victims;	/* its pid number -> victim */
	spinlock_t		notes_lock;
	struct list_head	notes;
	wait_queue_head_t	notes_wq;
	bool			active;		/* has held a process */
};

struct dtproc_note_item {
	struct list_head	node;
	struct dtproc_note	note;
};

struct dtproc_park {
	struct callback_head	cb;
	struct dtproc_proc	*proc;
};

static DEFINE_MUTEX(dtproc_control_lock);
static DEFINE_XARRAY_FLAGS(dtproc_procs, XA_FLAGS_LOCK_IRQ);
/* Parks queued or running: module text must outlive them. */
static atomic_t dtproc_parks = ATOMIC_INIT(0);
/*
 * Read by the hooks: are control's hooks wanted?  They are placed from a
 * consumer's first grab until it closes, and while any process stays
 * stopped without a consumer; not per victim: placing and removing the
 * kretprobes around execve() while a victim execs in a tight loop is both
 * slow and hard on the kernel.
 */
bool dtproc_control_on;
static unsigned int dtproc_consumers;	/* active ones; dtproc_control_lock */

static void dtproc_control_hooks_update(void)
{
	bool on = dtproc_consumers || !xa_empty(&dtproc_procs);

	lockdep_assert_held(&dtproc_control_lock);
	if (on == READ_ONCE(dtproc_control_on))
		return;
	if (on) {
		WRITE_ONCE(dtproc_control_on, true);
		dtproc_hooks_control(true);
	} else {
		dtproc_hooks_control(false);
		WRITE_ONCE(dtproc_control_on, false);
	}
}

static void dtproc_proc_put(struct dtproc_proc *proc)
{
	if (refcount_dec_and_test(&proc->ref)) {
		put_pid(proc->pid);
		kfree_rcu(proc, rcu);
	}
}

/* The held process of @tgid; caller is in an RCU read-side section. */
static struct dtproc_proc *dtproc_proc_find(pid_t tgid)
{
	return xa_load(&dtproc_procs, tgid);
}

/* Forget @proc's tgid: it died, or nobody holds it any more. */
static void dtproc_proc_unlist(struct dtproc_proc *proc)
{
	unsigned long flags;

	xa_lock_irqsave(&dtproc_procs, flags);
	if (__xa_cmpxchg(&dtproc_procs, proc->tgid, proc, NULL, GFP_ATOMIC) == proc)
		dtproc_proc_put(proc);
	xa_unlock_irqrestore(&dtproc_procs, flags);
}

/* --- the rendezvous --- */

static void dtproc_park_fn(struct callback_head *cb)
{
	struct dtproc_park *pk = container_of(cb, struct dtproc_park, cb);
	struct dtproc_proc *proc = pk->proc;
	unsigned long gen = READ_ONCE(proc->gen);
	DEFINE_WAIT(wait);

	kfree(pk);
	if (!(current->flags & PF_EXITING) && READ_ONCE(proc->why)) {
		atomic_inc(&proc->parked);
		wake_up_all(&proc->state_wq);
		for (;;) {
			prepare_to_wait(&proc->park_wq, &wait, DTPROC_PARK_STATE);
			if (READ_ONCE(proc->gen) != gen ||
			    fatal_signal_pending(current))
				break;
			schedule();
		}
		finish_wait(&proc->park_wq, &wait);
		atomic_dec(&proc->parked);
	}
	dtproc_proc_put(proc);
	/*
	 * Last: module unload waits for this count.  (The few instructions
	 * of the return below still run from module text; the unload path's
	 * RCU grace period covers them.)
	 */
	if (atomic_dec_and_test(&dtproc_parks))
		wake_up_var(&dtproc_parks);
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

/* Queue a park on @t.  @gfp: GFP_ATOMIC from the hooks. */
static int dtproc_park_task(struct dtproc_proc *proc, struct task_struct *t,
			    enum task_work_notify_mode mode, gfp_t gfp)
{
	struct dtproc_park *pk = kmalloc(sizeof(*pk), gfp);
	int ret;

	if (!pk)
		return -ENOMEM;
	init_task_work(&pk->cb, t == current ? dtproc_park_later_fn :
						dtproc_park_fn);
	pk->proc = proc;
	refcount_inc(&proc->ref);
	atomic_inc(&dtproc_parks);
	ret = task_work_add(t, &pk->cb, mode);
	if (ret) {
		/* the thread is exiting: nothing to stop */
		atomic_dec(&dtproc_parks);
		dtproc_proc_put(proc);
		kfree(pk);
	}
	return 0;
}

/* Release every parked thread of @proc.  Caller holds proc->lock. */
static void dtproc_proc_run_locked(struct dtproc_proc *proc)
{
	lockdep_assert_held(&proc->lock);
	proc->why = 0;
	WRITE_ONCE(proc->gen, proc->gen + 1);
	wake_up_all(&proc->park_wq);
}

/* Stop every thread of @proc for @why (process context). */
static int dtproc_proc_stop(struct dtproc_proc *proc, u32 why)
{
	struct task_struct *leader, *t;
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&proc->lock, flags);
	if (proc->why) {
		proc->why = why;	/* already stopped or stopping */
		spin_unlock_irqrestore(&proc->lock, flags);
		return 0;
	}
	proc->why = why;
	spin_unlock_irqrestore(&proc->lock, flags);

	/*
	 * Threads created from here on are parked by the fork hook; the
	 * ones there now get their parks here, GFP_ATOMIC under RCU.
	 */
	rcu_read_lock();
	leader = pid_task(proc->pid, PIDTYPE_TGID);
	if (leader) {
		for_each_thread(leader, t) {
			ret = dtproc_park_task(proc, t, TWA_SIGNAL, GFP_ATOMIC);
			if (ret)
				break;
		}
	} else {
		ret = -ESRCH;
	}
	rcu_read_unlock();
	return ret;
}

static u32 dtproc_proc_nthreads(struct dtproc_proc *proc)
{
	struct task_struct *t;
	u32 n = 0;

	rcu_read_lock();
	t = pid_task(proc->pid, PIDTYPE_TGID);
	if (t && !(t->flags & PF_EXITING))
		n = get_nr_threads(t);
	rcu_read_unlock();
	return n;
}

static bool dtproc_proc_settled(struct dtproc_proc *proc)
{
	u32 n = dtproc_proc_nthreads(proc);
	unsigned long flags;
	bool moving;

	/*
	 * Under the lock: the exec hook turns armed into a stop, and no
	 * moment may look as if neither were there.
	 */
	spin_lock_irqsave(&proc->lock, flags);
	moving = proc->why || proc->armed;	/* armed: still in its exec */
	spin_unlock_irqrestore(&proc->lock, flags);
	return READ_ONCE(proc->state) || !n || !moving ||
	       atomic_read(&proc->parked) >= n;
}

/* Wait until @proc is stopped, running again, dead or lost. */
static int dtproc_proc_wait(struct dtproc_proc *proc)
{
	while (!dtproc_proc_settled(proc)) {
		/* threads may exit while others park: look again now and then */
		if (wait_event_interruptible_timeout(proc->state_wq,
						     dtproc_proc_settled(proc),
						     HZ / 10) < 0)
			return -EINTR;
	}
	return 0;
}

/* --- notifications --- */

static void dtproc_notify(struct dtproc_consumer *c, pid_t pid, u32 what,
			  int status)
{
	struct dtproc_note_item *n = kzalloc(sizeof(*n), GFP_ATOMIC);
	unsigned long flags;

	if (!n) {
		pr_warn_ratelimited("lost a notification for pid %d\n", pid);
		return;
	}
	n->note.pid = pid;
	n->note.what = what;
	n->note.status = status;
	spin_lock_irqsave(&c->notes_lock, flags);
	list_add_tail(&n->node, &c->notes);
	spin_unlock_irqrestore(&c->notes_lock, flags);
	wake_up_interruptible(&c->notes_wq);
}

/* Tell every consumer of @proc.  Caller holds proc->lock. */
static void dtproc_notify_all(struct dtproc_proc *proc, u32 what, int status)
{
	struct dtproc_victim *v;

	lockdep_assert_held(&proc->lock);
	list_for_each_entry(v, &proc->victims, proc_node)
		dtproc_notify(v->consumer, v->nr, what, status);
}

/* --- hooks (probe context: no sleeping) --- */

/* A held process exec'd (current, after a successful exec). */
void dtproc_control_exec(void)
{
	struct dtproc_proc *proc;
	struct mm_struct *mm = current->mm;
	unsigned long flags;
	bool observable;

	rcu_read_lock();
	proc = dtproc_proc_find(current->tgid);
	if (!proc)
		goto out;
	observable = mm && get_dumpable(mm) == SUID_DUMP_USER;
	spin_lock_irqsave(&proc->lock, flags);
	if (!observable && proc->control) {
		/* set-id or unreadable: control ends, the victim runs */
		proc->control = NULL;
		proc->armed = false;
		proc->state = DTPROC_STATE_LOST;
		dtproc_proc_run_locked(proc);
		dtproc_notify_all(proc, DTPROC_NOTE_LOST, 0);
	} else if (proc->armed) {
		/* created: stop before the first instruction */
		proc->armed = false;
		proc->why = DTPROC_STOP_CREATE;
		if (dtproc_park_task(proc, current, TWA_RESUME, GFP_ATOMIC))
			proc->why = 0;
	} else {
		dtproc_notify_all(proc, DTPROC_NOTE_EXEC, 0);
	}
	spin_unlock_irqrestore(&proc->lock, flags);
	wake_up_all(&proc->state_wq);
out:
	rcu_read_unlock();
}

/* The last thread of a held process is exiting with wait status @code. */
void dtproc_control_proc_exit(long code)
{
	struct dtproc_proc *proc;
	unsigned long flags;

	rcu_read_lock();
	proc = dtproc_proc_find(current->tgid);
	if (proc) {
		spin_lock_irqsave(&proc->lock, flags);
		proc->state = DTPROC_STATE_DEAD;
		proc->status = code;
		proc->armed = false;
		dtproc_notify_all(proc, DTPROC_NOTE_EXITED, code);
		spin_unlock_irqrestore(&proc->lock, flags);
		wake_up_all(&proc->state_wq);
		dtproc_proc_unlist(proc);
	}
	rcu_read_unlock();
}

/* A thread of a process being stopped creates another: stop it too. */
void dtproc_control_new_thread(struct task_struct *child)
{
	struct dtproc_proc *proc;

	rcu_read_lock();
	proc = dtproc_proc_find(child->tgid);
	if (proc && READ_ONCE(proc->why))
		dtproc_park_task(proc, child, TWA_RESUME, GFP_ATOMIC);
	rcu_read_unlock();
}

/* SIGCONT to a process in a requested stop resumes it, as prun(1) would. */
void dtproc_control_sigcont(struct task_struct *task)
{
	struct dtproc_proc *proc;
	unsigned long flags;
	bool orphan = false;

	rcu_read_lock();
	proc = dtproc_proc_find(task->tgid);
	if (proc) {
		spin_lock_irqsave(&proc->lock, flags);
		if (proc->why == DTPROC_STOP_REQUESTED) {
			dtproc_proc_run_locked(proc);
			orphan = proc->orphan;
		}
		spin_unlock_irqrestore(&proc->lock, flags);
		if (orphan)
			dtproc_proc_unlist(proc);
	}
	rcu_read_unlock();
}

/* --- consumers --- */

/* The ptrace-like right to control @t (ptrace_may_access is not exported). */
static int dtproc_may_control(struct task_struct *t)
{
	const struct cred *cred = current_cred(), *tcred;
	bool same, dumpable;
	int ret = 0;

	if (t->flags & PF_KTHREAD)
		return -EPERM;
	if (same_thread_group(t, current))
		return -EINVAL;

	tcred = get_task_cred(t);
	same = uid_eq(cred->uid, tcred->euid) && uid_eq(cred->uid, tcred->suid) &&
	       uid_eq(cred->uid, tcred->uid) && gid_eq(cred->gid, tcred->egid) &&
	       gid_eq(cred->gid, tcred->sgid) && gid_eq(cred->gid, tcred->gid);
	task_lock(t);
	dumpable = t->mm && get_dumpable(t->mm) == SUID_DUMP_USER;
	task_unlock(t);
	if (!(same && dumpable) && !ns_capable(tcred->user_ns, CAP_SYS_PTRACE))
		ret = -EPERM;
	put_cred(tcred);
	return ret;
}

struct dtproc_consumer *dtproc_consumer_new(void)
{
	struct dtproc_consumer *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return NULL;
	mutex_init(&c->lock);
	xa_init(&c->victims);
	spin_lock_init(&c->notes_lock);
	INIT_LIST_HEAD(&c->notes);
	init_waitqueue_head(&c->notes_wq);
	return c;
}

/* The held process of @tgid, or a new one with a reference for dtproc_procs. */
static struct dtproc_proc *dtproc_proc_get(struct pid *pid, pid_t tgid)
{
	struct dtproc_proc *proc;
	int ret;

	lockdep_assert_held(&dtproc_control_lock);
	proc = xa_load(&dtproc_procs, tgid);
	if (proc && !proc->state)
		return proc;
	if (proc)
		dtproc_proc_unlist(proc);	/* lost: start afresh */

	proc = kzalloc(sizeof(*proc), GFP_KERNEL);
	if (!proc)
		return ERR_PTR(-ENOMEM);
	refcount_set(&proc->ref, 1);
	proc->tgid = tgid;
	proc->pid = get_pid(pid);
	spin_lock_init(&proc->lock);
	INIT_LIST_HEAD(&proc->victims);
	init_waitqueue_head(&proc->park_wq);
	init_waitqueue_head(&proc->state_wq);
	ret = xa_err(xa_store_irq(&dtproc_procs, tgid, proc, GFP_KERNEL));
	if (ret) {
		dtproc_proc_put(proc);
		return ERR_PTR(ret);
	}
	return proc;
}

/*
 * Make @pid, numbered @nr by the caller, a victim of @c; on success *procp
 * holds a reference.
 */
static int dtproc_hold(struct dtproc_consumer *c, struct pid *pid, pid_t nr,
		       u32 flags, struct dtproc_proc **procp)
{
	struct dtproc_victim *v;
	struct dtproc_proc *proc;
	unsigned long irqflags;
	pid_t tgid = pid_nr(pid);
	int ret;

	mutex_lock(&dtproc_control_lock);
	mutex_lock(&c->lock);
	if (!c->active) {
		c->active = true;
		dtproc_consumers++;
		dtproc_control_hooks_update();
	}
	ret = -EEXIST;
	if (xa_load(&c->victims, nr))
		goto out;
	ret = -ENOMEM;
	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		goto out;
	proc = dtproc_proc_get(pid, tgid);
	if (IS_ERR(proc)) {
		ret = PTR_ERR(proc);
		goto err_free;
	}
	ret = xa_err(xa_store(&c->victims, nr, v, GFP_KERNEL));
	if (ret)
		goto err_unlist;

	v->consumer = c;
	v->proc = proc;
	v->nr = nr;
	v->flags = flags;
	refcount_inc(&proc->ref);
	spin_lock_irqsave(&proc->lock, irqflags);
	if (!(flags & DTPROC_GRAB_RDONLY)) {
		if (proc->control) {
			spin_unlock_irqrestore(&proc->lock, irqflags);
			xa_erase(&c->victims, nr);
			dtproc_proc_put(proc);
			ret = -EBUSY;
			goto err_unlist;
		}
		proc->control = v;
		proc->armed = flags & DTPROC_GRAB_CREATE;
		proc->orphan = false;
	}
	list_add_tail(&v->proc_node, &proc->victims);
	spin_unlock_irqrestore(&proc->lock, irqflags);
	refcount_inc(&proc->ref);
	*procp = proc;
	mutex_unlock(&c->lock);
	mutex_unlock(&dtproc_control_lock);
	return 0;

err_unlist:
	if (list_empty(&proc->victims) && !proc->orphan)
		dtproc_proc_unlist(proc);
err_free:
	kfree(v);
out:
	mutex_unlock(&c->lock);
	mutex_unlock(&dtproc_control_lock);
	return ret;
}

/* Resolve a pid of the caller's namespace and check the caller's rights. */
static struct pid *dtproc_lookup(pid_t nr, u32 flags, struct task_struct **tp)
{
	struct task_struct *t;
	struct pid *pid;
	int ret;

	if (nr <= 0)
		return ERR_PTR(-EINVAL);
	pid = find_get_pid(nr);
	t = get_pid_task(pid, PIDTYPE_TGID);
	if (!t) {
		put_pid(pid);
		return ERR_PTR(-ESRCH);
	}
	/* a child arming itself for its exec needs no right over itself */
	ret = (flags & DTPROC_GRAB_CREATE) && t == current->group_leader ? 0 :
	      dtproc_may_control(t);
	if (ret) {
		put_task_struct(t);
		put_pid(pid);
		return ERR_PTR(ret);
	}
	*tp = t;
	return pid;
}

int dtproc_grab(struct dtproc_consumer *c, pid_t nr, u32 flags)
{
	struct dtproc_proc *proc;
	struct task_struct *t;
	struct pid *pid;
	bool child;
	int ret;

	if (flags & ~(DTPROC_GRAB_RDONLY | DTPROC_GRAB_CREATE) ||
	    (flags & DTPROC_GRAB_RDONLY && flags & DTPROC_GRAB_CREATE))
		return -EINVAL;
	pid = dtproc_lookup(nr, flags, &t);
	if (IS_ERR(pid))
		return PTR_ERR(pid);

	/*
	 * created: the caller's own child before its exec, or the child
	 * itself on the descriptor it inherited (the consumer is the same)
	 */
	rcu_read_lock();
	child = rcu_dereference(t->real_parent)->tgid == current->tgid ||
		(t == current->group_leader && get_nr_threads(t) == 1);
	rcu_read_unlock();
	ret = -EINVAL;
	if ((flags & DTPROC_GRAB_CREATE) && !child)
		goto out;

	ret = dtproc_hold(c, pid, nr, flags, &proc);
	if (ret)
		goto out;
	if (!(flags & (DTPROC_GRAB_RDONLY | DTPROC_GRAB_CREATE))) {
		ret = dtproc_proc_stop(proc, DTPROC_STOP_GRAB);
		if (!ret)
			ret = dtproc_proc_wait(proc);
		if (ret)	/* interrupted, or it is gone: no half grabs */
			dtproc_release(c, nr);
	}
	dtproc_proc_put(proc);
out:
	put_task_struct(t);
	put_pid(pid);
	return ret;
}

/* Let go of one victim; caller holds both locks. */
static void dtproc_let_go(struct dtproc_consumer *c, struct dtproc_victim *v)
{
	struct dtproc_proc *proc = v->proc;
	unsigned long flags;
	bool kill = false;

	lockdep_assert_held(&dtproc_control_lock);
	lockdep_assert_held(&c->lock);
	xa_erase(&c->victims, v->nr);

	spin_lock_irqsave(&proc->lock, flags);
	list_del(&v->proc_node);
	if (proc->control == v) {
		proc->control = NULL;
		proc->armed = false;
		if (v->flags & DTPROC_GRAB_CREATE)
			kill = !proc->state;		/* kill-on-last-close */
		if (proc->why == DTPROC_STOP_REQUESTED && !kill)
			proc->orphan = true;		/* stays stopped */
		else
			dtproc_proc_run_locked(proc);	/* run-on-last-close */
	}
	spin_unlock_irqrestore(&proc->lock, flags);

	if (kill)
		kill_pid(proc->pid, SIGKILL, 1);
	if (list_empty(&proc->victims) && !proc->orphan)
		dtproc_proc_unlist(proc);
	dtproc_proc_put(proc);
	kfree(v);
}

/* By the caller's number: still there after the process is reaped. */
static struct dtproc_victim *dtproc_victim_of(struct dtproc_consumer *c,
					      pid_t nr)
{
	lockdep_assert_held(&c->lock);
	return xa_load(&c->victims, nr);
}

int dtproc_release(struct dtproc_consumer *c, pid_t nr)
{
	struct dtproc_victim *v;
	int ret = -ESRCH;

	mutex_lock(&dtproc_control_lock);
	mutex_lock(&c->lock);
	v = dtproc_victim_of(c, nr);
	if (v) {
		dtproc_let_go(c, v);
		ret = 0;
	}
	mutex_unlock(&c->lock);
	mutex_unlock(&dtproc_control_lock);
	return ret;
}

int dtproc_continue(struct dtproc_consumer *c, pid_t nr)
{
	struct dtproc_victim *v;
	unsigned long flags;
	int ret = -ESRCH;

	mutex_lock(&c->lock);
	v = dtproc_victim_of(c, nr);
	if (v) {
		ret = -EPERM;
		spin_lock_irqsave(&v->proc->lock, flags);
		if (v->proc->control == v) {
			dtproc_proc_run_locked(v->proc);
			ret = 0;
		}
		spin_unlock_irqrestore(&v->proc->lock, flags);
	}
	mutex_unlock(&c->lock);
	return ret;
}

int dtproc_stop(struct dtproc_consumer *c, pid_t nr)
{
	struct dtproc_proc *proc = NULL;
	struct dtproc_victim *v;
	int ret = -ESRCH;

	mutex_lock(&c->lock);
	v = dtproc_victim_of(c, nr);
	if (v && v->proc->control != v) {
		ret = -EPERM;
	} else if (v) {
		proc = v->proc;
		refcount_inc(&proc->ref);
		ret = dtproc_proc_stop(proc, DTPROC_STOP_REQUESTED);
	}
	mutex_unlock(&c->lock);
	if (proc) {
		if (!ret)
			ret = dtproc_proc_wait(proc);
		dtproc_proc_put(proc);
	}
	return ret;
}

int dtproc_status(struct dtproc_consumer *c, struct dtproc_status *st)
{
	struct dtproc_victim *v;
	struct dtproc_proc *proc;
	unsigned long flags;
	int ret = 0;
	u32 why;

	mutex_lock(&c->lock);
	v = dtproc_victim_of(c, st->pid);
	if (!v) {
		mutex_unlock(&c->lock);
		return -ESRCH;
	}
	proc = v->proc;
	refcount_inc(&proc->ref);
	st->flags &= ~(DTPROC_STATUS_CREATED | DTPROC_STATUS_RDONLY);
	if (v->flags & DTPROC_GRAB_CREATE)
		st->flags |= DTPROC_STATUS_CREATED;
	if (v->flags & DTPROC_GRAB_RDONLY)
		st->flags |= DTPROC_STATUS_RDONLY;
	mutex_unlock(&c->lock);

	if (st->flags & DTPROC_STATUS_WAIT)
		ret = dtproc_proc_wait(proc);
	st->nthreads = dtproc_proc_nthreads(proc);
	st->nstopped = atomic_read(&proc->parked);
	st->why = 0;
	spin_lock_irqsave(&proc->lock, flags);
	why = proc->armed ? 0 : proc->why;
	spin_unlock_irqrestore(&proc->lock, flags);
	st->status = READ_ONCE(proc->status);
	if (READ_ONCE(proc->state)) {
		st->state = READ_ONCE(proc->state);
	} else if (why) {
		st->why = why;
		st->state = st->nstopped >= st->nthreads ? DTPROC_STATE_STOPPED :
							   DTPROC_STATE_STOPPING;
	} else {
		st->state = DTPROC_STATE_RUNNING;
	}
	dtproc_proc_put(proc);
	return ret;
}

/* Close: every victim released by its rule. */
void dtproc_consumer_free(struct dtproc_consumer *c)
{
	struct dtproc_note_item *n, *tmp;
	struct dtproc_victim *v;
	unsigned long i;

	mutex_lock(&dtproc_control_lock);
	mutex_lock(&c->lock);
	xa_for_each(&c->victims, i, v)
		dtproc_let_go(c, v);
	mutex_unlock(&c->lock);
	if (c->active)
		dtproc_consumers--;
	dtproc_control_hooks_update();
	mutex_unlock(&dtproc_control_lock);

	xa_destroy(&c->victims);
	list_for_each_entry_safe(n, tmp, &c->notes, node)
		kfree(n);
	kfree(c);
}

ssize_t dtproc_consumer_read(struct dtproc_consumer *c, char __user *buf,
			     size_t len, bool nonblock)
{
	struct dtproc_note_item *n;
	unsigned long flags;
	int ret;

	if (len < sizeof(n->note))
		return -EINVAL;
	for (;;) {
		spin_lock_irqsave(&c->notes_lock, flags);
		n = list_first_entry_or_null(&c->notes, struct dtproc_note_item,
					     node);
		if (n)
			list_del(&n->node);
		spin_unlock_irqrestore(&c->notes_lock, flags);
		if (n)
			break;
		if (nonblock)
			return -EAGAIN;
		ret = wait_event_interruptible(c->notes_wq,
					       !list_empty_careful(&c->notes));
		if (ret)
			return ret;
	}
	ret = copy_to_user(buf, &n->note, sizeof(n->note)) ? -EFAULT :
							     sizeof(n->note);
	kfree(n);
	return ret;
}

__poll_t dtproc_consumer_poll(struct dtproc_consumer *c, struct file *file,
			      struct poll_table_struct *wait)
{
	poll_wait(file, &c->notes_wq, wait);
	return list_empty_careful(&c->notes) ? 0 : EPOLLIN | EPOLLRDNORM;
}

/* Module unload: nothing may stay parked, nothing of ours may stay queued. */
void dtproc_control_cleanup(void)
{
	struct dtproc_proc *proc;
	unsigned long i, flags;

	/* no hook may queue a park from here on */
	WRITE_ONCE(dtproc_control_on, false);
	dtproc_hooks_control(false);
	xa_for_each(&dtproc_procs, i, proc) {
		spin_lock_irqsave(&proc->lock, flags);
		dtproc_proc_run_locked(proc);
		spin_unlock_irqrestore(&proc->lock, flags);
		dtproc_proc_unlist(proc);
	}
	wait_var_event(&dtproc_parks, !atomic_read(&dtproc_parks));
	synchronize_rcu();
	xa_destroy(&dtproc_procs);
}
