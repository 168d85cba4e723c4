// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel hooks behind the probes, placed only while some subscriber
 * wants a probe that needs them and removed when the last one leaves: an
 * unwanted probe costs nothing.
 *
 * Tracepoints are not exported to modules, so they are found by name; the
 * system call entry points hooked by kretprobes are every ABI's: native,
 * ia32 and x32, named in arch.h.
 *
 * Locking: dtproc_hooks_lock (a mutex) protects the table below (which hook
 * is placed, the kretprobes' miss counts seen) and the writes of
 * dtproc_enabled_mask.  Its one user, the feed, calls in with its own
 * dtproc_feed_lock held, so the order is dtproc_feed_lock, then
 * dtproc_hooks_lock, then the kernel's kprobe and tracepoint locks.  Probe
 * context never takes it: it reads dtproc_enabled_mask and the placed
 * hooks locklessly.  Once dtproc_hooks_exit() has run nothing is placed
 * again, so a feed still winding down cannot put hooks back.
 */
#include <linux/kprobes.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/rethook.h>
#include <linux/tracepoint.h>

#include "arch.h"
#include "dtproc.h"

/* Probes whose records are being taken; read locklessly by probe context. */
u32 dtproc_enabled_mask;

/* Serialises placing and removing hooks: see the top of this file. */
static DEFINE_MUTEX(dtproc_hooks_lock);
/* Set by dtproc_hooks_exit(): no hook is placed any more. */
static bool dtproc_hooks_closed;

enum dtproc_hook_kind {
	DTPROC_HOOK_TRACEPOINT,
	DTPROC_HOOK_KPROBE,
	DTPROC_HOOK_KRETPROBE,
};

struct dtproc_hook {
	enum dtproc_hook_kind	kind;
	const char		*name;		/* tracepoint or symbol */
	u32			probes;		/* the probes it fires */
	void			*tp_func;
	kprobe_pre_handler_t	pre;
	kretprobe_handler_t	entry;
	kretprobe_handler_t	ret;
	int			maxactive;	/* per CPU */
	size_t			data_size;
	/* kretprobe misses are losses of these probes */
	u32			miss_probes;
	/* around an execve entry point: its data is a dtproc_exec_data */
	bool			exec;
	/*
	 * Once placed, stays until the module goes.  Removing a kretprobe
	 * from a function that tasks sleep in or exec through, while they
	 * do, has crashed both Debian kernels (the same happens with a
	 * tracefs kretprobe): those are placed once and kept.
	 */
	bool			sticky;

	struct tracepoint	*tp;
	struct kprobe		kp;
	struct kretprobe	krp;
	bool			on;
	unsigned long		missed_seen;
};

#define P(x) BIT(DTPROC_PROBE_##x)

/*
 * kretprobe instances per CPU: enough for many tasks inside execve() at
 * once; sigtimedwait() sleeps, so it needs more.
 */
#define DTPROC_EXEC_MAXACTIVE	16
#define DTPROC_SIGWAIT_MAXACTIVE 128

/* execve/execveat of ia32 and x32 callers: exec and exec-failure */
#define DTPROC_COMPAT_EXEC(sym, entry_fn) {				\
		.kind = DTPROC_HOOK_KRETPROBE, .name = sym,		\
		.probes = P(EXEC) | P(EXEC_FAILURE),			\
		.entry = entry_fn,					\
		.ret = dtproc_krp_compat_exec_return,			\
		.maxactive = DTPROC_EXEC_MAXACTIVE,			\
		.data_size = DTPROC_EXEC_DATA_SIZE,			\
		.miss_probes = P(EXEC_FAILURE),				\
		.exec = true,						\
		.sticky = true,						\
	}

/* rt_sigtimedwait of ia32 and x32 callers: signal-clear */
#define DTPROC_COMPAT_SIGWAIT(sym) {					\
		.kind = DTPROC_HOOK_KRETPROBE, .name = sym,		\
		.probes = P(SIGNAL_CLEAR),				\
		.entry = dtproc_krp_sigtimedwait_entry,			\
		.ret = dtproc_krp_sigtimedwait_return,			\
		.maxactive = DTPROC_SIGWAIT_MAXACTIVE,			\
		.miss_probes = P(SIGNAL_CLEAR),				\
		.sticky = true,						\
	}

