// SPDX-License-Identifier: GPL-2.0
/*
 * Breakpoints on a controlled victim, as uprobes confined to it.
 *
 * A breakpoint (struct dtproc_brk) is placed by user address: at
 * DTPROC_IOC_BP_ADD the address is resolved, through the victim's memory
 * map under mmap_read_lock, to a file and an offset in it, and a uprobe
 * consumer is registered there.  It holds the mapping's file (and so its
 * mount: the filesystem cannot be unmounted under the uprobe's inode), is
 * kept by (inode, offset) and by the victim's struct pid, never by an mm:
 * its filter accepts an mm
 * only while a thread of the victim uses it, which also covers a vfork
 * child sharing the memory, and an exec (the exec'ing thread already uses
 * the new mm when the binary and ld.so are mapped, uprobe_mmap() then
 * consults the filter), and rejects a set-id image: lost (proc->state)
 * once its exec is done, not dumpable and in_execve while it is mapped.
 * A victim not dumpable otherwise (a daemon that dropped privileges,
 * prctl(PR_SET_DUMPABLE)) is its controller's as any other.
 *
 * A fork child inherits the int3 bytes with the copied pages: at its first
 * hit the handler returns UPROBE_HANDLER_REMOVE, which takes the
 * breakpoint out of the child's mm (on 6.12 only if every consumer's
 * filter rejects that mm too: ours does), and the child goes on with the
 * original instruction, never seeing a SIGTRAP.
 *
 * The handler runs in the hitting thread on its way back to user mode,
 * preemptible, under the uprobe's register_rwsem (6.1) or
 * rcu_read_lock_trace() (6.12), both of which allow sleeping (6.12's
 * handler_chain() itself takes the rwsem under it): it may allocate
 * (GFP_KERNEL) but never waits long, parks or (un)registers.
 * It counts the hit, queues a note (NOTIFY, STOP) and, for the first STOP
 * hit of a stop, queues a task_work that stops the process from the
 * thread's own context, so that thread parks before it has executed the
 * probed instruction, and executes it once continued.
 *
 * XOL slots (32 per mm on x86): a thread parked after its handler and
 * before its single-step holds one.  As handle_swbp() skips the
 * single-step when a handler moves the IP (compat.h), a hitting thread of
 * a stopping process instead leaves the breakpoint untaken: the IP moves
 * off it, and back (its task_work, or its park if that runs first:
 * dtproc_bp_resume_ip()) before the thread parks; it takes the breakpoint
 * once continued (counted then; the thread that stopped the process is
 * counted once, dtproc_brk_untaken()).  Other consumers of the same uprobe
 * see such a hit twice.  A thread that a stop catches between a hit's
 * handler (before the stop began) and its single-step parks only once the
 * step is over and its slot free (bp_xol.c): it has then executed the
 * probed instruction, as a thread caught in a system call completes it.
 *
 * Registrations are retired without waiting for running handlers: a
 * retired one does nothing, and dtproc_bp_retire_fn() waits for them
 * (uprobe_unregister_sync() on 6.12, once for a batch) before dropping
 * its breakpoint, in a worker: on 6.12 the wait can last as long as a
 * stop, and the consumer asking must not wait for its own stop's end.
 *
 * Locking: a victim's breakpoint list is its owner consumer's (the
 * consumer's lock, held by dtproc_bp_call() and dtproc_let_go()); the
 * handler touches only the breakpoint's atomics and, under proc->lock
 * (raw), the notes and the stop.
 */
#include <linux/fs.h>
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pid_namespace.h>
#include <linux/ptrace.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "control.h"

/* Entries one BP_LIST fills at most. */
#define DTPROC_BP_LIST_MAX	DTPROC_BP_MAX

struct dtproc_brk_reg;

/**
 * struct dtproc_brk - one breakpoint of a victim
 * @node:	in proc->bps
 * @ref:	the list's, and one per registration not yet retired
 * @proc:	the victim (a reference)
 * @file:	its file (a reference: the file, its mount and inode)
 * @inode:	@file's inode, @offset in it
 * @peek:	the user address whose 8 bytes a note carries, or 0
 * @id:		its id in the victim
 * @action:	DTPROC_BP_* (read by the handler)
 * @hits:	hits counted
 * @reg:	its registration while armed, or NULL (disabled)
 * @arming:	its registration being made (without the consumer's lock),
 *		or NULL; cleared by whoever disarms or drops it meanwhile
 */
struct dtproc_brk {
	struct list_head	node;
	refcount_t		ref;
	struct dtproc_proc	*proc;
	struct file		*file;
	struct inode		*inode;
	loff_t			offset;
	u64			peek;
	u32			id;
	u32			action;
	atomic64_t		hits;
	struct dtproc_brk_reg	*reg;
	struct dtproc_brk_reg	*arming;
};

/* One registration of a breakpoint; retired ones are handled no more. */
struct dtproc_brk_reg {
	struct dtproc_uprobe	u;
	struct dtproc_brk	*brk;
	bool			live;
	struct llist_node	retire_node;
};

