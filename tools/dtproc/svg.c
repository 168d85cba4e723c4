// SPDX-License-Identifier: GPL-2.0
/*
 * dtproc CLI: "dtproc report tree --svg FILE", the process tree as a
 * timeline a browser can show.  One row per process, in the text report's
 * order (parent first, children below it, indented); on the left its pid
 * and what it ran, on the right a bar from its fork to its exit, coloured
 * by how it ended, with a line from the parent's bar to where the child
 * was forked.  Hovering a bar shows its whole command line.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"

#define SVG_RIGHT	24	/* margin right of the timeline */
#define SVG_BOTTOM	44	/* room for the axis labels */
#define SVG_CHAR_W	6.6	/* px per character of 11px monospace */
#define SVG_INDENT	14	/* px per level of nesting */

static void svg_text(FILE *f, const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		if (max && i == max - 1 && s[i + 1]) {
			fputs("\xe2\x80\xa6", f);	/* an ellipsis */
			return;
		}
		switch (s[i]) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			/* control characters are not allowed in XML 1.0 */
			fputc((unsigned char)s[i] < 0x20 ? '?' : s[i], f);
		}
	}
}

static const char *svg_fill(enum ptree_end how)
{
	switch (how) {
	case PTREE_EXIT_OK:
		return PTREE_SVG_OK;
	case PTREE_EXIT_ERR:
		return PTREE_SVG_ERR;
	case PTREE_KILLED:
		return PTREE_SVG_SIG;
	default:
		return PTREE_SVG_RUN;
	}
}

/* A tick step of 1, 2 or 5 times a power of ten: 4 to 10 ticks. */
static double svg_step(double span)
{
	double p = pow(10, floor(log10(span))), m[] = { 0.1, 0.2, 0.5, 1, 2, 5 };
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (span / (m[i] * p) <= 10)
			return m[i] * p;
	return 10 * p;
}

static void svg_legend(FILE *f, double x, const char *fill, const char *what)
{
	fprintf(f, "<rect x=\"%.1f\" y=\"36\" width=\"14\" height=\"10\" rx=\"2\" fill=\"%s\"/>"
		"<text x=\"%.1f\" y=\"45\" class=\"small\">%s</text>\n",
		x, fill, x + 19, what);
}

