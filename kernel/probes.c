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

/* Tasks the proc provider does not describe: kernel and io_uring workers. */
static bool dtproc_ignored_task(struct task_struct *t)
{
	return t->flags & (PF_KTHREAD | PF_IO_WORKER);
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
static struct dtproc_rec *dtproc_begin(int probe, unsigned long *flags)
{
	struct dtproc_rec *rec = dtproc_ring_reserve(probe, flags);

	if (rec)
		dtproc_set_context(rec);
	return rec;
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
	bool thread = child->tgid == current->tgid;
	struct dtproc_rec *rec;
	unsigned long flags;

	if (dtproc_ignored_task(child))
		return;

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
	if (!thread && dtproc_wants(DTPROC_PROBE_CREATE)) {
		rec = dtproc_begin(DTPROC_PROBE_CREATE, &flags);
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
 * and the old execname.  A kretprobe around execve(2)/execveat(2) fires
 * exec-success or exec-failure on the way out; a failure that never got
 * as far as begin_new_exec() fires exec there first, from the caller's
 * path string (which the kernel's own copy has just paged in), with the
 * context and time saved at entry.
 */
struct dtproc_exec_data {
	u64			ts;
	u32			pid, tid, ppid, uid;
	char			comm[TASK_COMM_LEN];
	const char __user	*upath;
	struct mm_struct	*mm;		/* the image before the exec */
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
	struct linux_binprm *bprm;
	struct dtproc_rec *rec;
	unsigned long flags;

	if (dtproc_ignored_task(current) || !dtproc_wants(DTPROC_PROBE_EXEC))
		return 0;
	bprm = (struct linux_binprm *)regs_get_kernel_argument(regs, 0);
	rec = dtproc_begin(DTPROC_PROBE_EXEC, &flags);
	if (rec) {
		strscpy(rec->path, bprm->filename, sizeof(rec->path));
		dtproc_ring_commit(rec, flags);
	}
	return 0;
}

static int dtproc_exec_entry(struct kretprobe_instance *ri,
			     struct pt_regs *regs, int path_arg)
{
	struct dtproc_exec_data *d = (struct dtproc_exec_data *)ri->data;
	struct dtproc_rec ctx;
	struct pt_regs *uregs;

	/* Kept placed when unwanted (see hooks.c): then skip the return. */
	if (!(READ_ONCE(dtproc_enabled_mask) & (BIT(DTPROC_PROBE_EXEC) |
						BIT(DTPROC_PROBE_EXEC_SUCCESS) |
						BIT(DTPROC_PROBE_EXEC_FAILURE))))
		return 1;

	/* The syscall wrappers take the user's pt_regs. */
	uregs = (struct pt_regs *)regs_get_kernel_argument(regs, 0);
	dtproc_set_context(&ctx);
	d->ts = ktime_get_ns();
	d->pid = ctx.pid;
	d->tid = ctx.tid;
	d->ppid = ctx.ppid;
	d->uid = ctx.uid;
	memcpy(d->comm, ctx.comm, sizeof(d->comm));
	d->upath = (const char __user *)regs_get_register(uregs, path_arg);
	d->mm = current->mm;
	return 0;
}

int dtproc_krp_execve_entry(struct kretprobe_instance *ri,
			    struct pt_regs *regs)
{
	return dtproc_exec_entry(ri, regs, offsetof(struct pt_regs, di));
}

int dtproc_krp_execveat_entry(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	return dtproc_exec_entry(ri, regs, offsetof(struct pt_regs, si));
}

/* exec for a failure before begin_new_exec(): as the entry saw it. */
static void dtproc_fire_early_exec(const struct dtproc_exec_data *d)
{
	struct dtproc_rec *rec;
	unsigned long flags;

	rec = dtproc_ring_reserve(DTPROC_PROBE_EXEC, &flags);
	if (!rec)
		return;
	rec->ts = d->ts;
	rec->pid = d->pid;
	rec->tid = d->tid;
	rec->ppid = d->ppid;
	rec->uid = d->uid;
	memcpy(rec->comm, d->comm, sizeof(rec->comm));
	if (!dtproc_copy_user_path(rec->path, d->upath))
		strscpy(rec->path, "?", sizeof(rec->path));
	dtproc_ring_commit(rec, flags);
}

int dtproc_krp_exec_return(struct kretprobe_instance *ri,
			   struct pt_regs *regs)
{
	const struct dtproc_exec_data *d = (void *)ri->data;
	long ret = regs_return_value(regs);
	struct dtproc_rec *rec;
	unsigned long flags;

	if (!ret) {
		if (dtproc_wants(DTPROC_PROBE_EXEC_SUCCESS))
			dtproc_fire(DTPROC_PROBE_EXEC_SUCCESS);
		return 0;
	}
	/* past begin_new_exec() the image is new: exec already fired */
	if (current->mm == d->mm && dtproc_wants(DTPROC_PROBE_EXEC))
		dtproc_fire_early_exec(d);
	if (!dtproc_wants(DTPROC_PROBE_EXEC_FAILURE))
		return 0;
	rec = dtproc_begin(DTPROC_PROBE_EXEC_FAILURE, &flags);
	if (rec) {
		rec->err = -ret;
		dtproc_ring_commit(rec, flags);
	}
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

	if (!regs_get_kernel_argument(regs, 1) || dtproc_ignored_task(current))
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

/* Solaris fault code of a fault-induced signal. */
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
		return code == TRAP_BRKPT ? DTPROC_FLTBPT : DTPROC_FLTTRACE;
	default:
		return 0;
	}
}

static bool dtproc_is_fault(int sig, struct kernel_siginfo *info,
			    struct task_struct *task)
{
	if (info == SEND_SIG_NOINFO || info == SEND_SIG_PRIV)
		return false;
	return task == current && info->si_code > 0 &&
	       dtproc_fault_code(sig, info->si_code);
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

static void dtproc_fire_fault(int sig, struct kernel_siginfo *info)
{
	struct dtproc_rec *rec;
	unsigned long flags;

	rec = dtproc_begin(DTPROC_PROBE_FAULT, &flags);
	if (rec) {
		rec->fault.fault = dtproc_fault_code(sig, info->si_code);
		dtproc_fill_siginfo(&rec->fault.si, sig, info);
		dtproc_ring_commit(rec, flags);
	}
}

static void dtproc_fire_signal(int probe, int sig, struct task_struct *task,
			       bool by_kernel)
{
	bool same_image = task->mm == current->mm;
	struct dtproc_rec *rec;
	unsigned long flags;

	rec = dtproc_ring_reserve(probe, &flags);
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
}

void dtproc_probe_signal_generate(void *data, int sig,
				  struct kernel_siginfo *info,
				  struct task_struct *task, int group,
				  int result)
{
	bool fault, by_kernel;

	if (dtproc_ignored_task(task))
		return;
	fault = dtproc_is_fault(sig, info, task);
	by_kernel = dtproc_sent_by_kernel(info, fault);

	if (fault && dtproc_wants(DTPROC_PROBE_FAULT))
		dtproc_fire_fault(sig, info);

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

	/*
	 * A fatal signal turns into a group exit when it is sent, and every
	 * thread then takes SIGKILL with no siginfo: report the real signal.
	 */
	if (sig == SIGKILL && info == SEND_SIG_NOINFO &&
	    (READ_ONCE(signal->flags) & SIGNAL_GROUP_EXIT) &&
	    (READ_ONCE(signal->group_exit_code) & 0x7f))
		sig = READ_ONCE(signal->group_exit_code) & 0x7f;

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
