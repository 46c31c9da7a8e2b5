// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "describe.h"

char *ef_ranges_str(const struct ef_range *r, size_t n, bool any)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f;

	if (any || !n)
		return strdup("any");
	f = open_memstream(&s, &len);
	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s%u", i ? ", " : "", r[i].lo);
		if (r[i].hi != r[i].lo)
			fprintf(f, "-%u", r[i].hi);
	}
	fclose(f);
	return s;
}

char *ef_rule_ports_str(const struct ef_prule *r)
{
	return ef_ranges_str(r->ports, r->nports, r->ports_any);
}

char *ef_rule_lports_str(const struct ef_prule *r)
{
	return r->has_lports ? ef_ranges_str(&r->lports, 1, false) : NULL;
}

static void prefixes(FILE *f, const struct ef_peerset *ps, size_t max)
{
	char buf[EF_ADDRSTRLEN + 8];

	if (ps->any)
		fprintf(f, "any");
	for (size_t i = 0; !ps->any && i < ps->n; i++) {
		if (max && i == max) {
			fprintf(f, ", ... %zu prefixes", ps->n);
			break;
		}
		fprintf(f, "%s%s", i ? ", " : "", ef_prefix_fmt(&ps->pfx[i], buf, sizeof(buf)));
	}
}

char *ef_peer_str(const struct ef_policy *p, int peerset)
{
	return ef_peer_str_max(p, peerset, 0);
}

char *ef_peer_str_max(const struct ef_policy *p, int peerset, size_t max)
{
	const struct ef_peerset *ps;
	char *s = NULL;
	size_t len = 0;
	FILE *f;

	if (peerset < 0 || (size_t)peerset >= p->npeersets)
		return strdup("?");
	ps = &p->peersets[peerset];
	f = open_memstream(&s, &len);
	if (!f)
		return NULL;
	if (ps->inline_set) {
		prefixes(f, ps, max);
	} else {
		fprintf(f, "%s (", ps->name);
		prefixes(f, ps, max);
		fprintf(f, ")");
	}
	fclose(f);
	return s;
}

char *ef_addrs_str(const struct ef_addrlist *al)
{
	char *s = NULL, buf[EF_ADDRSTRLEN];
	size_t len = 0;
	FILE *f;

	if (!al->n)
		return strdup("none");
	f = open_memstream(&s, &len);
	if (!f)
		return NULL;
	for (size_t i = 0; i < al->n; i++)
		fprintf(f, "%s%s", i ? ", " : "", ef_addr_fmt(&al->a[i], buf, sizeof(buf)));
	fclose(f);
	return s;
}

bool ef_rule_on_node(const struct ef_policy *p, const struct ef_prule *r, const struct ef_node *n)
{
	return !ef_rule_excluded(p, r) && ef_node_service_addrs(n, r->service)->n > 0;
}

const char *ef_proto_name(int proto)
{
	return proto == IPPROTO_TCP ? "TCP" : proto == IPPROTO_UDP ? "UDP" : "?";
}
