/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dtproc internal interfaces shared between the files of dtproc.ko.
 */
#ifndef _DTPROC_H
#define _DTPROC_H

#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/dtproc.h>

struct task_struct;
struct kernel_siginfo;
struct net;
struct sk_buff;

/*
 * An event as recorded in probe context.  Fixed size, filled in place in a
 * per-CPU ring slot with interrupts off; turned into a netlink message by
 * the feed worker in process context.  Kernel-internal, not ABI.
 */
struct dtproc_psinfo_rec {
	u32	pid, ppid, pgid, sid;
	u32	uid, euid, gid, egid;
	u32	nlwp, argc, dmodel;
	u64	start_boottime;			/* ns since boot */
	char	fname[TASK_COMM_LEN];
	char	psargs[80];
};

struct dtproc_lwpsinfo_rec {
	u32	lwpid, flag, state, syscall, onpro;
	s32	nice, pri;
	char	sname;
	char	clname[8];
};

struct dtproc_siginfo_rec {
	s32	signo, code, err, pid;
	u32	uid;
	s32	status;
	u64	addr;
};

#define DTPROC_PATH_MAX		256

/* dtproc_rec.flags */
#define DTPROC_REC_SIGINFO	BIT(0)	/* handle.si is valid */
#define DTPROC_REC_PSARGS_LATER	BIT(1)	/* read lwp.proc.psargs from the target */

struct dtproc_rec {
	u64	ts;
	u8	probe;
	u8	flags;
	u16	cpu;
	u32	pid, tid, ppid, uid;
	char	comm[TASK_COMM_LEN];
	union {
		struct dtproc_psinfo_rec	child;		/* create */
		char				path[DTPROC_PATH_MAX]; /* exec */
		u32				err;		/* exec-failure */
		struct {
			u32	reason, status;
		} exit;
		struct {
			u32				fault;
			struct dtproc_siginfo_rec	si;
		} fault;
		struct {	/* lwp-create, signal-send, signal-discard */
			struct dtproc_lwpsinfo_rec	lwp;
			struct dtproc_psinfo_rec	proc;
			u32				signo;
		} lwp;
		struct {
			u32				signo;
			struct dtproc_siginfo_rec	si;
			u64				handler;
		} handle;
		u32				signo;		/* signal-clear */
		u32				lost[DTPROC_PROBE_COUNT]; /* loss marker */
	};
};

/*
 * dtproc_rec.probe of a ring's loss marker: the events of each probe that
 * did not fit in the ring from its timestamp on, before the record after it.
 */
#define DTPROC_REC_LOST		0xff

/* procinfo.c: psinfo_t, lwpsinfo_t and siginfo_t from kernel objects (atomic) */
void dtproc_fill_psinfo(struct dtproc_psinfo_rec *ps, struct task_struct *t,
			bool same_image);
void dtproc_fill_lwpsinfo(struct dtproc_lwpsinfo_rec *lwp,
			  struct task_struct *t);
void dtproc_fill_siginfo(struct dtproc_siginfo_rec *si, int sig,
			 const struct kernel_siginfo *info);
void dtproc_read_psargs(struct dtproc_psinfo_rec *ps);	/* may sleep */

/* filter.c: the processes any subscriber may want, asked in probe context */
int dtproc_filter_init(void);
bool dtproc_filter_wants(pid_t pid);
bool dtproc_filter_fork(pid_t parent, pid_t child);
void dtproc_filter_update(bool all, bool descend, bool filtered);
void dtproc_filter_add(pid_t pid);
void dtproc_filter_sync(void);

/* ring.c: per-CPU event rings */
int dtproc_ring_init(void);
void dtproc_ring_exit(void);
struct dtproc_rec *dtproc_ring_reserve(int probe, unsigned long *irqflags);
struct dtproc_rec *dtproc_ring_reserve_if_followed(int probe, pid_t pid,
						   unsigned long *irqflags);
void dtproc_ring_commit(struct dtproc_rec *rec, unsigned long irqflags);
void dtproc_ring_kick(void);

/* One CPU's ring as the feed worker drains it. */
struct dtproc_ring;
struct dtproc_ring *dtproc_ring_of(int cpu);
const struct cpumask *dtproc_ring_cpumask(void);
/* The CPUs with a ring (never fewer over time, see ring.c). */
#define dtproc_for_each_ring(cpu) for_each_cpu((cpu), dtproc_ring_cpumask())
struct dtproc_rec *dtproc_ring_peek(struct dtproc_ring *ring, u64 head);
u64 dtproc_ring_tail(struct dtproc_ring *ring);
struct dtproc_rec *dtproc_ring_at(struct dtproc_ring *ring, u64 pos);
u64 dtproc_ring_head(struct dtproc_ring *ring);
u64 dtproc_ring_settle(struct dtproc_ring *ring, u64 horizon, u64 *head);
void dtproc_ring_consume(struct dtproc_ring *ring);
void dtproc_ring_consume_marker(struct dtproc_ring *ring,
				u32 lost[DTPROC_PROBE_COUNT]);
u64 dtproc_ring_take_lost(int probe);
void dtproc_ring_close_markers(void);
void dtproc_ring_sync(void);
u64 dtproc_ring_hits(int probe);

