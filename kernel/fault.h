/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection for the test builds (DTPROC_FAULT_INJECTION=y, which the
 * Makefile sets for the debug kernel's module only): the error paths of
 * control and breakpoints are driven from selftests/control_fault_test.c.
 *
 * dtproc_should_fail() stands before an allocation that may sleep.  With
 * /sys/module/dtproc/parameters/fail_nth at N > 0, the Nth such call made
 * by a thread of process fail_tgid (or by anyone, if fail_tgid is 0) says
 * yes, and fail_nth drops to 0: the same contract as the kernel's own
 * /proc/thread-self/fail-nth, which Debian's kernels do not build.  In
 * every other build it is a constant false and costs nothing.
 */
#ifndef DTPROC_FAULT_H
#define DTPROC_FAULT_H

#include <linux/types.h>

#ifdef DTPROC_FAULT_INJECTION
bool dtproc_should_fail(void);
#else
static inline bool dtproc_should_fail(void)
{
	return false;
}
#endif

#endif /* DTPROC_FAULT_H */
