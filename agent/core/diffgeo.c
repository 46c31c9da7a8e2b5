// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgefw/parse.h"
#include "describe.h"
#include "diffgeo.h"
#include "strv.h"

static const struct ef_range full_range = { 1, 65535 };

static bool has_addr(const struct ef_addrlist *al, const union ef_addr *a)
{
	for (size_t i = 0; i < al->n; i++)
		if (ef_addr_eq(&al->a[i], a))
			return true;
	return false;
}

void ef_diff_add_keys(const struct ef_policy *p, const struct ef_node *n, struct gkey **keys,
		      size_t *nkeys)
{
	if (!n)
		return;
	for (size_t i = 0; i < p->nrules; i++) {
		const struct ef_prule *r = &p->rules[i];
		const struct ef_addrlist *al;

		if (!ef_rule_on_node(p, r, n))
			continue;
		al = ef_node_service_addrs(n, r->service);
		for (size_t k = 0; k < al->n; k++) {
			struct gkey key = { r->role, r->dir, r->proto, al->a[k] }, *nk;
			bool seen = false;

			for (size_t j = 0; j < *nkeys && !seen; j++)
				seen = (*keys)[j].role == key.role && (*keys)[j].dir == key.dir &&
				       (*keys)[j].proto == key.proto &&
				       ef_addr_eq(&(*keys)[j].addr, &key.addr);
			if (seen)
				continue;
			nk = realloc(*keys, sizeof(*nk) * (*nkeys + 1));
			if (!nk)
				return;
			*keys = nk;
			nk[(*nkeys)++] = key;
		}
	}
}

size_t ef_diff_boxes(const struct ef_policy *p, const struct ef_node *n, const struct gkey *k,
		     struct box **out)
{
	size_t nb = 0;

	*out = NULL;
	if (!n)
		return 0;
	*out = calloc(p->nrules ? p->nrules : 1, sizeof(**out));
	if (!*out)
		return 0;
	for (size_t i = 0; i < p->nrules; i++) {
		const struct ef_prule *r = &p->rules[i];
		struct box *b = &(*out)[nb];

		if (!ef_rule_on_node(p, r, n) || r->role != k->role || r->dir != k->dir ||
		    r->proto != k->proto ||
		    !has_addr(ef_node_service_addrs(n, r->service), &k->addr))
			continue;
		b->rule = (int)i;
		b->peers = &p->peersets[r->peerset];
		if (r->dir == EF_DIR_IN) {
			b->lp = r->ports_any ? &full_range : r->ports;
			b->nlp = r->ports_any ? 1 : r->nports;
			b->rp = &full_range;
			b->nrp = 1;
		} else {
			b->rp = r->ports_any ? &full_range : r->ports;
			b->nrp = r->ports_any ? 1 : r->nports;
			b->lp = r->has_lports ? &r->lports : &full_range;
			b->nlp = 1;
		}
		nb++;
	}
	return nb;
}

static void bounds_add(struct bounds *b, unsigned x)
{
	unsigned *nv = realloc(b->v, sizeof(*nv) * (b->n + 1));

	if (!nv)
		return;
	b->v = nv;
	b->v[b->n++] = x;
}

static int cmp_u(const void *x, const void *y)
{
	unsigned a = *(const unsigned *)x, b = *(const unsigned *)y;

	return a < b ? -1 : a > b;
}

void ef_diff_bounds_of(struct bounds *b, const struct box *bx, size_t nb, bool local)
{
	size_t w = 0;

	bounds_add(b, 1);
	bounds_add(b, PORT_END);
	for (size_t i = 0; i < nb; i++) {
		const struct ef_range *r = local ? bx[i].lp : bx[i].rp;
		size_t n = local ? bx[i].nlp : bx[i].nrp;

		for (size_t k = 0; k < n; k++) {
			bounds_add(b, r[k].lo);
			bounds_add(b, (unsigned)r[k].hi + 1);
		}
	}
	qsort(b->v, b->n, sizeof(*b->v), cmp_u);
	for (size_t i = 0; i < b->n; i++)
		if (!w || b->v[w - 1] != b->v[i])
			b->v[w++] = b->v[i];
	b->n = w; /* intervals: [v[i], v[i+1]) for i < n - 1 */
}

bool ef_diff_ranges_have(const struct ef_range *r, size_t n, unsigned port)
{
	for (size_t i = 0; i < n; i++)
		if (port >= r[i].lo && port <= r[i].hi)
			return true;
	return false;
}

static bool prefix_inside(const struct ef_prefix *outer, const struct ef_prefix *inner)
{
	return inner->len > outer->len && ef_prefix_contains(outer, &inner->addr);
}