/*
 * What a hit leaves for its thread's task_work, outside the uprobe's locks:
 * the IP back to the breakpoint (@rewind) and the stop of a STOP hit.
 */
struct dtproc_brk_work {
	struct callback_head	cb;
	struct list_head	node;		/* proc->bp_rewinds */
	struct task_struct	*task;
	struct dtproc_proc	*proc;
	u32			id;
	u64			addr;
	unsigned long		gen;		/* proc->gen at a stopping hit */
	bool			rewind;
	bool			stop;
};

/*
 * A thread that stopped the process at breakpoint @id and left it untaken
 * (proc->bp_skips): its next hit there, in the same image (@exec_id), is
 * the same hit, not counted again.  One per thread and breakpoint,
 * dropped with the breakpoint's registration; @tid is held, so it names no
 * other thread but an exec'ing one that took the leader's (@exec_id tells).
 * A thread whose signal handler runs before it is back at the breakpoint
 * and calls it there takes the skip in the handler instead (the total is
 * right; the stop comes at the second of the two).
 */
struct dtproc_bp_skip {
	struct list_head	node;
	struct pid		*tid;
	u64			exec_id;
	u32			id;
};

/*
 * Registrations retired and not yet freed, at most DTPROC_BP_RETIRE_MAX:
 * while the worker waits for running handlers (on 6.12 as long as a
 * stop), a new registration is refused (EAGAIN) rather than let them pile.
 */
#define DTPROC_BP_RETIRE_MAX	4096

static LLIST_HEAD(dtproc_bp_retired);
static atomic_t dtproc_bp_retiring = ATOMIC_INIT(0);
static struct workqueue_struct *dtproc_bp_wq;
static void dtproc_bp_retire_fn(struct work_struct *work);
static DECLARE_WORK(dtproc_bp_retire_work, dtproc_bp_retire_fn);

/* Drop a reference to @brk; the last one may sleep (fput). */
static void dtproc_brk_put(struct dtproc_brk *brk)
{
	might_sleep();
	if (!refcount_dec_and_test(&brk->ref))
		return;
	fput(brk->file);
	dtproc_proc_put(brk->proc);
	kfree(brk);
}

/*
 * Is @mm the memory of a thread of @proc's process now?  With @exec, not
 * if that thread is exec'ing an image not dumpable (set-id: the exec hook
 * loses control of it once the image is mapped).
 */
static bool dtproc_brk_mm_ours(struct dtproc_proc *proc, struct mm_struct *mm,
			       bool exec)
{
	struct task_struct *leader, *t;
	bool ret = false;

	rcu_read_lock();
	leader = pid_task(proc->pid, PIDTYPE_TGID);
	if (leader) {
		for_each_thread(leader, t) {
			if (READ_ONCE(t->mm) == mm) {
				ret = !exec || !t->in_execve ||
				      get_dumpable(mm) == SUID_DUMP_USER;
				break;
			}
		}
	}
	rcu_read_unlock();
	return ret;
}

/*
 * The filter: at registration, at each mmap of the file, at unregistration
 * (with the mm's mmap lock held) and, on 6.12, to confirm a removal.
 */
bool dtproc_uprobe_filter(struct uprobe_consumer *uc, struct mm_struct *mm)
{
	struct dtproc_brk_reg *reg = container_of(uc, struct dtproc_brk_reg,
						  u.uc);
	struct dtproc_proc *proc = reg->brk->proc;

	if (READ_ONCE(proc->state))
		return false;
	return dtproc_brk_mm_ours(proc, mm, true);
}

/* The first integer argument at a function's first instruction. */
static u64 dtproc_brk_arg0(struct pt_regs *regs)
{
#ifdef CONFIG_X86_64
	u32 v;

	if (user_64bit_mode(regs))
		return regs->di;
	if (copy_from_user_nofault(&v, (void __user *)(regs->sp + 4),
				   sizeof(v)))
		return 0;
	return v;
#else
	return 0;
#endif
}

/*
 * A proc that stops at breakpoints keeps the last skip and the last
 * breakpoint work it freed (proc->bp_spare_skip, bp_spare_work) for its
 * next stopping hit: no allocation per hit/stop/continue round trip.
 */
static void *dtproc_bp_spare_take(struct dtproc_proc *proc, void **slot)
{
	unsigned long flags;
	void *p;

	raw_spin_lock_irqsave(&proc->lock, flags);
	p = *slot;
	*slot = NULL;
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	return p;
}

static void dtproc_bp_spare_put(struct dtproc_proc *proc, void **slot,
				void *p)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&proc->lock, flags);
	if (!*slot) {
		*slot = p;
		p = NULL;
	}
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	kfree(p);
}

static struct dtproc_bp_skip *dtproc_bp_skip_new(struct dtproc_proc *proc,
						 u32 id)
{
	struct dtproc_bp_skip *sk;

	might_sleep();
	sk = dtproc_bp_spare_take(proc, &proc->bp_spare_skip);
	/* current is the victim's thread: charged to it */
	if (!sk)
		sk = kmalloc(sizeof(*sk), GFP_KERNEL_ACCOUNT);
	if (!sk)
		return NULL;
	sk->tid = get_pid(task_pid(current));
	sk->exec_id = READ_ONCE(current->self_exec_id);
	sk->id = id;
	return sk;
}

