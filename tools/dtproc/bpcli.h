/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dtproc CLI: what "dtproc count" and "dtproc break" share: the target
 * (-c CMD created and run to its evaltime, or -p PID grabbed), the
 * breakpoint set of its probes, and the loop reading the module's notes
 * until the target exits, -T passes or SIGINT.
 */
#ifndef DTPROC_BPCLI_H
#define DTPROC_BPCLI_H

#include <stdbool.h>
#include <sys/types.h>

#include <dtproc.h>

struct bp_target {
	/* options */
	const char	*cmd;		/* -c, as given */
	char		**argv;		/* -c, its words */
	pid_t		pid;		/* -p */
	int		evaltime;	/* -x evaltime=, DTPROC_EVALTIME_* */
	double		seconds;	/* -T, or 0 */
	/* the session */
	struct dtproc		*dp;
	struct dtproc_handle	*h;
	struct dtproc_bps	*bps;
	pid_t			target;
	bool			exited;	/* its DTPROC_NOTE_EXITED came */
	int			wstatus; /* -c: reaped, its wait status */
	bool			reaped;
	bool			left_stopped; /* a requested stop: not reaped */
	unsigned long long	lost;	/* notes lost (queue overflow) */
};

/* Option table entries of -c, -p and -x. */
#define BP_TARGET_OPTS							\
	{ 'c', "command", "CMD", "run CMD (split into words, no shell)", \
	  "-c './prog arg'" },						\
	{ 'p', "pid", "PID", "attach to process PID", "-p 1234" },	\
	{ 'x', "option", "OPT", "evaltime=exec|preinit|postinit|main (with -c; default postinit)", \
	  "-x evaltime=main" }

/* Take option -c, -p, -x or -T.  0, or CLI_EXIT_USAGE after saying why. */
int bp_target_opt(struct bp_target *t, int c, const char *arg);

/*
 * Check the operands (probes) and that there is a target: 0, or
 * CLI_EXIT_USAGE after saying why.
 */
int bp_target_check(struct bp_target *t, int nprobes, char **probes);

/*
 * Create or grab the target, stopped (at its evaltime), and place every
 * probe with @action.  0, or CLI_EXIT_FAIL after saying why (the target
 * let go: a created one killed).
 */
int bp_target_start(struct bp_target *t, int nprobes, char **probes,
		    unsigned int action);

/*
 * Called for each note of the target not the breakpoint set's own.  Return
 * 0 to go on, 1 to end the loop, or CLI_EXIT_FAIL + 1 on failure (said).
 */
typedef int bp_note_fn(struct bp_target *t, const struct dtproc_note *n,
		       void *arg);

/*
 * Continue the target and hand its notes to @fn until the target exits, -T
 * passes, SIGINT, or @fn ends it; every @tick_ms, @tick (may be NULL).
 * Returns 0, or CLI_EXIT_FAIL after saying why.
 */
int bp_target_loop(struct bp_target *t, bp_note_fn *fn,
		   void (*tick)(struct bp_target *t, void *arg), void *arg);

/* Probes per command: the set's entries say which matched in 64 bits. */
#define BP_MAX_PROBES	63

/*
 * Say which of the @nprobes probes never matched a function in any object
 * the target had or loaded: CLI_EXIT_FAIL if one did not, else 0.
 */
int bp_target_unmatched(struct bp_target *t, int nprobes, char **probes);

/*
 * Let the target go (a created one is killed unless it was made a
 * requested stop: then set left_stopped) and return the exit status: with
 * -c, CMD's (128 + N if signal N killed it), else 0; @status if not 0.
 */
int bp_target_end(struct bp_target *t, int status);

#endif /* DTPROC_BPCLI_H */
