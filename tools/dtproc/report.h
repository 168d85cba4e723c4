/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dtproc CLI: "dtproc report", the D examples of the DTrace guide's proc
 * provider chapter (whoexec, progtime, lwptime, sig) as built-in reports.
 */
#ifndef DTPROC_REPORT_H
#define DTPROC_REPORT_H

/*
 * dtproc report whoexec|progtime|lwptime|sig [-c CMD | -p PID | -T SECONDS]
 * @argv[0] is "report".  Returns the CLI's exit status: that of
 * session_run(), 1 on other failures, 2 on a command-line mistake.
 */
int cmd_report(int argc, char **argv);

#endif /* DTPROC_REPORT_H */
