// SPDX-License-Identifier: GPL-2.0
/*
 * The proc provider's probes: the handlers of the kernel hooks that
 * hooks.c places.  Everything here runs in probe context (tracepoints with
 * preemption off, kprobes, one of them with the runqueue lock held): it
 * only fills records in this CPU's ring (ring.c) and never sleeps,
 * allocates, takes a lock or faults on user memory.
 */
#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/uaccess.h>
#include <linux/timekeeping.h>
#include <linux/binfmts.h>

#include "arch.h"
#include "dtproc.h"

/* The result argument of the signal_generate tracepoint. */
enum {
	DTPROC_SIGGEN_DELIVERED,
	DTPROC_SIGGEN_IGNORED,
	DTPROC_SIGGEN_ALREADY_PENDING,
	DTPROC_SIGGEN_OVERFLOW_FAIL,
	DTPROC_SIGGEN_LOSE_INFO,
};

static bool dtproc_wants(int probe)
{
	return READ_ONCE(dtproc_enabled_mask) & BIT(probe);
}

/*
 * Tasks the proc provider does not describe: kernel threads, and the
 * threads the kernel makes in a process without a fork (io_uring and, on
 * 6.4+, vhost workers: PF_USER_WORKER, which io_uring's have too; 0 on
 * 6.1, see compat.h).  No lwp-create is seen for those, so they get no
 * lwp-start or lwp-exit either.
 */
static bool dtproc_ignored_task(struct task_struct *t)
{
	return t->flags & (PF_KTHREAD | PF_IO_WORKER | PF_USER_WORKER);
}

static void dtproc_set_context(struct dtproc_rec *rec)
{
	struct task_struct *t = current;

	rec->pid = task_tgid_nr(t);
	rec->tid = task_pid_nr(t);
	rcu_read_lock();
	rec->ppid = task_tgid_nr(rcu_dereference(t->real_parent));
	rcu_read_unlock();
	rec->uid = from_kuid_munged(&init_user_ns, current_uid());
	memcpy(rec->comm, t->comm, sizeof(rec->comm));
	rec->comm[sizeof(rec->comm) - 1] = '\0';
}

/* A signal the kernel itself sends is attributed to "sched", pid 0. */
static void dtproc_set_kernel_context(struct dtproc_rec *rec)
{
	rec->pid = 0;
	rec->tid = 0;
	rec->ppid = 0;
	rec->uid = 0;
	strscpy(rec->comm, "sched", sizeof(rec->comm));
}

/* Reserve a record for @probe with the current context filled in. */
static struct dtproc_rec *dtproc_record(int probe, unsigned long *flags)
{
	struct dtproc_rec *rec = dtproc_ring_reserve(probe, flags);

	if (rec)
		dtproc_set_context(rec);
	return rec;
}

/* The same, if a subscriber may want an event of the current process. */
static struct dtproc_rec *dtproc_begin(int probe, unsigned long *flags)
{
	if (!dtproc_filter_wants(task_tgid_nr(current)))
		return NULL;
	return dtproc_record(probe, flags);
}

/* A probe with no arguments. */
static void dtproc_fire(int probe)
{
	struct dtproc_rec *rec;
	unsigned long flags;

	rec = dtproc_begin(probe, &flags);
	if (rec)
		dtproc_ring_commit(rec, flags);
}

/* --- create, lwp-create: sched_process_fork, in the parent --- */

void dtproc_probe_fork(void *data, struct task_struct *parent,
		       struct task_struct *child)
{
	bool thread = child->tgid == current->tgid, created;
	struct dtproc_rec *rec;
	unsigned long flags;

	if (dtproc_ignored_task(child))
		return;
	/* first: it follows the child before the child can run */
	created = !thread && dtproc_filter_fork(task_tgid_nr(current),
						task_tgid_nr(child));

	/* The new thread first, then (for a new process) the process. */
	if (dtproc_wants(DTPROC_PROBE_LWP_CREATE)) {
		rec = dtproc_begin(DTPROC_PROBE_LWP_CREATE, &flags);
		if (rec) {
			dtproc_fill_lwpsinfo(&rec->lwp.lwp, child);
			dtproc_fill_psinfo(&rec->lwp.proc, thread ? current : child,
					   true);
			dtproc_ring_commit(rec, flags);
		}
	}
	if (created && dtproc_wants(DTPROC_PROBE_CREATE)) {
		rec = dtproc_record(DTPROC_PROBE_CREATE, &flags);
		if (rec) {
			dtproc_fill_psinfo(&rec->child, child, true);
			dtproc_ring_commit(rec, flags);
		}
	}
}

