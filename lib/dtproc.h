/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libdtproc: the userland side of dtproc.ko.
 *
 * Conventions: functions returning int return 0 (or a non-negative value)
 * on success and a negative errno on failure; functions returning a pointer
 * return NULL on failure and set errno.  After any failure,
 * dtproc_errmsg() describes what happened and what to do, for the calling
 * thread.
 */
#ifndef DTPROC_H
#define DTPROC_H

#include <stddef.h>
#include <stdint.h>

#include <linux/dtproc.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's own version string ("0.1.0"). */
const char *dtproc_lib_version(void);

/* Description of the calling thread's last failure ("" if none). */
const char *dtproc_errmsg(void);

/* --- /dev/dtproc: the control device --- */

struct dtproc;

/* Open /dev/dtproc and check the module speaks our ABI version. */
struct dtproc *dtproc_open(void);
void dtproc_close(struct dtproc *dp);
int dtproc_fd(const struct dtproc *dp);

/* ABI version and version string (into @buf of @len bytes) of the module. */
int dtproc_module_version(struct dtproc *dp, uint32_t *abi, char *buf,
			  size_t len);

/* --- the "dtproc" generic netlink family --- */

struct dtproc_feed;

/* Open a generic netlink socket and resolve the dtproc family. */
struct dtproc_feed *dtproc_feed_open(void);
void dtproc_feed_close(struct dtproc_feed *feed);

/* The socket's fd, for poll loops. */
int dtproc_feed_fd(const struct dtproc_feed *feed);

/* Family version (genl header version) of the module's family. */
uint32_t dtproc_feed_family_version(const struct dtproc_feed *feed);

/* Ask the module for its ABI version and version string over netlink. */
int dtproc_feed_module_version(struct dtproc_feed *feed, uint32_t *abi,
			       char *buf, size_t len);

/* Join the events multicast group (needs CAP_SYS_ADMIN). */
int dtproc_feed_join_events(struct dtproc_feed *feed);

#ifdef __cplusplus
}
#endif

#endif /* DTPROC_H */