static void dtproc_bp_skips_free(struct dtproc_proc *proc,
				 struct list_head *list)
{
	struct dtproc_bp_skip *sk, *tmp;

	list_for_each_entry_safe(sk, tmp, list, node) {
		put_pid(sk->tid);
		dtproc_bp_spare_put(proc, &proc->bp_spare_skip, sk);
	}
}

/*
 * Is @sk's thread gone, or running another image?  (A non-leader's exec
 * gives it the leader's struct pid, and the leader's skip with it.)
 */
static bool dtproc_bp_skip_stale(struct dtproc_bp_skip *sk)
{
	struct task_struct *t;
	bool stale;

	rcu_read_lock();
	t = pid_task(sk->tid, PIDTYPE_PID);
	stale = !t || READ_ONCE(t->self_exec_id) != sk->exec_id;
	rcu_read_unlock();
	return stale;
}

/*
 * Onto @list (to free outside the lock): @proc's skips of breakpoint @id
 * (any if 0) and thread @tid (any if NULL), and the stale ones.
 */
static void dtproc_bp_skips_take_locked(struct dtproc_proc *proc, u32 id,
					struct pid *tid, struct list_head *list)
{
	struct dtproc_bp_skip *sk, *tmp;

	lockdep_assert_held(&proc->lock);
	list_for_each_entry_safe(sk, tmp, &proc->bp_skips, node) {
		if (!dtproc_bp_skip_stale(sk) &&
		    ((id && sk->id != id) || (tid && sk->tid != tid)))
			continue;
		list_move(&sk->node, list);
		WRITE_ONCE(proc->nbp_skips, proc->nbp_skips - 1);
	}
}

/* @proc's skips of breakpoint @id (every one if 0) go. */
void dtproc_bp_skips_drop(struct dtproc_proc *proc, u32 id)
{
	unsigned long flags;
	LIST_HEAD(list);

	raw_spin_lock_irqsave(&proc->lock, flags);
	dtproc_bp_skips_take_locked(proc, id, NULL, &list);
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	dtproc_bp_skips_free(proc, &list);
}

/*
 * Current stopped the process at the breakpoint of @reg without taking it:
 * the skip @sk, unless @reg was retired meanwhile (its skips dropped: a
 * breakpoint disabled and enabled again counts the return anew).  Takes
 * @sk either way.
 */
static void dtproc_bp_skip_add(struct dtproc_proc *proc,
			       struct dtproc_brk_reg *reg,
			       struct dtproc_bp_skip *sk)
{
	unsigned long flags;
	LIST_HEAD(list);

	raw_spin_lock_irqsave(&proc->lock, flags);
	dtproc_bp_skips_take_locked(proc, sk->id, sk->tid, &list);
	if (READ_ONCE(reg->live)) {
		list_add(&sk->node, &proc->bp_skips);
		WRITE_ONCE(proc->nbp_skips, proc->nbp_skips + 1);
	} else {
		list_add(&sk->node, &list);
	}
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	dtproc_bp_skips_free(proc, &list);
}

/*
 * Current's hit of @id: is it the one it left untaken when it stopped the
 * process?  Then its skip is used up.
 */
static bool dtproc_bp_skip_take(struct dtproc_proc *proc, u32 id)
{
	struct pid *tid = task_pid(current);
	struct dtproc_bp_skip *sk;
	unsigned long flags;
	bool skip = false;
	LIST_HEAD(list);

	/* current's own skips were added by current: it sees them */
	if (!READ_ONCE(proc->nbp_skips))
		return false;
	raw_spin_lock_irqsave(&proc->lock, flags);
	list_for_each_entry(sk, &proc->bp_skips, node) {
		if (sk->tid != tid || sk->id != id)
			continue;
		/* left in an image exec has replaced: not this hit's */
		skip = sk->exec_id == READ_ONCE(current->self_exec_id);
		list_move(&sk->node, &list);
		WRITE_ONCE(proc->nbp_skips, proc->nbp_skips - 1);
		break;
	}
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	dtproc_bp_skips_free(proc, &list);
	return skip;
}

static void dtproc_brk_work_fn(struct callback_head *cb)
{
	struct dtproc_brk_work *w = container_of(cb, struct dtproc_brk_work,
						 cb);
	struct dtproc_proc *proc = w->proc;
	unsigned long flags;
	bool rewind;

	/* unless a park came first and put it back (dtproc_bp_resume_ip) */
	raw_spin_lock_irqsave(&proc->lock, flags);
	rewind = !list_empty(&w->node);
	list_del_init(&w->node);
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	if (rewind)
		instruction_pointer_set(current_pt_regs(), w->addr);
	if (w->stop && !(current->flags & PF_EXITING) &&
	    !fatal_signal_pending(current)) {
		dtproc_proc_break(proc, w->id, w->addr, w->gen);
	} else if (w->stop) {
		/* dying: no stop to make for it (dtproc_proc_break()) */
		raw_spin_lock_irqsave(&proc->lock, flags);
		if (proc->gen == w->gen)
			proc->bp_pending = false;
		raw_spin_unlock_irqrestore(&proc->lock, flags);
	}
	/*
	 * The hit's wake-ups: with a stop on, current has a park queued
	 * (every thread gets one when a stop begins), which pays them just
	 * before it sleeps; else now, with a kick for the waiters of the
	 * stop that did not come (bp_pending is down).
	 */
	if (w->stop && (!READ_ONCE(proc->why) ||
			(current->flags & PF_EXITING) ||
			fatal_signal_pending(current))) {
		dtproc_proc_kick_owed(proc);
		dtproc_proc_kick(proc);
	}
	dtproc_bp_spare_put(proc, &proc->bp_spare_work, w);
	dtproc_proc_put(proc);
	module_put(THIS_MODULE);
}

