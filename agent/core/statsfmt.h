/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Statistics: a snapshot of the counters, per-rule statistics and flow
 * tables (kern/stats.c collects it from the maps), and its three
 * renderings: a table for people, JSON for scripts, and the Prometheus text
 * format (node_exporter textfile collector).  Rendering is pure.
 */
#ifndef EF_STATSFMT_H
#define EF_STATSFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>
#include "edgefw/edgefw.h"

struct ef_stats_rule {
	const char *name;
	struct ef_rule_stats st;
};

struct ef_stats {
	__u64 c[EF_C_MAX];
	__u32 epoch;
	struct ef_stats_rule *rules;
	size_t nrules;
	long flows, flows_new, frags;
	__u32 flows_max, flows_new_max, frags_max;
	/* from the agent, when it renders */
	const char *policy, *node;
	long long loaded; /* unix time */
};

void ef_stats_free(struct ef_stats *s);

char *ef_stats_table(const struct ef_stats *s);
json_object *ef_stats_json(const struct ef_stats *s);
char *ef_stats_prometheus(const struct ef_stats *s);

#endif
