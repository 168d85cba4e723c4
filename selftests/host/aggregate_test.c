// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side tests of tools/dtproc/aggregate.c, the aggregations behind "dtproc
 * report": no kernel module needed.  The quantize() output is checked
 * byte for byte against the histograms of the DTrace guide's proc provider
 * chapter, rebuilt by feeding values that fall in the same buckets.
 */
#include <inttypes.h>
#include <stdint.h>

#include "aggregate.h"

#include "harness.h"

/* --- the chapter's text --- */

/* progtime.d's output in the chapter, from the blank line after ^C. */
static const char progtime_out[] =
	"\n"
	"  ir2hf                                             \n"
	"           value  ------------- Distribution ------------- count\n"
	"         4194304 |                                         0        \n"
	"         8388608 |@                                        1        \n"
	"        16777216 |@@@@@@@@@@@@@@@@                         14       \n"
	"        33554432 |@@@@@@@@@@                               9        \n"
	"        67108864 |@@@                                      3        \n"
	"       134217728 |@                                        1        \n"
	"       268435456 |@@@@                                     4        \n"
	"       536870912 |@                                        1        \n"
	"      1073741824 |                                         0        \n"
	"\n"
	"  ube                                               \n"
	"           value  ------------- Distribution ------------- count\n"
	"        16777216 |                                         0        \n"
	"        33554432 |@@@@@@@                                  6        \n"
	"        67108864 |@@@                                      3        \n"
	"       134217728 |@@                                       2        \n"
	"       268435456 |@@@@                                     4        \n"
	"       536870912 |@@@@@@@@@@@@                             10       \n"
	"      1073741824 |@@@@@@@                                  6        \n"
	"      2147483648 |@@                                       2        \n"
	"      4294967296 |                                         0        \n"
	"\n"
	"  acomp                                             \n"
	"           value  ------------- Distribution ------------- count\n"
	"         8388608 |                                         0        \n"
	"        16777216 |@@                                       2        \n"
	"        33554432 |                                         0        \n"
	"        67108864 |@                                        1        \n"
	"       134217728 |@@@                                      3        \n"
	"       268435456 |                                         0        \n"
	"       536870912 |@@@@@                                    5        \n"
	"      1073741824 |@@@@@@@@@@@@@@@@@@@@@@@@@                22       \n"
	"      2147483648 |@                                        1        \n"
	"      4294967296 |                                         0        \n"
	"\n"
	"  cc                                                \n"
	"           value  ------------- Distribution ------------- count\n"
	"        33554432 |                                         0        \n"
	"        67108864 |@@@                                      3        \n"
	"       134217728 |@                                        1        \n"
	"       268435456 |                                         0        \n"
	"       536870912 |@@@@                                     4        \n"
	"      1073741824 |@@@@@@@@@@@@@@                           13       \n"
	"      2147483648 |@@@@@@@@@@@@                             11       \n"
	"      4294967296 |@@@                                      3        \n"
	"      8589934592 |                                         0        \n"
	"\n"
	"  sh                                                \n"
	"           value  ------------- Distribution ------------- count\n"
	"          262144 |                                         0        \n"
	"          524288 |@                                        5        \n"
	"         1048576 |@@@@@@@                                  29       \n"
	"         2097152 |                                         0        \n"
	"         4194304 |                                         0        \n"
	"         8388608 |@@@                                      12       \n"
	"        16777216 |@@                                       9        \n"
	"        33554432 |@@                                       9        \n"
	"        67108864 |@@                                       8        \n"
	"       134217728 |@                                        7        \n"
	"       268435456 |@@@@@                                    20       \n"
	"       536870912 |@@@@@@                                   26       \n"
	"      1073741824 |@@@                                      14       \n"
	"      2147483648 |@@                                       11       \n"
	"      4294967296 |                                         3        \n"
	"      8589934592 |                                         1        \n"
	"     17179869184 |                                         0        \n"
	"\n"
	"  make.bin                                          \n"
	"           value  ------------- Distribution ------------- count\n"
	"        16777216 |                                         0        \n"
	"        33554432 |@                                        1        \n"
	"        67108864 |@                                        1        \n"
	"       134217728 |@@                                       2        \n"
	"       268435456 |                                         0        \n"
	"       536870912 |@@                                       2        \n"
	"      1073741824 |@@@@@@@@@                                9        \n"
	"      2147483648 |@@@@@@@@@@@@@@@                          14       \n"
	"      4294967296 |@@@@@@                                   6        \n"
	"      8589934592 |@@                                       2        \n"
	/* The guide lost this last row's padding; every other row has it. */
	"     17179869184 |                                         0        \n"
	"\n";

