// SPDX-License-Identifier: GPL-2.0
/*
 * The proc provider feed: subscribers, and the worker that turns recorded
 * events into netlink messages for them.
 *
 * A subscriber is the generic netlink socket that sent DTPROC_CMD_SUBSCRIBE:
 * the subscription holds a reference to that struct sock and queues its
 * batches on it directly, never through its port id, which a closed
 * socket gives up to whoever binds it next.  A batch the socket has no
 * room for is lost as a whole and reported in-band later.  A socket that
 * is closed (SOCK_DEAD) gets nothing more; its subscription is ended by
 * the worker, which the NETLINK_URELEASE notifier kicks (the notifier runs
 * at every generic netlink socket close and never waits for our lock).
 *
 * The worker drains every CPU's ring, merging them in timestamp order up to
 * a horizon taken before it looks at any ring, and lowered to the stamp of
 * any record still being filled (ring.c marks it before reading the
 * clock).  So every event stamped below the horizon is visible when the
 * worker reads the heads: all events go out in timestamp order, those of
 * one thread in the order they fired.  (A create goes out before a signal
 * to the new process, which a pid filter can only match once it has seen
 * the create.)
 *
 * Locking: dtproc_feed_lock (a mutex, this file's own) protects the
 * subscriber list, every subscriber and the delivery counters.  The worker
 * holds it while it delivers; probe context never takes it.  Nothing that
 * reads another process's memory runs under it: arguments of other
 * processes are read before the worker takes it, without faulting
 * (procinfo.c).  The hooks are hooks.c's, under its dtproc_hooks_lock: the
 * feed tells it the probes its subscribers need (dtproc_hooks_update())
 * and asks for the kretprobes' misses with dtproc_feed_lock held, so the
 * order is dtproc_feed_lock, then dtproc_hooks_lock.
 *
 * The module brings the feed up before the hooks and takes it down after
 * them (main.c): while any hook is placed, the worker and its workqueue
 * exist for the kicks of its handlers.
 */
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "dtproc.h"

/*
 * Bytes of messages sent to a subscriber in one skb: with its
 * skb_shared_info that is a kmalloc-8k object.  One byte more and every
 * batch would be a page allocation (kmalloc's largest cache is two pages).
 */
#define DTPROC_BATCH_BYTES	SKB_WITH_OVERHEAD(8192)
/* Events handled per worker run before it lets others have the CPU. */
#define DTPROC_DRAIN_BUDGET	4096
/* Retry delay for a drop report a full socket could not take. */
#define DTPROC_RETRY_DELAY	msecs_to_jiffies(20)
/*
 * While anyone is subscribed the worker also runs at least this often, so
 * an event waits no longer than that for delivery or its loss report even
 * if no kick reaches the worker (the promise in the uapi).
 */
#define DTPROC_POLL_DELAY	msecs_to_jiffies(50)

/* Serialises subscribers and delivery: see the top of this file. */
static DEFINE_MUTEX(dtproc_feed_lock);

struct dtproc_sub {
	struct list_head	node;
	struct sock		*sk;		/* its socket, referenced */
	u32			mask;		/* probes it asked for */
	pid_t			pid;		/* filter: 0 for every process */
	u32			flags;		/* DTPROC_FILTER_* */
	u64			since;		/* earlier events are not its */
	struct xarray		tracked;	/* pids its filter follows */

	u64			seq;		/* next sequence number */
	u64			drop_first;	/* unreported losses */
	u64			drop_count;

	struct sk_buff		*skb;		/* batch being filled */
	u64			batch_first;	/* first seq in it */
	u32			batch_probes[DTPROC_PROBE_COUNT];
};

static LIST_HEAD(dtproc_subs);
static u64 dtproc_delivered[DTPROC_PROBE_COUNT];
static u64 dtproc_dropped[DTPROC_PROBE_COUNT];
static u64 *dtproc_heads;		/* worker: ring heads per CPU */
static struct workqueue_struct *dtproc_wq;
static struct delayed_work dtproc_drain_work;

void dtproc_feed_kick(void)
{
	mod_delayed_work(dtproc_wq, &dtproc_drain_work, 0);
}

static struct dtproc_sub *dtproc_sub_find(struct sock *sk)
{
	struct dtproc_sub *sub;

