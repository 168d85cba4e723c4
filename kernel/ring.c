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
 * A full ring loses the new event and counts it per probe; the feed worker
 * reports those losses in-band.
 */
#include <linux/atomic.h>
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
	u64			mask;
	u64			hits[DTPROC_PROBE_COUNT];
	atomic64_t		lost[DTPROC_PROBE_COUNT];
	struct dtproc_rec	recs[];
};

static struct dtproc_ring * __percpu *dtproc_rings;
static struct irq_work dtproc_kick_work;

/* Runs in hard interrupt context, where waking the worker is safe. */
static void dtproc_kick_fn(struct irq_work *work)
{
	dtproc_feed_kick();
}

struct dtproc_ring *dtproc_ring_of(int cpu)
{
	return *per_cpu_ptr(dtproc_rings, cpu);
}

/*
 * Reserve the next slot of this CPU's ring for @probe.  Returns NULL, with
 * the loss counted, when the ring is full; otherwise returns the slot with
 * interrupts off and its header (timestamp, probe, cpu) filled in.  The
 * caller fills the rest and calls dtproc_ring_commit().
 */
struct dtproc_rec *dtproc_ring_reserve(int probe, unsigned long *irqflags)
{
	struct dtproc_ring *ring;
	struct dtproc_rec *rec;
	u64 head;

	local_irq_save(*irqflags);
	ring = *this_cpu_ptr(dtproc_rings);
	ring->hits[probe]++;
	head = ring->head;
	/* Pairs with the consumer's release: the slot it freed is ours. */
	if (head - smp_load_acquire(&ring->tail) > ring->mask) {
		atomic64_inc(&ring->lost[probe]);
		local_irq_restore(*irqflags);
		irq_work_queue(&dtproc_kick_work);
		return NULL;
	}
	rec = &ring->recs[head & ring->mask];
	rec->ts = ktime_get_ns();
	rec->probe = probe;
	rec->flags = 0;
	rec->cpu = smp_processor_id();
	return rec;
}

void dtproc_ring_commit(struct dtproc_rec *rec, unsigned long irqflags)
{
	struct dtproc_ring *ring = *this_cpu_ptr(dtproc_rings);

	/* Publish the filled slot; pairs with dtproc_ring_head(). */
	smp_store_release(&ring->head, ring->head + 1);
	local_irq_restore(irqflags);
	irq_work_queue(&dtproc_kick_work);
}

/* An event that could not even be recorded (a missed kretprobe, say). */
void dtproc_ring_lost(int probe)
{
	atomic64_inc(&(*this_cpu_ptr(dtproc_rings))->lost[probe]);
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

u64 dtproc_ring_take_lost(int probe)
{
	u64 n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += atomic64_xchg(&dtproc_ring_of(cpu)->lost[probe], 0);
	return n;
}

u64 dtproc_ring_hits(int probe)
{
	u64 n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(dtproc_ring_of(cpu)->hits[probe]);
	return n;
}

int dtproc_ring_init(void)
{
	size_t size;
	int cpu;

	if (ring_events < 16 || !is_power_of_2(ring_events)) {
		pr_err("ring_events=%u: must be a power of two >= 16\n",
		       ring_events);
		return -EINVAL;
	}
	size = struct_size_t(struct dtproc_ring, recs, ring_events);

	init_irq_work(&dtproc_kick_work, dtproc_kick_fn);
	dtproc_rings = alloc_percpu(struct dtproc_ring *);
	if (!dtproc_rings)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct dtproc_ring *ring;

		ring = vzalloc_node(size, cpu_to_node(cpu));
		if (!ring)
			goto err_ring;
		ring->mask = ring_events - 1;
		*per_cpu_ptr(dtproc_rings, cpu) = ring;
	}
	return 0;

err_ring:
	dtproc_ring_exit();
	return -ENOMEM;
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
	for_each_possible_cpu(cpu)
		vfree(*per_cpu_ptr(dtproc_rings, cpu));
	free_percpu(dtproc_rings);
}