/*
 * --- start, lwp-start: schedule_tail(), the first thing a new task runs,
 * in its own context, before its first user instruction.  The runqueue
 * lock is held here: the ring wakes its consumer through irq_work.
 */
int dtproc_kp_schedule_tail(struct kprobe *kp, struct pt_regs *regs)
{
	if (dtproc_ignored_task(current))
		return 0;
	if (thread_group_leader(current) && dtproc_wants(DTPROC_PROBE_START))
		dtproc_fire(DTPROC_PROBE_START);
	if (dtproc_wants(DTPROC_PROBE_LWP_START))
		dtproc_fire(DTPROC_PROBE_LWP_START);
	return 0;
}

/*
 * --- exec, exec-success, exec-failure.  A successful exec passes through
 * begin_new_exec(), before the old image (and the process's other
 * threads) go: exec fires there, with the path the kernel already copied
 * and the old execname.  exec-success fires at the sched_process_exec
 * tracepoint, which every entry point passes (execve and execveat, native,
 * ia32 and x32), with the thread id exec had: an exec from a thread other
 * than the leader takes over the leader's pid on the way.  A failure
 * returns from the system call: a kretprobe around every execve and
 * execveat entry point fires exec-failure there; a failure that never got
 * as far as begin_new_exec() fires exec first, from the caller's path
 * string (which the kernel's own copy has just paged in), with the context
 * saved at entry.
 */
struct dtproc_exec_data {
	u32			pid, tid, ppid, uid;
	char			comm[TASK_COMM_LEN];
	const char __user	*upath;
	struct mm_struct	*mm;		/* the image before the exec */
	bool			exec_fired;	/* at begin_new_exec() */
};

static_assert(sizeof(struct dtproc_exec_data) <= DTPROC_EXEC_DATA_SIZE);

/* Copy a user string that may end near a page boundary, without faults. */
static bool dtproc_copy_user_path(char *dst, const char __user *src)
{
	size_t done = 0, chunk;

	dst[0] = '\0';
	while (done < DTPROC_PATH_MAX - 1) {
		chunk = PAGE_SIZE - offset_in_page(src + done);
		chunk = min(chunk, DTPROC_PATH_MAX - 1 - done);
		if (copy_from_user_nofault(dst + done, src + done, chunk))
			break;
		if (memchr(dst + done, '\0', chunk))
			return true;
		done += chunk;
	}
	dst[done] = '\0';
	return done > 0;
}

int dtproc_kp_begin_new_exec(struct kprobe *kp, struct pt_regs *regs)
{
	struct dtproc_exec_data *d;
	struct linux_binprm *bprm;
	struct dtproc_rec *rec;
	unsigned long flags;

	if (dtproc_ignored_task(current) || !dtproc_wants(DTPROC_PROBE_EXEC))
		return 0;
	/*
	 * begin_new_exec() can still fail before its point of no return
	 * (the new credentials are refused): the execve's kretprobe must then
	 * not fire exec a second time.
	 */
	d = dtproc_exec_krp_data();
	if (d)
		d->exec_fired = true;
	bprm = (struct linux_binprm *)regs_get_kernel_argument(regs, 0);
	rec = dtproc_begin(DTPROC_PROBE_EXEC, &flags);
	if (rec) {
		strscpy(rec->path, bprm->filename, sizeof(rec->path));
		dtproc_ring_commit(rec, flags);
	}
	return 0;
}

static int dtproc_exec_entry(struct kretprobe_instance *ri,
			     struct pt_regs *regs, int path_arg, bool ia32)
{
	struct dtproc_exec_data *d = (struct dtproc_exec_data *)ri->data;
	struct dtproc_rec ctx;
	struct pt_regs *uregs;
	unsigned long upath;

	/* Kept placed when unwanted (see hooks.c): then skip the return. */
	if (!(READ_ONCE(dtproc_enabled_mask) & (BIT(DTPROC_PROBE_EXEC) |
						BIT(DTPROC_PROBE_EXEC_FAILURE))))
		return 1;

	uregs = dtproc_arch_syscall_user_regs(regs);
	dtproc_set_context(&ctx);
	d->pid = ctx.pid;
	d->tid = ctx.tid;
	d->ppid = ctx.ppid;
	d->uid = ctx.uid;
	memcpy(d->comm, ctx.comm, sizeof(d->comm));
	upath = regs_get_register(uregs, path_arg);
	d->upath = (const char __user *)(ia32 ? (u32)upath : upath);
	d->mm = current->mm;
	d->exec_fired = false;
	return 0;
}

