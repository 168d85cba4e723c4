// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side tests of tools/dtproc/tree.c and svg.c, "dtproc report tree":
 * a fixed sequence of proc events (a little make -j2) makes the tree; its
 * text is checked line by line, and its SVG is rendered to PNG by
 * rsvg-convert (librsvg2-bin, installed by tools/build/deps) and the picture
 * checked for one bar per process, of the colour of how it ended.
 */
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

#include "tree.h"

#include "harness.h"

#define MS	1000000ULL
#define T0	(5000 * MS)	/* CLOCK_MONOTONIC of the first event */

#define SVG_PATH	"build/host-tests/tree_test.svg"
#define PNG_PATH	"build/host-tests/tree_test.png"

/*
 * sh -c 'make -j2' (100) execs make; make forks 101 (cc a.c, which forks
 * the assembler 105, still running at the end), 102 (a shell whose exec
 * path only is known until it forks 103: cc b.c, which fails), and 104,
 * a fork that never execs and is killed.  make exits 2.
 */
static struct ptree *make_tree(void)
{
	struct ptree *t = ptree_new();

	if (!t)
		return NULL;
	if (ptree_root(t, 100, T0, 1, "sh -c 'make -j2'") ||
	    ptree_exec(t, T0 + 1 * MS, 100, 1, "/usr/bin/make") ||
	    ptree_exec_success(t, T0 + 1 * MS, 100, 1, "make -j2") ||
	    ptree_fork(t, T0 + 10 * MS, 100, 101, "make -j2") ||
	    ptree_exec(t, T0 + 11 * MS, 101, 100, "/usr/bin/cc") ||
	    ptree_exec_success(t, T0 + 11 * MS, 101, 100, "cc -c a.c") ||
	    ptree_fork(t, T0 + 12 * MS, 100, 102, "make -j2") ||
	    ptree_exec(t, T0 + 13 * MS, 102, 100, "/bin/sh") ||
	    ptree_exec_success(t, T0 + 13 * MS, 102, 100, NULL) ||
	    ptree_fork(t, T0 + 50 * MS, 102, 103, "sh -c cc -c b.c") ||
	    ptree_exec(t, T0 + 51 * MS, 103, 102, "/usr/bin/cc") ||
	    ptree_exec_success(t, T0 + 51 * MS, 103, 102, "cc -c b.c") ||
	    ptree_fork(t, T0 + 200 * MS, 101, 105, "cc -c a.c") ||
	    ptree_exec(t, T0 + 201 * MS, 105, 101, "/usr/bin/as") ||
	    ptree_exec_success(t, T0 + 201 * MS, 105, 101, "as -o a.o") ||
	    ptree_exit(t, T0 + 300 * MS, 103, 102, 1, 1) ||
	    ptree_exit(t, T0 + 310 * MS, 102, 100, 1, 1) ||
	    ptree_fork(t, T0 + 320 * MS, 100, 104, "make -j2") ||
	    ptree_exit(t, T0 + 400 * MS, 101, 100, 1, 0) ||
	    ptree_exit(t, T0 + 500 * MS, 104, 100, 2, 15) ||
	    ptree_exit(t, T0 + 600 * MS, 100, 1, 1, 2)) {
		ptree_free(t);
		return NULL;
	}
	ptree_end(t, T0 + 700 * MS);
	return t;
}

static const char make_text[] =
	"    PID  STATUS               WALL  COMMAND\n"
	"    100  exit 2             0.600s  sh -c 'make -j2' -> make -j2\n"
	"    101  exit 0             0.390s  |- cc -c a.c\n"
	"    105  running            0.500s  |  `- as -o a.o\n"
	"    102  exit 1             0.298s  |- sh -c cc -c b.c\n"
	"    103  exit 1             0.250s  |  `- cc -c b.c\n"
	"    104  SIGTERM            0.180s  `- make (fork)\n"
	"6 processes in 0.700s, at most 5 at once; the longest under the first: 105 as -o a.o (0.500s)\n";

TEST(tree_text)
{
	struct ptree *t = make_tree();
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	ASSERT_TRUE(t);
	ASSERT_EQ(ptree_count(t), 6);
	f = open_memstream(&text, &len);
	ASSERT_TRUE(f);
	ASSERT_EQ(ptree_print(t, f), 0);
	fclose(f);
	ASSERT_STREQ(text, make_text);
	free(text);
	ptree_free(t);
}

