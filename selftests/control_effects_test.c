// SPDX-License-Identifier: GPL-2.0
/*
 * What a parked victim looks like to the rest of the kernel: core dumps
 * (issue 8, item 11).
 */
#include <elf.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "control_util.h"

#define CORE_PATTERN	"/proc/sys/kernel/core_pattern"
#define CORE_DIR	"/tmp/dtproc-cores"
#define NTHREADS	4

/*
 * A child of NTHREADS counting threads that may dump core (SIGQUIT's
 * default action, which the guest's init may have left ignored, and no
 * core size limit, both inherited); all counting.
 */
static pid_t spawn_dumper(volatile unsigned long *c)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	pid_t pid;
	long j;

	if (setrlimit(RLIMIT_CORE, &rl))
		DT_FAIL(1, "setrlimit: %s", strerror(errno));
	signal(SIGQUIT, SIG_DFL);
	pid = cu_spawn_threads(c, NTHREADS, false);
	if (pid < 0)
		DT_FAIL(1, "fork: %s", strerror(errno));
	for (j = 0; j < NTHREADS; j++)
		if (!cu_moves(&c[j], CU_WAIT_MS))
			DT_FAIL(1, "thread %ld of %d never counted", j, pid);
	return pid;
}

/* Point core dumps at CORE_DIR/core.PID; the old pattern in @old. */
static void core_pattern_set(char *old, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(CORE_PATTERN, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		SKIP("%s: %s", CORE_PATTERN, strerror(errno));
	n = read(fd, old, len - 1);
	old[n > 0 ? n : 0] = '\0';
	if (mkdir(CORE_DIR, 0755) && errno != EEXIST)
		DT_FAIL(1, "mkdir %s: %s", CORE_DIR, strerror(errno));
	if (pwrite(fd, CORE_DIR "/core.%p", strlen(CORE_DIR "/core.%p"), 0) < 0)
		DT_FAIL(1, "write %s: %s", CORE_PATTERN, strerror(errno));
	close(fd);
}

static void core_pattern_restore(const char *old)
{
	int fd = open(CORE_PATTERN, O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, old, strlen(old)) < 0)
			perror(CORE_PATTERN);
		close(fd);
	}
}

/*
 * The NT_PRSTATUS notes (one per thread) of the ELF core file @path, each
 * thread's pid in @tids; -1 if it is no complete ELF core.
 */
static int core_threads(const char *path, pid_t *tids, int max)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd, i, n = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_type != ET_CORE)
		goto out;
	for (i = 0; i < eh.e_phnum; i++) {
		char *buf, *p;
		size_t off;

		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) !=
		    sizeof(ph))
			goto out;
		if (ph.p_type != PT_NOTE || ph.p_filesz > (1 << 24))
			continue;
		buf = malloc(ph.p_filesz);
		if (!buf ||
		    pread(fd, buf, ph.p_filesz, ph.p_offset) != (ssize_t)ph.p_filesz) {
			free(buf);
			goto out;
		}
		n = 0;
		for (off = 0; off + sizeof(Elf64_Nhdr) <= ph.p_filesz;) {
			Elf64_Nhdr *nh = (Elf64_Nhdr *)(buf + off);
			size_t desc = off + sizeof(*nh) + ((nh->n_namesz + 3) & ~3U);

			p = buf + desc;
			/* struct elf_prstatus: pr_pid at offset 32 on x86-64 */
			if (nh->n_type == NT_PRSTATUS && desc + 36 <= ph.p_filesz &&
			    n < max)
				memcpy(&tids[n++], p + 32, sizeof(pid_t));
			off = desc + ((nh->n_descsz + 3) & ~3U);
		}
		free(buf);
		break;
	}
out:
	close(fd);
	return n;
}

/* The tids of @pid's threads, from /proc; how many. */
static int proc_threads(pid_t pid, pid_t *tids, int max)
{
	char path[64];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)) && n < max)
		if (d->d_name[0] != '.')
			tids[n++] = atoi(d->d_name);
	closedir(dir);
	return n;
}

static bool has_tid(const pid_t *tids, int n, pid_t tid)
{
	while (n-- > 0)
		if (tids[n] == tid)
			return true;
	return false;
}

/*
 * A core-dumping signal sent to a parked victim waits, as one sent to a
 * job-stopped process does: no core while it is parked.  Continued, it
 * dumps a complete core: one NT_PRSTATUS per thread, every thread's tid.
 */
TEST_TIMEOUT(core_dump_of_parked_victim_complete, 180)
{
	volatile unsigned long *c = ut_shared(NTHREADS * sizeof(*c));
	pid_t tids[NTHREADS + 1], ctids[16];
	char old[256], core[64];
	struct dtproc_handle *h;
	struct dtproc *dp;
	int status, n, i;
	struct stat sb;
	pid_t pid;

	core_pattern_set(old, sizeof(old));
	pid = spawn_dumper(c);
	ASSERT_EQ(proc_threads(pid, tids, NTHREADS + 1), NTHREADS);
	snprintf(core, sizeof(core), CORE_DIR "/core.%d", pid);
	unlink(core);
	dp = cu_open();
	h = cu_grab(dp, pid, 0);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);

	ASSERT_OK(kill(pid, SIGQUIT));
	ut_sleep_ms(500);
	CU_ASSERT_STOPPED(h, DTPROC_STOP_GRAB);		/* still parked */
	ASSERT_EQ(stat(core, &sb), -1);			/* no dump yet */

	ASSERT_OK(dtproc_continue(h));
	if (!ut_reap_within(pid, &status, 30000)) {
		char states[64], cmd[160];
		int nr;

		ut_tasks(pid, 'R', &nr, states, sizeof(states));
		snprintf(cmd, sizeof(cmd),
			 "cat /proc/%d/task/*/wchan /proc/%d/task/*/stack; ls -la %s",
			 pid, pid, CORE_DIR);
		if (system(cmd) < 0)
			perror("system");
		DT_FAIL(1, "victim never died after the continue: threads \"%s\"",
			states);
	}
	core_pattern_restore(old);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGQUIT ||
	    !WCOREDUMP(status))
		DT_FAIL(1, "wait status 0x%x: no core-dumping SIGQUIT", status);
	n = core_threads(core, ctids, 16);
	printf("# %s: %d NT_PRSTATUS notes\n", core, n);
	ASSERT_EQ(n, NTHREADS);
	for (i = 0; i < NTHREADS; i++)
		if (!has_tid(ctids, n, tids[i]))
			DT_FAIL(1, "thread %d is not in the core", tids[i]);
	unlink(core);
	dtproc_release(h);
	dtproc_close(dp);
}