static struct dtproc_hook dtproc_hooks[] = {
	{
		.kind = DTPROC_HOOK_TRACEPOINT, .name = "sched_process_fork",
		.probes = P(CREATE) | P(LWP_CREATE),
		.tp_func = dtproc_probe_fork,
	}, {
		.kind = DTPROC_HOOK_KPROBE, .name = "schedule_tail",
		.probes = P(START) | P(LWP_START),
		.pre = dtproc_kp_schedule_tail,
	}, {
		.kind = DTPROC_HOOK_KPROBE, .name = "begin_new_exec",
		.probes = P(EXEC),
		.pre = dtproc_kp_begin_new_exec,
	}, {
		.kind = DTPROC_HOOK_TRACEPOINT, .name = "sched_process_exec",
		.probes = P(EXEC_SUCCESS),
		.tp_func = dtproc_probe_exec,
	}, {
		.kind = DTPROC_HOOK_KRETPROBE, .name = DTPROC_ARCH_SYS(execve),
		.probes = P(EXEC) | P(EXEC_FAILURE),
		.entry = dtproc_krp_execve_entry,
		.ret = dtproc_krp_exec_return,
		.maxactive = DTPROC_EXEC_MAXACTIVE,
		.data_size = DTPROC_EXEC_DATA_SIZE,
		.miss_probes = P(EXEC_FAILURE),
		.exec = true,
		.sticky = true,
	}, {
		.kind = DTPROC_HOOK_KRETPROBE, .name = DTPROC_ARCH_SYS(execveat),
		.probes = P(EXEC) | P(EXEC_FAILURE),
		.entry = dtproc_krp_execveat_entry,
		.ret = dtproc_krp_exec_return,
		.maxactive = DTPROC_EXEC_MAXACTIVE,
		.data_size = DTPROC_EXEC_DATA_SIZE,
		.miss_probes = P(EXEC_FAILURE),
		.exec = true,
		.sticky = true,
	},
	DTPROC_COMPAT_EXEC(DTPROC_ARCH_IA32_SYS(execve),
			   dtproc_krp_ia32_execve_entry),
	DTPROC_COMPAT_EXEC(DTPROC_ARCH_IA32_SYS(execveat),
			   dtproc_krp_ia32_execveat_entry),
	DTPROC_COMPAT_EXEC(DTPROC_ARCH_X32_SYS(execve), dtproc_krp_execve_entry),
	DTPROC_COMPAT_EXEC(DTPROC_ARCH_X32_SYS(execveat),
			   dtproc_krp_execveat_entry),
	{
		.kind = DTPROC_HOOK_KPROBE, .name = "exit_signals",
		.probes = P(LWP_EXIT),
		.pre = dtproc_kp_exit_signals,
	}, {
		.kind = DTPROC_HOOK_KPROBE, .name = "acct_collect",
		.probes = P(EXIT),
		.pre = dtproc_kp_acct_collect,
	}, {
		.kind = DTPROC_HOOK_TRACEPOINT, .name = "signal_generate",
		.probes = P(SIGNAL_SEND) | P(SIGNAL_DISCARD) | P(FAULT),
		.tp_func = dtproc_probe_signal_generate,
	}, {
		.kind = DTPROC_HOOK_TRACEPOINT, .name = "signal_deliver",
		.probes = P(SIGNAL_HANDLE),
		.tp_func = dtproc_probe_signal_deliver,
	}, {
		.kind = DTPROC_HOOK_KRETPROBE,
		.name = DTPROC_ARCH_SYS(rt_sigtimedwait),
		.probes = P(SIGNAL_CLEAR),
		.entry = dtproc_krp_sigtimedwait_entry,
		.ret = dtproc_krp_sigtimedwait_return,
		.maxactive = DTPROC_SIGWAIT_MAXACTIVE,
		.miss_probes = P(SIGNAL_CLEAR),
		.sticky = true,
	},
	DTPROC_COMPAT_SIGWAIT(DTPROC_ARCH_IA32_SYS(rt_sigtimedwait_time64)),
	DTPROC_COMPAT_SIGWAIT(DTPROC_ARCH_IA32_SYS(rt_sigtimedwait_time32)),
	/* x32's table has only the time64 one (syscall_64.tbl, 523) */
	DTPROC_COMPAT_SIGWAIT(DTPROC_ARCH_X32_SYS(rt_sigtimedwait_time64)),
};

