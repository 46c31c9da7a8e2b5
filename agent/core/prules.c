// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The policy parser: settings (modes, timeouts, table sizes, limits,
 * syn_flood) and rules (the checks across rules: names, restates, tags).
 */
#include <errno.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "edgefw/parse.h"
#include "pparse.h"

static int get_mode(struct pctx *c, json_object *obj, const char *key, bool allow_off, int *out)
{
	const char *s = pol_get_str(c, obj, "settings", key, false);
	char p[64];
	int mode;

	if (!s)
		return 0;
	snprintf(p, sizeof(p), "settings.%s", key);
	mode = ef_mode_from_name(s);
	if (mode < 0 || (mode == EF_MODE_OFF && !allow_off)) {
		ef_diag_error(c->d, p, "%s is not one of enforce, monitor%s", EF_Q(s),
			      allow_off ? ", off" : "");
		return -1;
	}
	*out = mode;
	return 0;
}

/* limits: { "new_flows_per_sec": N, "burst": M, "block_seconds": S } */
static void parse_limits(struct pctx *c, json_object *v, const char *path, struct ef_limits *l)
{
	static const char *const keys[] = { "new_flows_per_sec", "burst", "block_seconds", NULL };

	if (!json_object_is_type(v, json_type_object)) {
		ef_diag_error(c->d, path, "must be an object, not %s", pol_jtype(v));
		return;
	}
	pol_check_keys(c, v, path, keys);
	pol_get_u32(c, v, path, "new_flows_per_sec", 1, 1000000, &l->rate);
	l->burst = l->rate * 2;
	l->block_s = 300;
	pol_get_u32(c, v, path, "burst", 1, 10000000, &l->burst);
	pol_get_u32(c, v, path, "block_seconds", 1, 86400, &l->block_s);
	if (!pol_get(v, "new_flows_per_sec"))
		ef_diag_error(c->d, path, "new_flows_per_sec missing");
}

