// SPDX-License-Identifier: GPL-2.0
/*
 * dtproc CLI: DTrace-style aggregations (count() and quantize()) and
 * per-id variables for "dtproc report".  See aggregate.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "table.h"

struct agg {
	enum agg_kind		kind;
	unsigned int		nkeys;
	struct agg_entry	**entries;	/* in order of arrival */
	size_t			n, cap;
	struct table		index;		/* keys -> entry */
	const struct agg_entry	**sorted;
	size_t			nsorted;	/* sorted[] is valid if == n */
};

/* --- keys --- */

static uint64_t keys_hash(const struct agg_key *keys, unsigned int nkeys)
{
	uint64_t h = TABLE_HASH_INIT;
	unsigned int i;

	for (i = 0; i < nkeys; i++) {
		if (keys[i].str)
			h = table_hash_bytes(h, keys[i].str, strlen(keys[i].str) + 1);
		else
			h = table_hash_bytes(h, &keys[i].num, sizeof(keys[i].num));
	}
	return h;
}

/* Strings after integers, strings bytewise, integers numerically. */
static int key_cmp(const struct agg_key *l, const struct agg_key *r)
{
	if (l->str && r->str)
		return strcmp(l->str, r->str);
	if (l->str || r->str)
		return l->str ? 1 : -1;
	if (l->num != r->num)
		return l->num < r->num ? -1 : 1;
	return 0;
}

static int keys_cmp(const struct agg_key *l, const struct agg_key *r,
		    unsigned int nkeys)
{
	unsigned int i;
	int c;

	for (i = 0; i < nkeys; i++) {
		c = key_cmp(&l[i], &r[i]);
		if (c)
			return c;
	}
	return 0;
}

/* A tuple looked up in an aggregation's index. */
struct agg_tuple {
	const struct agg_key	*keys;
	unsigned int		nkeys;
};

static bool entry_is(const void *item, const void *key)
{
	const struct agg_tuple *t = key;

	return !keys_cmp(((const struct agg_entry *)item)->keys, t->keys,
			 t->nkeys);
}

/* --- the aggregation --- */

struct agg *agg_new(enum agg_kind kind, unsigned int nkeys)
{
	struct agg *a;

	if (nkeys < 1 || nkeys > AGG_MAX_KEYS ||
	    (kind != AGG_COUNT && kind != AGG_QUANTIZE)) {
		errno = EINVAL;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->kind = kind;
	a->nkeys = nkeys;
	a->nsorted = SIZE_MAX;
	return a;
}

static void entry_free(struct agg_entry *e)
{
	unsigned int i;

	if (!e)
		return;
	for (i = 0; i < AGG_MAX_KEYS; i++)
		free((char *)e->keys[i].str);
	free(e->buckets);
	free(e);
}

void agg_free(struct agg *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n; i++)
		entry_free(a->entries[i]);
	free(a->entries);
	table_fini(&a->index);
	free(a->sorted);
	free(a);
}

size_t agg_size(const struct agg *a)
{
	return a->n;
}

const struct agg_entry *agg_lookup(const struct agg *a,
				   const struct agg_key *keys)
{
	struct agg_tuple t = { .keys = keys, .nkeys = a->nkeys };

	return table_find(&a->index, keys_hash(keys, a->nkeys), entry_is, &t);
}

/* The entry of @keys, created if need be; NULL when out of memory. */
static struct agg_entry *agg_get(struct agg *a, const struct agg_key *keys)
{
	struct agg_tuple t = { .keys = keys, .nkeys = a->nkeys };
	uint64_t hash = keys_hash(keys, a->nkeys);
	struct agg_entry *e;
	unsigned int i;

	e = table_find(&a->index, hash, entry_is, &t);
	if (e)
		return e;

	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		struct agg_entry **p;

