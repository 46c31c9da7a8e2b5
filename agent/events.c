// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>

#include "addr.h"
#include "events.h"

static const char *const reason_names[EF_REASON_MAX] = {
	[EF_R_NONE] = "none",
	[EF_R_RULE] = "rule",
	[EF_R_FLOW] = "flow",
	[EF_R_NON_IP] = "non-ip",
	[EF_R_ICMP_ESSENTIAL] = "icmp-essential",
	[EF_R_ICMP_RELATED] = "icmp-related",
	[EF_R_FRAGMENT] = "fragment",
	[EF_R_REPLY_BY_RULE] = "reply-by-rule",
	[EF_R_PING] = "ping",
	[EF_R_UNLISTED] = "unlisted",
	[EF_R_MALFORMED] = "malformed",
	[EF_R_ETHERTYPE] = "ethertype",
	[EF_R_VLAN_DEPTH] = "vlan-depth",
	[EF_R_EXT_HEADERS] = "ext-headers",
	[EF_R_NOT_SERVICE] = "not-a-service-address",
	[EF_R_NO_RULE] = "no-rule",
	[EF_R_PEER] = "peer-not-allowed",
	[EF_R_NO_FLOW] = "no-flow",
	[EF_R_FRAG_UNTRACKED] = "fragment-untracked",
	[EF_R_ICMP_UNRELATED] = "icmp-unrelated",
	[EF_R_ICMP_TYPE] = "icmp-type",
	[EF_R_PROTOCOL] = "protocol",
	[EF_R_UNMANAGED_IF] = "unmanaged-interface",
	[EF_R_BAD_ADDRESS] = "bad-source-address",
	[EF_R_LAND] = "land",
	[EF_R_TCP_FLAGS] = "bad-tcp-flags",
	[EF_R_NO_POLICY] = "no-policy",
	[EF_R_RATE_LIMITED] = "rate-limited",
	[EF_R_BLOCKED_SOURCE] = "blocked-source",
	[EF_R_BLOCKLIST] = "blocklisted",
	[EF_R_SYN_CHALLENGE] = "syn-challenge",
	[EF_R_SYN_VERIFIED] = "syn-verified",
};

const char *ef_reason_name(unsigned reason)
{
	if (reason < EF_REASON_MAX && reason_names[reason])
		return reason_names[reason];
	return "unknown";
}

int ef_reason_from_name(const char *name)
{
	for (int i = 0; i < EF_REASON_MAX; i++)
		if (reason_names[i] && strcmp(reason_names[i], name) == 0)
			return i;
	return -1;
}

const char *ef_action_name(unsigned action)
{
	switch (action) {
	case EF_ACT_PASS: return "pass";
	case EF_ACT_DROP: return "drop";
	case EF_ACT_WOULD_DROP: return "would-drop";
	case EF_ACT_CHALLENGE: return "challenge";
	}
	return "unknown";
}

long long ef_mono_to_real_ns(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ((long long)r.tv_sec - m.tv_sec) * 1000000000ll +
	       ((long long)r.tv_nsec - m.tv_nsec);
}

static const char *transport(unsigned proto)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "ipv6-icmp";
	}
	return NULL;
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static json_object *obj_in(json_object *parent, const char *k)
{
	json_object *o = NULL;

	if (!json_object_object_get_ex(parent, k, &o)) {
		o = json_object_new_object();
		json_object_object_add(parent, k, o);
	}
	return o;
}

static json_object *str_array(const char *a, const char *b)
{
	json_object *arr = json_object_new_array();

	json_object_array_add(arr, json_object_new_string(a));
	if (b)
		json_object_array_add(arr, json_object_new_string(b));
	return arr;
}

static void endpoint(json_object *root, const char *k, const union ef_addr *a,
		     int port)
{
	char buf[EF_ADDRSTRLEN];
	json_object *o = obj_in(root, k);

	add_str(o, "ip", ef_addr_fmt(a, buf, sizeof(buf)));
	if (port >= 0)
		json_object_object_add(o, "port", json_object_new_int(port));
}