/* lwptime.d's output in the chapter, from the blank line after ^C. */
static const char lwptime_out[] =
	"\n"
	"  nscd                                              \n"
	"           value  ------------- Distribution ------------- count\n"
	"          131072 |                                         0        \n"
	"          262144 |@                                        18       \n"
	"          524288 |@@                                       24       \n"
	"         1048576 |@@@@@@@                                  75       \n"
	"         2097152 |@@@@@@@@@@@@@@@@@@@@@@@                  245      \n"
	"         4194304 |@@                                       22       \n"
	"         8388608 |@@                                       24       \n"
	"        16777216 |                                         6        \n"
	"        33554432 |                                         3        \n"
	"        67108864 |                                         1        \n"
	"       134217728 |                                         1        \n"
	"       268435456 |                                         0        \n"
	"\n"
	"  mountd                                            \n"
	"           value  ------------- Distribution ------------- count\n"
	"          524288 |                                         0        \n"
	"         1048576 |@                                        15       \n"
	"         2097152 |@                                        24       \n"
	"         4194304 |@@@                                      51       \n"
	"         8388608 |@                                        17       \n"
	"        16777216 |@                                        24       \n"
	"        33554432 |@                                        15       \n"
	"        67108864 |@@@@                                     57       \n"
	"       134217728 |@                                        28       \n"
	"       268435456 |@                                        26       \n"
	"       536870912 |@@                                       39       \n"
	"      1073741824 |@@@                                      45       \n"
	"      2147483648 |@@@@@                                    72       \n"
	"      4294967296 |@@@@@                                    77       \n"
	"      8589934592 |@@@                                      55       \n"
	"     17179869184 |                                         14       \n"
	"     34359738368 |                                         2        \n"
	"     68719476736 |                                         0        \n"
	"\n"
	"  automountd                                        \n"
	"           value  ------------- Distribution ------------- count\n"
	"         1048576 |                                         0        \n"
	"         2097152 |                                         3        \n"
	"         4194304 |@@@@                                     146      \n"
	"         8388608 |                                         6        \n"
	"        16777216 |                                         6        \n"
	"        33554432 |                                         9        \n"
	"        67108864 |@@@@@                                    203      \n"
	"       134217728 |@@                                       87       \n"
	"       268435456 |@@@@@@@@@@@@@@@                          534      \n"
	"       536870912 |@@@@@@                                   223      \n"
	"      1073741824 |@                                        45       \n"
	"      2147483648 |                                         20       \n"
	"      4294967296 |                                         26       \n"
	"      8589934592 |                                         20       \n"
	"     17179869184 |                                         19       \n"
	"     34359738368 |                                         7        \n"
	"     68719476736 |                                         2        \n"
	"    137438953472 |                                         0        \n"
	"\n"
	/* The guide lost the padding of this key line and of the last row. */
	"  iCald                                             \n"
	"           value  ------------- Distribution ------------- count\n"
	"         8388608 |                                         0        \n"
	"        16777216 |@@@@@@@                                  20       \n"
	"        33554432 |@@@                                      9        \n"
	"        67108864 |@@                                       8        \n"
	"       134217728 |@@@@@                                    16       \n"
	"       268435456 |@@@@                                     11       \n"
	"       536870912 |@@@@                                     11       \n"
	"      1073741824 |@                                        4        \n"
	"      2147483648 |                                         2        \n"
	"      4294967296 |                                         0        \n"
	"      8589934592 |@@                                       8        \n"
	"     17179869184 |@                                        5        \n"
	"     34359738368 |@                                        4        \n"
	"     68719476736 |@@                                       6        \n"
	"    137438953472 |@                                        4        \n"
	"    274877906944 |                                         2        \n"
	"    549755813888 |                                         0        \n"
	"\n";

/* --- helpers --- */

/* Output written to a memory stream. */
struct out {
	FILE	*f;
	char	*buf;
	size_t	len;
};

static void out_open(struct out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	if (!o->f)
		DT_FAIL(1, "open_memstream: %s", strerror(errno));
}

static const char *out_close(struct out *o)
{
	if (fclose(o->f))
		DT_FAIL(1, "fclose: %s", strerror(errno));
	return o->buf;
}

