// SPDX-License-Identifier: GPL-2.0
/*
 * Records as netlink messages: DTPROC_CMD_EVENT with the firing context and
 * the probe's arguments, DTPROC_CMD_DROP for losses.  Process context (the
 * feed worker); the layout is documented in uapi/linux/dtproc.h.
 *
 * Every event is written here, so its attributes are written in place in
 * the skb's tail room by the small writer below and the skb is grown once
 * per message, instead of through nla_put() per attribute.  The bytes are
 * those nla_put_*() would write, pads for 64-bit values included.
 */
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>

#include "dtproc.h"

/* A message being written at @p, with room up to @end. */
struct dtproc_nlw {
	char	*p;
	char	*end;
	bool	full;	/* an attribute did not fit: nothing more is written */
};

/* Room for an attribute of @type with @len bytes of payload: its payload. */
static void *dtproc_w_attr(struct dtproc_nlw *w, int type, int len)
{
	struct nlattr *nla = (struct nlattr *)w->p;

	if (unlikely(w->full || w->end - w->p < nla_total_size(len))) {
		w->full = true;
		return NULL;
	}
	nla->nla_len = nla_attr_size(len);
	nla->nla_type = type;
	memset((char *)nla + nla_attr_size(len), 0, nla_padlen(len));
	w->p += nla_total_size(len);
	return nla_data(nla);
}

static void dtproc_w_u32(struct dtproc_nlw *w, int type, u32 v)
{
	void *p = dtproc_w_attr(w, type, sizeof(v));

	if (p)
		memcpy(p, &v, sizeof(v));
}

/* As nla_put_u64_64bit(): a pad attribute first where the arch wants it. */
static void dtproc_w_u64(struct dtproc_nlw *w, int type, u64 v, int padtype)
{
	void *p;

	if (!IS_ENABLED(CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS) &&
	    !IS_ALIGNED((unsigned long)w->p + NLA_HDRLEN, 8))
		dtproc_w_attr(w, padtype, 0);
	p = dtproc_w_attr(w, type, sizeof(v));
	if (p)
		memcpy(p, &v, sizeof(v));
}

/* The string in the @size bytes at @s, at most @size - 1 of them, and NUL. */
static void dtproc_w_str(struct dtproc_nlw *w, int type, const char *s,
			 size_t size)
{
	size_t len = strnlen(s, size - 1);
	char *p = dtproc_w_attr(w, type, len + 1);

	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
}

/* As nla_nest_start(): the type carries NLA_F_NESTED. */
static struct nlattr *dtproc_w_nest(struct dtproc_nlw *w, int type)
{
	void *p = dtproc_w_attr(w, type | NLA_F_NESTED, 0);

	return p ? p - NLA_HDRLEN : NULL;
}

static void dtproc_w_nest_end(struct dtproc_nlw *w, struct nlattr *nest)
{
	if (!w->full)
		nest->nla_len = w->p - (char *)nest;
}

/* @epoch: the epoch in boot-relative ns, to date the process's start. */
static void dtproc_w_psinfo(struct dtproc_nlw *w,
			    const struct dtproc_psinfo_rec *ps, u64 epoch)
{
	struct nlattr *nest = dtproc_w_nest(w, DTPROC_A_PSINFO);

	dtproc_w_u32(w, DTPROC_PSINFO_A_PID, ps->pid);
	dtproc_w_u32(w, DTPROC_PSINFO_A_PPID, ps->ppid);
	dtproc_w_u32(w, DTPROC_PSINFO_A_PGID, ps->pgid);
	dtproc_w_u32(w, DTPROC_PSINFO_A_SID, ps->sid);
	dtproc_w_u32(w, DTPROC_PSINFO_A_UID, ps->uid);
	dtproc_w_u32(w, DTPROC_PSINFO_A_EUID, ps->euid);
	dtproc_w_u32(w, DTPROC_PSINFO_A_GID, ps->gid);
	dtproc_w_u32(w, DTPROC_PSINFO_A_EGID, ps->egid);
	dtproc_w_u32(w, DTPROC_PSINFO_A_NLWP, ps->nlwp);
	dtproc_w_str(w, DTPROC_PSINFO_A_FNAME, ps->fname, sizeof(ps->fname));
	dtproc_w_str(w, DTPROC_PSINFO_A_PSARGS, ps->psargs,
		     sizeof(ps->psargs));
	dtproc_w_u32(w, DTPROC_PSINFO_A_ARGC, ps->argc);
	dtproc_w_u64(w, DTPROC_PSINFO_A_START, epoch + ps->start_boottime,
		     DTPROC_PSINFO_A_PAD);
	dtproc_w_u32(w, DTPROC_PSINFO_A_DMODEL, ps->dmodel);
	dtproc_w_nest_end(w, nest);
}