	lockdep_assert_held(&dtproc_feed_lock);
	list_for_each_entry(sub, &dtproc_subs, node)
		if (sub->sk == sk)
			return sub;
	return NULL;
}

static void dtproc_sub_free(struct dtproc_sub *sub)
{
	list_del(&sub->node);
	xa_destroy(&sub->tracked);
	kfree_skb(sub->skb);
	sock_put(sub->sk);
	kfree(sub);
}

/* Its socket was closed: netlink_release() orphans it before URELEASE. */
static bool dtproc_sub_dead(const struct dtproc_sub *sub)
{
	return sock_flag(sub->sk, SOCK_DEAD);
}

/*
 * Queue @skb (consumed) on @sub's own socket, as netlink's unicast does
 * once it has found the socket by port id: charge it to the receive
 * buffer, queue it, wake the reader.  Netlink taps (nlmon) do not see it.
 */
static int dtproc_sub_send(struct dtproc_sub *sub, struct sk_buff *skb)
{
	struct sock *sk = sub->sk;
	int rmem;

	if (dtproc_sub_dead(sub)) {
		kfree_skb(skb);
		return -ECONNREFUSED;
	}
	rmem = atomic_read(&sk->sk_rmem_alloc);
	if (rmem && rmem + skb->truesize > READ_ONCE(sk->sk_rcvbuf)) {
		kfree_skb(skb);
		return -ENOBUFS;
	}
	skb_set_owner_r(skb, sk);
	skb_queue_tail(&sk->sk_receive_queue, skb);
	sk->sk_data_ready(sk);
	return 0;
}

/* Sequence numbers [seq, seq + n) are lost. */
static void dtproc_sub_add_drop(struct dtproc_sub *sub, u64 n)
{
	if (!sub->drop_count)
		sub->drop_first = sub->seq;
	sub->drop_count += n;
	sub->seq += n;
}

/* Send the batch; if the socket cannot take it, all of it is lost. */
static void dtproc_sub_flush(struct dtproc_sub *sub)
{
	struct sk_buff *skb = sub->skb;
	int i, ret;

	lockdep_assert_held(&dtproc_feed_lock);
	if (!skb)
		return;
	sub->skb = NULL;

	ret = dtproc_sub_send(sub, skb);
	if (!ret) {
		for (i = 0; i < DTPROC_PROBE_COUNT; i++)
			dtproc_delivered[i] += sub->batch_probes[i];
		return;
	}
	for (i = 0; i < DTPROC_PROBE_COUNT; i++)
		dtproc_dropped[i] += sub->batch_probes[i];
	/* Everything numbered since the batch began is now unreported loss. */
	sub->drop_first = sub->batch_first;
	sub->drop_count = sub->seq - sub->batch_first;
}

static bool dtproc_sub_open_batch(struct dtproc_sub *sub)
{
	if (sub->skb)
		return true;
	sub->skb = alloc_skb(DTPROC_BATCH_BYTES, GFP_KERNEL);
	if (!sub->skb)
		return false;
	sub->batch_first = sub->drop_count ? sub->drop_first : sub->seq;
	memset(sub->batch_probes, 0, sizeof(sub->batch_probes));
	return true;
}

/*
 * Queue @rec for @sub, preceded by a report of any unreported loss; with
 * @rec NULL, only the loss report.
 */
static void dtproc_sub_queue(struct dtproc_sub *sub,
			     const struct dtproc_rec *rec)
{
	int tries;

	for (tries = 0; tries < 2; tries++) {
		if (!dtproc_sub_open_batch(sub))
			break;
		if (sub->drop_count) {
			if (dtproc_event_put_drop(sub->skb, sub->drop_first,
						  sub->drop_count)) {
				dtproc_sub_flush(sub);
				continue;
			}
			sub->drop_count = 0;
		}
		if (!rec)
			return;
		if (dtproc_event_put(sub->skb, rec, sub->seq)) {
			dtproc_sub_flush(sub);
			continue;
		}
		sub->seq++;
		sub->batch_probes[rec->probe]++;
		return;
	}
	if (rec) {
		dtproc_dropped[rec->probe]++;
		dtproc_sub_add_drop(sub, 1);
	}
}

