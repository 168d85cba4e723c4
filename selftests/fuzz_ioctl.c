// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_ioctl: random and mutated ioctls on /dev/dtproc, then invariants.
 *
 *   fuzz_ioctl [-s SEED] [-n CALLS] [-v]
 *
 * Four threads make CALLS ioctl calls in all (after a warm-up round of a
 * tenth as many), each on the shared descriptor (slot 0) half the time and
 * on one of the other slots otherwise, while now and then a slot is closed
 * and opened again under the others' feet, read(2) and poll(2) take notes,
 * and a shared argument page changes its protection.  Each call is:
 *
 *   command   one of uapi's DTPROC_IOC_*, as is or with its direction, size,
 *             number or type mutated, or any number at all;
 *   argument  the command's structure with its size field 0, short, exact,
 *             oversized with a zero or a non-zero tail, 4096, above 4096 or
 *             huge, its fields random or meaningful; placed at the start of
 *             a mapping, across the end of one into a PROT_NONE page,
 *             misaligned, in a read-only page, in an unmapped or PROT_NONE
 *             page, at NULL, a kernel or a non-canonical address;
 *   pid       ourselves, a thread of ours, our parent, init, kthreadd and
 *             other kernel threads, children of ours alive, multi-threaded,
 *             exec'ing, job-control stopped, exiting, zombie or reaped,
 *             reused pid numbers (clone3 with set_tid), the held victim,
 *             0, negative, pid_max and beyond, random; with the pidfd
 *             flags (DTPROC_GRAB_PIDFD, DTPROC_PID_PIDFD, _STATUS_PIDFD)
 *             pidfds of our children mostly, and with DTPROC_GRAB_MEMFD a
 *             child's own /proc/PID/mem, another's, init's or garbage.
 *             Those flags are fuzzed whether or not uapi has them yet.
 *
 * A manager thread keeps a pool of children changing meanwhile (so that
 * grabs succeed sometimes, and some of them created with DTPROC_GRAB_CREATE
 * on a fuzzed descriptor); every child is killed and reaped at the end of a
 * round, and closing the descriptors lets go of everything they held.
 *
 * Invariants checked, not just survival: the module answers its version
 * (during and after), a victim grabbed before the fuzz on a descriptor the
 * fuzz does not use is still stopped by its grab, a clean subscriber's seq
 * has no gap and the feed still delivers, no kernel-internal errno
 * (>= 512) comes back, no output is written past the caller's size and
 * notes read are well formed, slab usage does not grow (fuzz_util.h), and
 * the module unloads and loads again.  Every errno seen is counted and
 * printed.
 *
 * A requested stop outlives its consumer, so a STOP (by command number) is
 * only ever sent for a child of ours or the held victim, never for init or
 * our ancestors.  Only run inside a dtproc test guest (tools/vm/run): the
 * fuzz grabs (stops) random processes.
 */
#include <dirent.h>
#include <sys/mman.h>
#include <sys/utsname.h>

#include "fuzz_util.h"

#define FZ_DEFAULT_CALLS	1000000
#define FZ_THREADS		4
#define FZ_SLOTS		6
#define FZ_SLOT_FD0		900	/* above anything open() hands out here */
#define FZ_POOL			24	/* children of the manager */
#define FZ_DEAD			32	/* reaped pid numbers remembered */
#define FZ_RW_PAGES		5	/* each thread's argument area */
#define FZ_TEMPLATES		48	/* argument structures on the read-only page */
#define FZ_MAX_ERRNO		256

#define PG			4096

/* --- the commands, from uapi/linux/dtproc.h --- */

enum fz_kind { K_VERSION, K_GRAB, K_PID, K_STATUS, K_BP, K_BP_LIST };

struct fz_cmd {
	unsigned int	cmd;
	const char	*name;
	uint32_t	ksize;		/* sizeof() as this program knows it */
	uint32_t	ver0;
	enum fz_kind	kind;
};

static const struct fz_cmd fz_cmds[] = {
	{ DTPROC_IOC_VERSION, "VERSION", sizeof(struct dtproc_version),
	  DTPROC_VERSION_SIZE_VER0, K_VERSION },
	{ DTPROC_IOC_GRAB, "GRAB", sizeof(struct dtproc_grab),
	  DTPROC_GRAB_SIZE_VER0, K_GRAB },
	{ DTPROC_IOC_RELEASE, "RELEASE", sizeof(struct dtproc_pid),
	  DTPROC_PID_SIZE_VER0, K_PID },
	{ DTPROC_IOC_CONTINUE, "CONTINUE", sizeof(struct dtproc_pid),
	  DTPROC_PID_SIZE_VER0, K_PID },
	{ DTPROC_IOC_STOP, "STOP", sizeof(struct dtproc_pid),
	  DTPROC_PID_SIZE_VER0, K_PID },
	{ DTPROC_IOC_STATUS, "STATUS", sizeof(struct dtproc_status),
	  DTPROC_STATUS_SIZE_VER0, K_STATUS },
	{ DTPROC_IOC_BP_ADD, "BP_ADD", sizeof(struct dtproc_bp),
	  DTPROC_BP_SIZE_VER0, K_BP },
	{ DTPROC_IOC_BP_SET, "BP_SET", sizeof(struct dtproc_bp),
	  DTPROC_BP_SIZE_VER0, K_BP },
	{ DTPROC_IOC_BP_DEL, "BP_DEL", sizeof(struct dtproc_bp),
	  DTPROC_BP_SIZE_VER0, K_BP },
	{ DTPROC_IOC_BP_LIST, "BP_LIST", sizeof(struct dtproc_bp_list),
	  DTPROC_BP_LIST_SIZE_VER0, K_BP_LIST },
};

#define FZ_NCMDS	(int)(sizeof(fz_cmds) / sizeof(fz_cmds[0]))

/* --- what every thread shares --- */

static struct fz_held held;
static char self_exe[512];
static pid_t ancestors[32];
static int nancestors;
static pid_t kthreads[64];
static int nkthreads;
static int pid_max = 32768;

static char *ro_page;		/* PROT_READ: argument templates */
static char *none_page;		/* PROT_NONE */
static char *hole;		/* unmapped: the page after a mapping's end */
static char *flap_page;		/* its protection changes during the fuzz */

