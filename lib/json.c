// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdtproc: an event of the feed as one line of JSON.
 *
 * Every line is valid JSON whatever bytes the event's strings hold: valid
 * UTF-8 is copied, '"' and '\' are escaped, and control characters and
 * bytes that are not part of valid UTF-8 become \u00XX (the byte read as
 * Latin-1).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* An output buffer that counts what it could not hold, like snprintf(). */
struct jbuf {
	char	*buf;
	size_t	len;
	size_t	pos;	/* bytes the whole line needs so far */
};

static void j_putc(struct jbuf *j, char c)
{
	if (j->pos + 1 < j->len)
		j->buf[j->pos] = c;
	j->pos++;
}

static void j_puts(struct jbuf *j, const char *s)
{
	while (*s)
		j_putc(j, *s++);
}

static void __attribute__((format(printf, 2, 3)))
j_printf(struct jbuf *j, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	/* Only numbers come through here: they always fit. */
	if (n > 0)
		j_puts(j, tmp);
}

/*
 * Length of the valid UTF-8 sequence at @s (at most @n bytes), or 0 if it
 * is not one: no overlong forms, no surrogates, nothing above U+10FFFF.
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp, min;
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A JSON string of the bytes at @s up to a NUL or @max bytes. */
static void j_str(struct jbuf *j, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strnlen(s, max), i = 0, k;

	j_putc(j, '"');
	while (i < n) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			j_putc(j, '\\');
			j_putc(j, c);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			j_printf(j, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			j_putc(j, c);
			i++;
		} else {
			k = utf8_len(p + i, n - i);
			if (!k) {
				j_printf(j, "\\u%04x", c);
				i++;
			}
			while (k--)
				j_putc(j, p[i++]);
		}
	}
	j_putc(j, '"');
}

#define J_STR(j, arr)	j_str(j, arr, sizeof(arr))

static void j_psinfo(struct jbuf *j, const struct dtproc_psinfo *ps)
{
	j_printf(j, "{\"pr_pid\":%" PRId32 ",\"pr_ppid\":%" PRId32,
		 ps->pr_pid, ps->pr_ppid);
	j_printf(j, ",\"pr_pgid\":%" PRId32 ",\"pr_sid\":%" PRId32,
		 ps->pr_pgid, ps->pr_sid);
	j_printf(j, ",\"pr_uid\":%" PRIu32 ",\"pr_euid\":%" PRIu32,
		 ps->pr_uid, ps->pr_euid);
	j_printf(j, ",\"pr_gid\":%" PRIu32 ",\"pr_egid\":%" PRIu32,
		 ps->pr_gid, ps->pr_egid);
	j_printf(j, ",\"pr_nlwp\":%" PRId32, ps->pr_nlwp);
	j_puts(j, ",\"pr_fname\":");
	J_STR(j, ps->pr_fname);
	j_puts(j, ",\"pr_psargs\":");
	J_STR(j, ps->pr_psargs);
	j_printf(j, ",\"pr_argc\":%" PRId32 ",\"pr_start\":%" PRIu64,
		 ps->pr_argc, ps->pr_start);
	j_printf(j, ",\"pr_dmodel\":%" PRId32 "}", ps->pr_dmodel);
}

static void j_lwpsinfo(struct jbuf *j, const struct dtproc_lwpsinfo *lwp)
{
	j_printf(j, "{\"pr_lwpid\":%" PRId32 ",\"pr_flag\":%" PRIu32,
		 lwp->pr_lwpid, lwp->pr_flag);
	j_puts(j, ",\"pr_sname\":");
	j_str(j, &lwp->pr_sname, 1);
	j_printf(j, ",\"pr_state\":%" PRId32 ",\"pr_nice\":%" PRId32,
		 lwp->pr_state, lwp->pr_nice);
	j_printf(j, ",\"pr_pri\":%" PRId32 ",\"pr_syscall\":%" PRId32,
		 lwp->pr_pri, lwp->pr_syscall);
	j_puts(j, ",\"pr_clname\":");
	J_STR(j, lwp->pr_clname);
	j_printf(j, ",\"pr_onpro\":%" PRId32 "}", lwp->pr_onpro);
}

static void j_siginfo(struct jbuf *j, const struct dtproc_siginfo *si)
{
	j_printf(j, "{\"si_signo\":%" PRId32 ",\"si_code\":%" PRId32,
		 si->signo, si->code);
	j_printf(j, ",\"si_errno\":%" PRId32 ",\"si_pid\":%" PRId32,
		 si->errnum, si->pid);
	j_printf(j, ",\"si_uid\":%" PRIu32 ",\"si_addr\":%" PRIu64,
		 si->uid, si->addr);
	j_printf(j, ",\"si_status\":%" PRId32 "}", si->status);
}

/* "lwp":LWPSINFO,"proc":PSINFO */
static void j_lwp_proc(struct jbuf *j, const struct dtproc_event *ev)
{
	j_puts(j, "\"lwp\":");
	j_lwpsinfo(j, &ev->lwpsinfo);
	j_puts(j, ",\"proc\":");
	j_psinfo(j, &ev->psinfo);
}

