/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Process control internals shared by control.c (consumers, victims, the
 * stop rendezvous), control_hooks.c (its tracepoint probes) and
 * control_perm.c (who may control what).  See control.c for the design.
 */
#ifndef _DTPROC_CONTROL_H
#define _DTPROC_CONTROL_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/task_work.h>
#include <linux/pid.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "dtproc.h"

/* Threads of a process that are not the program's: never parked, not counted. */
#define DTPROC_NOT_PROGRAM	(PF_IO_WORKER | PF_USER_WORKER)

struct dtproc_victim;
struct dtproc_park;

/* Buckets of proc->parked_hash: a thread walk looks each thread up. */
#define DTPROC_PARKED_HASH_BITS	6
#define DTPROC_PARKED_HASH_SIZE	BIT(DTPROC_PARKED_HASH_BITS)

/**
 * struct dtproc_proc - a held process, shared by its victims
 * @rcu:	freed after a grace period (the hooks look it up under RCU)
 * @ref:	dtproc_procs (while @listed), each victim, each queued park
 * @pid:	the thread group's struct pid: the process's identity
 * @key:	pid_nr(@pid), its index in dtproc_procs
 * @lock:	everything below
 * @listed:	still in dtproc_procs (the hooks can find it)
 * @victims:	its victims, across consumers
 * @control:	the victim that controls it, or NULL
 * @why:	DTPROC_STOP_* while stopped or stopping, 0 while running
 * @state:	DTPROC_STATE_DEAD or _LOST once so, else 0
 * @status:	wait(2) status once dead
 * @armed:	created: stop after the next exec
 * @orphan:	a requested stop without consumer: listed on its own
 * @gen:	moves on whenever the parks of a stop must end
 * @parked:	struct dtproc_park of the threads parked now
 * @parked_hash: the same parks by thread, for the thread walks: an array
 *		of DTPROC_PARKED_HASH_SIZE buckets, allocated when a victim
 *		first controls the process (only control stops it; the
 *		read-only victims of many processes need none)
 * @spare:	parks allocated beforehand for the hooks (@nspare of them)
 * @exec_park:	a created victim's park for its exec (set while @armed)
 * @kick_queued: on the kick list: wake-ups and unlisting the hooks defer
 * @kick_owed:	a stopping breakpoint hit put its note's wake-up on the
 *		kick list without raising the irq_work: the thread's park
 *		pays it just before it sleeps (dtproc_proc_kick_owed()), so
 *		the consumer, woken once, finds the process stopped
 * @wake_parks:	@gen moved on: parked threads are to be woken (and only
 *		then: a spurious wake-up makes a settled stop look unsettled)
 * @park_wq:	parked threads
 * @state_wq:	consumers awaiting a stop's settling
 * @bp_owner:	the victim whose breakpoints these are (bp.c), or NULL
 * @bps:	its breakpoints (struct dtproc_brk), under the owner's
 *		consumer lock
 * @nbps:	how many; @bp_next_id: the last id given out
 * @bp_pending:	a STOP breakpoint was hit, its stop is on its way
 * @bp_tid:	the thread of the last BREAK stop, its breakpoint's @bp_id
 *		and @bp_addr (reported while @why is DTPROC_STOP_BREAK)
 * @bp_rewinds: threads that left a breakpoint untaken and have their IP
 *		to put back (bp.c), under @lock
 * @bp_skips:	threads that stopped the process at a breakpoint without
 *		taking it (struct dtproc_bp_skip, bp.c), under @lock: the
 *		next hit of each there is the same one; @nbp_skips: how many
 * @bp_exit_work: drops the breakpoints once the process is dead (bp.c)
 * @bp_spare_skip, @bp_spare_work: the last skip and breakpoint work bp.c
 *		freed, kept for the next stopping hit (under @lock)
 */
struct dtproc_proc {
	struct rcu_head		rcu;
	refcount_t		ref;
	struct pid		*pid;
	unsigned long		key;

	raw_spinlock_t		lock;
	bool			listed;
	struct list_head	victims;
	struct dtproc_victim	*control;
	u32			why;
	u32			state;
	int			status;
	bool			armed;
	bool			orphan;
	unsigned long		gen;
	struct list_head	parked;
	struct hlist_head	*parked_hash;
	struct dtproc_park	*spare;
	unsigned int		nspare;
	struct dtproc_park	*exec_park;
	bool			kick_queued;
	bool			kick_owed;
	bool			wake_parks;
	struct llist_node	kick_node;
	wait_queue_head_t	park_wq;
	wait_queue_head_t	state_wq;

