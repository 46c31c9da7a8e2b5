// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Policy -> map entries.
 *
 * Ports: for every (direction, interface, protocol, service set) the port
 * space is cut into segments at every range boundary (a sweep over range
 * starts and ends); each segment gets the ordered list of rules covering it
 * (identical lists are shared), and each segment becomes a handful of
 * aligned prefixes (50000-59999 is 10 prefixes): the canonical, compact
 * form, tested port by port.  The data path reads their expansion, a dense
 * port -> list array per group (ef_portmap): one inlined array lookup
 * instead of an LPM trie walk, for a fixed 128 KiB a group.  Segments do not overlap, so the longest prefix match
 * is the only one.
 */
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"

struct vec {
	void *v;
	size_t n, cap, sz;
};

static void *vec_push(struct vec *x)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		void *nv = realloc(x->v, cap * x->sz);

		if (!nv)
			return NULL;
		x->v = nv;
		x->cap = cap;
	}
	return memset((char *)x->v + x->n++ * x->sz, 0, x->sz);
}

int ef_range_prefixes(unsigned lo, unsigned hi,
		      void (*emit)(void *ctx, unsigned port, unsigned bits), void *ctx)
{
	unsigned long cur = lo;
	int n = 0;

	while (cur <= hi) {
		unsigned long size = cur ? (cur & -cur) : 65536;
		unsigned bits = 16;

		while (cur + size - 1 > hi)
			size >>= 1;
		for (unsigned long s = size; s > 1; s >>= 1)
			bits--;
		if (emit)
			emit(ctx, (unsigned)cur, bits);
		n++;
		cur += size;
	}
	return n;
}

/* ---- list interning (tsearch: the C library's tree) ------------------- */

struct lists {
	struct vec v; /* struct ef_rule_list */
	void *tree;   /* of uint32 ids (pointer-encoded) into v */
	struct ef_rule_list *probe;
};

static struct lists *g_lists; /* comparison context (tsearch has none) */

static int list_cmp(const void *a, const void *b)
{
	const struct ef_rule_list *la, *lb;
	uintptr_t ia = (uintptr_t)a, ib = (uintptr_t)b;

	la = ia ? &((struct ef_rule_list *)g_lists->v.v)[ia - 1] : g_lists->probe;
	lb = ib ? &((struct ef_rule_list *)g_lists->v.v)[ib - 1] : g_lists->probe;
	return memcmp(la, lb, sizeof(*la));
}

static long intern_list(struct lists *L, const struct ef_rule_list *l)
{
	struct ef_rule_list *slot;
	void **found;

	g_lists = L;
	L->probe = (struct ef_rule_list *)l;
	found = tfind((void *)0, &L->tree, list_cmp);
	if (found)
		return (long)(uintptr_t)*found - 1;
	slot = vec_push(&L->v);
	if (!slot)
		return -1;
	*slot = *l;
	if (!tsearch((void *)(uintptr_t)L->v.n, &L->tree, list_cmp))
		return -1;
	return (long)L->v.n - 1;
}

static void noop_free(void *p)
{
	(void)p;
}

/* ---- port segments ------------------------------------------------------ */

struct sweep_ev {
	unsigned port; /* boundary: a range starts here, or ends just before */
	int start;     /* 1 = start, 0 = end */
	unsigned rule;
};

static int ev_cmp(const void *a, const void *b)
{
	const struct sweep_ev *x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->start - y->start; /* ends before starts */
}

struct emit_ctx {
	struct vec *ports;
	struct ef_port_key base;
	uint32_t list;
	int fail;
};

static void emit_port(void *vctx, unsigned port, unsigned bits)
{
	struct emit_ctx *e = vctx;
	struct ef_port_entry *pe = vec_push(e->ports);

	if (!pe) {
		e->fail = 1;
		return;
	}
	pe->k = e->base;
	pe->k.prefixlen = EF_PORT_KEY_FIXED_BITS + bits;
	pe->k.port_be = __builtin_bswap16((uint16_t)port);
	pe->v.list = e->list;
}

struct group {
	int dir, role, proto;
	uint16_t mask;
};

static int range_cmp(const void *a, const void *b)
{
	const struct ef_range *x = a, *y = b;

	return (int)x->lo - (int)y->lo;
}

/* A rule's port ranges sorted and merged, so that the sweep sees disjoint
 * ranges per rule ("100-300" and "150-200" become 100-300).  Returns the
 * count, or -1 when out of memory. */
