// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU event rings: the only thing probe context writes to.
 *
 * Each CPU has a single-producer, single-consumer ring of fixed-size
 * records.  The producer is whatever probe fires on that CPU; it reserves,
 * fills and commits a slot with local interrupts off, so probes firing in
 * interrupts on the same CPU cannot interleave with it, and it takes the
 * timestamp inside that section, so each ring is in timestamp order.  The
 * consumer is the feed worker (one at a time: a work item never runs
 * concurrently with itself).  head is written only by the producer, tail
 * only by the consumer; release/acquire pairs publish the slots.
 *
 * A full ring loses the new event and counts it per probe, in-band: the
 * last slot is kept for a loss marker (DTPROC_REC_LOST), written when the
 * first event does not fit and counting every event lost after it until
 * the ring has room again (the next record written closes it).  So the
 * feed reports each loss exactly where it happened in the ring's order,
 * after everything older and before everything newer.  The marker's counts
 * are the only thing producer and consumer both write: under lost_lock, a
 * raw spinlock taken only when the ring is full (by the producer, whose
 * interrupts are off already) and when the consumer meets a marker.
 */
#include <linux/atomic.h>
#include <linux/cpuhotplug.h>
#include <linux/irq_work.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>

#include "dtproc.h"

static unsigned int ring_events = 2048;
module_param(ring_events, uint, 0444);
MODULE_PARM_DESC(ring_events,
		 "events buffered per CPU before losses (power of two, default 2048)");

struct dtproc_ring {
	u64			head;
	u64			tail;
	/*
	 * For the worker's horizon, written by the producer: filling from
	 * before a record's clock is read until it is committed (or lost),
	 * and the last stamp read, which is never later than the stamp of
	 * a record being filled.
	 */
	u32			filling;
	u64			stamp;
	u64			mask;
	/* the record at head - 1 is a loss marker still counting */
	bool			marker_open;
	raw_spinlock_t		lost_lock;	/* the open marker's counts */
	u64			hits[DTPROC_PROBE_COUNT];
	atomic64_t		lost[DTPROC_PROBE_COUNT];
	struct dtproc_rec	recs[];
};

static struct dtproc_ring * __percpu *dtproc_rings;
/*
 * The CPUs that have a ring: those online at load and each brought up
 * since (a ring is made before its CPU starts, and kept when it goes
 * offline, with whatever it still holds), not every possible CPU.
 */
static cpumask_var_t dtproc_ring_cpus;
static int dtproc_ring_hp_state;
static struct irq_work dtproc_kick_work;

/*
 * Runs in interrupt context (irq_work's thread on PREEMPT_RT), where
 * waking the worker is safe, unlike in a probe.
 */
static void dtproc_kick_fn(struct irq_work *work)
{
	dtproc_feed_kick();
}

/* Wake the worker now, whatever the rings hold. */
void dtproc_ring_kick(void)
{
	irq_work_queue(&dtproc_kick_work);
}

const struct cpumask *dtproc_ring_cpumask(void)
{
	return dtproc_ring_cpus;
}

/* @cpu's ring; @cpu is in dtproc_ring_cpumask(). */
struct dtproc_ring *dtproc_ring_of(int cpu)
{
	/* Its bit was read first: pairs with dtproc_ring_prepare(). */
	smp_rmb();
	return *per_cpu_ptr(dtproc_rings, cpu);
}

/*
 * No room for an event of @probe (interrupts are off): count it in the
 * open loss marker, or write one in the slot kept for it.  The consumer
 * frees the slot of a marker it has read under lost_lock, so with the
 * lock held a ring whose every slot is used ends in the open marker; the
 * other branch is a fallback that keeps the count exact.
 */
