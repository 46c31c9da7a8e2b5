// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `edgefw flows`: a flow's line and JSON object, and the filters.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "flowview.h"
#include "names.h"
#include "policy.h"

void ef_flow_filter_init(struct ef_flow_filter *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->role = fl->service = fl->port = fl->proto = fl->state = fl->table = -1;
}

bool ef_flow_match(const struct ef_flow_filter *fl, const struct ef_flow_row *r)
{
	const struct ef_flow_key *k = &r->k;

	if (fl->role >= 0 || fl->ifname) {
		bool by_role = fl->role >= 0 && k->role == fl->role;
		bool by_name = fl->ifname && r->ifname && strcmp(fl->ifname, r->ifname) == 0;

		if (!by_role && !by_name)
			return false;
	}
	if (fl->service >= 0 && r->service != fl->service)
		return false;
	if (fl->has_prefix && !ef_prefix_contains(&fl->prefix, &k->local) &&
	    !ef_prefix_contains(&fl->prefix, &k->remote))
		return false;
	if (fl->port >= 0 && k->lport != fl->port && k->rport != fl->port)
		return false;
	if (fl->proto >= 0) {
		int p = k->proto == IPPROTO_ICMPV6 ? IPPROTO_ICMP : k->proto;

		if (p != fl->proto)
			return false;
	}
	if (fl->rule && (!r->rule || strcmp(fl->rule, r->rule) != 0))
		return false;
	if (fl->state >= 0 && r->f.state != fl->state)
		return false;
	if (fl->table >= 0 && r->table != fl->table)
		return false;
	return true;
}

const char *ef_flow_proto_name(int proto, int family, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return family == 6 ? "icmpv6" : "icmp";
	}
	snprintf(buf, len, "%d", proto);
	return buf;
}

int ef_flow_proto_from_name(const char *name)
{
	if (strcmp(name, "tcp") == 0)
		return IPPROTO_TCP;
	if (strcmp(name, "udp") == 0)
		return IPPROTO_UDP;
	if (strcmp(name, "icmp") == 0 || strcmp(name, "icmpv6") == 0)
		return IPPROTO_ICMP;
	return -1;
}

const char *ef_flow_opener(const struct ef_flow *f)
{
	return f->flags & EF_FLOW_ORIG_OUT ? "out" : "in";
}

/* "198.51.100.7:50123", "[2001:db8::7]:50123"; ICMP flows: the address
 * and the echo identifier after '#' */
static void endpoint(const union ef_addr *a, unsigned port, int proto, char *buf, size_t len)
{
	char ip[EF_ADDRSTRLEN];

	ef_addr_fmt(a, ip, sizeof(ip));
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
		snprintf(buf, len, "%s#%u", ip, port);
	else if (ef_addr_is_v4(a))
		snprintf(buf, len, "%s:%u", ip, port);
	else
		snprintf(buf, len, "[%s]:%u", ip, port);
}

static const char *rule_of(const struct ef_flow_row *r)
{
	if (r->rule)
		return r->rule;
	return r->f.flags & EF_FLOW_UNLISTED ? "(lenient)" : "-";
}

void ef_flow_text_header(FILE *out)
{
	fprintf(out, "%-6s %-44s %-10s %-44s %-4s %-34s %-12s %8s %8s %8s %-9s %s\n", "PROTO",
		"LOCAL", "SERVICE", "REMOTE", "BY", "RULE", "STATE", "AGE", "IDLE", "EXPIRES",
		"TABLE", "NIC");
}

static void secs(long long s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%llds", s);
}

void ef_flow_text(FILE *out, const struct ef_flow_row *r)
{
	char pb[16], local[EF_ADDRSTRLEN + 16], remote[EF_ADDRSTRLEN + 16], age[24], idle[24],
		exp[24];
	int family = ef_addr_family(&r->k.local);

	endpoint(&r->k.local, r->k.lport, r->k.proto, local, sizeof(local));
	endpoint(&r->k.remote, r->k.rport, r->k.proto, remote, sizeof(remote));
	secs(r->age_s, age, sizeof(age));
	secs(r->idle_s, idle, sizeof(idle));
	secs(r->expires_s, exp, sizeof(exp));
	fprintf(out, "%-6s %-44s %-10s %-44s %-4s %-34s %-12s %8s %8s %8s %-9s %s\n",
		ef_flow_proto_name(r->k.proto, family, pb, sizeof(pb)), local,
		r->service >= 0 && r->service < EF_SVC_MAX ? ef_service_names[r->service] : "-",
		remote, ef_flow_opener(&r->f), rule_of(r), ef_flow_state_name(r->f.state), age,
		idle, exp, ef_table_name((unsigned)r->table),
		r->ifname		? r->ifname :
		r->k.role < EF_ROLE_MAX ? ef_role_names[r->k.role] :
					  "?");
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

static json_object *end_json(const union ef_addr *a, unsigned port)
{
	json_object *o = json_object_new_object();
	char ip[EF_ADDRSTRLEN];

	add_str(o, "ip", ef_addr_fmt(a, ip, sizeof(ip)));
	json_object_object_add(o, "port", json_object_new_int((int)port));
	return o;
}

json_object *ef_flow_json(const struct ef_flow_row *r)
{
	json_object *o = json_object_new_object(), *local, *flags;
	int family = ef_addr_family(&r->k.local);
	char pb[16];

	add_str(o, "proto", ef_flow_proto_name(r->k.proto, family, pb, sizeof(pb)));
	json_object_object_add(o, "family", json_object_new_int(family));
	local = end_json(&r->k.local, r->k.lport);
	add_str(local, "service",
		r->service >= 0 && r->service < EF_SVC_MAX ? ef_service_names[r->service] : NULL);
	json_object_object_add(o, "local", local);
	json_object_object_add(o, "remote", end_json(&r->k.remote, r->k.rport));
	add_str(o, "opened_by", ef_flow_opener(&r->f));
	add_str(o, "rule", r->rule);
	add_str(o, "state", ef_flow_state_name(r->f.state));
	add_str(o, "table", ef_table_name((unsigned)r->table));
	add_str(o, "interface", r->ifname);
	add_str(o, "role", r->k.role < EF_ROLE_MAX ? ef_role_names[r->k.role] : NULL);
	json_object_object_add(o, "age_seconds",
			       r->age_s >= 0 ? json_object_new_int64(r->age_s) : NULL);
	json_object_object_add(o, "idle_seconds", json_object_new_int64(r->idle_s));
	json_object_object_add(o, "expires_in_seconds", json_object_new_int64(r->expires_s));
	flags = json_object_new_array();
	if (r->f.flags & EF_FLOW_UNLISTED)
		json_object_array_add(flags, json_object_new_string("lenient"));
	if (r->f.flags & EF_FLOW_UNVERIFIED)
		json_object_array_add(flags, json_object_new_string("unverified"));
	json_object_object_add(o, "flags", flags);
	return o;
}