static long merged_ranges(const struct ef_prule *r, struct ef_range **out)
{
	static const struct ef_range all = { 0, 65535 };
	size_t n = r->ports_any ? 1 : r->nports, m = 0;
	struct ef_range *v = malloc(sizeof(*v) * (n ? n : 1));

	if (!v)
		return -1;
	if (r->ports_any)
		v[0] = all;
	else
		memcpy(v, r->ports, sizeof(*v) * n);
	qsort(v, n, sizeof(*v), range_cmp);
	for (size_t i = 0; i < n; i++) {
		if (m && (unsigned)v[i].lo <= (unsigned)v[m - 1].hi + 1) {
			if (v[i].hi > v[m - 1].hi)
				v[m - 1].hi = v[i].hi;
		} else {
			v[m++] = v[i];
		}
	}
	*out = v;
	return (long)m;
}

static int compile_group(const struct ef_compiled *c, const struct group *g, struct lists *L,
			 struct vec *ports, struct ef_diag *d)
{
	const struct ef_policy *p = c->pol;
	struct vec ev = { .sz = sizeof(struct sweep_ev) };
	unsigned active[EF_LIST_MAX + 1];
	unsigned nactive = 0;
	int rc = 0;

	for (size_t id = 0; id < c->nrules; id++) {
		const struct ef_prule *r = &p->rules[c->rule_src[id]];
		struct ef_range *rg;
		long nr;

		if (r->dir != g->dir || r->role != g->role || r->proto != g->proto ||
		    !(g->mask & (1u << r->service)))
			continue;
		nr = merged_ranges(r, &rg);
		if (nr < 0)
			goto oom;
		for (long k = 0; k < nr * 2; k++) {
			struct sweep_ev *e = vec_push(&ev);

			if (!e) {
				free(rg);
				goto oom;
			}
			*e = (struct sweep_ev){ k % 2 ? (unsigned)rg[k / 2].hi + 1 : rg[k / 2].lo,
						!(k % 2), (unsigned)id };
		}
		free(rg);
	}
	if (ev.n)
		qsort(ev.v, ev.n, ev.sz, ev_cmp);

	struct sweep_ev *e = ev.v;
	for (size_t i = 0; i < ev.n;) {
		unsigned at = e[i].port, next;

		/* apply every event at this boundary; a rule listing two
		 * touching ranges ends and restarts here */
		for (; i < ev.n && e[i].port == at; i++) {
			unsigned k;

			if (!e[i].start) {
				for (k = 0; k < nactive && active[k] != e[i].rule; k++)
					;
				if (k < nactive) {
					memmove(&active[k], &active[k + 1],
						(nactive - k - 1) * sizeof(active[0]));
					nactive--;
				}
				continue;
			}
			for (k = 0; k < nactive && active[k] != e[i].rule; k++)
				;
			if (k < nactive)
				continue; /* overlapping ranges within one rule */
			if (nactive == EF_LIST_MAX) {
				ef_diag_error(
					d, NULL,
					"node %s: more than %d rules overlap on %s %s %s port %u (rules %s, %s, ...)",
					c->node->name, EF_LIST_MAX, ef_role_names[g->role],
					g->dir ? "out" : "in", g->proto == 6 ? "tcp" : "udp", at,
					p->rules[c->rule_src[active[0]]].name,
					p->rules[c->rule_src[active[1]]].name);
				rc = -1;
				goto out;
			}
			/* keep policy order */
			for (k = nactive; k > 0 && active[k - 1] > e[i].rule; k--)
				active[k] = active[k - 1];
			active[k] = e[i].rule;
			nactive++;
		}
		if (i >= ev.n || !nactive)
			continue;
		next = e[i].port; /* segment [at, next-1] */

		struct ef_rule_list l;
		memset(&l, 0, sizeof(l));
		l.n = (uint16_t)nactive;
		for (unsigned k = 0; k < nactive; k++)
			l.rule[k] = (uint16_t)active[k];
		long id = intern_list(L, &l);
		if (id < 0)
			goto oom;
		if (L->v.n > EF_MAX_LISTS) {
			ef_diag_error(d, NULL, "node %s: more than %d distinct port segments",
				      c->node->name, EF_MAX_LISTS);
			rc = -1;
			goto out;
		}
		struct emit_ctx ctx = {
			.ports = ports,
			.base = { .dir = (uint8_t)g->dir,
				  .role = (uint8_t)g->role,
				  .proto = (uint8_t)g->proto,
				  .svcmask = g->mask },
			.list = (uint32_t)id,
		};
		ef_range_prefixes(at, next - 1, emit_port, &ctx);
		if (ctx.fail)
			goto oom;
	}
out:
	free(ev.v);
	return rc;
oom:
	ef_diag_error(d, NULL, "out of memory compiling node %s", c->node->name);
	rc = -1;
	goto out;
}