/* The pool: what fuzz threads pick pids from (written by the manager). */
static _Atomic pid_t pool_pid[FZ_POOL];
static _Atomic int pool_pidfd[FZ_POOL];
static _Atomic int pool_memfd[FZ_POOL];	/* /proc/PID/mem: the right to control */
static _Atomic pid_t dead_pid[FZ_DEAD];

static atomic_bool round_over;
static atomic_long version_checks, version_fails, held_checks, held_fails;
static char held_fail_why[256];

struct fz_stats {
	long	ioctls, reads, polls, reopens, flaps;
	long	ok[FZ_NCMDS];		/* exact commands that succeeded */
	long	mutated_ok;
	long	err[FZ_MAX_ERRNO];
	long	odd;			/* errnos outside the documented set */
	char	odd_what[160];
	long	abi;			/* writes beyond size, malformed notes */
	char	abi_what[160];
	long	creates, created_ok, creates_died, spawned, reused;
};

static struct fz_stats round_stats;
static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;

static void stats_merge(const struct fz_stats *s)
{
	int i;

	pthread_mutex_lock(&stats_lock);
	round_stats.ioctls += s->ioctls;
	round_stats.reads += s->reads;
	round_stats.polls += s->polls;
	round_stats.reopens += s->reopens;
	round_stats.flaps += s->flaps;
	round_stats.mutated_ok += s->mutated_ok;
	for (i = 0; i < FZ_NCMDS; i++)
		round_stats.ok[i] += s->ok[i];
	for (i = 0; i < FZ_MAX_ERRNO; i++)
		round_stats.err[i] += s->err[i];
	if (s->odd && !round_stats.odd)
		memcpy(round_stats.odd_what, s->odd_what, sizeof(s->odd_what));
	round_stats.odd += s->odd;
	if (s->abi && !round_stats.abi)
		memcpy(round_stats.abi_what, s->abi_what, sizeof(s->abi_what));
	round_stats.abi += s->abi;
	round_stats.creates += s->creates;
	round_stats.created_ok += s->created_ok;
	round_stats.creates_died += s->creates_died;
	round_stats.spawned += s->spawned;
	round_stats.reused += s->reused;
	pthread_mutex_unlock(&stats_lock);
}

/* --- the system around us --- */

/* Field @n (1-based) of /proc/@pid/stat, after the command name. */
static long long stat_field(pid_t pid, int n)
{
	char path[64], buf[1024], *p;
	long long v = -1;
	ssize_t len;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	p += 2;		/* field 3, the state */
	for (i = 3; i < n && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p)
		v = strtoll(p, NULL, 10);
	return v;
}

static void scan_system(void)
{
	struct dirent *d;
	pid_t p;
	FILE *f;
	DIR *dir;

	f = fopen("/proc/sys/kernel/pid_max", "re");
	if (f) {
		if (fscanf(f, "%d", &pid_max) != 1)
			pid_max = 32768;
		fclose(f);
	}
	for (p = getppid(); p > 0 && nancestors < 32; p = stat_field(p, 4))
		ancestors[nancestors++] = p;

	dir = opendir("/proc");
	while (dir && (d = readdir(dir)) && nkthreads < 64) {
		p = atoi(d->d_name);
		/* flags, field 9: PF_KTHREAD */
		if (p > 0 && (stat_field(p, 9) & 0x00200000))
			kthreads[nkthreads++] = p;
	}
	if (dir)
		closedir(dir);
	if (readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1) < 0)
		snprintf(self_exe, sizeof(self_exe), "/proc/self/exe");
}

static bool is_ancestor(pid_t pid)
{
	int i;

	for (i = 0; i < nancestors; i++)
		if (ancestors[i] == pid)
			return true;
	return pid == 1;
}

/* Ours to stop for good: the held victim, a child, a pid a child had. */
static bool is_ours(pid_t pid)
{
	int i;

	if (pid <= 0 || pid > pid_max)
		return true;	/* no such process */
	if (pid == held.pid || pid == getpid())
		return true;
	if (is_ancestor(pid))
		return false;
	for (i = 0; i < FZ_POOL; i++)
		if (atomic_load_explicit(&pool_pid[i], memory_order_relaxed) == pid)
			return true;
	for (i = 0; i < FZ_DEAD; i++)
		if (atomic_load_explicit(&dead_pid[i], memory_order_relaxed) == pid)
			return true;
	/* as a pidfd (DTPROC_PID_PIDFD): the pool's pidfds are its children's */
	for (i = 0; i < FZ_POOL; i++)
		if (atomic_load_explicit(&pool_pidfd[i], memory_order_relaxed) == pid)
			return true;
	return false;
}

/* --- pids --- */

static pid_t pool_any(struct fz_rng *r)
{
	pid_t p = atomic_load_explicit(&pool_pid[fz_below(r, FZ_POOL)],
				       memory_order_relaxed);

	return p ? p : held.pid;
}

static pid_t pick_pid(struct fz_rng *r)
{
	static const int32_t negs[] = { -1, -2, INT32_MIN, INT32_MIN + 1 };
	pid_t p;

	switch (fz_below(r, 32)) {
	case 0:
		return getpid();
	case 1:
		return gettid();
	case 2:
		return getppid();
	case 3:
		return 1;
	case 4:
		return 2;	/* kthreadd */
	case 5:
		return nkthreads ? kthreads[fz_below(r, nkthreads)] : 3;
	case 6:
		p = atomic_load_explicit(&dead_pid[fz_below(r, FZ_DEAD)],
					 memory_order_relaxed);
		return p ? p : pool_any(r);
	case 7:
		return held.pid;
	case 8:
		return 0;
	case 9:
		return fz_pct(r, 50) ? negs[fz_below(r, 4)] :
				       -(pid_t)fz_below(r, 1u << 31);
	case 10:
		switch (fz_below(r, 5)) {
		case 0:
			return pid_max;
		case 1:
			return pid_max + 1;
		case 2:
			return INT32_MAX;
		case 3:
			return 4194304;		/* PID_MAX_LIMIT */
		default:
			return pid_max + 1 + fz_below(r, 1u << 30);
		}
	case 11:
		return 1 + fz_below(r, pid_max);
	case 12:
		p = atomic_load_explicit(&pool_pidfd[fz_below(r, FZ_POOL)],
					 memory_order_relaxed);
		return p > 0 ? p : 3 + (pid_t)fz_below(r, 60);
	case 13:
		return pool_any(r) + 1 + fz_below(r, 3);  /* a thread, maybe */
	default:
		return pool_any(r);
	}
}