/* Byte for byte, showing the first difference when there is one. */
#define ASSERT_TEXT(got, want) do {					\
	const char *__g = (got), *__w = (want);				\
	size_t __i = 0;							\
	while (__g[__i] && __g[__i] == __w[__i])			\
		__i++;							\
	if (__g[__i] != __w[__i])					\
		DT_FAIL(1, "output differs at byte %zu:\n"		\
			"--- got:\n%.400s\n--- want:\n%.400s", __i,	\
			__g + (__i > 200 ? __i - 200 : 0),		\
			__w + (__i > 200 ? __i - 200 : 0));		\
} while (0)

static struct agg_key skey(const char *s)
{
	return (struct agg_key){ .str = s };
}

static struct agg_key ikey(int64_t n)
{
	return (struct agg_key){ .num = n };
}

/* @count values that fall in the bucket DTrace labels @value. */
static void feed_bucket(struct agg *a, const char *key, int64_t value,
			uint64_t count)
{
	struct agg_key k = skey(key);
	uint64_t i;

	for (i = 0; i < count; i++) {
		/* spread over [value, 2 * value - 1] */
		int64_t v = value > 0 ?
			value + (int64_t)((uint64_t)(value - 1) * i / count) :
			value;

		ASSERT_EQ(agg_quantize(a, &k, v), 0);
	}
}

#define MAX_HISTS	8
#define MAX_ROWS	32

struct hist {
	char	key[64];
	int	nrows;
	int64_t	value[MAX_ROWS];
	uint64_t count[MAX_ROWS];
};

/* The histograms of one of the texts above, as printed. */
static int parse_hists(const char *text, struct hist *h)
{
	const char *line = text, *nl;
	long long v;
	unsigned long long c;
	int n = -1;

	for (; (nl = strchr(line, '\n')); line = nl + 1) {
		const char *bar = memchr(line, '|', nl - line);

		if (nl == line || strstr(line, "value  ---") == line + 11)
			continue;
		if (!bar) {
			ASSERT_LT(n + 1, MAX_HISTS);
			n++;
			ASSERT_EQ(sscanf(line, " %63s", h[n].key), 1);
			h[n].nrows = 0;
			continue;
		}
		ASSERT_GE(n, 0);
		ASSERT_LT(h[n].nrows, MAX_ROWS);
		ASSERT_EQ(sscanf(line, "%lld", &v), 1);
		bar += strspn(bar, "|@ ");
		ASSERT_EQ(sscanf(bar, "%llu", &c), 1);
		h[n].value[h[n].nrows] = v;
		h[n].count[h[n].nrows++] = c;
	}
	return n + 1;
}

/*
 * Rebuild the histograms of @text by feeding values, the tuples in reverse
 * order of the text and the values of all tuples interleaved, and check
 * agg_print() prints @text again.
 */
static void check_chapter_output(const char *text)
{
	struct hist h[MAX_HISTS];
	struct agg *a = agg_new(AGG_QUANTIZE, 1);
	int n = parse_hists(text, h), i, r;
	struct out o;

	ASSERT_TRUE(a != NULL);
	ASSERT_GT(n, 1);
	for (r = 0; r < MAX_ROWS; r++)
		for (i = n - 1; i >= 0; i--)
			if (r < h[i].nrows)
				feed_bucket(a, h[i].key, h[i].value[r],
					    h[i].count[r]);
	ASSERT_EQ(agg_size(a), (size_t)n);

	out_open(&o);
	ASSERT_EQ(agg_print(a, o.f), 0);
	ASSERT_TEXT(out_close(&o), text);
	free(o.buf);
	agg_free(a);
}

/* --- quantize() --- */

TEST(quantize_buckets)
{
	EXPECT_EQ(agg_quantize_bucket(0), AGG_QUANT_ZERO);
	EXPECT_EQ(agg_quantize_bucket(1), AGG_QUANT_ZERO + 1);
	EXPECT_EQ(agg_quantize_bucket(2), AGG_QUANT_ZERO + 2);
	EXPECT_EQ(agg_quantize_bucket(3), AGG_QUANT_ZERO + 2);
	EXPECT_EQ(agg_quantize_bucket(4), AGG_QUANT_ZERO + 3);
	EXPECT_EQ(agg_quantize_bucket(16777215), AGG_QUANT_ZERO + 24);
	EXPECT_EQ(agg_quantize_bucket(16777216), AGG_QUANT_ZERO + 25);
	EXPECT_EQ(agg_quantize_bucket(1LL << 62), AGG_QUANT_NBUCKETS - 1);
	EXPECT_EQ(agg_quantize_bucket(INT64_MAX), AGG_QUANT_NBUCKETS - 1);
	EXPECT_EQ(agg_quantize_bucket(-1), AGG_QUANT_ZERO - 1);
	EXPECT_EQ(agg_quantize_bucket(-2), AGG_QUANT_ZERO - 2);
	EXPECT_EQ(agg_quantize_bucket(-3), AGG_QUANT_ZERO - 2);
	EXPECT_EQ(agg_quantize_bucket(-4), AGG_QUANT_ZERO - 3);
	EXPECT_EQ(agg_quantize_bucket(-(1LL << 62)), 0);
	EXPECT_EQ(agg_quantize_bucket(INT64_MIN), 0);

	EXPECT_EQ(agg_quantize_value(AGG_QUANT_ZERO), 0);
	EXPECT_EQ(agg_quantize_value(AGG_QUANT_ZERO + 1), 1);
	EXPECT_EQ(agg_quantize_value(AGG_QUANT_ZERO + 25), 16777216);
	EXPECT_EQ(agg_quantize_value(AGG_QUANT_NBUCKETS - 1), 1LL << 62);
	EXPECT_EQ(agg_quantize_value(AGG_QUANT_ZERO - 1), -1);
	EXPECT_EQ(agg_quantize_value(0), -(1LL << 62));
}