/* ---- addresses ---------------------------------------------------------- */

static int compile_addrs(struct ef_compiled *c, struct ef_diag *d)
{
	struct vec v = { .sz = sizeof(struct ef_addr_entry) };

	for (int s = 0; s < EF_SVC_MAX; s++) {
		const struct ef_addrlist *al = ef_node_service_addrs(c->node, s);

		for (size_t i = 0; i < al->n; i++) {
			struct ef_addr_entry *e = NULL;

			for (size_t k = 0; k < v.n; k++) {
				struct ef_addr_entry *x = &((struct ef_addr_entry *)v.v)[k];

				if (x->k.role == ef_service_role(s) &&
				    memcmp(&x->k.addr, &al->a[i], 16) == 0)
					e = x;
			}
			if (!e) {
				e = vec_push(&v);
				if (!e) {
					ef_diag_error(d, NULL, "out of memory");
					return -1;
				}
				e->k.role = (uint8_t)ef_service_role(s);
				e->k.addr = al->a[i];
				memset(e->v.grp, EF_GROUP_NONE, sizeof(e->v.grp));
			}
			e->v.svcmask |= (uint16_t)(1u << s);
		}
	}
	c->addrs = v.v;
	c->naddrs = v.n;
	return 0;
}

/* ---- rules and peers ------------------------------------------------------ */

static int compile_rules(struct ef_compiled *c, struct ef_diag *d)
{
	const struct ef_policy *p = c->pol;
	int *set_of = malloc(sizeof(int) * (p->npeersets + 1));
	struct vec peers = { .sz = sizeof(struct ef_peer_key) };

	c->rules = calloc(p->nrules + 1, sizeof(*c->rules));
	c->rule_src = calloc(p->nrules + 1, sizeof(int));
	c->set_src = calloc(p->npeersets + 1, sizeof(int));
	if (!set_of || !c->rules || !c->rule_src || !c->set_src)
		goto oom;
	for (size_t i = 0; i < p->npeersets; i++)
		set_of[i] = -1;

	for (size_t i = 0; i < p->nrules; i++) {
		const struct ef_prule *r = &p->rules[i];
		const struct ef_peerset *ps;
		struct ef_rule *cr;

		if (ef_rule_excluded(p, r))
			continue;
		if (ef_node_service_addrs(c->node, r->service)->n == 0)
			continue; /* inert here: the node has no such address */
		if (c->nrules >= EF_MAX_RULES) {
			ef_diag_error(d, NULL, "node %s: more than %d rules", c->node->name,
				      EF_MAX_RULES);
			goto fail;
		}
		cr = &c->rules[c->nrules];
		c->rule_src[c->nrules++] = (int)i;
		ps = &p->peersets[r->peerset];
		if (r->log)
			cr->flags |= EF_RULEF_LOG;
		if (r->dir == EF_DIR_IN) {
			const struct ef_limits *l =
				r->limits.rate ? &r->limits : &p->settings.limits[r->service];

			cr->lim_rate = l->rate;
			cr->lim_burst = l->burst;
			cr->lim_block_s = l->block_s;
			if (l->rate)
				c->cfg.flags |= EF_CFGF_LIMITS;
		}
		if (r->has_lports) {
			cr->flags |= EF_RULEF_LPORTS;
			cr->lport_lo = r->lports.lo;
			cr->lport_hi = r->lports.hi;
		}
		if (ps->any) {
			cr->flags |= EF_RULEF_PEER_ANY;
			continue;
		}
		if (set_of[r->peerset] < 0) {
			if (c->nsets >= EF_MAX_PEERSETS) {
				ef_diag_error(d, NULL, "node %s: more than %d peer sets",
					      c->node->name, EF_MAX_PEERSETS);
				goto fail;
			}
			set_of[r->peerset] = (int)c->nsets;
			c->set_src[c->nsets++] = r->peerset;
			for (size_t k = 0; k < ps->n; k++) {
				struct ef_peer_key *pk = vec_push(&peers);

				if (!pk)
					goto oom;
				pk->prefixlen = EF_PEER_KEY_FIXED_BITS + ps->pfx[k].len;
				pk->family = (uint8_t)ef_prefix_family(&ps->pfx[k]);
				pk->set = (uint16_t)set_of[r->peerset];
				pk->addr = ps->pfx[k].addr;
			}
		}
		cr->peerset = (uint16_t)set_of[r->peerset];
	}
	free(set_of);
	c->peers = peers.v;
	c->npeers = peers.n;
	return 0;
oom:
	ef_diag_error(d, NULL, "out of memory");
fail:
	free(set_of);
	free(peers.v);
	return -1;
}

