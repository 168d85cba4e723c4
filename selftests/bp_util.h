/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the breakpoint tests (bp_test.c, bp_hard_test.c) share.  Include
 * after control_util.h and the harness.
 */
#ifndef _DTPROC_BP_UTIL_H
#define _DTPROC_BP_UTIL_H

#include <stdio.h>

/* Where thread @tid of @pid sleeps. */
static inline void log_wchan(pid_t pid, const char *tid)
{
	char path[320], wchan[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%s/wchan", pid, tid);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(wchan, sizeof(wchan), f))
			wchan[0] = '\0';
		fclose(f);
	}
	TH_LOG("thread %s in D, wchan %s", tid, wchan);
}

/*
 * Threads of @pid whose user IP is in the XOL area ("[uprobes]" in its
 * maps: a thread stopped there holds a single-step slot) and threads in
 * state D (one waits for a slot, uninterruptibly, when all are held).
 * A parked thread is in a task_work, not a system call: its
 * /proc/PID/task/TID/syscall reads "-1 SP PC", PC its user IP.
 */
static inline void xol_census(pid_t pid, int *at_xol, int *in_d, bool log)
{
	unsigned long lo = 0, hi = 0, a, b, pc;
	char path[320], line[512];
	struct dirent *d;
	FILE *f;
	DIR *dir;

	*at_xol = 0;
	*in_d = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[uprobes]") &&
		    sscanf(line, "%lx-%lx", &a, &b) == 2) {
			lo = a;
			hi = b;
		}
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		long nr;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid,
			 d->d_name);
		if (cu_stat_state_of(path) == 'D') {
			(*in_d)++;
			if (log)
				log_wchan(pid, d->d_name);
		}
		snprintf(path, sizeof(path), "/proc/%d/task/%s/syscall", pid,
			 d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) &&
		    sscanf(line, "%ld %*s %lx", &nr, &pc) == 2 &&
		    pc >= lo && pc < hi)
			(*at_xol)++;
		fclose(f);
	}
	closedir(dir);
}

#endif /* _DTPROC_BP_UTIL_H */
