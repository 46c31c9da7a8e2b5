// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Policy parsing (json-c) and checking.  Every problem becomes one message
 * "FILE: PATH: what is wrong" in the diag; parsing goes on after an error
 * so that validate reports all problems at once.
 */
#include <errno.h>
#include <ctype.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <zlib.h>

#include "edgefw/parse.h"
#include "policy.h"

#define EF_JSON_MAX_DEPTH 16
#define EF_POLICY_MAX_BYTES (256u << 20)

const char *const ef_role_names[EF_ROLE_MAX] = { "external", "internal" };
const char *const ef_service_names[EF_SVC_MAX] = { "access", "webconf", "av",
						   "xmpp", "internal", "management" };
const char *const ef_timeout_names[EF_TO_MAX] = {
	"tcp_syn", "tcp_established", "tcp_closing", "udp", "icmp", "fragment"
};

int ef_service_role(int service)
{
	return service == EF_SVC_INTERNAL || service == EF_SVC_MANAGEMENT ?
		       EF_ROLE_INTERNAL :
		       EF_ROLE_EXTERNAL;
}

static int name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/* ---- small json helpers ------------------------------------------------- */

struct pctx {
	struct ef_diag *d;
	struct ef_policy *p;
};

static const char *jtype(json_object *o)
{
	return o ? json_type_to_name(json_object_get_type(o)) : "null";
}

/* Complain about keys not in allowed[] (NULL-terminated), and about null
 * values: "key": null is not "key absent". */
static void check_keys(struct pctx *c, json_object *obj, const char *path,
		       const char *const *allowed)
{
	json_object_object_foreach(obj, key, val) {
		int ok = 0;

		for (const char *const *a = allowed; *a; a++)
			if (strcmp(*a, key) == 0)
				ok = 1;
		if (!ok) {
			ef_diag_error(c->d, path, "unknown key %s", EF_Q(key));
		} else if (!val) {
			char p[256];

			snprintf(p, sizeof(p), "%s%s%s", path, *path ? "." : "", key);
			ef_diag_error(c->d, p, "null is not allowed (leave the key out for the default)");
		}
	}
}

static void subpath(char *buf, size_t len, const char *path, const char *key)
{
	snprintf(buf, len, "%s%s%s", path, *path ? "." : "", key);
}

static json_object *get(json_object *obj, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

/* A string member; NULL (and an error if required) when missing/wrong. */
static const char *get_str(struct pctx *c, json_object *obj, const char *path,
			   const char *key, bool required)
{
	json_object *v = get(obj, key);
	char p[256];

	snprintf(p, sizeof(p), "%s%s%s", path, *path ? "." : "", key);
	if (!v) {
		if (required)
			ef_diag_error(c->d, p, "missing (a string is required)");
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		ef_diag_error(c->d, p, "must be a string, not %s", jtype(v));
		return NULL;
	}
	return json_object_get_string(v);
}

static char *dupstr(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int get_bool(struct pctx *c, json_object *obj, const char *path,
		    const char *key, bool *out)
{
	json_object *v = get(obj, key);
	char p[256];

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		subpath(p, sizeof(p), path, key);
		ef_diag_error(c->d, p, "must be true or false, not %s", jtype(v));
		return -1;
	}
	*out = json_object_get_boolean(v);
	return 0;
}

/* An array of strings (a lone string is accepted as a one-element list). */
static char **get_strlist(struct pctx *c, json_object *v, const char *path,
			  size_t *n)
{
	char **out;
	size_t len;

	*n = 0;
	if (json_object_is_type(v, json_type_string)) {
		out = calloc(1, sizeof(*out));
		if (out) {
			out[0] = strdup(json_object_get_string(v));
			*n = 1;
		}
		return out;
	}
	if (!json_object_is_type(v, json_type_array)) {
		ef_diag_error(c->d, path, "must be a string or a list of strings, not %s",
			      jtype(v));
		return NULL;
	}
	len = json_object_array_length(v);
	out = calloc(len ? len : 1, sizeof(*out));
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_string)) {
			char p[256];

			snprintf(p, sizeof(p), "%s[%zu]", path, i);
			ef_diag_error(c->d, p, "must be a string, not %s", jtype(e));
			continue;
		}
		out[(*n)++] = strdup(json_object_get_string(e));
	}
	return out;
}