/* A pid used again after its exit is a new process; an exec chain stays on one line. */
TEST(tree_pid_reuse_and_exec_chain)
{
	struct ptree *t = ptree_new();
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	ASSERT_TRUE(t);
	ASSERT_EQ(ptree_root(t, 10, T0, 0, "sh -c x"), 0);
	ASSERT_EQ(ptree_fork(t, T0 + MS, 10, 11, "sh -c x"), 0);
	ASSERT_EQ(ptree_exit(t, T0 + 2 * MS, 11, 10, 1, 0), 0);
	ASSERT_EQ(ptree_fork(t, T0 + 3 * MS, 10, 11, "sh -c x"), 0);
	ASSERT_EQ(ptree_exec(t, T0 + 4 * MS, 11, 10, "/bin/env"), 0);
	ASSERT_EQ(ptree_exec_success(t, T0 + 4 * MS, 11, 10, "env make"), 0);
	ASSERT_EQ(ptree_exec(t, T0 + 5 * MS, 11, 10, "/usr/bin/make"), 0);
	ASSERT_EQ(ptree_exec_success(t, T0 + 5 * MS, 11, 10, NULL), 0);
	/* busybox re-executing itself */
	ASSERT_EQ(ptree_exec(t, T0 + 6 * MS, 11, 10, "/proc/self/exe"), 0);
	ASSERT_EQ(ptree_exec_success(t, T0 + 6 * MS, 11, 10, NULL), 0);
	/* an event of a process that is not ours changes nothing */
	ASSERT_EQ(ptree_exit(t, T0 + 6 * MS, 999, 998, 1, 0), 0);
	ASSERT_EQ(ptree_exit(t, T0 + 7 * MS, 11, 10, 3, 11), 0);
	ASSERT_EQ(ptree_exit(t, T0 + 8 * MS, 10, 1, 1, 0), 0);
	ASSERT_EQ(ptree_count(t), 3);
	f = open_memstream(&text, &len);
	ASSERT_TRUE(f);
	ASSERT_EQ(ptree_print(t, f), 0);
	fclose(f);
	ASSERT_STREQ(text,
		"    PID  STATUS               WALL  COMMAND\n"
		"     10  exit 0            >0.008s  sh -c x\n"
		"     11  exit 0             0.001s  |- sh (fork)\n"
		"     11  SIGSEGV (core)     0.004s  `- env make -> /usr/bin/make -> make (re-exec)\n"
		"3 processes in 0.008s, at most 2 at once; the longest under the first: 11 env make -> /usr/bin/make -> make (re-exec) (0.004s)\n");
	free(text);
	ptree_free(t);
}

/* --- a PNG reader: 8-bit RGB or RGBA, not interlaced (what rsvg-convert writes) --- */

