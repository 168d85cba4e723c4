// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdtproc: breakpoints on a controlled victim (DTPROC_IOC_BP_*), why and
 * where it stopped, and dtproc_create_at(): a created process run to its
 * evaltime with the library's own STOP breakpoints.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "syms.h"

/* The errno of a breakpoint ioctl as one cause and what to do. */
static int bp_fail(struct dtproc_handle *h, int err, const char *what,
		   uint64_t addr)
{
	pid_t pid = dtproc_handle_pid(h);

	switch (err) {
	case ENOTTY:
		return dtproc_failx(ENOTTY, "failed to %s in pid %d: dtproc.ko has no breakpoints (ABI 1): load a dtproc.ko of ABI 2 or later",
				   what, pid);
	case EINVAL:
		if (addr)
			return dtproc_failx(EINVAL, "failed to %s at 0x%llx in pid %d: no file is mapped there (a breakpoint goes in a program's or a library's text)",
					   what, (unsigned long long)addr, pid);
		break;
	case 524:	/* the kernel's ENOTSUPP: uprobes cannot step it */
		return dtproc_failx(EOPNOTSUPP, "failed to %s at 0x%llx in pid %d: uprobes cannot probe the instruction there (a lock prefix, for one): choose another offset",
				   what, (unsigned long long)addr, pid);
	case EEXIST:
		return dtproc_failx(EEXIST, "failed to %s at 0x%llx in pid %d: it already has a breakpoint there",
				   what, (unsigned long long)addr, pid);
	case ENOSPC:
		return dtproc_failx(ENOSPC, "failed to %s in pid %d: it has %d breakpoints already, the most there can be: remove some",
				   what, pid, DTPROC_BP_MAX);
	case EPERM:
		return dtproc_failx(EPERM, "failed to %s in pid %d: it is watched (grabbed read-only), not controlled: grab it without DTPROC_GRAB_RDONLY",
				   what, pid);
	case ENOENT:
		return dtproc_failx(ENOENT, "failed to %s in pid %d: no such breakpoint (dtproc_bp_list() lists them)",
				   what, pid);
	case ESRCH:
		return dtproc_failx(ESRCH, "failed to %s in pid %d: the process is gone",
				   what, pid);
	}
	return dtproc_failx(err, "failed to %s in pid %d: %s (unexpected: report it, with dtproc.ko's version)",
			    what, pid, strerror(err));
}

DTPROC_EXPORT int dtproc_bp_add(struct dtproc_handle *h, uint64_t addr,
				unsigned int action, uint64_t peek, uint32_t *id)
{
	struct dtproc_bp bp = {
		.size = sizeof(bp), .pid = dtproc_handle_pid(h),
		.action = action, .addr = addr, .peek = peek,
	};

	if (ioctl(dtproc_fd(dtproc_handle_dp(h)), DTPROC_IOC_BP_ADD, &bp) < 0)
		return bp_fail(h, errno, "place a breakpoint", addr);
	if (id)
		*id = bp.id;
	return 0;
}

DTPROC_EXPORT int dtproc_bp_set(struct dtproc_handle *h, uint32_t id,
				unsigned int action, unsigned int flags)
{
	struct dtproc_bp bp = {
		.size = sizeof(bp), .pid = dtproc_handle_pid(h),
		.action = action, .flags = flags, .id = id,
	};

	if (ioctl(dtproc_fd(dtproc_handle_dp(h)), DTPROC_IOC_BP_SET, &bp) < 0)
		return bp_fail(h, errno, "change a breakpoint", 0);
	return 0;
}

DTPROC_EXPORT int dtproc_bp_del(struct dtproc_handle *h, uint32_t id)
{
	struct dtproc_bp bp = {
		.size = sizeof(bp), .pid = dtproc_handle_pid(h), .id = id,
	};

	if (ioctl(dtproc_fd(dtproc_handle_dp(h)), DTPROC_IOC_BP_DEL, &bp) < 0)
		return bp_fail(h, errno, "remove a breakpoint", 0);
	return 0;
}

