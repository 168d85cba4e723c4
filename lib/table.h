/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The project's one small hash table (header only: libdtproc and the dtproc
 * CLI each include it; nothing of it is exported).  It holds pointers to
 * the caller's items with their 64-bit hashes; the caller's @eq says
 * whether an item has a key.  Open addressing with linear probing, at most
 * three quarters full, deletion by shifting the run back (no tombstones).
 * It has no lock: it is its owner's to guard.
 *
 *	struct table t;
 *	table_init(&t, 0);
 *	table_add(&t, table_hash_u64(pid), h);
 *	h = table_find(&t, table_hash_u64(pid), handle_is, &pid);
 *	for (i = 0; (h = table_next(&t, &i)); )
 *		...
 *	table_fini(&t);
 */
#ifndef DTPROC_TABLE_H
#define DTPROC_TABLE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

struct table_slot {
	uint64_t	hash;
	void		*item;		/* NULL: free */
};

struct table {
	struct table_slot	*slots;
	size_t			nslots;	/* a power of two, or 0 */
	size_t			n;	/* items held */
};

/* Does @item have @key? */
typedef bool table_eq_fn(const void *item, const void *key);

#define TABLE_HASH_INIT	0xcbf29ce484222325ULL	/* FNV-1a's offset basis */

/* Fold @len bytes at @p into @h (FNV-1a; start from TABLE_HASH_INIT). */
static inline uint64_t table_hash_bytes(uint64_t h, const void *p, size_t len)
{
	const unsigned char *c = p;

	while (len--) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* A hash of an integer key (splitmix64's finaliser: every bit mixed). */
static inline uint64_t table_hash_u64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Room for @hint items without growing (0: none yet).  0 or -ENOMEM. */
static inline int table_init(struct table *t, size_t hint)
{
	size_t n = 16;

	t->slots = NULL;
	t->nslots = 0;
	t->n = 0;
	if (!hint)
		return 0;
	while (n * 3 < hint * 4)
		n *= 2;
	t->slots = calloc(n, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->nslots = n;
	return 0;
}

/* Free the table's slots (not the items: walk them with table_next first). */
static inline void table_fini(struct table *t)
{
	free(t->slots);
	t->slots = NULL;
	t->nslots = 0;
	t->n = 0;
}

/* The slot holding @key, or the free slot ending its run. */
static inline size_t table_slot_of(const struct table *t, uint64_t hash,
				   table_eq_fn *eq, const void *key)
{
	size_t mask = t->nslots - 1, s = hash & mask;

	while (t->slots[s].item &&
	       !(t->slots[s].hash == hash && eq(t->slots[s].item, key)))
		s = (s + 1) & mask;
	return s;
}

/* The item with @key (hashed to @hash), or NULL. */
static inline void *table_find(const struct table *t, uint64_t hash,
			       table_eq_fn *eq, const void *key)
{
	if (!t->n)
		return NULL;
	return t->slots[table_slot_of(t, hash, eq, key)].item;
}

/* Place @item in the first free slot from its home (no key check). */
static inline void table_place(struct table *t, uint64_t hash, void *item)
{
	size_t mask = t->nslots - 1, s = hash & mask;

	while (t->slots[s].item)
		s = (s + 1) & mask;
	t->slots[s].hash = hash;
	t->slots[s].item = item;
}

static inline int table_grow(struct table *t)
{
	size_t nslots = t->nslots ? 2 * t->nslots : 16, i;
	struct table old = *t;

	if (nslots < t->nslots)
		return -ENOMEM;
	t->slots = calloc(nslots, sizeof(*t->slots));
	if (!t->slots) {
		*t = old;
		return -ENOMEM;
	}
	t->nslots = nslots;
	for (i = 0; i < old.nslots; i++)
		if (old.slots[i].item)
			table_place(t, old.slots[i].hash, old.slots[i].item);
	free(old.slots);
	return 0;
}

/* Add @item, whose key the table does not hold yet.  0 or -ENOMEM. */
static inline int table_add(struct table *t, uint64_t hash, void *item)
{
	if ((t->n + 1) * 4 > t->nslots * 3 && table_grow(t))
		return -ENOMEM;
	table_place(t, hash, item);
	t->n++;
	return 0;
}

/* Take the item with @key out of the table: it, or NULL if none. */
static inline void *table_del(struct table *t, uint64_t hash, table_eq_fn *eq,
			      const void *key)
{
	size_t mask, i, j, k;
	void *item;

	if (!t->n)
		return NULL;
	mask = t->nslots - 1;
	i = table_slot_of(t, hash, eq, key);
	item = t->slots[i].item;
	if (!item)
		return NULL;
	t->slots[i].item = NULL;
	t->n--;
	/* shift later members of the run back into the hole */
	for (j = (i + 1) & mask; t->slots[j].item; j = (j + 1) & mask) {
		k = t->slots[j].hash & mask;
		/* slot j stays if its home lies cyclically in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		t->slots[i] = t->slots[j];
		t->slots[j].item = NULL;
		i = j;
	}
	return item;
}

/*
 * The next item from position *@pos (start at 0), in no particular order,
 * or NULL at the end.  Adding or deleting items restarts nothing: do not.
 */
static inline void *table_next(const struct table *t, size_t *pos)
{
	while (*pos < t->nslots) {
		void *item = t->slots[(*pos)++].item;

		if (item)
			return item;
	}
	return NULL;
}

#endif /* DTPROC_TABLE_H */