/* Each value lands in the bucket labelled with the largest power <= it. */
TEST(quantize_bucket_bounds)
{
	int b;

	for (b = AGG_QUANT_ZERO + 1; b < AGG_QUANT_NBUCKETS; b++) {
		int64_t v = agg_quantize_value(b);

		EXPECT_EQ(agg_quantize_bucket(v), b);
		if (b + 1 < AGG_QUANT_NBUCKETS)
			EXPECT_EQ(agg_quantize_bucket(2 * v - 1), b);
	}
}

/* The chapter's "ir2hf" histogram from progtime.d, byte for byte. */
TEST(quantize_ir2hf)
{
	static const struct { int64_t value; uint64_t count; } rows[] = {
		{ 8388608, 1 }, { 16777216, 14 }, { 33554432, 9 },
		{ 67108864, 3 }, { 134217728, 1 }, { 268435456, 4 },
		{ 536870912, 1 },
	};
	static const char want[] =
		"  ir2hf                                             \n"
		"           value  ------------- Distribution ------------- count\n"
		"         4194304 |                                         0        \n"
		"         8388608 |@                                        1        \n"
		"        16777216 |@@@@@@@@@@@@@@@@                         14       \n"
		"        33554432 |@@@@@@@@@@                               9        \n"
		"        67108864 |@@@                                      3        \n"
		"       134217728 |@                                        1        \n"
		"       268435456 |@@@@                                     4        \n"
		"       536870912 |@                                        1        \n"
		"      1073741824 |                                         0        \n"
		"\n";
	struct agg *a = agg_new(AGG_QUANTIZE, 1);
	struct agg_key k = skey("ir2hf");
	const struct agg_entry *e;
	struct out o;
	size_t i;

	ASSERT_TRUE(a != NULL);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		feed_bucket(a, "ir2hf", rows[i].value, rows[i].count);
	e = agg_lookup(a, &k);
	ASSERT_TRUE(e != NULL);
	EXPECT_EQ(e->count, 33);

	out_open(&o);
	agg_print_quantize(o.f, e, 1);
	ASSERT_TEXT(out_close(&o), want);
	free(o.buf);

	/* printa("%s%@d") prints the same but the key's padding and the end. */
	out_open(&o);
	ASSERT_EQ(agg_printa(a, o.f, "  %-50s%@d\n"), 0);
	ASSERT_TEXT(out_close(&o), want);
	free(o.buf);
	agg_free(a);
}

/* All of progtime.d's output, in the chapter's order. */
TEST(quantize_progtime_chapter)
{
	check_chapter_output(progtime_out);
}

/*
 * All of lwptime.d's output.  Its order (nscd 419 values, mountd 561,
 * automountd 1356, iCald 110) shows DTrace orders distributions by the
 * sum of bucket value times count, not by the number of values.
 */
TEST(quantize_lwptime_chapter)
{
	check_chapter_output(lwptime_out);
}

TEST(quantize_small_values)
{
	static const char want[] =
		"  zero                                              \n"
		"           value  ------------- Distribution ------------- count\n"
		"              -1 |                                         0        \n"
		"               0 |@@@@@@@@@@@@@@@@@@@@                     2        \n"
		"               1 |                                         0        \n"
		"               2 |@@@@@@@@@@@@@@@@@@@@                     2        \n"
		"               4 |                                         0        \n"
		"\n";
	struct agg *a = agg_new(AGG_QUANTIZE, 1);
	struct agg_key k = skey("zero");
	struct out o;

	ASSERT_TRUE(a != NULL);
	ASSERT_EQ(agg_quantize(a, &k, 0), 0);
	ASSERT_EQ(agg_quantize(a, &k, 3), 0);
	ASSERT_EQ(agg_quantize(a, &k, 0), 0);
	ASSERT_EQ(agg_quantize(a, &k, 2), 0);
	out_open(&o);
	agg_print_quantize(o.f, agg_lookup(a, &k), 1);
	ASSERT_TEXT(out_close(&o), want);
	free(o.buf);
	agg_free(a);
}

