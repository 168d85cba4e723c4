/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libdtproc's public header as of commit 5334c8b (LIBDTPROC_1.2), kept
 * as it was: programs built against it must keep working with today's
 * library (selftests/lib_compat_test.c).  Do not edit.
 */
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
/*
 * flags: DTPROC_STATUS_WAIT to wait until stopped, dead or lost.  The
 * struct grew in LIBDTPROC_1.2 (the bp_* members); a program built before
 * calls dtproc_status@LIBDTPROC_1, which writes only the
 * DTPROC_STATUS_SIZE_VER1 bytes it knew.
 */
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

/*
 * A victim died, exec'd, was lost or hit a breakpoint (DTPROC_NOTE_BREAK:
 * @note's tid, bp_id, addr, arg0 and value); @h is its handle if one is
 * held.  Members a record of an older module lacks are zero.
 */
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

/* --- symbols of a process (userland only; no module needed) --- */

/*
 * The objects mapped in a process and their function symbols, read from
 * userland: the victim's memory through process_vm_readv() (or
 * /proc/PID/mem), so the caller needs the right ptrace itself would need
 * (same user, or CAP_SYS_PTRACE), and each object's ELF file with libelf.
 *
 * Objects come from the dynamic linker's list: the executable's
 * DT_DEBUG entry points at the live struct r_debug, whose link_map chain
 * (and, when r_version >= 2, the chain of namespaces through r_next) names
 * every loaded object.  Before ld.so has filled r_debug (a process stopped
 * at its first instruction) and in static programs, objects come from the
 * ELF files mapped in /proc/PID/maps instead.
 *
 * Names: the executable is "a.out", every other object its file name
 * ("libc.so.6").  A probe is "[OBJECT`]FUNCTION[+OFFSET]": OBJECT and
 * FUNCTION are fnmatch(3) patterns, no OBJECT means every object, OFFSET
 * is decimal or 0x-hex and must lie inside the function.  Symbols are
 * the ELF file's .symtab if it has one, else its .dynsym; only functions
 * (STT_FUNC, STT_GNU_IFUNC) defined in the object.  Runtime address =
 * the object's load bias (link_map l_addr) + st_value.
 *
 * Threads: a struct dtproc_syms is used by one thread at a time (lock it
 * yourself to share it); different ones may be used at the same time from
 * different threads.  The per-file symbol tables they share are cached
 * per (device, inode) and guarded inside the library.  Strings and objects
 * a dtproc_syms hands out stay valid until its next refresh or close.
 */
struct dtproc_syms;

/* Read @pid's objects and their symbols. */
struct dtproc_syms *dtproc_syms_open(pid_t pid);
void dtproc_syms_close(struct dtproc_syms *s);

/*
 * Read the object list again: call it when the rtld breakpoint reports
 * RT_CONSISTENT (and after an exec).  Cheap when nothing changed (a
 * few reads of the link map, no file opened).  Returns 1 if the list
 * changed (the generation went up), 0 if not, or a negative errno
 * (-ESRCH: the process is gone; -EAGAIN: the link map was being changed,
 * the list is as before: refresh at the next RT_CONSISTENT).
 */
int dtproc_syms_refresh(struct dtproc_syms *s);

/* Link-map generation: starts at 1, goes up at every change refresh saw. */
uint64_t dtproc_syms_generation(const struct dtproc_syms *s);

#define DTPROC_SYMS_LINKMAP	1	/* objects from r_debug's link maps */
#define DTPROC_SYMS_MAPS	2	/* from /proc/PID/maps (static, or early) */

/* The dynamic linker's state, for the kernel's rtld breakpoint. */
struct dtproc_rtld {
	uint64_t	r_debug;	/* address of the live r_debug; 0: none yet */
	uint64_t	r_brk;		/* _dl_debug_state: put the breakpoint here */
	int32_t		r_state;	/* RT_CONSISTENT 0, RT_ADD 1, RT_DELETE 2 */
	int32_t		r_version;	/* 1, or 2 when namespaces chain by r_next */
	uint32_t	source;		/* DTPROC_SYMS_LINKMAP or DTPROC_SYMS_MAPS */
	uint32_t	nobjects;
	uint64_t	generation;
};

/*
 * Read r_debug now (r_state is read afresh; the object list is not
 * refreshed).  Before ld.so fills r_debug, r_brk is ld.so's
 * _dl_debug_state from its symbol table and r_debug is 0; in a static
 * program both are 0.
 */