int dtproc_krp_execve_entry(struct kretprobe_instance *ri,
			    struct pt_regs *regs)
{
	return dtproc_exec_entry(ri, regs, DTPROC_ARCH_SYSCALL_ARG0,
				 false);
}

int dtproc_krp_execveat_entry(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	return dtproc_exec_entry(ri, regs, DTPROC_ARCH_SYSCALL_ARG1,
				 false);
}

int dtproc_krp_ia32_execve_entry(struct kretprobe_instance *ri,
				 struct pt_regs *regs)
{
	return dtproc_exec_entry(ri, regs, DTPROC_ARCH_IA32_SYSCALL_ARG0,
				 true);
}

int dtproc_krp_ia32_execveat_entry(struct kretprobe_instance *ri,
				   struct pt_regs *regs)
{
	return dtproc_exec_entry(ri, regs, DTPROC_ARCH_IA32_SYSCALL_ARG1,
				 true);
}

/* exec-success: sched_process_exec(p, old_pid, bprm), in the new image. */
void dtproc_probe_exec(void *data, struct task_struct *p, pid_t old_pid,
		       struct linux_binprm *bprm)
{
	struct dtproc_rec *rec;
	unsigned long flags;

	if (dtproc_ignored_task(current) ||
	    !dtproc_wants(DTPROC_PROBE_EXEC_SUCCESS))
		return;
	rec = dtproc_begin(DTPROC_PROBE_EXEC_SUCCESS, &flags);
	if (rec) {
		rec->tid = old_pid;
		dtproc_ring_commit(rec, flags);
	}
}

/* exec for a failure before begin_new_exec(): as the entry saw it. */
static void dtproc_fire_early_exec(const struct dtproc_exec_data *d)
{
	struct dtproc_rec *rec;
	unsigned long flags;

	if (!dtproc_filter_wants(d->pid))
		return;
	/*
	 * Stamped now, not at entry: each ring stays in timestamp order, and
	 * so does the thread's own sequence of events.
	 */
	rec = dtproc_ring_reserve(DTPROC_PROBE_EXEC, &flags);
	if (!rec)
		return;
	rec->pid = d->pid;
	rec->tid = d->tid;
	rec->ppid = d->ppid;
	rec->uid = d->uid;
	memcpy(rec->comm, d->comm, sizeof(rec->comm));
	if (!dtproc_copy_user_path(rec->path, d->upath))
		strscpy(rec->path, "?", sizeof(rec->path));
	dtproc_ring_commit(rec, flags);
}

/* exec and exec-failure for an exec that returned -@err. */
static void dtproc_exec_failed(const struct dtproc_exec_data *d, long err)
{
	struct dtproc_rec *rec;
	unsigned long flags;

	/*
	 * Once in begin_new_exec(), exec has fired, even if the exec then
	 * failed there; past it the image is new (and exec fired, or was not
	 * wanted then).
	 */
	if (!d->exec_fired && current->mm == d->mm &&
	    dtproc_wants(DTPROC_PROBE_EXEC))
		dtproc_fire_early_exec(d);
	if (!dtproc_wants(DTPROC_PROBE_EXEC_FAILURE))
		return;
	rec = dtproc_begin(DTPROC_PROBE_EXEC_FAILURE, &flags);
	if (rec) {
		rec->err = err;
		dtproc_ring_commit(rec, flags);
	}
}

int dtproc_krp_exec_return(struct kretprobe_instance *ri,
			   struct pt_regs *regs)
{
	const struct dtproc_exec_data *d = (void *)ri->data;
	long ret = regs_return_value(regs);

	/* exec-success comes from sched_process_exec */
	if (ret)
		dtproc_exec_failed(d, -ret);
	return 0;
}

/* The compat entry points: exec-failure only (exec-success: see above). */
int dtproc_krp_compat_exec_return(struct kretprobe_instance *ri,
				  struct pt_regs *regs)
{
	long ret = regs_return_value(regs);

	if (ret)
		dtproc_exec_failed((const void *)ri->data, -ret);
	return 0;
}

/*
 * --- lwp-exit: exit_signals(), early in do_exit(), before the thread
 * counts itself out of its process; so every lwp-exit of a process is
 * recorded before the exit that the last thread out records.
 */