void pol_parse_settings(struct pctx *c, json_object *v)
{
	static const char *const keys[] = { "mode",
					    "egress",
					    "ping",
					    "log_allowed",
					    "exclude_tags",
					    "timeouts",
					    "flow_table_size",
					    "new_flow_table_size",
					    "fragment_table_size",
					    "event_limit",
					    "limits",
					    "limit_v6_prefix",
					    "syn_flood",
					    "description",
					    NULL };
	static const char *const ekeys[] = { "rate", "burst", "per_cpu", NULL };
	struct ef_settings *s = &c->p->settings;
	json_object *t;

	if (!v)
		return;
	if (!json_object_is_type(v, json_type_object)) {
		ef_diag_error(c->d, "settings", "must be an object, not %s", pol_jtype(v));
		return;
	}
	pol_check_keys(c, v, "settings", keys);
	get_mode(c, v, "mode", false, &s->mode);
	get_mode(c, v, "egress", true, &s->egress);
	pol_get_bool(c, v, "settings", "ping", &s->ping);
	pol_get_bool(c, v, "settings", "log_allowed", &s->log_allowed);
	if ((t = pol_get(v, "exclude_tags")))
		s->exclude_tags = pol_get_strlist(c, t, "settings.exclude_tags", &s->nexclude_tags);
	t = pol_get(v, "timeouts");
	if (t && !json_object_is_type(t, json_type_object)) {
		ef_diag_error(c->d, "settings.timeouts", "must be an object, not %s", pol_jtype(t));
	} else if (t) {
		static const char *tkeys[EF_TO_MAX + 1];

		for (int i = 0; i < EF_TO_MAX; i++)
			tkeys[i] = ef_timeout_names[i];
		pol_check_keys(c, t, "settings.timeouts", tkeys);
		for (int i = 0; i < EF_TO_MAX; i++)
			pol_get_u32(c, t, "settings.timeouts", ef_timeout_names[i], 1, 30u * 86400,
				    &s->timeout_s[i]);
	}
	pol_get_u32(c, v, "settings", "flow_table_size", 1024, 1u << 24, &s->flow_table_size);
	pol_get_u32(c, v, "settings", "new_flow_table_size", 1024, 1u << 24,
		    &s->new_flow_table_size);
	pol_get_u32(c, v, "settings", "fragment_table_size", 256, 1u << 20,
		    &s->fragment_table_size);
	pol_get_u32(c, v, "settings", "limit_v6_prefix", 32, 128, &s->limit_v6_prefix);
	t = pol_get(v, "limits");
	if (t && !json_object_is_type(t, json_type_object)) {
		ef_diag_error(c->d, "settings.limits", "must be an object of services, not %s",
			      pol_jtype(t));
	} else if (t) {
		json_object_object_foreach(t, svc, lv)
		{
			char p[128];
			int si = pol_name_index(ef_service_names, EF_SVC_MAX, svc);

			snprintf(p, sizeof(p), "settings.limits.%s", svc);
			if (si < 0)
				ef_diag_error(c->d, p, "unknown service %s", EF_Q(svc));
			else
				parse_limits(c, lv, p, &s->limits[si]);
		}
	}
	t = pol_get(v, "syn_flood");
	if (t && !json_object_is_type(t, json_type_object)) {
		ef_diag_error(c->d, "settings.syn_flood", "must be an object, not %s",
			      pol_jtype(t));
	} else if (t) {
		static const char *const skeys[] = { "mode", "threshold", "verified_seconds",
						     NULL };
		const char *m = pol_get_str(c, t, "settings.syn_flood", "mode", false);

		pol_check_keys(c, t, "settings.syn_flood", skeys);
		if (m && (s->syn_mode = ef_syn_mode_from_name(m)) < 0) {
			ef_diag_error(c->d, "settings.syn_flood.mode",
				      "%s is not off, auto or always", EF_Q(m));
			s->syn_mode = EF_SYN_AUTO;
		}
		pol_get_u32(c, t, "settings.syn_flood", "threshold", 1, 100000000,
			    &s->syn_threshold);
		pol_get_u32(c, t, "settings.syn_flood", "verified_seconds", 10, 604800,
			    &s->syn_verified_s);
	}
	t = pol_get(v, "event_limit");
	if (t && !json_object_is_type(t, json_type_object)) {
		ef_diag_error(c->d, "settings.event_limit", "must be an object, not %s",
			      pol_jtype(t));
	} else if (t) {
		pol_check_keys(c, t, "settings.event_limit", ekeys);
		pol_get_u32(c, t, "settings.event_limit", "rate", 0, 1000000, &s->event_rate);
		pol_get_u32(c, t, "settings.event_limit", "burst", 1, 1000000, &s->event_burst);
		pol_get_u32(c, t, "settings.event_limit", "per_cpu", 1, 10000000,
			    &s->event_cpu_rate);
		if (s->event_rate && s->event_burst < 1)
			s->event_burst = 1;
	}
}

void pol_set_defaults(struct ef_settings *s)
{
	s->mode = EF_MODE_ENFORCE;
	s->egress = EF_MODE_ENFORCE;
	s->ping = true;
	s->timeout_s[EF_TO_TCP_SYN] = EF_DEF_TO_TCP_SYN;
	s->timeout_s[EF_TO_TCP_EST] = EF_DEF_TO_TCP_EST;
	s->timeout_s[EF_TO_TCP_CLOSING] = EF_DEF_TO_TCP_CLOSING;
	s->timeout_s[EF_TO_UDP] = EF_DEF_TO_UDP;
	s->timeout_s[EF_TO_ICMP] = EF_DEF_TO_ICMP;
	s->timeout_s[EF_TO_FRAGMENT] = EF_DEF_TO_FRAGMENT;
	s->flow_table_size = EF_DEF_FLOWS;
	s->new_flow_table_size = EF_DEF_FLOWS_NEW;
	s->fragment_table_size = EF_DEF_FRAGS;
	s->event_rate = EF_DEF_EVENT_RATE;
	s->event_burst = EF_DEF_EVENT_BURST;
	s->event_cpu_rate = EF_DEF_EVENT_CPU_RATE;
	s->limit_v6_prefix = 64;
	s->syn_mode = EF_SYN_AUTO;
	s->syn_threshold = EF_DEF_SYN_THRESHOLD;
	s->syn_verified_s = EF_DEF_SYN_VERIFIED;
}