static void dtproc_ring_overflow(struct dtproc_ring *ring, int probe)
{
	u64 head = ring->head;
	struct dtproc_rec *rec;

	raw_spin_lock(&ring->lost_lock);
	if (ring->marker_open) {
		rec = &ring->recs[(head - 1) & ring->mask];
		rec->lost[probe]++;
	} else if (/* pairs with the consumer's release of the slot */
		   head - smp_load_acquire(&ring->tail) <= ring->mask) {
		rec = &ring->recs[head & ring->mask];
		rec->ts = ktime_get_ns();
		rec->probe = DTPROC_REC_LOST;
		rec->flags = 0;
		rec->cpu = smp_processor_id();
		memset(rec->lost, 0, sizeof(rec->lost));
		rec->lost[probe] = 1;
		ring->marker_open = true;
		/* Publish the marker; pairs with dtproc_ring_head(). */
		smp_store_release(&ring->head, head + 1);
	} else {
		atomic64_inc(&ring->lost[probe]);
	}
	raw_spin_unlock(&ring->lost_lock);
}

/*
 * Take the next slot of this CPU's ring for @probe, stamped @ts, with
 * interrupts off since before @ts was read.  Returns NULL, with the loss
 * counted and interrupts restored, when the ring is full.
 */
static struct dtproc_rec *dtproc_ring_take(int probe, unsigned long irqflags,
					   u64 ts)
{
	struct dtproc_ring *ring;
	struct dtproc_rec *rec;
	u64 head;

	ring = *this_cpu_ptr(dtproc_rings);
	ring->hits[probe]++;
	head = ring->head;
	/*
	 * Pairs with the consumer's release: the slot it freed is ours.  The
	 * last free slot is kept for a loss marker.
	 */
	if (head - smp_load_acquire(&ring->tail) >= ring->mask) {
		dtproc_ring_overflow(ring, probe);
		/* the marker is published: pairs with dtproc_ring_settle() */
		smp_store_release(&ring->filling, 0);
		local_irq_restore(irqflags);
		dtproc_ring_kick();
		return NULL;
	}
	/* A record after a loss marker closes it. */
	if (unlikely(READ_ONCE(ring->marker_open))) {
		raw_spin_lock(&ring->lost_lock);
		ring->marker_open = false;
		raw_spin_unlock(&ring->lost_lock);
	}
	rec = &ring->recs[head & ring->mask];
	rec->ts = ts;
	rec->probe = probe;
	rec->flags = 0;
	rec->cpu = smp_processor_id();
	return rec;
}

/*
 * Reserve the next slot of this CPU's ring for @probe.  Returns NULL, with
 * the loss counted, when the ring is full; otherwise returns the slot with
 * interrupts off and its header (timestamp, probe, cpu) filled in.  The
 * caller fills the rest and calls dtproc_ring_commit().
 */
/*
 * Read the clock for a record of this CPU's ring (interrupts off), saying
 * so first: a worker that reads its horizon before the mark is visible
 * gets an earlier time than this stamp; one that reads it after sees the
 * mark and keeps below the ring's last stamp until the record is
 * committed (dtproc_ring_settle()).  So records of different CPUs go out
 * in timestamp order.
 */
static u64 dtproc_ring_stamp(void)
{
	struct dtproc_ring *ring = *this_cpu_ptr(dtproc_rings);
	u64 ts;

	WRITE_ONCE(ring->filling, 1);
	/* the mark before the clock: pairs with dtproc_ring_settle()'s */
	smp_mb();
	ts = ktime_get_ns();
	WRITE_ONCE(ring->stamp, ts);
	return ts;
}

struct dtproc_rec *dtproc_ring_reserve(int probe, unsigned long *irqflags)
{
	local_irq_save(*irqflags);
	return dtproc_ring_take(probe, *irqflags, dtproc_ring_stamp());
}

/*
 * The same for an event that a subscriber wants only if process @pid is
 * followed by then: a process just created, which its fork probe may be
 * adding to the probes' filter on another CPU.  The timestamp is read
 * before the filter is: if the filter misses the new process, its create
 * (stamped after the insert, filter.c) is stamped after this event would
 * have been, and the worker would have dropped this event as before it.
 */