int dtproc_kp_exit_signals(struct kprobe *kp, struct pt_regs *regs)
{
	if (!dtproc_ignored_task(current) && dtproc_wants(DTPROC_PROBE_LWP_EXIT))
		dtproc_fire(DTPROC_PROBE_LWP_EXIT);
	return 0;
}

/* --- exit: acct_collect(code, group_dead), once per thread in do_exit() --- */

int dtproc_kp_acct_collect(struct kprobe *kp, struct pt_regs *regs)
{
	struct signal_struct *sig = current->signal;
	struct dtproc_rec *rec;
	unsigned long flags;
	long code;

	/*
	 * The last thread out reports the process's exit, even when it is an
	 * io_uring worker (whose own lwp events are not reported).
	 */
	if (!regs_get_kernel_argument(regs, 1) || (current->flags & PF_KTHREAD))
		return 0;

	code = regs_get_kernel_argument(regs, 0);
	if (READ_ONCE(sig->flags) & SIGNAL_GROUP_EXIT)
		code = READ_ONCE(sig->group_exit_code);
	if (!dtproc_wants(DTPROC_PROBE_EXIT))
		return 0;

	rec = dtproc_begin(DTPROC_PROBE_EXIT, &flags);
	if (!rec)
		return 0;
	if (!(code & 0x7f)) {
		rec->exit.reason = DTPROC_CLD_EXITED;
		rec->exit.status = (code >> 8) & 0xff;
	} else {
		rec->exit.reason = code & 0x80 ? DTPROC_CLD_DUMPED :
						 DTPROC_CLD_KILLED;
		rec->exit.status = code & 0x7f;
	}
	dtproc_ring_commit(rec, flags);
	return 0;
}

/* --- fault, signal-send, signal-discard: signal_generate --- */

/*
 * Solaris fault code of a fault-induced signal with a fault's si_code (the
 * SI_KERNEL ones are dtproc_arch_trap_fault()'s).
 */
static u32 dtproc_fault_code(int sig, int code)
{
	switch (sig) {
	case SIGSEGV:
		return code == SEGV_ACCERR ? DTPROC_FLTACCESS : DTPROC_FLTBOUNDS;
	case SIGBUS:
		return DTPROC_FLTACCESS;
	case SIGILL:
		return code == ILL_PRVOPC || code == ILL_PRVREG ?
		       DTPROC_FLTPRIV : DTPROC_FLTILL;
	case SIGFPE:
		if (code == FPE_INTDIV)
			return DTPROC_FLTIZDIV;
		return code == FPE_INTOVF ? DTPROC_FLTIOVF : DTPROC_FLTFPE;
	case SIGTRAP:
		/* TRAP_PERF: a perf event's action, not a machine fault */
		if (code == TRAP_PERF)
			return 0;
		return code == TRAP_BRKPT ? DTPROC_FLTBPT : DTPROC_FLTTRACE;
	default:
		return 0;
	}
}

/*
 * The fault code if @sig with @info, sent to @task, is a machine fault of
 * the current thread; 0 if it is not one.  A fault's signal is made by the
 * kernel, for the faulting thread, with a positive si_code.
 */
static u32 dtproc_fault_of(int sig, struct kernel_siginfo *info,
			   struct task_struct *task)
{
	if (info == SEND_SIG_NOINFO || info == SEND_SIG_PRIV ||
	    task != current || info->si_code <= 0)
		return 0;
	if (info->si_code == SI_KERNEL)
		return dtproc_arch_trap_fault(sig);
	if (dtproc_arch_in_sigqueue_syscall())
		return 0;
	return dtproc_fault_code(sig, info->si_code);
}

static bool dtproc_sent_by_kernel(struct kernel_siginfo *info, bool fault)
{
	if (fault || !in_task() || (current->flags & PF_KTHREAD) ||
	    info == SEND_SIG_PRIV)
		return true;
	if (info == SEND_SIG_NOINFO)
		return false;
	return info->si_code == SI_KERNEL || info->si_code == SI_TIMER;
}

static void dtproc_fire_fault(u32 fault, int sig, struct kernel_siginfo *info)
{
	struct dtproc_rec *rec;
	unsigned long flags;

	rec = dtproc_begin(DTPROC_PROBE_FAULT, &flags);
	if (rec) {
		rec->fault.fault = fault;
		dtproc_fill_siginfo(&rec->fault.si, sig, info);
		dtproc_ring_commit(rec, flags);
	}
}