/* One value: a full bar, rows from one bucket below to one above. */
TEST(quantize_extremes)
{
	static const char want_max[] =
		"  max                                               \n"
		"           value  ------------- Distribution ------------- count\n"
		"2305843009213693952 |                                         0        \n"
		"4611686018427387904 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 1        \n"
		"\n";
	static const char want_neg[] =
		"              -42\n"
		"           value  ------------- Distribution ------------- count\n"
		"            -128 |                                         0        \n"
		"             -64 |@@@@@@@@@@@@@@@@@@@@                     1        \n"
		"             -32 |                                         0        \n"
		"             -16 |                                         0        \n"
		"              -8 |                                         0        \n"
		"              -4 |                                         0        \n"
		"              -2 |                                         0        \n"
		"              -1 |                                         0        \n"
		"               0 |                                         0        \n"
		"               1 |@@@@@@@@@@@@@@@@@@@@                     1        \n"
		"               2 |                                         0        \n"
		"\n";
	struct agg *a = agg_new(AGG_QUANTIZE, 1);
	struct agg *b = agg_new(AGG_QUANTIZE, 1);
	struct agg_key k = skey("max"), n = ikey(-42);
	struct out o;

	ASSERT_TRUE(a && b);
	ASSERT_EQ(agg_quantize(a, &k, INT64_MAX), 0);
	out_open(&o);
	agg_print_quantize(o.f, agg_lookup(a, &k), 1);
	ASSERT_TEXT(out_close(&o), want_max);
	free(o.buf);

	ASSERT_EQ(agg_quantize(b, &n, -100), 0);
	ASSERT_EQ(agg_quantize(b, &n, 1), 0);
	out_open(&o);
	agg_print_quantize(o.f, agg_lookup(b, &n), 1);
	ASSERT_TEXT(out_close(&o), want_neg);
	free(o.buf);
	agg_free(a);
	agg_free(b);
}

/* Bars are the count's share of 40 columns, rounded down. */
TEST(quantize_bar_rounds_down)
{
	struct agg *a = agg_new(AGG_QUANTIZE, 1);
	struct agg_key k = skey("k");
	struct out o;
	const char *s;

	ASSERT_TRUE(a != NULL);
	feed_bucket(a, "k", 1, 2);	/* 2 * 40 / 3 = 26.67 */
	feed_bucket(a, "k", 4, 1);	/* 1 * 40 / 3 = 13.33 */
	out_open(&o);
	agg_print_quantize(o.f, agg_lookup(a, &k), 1);
	s = out_close(&o);
	EXPECT_TRUE(strstr(s, "               1 |"
			   "@@@@@@@@@@@@@@@@@@@@@@@@@@               2        \n"));
	EXPECT_TRUE(strstr(s, "               4 |"
			   "@@@@@@@@@@@@@                            1        \n"));
	free(o.buf);
	agg_free(a);
}

TEST(quantize_empty_agg_prints_nothing)
{
	struct agg *a = agg_new(AGG_QUANTIZE, 1);
	struct out o;

	ASSERT_TRUE(a != NULL);
	out_open(&o);
	ASSERT_EQ(agg_print(a, o.f), 0);
	ASSERT_EQ(agg_printa(a, o.f, "%s %@d\n"), 0);
	ASSERT_STREQ(out_close(&o), "");
	free(o.buf);
	agg_free(a);
}

/* --- count() --- */

