// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The policy parser: peers (named and inline sets) and nodes (interfaces,
 * service addresses, the checks across nodes).
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

#include "edgefw/parse.h"
#include "pparse.h"

int pol_add_peerset(struct ef_policy *p, const char *name, bool inl)
{
	struct ef_peerset *n = realloc(p->peersets, sizeof(*n) * (p->npeersets + 1));

	if (!n)
		return -1;
	p->peersets = n;
	memset(&n[p->npeersets], 0, sizeof(*n));
	n[p->npeersets].name = strdup(name);
	n[p->npeersets].inline_set = inl;
	return (int)p->npeersets++;
}

/* Fill a set from a list of "any" / CIDR strings. */
void pol_parse_peer_list(struct pctx *c, json_object *v, const char *path, struct ef_peerset *ps)
{
	size_t len;

	if (json_object_is_type(v, json_type_string)) {
		json_object *a = json_object_new_array();

		json_object_array_add(a, json_object_get(v));
		pol_parse_peer_list(c, a, path, ps);
		json_object_put(a);
		return;
	}
	if (!json_object_is_type(v, json_type_array)) {
		ef_diag_error(c->d, path, "must be a list of CIDRs or \"any\", not %s",
			      pol_jtype(v));
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
			ef_diag_error(c->d, p, "must be a string, not %s", pol_jtype(e));
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

void pol_parse_peers(struct pctx *c, json_object *v)
{
	if (!v)
		return;
	if (!json_object_is_type(v, json_type_object)) {
		ef_diag_error(c->d, "peers", "must be an object of named sets, not %s",
			      pol_jtype(v));
		return;
	}
	json_object_object_foreach(v, key, val)
	{
		char p[256];
		int idx;

		snprintf(p, sizeof(p), "peers.%s", key);
		if (strcmp(key, "any") == 0) {
			ef_diag_error(c->d, p, "\"any\" is reserved and cannot name a set");
			continue;
		}
		if (!pol_valid_name(key))
			ef_diag_error(
				c->d, p,
				"set name: use letters, digits, '.', '_' or '-' (at most 63)");
		idx = pol_add_peerset(c->p, key, false);
		if (idx < 0)
			return;
		pol_parse_peer_list(c, val, p, &c->p->peersets[idx]);
	}
}

int pol_any_peerset(struct ef_policy *p)
{
	for (size_t k = 0; k < p->npeersets; k++)
		if (p->peersets[k].inline_set && strcmp(p->peersets[k].name, "any") == 0)
			return (int)k;
	int idx = pol_add_peerset(p, "any", true);

	if (idx >= 0)
		p->peersets[idx].any = true;
	return idx;
}

/* A node's member key, which must be an object (at p; "missing (what)"):
 * NULL (said) when it is not one. */
static json_object *node_part(struct pctx *c, json_object *v, const char *p, const char *key,
			      const char *what)
{
	json_object *x = pol_get(v, key);

	if (x && json_object_is_type(x, json_type_object))
		return x;
	if (x)
		ef_diag_error(c->d, p, "must be an object, not %s", pol_jtype(x));
	else
		ef_diag_error(c->d, p, "missing (%s)", what);
	return NULL;
}

void pol_parse_node(struct pctx *c, json_object *v, size_t i, struct ef_node *n)
{
	static const char *const keys[] = { "name", "interfaces", "addresses", "description",
					    NULL };
	static const char *const ikeys[] = { "external", "internal", NULL };
	static const char *akeys[EF_SVC_MAX + 1];
	char path[64], p[128];
	json_object *ifs, *addrs;

	for (int s = 0; s < EF_SVC_MAX; s++)
		akeys[s] = ef_service_names[s];
	snprintf(path, sizeof(path), "nodes[%zu]", i);
	if (pol_named_object(c, v, path, keys, &n->name))
		return;

	snprintf(p, sizeof(p), "%s.interfaces", path);
	ifs = node_part(c, v, p, "interfaces", "external and internal NIC names");
	if (ifs) {
		pol_check_keys(c, ifs, p, ikeys);
		for (int r = 0; r < EF_ROLE_MAX; r++) {
			json_object *x = pol_get(ifs, ef_role_names[r]);
			char q[160];

			snprintf(q, sizeof(q), "%s.%s", p, ef_role_names[r]);
			if (!x) {
				ef_diag_error(c->d, q, "interface missing");
				continue;
			}
			n->ifnames[r] = pol_get_strlist(c, x, q, &n->nifnames[r]);
			if (n->ifnames[r] && n->nifnames[r] == 0)
				ef_diag_error(c->d, q, "interface missing");
			for (size_t k = 0; k < n->nifnames[r]; k++) {
				const char *s = n->ifnames[r][k];

				if (!*s || strlen(s) >= IFNAMSIZ || strchr(s, '/') ||
				    strchr(s, ' '))
					ef_diag_error(c->d, q, "%s is not a valid interface name",
						      EF_Q(s));
				for (size_t j = 0; j < k; j++)
					if (strcmp(n->ifnames[r][j], s) == 0)
						ef_diag_error(c->d, q, "%s is listed twice",
							      EF_BARE(s));
			}
		}
		for (size_t a = 0; a < n->nifnames[0]; a++)
			for (size_t b = 0; b < n->nifnames[1]; b++)
				if (strcmp(n->ifnames[0][a], n->ifnames[1][b]) == 0)
					ef_diag_error(
						c->d, p,
						"%s is both the external and the internal interface",
						EF_BARE(n->ifnames[0][a]));
	}

	snprintf(p, sizeof(p), "%s.addresses", path);
	addrs = node_part(c, v, p, "addresses", "service addresses");
	if (!addrs)
		return;
	pol_check_keys(c, addrs, p, akeys);
	for (int s = 0; s < EF_SVC_MAX; s++) {
		json_object *x = pol_get(addrs, ef_service_names[s]);
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
			ef_diag_error(c->d, q, "must be a list of addresses, not %s", pol_jtype(x));
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
				ef_diag_error(
					c->d, r,
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
						const struct ef_addrlist *l2 =
							&p->nodes[n2].addrs[s2];
						size_t start = (n2 == n1 && s2 == s1) ? i1 + 1 : 0;

						for (size_t i2 = start; i2 < l2->n; i2++) {
							char a[EF_ADDRSTRLEN], path[128];

							if (!ef_addr_eq(&l1->a[i1], &l2->a[i2]))
								continue;
							if (n1 == n2 && ((s1 == EF_SVC_ACCESS &&
									  s2 == EF_SVC_XMPP) ||
									 (s1 == EF_SVC_XMPP &&
									  s2 == EF_SVC_ACCESS)))
								continue;
							ef_addr_fmt(&l1->a[i1], a, sizeof(a));
							snprintf(path, sizeof(path),
								 "nodes[%zu].addresses.%s[%zu]", n2,
								 ef_service_names[s2], i2);
							if (n1 != n2)
								ef_diag_error(
									c->d, path,
									"%s is also an address of node %s",
									a,
									p->nodes[n1].name ?
										EF_BARE(p->nodes[n1]
												.name) :
										"?");
							else if (s1 == s2)
								ef_diag_error(c->d, path,
									      "%s is listed twice",
									      a);
							else
								ef_diag_error(
									c->d, path,
									"%s is used by two services (%s and %s)",
									a, ef_service_names[s1],
									ef_service_names[s2]);
						}
					}
				}
			}
		}
	}
}

void pol_check_nodes(struct pctx *c)
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