/* Does @sig's default action kill @t (sig_fatal())?  Under @t's siglock. */
static bool dtproc_sig_kills(struct task_struct *t, int sig)
{
	/* signal_generate holds the siglock: the sighand cannot change */
	struct sighand_struct *sighand = rcu_dereference_raw(t->sighand);

	return !siginmask(sig, SIG_KERNEL_IGNORE_MASK | SIG_KERNEL_STOP_MASK) &&
	       sighand->action[sig - 1].sa.sa_handler == SIG_DFL;
}

static void dtproc_fire_signal(int probe, int sig, struct task_struct *task,
			       bool by_kernel)
{
	bool same_image = task->mm == current->mm;
	struct dtproc_rec *rec;
	unsigned long flags;

	/* the sender's or the target's, as feed.c's filter matches them */
	if (dtproc_filter_wants(by_kernel ? 0 : task_tgid_nr(current)))
		rec = dtproc_ring_reserve(probe, &flags);
	else
		rec = dtproc_ring_reserve_if_followed(probe, task_tgid_nr(task),
						      &flags);
	if (!rec)
		return;
	if (by_kernel)
		dtproc_set_kernel_context(rec);
	else
		dtproc_set_context(rec);
	dtproc_fill_lwpsinfo(&rec->lwp.lwp, task);
	dtproc_fill_psinfo(&rec->lwp.proc, task, same_image);
	if (!same_image)
		rec->flags |= DTPROC_REC_PSARGS_LATER;
	rec->lwp.signo = sig;
	dtproc_ring_commit(rec, flags);
	/*
	 * The worker reads the target's arguments; one this signal kills is
	 * gone in moments: wake the worker now, not at its next poll.
	 */
	if (!same_image && dtproc_sig_kills(task, sig))
		dtproc_ring_kick();
}

void dtproc_probe_signal_generate(void *data, int sig,
				  struct kernel_siginfo *info,
				  struct task_struct *task, int group,
				  int result)
{
	bool by_kernel;
	u32 fault;

	if (dtproc_ignored_task(task))
		return;
	fault = dtproc_fault_of(sig, info, task);
	by_kernel = dtproc_sent_by_kernel(info, fault);

	if (fault && dtproc_wants(DTPROC_PROBE_FAULT))
		dtproc_fire_fault(fault, sig, info);

	switch (result) {
	case DTPROC_SIGGEN_IGNORED:
		/*
		 * Solaris discards an ignored signal at generation only for a
		 * single-threaded target; a multithreaded one is sent it.
		 */
		if (get_nr_threads(task) == 1) {
			if (dtproc_wants(DTPROC_PROBE_SIGNAL_DISCARD))
				dtproc_fire_signal(DTPROC_PROBE_SIGNAL_DISCARD,
						   sig, task, by_kernel);
			break;
		}
		fallthrough;
	case DTPROC_SIGGEN_DELIVERED:
	case DTPROC_SIGGEN_ALREADY_PENDING:
	case DTPROC_SIGGEN_LOSE_INFO:
		if (dtproc_wants(DTPROC_PROBE_SIGNAL_SEND))
			dtproc_fire_signal(DTPROC_PROBE_SIGNAL_SEND, sig, task,
					   by_kernel);
		break;
	default:
		break;
	}
}

/* --- signal-handle: signal_deliver, in the thread taking the signal --- */

/*
 * The processes whose group exit has had its fatal signal reported, most
 * recent last: a process is (its signal_struct, its leader's start time),
 * which no later process has, even one that reuses the memory.  Every
 * thread of a dying process comes through get_signal() for the kernel's
 * SIGKILL, one at a time under the process's siglock: the first finds its
 * process missing, reports the signal and enters it; the others find it.
 * The threads that went before cannot be counted instead: an exited thread
 * is released from its group at once.  A thread that dequeued the fatal
 * signal itself (it was blocked everywhere when sent, or the process is
 * traced) reports it with its siginfo and enters the process too.  Only
 * processes with other threads are entered.  Entries are overwritten in
 * turn: the bound is that as many other multithreaded group exits as
 * there are entries would have to begin between two threads of one
 * process for its signal to be reported twice.
 */
#define DTPROC_GROUP_EXITS	256

static struct {
	const struct signal_struct	*signal;
	u64				start_time;
} dtproc_group_exits[DTPROC_GROUP_EXITS];
static atomic_t dtproc_group_exit_next;

static_assert((DTPROC_GROUP_EXITS & (DTPROC_GROUP_EXITS - 1)) == 0);