	struct dtproc_victim	*bp_owner;
	struct list_head	bps;
	u32			nbps;
	u32			bp_next_id;
	bool			bp_pending;
	struct pid		*bp_tid;
	u32			bp_id;
	u64			bp_addr;
	struct list_head	bp_skips;
	u32			nbp_skips;
	struct list_head	bp_rewinds;
	struct work_struct	bp_exit_work;
	void			*bp_spare_skip;
	void			*bp_spare_work;
};

/* control.c */
struct dtproc_proc *dtproc_proc_lookup(struct pid *pid);
void dtproc_proc_put(struct dtproc_proc *proc);
void dtproc_proc_run_locked(struct dtproc_proc *proc);
void dtproc_proc_lost_locked(struct dtproc_proc *proc);
void dtproc_proc_dead_locked(struct dtproc_proc *proc, int status);
void dtproc_proc_ptrace_stop(struct task_struct *t);
void dtproc_procs_wake_parks(void);
void dtproc_notify_all(struct dtproc_proc *proc, u32 what, int status);
int dtproc_park_task(struct dtproc_proc *proc, struct task_struct *t,
		     enum task_work_notify_mode mode);
int dtproc_park_exec_locked(struct dtproc_proc *proc);
struct dtproc_park *dtproc_park_alloc(void);
struct dtproc_park *dtproc_park_current_locked(struct dtproc_proc *proc,
					       struct dtproc_park *pk,
					       enum task_work_notify_mode mode);
void dtproc_proc_kick(struct dtproc_proc *proc);
void dtproc_proc_kick_owed(struct dtproc_proc *proc);
void dtproc_task_work_module_get(void);
void dtproc_notify_break(struct dtproc_proc *proc, struct dtproc_note *n,
			 bool defer);
void dtproc_proc_break(struct dtproc_proc *proc, u32 id, u64 addr,
		       unsigned long gen);
typedef int (*dtproc_bp_fn)(struct dtproc_proc *proc, struct pid_namespace *ns,
			    void *arg);
int dtproc_bp_call(struct dtproc_consumer *c, pid_t nr, bool control,
		   dtproc_bp_fn fn, void *arg);
void dtproc_consumer_lock(struct dtproc_consumer *c);
void dtproc_consumer_unlock(struct dtproc_consumer *c);
void dtproc_proc_bp_exit_fn(struct work_struct *work);

/* bp.c */
void dtproc_bps_release(struct dtproc_proc *proc);
void dtproc_bp_skips_drop(struct dtproc_proc *proc, u32 id);
void dtproc_bps_exit(struct dtproc_proc *proc);
unsigned long dtproc_bp_resume_ip(struct dtproc_proc *proc);

/**
 * struct dtproc_xol_wait - a park held back while its thread steps out of
 * line (bp_xol.c)
 * @node:	in bp_xol.c's table, while held
 * @cb:		the park's task_work, queued again once the step ends
 * @drop:	disposes of @cb if its thread exits held
 * @task:	the thread (a reference) while held, else NULL
 * @since:	jiffies when it was held back
 */
struct dtproc_xol_wait {
	struct hlist_node	node;
	struct callback_head	*cb;
	void			(*drop)(struct callback_head *cb);
	struct task_struct	*task;
	unsigned long		since;
};

/* control_ptrace.c */
bool dtproc_kernel_stop_due(void);
void dtproc_ptrace_unfreeze(void);
int dtproc_ptrace_hold(struct dtproc_xol_wait *w, struct callback_head *cb,
		       void (*drop)(struct callback_head *cb));
void dtproc_ptrace_sigcont(struct pid *tgid);
void dtproc_ptrace_cleanup(void);

/* bp_xol.c */
bool dtproc_xol_stepping(void);
void dtproc_xol_hold(struct dtproc_xol_wait *w, struct callback_head *cb,
		     void (*drop)(struct callback_head *cb));
void dtproc_xol_resumed(struct dtproc_xol_wait *w);
bool dtproc_xol_held(struct task_struct *t);
int dtproc_xol_init(void);
void dtproc_xol_cleanup(void);

/* control_freeze.c */
struct cgroup;
bool dtproc_freeze_pending(void);
bool dtproc_freeze_due(void);
void dtproc_freeze_quiet(void);
void dtproc_freeze_unquiet(void);
void dtproc_freeze_tp_begin(void *data, struct cgroup *cgrp, const char *path);
void dtproc_freeze_tp_end(void *data, struct cgroup *cgrp, const char *path);
void dtproc_freeze_tp_moved(void *data, struct cgroup *dst, const char *path,
			    struct task_struct *task, bool threadgroup);
void dtproc_freeze_cleanup(void);

/* control_hooks.c */
int dtproc_control_hooks_on(void);
void dtproc_control_hooks_off(void);

/* control_perm.c */
int dtproc_may_control(struct task_struct *t, int memfd, u32 flags);
struct pid *dtproc_pidfd_pid(int fd);

#endif /* _DTPROC_CONTROL_H */