/*
 * Leave work for current's return to user mode (see struct
 * dtproc_brk_work); with @rewind, current leaves breakpoint @addr without
 * taking it: the IP moves off it now, so that handle_swbp() skips the
 * single-step, and back before the thread reaches user mode.  With @stop,
 * the work stops the process, unless a stop that began after generation
 * @gen overtook it.  Returns false if it cannot (then nothing is changed).
 */
static bool dtproc_brk_work_queue(struct dtproc_proc *proc,
				  struct pt_regs *regs, u32 id, u64 addr,
				  bool rewind, bool stop, unsigned long gen)
{
	struct dtproc_brk_work *w;
	unsigned long flags;

	might_sleep();
	w = dtproc_bp_spare_take(proc, &proc->bp_spare_work);
	if (!w)
		w = kmalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return false;
	INIT_LIST_HEAD(&w->node);
	w->task = current;
	w->proc = proc;
	w->id = id;
	w->addr = addr;
	w->rewind = rewind;
	w->stop = stop;
	w->gen = gen;
	refcount_inc(&proc->ref);
	dtproc_task_work_module_get();
	init_task_work(&w->cb, dtproc_brk_work_fn);
	if (task_work_add(current, &w->cb, TWA_RESUME)) {
		module_put(THIS_MODULE);
		dtproc_proc_put(proc);	/* not the last: the breakpoint's */
		dtproc_bp_spare_put(proc, &proc->bp_spare_work, w);
		return false;
	}
	if (rewind) {
		raw_spin_lock_irqsave(&proc->lock, flags);
		list_add(&w->node, &proc->bp_rewinds);
		raw_spin_unlock_irqrestore(&proc->lock, flags);
		instruction_pointer_set(regs, addr + 1);
	}
	return true;
}

/*
 * A hit by a thread of the victim, where the kernel lets it leave a
 * breakpoint untaken (DTPROC_UPROBE_CAN_REWIND): true if the hit is not to
 * be taken now.  While the process stops, the thread leaves it and parks
 * at the breakpoint (holding no XOL slot; it takes it once continued);
 * the thread that stopped the process without taking it takes it, without
 * a second count, when it comes back.
 */
static bool dtproc_brk_untaken(struct dtproc_brk *brk, struct pt_regs *regs)
{
	struct dtproc_proc *proc = brk->proc;
	struct dtproc_park *pk;
	unsigned long flags;
	bool left;

	if (!DTPROC_UPROBE_CAN_REWIND)
		return false;
	if (READ_ONCE(proc->why)) {
		/*
		 * Leave it only with a park of its own queued first: one the
		 * stop queued may be lost (no memory), and a thread that
		 * leaves breakpoints without parking would spin on them.
		 * Allocated here, where the handler may sleep: the stop's
		 * spares are for the fork hook (PREEMPT_RT cannot allocate
		 * there), not for hits.
		 */
		pk = dtproc_park_alloc();
		left = false;
		if (pk) {
			raw_spin_lock_irqsave(&proc->lock, flags);
			left = proc->why && !proc->state;
			if (left)
				pk = dtproc_park_current_locked(proc, pk,
								TWA_RESUME);
			raw_spin_unlock_irqrestore(&proc->lock, flags);
			kfree(pk);	/* unused */
		}
		if (left && dtproc_brk_work_queue(proc, regs, brk->id,
						  instruction_pointer(regs),
						  true, false, 0))
			return true;
	}
	/* a stop on its way (it clears bp_pending): leave it, come back */
	if (READ_ONCE(proc->bp_pending) &&
	    dtproc_brk_work_queue(proc, regs, brk->id,
				  instruction_pointer(regs), true, false, 0))
		return true;
	/* taken now: the one it left when it stopped the process, maybe */
	return dtproc_bp_skip_take(proc, brk->id);
}

static int dtproc_brk_handler(struct uprobe_consumer *uc,
			      struct pt_regs *regs)
{
	struct dtproc_brk_reg *reg = container_of(uc, struct dtproc_brk_reg,
						  u.uc);
	struct dtproc_brk *brk = reg->brk;
	struct dtproc_proc *proc = brk->proc;
	bool own = task_tgid(current) == proc->pid, stop = false;
	struct dtproc_bp_skip *sk = NULL;
	struct dtproc_note n = {};
	unsigned long flags, gen = 0;
	u32 action;

