/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * dtproc: DTrace process control and the proc provider for Linux.
 *
 * This header is the whole userspace ABI of dtproc.ko.  It has two halves.
 *
 * 1. The character device /dev/dtproc (mode 0600, root only).
 *
 *    Control requests are ioctl(2) calls on an open file descriptor.  Every
 *    argument is a structure made only of fixed-width fields, with explicit
 *    padding that must be zero.  Every argument structure starts with a
 *    __u32 @size that the caller sets to sizeof() of the structure it was
 *    compiled with; this makes the structures extensible:
 *
 *      - @size smaller than the first published version of the structure
 *        (DTPROC_*_SIZE_VER0) fails with EINVAL;
 *      - @size larger than the kernel knows is accepted only if every byte
 *        the kernel does not know is zero, and fails with EINVAL otherwise
 *        (a newer program asked for something this module cannot do);
 *        @size larger than 4096 always fails with EINVAL;
 *      - an argument pointer that cannot be read or written fails with
 *        EFAULT;
 *      - output is written back only up to the caller's @size.
 *
 *    An ioctl number dtproc does not know fails with ENOTTY.
 *
 *    DTPROC_IOC_VERSION reports the ABI version of this header that the
 *    module implements (DTPROC_ABI_VERSION) and the module's own version
 *    string.  A library built against ABI version N works with a module
 *    that reports N: the ABI version is raised only for incompatible changes.
 *
 * 2. The generic netlink family DTPROC_GENL_NAME ("dtproc").
 *
 *    Commands (all require CAP_SYS_ADMIN in the caller's network namespace
 *    owner, i.e. GENL_ADMIN_PERM):
 *      DTPROC_CMD_GET_VERSION: replies with DTPROC_A_ABI_VERSION (u32) and
 *      DTPROC_A_MODULE_VERSION (string).
 *
 *    Multicast group DTPROC_GENL_MCGRP_EVENTS ("events") is reserved for the
 *    proc provider feed.  Joining it requires CAP_SYS_ADMIN.
 *
 *    Attribute enums begin with an _UNSPEC value and end with a __MAX
 *    sentinel; DTPROC_A_MAX is the highest valid attribute.
 *
 * Kernel pointers never cross this ABI.
 */
#ifndef _UAPI_LINUX_DTPROC_H
#define _UAPI_LINUX_DTPROC_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define DTPROC_ABI_VERSION	1
#define DTPROC_DEVICE_NAME	"dtproc"	/* /dev/dtproc */

/* Largest argument structure size the module will look at. */
#define DTPROC_ARG_SIZE_MAX	4096

#define DTPROC_VERSION_LEN	32

/**
 * struct dtproc_version - argument of DTPROC_IOC_VERSION
 * @size:	in: sizeof(struct dtproc_version) as the caller knows it
 * @abi_version: out: DTPROC_ABI_VERSION implemented by the module
 * @module_version: out: NUL-terminated module version string
 */
struct dtproc_version {
	__u32	size;
	__u32	abi_version;
	char	module_version[DTPROC_VERSION_LEN];
};

#define DTPROC_VERSION_SIZE_VER0	40

/* ioctl type byte: see Documentation/userspace-api/ioctl/ioctl-number.rst */
#define DTPROC_IOC_MAGIC	0xD7

#define DTPROC_IOC_VERSION	_IOWR(DTPROC_IOC_MAGIC, 0x00, struct dtproc_version)

/* Generic netlink */
#define DTPROC_GENL_NAME		"dtproc"
#define DTPROC_GENL_VERSION		1
#define DTPROC_GENL_MCGRP_EVENTS	"events"

enum dtproc_cmd {
	DTPROC_CMD_UNSPEC,
	DTPROC_CMD_GET_VERSION,

	__DTPROC_CMD_MAX,
};

#define DTPROC_CMD_MAX (__DTPROC_CMD_MAX - 1)

enum dtproc_attr {
	DTPROC_A_UNSPEC,
	DTPROC_A_ABI_VERSION,		/* u32 */
	DTPROC_A_MODULE_VERSION,	/* NUL-terminated string */

	__DTPROC_A_MAX,
};

#define DTPROC_A_MAX (__DTPROC_A_MAX - 1)

#endif /* _UAPI_LINUX_DTPROC_H */
