// SPDX-License-Identifier: GPL-2.0
/*
 * The symbol layer (dtproc_syms_*): objects of a live process from
 * r_debug's link maps or /proc/PID/maps, name <-> address both ways,
 * dlopen/dlclose seen by refresh, and the evaltime addresses checked by
 * running a victim to them under ptrace (exec = the first instruction,
 * preinit = r_brk with RT_CONSISTENT, main = __libc_start_main's first
 * argument).  No module needed: the same file is the host test
 * (selftests/host/symbols_test.c includes it, adding a gcc -static victim).
 *
 * The victim is this very program re-executed with DTPROC_SYMS_VICTIM set:
 * it answers one-letter commands on stdin ('a' addresses, 'd' dlopen
 * libm.so.6 and give cbrt's address (cbrt: neither an IFUNC nor versioned
 * twice, so dlsym and the symbol table agree), 'm' the same with
 * dlmopen(LM_ID_NEWLM), 'c' dlclose it, 'x' exec busybox cat, 'q' quit)
 * with one line on stdout.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/user.h>

#include <dtproc.h>

#include "harness.h"

#define VICTIM_ENV	"DTPROC_SYMS_VICTIM"
#define DLOPEN_LIB	"libm.so.6"	/* in every guest (the CLI needs it) */

/* --- the victim --- */

int main(int argc, char **argv);

__attribute__((noinline, used)) int syms_victim_func(int x)
{
	volatile int y = x;

	y = y * 3 + 1;
	y ^= 0x55;
	return y + x;
}

static void syms_victim(void)
{
	void *lib = NULL;
	char c;

	while (read(0, &c, 1) == 1) {
		switch (c) {
		case 'a':
			printf("%lx %lx %lx\n", (unsigned long)main,
			       (unsigned long)syms_victim_func,
			       (unsigned long)dlsym(RTLD_DEFAULT, "malloc"));
			break;
		case 'd':
			lib = dlopen(DLOPEN_LIB, RTLD_NOW);
			printf("%lx\n", lib ? (unsigned long)dlsym(lib, "cbrt") : 0UL);
			break;
		case 'm':
			lib = dlmopen(LM_ID_NEWLM, DLOPEN_LIB, RTLD_NOW);
			if (!lib)
				printf("0 %s\n", dlerror());
			else
				printf("%lx\n", (unsigned long)dlsym(lib, "cbrt"));
			break;
		case 'c':
			printf("%d\n", lib ? dlclose(lib) : -1);
			lib = NULL;
			break;
		case 'x':
			execl("/bin/busybox", "cat", (char *)NULL);
			printf("exec failed\n");
			break;
		case 'q':
			_exit(0);
		}
		fflush(stdout);
	}
	_exit(0);
}

static void __attribute__((constructor)) syms_victim_check(void)
{
	if (getenv(VICTIM_ENV))
		syms_victim();
}

struct victim {
	pid_t	pid;
	FILE	*in, *out;
};

