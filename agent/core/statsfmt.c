// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "statsfmt.h"

void ef_stats_free(struct ef_stats *s)
{
	free(s->rules);
	s->rules = NULL;
}

/* A growable string (open_memstream: the C library's). */
struct out {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *out_open(struct out *o)
{
	memset(o, 0, sizeof(*o));
	o->f = open_memstream(&o->buf, &o->len);
	return o->f;
}

static char *out_close(struct out *o)
{
	fclose(o->f);
	return o->buf;
}

static const char *hook_name(int h)
{
	return h == EF_HOOK_EGRESS ? "egress" : "ingress";
}

/* Counter region w (0 verdicts, 1 would-drops) and reason r. */
static const char *verdict_name(int w, int r)
{
	if (w)
		return ef_action_name(EF_ACT_WOULD_DROP);
	if (r == EF_R_SYN_CHALLENGE)
		return ef_action_name(EF_ACT_CHALLENGE);
	return ef_action_name(r < EF_REASON_FIRST_DROP ? EF_ACT_PASS : EF_ACT_DROP);
}

static const struct {
	int idx;
	const char *name, *help;
} housekeeping[] = {
	{ EF_C_FLOWS_CREATED, "flows_created_trusted", "flows opened in the trusted table" },
	{ EF_C_FLOWS_NEW_CREATED, "flows_created_untrusted",
	  "flows opened in the untrusted table" },
	{ EF_C_FLOWS_PROMOTED, "flows_promoted",
	  "inbound TCP flows moved to the trusted table after a verified handshake" },
	{ EF_C_FLOWS_EXPIRED, "flows_expired", "flows removed on lookup after their idle timeout" },
	{ EF_C_FLOWS_REVOKED, "flows_revoked",
	  "flows removed on their next packet because a new policy no longer allows them" },
	{ EF_C_FLOWS_PRUNED, "flows_pruned",
	  "inbound flows removed at a reload because no inbound rule of the new policy covers their port" },
	{ EF_C_FLOWS_SWEPT, "flows_swept",
	  "expired flows the agent removed in the background (every 10 s)" },
	{ EF_C_FLOW_CREATE_FAIL, "flow_create_failures", "flow table insertions that failed" },
	{ EF_C_FRAGS_TRACKED, "fragments_tracked",
	  "first fragments remembered for their later fragments" },
	{ EF_C_FRAG_CREATE_FAIL, "fragment_track_failures",
	  "fragment table insertions that failed" },
	{ EF_C_EVENTS_SENT, "events_sent", "events written to the ring buffer" },
	{ EF_C_EVENTS_LOST, "events_lost", "events lost because the ring buffer was full" },
	{ EF_C_EVENTS_SUPPRESSED, "events_suppressed",
	  "events suppressed by the per-source event rate limit" },
	{ EF_C_EVENTS_WRITTEN, "events_written",
	  "event lines the agent wrote to its events file (or stdout)" },
	{ EF_C_EVENTS_UNWRITTEN, "events_unwritten",
	  "event lines the agent could not write (a failed write: disk full, I/O error)" },
	{ EF_C_EVENTS_SUB_DROPPED, "subscriber_events_dropped",
	  "event lines `edgefw events` subscribers missed because they did not read fast enough (each subscriber counted)" },
	{ EF_C_SOURCES_BLOCKED, "sources_blocked",
	  "sources put on the temporary block list by a per-source limit" },
	{ EF_C_SYNCOOKIES_SENT, "syncookies_sent",
	  "SYNs of unverified sources answered with a SYN-cookie challenge" },
	{ EF_C_SYNCOOKIES_VALID, "syncookies_valid",
	  "RSTs that returned a valid challenge cookie (source verified)" },
	{ EF_C_SYNCOOKIES_BAD, "syncookies_bad",
	  "RSTs without a flow that did not return a valid challenge cookie" },
};

#define NHK (sizeof(housekeeping) / sizeof(housekeeping[0]))

char *ef_stats_table(const struct ef_stats *s)
{
	struct out o;
	FILE *f = out_open(&o);

	if (!f)
		return NULL;
	fprintf(f, "policy generation %u\n\n", s->epoch);
	fprintf(f, "%-40s %14s %16s %10s\n", "RULE", "PACKETS", "BYTES", "LIMITED");
	for (size_t i = 0; i < s->nrules; i++)
		fprintf(f, "%-40s %14llu %16llu %10llu\n",
			s->rules[i].name ? s->rules[i].name : "?",
			(unsigned long long)s->rules[i].st.packets,
			(unsigned long long)s->rules[i].st.bytes,
			(unsigned long long)s->rules[i].st.limited);
	fprintf(f, "\n%-8s %-10s %-26s %14s\n", "HOOK", "VERDICT", "REASON", "PACKETS");
	for (int w = 0; w < 2; w++)
		for (int h = 0; h < 2; h++)
			for (int r = 1; r < EF_REASON_MAX; r++) {
				__u64 v = s->c[w * EF_C_WOULD_DROP_BASE + h * EF_REASON_MAX + r];

				if (v)
					fprintf(f, "%-8s %-10s %-26s %14llu\n", hook_name(h),
						verdict_name(w, r), ef_reason_name((unsigned)r),
						(unsigned long long)v);
			}
	fprintf(f, "\n%-26s %10s %10s\n", "TABLE", "ENTRIES", "SIZE");
	fprintf(f, "%-26s %10ld %10u\n", "flows (trusted)", s->flows, s->flows_max);
	fprintf(f, "%-26s %10ld %10u\n", "flows (untrusted)", s->flows_new, s->flows_new_max);
	fprintf(f, "%-26s %10ld %10u\n", "fragments", s->frags, s->frags_max);
	fprintf(f, "\n");
	for (size_t i = 0; i < NHK; i++)
		fprintf(f, "%-26s %14llu\n", housekeeping[i].name,
			(unsigned long long)s->c[housekeeping[i].idx]);
	return out_close(&o);
}

json_object *ef_stats_json(const struct ef_stats *s)
{
	json_object *o = json_object_new_object(), *rules = json_object_new_array();
	json_object *verdicts = json_object_new_array(), *tables = json_object_new_object();
	json_object *hk = json_object_new_object();

	json_object_object_add(o, "generation", json_object_new_int64(s->epoch));
	for (size_t i = 0; i < s->nrules; i++) {
		json_object *r = json_object_new_object();

		json_object_object_add(
			r, "name",
			json_object_new_string(s->rules[i].name ? s->rules[i].name : ""));
		json_object_object_add(r, "packets",
				       json_object_new_uint64(s->rules[i].st.packets));
		json_object_object_add(r, "bytes", json_object_new_uint64(s->rules[i].st.bytes));
		json_object_object_add(r, "limited",
				       json_object_new_uint64(s->rules[i].st.limited));
		json_object_array_add(rules, r);
	}
	json_object_object_add(o, "rules", rules);
	for (int w = 0; w < 2; w++)
		for (int h = 0; h < 2; h++)
			for (int r = 1; r < EF_REASON_MAX; r++) {
				__u64 v = s->c[w * EF_C_WOULD_DROP_BASE + h * EF_REASON_MAX + r];
				json_object *e;

				if (!v)
					continue;
				e = json_object_new_object();
				json_object_object_add(e, "hook",
						       json_object_new_string(hook_name(h)));
				json_object_object_add(e, "verdict",
						       json_object_new_string(verdict_name(w, r)));
				json_object_object_add(
					e, "reason",
					json_object_new_string(ef_reason_name((unsigned)r)));
				json_object_object_add(e, "packets", json_object_new_uint64(v));
				json_object_array_add(verdicts, e);
			}
	json_object_object_add(o, "verdicts", verdicts);
#define TABLE(k, n, m)                                                          \
	do {                                                                    \
		json_object *t = json_object_new_object();                      \
		json_object_object_add(t, "entries", json_object_new_int64(n)); \
		json_object_object_add(t, "size", json_object_new_int64(m));    \
		json_object_object_add(tables, k, t);                           \
	} while (0)
	TABLE("flows_trusted", s->flows, s->flows_max);
	TABLE("flows_untrusted", s->flows_new, s->flows_new_max);
	TABLE("fragments", s->frags, s->frags_max);
#undef TABLE
	json_object_object_add(o, "tables", tables);
	for (size_t i = 0; i < NHK; i++)
		json_object_object_add(hk, housekeeping[i].name,
				       json_object_new_uint64(s->c[housekeeping[i].idx]));
	json_object_object_add(o, "counters", hk);
	return o;
}

/* Prometheus label values: backslash, quote and newline escaped. */
static void label(FILE *f, const char *v)
{
	for (; v && *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*v, f);
	}
}

