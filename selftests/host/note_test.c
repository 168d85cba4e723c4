// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side tests of lib/note.c: dt_proc's message for each notification,
 * built without stdio, is the text snprintf() makes of the same format,
 * for extreme values and for every buffer length down to one byte.
 */
#include <limits.h>
#include <stdio.h>
#include <sys/wait.h>

#include "internal.h"

#include "harness.h"

/* The reference: the formats as dt_proc words them. */
static void expected(const struct dtproc_note *n, char *buf, size_t len)
{
	switch (n->what) {
	case DTPROC_NOTE_EXITED:
		if (WIFSIGNALED(n->status))
			snprintf(buf, len, "failed to control pid %d: process died from signal %d",
				 n->pid, WTERMSIG(n->status));
		else
			snprintf(buf, len, "failed to control pid %d: process exited with status %d",
				 n->pid, WEXITSTATUS(n->status));
		break;
	case DTPROC_NOTE_LOST:
		snprintf(buf, len, "failed to control pid %d: process exec'd set-id or unobservable program",
			 n->pid);
		break;
	case DTPROC_NOTE_EXEC:
		snprintf(buf, len, "pid %d: process exec'd a new program", n->pid);
		break;
	case DTPROC_NOTE_OVERFLOW:
		snprintf(buf, len, "%d notifications lost (not read in time)",
			 n->status);
		break;
	case DTPROC_NOTE_BREAK:
		snprintf(buf, len, "pid %d: thread %d hit breakpoint %u at 0x%llx",
			 n->pid, n->tid, n->bp_id, (unsigned long long)n->addr);
		break;
	default:
		snprintf(buf, len, "pid %d: notification %u", n->pid, n->what);
		break;
	}
}

static void check(const struct dtproc_note *n)
{
	char want[160], got[160];
	size_t len;

	for (len = sizeof(want); len >= 1; len--) {
		expected(n, want, len);
		memset(got, 'x', sizeof(got));
		dtproc_note_message(n, got, len);
		if (strcmp(got, want))
			DT_FAIL(1, "note %u, %zu bytes: \"%s\", not \"%s\"",
				n->what, len, got, want);
		if (len < sizeof(got) && got[len] != 'x')
			DT_FAIL(1, "note %u: wrote past %zu bytes", n->what, len);
	}
}

TEST(every_kind_as_snprintf_makes_it)
{
	static const int ints[] = { 0, 1, 7, 42, 4194304, INT_MAX, -1, INT_MIN };
	static const unsigned long long addrs[] = {
		0, 0x401000, 0x7fffdeadbeefULL, ~0ULL,
	};
	static const unsigned int whats[] = {
		DTPROC_NOTE_EXITED, DTPROC_NOTE_LOST, DTPROC_NOTE_EXEC,
		DTPROC_NOTE_OVERFLOW, DTPROC_NOTE_BREAK, 99, UINT_MAX,
	};
	static const int statuses[] = { 0, 1 << 8, 255 << 8, 9, 11 | 0x80 };
	struct dtproc_note n;
	size_t w, i, j;

	for (w = 0; w < sizeof(whats) / sizeof(whats[0]); w++)
		for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
			for (j = 0; j < sizeof(addrs) / sizeof(addrs[0]); j++) {
				memset(&n, 0, sizeof(n));
				n.what = whats[w];
				n.pid = ints[i];
				n.tid = ints[(i + j) % 8];
				n.bp_id = (unsigned int)ints[(i + 3) % 8];
				n.addr = addrs[j];
				n.status = w == 3 ? ints[i] : statuses[(i + j) % 5];
				check(&n);
			}
}
