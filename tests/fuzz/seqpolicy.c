// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The policies the stateful differential tests run: the shipped policy,
 * node edge1 with the addresses of seq.c's pools, narrowed peer sets, and
 * five variants of its settings (limits, SYN challenges, monitor, egress
 * monitor/off, short timeouts, events) between which sequences reload.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <bpf/bpf.h>

#include "events.h"
#include "lists.h"
#include "seqpolicy.h"

#ifndef EF_SHIPPED_POLICY
#define EF_SHIPPED_POLICY "policies/lync2013-scaled-edge-dnslb-public.json"
#endif

static json_object *limit(int rate, int burst, int block)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "new_flows_per_sec", json_object_new_int(rate));
	json_object_object_add(o, "burst", json_object_new_int(burst));
	json_object_object_add(o, "block_seconds", json_object_new_int(block));
	return o;
}

/* settings.limits: service a's limit la and service b's lb */
static void limits(json_object *settings, const char *a, json_object *la, const char *b,
		   json_object *lb)
{
	json_object *lim = json_object_new_object();

	json_object_object_add(lim, a, la);
	json_object_object_add(lim, b, lb);
	json_object_object_add(settings, "limits", lim);
}

static void timeouts(json_object *settings, int syn, int est, int closing, int udp, int icmp,
		     int frag)
{
	json_object *t = json_object_new_object();

	json_object_object_add(t, "tcp_syn", json_object_new_int(syn));
	json_object_object_add(t, "tcp_established", json_object_new_int(est));
	json_object_object_add(t, "tcp_closing", json_object_new_int(closing));
	json_object_object_add(t, "udp", json_object_new_int(udp));
	json_object_object_add(t, "icmp", json_object_new_int(icmp));
	json_object_object_add(t, "fragment", json_object_new_int(frag));
	json_object_object_add(settings, "timeouts", t);
}

static void syn_flood(json_object *settings, const char *mode, int threshold, int verified)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "mode", json_object_new_string(mode));
	json_object_object_add(o, "threshold", json_object_new_int(threshold));
	json_object_object_add(o, "verified_seconds", json_object_new_int(verified));
	json_object_object_add(settings, "syn_flood", o);
}

static void event_limit(json_object *settings, int rate, int burst, int per_cpu)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "rate", json_object_new_int(rate));
	json_object_object_add(o, "burst", json_object_new_int(burst));
	json_object_object_add(o, "per_cpu", json_object_new_int(per_cpu));
	json_object_object_add(settings, "event_limit", o);
}

/* The rules less those named name, deleted in place. */
static void drop_rule(json_object *root, const char *name)
{
	json_object *rules, *n;

	json_object_object_get_ex(root, "rules", &rules);
	for (size_t i = json_object_array_length(rules); i-- > 0;)
		if (json_object_object_get_ex(json_object_array_get_idx(rules, i), "name", &n) &&
		    !strcmp(json_object_get_string(n), name))
			json_object_array_del_idx(rules, i, 1);
}

