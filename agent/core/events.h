/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Events: ef_event records from the ring buffer become one JSON line each,
 * in Elastic Common Schema field names, nested as ECS JSON is.  Formatting
 * is pure and unit-tested; names come from callbacks.
 */
#ifndef EF_EVENTS_H
#define EF_EVENTS_H

#include <stddef.h>
#include <json-c/json.h>
#include "edgefw/edgefw.h"
#include "names.h" /* ef_reason_name, ef_action_name */

struct ef_fmt {
	const char *hostname;	   /* observer.hostname */
	const char *node;	   /* observer.name: the policy's node */
	const char *policy;	   /* rule.ruleset */
	long long mono_to_real_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	const char *(*ifname)(void *ctx, __u32 ifindex);
	const char *(*rule_name)(void *ctx, __u32 epoch, __u16 rule);
	void *ctx;
};

/*
 * Format as one line (no newline, NUL-terminated) into buf; returns its
 * length, or -1 when it and the terminator do not fit (buf's contents are
 * then unspecified).  Written straight into buf: no allocation, no json-c.
 * Its bytes are exactly ef_event_format_json's (tests/unit/test_events.c
 * and tests/fuzz/fuzz_events.c hold it to that).  Calls f->rule_name
 * (only for an event with a rule) then f->ifname, as ef_event_json does.
 */
int ef_event_format(const struct ef_event *e, const struct ef_fmt *f, char *buf, size_t len);

/* The reference: the event as a json-c tree (caller puts it) ... */
json_object *ef_event_json(const struct ef_event *e, const struct ef_fmt *f);
/* ... and that tree's text (JSON_C_TO_STRING_PLAIN |
 * JSON_C_TO_STRING_NOSLASHESCAPE) into buf: length, or -1 if it does not fit.
 * Some 30 to 60 times dearer than ef_event_format: for tests and tools. */
int ef_event_format_json(const struct ef_event *e, const struct ef_fmt *f, char *buf, size_t len);
/* A JSON array of the string a, and b unless NULL (ECS lists; policies
 * built by tests). */
json_object *ef_json_strs(const char *a, const char *b);
/* CLOCK_REALTIME - CLOCK_MONOTONIC now. */
long long ef_mono_to_real_ns(void);

#endif