json_object *ef_event_json(const struct ef_event *e, const struct ef_fmt *f)
{
	json_object *root = json_object_new_object(), *ev, *net, *obs, *x;
	long long ns = (long long)e->ts_ns + f->mono_to_real_ns;
	time_t sec = (time_t)(ns / 1000000000ll);
	char ts[64], tbuf[32];
	struct tm tm;
	const char *name, *tr;
	int ports = e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP;

	gmtime_r(&sec, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts, sizeof(ts), "%s.%06lldZ", tbuf, (ns % 1000000000ll) / 1000);
	add_str(root, "@timestamp", ts);

	ev = obj_in(root, "event");
	add_str(ev, "kind", "event");
	json_object_object_add(ev, "category", str_array("network", NULL));
	json_object_object_add(ev, "type",
			       str_array("connection", e->action == EF_ACT_PASS ?
							       "allowed" : "denied"));
	add_str(ev, "action", ef_action_name(e->action));
	add_str(ev, "reason", ef_reason_name(e->reason));
	add_str(ev, "module", "edgefw");

	if (e->rule != EF_RULE_NONE && f->rule_name &&
	    (name = f->rule_name(f->ctx, e->epoch, e->rule))) {
		x = obj_in(root, "rule");
		add_str(x, "name", name);
		if (f->policy)
			add_str(x, "ruleset", f->policy);
	}

	net = obj_in(root, "network");
	add_str(net, "direction", e->hook == EF_HOOK_EGRESS ? "egress" : "ingress");
	if (e->family) {
		add_str(net, "type", e->family == 4 ? "ipv4" : "ipv6");
		if ((tr = transport(e->proto)))
			add_str(net, "transport", tr);
		snprintf(tbuf, sizeof(tbuf), "%u", e->proto);
		add_str(net, "iana_number", tbuf);
		endpoint(root, "source", &e->src, ports ? e->sport : -1);
		endpoint(root, "destination", &e->dst, ports ? e->dport : -1);
	}

	obs = obj_in(root, "observer");
	if (f->hostname)
		add_str(obs, "hostname", f->hostname);
	if (f->node)
		add_str(obs, "name", f->node);
	add_str(obs, "type", "firewall");
	add_str(obs, "vendor", "edgefw");
	add_str(obs, "product", "edgefw");
	x = obj_in(obj_in(obs, e->hook == EF_HOOK_EGRESS ? "egress" : "ingress"),
		   "interface");
	name = f->ifname ? f->ifname(f->ctx, e->ifindex) : NULL;
	if (name)
		add_str(x, "name", name);
	snprintf(tbuf, sizeof(tbuf), "%u", e->ifindex); /* ECS: keyword */
	add_str(x, "id", tbuf);

	/* what ECS has no field for */
	x = obj_in(root, "edgefw");
	json_object_object_add(x, "policy_epoch", json_object_new_int64(e->epoch));
	json_object_object_add(x, "packet_bytes", json_object_new_int64(e->pkt_len));
	if (e->proto == IPPROTO_TCP && e->family) {
		json_object *fl = json_object_new_array();
		static const char *const bits[] = { "FIN", "SYN", "RST", "PSH",
						    "ACK", "URG", "ECE", "CWR" };

		for (int i = 0; i < 8; i++)
			if (e->tcp_flags & (1u << i))
				json_object_array_add(fl, json_object_new_string(bits[i]));
		json_object_object_add(x, "tcp_flags", fl);
	}
	if ((e->proto == IPPROTO_ICMP || e->proto == IPPROTO_ICMPV6) && e->family) {
		json_object *ic = obj_in(x, "icmp");

		json_object_object_add(ic, "type", json_object_new_int(e->icmp_type));
		json_object_object_add(ic, "code", json_object_new_int(e->icmp_code));
	}
	return root;
}

int ef_event_format(const struct ef_event *e, const struct ef_fmt *f,
		    char *buf, size_t len)
{
	json_object *o = ef_event_json(e, f);
	const char *s = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	int n = snprintf(buf, len, "%s", s);

	json_object_put(o);
	return (n < 0 || (size_t)n >= len) ? -1 : n;
}
