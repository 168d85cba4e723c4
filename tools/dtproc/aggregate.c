// SPDX-License-Identifier: GPL-2.0
/*
 * dtproc CLI: DTrace-style aggregations (count() and quantize()) and
 * per-id variables for "dtproc report".  See aggregate.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"

struct agg {
	enum agg_kind		kind;
	unsigned int		nkeys;
	struct agg_entry	**entries;	/* in order of arrival */
	size_t			n, cap;
	size_t			*slots;		/* hash: entry index + 1, 0 free */
	size_t			nslots;		/* a power of two, or 0 */
	const struct agg_entry	**sorted;
	size_t			nsorted;	/* sorted[] is valid if == n */
};

/* --- keys --- */

static uint64_t fnv1a(uint64_t h, const void *p, size_t len)
{
	const unsigned char *c = p;

	while (len--) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t keys_hash(const struct agg_key *keys, unsigned int nkeys)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned int i;

	for (i = 0; i < nkeys; i++) {
		if (keys[i].str)
			h = fnv1a(h, keys[i].str, strlen(keys[i].str) + 1);
		else
			h = fnv1a(h, &keys[i].num, sizeof(keys[i].num));
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

/* --- the table --- */

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
	free(a->slots);
	free(a->sorted);
	free(a);
}

size_t agg_size(const struct agg *a)
{
	return a->n;
}

/* The slot of @keys: the one holding its entry, or the free one to use. */
static size_t agg_slot(const struct agg *a, const struct agg_key *keys)
{
	size_t mask = a->nslots - 1;
	size_t s = keys_hash(keys, a->nkeys) & mask;

	while (a->slots[s]) {
		const struct agg_entry *e = a->entries[a->slots[s] - 1];

		if (!keys_cmp(e->keys, keys, a->nkeys))
			break;
		s = (s + 1) & mask;
	}
	return s;
}

static int agg_grow(struct agg *a)
{
	size_t nslots = a->nslots ? a->nslots * 2 : 64;
	size_t *old = a->slots, oldn = a->nslots, i;

	if (nslots < a->nslots)
		return -ENOMEM;
	a->slots = calloc(nslots, sizeof(*a->slots));
	if (!a->slots) {
		a->slots = old;
		return -ENOMEM;
	}
	a->nslots = nslots;
	for (i = 0; i < oldn; i++)
		if (old[i])
			a->slots[agg_slot(a, a->entries[old[i] - 1]->keys)] =
				old[i];
	free(old);
	return 0;
}

const struct agg_entry *agg_lookup(const struct agg *a,
				   const struct agg_key *keys)
{
	size_t s;

	if (!a->nslots)
		return NULL;
	s = agg_slot(a, keys);
	return a->slots[s] ? a->entries[a->slots[s] - 1] : NULL;
}

/* The entry of @keys, created if need be; NULL when out of memory. */
static struct agg_entry *agg_get(struct agg *a, const struct agg_key *keys)
{
	struct agg_entry *e;
	unsigned int i;
	size_t s;

	if ((a->n + 1) * 4 > a->nslots * 3 && agg_grow(a))
		return NULL;
	s = agg_slot(a, keys);
	if (a->slots[s])
		return a->entries[a->slots[s] - 1];

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
	a->entries[a->n++] = e;
	a->slots[s] = a->n;
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

struct idslot {
	int64_t		id;
	uint64_t	num;
	char		*str;
	bool		used;
};

struct idmap {
	struct idslot	*slots;
	size_t		nslots;		/* a power of two, or 0 */
	size_t		n;
};

static size_t id_home(const struct idmap *m, int64_t id)
{
	return (size_t)(((uint64_t)id * 0x9e3779b97f4a7c15ULL) >> 17) &
	       (m->nslots - 1);
}

/* The slot of @id: the one holding it, or the free one to use. */
static size_t id_slot(const struct idmap *m, int64_t id)
{
	size_t s = id_home(m, id);

	while (m->slots[s].used && m->slots[s].id != id)
		s = (s + 1) & (m->nslots - 1);
	return s;
}

struct idmap *idmap_new(void)
{
	return calloc(1, sizeof(struct idmap));
}

void idmap_free(struct idmap *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nslots; i++)
		if (m->slots[i].used)
			free(m->slots[i].str);
	free(m->slots);
	free(m);
}

size_t idmap_size(const struct idmap *m)
{
	return m->n;
}

static int idmap_grow(struct idmap *m)
{
	size_t nslots = m->nslots ? m->nslots * 2 : 64;
	struct idslot *old = m->slots;
	size_t oldn = m->nslots, i;

	if (nslots < m->nslots)
		return -ENOMEM;
	m->slots = calloc(nslots, sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old;
		return -ENOMEM;
	}
	m->nslots = nslots;
	for (i = 0; i < oldn; i++)
		if (old[i].used)
			m->slots[id_slot(m, old[i].id)] = old[i];
	free(old);
	return 0;
}

int idmap_set(struct idmap *m, int64_t id, uint64_t num, const char *str)
{
	char *copy = NULL;
	size_t s;

	if ((m->n + 1) * 4 > m->nslots * 3 && idmap_grow(m))
		return -ENOMEM;
	if (str) {
		copy = strdup(str);
		if (!copy)
			return -ENOMEM;
	}
	s = id_slot(m, id);
	if (m->slots[s].used) {
		free(m->slots[s].str);
	} else {
		m->slots[s].used = true;
		m->slots[s].id = id;
		m->n++;
	}
	m->slots[s].num = num;
	m->slots[s].str = copy;
	return 0;
}

bool idmap_get(const struct idmap *m, int64_t id, uint64_t *num,
	       const char **str)
{
	size_t s;

	if (!m->nslots)
		return false;
	s = id_slot(m, id);
	if (!m->slots[s].used)
		return false;
	if (num)
		*num = m->slots[s].num;
	if (str)
		*str = m->slots[s].str;
	return true;
}

bool idmap_del(struct idmap *m, int64_t id)
{
	size_t mask = m->nslots - 1, i, j, k;

	if (!m->nslots)
		return false;
	i = id_slot(m, id);
	if (!m->slots[i].used)
		return false;
	free(m->slots[i].str);
	m->slots[i].used = false;
	m->slots[i].str = NULL;
	m->n--;

	/* Linear probing: shift later members of the run back into the hole. */
	for (j = (i + 1) & mask; m->slots[j].used; j = (j + 1) & mask) {
		k = id_home(m, m->slots[j].id);
		/* Leave slot j alone if its home lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		m->slots[i] = m->slots[j];
		m->slots[j].used = false;
		m->slots[j].str = NULL;
		i = j;
	}
	return true;
}