struct dtproc_rec *dtproc_ring_reserve_if_followed(int probe, pid_t pid,
						   unsigned long *irqflags)
{
	u64 ts;

	local_irq_save(*irqflags);
	ts = dtproc_ring_stamp();
	/* the stamp before the look: pairs with the insert (filter.c) */
	smp_mb();
	if (!dtproc_filter_wants(pid)) {
		/* nothing to fill: pairs with dtproc_ring_settle() */
		smp_store_release(&(*this_cpu_ptr(dtproc_rings))->filling, 0);
		local_irq_restore(*irqflags);
		return NULL;
	}
	return dtproc_ring_take(probe, *irqflags, ts);
}

/*
 * The worker is woken only while a quarter of a ring is filled; below that
 * its own poll (at least every 50 ms while anyone is subscribed, see
 * feed.c) delivers.  A wake-up per event cost a switch to the worker and
 * one to the subscriber for every event; batched, a fork+exec+exit loop
 * pays neither.
 */
void dtproc_ring_commit(struct dtproc_rec *rec, unsigned long irqflags)
{
	struct dtproc_ring *ring = *this_cpu_ptr(dtproc_rings);
	u64 head = ring->head + 1;
	bool kick;

	/* Publish the filled slot; pairs with dtproc_ring_head(). */
	smp_store_release(&ring->head, head);
	/* then say it is: pairs with dtproc_ring_settle() */
	smp_store_release(&ring->filling, 0);
	kick = head - READ_ONCE(ring->tail) >= (ring->mask + 1) / 4;
	local_irq_restore(irqflags);
	if (kick)
		dtproc_ring_kick();
}

/*
 * The worker's horizon for @ring, given @horizon, read before (with a
 * full barrier after it): while a record is being filled, lowered to just
 * past the ring's last stamp, which is at most that record's (its own, or
 * an older one if its clock read is not visible yet): nothing stamped
 * later goes out before it.  No wait for the filling CPU, which a
 * hypervisor may have descheduled.  Then the ring's head.
 */
u64 dtproc_ring_settle(struct dtproc_ring *ring, u64 horizon, u64 *head)
{
	/* pairs with the release that ends the filling */
	if (smp_load_acquire(&ring->filling))
		horizon = min(horizon, READ_ONCE(ring->stamp) + 1);
	*head = dtproc_ring_head(ring);
	return horizon;
}

u64 dtproc_ring_head(struct dtproc_ring *ring)
{
	/* Slots below the head are filled: pairs with dtproc_ring_commit(). */
	return smp_load_acquire(&ring->head);
}

/* The record at the consumer's position, if it is below @head. */
struct dtproc_rec *dtproc_ring_peek(struct dtproc_ring *ring, u64 head)
{
	if (ring->tail == head)
		return NULL;
	return &ring->recs[ring->tail & ring->mask];
}

/* The consumer's position: the oldest slot not yet consumed. */
u64 dtproc_ring_tail(struct dtproc_ring *ring)
{
	return ring->tail;
}

/* The slot at @pos, which the consumer owns (tail <= @pos < head). */
struct dtproc_rec *dtproc_ring_at(struct dtproc_ring *ring, u64 pos)
{
	return &ring->recs[pos & ring->mask];
}

void dtproc_ring_consume(struct dtproc_ring *ring)
{
	/* Done reading the slot before the producer may reuse it. */
	smp_store_release(&ring->tail, ring->tail + 1);
}

/*
 * Consume the loss marker at the consumer's position, with its counts in
 * @lost.  Under lost_lock, so that no event is counted in it afterwards:
 * it is closed (if it is the open one: the last record) and its slot freed
 * together.
 */
void dtproc_ring_consume_marker(struct dtproc_ring *ring,
				u32 lost[DTPROC_PROBE_COUNT])
{
	struct dtproc_rec *rec = &ring->recs[ring->tail & ring->mask];
	unsigned long flags;

	raw_spin_lock_irqsave(&ring->lost_lock, flags);
	if (ring->marker_open && READ_ONCE(ring->head) - 1 == ring->tail)
		ring->marker_open = false;
	memcpy(lost, rec->lost, sizeof(rec->lost));
	/* Done with the slot before the producer may reuse it. */
	smp_store_release(&ring->tail, ring->tail + 1);
	raw_spin_unlock_irqrestore(&ring->lost_lock, flags);
}