static void free_strlist(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- ports ------------------------------------------------------------------ */

/* "5061", "50000-59999" or a number. */
static int parse_range(struct pctx *c, json_object *v, const char *path,
		       struct ef_range *r)
{
	long lo, hi;
	char *end;
	const char *s;

	if (json_object_is_type(v, json_type_int)) {
		lo = hi = (long)json_object_get_int64(v);
	} else if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		errno = 0;
		if (!isdigit((unsigned char)*s))
			goto bad;
		lo = strtol(s, &end, 10);
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				goto bad;
			hi = strtol(end + 1, &end, 10);
		} else {
			hi = lo;
		}
		if (*end || errno)
			goto bad;
	} else {
		ef_diag_error(c->d, path,
			      "must be a port number or a \"low-high\" string, not %s",
			      jtype(v));
		return -1;
	}
	if (lo < 1 || lo > 65535 || hi < 1 || hi > 65535) {
		if (lo == hi)
			ef_diag_error(c->d, path, "port %ld out of range 1-65535", lo);
		else
			ef_diag_error(c->d, path, "range %ld-%ld out of range 1-65535",
				      lo, hi);
		return -1;
	}
	if (hi < lo) {
		ef_diag_error(c->d, path, "range %ld-%ld is reversed", lo, hi);
		return -1;
	}
	r->lo = (uint16_t)lo;
	r->hi = (uint16_t)hi;
	return 0;
bad:
	ef_diag_error(c->d, path, "%s is not a port or a port range",
		      EF_Q(json_object_get_string(v)));
	return -1;
}

/* ports: "any", a range, or a list of ranges. */
static int parse_ports(struct pctx *c, json_object *v, const char *path,
		       struct ef_range **out, size_t *n, bool *any)
{
	size_t len;

	*n = 0;
	*any = false;
	if (json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), "any") == 0) {
		*any = true;
		return 0;
	}
	if (!json_object_is_type(v, json_type_array)) {
		*out = calloc(1, sizeof(**out));
		if (!*out || parse_range(c, v, path, *out))
			return -1;
		*n = 1;
		return 0;
	}
	len = json_object_array_length(v);
	if (len == 0) {
		ef_diag_error(c->d, path, "empty list (use \"any\" for every port)");
		return -1;
	}
	*out = calloc(len, sizeof(**out));
	if (!*out)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char p[256];

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (parse_range(c, json_object_array_get_idx(v, i), p,
				&(*out)[*n]) == 0)
			(*n)++;
	}
	return 0;
}

/* ---- peers ------------------------------------------------------------------ */

static bool valid_name(const char *s);

static int add_peerset(struct ef_policy *p, const char *name, bool inl)
{
	struct ef_peerset *n = realloc(p->peersets,
				       sizeof(*n) * (p->npeersets + 1));

	if (!n)
		return -1;
	p->peersets = n;
	memset(&n[p->npeersets], 0, sizeof(*n));
	n[p->npeersets].name = strdup(name);
	n[p->npeersets].inline_set = inl;
	return (int)p->npeersets++;
}

/* Fill a set from a list of "any" / CIDR strings. */
static void parse_peer_list(struct pctx *c, json_object *v, const char *path,
			    struct ef_peerset *ps)
{
	size_t len;

	if (json_object_is_type(v, json_type_string)) {
		json_object *a = json_object_new_array();

		json_object_array_add(a, json_object_get(v));
		parse_peer_list(c, a, path, ps);
		json_object_put(a);
		return;
	}
	if (!json_object_is_type(v, json_type_array)) {
		ef_diag_error(c->d, path, "must be a list of CIDRs or \"any\", not %s",
			      jtype(v));
		return;
	}
	len = json_object_array_length(v);
	if (len == 0) {
		ef_diag_error(c->d, path,
			      "empty set would match nothing (use [\"any\"] or list prefixes)");
		return;
	}
	ps->pfx = calloc(len, sizeof(*ps->pfx));
	if (!ps->pfx)
		return;
	for (size_t i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		const char *s, *why;
		char p[256];

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (!json_object_is_type(e, json_type_string)) {
			ef_diag_error(c->d, p, "must be a string, not %s", jtype(e));
			continue;
		}
		s = json_object_get_string(e);
		if (strcmp(s, "any") == 0) {
			ps->any = true;
			continue;
		}
		if (ef_prefix_parse(s, &ps->pfx[ps->n], &why)) {
			ef_diag_error(c->d, p, "bad CIDR %s: %s", EF_Q(s), why);
			continue;
		}
		ps->n++;
	}
	if (ps->any && ps->n)
		ef_diag_warn(c->d, path,
			     "\"any\" together with prefixes: the prefixes are redundant");
}

static void parse_peers(struct pctx *c, json_object *v)
{
	if (!v)
		return;
	if (!json_object_is_type(v, json_type_object)) {
		ef_diag_error(c->d, "peers", "must be an object of named sets, not %s",
			      jtype(v));
		return;
	}
	json_object_object_foreach(v, key, val) {
		char p[256];
		int idx;

		snprintf(p, sizeof(p), "peers.%s", key);
		if (strcmp(key, "any") == 0) {
			ef_diag_error(c->d, p, "\"any\" is reserved and cannot name a set");
			continue;
		}
		if (!valid_name(key))
			ef_diag_error(c->d, p,
				      "set name: use letters, digits, '.', '_' or '-' (at most 63)");
		idx = add_peerset(c->p, key, false);
		if (idx < 0)
			return;
		parse_peer_list(c, val, p, &c->p->peersets[idx]);
	}
}

