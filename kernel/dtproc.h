/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dtproc internal interfaces shared between the files of dtproc.ko.
 */
#ifndef _DTPROC_H
#define _DTPROC_H

#include <linux/types.h>
#include <linux/dtproc.h>

#define DTPROC_MODULE_VERSION	"0.1.0"

/* dev.c: the /dev/dtproc misc device */
int dtproc_dev_init(void);
void dtproc_dev_exit(void);

/* genl.c: the "dtproc" generic netlink family */
int dtproc_genl_init(void);
void dtproc_genl_exit(void);

#endif /* _DTPROC_H */
