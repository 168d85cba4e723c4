// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side tests of lib/table.h, the project's one hash table (libdtproc's
 * handles by pid, the CLI's aggregations and per-id variables): random
 * adds, finds and deletes checked against a plain array, with hashes made
 * to collide so that runs wrap around the end and deletions shift them.
 */
#include <stdint.h>

#include "table.h"

#include "harness.h"

#define IDS	512

struct item {
	int	id;
};

static bool item_is(const void *item, const void *key)
{
	return ((const struct item *)item)->id == *(const int *)key;
}

/* Random numbers of our own: the same on every run. */
static uint64_t rnd(void)
{
	static uint64_t x = 88172645463325252ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static void check(struct table *t, struct item **ref, uint64_t (*hash)(int))
{
	size_t pos = 0, n = 0;
	struct item *it;
	int id;

	for (id = 0; id < IDS; id++) {
		it = table_find(t, hash(id), item_is, &id);
		if (it != ref[id])
			DT_FAIL(1, "id %d: found %p, held %p", id, (void *)it,
				(void *)ref[id]);
		n += ref[id] != NULL;
	}
	ASSERT_EQ(t->n, n);
	while ((it = table_next(t, &pos))) {
		ASSERT_TRUE(ref[it->id] == it);
		n--;
	}
	ASSERT_EQ(n, 0);
}

static void random_ops(uint64_t (*hash)(int))
{
	struct item *ref[IDS] = { 0 };
	struct table t;
	int i, id;

	ASSERT_EQ(table_init(&t, 0), 0);
	for (i = 0; i < 20000; i++) {
		id = rnd() % IDS;
		if (ref[id] && rnd() % 2) {
			ASSERT_TRUE(table_del(&t, hash(id), item_is, &id) == ref[id]);
			free(ref[id]);
			ref[id] = NULL;
		} else if (!ref[id]) {
			ref[id] = malloc(sizeof(*ref[id]));
			ASSERT_TRUE(ref[id] != NULL);
			ref[id]->id = id;
			ASSERT_EQ(table_add(&t, hash(id), ref[id]), 0);
		} else {
			ASSERT_TRUE(table_del(&t, hash(id ^ 1), item_is, &(int){ id ^ 1 }) ==
				    ref[id ^ 1]);
			free(ref[id ^ 1]);
			ref[id ^ 1] = NULL;
		}
		if (i % 997 == 0)
			check(&t, ref, hash);
	}
	check(&t, ref, hash);
	for (id = 0; id < IDS; id++)
		free(ref[id]);
	table_fini(&t);
}

static uint64_t good_hash(int id)
{
	return table_hash_u64(id);
}

/* Four homes for everything, near the end of any table: long runs that wrap. */
static uint64_t bad_hash(int id)
{
	return (uint64_t)-1 - (id & 3);
}

TEST(table_random_ops)
{
	random_ops(good_hash);
}

TEST(table_colliding_runs_wrap)
{
	random_ops(bad_hash);
}

TEST(table_init_hint_and_empty)
{
	struct table t;
	int id = 7;

	ASSERT_EQ(table_init(&t, 100), 0);
	ASSERT_GE(t.nslots * 3, 100 * 4);
	ASSERT_TRUE(table_find(&t, good_hash(id), item_is, &id) == NULL);
	ASSERT_TRUE(table_del(&t, good_hash(id), item_is, &id) == NULL);
	table_fini(&t);
	ASSERT_TRUE(table_find(&t, good_hash(id), item_is, &id) == NULL);
}