/* ---- settings --------------------------------------------------------------- */

static int get_u32(struct pctx *c, json_object *obj, const char *path,
		   const char *key, uint32_t min, uint32_t max, uint32_t *out)
{
	json_object *v = get(obj, key);
	char p[256];
	int64_t x;

	if (!v)
		return 0;
	subpath(p, sizeof(p), path, key);
	if (!json_object_is_type(v, json_type_int)) {
		ef_diag_error(c->d, p, "must be an integer, not %s", jtype(v));
		return -1;
	}
	x = json_object_get_int64(v);
	if (x < min || x > max) {
		ef_diag_error(c->d, p, "%s out of range %u-%u",
			      json_object_get_string(v), min, max);
		return -1;
	}
	*out = (uint32_t)x;
	return 0;
}

static int get_mode(struct pctx *c, json_object *obj, const char *key,
		    bool allow_off, int *out)
{
	const char *s = get_str(c, obj, "settings", key, false);
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
static void parse_limits(struct pctx *c, json_object *v, const char *path,
			 struct ef_limits *l)
{
	static const char *const keys[] = { "new_flows_per_sec", "burst", "block_seconds", NULL };

	if (!json_object_is_type(v, json_type_object)) {
		ef_diag_error(c->d, path, "must be an object, not %s", jtype(v));
		return;
	}
	check_keys(c, v, path, keys);
	get_u32(c, v, path, "new_flows_per_sec", 1, 1000000, &l->rate);
	l->burst = l->rate * 2;
	l->block_s = 300;
	get_u32(c, v, path, "burst", 1, 10000000, &l->burst);
	get_u32(c, v, path, "block_seconds", 1, 86400, &l->block_s);
	if (!get(v, "new_flows_per_sec"))
		ef_diag_error(c->d, path, "new_flows_per_sec missing");
}

static void parse_settings(struct pctx *c, json_object *v)
{
	static const char *const keys[] = {
		"mode", "egress", "ping", "log_allowed", "exclude_tags",
		"timeouts", "flow_table_size", "new_flow_table_size",
		"fragment_table_size", "event_limit", "limits", "limit_v6_prefix",
		"syn_flood", "description", NULL
	};
	static const char *const ekeys[] = { "rate", "burst", "per_cpu", NULL };
	struct ef_settings *s = &c->p->settings;
	json_object *t;

	if (!v)
		return;
	if (!json_object_is_type(v, json_type_object)) {
		ef_diag_error(c->d, "settings", "must be an object, not %s", jtype(v));
		return;
	}
	check_keys(c, v, "settings", keys);
	get_mode(c, v, "mode", false, &s->mode);
	get_mode(c, v, "egress", true, &s->egress);
	get_bool(c, v, "settings", "ping", &s->ping);
	get_bool(c, v, "settings", "log_allowed", &s->log_allowed);
	if ((t = get(v, "exclude_tags")))
		s->exclude_tags = get_strlist(c, t, "settings.exclude_tags",
					      &s->nexclude_tags);
	t = get(v, "timeouts");
	if (t && !json_object_is_type(t, json_type_object)) {
		ef_diag_error(c->d, "settings.timeouts", "must be an object, not %s",
			      jtype(t));
	} else if (t) {
		static const char *tkeys[EF_TO_MAX + 1];

		for (int i = 0; i < EF_TO_MAX; i++)
			tkeys[i] = ef_timeout_names[i];
		check_keys(c, t, "settings.timeouts", tkeys);
		for (int i = 0; i < EF_TO_MAX; i++)
			get_u32(c, t, "settings.timeouts", ef_timeout_names[i], 1,
				30u * 86400, &s->timeout_s[i]);
	}
	get_u32(c, v, "settings", "flow_table_size", 1024, 1u << 24,
		&s->flow_table_size);
	get_u32(c, v, "settings", "new_flow_table_size", 1024, 1u << 24,
		&s->new_flow_table_size);
	get_u32(c, v, "settings", "fragment_table_size", 256, 1u << 20,
		&s->fragment_table_size);
	get_u32(c, v, "settings", "limit_v6_prefix", 32, 128, &s->limit_v6_prefix);
	t = get(v, "limits");
	if (t && !json_object_is_type(t, json_type_object)) {
		ef_diag_error(c->d, "settings.limits", "must be an object of services, not %s", jtype(t));
	} else if (t) {
		json_object_object_foreach(t, svc, lv) {
			char p[128];
			int si = name_index(ef_service_names, EF_SVC_MAX, svc);

			snprintf(p, sizeof(p), "settings.limits.%s", svc);
			if (si < 0)
				ef_diag_error(c->d, p, "unknown service %s", EF_Q(svc));
			else
				parse_limits(c, lv, p, &s->limits[si]);
		}
	}
	t = get(v, "syn_flood");
	if (t && !json_object_is_type(t, json_type_object)) {
		ef_diag_error(c->d, "settings.syn_flood", "must be an object, not %s", jtype(t));
	} else if (t) {
		static const char *const skeys[] = { "mode", "threshold", "verified_seconds", NULL };
		const char *m = get_str(c, t, "settings.syn_flood", "mode", false);

		check_keys(c, t, "settings.syn_flood", skeys);
		if (m && (s->syn_mode = ef_syn_mode_from_name(m)) < 0) {
			ef_diag_error(c->d, "settings.syn_flood.mode",
				      "%s is not off, auto or always", EF_Q(m));
			s->syn_mode = EF_SYN_AUTO;
		}
		get_u32(c, t, "settings.syn_flood", "threshold", 1, 100000000, &s->syn_threshold);
		get_u32(c, t, "settings.syn_flood", "verified_seconds", 10, 604800,
			&s->syn_verified_s);
	}
	t = get(v, "event_limit");
	if (t && !json_object_is_type(t, json_type_object)) {
		ef_diag_error(c->d, "settings.event_limit", "must be an object, not %s",
			      jtype(t));
	} else if (t) {
		check_keys(c, t, "settings.event_limit", ekeys);
		get_u32(c, t, "settings.event_limit", "rate", 0, 1000000, &s->event_rate);
		get_u32(c, t, "settings.event_limit", "burst", 1, 1000000, &s->event_burst);
		get_u32(c, t, "settings.event_limit", "per_cpu", 1, 10000000, &s->event_cpu_rate);
		if (s->event_rate && s->event_burst < 1)
			s->event_burst = 1;
	}
}

/* ---- nodes ------------------------------------------------------------------- */

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) > 63)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return false;
	return true;
}

