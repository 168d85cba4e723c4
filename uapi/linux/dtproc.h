/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * dtproc: DTrace process control and the proc provider for Linux.
 *
 * This header is the whole userspace ABI of dtproc.ko.  It has two halves.
 *
 * 1. The character device /dev/dtproc (mode 0600, root only).
 *
 *    Control requests are ioctl(2) calls on an open file descriptor.  Every
 *    argument is a structure made only of fixed-width fields, with explicit
 *    padding that must be zero.  Every argument structure starts with a
 *    __u32 @size that the caller sets to sizeof() of the structure it was
 *    compiled with; this makes the structures extensible:
 *
 *      - @size smaller than the first published version of the structure
 *        (DTPROC_*_SIZE_VER0) fails with EINVAL;
 *      - @size larger than the kernel knows is accepted only if every byte
 *        the kernel does not know is zero, and fails with EINVAL otherwise
 *        (a newer program asked for something this module cannot do);
 *        @size larger than 4096 always fails with EINVAL;
 *      - an argument pointer that cannot be read or written fails with
 *        EFAULT;
 *      - output is written back only up to the caller's @size.
 *
 *    An ioctl number dtproc does not know fails with ENOTTY.
 *
 *    DTPROC_IOC_VERSION reports the ABI version of this header that the
 *    module implements (DTPROC_ABI_VERSION) and the module's own version
 *    string.  A library built against ABI version N works with a module
 *    that reports N: the ABI version is raised only for incompatible changes.
 *
 *    Process control.  Each open file is a consumer; the processes it
 *    controls or watches are its victims, named by pid (in the caller's pid
 *    namespace) or, where a flag says so, by pidfd.  A controlled victim
 *    stops by parking each of its threads in the kernel, in the thread's
 *    own context, on its way back to user mode; nothing else about it
 *    changes (ptrace and waitpid see nothing).  A parked thread stays
 *    killable by SIGKILL, does not count toward the load average, is not a
 *    hung task, is frozen by suspend's freezer; ps shows it as 'I' (idle).
 *    A freeze of its cgroup (v2: cgroup.freeze, or a move into a frozen
 *    cgroup) completes while it is stopped: the thread leaves its park for
 *    the freezer's trap (ps: 'S'), where it counts as stopped, and parks
 *    again when thawed, before any user code; a CONTINUE meanwhile lets it
 *    run once thawed.  The one gap: a thread moved out of a freezing
 *    cgroup at the very moment it heads for the trap may run user code
 *    until the move has completed.  A core-dumping signal
 *    sent to a parked victim waits, as for a job-stopped process: the
 *    victim dumps once continued, every thread in the core.  io_uring
 *    and other kernel worker threads of a process are not the program's:
 *    never stopped, never counted.
 *
 *    Stopped, the promise: when GRAB, STOP or STATUS with DTPROC_STATUS_WAIT
 *    return 0 for a victim still alive and controlled, no thread of the
 *    program runs user code: each is parked, or held where it cannot run
 *    user code (job-stopped by SIGSTOP/^Z, ptrace-stopped, a vfork parent
 *    waiting for its child, an uninterruptible sleep, frozen by the cgroup
 *    v1 or v2 freezer or for suspend), and parks if and when it heads back to
 *    user mode.  A job-stopped or frozen process is therefore grabbed at
 *    once.  STATUS with DTPROC_STATUS_WAIT then reports
 *    DTPROC_STATE_STOPPED with nstopped == nthreads, and per thread
 *    (struct dtproc_thread) which are parked and which held; without it,
 *    STATUS may catch a held thread that has woken on its way to its park
 *    (still in the kernel) and say DTPROC_STATE_STOPPING for that moment.
 *    A stop may end by itself only by SIGKILL (DEAD), a set-id exec (LOST)
 *    or, for a requested stop, SIGCONT.
 *
 *    What a victim can see: a stop interrupts an interruptible sleep the
 *    way SIGSTOP/SIGCONT do (signal(7)): read(2) on a pipe, nanosleep(2)
 *    and other restartable calls resume transparently; epoll_wait(2),
 *    sigtimedwait(2) and the calls signal(7) lists as never restarted after
 *    a stop signal return EINTR.  A debugger attaching to a parked thread
 *    with PTRACE_ATTACH (gdb) sees it stop at once: the SIGSTOP lets the
 *    thread leave its park for its ptrace stop, where it counts as
 *    stopped, and when the debugger resumes it while the stop lasts it
 *    parks again before it runs user code.  PTRACE_SEIZE's
 *    PTRACE_INTERRUPT does not reach a parked thread (no signal is sent):
 *    its ptrace stop is reported after the CONTINUE.
 *
 *    The consumer is also the process that opened the file: when it exits,
 *    its victims are let go by the rules of RELEASE even if another process
 *    (one that inherited the descriptor) still holds the file.
 *
 *    Errors common to the requests naming a victim: ESRCH: no such process;
 *    ENOENT: the process exists but this consumer does not hold it; EBADF:
 *    the file was opened read-only (only VERSION is allowed there).
 *
 *      DTPROC_IOC_GRAB (struct dtproc_grab): take pid.  Plain: for control,
 *        stopping every thread at a grab rendezvous; returns once the stop
 *        has settled (above).  DTPROC_GRAB_RDONLY: watch only, nothing
 *        stops.  DTPROC_GRAB_CREATE: pid is the caller's own child, not yet
 *        exec'd, or the (single-threaded) caller itself using a descriptor
 *        it inherited: it stops after its next successful exec (through
 *        any entry point, ia32 included), before the new program's first
 *        instruction, and is killed when the consumer lets go of it
 *        (kill-on-last-close), also once lost.  ESTALE: it has exec'd
 *        already, before the grab took hold (it runs on, untouched).
 *        A child made with CLONE_PARENT inherits its maker's exec
 *        counts, so it looks exec'd if its maker has exec'd since its
 *        own fork: ESTALE too (refused rather than risk a stop at a
 *        later exec than the first; grab it without CREATE).
 *        Permission.  Control of another process needs DTPROC_GRAB_MEMFD
 *        with @memfd an open /proc/PID/mem (or /proc/PID/task/TID/mem) of
 *        the victim's current image: its open(2) made the kernel's own
 *        ptrace_may_access(PTRACE_MODE_ATTACH) check, with every LSM (Yama
 *        ptrace_scope, SELinux, AppArmor) and the dumpable rules.  Without
 *        it: EPERM.  ESTALE: the image has changed since (an exec), checked
 *        again once the victim is stopped; open it again.  Not consulted:
 *        who opened the descriptor (it can be handed on like any file) and
 *        which thread group's directory it came from (a CLONE_VM sibling
 *        shares the image and the right).  Watching needs no descriptor:
 *        the module's own check (same uids and gids and a dumpable image,
 *        or CAP_SYS_PTRACE over the image's user namespace), no LSM.
 *        EPERM also for kernel threads; EINVAL for the caller itself;
 *        ESRCH for no such process; EOWNERDEAD for a zombie (every thread
 *        has exited, not yet reaped: dt_proc's "process is a zombie");
 *        EBUSY if another consumer controls it; EEXIST if this consumer
 *        already has it; ENOENT (or another error) if the module cannot
 *        place its kernel hooks.  DTPROC_GRAB_PIDFD: @pid is a pidfd.
 *      DTPROC_IOC_RELEASE (struct dtproc_pid): let go: a created victim is
 *        killed, a grabbed one set running, a requested stop left stopped
 *        (a created victim's too: it is then not killed, as dtrace -c's
 *        process left in a pstop is not).
 *        Closing the file releases every victim by the same rules.
 *      DTPROC_IOC_CONTINUE (struct dtproc_pid): set a stopped victim running.
 *      DTPROC_IOC_STOP (struct dtproc_pid): a requested stop (pstop): every
 *        thread stops and stays stopped until SIGCONT or CONTINUE, even
 *        after the consumer is gone; returns once settled.
 *      DTPROC_IOC_STATUS (struct dtproc_status): state, stop reason and,
 *        on request, each thread; with DTPROC_STATUS_WAIT, first wait
 *        (interruptibly) until the victim is stopped or gone.
 *
 *    Breakpoints (ABI version 2; a module built before them
 *    fails these requests with ENOTTY).  A consumer that controls a victim
 *    (not RDONLY) may place breakpoints in it, each at a user address that
 *    the module resolves, through the victim's memory map at the time of
 *    the request, to a file (inode) and an offset in it; the breakpoint is
 *    a uprobe there confined to the victim.  Each has an id (nonzero,
 *    unique within the victim), an action and a hit count:
 *      DTPROC_BP_COUNT   count the hit and go on;
 *      DTPROC_BP_NOTIFY  count it, queue a DTPROC_NOTE_BREAK note (thread,
 *                        breakpoint, address, first argument register, and
 *                        the 8 bytes at @peek if asked for) and go on;
 *      DTPROC_BP_STOP    count it, queue the note, and stop the whole
 *                        victim as STOP would (why DTPROC_STOP_BREAK),
 *                        the hitting thread before it executes the probed
 *                        instruction; STATUS names the thread and the
 *                        breakpoint; CONTINUE resumes it.  A STOP or a
 *                        CONTINUE that comes between a hit and the stop
 *                        it asks for takes the hit in: it stops nothing
 *                        more (after a STOP, its thread is among the
 *                        parked, back at the breakpoint).
 *    A hit is a thread of the victim (or of a vfork child sharing its
 *    memory, until that child execs: reported with the child's tid and
 *    pid) executing the instruction, counted once: the thread a STOP
 *    breakpoint stopped executes it once continued, uncounted (but a
 *    breakpoint disabled and enabled again meanwhile counts it again, and
 *    if a signal handler runs first and calls there, that call is the
 *    uncounted one).  A fork child never runs with its parent's
 *    breakpoints in place and never sees a SIGTRAP.  Across an
 *    exec of the victim a breakpoint stays armed if its file is mapped
 *    again (at the new address: DTPROC_IOC_BP_LIST reports it) and is
 *    otherwise reported unresolved (DTPROC_BP_UNRESOLVED) until its file
 *    is mapped again.  Breakpoints go with their victim (RELEASE, exit,
 *    close) and the victim's text is then as before.
 *      DTPROC_IOC_BP_ADD (struct dtproc_bp): place one; EINVAL: no file
 *        mapping at @addr, an instruction there that cannot be probed
 *        (a lock prefix, say), an unknown action or flag; EEXIST: this
 *        victim already has a breakpoint there; ENOSPC: DTPROC_BP_MAX
 *        already; EPERM: the victim is watched, not controlled; EAGAIN:
 *        too many removed breakpoints still wait for running hits (BP_SET
 *        arming one too).
 *      DTPROC_IOC_BP_SET (struct dtproc_bp): change the action or the
 *        DTPROC_BP_DISABLED flag of breakpoint @id; ENOENT: no such id.
 *      DTPROC_IOC_BP_DEL (struct dtproc_bp): remove breakpoint @id.
 *      DTPROC_IOC_BP_LIST (struct dtproc_bp_list): every breakpoint of the
 *        victim with its current address and hit count (none for a
 *        victim only watched).
 *
 *    read(2) on the file returns struct dtproc_note records: a victim
 *    died, exec'd, was lost, or hit a breakpoint that notifies or stops;
 *    poll(2) reports POLLIN while any is queued.  A read(2) returns one
 *    record, cut to the buffer's length if shorter (at least 16 bytes).
 *    At most 256 are queued (4096 when breakpoint notes are among them):
 *    when the queue is full, the last record is a DTPROC_NOTE_OVERFLOW
 *    counting the records lost at that point.
 *    Module unload fails (the module is in use) while a park is queued on
 *    or run by a thread (one held in a job stop, for instance), and never waits for one.
 *
 * 2. The generic netlink family DTPROC_GENL_NAME ("dtproc").
 *
 *    Commands (all require CAP_SYS_ADMIN in the initial user namespace,
 *    i.e. GENL_ADMIN_PERM):
 *
 *      DTPROC_CMD_GET_VERSION: replies with DTPROC_A_ABI_VERSION (u32) and
 *      DTPROC_A_MODULE_VERSION (string).
 *
 *      DTPROC_CMD_SUBSCRIBE: makes the sending socket a subscriber of the
 *      proc provider feed, or changes its subscription.  Attributes:
 *        DTPROC_A_PROBE_MASK (u32, required): bit (1 << DTPROC_PROBE_x) for
 *          each probe wanted; unknown bits fail with EINVAL;
 *        DTPROC_A_FILTER_PID (u32, optional): only events of this process
 *          (and signals sent to it); 0 or absent: every process;
 *        DTPROC_A_FILTER_FLAGS (u32, optional): DTPROC_FILTER_DESCENDANTS
 *          widens the pid filter to the process's descendants created after
 *          the subscription.
 *      Events are then unicast to the socket as DTPROC_CMD_EVENT messages
 *      until it unsubscribes or closes.  Hooks are placed in the kernel only
 *      while some subscriber wants a probe that needs them.
 *
 *      DTPROC_CMD_UNSUBSCRIBE: ends the sending socket's subscription.
 *
 *      DTPROC_CMD_GET_STATS: replies with one DTPROC_A_STATS nest per probe
 *      holding DTPROC_STATS_A_PROBE, _HITS (times it fired while enabled,
 *      for a process some subscriber may want: while every subscription
 *      has a pid filter, the probes skip the processes none follows),
 *      _DELIVERED (messages delivered, all subscribers) and _DROPPED (events
 *      lost: buffer overflow or a full subscriber socket).
 *
 *    The feed (DTPROC_CMD_EVENT, kernel to subscriber): one message per event
 *    with DTPROC_A_SEQ, DTPROC_A_PROBE, DTPROC_A_TIMESTAMP (ns, CLOCK_MONOTONIC),
 *    DTPROC_A_CPU and the firing context (DTPROC_A_PID, _TID, _PPID, _UID,
 *    _EXECNAME), followed by the probe's arguments:
 *      create            DTPROC_A_PSINFO (the child)
 *      exec              DTPROC_A_PATH (as given to execve)
 *      exec-failure      DTPROC_A_ERRNO (positive)
 *      exit              DTPROC_A_EXIT_REASON (CLD_EXITED 1, CLD_KILLED 2,
 *                        CLD_DUMPED 3), DTPROC_A_EXIT_STATUS (exit status,
 *                        or the signal number when killed or dumped)
 *      fault             DTPROC_A_FAULT (Solaris FLT* code), DTPROC_A_SIGINFO
 *      lwp-create        DTPROC_A_LWPSINFO, DTPROC_A_PSINFO (new thread and
 *                        its process)
 *      signal-send,      DTPROC_A_LWPSINFO, DTPROC_A_PSINFO (the target),
 *      signal-discard    DTPROC_A_SIGNO
 *      signal-handle     DTPROC_A_SIGNO, DTPROC_A_SIGINFO (absent when the
 *                        handler does not take one), DTPROC_A_HANDLER
 *      signal-clear      DTPROC_A_SIGNO
 *      the others        nothing
 *    A signal the kernel itself sends (timer, fault) has a context of pid 0
 *    and execname "sched".  All events arrive in timestamp order
 *    (nondecreasing DTPROC_A_TIMESTAMP), those of one thread in the order
 *    they fired.  While anyone is
 *    subscribed the module's delivery worker runs at least every 50 ms, so
 *    no event waits in the module for a wakeup that never comes; how soon
 *    it runs still depends on the scheduler.  Events are delivered in
 *    batches: the worker is woken early only when a burst fills a quarter
 *    of a per-CPU buffer, so a single event typically arrives within those
 *    50 ms, not at once.  The target's pr_psargs and pr_argc in
 *    signal-send and signal-discard are read when the event is delivered
 *    (another process's memory cannot be read where the signal is sent):
 *    empty if the target has exited or exec'd by then.  The worker is woken
 *    at once for a signal whose default action kills its target.
 *
 *    Each subscriber's DTPROC_A_SEQ starts at 1 and grows by exactly one for
 *    every event delivered or lost.  Losses are reported in-band by a
 *    DTPROC_CMD_DROP message: DTPROC_A_SEQ is the first lost number and
 *    DTPROC_A_DROPPED the count, so the next event has SEQ + DROPPED.  An
 *    event lost before filtering (a full kernel buffer) is reported to every
 *    subscriber of its probe, as the module cannot know whether it would
 *    have passed the subscriber's pid filter.
 *
 *    Multicast group DTPROC_GENL_MCGRP_EVENTS ("events") is reserved; joining
 *    it requires CAP_SYS_ADMIN.
 *
 *    Attribute enums begin with an _UNSPEC value and end with a __MAX
 *    sentinel; DTPROC_A_MAX is the highest valid attribute.
 *
 * Kernel pointers never cross this ABI.
 */
#ifndef _UAPI_LINUX_DTPROC_H
#define _UAPI_LINUX_DTPROC_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define DTPROC_ABI_VERSION	2
#define DTPROC_DEVICE_NAME	"dtproc"	/* /dev/dtproc */

/* Largest argument structure size the module will look at. */
#define DTPROC_ARG_SIZE_MAX	4096

#define DTPROC_VERSION_LEN	32

/**
 * struct dtproc_version - argument of DTPROC_IOC_VERSION
 * @size:	in: sizeof(struct dtproc_version) as the caller knows it
 * @abi_version: out: DTPROC_ABI_VERSION implemented by the module
 * @module_version: out: NUL-terminated module version string
 */
struct dtproc_version {
	__u32	size;
	__u32	abi_version;
	char	module_version[DTPROC_VERSION_LEN];
};

#define DTPROC_VERSION_SIZE_VER0	40

/* ioctl type byte: see Documentation/userspace-api/ioctl/ioctl-number.rst */
#define DTPROC_IOC_MAGIC	0xD7

#define DTPROC_IOC_VERSION	_IOWR(DTPROC_IOC_MAGIC, 0x00, struct dtproc_version)

/* struct dtproc_grab.flags */
#define DTPROC_GRAB_RDONLY	0x1U
#define DTPROC_GRAB_CREATE	0x2U
#define DTPROC_GRAB_PIDFD	0x4U	/* @pid is a pidfd */
#define DTPROC_GRAB_MEMFD	0x8U	/* @memfd proves the right to control */

/**
 * struct dtproc_grab - argument of DTPROC_IOC_GRAB
 * @size:	sizeof(struct dtproc_grab)
 * @flags:	DTPROC_GRAB_*
 * @pid:	the process: a pid, or with DTPROC_GRAB_PIDFD a pidfd
 * @memfd:	with DTPROC_GRAB_MEMFD, an open /proc/PID/mem of the process
 *		(see DTPROC_IOC_GRAB); must be zero otherwise
 */
struct dtproc_grab {
	__u32	size;
	__u32	flags;
	__s32	pid;
	__s32	memfd;
};

#define DTPROC_GRAB_SIZE_VER0	16

/* struct dtproc_pid.flags */
#define DTPROC_PID_PIDFD	0x1U	/* @pid is a pidfd */

/**
 * struct dtproc_pid - argument of RELEASE, CONTINUE and STOP
 * @size:	sizeof(struct dtproc_pid)
 * @pid:	the victim: a pid, or with DTPROC_PID_PIDFD a pidfd
 * @flags:	DTPROC_PID_* (since size 16)
 * @pad:	must be zero
 */
struct dtproc_pid {
	__u32	size;
	__s32	pid;
	__u32	flags;
	__u32	pad;
};

#define DTPROC_PID_SIZE_VER0	8

/* struct dtproc_status.state */
#define DTPROC_STATE_RUNNING	1
#define DTPROC_STATE_STOPPED	2	/* every thread parked */
#define DTPROC_STATE_STOPPING	3	/* some threads still on their way */
#define DTPROC_STATE_DEAD	4
#define DTPROC_STATE_LOST	5	/* control lost (set-id exec) */

/* struct dtproc_status.why: the reason of a stop */
#define DTPROC_STOP_CREATE	1
#define DTPROC_STOP_GRAB	2
#define DTPROC_STOP_REQUESTED	3
#define DTPROC_STOP_BREAK	4	/* a DTPROC_BP_STOP breakpoint was hit */

/* struct dtproc_status.flags */
#define DTPROC_STATUS_WAIT	0x1U	/* in: wait for stopped, dead or lost */
#define DTPROC_STATUS_CREATED	0x2U	/* out: kill-on-last-close */
#define DTPROC_STATUS_RDONLY	0x4U	/* out: watched, not controlled */
#define DTPROC_STATUS_PIDFD	0x8U	/* in: @pid is a pidfd */

/**
 * struct dtproc_status - argument of DTPROC_IOC_STATUS
 * @size:	sizeof(struct dtproc_status)
 * @pid:	in: the victim
 * @flags:	in: DTPROC_STATUS_WAIT, _PIDFD; out: DTPROC_STATUS_CREATED, _RDONLY
 * @state:	out: DTPROC_STATE_*
 * @why:	out: DTPROC_STOP_* while stopped or stopping, else 0
 * @nthreads:	out: the program's live threads (io_uring and other kernel
 *		worker threads of the process are not the program's)
 * @nstopped:	out: those that cannot run user code: parked, or held
 *		(see struct dtproc_thread); 0 unless stopped or stopping
 * @status:	out: wait(2) status once dead
 * @threads:	in (since size 48): user address of an array of struct
 *		dtproc_thread to fill, or 0
 * @threads_len: in: the array's length; out: entries filled
 * @thread_size: in: sizeof(struct dtproc_thread) as the caller knows it
 *		(at least DTPROC_THREAD_SIZE_VER0; entries are that far apart,
 *		bytes the module does not know are zeroed)
 * @bp_tid:	out (since size 64): for a DTPROC_STOP_BREAK stop, the thread
 *		that hit the breakpoint; else 0
 * @bp_id:	out: that breakpoint's id; else 0
 * @bp_addr:	out: the breakpoint's address (where that thread resumes);
 *		else 0
 */
struct dtproc_status {
	__u32	size;
	__s32	pid;
	__u32	flags;
	__u32	state;
	__u32	why;
	__u32	nthreads;
	__u32	nstopped;
	__s32	status;
	__u64	threads;
	__u32	threads_len;
	__u32	thread_size;
	__s32	bp_tid;
	__u32	bp_id;
	__u64	bp_addr;
};

#define DTPROC_STATUS_SIZE_VER0	32
#define DTPROC_STATUS_SIZE_VER1	48	/* the thread array */
#define DTPROC_STATUS_SIZE_VER2	64	/* the breakpoint of a BREAK stop */

/* struct dtproc_thread.state */
#define DTPROC_THREAD_RUNNING	1	/* may be running user code */
#define DTPROC_THREAD_PARKED	2	/* parked by dtproc */
#define DTPROC_THREAD_HELD	3	/*
					 * cannot run user code: job-stopped,
					 * ptrace-stopped, a vfork parent, an
					 * uninterruptible sleep, frozen; parks
					 * if and when it heads back to user
					 * mode
					 */

/**
 * struct dtproc_thread - one thread of a victim, in DTPROC_IOC_STATUS
 * @tid:	its thread id (in the caller's pid namespace)
 * @state:	DTPROC_THREAD_*
 * @why:	DTPROC_STOP_* it parked for (PARKED), else 0
 * @pad:	zero
 * @addr:	PARKED: the user address it will resume at; else 0
 */
struct dtproc_thread {
	__s32	tid;
	__u32	state;
	__u32	why;
	__u32	pad;
	__u64	addr;
};

#define DTPROC_THREAD_SIZE_VER0	24

/* struct dtproc_note.what */
#define DTPROC_NOTE_EXITED	1	/* status: wait(2) status */
#define DTPROC_NOTE_EXEC	2	/* the victim exec'd; still controlled */
#define DTPROC_NOTE_LOST	3	/* exec'd a set-id or unreadable program */
#define DTPROC_NOTE_OVERFLOW	4	/* pid 0; status: notes lost here */
#define DTPROC_NOTE_BREAK	5	/* a breakpoint hit (NOTIFY or STOP) */

/**
 * struct dtproc_note - what read(2) returns, one record each
 * @pid:	the victim
 * @what:	DTPROC_NOTE_*
 * @status:	for DTPROC_NOTE_EXITED, the wait(2) status; for
 *		DTPROC_NOTE_OVERFLOW, how many notes were lost at this point
 * @size:	sizeof the record as the module fills it (56 today): later
 *		versions append fields; a reader reads a whole record at a
 *		time and skips what it does not know
 * @tid:	(since size 48) DTPROC_NOTE_BREAK: the thread that hit it
 * @bp_id:	DTPROC_NOTE_BREAK: the breakpoint's id
 * @addr:	DTPROC_NOTE_BREAK: the breakpoint's address
 * @arg0:	DTPROC_NOTE_BREAK: the first integer argument register at the
 *		hit (rdi; for a 32-bit task, the 4 bytes at esp + 4)
 * @value:	DTPROC_NOTE_BREAK: the 8 bytes at the breakpoint's @peek
 *		address, read at the hit (0 if it has none or unreadable)
 * @queued:	(since size 56) the notes still queued behind this one when
 *		it was read: after one with 0, a reader need not read again
 *		before poll(2) says there is more (saves the read that would
 *		fail with EAGAIN)
 * @reserved:	zero
 * Fields a record kind does not use are zero.
 */
struct dtproc_note {
	__s32	pid;
	__u32	what;
	__s32	status;
	__u32	size;
	__s32	tid;
	__u32	bp_id;
	__u64	addr;
	__u64	arg0;
	__u64	value;
	__u32	queued;
	__u32	reserved;
};

#define DTPROC_NOTE_SIZE_VER0	16
#define DTPROC_NOTE_SIZE_VER1	48	/* breakpoint notes */
#define DTPROC_NOTE_SIZE_VER2	56	/* @queued */

/* struct dtproc_bp.action */
#define DTPROC_BP_COUNT		1
#define DTPROC_BP_NOTIFY	2
#define DTPROC_BP_STOP		3

/* struct dtproc_bp.flags */
#define DTPROC_BP_PIDFD		0x1U	/* in: @pid is a pidfd */
#define DTPROC_BP_DISABLED	0x2U	/* in/out: placed but not armed */
#define DTPROC_BP_UNRESOLVED	0x4U	/* out: its file is not mapped now */

/* Breakpoints per victim */
#define DTPROC_BP_MAX		4096

/**
 * struct dtproc_bp - argument of DTPROC_IOC_BP_ADD, _SET and _DEL
 * @size:	sizeof(struct dtproc_bp)
 * @pid:	the victim: a pid, or with DTPROC_BP_PIDFD a pidfd
 * @flags:	DTPROC_BP_*
 * @action:	ADD, SET: DTPROC_BP_COUNT, _NOTIFY or _STOP; DEL: 0
 * @id:		ADD: out; SET, DEL: in
 * @pad:	must be zero
 * @addr:	ADD: in, the user address of the instruction; else 0
 * @peek:	ADD: in, a user address whose 8 bytes a note carries, or 0
 */
struct dtproc_bp {
	__u32	size;
	__s32	pid;
	__u32	flags;
	__u32	action;
	__u32	id;
	__u32	pad;
	__u64	addr;
	__u64	peek;
};

#define DTPROC_BP_SIZE_VER0	40

/**
 * struct dtproc_bp_info - one breakpoint, in DTPROC_IOC_BP_LIST
 * @id:		its id
 * @action:	DTPROC_BP_*
 * @flags:	DTPROC_BP_DISABLED, DTPROC_BP_UNRESOLVED
 * @pad:	zero
 * @addr:	its address in the victim's current image (0 if unresolved)
 * @offset:	its offset in its file
 * @hits:	hits counted since it was placed
 */
struct dtproc_bp_info {
	__u32	id;
	__u32	action;
	__u32	flags;
	__u32	pad;
	__u64	addr;
	__u64	offset;
	__u64	hits;
};

#define DTPROC_BP_INFO_SIZE_VER0	40

/**
 * struct dtproc_bp_list - argument of DTPROC_IOC_BP_LIST
 * @size:	sizeof(struct dtproc_bp_list)
 * @pid:	in: the victim
 * @flags:	in: DTPROC_BP_PIDFD
 * @count:	out: how many breakpoints the victim has
 * @bps:	in: user address of an array of struct dtproc_bp_info, or 0
 * @bps_len:	in: the array's length; out: entries filled
 * @info_size:	in: sizeof(struct dtproc_bp_info) as the caller knows it
 */
struct dtproc_bp_list {
	__u32	size;
	__s32	pid;
	__u32	flags;
	__u32	count;
	__u64	bps;
	__u32	bps_len;
	__u32	info_size;
};

#define DTPROC_BP_LIST_SIZE_VER0	32

#define DTPROC_IOC_GRAB		_IOW(DTPROC_IOC_MAGIC, 0x01, struct dtproc_grab)
#define DTPROC_IOC_RELEASE	_IOW(DTPROC_IOC_MAGIC, 0x02, struct dtproc_pid)
#define DTPROC_IOC_CONTINUE	_IOW(DTPROC_IOC_MAGIC, 0x03, struct dtproc_pid)
#define DTPROC_IOC_STOP		_IOW(DTPROC_IOC_MAGIC, 0x04, struct dtproc_pid)
#define DTPROC_IOC_STATUS	_IOWR(DTPROC_IOC_MAGIC, 0x05, struct dtproc_status)
#define DTPROC_IOC_BP_ADD	_IOWR(DTPROC_IOC_MAGIC, 0x06, struct dtproc_bp)
#define DTPROC_IOC_BP_SET	_IOW(DTPROC_IOC_MAGIC, 0x07, struct dtproc_bp)
#define DTPROC_IOC_BP_DEL	_IOW(DTPROC_IOC_MAGIC, 0x08, struct dtproc_bp)
#define DTPROC_IOC_BP_LIST	_IOWR(DTPROC_IOC_MAGIC, 0x09, struct dtproc_bp_list)

/* Generic netlink */
#define DTPROC_GENL_NAME		"dtproc"
#define DTPROC_GENL_VERSION		1
#define DTPROC_GENL_MCGRP_EVENTS	"events"

enum dtproc_cmd {
	DTPROC_CMD_UNSPEC,
	DTPROC_CMD_GET_VERSION,
	DTPROC_CMD_SUBSCRIBE,
	DTPROC_CMD_UNSUBSCRIBE,
	DTPROC_CMD_GET_STATS,
	DTPROC_CMD_EVENT,
	DTPROC_CMD_DROP,

	__DTPROC_CMD_MAX,
};

#define DTPROC_CMD_MAX (__DTPROC_CMD_MAX - 1)

enum dtproc_attr {
	DTPROC_A_UNSPEC,
	DTPROC_A_ABI_VERSION,		/* u32 */
	DTPROC_A_MODULE_VERSION,	/* NUL-terminated string */
	DTPROC_A_PROBE_MASK,		/* u32 */
	DTPROC_A_FILTER_PID,		/* u32 */
	DTPROC_A_FILTER_FLAGS,		/* u32: DTPROC_FILTER_* */
	DTPROC_A_STATS,			/* nest: DTPROC_STATS_A_* */
	DTPROC_A_SEQ,			/* u64 */
	DTPROC_A_PROBE,			/* u32: DTPROC_PROBE_* */
	DTPROC_A_TIMESTAMP,		/* u64: ns */
	DTPROC_A_CPU,			/* u32 */
	DTPROC_A_PID,			/* u32 */
	DTPROC_A_TID,			/* u32 */
	DTPROC_A_PPID,			/* u32 */
	DTPROC_A_UID,			/* u32 */
	DTPROC_A_EXECNAME,		/* string */
	DTPROC_A_PSINFO,		/* nest: DTPROC_PSINFO_A_* */
	DTPROC_A_LWPSINFO,		/* nest: DTPROC_LWPSINFO_A_* */
	DTPROC_A_SIGINFO,		/* nest: DTPROC_SIGINFO_A_* */
	DTPROC_A_SIGNO,			/* u32 */
	DTPROC_A_PATH,			/* string */
	DTPROC_A_ERRNO,			/* u32 */
	DTPROC_A_EXIT_REASON,		/* u32 */
	DTPROC_A_EXIT_STATUS,		/* u32 */
	DTPROC_A_FAULT,			/* u32: DTPROC_FLT* */
	DTPROC_A_HANDLER,		/* u64: user address */
	DTPROC_A_DROPPED,		/* u64 */
	DTPROC_A_PAD,

	__DTPROC_A_MAX,
};

#define DTPROC_A_MAX (__DTPROC_A_MAX - 1)

#define DTPROC_FILTER_DESCENDANTS	0x1U

/* The 14 probes of the proc provider; a probe mask has bit (1 << id). */
enum dtproc_probe {
	DTPROC_PROBE_CREATE,
	DTPROC_PROBE_EXEC,
	DTPROC_PROBE_EXEC_SUCCESS,
	DTPROC_PROBE_EXEC_FAILURE,
	DTPROC_PROBE_EXIT,
	DTPROC_PROBE_FAULT,
	DTPROC_PROBE_LWP_CREATE,
	DTPROC_PROBE_LWP_START,
	DTPROC_PROBE_LWP_EXIT,
	DTPROC_PROBE_SIGNAL_SEND,
	DTPROC_PROBE_SIGNAL_DISCARD,
	DTPROC_PROBE_SIGNAL_HANDLE,
	DTPROC_PROBE_SIGNAL_CLEAR,
	DTPROC_PROBE_START,

	DTPROC_PROBE_COUNT,
};

#define DTPROC_PROBE_MASK_ALL	((1U << DTPROC_PROBE_COUNT) - 1)

enum dtproc_stats_attr {
	DTPROC_STATS_A_UNSPEC,
	DTPROC_STATS_A_PROBE,		/* u32 */
	DTPROC_STATS_A_HITS,		/* u64 */
	DTPROC_STATS_A_DELIVERED,	/* u64 */
	DTPROC_STATS_A_DROPPED,		/* u64 */
	DTPROC_STATS_A_PAD,

	__DTPROC_STATS_A_MAX,
};

#define DTPROC_STATS_A_MAX (__DTPROC_STATS_A_MAX - 1)

/* psinfo_t, as far as Linux has it (proc(4)). */
enum dtproc_psinfo_attr {
	DTPROC_PSINFO_A_UNSPEC,
	DTPROC_PSINFO_A_PID,		/* u32 */
	DTPROC_PSINFO_A_PPID,		/* u32 */
	DTPROC_PSINFO_A_PGID,		/* u32 */
	DTPROC_PSINFO_A_SID,		/* u32 */
	DTPROC_PSINFO_A_UID,		/* u32 */
	DTPROC_PSINFO_A_EUID,		/* u32 */
	DTPROC_PSINFO_A_GID,		/* u32 */
	DTPROC_PSINFO_A_EGID,		/* u32 */
	DTPROC_PSINFO_A_NLWP,		/* u32 */
	DTPROC_PSINFO_A_FNAME,		/* string, at most 15 bytes */
	DTPROC_PSINFO_A_PSARGS,		/* string, at most 79 bytes */
	DTPROC_PSINFO_A_ARGC,		/* u32 */
	DTPROC_PSINFO_A_START,		/* u64: ns since the epoch */
	DTPROC_PSINFO_A_DMODEL,		/* u32: DTPROC_MODEL_* */
	DTPROC_PSINFO_A_PAD,

	__DTPROC_PSINFO_A_MAX,
};

#define DTPROC_PSINFO_A_MAX (__DTPROC_PSINFO_A_MAX - 1)

#define DTPROC_MODEL_ILP32	1
#define DTPROC_MODEL_LP64	2

/* lwpsinfo_t, as far as Linux has it. */
enum dtproc_lwpsinfo_attr {
	DTPROC_LWPSINFO_A_UNSPEC,
	DTPROC_LWPSINFO_A_LWPID,	/* u32 */
	DTPROC_LWPSINFO_A_FLAG,		/* u32: DTPROC_PR_* */
	DTPROC_LWPSINFO_A_SNAME,	/* u32: a character, 'R', 'S', ... */
	DTPROC_LWPSINFO_A_STATE,	/* u32: DTPROC_S* */
	DTPROC_LWPSINFO_A_NICE,		/* s32 */
	DTPROC_LWPSINFO_A_PRI,		/* s32: higher is more important */
	DTPROC_LWPSINFO_A_SYSCALL,	/* u32 */
	DTPROC_LWPSINFO_A_CLNAME,	/* string: "TS", "RT", "SYS" */
	DTPROC_LWPSINFO_A_ONPRO,	/* u32 */

	__DTPROC_LWPSINFO_A_MAX,
};

#define DTPROC_LWPSINFO_A_MAX (__DTPROC_LWPSINFO_A_MAX - 1)

/* pr_flag bits */
#define DTPROC_PR_STOPPED	0x00000001
#define DTPROC_PR_ISTOP		0x00000002
#define DTPROC_PR_ASLEEP	0x00000010
#define DTPROC_PR_ISSYS		0x00000200
/* never set: Linux keeps no mark on a vfork parent that a probe can read */
#define DTPROC_PR_VFORKP	0x00000400

/* pr_state values */
#define DTPROC_SSLEEP		1
#define DTPROC_SRUN		2
#define DTPROC_SZOMB		3
#define DTPROC_SSTOP		4
#define DTPROC_SIDL		5
#define DTPROC_SONPROC		6

enum dtproc_siginfo_attr {
	DTPROC_SIGINFO_A_UNSPEC,
	DTPROC_SIGINFO_A_SIGNO,		/* u32 */
	DTPROC_SIGINFO_A_CODE,		/* s32 */
	DTPROC_SIGINFO_A_ERRNO,		/* s32 */
	DTPROC_SIGINFO_A_PID,		/* u32 */
	DTPROC_SIGINFO_A_UID,		/* u32 */
	DTPROC_SIGINFO_A_ADDR,		/* u64: user address */
	DTPROC_SIGINFO_A_STATUS,	/* s32 */
	DTPROC_SIGINFO_A_PAD,

	__DTPROC_SIGINFO_A_MAX,
};

#define DTPROC_SIGINFO_A_MAX (__DTPROC_SIGINFO_A_MAX - 1)

/* Fault codes of the fault probe, as Solaris proc(4) numbers them. */
#define DTPROC_FLTILL		1	/* illegal instruction */
#define DTPROC_FLTPRIV		2	/* privileged instruction */
#define DTPROC_FLTBPT		3	/* breakpoint trap */
#define DTPROC_FLTTRACE		4	/* trace trap (single-step) */
#define DTPROC_FLTACCESS	5	/* memory access (alignment, protection) */
#define DTPROC_FLTBOUNDS	6	/* memory bounds (invalid address) */
#define DTPROC_FLTIOVF		7	/* integer overflow */
#define DTPROC_FLTIZDIV		8	/* integer zero divide */
#define DTPROC_FLTFPE		9	/* floating-point exception */
#define DTPROC_FLTSTACK		10	/* unrecoverable stack fault */
#define DTPROC_FLTPAGE		11	/* recoverable page fault */

/* Exit reasons (SIGCHLD codes) */
#define DTPROC_CLD_EXITED	1
#define DTPROC_CLD_KILLED	2
#define DTPROC_CLD_DUMPED	3

#endif /* _UAPI_LINUX_DTPROC_H */