/* Descriptors: /proc/PID/mem of ourselves, of the held victim, of init. */
static int mem_fds[3] = { -1, -1, -1 };

static int32_t pick_fd(struct fz_rng *r)
{
	int32_t fd;

	switch (fz_below(r, 8)) {
	case 0:
		return 0;
	case 1:
		return -1 - (int32_t)fz_below(r, 3);
	case 2:
		fd = atomic_load_explicit(&pool_pidfd[fz_below(r, FZ_POOL)],
					  memory_order_relaxed);
		return fd;
	case 3: case 4:
		fd = atomic_load_explicit(&pool_memfd[fz_below(r, FZ_POOL)],
					  memory_order_relaxed);
		return fd;
	case 5:
		return (int32_t)fz_next(r);
	default:
		return mem_fds[fz_below(r, 3)];
	}
}

/* A pid, or with @pidfd mostly a pidfd of a child of ours. */
static pid_t pick_pid_for(struct fz_rng *r, bool pidfd)
{
	pid_t p;

	if (!pidfd || fz_pct(r, 20))
		return pick_pid(r);
	p = atomic_load_explicit(&pool_pidfd[fz_below(r, FZ_POOL)],
				 memory_order_relaxed);
	return p >= 0 ? p : mem_fds[0];
}

/* --- commands --- */

/* Types whose numbers the VFS itself answers for any file (FIONBIO, FIFREEZE...). */
static bool vfs_type(unsigned int type)
{
	return type == 0x00 || type == 0x15 || type == 0x54 || type == 0x58 ||
	       type == 0x66 || type == 0x94;
}

static unsigned int pick_cmd(struct fz_rng *r, const struct fz_cmd **basep,
			     bool *mutated)
{
	const struct fz_cmd *base = &fz_cmds[fz_below(r, FZ_NCMDS)];
	unsigned int cmd = base->cmd, dir, size, nr, type;
	static const unsigned int sizes[] = { 0, 1, 7, 8, 15, 16, 31, 32, 39,
					      40, 41, 64, 4096, 4097, 16383 };

	*basep = base;
	dir = _IOC_DIR(cmd);
	size = _IOC_SIZE(cmd);
	nr = _IOC_NR(cmd);
	type = _IOC_TYPE(cmd);
	switch (fz_below(r, 20)) {
	case 10:
		dir = fz_below(r, 4);
		break;
	case 11:
		size = sizes[fz_below(r, sizeof(sizes) / sizeof(sizes[0]))];
		break;
	case 12:
		nr = fz_pct(r, 50) ? fz_below(r, 16) : fz_below(r, 256);
		break;
	case 13:
		type = fz_pct(r, 50) ? type ^ (1u << fz_below(r, 8)) :
				       fz_below(r, 256);
		break;
	case 14:
		cmd = (unsigned int)fz_next(r);
		dir = _IOC_DIR(cmd);
		size = _IOC_SIZE(cmd);
		nr = _IOC_NR(cmd);
		type = _IOC_TYPE(cmd);
		break;
	case 15:
		dir = _IOC_NONE;
		size = 0;
		break;
	case 16:
		dir = fz_below(r, 4);
		size = fz_below(r, 1u << _IOC_SIZEBITS);
		nr = fz_below(r, 16);
		break;
	case 17:
		cmd ^= 1u << fz_below(r, 32);
		dir = _IOC_DIR(cmd);
		size = _IOC_SIZE(cmd);
		nr = _IOC_NR(cmd);
		type = _IOC_TYPE(cmd);
		break;
	default:
		*mutated = false;
		return cmd;
	}
	if (type != DTPROC_IOC_MAGIC && vfs_type(type))
		type = DTPROC_IOC_MAGIC ^ 0x01;
	cmd = _IOC(dir, type, nr, size);
	*mutated = cmd != base->cmd;
	return cmd;
}

/*
 * The pidfd interface's flags.  With a header that predates them they are
 * just more unknown bits (the kernel refuses them with EINVAL), so the
 * fuzz need not change when they land.
 */
#ifdef DTPROC_GRAB_PIDFD
#define FZ_GRAB_PIDFD	DTPROC_GRAB_PIDFD
#else
#define FZ_GRAB_PIDFD	0x4U
#endif
#ifdef DTPROC_GRAB_MEMFD
#define FZ_GRAB_MEMFD	DTPROC_GRAB_MEMFD
#else
#define FZ_GRAB_MEMFD	0x8U
#endif
#ifdef DTPROC_STATUS_PIDFD
#define FZ_STATUS_PIDFD	DTPROC_STATUS_PIDFD
#else
#define FZ_STATUS_PIDFD	0x8U
#endif

static void put_u32(unsigned char *b, size_t off, uint32_t v)
{
	memcpy(b + off, &v, 4);
}

static uint32_t pick_grab_flags(struct fz_rng *r)
{
	uint32_t fl;

	switch (fz_below(r, 10)) {
	case 0: case 1: case 2:
		fl = 0;
		break;
	case 3: case 4:
		fl = DTPROC_GRAB_RDONLY;
		break;
	case 5:
		fl = DTPROC_GRAB_CREATE;
		break;
	case 6:
		fl = DTPROC_GRAB_RDONLY | DTPROC_GRAB_CREATE;
		break;
	case 7:
		return 1u << fz_below(r, 32);
	case 8:
		return (uint32_t)fz_next(r);
	default:
		fl = fz_below(r, 4);
		break;
	}
	if (fz_pct(r, 30))
		fl |= FZ_GRAB_PIDFD;
	if (fz_pct(r, 20))
		fl |= FZ_GRAB_MEMFD;
	return fl;
}

/*
 * Build an argument of @c in @b (room for 8 KiB + 64); returns the size
 * field chosen.  *len: how many bytes of @b are meaningful.
 */