static void dtproc_w_lwpsinfo(struct dtproc_nlw *w,
			      const struct dtproc_lwpsinfo_rec *lwp)
{
	struct nlattr *nest = dtproc_w_nest(w, DTPROC_A_LWPSINFO);

	dtproc_w_u32(w, DTPROC_LWPSINFO_A_LWPID, lwp->lwpid);
	dtproc_w_u32(w, DTPROC_LWPSINFO_A_FLAG, lwp->flag);
	dtproc_w_u32(w, DTPROC_LWPSINFO_A_SNAME, lwp->sname);
	dtproc_w_u32(w, DTPROC_LWPSINFO_A_STATE, lwp->state);
	dtproc_w_u32(w, DTPROC_LWPSINFO_A_NICE, lwp->nice);
	dtproc_w_u32(w, DTPROC_LWPSINFO_A_PRI, lwp->pri);
	dtproc_w_u32(w, DTPROC_LWPSINFO_A_SYSCALL, lwp->syscall);
	dtproc_w_str(w, DTPROC_LWPSINFO_A_CLNAME, lwp->clname,
		     sizeof(lwp->clname));
	dtproc_w_u32(w, DTPROC_LWPSINFO_A_ONPRO, lwp->onpro);
	dtproc_w_nest_end(w, nest);
}

static void dtproc_w_siginfo(struct dtproc_nlw *w,
			     const struct dtproc_siginfo_rec *si)
{
	struct nlattr *nest = dtproc_w_nest(w, DTPROC_A_SIGINFO);

	dtproc_w_u32(w, DTPROC_SIGINFO_A_SIGNO, si->signo);
	dtproc_w_u32(w, DTPROC_SIGINFO_A_CODE, si->code);
	dtproc_w_u32(w, DTPROC_SIGINFO_A_ERRNO, si->err);
	dtproc_w_u32(w, DTPROC_SIGINFO_A_PID, si->pid);
	dtproc_w_u32(w, DTPROC_SIGINFO_A_UID, si->uid);
	dtproc_w_u64(w, DTPROC_SIGINFO_A_ADDR, si->addr, DTPROC_SIGINFO_A_PAD);
	dtproc_w_u32(w, DTPROC_SIGINFO_A_STATUS, si->status);
	dtproc_w_nest_end(w, nest);
}

/* The boot-relative clock's zero, in ns since the epoch. */
static u64 dtproc_boot_epoch(void)
{
	return ktime_get_real_ns() - ktime_get_boottime_ns();
}