		p = reallocarray(a->entries, cap, sizeof(*p));
		if (!p)
			return NULL;
		a->entries = p;
		a->cap = cap;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	for (i = 0; i < a->nkeys; i++) {
		if (keys[i].str) {
			e->keys[i].str = strdup(keys[i].str);
			if (!e->keys[i].str)
				goto nomem;
		} else {
			e->keys[i].num = keys[i].num;
		}
	}
	if (a->kind == AGG_QUANTIZE) {
		e->buckets = calloc(AGG_QUANT_NBUCKETS, sizeof(*e->buckets));
		if (!e->buckets)
			goto nomem;
	}
	if (table_add(&a->index, hash, e))
		goto nomem;
	a->entries[a->n++] = e;
	return e;
nomem:
	entry_free(e);
	return NULL;
}

int agg_count(struct agg *a, const struct agg_key *keys)
{
	return agg_count_add(a, keys, 1);
}

int agg_count_add(struct agg *a, const struct agg_key *keys, uint64_t n)
{
	struct agg_entry *e;

	if (a->kind != AGG_COUNT)
		return -EINVAL;
	e = agg_get(a, keys);
	if (!e)
		return -ENOMEM;
	e->count += n;
	a->nsorted = SIZE_MAX;
	return 0;
}

/* --- quantize() --- */

static int log2_u64(uint64_t v)
{
	return 63 - __builtin_clzll(v);
}

int agg_quantize_bucket(int64_t value)
{
	uint64_t mag;
	int b;

	if (value == 0)
		return AGG_QUANT_ZERO;
	if (value > 0)
		return AGG_QUANT_ZERO + 1 + log2_u64(value);
	/* -1 to bucket -1, -3 and -2 to bucket -2, ..., below -2^62 to 0. */
	mag = -(uint64_t)value;
	b = log2_u64(mag);
	if (b > AGG_QUANT_ZERO - 1)
		b = AGG_QUANT_ZERO - 1;
	return AGG_QUANT_ZERO - 1 - b;
}

int64_t agg_quantize_value(int bucket)
{
	if (bucket < AGG_QUANT_ZERO)
		return -(int64_t)(1ULL << (AGG_QUANT_ZERO - 1 - bucket));
	if (bucket == AGG_QUANT_ZERO)
		return 0;
	return (int64_t)(1ULL << (bucket - AGG_QUANT_ZERO - 1));
}

int agg_quantize(struct agg *a, const struct agg_key *keys, int64_t value)
{
	struct agg_entry *e;

	if (a->kind != AGG_QUANTIZE)
		return -EINVAL;
	e = agg_get(a, keys);
	if (!e)
		return -ENOMEM;
	e->buckets[agg_quantize_bucket(value)]++;
	e->count++;
	a->nsorted = SIZE_MAX;
	return 0;
}

/* --- ordering --- */

/* A quantize()'s sort value: the sum of bucket value times count. */
static long double quant_weight(const struct agg_entry *e)
{
	long double w = 0;
	int i;

	for (i = 0; i < AGG_QUANT_NBUCKETS; i++)
		if (e->buckets[i])
			w += (long double)agg_quantize_value(i) *
			     (long double)e->buckets[i];
	return w;
}

static int entry_cmp(const void *lp, const void *rp)
{
	const struct agg_entry *l = *(const struct agg_entry *const *)lp;
	const struct agg_entry *r = *(const struct agg_entry *const *)rp;

	if (l->buckets && r->buckets) {
		long double lw = quant_weight(l), rw = quant_weight(r);
		uint64_t lz = l->buckets[AGG_QUANT_ZERO];
		uint64_t rz = r->buckets[AGG_QUANT_ZERO];

		if (lw != rw)
			return lw < rw ? -1 : 1;
		if (lz != rz)
			return lz < rz ? -1 : 1;
	} else if (l->count != r->count) {
		return l->count < r->count ? -1 : 1;
	}
	/* Unused keys are all { NULL, 0 }, so comparing them all is fine. */
	return keys_cmp(l->keys, r->keys, AGG_MAX_KEYS);
}

const struct agg_entry *const *agg_sorted(struct agg *a)
{
	const struct agg_entry **p;

	if (a->nsorted == a->n && a->sorted)
		return a->sorted;
	p = reallocarray(a->sorted, a->n ? a->n : 1, sizeof(*p));
	if (!p)
		return NULL;
	a->sorted = p;
	if (a->n) {
		memcpy(p, a->entries, a->n * sizeof(*p));
		qsort(p, a->n, sizeof(*p), entry_cmp);
	}
	a->nsorted = a->n;
	return a->sorted;
}