int dtproc_syms_rtld(struct dtproc_syms *s, struct dtproc_rtld *rt);

struct dtproc_object {
	const char	*name;		/* "a.out", "libc.so.6" */
	const char	*path;		/* as the process maps it */
	uint64_t	base;		/* load bias (l_addr) */
	uint64_t	start, end;	/* its PT_LOAD extent in the process */
	uint64_t	dev, ino;	/* the file's identity (0 for the vdso) */
	int64_t		lmid;		/* link-map namespace, 0 the base one */
	uint32_t	nsyms;		/* function symbols known */
	const char	*symtab;	/* ".symtab", ".dynsym" or "" */
};

/* Object @i (0 .. nobjects-1) in link-map order, or -ENOENT past the end. */
int dtproc_syms_object(struct dtproc_syms *s, size_t i,
		       struct dtproc_object *obj);

struct dtproc_sym {
	const char	*object;	/* object name; NULL: in no object */
	const char	*function;	/* NULL: no function symbol covers it */
	uint64_t	addr;		/* runtime address (function + offset) */
	uint64_t	func_addr;	/* runtime address of the function */
	uint64_t	size;		/* the function's size */
	uint64_t	offset;		/* from the function, or from the base */
	uint32_t	flags;		/* DTPROC_SYM_* */
};

/*
 * The symbol is a GNU indirect function (strlen, memcpy, ... in libc): its
 * address is the resolver ld.so calls once at relocation, not the code
 * that runs at each call, which a stripped libc does not name.
 */
#define DTPROC_SYM_IFUNC	(1U << 0)

/*
 * Call @fn for each match of @probe, in object order then by address;
 * aliases (several names at one address) are reported once, under the
 * global name; one name with two versions at two addresses
 * (hypot@GLIBC_2.2.5 and hypot@@GLIBC_2.35) is reported twice.  A non-zero return of @fn stops the walk and is returned.
 * Returns the number of matches, or -ENOENT (no match; dtproc_errmsg()
 * says which part of the probe matched nothing) or -EINVAL (bad probe).
 */
typedef int dtproc_sym_fn(const struct dtproc_sym *sym, void *arg);
int dtproc_syms_lookup(struct dtproc_syms *s, const char *probe,
		       dtproc_sym_fn *fn, void *arg);

/*
 * Name @addr: "OBJECT`FUNCTION+0xOFF" (no "+0x0"), from the nearest
 * function symbol at or below @addr whose size covers it, else
 * "OBJECT`0xOFF" with OFF = @addr - the object's base (the ELF virtual
 * address), else "0xADDR".  Fills @sym if not NULL and writes the name into
 * @buf (@len bytes, may be 0).  Returns the length the name needs, as
 * snprintf().
 */
int dtproc_syms_addr(struct dtproc_syms *s, uint64_t addr,
		     struct dtproc_sym *sym, char *buf, size_t len);

/* The file behind an address, read from /proc/PID/maps now. */
struct dtproc_mapping {
	uint64_t	start, end;	/* the mapping holding the address */
	uint64_t	file_offset;	/* of the address in the file */
	uint64_t	dev, ino;	/* makedev()-style device, inode */
	uint32_t	prot;		/* PROT_READ|PROT_WRITE|PROT_EXEC */
	char		path[DTPROC_PATH_LEN];
};

/* -ENOENT if @addr is in no mapping, -EINVAL if in no file mapping. */
int dtproc_syms_mapping(struct dtproc_syms *s, uint64_t addr,
			struct dtproc_mapping *map);

/*
 * Where each evaltime of a created process is, as addresses to put a
 * breakpoint on (0: not known yet; refresh at preinit and ask again):
 *  exec      the first instruction: ld.so's entry (AT_BASE + its e_entry),
 *            or AT_ENTRY for a static program;
 *  preinit   r_brk, the stop being its first hit with r_state ==
 *            RT_CONSISTENT (every start-up object mapped and relocated,
 *            no initialiser run); AT_ENTRY for a static program;
 *  postinit  AT_ENTRY, the executable's entry point;
 *  libc_start_main  __libc_start_main (in libc.so.6, known once libc is
 *            mapped, i.e. from preinit on).  main's address is its first
 *            argument: read it from the first argument register at that
 *            hit (rdi on x86-64, x0 on arm64) and stop there;
 *  main      a.out`main when the executable's symbols name it (a hint:
 *            stripped programs have none; the register is the truth).
 */
