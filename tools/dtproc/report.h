/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dtproc CLI: "dtproc report", the D examples of the DTrace guide's proc
 * provider chapter (whoexec, progtime, lwptime, sig) as built-in reports.
 */
#ifndef DTPROC_REPORT_H
#define DTPROC_REPORT_H

/*
 * dtproc report tree|whoexec|progtime|lwptime|sig [-c CMD | -p PID | -T SECONDS]
 * @argv[0] is "report".  Returns the CLI's exit status: that of
 * session_run(), 1 on other failures, 2 on a command-line mistake.
 */
int cmd_report(int argc, char **argv);

struct session_opts;

/*
 * dtproc report tree (-c CMD | -p PID) [-T SECONDS] [--svg FILE]
 * (tree_report.c).  Returns the CLI's exit status.
 */
int tree_report(struct session_opts *o, const char *svg);

#endif /* DTPROC_REPORT_H */
