// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdtproc: DTPROC_CMD_EVENT / DTPROC_CMD_DROP messages to struct
 * dtproc_event.  Every event passes through here, so the attributes are
 * walked in place rather than through libnl's policy parser: each one is
 * checked to lie inside its message or nest, and an attribute this library
 * knows must be at least as long as its type, else the message is refused.
 */
#include <errno.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "internal.h"

/* What an attribute holds, hence its least payload length. */
enum { A_NONE, A_U32, A_U64, A_STR, A_NEST };
static const unsigned char dtproc_min_len[] = {
	[A_U32] = 4, [A_U64] = 8, [A_STR] = 0, [A_NEST] = 0,
};

static const unsigned char dtproc_event_kinds[DTPROC_A_MAX + 1] = {
	[DTPROC_A_SEQ]		= A_U64,
	[DTPROC_A_PROBE]	= A_U32,
	[DTPROC_A_TIMESTAMP]	= A_U64,
	[DTPROC_A_CPU]		= A_U32,
	[DTPROC_A_PID]		= A_U32,
	[DTPROC_A_TID]		= A_U32,
	[DTPROC_A_PPID]		= A_U32,
	[DTPROC_A_UID]		= A_U32,
	[DTPROC_A_EXECNAME]	= A_STR,
	[DTPROC_A_PSINFO]	= A_NEST,
	[DTPROC_A_LWPSINFO]	= A_NEST,
	[DTPROC_A_SIGINFO]	= A_NEST,
	[DTPROC_A_SIGNO]	= A_U32,
	[DTPROC_A_PATH]		= A_STR,
	[DTPROC_A_ERRNO]	= A_U32,
	[DTPROC_A_EXIT_REASON]	= A_U32,
	[DTPROC_A_EXIT_STATUS]	= A_U32,
	[DTPROC_A_FAULT]	= A_U32,
	[DTPROC_A_HANDLER]	= A_U64,
	[DTPROC_A_DROPPED]	= A_U64,
};

static const unsigned char dtproc_psinfo_kinds[DTPROC_PSINFO_A_MAX + 1] = {
	[DTPROC_PSINFO_A_PID]		= A_U32,
	[DTPROC_PSINFO_A_PPID]		= A_U32,
	[DTPROC_PSINFO_A_PGID]		= A_U32,
	[DTPROC_PSINFO_A_SID]		= A_U32,
	[DTPROC_PSINFO_A_UID]		= A_U32,
	[DTPROC_PSINFO_A_EUID]		= A_U32,
	[DTPROC_PSINFO_A_GID]		= A_U32,
	[DTPROC_PSINFO_A_EGID]		= A_U32,
	[DTPROC_PSINFO_A_NLWP]		= A_U32,
	[DTPROC_PSINFO_A_FNAME]		= A_STR,
	[DTPROC_PSINFO_A_PSARGS]	= A_STR,
	[DTPROC_PSINFO_A_ARGC]		= A_U32,
	[DTPROC_PSINFO_A_START]		= A_U64,
	[DTPROC_PSINFO_A_DMODEL]	= A_U32,
};

static const unsigned char dtproc_lwpsinfo_kinds[DTPROC_LWPSINFO_A_MAX + 1] = {
	[DTPROC_LWPSINFO_A_LWPID]	= A_U32,
	[DTPROC_LWPSINFO_A_FLAG]	= A_U32,
	[DTPROC_LWPSINFO_A_SNAME]	= A_U32,
	[DTPROC_LWPSINFO_A_STATE]	= A_U32,
	[DTPROC_LWPSINFO_A_NICE]	= A_U32,
	[DTPROC_LWPSINFO_A_PRI]		= A_U32,
	[DTPROC_LWPSINFO_A_SYSCALL]	= A_U32,
	[DTPROC_LWPSINFO_A_CLNAME]	= A_STR,
	[DTPROC_LWPSINFO_A_ONPRO]	= A_U32,
};

static const unsigned char dtproc_siginfo_kinds[DTPROC_SIGINFO_A_MAX + 1] = {
	[DTPROC_SIGINFO_A_SIGNO]	= A_U32,
	[DTPROC_SIGINFO_A_CODE]		= A_U32,
	[DTPROC_SIGINFO_A_ERRNO]	= A_U32,
	[DTPROC_SIGINFO_A_PID]		= A_U32,
	[DTPROC_SIGINFO_A_UID]		= A_U32,
	[DTPROC_SIGINFO_A_ADDR]		= A_U64,
	[DTPROC_SIGINFO_A_STATUS]	= A_U32,
};

/*
 * tb[type] = the last attribute of each known type among the @len bytes
 * at @head; -EPROTO if one overruns them or is too short for its type.
 * Unknown types are skipped (a newer module may add some).
 */
