// SPDX-License-Identifier: GPL-2.0
/*
 * libdtproc's breakpoint calls (LIBDTPROC_1.2) in a guest: dtproc_status
 * of LIBDTPROC_1 never writes past the struct a program built before knew;
 * dtproc_create_at() stops at each evaltime where dtproc(8) says (exec:
 * the create stop; postinit: AT_ENTRY; preinit: r_brk with r_state
 * RT_CONSISTENT; main: main); a breakpoint where no file is mapped is
 * EINVAL with a message saying so; hit counts and stop info.  The victim is
 * bp_victim (selftests/victims/).  Tests of breakpoints skip when the
 * module has none (ABI 1: ENOTTY).
 */
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/ioctl.h>

#include <dtproc.h>

#include "harness.h"

/* dtproc_status as a program linked against LIBDTPROC_1 calls it */
__asm__(".symver dtproc_status_v1_caller, dtproc_status@LIBDTPROC_1");
int dtproc_status_v1_caller(struct dtproc_handle *h, void *st,
			    unsigned int flags);

static void need_breakpoints(void)
{
	struct dtproc_bp bp = { .size = sizeof(bp), .pid = 0 };
	int fd = open("/dev/dtproc", O_RDWR | O_CLOEXEC);
	int ret, err;

	ASSERT_GE(fd, 0);
	ret = ioctl(fd, DTPROC_IOC_BP_ADD, &bp);
	err = errno;
	close(fd);
	ASSERT_NE(ret, 0);
	if (err == ENOTTY)
		SKIP("dtproc.ko has no breakpoints (DTPROC_IOC_BP_ADD: ENOTTY)");
}

static void reap(struct dtproc *dp, pid_t pid)
{
	dtproc_close(dp);	/* kills a created victim */
	waitpid(pid, NULL, 0);
}

TEST(status_of_libdtproc_1_never_overruns)
{
	char *argv[] = { "bp_victim", "calls", "1", "1", NULL };
	unsigned char buf[DTPROC_STATUS_SIZE_VER1 + 16];
	struct dtproc_status st;
	struct dtproc_handle *h;
	struct dtproc *dp;
	pid_t pid;
	size_t i;

	dp = dtproc_open();
	ASSERT_TRUE(dp);
	h = dtproc_create(dp, "bp_victim", argv);
	ASSERT_TRUE(h);
	pid = dtproc_handle_pid(h);
	memset(buf, 0xaa, sizeof(buf));
	ASSERT_EQ(dtproc_status_v1_caller(h, buf, 0), 0);
	for (i = DTPROC_STATUS_SIZE_VER1; i < sizeof(buf); i++)
		EXPECT_EQ(buf[i], 0xaa);
	memcpy(&st, buf, DTPROC_STATUS_SIZE_VER1);
	EXPECT_EQ(st.size, DTPROC_STATUS_SIZE_VER1);
	EXPECT_EQ(st.state, DTPROC_STATE_STOPPED);
	EXPECT_EQ(st.why, DTPROC_STOP_CREATE);
	/* today's callers get the whole struct */
	memset(&st, 0xaa, sizeof(st));
	ASSERT_EQ(dtproc_status(h, &st, DTPROC_STATUS_WAIT), 0);
	EXPECT_EQ(st.size, sizeof(st));
	EXPECT_EQ(st.bp_id, 0);
	EXPECT_EQ(st.bp_tid, 0);
	reap(dp, pid);
}

/* AT_ENTRY of @pid, from /proc/PID/auxv. */
static uint64_t at_entry(pid_t pid)
{
	char path[64];
	Elf64_auxv_t a;
	uint64_t v = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/auxv", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	while (read(fd, &a, sizeof(a)) == sizeof(a) && a.a_type != AT_NULL)
		if (a.a_type == AT_ENTRY)
			v = a.a_un.a_val;
	close(fd);
	return v;
}

static int first_addr(const struct dtproc_sym *sym, void *arg)
{
	*(uint64_t *)arg = sym->addr;
	return 1;
}