	/* a fork child, an image lost to a set-id exec, or someone else's */
	if (READ_ONCE(proc->state) ||
	    (!own && !dtproc_brk_mm_ours(proc, current->mm, false)))
		return UPROBE_HANDLER_REMOVE;
	if (!READ_ONCE(reg->live) || (own && dtproc_brk_untaken(brk, regs)))
		return 0;

	atomic64_inc(&brk->hits);
	action = READ_ONCE(brk->action);
	if (action == DTPROC_BP_COUNT)
		return 0;

	n.bp_id = brk->id;
	n.addr = instruction_pointer(regs);	/* the breakpoint's, here */
	n.arg0 = dtproc_brk_arg0(regs);
	if (brk->peek &&
	    copy_from_user_nofault(&n.value, u64_to_user_ptr(brk->peek),
				   sizeof(n.value)))
		n.value = 0;

	/* a stopping hit is left untaken, and taken uncounted once back */
	if (action == DTPROC_BP_STOP && own && DTPROC_UPROBE_CAN_REWIND)
		sk = dtproc_bp_skip_new(proc, brk->id);

	raw_spin_lock_irqsave(&proc->lock, flags);
	/* a vfork child is not the victim's to stop: it is told only */
	if (action == DTPROC_BP_STOP && own && proc->control && !proc->state &&
	    !proc->why && !proc->bp_pending) {
		proc->bp_pending = true;
		gen = proc->gen;
		stop = true;
	}
	/* a stop's wake-ups wait for the park (proc->kick_owed) */
	dtproc_notify_break(proc, &n, stop);
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	if (stop && ((DTPROC_UPROBE_CAN_REWIND && !sk) ||
		     !dtproc_brk_work_queue(proc, regs, brk->id, n.addr,
					    DTPROC_UPROBE_CAN_REWIND, true,
					    gen))) {
		raw_spin_lock_irqsave(&proc->lock, flags);
		if (proc->gen == gen)
			proc->bp_pending = false;
		raw_spin_unlock_irqrestore(&proc->lock, flags);
		pr_warn_ratelimited("cannot stop %d at breakpoint %u\n",
				    task_pid_nr(current), brk->id);
		stop = false;	/* no work of ours will pay what is owed */
	} else if (stop && sk) {
		dtproc_bp_skip_add(proc, reg, sk);
		sk = NULL;
	}
	if (sk) {
		put_pid(sk->tid);
		dtproc_bp_spare_put(proc, &proc->bp_spare_skip, sk);
	}
	/*
	 * A stop's waiters are woken by its park, its note by the park too
	 * (proc->kick_owed), or both by the work if no stop comes of it.
	 */
	if (!stop) {
		dtproc_proc_kick(proc);
		dtproc_proc_kick_owed(proc);
	}
	return 0;
}

/*
 * Where a parking thread resumes: a thread that left a breakpoint untaken
 * is put back on it first.  (No thread parks stepping out of line, at an
 * XOL slot: its park waits for the step's end, bp_xol.c.)
 */
unsigned long dtproc_bp_resume_ip(struct dtproc_proc *proc)
{
	struct dtproc_brk_work *w;
	unsigned long flags;

	/* left a breakpoint untaken, its task_work not run yet: back on it */
	raw_spin_lock_irqsave(&proc->lock, flags);
	list_for_each_entry(w, &proc->bp_rewinds, node) {
		if (w->task == current) {
			list_del_init(&w->node);
			instruction_pointer_set(current_pt_regs(), w->addr);
			break;
		}
	}
	raw_spin_unlock_irqrestore(&proc->lock, flags);
	return instruction_pointer(current_pt_regs());
}

/*
 * Start arming @brk: a registration for it (holding a reference to it),
 * to be made by dtproc_brk_arm_finish() without the consumer's lock.
 */
static int dtproc_brk_arm_start(struct dtproc_brk *brk)
{
	struct dtproc_brk_reg *reg;

	if (atomic_read(&dtproc_bp_retiring) >= DTPROC_BP_RETIRE_MAX)
		return -EAGAIN;
	reg = kzalloc(sizeof(*reg), GFP_KERNEL);
	if (!reg)
		return -ENOMEM;
	reg->u.uc.handler = dtproc_brk_handler;
	reg->u.uc.filter = dtproc_uprobe_filter_fn;
	reg->u.inode = brk->inode;
	reg->u.offset = brk->offset;
	reg->brk = brk;
	reg->live = true;
	refcount_inc(&brk->ref);
	brk->arming = reg;
	return 0;
}

static void dtproc_bp_retire_kick(void)
{
	queue_work(dtproc_bp_wq, &dtproc_bp_retire_work);
}

/*
 * @reg's hits are handled no more, and its skips go; once only (a
 * registration disarmed while being armed is retired again after).
 */
static void dtproc_brk_reg_unlive(struct dtproc_brk_reg *reg)
{
	/* after live: a handler adds a skip under the lock only if live */
	if (xchg(&reg->live, false))
		dtproc_bp_skips_drop(reg->brk->proc, reg->brk->id);
}

