/* SPDX-License-Identifier: GPL-2.0 */
/* dtproc CLI: "dtproc count" (count.c) and "dtproc break" (break.c). */
#ifndef DTPROC_BP_H
#define DTPROC_BP_H

int cmd_count(int argc, char **argv);
int cmd_break(int argc, char **argv);

#endif /* DTPROC_BP_H */