#undef P

static void dtproc_find_tracepoint(struct tracepoint *tp, void *priv)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(dtproc_hooks); i++)
		if (dtproc_hooks[i].kind == DTPROC_HOOK_TRACEPOINT &&
		    !strcmp(tp->name, dtproc_hooks[i].name))
			dtproc_hooks[i].tp = tp;
}

int dtproc_hooks_init(void)
{
	int i;

	for_each_kernel_tracepoint(dtproc_find_tracepoint, NULL);
	for (i = 0; i < ARRAY_SIZE(dtproc_hooks); i++) {
		if (dtproc_hooks[i].kind == DTPROC_HOOK_TRACEPOINT &&
		    !dtproc_hooks[i].tp) {
			pr_err("kernel has no tracepoint %s\n",
			       dtproc_hooks[i].name);
			return -ENOENT;
		}
	}
	return 0;
}

static int dtproc_hook_on(struct dtproc_hook *h)
{
	int ret;

	switch (h->kind) {
	case DTPROC_HOOK_TRACEPOINT:
		ret = tracepoint_probe_register(h->tp, h->tp_func, NULL);
		break;
	case DTPROC_HOOK_KPROBE:
		memset(&h->kp, 0, sizeof(h->kp));
		h->kp.symbol_name = h->name;
		h->kp.pre_handler = h->pre;
		ret = register_kprobe(&h->kp);
		break;
	case DTPROC_HOOK_KRETPROBE:
		memset(&h->krp, 0, sizeof(h->krp));
		h->krp.kp.symbol_name = h->name;
		h->krp.entry_handler = h->entry;
		h->krp.handler = h->ret;
		h->krp.maxactive = h->maxactive * num_possible_cpus();
		h->krp.data_size = h->data_size;
		h->missed_seen = 0;
		ret = register_kretprobe(&h->krp);
		break;
	default:
		ret = -EINVAL;
	}
	if (ret)
		pr_err("cannot hook %s: %d\n", h->name, ret);
	else
		h->on = true;
	return ret;
}

static void dtproc_hook_off(struct dtproc_hook *h)
{
	switch (h->kind) {
	case DTPROC_HOOK_TRACEPOINT:
		tracepoint_probe_unregister(h->tp, h->tp_func, NULL);
		break;
	case DTPROC_HOOK_KPROBE:
		unregister_kprobe(&h->kp);
		break;
	case DTPROC_HOOK_KRETPROBE:
		unregister_kretprobe(&h->krp);
		break;
	}
	h->on = false;
}

/*
 * Place exactly the hooks that the probes in @mask need.  Returns 0, or the
 * first error met placing a hook (the others are still placed as asked;
 * the caller goes back to its previous mask).
 */
static int dtproc_hooks_set(u32 mask)
{
	u32 enabled = mask & ~dtproc_enabled_mask;
	bool unhooked_tp = false;
	int i, ret = 0, err;

	lockdep_assert_held(&dtproc_hooks_lock);

	WRITE_ONCE(dtproc_enabled_mask, mask);
	for (i = 0; i < ARRAY_SIZE(dtproc_hooks); i++) {
		struct dtproc_hook *h = &dtproc_hooks[i];
		bool want = h->probes & mask;

		/*
		 * A sticky kretprobe kept placed while its probes were not
		 * wanted may have missed then: no event of a subscriber's.
		 */
		if (h->on && h->kind == DTPROC_HOOK_KRETPROBE &&
		    (h->miss_probes & enabled))
			h->missed_seen = READ_ONCE(h->krp.nmissed);

		if (want && !h->on) {
			err = dtproc_hook_on(h);
			if (err && !ret)
				ret = err;
		} else if (!want && h->on && !h->sticky) {
			dtproc_hook_off(h);
			if (h->kind == DTPROC_HOOK_TRACEPOINT)
				unhooked_tp = true;
		}
	}
	/* No handler of ours may still be running once this returns. */
	if (unhooked_tp)
		tracepoint_synchronize_unregister();
	return ret;
}