struct dtproc_evaltimes {
	uint64_t	exec;
	uint64_t	preinit;
	uint64_t	postinit;
	uint64_t	libc_start_main;
	uint64_t	main;
};

int dtproc_syms_evaltimes(struct dtproc_syms *s, struct dtproc_evaltimes *ev);


/* --- breakpoints (LIBDTPROC_1.2; dtproc.ko ABI 2) --- */

/*
 * Breakpoints in a victim held for control (not read-only): at a user
 * address, which the module resolves through the victim's memory map to a
 * file and an offset in it (the breakpoint follows that file across
 * dlclose/dlopen and exec).  @action is DTPROC_BP_COUNT (count and go on),
 * DTPROC_BP_NOTIFY (count, queue a DTPROC_NOTE_BREAK note and go on) or
 * DTPROC_BP_STOP (count, queue the note, stop the whole victim before the
 * hitting thread executes the instruction; dtproc_continue() resumes it).
 * A note carries the thread, the breakpoint's id and address, the first
 * argument register (arg0) and, if @peek is not 0, the 8 bytes at @peek
 * read at the hit (value).  Breakpoints go with their victim (release,
 * exit, dtproc_close()), and its text is then as it was.
 *
 * Threads: as the handle's (struct dtproc: one thread at a time).
 */

/* Place one; its id (nonzero) into *@id.  -EINVAL: no file mapped at @addr. */
int dtproc_bp_add(struct dtproc_handle *h, uint64_t addr, unsigned int action,
		  uint64_t peek, uint32_t *id);
/* Change breakpoint @id's action, and its DTPROC_BP_DISABLED flag (@flags). */
int dtproc_bp_set(struct dtproc_handle *h, uint32_t id, unsigned int action,
		  unsigned int flags);
int dtproc_bp_del(struct dtproc_handle *h, uint32_t id);

struct dtproc_breakpoint {
	uint32_t	id;
	uint32_t	action;		/* DTPROC_BP_COUNT, _NOTIFY, _STOP */
	uint32_t	flags;		/* DTPROC_BP_DISABLED, DTPROC_BP_UNRESOLVED */
	uint64_t	addr;		/* now (0 while unresolved) */
	uint64_t	offset;		/* in its file */
	uint64_t	hits;		/* since it was placed */
};

/*
 * The victim's breakpoints: at most @len into @bps, each @size bytes apart
 * (sizeof(struct dtproc_breakpoint) as the caller knows it; newer members
 * are left out, never written past).  Returns how many the victim has
 * (more than @len: call again with room), or a negative errno.
 */
int dtproc_bp_list(struct dtproc_handle *h, struct dtproc_breakpoint *bps,
		   size_t len, size_t size);

/* Why and where a victim is stopped. */
struct dtproc_stopinfo {
	uint32_t	size;		/* in: sizeof(struct dtproc_stopinfo) */
	uint32_t	state;		/* DTPROC_STATE_* */
	uint32_t	why;		/* DTPROC_STOP_* while stopped, else 0 */
	int32_t		tid;		/* DTPROC_STOP_BREAK: the thread that hit */
	uint32_t	bp_id;		/* ... the breakpoint */
	uint32_t	pad;
	uint64_t	addr;		/* ... its address (where the thread resumes) */
};

/*
 * Fill @si (its @size set by the caller; members past it are left
 * alone).  @flags: DTPROC_STATUS_WAIT to wait until stopped, dead or lost.
 */
int dtproc_stop_info(struct dtproc_handle *h, struct dtproc_stopinfo *si,
		     unsigned int flags);

/* --- evaltime: where a created process first stops --- */

enum dtproc_evaltime {
	DTPROC_EVALTIME_DEFAULT	= 0,	/* postinit, as DTrace */
	DTPROC_EVALTIME_EXEC,		/* its first instruction (ld.so's) */
	DTPROC_EVALTIME_PREINIT,	/* every start-up object mapped and
					 * relocated, no initialiser run */
	DTPROC_EVALTIME_POSTINIT,	/* the executable's entry (AT_ENTRY) */
	DTPROC_EVALTIME_MAIN,		/* main's first instruction */
};