static void j_args(struct jbuf *j, const struct dtproc_event *ev)
{
	j_putc(j, '{');
	switch (ev->probe) {
	case DTPROC_PROBE_CREATE:
		j_puts(j, "\"child\":");
		j_psinfo(j, &ev->psinfo);
		break;
	case DTPROC_PROBE_EXEC:
		j_puts(j, "\"path\":");
		J_STR(j, ev->path);
		break;
	case DTPROC_PROBE_EXEC_FAILURE:
		j_printf(j, "\"errno\":%" PRId32, ev->err);
		break;
	case DTPROC_PROBE_EXIT:
		j_printf(j, "\"reason\":%" PRId32 ",\"status\":%" PRId32,
			 ev->exit_reason, ev->exit_status);
		break;
	case DTPROC_PROBE_FAULT:
		j_printf(j, "\"fault\":%" PRId32 ",\"siginfo\":", ev->fault);
		j_siginfo(j, &ev->siginfo);
		break;
	case DTPROC_PROBE_LWP_CREATE:
		j_lwp_proc(j, ev);
		break;
	case DTPROC_PROBE_SIGNAL_SEND:
	case DTPROC_PROBE_SIGNAL_DISCARD:
		j_lwp_proc(j, ev);
		j_printf(j, ",\"signo\":%" PRId32, ev->signo);
		break;
	case DTPROC_PROBE_SIGNAL_HANDLE:
		j_printf(j, "\"signo\":%" PRId32 ",\"siginfo\":", ev->signo);
		if (ev->has & DTPROC_HAS_SIGINFO)
			j_siginfo(j, &ev->siginfo);
		else
			j_puts(j, "null");
		j_printf(j, ",\"handler\":%" PRIu64, ev->handler);
		break;
	case DTPROC_PROBE_SIGNAL_CLEAR:
		j_printf(j, "\"signo\":%" PRId32, ev->signo);
		break;
	default:
		/* exec-success, lwp-start, lwp-exit, start: no arguments. */
		break;
	}
	j_putc(j, '}');
}

static int dtproc_event_json_full(const struct dtproc_event *ev, char *buf,
				  size_t len)
{
	struct jbuf j = { .buf = buf, .len = len, .pos = 0 };
	const char *name;

	if (ev->kind == DTPROC_EVENT_DROP) {
		j_printf(&j, "{\"seq\":%" PRIu64 ",\"probe\":\"drop\"", ev->seq);
		j_printf(&j, ",\"dropped\":%" PRIu64 "}", ev->dropped);
	} else {
		j_printf(&j, "{\"seq\":%" PRIu64 ",\"ts\":%" PRIu64, ev->seq,
			 ev->ts);
		j_printf(&j, ",\"cpu\":%" PRIu32 ",\"probe\":", ev->cpu);
		name = dtproc_probe_name(ev->probe);
		if (name)
			j_str(&j, name, strlen(name));
		else
			j_puts(&j, "\"unknown\"");
		j_printf(&j, ",\"pid\":%" PRId32 ",\"tid\":%" PRId32, ev->pid,
			 ev->tid);
		j_printf(&j, ",\"ppid\":%" PRId32 ",\"uid\":%" PRIu32, ev->ppid,
			 ev->uid);
		j_puts(&j, ",\"execname\":");
		J_STR(&j, ev->execname);
		j_puts(&j, ",\"args\":");
		j_args(&j, ev);
		j_putc(&j, '}');
	}

	if (len)
		buf[j.pos < len ? j.pos : len - 1] = '\0';
	return j.pos > INT_MAX ? INT_MAX : (int)j.pos;
}

/* dtproc_event_json@@LIBDTPROC_1.3: reads no more than @ev->size bytes. */
__attribute__((symver("dtproc_event_json@@LIBDTPROC_1.3")))
DTPROC_EXPORT int dtproc_event_json_v13(const struct dtproc_event *ev,
					char *buf, size_t len)
{
	struct dtproc_event full;
	size_t size = ev->size;

	if (size < DTPROC_EVENT_SIZE_MIN)
		return dtproc_failx(EINVAL, "struct dtproc_event's size is %zu: set it to sizeof(struct dtproc_event) (DTPROC_EVENT_INIT)",
				   size);
	if (size >= sizeof(full))
		return dtproc_event_json_full(ev, buf, len);
	memset(&full, 0, sizeof(full));
	memcpy(&full, ev, size);
	return dtproc_event_json_full(&full, buf, len);
}

/* dtproc_event_json@LIBDTPROC_1: of a struct dtproc_event_v1. */
__attribute__((symver("dtproc_event_json@LIBDTPROC_1")))
DTPROC_EXPORT int dtproc_event_json_v1(const struct dtproc_event_v1 *ev,
				       char *buf, size_t len)
{
	size_t skip = offsetof(struct dtproc_event_v1, seq);
	struct dtproc_event full;

	memset(&full, 0, sizeof(full));
	full.size = sizeof(full);
	full.kind = ev->kind;
	memcpy((char *)&full + skip, (char *)ev + skip, sizeof(*ev) - skip);
	return dtproc_event_json_full(&full, buf, len);
}
