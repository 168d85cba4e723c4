// SPDX-License-Identifier: GPL-2.0
/*
 * Records as netlink messages: DTPROC_CMD_EVENT with the firing context and
 * the probe's arguments, DTPROC_CMD_DROP for losses.  Process context (the
 * feed worker); the layout is documented in uapi/linux/dtproc.h.
 */
#include <linux/timekeeping.h>
#include <net/genetlink.h>

#include "dtproc.h"

/* Close @nest, or take it back out if filling it failed. */
static int dtproc_nest_done(struct sk_buff *skb, struct nlattr *nest,
			    bool failed)
{
	if (failed) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int dtproc_put_psinfo(struct sk_buff *skb,
			     const struct dtproc_psinfo_rec *ps)
{
	struct nlattr *nest;
	bool failed;
	u64 start;

	/* boot-relative start time to the epoch */
	start = ktime_get_real_ns() - ktime_get_boottime_ns() +
		ps->start_boottime;

	nest = nla_nest_start(skb, DTPROC_A_PSINFO);
	if (!nest)
		return -EMSGSIZE;
	failed = nla_put_u32(skb, DTPROC_PSINFO_A_PID, ps->pid) ||
		 nla_put_u32(skb, DTPROC_PSINFO_A_PPID, ps->ppid) ||
		 nla_put_u32(skb, DTPROC_PSINFO_A_PGID, ps->pgid) ||
		 nla_put_u32(skb, DTPROC_PSINFO_A_SID, ps->sid) ||
		 nla_put_u32(skb, DTPROC_PSINFO_A_UID, ps->uid) ||
		 nla_put_u32(skb, DTPROC_PSINFO_A_EUID, ps->euid) ||
		 nla_put_u32(skb, DTPROC_PSINFO_A_GID, ps->gid) ||
		 nla_put_u32(skb, DTPROC_PSINFO_A_EGID, ps->egid) ||
		 nla_put_u32(skb, DTPROC_PSINFO_A_NLWP, ps->nlwp) ||
		 nla_put_string(skb, DTPROC_PSINFO_A_FNAME, ps->fname) ||
		 nla_put_string(skb, DTPROC_PSINFO_A_PSARGS, ps->psargs) ||
		 nla_put_u32(skb, DTPROC_PSINFO_A_ARGC, ps->argc) ||
		 nla_put_u64_64bit(skb, DTPROC_PSINFO_A_START, start,
				   DTPROC_PSINFO_A_PAD) ||
		 nla_put_u32(skb, DTPROC_PSINFO_A_DMODEL, ps->dmodel);
	return dtproc_nest_done(skb, nest, failed);
}

static int dtproc_put_lwpsinfo(struct sk_buff *skb,
			       const struct dtproc_lwpsinfo_rec *lwp)
{
	struct nlattr *nest;
	bool failed;

	nest = nla_nest_start(skb, DTPROC_A_LWPSINFO);
	if (!nest)
		return -EMSGSIZE;
	failed = nla_put_u32(skb, DTPROC_LWPSINFO_A_LWPID, lwp->lwpid) ||
		 nla_put_u32(skb, DTPROC_LWPSINFO_A_FLAG, lwp->flag) ||
		 nla_put_u32(skb, DTPROC_LWPSINFO_A_SNAME, lwp->sname) ||
		 nla_put_u32(skb, DTPROC_LWPSINFO_A_STATE, lwp->state) ||
		 nla_put_s32(skb, DTPROC_LWPSINFO_A_NICE, lwp->nice) ||
		 nla_put_s32(skb, DTPROC_LWPSINFO_A_PRI, lwp->pri) ||
		 nla_put_u32(skb, DTPROC_LWPSINFO_A_SYSCALL, lwp->syscall) ||
		 nla_put_string(skb, DTPROC_LWPSINFO_A_CLNAME, lwp->clname) ||
		 nla_put_u32(skb, DTPROC_LWPSINFO_A_ONPRO, lwp->onpro);
	return dtproc_nest_done(skb, nest, failed);
}

static int dtproc_put_siginfo(struct sk_buff *skb,
			      const struct dtproc_siginfo_rec *si)
{
	struct nlattr *nest;
	bool failed;

	nest = nla_nest_start(skb, DTPROC_A_SIGINFO);
	if (!nest)
		return -EMSGSIZE;
	failed = nla_put_u32(skb, DTPROC_SIGINFO_A_SIGNO, si->signo) ||
		 nla_put_s32(skb, DTPROC_SIGINFO_A_CODE, si->code) ||
		 nla_put_s32(skb, DTPROC_SIGINFO_A_ERRNO, si->err) ||
		 nla_put_u32(skb, DTPROC_SIGINFO_A_PID, si->pid) ||
		 nla_put_u32(skb, DTPROC_SIGINFO_A_UID, si->uid) ||
		 nla_put_u64_64bit(skb, DTPROC_SIGINFO_A_ADDR, si->addr,
				   DTPROC_SIGINFO_A_PAD) ||
		 nla_put_s32(skb, DTPROC_SIGINFO_A_STATUS, si->status);
	return dtproc_nest_done(skb, nest, failed);
}

static int dtproc_put_args(struct sk_buff *skb, const struct dtproc_rec *rec)
{
	switch (rec->probe) {
	case DTPROC_PROBE_CREATE:
		return dtproc_put_psinfo(skb, &rec->child);
	case DTPROC_PROBE_EXEC:
		return nla_put_string(skb, DTPROC_A_PATH, rec->path);
	case DTPROC_PROBE_EXEC_FAILURE:
		return nla_put_u32(skb, DTPROC_A_ERRNO, rec->err);
	case DTPROC_PROBE_EXIT:
		return nla_put_u32(skb, DTPROC_A_EXIT_REASON, rec->exit.reason) ?:
		       nla_put_u32(skb, DTPROC_A_EXIT_STATUS, rec->exit.status);
	case DTPROC_PROBE_FAULT:
		return nla_put_u32(skb, DTPROC_A_FAULT, rec->fault.fault) ?:
		       dtproc_put_siginfo(skb, &rec->fault.si);
	case DTPROC_PROBE_SIGNAL_SEND:
	case DTPROC_PROBE_SIGNAL_DISCARD:
		if (nla_put_u32(skb, DTPROC_A_SIGNO, rec->lwp.signo))
			return -EMSGSIZE;
		fallthrough;
	case DTPROC_PROBE_LWP_CREATE:
		return dtproc_put_lwpsinfo(skb, &rec->lwp.lwp) ?:
		       dtproc_put_psinfo(skb, &rec->lwp.proc);
	case DTPROC_PROBE_SIGNAL_HANDLE:
		if (nla_put_u32(skb, DTPROC_A_SIGNO, rec->handle.signo) ||
		    nla_put_u64_64bit(skb, DTPROC_A_HANDLER, rec->handle.handler,
				      DTPROC_A_PAD))
			return -EMSGSIZE;
		if (rec->flags & DTPROC_REC_SIGINFO)
			return dtproc_put_siginfo(skb, &rec->handle.si);
		return 0;
	case DTPROC_PROBE_SIGNAL_CLEAR:
		return nla_put_u32(skb, DTPROC_A_SIGNO, rec->signo);
	default:
		return 0;
	}
}

/* Append one event message for @rec with sequence number @seq. */
int dtproc_event_put(struct sk_buff *skb, const struct dtproc_rec *rec,
		     u64 seq)
{
	void *hdr;

	hdr = genlmsg_put(skb, 0, 0, &dtproc_genl_family, 0, DTPROC_CMD_EVENT);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, DTPROC_A_SEQ, seq, DTPROC_A_PAD) ||
	    nla_put_u32(skb, DTPROC_A_PROBE, rec->probe) ||
	    nla_put_u64_64bit(skb, DTPROC_A_TIMESTAMP, rec->ts, DTPROC_A_PAD) ||
	    nla_put_u32(skb, DTPROC_A_CPU, rec->cpu) ||
	    nla_put_u32(skb, DTPROC_A_PID, rec->pid) ||
	    nla_put_u32(skb, DTPROC_A_TID, rec->tid) ||
	    nla_put_u32(skb, DTPROC_A_PPID, rec->ppid) ||
	    nla_put_u32(skb, DTPROC_A_UID, rec->uid) ||
	    nla_put_string(skb, DTPROC_A_EXECNAME, rec->comm) ||
	    dtproc_put_args(skb, rec)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* Append a drop report: @count events from sequence number @first lost. */
int dtproc_event_put_drop(struct sk_buff *skb, u64 first, u64 count)
{
	void *hdr;

	hdr = genlmsg_put(skb, 0, 0, &dtproc_genl_family, 0, DTPROC_CMD_DROP);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, DTPROC_A_SEQ, first, DTPROC_A_PAD) ||
	    nla_put_u64_64bit(skb, DTPROC_A_DROPPED, count, DTPROC_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}