static uint32_t build_arg(struct fz_rng *r, const struct fz_cmd *c,
			  unsigned char *b, size_t *len)
{
	uint32_t usize, k = c->ksize, *u32 = (uint32_t *)b;
	bool dirty_tail = false;

	switch (fz_below(r, 16)) {
	case 0:
		usize = 0;
		break;
	case 1:
		usize = 1 + fz_below(r, c->ver0 - 1);
		break;
	case 2:
		usize = k + 1 + fz_below(r, 64);
		break;
	case 3:
		usize = k + 1 + fz_below(r, 64);
		dirty_tail = true;
		break;
	case 4:
		usize = k + 64 + fz_below(r, DTPROC_ARG_SIZE_MAX - 64 - k + 1);
		dirty_tail = fz_pct(r, 50);
		break;
	case 5:
		usize = DTPROC_ARG_SIZE_MAX;
		dirty_tail = fz_pct(r, 50);
		break;
	case 6:
		usize = DTPROC_ARG_SIZE_MAX + 1 + fz_below(r, 4096);
		break;
	case 7: {
		static const uint32_t huge[] = { 0xffffffffu, 0x80000000u,
						 0x10000u, 0x7fffffffu };

		usize = fz_pct(r, 50) ? huge[fz_below(r, 4)] : (uint32_t)fz_next(r);
		break;
	}
	case 8:
		usize = fz_below(r, 2 * DTPROC_ARG_SIZE_MAX + 1);
		dirty_tail = fz_pct(r, 50);
		break;
	default:
		usize = k;
		break;
	}
	*len = usize < 2 * PG ? usize : 2 * PG;
	if (*len < k)
		*len = k;
	memset(b, 0, *len);
	if (dirty_tail && *len > k) {
		if (fz_pct(r, 50))
			b[k + fz_below(r, *len - k)] = 1 + fz_below(r, 255);
		else
			fz_fill(r, b + k, *len - k);
	}
	if (fz_pct(r, 4)) {
		fz_fill(r, b, k);		/* any fields at all */
	} else {
		switch (c->kind) {
		case K_VERSION: {
			struct dtproc_version *v = (void *)b;

			if (fz_pct(r, 5))
				v->abi_version = fz_next(r);
			if (fz_pct(r, 5))
				fz_fill(r, v->module_version, sizeof(v->module_version));
			break;
		}
		case K_GRAB: {
			struct dtproc_grab *g = (void *)b;

			g->flags = pick_grab_flags(r);
			g->pid = pick_pid_for(r, g->flags & FZ_GRAB_PIDFD);
			/* the word after pid: pad, or a /proc/PID/mem fd */
			if (g->flags & FZ_GRAB_MEMFD || fz_pct(r, 5))
				put_u32(b, 12, pick_fd(r));
			if (g->flags & FZ_GRAB_MEMFD && fz_pct(r, 60)) {
				/* a child and its own proof: grabs that succeed */
				int i = fz_below(r, FZ_POOL);

				g->pid = atomic_load(g->flags & FZ_GRAB_PIDFD ?
						     &pool_pidfd[i] : &pool_pid[i]);
				put_u32(b, 12, atomic_load(&pool_memfd[i]));
			}
			break;
		}
		case K_PID: {
			/* since size 16: flags (DTPROC_PID_PIDFD), pad */
			uint32_t fl = k < 12 ? 0 : fz_pct(r, 60) ? 0 :
				      fz_pct(r, 70) ? 1 : (uint32_t)fz_next(r);

			if (k >= 12)
				put_u32(b, 8, fl);
			if (k >= 16 && fz_pct(r, 5))
				put_u32(b, 12, (uint32_t)fz_next(r));
			((struct dtproc_pid *)b)->pid = pick_pid_for(r, fl & 1);
			break;
		}
		case K_STATUS: {
			struct dtproc_status *st = (void *)b;

			st->flags = fz_pct(r, 50) ? 0 : fz_pct(r, 50) ?
				    DTPROC_STATUS_WAIT : fz_pct(r, 50) ?
				    FZ_STATUS_PIDFD | (fz_next(r) & DTPROC_STATUS_WAIT) :
				    (uint32_t)fz_next(r);
			st->pid = pick_pid_for(r, st->flags & FZ_STATUS_PIDFD);
			if (fz_pct(r, 10))
				fz_fill(r, &st->state, k - 12);
			break;
		}
		case K_BP: {
			/*
			 * Addresses: none, a guard page, or anything (which
			 * next to never names a text: a breakpoint placed
			 * there is the held victim's to bear)
			 */
			struct dtproc_bp *bp = (void *)b;

			bp->flags = fz_pct(r, 70) ? fz_below(r, 4) :
				    (uint32_t)fz_next(r);
			bp->pid = pick_pid_for(r, bp->flags & 1);
			bp->action = fz_below(r, 5);
			bp->id = fz_pct(r, 50) ? fz_below(r, 8) :
				 (uint32_t)fz_next(r);
			bp->addr = fz_pct(r, 30) ? 0 : fz_pct(r, 50) ?
				   (uintptr_t)none_page : fz_next(r);
			if (fz_pct(r, 10))
				bp->peek = fz_next(r);
			break;
		}
		case K_BP_LIST: {
			struct dtproc_bp_list *l = (void *)b;

			l->flags = fz_pct(r, 80) ? 0 : (uint32_t)fz_next(r);
			l->pid = pick_pid_for(r, l->flags & 1);
			l->bps_len = fz_below(r, 4);
			l->info_size = fz_pct(r, 70) ?
				       sizeof(struct dtproc_bp_info) :
				       fz_below(r, 128);
			l->bps = fz_pct(r, 20) ? 0 : fz_pct(r, 20) ?
				 (uintptr_t)none_page : fz_pct(r, 20) ?
				 fz_next(r) : (uintptr_t)hole - 40;
			break;
		}
		}
	}
	u32[0] = usize;
	return usize;
}

/* A STOP may only name what is ours (see the top of the file). */
static void guard_stop(struct fz_rng *r, unsigned int cmd, unsigned char *b,
		       size_t len)
{
	int32_t pid;

	if (_IOC_NR(cmd) != _IOC_NR(DTPROC_IOC_STOP) || len < 8)
		return;
	memcpy(&pid, b + 4, 4);
	if (!is_ours(pid)) {
		pid = pool_any(r);
		memcpy(b + 4, &pid, 4);
	}
}

/* --- argument memory --- */

struct fz_thread {
	int		id;
	long		quota;
	struct fz_rng	rng;
	char		*rw;		/* FZ_RW_PAGES RW pages, then PROT_NONE */
	unsigned char	buf[2 * PG + 64];
	struct fz_stats	st;
	pthread_t	thread;
};

enum fz_place { PL_START, PL_END, PL_MISALIGN, PL_RO, PL_NONE, PL_HOLE,
		PL_FLAP, PL_NULL, PL_LOW, PL_KERNEL, PL_NONCANON, PL_RANDOM };