DTPROC_EXPORT int dtproc_bp_list(struct dtproc_handle *h,
				 struct dtproc_breakpoint *bps, size_t len,
				 size_t size)
{
	struct dtproc_bp_list l = {
		.size = sizeof(l), .pid = dtproc_handle_pid(h),
		.info_size = sizeof(struct dtproc_bp_info),
	};
	struct dtproc_bp_info *info = NULL;
	struct dtproc_breakpoint b;
	uint32_t i;

	if (len && !size)
		return dtproc_failx(EINVAL, "dtproc_bp_list: pass sizeof(struct dtproc_breakpoint) as the size");
	if (len > DTPROC_BP_MAX)
		len = DTPROC_BP_MAX;
	if (len) {
		info = calloc(len, sizeof(*info));
		if (!info)
			return dtproc_failx(ENOMEM, "failed to list the breakpoints of pid %d: out of memory (ask for fewer)",
					    dtproc_handle_pid(h));
		l.bps = (uintptr_t)info;
		l.bps_len = len;
	}
	if (ioctl(dtproc_fd(dtproc_handle_dp(h)), DTPROC_IOC_BP_LIST, &l) < 0) {
		int err = errno;

		free(info);
		return bp_fail(h, err, "list the breakpoints", 0);
	}
	for (i = 0; i < l.bps_len && i < len; i++) {
		b = (struct dtproc_breakpoint){
			.id = info[i].id, .action = info[i].action,
			.flags = info[i].flags, .addr = info[i].addr,
			.offset = info[i].offset, .hits = info[i].hits,
		};
		memcpy((char *)bps + i * size, &b, size < sizeof(b) ? size : sizeof(b));
	}
	free(info);
	return l.count;
}

DTPROC_EXPORT int dtproc_stop_info(struct dtproc_handle *h,
				   struct dtproc_stopinfo *si,
				   unsigned int flags)
{
	struct dtproc_stopinfo out = { .size = si->size };
	struct dtproc_status st;

	if (si->size < offsetof(struct dtproc_stopinfo, why))
		return dtproc_failx(EINVAL, "dtproc_stop_info: set si->size to sizeof(struct dtproc_stopinfo)");
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.pid = dtproc_handle_pid(h);
	st.flags = flags & DTPROC_STATUS_WAIT;
	if (ioctl(dtproc_fd(dtproc_handle_dp(h)), DTPROC_IOC_STATUS, &st) < 0)
		return dtproc_status_fail(errno, dtproc_handle_pid(h));
	out.state = st.state;
	out.why = st.why;
	out.tid = st.bp_tid;
	out.bp_id = st.bp_id;
	out.addr = st.bp_addr;
	memcpy(si, &out, si->size < sizeof(out) ? si->size : sizeof(out));
	return 0;
}

static const char *const evaltime_names[] = {
	[DTPROC_EVALTIME_EXEC]		= "exec",
	[DTPROC_EVALTIME_PREINIT]	= "preinit",
	[DTPROC_EVALTIME_POSTINIT]	= "postinit",
	[DTPROC_EVALTIME_MAIN]		= "main",
};

DTPROC_EXPORT int dtproc_evaltime_id(const char *name)
{
	int i;

	for (i = DTPROC_EVALTIME_EXEC; i <= DTPROC_EVALTIME_MAIN; i++)
		if (!strcmp(name, evaltime_names[i]))
			return i;
	return dtproc_failx(EINVAL, "no evaltime '%s': it is exec, preinit, postinit (the default) or main",
			   name);
}

DTPROC_EXPORT const char *dtproc_evaltime_name(int evaltime)
{
	if (evaltime == DTPROC_EVALTIME_DEFAULT)
		evaltime = DTPROC_EVALTIME_POSTINIT;
	if (evaltime < DTPROC_EVALTIME_EXEC || evaltime > DTPROC_EVALTIME_MAIN)
		return NULL;
	return evaltime_names[evaltime];
}