/* Retire registered @reg: handled no more, freed by the worker. */
static void dtproc_brk_reg_retire(struct dtproc_brk_reg *reg)
{
	dtproc_brk_reg_unlive(reg);
	dtproc_uprobe_unregister_nosync(&reg->u);
	atomic_inc(&dtproc_bp_retiring);
	llist_add(&reg->retire_node, &dtproc_bp_retired);
}

/*
 * Make @c's registration @reg (dtproc_brk_arm_start()), without @c's lock:
 * on 6.12 a refused one waits for every running handler, and a stop can
 * hold some (a thread waiting for an XOL slot) until @c continues it.
 * Then, under the lock again, @reg arms its breakpoint unless that was
 * disarmed or dropped meanwhile; a breakpoint being added that cannot be
 * armed goes (@add).  Returns the registration's error: EINVAL for an
 * instruction uprobes refuses.
 */
static int dtproc_brk_arm_finish(struct dtproc_consumer *c,
				 struct dtproc_brk_reg *reg, bool add)
{
	struct dtproc_brk *brk = reg->brk;
	bool drop = false;
	int ret;

	ret = dtproc_uprobe_register(&reg->u);
	/* kernel-internal ENOTSUPP (refused) and ENOEXEC (undecodable) */
	if (ret == -ENOTSUPP || ret == -ENOEXEC)
		ret = -EINVAL;

	dtproc_consumer_lock(c);
	if (brk->arming == reg) {
		brk->arming = NULL;
		if (!ret) {
			brk->reg = reg;
			reg = NULL;
		} else if (add) {
			list_del(&brk->node);
			brk->proc->nbps--;
			drop = true;
		}
	}
	dtproc_consumer_unlock(c);

	if (reg && !ret) {
		/* disarmed or dropped while being armed */
		dtproc_brk_reg_retire(reg);
		dtproc_bp_retire_kick();
	} else if (reg) {
		/* no handler runs now (a failed register syncs); any skips go */
		dtproc_brk_reg_unlive(reg);
		dtproc_brk_put(brk);	/* the registration's */
		kfree(reg);
	}
	if (drop)
		dtproc_brk_put(brk);	/* the list's */
	return ret;
}

/*
 * Disarm @brk: its consumer is unregistered now, and retired (freed once
 * no handler can run) by the worker, which the caller kicks.
 */
static void dtproc_brk_disarm(struct dtproc_brk *brk)
{
	struct dtproc_brk_reg *reg = brk->reg;

	/* being armed: dead now, retired by dtproc_brk_arm_finish() */
	if (brk->arming)
		dtproc_brk_reg_unlive(brk->arming);
	brk->arming = NULL;
	if (!reg)
		return;
	brk->reg = NULL;
	dtproc_brk_reg_retire(reg);
}

static void dtproc_bp_retire_fn(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&dtproc_bp_retired);
	struct dtproc_brk_reg *reg, *tmp;

	if (!list)
		return;
	dtproc_uprobe_unregister_sync();
	llist_for_each_entry_safe(reg, tmp, list, retire_node) {
		dtproc_brk_put(reg->brk);
		kfree(reg);
		atomic_dec(&dtproc_bp_retiring);
	}
}

/* Every breakpoint of @proc goes: its owner lets it go. */
void dtproc_bps_release(struct dtproc_proc *proc)
{
	struct dtproc_brk *brk, *tmp;

	list_for_each_entry_safe(brk, tmp, &proc->bps, node) {
		dtproc_brk_disarm(brk);
		list_del(&brk->node);
		dtproc_brk_put(brk);
	}
	proc->nbps = 0;
	dtproc_bp_retire_kick();
}

/*
 * The victim @proc is dead (its exit hook, which cannot unregister): its
 * breakpoints go from the worker, dtproc_proc_bp_exit_fn().
 */
void dtproc_bps_exit(struct dtproc_proc *proc)
{
	if (!READ_ONCE(proc->bp_owner))
		return;
	refcount_inc(&proc->ref);
	if (!queue_work(dtproc_bp_wq, &proc->bp_exit_work))
		dtproc_proc_put(proc);	/* queued already: not the last */
}

/*
 * The retire worker's own queue: its wait for running handlers can last
 * as long as a stop, which must not hold up the system's workqueue.
 */
int dtproc_bp_init(void)
{
	int ret;

	dtproc_bp_wq = alloc_workqueue("dtproc_bp", WQ_UNBOUND, 1);
	if (!dtproc_bp_wq)
		return -ENOMEM;
	ret = dtproc_xol_init();
	if (ret)
		destroy_workqueue(dtproc_bp_wq);
	return ret;
}

/* Module unload: no consumer is left; wait for the last retirements. */
void dtproc_bp_cleanup(void)
{
	dtproc_xol_cleanup();
	destroy_workqueue(dtproc_bp_wq);
}

static struct dtproc_brk *dtproc_brk_find(struct dtproc_proc *proc, u32 id)
{
	struct dtproc_brk *brk;

