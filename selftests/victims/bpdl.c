// SPDX-License-Identifier: GPL-2.0
/* libbpdl.so: the library bp_victim dlopens and dlcloses (cli_bp_test). */

__attribute__((noinline, optimize("O0"))) void bpdl_func(void)
{
	__asm__ volatile("" ::: "memory");
}
