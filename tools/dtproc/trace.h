/* SPDX-License-Identifier: GPL-2.0 */
/* dtproc CLI: "dtproc trace". */
#ifndef DTPROC_TRACE_H
#define DTPROC_TRACE_H

/* dtproc trace [-n PROBE[,PROBE...]] [-p PID] [-c CMD] [-j] [-T SECONDS] */
int cmd_trace(int argc, char **argv);

#endif /* DTPROC_TRACE_H */
