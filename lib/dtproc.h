/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libdtproc: the userland side of dtproc.ko.
 *
 * Conventions: functions returning int return 0 (or a non-negative value)
 * on success and a negative errno on failure; functions returning a pointer
 * return NULL on failure and set errno.  After any failure,
 * dtproc_errmsg() describes what happened and what to do, for the calling
 * thread.
 */
#ifndef DTPROC_H
#define DTPROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/dtproc.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's own version string ("0.1.0"). */
const char *dtproc_lib_version(void);

/* Description of the calling thread's last failure ("" if none). */
const char *dtproc_errmsg(void);

/* --- /dev/dtproc: the control device --- */

struct dtproc;

/* Open /dev/dtproc and check the module speaks our ABI version. */
struct dtproc *dtproc_open(void);
void dtproc_close(struct dtproc *dp);
int dtproc_fd(const struct dtproc *dp);

/* ABI version and version string (into @buf of @len bytes) of the module. */
int dtproc_module_version(struct dtproc *dp, uint32_t *abi, char *buf,
			  size_t len);

/* --- process control (dt_proc) --- */

struct dtproc_handle;

/*
 * Fork and exec @file (searched in PATH) with @argv, stopped after the
 * exec before its first instruction; continue it with dtproc_continue().
 * It is killed if the handle is released or @dp closed first.  The child
 * is the caller's to reap.  Fails with "failed to execute FILE: ..." .
 */
struct dtproc_handle *dtproc_create(struct dtproc *dp, const char *file,
				    char *const argv[]);

/*
 * Grab @pid: for control (it stops at a grab rendezvous, every thread), or
 * with DTPROC_GRAB_RDONLY only to watch it.  A pid already held returns the
 * same handle with its count raised.  A grabbed process runs again when
 * released (or when @dp is closed).
 */
struct dtproc_handle *dtproc_grab(struct dtproc *dp, pid_t pid,
				  unsigned int flags);
void dtproc_release(struct dtproc_handle *h);
int dtproc_continue(struct dtproc_handle *h);
/* A requested stop (pstop): stays stopped until SIGCONT or continue. */
int dtproc_stop(struct dtproc_handle *h);
/* flags: DTPROC_STATUS_WAIT to wait until stopped, dead or lost. */
int dtproc_status(struct dtproc_handle *h, struct dtproc_status *st,
		  unsigned int flags);
/*
 * The victim's threads (at most @len) into @buf: which are parked, why and
 * where, which cannot run user code otherwise.  Returns how many, or a
 * negative errno.
 */
int dtproc_threads(struct dtproc_handle *h, struct dtproc_thread *buf,
		   size_t len);
pid_t dtproc_handle_pid(const struct dtproc_handle *h);
/* Handles held, cached ones included. */
size_t dtproc_handle_count(struct dtproc *dp);
/* Unreferenced read-only handles kept cached (default 8). */
void dtproc_set_lru_limit(struct dtproc *dp, unsigned int limit);

/* A victim died, exec'd or was lost; @h is its handle if one is held. */
typedef void dtproc_notify_fn(struct dtproc_handle *h,
			      const struct dtproc_note *note, const char *msg,
			      void *arg);
/*
 * Hand every queued notification to @fn; poll dtproc_fd() for POLLIN to
 * know when there are some.  Returns how many, or a negative errno.
 */
int dtproc_notifications(struct dtproc *dp, dtproc_notify_fn *fn, void *arg);

/* --- the "dtproc" generic netlink family --- */

struct dtproc_feed;

/* Open a generic netlink socket and resolve the dtproc family. */
struct dtproc_feed *dtproc_feed_open(void);
void dtproc_feed_close(struct dtproc_feed *feed);

/* The socket's fd, for poll loops. */
int dtproc_feed_fd(const struct dtproc_feed *feed);

/* Family version (genl header version) of the module's family. */
uint32_t dtproc_feed_family_version(const struct dtproc_feed *feed);

/* Ask the module for its ABI version and version string over netlink. */
int dtproc_feed_module_version(struct dtproc_feed *feed, uint32_t *abi,
			       char *buf, size_t len);

/* Join the events multicast group (needs CAP_SYS_ADMIN). */
int dtproc_feed_join_events(struct dtproc_feed *feed);

/* --- the proc provider feed --- */

/*
 * Probe names: "exec-success" or "proc:::exec-success" to DTPROC_PROBE_*,
 * or -EINVAL (with dtproc_errmsg() listing the valid names).
 */
int dtproc_probe_id(const char *name);
/* DTPROC_PROBE_* to its name ("exec-success"), or NULL. */
const char *dtproc_probe_name(int probe);

/*
 * Subscribe the feed's socket to the probes in @probe_mask (bits
 * 1 << DTPROC_PROBE_*), for every process (@pid 0) or for process @pid
 * only, and with DTPROC_FILTER_DESCENDANTS in @flags also for its
 * descendants.  When this returns 0 the subscription is live: every event
 * that fires from then on reaches the feed or is reported lost.  Calling it
 * again changes the subscription.
 */