/*
 * The feed's probes are now @mask: place the hooks they need, remove those
 * no probe needs.  Called with dtproc_feed_lock held, so that the mask is
 * the subscribers' of the moment.  After dtproc_hooks_exit(), places
 * nothing: -ESHUTDOWN for a non-empty @mask.
 */
int dtproc_hooks_update(u32 mask)
{
	int ret = 0;

	mutex_lock(&dtproc_hooks_lock);
	if (!dtproc_hooks_closed)
		ret = dtproc_hooks_set(mask);
	else if (mask)
		ret = -ESHUTDOWN;
	mutex_unlock(&dtproc_hooks_lock);
	return ret;
}

/*
 * Module unload, before the feed goes: every hook goes, sticky ones too,
 * and none is placed again.  When this returns no handler of ours runs, so
 * none records or kicks the feed's worker any more.
 */
void dtproc_hooks_exit(void)
{
	int i;

	mutex_lock(&dtproc_hooks_lock);
	dtproc_hooks_closed = true;
	dtproc_hooks_set(0);
	for (i = 0; i < ARRAY_SIZE(dtproc_hooks); i++)
		if (dtproc_hooks[i].on)
			dtproc_hook_off(&dtproc_hooks[i]);
	mutex_unlock(&dtproc_hooks_lock);
	tracepoint_synchronize_unregister();
}

/* Add to @lost the events kretprobes missed (no free instance) since last time. */
void dtproc_hooks_collect_missed(u64 *lost)
{
	int i, p;

	mutex_lock(&dtproc_hooks_lock);
	for (i = 0; i < ARRAY_SIZE(dtproc_hooks); i++) {
		struct dtproc_hook *h = &dtproc_hooks[i];
		unsigned long missed, delta;

		if (!h->on || h->kind != DTPROC_HOOK_KRETPROBE)
			continue;
		missed = READ_ONCE(h->krp.nmissed);
		delta = missed - h->missed_seen;
		h->missed_seen = missed;
		for (p = 0; delta && p < DTPROC_PROBE_COUNT; p++)
			if (h->miss_probes & BIT(p) & dtproc_enabled_mask)
				lost[p] += delta;
	}
	mutex_unlock(&dtproc_hooks_lock);
}

/*
 * Probe context: the data of the exec kretprobe instance of the execve the
 * current thread is inside, or NULL (no instance: the kretprobe missed, or
 * the exec kretprobes are not placed).  Walks the current thread's own
 * rethook list, which only this thread changes: an instance is pushed at
 * a hooked function's entry and popped at its return, and an interrupt
 * that pushes one pops it before it returns.  The exec kretprobes are
 * sticky: once placed, their rethook stays until the module goes.
 */
void *dtproc_exec_krp_data(void)
{
#ifdef CONFIG_KRETPROBE_ON_RETHOOK
	struct llist_node *n;
	int i;

	for (n = current->rethooks.first; n; n = n->next) {
		struct rethook_node *rn = llist_entry(n, struct rethook_node,
						      llist);

		for (i = 0; i < ARRAY_SIZE(dtproc_hooks); i++) {
			struct dtproc_hook *h = &dtproc_hooks[i];

			if (h->exec && READ_ONCE(h->on) &&
			    READ_ONCE(h->krp.rh) == rn->rethook)
				return container_of(rn,
						    struct kretprobe_instance,
						    node)->data;
		}
	}
#endif
	return NULL;
}