	list_for_each_entry(brk, &proc->bps, node)
		if (brk->id == id)
			return brk;
	return NULL;
}

/* The memory of a live thread of @proc's process (a reference), or NULL. */
static struct mm_struct *dtproc_proc_mm(struct dtproc_proc *proc)
{
	struct task_struct *leader, *t;
	struct mm_struct *mm = NULL;

	rcu_read_lock();
	leader = pid_task(proc->pid, PIDTYPE_TGID);
	if (leader) {
		for_each_thread(leader, t) {
			if (t->flags & (PF_EXITING | PF_KTHREAD))
				continue;
			mm = get_task_mm(t);
			if (mm)
				break;
		}
	}
	rcu_read_unlock();
	return mm;
}

/* Can a uprobe be placed in @vma (uprobes' own valid_vma() test)? */
static bool dtproc_vma_probeable(struct vm_area_struct *vma)
{
	vm_flags_t f = VM_HUGETLB | VM_MAYEXEC | VM_MAYSHARE;

	return vma->vm_file && (vma->vm_flags & f) == VM_MAYEXEC;
}

/* Resolve @addr in @proc's memory to a file and an offset in it. */
static int dtproc_brk_resolve(struct dtproc_proc *proc, u64 addr,
			      struct file **file, loff_t *offset)
{
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	int ret = -EINVAL;

	mm = dtproc_proc_mm(proc);
	if (!mm)
		return -ESRCH;
	mmap_read_lock(mm);
	vma = addr == (unsigned long)addr ? vma_lookup(mm, addr) : NULL;
	if (vma && dtproc_vma_probeable(vma)) {
		*file = get_file(vma->vm_file);
		*offset = ((loff_t)vma->vm_pgoff << PAGE_SHIFT) +
			  (addr - vma->vm_start);
		ret = 0;
	}
	mmap_read_unlock(mm);
	mmput(mm);
	return ret;
}

static bool dtproc_bp_action_ok(u32 action)
{
	return action >= DTPROC_BP_COUNT && action <= DTPROC_BP_STOP;
}

/* A BP_ADD or BP_SET request, and the registration it leaves to make. */
struct dtproc_bp_req {
	struct dtproc_bp	*bp;
	struct dtproc_brk_reg	*arm;
};

static int dtproc_bp_add_fn(struct dtproc_proc *proc, struct pid_namespace *ns,
			    void *arg)
{
	struct dtproc_bp_req *r = arg;
	struct dtproc_bp *req = r->bp;
	struct dtproc_brk *brk, *b;
	int ret;

	if (proc->nbps >= DTPROC_BP_MAX)
		return -ENOSPC;
	brk = kzalloc(sizeof(*brk), GFP_KERNEL);
	if (!brk)
		return -ENOMEM;
	ret = dtproc_brk_resolve(proc, req->addr, &brk->file, &brk->offset);
	if (ret) {
		kfree(brk);
		return ret;
	}
	brk->inode = file_inode(brk->file);
	refcount_set(&brk->ref, 1);
	refcount_inc(&proc->ref);
	brk->proc = proc;
	brk->peek = req->peek;
	brk->action = req->action;
	atomic64_set(&brk->hits, 0);
	ret = -EEXIST;
	list_for_each_entry(b, &proc->bps, node)
		if (b->inode == brk->inode && b->offset == brk->offset)
			goto err;
	/* nonzero, and never a live one's once the ids wrap */
	do {
		brk->id = ++proc->bp_next_id;
	} while (!brk->id || dtproc_brk_find(proc, brk->id));
	if (!(req->flags & DTPROC_BP_DISABLED)) {
		ret = dtproc_brk_arm_start(brk);
		if (ret)
			goto err;
		r->arm = brk->arming;
	}
	list_add_tail(&brk->node, &proc->bps);
	proc->nbps++;
	req->id = brk->id;
	return 0;
err:
	dtproc_brk_put(brk);
	return ret;
}

int dtproc_bp_place(struct dtproc_consumer *c, pid_t nr, struct dtproc_bp *req)
{
	struct dtproc_bp_req r = { .bp = req };
	int ret;

	if (req->flags & ~(DTPROC_BP_PIDFD | DTPROC_BP_DISABLED) ||
	    !dtproc_bp_action_ok(req->action) || req->id || req->pad)
		return -EINVAL;
	ret = dtproc_bp_call(c, nr, true, dtproc_bp_add_fn, &r);
	if (!ret && r.arm)
		ret = dtproc_brk_arm_finish(c, r.arm, true);
	return ret;
}

static int dtproc_bp_set_fn(struct dtproc_proc *proc, struct pid_namespace *ns,
			    void *arg)
{
	struct dtproc_bp_req *r = arg;
	struct dtproc_bp *req = r->bp;
	struct dtproc_brk *brk = dtproc_brk_find(proc, req->id);
	int ret = 0;

	if (!brk)
		return -ENOENT;
	WRITE_ONCE(brk->action, req->action);
	if (req->flags & DTPROC_BP_DISABLED) {
		dtproc_brk_disarm(brk);
		dtproc_bp_retire_kick();
	} else if (!brk->reg && !brk->arming) {
		ret = dtproc_brk_arm_start(brk);
		r->arm = brk->arming;
	}
	return ret;
}