static bool prefix_eq(const struct ef_prefix *a, const struct ef_prefix *b)
{
	return a->len == b->len && ef_addr_eq(&a->addr, &b->addr);
}

/* Address order, a shorter prefix before a longer one at the same address:
 * every prefix after all the prefixes that hold it. */
static int prefix_cmp(const void *x, const void *y)
{
	const struct ef_prefix *a = x, *b = y;
	int c = memcmp(a->addr.b, b->addr.b, sizeof(a->addr.b));

	return c ? c : (int)a->len - (int)b->len;
}

/* Do the (disjoint) prefixes k[] cover p entirely? */
static bool covered(const struct ef_prefix *p, const struct ef_prefix *const *k, size_t n)
{
	const struct ef_prefix **h[2];
	struct ef_prefix half[2];
	size_t nh[2] = { 0, 0 };
	bool ok;

	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (k[i]->len == p->len)
			return true;
	if (p->len >= 128)
		return false;
	h[0] = calloc(n, sizeof(*h[0]));
	h[1] = calloc(n, sizeof(*h[1]));
	if (!h[0] || !h[1]) {
		free(h[0]);
		free(h[1]);
		return false;
	}
	half[0] = half[1] = *p;
	half[0].len = half[1].len = p->len + 1;
	half[1].addr.b[p->len / 8] |= (uint8_t)(0x80u >> (p->len % 8));
	for (size_t i = 0; i < n; i++) {
		int side = ef_prefix_contains(&half[1], &k[i]->addr);

		h[side][nh[side]++] = k[i];
	}
	ok = covered(&half[0], h[0], nh[0]) && covered(&half[1], h[1], nh[1]);
	free(h[0]);
	free(h[1]);
	return ok;
}

/*
 * The regions of one family: 0 is the root ("any": ::ffff:0:0/96 for IPv4,
 * ::/0 for IPv6), then every prefix of the boxes' peer sets once, in
 * prefix_cmp order.  Prefixes nest or are disjoint, so sorted they form a
 * tree walked with a stack of the open ancestors.
 */
size_t ef_diff_regions_of(struct box *const *bx, const size_t *nb, int family, struct region **out)
{
	struct ef_prefix root = { 0 }, *v = NULL;
	size_t n = 0, cap = 0, w = 0, *stack, depth = 1;
	struct region *rg;

	if (family == 4) {
		ef_addr_from_v4(&root.addr, 0);
		root.len = 96;
	}
	for (int side = 0; side < 2; side++)
		for (size_t i = 0; i < nb[side]; i++) {
			const struct ef_peerset *ps = bx[side][i].peers;

			for (size_t k = 0; !ps->any && k < ps->n; k++) {
				if (ef_prefix_family(&ps->pfx[k]) != family ||
				    prefix_eq(&ps->pfx[k], &root))
					continue;
				if (n == cap) {
					struct ef_prefix *nv;

					cap = cap ? cap * 2 : 64;
					nv = realloc(v, sizeof(*nv) * cap);
					if (!nv)
						break;
					v = nv;
				}
				v[n++] = ps->pfx[k];
			}
		}
	if (n)
		qsort(v, n, sizeof(*v), prefix_cmp);
	for (size_t i = 0; i < n; i++)
		if (!w || !prefix_eq(&v[w - 1], &v[i]))
			v[w++] = v[i];
	n = w + 1;
	*out = rg = calloc(n, sizeof(*rg));
	stack = calloc(n, sizeof(*stack));
	if (!rg || !stack) {
		free(v);
		free(stack);
		return 0;
	}
	rg[0].p = root;
	rg[0].root = true;
	for (size_t i = 1; i < n; i++) {
		rg[i].p = v[i - 1];
		while (depth > 1 && !prefix_inside(&rg[stack[depth - 1]].p, &rg[i].p))
			depth--;
		rg[i].parent = stack[depth - 1];
		rg[stack[depth - 1]].nkids++;
		stack[depth++] = i;
	}
	free(v);
	free(stack);
	for (size_t i = 0; i < n; i++) {
		rg[i].kids = calloc(rg[i].nkids ? rg[i].nkids : 1, sizeof(*rg[i].kids));
		rg[i].nkids = 0;
	}
	for (size_t i = 1; i < n; i++) {
		struct region *pa = &rg[rg[i].parent];

		if (pa->kids)
			pa->kids[pa->nkids++] = i;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ef_prefix **kp = calloc(rg[i].nkids ? rg[i].nkids : 1, sizeof(*kp));

		for (size_t k = 0; kp && k < rg[i].nkids; k++)
			kp[k] = &rg[rg[i].kids[k]].p;
		rg[i].empty = kp && covered(&rg[i].p, kp, rg[i].nkids);
		free(kp);
	}
	return n;
}

