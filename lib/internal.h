/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libdtproc internals shared between its files. */
#ifndef DTPROC_INTERNAL_H
#define DTPROC_INTERNAL_H

#include "dtproc.h"

#define DTPROC_EXPORT __attribute__((visibility("default")))

/*
 * Record the calling thread's last failure: a printf-style message, to
 * which ": <strerror(err)>" is appended when err is non-zero.  Returns
 * -err so callers can "return dtproc_fail(...)".
 */
int dtproc_fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* As dtproc_fail(), for functions returning a pointer: sets errno. */
void *dtproc_fail_null(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void dtproc_clear_error(void);

/* control.c: the handle table of a struct dtproc */
struct dtproc_handles;
struct dtproc_handles **dtproc_handles_slot(struct dtproc *dp);
void dtproc_handles_free(struct dtproc_handles *hs);

/* The device a handle belongs to. */
struct dtproc *dtproc_handle_dp(const struct dtproc_handle *h);

/*
 * Read one queued note without blocking: 1 (a record of any size the
 * module writes, members it lacks zeroed), 0 if none, or -errno.  Notes
 * read by the library for its own use; dtproc_note_defer() keeps the
 * others for the next dtproc_notifications().
 */
int dtproc_note_read(struct dtproc *dp, struct dtproc_note *note);
int dtproc_note_defer(struct dtproc *dp, const struct dtproc_note *note);

struct nl_msg;
/* event.c: decode one DTPROC_CMD_EVENT or DTPROC_CMD_DROP message. */
int dtproc_event_decode(struct nl_msg *msg, struct dtproc_event *ev);

#endif /* DTPROC_INTERNAL_H */