static bool dtproc_sub_tracks(struct dtproc_sub *sub, u32 pid)
{
	return pid && xa_load(&sub->tracked, pid);
}

/* The values of dtproc_sub.tracked */
#define DTPROC_TRACKED_LIVE	1
#define DTPROC_TRACKED_EXITED	2	/* its last events (SIGCHLD) still come */

/*
 * Does @rec pass @sub's filter?  Follows the filter's processes as they
 * fork (with DTPROC_FILTER_DESCENDANTS) and exit.  An exited process still
 * sends its parent SIGCHLD after its exit event, so its pid stays followed
 * until the pid is used again: a create of that pid by a process not
 * followed is where it stops.
 */
static bool dtproc_sub_match(struct dtproc_sub *sub,
			     const struct dtproc_rec *rec)
{
	if (!sub->pid)
		return true;

	if (rec->probe == DTPROC_PROBE_CREATE &&
	    !dtproc_sub_tracks(sub, rec->pid) &&
	    dtproc_sub_tracks(sub, rec->child.pid))
		xa_erase(&sub->tracked, rec->child.pid);

	if (!dtproc_sub_tracks(sub, rec->pid)) {
		/* signals sent to a followed process, by anyone */
		return (rec->probe == DTPROC_PROBE_SIGNAL_SEND ||
			rec->probe == DTPROC_PROBE_SIGNAL_DISCARD) &&
		       dtproc_sub_tracks(sub, rec->lwp.proc.pid);
	}
	/*
	 * A followed process's child is followed too.  Its xarray node is a
	 * small allocation that may wait but never fails: a failure would
	 * lose the child's events without a loss report.
	 */
	if (rec->probe == DTPROC_PROBE_CREATE &&
	    (sub->flags & DTPROC_FILTER_DESCENDANTS))
		xa_store(&sub->tracked, rec->child.pid,
			 xa_mk_value(DTPROC_TRACKED_LIVE),
			 GFP_KERNEL | __GFP_NOFAIL);
	if (rec->probe == DTPROC_PROBE_EXIT)
		xa_store(&sub->tracked, rec->pid,
			 xa_mk_value(DTPROC_TRACKED_EXITED), GFP_KERNEL);
	return true;
}

static void dtproc_dispatch(struct dtproc_rec *rec)
{
	struct dtproc_sub *sub;

	lockdep_assert_held(&dtproc_feed_lock);
	list_for_each_entry(sub, &dtproc_subs, node) {
		if (dtproc_sub_dead(sub) || rec->ts < sub->since ||
		    !dtproc_sub_match(sub, rec) ||
		    !(sub->mask & BIT(rec->probe)))
			continue;
		dtproc_sub_queue(sub, rec);
	}
}

/*
 * A ring's loss marker: @lost events of each probe did not fit in the ring
 * right after the events before it.  Each subscriber of those probes gets
 * a drop there, in its order; not one that subscribed after the marker.
 */
static void dtproc_dispatch_lost(const struct dtproc_rec *rec,
				 const u32 lost[DTPROC_PROBE_COUNT])
{
	struct dtproc_sub *sub;
	u64 n;
	int p;

	lockdep_assert_held(&dtproc_feed_lock);
	for (p = 0; p < DTPROC_PROBE_COUNT; p++)
		dtproc_dropped[p] += lost[p];
	list_for_each_entry(sub, &dtproc_subs, node) {
		if (dtproc_sub_dead(sub) || rec->ts < sub->since)
			continue;
		for (n = 0, p = 0; p < DTPROC_PROBE_COUNT; p++)
			if (sub->mask & BIT(p))
				n += lost[p];
		if (n)
			dtproc_sub_add_drop(sub, n);
	}
}

/*
 * Losses counted outside the rings (kretprobes that found no free
 * instance, and the rings' fallback count), reported to every subscriber
 * of the probe when they are found.
 */