TEST_TIMEOUT(create_at_each_evaltime, 300)
{
	char *argv[] = { "bp_victim", "early", NULL };
	struct dtproc_stopinfo si = { .size = sizeof(si) };
	struct dtproc_handle *h;
	struct dtproc_syms *s;
	struct dtproc_rtld rt;
	struct dtproc *dp;
	uint64_t main_addr;
	pid_t pid;
	int e;

	need_breakpoints();
	for (e = DTPROC_EVALTIME_EXEC; e <= DTPROC_EVALTIME_MAIN; e++) {
		dp = dtproc_open();
		ASSERT_TRUE(dp);
		h = dtproc_create_at(dp, "bp_victim", argv, e);
		if (!h)
			TH_LOG("%s: %s", dtproc_evaltime_name(e), dtproc_errmsg());
		ASSERT_TRUE(h);
		pid = dtproc_handle_pid(h);
		ASSERT_EQ(dtproc_stop_info(h, &si, DTPROC_STATUS_WAIT), 0);
		EXPECT_EQ(si.state, DTPROC_STATE_STOPPED);
		s = dtproc_syms_open(pid);
		ASSERT_TRUE(s);
		TH_LOG("%s: why %u tid %d addr 0x%" PRIx64, dtproc_evaltime_name(e),
		       si.why, si.tid, si.addr);
		switch (e) {
		case DTPROC_EVALTIME_EXEC:
			EXPECT_EQ(si.why, DTPROC_STOP_CREATE);
			break;
		case DTPROC_EVALTIME_PREINIT:
			EXPECT_EQ(si.why, DTPROC_STOP_BREAK);
			ASSERT_EQ(dtproc_syms_rtld(s, &rt), 0);
			EXPECT_EQ(si.addr, rt.r_brk);
			EXPECT_EQ(rt.r_state, 0);	/* RT_CONSISTENT */
			EXPECT_NE(rt.r_debug, 0);
			break;
		case DTPROC_EVALTIME_POSTINIT:
			EXPECT_EQ(si.why, DTPROC_STOP_BREAK);
			EXPECT_EQ(si.addr, at_entry(pid));
			break;
		case DTPROC_EVALTIME_MAIN:
			EXPECT_EQ(si.why, DTPROC_STOP_BREAK);
			main_addr = 0;
			EXPECT_EQ(dtproc_syms_lookup(s, "a.out`main", first_addr,
						     &main_addr), 1);
			EXPECT_EQ(si.addr, main_addr);
			break;
		}
		if (e != DTPROC_EVALTIME_EXEC)
			EXPECT_EQ(si.tid, pid);
		/* the library's own breakpoints are gone */
		EXPECT_EQ(dtproc_bp_list(h, NULL, 0, 0), 0);
		dtproc_syms_close(s);
		reap(dp, pid);
	}
	EXPECT_EQ(dtproc_evaltime_id("preinit"), DTPROC_EVALTIME_PREINIT);
	EXPECT_EQ(dtproc_evaltime_id("later"), -EINVAL);
	EXPECT_TRUE(strstr(dtproc_errmsg(), "no evaltime 'later'") != NULL);
}

TEST_TIMEOUT(bp_where_no_file_is_mapped_is_einval, 120)
{
	char *argv[] = { "bp_victim", "calls", "1", "1", NULL };
	struct dtproc_handle *h;
	struct dtproc_syms *s;
	struct dtproc *dp;
	uint64_t addr = 0;
	uint32_t id = 0;
	pid_t pid;

	need_breakpoints();
	dp = dtproc_open();
	ASSERT_TRUE(dp);
	h = dtproc_create_at(dp, "bp_victim", argv, DTPROC_EVALTIME_MAIN);
	ASSERT_TRUE(h);
	pid = dtproc_handle_pid(h);
	/* an address in no mapping at all, then one of an anonymous mapping */
	EXPECT_EQ(dtproc_bp_add(h, 0x1000, DTPROC_BP_COUNT, 0, &id), -EINVAL);
	EXPECT_TRUE(strstr(dtproc_errmsg(), "no file is mapped there") != NULL);
	/* a real one: counted, listed, removed */
	s = dtproc_syms_open(pid);
	ASSERT_TRUE(s);
	ASSERT_EQ(dtproc_syms_lookup(s, "a.out`bp_work", first_addr, &addr), 1);
	ASSERT_EQ(dtproc_bp_add(h, addr, DTPROC_BP_COUNT, 0, &id), 0);
	EXPECT_NE(id, 0);
	EXPECT_EQ(dtproc_bp_add(h, addr, DTPROC_BP_COUNT, 0, NULL), -EEXIST);
	{
		struct dtproc_breakpoint b[2];

		EXPECT_EQ(dtproc_bp_list(h, b, 2, sizeof(b[0])), 1);
		EXPECT_EQ(b[0].id, id);
		EXPECT_EQ(b[0].addr, addr);
		EXPECT_EQ(b[0].hits, 0);
	}
	ASSERT_EQ(dtproc_bp_del(h, id), 0);
	EXPECT_EQ(dtproc_bp_del(h, id), -ENOENT);
	dtproc_syms_close(s);
	reap(dp, pid);
}