int ptree_svg(const struct ptree *t, FILE *f)
{
	const double x0 = PTREE_SVG_LABEL_W, x1 = PTREE_SVG_WIDTH - SVG_RIGHT;
	uint64_t t0, t1;
	struct ptree_row *rows;
	size_t n, i;
	double span, step, s, scale;
	int height;
	char status[32];

	rows = ptree_rows(t, &n, &t0, &t1);
	if (!rows)
		return -ENOMEM;
	span = (t1 - t0) / 1e9;
	if (span <= 0)
		span = 1e-3;
	scale = (x1 - x0) / span;
	height = PTREE_SVG_TOP + (int)n * PTREE_SVG_ROW + SVG_BOTTOM;
#define X(ns)	(x0 + ((ns) - t0) / 1e9 * scale)

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"11\">\n"
		"<style>.small{font-size:10px;fill:#445}.lbl{fill:#223}"
		".st{font-size:10px;fill:#334}.bar:hover{stroke:#000;stroke-width:1}</style>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n",
		PTREE_SVG_WIDTH, height, PTREE_SVG_WIDTH, height);
	fprintf(f, "<text x=\"12\" y=\"22\" font-size=\"14\" font-weight=\"bold\" fill=\"#112\">");
	svg_text(f, n ? rows[0].label : "no process", 100);
	fprintf(f, "</text>\n<text x=\"12\" y=\"45\" class=\"small\">%zu process%s, %.3f s"
		" (dtproc report tree)</text>\n", n, n == 1 ? "" : "es", span);
	svg_legend(f, x0, PTREE_SVG_OK, "exit 0");
	svg_legend(f, x0 + 90, PTREE_SVG_ERR, "exit status &#8800; 0");
	svg_legend(f, x0 + 240, PTREE_SVG_SIG, "killed by a signal");
	svg_legend(f, x0 + 390, PTREE_SVG_RUN, "still running");

	/* zebra rows, then the time grid over them */
	for (i = 0; i < n; i += 2)
		fprintf(f, "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f3f5f8\"/>\n",
			PTREE_SVG_TOP + (int)i * PTREE_SVG_ROW, PTREE_SVG_WIDTH,
			PTREE_SVG_ROW);
	step = svg_step(span);
	for (s = 0; s <= span + step / 1e6; s += step) {
		double x = x0 + s * scale;

		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d5d9e0\"/>"
			"<text x=\"%.1f\" y=\"%d\" class=\"small\" text-anchor=\"middle\">%g s</text>\n",
			x, PTREE_SVG_TOP - 4, x, height - SVG_BOTTOM + 4, x,
			height - SVG_BOTTOM + 18, s);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"small\" text-anchor=\"middle\">time since the first process started</text>\n",
		(x0 + x1) / 2, height - 10);

	for (i = 0; i < n; i++) {
		const struct ptree_row *r = &rows[i];
		int y = PTREE_SVG_TOP + (int)i * PTREE_SVG_ROW;
		int ymid = y + PTREE_SVG_ROW / 2;
		int bar_y = y + (PTREE_SVG_ROW - PTREE_SVG_BAR) / 2;
		double lx = 12 + r->depth * SVG_INDENT, bx = X(r->start);
		double bw = X(r->end) - bx;
		size_t room;

		if (bw < 2)
			bw = 2;
		/* the tree in the label column: an elbow from the parent */
		if (r->parent != (size_t)-1) {
			int py = PTREE_SVG_TOP + (int)r->parent * PTREE_SVG_ROW +
				 PTREE_SVG_ROW / 2 + 6;
			double px = lx - SVG_INDENT + 4;

			fprintf(f, "<path d=\"M%.1f %d V%d H%.1f\" fill=\"none\" stroke=\"#9aa3b2\"/>\n",
				px, py, ymid, lx - 3);
			/* in the timeline: from the parent's bar down to the fork */
			fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#5b6475\" stroke-dasharray=\"2 2\"/>\n",
				bx, PTREE_SVG_TOP + (int)r->parent * PTREE_SVG_ROW +
				(PTREE_SVG_ROW + PTREE_SVG_BAR) / 2, bx, bar_y);
		}
		room = (size_t)((x0 - 8 - lx) / SVG_CHAR_W);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"lbl\"><tspan font-weight=\"bold\">%d</tspan> ",
			lx, ymid + 4, r->pid);
		svg_text(f, r->label, room > 8 ? room - 7 : 1);
		fprintf(f, "</text>\n");

		ptree_row_status(r, status, sizeof(status));
		fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" rx=\"3\" fill=\"%s\"><title>",
			bx, bar_y, bw, PTREE_SVG_BAR, svg_fill(r->how));
		fprintf(f, "%d ", r->pid);
		svg_text(f, r->label, 0);
		fprintf(f, "\n%s, %.3f s%s</title></rect>\n", status,
			(r->end - r->start) / 1e9,
			r->start_known ? "" : " (started before the trace)");
		/* its status and time: right of the bar, or inside at the right end */
		if (bx + bw + 110 < PTREE_SVG_WIDTH)
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"st\">%s &#183; %.3f s</text>\n",
				bx + bw + 5, ymid + 4, status,
				(r->end - r->start) / 1e9);
		else
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"st\" text-anchor=\"end\" fill=\"#fff\" style=\"fill:#fff\">%s &#183; %.3f s</text>\n",
				bx + bw - 5, ymid + 4, status,
				(r->end - r->start) / 1e9);
	}
#undef X
	fprintf(f, "</svg>\n");
	free(rows);
	return ferror(f) ? -EIO : 0;
}