/* --- printing --- */

#define QUANT_BAR	40

/*
 * Length of a bucket's bar: its share of the 40 columns, rounded down, as
 * in the DTrace guide's examples.
 */
static unsigned int quant_depth(uint64_t count, uint64_t total)
{
	long double f;

	if (!total)
		return 0;
	f = (long double)count * QUANT_BAR / (long double)total;
	if (f > QUANT_BAR)
		f = QUANT_BAR;
	return (unsigned int)f;
}

static const char quant_ats[] = "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@";
static const char quant_spaces[] = "                                        ";

/* The keys of @e as dtrace(1M) prints them, without a newline. */
static void print_keys(FILE *fp, const struct agg_entry *e, unsigned int nkeys)
{
	unsigned int k;

	for (k = 0; k < nkeys && k < AGG_MAX_KEYS; k++) {
		if (e->keys[k].str)
			fprintf(fp, "  %-50s", e->keys[k].str);
		else
			fprintf(fp, " %16lld", (long long)e->keys[k].num);
	}
}

/*
 * A distribution as DTrace prints it: a newline, the header line and a row
 * per bucket from the one below the lowest used to the one above the
 * highest used.
 */
static void print_quant_body(FILE *fp, const struct agg_entry *e)
{
	int first = 0, last = AGG_QUANT_NBUCKETS - 1, i;
	uint64_t total = 0;

	fprintf(fp, "\n%16s %41s %s\n", "value",
		"------------- Distribution -------------", "count");

	for (i = 0; i < AGG_QUANT_NBUCKETS; i++)
		total += e->buckets[i];
	while (first < AGG_QUANT_NBUCKETS && !e->buckets[first])
		first++;
	if (first == AGG_QUANT_NBUCKETS) {
		first = AGG_QUANT_ZERO - 1;
		last = AGG_QUANT_ZERO + 1;
	} else {
		if (first > 0)
			first--;
		while (last > 0 && !e->buckets[last])
			last--;
		if (last < AGG_QUANT_NBUCKETS - 1)
			last++;
	}

	for (i = first; i <= last; i++) {
		unsigned int depth = quant_depth(e->buckets[i], total);

		fprintf(fp, "%16lld |%s%s %-9llu\n",
			(long long)agg_quantize_value(i),
			quant_ats + QUANT_BAR - depth, quant_spaces + depth,
			(unsigned long long)e->buckets[i]);
	}
}

void agg_print_quantize(FILE *fp, const struct agg_entry *e,
			unsigned int nkeys)
{
	print_keys(fp, e, nkeys);
	print_quant_body(fp, e);
	fputc('\n', fp);
}

int agg_print(struct agg *a, FILE *fp)
{
	const struct agg_entry *const *sorted;
	size_t i;

	if (!a->n)
		return 0;
	sorted = agg_sorted(a);
	if (!sorted)
		return -ENOMEM;
	fputc('\n', fp);
	for (i = 0; i < a->n; i++) {
		if (a->kind == AGG_QUANTIZE) {
			agg_print_quantize(fp, sorted[i], a->nkeys);
		} else {
			print_keys(fp, sorted[i], a->nkeys);
			fprintf(fp, " %16llu\n",
				(unsigned long long)sorted[i]->count);
		}
	}
	return 0;
}

/* Room for a conversion: '%', flags, width and precision, "ll", conversion. */
#define SPEC_MAX	32