static void parse_node(struct pctx *c, json_object *v, size_t i,
		       struct ef_node *n)
{
	static const char *const keys[] = { "name", "interfaces", "addresses",
					    "description", NULL };
	static const char *const ikeys[] = { "external", "internal", NULL };
	static const char *akeys[EF_SVC_MAX + 1];
	char path[64], p[128];
	json_object *ifs, *addrs;
	const char *name;

	for (int s = 0; s < EF_SVC_MAX; s++)
		akeys[s] = ef_service_names[s];
	snprintf(path, sizeof(path), "nodes[%zu]", i);
	if (!json_object_is_type(v, json_type_object)) {
		ef_diag_error(c->d, path, "must be an object, not %s", jtype(v));
		return;
	}
	check_keys(c, v, path, keys);
	name = get_str(c, v, path, "name", true);
	snprintf(p, sizeof(p), "%s.name", path);
	if (name && !valid_name(name))
		ef_diag_error(c->d, p,
			      "%s: use letters, digits, '.', '_' or '-' (at most 63)",
			      EF_Q(name));
	n->name = dupstr(name);

	ifs = get(v, "interfaces");
	snprintf(p, sizeof(p), "%s.interfaces", path);
	if (!ifs || !json_object_is_type(ifs, json_type_object)) {
		if (ifs)
			ef_diag_error(c->d, p, "must be an object, not %s", jtype(ifs));
		else
			ef_diag_error(c->d, p, "missing (external and internal NIC names)");
	} else {
		check_keys(c, ifs, p, ikeys);
		for (int r = 0; r < EF_ROLE_MAX; r++) {
			json_object *x = get(ifs, ef_role_names[r]);
			char q[160];

			snprintf(q, sizeof(q), "%s.%s", p, ef_role_names[r]);
			if (!x) {
				ef_diag_error(c->d, q, "interface missing");
				continue;
			}
			n->ifnames[r] = get_strlist(c, x, q, &n->nifnames[r]);
			if (n->ifnames[r] && n->nifnames[r] == 0)
				ef_diag_error(c->d, q, "interface missing");
			for (size_t k = 0; k < n->nifnames[r]; k++) {
				const char *s = n->ifnames[r][k];

				if (!*s || strlen(s) >= IFNAMSIZ || strchr(s, '/') ||
				    strchr(s, ' '))
					ef_diag_error(c->d, q,
						      "%s is not a valid interface name", EF_Q(s));
				for (size_t j = 0; j < k; j++)
					if (strcmp(n->ifnames[r][j], s) == 0)
						ef_diag_error(c->d, q, "%s is listed twice", EF_BARE(s));
			}
		}
		for (size_t a = 0; a < n->nifnames[0]; a++)
			for (size_t b = 0; b < n->nifnames[1]; b++)
				if (strcmp(n->ifnames[0][a], n->ifnames[1][b]) == 0)
					ef_diag_error(c->d, p,
						      "%s is both the external and the internal interface",
						      EF_BARE(n->ifnames[0][a]));
	}

