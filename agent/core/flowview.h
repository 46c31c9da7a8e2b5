/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A flow as `edgefw flows` shows it (one line, or one JSON object with
 * stable field names), and the filters that pick flows for a listing or a
 * flush.  Pure: kern/flowtab.c reads the tables and fills the rows.
 */
#ifndef EF_FLOWVIEW_H
#define EF_FLOWVIEW_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

#include "addr.h"
#include "edgefw/edgefw.h"

struct ef_flow_row {
	struct ef_flow_key k;
	struct ef_flow f;
	int table;	     /* EF_TABLE_TRUSTED or EF_TABLE_UNTRUSTED */
	const char *ifname;  /* the NIC of the flow's role, NULL: not known */
	int service;	     /* enum ef_service of the local address, -1: none */
	const char *rule;    /* the rule that admitted it; NULL: no rule (a
			       lenient mode, or a rule of another generation) */
	long long age_s;     /* since it was created; -1: not known */
	long long idle_s;    /* since its last packet */
	long long expires_s; /* until it expires if no packet comes (>= 0) */
};

/* What to pick; every criterion given must hold. */
struct ef_flow_filter {
	int role;	    /* enum ef_role, or -1 */
	const char *ifname; /* or NULL (role and ifname: either matches) */
	int service;	    /* of the local address, or -1 */
	bool has_prefix;    /* local or remote address in prefix */
	struct ef_prefix prefix;
	int port;	  /* local or remote port, or -1 */
	int proto;	  /* IPPROTO_*, or -1 */
	const char *rule; /* the admitting rule's name, or NULL */
	int state;	  /* enum ef_flow_state, or -1 */
	int table;	  /* EF_TABLE_*, or -1 */
};

/* Every criterion unset. */
void ef_flow_filter_init(struct ef_flow_filter *fl);
bool ef_flow_match(const struct ef_flow_filter *fl, const struct ef_flow_row *r);

/* "tcp", "udp", "icmp", "icmpv6" or the number. */
const char *ef_flow_proto_name(int proto, int family, char *buf, size_t len);
/* tcp, udp, icmp (either family): IPPROTO_*, or -1. */
int ef_flow_proto_from_name(const char *name);
/* "in" (opened by a remote) or "out" (by the node). */
const char *ef_flow_opener(const struct ef_flow *f);

/* The listing's header line and one line a flow. */
void ef_flow_text_header(FILE *out);
void ef_flow_text(FILE *out, const struct ef_flow_row *r);
/* One object: proto, family, local {ip, port, service}, remote {ip, port},
 * opened_by, rule, state, table, interface, role, age_seconds (null when
 * not known), idle_seconds, expires_in_seconds, flags (lenient, unverified). */
json_object *ef_flow_json(const struct ef_flow_row *r);

#endif