/* whoexec.d's table from the chapter; ties in key order. */
TEST(count_whoexec_chapter)
{
	static const struct { const char *who, *what; int count; } rows[] = {
		{ "make.bin", "yacc", 1 }, { "tcsh", "make", 1 },
		{ "make.bin", "spec2map", 1 }, { "sh", "grep", 1 },
		{ "lint", "lint2", 1 }, { "sh", "lint", 1 }, { "sh", "ln", 1 },
		{ "cc", "ld", 1 }, { "make.bin", "cc", 1 },
		{ "lint", "lint1", 1 }, { "sh", "lex", 1 },
		{ "make.bin", "mv", 2 }, { "sh", "sh", 3 }, { "sh", "make", 3 },
		{ "sh", "sed", 4 }, { "sh", "tr", 4 }, { "make", "make.bin", 4 },
		{ "sh", "install.bin", 5 }, { "sh", "rm", 6 },
		{ "cc", "ir2hf", 33 }, { "cc", "ube", 33 },
		{ "sh", "date", 34 }, { "sh", "mcs", 34 },
		{ "cc", "acomp", 34 }, { "sh", "cc", 34 },
		{ "sh", "basename", 34 }, { "basename", "expr", 34 },
		{ "make.bin", "sh", 87 },
	};
	/*
	 * The chapter's rows, but rows of equal counts in key order, as
	 * today's DTrace prints them (the guide's DTrace left ties in hash
	 * order).
	 */
	static const char want[] =
		"WHO                  WHAT                 COUNT\n"
		"cc                   ld                   1\n"
		"lint                 lint1                1\n"
		"lint                 lint2                1\n"
		"make.bin             cc                   1\n"
		"make.bin             spec2map             1\n"
		"make.bin             yacc                 1\n"
		"sh                   grep                 1\n"
		"sh                   lex                  1\n"
		"sh                   lint                 1\n"
		"sh                   ln                   1\n"
		"tcsh                 make                 1\n"
		"make.bin             mv                   2\n"
		"sh                   make                 3\n"
		"sh                   sh                   3\n"
		"make                 make.bin             4\n"
		"sh                   sed                  4\n"
		"sh                   tr                   4\n"
		"sh                   install.bin          5\n"
		"sh                   rm                   6\n"
		"cc                   ir2hf                33\n"
		"cc                   ube                  33\n"
		"basename             expr                 34\n"
		"cc                   acomp                34\n"
		"sh                   basename             34\n"
		"sh                   cc                   34\n"
		"sh                   date                 34\n"
		"sh                   mcs                  34\n"
		"make.bin             sh                   87\n";
	struct agg *a = agg_new(AGG_COUNT, 2);
	struct agg_key k[2];
	struct out o;
	size_t i;
	int j;

	ASSERT_TRUE(a != NULL);
	/* interleave: one count of every row at a time */
	for (j = 0; j < 87; j++) {
		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			if (j >= rows[i].count)
				continue;
			k[0] = skey(rows[i].who);
			k[1] = skey(rows[i].what);
			ASSERT_EQ(agg_count(a, k), 0);
		}
	}
	ASSERT_EQ(agg_size(a), sizeof(rows) / sizeof(rows[0]));

	out_open(&o);
	fprintf(o.f, "%-20s %-20s %s\n", "WHO", "WHAT", "COUNT");
	ASSERT_EQ(agg_printa(a, o.f, "%-20s %-20s %@d\n"), 0);
	ASSERT_TEXT(out_close(&o), want);
	free(o.buf);
	agg_free(a);
}

/* sig.d's table from the chapter: string, string and integer keys. */
TEST(count_sig_chapter)
{
	static const struct { const char *from, *to; int sig, count; } rows[] = {
		{ "xterm", "dtrace", 2, 1 }, { "xterm", "soffice.bin", 2, 1 },
		{ "tr", "init", 18, 1 }, { "sched", "test", 18, 1 },
		{ "sched", "fvwm2", 18, 1 }, { "bash", "bash", 20, 1 },
		{ "sed", "init", 18, 2 }, { "sched", "ksh", 18, 15 },
		{ "sched", "Xsun", 22, 471 },
	};
	static const char want[] =
		"              SENDER            RECIPIENT          SIG COUNT\n"
		"                bash                 bash           20 1\n"
		"               sched                fvwm2           18 1\n"
		"               sched                 test           18 1\n"
		"                  tr                 init           18 1\n"
		"               xterm               dtrace            2 1\n"
		"               xterm          soffice.bin            2 1\n"
		"                 sed                 init           18 2\n"
		"               sched                  ksh           18 15\n"
		"               sched                 Xsun           22 471\n";
	struct agg *a = agg_new(AGG_COUNT, 3);
	struct agg_key k[3];
	struct out o;
	size_t i;
	int j;

	ASSERT_TRUE(a != NULL);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		k[0] = skey(rows[i].from);
		k[1] = skey(rows[i].to);
		k[2] = ikey(rows[i].sig);
		for (j = 0; j < rows[i].count; j++)
			ASSERT_EQ(agg_count(a, k), 0);
	}
	out_open(&o);
	fprintf(o.f, "%20s %20s %12s %s\n", "SENDER", "RECIPIENT", "SIG",
		"COUNT");
	ASSERT_EQ(agg_printa(a, o.f, "%20s %20s %12d %@d\n"), 0);
	ASSERT_TEXT(out_close(&o), want);
	free(o.buf);
	agg_free(a);
}

