// SPDX-License-Identifier: GPL-2.0
/*
 * The victim of cli_bp_test: a program whose functions dtproc count and
 * dtproc break put breakpoints on.  Modes (argv[1]):
 *   calls T N      T threads, each calling bp_work() N times; then bp_other()
 *                  once; prints "done T*N" at the end (first sleeping
 *                  BP_VICTIM_SLEEP_MS, if set)
 *   early N        bp_early() N times from a constructor (before main,
 *                  after postinit), then N times from main
 *   fork N         bp_work() N times; a fork child calls it 2N times
 *                  (never counted) and exits 0 unless it saw a signal
 *   vfork N K      a vfork child calls bp_work() K times, then execs
 *                  /bin/true; prints "child PID"; the parent N times
 *   dlopen T N     T threads each dlopen libbpdl.so (next to this program),
 *                  call bpdl_func(), dlclose it, N times
 *   echo ARG...    print each ARG on its own line (what -c passed)
 */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile unsigned long bp_calls;

/*
 * The probed functions are built without optimisation: their first
 * instruction is then a push, which uprobes can step, never the atomic
 * add (uprobes refuses a lock prefix, ENOTSUPP).
 */
#define PROBED	__attribute__((noinline, optimize("O0")))

PROBED void bp_work(void)
{
	__atomic_add_fetch(&bp_calls, 1, __ATOMIC_RELAXED);
	__asm__ volatile("" ::: "memory");
}

PROBED void bp_other(void)
{
	__asm__ volatile("" ::: "memory");
}

PROBED void bp_early(void)
{
	__asm__ volatile("" ::: "memory");
}

static long early_n;

static void __attribute__((constructor)) bp_ctor(void)
{
	const char *mode = getenv("BP_VICTIM_EARLY");
	long i;

	if (!mode)
		return;
	early_n = atol(mode);
	for (i = 0; i < early_n; i++)
		bp_early();
}

static long calls_n;

static void *calls_thread(void *arg)
{
	long i;

	for (i = 0; i < calls_n; i++)
		bp_work();
	return NULL;
}

static char dl_path[PATH_MAX];

static void *dl_thread(void *arg)
{
	long i;

	for (i = 0; i < calls_n; i++) {
		void *lib = dlopen(dl_path, RTLD_NOW);
		void (*fn)(void);

		if (!lib) {
			fprintf(stderr, "bp_victim: %s\n", dlerror());
			exit(1);
		}
		fn = (void (*)(void))dlsym(lib, "bpdl_func");
		if (!fn)
			exit(1);
		fn();
		dlclose(lib);
	}
	return NULL;
}

static int run_threads(long t, void *(*fn)(void *))
{
	pthread_t th[64];
	long i;

	if (t < 1 || t > 64)
		return 2;
	for (i = 0; i < t; i++)
		if (pthread_create(&th[i], NULL, fn, NULL))
			return 1;
	for (i = 0; i < t; i++)
		pthread_join(th[i], NULL);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long i, n = argc > 2 ? atol(argv[2]) : 0;
	int st;
	pid_t pid;

	if (!strcmp(mode, "calls") && argc == 4) {
		if (getenv("BP_VICTIM_SLEEP_MS"))
			usleep(atol(getenv("BP_VICTIM_SLEEP_MS")) * 1000);
		calls_n = atol(argv[3]);
		if (run_threads(n, calls_thread))
			return 1;
		bp_other();
		printf("done %lu\n", bp_calls);
		return 0;
	}
	if (!strcmp(mode, "early")) {
		for (i = 0; i < early_n; i++)
			bp_early();
		return 0;
	}
	if (!strcmp(mode, "fork")) {
		for (i = 0; i < n; i++)
			bp_work();
		pid = fork();
		if (pid == 0) {
			for (i = 0; i < 2 * n; i++)
				bp_work();
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid)
			return 1;
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "bp_victim: fork child: status 0x%x\n", st);
			return 1;
		}
		return 0;
	}
	if (!strcmp(mode, "vfork") && argc == 4) {
		long k = atol(argv[3]);

		fflush(stdout);
		pid = vfork();
		if (pid == 0) {
			for (i = 0; i < k; i++)
				bp_work();
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid || st)
			return 1;
		printf("child %d\n", pid);
		for (i = 0; i < n; i++)
			bp_work();
		return 0;
	}
	if (!strcmp(mode, "dlopen") && argc == 4) {
		char *slash;

		if (readlink("/proc/self/exe", dl_path, sizeof(dl_path) - 16) < 0)
			return 1;
		slash = strrchr(dl_path, '/');
		strcpy(slash + 1, "libbpdl.so");
		calls_n = atol(argv[3]);
		return run_threads(n, dl_thread);
	}
	if (!strcmp(mode, "echo")) {
		for (i = 2; i < argc; i++)
			printf("%s\n", argv[i]);
		return 0;
	}
	fprintf(stderr, "bp_victim: no mode '%s' (see its source)\n", mode);
	return 2;
}
