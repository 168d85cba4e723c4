/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libdtproc internals shared between its files. */
#ifndef DTPROC_INTERNAL_H
#define DTPROC_INTERNAL_H

#include <sys/queue.h>

#include "dtproc.h"
#include "table.h"

#define DTPROC_EXPORT __attribute__((visibility("default")))

/*
 * Record the calling thread's last failure: a printf-style message that
 * names what failed, its one cause and what to do ("failed to grab pid 7:
 * another consumer controls it (end that one, or grab read-only)"), with
 * strerror() in it only when the errno is the cause worth saying.
 * Returns -err (dtproc_failx) or NULL with errno set (dtproc_failx_null).
 */
int dtproc_failx(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void *dtproc_failx_null(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void dtproc_clear_error(void);

/* control.c: DTPROC_IOC_STATUS of @pid failed with @err: say why, return -err. */
int dtproc_status_fail(int err, pid_t pid);

/*
 * An open /dev/dtproc (dtproc_open()) and the handles held through it:
 * one object for threads (dtproc.h).
 */
TAILQ_HEAD(dtproc_lru, dtproc_handle);

struct dtproc {
	int			fd;
	struct table		handles;	/* pid -> struct dtproc_handle */
	struct dtproc_lru	lru;		/* unreferenced read-only
						 * handles, most recent first */
	unsigned int		lru_count, lru_limit;
	/* notes the library read on its own (dtproc_create_at) for the caller */
	struct dtproc_note	*deferred;
	size_t			ndeferred, deferred_cap;
};

/* control.c: @dp's handle table, empty (0 or -ENOMEM); and its end. */
int dtproc_handles_init(struct dtproc *dp);
void dtproc_handles_fini(struct dtproc *dp);

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

/* note.c: dt_proc's message for @n, NUL-terminated in @len (> 0) bytes. */
void dtproc_note_message(const struct dtproc_note *n, char *buf, size_t len);

struct nlmsghdr;
/* event.c: decode one DTPROC_CMD_EVENT or DTPROC_CMD_DROP message. */
int dtproc_event_decode(const struct nlmsghdr *nh, struct dtproc_event *ev);

/*
 * struct dtproc_event as LIBDTPROC_1 knew it: no size member (the kind
 * first).  Every other member sits where struct dtproc_event has it, so
 * the two convert by copying what follows the first 8 bytes.  Programs
 * built then call dtproc_feed_next@LIBDTPROC_1 and
 * dtproc_event_json@LIBDTPROC_1, which use this layout.
 */
struct dtproc_event_v1 {
	enum dtproc_event_kind kind;
	uint64_t	seq;
	uint64_t	dropped;
	int		probe;
	uint64_t	ts;
	uint32_t	cpu;
	int32_t		pid;
	int32_t		tid;
	int32_t		ppid;
	uint32_t	uid;
	char		execname[DTPROC_FNAME_LEN];
	unsigned int	has;
	struct dtproc_psinfo	psinfo;
	struct dtproc_lwpsinfo	lwpsinfo;
	struct dtproc_siginfo	siginfo;
	int32_t		signo;
	int32_t		err;
	int32_t		exit_reason;
	int32_t		exit_status;
	int32_t		fault;
	uint64_t	handler;
	char		path[DTPROC_PATH_LEN];
};

/* The smallest size a caller may give: size and kind. */
#define DTPROC_EVENT_SIZE_MIN	8

/* How many probes LIBDTPROC_1's dtproc_feed_stats() array held. */
#define DTPROC_PROBE_COUNT_VER1	14

_Static_assert(DTPROC_PROBE_COUNT >= DTPROC_PROBE_COUNT_VER1,
	       "probes are never taken away");
_Static_assert(offsetof(struct dtproc_event_v1, seq) ==
	       offsetof(struct dtproc_event, seq) &&
	       offsetof(struct dtproc_event_v1, path) ==
	       offsetof(struct dtproc_event, path) &&
	       sizeof(struct dtproc_event_v1) <= sizeof(struct dtproc_event),
	       "struct dtproc_event only grows at its end");

/* The versions of the calls whose structs grew (see libdtproc.map). */
int dtproc_feed_next_v1(struct dtproc_feed *feed, struct dtproc_event_v1 *ev);
int dtproc_feed_next_v13(struct dtproc_feed *feed, struct dtproc_event *ev);
int dtproc_event_json_v1(const struct dtproc_event_v1 *ev, char *buf,
			 size_t len);
int dtproc_event_json_v13(const struct dtproc_event *ev, char *buf,
			  size_t len);
int dtproc_feed_stats_v1(struct dtproc_feed *feed,
			 struct dtproc_probe_stats *stats);
int dtproc_feed_stats_v13(struct dtproc_feed *feed,
			  struct dtproc_probe_stats *stats, size_t n,
			  size_t size);
int dtproc_feed_join_events_v1(struct dtproc_feed *feed);

#endif /* DTPROC_INTERNAL_H */
