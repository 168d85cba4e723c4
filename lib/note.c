// SPDX-License-Identifier: LGPL-2.1-or-later
/* libdtproc: dt_proc's message for each notification (dtproc_notifications). */
#include <sys/wait.h>

#include "internal.h"

/*
 * dt_proc's messages, built without stdio: a consumer reads one note per
 * breakpoint hit, and vsnprintf() was a tenth of a hit's round trip.
 */
struct note_buf {
	char	*p, *end;	/* room for the text, and its NUL at end */
};

static void put_str(struct note_buf *b, const char *s)
{
	while (*s && b->p < b->end)
		*b->p++ = *s++;
}

static void put_num(struct note_buf *b, unsigned long long v, unsigned int base)
{
	char digits[24];
	int n = 0;

	do
		digits[n++] = "0123456789abcdef"[v % base];
	while ((v /= base) && n < (int)sizeof(digits));
	while (n && b->p < b->end)
		*b->p++ = digits[--n];
}

static void put_int(struct note_buf *b, long long v)
{
	if (v < 0) {
		put_str(b, "-");
		put_num(b, -(unsigned long long)v, 10);
	} else {
		put_num(b, v, 10);
	}
}

void dtproc_note_message(const struct dtproc_note *n, char *buf, size_t len)
{
	struct note_buf b = { buf, buf + len - 1 };

	switch (n->what) {
	case DTPROC_NOTE_EXITED:
		put_str(&b, "failed to control pid ");
		put_int(&b, n->pid);
		if (WIFSIGNALED(n->status)) {
			put_str(&b, ": process died from signal ");
			put_int(&b, WTERMSIG(n->status));
		} else {
			put_str(&b, ": process exited with status ");
			put_int(&b, WEXITSTATUS(n->status));
		}
		break;
	case DTPROC_NOTE_LOST:
		put_str(&b, "failed to control pid ");
		put_int(&b, n->pid);
		put_str(&b, ": process exec'd set-id or unobservable program");
		break;
	case DTPROC_NOTE_EXEC:
		put_str(&b, "pid ");
		put_int(&b, n->pid);
		put_str(&b, ": process exec'd a new program");
		break;
	case DTPROC_NOTE_OVERFLOW:
		put_int(&b, n->status);
		put_str(&b, " notifications lost (not read in time)");
		break;
	case DTPROC_NOTE_BREAK:
		put_str(&b, "pid ");
		put_int(&b, n->pid);
		put_str(&b, ": thread ");
		put_int(&b, n->tid);
		put_str(&b, " hit breakpoint ");
		put_num(&b, n->bp_id, 10);
		put_str(&b, " at 0x");
		put_num(&b, n->addr, 16);
		break;
	default:
		put_str(&b, "pid ");
		put_int(&b, n->pid);
		put_str(&b, ": notification ");
		put_num(&b, n->what, 10);
		break;
	}
	*b.p = '\0';
}