	addrs = get(v, "addresses");
	snprintf(p, sizeof(p), "%s.addresses", path);
	if (!addrs || !json_object_is_type(addrs, json_type_object)) {
		if (addrs)
			ef_diag_error(c->d, p, "must be an object, not %s", jtype(addrs));
		else
			ef_diag_error(c->d, p, "missing (service addresses)");
		return;
	}
	check_keys(c, addrs, p, akeys);
	for (int s = 0; s < EF_SVC_MAX; s++) {
		json_object *x = get(addrs, ef_service_names[s]);
		struct ef_addrlist *al = &n->addrs[s];
		char q[160];
		size_t len;

		if (!x)
			continue;
		al->present = true;
		snprintf(q, sizeof(q), "%s.%s", p, ef_service_names[s]);
		if (json_object_is_type(x, json_type_string)) {
			ef_diag_error(c->d, q, "must be a list of addresses");
			continue;
		}
		if (!json_object_is_type(x, json_type_array)) {
			ef_diag_error(c->d, q, "must be a list of addresses, not %s",
				      jtype(x));
			continue;
		}
		len = json_object_array_length(x);
		al->a = calloc(len ? len : 1, sizeof(*al->a));
		if (!al->a)
			continue;
		for (size_t k = 0; k < len; k++) {
			json_object *e = json_object_array_get_idx(x, k);
			const char *str = json_object_get_string(e);
			char r[200];

			snprintf(r, sizeof(r), "%s[%zu]", q, k);
			if (!json_object_is_type(e, json_type_string) ||
			    ef_addr_parse(str, &al->a[al->n])) {
				ef_diag_error(c->d, r, "%s is not an IPv4 or IPv6 address",
					      EF_Q(str));
				continue;
			}
			if (ef_addr_bad_source(&al->a[al->n])) {
				ef_diag_error(c->d, r,
					      "%s cannot be a service address (unspecified, loopback, multicast or broadcast)",
					      str);
				continue;
			}
			al->n++;
		}
	}
}

/* Each address belongs to one service of one node; xmpp may share access's. */
static void check_addresses(struct pctx *c)
{
	struct ef_policy *p = c->p;

	for (size_t n1 = 0; n1 < p->nnodes; n1++) {
		for (int s1 = 0; s1 < EF_SVC_MAX; s1++) {
			const struct ef_addrlist *l1 = &p->nodes[n1].addrs[s1];

			for (size_t i1 = 0; i1 < l1->n; i1++) {
				for (size_t n2 = n1; n2 < p->nnodes; n2++) {
					for (int s2 = (n2 == n1 ? s1 : 0); s2 < EF_SVC_MAX; s2++) {
						const struct ef_addrlist *l2 = &p->nodes[n2].addrs[s2];
						size_t start = (n2 == n1 && s2 == s1) ? i1 + 1 : 0;

						for (size_t i2 = start; i2 < l2->n; i2++) {
							char a[EF_ADDRSTRLEN], path[128];

							if (!ef_addr_eq(&l1->a[i1], &l2->a[i2]))
								continue;
							if (n1 == n2 && ((s1 == EF_SVC_ACCESS && s2 == EF_SVC_XMPP) ||
									 (s1 == EF_SVC_XMPP && s2 == EF_SVC_ACCESS)))
								continue;
							ef_addr_fmt(&l1->a[i1], a, sizeof(a));
							snprintf(path, sizeof(path), "nodes[%zu].addresses.%s[%zu]",
								 n2, ef_service_names[s2], i2);
							if (n1 != n2)
								ef_diag_error(c->d, path,
									      "%s is also an address of node %s",
									      a, p->nodes[n1].name ? EF_BARE(p->nodes[n1].name) : "?");
							else if (s1 == s2)
								ef_diag_error(c->d, path, "%s is listed twice", a);
							else
								ef_diag_error(c->d, path,
									      "%s is used by two services (%s and %s)",
									      a, ef_service_names[s1], ef_service_names[s2]);
						}
					}
				}
			}
		}
	}
}

/* ---- rules ---------------------------------------------------------------------- */