/* One tuple through a printa() format. */
static int printa_entry(FILE *fp, const struct agg *a,
			const struct agg_entry *e, const char *fmt)
{
	const struct agg_key *key;
	char spec[SPEC_MAX + 4];
	unsigned int k = 0;
	const char *p = fmt;
	bool value;
	size_t n;
	char c;

	while (*p) {
		if (*p != '%') {
			fputc(*p++, fp);
			continue;
		}
		if (p[1] == '%') {
			fputc('%', fp);
			p += 2;
			continue;
		}
		n = 0;
		spec[n++] = *p++;
		value = false;
		for (; *p && strchr("-+ #0@", *p); p++) {
			if (*p == '@')
				value = true;
			else if (n < SPEC_MAX)
				spec[n++] = *p;
		}
		for (; (*p >= '0' && *p <= '9') || *p == '.'; p++)
			if (n < SPEC_MAX)
				spec[n++] = *p;
		for (; *p && strchr("hlLqjzt", *p); p++)
			;
		c = *p;
		if (!c || n >= SPEC_MAX)
			return -EINVAL;
		p++;

		if (value) {
			if (a->kind == AGG_QUANTIZE) {
				print_quant_body(fp, e);
				continue;
			}
			if (!strchr("diuxXo", c))
				return -EINVAL;
			spec[n++] = 'l';
			spec[n++] = 'l';
			spec[n++] = c;
			spec[n] = '\0';
			if (c == 'd' || c == 'i')
				fprintf(fp, spec, (long long)e->count);
			else
				fprintf(fp, spec, (unsigned long long)e->count);
			continue;
		}

		if (k >= a->nkeys)
			return -EINVAL;
		key = &e->keys[k++];
		if (key->str) {
			if (c != 's')
				return -EINVAL;
			spec[n++] = 's';
			spec[n] = '\0';
			fprintf(fp, spec, key->str);
		} else if (c == 'c') {
			spec[n++] = 'c';
			spec[n] = '\0';
			fprintf(fp, spec, (int)key->num);
		} else if (strchr("diuxXo", c)) {
			spec[n++] = 'l';
			spec[n++] = 'l';
			spec[n++] = c;
			spec[n] = '\0';
			fprintf(fp, spec, (long long)key->num);
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

int agg_printa(struct agg *a, FILE *fp, const char *fmt)
{
	const struct agg_entry *const *sorted = agg_sorted(a);
	size_t i;
	int err;

	if (!sorted)
		return -ENOMEM;
	for (i = 0; i < a->n; i++) {
		err = printa_entry(fp, a, sorted[i], fmt);
		if (err)
			return err;
	}
	return 0;
}

/* --- idmap --- */

struct idvar {
	int64_t		id;
	uint64_t	num;
	char		*str;
};

struct idmap {
	struct table	vars;		/* id -> struct idvar */
};

static bool idvar_is(const void *item, const void *key)
{
	return ((const struct idvar *)item)->id == *(const int64_t *)key;
}

static uint64_t id_hash(int64_t id)
{
	return table_hash_u64((uint64_t)id);
}

struct idmap *idmap_new(void)
{
	return calloc(1, sizeof(struct idmap));
}

static void idvar_free(struct idvar *v)
{
	free(v->str);
	free(v);
}

void idmap_free(struct idmap *m)
{
	struct idvar *v;
	size_t pos = 0;

	if (!m)
		return;
	while ((v = table_next(&m->vars, &pos)))
		idvar_free(v);
	table_fini(&m->vars);
	free(m);
}

size_t idmap_size(const struct idmap *m)
{
	return m->vars.n;
}

int idmap_set(struct idmap *m, int64_t id, uint64_t num, const char *str)
{
	struct idvar *v = table_find(&m->vars, id_hash(id), idvar_is, &id);
	char *copy = NULL;

	if (str) {
		copy = strdup(str);
		if (!copy)
			return -ENOMEM;
	}
	if (!v) {
		v = calloc(1, sizeof(*v));
		if (!v || table_add(&m->vars, id_hash(id), v)) {
			free(v);
			free(copy);
			return -ENOMEM;
		}
		v->id = id;
	}
	free(v->str);
	v->num = num;
	v->str = copy;
	return 0;
}

bool idmap_get(const struct idmap *m, int64_t id, uint64_t *num,
	       const char **str)
{
	const struct idvar *v = table_find(&m->vars, id_hash(id), idvar_is, &id);

	if (!v)
		return false;
	if (num)
		*num = v->num;
	if (str)
		*str = v->str;
	return true;
}

bool idmap_del(struct idmap *m, int64_t id)
{
	struct idvar *v = table_del(&m->vars, id_hash(id), idvar_is, &id);

	if (!v)
		return false;
	idvar_free(v);
	return true;
}
