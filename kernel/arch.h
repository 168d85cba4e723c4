/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything of dtproc.ko that is x86-64's, in one place: the names of the
 * system call entry points the hooks are placed on, where those entry
 * points find their arguments, the 32-bit address-space flag, the trap
 * numbers and syscall numbers of the other ABIs.  Any other architecture
 * stops here with one line saying so, rather than at the first x86 name
 * deep inside another file.  Porting means filling this file in for the
 * new architecture (and bp.c's breakpoint argument read, which is under
 * CONFIG_X86_64 there).
 */
#ifndef _DTPROC_ARCH_H
#define _DTPROC_ARCH_H

#ifndef CONFIG_X86_64
#error "dtproc supports x86-64 only: it hooks x86-64 syscall entry points and registers"
#endif

#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/signal.h>
#include <linux/dtproc.h>
#include <asm/syscall.h>
#include <asm/trapnr.h>
#include <asm/unistd.h>

/*
 * Symbol names of the system call entry points (ARCH_HAS_SYSCALL_WRAPPER):
 * native, ia32 (int $0x80, sysenter) and x32 (__x64_compat_*).
 */
#define DTPROC_ARCH_SYS(name)		"__x64_sys_" #name
#define DTPROC_ARCH_IA32_SYS(name)	"__ia32_compat_sys_" #name
#define DTPROC_ARCH_X32_SYS(name)	"__x64_compat_sys_" #name

/*
 * At an entry point: the user's registers, which the syscall wrappers take
 * as their one argument.
 */
static inline struct pt_regs *dtproc_arch_syscall_user_regs(struct pt_regs *regs)
{
	return (struct pt_regs *)regs_get_kernel_argument(regs, 0);
}

/*
 * Where in those registers (regs_get_register() offsets) a system call's
 * first and second arguments are: rdi, rsi natively (and for x32); ebx,
 * ecx for ia32.
 */
#define DTPROC_ARCH_SYSCALL_ARG0	offsetof(struct pt_regs, di)
#define DTPROC_ARCH_SYSCALL_ARG1	offsetof(struct pt_regs, si)
#define DTPROC_ARCH_IA32_SYSCALL_ARG0	offsetof(struct pt_regs, bx)
#define DTPROC_ARCH_IA32_SYSCALL_ARG1	offsetof(struct pt_regs, cx)

/* Does @t run a 32-bit image (psinfo's dmodel)? */
static inline bool dtproc_arch_task_is_32bit(struct task_struct *t)
{
	return test_tsk_thread_flag(t, TIF_ADDR32);
}

/*
 * An SI_KERNEL signal is a fault only when it comes from one of the x86
 * traps that send one (#GP, #TS, #OF, #BR: SIGSEGV; #NP, #SS: SIGBUS;
 * int3: SIGTRAP), not when the kernel makes it for another reason (a
 * signal frame it cannot build, a bad sigreturn frame, rseq, an exec that
 * failed past its point of no return, ...).  Such a trap sets the thread's
 * trap_nr and error_code right before it sends the signal, and its entry
 * code leaves -1 in the frame's orig_ax, where a system call keeps its
 * number: a trap_nr left over from an earlier trap does not make a signal
 * the kernel makes in a later system call a fault (one made on the way
 * back to user mode from an interrupt still can be taken for one).
 * Returns the fault code, or 0.
 */
static inline u32 dtproc_arch_trap_fault(int sig)
{
	const struct thread_struct *th = &current->thread;
	long frame_code = task_pt_regs(current)->orig_ax;
	unsigned long trap_nr = READ_ONCE(th->trap_nr);
	long error_code = READ_ONCE(th->error_code);
	bool has_error_code;
	int trap_sig;
	u32 fault;

	switch (trap_nr) {
	case X86_TRAP_GP:
	case X86_TRAP_TS:
		trap_sig = SIGSEGV;
		fault = DTPROC_FLTPRIV;
		has_error_code = true;
		break;
	case X86_TRAP_NP:
	case X86_TRAP_SS:
		trap_sig = SIGBUS;
		fault = DTPROC_FLTACCESS;
		has_error_code = true;
		break;
	case X86_TRAP_OF:
		trap_sig = SIGSEGV;
		fault = DTPROC_FLTIOVF;
		has_error_code = false;
		break;
	case X86_TRAP_BR:
		trap_sig = SIGSEGV;
		fault = DTPROC_FLTBOUNDS;
		has_error_code = false;
		break;
	case X86_TRAP_BP:
		trap_sig = SIGTRAP;
		fault = DTPROC_FLTBPT;
		has_error_code = false;
		break;
	default:
		return 0;
	}
	if (sig != trap_sig)
		return 0;
	if (frame_code != -1 || (!has_error_code && error_code))
		return 0;
	return fault;
}

/* ia32 and x32 numbers of rt_sigqueueinfo and rt_tgsigqueueinfo */
#define DTPROC_IA32_RT_SIGQUEUEINFO	178
#define DTPROC_IA32_RT_TGSIGQUEUEINFO	335
#define DTPROC_X32_RT_SIGQUEUEINFO	524
#define DTPROC_X32_RT_TGSIGQUEUEINFO	536

/*
 * Is the current task inside a system call that queues a caller-made
 * siginfo?  Such a siginfo may carry a fault's si_code (to oneself, the
 * kernel allows it), but no machine fault happened.  Every ABI's entry
 * points count: native, ia32 and x32 (which any x86-64 process may call
 * with __X32_SYSCALL_BIT in the number).  A fault taken in user mode
 * leaves -1 where a system call number would be.
 */
static inline bool dtproc_arch_in_sigqueue_syscall(void)
{
	long nr = syscall_get_nr(current, task_pt_regs(current));

	if (nr < 0)
		return false;
	if (in_ia32_syscall())
		return nr == DTPROC_IA32_RT_SIGQUEUEINFO ||
		       nr == DTPROC_IA32_RT_TGSIGQUEUEINFO ||
		       nr == __NR_pidfd_send_signal;
	if (nr & __X32_SYSCALL_BIT) {
		nr &= ~__X32_SYSCALL_BIT;
		return nr == DTPROC_X32_RT_SIGQUEUEINFO ||
		       nr == DTPROC_X32_RT_TGSIGQUEUEINFO ||
		       nr == __NR_pidfd_send_signal;
	}
	return nr == __NR_rt_sigqueueinfo || nr == __NR_rt_tgsigqueueinfo ||
	       nr == __NR_pidfd_send_signal;
}

#endif /* _DTPROC_ARCH_H */