static void dtproc_report_lost(void)
{
	u64 lost[DTPROC_PROBE_COUNT] = { 0 };
	struct dtproc_sub *sub;
	int p;

	lockdep_assert_held(&dtproc_feed_lock);
	dtproc_hooks_collect_missed(lost);
	for (p = 0; p < DTPROC_PROBE_COUNT; p++) {
		lost[p] += dtproc_ring_take_lost(p);
		if (!lost[p])
			continue;
		dtproc_dropped[p] += lost[p];
		list_for_each_entry(sub, &dtproc_subs, node)
			if (sub->mask & BIT(p))
				dtproc_sub_add_drop(sub, lost[p]);
	}
}

/*
 * What one worker run may deliver: the events below each ring's head and
 * older than the horizon, which is taken first and lowered below any
 * record still being filled (ring.c).  Returns the horizon.
 */
static u64 dtproc_snapshot(void)
{
	u64 horizon = ktime_get_ns();
	int cpu;

	smp_mb();	/* the horizon is read before any mark or ring head */
	dtproc_for_each_ring(cpu)
		horizon = dtproc_ring_settle(dtproc_ring_of(cpu), horizon,
					     &dtproc_heads[cpu]);
	return horizon;
}

/*
 * The arguments of the targets of this run's signal events that could not
 * be read in probe context: read here, before dtproc_feed_lock is taken,
 * and bounded (dtproc_read_psargs() neither faults nor waits for a lock).
 * The worker owns the slots between a ring's tail and head.
 */
static void dtproc_read_late_psargs(void)
{
	struct dtproc_ring *ring;
	struct dtproc_rec *rec;
	u64 pos;
	int cpu;

	dtproc_for_each_ring(cpu) {
		ring = dtproc_ring_of(cpu);
		for (pos = dtproc_ring_tail(ring); pos != dtproc_heads[cpu];
		     pos++) {
			rec = dtproc_ring_at(ring, pos);
			if (!(rec->flags & DTPROC_REC_PSARGS_LATER))
				continue;
			dtproc_read_psargs(&rec->lwp.proc);
			rec->flags &= ~DTPROC_REC_PSARGS_LATER;
		}
	}
}

/* What is left after a run of dtproc_drain_rings() */
enum dtproc_left {
	DTPROC_LEFT_NONE,	/* nothing of the snapshot */
	DTPROC_LEFT_HELD,	/* events held back by the horizon */
	DTPROC_LEFT_BUDGET,	/* events the budget did not cover */
};

/* Deliver recorded events in timestamp order. */
static enum dtproc_left dtproc_drain_rings(u64 horizon)
{
	int cpu, best_cpu, budget = DTPROC_DRAIN_BUDGET;
	struct dtproc_rec *rec, *best;

	while (budget--) {
		best = NULL;
		best_cpu = -1;
		dtproc_for_each_ring(cpu) {
			rec = dtproc_ring_peek(dtproc_ring_of(cpu),
					       dtproc_heads[cpu]);
			if (rec && rec->ts < horizon &&
			    (!best || rec->ts < best->ts)) {
				best = rec;
				best_cpu = cpu;
			}
		}
		if (!best)
			break;
		if (best->probe == DTPROC_REC_LOST) {
			u32 lost[DTPROC_PROBE_COUNT];

			dtproc_ring_consume_marker(dtproc_ring_of(best_cpu),
						   lost);
			dtproc_dispatch_lost(best, lost);
			continue;
		}
		dtproc_dispatch(best);
		dtproc_ring_consume(dtproc_ring_of(best_cpu));
	}
	/*
	 * Only a run cut short by its budget goes again at once, and one
	 * that held events of its snapshot back (a record still being filled
	 * lowered the horizon) a tick later.  Events recorded since the
	 * snapshot wait for their ring's kick (a quarter full) or the poll:
	 * run again for each, and a steady stream from other CPUs would keep
	 * the worker running for a few events at a time, the wake-ups that
	 * batching saves.
	 */
	if (budget < 0)
		return DTPROC_LEFT_BUDGET;
	dtproc_for_each_ring(cpu)
		if (dtproc_ring_peek(dtproc_ring_of(cpu), dtproc_heads[cpu]))
			return DTPROC_LEFT_HELD;
	return DTPROC_LEFT_NONE;
}

static int dtproc_feed_update(void);