/*
 * Where the argument goes.  Returns the pointer; *room is how many bytes
 * we may write there (0: nothing, it is not ours to write).
 */
static char *pick_place(struct fz_thread *t, size_t len, bool stop, size_t *room)
{
	struct fz_rng *r = &t->rng;
	char *end = t->rw + FZ_RW_PAGES * PG;
	uint32_t w = fz_below(r, 100);

	*room = 0;
	if (w < 70) {
		*room = FZ_RW_PAGES * PG;
		return t->rw;
	}
	if (w < 78) {
		size_t k = 1 + fz_below(r, len < 64 ? 64 : len);

		*room = k;
		return end - k;		/* runs into the PROT_NONE page */
	}
	if (w < 81) {
		*room = FZ_RW_PAGES * PG - 8;
		return t->rw + 1 + fz_below(r, 7);
	}
	if (w < 86)
		return ro_page + 64 * fz_below(r, FZ_TEMPLATES);
	if (w < 88)
		return none_page + fz_below(r, PG);
	if (w < 90)
		return hole + fz_below(r, PG);
	if (w < 93 && !stop)
		return flap_page + 8 * fz_below(r, PG / 8);
	if (w < 94)
		return NULL;
	if (w < 95)
		return (char *)(uintptr_t)fz_below(r, 65536);
	if (w < 97)
		return (char *)(uintptr_t)(fz_pct(r, 50) ? 0xffff888000000000ULL :
					   0xffffffff81000000ULL) + fz_below(r, PG);
	if (w < 99)
		return (char *)(uintptr_t)(0x0000800000000000ULL | fz_next(r));
	return (char *)(uintptr_t)(fz_next(r) | 0x8000000000000000ULL);
}

static void setup_memory(void)
{
	struct dtproc_status st = { .size = sizeof(st) };
	int i;

	ro_page = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	none_page = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	flap_page = mmap(NULL, PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hole = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro_page == MAP_FAILED || none_page == MAP_FAILED ||
	    flap_page == MAP_FAILED || hole == MAP_FAILED) {
		perror("# mmap");
		exit(1);
	}
	munmap(hole + PG, PG);
	hole += PG;		/* the page after a mapping's end */

	/*
	 * Templates: every structure, every size of interest, naming only
	 * what a STOP may name (see guard_stop(): nobody checks these).
	 */
	for (i = 0; i < FZ_TEMPLATES; i++) {
		const struct fz_cmd *c = &fz_cmds[i % FZ_NCMDS];
		char *p = ro_page + 64 * i;
		static const uint32_t sizes[] = { 0, 4, 8, 16, 32, 40, 64, 4096 };
		pid_t pids[] = { held.pid, getpid(), 0, -1, INT32_MAX };

		memset(p, 0, 64);
		memcpy(p, &sizes[i % 8], 4);
		if (i % 3 == 0)
			memcpy(p, &c->ksize, 4);
		st.pid = pids[i % 5];
		st.flags = i & 1 ? DTPROC_STATUS_WAIT : 0;
		memcpy(p + 4, (char *)&st + 4, 28);
		if (c->kind == K_GRAB)
			memcpy(p + 8, &st.pid, 4);	/* flags at 4, pid at 8 */
	}
	mprotect(ro_page, PG, PROT_READ);
}

/* --- the fuzzing threads --- */

static int slot_fd(int slot)
{
	return FZ_SLOT_FD0 + slot;
}

static void reopen_slot(struct fz_thread *t)
{
	int slot = fz_below(&t->rng, FZ_SLOTS), fd;

	if (fz_pct(&t->rng, 50))
		close(slot_fd(slot));	/* calls on it meanwhile: EBADF */
	fd = fz_open_dev(O_NONBLOCK);
	if (fd >= 0) {
		dup3(fd, slot_fd(slot), O_CLOEXEC);	/* closes the old one */
		close(fd);
	}
	t->st.reopens++;
}

/*
 * Which errnos a call may fail with is the module's to document (and is
 * changing); what must never reach userland is a kernel-internal one
 * (ERESTARTSYS, ENOIOCTLCMD, ...: 512 and up).
 */
static bool documented_errno(int e)
{
	return e > 0 && e < 512;
}

static void note_errno(struct fz_thread *t, const char *what, unsigned int cmd,
		       int e)
{
	t->st.err[e > 0 && e < FZ_MAX_ERRNO ? e : 0]++;
	if (documented_errno(e))
		return;
	if (!t->st.odd++)
		snprintf(t->st.odd_what, sizeof(t->st.odd_what),
			 "%s 0x%08x: %s (%d)", what, cmd, strerror(e), e);
}

static void note_abi(struct fz_thread *t, const char *fmt, unsigned int cmd)
{
	if (!t->st.abi++)
		snprintf(t->st.abi_what, sizeof(t->st.abi_what), fmt, cmd);
}

/* The last note kind, and the record's last word: pad (0) or its size. */
#if defined(DTPROC_NOTE_BREAK)
#define FZ_NOTE_LAST	DTPROC_NOTE_BREAK
#elif defined(DTPROC_NOTE_OVERFLOW)
#define FZ_NOTE_LAST	DTPROC_NOTE_OVERFLOW
#else
#define FZ_NOTE_LAST	DTPROC_NOTE_LOST
#endif

static uint32_t note_word3(const struct dtproc_note *n)
{
	uint32_t v;

	memcpy(&v, (const char *)n + 12, 4);
	return v;
}

static void do_read(struct fz_thread *t, int fd)
{
	static const size_t lens[] = { 0, 1, 15, 16, 17, 32, 4096 };
	struct fz_rng *r = &t->rng;
	size_t len = lens[fz_below(r, 7)], room;
	char *p = pick_place(t, len, false, &room);
	struct dtproc_note *n = (void *)p;
	ssize_t ret;

	if (room && room < len)
		len = room + fz_below(r, 16);	/* into the guard page */
	t->st.reads++;
	ret = read(fd, p, len);
	if (ret < 0) {
		note_errno(t, "read", 0, errno);
		return;
	}
	/* a record, cut to the buffer if shorter (at least 16 bytes) */
	if (ret != (ssize_t)(len < sizeof(*n) ? len : sizeof(*n)))
		note_abi(t, "read returned a record of the wrong size%.0u", 0);
	else if (room &&	/* else a shared page others may write too */
		 (n->what < DTPROC_NOTE_EXITED || n->what > FZ_NOTE_LAST ||
		  (note_word3(n) && note_word3(n) != sizeof(*n))))
		note_abi(t, "read returned a malformed note%.0u", 0);
}