/*
 * A port group that has rules: its dense port -> list array (expanded from
 * the prefixes just emitted) and its number in the address entries of its
 * service set.
 */
static int add_group(struct ef_compiled *c, const struct group *g, int slot_idx,
		     const struct ef_port_entry *pe, size_t n, struct ef_diag *d)
{
	uint64_t(*map)[EF_PORTMAP_WORDS];

	if (c->ngroups >= EF_MAX_GROUPS) {
		ef_diag_error(d, NULL, "node %s: more than %d port groups", c->node->name,
			      EF_MAX_GROUPS);
		return -1;
	}
	map = realloc(c->portmap, sizeof(*map) * (c->ngroups + 1));
	if (!map) {
		ef_diag_error(d, NULL, "out of memory");
		return -1;
	}
	c->portmap = map;
	memset(map[c->ngroups], 0, sizeof(map[0]));
	for (size_t i = 0; i < n; i++) {
		unsigned lo = __builtin_bswap16(pe[i].k.port_be);
		unsigned len = 1u << (16 - (pe[i].k.prefixlen - EF_PORT_KEY_FIXED_BITS));
		uint64_t v = (uint64_t)(pe[i].v.list + 1) & 0xffff;

		for (unsigned p = lo; p < lo + len; p++)
			map[c->ngroups][p / 4] |= v << ((p % 4) * 16);
	}
	for (size_t a = 0; a < c->naddrs; a++)
		if (c->addrs[a].k.role == g->role && c->addrs[a].v.svcmask == g->mask)
			c->addrs[a].v.grp[slot_idx] = (uint8_t)c->ngroups;
	c->ngroups++;
	return 0;
}

static int compile_ports(struct ef_compiled *c, struct ef_diag *d)
{
	struct lists L = { .v = { .sz = sizeof(struct ef_rule_list) } };
	struct vec ports = { .sz = sizeof(struct ef_port_entry) };
	static const int protos[] = { 6, 17 };
	int rc = 0;

	for (int role = 0; role < EF_ROLE_MAX && !rc; role++) {
		/* the service sets present on this interface */
		uint16_t masks[EF_SVC_MAX * 2];
		size_t nm = 0;

		for (size_t a = 0; a < c->naddrs; a++) {
			size_t k;

			if (c->addrs[a].k.role != role)
				continue;
			for (k = 0; k < nm && masks[k] != c->addrs[a].v.svcmask; k++)
				;
			if (k == nm && nm < sizeof(masks) / sizeof(masks[0]))
				masks[nm++] = c->addrs[a].v.svcmask;
		}
		for (size_t m = 0; m < nm && !rc; m++)
			for (int dir = 0; dir < 2 && !rc; dir++)
				for (int pr = 0; pr < 2 && !rc; pr++) {
					struct group g = { dir, role, protos[pr], masks[m] };
					size_t first = ports.n;

					rc = compile_group(c, &g, &L, &ports, d);
					if (!rc && ports.n > first)
						rc = add_group(c, &g, dir * 2 + pr,
							       (struct ef_port_entry *)ports.v +
								       first,
							       ports.n - first, d);
				}
	}
	tdestroy(L.tree, noop_free);
	c->lists = L.v.v;
	c->nlists = L.v.n;
	c->ports = ports.v;
	c->nports = ports.n;
	return rc;
}

/* Does rule j allow everything rule k allows, on a port both cover?  Peer
 * sets compare by identity (a set is not checked for containing another). */