/* Which regions a box's peer set holds: its prefixes' regions and all
 * below them (parents come first in the order). */
bool *ef_diff_box_regions(const struct box *b, const struct region *rg, size_t n, int family)
{
	bool *in = calloc(n ? n : 1, sizeof(*in));

	if (!in)
		return NULL;
	for (size_t i = 0; i < n; i++)
		in[i] = b->peers->any;
	for (size_t k = 0; !b->peers->any && k < b->peers->n; k++) {
		const struct ef_prefix *q = &b->peers->pfx[k];
		size_t lo = 1, hi = n;

		if (ef_prefix_family(q) != family)
			continue;
		if (prefix_eq(q, &rg[0].p)) {
			in[0] = true;
			continue;
		}
		while (lo < hi) { /* binary search in rg[1..n) */
			size_t mid = lo + (hi - lo) / 2;
			int c = prefix_cmp(&rg[mid].p, q);

			if (c == 0) {
				in[mid] = true;
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	for (size_t i = 1; i < n; i++)
		in[i] |= in[rg[i].parent];
	return in;
}

/*
 * The union of the selected regions in words: terms "P" or "P except Q,
 * ...".  A selected region's prefix is written with, as exceptions, the
 * largest prefixes below it whose regions are not selected; below those,
 * selected regions start terms of their own.  An empty region (its kids
 * cover it) counts as selected when one of its kids does.
 */
static bool region_sel(const struct region *rg, const bool *sel, size_t i)
{
	if (!rg[i].empty)
		return sel[i];
	for (size_t k = 0; k < rg[i].nkids; k++)
		if (region_sel(rg, sel, rg[i].kids[k]))
			return true;
	return false;
}

static void exceptions(const struct region *rg, const bool *sel, size_t i, struct ef_strv *x,
		       size_t **ex, size_t *nex)
{
	char buf[EF_ADDRSTRLEN + 8];

	for (size_t k = 0; k < rg[i].nkids; k++) {
		size_t c = rg[i].kids[k];

		if (region_sel(rg, sel, c)) {
			exceptions(rg, sel, c, x, ex, nex);
		} else {
			size_t *n = realloc(*ex, sizeof(*n) * (*nex + 1));

			if (!n)
				return;
			*ex = n;
			n[(*nex)++] = c;
			ef_strv_add(x, strdup(ef_prefix_fmt(&rg[c].p, buf, sizeof(buf))));
		}
	}
}

static void terms_unsel(const struct region *rg, const bool *sel, size_t i, struct ef_strv *t);

static void terms_sel(const struct region *rg, const bool *sel, size_t i, struct ef_strv *t)
{
	char buf[EF_ADDRSTRLEN + 8], *xs;
	struct ef_strv x = { 0 };
	size_t *ex = NULL, nex = 0;

	exceptions(rg, sel, i, &x, &ex, &nex);
	xs = ef_strv_join(&x, ", ");
	ef_strv_addf(t, "%s%s%s", rg[i].root ? "any" : ef_prefix_fmt(&rg[i].p, buf, sizeof(buf)),
		     nex ? " except " : "", nex && xs ? xs : "");
	free(xs);
	ef_strv_free(&x);
	for (size_t k = 0; k < nex; k++)
		terms_unsel(rg, sel, ex[k], t);
	free(ex);
}

static void terms_unsel(const struct region *rg, const bool *sel, size_t i, struct ef_strv *t)
{
	for (size_t k = 0; k < rg[i].nkids; k++) {
		size_t c = rg[i].kids[k];

		if (region_sel(rg, sel, c))
			terms_sel(rg, sel, c, t);
		else
			terms_unsel(rg, sel, c, t);
	}
}

char *ef_diff_regions_str(const struct region *rg, const bool *sel)
{
	struct ef_strv t = { 0 };
	char *s;

	if (region_sel(rg, sel, 0)) /* 0 is the root */
		terms_sel(rg, sel, 0, &t);
	else
		terms_unsel(rg, sel, 0, &t);
	if (t.n > EF_TERMS_SHOWN) {
		size_t all = t.n;

		while (t.n > EF_TERMS_SHOWN)
			free(t.v[--t.n]);
		ef_strv_addf(&t, "... %zu prefix terms in all", all);
	}
	s = ef_strv_join(&t, "; ");
	ef_strv_free(&t);
	return s;
}