static void do_ioctl(struct fz_thread *t, int fd)
{
	struct fz_rng *r = &t->rng;
	const struct fz_cmd *base;
	bool mutated, stop;
	unsigned int cmd = pick_cmd(r, &base, &mutated);
	size_t len, room, copy;
	uint32_t usize = build_arg(r, base, t->buf, &len);
	char *p;
	long ret;

	stop = _IOC_NR(cmd) == _IOC_NR(DTPROC_IOC_STOP);
	guard_stop(r, cmd, t->buf, len);
	p = pick_place(t, len, stop, &room);
	copy = len < room ? len : room;
	if (copy)
		memcpy(p, t->buf, copy);

	t->st.ioctls++;
	ret = ioctl(fd, fz_pct(r, 2) ? cmd | (fz_next(r) << 32) : cmd, p);
	if (ret < 0) {
		note_errno(t, base->name, cmd, errno);
		return;
	}
	if (mutated) {
		t->st.mutated_ok++;
		return;
	}
	t->st.ok[base - fz_cmds]++;
	/* output goes no further than the caller's size */
	if ((base->kind == K_VERSION || base->kind == K_STATUS) &&
	    copy == len && len > base->ksize && usize <= len &&
	    memcmp(p + base->ksize, t->buf + base->ksize, len - base->ksize))
		note_abi(t, "0x%08x wrote past the structure", cmd);
	if (base->kind == K_VERSION && copy >= 8 &&
	    ((struct dtproc_version *)p)->abi_version != DTPROC_ABI_VERSION)
		note_abi(t, "0x%08x answered another ABI version", cmd);
}

static void *fuzz_thread(void *arg)
{
	struct fz_thread *t = arg;
	struct fz_rng *r = &t->rng;
	long i;
	int fd;

	for (i = 0; t->st.ioctls < t->quota; i++) {
		uint32_t w = fz_below(r, 1000);

		fd = fz_pct(r, 50) ? slot_fd(0) :
				     slot_fd(1 + fz_below(r, FZ_SLOTS - 1));
		if (w < 5) {
			reopen_slot(t);
		} else if (w < 7) {
			static const int prots[] = { PROT_NONE, PROT_READ,
						     PROT_READ | PROT_WRITE };

			mprotect(flap_page, PG, prots[fz_below(r, 3)]);
			t->st.flaps++;
		} else if (w < 27) {
			do_read(t, fd);
		} else if (w < 32) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };

			poll(&pfd, 1, 0);
			t->st.polls++;
		} else {
			do_ioctl(t, fd);
		}
		if (!(i & 63))
			atomic_fetch_add(&fz_progress, 1);
		/* now and then, the module must still answer */
		if (t->id == 0 && !(i & 4095)) {
			atomic_fetch_add(&version_checks, 1);
			if (fz_dev_version_fresh())
				atomic_fetch_add(&version_fails, 1);
		}
	}
	stats_merge(&t->st);
	return NULL;
}

/* --- the pool of children --- */

enum kid_kind { KID_SLEEP, KID_SPIN, KID_EXIT, KID_MT, KID_EXEC };

struct kid {
	pid_t		pid;
	int		pidfd;
	int		memfd;
};

static struct kid kids[FZ_POOL];

static void __attribute__((noreturn)) kid_body(enum kid_kind kind,
					       struct fz_rng *r)
{
	char *argv[4] = { self_exe, "--victim", NULL, NULL };
	struct timespec ts = { 0, 1000000 };
	long i, ms;

	switch (kind) {
	case KID_SPIN:
		for (;;) {
			for (i = 0; i < 20000; i++)
				__asm__ volatile("" ::: "memory");
			syscall(SYS_nanosleep, &ts, NULL);
		}
	case KID_EXIT:
		ms = fz_below(r, 300);
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000L;
		syscall(SYS_nanosleep, &ts, NULL);
		syscall(SYS_exit_group, (int)fz_below(r, 256));
		__builtin_unreachable();
	case KID_MT:
		argv[2] = "mt";
		execv(self_exe, argv);
		_exit(127);
	case KID_EXEC:
		argv[2] = "exec";
		execv(self_exe, argv);
		_exit(127);
	default:
		fz_child_sleep(20);
	}
}

/* fork(), or clone3() into a pid number a reaped child had. */
static pid_t kid_fork(struct fz_rng *r, bool reuse, bool *reused)
{
	struct clone_args ca = { .exit_signal = SIGCHLD };
	pid_t want = 0, pid;

	*reused = false;
	if (reuse)
		want = atomic_load(&dead_pid[fz_below(r, FZ_DEAD)]);
	if (want > 0) {
		ca.set_tid = (uintptr_t)&want;
		ca.set_tid_size = 1;
		pid = syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid >= 0) {
			*reused = pid > 0;
			return pid;
		}
	}
	return fork();
}

static void kid_spawn(int i, struct fz_rng *r, struct fz_stats *st)
{
	uint32_t w = fz_below(r, 100);
	enum kid_kind kind = w < 35 ? KID_SLEEP : w < 42 ? KID_SPIN :
			     w < 65 ? KID_EXIT : w < 80 ? KID_MT : KID_EXEC;
	bool create = fz_pct(r, 12), reused;
	int pipefd[2] = { -1, -1 };
	char c, path[64];
	pid_t pid;

	if (create && pipe2(pipefd, O_CLOEXEC))
		create = false;
	pid = kid_fork(r, fz_pct(r, 15), &reused);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (create) {
			/* held until the grab is made, then exec'd */
			close(pipefd[1]);
			if (read(pipefd[0], &c, 1) != 1)
				syscall(SYS_exit_group, 0);
			if (kind != KID_MT)
				kind = KID_EXEC;
		}
		kid_body(kind, r);
	}
	if (pid < 0)
		return;
	fz_kid_add(pid);
	st->spawned++;
	st->reused += reused;
	if (create) {
		struct dtproc_grab g = {
			.size = sizeof(g), .flags = DTPROC_GRAB_CREATE, .pid = pid,
		};
		int memfd;

		/* the right to control it, where the module asks for a proof */
		snprintf(path, sizeof(path), "/proc/%d/mem", pid);
		memfd = open(path, O_RDONLY | O_CLOEXEC);
#ifdef DTPROC_GRAB_MEMFD
		g.flags |= DTPROC_GRAB_MEMFD;
		g.memfd = memfd;
#endif
		close(pipefd[0]);
		st->creates++;
		if (!ioctl(slot_fd(fz_below(r, FZ_SLOTS)), DTPROC_IOC_GRAB, &g))
			st->created_ok++;
		if (write(pipefd[1], "x", 1) < 0)
			st->creates_died++;	/* killed meanwhile */
		close(pipefd[1]);
		if (memfd >= 0)
			close(memfd);
	}
	kids[i].pid = pid;
	kids[i].pidfd = syscall(SYS_pidfd_open, pid, 0);
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	kids[i].memfd = open(path, O_RDONLY | O_CLOEXEC);
	atomic_store(&pool_pidfd[i], kids[i].pidfd);
	atomic_store(&pool_memfd[i], kids[i].memfd);
	atomic_store(&pool_pid[i], pid);
}

