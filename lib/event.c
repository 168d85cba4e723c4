// SPDX-License-Identifier: LGPL-2.1-or-later
/* libdtproc: DTPROC_CMD_EVENT / DTPROC_CMD_DROP messages to struct dtproc_event. */
#include <errno.h>
#include <string.h>

#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "internal.h"

static struct nla_policy dtproc_event_policy[DTPROC_A_MAX + 1] = {
	[DTPROC_A_SEQ]		= { .type = NLA_U64 },
	[DTPROC_A_PROBE]	= { .type = NLA_U32 },
	[DTPROC_A_TIMESTAMP]	= { .type = NLA_U64 },
	[DTPROC_A_CPU]		= { .type = NLA_U32 },
	[DTPROC_A_PID]		= { .type = NLA_U32 },
	[DTPROC_A_TID]		= { .type = NLA_U32 },
	[DTPROC_A_PPID]		= { .type = NLA_U32 },
	[DTPROC_A_UID]		= { .type = NLA_U32 },
	[DTPROC_A_EXECNAME]	= { .type = NLA_STRING },
	[DTPROC_A_PSINFO]	= { .type = NLA_NESTED },
	[DTPROC_A_LWPSINFO]	= { .type = NLA_NESTED },
	[DTPROC_A_SIGINFO]	= { .type = NLA_NESTED },
	[DTPROC_A_SIGNO]	= { .type = NLA_U32 },
	[DTPROC_A_PATH]		= { .type = NLA_STRING },
	[DTPROC_A_ERRNO]	= { .type = NLA_U32 },
	[DTPROC_A_EXIT_REASON]	= { .type = NLA_U32 },
	[DTPROC_A_EXIT_STATUS]	= { .type = NLA_U32 },
	[DTPROC_A_FAULT]	= { .type = NLA_U32 },
	[DTPROC_A_HANDLER]	= { .type = NLA_U64 },
	[DTPROC_A_DROPPED]	= { .type = NLA_U64 },
};

static struct nla_policy dtproc_psinfo_policy[DTPROC_PSINFO_A_MAX + 1] = {
	[DTPROC_PSINFO_A_FNAME]		= { .type = NLA_STRING },
	[DTPROC_PSINFO_A_PSARGS]	= { .type = NLA_STRING },
	[DTPROC_PSINFO_A_START]		= { .type = NLA_U64 },
};

static struct nla_policy dtproc_lwpsinfo_policy[DTPROC_LWPSINFO_A_MAX + 1] = {
	[DTPROC_LWPSINFO_A_CLNAME]	= { .type = NLA_STRING },
};

static struct nla_policy dtproc_siginfo_policy[DTPROC_SIGINFO_A_MAX + 1] = {
	[DTPROC_SIGINFO_A_ADDR]		= { .type = NLA_U64 },
};

static uint32_t u32_of(struct nlattr **tb, int attr)
{
	return tb[attr] && nla_len(tb[attr]) >= 4 ? nla_get_u32(tb[attr]) : 0;
}

static uint64_t u64_of(struct nlattr **tb, int attr)
{
	return tb[attr] && nla_len(tb[attr]) >= 8 ? nla_get_u64(tb[attr]) : 0;
}

static void str_of(struct nlattr **tb, int attr, char *dst, size_t len)
{
	dst[0] = '\0';
	if (tb[attr])
		nla_strlcpy(dst, tb[attr], len);
}

static int decode_psinfo(struct nlattr *nest, struct dtproc_psinfo *ps)
{
	struct nlattr *tb[DTPROC_PSINFO_A_MAX + 1];

	if (nla_parse_nested(tb, DTPROC_PSINFO_A_MAX, nest, dtproc_psinfo_policy))
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

static int decode_lwpsinfo(struct nlattr *nest, struct dtproc_lwpsinfo *lwp)
{
	struct nlattr *tb[DTPROC_LWPSINFO_A_MAX + 1];

	if (nla_parse_nested(tb, DTPROC_LWPSINFO_A_MAX, nest,
			     dtproc_lwpsinfo_policy))
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

static int decode_siginfo(struct nlattr *nest, struct dtproc_siginfo *si)
{
	struct nlattr *tb[DTPROC_SIGINFO_A_MAX + 1];

	if (nla_parse_nested(tb, DTPROC_SIGINFO_A_MAX, nest,
			     dtproc_siginfo_policy))
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

/* Decode one feed message; -EPROTO if it is not one this library knows. */
int dtproc_event_decode(struct nl_msg *msg, struct dtproc_event *ev)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[DTPROC_A_MAX + 1];
	int ret = 0;

	memset(ev, 0, sizeof(*ev));
	ev->size = sizeof(*ev);
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, DTPROC_A_MAX,
			  dtproc_event_policy))
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