struct image {
	uint32_t	w, h;
	unsigned int	bpp;	/* bytes per pixel */
	uint8_t		*px;	/* unfiltered rows */
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

static int png_read(const char *path, struct image *img)
{
	uint8_t *file = NULL, *idat = NULL, *raw = NULL;
	size_t size = 0, cap = 0, nidat = 0, off, stride, y, x;
	uLongf rawlen;
	FILE *f;
	int ret = -1;

	memset(img, 0, sizeof(*img));
	f = fopen(path, "rb");
	if (!f)
		return -1;
	for (;;) {
		if (size == cap) {
			cap = cap ? 2 * cap : 65536;
			file = realloc(file, cap);
			if (!file)
				goto out;
		}
		off = fread(file + size, 1, cap - size, f);
		if (!off)
			break;
		size += off;
	}
	if (size < 8 || memcmp(file, "\x89PNG\r\n\x1a\n", 8))
		goto out;
	idat = malloc(size);
	if (!idat)
		goto out;
	for (off = 8; off + 12 <= size;) {
		uint32_t len = be32(file + off);
		const uint8_t *type = file + off + 4, *data = file + off + 8;

		if (off + 12 + len > size)
			goto out;
		if (!memcmp(type, "IHDR", 4)) {
			img->w = be32(data);
			img->h = be32(data + 4);
			if (data[8] != 8 || data[12] != 0 ||
			    (data[9] != 6 && data[9] != 2))
				goto out;
			img->bpp = data[9] == 6 ? 4 : 3;
		} else if (!memcmp(type, "IDAT", 4)) {
			memcpy(idat + nidat, data, len);
			nidat += len;
		}
		off += 12 + len;
	}
	if (!img->w || !img->h)
		goto out;
	stride = (size_t)img->w * img->bpp;
	rawlen = (stride + 1) * img->h;
	raw = malloc(rawlen);
	img->px = malloc(stride * img->h);
	if (!raw || !img->px ||
	    uncompress(raw, &rawlen, idat, nidat) != Z_OK ||
	    rawlen != (stride + 1) * img->h)
		goto out;
	for (y = 0; y < img->h; y++) {
		const uint8_t *in = raw + y * (stride + 1) + 1;
		uint8_t *row = img->px + y * stride;
		const uint8_t *up = y ? row - stride : NULL;

		for (x = 0; x < stride; x++) {
			int a = x >= img->bpp ? row[x - img->bpp] : 0;
			int b = up ? up[x] : 0;
			int c = up && x >= img->bpp ? up[x - img->bpp] : 0;

			switch (in[-1]) {
			case 0: row[x] = in[x]; break;
			case 1: row[x] = in[x] + a; break;
			case 2: row[x] = in[x] + b; break;
			case 3: row[x] = in[x] + (a + b) / 2; break;
			case 4: row[x] = in[x] + paeth(a, b, c); break;
			default: goto out;
			}
		}
	}
	ret = 0;
out:
	if (ret) {
		free(img->px);
		img->px = NULL;
	}
	free(raw);
	free(idat);
	free(file);
	fclose(f);
	return ret;
}

/*
 * Bars of colour @hex ("#rrggbb") in the timeline (right of the labels,
 * below the legend): runs of pixel rows holding at least 3 pixels of it,
 * each run as tall as a bar give or take antialiasing.
 */
static int count_bars(const struct image *img, const char *hex)
{
	unsigned int r, g, b, hits, run = 0, bars = 0;
	uint32_t x, y;

	if (sscanf(hex, "#%2x%2x%2x", &r, &g, &b) != 3)
		return -1;
	for (y = PTREE_SVG_TOP; y <= img->h; y++) {
		hits = 0;
		for (x = PTREE_SVG_LABEL_W; y < img->h && x < img->w; x++) {
			const uint8_t *p = img->px + ((size_t)y * img->w + x) * img->bpp;

			if (p[0] == r && p[1] == g && p[2] == b)
				hits++;
		}
		if (hits >= 3) {
			run++;
			continue;
		}
		if (run >= PTREE_SVG_BAR - 2 && run <= PTREE_SVG_BAR + 1)
			bars++;
		else if (run)
			return -1;	/* a smear of bar colour that is no bar */
		run = 0;
	}
	return bars;
}

TEST(tree_svg_renders_a_bar_per_process)
{
	struct ptree *t = make_tree();
	struct image img;
	FILE *f;
	int ok, err, sig, run;

	ASSERT_TRUE(t);
	f = fopen(SVG_PATH, "w");
	ASSERT_TRUE(f);
	ASSERT_EQ(ptree_svg(t, f), 0);
	ASSERT_EQ(fclose(f), 0);

	if (system("command -v rsvg-convert >/dev/null"))
		SKIP("no rsvg-convert: run tools/build/deps (it installs librsvg2-bin)");
	unlink(PNG_PATH);
	ASSERT_EQ(system("rsvg-convert --background-color=white -o " PNG_PATH " " SVG_PATH), 0);
	ASSERT_EQ(png_read(PNG_PATH, &img), 0);
	TH_LOG("%s: %ux%u", PNG_PATH, img.w, img.h);
	EXPECT_EQ(img.w, PTREE_SVG_WIDTH);
	ok = count_bars(&img, PTREE_SVG_OK);
	err = count_bars(&img, PTREE_SVG_ERR);
	sig = count_bars(&img, PTREE_SVG_SIG);
	run = count_bars(&img, PTREE_SVG_RUN);
	TH_LOG("bars: %d exit 0, %d exit != 0, %d killed, %d running",
	       ok, err, sig, run);
	/* 101; 100, 102, 103; 104; 105 */
	EXPECT_EQ(ok, 1);
	EXPECT_EQ(err, 3);
	EXPECT_EQ(sig, 1);
	EXPECT_EQ(run, 1);
	EXPECT_EQ(ok + err + sig + run, (int)ptree_count(t));
	free(img.px);
	ptree_free(t);
}