static void kid_reap(int i)
{
	static int dead_next;

	waitpid(kids[i].pid, NULL, __WALL);
	fz_kid_del(kids[i].pid);
	atomic_store(&dead_pid[dead_next++ % FZ_DEAD], kids[i].pid);
	atomic_store(&pool_pid[i], 0);
	atomic_store(&pool_pidfd[i], -1);
	atomic_store(&pool_memfd[i], -1);
	if (kids[i].pidfd >= 0)
		close(kids[i].pidfd);
	if (kids[i].memfd >= 0)
		close(kids[i].memfd);
	kids[i].pid = 0;
	kids[i].pidfd = -1;
	kids[i].memfd = -1;
}

static bool kid_exited(int i)
{
	siginfo_t si = { 0 };

	return !waitid(P_PID, kids[i].pid, &si, WEXITED | WNOHANG | WNOWAIT) &&
	       si.si_pid == kids[i].pid;
}

static void *manager_thread(void *arg)
{
	struct fz_rng *r = arg;
	struct fz_stats st = { 0 };
	char why[256];
	uint64_t last_check = 0;
	int i;

	while (!atomic_load(&round_over)) {
		i = fz_below(r, FZ_POOL);
		if (!kids[i].pid) {
			kid_spawn(i, r, &st);
		} else {
			uint32_t w = fz_below(r, 100);

			if (w < 12)
				kill(kids[i].pid, SIGKILL);	/* exiting */
			else if (w < 16)
				kill(kids[i].pid, SIGSTOP);
			else if (w < 24)
				kill(kids[i].pid, SIGCONT);
			else if (w < 60 && kid_exited(i) && fz_pct(r, 50))
				kid_reap(i);	/* else a zombie a while longer */
		}
		/* the held victim stays stopped whatever the fuzz does */
		if (fz_now_ns() - last_check > 2000000000ULL) {
			last_check = fz_now_ns();
			atomic_fetch_add(&held_checks, 1);
			if (!fz_held_ok(&held, why, sizeof(why)) &&
			    !atomic_fetch_add(&held_fails, 1))
				memcpy(held_fail_why, why, sizeof(why));
		}
		fz_sleep_ms(2 + fz_below(r, 8));
	}
	/* every child goes; closing the slots lets go of the rest */
	for (i = 0; i < FZ_POOL; i++) {
		if (kids[i].pid) {
			kill(kids[i].pid, SIGKILL);
			kill(kids[i].pid, SIGCONT);
			kid_reap(i);
		}
	}
	stats_merge(&st);
	return NULL;
}

/* Victims exec'd by the pool: `fuzz_ioctl --victim mt|exec`. */
static void *victim_thread(void *arg)
{
	fz_child_sleep(20);
}

static void *victim_short_thread(void *arg)
{
	return NULL;
}

static int victim_main(const char *kind)
{
	pthread_t th;
	int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (!strcmp(kind, "mt")) {
		for (i = 0; i < 3; i++)
			pthread_create(&th, NULL, victim_thread, NULL);
		for (;;) {	/* threads come and go */
			if (!pthread_create(&th, NULL, victim_short_thread, NULL))
				pthread_join(th, NULL);
			fz_sleep_ms(50);
		}
	}
	if (!strcmp(kind, "exec")) {
		char *argv[] = { self_exe, "--victim", "exec", NULL };

		fz_sleep_ms(100 + getpid() % 200);
		if (getpid() % 4 && readlink("/proc/self/exe", self_exe,
					     sizeof(self_exe) - 1) > 0)
			execv(self_exe, argv);
	}
	fz_child_sleep(20);
}

/* --- rounds --- */

static void open_slots(void)
{
	int s, fd;

	for (s = 0; s < FZ_SLOTS; s++) {
		fd = fz_open_dev(O_NONBLOCK);
		if (fd < 0 || dup3(fd, slot_fd(s), O_CLOEXEC) < 0) {
			fz_log("cannot open slot %d: %s", s, strerror(errno));
			exit(1);
		}
		close(fd);
	}
}

static void close_slots(void)
{
	int s;

	for (s = 0; s < FZ_SLOTS; s++)
		close(slot_fd(s));
}