static void parse_rule(struct pctx *c, json_object *v, const char *section,
		       size_t i, struct ef_prule *r)
{
	static const char *const keys[] = {
		"name", "interface", "direction", "service", "protocol", "ports",
		"local_ports", "peer", "note", "ref", "tags", "log",
		"restates", "limits", "description", NULL
	};
	char path[64], p[128];
	const char *s;
	json_object *x;

	r->role = r->dir = r->service = r->peerset = -1;
	snprintf(path, sizeof(path), "%s[%zu]", section, i);
	if (!json_object_is_type(v, json_type_object)) {
		ef_diag_error(c->d, path, "must be an object, not %s", jtype(v));
		return;
	}
	check_keys(c, v, path, keys);
	s = get_str(c, v, path, "name", true);
	snprintf(p, sizeof(p), "%s.name", path);
	if (s && !valid_name(s))
		ef_diag_error(c->d, p,
			      "%s: use letters, digits, '.', '_' or '-' (at most 63)",
			      EF_Q(s));
	r->name = dupstr(s);

	snprintf(p, sizeof(p), "%s.interface", path);
	if ((s = get_str(c, v, path, "interface", true)) &&
	    (r->role = name_index(ef_role_names, EF_ROLE_MAX, s)) < 0)
		ef_diag_error(c->d, p, "unknown interface %s (external or internal)", EF_Q(s));

	snprintf(p, sizeof(p), "%s.direction", path);
	if ((s = get_str(c, v, path, "direction", true))) {
		if (strcmp(s, "in") == 0)
			r->dir = EF_DIR_IN;
		else if (strcmp(s, "out") == 0)
			r->dir = EF_DIR_OUT;
		else
			ef_diag_error(c->d, p, "unknown direction %s (in or out)", EF_Q(s));
	}

	snprintf(p, sizeof(p), "%s.service", path);
	if ((s = get_str(c, v, path, "service", true)) &&
	    (r->service = name_index(ef_service_names, EF_SVC_MAX, s)) < 0)
		ef_diag_error(c->d, p,
			      "unknown service %s (access, webconf, av, xmpp, internal or management)", EF_Q(s));

	snprintf(p, sizeof(p), "%s.protocol", path);
	if ((s = get_str(c, v, path, "protocol", true))) {
		if (strcmp(s, "tcp") == 0)
			r->proto = IPPROTO_TCP;
		else if (strcmp(s, "udp") == 0)
			r->proto = IPPROTO_UDP;
		else
			ef_diag_error(c->d, p, "unknown protocol %s (tcp or udp)", EF_Q(s));
	}

	if (r->role >= 0 && r->service >= 0 &&
	    ef_service_role(r->service) != r->role)
		ef_diag_error(c->d, path,
			      "service %s lives on the %s interface, not the %s one",
			      ef_service_names[r->service],
			      ef_role_names[ef_service_role(r->service)],
			      ef_role_names[r->role]);

	snprintf(p, sizeof(p), "%s.ports", path);
	x = get(v, "ports");
	if (x)
		parse_ports(c, x, p, &r->ports, &r->nports, &r->ports_any);
	else
		r->ports_any = true;

	snprintf(p, sizeof(p), "%s.local_ports", path);
	if ((x = get(v, "local_ports"))) {
		if (json_object_is_type(x, json_type_array))
			ef_diag_error(c->d, p, "must be one port or one \"low-high\" range");
		else if (parse_range(c, x, p, &r->lports) == 0)
			r->has_lports = true;
		if (r->dir == EF_DIR_IN)
			ef_diag_error(c->d, p,
				      "applies to out rules; an in rule's ports are already the node's own");
	}
	if (r->dir == EF_DIR_IN && !get(v, "ports"))
		ef_diag_error(c->d, path,
			      "ports missing (an in rule must name the service ports)");
	if (r->dir == EF_DIR_OUT && !r->has_lports && !get(v, "ports"))
		ef_diag_error(c->d, path,
			      "ports missing (an out rule needs ports, local_ports or \"ports\": \"any\")");

	snprintf(p, sizeof(p), "%s.peer", path);
	x = get(v, "peer");
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
				ef_diag_error(c->d, p,
					      "unknown peer set %s (an inline list of CIDRs is written [%s])",
					      EF_Q(s), EF_Q(s));
			else if (r->peerset < 0)
				ef_diag_error(c->d, p, "unknown peer set %s", EF_Q(s));
		}
	} else if (json_object_is_type(x, json_type_array)) {
		int idx = add_peerset(c->p, p, true);

		if (idx >= 0) {
			parse_peer_list(c, x, p, &c->p->peersets[idx]);
			r->peerset = idx;
		}
	} else {
		ef_diag_error(c->d, p, "must be \"any\", a set name or a list of CIDRs, not %s",
			      jtype(x));
	}

	r->note = dupstr(get_str(c, v, path, "note", false));
	r->restates = dupstr(get_str(c, v, path, "restates", false));
	if ((x = get(v, "limits"))) {
		snprintf(p, sizeof(p), "%s.limits", path);
		parse_limits(c, x, p, &r->limits);
		if (r->dir == EF_DIR_OUT)
			ef_diag_error(c->d, p, "limits apply to in rules (sources opening flows to the node)");
	}
	r->ref = dupstr(get_str(c, v, path, "ref", false));
	if ((x = get(v, "tags"))) {
		snprintf(p, sizeof(p), "%s.tags", path);
		r->tags = get_strlist(c, x, p, &r->ntags);
	}
	get_bool(c, v, path, "log", &r->log);
}