/* A rule's required member key, one of names[n]: its index; -1 when it is
 * missing or not one of them (said, with the choices in hint). */
static int rule_word(struct pctx *c, json_object *v, const char *path, const char *key,
		     const char *const *names, int n, const char *hint)
{
	const char *s = pol_get_str(c, v, path, key, true);
	char p[128];
	int k;

	if (!s)
		return -1;
	k = pol_name_index(names, n, s);
	if (k < 0) {
		snprintf(p, sizeof(p), "%s.%s", path, key);
		ef_diag_error(c->d, p, "unknown %s %s (%s)", key, EF_Q(s), hint);
	}
	return k;
}

void pol_parse_rule(struct pctx *c, json_object *v, const char *section, size_t i,
		    struct ef_prule *r)
{
	static const char *const dirs[] = { "in", "out" }, *const protos[] = { "tcp", "udp" };
	static const char *const keys[] = { "name",	"interface", "direction",   "service",
					    "protocol", "ports",     "local_ports", "peer",
					    "note",	"ref",	     "tags",	    "log",
					    "restates", "limits",    "description", NULL };
	char path[64], p[128];
	const char *s;
	json_object *x;
	int k;

	r->role = r->dir = r->service = r->peerset = -1;
	snprintf(path, sizeof(path), "%s[%zu]", section, i);
	if (pol_named_object(c, v, path, keys, &r->name))
		return;

	r->role = rule_word(c, v, path, "interface", ef_role_names, EF_ROLE_MAX,
			    "external or internal");
	r->dir = rule_word(c, v, path, "direction", dirs, 2, "in or out"); /* EF_DIR_IN, _OUT */
	r->service = rule_word(c, v, path, "service", ef_service_names, EF_SVC_MAX,
			       "access, webconf, av, xmpp, internal or management");
	k = rule_word(c, v, path, "protocol", protos, 2, "tcp or udp");
	if (k >= 0)
		r->proto = k ? IPPROTO_UDP : IPPROTO_TCP;

	if (r->role >= 0 && r->service >= 0 && ef_service_role(r->service) != r->role)
		ef_diag_error(c->d, path, "service %s lives on the %s interface, not the %s one",
			      ef_service_names[r->service],
			      ef_role_names[ef_service_role(r->service)], ef_role_names[r->role]);

	snprintf(p, sizeof(p), "%s.ports", path);
	x = pol_get(v, "ports");
	if (x)
		pol_parse_ports(c, x, p, &r->ports, &r->nports, &r->ports_any);
	else
		r->ports_any = true;

	snprintf(p, sizeof(p), "%s.local_ports", path);
	if ((x = pol_get(v, "local_ports"))) {
		if (json_object_is_type(x, json_type_array))
			ef_diag_error(c->d, p, "must be one port or one \"low-high\" range");
		else if (pol_parse_range(c, x, p, &r->lports) == 0)
			r->has_lports = true;
		if (r->dir == EF_DIR_IN)
			ef_diag_error(
				c->d, p,
				"applies to out rules; an in rule's ports are already the node's own");
	}
	if (r->dir == EF_DIR_IN && !pol_get(v, "ports"))
		ef_diag_error(c->d, path, "ports missing (an in rule must name the service ports)");
	if (r->dir == EF_DIR_OUT && !r->has_lports && !pol_get(v, "ports"))
		ef_diag_error(
			c->d, path,
			"ports missing (an out rule needs ports, local_ports or \"ports\": \"any\")");