/* Is this process in the table?  Enter it if not (and it has other threads). */
static bool dtproc_group_exit_seen(void)
{
	const struct signal_struct *signal = current->signal;
	u64 start = current->group_leader->start_time;
	unsigned int i;

	lockdep_assert_held(&current->sighand->siglock);
	for (i = 0; i < DTPROC_GROUP_EXITS; i++)
		if (READ_ONCE(dtproc_group_exits[i].signal) == signal &&
		    READ_ONCE(dtproc_group_exits[i].start_time) == start)
			return true;
	/* No other thread will come asking. */
	if (get_nr_threads(current) == 1)
		return false;
	i = (unsigned int)atomic_inc_return(&dtproc_group_exit_next) &
	    (DTPROC_GROUP_EXITS - 1);
	WRITE_ONCE(dtproc_group_exits[i].signal, signal);
	WRITE_ONCE(dtproc_group_exits[i].start_time, start);
	return false;
}

void dtproc_probe_signal_deliver(void *data, int sig,
				 struct kernel_siginfo *info,
				 struct k_sigaction *ka)
{
	struct signal_struct *signal = current->signal;
	__sighandler_t handler = ka->sa.sa_handler;
	struct dtproc_rec *rec;
	unsigned long flags;

	if (dtproc_ignored_task(current))
		return;
	/* Dequeued, then ignored: no signal was handled. */
	if (handler == SIG_IGN || (handler == SIG_DFL && sig_kernel_ignore(sig)))
		return;

	/*
	 * A thread of a process that is already exiting takes SIGKILL with no
	 * siginfo.  After exit_group(2), or an exec killing the other
	 * threads, nothing was handled.  After a core-dumping signal, the
	 * thread that took it has fired already.  Any other fatal signal turns
	 * into a group exit when it is sent, and every thread then comes here:
	 * the first of them reports the real signal, once for the process.
	 */
	if (sig == SIGKILL && info == SEND_SIG_NOINFO) {
		int code = READ_ONCE(signal->group_exit_code) & 0x7f;

		if (READ_ONCE(signal->group_exec_task) ||
		    !(READ_ONCE(signal->flags) & SIGNAL_GROUP_EXIT))
			return;
		if (!code || sig_kernel_coredump(code))
			return;
		if (dtproc_group_exit_seen())
			return;
		sig = code;
	} else if (handler == SIG_DFL && !sig_kernel_stop(sig) &&
		   !sig_kernel_coredump(sig) &&
		   !(READ_ONCE(signal->flags) & SIGNAL_UNKILLABLE)) {
		/*
		 * A fatal signal dequeued with its default action (it was
		 * blocked in every thread when it was sent, or the process
		 * is traced) is reported here; the group exit it starts
		 * makes the other threads take SIGKILL: enter the process,
		 * so that none of them reports it again.
		 */
		dtproc_group_exit_seen();
	}

	rec = dtproc_begin(DTPROC_PROBE_SIGNAL_HANDLE, &flags);
	if (!rec)
		return;
	rec->handle.signo = sig;
	rec->handle.handler = (unsigned long)handler;
	if (info != SEND_SIG_NOINFO && info != SEND_SIG_PRIV &&
	    handler != SIG_DFL && handler != SIG_IGN &&
	    (ka->sa.sa_flags & SA_SIGINFO)) {
		dtproc_fill_siginfo(&rec->handle.si, sig, info);
		rec->flags |= DTPROC_REC_SIGINFO;
	}
	dtproc_ring_commit(rec, flags);
}

/* --- signal-clear: rt_sigtimedwait(2) returning a signal number --- */

int dtproc_krp_sigtimedwait_entry(struct kretprobe_instance *ri,
				  struct pt_regs *regs)
{
	/* Kept placed when unwanted (see hooks.c): then skip the return. */
	return !dtproc_wants(DTPROC_PROBE_SIGNAL_CLEAR);
}

int dtproc_krp_sigtimedwait_return(struct kretprobe_instance *ri,
				   struct pt_regs *regs)
{
	long ret = regs_return_value(regs);
	struct dtproc_rec *rec;
	unsigned long flags;

	if (ret <= 0 || !dtproc_wants(DTPROC_PROBE_SIGNAL_CLEAR))
		return 0;
	rec = dtproc_begin(DTPROC_PROBE_SIGNAL_CLEAR, &flags);
	if (rec) {
		rec->signo = ret;
		dtproc_ring_commit(rec, flags);
	}
	return 0;
}