/* End the subscriptions of closed sockets. */
static void dtproc_reap(void)
{
	struct dtproc_sub *sub, *tmp;
	bool reaped = false;

	lockdep_assert_held(&dtproc_feed_lock);
	list_for_each_entry_safe(sub, tmp, &dtproc_subs, node) {
		if (dtproc_sub_dead(sub)) {
			dtproc_sub_free(sub);
			reaped = true;
		}
	}
	if (reaped)
		dtproc_feed_update();
}

static void dtproc_drain(struct work_struct *work)
{
	bool retry = false, subscribed;
	struct dtproc_sub *sub;
	enum dtproc_left left;
	u64 horizon;

	horizon = dtproc_snapshot();
	dtproc_read_late_psargs();

	mutex_lock(&dtproc_feed_lock);
	dtproc_reap();
	dtproc_report_lost();
	left = dtproc_drain_rings(horizon);
	list_for_each_entry(sub, &dtproc_subs, node) {
		if (sub->drop_count)
			dtproc_sub_queue(sub, NULL);
		dtproc_sub_flush(sub);
		retry |= sub->drop_count && !dtproc_sub_dead(sub);
	}
	subscribed = !list_empty(&dtproc_subs);
	mutex_unlock(&dtproc_feed_lock);

	if (left == DTPROC_LEFT_BUDGET)
		dtproc_feed_kick();
	else if (left == DTPROC_LEFT_HELD)
		mod_delayed_work(dtproc_wq, &dtproc_drain_work, 1);
	else if (retry)
		mod_delayed_work(dtproc_wq, &dtproc_drain_work,
				 DTPROC_RETRY_DELAY);
	else if (subscribed)
		queue_delayed_work(dtproc_wq, &dtproc_drain_work,
				   DTPROC_POLL_DELAY);
}

/* Tell the probes' pid filter (filter.c) what the subscribers follow. */
static void dtproc_feed_filter(void)
{
	bool all = false, descend = false, filtered = false;
	struct dtproc_sub *sub;

	lockdep_assert_held(&dtproc_feed_lock);
	list_for_each_entry(sub, &dtproc_subs, node) {
		all |= !sub->pid;
		filtered |= !!sub->pid;
		descend |= sub->pid && (sub->flags & DTPROC_FILTER_DESCENDANTS);
	}
	dtproc_filter_update(all, descend, filtered);
}

/* The probes the subscribers need recorded: theirs, and what filters follow. */
static u32 dtproc_feed_mask(void)
{
	struct dtproc_sub *sub;
	u32 mask = 0;

	lockdep_assert_held(&dtproc_feed_lock);
	list_for_each_entry(sub, &dtproc_subs, node) {
		mask |= sub->mask;
		if (sub->pid)
			mask |= BIT(DTPROC_PROBE_CREATE) | BIT(DTPROC_PROBE_EXIT);
	}
	return mask;
}

/* The subscriptions changed: the probes' filter, then the hooks. */
static int dtproc_feed_update(void)
{
	dtproc_feed_filter();
	return dtproc_hooks_update(dtproc_feed_mask());
}

static int dtproc_sub_set(struct dtproc_sub *sub, u32 mask, pid_t pid,
			  u32 flags)
{
	sub->mask = mask;
	sub->pid = pid;
	sub->flags = flags;
	/*
	 * The probes' filter lets its process's events through before its
	 * start: an event stamped later was recorded by a probe that found
	 * the pid in the set.
	 */
	dtproc_feed_filter();
	if (pid)
		dtproc_filter_add(pid);
	dtproc_filter_sync();
	sub->since = ktime_get_ns();
	xa_destroy(&sub->tracked);
	if (pid)
		return xa_err(xa_store(&sub->tracked, pid,
				       xa_mk_value(DTPROC_TRACKED_LIVE),
				       GFP_KERNEL));
	return 0;
}

/*
 * Subscribe the socket @sk, or change its subscription.  @pid is in the
 * caller's pid namespace.  Once this returns 0 the hooks are in place.
 */