/* probes.c: hook handlers (probe context) */
struct kprobe;
struct kretprobe_instance;
struct k_sigaction;
struct pt_regs;
void dtproc_probe_fork(void *data, struct task_struct *parent,
		       struct task_struct *child);
int dtproc_kp_schedule_tail(struct kprobe *kp, struct pt_regs *regs);
#define DTPROC_EXEC_DATA_SIZE	64	/* >= sizeof(struct dtproc_exec_data) */
int dtproc_krp_execve_entry(struct kretprobe_instance *ri,
			    struct pt_regs *regs);
int dtproc_krp_execveat_entry(struct kretprobe_instance *ri,
			      struct pt_regs *regs);
int dtproc_krp_ia32_execve_entry(struct kretprobe_instance *ri,
				 struct pt_regs *regs);
int dtproc_krp_ia32_execveat_entry(struct kretprobe_instance *ri,
				   struct pt_regs *regs);
int dtproc_krp_exec_return(struct kretprobe_instance *ri,
			   struct pt_regs *regs);
int dtproc_krp_compat_exec_return(struct kretprobe_instance *ri,
				  struct pt_regs *regs);
struct linux_binprm;
void dtproc_probe_exec(void *data, struct task_struct *p, pid_t old_pid,
		       struct linux_binprm *bprm);
int dtproc_kp_begin_new_exec(struct kprobe *kp, struct pt_regs *regs);
int dtproc_kp_exit_signals(struct kprobe *kp, struct pt_regs *regs);
int dtproc_kp_acct_collect(struct kprobe *kp, struct pt_regs *regs);
void dtproc_probe_signal_generate(void *data, int sig,
				  struct kernel_siginfo *info,
				  struct task_struct *task, int group,
				  int result);
void dtproc_probe_signal_deliver(void *data, int sig,
				 struct kernel_siginfo *info,
				 struct k_sigaction *ka);
int dtproc_krp_sigtimedwait_entry(struct kretprobe_instance *ri,
				  struct pt_regs *regs);
int dtproc_krp_sigtimedwait_return(struct kretprobe_instance *ri,
				   struct pt_regs *regs);

/*
 * hooks.c: kernel hooks, placed while some subscriber needs them, under
 * hooks.c's own lock; the feed calls in with its lock held (feed before hooks)
 */
extern u32 dtproc_enabled_mask;
int dtproc_hooks_init(void);
int dtproc_hooks_update(u32 probe_mask);
void dtproc_hooks_exit(void);
void dtproc_hooks_collect_missed(u64 *lost);
void *dtproc_exec_krp_data(void);	/* probe context */

/* feed.c: subscribers and delivery, serialised by feed.c's own lock */
int dtproc_feed_init(void);
void dtproc_feed_exit(void);
void dtproc_feed_kick(void);
struct sock;
int dtproc_feed_sub_add(struct sock *sk, u32 mask, pid_t pid, u32 flags);
int dtproc_feed_sub_del(struct sock *sk);
void dtproc_feed_probe_stats(int probe, u64 *hits, u64 *delivered, u64 *dropped);

/* event.c: records as DTPROC_CMD_EVENT messages */
int dtproc_event_put(struct sk_buff *skb, const struct dtproc_rec *rec,
		     u64 seq);
int dtproc_event_put_drop(struct sk_buff *skb, u64 first, u64 count);

/* control.c: process control */
struct dtproc_consumer;
struct dtproc_status;
struct file;
struct dtproc_consumer *dtproc_consumer_new(void);
void dtproc_consumer_free(struct dtproc_consumer *c);
void dtproc_consumer_flush(struct dtproc_consumer *c);
ssize_t dtproc_consumer_read(struct dtproc_consumer *c, char __user *buf,
			     size_t len, bool nonblock);
__poll_t dtproc_consumer_poll(struct dtproc_consumer *c, struct file *file,
			      struct poll_table_struct *wait);
struct dtproc_grab;
int dtproc_ctl_grab(struct dtproc_consumer *c, struct dtproc_grab *g);
int dtproc_resolve(struct dtproc_consumer *c, s32 id, bool pidfd, pid_t *nrp);
int dtproc_ctl_release(struct dtproc_consumer *c, pid_t pid);
int dtproc_ctl_continue(struct dtproc_consumer *c, pid_t pid);
int dtproc_ctl_stop(struct dtproc_consumer *c, pid_t pid);
int dtproc_ctl_status(struct dtproc_consumer *c, struct dtproc_status *st);

/* bp.c: breakpoints */
int dtproc_bp_place(struct dtproc_consumer *c, pid_t nr, struct dtproc_bp *req);
int dtproc_bp_change(struct dtproc_consumer *c, pid_t nr, struct dtproc_bp *req);
int dtproc_bp_remove(struct dtproc_consumer *c, pid_t nr, struct dtproc_bp *req);
int dtproc_bp_report(struct dtproc_consumer *c, pid_t nr,
		     struct dtproc_bp_list *l);
int dtproc_bp_init(void);
void dtproc_bp_cleanup(void);
void dtproc_control_cleanup(void);

/* genl.c */
extern struct genl_family dtproc_genl_family;

/* dev.c: the /dev/dtproc misc device */
int dtproc_dev_init(void);
void dtproc_dev_exit(void);

/* genl.c: the "dtproc" generic netlink family */
int dtproc_genl_init(void);
void dtproc_genl_exit(void);

#endif /* _DTPROC_H */