u64 dtproc_ring_take_lost(int probe)
{
	u64 n = 0;
	int cpu;

	dtproc_for_each_ring(cpu)
		n += atomic64_xchg(&dtproc_ring_of(cpu)->lost[probe], 0);
	return n;
}

u64 dtproc_ring_hits(int probe)
{
	u64 n = 0;
	int cpu;

	dtproc_for_each_ring(cpu)
		n += READ_ONCE(dtproc_ring_of(cpu)->hits[probe]);
	return n;
}

/*
 * CPU hotplug, on the controlling CPU before @cpu starts (process
 * context): give @cpu its ring, unless it had one already.
 */
static int dtproc_ring_prepare(unsigned int cpu)
{
	struct dtproc_ring *ring;

	if (*per_cpu_ptr(dtproc_rings, cpu))
		return 0;
	ring = vzalloc_node(struct_size(ring, recs, ring_events),
			    cpu_to_node(cpu));
	if (!ring)
		return -ENOMEM;
	ring->mask = ring_events - 1;
	raw_spin_lock_init(&ring->lost_lock);
	*per_cpu_ptr(dtproc_rings, cpu) = ring;
	/* The ring before its bit: pairs with dtproc_ring_of(). */
	smp_wmb();
	cpumask_set_cpu(cpu, dtproc_ring_cpus);
	return 0;
}

int dtproc_ring_init(void)
{
	int ret;

	if (ring_events < 16 || !is_power_of_2(ring_events)) {
		pr_err("ring_events=%u: must be a power of two >= 16\n",
		       ring_events);
		return -EINVAL;
	}

	init_irq_work(&dtproc_kick_work, dtproc_kick_fn);
	dtproc_rings = alloc_percpu(struct dtproc_ring *);
	if (!dtproc_rings)
		return -ENOMEM;
	if (!zalloc_cpumask_var(&dtproc_ring_cpus, GFP_KERNEL)) {
		ret = -ENOMEM;
		goto err;
	}
	/* Calls dtproc_ring_prepare() for every CPU up now. */
	ret = cpuhp_setup_state(CPUHP_BP_PREPARE_DYN, "dtproc/ring:prepare",
				dtproc_ring_prepare, NULL);
	if (ret < 0)
		goto err;
	dtproc_ring_hp_state = ret;
	return 0;

err:
	dtproc_ring_exit();
	return ret;
}

/*
 * Close every ring's open loss marker (a new subscriber is about to be
 * counted in): losses from now on go to a new marker, stamped after the
 * subscription began, which the new subscriber is charged for.
 */
void dtproc_ring_close_markers(void)
{
	unsigned long flags;
	int cpu;

	dtproc_for_each_ring(cpu) {
		struct dtproc_ring *ring = dtproc_ring_of(cpu);

		raw_spin_lock_irqsave(&ring->lost_lock, flags);
		ring->marker_open = false;
		raw_spin_unlock_irqrestore(&ring->lost_lock, flags);
	}
}

/* Wait for a kick already on its way to the feed worker. */
void dtproc_ring_sync(void)
{
	irq_work_sync(&dtproc_kick_work);
}

/* Called only once no probe can fire any more. */
void dtproc_ring_exit(void)
{
	int cpu;

	irq_work_sync(&dtproc_kick_work);
	if (dtproc_ring_hp_state > 0)
		cpuhp_remove_state_nocalls(dtproc_ring_hp_state);
	dtproc_ring_hp_state = 0;
	for_each_possible_cpu(cpu)
		vfree(*per_cpu_ptr(dtproc_rings, cpu));
	free_cpumask_var(dtproc_ring_cpus);
	free_percpu(dtproc_rings);
}
