// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A link-time stand-in for libdtproc.so.1 as commit 5334c8b built it: the
 * same names in the same version nodes (libdtproc-1.2.map), no code.  A
 * program linked against it records the symbol versions a program built
 * then recorded; it runs against the real library (lib_compat_test).
 */
#define STUB(name) void name(void); void name(void) {}

STUB(dtproc_lib_version)
STUB(dtproc_errmsg)
STUB(dtproc_open)
STUB(dtproc_close)
STUB(dtproc_fd)
STUB(dtproc_module_version)
STUB(dtproc_feed_open)
STUB(dtproc_feed_close)
STUB(dtproc_feed_fd)
STUB(dtproc_feed_family_version)
STUB(dtproc_feed_module_version)
STUB(dtproc_feed_join_events)
STUB(dtproc_probe_id)
STUB(dtproc_probe_name)
STUB(dtproc_feed_subscribe)
STUB(dtproc_feed_unsubscribe)
STUB(dtproc_feed_next)
STUB(dtproc_feed_wait)
STUB(dtproc_feed_stats)
STUB(dtproc_event_json)
STUB(dtproc_create)
STUB(dtproc_grab)
STUB(dtproc_release)
STUB(dtproc_continue)
STUB(dtproc_stop)
STUB(dtproc_threads)
STUB(dtproc_handle_pid)
STUB(dtproc_handle_count)
STUB(dtproc_set_lru_limit)
STUB(dtproc_notifications)
STUB(dtproc_syms_open)
STUB(dtproc_syms_close)
STUB(dtproc_syms_refresh)
STUB(dtproc_syms_generation)
STUB(dtproc_syms_rtld)
STUB(dtproc_syms_object)
STUB(dtproc_syms_lookup)
STUB(dtproc_syms_addr)
STUB(dtproc_syms_mapping)
STUB(dtproc_syms_evaltimes)
STUB(dtproc_bp_add)
STUB(dtproc_bp_set)
STUB(dtproc_bp_del)
STUB(dtproc_bp_list)
STUB(dtproc_stop_info)
STUB(dtproc_evaltime_id)
STUB(dtproc_evaltime_name)
STUB(dtproc_create_at)
STUB(dtproc_bps_open)
STUB(dtproc_bps_close)
STUB(dtproc_bps_add)
STUB(dtproc_bps_note)
STUB(dtproc_bps_count)
STUB(dtproc_bps_entry)
STUB(dtproc_bps_find)
STUB(dtproc_bps_update)
STUB(dtproc_bps_syms)

void status_v1(void);
__attribute__((symver("dtproc_status@LIBDTPROC_1")))
void status_v1(void) {}
void status_v2(void);
__attribute__((symver("dtproc_status@@LIBDTPROC_1.2")))
void status_v2(void) {}