/* Run @argv (NULL: this program as the victim) with pipes on stdin/stdout. */
static void victim_start(struct victim *v, char *const argv[])
{
	int to[2], from[2];

	ASSERT_OK(pipe2(to, O_CLOEXEC));
	ASSERT_OK(pipe2(from, O_CLOEXEC));
	v->pid = fork();
	ASSERT_GE(v->pid, 0);
	if (v->pid == 0) {
		char *self[] = { "symbols_victim", NULL };

		dup2(to[0], 0);
		dup2(from[1], 1);
		setenv(VICTIM_ENV, "1", 1);
		/*
		 * dlmopen's new namespace loads libc's DT_NEEDED ld.so by
		 * name; the guest has it only as /lib64/ld-linux-x86-64.so.2.
		 */
		if (access("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", F_OK))
			setenv("LD_LIBRARY_PATH", "/lib64", 1);
		if (argv)
			execv(argv[0], argv);
		else
			execv("/proc/self/exe", self);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	v->in = fdopen(to[1], "w");
	v->out = fdopen(from[0], "r");
	ASSERT_TRUE(v->in && v->out);
}

/* Send @cmd, read one line into @buf. */
static void victim_ask(struct victim *v, char cmd, char *buf, size_t len)
{
	ASSERT_GE(fputc(cmd, v->in), 0);
	ASSERT_EQ(fflush(v->in), 0);
	ASSERT_TRUE(fgets(buf, (int)len, v->out));
}

static void victim_stop(struct victim *v)
{
	int st;

	fputc('q', v->in);
	fclose(v->in);
	fclose(v->out);
	kill(v->pid, SIGKILL);
	waitpid(v->pid, &st, 0);
}

/* --- helpers --- */

struct collect {
	int		n;
	char		names[64][96];
	uint64_t	addr[64];
};

static int collect_fn(const struct dtproc_sym *sym, void *arg)
{
	struct collect *c = arg;

	if (c->n < 64) {
		snprintf(c->names[c->n], sizeof(c->names[0]), "%s`%s",
			 sym->object, sym->function);
		c->addr[c->n] = sym->addr;
	}
	c->n++;
	return 0;
}

static int ifunc_fn(const struct dtproc_sym *sym, void *arg)
{
	struct collect *c = arg;

	c->n += !!(sym->flags & DTPROC_SYM_IFUNC);
	return 0;
}

static int find_name(const struct collect *c, const char *name)
{
	int i;

	for (i = 0; i < c->n && i < 64; i++)
		if (!strcmp(c->names[i], name))
			return i;
	return -1;
}

static int find_object(struct dtproc_syms *s, const char *name,
		       struct dtproc_object *o)
{
	size_t i;

	for (i = 0; !dtproc_syms_object(s, i, o); i++)
		if (!strcmp(o->name, name))
			return (int)i;
	return -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- the tests --- */

/* main and a function of a.out resolve both ways; +4 works; libc by glob. */
TEST(symbols_both_ways)
{
	struct dtproc_object o;
	struct dtproc_sym sym;
	struct dtproc_syms *s;
	struct collect c = { 0 };
	unsigned long amain, afunc, amalloc;
	struct victim v;
	char line[256], name[256];

	victim_start(&v, NULL);
	victim_ask(&v, 'a', line, sizeof(line));
	ASSERT_EQ(sscanf(line, "%lx %lx %lx", &amain, &afunc, &amalloc), 3);

	s = dtproc_syms_open(v.pid);
	if (!s)
		TH_LOG("%s", dtproc_errmsg());
	ASSERT_TRUE(s);
	ASSERT_GE(find_object(s, "a.out", &o), 0);
	ASSERT_GE(find_object(s, "libc.so.6", &o), 0);
	ASSERT_GT(o.nsyms, 1000);

	ASSERT_EQ(dtproc_syms_lookup(s, "a.out`main", collect_fn, &c), 1);
	EXPECT_EQ(c.addr[0], amain);
	dtproc_syms_addr(s, amain, &sym, name, sizeof(name));
	EXPECT_TRUE(!strcmp(name, "a.out`main"));
	if (strcmp(name, "a.out`main"))
		TH_LOG("0x%lx named %s", amain, name);

	c.n = 0;
	ASSERT_EQ(dtproc_syms_lookup(s, "a.out`syms_victim_func+4", collect_fn, &c), 1);
	EXPECT_EQ(c.addr[0], afunc + 4);
	dtproc_syms_addr(s, afunc + 4, &sym, name, sizeof(name));
	ASSERT_STREQ(name, "a.out`syms_victim_func+0x4");
	EXPECT_EQ(sym.offset, 4);
	EXPECT_EQ(sym.func_addr, afunc);

	/* no object: every object; a glob finds libc's malloc */
	c.n = 0;
	ASSERT_GT(dtproc_syms_lookup(s, "mall*", collect_fn, &c), 0);
	ASSERT_GE(find_name(&c, "libc.so.6`malloc"), 0);
	EXPECT_EQ(c.addr[find_name(&c, "libc.so.6`malloc")], amalloc);
	dtproc_syms_addr(s, amalloc + 1, NULL, name, sizeof(name));
	ASSERT_STREQ(name, "libc.so.6`malloc+0x1");

	/* strlen is an IFUNC in libc: flagged, its resolver is what is named */
	c.n = 0;
	ASSERT_EQ(dtproc_syms_lookup(s, "libc.so.6`strlen", ifunc_fn, &c), 1);
	EXPECT_EQ(c.n, 1);
	c.n = 0;
	ASSERT_EQ(dtproc_syms_lookup(s, "libc.so.6`malloc", ifunc_fn, &c), 1);
	EXPECT_EQ(c.n, 0);

	/* failures say why */
	EXPECT_EQ(dtproc_syms_lookup(s, "nosuch.so`main", collect_fn, &c), -ENOENT);
	EXPECT_TRUE(strstr(dtproc_errmsg(), "no object"));
	EXPECT_EQ(dtproc_syms_lookup(s, "a.out`no_such_function_xyz", collect_fn, &c), -ENOENT);
	EXPECT_EQ(dtproc_syms_lookup(s, "a.out`main+100000", collect_fn, &c), -ENOENT);
	EXPECT_TRUE(strstr(dtproc_errmsg(), "past the end"));
	EXPECT_EQ(dtproc_syms_lookup(s, "a.out`main+zz", collect_fn, &c), -EINVAL);
	EXPECT_EQ(dtproc_syms_lookup(s, "`main", collect_fn, &c), -EINVAL);
	dtproc_syms_addr(s, 8, NULL, name, sizeof(name));
	EXPECT_TRUE(!strcmp(name, "0x8"));

	dtproc_syms_close(s);
	victim_stop(&v);
}

/* dlopen raises the generation and shows the library; dlclose removes it. */
TEST(symbols_dlopen)
{
	struct dtproc_object o;
	struct dtproc_rtld rt;
	struct dtproc_syms *s;
	struct collect c = { 0 };
	unsigned long acbrt;
	struct victim v;
	char line[256];
	uint64_t gen;
	double t0;
	int i, n;

	victim_start(&v, NULL);
	victim_ask(&v, 'a', line, sizeof(line));
	s = dtproc_syms_open(v.pid);
	ASSERT_TRUE(s);
	ASSERT_EQ(dtproc_syms_rtld(s, &rt), 0);
	EXPECT_EQ(rt.source, DTPROC_SYMS_LINKMAP);
	EXPECT_NE(rt.r_debug, 0);
	EXPECT_NE(rt.r_brk, 0);
	EXPECT_EQ(rt.r_state, 0);	/* RT_CONSISTENT */
	ASSERT_LT(find_object(s, DLOPEN_LIB, &o), 0);
	EXPECT_EQ(dtproc_syms_lookup(s, DLOPEN_LIB "`cbrt", collect_fn, &c), -ENOENT);
	gen = dtproc_syms_generation(s);
	EXPECT_EQ(dtproc_syms_refresh(s), 0);
	EXPECT_EQ(dtproc_syms_generation(s), gen);

	/* unchanged refresh: the cheap path */
	t0 = now_s();
	for (i = 0; i < 1000; i++)
		dtproc_syms_refresh(s);
	TH_LOG("unchanged refresh: %.1f us", (now_s() - t0) * 1e3);

	victim_ask(&v, 'd', line, sizeof(line));
	ASSERT_EQ(sscanf(line, "%lx", &acbrt), 1);
	ASSERT_NE(acbrt, 0);
	ASSERT_EQ(dtproc_syms_refresh(s), 1);
	EXPECT_EQ(dtproc_syms_generation(s), gen + 1);
	ASSERT_GE(find_object(s, DLOPEN_LIB, &o), 0);
	n = dtproc_syms_lookup(s, DLOPEN_LIB "`cbrt", collect_fn, &c);
	ASSERT_EQ(n, 1);
	EXPECT_EQ(c.addr[0], acbrt);

	victim_ask(&v, 'c', line, sizeof(line));
	ASSERT_STREQ(line, "0\n");
	ASSERT_EQ(dtproc_syms_refresh(s), 1);
	EXPECT_EQ(dtproc_syms_generation(s), gen + 2);
	EXPECT_LT(find_object(s, DLOPEN_LIB, &o), 0);

	dtproc_syms_close(s);
	victim_stop(&v);
}

/* dlmopen: a second namespace, chained by r_next once r_version is 2. */
TEST(symbols_dlmopen)
{
	struct dtproc_object o;
	struct dtproc_rtld rt;
	struct dtproc_syms *s;
	struct collect c = { 0 };
	unsigned long acbrt;
	struct victim v;
	char line[256];
	size_t i;
	int found = 0, libcs = 0;

	victim_start(&v, NULL);
	victim_ask(&v, 'a', line, sizeof(line));
	s = dtproc_syms_open(v.pid);
	ASSERT_TRUE(s);
	ASSERT_EQ(dtproc_syms_rtld(s, &rt), 0);
	EXPECT_EQ(rt.r_version, 1);
	victim_ask(&v, 'm', line, sizeof(line));
	ASSERT_EQ(sscanf(line, "%lx", &acbrt), 1);
	if (!acbrt)
		TH_LOG("victim: %s", line);
	ASSERT_NE(acbrt, 0);
	ASSERT_EQ(dtproc_syms_refresh(s), 1);
	ASSERT_EQ(dtproc_syms_rtld(s, &rt), 0);
	EXPECT_EQ(rt.r_version, 2);
	for (i = 0; !dtproc_syms_object(s, i, &o); i++) {
		if (!strcmp(o.name, DLOPEN_LIB) && o.lmid == 1)
			found++;
		if (!strcmp(o.name, "libc.so.6"))
			libcs++;
	}
	EXPECT_EQ(found, 1);
	EXPECT_EQ(libcs, 2);	/* the new namespace has its own libc */
	ASSERT_EQ(dtproc_syms_lookup(s, DLOPEN_LIB "`cbrt", collect_fn, &c), 1);
	EXPECT_EQ(c.addr[0], acbrt);
	c.n = 0;
	EXPECT_EQ(dtproc_syms_lookup(s, "libc.so.6`malloc", collect_fn, &c), 2);
	EXPECT_NE(c.addr[0], c.addr[1]);
	dtproc_syms_close(s);
	victim_stop(&v);
}

/* An exec: the objects are the new program's, the generation goes up. */
TEST(symbols_exec)
{
	struct dtproc_object o;
	struct dtproc_rtld rt;
	struct dtproc_syms *s;
	struct victim v;
	char line[256];
	uint64_t gen;
	int i, ret = 0;

	if (access("/bin/busybox", X_OK))
		SKIP("no /bin/busybox");
	victim_start(&v, NULL);
	victim_ask(&v, 'a', line, sizeof(line));
	s = dtproc_syms_open(v.pid);
	ASSERT_TRUE(s);
	gen = dtproc_syms_generation(s);
	ASSERT_GE(find_object(s, "libc.so.6", &o), 0);
	ASSERT_EQ(fputc('x', v.in), 'x');
	ASSERT_EQ(fflush(v.in), 0);
	/* busybox cat echoes a line once it runs */
	ASSERT_GT(fprintf(v.in, "hello\n"), 0);
	ASSERT_EQ(fflush(v.in), 0);
	ASSERT_TRUE(fgets(line, sizeof(line), v.out));
	ASSERT_STREQ(line, "hello\n");
	for (i = 0; i < 3 && ret != 1; i++)
		ret = dtproc_syms_refresh(s);
	ASSERT_EQ(ret, 1);
	EXPECT_GT(dtproc_syms_generation(s), gen);
	ASSERT_EQ(dtproc_syms_rtld(s, &rt), 0);
	EXPECT_EQ(rt.source, DTPROC_SYMS_MAPS);
	EXPECT_LT(find_object(s, "libc.so.6", &o), 0);
	ASSERT_EQ(find_object(s, "a.out", &o), 0);
	EXPECT_TRUE(strstr(o.path, "busybox"));
	dtproc_syms_close(s);
	victim_stop(&v);
}

/* The file behind an address: the identity the kernel will resolve to. */
TEST(symbols_mapping)
{
	struct dtproc_mapping m;
	struct dtproc_object o;
	struct dtproc_syms *s;
	struct collect c = { 0 };
	struct victim v;
	char line[256];
	uint64_t addr;

	victim_start(&v, NULL);
	victim_ask(&v, 'a', line, sizeof(line));
	s = dtproc_syms_open(v.pid);
	ASSERT_TRUE(s);
	ASSERT_EQ(dtproc_syms_lookup(s, "libc.so.6`malloc", collect_fn, &c), 1);
	addr = c.addr[0];
	ASSERT_EQ(dtproc_syms_mapping(s, addr, &m), 0);
	ASSERT_GE(find_object(s, "libc.so.6", &o), 0);
	EXPECT_EQ(m.dev, o.dev);
	EXPECT_EQ(m.ino, o.ino);
	EXPECT_TRUE(m.prot & 4);	/* PROT_EXEC */
	EXPECT_TRUE(strstr(m.path, "libc.so.6"));
	/* libc's text: file offset == ELF vaddr on Debian's layout */
	EXPECT_EQ(m.file_offset, addr - o.base);
	EXPECT_EQ(dtproc_syms_mapping(s, 8, &m), -ENOENT);
	dtproc_syms_close(s);
	victim_stop(&v);
}

/* A static program: objects from /proc/PID/maps, named a.out. */
static void check_static(char *const argv[], const char *func)
{
	struct dtproc_object o;
	struct dtproc_rtld rt;
	struct dtproc_evaltimes ev;
	struct dtproc_syms *s;
	struct collect c = { 0 };
	struct victim v;
	char name[256];

	victim_start(&v, argv);
	/*
	 * Wait until the program runs: it echoes a line.  (/proc/PID/exe
	 * changes before the exec has set up the new auxv and mappings.)
	 */
	ASSERT_GT(fprintf(v.in, "hello\n"), 0);
	ASSERT_EQ(fflush(v.in), 0);
	ASSERT_TRUE(fgets(name, sizeof(name), v.out));
	ASSERT_STREQ(name, "hello\n");
	s = dtproc_syms_open(v.pid);
	if (!s)
		TH_LOG("%s", dtproc_errmsg());
	ASSERT_TRUE(s);
	ASSERT_EQ(dtproc_syms_rtld(s, &rt), 0);
	EXPECT_EQ(rt.source, DTPROC_SYMS_MAPS);
	EXPECT_EQ(rt.r_brk, 0);
	ASSERT_EQ(find_object(s, "a.out", &o), 0);
	EXPECT_TRUE(o.start < o.end);
	ASSERT_EQ(dtproc_syms_evaltimes(s, &ev), 0);
	EXPECT_NE(ev.postinit, 0);
	EXPECT_EQ(ev.exec, ev.postinit);
	EXPECT_EQ(ev.preinit, ev.postinit);
	dtproc_syms_addr(s, ev.postinit, NULL, name, sizeof(name));
	TH_LOG("static %s: entry %s, %u symbols (%s)", argv[0], name, o.nsyms,
	       o.symtab);
	if (func) {
		ASSERT_EQ(dtproc_syms_lookup(s, func, collect_fn, &c), 1);
		dtproc_syms_addr(s, c.addr[0] + 2, NULL, name, sizeof(name));
		EXPECT_TRUE(strstr(name, "a.out`") == name);
		EXPECT_TRUE(strstr(name, "+0x2"));
		EXPECT_EQ(ev.main, c.addr[0]);
	} else {
		EXPECT_TRUE(strstr(name, "a.out`0x") == name);
	}
	dtproc_syms_close(s);
	victim_stop(&v);
}

TEST(symbols_static_busybox)
{
	char *argv[] = { "/bin/busybox", "cat", NULL };

	if (access(argv[0], X_OK))
		SKIP("no %s", argv[0]);
	check_static(argv, NULL);
}

/* --- evaltimes, checked under ptrace --- */

static long bp_insert(pid_t pid, uint64_t addr)
{
	long word, orig;

	errno = 0;
	orig = ptrace(PTRACE_PEEKTEXT, pid, (void *)addr, NULL);
	ASSERT_EQ(errno, 0);
	word = (orig & ~0xffL) | 0xcc;
	ASSERT_OK(ptrace(PTRACE_POKETEXT, pid, (void *)addr, (void *)word));
	return orig;
}

static void bp_remove(pid_t pid, uint64_t addr, long orig)
{
	ASSERT_OK(ptrace(PTRACE_POKETEXT, pid, (void *)addr, (void *)orig));
}

/* Continue to the next int3; returns its address. */
static uint64_t bp_wait(pid_t pid)
{
	struct user_regs_struct r;
	int st;

	ASSERT_OK(ptrace(PTRACE_CONT, pid, NULL, NULL));
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGTRAP)
		DT_FAIL(1, "victim did not trap (status 0x%x)", st);
	ASSERT_OK(ptrace(PTRACE_GETREGS, pid, NULL, &r));
	return r.rip - 1;
}

/* Back up over the int3 at @addr, run its instruction, put it back. */
static void bp_step_over(pid_t pid, uint64_t addr, long orig)
{
	struct user_regs_struct r;
	int st;

	ASSERT_OK(ptrace(PTRACE_GETREGS, pid, NULL, &r));
	r.rip = addr;
	ASSERT_OK(ptrace(PTRACE_SETREGS, pid, NULL, &r));
	bp_remove(pid, addr, orig);
	ASSERT_OK(ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL));
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT_TRUE(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP);
	bp_insert(pid, addr);
}