/* What the notes of @pid read on the way said. */
struct run_note {
	pid_t		pid;
	uint32_t	id;		/* our breakpoint */
	bool		seen;		/* it was hit */
	uint64_t	arg0;		/* at that hit */
	bool		gone;		/* the victim died or was lost */
};

/*
 * Read the notes queued now: those of our breakpoint and of the victim's
 * end are ours, the others are kept for the caller's
 * dtproc_notifications().
 */
static int run_drain_notes(struct dtproc *dp, struct run_note *rn)
{
	struct dtproc_note n;
	int ret;

	while ((ret = dtproc_note_read(dp, &n)) > 0) {
		if (n.pid == rn->pid && n.what == DTPROC_NOTE_BREAK &&
		    n.bp_id == rn->id) {
			rn->seen = true;
			rn->arg0 = n.arg0;
			continue;
		}
		if (n.pid == rn->pid && (n.what == DTPROC_NOTE_EXITED ||
					 n.what == DTPROC_NOTE_LOST)) {
			rn->gone = true;
			continue;
		}
		ret = dtproc_note_defer(dp, &n);
		if (ret < 0)
			return ret;
	}
	return ret;
}

/*
 * Run the stopped victim to @addr with a STOP breakpoint there; with
 * @consistent, on to the first hit at which r_state is RT_CONSISTENT.
 * Leaves it stopped there (DTPROC_STOP_BREAK), the breakpoint removed.
 * *@arg0: the first argument register at that hit.  A stop comes after
 * its note (STATUS's wait does not wait for a stop still to come), so the
 * note is waited for first.
 */
static int run_to(struct dtproc_handle *h, struct dtproc_syms *s,
		  uint64_t addr, bool consistent, uint64_t *arg0)
{
	struct dtproc *dp = dtproc_handle_dp(h);
	struct run_note rn = { .pid = dtproc_handle_pid(h) };
	struct dtproc_stopinfo si = { .size = sizeof(si) };
	struct pollfd pfd = { .fd = dtproc_fd(dp), .events = POLLIN };
	struct dtproc_rtld rt;
	int ret, del;

	ret = dtproc_bp_add(h, addr, DTPROC_BP_STOP, 0, &rn.id);
	if (ret < 0)
		return ret;
	for (;;) {
		rn.seen = false;
		ret = dtproc_continue(h);
		while (ret == 0 && !rn.seen && !rn.gone) {
			int n = poll(&pfd, 1, 250);

			if (n < 0 && errno != EINTR) {
				ret = dtproc_failx(errno, "cannot poll /dev/dtproc: %s (the process ran out of resources: retry)",
						   strerror(errno));
				break;
			}
			ret = run_drain_notes(dp, &rn);
			if (ret || n > 0)
				continue;
			/* no note for a while: lost?  The stop says too */
			ret = dtproc_stop_info(h, &si, 0);
			if (ret == 0 && si.state == DTPROC_STATE_STOPPED &&
			    si.why == DTPROC_STOP_BREAK && si.bp_id == rn.id)
				rn.seen = true;	/* arg0 unknown: 0 */
			if (ret == 0 && (si.state == DTPROC_STATE_DEAD ||
					 si.state == DTPROC_STATE_LOST))
				rn.gone = true;
		}
		if (ret == 0 && !rn.gone)
			ret = dtproc_stop_info(h, &si, DTPROC_STATUS_WAIT);
		if (ret < 0)
			break;
		if (rn.gone || si.state == DTPROC_STATE_DEAD ||
		    si.state == DTPROC_STATE_LOST) {
			ret = dtproc_failx(ESRCH, "pid %d %s before its evaltime: choose an earlier evaltime",
					  rn.pid, si.state == DTPROC_STATE_LOST ?
					  "exec'd a set-id or unobservable program" :
					  "exited");
			break;
		}
		if (si.state != DTPROC_STATE_STOPPED ||
		    si.why != DTPROC_STOP_BREAK || si.bp_id != rn.id)
			continue;	/* not this stop: go on */
		if (arg0)
			*arg0 = rn.arg0;
		if (!consistent)
			break;
		/* r_debug is filled in by now: ld.so calls r_brk after */
		if (dtproc_syms_rtld(s, &rt) == 0 && rt.r_debug &&
		    rt.r_state == 0 /* RT_CONSISTENT */)
			break;
	}
	del = dtproc_bp_del(h, rn.id);
	return ret < 0 ? ret : del;
}