/* Keys: integers numerically (negatives first), strings bytewise. */
TEST(count_key_order)
{
	static const struct { int64_t n; const char *s; } tuples[] = {
		{ 10, "a" }, { 3, "\xc3\xa9" }, { -5, "c" }, { 3, "a" },
		{ -5, "b" }, { 7, "a" }, { 7, "a" },
	};
	static const char want[] =
		"-5 b\n-5 c\n3 a\n3 \xc3\xa9\n10 a\n7 a\n";
	struct agg *a = agg_new(AGG_COUNT, 2);
	struct agg_key k[2];
	struct out o;
	size_t i;

	ASSERT_TRUE(a != NULL);
	for (i = 0; i < sizeof(tuples) / sizeof(tuples[0]); i++) {
		k[0] = ikey(tuples[i].n);
		k[1] = skey(tuples[i].s);
		ASSERT_EQ(agg_count(a, k), 0);
	}
	out_open(&o);
	ASSERT_EQ(agg_printa(a, o.f, "%d %s\n"), 0);
	ASSERT_TEXT(out_close(&o), want);
	free(o.buf);
	agg_free(a);
}

TEST(printa_conversions)
{
	struct agg *a = agg_new(AGG_COUNT, 2);
	struct agg_key k[2] = { skey("abcdef"), ikey(65) };
	struct out o;
	int i;

	ASSERT_TRUE(a != NULL);
	for (i = 0; i < 255; i++)
		ASSERT_EQ(agg_count(a, k), 0);
	out_open(&o);
	ASSERT_EQ(agg_printa(a, o.f, "[%.3s|%-4c|%%|%@x|%@-5d|%@lld]\n"), 0);
	ASSERT_EQ(agg_printa(a, o.f, "[%8s|%x|%@o]"), 0);
	ASSERT_EQ(agg_printa(a, o.f, "[%-8s|%#o|%@u]"), 0);
	ASSERT_EQ(agg_printa(a, o.f, "[%s|%5u|%@5i]\n"), 0);
	ASSERT_TEXT(out_close(&o),
		    "[abc|A   |%|ff|255  |255]\n"
		    "[  abcdef|41|377][abcdef  |0101|255][abcdef|   65|  255]\n");
	free(o.buf);

	out_open(&o);
	EXPECT_EQ(agg_printa(a, o.f, "%d\n"), -EINVAL);	/* string key */
	EXPECT_EQ(agg_printa(a, o.f, "%s %s\n"), -EINVAL);	/* integer key */
	EXPECT_EQ(agg_printa(a, o.f, "%s %d %d\n"), -EINVAL);	/* no 3rd key */
	EXPECT_EQ(agg_printa(a, o.f, "%s %d %@s\n"), -EINVAL);
	EXPECT_EQ(agg_printa(a, o.f, "%s %"), -EINVAL);
	EXPECT_EQ(agg_printa(a, o.f,
			     "%000000000000000000000000000000000000000001s"),
		  -EINVAL);
	out_close(&o);
	free(o.buf);
	agg_free(a);
}

/* dtrace(1M)'s default output of a count(). */
TEST(count_default_print)
{
	struct agg *a = agg_new(AGG_COUNT, 2);
	struct agg_key k[2] = { skey("bash"), ikey(15) };
	struct out o;
	int i;

	ASSERT_TRUE(a != NULL);
	for (i = 0; i < 12; i++)
		ASSERT_EQ(agg_count(a, k), 0);
	out_open(&o);
	ASSERT_EQ(agg_print(a, o.f), 0);
	ASSERT_TEXT(out_close(&o),
		    "\n"
		    "  bash                                              "
		    "               15               12\n");
	free(o.buf);
	agg_free(a);
}

TEST(agg_invalid)
{
	struct agg *a;
	struct agg_key k = skey("x");

	EXPECT_TRUE(agg_new(AGG_COUNT, 0) == NULL);
	EXPECT_TRUE(agg_new(AGG_COUNT, AGG_MAX_KEYS + 1) == NULL);
	a = agg_new(AGG_COUNT, 1);
	ASSERT_TRUE(a != NULL);
	EXPECT_EQ(agg_quantize(a, &k, 1), -EINVAL);
	EXPECT_TRUE(agg_lookup(a, &k) == NULL);
	agg_free(a);
	a = agg_new(AGG_QUANTIZE, 1);
	ASSERT_TRUE(a != NULL);
	EXPECT_EQ(agg_count(a, &k), -EINVAL);
	agg_free(a);
	agg_free(NULL);
}

