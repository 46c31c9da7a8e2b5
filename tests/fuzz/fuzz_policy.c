// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer over validate's parser and compiler: any bytes as a policy.
 * No crash, no leak (LeakSanitizer), and no accepted policy that the
 * compiler mis-compiles: for every node, the compiled port arrays and
 * candidate lists give, at every port where something can change (each
 * range's ends and their neighbours), exactly the rules a naive scan of
 * the policy finds there, in policy order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "policy.h"

/* The compiled candidates for (dir, role, proto, svcmask, port). */
static int compiled(const struct ef_compiled *c, int dir, int role, int proto, uint16_t mask,
		    unsigned port, uint16_t *out)
{
	for (size_t a = 0; a < c->naddrs; a++) {
		const struct ef_addr_entry *e = &c->addrs[a];
		unsigned g, list;

		if (e->k.role != role || e->v.svcmask != mask)
			continue;
		g = e->v.grp[dir * 2 + (proto == 17)];
		if (g == EF_GROUP_NONE)
			return 0;
		if (g >= c->ngroups)
			abort();
		list = (unsigned)(c->portmap[g][port / 4] >> ((port % 4) * 16)) & 0xffff;
		if (!list)
			return 0;
		if (list - 1 >= c->nlists)
			abort();
		memcpy(out, c->lists[list - 1].rule, sizeof(uint16_t) * c->lists[list - 1].n);
		return c->lists[list - 1].n;
	}
	return -1; /* no address with this service set */
}

/* The same from the policy, by a plain scan (up to 64). */
static int naive(const struct ef_compiled *c, int dir, int role, int proto, uint16_t mask,
		 unsigned port, uint16_t *out)
{
	int n = 0;

	for (size_t id = 0; id < c->nrules && n < 64; id++) {
		const struct ef_prule *r = &c->pol->rules[c->rule_src[id]];
		bool hit = r->ports_any;

		if (r->dir != dir || r->role != role || r->proto != proto ||
		    !(mask & (1u << r->service)))
			continue;
		for (size_t k = 0; k < r->nports && !hit; k++)
			hit = port >= r->ports[k].lo && port <= r->ports[k].hi;
		if (hit)
			out[n++] = (uint16_t)id;
	}
	return n;
}

static void check_node(const struct ef_compiled *c)
{
	static const int protos[2] = { 6, 17 };

	for (size_t a = 0; a < c->naddrs; a++) {
		int role = c->addrs[a].k.role;
		uint16_t mask = c->addrs[a].v.svcmask;

		for (int dir = 0; dir < 2; dir++)
			for (int pi = 0; pi < 2; pi++)
				for (size_t i = 0; i < c->pol->nrules; i++) {
					const struct ef_prule *r = &c->pol->rules[i];

					for (size_t k = 0; k < r->nports; k++) {
						unsigned probes[6] = { r->ports[k].lo,
								       r->ports[k].hi,
								       r->ports[k].lo - 1u,
								       r->ports[k].hi + 1u,
								       0,
								       65535 };

						for (int q = 0; q < 6; q++) {
							uint16_t x[64], y[64];
							int nx, ny;

							if (probes[q] > 65535)
								continue;
							nx = compiled(c, dir, role, protos[pi],
								      mask, probes[q], x);
							ny = naive(c, dir, role, protos[pi], mask,
								   probes[q], y);
							if (nx < 0)
								continue;
							if (nx != ny ||
							    memcmp(x, y, sizeof(x[0]) * (size_t)nx))
								abort(); /* mis-compiled */
						}
					}
				}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ef_diag d;
	struct ef_policy *p;

	ef_diag_init(&d, "fuzz.json");
	p = ef_policy_parse("fuzz.json", (const char *)data, size, &d);
	if (p && !d.errors) {
		for (size_t i = 0; i < p->nnodes; i++) {
			struct ef_compiled c;
			struct ef_diag cd;

			ef_diag_init(&cd, "fuzz.json");
			if (ef_compile(p, &p->nodes[i], -1, &c, &cd) == 0) {
				check_node(&c);
				ef_compiled_free(&c);
			}
			ef_diag_free(&cd);
		}
	}
	ef_policy_free(p);
	ef_diag_free(&d);
	return 0;
}
