// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side tests of tools/dtproc/probe.c: the syntax of a breakpoint
 * probe, [OBJECT`]FUNCTION[+OFFSET], checked before anything runs.
 */
#include <string.h>

#include "probe.h"

#include "harness.h"

static const char *check(const char *probe)
{
	static char err[256];

	if (probe_check(probe, err, sizeof(err)) == 0)
		return "ok";
	return err;
}

TEST(well_formed)
{
	static const char *const good[] = {
		"main", "a.out`main", "libc.so.6`malloc", "a.out`main+4",
		"a.out`main+0x1f", "*`*alloc", "lib*.so*`str[a-c]*", "f+0",
		"a.out`*",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (strcmp(check(good[i]), "ok"))
			DT_FAIL(0, "'%s' refused: %s", good[i], check(good[i]));
}

TEST(mistakes_are_explained)
{
	EXPECT_TRUE(strstr(check("a``b"), "has two '`'") != NULL);
	EXPECT_TRUE(strstr(check("a`b`c"), "has two '`'") != NULL);
	EXPECT_TRUE(strstr(check("`main"), "names no object") != NULL);
	EXPECT_TRUE(strstr(check("a.out`"), "names no function") != NULL);
	EXPECT_TRUE(strstr(check(""), "names no function") != NULL);
	EXPECT_TRUE(strstr(check("a.out`+4"), "names no function") != NULL);
	EXPECT_TRUE(strstr(check("main+"), "bad offset ''") != NULL);
	EXPECT_TRUE(strstr(check("main+zz"), "bad offset 'zz'") != NULL);
	EXPECT_TRUE(strstr(check("main+0x"), "bad offset '0x'") != NULL);
	EXPECT_TRUE(strstr(check("main+12g"), "bad offset '12g'") != NULL);
	EXPECT_TRUE(strstr(check("main+0x1+2"), "bad offset") != NULL);
}