int dtproc_feed_sub_add(struct sock *sk, u32 mask, pid_t pid, u32 flags)
{
	struct dtproc_sub *sub;
	struct pid *p = NULL;
	pid_t gpid = 0;
	int ret;

	if (pid) {
		p = find_get_pid(pid);
		rcu_read_lock();
		if (!p || !pid_task(p, PIDTYPE_TGID)) {
			rcu_read_unlock();
			put_pid(p);
			return -ESRCH;
		}
		rcu_read_unlock();
		gpid = pid_nr(p);
		put_pid(p);
	}

	mutex_lock(&dtproc_feed_lock);
	sub = dtproc_sub_find(sk);
	if (!sub) {
		sub = kzalloc(sizeof(*sub), GFP_KERNEL);
		if (!sub) {
			ret = -ENOMEM;
			goto out;
		}
		sock_hold(sk);
		sub->sk = sk;
		sub->seq = 1;
		xa_init(&sub->tracked);
		list_add_tail(&sub->node, &dtproc_subs);
	}
	ret = dtproc_sub_set(sub, mask, gpid, flags);
	/* losses counted in a marker begun before it are not its */
	dtproc_ring_close_markers();
	if (!ret)
		ret = dtproc_feed_update();
	if (ret) {
		/* A subscription that cannot be served is dropped. */
		dtproc_sub_free(sub);
		dtproc_feed_update();
	}
out:
	mutex_unlock(&dtproc_feed_lock);
	/*
	 * Start the worker's polling now: losses that no event kicks it for
	 * (kretprobe misses) are reported within the poll delay.
	 */
	if (!ret)
		dtproc_feed_kick();
	return ret;
}

int dtproc_feed_sub_del(struct sock *sk)
{
	struct dtproc_sub *sub;
	int ret = -ENOENT;

	mutex_lock(&dtproc_feed_lock);
	sub = dtproc_sub_find(sk);
	if (sub) {
		dtproc_sub_free(sub);
		dtproc_feed_update();
		ret = 0;
	}
	mutex_unlock(&dtproc_feed_lock);
	return ret;
}

void dtproc_feed_probe_stats(int probe, u64 *hits, u64 *delivered, u64 *dropped)
{
	mutex_lock(&dtproc_feed_lock);
	*hits = dtproc_ring_hits(probe);
	*delivered = dtproc_delivered[probe];
	*dropped = dtproc_dropped[probe];
	mutex_unlock(&dtproc_feed_lock);
}

/*
 * A closed socket ends its subscription: the worker reaps it.  Which socket
 * the (net, portid) named is not asked: another may have that port id by
 * now, and a closed subscriber is recognised by its own socket.
 */
static int dtproc_netlink_event(struct notifier_block *nb,
				unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC &&
	    !list_empty_careful(&dtproc_subs))
		dtproc_feed_kick();
	return NOTIFY_DONE;
}

static struct notifier_block dtproc_netlink_nb = {
	.notifier_call = dtproc_netlink_event,
};

int dtproc_feed_init(void)
{
	int ret;

	ret = dtproc_filter_init();
	if (ret)
		return ret;
	dtproc_heads = kcalloc(nr_cpu_ids, sizeof(*dtproc_heads), GFP_KERNEL);
	if (!dtproc_heads)
		return -ENOMEM;
	dtproc_wq = alloc_workqueue("dtproc", WQ_UNBOUND, 1);
	if (!dtproc_wq) {
		ret = -ENOMEM;
		goto err_wq;
	}
	INIT_DELAYED_WORK(&dtproc_drain_work, dtproc_drain);
	ret = netlink_register_notifier(&dtproc_netlink_nb);
	if (ret)
		goto err_notifier;
	return 0;

err_notifier:
	destroy_workqueue(dtproc_wq);
err_wq:
	kfree(dtproc_heads);
	return ret;
}

/*
 * After the genl family is gone (no new subscriber can appear) and after
 * dtproc_hooks_exit() (no probe fires, nothing records or kicks).
 */
void dtproc_feed_exit(void)
{
	struct dtproc_sub *sub, *tmp;

	netlink_unregister_notifier(&dtproc_netlink_nb);
	mutex_lock(&dtproc_feed_lock);
	list_for_each_entry_safe(sub, tmp, &dtproc_subs, node)
		dtproc_sub_free(sub);
	mutex_unlock(&dtproc_feed_lock);

	/* Stop the last kick and the worker. */
	dtproc_ring_sync();
	cancel_delayed_work_sync(&dtproc_drain_work);
	destroy_workqueue(dtproc_wq);
	kfree(dtproc_heads);
}
