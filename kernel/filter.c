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
#include <linux/rcupdate.h>

#include "dtproc.h"

#define DTPROC_FILTER_BITS	13
#define DTPROC_FILTER_SLOTS	BIT(DTPROC_FILTER_BITS)
#define DTPROC_FILTER_PROBES	64

static u32 dtproc_filter_pids[DTPROC_FILTER_SLOTS];
/* Record everything: an unfiltered subscriber, or the set overflowed. */
static bool dtproc_filter_all = true;
static bool dtproc_filter_overflow;
/* Some filter follows descendants: the fork probe inserts children. */
static bool dtproc_filter_descend;

static bool dtproc_filter_find(u32 pid, bool insert)
{
	u32 i, h = hash_32(pid, DTPROC_FILTER_BITS), slot;

	for (i = 0; i < DTPROC_FILTER_PROBES; i++) {
		u32 *p = &dtproc_filter_pids[(h + i) & (DTPROC_FILTER_SLOTS - 1)];

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
	if (insert) {
		WRITE_ONCE(dtproc_filter_overflow, true);
		WRITE_ONCE(dtproc_filter_all, true);
	}
	return false;
}

/* Probe context: may a subscriber want an event of process @pid? */
bool dtproc_filter_wants(pid_t pid)
{
	if (READ_ONCE(dtproc_filter_all))
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
	if (READ_ONCE(dtproc_filter_all))
		return true;
	if (!dtproc_filter_find(parent, false))
		return dtproc_filter_find(child, false);
	if (READ_ONCE(dtproc_filter_descend))
		dtproc_filter_find(child, true);
	return true;
}

/*
 * The subscriptions changed: @all if one wants every process, @descend if
 * a filter follows descendants, @filtered if any has a pid filter at all.
 * Called with the feed's lock held, before the new subscription's pid is
 * added and its start time taken.
 */
void dtproc_filter_update(bool all, bool descend, bool filtered)
{
	if (!filtered) {
		memset(dtproc_filter_pids, 0, sizeof(dtproc_filter_pids));
		WRITE_ONCE(dtproc_filter_overflow, false);
	}
	WRITE_ONCE(dtproc_filter_descend, descend);
	WRITE_ONCE(dtproc_filter_all, all || READ_ONCE(dtproc_filter_overflow));
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