static bool covers(const struct ef_rule *j, const struct ef_rule *k)
{
	if ((j->flags & EF_RULEF_LPORTS) &&
	    (!(k->flags & EF_RULEF_LPORTS) || j->lport_lo > k->lport_lo ||
	     j->lport_hi < k->lport_hi))
		return false;
	if (j->flags & EF_RULEF_PEER_ANY)
		return true;
	return !(k->flags & EF_RULEF_PEER_ANY) && j->peerset == k->peerset;
}

/* A rule that some earlier rule covers in every candidate list it is in
 * can never be the one that matches. */
static int find_shadowed(struct ef_compiled *c)
{
	bool *reachable = calloc(c->nrules + 1, sizeof(bool));

	c->covered_by = malloc(sizeof(int) * (c->nrules + 1));
	if (!reachable || !c->covered_by) {
		free(reachable);
		return -1;
	}
	for (size_t i = 0; i < c->nrules; i++)
		c->covered_by[i] = -1;
	for (size_t l = 0; l < c->nlists; l++) {
		const struct ef_rule_list *li = &c->lists[l];

		for (unsigned k = 0; k < li->n; k++) {
			int cov = -1;

			for (unsigned j = 0; j < k && cov < 0; j++)
				if (covers(&c->rules[li->rule[j]], &c->rules[li->rule[k]]))
					cov = li->rule[j];
			if (cov < 0)
				reachable[li->rule[k]] = true;
			else if (c->covered_by[li->rule[k]] < 0)
				c->covered_by[li->rule[k]] = cov;
		}
	}
	for (size_t i = 0; i < c->nrules; i++)
		if (reachable[i])
			c->covered_by[i] = -1;
	free(reachable);
	return 0;
}

static int compile_ifaces(struct ef_compiled *c, struct ef_diag *d)
{
	size_t n = c->node->nifnames[0] + c->node->nifnames[1];

	c->ifaces = calloc(n + 1, sizeof(*c->ifaces));
	if (!c->ifaces) {
		ef_diag_error(d, NULL, "out of memory");
		return -1;
	}
	for (int r = 0; r < EF_ROLE_MAX; r++)
		for (size_t i = 0; i < c->node->nifnames[r]; i++)
			c->ifaces[c->nifaces++] =
				(struct ef_iface_entry){ c->node->ifnames[r][i], r };
	return 0;
}

int ef_compile(const struct ef_policy *p, const struct ef_node *n, int mode_override,
	       struct ef_compiled *out, struct ef_diag *d)
{
	const struct ef_settings *s = &p->settings;

	memset(out, 0, sizeof(*out));
	out->pol = p;
	out->node = n;
	out->cfg.mode = (uint8_t)(mode_override >= 0 ? mode_override : s->mode);
	out->cfg.egress = (uint8_t)s->egress;
	out->cfg.flags = (s->ping ? EF_CFGF_PING : 0) | (s->log_allowed ? EF_CFGF_LOG_ALLOW : 0);
	for (int i = 0; i < EF_TO_MAX; i++)
		out->cfg.timeout_ns[i] = (uint64_t)s->timeout_s[i] * 1000000000ull;
	out->cfg.ev_rate = s->event_rate;
	out->cfg.ev_burst = s->event_burst;
	out->cfg.ev_cpu_rate = s->event_cpu_rate;
	out->cfg.limit_v6_prefix = (uint8_t)s->limit_v6_prefix;
	out->cfg.syn_mode = (uint8_t)s->syn_mode;
	out->cfg.syn_threshold = s->syn_threshold;
	out->cfg.syn_verified_s = s->syn_verified_s;

	if (compile_ifaces(out, d) || compile_addrs(out, d) || compile_rules(out, d) ||
	    compile_ports(out, d) || find_shadowed(out)) {
		ef_compiled_free(out);
		return -1;
	}
	return 0;
}

void ef_compiled_free(struct ef_compiled *c)
{
	free(c->addrs);
	free(c->ports);
	free(c->lists);
	free(c->rules);
	free(c->rule_src);
	free(c->peers);
	free(c->set_src);
	free(c->ifaces);
	free(c->portmap);
	free(c->covered_by);
	memset(c, 0, sizeof(*c));
}

const char *ef_compiled_rule_name(const struct ef_compiled *c, unsigned id)
{
	if (!c->pol || id >= c->nrules)
		return NULL;
	return c->pol->rules[c->rule_src[id]].name;
}