/* ---- top level ------------------------------------------------------------------ */

static int any_peerset(struct ef_policy *p)
{
	for (size_t k = 0; k < p->npeersets; k++)
		if (p->peersets[k].inline_set && strcmp(p->peersets[k].name, "any") == 0)
			return (int)k;
	int idx = add_peerset(p, "any", true);

	if (idx >= 0)
		p->peersets[idx].any = true;
	return idx;
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

static void check_rules(struct pctx *c)
{
	struct ef_policy *p = c->p;

	for (size_t i = 0; i < p->nrules; i++) {
		if (p->rules[i].peerset == -2)
			p->rules[i].peerset = any_peerset(p);
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
			ef_diag_warn(c->d, "settings.exclude_tags",
				     "tag %s is on no rule", EF_Q(p->settings.exclude_tags[t]));
	}
}

static void check_nodes(struct pctx *c)
{
	struct ef_policy *p = c->p;

	for (size_t i = 0; i < p->nnodes; i++)
		for (size_t j = 0; j < i; j++)
			if (p->nodes[i].name && p->nodes[j].name &&
			    strcmp(p->nodes[i].name, p->nodes[j].name) == 0) {
				char path[64];

				snprintf(path, sizeof(path), "nodes[%zu].name", i);
				ef_diag_error(c->d, path,
					      "duplicate node name %s (also nodes[%zu])",
					      EF_Q(p->nodes[i].name), j);
				break;
			}
	check_addresses(c);
}

static void set_defaults(struct ef_settings *s)
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

static size_t line_of(const char *text, size_t off)
{
	size_t line = 1;

	for (size_t i = 0; i < off && text[i]; i++)
		if (text[i] == '\n')
			line++;
	return line;
}

struct ef_policy *ef_policy_parse(const char *file, const char *text,
				  size_t len, struct ef_diag *d)
{
	static const char *const keys[] = { "format", "name", "description",
					    "settings", "peers", "nodes",
					    "rules", "management", "template", "$schema", NULL };
	struct json_tokener *tok;
	struct ef_policy *p;
	json_object *root, *v;
	struct pctx c;
	json_object *m;
	const char *s;

	if (memchr(text, '\0', len)) {
		ef_diag_error(d, NULL, "not valid JSON: contains a NUL byte");
		return NULL;
	}
	tok = json_tokener_new_ex(EF_JSON_MAX_DEPTH);
	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					    JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) < len) {
		enum json_tokener_error err = json_tokener_get_error(tok);
		size_t off = json_tokener_get_parse_end(tok);

		if (err == json_tokener_continue)
			ef_diag_error(d, NULL, "not valid JSON: unexpected end of file");
		else if (err == json_tokener_success)
			ef_diag_error(d, NULL,
				      "not valid JSON: trailing data at line %zu", line_of(text, off));
		else
			ef_diag_error(d, NULL, "not valid JSON: %s at line %zu",
				      json_tokener_error_desc(err), line_of(text, off));
		json_object_put(root);
		json_tokener_free(tok);
		return NULL;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(root, json_type_object)) {
		ef_diag_error(d, NULL, "a policy is a JSON object, not %s", jtype(root));
		json_object_put(root);
		return NULL;
	}

	p = calloc(1, sizeof(*p));
	if (!p) {
		json_object_put(root);
		return NULL;
	}
	p->file = strdup(file);
	p->crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), (const Bytef *)text,
				 (uInt)len);
	set_defaults(&p->settings);
	c.d = d;
	c.p = p;

	check_keys(&c, root, "", keys);
	s = get_str(&c, root, "", "format", true);
	if (s && strcmp(s, EF_POLICY_FORMAT) != 0)
		ef_diag_error(d, "format", "%s is not supported (expected \"%s\")", EF_Q(s),
			      EF_POLICY_FORMAT);
	p->name = dupstr(get_str(&c, root, "", "name", true));
	{
		bool tmpl = false;

		get_bool(&c, root, "", "template", &tmpl);
		if (tmpl)
			ef_diag_error(d, "template",
				      "this is the policy template edgefw ships: fill in the \"nodes\" "
				      "section with this pool's edge nodes (name = short hostname, NICs, "
				      "service addresses), set \"admin_hosts\" to your jump hosts, then "
				      "remove \"template\": true (see edgefw-policy(5))");
	}
	parse_settings(&c, get(root, "settings"));
	parse_peers(&c, get(root, "peers"));

	v = get(root, "nodes");
	if (!v || !json_object_is_type(v, json_type_array) ||
	    json_object_array_length(v) == 0) {
		ef_diag_error(d, "nodes", v ? "must be a non-empty list" :
					"missing (a list of edge nodes)");
	} else {
		p->nnodes = json_object_array_length(v);
		p->nodes = calloc(p->nnodes, sizeof(*p->nodes));
		for (size_t i = 0; p->nodes && i < p->nnodes; i++)
			parse_node(&c, json_object_array_get_idx(v, i), i, &p->nodes[i]);
		if (!p->nodes)
			p->nnodes = 0;
		check_nodes(&c);
	}

	v = get(root, "rules");
	m = get(root, "management");
	if (m && !json_object_is_type(m, json_type_array)) {
		ef_diag_error(d, "management", "must be a list of rules, not %s", jtype(m));
		m = NULL;
	}
	if (!v || !json_object_is_type(v, json_type_array)) {
		ef_diag_error(d, "rules", v ? "must be a list" : "missing (a list of rules)");
	} else {
		size_t nr = json_object_array_length(v);

		p->nmanagement = m ? json_object_array_length(m) : 0;
		p->nrules = nr + p->nmanagement;
		p->rules = calloc(p->nrules ? p->nrules : 1, sizeof(*p->rules));
		for (size_t i = 0; p->rules && i < nr; i++)
			parse_rule(&c, json_object_array_get_idx(v, i), "rules", i, &p->rules[i]);
		for (size_t i = 0; p->rules && i < p->nmanagement; i++) {
			struct ef_prule *r = &p->rules[nr + i];

			parse_rule(&c, json_object_array_get_idx(m, i), "management", i, r);
			r->management = true;
			if (r->dir == EF_DIR_OUT) {
				char path[64];

				snprintf(path, sizeof(path), "management[%zu].direction", i);
				ef_diag_error(d, path, "management rules are inbound (\"in\")");
			}
		}
		if (!p->rules)
			p->nrules = p->nmanagement = 0;
		check_rules(&c);
	}
	json_object_put(root);
	return p;
}

