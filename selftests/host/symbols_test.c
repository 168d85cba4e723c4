// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side tests of the symbol layer (lib/rtld.c, lib/symtab.c,
 * lib/symbols.c): every test of selftests/symbols_test.c (no module
 * needed), plus victims gcc builds here: a static and a static-pie program
 * (objects from /proc/PID/maps) and a stripped PIE, whose main is found
 * only as __libc_start_main's first argument.
 */
#include "../symbols_test.c"

static const char victim_src[] =
	"#include <unistd.h>\n"
	"int victim_static(int x) { volatile int y = x; return y * 7 + 1; }\n"
	"int main(void) { char c; while (read(0, &c, 1) == 1) write(1, &c, 1);\n"
	"  return victim_static(3) == 22 ? 0 : 1; }\n";

static char victim_dir[] = "/tmp/dtproc-syms-XXXXXX";

static void victim_dir_remove(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", victim_dir);
	if (system(cmd))
		TH_LOG("could not remove %s", victim_dir);
}

/* Build victim_src with @flags into @bin; skip if the toolchain cannot. */
static void build_victim(const char *flags, char *bin, size_t len)
{
	char *dir = victim_dir, src[64], cmd[512];
	FILE *f;

	ASSERT_TRUE(mkdtemp(dir));
	snprintf(src, sizeof(src), "%s/victim.c", dir);
	snprintf(bin, len, "%s/victim", dir);
	f = fopen(src, "w");
	ASSERT_TRUE(f);
	fputs(victim_src, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "${CC:-gcc} -O1 %s -o %s %s 2>&1", flags,
		 bin, src);
	if (system(cmd)) {
		victim_dir_remove();
		SKIP("cannot build a victim with '%s' (no libc.a?)", flags);
	}
}

TEST(host_static)
{
	char bin[128];
	char *argv[] = { bin, NULL };

	build_victim("-static", bin, sizeof(bin));
	check_static(argv, "a.out`main");
	victim_dir_remove();
}

TEST(host_static_pie)
{
	char bin[128];
	char *argv[] = { bin, NULL };

	build_victim("-static-pie", bin, sizeof(bin));
	check_static(argv, "a.out`main");
	victim_dir_remove();
}

/* Stripped: no a.out`main, but __libc_start_main's rdi is main. */
TEST(host_stripped_main)
{
	struct user_regs_struct r;
	struct dtproc_evaltimes ev;
	struct dtproc_object o;
	struct dtproc_rtld rt;
	struct dtproc_syms *s;
	char bin[128], name[256];
	long orig;
	pid_t pid;
	int st;

	build_victim("-s -pie -fPIE", bin, sizeof(bin));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execl(bin, bin, NULL);
		_exit(127);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT_TRUE(WIFSTOPPED(st));
	s = dtproc_syms_open(pid);
	ASSERT_TRUE(s);
	ASSERT_EQ(dtproc_syms_evaltimes(s, &ev), 0);
	orig = bp_insert(pid, ev.preinit);
	do {
		ASSERT_EQ(bp_wait(pid), ev.preinit);
		ASSERT_EQ(dtproc_syms_rtld(s, &rt), 0);
		if (rt.r_state)
			bp_step_over(pid, ev.preinit, orig);
	} while (rt.r_state);
	bp_step_over(pid, ev.preinit, orig);
	bp_remove(pid, ev.preinit, orig);
	ASSERT_EQ(dtproc_syms_refresh(s), 1);
	ASSERT_GE(find_object(s, "a.out", &o), 0);
	ASSERT_STREQ(o.symtab, ".dynsym");
	ASSERT_EQ(dtproc_syms_evaltimes(s, &ev), 0);
	EXPECT_EQ(ev.main, 0);
	ASSERT_NE(ev.libc_start_main, 0);
	bp_insert(pid, ev.libc_start_main);
	ASSERT_EQ(bp_wait(pid), ev.libc_start_main);
	ASSERT_OK(ptrace(PTRACE_GETREGS, pid, NULL, &r));
	dtproc_syms_addr(s, r.rdi, NULL, name, sizeof(name));
	TH_LOG("stripped main at 0x%llx = %s", r.rdi, name);
	EXPECT_TRUE(r.rdi >= o.start && r.rdi < o.end);
	EXPECT_TRUE(strstr(name, "a.out`0x") == name);
	dtproc_syms_close(s);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	victim_dir_remove();
}
