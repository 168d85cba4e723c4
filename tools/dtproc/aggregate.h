/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dtproc CLI: DTrace-style aggregations for "dtproc report".
 *
 * An aggregation maps a tuple of up to AGG_MAX_KEYS keys (strings or
 * integers) to a count() or a quantize() distribution, and prints and
 * orders them as DTrace does.  An idmap stands in for D's self->
 * variables: a value per thread or process id.
 *
 * Nothing here needs the kernel module, so it is unit-tested on the host
 * (selftests/host/aggregate_test.c).
 */
#ifndef DTPROC_AGGREGATE_H
#define DTPROC_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define AGG_MAX_KEYS		3

/* quantize() buckets, as DTrace's: -2^62, ..., -2, -1, 0, 1, 2, 4, ..., 2^62 */
#define AGG_QUANT_NBUCKETS	127
#define AGG_QUANT_ZERO		63	/* the bucket of value 0 */

/* One key of a tuple: the string @str, or the integer @num if @str is NULL. */
struct agg_key {
	const char	*str;
	int64_t		num;
};

enum agg_kind {
	AGG_COUNT,	/* @[...] = count() */
	AGG_QUANTIZE,	/* @[...] = quantize(value) */
};

/* One tuple of an aggregation and its value. */
struct agg_entry {
	struct agg_key	keys[AGG_MAX_KEYS];	/* strings owned by the aggregation */
	uint64_t	count;		/* count(): the count; quantize(): values */
	uint64_t	*buckets;	/* quantize(): AGG_QUANT_NBUCKETS counts */
};

struct agg;

/* A new empty aggregation with @nkeys keys (1 to AGG_MAX_KEYS), or NULL. */
struct agg *agg_new(enum agg_kind kind, unsigned int nkeys);
void agg_free(struct agg *a);

/* Number of tuples in @a. */
size_t agg_size(const struct agg *a);

/*
 * @[keys] = count(): add one to the tuple's count.  @keys holds the
 * aggregation's nkeys keys; strings are copied.  0, -EINVAL if @a is not a
 * count() aggregation, or -ENOMEM.
 */
int agg_count(struct agg *a, const struct agg_key *keys);
/* As agg_count(), adding @n (counts kept elsewhere: breakpoint hits). */
int agg_count_add(struct agg *a, const struct agg_key *keys, uint64_t n);

/* @[keys] = quantize(value).  0, -EINVAL (not a quantize()), or -ENOMEM. */
int agg_quantize(struct agg *a, const struct agg_key *keys, int64_t value);

/* The entry of a tuple, or NULL if it has none. */
const struct agg_entry *agg_lookup(const struct agg *a,
				   const struct agg_key *keys);

/*
 * The tuples in the order DTrace prints them: ascending by value, ties
 * broken by the keys (in order; strings bytewise, integers numerically).
 * The value of a count() is the count; that of a quantize() is the sum
 * over its buckets of bucket value times count, then the count of bucket
 * 0, as dtrace(1M) has it.  Returns an array of agg_size() pointers, valid
 * until @a changes or is freed, or NULL (errno ENOMEM) when out of memory.
 */
const struct agg_entry *const *agg_sorted(struct agg *a);

/*
 * The quantize() bucket of @value, and the value DTrace labels bucket
 * @bucket with (0, then powers of two and their negatives).
 */
int agg_quantize_bucket(int64_t value);
int64_t agg_quantize_value(int bucket);

/*
 * Print one tuple of a quantize() aggregation with @nkeys keys as DTrace
 * does: a line of the keys (a string as "  %-50s", an integer as
 * " %16lld"), the header line, one row per bucket from the one below the
 * lowest used to the one above the highest used, and a blank line.  A
 * bucket's bar is its share of the 40 columns rounded down, as in the
 * DTrace guide's examples (today's DTrace rounds to nearest).
 */
void agg_print_quantize(FILE *fp, const struct agg_entry *e,
			unsigned int nkeys);

/*
 * Print a whole aggregation as dtrace(1M) does by default at its end: a
 * blank line, then every tuple in agg_sorted() order, a quantize() as
 * agg_print_quantize() does, a count() as its keys and " %16llu\n".
 * Nothing if @a is empty.  0, or -ENOMEM.
 */
int agg_print(struct agg *a, FILE *fp);

/*
 * D's printa(@fmt, @a): print every tuple in agg_sorted() order through
 * @fmt, a printf format whose conversions take the keys in order ("%s" for
 * a string key; "%d", "%i", "%u", "%x", "%X", "%o" or "%c" for an integer
 * key) except the one with '@' among its flags, which takes the value:
 * "%@d" (or i, u, x, X, o) prints a count, any "%@" conversion a quantize()
 * distribution (header and rows).  Flags, width and precision apply; length
 * modifiers are accepted and ignored.  0, -EINVAL for a conversion that does
 * not fit its key (nothing more is printed), or -ENOMEM.
 */
int agg_printa(struct agg *a, FILE *fp, const char *fmt);

/* --- a value per thread or process id: D's self-> variables --- */

struct idmap;

struct idmap *idmap_new(void);
void idmap_free(struct idmap *m);

/* Number of ids with a value. */
size_t idmap_size(const struct idmap *m);

/*
 * Give @id the value @num and @str (copied; may be NULL), replacing any it
 * had.  0, or -ENOMEM.
 */
int idmap_set(struct idmap *m, int64_t id, uint64_t num, const char *str);

/*
 * True if @id has a value; then *@num and *@str (either may be NULL) are
 * set to it.  *@str stays valid until @id is set again or deleted.
 */
bool idmap_get(const struct idmap *m, int64_t id, uint64_t *num,
	       const char **str);

/* Forget @id's value; true if it had one. */
bool idmap_del(struct idmap *m, int64_t id);

#endif /* DTPROC_AGGREGATE_H */