int dtproc_bp_change(struct dtproc_consumer *c, pid_t nr, struct dtproc_bp *req)
{
	struct dtproc_bp_req r = { .bp = req };
	int ret;

	if (req->flags & ~(DTPROC_BP_PIDFD | DTPROC_BP_DISABLED) ||
	    !dtproc_bp_action_ok(req->action) || !req->id || req->pad ||
	    req->addr || req->peek)
		return -EINVAL;
	ret = dtproc_bp_call(c, nr, true, dtproc_bp_set_fn, &r);
	if (!ret && r.arm)
		ret = dtproc_brk_arm_finish(c, r.arm, false);
	return ret;
}

static int dtproc_bp_del_fn(struct dtproc_proc *proc, struct pid_namespace *ns,
			    void *arg)
{
	struct dtproc_bp *req = arg;
	struct dtproc_brk *brk = dtproc_brk_find(proc, req->id);

	if (!brk)
		return -ENOENT;
	dtproc_brk_disarm(brk);
	list_del(&brk->node);
	proc->nbps--;
	dtproc_brk_put(brk);
	dtproc_bp_retire_kick();
	return 0;
}

int dtproc_bp_remove(struct dtproc_consumer *c, pid_t nr, struct dtproc_bp *req)
{
	if (req->flags & ~DTPROC_BP_PIDFD || req->action || !req->id ||
	    req->pad || req->addr || req->peek)
		return -EINVAL;
	return dtproc_bp_call(c, nr, true, dtproc_bp_del_fn, req);
}

/* Where @brk is in @mm now (its file mapped at its offset), or 0. */
static u64 dtproc_brk_where(struct mm_struct *mm, struct dtproc_brk *brk)
{
	struct vm_area_struct *vma;
	loff_t start;

	for (vma = find_vma(mm, 0); vma; vma = find_vma(mm, vma->vm_end)) {
		if (!dtproc_vma_probeable(vma) ||
		    file_inode(vma->vm_file) != brk->inode)
			continue;
		start = (loff_t)vma->vm_pgoff << PAGE_SHIFT;
		if (brk->offset >= start &&
		    brk->offset < start + (vma->vm_end - vma->vm_start))
			return vma->vm_start + (brk->offset - start);
	}
	return 0;
}

struct dtproc_bp_list_req {
	struct dtproc_bp_list	*list;
	struct dtproc_bp_info	*out;
	u32			len;
};

static int dtproc_bp_list_fn(struct dtproc_proc *proc, struct pid_namespace *ns,
			     void *arg)
{
	struct dtproc_bp_list_req *r = arg;
	struct dtproc_bp_info *info;
	struct dtproc_brk *brk;
	struct mm_struct *mm;
	u32 n = 0;

	r->list->count = proc ? proc->nbps : 0;
	if (!proc || !r->len)
		goto out;
	mm = dtproc_proc_mm(proc);
	if (mm)
		mmap_read_lock(mm);
	list_for_each_entry(brk, &proc->bps, node) {
		if (n == r->len)
			break;
		info = &r->out[n++];
		info->id = brk->id;
		info->action = READ_ONCE(brk->action);
		info->flags = brk->reg || brk->arming ? 0 : DTPROC_BP_DISABLED;
		info->offset = brk->offset;
		info->hits = atomic64_read(&brk->hits);
		info->addr = mm ? dtproc_brk_where(mm, brk) : 0;
		if (!info->addr)
			info->flags |= DTPROC_BP_UNRESOLVED;
	}
	if (mm) {
		mmap_read_unlock(mm);
		mmput(mm);
	}
out:
	r->list->bps_len = n;
	return 0;
}

int dtproc_bp_report(struct dtproc_consumer *c, pid_t nr,
		     struct dtproc_bp_list *l)
{
	struct dtproc_bp_list_req r = { .list = l };
	size_t usize = l->info_size, csize;
	u8 __user *uarr = u64_to_user_ptr(l->bps);
	int ret;
	u32 i;

	if (l->flags & ~DTPROC_BP_PIDFD)
		return -EINVAL;
	if (l->bps) {
		if (usize < DTPROC_BP_INFO_SIZE_VER0 ||
		    usize > DTPROC_ARG_SIZE_MAX)
			return -EINVAL;
		r.len = min_t(u32, l->bps_len, DTPROC_BP_LIST_MAX);
	}
	r.out = kvcalloc(max_t(u32, r.len, 1), sizeof(*r.out), GFP_KERNEL);
	if (!r.out)
		return -ENOMEM;
	ret = dtproc_bp_call(c, nr, false, dtproc_bp_list_fn, &r);
	csize = min(usize, sizeof(*r.out));
	for (i = 0; !ret && i < l->bps_len; i++) {
		if (copy_to_user(uarr + i * usize, &r.out[i], csize) ||
		    (usize > csize &&
		     clear_user(uarr + i * usize + csize, usize - csize)))
			ret = -EFAULT;
	}
	kvfree(r.out);
	return ret;
}