/* "exec", "preinit", "postinit" or "main" to DTPROC_EVALTIME_*, or -EINVAL. */
int dtproc_evaltime_id(const char *name);
const char *dtproc_evaltime_name(int evaltime);

/*
 * dtproc_create(), stopped at @evaltime instead of after the exec.  The
 * library gets there with STOP breakpoints of its own (removed before this
 * returns): postinit at AT_ENTRY; preinit at r_brk (_dl_debug_state) the
 * first time r_state is RT_CONSISTENT; main at __libc_start_main, then at
 * its first argument.  Static programs: exec, preinit and postinit are
 * all the entry point.  Breakpoint notes of other victims read on the way
 * are kept for dtproc_notifications().  Fails (the process killed) if it
 * exits first or the module has no breakpoints (ABI 1).
 */
struct dtproc_handle *dtproc_create_at(struct dtproc *dp, const char *file,
				       char *const argv[], int evaltime);

/*
 * --- a breakpoint set: probes kept armed while objects load ---
 *
 * Probes ("[OBJECT`]FUNCTION[+OFFSET]", as dtproc_syms_lookup()) placed in
 * one victim, each match a breakpoint, and kept current: the set puts its
 * own breakpoint on the dynamic linker's r_brk (a NOTIFY one peeking at
 * r_state; a STOP one while some probe waits for objects not loaded yet,
 * so that none of their calls is missed), and at each RT_CONSISTENT
 * refreshes its dtproc_syms and arms the probes' matches in the objects
 * just loaded.  A breakpoint follows its file across dlclose and dlopen
 * (one per file offset, never duplicated).  Feed it every note of the
 * victim (dtproc_bps_note()).  One thread at a time.
 */
struct dtproc_bps;

struct dtproc_bps *dtproc_bps_open(struct dtproc_handle *h);
/* Delete the set's breakpoints (unless the victim is gone) and free it. */
void dtproc_bps_close(struct dtproc_bps *b);

/*
 * Add @probe with @action (DTPROC_BP_*): returns how many breakpoints it
 * has now (0: none yet, armed when a matching object loads: a probe with
 * no OBJECT, or whose OBJECT is not loaded), -ENOENT if its OBJECT (a
 * name, not a glob) is loaded and has no such function (dtproc_errmsg()
 * says which part matched nothing), or another negative errno.  A probe on an
 * address the set already has raises that breakpoint's action to the
 * stronger of the two (COUNT < NOTIFY < STOP).
 */
int dtproc_bps_add(struct dtproc_bps *b, const char *probe,
		   unsigned int action);

/*
 * Hand the set a note of its victim: returns 1 if it was the set's own
 * rtld breakpoint (handled: symbols refreshed, new matches armed, the
 * victim continued if that breakpoint stopped it), 0 if not the set's, or
 * a negative errno.  A note lost to an overflow leaves the victim stopped
 * at the set's breakpoint: when idle, check dtproc_stop_info() and hand
 * the set a note made from it (what DTPROC_NOTE_BREAK, pid, tid, bp_id,
 * addr).
 */
int dtproc_bps_note(struct dtproc_bps *b, const struct dtproc_note *note);

/* One breakpoint of the set. */
struct dtproc_bps_entry {
	uint32_t	id;
	uint32_t	action;
	const char	*object;	/* "a.out", "libc.so.6" */
	const char	*function;
	uint64_t	offset;		/* from the function */
	uint64_t	addr;		/* where it was armed */
	uint64_t	hits;		/* as of the last dtproc_bps_update() */
	uint64_t	probes;		/* bit i: the set's i-th probe (in
					 * dtproc_bps_add() order, first 64)
					 * matched here */
};

size_t dtproc_bps_count(const struct dtproc_bps *b);
/* Entry @i (0 .. count-1), or NULL past the end. */
const struct dtproc_bps_entry *dtproc_bps_entry(const struct dtproc_bps *b,
						size_t i);
/* The entry of breakpoint @id, or NULL (not the set's, or its rtld one). */
const struct dtproc_bps_entry *dtproc_bps_find(const struct dtproc_bps *b,
					       uint32_t id);
/* Read every entry's hit count from the module now. */
int dtproc_bps_update(struct dtproc_bps *b);
/* The set's symbols of the victim (valid until the set is closed). */
struct dtproc_syms *dtproc_bps_syms(struct dtproc_bps *b);

#ifdef __cplusplus
}
#endif

#endif /* DTPROC_H */