/* A counter per rule of the live policy: the statistic at off. */
static void rule_counter(FILE *f, const struct ef_stats *s, const char *name, const char *help,
			 size_t off)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
	for (size_t i = 0; i < s->nrules; i++) {
		__u64 v;

		memcpy(&v, (const char *)&s->rules[i].st + off, sizeof(v));
		fprintf(f, "%s{rule=\"", name);
		label(f, s->rules[i].name);
		fprintf(f, "\"} %llu\n", (unsigned long long)v);
	}
}

char *ef_stats_prometheus(const struct ef_stats *s)
{
	struct out o;
	FILE *f = out_open(&o);

	if (!f)
		return NULL;
	fprintf(f, "# HELP edgefw_packets_total Packets by hook, verdict and reason "
		   "(would-drop: a drop monitor mode did not carry out).\n"
		   "# TYPE edgefw_packets_total counter\n");
	for (int w = 0; w < 2; w++)
		for (int h = 0; h < 2; h++)
			for (int r = 1; r < EF_REASON_MAX; r++) {
				if (!strcmp(ef_reason_name((unsigned)r), "unknown") ||
				    (w && r < EF_REASON_FIRST_DROP))
					continue;
				fprintf(f,
					"edgefw_packets_total{hook=\"%s\",verdict=\"%s\",reason=\"%s\"} %llu\n",
					hook_name(h), verdict_name(w, r),
					ef_reason_name((unsigned)r),
					(unsigned long long)s->c[w * EF_C_WOULD_DROP_BASE +
								 h * EF_REASON_MAX + r]);
			}
	rule_counter(f, s, "edgefw_rule_packets_total",
		     "Packets credited to each rule of the live policy.",
		     offsetof(struct ef_rule_stats, packets));
	rule_counter(f, s, "edgefw_rule_bytes_total",
		     "Bytes credited to each rule of the live policy.",
		     offsetof(struct ef_rule_stats, bytes));
	rule_counter(f, s, "edgefw_rule_limited_total",
		     "Sources a rule's per-source limit put on the temporary block list.",
		     offsetof(struct ef_rule_stats, limited));
	fprintf(f,
		"# HELP edgefw_table_entries Entries in a flow or fragment table.\n"
		"# TYPE edgefw_table_entries gauge\n"
		"edgefw_table_entries{table=\"flows_trusted\"} %ld\n"
		"edgefw_table_entries{table=\"flows_untrusted\"} %ld\n"
		"edgefw_table_entries{table=\"fragments\"} %ld\n",
		s->flows, s->flows_new, s->frags);
	fprintf(f,
		"# HELP edgefw_table_size Capacity of a flow or fragment table.\n"
		"# TYPE edgefw_table_size gauge\n"
		"edgefw_table_size{table=\"flows_trusted\"} %u\n"
		"edgefw_table_size{table=\"flows_untrusted\"} %u\n"
		"edgefw_table_size{table=\"fragments\"} %u\n",
		s->flows_max, s->flows_new_max, s->frags_max);
	for (size_t i = 0; i < NHK; i++)
		fprintf(f,
			"# HELP edgefw_%s_total %s.\n# TYPE edgefw_%s_total counter\nedgefw_%s_total %llu\n",
			housekeeping[i].name, housekeeping[i].help, housekeeping[i].name,
			housekeeping[i].name, (unsigned long long)s->c[housekeeping[i].idx]);
	fprintf(f,
		"# HELP edgefw_policy_generation Generation number of the live policy.\n"
		"# TYPE edgefw_policy_generation gauge\nedgefw_policy_generation %u\n",
		s->epoch);
	if (s->policy) {
		fprintf(f,
			"# HELP edgefw_policy_info The live policy.\n# TYPE edgefw_policy_info gauge\n"
			"edgefw_policy_info{policy=\"");
		label(f, s->policy);
		fprintf(f, "\",node=\"");
		label(f, s->node);
		fprintf(f, "\"} 1\n");
		fprintf(f,
			"# HELP edgefw_policy_load_timestamp_seconds When the live policy was applied.\n"
			"# TYPE edgefw_policy_load_timestamp_seconds gauge\n"
			"edgefw_policy_load_timestamp_seconds %lld\n",
			s->loaded);
	}
	return out_close(&o);
}