static void dtproc_w_args(struct dtproc_nlw *w, const struct dtproc_rec *rec)
{
	switch (rec->probe) {
	case DTPROC_PROBE_CREATE:
		dtproc_w_psinfo(w, &rec->child, dtproc_boot_epoch());
		break;
	case DTPROC_PROBE_EXEC:
		dtproc_w_str(w, DTPROC_A_PATH, rec->path, sizeof(rec->path));
		break;
	case DTPROC_PROBE_EXEC_FAILURE:
		dtproc_w_u32(w, DTPROC_A_ERRNO, rec->err);
		break;
	case DTPROC_PROBE_EXIT:
		dtproc_w_u32(w, DTPROC_A_EXIT_REASON, rec->exit.reason);
		dtproc_w_u32(w, DTPROC_A_EXIT_STATUS, rec->exit.status);
		break;
	case DTPROC_PROBE_FAULT:
		dtproc_w_u32(w, DTPROC_A_FAULT, rec->fault.fault);
		dtproc_w_siginfo(w, &rec->fault.si);
		break;
	case DTPROC_PROBE_SIGNAL_SEND:
	case DTPROC_PROBE_SIGNAL_DISCARD:
		dtproc_w_u32(w, DTPROC_A_SIGNO, rec->lwp.signo);
		fallthrough;
	case DTPROC_PROBE_LWP_CREATE:
		dtproc_w_lwpsinfo(w, &rec->lwp.lwp);
		dtproc_w_psinfo(w, &rec->lwp.proc, dtproc_boot_epoch());
		break;
	case DTPROC_PROBE_SIGNAL_HANDLE:
		dtproc_w_u32(w, DTPROC_A_SIGNO, rec->handle.signo);
		dtproc_w_u64(w, DTPROC_A_HANDLER, rec->handle.handler,
			     DTPROC_A_PAD);
		if (rec->flags & DTPROC_REC_SIGINFO)
			dtproc_w_siginfo(w, &rec->handle.si);
		break;
	case DTPROC_PROBE_SIGNAL_CLEAR:
		dtproc_w_u32(w, DTPROC_A_SIGNO, rec->signo);
		break;
	}
}

/*
 * Append one event message for @rec with sequence number @seq, as
 * genlmsg_put() and nla_put_*() would; -EMSGSIZE, with @skb unchanged, if
 * it does not fit.
 */
int dtproc_event_put(struct sk_buff *skb, const struct dtproc_rec *rec,
		     u64 seq)
{
	const int hdrlen = NLMSG_HDRLEN + GENL_HDRLEN;
	struct nlmsghdr *nlh = (struct nlmsghdr *)skb_tail_pointer(skb);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct dtproc_nlw w;

	if (skb_tailroom(skb) < hdrlen)
		return -EMSGSIZE;
	w.p = (char *)nlh + hdrlen;
	w.end = (char *)nlh + skb_tailroom(skb);
	w.full = false;
	dtproc_w_u64(&w, DTPROC_A_SEQ, seq, DTPROC_A_PAD);
	dtproc_w_u32(&w, DTPROC_A_PROBE, rec->probe);
	dtproc_w_u64(&w, DTPROC_A_TIMESTAMP, rec->ts, DTPROC_A_PAD);
	dtproc_w_u32(&w, DTPROC_A_CPU, rec->cpu);
	dtproc_w_u32(&w, DTPROC_A_PID, rec->pid);
	dtproc_w_u32(&w, DTPROC_A_TID, rec->tid);
	dtproc_w_u32(&w, DTPROC_A_PPID, rec->ppid);
	dtproc_w_u32(&w, DTPROC_A_UID, rec->uid);
	dtproc_w_str(&w, DTPROC_A_EXECNAME, rec->comm, sizeof(rec->comm));
	dtproc_w_args(&w, rec);
	if (w.full)
		return -EMSGSIZE;	/* nothing was put */

	nlh->nlmsg_len = w.p - (char *)nlh;
	nlh->nlmsg_type = dtproc_genl_family.id;
	nlh->nlmsg_flags = 0;
	nlh->nlmsg_seq = 0;
	nlh->nlmsg_pid = 0;
	gh->cmd = DTPROC_CMD_EVENT;
	gh->version = dtproc_genl_family.version;
	gh->reserved = 0;
	skb_put(skb, nlh->nlmsg_len);
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
