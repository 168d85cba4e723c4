// SPDX-License-Identifier: GPL-2.0
/*
 * The pid filter in probe context: which processes any subscriber may want.
 *
 * A subscriber's own filter (feed.c) runs in the worker, which follows the
 * processes as it reads their create and exit events.  Recording every
 * event of the system only for the worker to throw most of them away costs
 * each process that nobody follows a fill with interrupts off.  So the
 * probes first ask this set, and record nothing else.
 *
 * The set is a superset of the pids the worker's filters follow: it holds
 * every pid a filter named, and every process created by a process in it
 * (while a filter follows descendants), inserted by the fork probe before
 * the child can run, so before the worker has seen the create.  Nothing is
 * taken out while any filtered subscriber remains: a pid that is no longer
 * followed only costs its events a needless record.  When every pid filter
 * is gone, the set is emptied.
 *
 * It is an open-addressed table of pids with linear probing, written
 * lock-free (cmpxchg into an empty slot) by the fork probe in any context,
 * and under the feed's lock by subscriptions.  No slot is emptied while
 * the table is in use, so a lookup may stop at the first empty slot.  A
 * pid that finds no slot within DTPROC_FILTER_PROBES of its own makes the
 * set overflow: from then on every event is recorded (the worker filters,
 * as without this set), until the set is emptied.
 */
#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>

#include "dtproc.h"

#define DTPROC_FILTER_SLOTS_MAX	8192
#define DTPROC_FILTER_PROBES	64

static unsigned int filter_slots = DTPROC_FILTER_SLOTS_MAX;
module_param(filter_slots, uint, 0444);
MODULE_PARM_DESC(filter_slots,
		 "processes the probes' pid filter can hold (power of two, 16 to 8192, default 8192)");

static u32 dtproc_filter_pids[DTPROC_FILTER_SLOTS_MAX];
static unsigned int dtproc_filter_bits;
/*
 * Record everything: an unfiltered subscriber (written by subscriptions
 * only), or the set overflowed (set by whoever inserts, cleared only with
 * the set).
 */
static bool dtproc_filter_all = true;
static bool dtproc_filter_overflow;
/* Some filter follows descendants: the fork probe inserts children. */
static bool dtproc_filter_descend;
/* Something may be in the set: the feed's lock */
static bool dtproc_filter_used;

static bool dtproc_filter_find(u32 pid, bool insert)
{
	u32 i, h = hash_32(pid, dtproc_filter_bits), slot;

	for (i = 0; i < min(DTPROC_FILTER_PROBES, filter_slots); i++) {
		u32 *p = &dtproc_filter_pids[(h + i) & (filter_slots - 1)];

		slot = READ_ONCE(*p);
		if (slot == pid)
			return true;
		if (slot)
			continue;
		if (!insert)
			return false;
		slot = cmpxchg(p, 0, pid);
		if (!slot || slot == pid)
			return true;
	}
	if (!insert)
		return false;
	/*
	 * A full barrier, as the insert's cmpxchg: the overflow is visible
	 * before the create is stamped (dtproc_ring_reserve_if_followed()).
	 */
	smp_store_mb(dtproc_filter_overflow, true);
	return false;
}

static bool dtproc_filter_everything(void)
{
	return READ_ONCE(dtproc_filter_all) || READ_ONCE(dtproc_filter_overflow);
}

/* Probe context: may a subscriber want an event of process @pid? */
bool dtproc_filter_wants(pid_t pid)
{
	if (dtproc_filter_everything())
		return true;
	return pid > 0 && dtproc_filter_find(pid, false);
}

/*
 * Probe context, the fork of process @child by process @parent: does a
 * subscriber want its create?  Follows @child if @parent is followed.  A
 * child whose pid is in the set already is a pid used again, which the
 * worker must see created to stop following it.
 */
bool dtproc_filter_fork(pid_t parent, pid_t child)
{
	bool everything = dtproc_filter_everything();

	/*
	 * Followed even while everything is recorded: the subscriber that
	 * wants everything may leave before the child does.
	 */
	if (!dtproc_filter_find(parent, false))
		return everything || dtproc_filter_find(child, false);
	if (READ_ONCE(dtproc_filter_descend))
		dtproc_filter_find(child, true);
	return true;
}

static void dtproc_filter_empty(void)
{
	u32 i;

	/* slot by slot: a fork probe may be inserting meanwhile */
	for (i = 0; i < filter_slots; i++)
		WRITE_ONCE(dtproc_filter_pids[i], 0);
	WRITE_ONCE(dtproc_filter_overflow, false);
}

/*
 * The subscriptions changed: @all if one wants every process, @descend if
 * a filter follows descendants, @filtered if any has a pid filter at all.
 * Called with the feed's lock held, before the new subscription's pid is
 * added and its start time taken.
 */
void dtproc_filter_update(bool all, bool descend, bool filtered)
{
	WRITE_ONCE(dtproc_filter_descend, descend);
	WRITE_ONCE(dtproc_filter_all, all);
	if (filtered) {
		dtproc_filter_used = true;
	} else if (dtproc_filter_used) {
		/*
		 * Twice: a fork probe that read descend before it was cleared
		 * may insert, or find no room and set the overflow, while the
		 * set is emptied; once it has finished, nothing refills it.
		 */
		dtproc_filter_empty();
		synchronize_rcu();
		dtproc_filter_empty();
		dtproc_filter_used = false;
	}
}

/* Follow @pid (in process context, with the feed's lock held). */
void dtproc_filter_add(pid_t pid)
{
	dtproc_filter_find(pid, true);
}

/*
 * A probe that read the set before a change that widened it has finished
 * by the time this returns (probes run with preemption off): an event it
 * records after is stamped later.
 */
void dtproc_filter_sync(void)
{
	synchronize_rcu();
}

int dtproc_filter_init(void)
{
	if (filter_slots < 16 || filter_slots > DTPROC_FILTER_SLOTS_MAX ||
	    !is_power_of_2(filter_slots)) {
		pr_err("filter_slots=%u: must be a power of two from 16 to %u\n",
		       filter_slots, DTPROC_FILTER_SLOTS_MAX);
		return -EINVAL;
	}
	dtproc_filter_bits = ilog2(filter_slots);
	return 0;
}