int dtproc_feed_subscribe(struct dtproc_feed *feed, uint32_t probe_mask,
			  int32_t pid, uint32_t flags);
int dtproc_feed_unsubscribe(struct dtproc_feed *feed);

#define DTPROC_FNAME_LEN	16
#define DTPROC_PSARGS_LEN	80
#define DTPROC_CLNAME_LEN	8
#define DTPROC_PATH_LEN		256

struct dtproc_psinfo {
	int32_t		pr_pid;
	int32_t		pr_ppid;
	int32_t		pr_pgid;
	int32_t		pr_sid;
	uint32_t	pr_uid;
	uint32_t	pr_euid;
	uint32_t	pr_gid;
	uint32_t	pr_egid;
	int32_t		pr_nlwp;
	int32_t		pr_argc;
	uint64_t	pr_start;	/* ns since the epoch */
	int32_t		pr_dmodel;	/* DTPROC_MODEL_* */
	char		pr_fname[DTPROC_FNAME_LEN];
	char		pr_psargs[DTPROC_PSARGS_LEN];
};

struct dtproc_lwpsinfo {
	int32_t		pr_lwpid;
	uint32_t	pr_flag;	/* DTPROC_PR_* */
	char		pr_sname;	/* 'R', 'S', 'D', 'T', 'Z', ... */
	int32_t		pr_state;	/* DTPROC_S* */
	int32_t		pr_nice;
	int32_t		pr_pri;
	int32_t		pr_syscall;
	int32_t		pr_onpro;
	char		pr_clname[DTPROC_CLNAME_LEN];
};

/* siginfo_t's members (not named si_* here: <signal.h> has macros for those). */
struct dtproc_siginfo {
	int32_t		signo;
	int32_t		code;
	int32_t		errnum;
	int32_t		pid;
	uint32_t	uid;
	int32_t		status;
	uint64_t	addr;
};

enum dtproc_event_kind {
	DTPROC_EVENT_PROBE,	/* a probe fired */
	DTPROC_EVENT_DROP,	/* @dropped events from @seq on were lost */
};

/* Which optional members of struct dtproc_event are valid. */
#define DTPROC_HAS_PSINFO	(1U << 0)
#define DTPROC_HAS_LWPSINFO	(1U << 1)
#define DTPROC_HAS_SIGINFO	(1U << 2)

/* One event of the feed, decoded.  Members not used by a probe are 0. */
struct dtproc_event {
	enum dtproc_event_kind kind;
	uint64_t	seq;
	uint64_t	dropped;	/* DTPROC_EVENT_DROP only */
	int		probe;		/* DTPROC_PROBE_* */
	uint64_t	ts;		/* ns, CLOCK_MONOTONIC */
	uint32_t	cpu;
	int32_t		pid;		/* the firing context */
	int32_t		tid;
	int32_t		ppid;
	uint32_t	uid;
	char		execname[DTPROC_FNAME_LEN];
	unsigned int	has;		/* DTPROC_HAS_* */
	struct dtproc_psinfo	psinfo;		/* create, lwp-create, signal-send/-discard */
	struct dtproc_lwpsinfo	lwpsinfo;	/* lwp-create, signal-send/-discard */
	struct dtproc_siginfo	siginfo;	/* fault, signal-handle */
	int32_t		signo;		/* signal-* */
	int32_t		err;		/* exec-failure: positive errno */
	int32_t		exit_reason;	/* exit: DTPROC_CLD_* */
	int32_t		exit_status;	/* exit: status or signal number */
	int32_t		fault;		/* fault: DTPROC_FLT* */
	uint64_t	handler;	/* signal-handle: handler address */
	char		path[DTPROC_PATH_LEN];	/* exec */
};

/*
 * Decode the next event into @ev without blocking: 1 when an event (or a
 * drop notification) was decoded, 0 when none is waiting (poll
 * dtproc_feed_fd() for POLLIN), or a negative errno.
 */
int dtproc_feed_next(struct dtproc_feed *feed, struct dtproc_event *ev);

/* Wait up to @timeout_ms (-1: forever) for the feed to be readable: 1, 0 on timeout, or -errno. */
int dtproc_feed_wait(struct dtproc_feed *feed, int timeout_ms);

struct dtproc_probe_stats {
	uint64_t	hits;
	uint64_t	delivered;
	uint64_t	dropped;
};

/* Per-probe counters of the module, indexed by DTPROC_PROBE_*. */
int dtproc_feed_stats(struct dtproc_feed *feed,
		      struct dtproc_probe_stats stats[DTPROC_PROBE_COUNT]);

/*
 * Encode @ev as one line of JSON (no newline) into @buf of @len bytes.
 * Returns the length the line needs, like snprintf(); the line was cut if
 * that is >= @len.  Shape:
 *   {"seq":N,"ts":NS,"cpu":N,"probe":"exec-success","pid":N,"tid":N,
 *    "ppid":N,"uid":N,"execname":"s","args":{...}}
 * or {"seq":N,"probe":"drop","dropped":N} for a drop notification.
 */
int dtproc_event_json(const struct dtproc_event *ev, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* DTPROC_H */