/* One round of @calls ioctls; stream numbers @round * 16 + thread. */
static double run_round(int round, long calls)
{
	static struct fz_thread th[FZ_THREADS];
	struct fz_rng mrng;
	pthread_t mgr;
	uint64_t t0 = fz_now_ns();
	int i;

	memset(&round_stats, 0, sizeof(round_stats));
	atomic_store(&round_over, false);
	open_slots();
	fz_rng_init(&mrng, round * 16 + 15);
	pthread_create(&mgr, NULL, manager_thread, &mrng);
	for (i = 0; i < FZ_THREADS; i++) {
		struct fz_thread *t = &th[i];

		memset(&t->st, 0, sizeof(t->st));
		t->id = i;
		t->quota = calls / FZ_THREADS + (i < calls % FZ_THREADS);
		fz_rng_init(&t->rng, round * 16 + i);
		if (!t->rw) {
			t->rw = mmap(NULL, (FZ_RW_PAGES + 1) * PG,
				     PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (t->rw == MAP_FAILED) {
				perror("# mmap");
				exit(1);
			}
			mprotect(t->rw + FZ_RW_PAGES * PG, PG, PROT_NONE);
		}
		pthread_create(&t->thread, NULL, fuzz_thread, t);
	}
	for (i = 0; i < FZ_THREADS; i++)
		pthread_join(th[i].thread, NULL);
	atomic_store(&round_over, true);
	pthread_join(mgr, NULL);
	close_slots();
	mprotect(flap_page, PG, PROT_READ | PROT_WRITE);
	/* nothing stopped for good may remain among our ancestors */
	for (i = 0; i < nancestors; i++)
		kill(ancestors[i], SIGCONT);
	return fz_secs(t0);
}

static void report_round(const char *what, long calls, double secs)
{
	const struct fz_stats *s = &round_stats;
	char errs[512] = "";
	size_t off = 0;
	int i;

	for (i = 1; i < FZ_MAX_ERRNO; i++)
		if (s->err[i])
			off += snprintf(errs + off, sizeof(errs) - off, " %s:%ld",
					strerrorname_np(i) ? strerrorname_np(i) : "?",
					s->err[i]);
	fz_tap(s->ioctls >= calls,
	       "%s: %ld ioctl calls in %.1f s (%.0f/s), %ld reads, %ld polls, %ld reopens, %ld protection flips",
	       what, s->ioctls, secs, s->ioctls / secs, s->reads, s->polls,
	       s->reopens, s->flaps);
	fz_log("succeeded: VERSION %ld GRAB %ld RELEASE %ld CONTINUE %ld STOP %ld STATUS %ld mutated %ld",
	       s->ok[0], s->ok[1], s->ok[2], s->ok[3], s->ok[4], s->ok[5],
	       s->mutated_ok);
	fz_log("errnos:%s", errs);
	fz_log("children: %ld spawned (%ld into reused pids), %ld created with GRAB_CREATE (%ld grabbed)",
	       s->spawned, s->reused, s->creates, s->created_ok);
}

static bool in_guest(void)
{
	struct utsname u;

	return !uname(&u) && !strcmp(u.nodename, "dtproc-guest");
}

int main(int argc, char **argv)
{
	struct fz_slab s0, s1, s2;
	struct fz_sub sub;
	struct fz_stats warm;
	pthread_t wd;
	long warm_calls;
	char ver[64] = "";
	double secs;
	int ret;

	if (argc == 3 && !strcmp(argv[1], "--victim")) {
		snprintf(self_exe, sizeof(self_exe), "%s", "/proc/self/exe");
		return victim_main(argv[2]);
	}
	fz_parse(argc, argv, "fuzz_ioctl", FZ_DEFAULT_CALLS);
	if (!in_guest() && !getenv("DTPROC_FUZZ_ANYWHERE")) {
		printf("1..0 # SKIP grabs and stops random processes: only in a dtproc guest (tools/vm/run)\n");
		return 4;
	}
	warm_calls = fz.count / 10 > 1000 ? fz.count / 10 : 1000;
	signal(SIGPIPE, SIG_IGN);
	scan_system();

	ret = fz_dev_version_fresh();
	if (!ret) {
		int fd = fz_open_dev(0);

		fz_dev_version(fd, ver, sizeof(ver));
		close(fd);
	}
	fz_tap(!ret, "module answers DTPROC_IOC_VERSION before the fuzz (%s)",
	       ret ? strerror(-ret) : ver);
	if (ret)
		return fz_finish();
	if (!fz_held_grab(&held) || !fz_sub_start(&sub, DTPROC_PROBE_MASK_ALL))
		return fz_finish();
	setup_memory();
	{
		char path[64];

		mem_fds[0] = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof(path), "/proc/%d/mem", held.pid);
		mem_fds[1] = open(path, O_RDONLY | O_CLOEXEC);
		mem_fds[2] = open("/proc/1/mem", O_RDONLY | O_CLOEXEC);
	}
	fz_log("%d threads, %d descriptors, %d children, %d kernel threads, pid_max %d",
	       FZ_THREADS, FZ_SLOTS, FZ_POOL, nkthreads, pid_max);
	pthread_create(&wd, NULL, fz_watchdog, NULL);

	fz_settle();
	fz_slab_read(&s0);
	secs = run_round(1, warm_calls);
	report_round("warm-up round", warm_calls, secs);
	warm = round_stats;
	fz_settle();
	fz_slab_read(&s1);
	secs = run_round(2, fz.count);
	report_round("fuzz round", fz.count, secs);
	fz_settle();
	fz_slab_read(&s2);

	ret = fz_dev_version_fresh();
	fz_tap(!ret && !atomic_load(&version_fails),
	       "module answers DTPROC_IOC_VERSION after the fuzz (%s), and did at %ld checks during it (%ld failed)",
	       ret ? strerror(-ret) : "yes", atomic_load(&version_checks),
	       atomic_load(&version_fails));
	ret = fz_feed_version();
	fz_tap(!ret, "module answers GET_VERSION over netlink after the fuzz (%s)",
	       ret ? strerror(-ret) : "yes");
	{
		char why[256];
		bool ok = fz_held_ok(&held, why, sizeof(why));

		fz_tap(ok && !atomic_load(&held_fails),
		       "held victim %d still stopped by its grab # %s; %ld checks during the fuzz, %ld failed%s%s",
		       held.pid, why, atomic_load(&held_checks),
		       atomic_load(&held_fails),
		       atomic_load(&held_fails) ? ": " : "", held_fail_why);
	}
	fz_tap(!warm.odd && !round_stats.odd,
	       "no kernel-internal errno (512 and up) reached userland%s%s",
	       warm.odd || round_stats.odd ? ": first other: " : "",
	       warm.odd ? warm.odd_what : round_stats.odd_what);
	fz_tap(!warm.abi && !round_stats.abi,
	       "output stays within the caller's size; notes well formed%s%s",
	       warm.abi || round_stats.abi ? ": " : "",
	       warm.abi ? warm.abi_what : round_stats.abi_what);
	fz_sub_finish(&sub);
	fz_slab_check(&s0, &s1, &s2, "(a tenth of the calls, then all of them)");

	atomic_store(&fz_watch_stop, true);
	pthread_join(wd, NULL);
	fz_held_drop(&held);
	fz_kill_kids();
	fz_reap_kids();
	fz_reload_module(fz_dev_version_fresh);
	return fz_finish();
}