TEST(symbols_evaltimes)
{
	struct user_regs_struct r;
	struct dtproc_evaltimes ev, ev2;
	struct dtproc_object o;
	struct dtproc_rtld rt;
	struct dtproc_syms *s;
	long orig_pre, orig_post, orig_lsm;
	uint64_t hit;
	char name[256];
	pid_t pid;
	int st, hits = 0;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char *self[] = { "symbols_victim", NULL };

		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		setenv(VICTIM_ENV, "1", 1);
		execv("/proc/self/exe", self);
		_exit(127);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT_TRUE(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP);
	ASSERT_OK(ptrace(PTRACE_GETREGS, pid, NULL, &r));

	/* exec: ld.so has not run; objects come from the maps */
	s = dtproc_syms_open(pid);
	if (!s)
		TH_LOG("%s", dtproc_errmsg());
	ASSERT_TRUE(s);
	ASSERT_EQ(dtproc_syms_rtld(s, &rt), 0);
	EXPECT_EQ(rt.source, DTPROC_SYMS_MAPS);
	EXPECT_EQ(rt.r_debug, 0);
	EXPECT_GE(find_object(s, "a.out", &o), 0);
	EXPECT_LT(find_object(s, "libc.so.6", &o), 0);
	ASSERT_EQ(dtproc_syms_evaltimes(s, &ev), 0);
	EXPECT_EQ(ev.exec, r.rip);
	dtproc_syms_addr(s, ev.exec, NULL, name, sizeof(name));
	TH_LOG("exec 0x%" PRIx64 " %s", ev.exec, name);
	EXPECT_TRUE(strstr(name, "ld-linux") == name);
	ASSERT_NE(ev.preinit, 0);
	dtproc_syms_addr(s, ev.preinit, NULL, name, sizeof(name));
	EXPECT_TRUE(strstr(name, "`_dl_debug_state"));
	EXPECT_EQ(ev.preinit, rt.r_brk);
	ASSERT_NE(ev.postinit, 0);
	EXPECT_EQ(ev.libc_start_main, 0);	/* libc is not mapped yet */

	/* preinit: r_brk, until r_state is RT_CONSISTENT */
	orig_pre = bp_insert(pid, ev.preinit);
	for (;;) {
		hit = bp_wait(pid);
		ASSERT_EQ(hit, ev.preinit);
		hits++;
		ASSERT_EQ(dtproc_syms_rtld(s, &rt), 0);
		ASSERT_NE(rt.r_debug, 0);
		if (rt.r_state == 0)
			break;
		ASSERT_LT(hits, 10);
		bp_step_over(pid, ev.preinit, orig_pre);
	}
	TH_LOG("preinit: RT_CONSISTENT at hit %d of r_brk", hits);
	ASSERT_EQ(dtproc_syms_refresh(s), 1);
	ASSERT_EQ(dtproc_syms_rtld(s, &rt), 0);
	EXPECT_EQ(rt.source, DTPROC_SYMS_LINKMAP);
	EXPECT_EQ(rt.r_brk, ev.preinit);
	ASSERT_GE(find_object(s, "libc.so.6", &o), 0);
	ASSERT_EQ(dtproc_syms_evaltimes(s, &ev2), 0);
	EXPECT_EQ(ev2.exec, ev.exec);
	EXPECT_EQ(ev2.postinit, ev.postinit);
	ASSERT_NE(ev2.libc_start_main, 0);
	ASSERT_NE(ev2.main, 0);
	bp_step_over(pid, ev.preinit, orig_pre);
	bp_remove(pid, ev.preinit, orig_pre);

	/* postinit (AT_ENTRY) comes first, then __libc_start_main(main, ...) */
	orig_post = bp_insert(pid, ev.postinit);
	orig_lsm = bp_insert(pid, ev2.libc_start_main);
	hit = bp_wait(pid);
	EXPECT_EQ(hit, ev.postinit);
	bp_step_over(pid, ev.postinit, orig_post);
	bp_remove(pid, ev.postinit, orig_post);
	hit = bp_wait(pid);
	ASSERT_EQ(hit, ev2.libc_start_main);
	ASSERT_OK(ptrace(PTRACE_GETREGS, pid, NULL, &r));
	EXPECT_EQ(r.rdi, ev2.main);
	dtproc_syms_addr(s, r.rdi, NULL, name, sizeof(name));
	ASSERT_STREQ(name, "a.out`main");
	(void)orig_lsm;

	dtproc_syms_close(s);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

/* Threads, each with its own dtproc_syms, sharing the cached tables. */
struct thread_arg {
	pid_t		pid;
	uint64_t	func_addr;
	int		bad;
};

static void *syms_thread(void *p)
{
	struct thread_arg *a = p;
	char name[256];
	int i;

	for (i = 0; i < 50; i++) {
		struct dtproc_syms *s = dtproc_syms_open(a->pid);
		struct collect c = { 0 };

		if (!s) {
			a->bad++;
			continue;
		}
		if (dtproc_syms_lookup(s, "libc.so.6`mall*", collect_fn, &c) < 1 ||
		    find_name(&c, "libc.so.6`malloc") < 0)
			a->bad++;
		c.n = 0;
		if (dtproc_syms_lookup(s, "syms_victim_f*", collect_fn, &c) != 1 ||
		    c.addr[0] != a->func_addr)
			a->bad++;
		dtproc_syms_addr(s, a->func_addr + 3, NULL, name, sizeof(name));
		if (strcmp(name, "a.out`syms_victim_func+0x3"))
			a->bad++;
		dtproc_syms_close(s);
	}
	return NULL;
}

TEST(symbols_threads)
{
	struct thread_arg a[4];
	pthread_t t[4];
	unsigned long amain, afunc, amalloc;
	struct victim v;
	char line[256];
	int i;

	victim_start(&v, NULL);
	victim_ask(&v, 'a', line, sizeof(line));
	ASSERT_EQ(sscanf(line, "%lx %lx %lx", &amain, &afunc, &amalloc), 3);
	for (i = 0; i < 4; i++) {
		a[i] = (struct thread_arg){ v.pid, afunc, 0 };
		ASSERT_EQ(pthread_create(&t[i], NULL, syms_thread, &a[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(pthread_join(t[i], NULL), 0);
		EXPECT_EQ(a[i].bad, 0);
	}
	victim_stop(&v);
}

/* Numbers: load libc's table, lookups per second. */
TEST(symbols_numbers)
{
	struct dtproc_syms *s;
	struct collect c;
	struct victim v;
	char line[256], name[256];
	uint64_t malloc_addr;
	double t0, t1;
	int i;

	victim_start(&v, NULL);
	victim_ask(&v, 'a', line, sizeof(line));
	t0 = now_s();
	s = dtproc_syms_open(v.pid);	/* nothing cached in this process */
	t1 = now_s();
	ASSERT_TRUE(s);
	TH_LOG("open (every object's symbols, cold): %.2f ms", (t1 - t0) * 1e3);
	{
		struct dtproc_syms *s2;

		t0 = now_s();
		s2 = dtproc_syms_open(v.pid);	/* tables cached */
		t1 = now_s();
		ASSERT_TRUE(s2);
		TH_LOG("open again (tables cached): %.2f ms", (t1 - t0) * 1e3);
		dtproc_syms_close(s2);
	}
	c.n = 0;
	ASSERT_EQ(dtproc_syms_lookup(s, "libc.so.6`malloc", collect_fn, &c), 1);
	malloc_addr = c.addr[0];
	t0 = now_s();
	for (i = 0; i < 100000; i++) {
		c.n = 0;
		dtproc_syms_lookup(s, "libc.so.6`malloc", collect_fn, &c);
	}
	t1 = now_s();
	TH_LOG("exact lookups: %.0f/s", 100000 / (t1 - t0));
	t0 = now_s();
	for (i = 0; i < 1000; i++) {
		c.n = 0;
		dtproc_syms_lookup(s, "mall*", collect_fn, &c);
	}
	t1 = now_s();
	TH_LOG("glob lookups over every object: %.0f/s", 1000 / (t1 - t0));
	t0 = now_s();
	for (i = 0; i < 100000; i++)
		dtproc_syms_addr(s, malloc_addr + (i & 63), NULL, name, sizeof(name));
	t1 = now_s();
	TH_LOG("address to name: %.0f/s", 100000 / (t1 - t0));
	dtproc_syms_close(s);
	victim_stop(&v);
}