static int dtproc_attrs(const struct nlattr **tb, int max,
			const unsigned char *kinds, const void *head,
			size_t len)
{
	const unsigned char *p = head;
	const struct nlattr *a;
	size_t alen, step;
	int type;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	while (len >= NLA_HDRLEN) {
		a = (const struct nlattr *)p;
		alen = a->nla_len;
		if (alen < NLA_HDRLEN || alen > len)
			return -EPROTO;
		type = a->nla_type & NLA_TYPE_MASK;
		if (type <= max && kinds[type]) {
			if (alen - NLA_HDRLEN < dtproc_min_len[kinds[type]])
				return -EPROTO;
			tb[type] = a;
		}
		step = NLA_ALIGN(alen);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

static const void *payload(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static uint32_t u32_of(const struct nlattr **tb, int attr)
{
	uint32_t v = 0;

	if (tb[attr])
		memcpy(&v, payload(tb[attr]), sizeof(v));
	return v;
}

static uint64_t u64_of(const struct nlattr **tb, int attr)
{
	uint64_t v = 0;

	if (tb[attr])
		memcpy(&v, payload(tb[attr]), sizeof(v));
	return v;
}

/* At most @len - 1 bytes of the string, up to its NUL, NUL-terminated. */
static void str_of(const struct nlattr **tb, int attr, char *dst, size_t len)
{
	size_t n = 0;

	if (tb[attr]) {
		n = strnlen(payload(tb[attr]), tb[attr]->nla_len - NLA_HDRLEN);
		if (n >= len)
			n = len - 1;
		memcpy(dst, payload(tb[attr]), n);
	}
	dst[n] = '\0';
}

/* The attributes of the nest @a, into @tb. */
static int dtproc_nest(const struct nlattr **tb, int max,
		       const unsigned char *kinds, const struct nlattr *a)
{
	return dtproc_attrs(tb, max, kinds, payload(a), a->nla_len - NLA_HDRLEN);
}

static int decode_psinfo(const struct nlattr *nest, struct dtproc_psinfo *ps)
{
	const struct nlattr *tb[DTPROC_PSINFO_A_MAX + 1];

	if (dtproc_nest(tb, DTPROC_PSINFO_A_MAX, dtproc_psinfo_kinds, nest))
		return -EPROTO;
	ps->pr_pid = u32_of(tb, DTPROC_PSINFO_A_PID);
	ps->pr_ppid = u32_of(tb, DTPROC_PSINFO_A_PPID);
	ps->pr_pgid = u32_of(tb, DTPROC_PSINFO_A_PGID);
	ps->pr_sid = u32_of(tb, DTPROC_PSINFO_A_SID);
	ps->pr_uid = u32_of(tb, DTPROC_PSINFO_A_UID);
	ps->pr_euid = u32_of(tb, DTPROC_PSINFO_A_EUID);
	ps->pr_gid = u32_of(tb, DTPROC_PSINFO_A_GID);
	ps->pr_egid = u32_of(tb, DTPROC_PSINFO_A_EGID);
	ps->pr_nlwp = u32_of(tb, DTPROC_PSINFO_A_NLWP);
	ps->pr_argc = u32_of(tb, DTPROC_PSINFO_A_ARGC);
	ps->pr_start = u64_of(tb, DTPROC_PSINFO_A_START);
	ps->pr_dmodel = u32_of(tb, DTPROC_PSINFO_A_DMODEL);
	str_of(tb, DTPROC_PSINFO_A_FNAME, ps->pr_fname, sizeof(ps->pr_fname));
	str_of(tb, DTPROC_PSINFO_A_PSARGS, ps->pr_psargs, sizeof(ps->pr_psargs));
	return 0;
}

static int decode_lwpsinfo(const struct nlattr *nest,
			   struct dtproc_lwpsinfo *lwp)
{
	const struct nlattr *tb[DTPROC_LWPSINFO_A_MAX + 1];

	if (dtproc_nest(tb, DTPROC_LWPSINFO_A_MAX, dtproc_lwpsinfo_kinds, nest))
		return -EPROTO;
	lwp->pr_lwpid = u32_of(tb, DTPROC_LWPSINFO_A_LWPID);
	lwp->pr_flag = u32_of(tb, DTPROC_LWPSINFO_A_FLAG);
	lwp->pr_sname = (char)u32_of(tb, DTPROC_LWPSINFO_A_SNAME);
	lwp->pr_state = u32_of(tb, DTPROC_LWPSINFO_A_STATE);
	lwp->pr_nice = (int32_t)u32_of(tb, DTPROC_LWPSINFO_A_NICE);
	lwp->pr_pri = (int32_t)u32_of(tb, DTPROC_LWPSINFO_A_PRI);
	lwp->pr_syscall = u32_of(tb, DTPROC_LWPSINFO_A_SYSCALL);
	lwp->pr_onpro = u32_of(tb, DTPROC_LWPSINFO_A_ONPRO);
	str_of(tb, DTPROC_LWPSINFO_A_CLNAME, lwp->pr_clname,
	       sizeof(lwp->pr_clname));
	return 0;
}

static int decode_siginfo(const struct nlattr *nest, struct dtproc_siginfo *si)
{
	const struct nlattr *tb[DTPROC_SIGINFO_A_MAX + 1];

	if (dtproc_nest(tb, DTPROC_SIGINFO_A_MAX, dtproc_siginfo_kinds, nest))
		return -EPROTO;
	si->signo = u32_of(tb, DTPROC_SIGINFO_A_SIGNO);
	si->code = (int32_t)u32_of(tb, DTPROC_SIGINFO_A_CODE);
	si->errnum = (int32_t)u32_of(tb, DTPROC_SIGINFO_A_ERRNO);
	si->pid = u32_of(tb, DTPROC_SIGINFO_A_PID);
	si->uid = u32_of(tb, DTPROC_SIGINFO_A_UID);
	si->status = (int32_t)u32_of(tb, DTPROC_SIGINFO_A_STATUS);
	si->addr = u64_of(tb, DTPROC_SIGINFO_A_ADDR);
	return 0;
}

/*
 * Decode one feed message, @nh and the nlmsg_len bytes it heads; -EPROTO
 * if it is not one this library knows.
 */
int dtproc_event_decode(const struct nlmsghdr *nh, struct dtproc_event *ev)
{
	const size_t hdr = NLMSG_HDRLEN + GENL_HDRLEN;
	const struct nlattr *tb[DTPROC_A_MAX + 1];
	const struct genlmsghdr *gh;
	int ret = 0;

	memset(ev, 0, sizeof(*ev));
	ev->size = sizeof(*ev);
	if (nh->nlmsg_len < hdr)
		return -EPROTO;
	gh = NLMSG_DATA(nh);
	if (dtproc_attrs(tb, DTPROC_A_MAX, dtproc_event_kinds,
			 (const char *)nh + hdr, nh->nlmsg_len - hdr))
		return -EPROTO;
	ev->seq = u64_of(tb, DTPROC_A_SEQ);
	if (gh->cmd == DTPROC_CMD_DROP) {
		ev->kind = DTPROC_EVENT_DROP;
		ev->dropped = u64_of(tb, DTPROC_A_DROPPED);
		return 0;
	}
	if (gh->cmd != DTPROC_CMD_EVENT || !tb[DTPROC_A_PROBE])
		return -EPROTO;

	ev->kind = DTPROC_EVENT_PROBE;
	ev->probe = u32_of(tb, DTPROC_A_PROBE);
	if (ev->probe < 0 || ev->probe >= DTPROC_PROBE_COUNT)
		return -EPROTO;
	ev->ts = u64_of(tb, DTPROC_A_TIMESTAMP);
	ev->cpu = u32_of(tb, DTPROC_A_CPU);
	ev->pid = u32_of(tb, DTPROC_A_PID);
	ev->tid = u32_of(tb, DTPROC_A_TID);
	ev->ppid = u32_of(tb, DTPROC_A_PPID);
	ev->uid = u32_of(tb, DTPROC_A_UID);
	str_of(tb, DTPROC_A_EXECNAME, ev->execname, sizeof(ev->execname));
	str_of(tb, DTPROC_A_PATH, ev->path, sizeof(ev->path));
	ev->signo = u32_of(tb, DTPROC_A_SIGNO);
	ev->err = u32_of(tb, DTPROC_A_ERRNO);
	ev->exit_reason = u32_of(tb, DTPROC_A_EXIT_REASON);
	ev->exit_status = u32_of(tb, DTPROC_A_EXIT_STATUS);
	ev->fault = u32_of(tb, DTPROC_A_FAULT);
	ev->handler = u64_of(tb, DTPROC_A_HANDLER);

	if (tb[DTPROC_A_PSINFO]) {
		ret = decode_psinfo(tb[DTPROC_A_PSINFO], &ev->psinfo);
		ev->has |= DTPROC_HAS_PSINFO;
	}
	if (!ret && tb[DTPROC_A_LWPSINFO]) {
		ret = decode_lwpsinfo(tb[DTPROC_A_LWPSINFO], &ev->lwpsinfo);
		ev->has |= DTPROC_HAS_LWPSINFO;
	}
	if (!ret && tb[DTPROC_A_SIGINFO]) {
		ret = decode_siginfo(tb[DTPROC_A_SIGINFO], &ev->siginfo);
		ev->has |= DTPROC_HAS_SIGINFO;
	}
	return ret;
}