/* Many tuples: the table grows and loses nothing. */
TEST(count_many_keys)
{
	struct agg *a = agg_new(AGG_COUNT, 3);
	const struct agg_entry *const *s;
	struct agg_key k[3];
	char name[32];
	int i, j;

	ASSERT_TRUE(a != NULL);
	for (j = 0; j < 3; j++) {
		for (i = 0; i < 50000; i++) {
			if (j == 2 && i % 2)
				continue;
			snprintf(name, sizeof(name), "p%d", i % 1000);
			k[0] = skey(name);
			k[1] = skey(i % 2 ? "odd" : "even");
			k[2] = ikey(i / 1000);
			ASSERT_EQ(agg_count(a, k), 0);
		}
	}
	ASSERT_EQ(agg_size(a), 50000);
	for (i = 0; i < 50000; i++) {
		const struct agg_entry *e;

		snprintf(name, sizeof(name), "p%d", i % 1000);
		k[0] = skey(name);
		k[1] = skey(i % 2 ? "odd" : "even");
		k[2] = ikey(i / 1000);
		e = agg_lookup(a, k);
		ASSERT_TRUE(e != NULL);
		ASSERT_EQ(e->count, i % 2 ? 2 : 3);
		ASSERT_STREQ(e->keys[0].str, name);
		ASSERT_EQ(e->keys[2].num, i / 1000);
	}
	s = agg_sorted(a);
	ASSERT_TRUE(s != NULL);
	for (i = 1; i < 50000; i++)
		ASSERT_LE(s[i - 1]->count, s[i]->count);
	ASSERT_EQ(s[0]->count, 2);
	ASSERT_EQ(s[49999]->count, 3);
	agg_free(a);
}

/* --- idmap --- */

TEST(idmap_basic)
{
	struct idmap *m = idmap_new();
	const char *s;
	uint64_t n;

	ASSERT_TRUE(m != NULL);
	EXPECT_FALSE(idmap_get(m, 1, &n, &s));
	EXPECT_FALSE(idmap_del(m, 1));
	ASSERT_EQ(idmap_set(m, 1, 10, "sh"), 0);
	ASSERT_EQ(idmap_set(m, -7, 20, NULL), 0);
	ASSERT_TRUE(idmap_get(m, 1, &n, &s));
	EXPECT_EQ(n, 10);
	ASSERT_STREQ(s, "sh");
	ASSERT_TRUE(idmap_get(m, -7, &n, &s));
	EXPECT_EQ(n, 20);
	EXPECT_TRUE(s == NULL);
	ASSERT_EQ(idmap_set(m, 1, 11, "bash"), 0);
	ASSERT_TRUE(idmap_get(m, 1, NULL, &s));
	ASSERT_STREQ(s, "bash");
	EXPECT_EQ(idmap_size(m), 2);
	EXPECT_TRUE(idmap_del(m, 1));
	EXPECT_FALSE(idmap_get(m, 1, NULL, NULL));
	EXPECT_EQ(idmap_size(m), 1);
	idmap_free(m);
	idmap_free(NULL);
}

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Random sets and deletions against a plain array, across many growths. */
TEST(idmap_random)
{
	enum { NIDS = 20000 };
	static uint64_t val[NIDS];
	static bool has[NIDS];
	struct idmap *m = idmap_new();
	size_t n = 0;
	char str[32];
	int i, id;

	ASSERT_TRUE(m != NULL);
	for (i = 0; i < 400000; i++) {
		id = rnd() % NIDS;
		if (rnd() % 3) {
			val[id] = rnd();
			snprintf(str, sizeof(str), "%" PRIu64, val[id]);
			ASSERT_EQ(idmap_set(m, id * 4096LL, val[id], str), 0);
			n += !has[id];
			has[id] = true;
		} else {
			ASSERT_EQ(idmap_del(m, id * 4096LL), has[id]);
			n -= has[id];
			has[id] = false;
		}
	}
	ASSERT_EQ(idmap_size(m), n);
	for (id = 0; id < NIDS; id++) {
		const char *s;
		uint64_t v;

		ASSERT_EQ(idmap_get(m, id * 4096LL, &v, &s), has[id]);
		if (!has[id])
			continue;
		ASSERT_EQ(v, val[id]);
		snprintf(str, sizeof(str), "%" PRIu64, v);
		ASSERT_STREQ(s, str);
	}
	idmap_free(m);
}