	snprintf(p, sizeof(p), "%s.peer", path);
	x = pol_get(v, "peer");
	if (!x) {
		ef_diag_error(c->d, p, "missing (\"any\", a set from peers, or a list of CIDRs)");
	} else if (json_object_is_type(x, json_type_string)) {
		s = json_object_get_string(x);
		if (strcmp(s, "any") == 0) {
			r->peerset = -2; /* resolved below */
		} else {
			for (size_t k = 0; k < c->p->npeersets; k++)
				if (!c->p->peersets[k].inline_set &&
				    strcmp(c->p->peersets[k].name, s) == 0)
					r->peerset = (int)k;
			if (r->peerset < 0 && (strchr(s, '/') || strchr(s, ':') ||
					       strspn(s, "0123456789.") == strlen(s)))
				ef_diag_error(
					c->d, p,
					"unknown peer set %s (an inline list of CIDRs is written [%s])",
					EF_Q(s), EF_Q(s));
			else if (r->peerset < 0)
				ef_diag_error(c->d, p, "unknown peer set %s", EF_Q(s));
		}
	} else if (json_object_is_type(x, json_type_array)) {
		int idx = pol_add_peerset(c->p, p, true);

		if (idx >= 0) {
			pol_parse_peer_list(c, x, p, &c->p->peersets[idx]);
			r->peerset = idx;
		}
	} else {
		ef_diag_error(c->d, p, "must be \"any\", a set name or a list of CIDRs, not %s",
			      pol_jtype(x));
	}

	r->note = pol_dupstr(pol_get_str(c, v, path, "note", false));
	r->restates = pol_dupstr(pol_get_str(c, v, path, "restates", false));
	if ((x = pol_get(v, "limits"))) {
		snprintf(p, sizeof(p), "%s.limits", path);
		parse_limits(c, x, p, &r->limits);
		if (r->dir == EF_DIR_OUT)
			ef_diag_error(
				c->d, p,
				"limits apply to in rules (sources opening flows to the node)");
	}
	r->ref = pol_dupstr(pol_get_str(c, v, path, "ref", false));
	if ((x = pol_get(v, "tags"))) {
		snprintf(p, sizeof(p), "%s.tags", path);
		r->tags = pol_get_strlist(c, x, p, &r->ntags);
	}
	pol_get_bool(c, v, path, "log", &r->log);
}

/* "rules[3]" or "management[0]": where rule i of p->rules was written. */
static void rule_path(const struct ef_policy *p, size_t i, char *buf, size_t len)
{
	size_t nr = p->nrules - p->nmanagement;

	if (i < nr)
		snprintf(buf, len, "rules[%zu]", i);
	else
		snprintf(buf, len, "management[%zu]", i - nr);
}

void pol_check_rules(struct pctx *c)
{
	struct ef_policy *p = c->p;

	for (size_t i = 0; i < p->nrules; i++) {
		if (p->rules[i].peerset == -2)
			p->rules[i].peerset = pol_any_peerset(p);
		for (size_t j = 0; j < i; j++) {
			char path[64], other[64];

			if (!p->rules[i].name || !p->rules[j].name ||
			    strcmp(p->rules[i].name, p->rules[j].name))
				continue;
			rule_path(p, i, path, sizeof(path));
			rule_path(p, j, other, sizeof(other));
			strcat(path, ".name");
			ef_diag_error(c->d, path, "duplicate rule name %s (also %s)",
				      EF_Q(p->rules[i].name), other);
			break; /* name the first clash only */
		}
	}
	for (size_t i = 0; i < p->nrules; i++) {
		const char *want = p->rules[i].restates;
		bool found = false;
		char path[64];

		if (!want)
			continue;
		for (size_t j = 0; j < i && !found; j++)
			found = p->rules[j].name && !strcmp(p->rules[j].name, want);
		rule_path(p, i, path, sizeof(path));
		strcat(path, ".restates");
		if (!found)
			ef_diag_error(c->d, path, "%s is not an earlier rule", EF_Q(want));
	}
	for (size_t t = 0; t < p->settings.nexclude_tags; t++) {
		bool used = false;

		for (size_t i = 0; i < p->nrules && !used; i++)
			for (size_t k = 0; k < p->rules[i].ntags; k++)
				if (strcmp(p->rules[i].tags[k], p->settings.exclude_tags[t]) == 0)
					used = true;
		if (!used)
			ef_diag_warn(c->d, "settings.exclude_tags", "tag %s is on no rule",
				     EF_Q(p->settings.exclude_tags[t]));
	}
}