char *seq_policy_text(int variant)
{
	static const struct {
		const char *set, *v4, *v6;
	} sets[] = {
		{ "xmpp_gateway", "198.18.1.0/24", "2001:db8:18:1::/64" },
		{ "sip_next_hop", "198.18.2.0/24", "2001:db8:18:2::/64" },
		{ "front_end", "198.18.3.0/24", "2001:db8:18:3::/64" },
		{ "public_im_partners", "198.51.100.0/25", "2001:db8:51::/48" },
		{ "live_messenger_clients", "198.51.100.128/25", "2001:db8:52::/48" },
		{ "admin_hosts", "198.18.255.0/28", "2001:db8:18:ff::/64" },
	};
	json_object *root = json_object_from_file(EF_SHIPPED_POLICY);
	json_object *nodes, *n, *a, *ifs, *peers, *settings;
	char *text;

	if (!root)
		return NULL;
	json_object_object_get_ex(root, "nodes", &nodes);
	n = json_object_array_get_idx(nodes, 0);
	json_object_object_add(n, "name", json_object_new_string("edge1"));
	ifs = json_object_new_object();
	json_object_object_add(ifs, "external", json_object_new_string("ext"));
	json_object_object_add(ifs, "internal", json_object_new_string("int"));
	json_object_object_add(n, "interfaces", ifs);
	a = json_object_new_object();
	json_object_object_add(a, "access", ef_json_strs("203.0.113.10", "2001:db8:10::10"));
	json_object_object_add(a, "webconf", ef_json_strs("203.0.113.11", "2001:db8:10::11"));
	json_object_object_add(a, "av", ef_json_strs("203.0.113.12", "2001:db8:10::12"));
	json_object_object_add(a, "internal", ef_json_strs("198.18.0.10", "2001:db8:18::10"));
	json_object_object_add(a, "management", ef_json_strs("198.18.0.5", "2001:db8:18::5"));
	json_object_object_add(n, "addresses", a);
	json_object_object_get_ex(root, "peers", &peers);
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		json_object_object_add(peers, sets[i].set, ef_json_strs(sets[i].v4, sets[i].v6));

	json_object_object_get_ex(root, "settings", &settings);
	switch (variant) {
	case 0: /* the shield, short timeouts, every new flow logged */
		limits(settings, "access", limit(1, 3, 20), "av", limit(2, 2, 6));
		syn_flood(settings, "auto", 3, 30);
		json_object_object_add(settings, "log_allowed", json_object_new_boolean(1));
		event_limit(settings, 2, 3, 20);
		timeouts(settings, 5, 40, 4, 8, 3, 2);
		break;
	case 1: /* default timeouts, challenges always, egress monitor */
		syn_flood(settings, "always", 1000, 10);
		json_object_object_add(settings, "egress", json_object_new_string("monitor"));
		break;
	case 2: /* monitor mode over the shield */
		json_object_object_add(settings, "mode", json_object_new_string("monitor"));
		limits(settings, "access", limit(1, 2, 10), "internal", limit(1, 1, 5));
		syn_flood(settings, "auto", 2, 30);
		timeouts(settings, 5, 40, 4, 8, 3, 2);
		break;
	case 3: /* egress off, no ping, a tag excluded, /48 limits */
		json_object_object_add(settings, "egress", json_object_new_string("off"));
		json_object_object_add(settings, "ping", json_object_new_boolean(0));
		json_object_object_add(settings, "exclude_tags", ef_json_strs("ocs2007", NULL));
		json_object_object_add(settings, "limit_v6_prefix", json_object_new_int(48));
		limits(settings, "webconf", limit(1, 1, 5), "access", limit(3, 4, 8));
		syn_flood(settings, "off", 1000, 3600);
		timeouts(settings, 6, 30, 5, 20, 4, 3);
		break;
	default: /* variant 0 less a rule, other limits, no event limit */
		drop_rule(root, "ext-av-stun-tcp-443-in");
		limits(settings, "access", limit(2, 2, 12), "av", limit(1, 4, 9));
		syn_flood(settings, "auto", 4, 20);
		event_limit(settings, 0, 1, 1);
		timeouts(settings, 5, 40, 4, 8, 3, 2);
		break;
	}
	text = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return text;
}

int seq_policy_load(int variant, struct seq_gen *g)
{
	char *text = seq_policy_text(variant);
	struct ef_diag d;
	int rc = -1;

	memset(g, 0, sizeof(*g));
	if (!text)
		return -1;
	ef_diag_init(&d, "seq-policy");
	g->pol = ef_policy_parse("seq-policy", text, strlen(text), &d);
	if (g->pol && !d.errors) {
		g->node = ef_policy_node(g->pol, "edge1");
		if (g->node && ef_compile(g->pol, g->node, -1, &g->comp, &d) == 0)
			rc = 0;
	}
	if (rc)
		ef_diag_print(&d, stderr);
	ef_diag_free(&d);
	free(text);
	return rc;
}

void seq_policy_free(struct seq_gen *g)
{
	if (g->node && g->comp.pol)
		ef_compiled_free(&g->comp);
	ef_policy_free(g->pol);
	memset(g, 0, sizeof(*g));
}

const char *const seq_blocklist[] = { "198.51.100.200/32", "2001:db8:53::/48", NULL };
const char *const seq_allowlist[] = { "198.51.100.21/32", "2001:db8:51::21/128", NULL };

static int fill(struct ef_list *l, const char *const *cidrs, int on)
{
	for (int i = 0; on && cidrs[i]; i++) {
		struct ef_prefix p;

		if (ef_prefix_parse(cidrs[i], &p, NULL) || ef_list_add(l, &p))
			return -1;
	}
	ef_list_normalize(l);
	return 0;
}

/* as the agent loads them: the tries, the block list's IPv4 bitmap */
int seq_lists_apply(const struct ef_maps *m, int on)
{
	struct ef_list b = { 0 }, a = { 0 };
	size_t added, removed;
	bool bl4 = false;
	int rc = -1;

	if (!fill(&b, seq_blocklist, on) && !fill(&a, seq_allowlist, on) &&
	    !ef_blocklist_sync(m->blocklist, m->bl4, &b, &added, &removed, &bl4) &&
	    !ef_list_map_sync(m->allowlist, &a, &added, &removed))
		rc = ef_shield_update(m->shield, b.n, a.n, bl4);
	ef_list_free(&b);
	ef_list_free(&a);
	return rc;
}