char *ef_policy_read(const char *path, size_t *lenp, struct ef_diag *d)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		ef_diag_error(d, NULL, "cannot open: %s", strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			char *nb;

			cap = cap ? cap * 2 : 65536;
			if (cap > EF_POLICY_MAX_BYTES) {
				ef_diag_error(d, NULL, "larger than %u MiB",
					      EF_POLICY_MAX_BYTES >> 20);
				goto fail;
			}
			nb = realloc(buf, cap + 1);
			if (!nb)
				goto fail;
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		ef_diag_error(d, NULL, "read error: %s", strerror(errno));
		goto fail;
	}
	fclose(f);
	buf[len] = '\0';
	*lenp = len;
	return buf;
fail:
	fclose(f);
	free(buf);
	return NULL;
}

struct ef_policy *ef_policy_load(const char *path, struct ef_diag *d)
{
	struct ef_policy *p;
	size_t len;
	char *buf = ef_policy_read(path, &len, d);

	if (!buf)
		return NULL;
	p = ef_policy_parse(path, buf, len, d);
	free(buf);
	return p;
}

void ef_policy_free(struct ef_policy *p)
{
	if (!p)
		return;
	free(p->file);
	free(p->name);
	free_strlist(p->settings.exclude_tags, p->settings.nexclude_tags);
	for (size_t i = 0; i < p->npeersets; i++) {
		free(p->peersets[i].name);
		free(p->peersets[i].pfx);
	}
	free(p->peersets);
	for (size_t i = 0; i < p->nnodes; i++) {
		struct ef_node *n = &p->nodes[i];

		free(n->name);
		for (int r = 0; r < EF_ROLE_MAX; r++)
			free_strlist(n->ifnames[r], n->nifnames[r]);
		for (int s = 0; s < EF_SVC_MAX; s++)
			free(n->addrs[s].a);
	}
	free(p->nodes);
	for (size_t i = 0; i < p->nrules; i++) {
		struct ef_prule *r = &p->rules[i];

		free(r->name);
		free(r->ports);
		free(r->note);
		free(r->ref);
		free(r->restates);
		free_strlist(r->tags, r->ntags);
	}
	free(p->rules);
	free(p);
}

const struct ef_node *ef_policy_node(const struct ef_policy *p,
				     const char *name)
{
	for (size_t i = 0; i < p->nnodes; i++)
		if (p->nodes[i].name && strcmp(p->nodes[i].name, name) == 0)
			return &p->nodes[i];
	return NULL;
}

bool ef_rule_excluded(const struct ef_policy *p, const struct ef_prule *r)
{
	for (size_t t = 0; t < p->settings.nexclude_tags; t++)
		for (size_t k = 0; k < r->ntags; k++)
			if (strcmp(r->tags[k], p->settings.exclude_tags[t]) == 0)
				return true;
	return false;
}

const struct ef_addrlist *ef_node_service_addrs(const struct ef_node *n,
						int service)
{
	if (service == EF_SVC_XMPP && !n->addrs[EF_SVC_XMPP].present)
		return &n->addrs[EF_SVC_ACCESS];
	return &n->addrs[service];
}