static struct dtproc_handle *create_fail(struct dtproc_handle *h,
					 const char *file, int evaltime)
{
	pid_t pid = dtproc_handle_pid(h);
	char why[512];
	int err = errno ? errno : EIO;

	snprintf(why, sizeof(why), "%s", dtproc_errmsg());
	dtproc_release(h);	/* kills it */
	waitpid(pid, NULL, 0);
	dtproc_failx(err, "failed to run %s to its %s evaltime: %s", file,
		     dtproc_evaltime_name(evaltime), why);
	errno = err;
	return NULL;
}

DTPROC_EXPORT struct dtproc_handle *dtproc_create_at(struct dtproc *dp,
						     const char *file,
						     char *const argv[],
						     int evaltime)
{
	struct dtproc_evaltimes ev;
	struct dtproc_handle *h;
	struct dtproc_syms *s;
	uint64_t main_addr = 0;
	int ret;

	if (evaltime == DTPROC_EVALTIME_DEFAULT)
		evaltime = DTPROC_EVALTIME_POSTINIT;
	if (!dtproc_evaltime_name(evaltime))
		return dtproc_failx_null(EINVAL, "dtproc_create_at: no evaltime %d (DTPROC_EVALTIME_*)",
					evaltime);
	h = dtproc_create(dp, file, argv);
	if (!h || evaltime == DTPROC_EVALTIME_EXEC)
		return h;

	s = dtproc_syms_open(dtproc_handle_pid(h));
	if (!s)
		return create_fail(h, file, evaltime);
	ret = dtproc_syms_evaltimes(s, &ev);
	if (ret < 0)
		goto fail;
	/* a static program: exec, preinit and postinit are its entry */
	if (ev.exec == ev.postinit && evaltime != DTPROC_EVALTIME_MAIN)
		goto done;

	if (evaltime == DTPROC_EVALTIME_POSTINIT) {
		ret = run_to(h, s, ev.postinit, false, NULL);
		goto out;
	}
	if (ev.exec != ev.postinit) {
		/* preinit, also on the way to main: libc is mapped from there */
		if (!ev.preinit) {
			ret = dtproc_failx(ENOENT, "no _dl_debug_state in the dynamic linker of pid %d: use evaltime exec or postinit",
					  dtproc_handle_pid(h));
			goto fail;
		}
		ret = run_to(h, s, ev.preinit, true, NULL);
		if (ret < 0 || evaltime == DTPROC_EVALTIME_PREINIT)
			goto out;
		dtproc_syms_refresh(s);
		ret = dtproc_syms_evaltimes(s, &ev);
		if (ret < 0)
			goto fail;
	}
	if (!ev.libc_start_main) {
		ret = dtproc_failx(ENOENT, "no __libc_start_main in pid %d (not a glibc program?): use another evaltime",
				  dtproc_handle_pid(h));
		goto fail;
	}
	ret = run_to(h, s, ev.libc_start_main, false, &main_addr);
	if (ret < 0)
		goto fail;
	if (!main_addr)		/* no note read: the symbol, if named */
		main_addr = ev.main;
	if (!main_addr) {
		ret = dtproc_failx(ENOENT, "main's address of pid %d is unknown: use another evaltime",
				  dtproc_handle_pid(h));
		goto fail;
	}
	ret = run_to(h, s, main_addr, false, NULL);
out:
	if (ret < 0)
		goto fail;
done:
	dtproc_syms_close(s);
	dtproc_clear_error();
	return h;
fail:
	dtproc_syms_close(s);
	errno = -ret;
	return create_fail(h, file, evaltime);
}
