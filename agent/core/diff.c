// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `edgefw diff` (see diff.h for the method).  Output, for change review:
 *
 *   settings, peers, nodes, rules: one line per change
 *   node NAME: opens N, closes M
 *     + opens  external in TCP 8080 to access 203.0.113.10 from any
 *              rule ext-test-8080-in (new rule): its note
 *     - closes ...
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgefw/parse.h"
#include "describe.h"
#include "diff.h"
#include "diffcfg.h"
#include "diffgeo.h"
#include "strv.h"

/* cells of one (interface, direction, protocol, address) compared at most:
 * 2 x 4 bytes each (a million prefixes in a peer set would need gigabytes) */
#define EF_DIFF_MAX_CELLS (32u << 20)

/* ---- small helpers ------------------------------------------------------------ */

/* ---- one group: cells, findings ------------------------------------------------------ */

struct finding {
	int kind; /* 0 opens, 1 closes */
	int rule; /* index in the crediting policy */
	size_t group;
	char *text;
	unsigned lines;
};

struct group_ctx {
	const struct gkey *k;
	size_t gi;
	int family;
	struct bounds lb, rb;
	struct region *rg;
	size_t nrg;
	int *cell[2]; /* per side: the crediting rule, -1 none */
	size_t ncells;
};

static size_t nl(const struct group_ctx *g)
{
	return g->lb.n - 1;
}

static size_t nr(const struct group_ctx *g)
{
	return g->rb.n - 1;
}

static size_t cidx(const struct group_ctx *g, size_t pi, size_t ri, size_t li)
{
	return (pi * nr(g) + ri) * nl(g) + li;
}

/* The intervals [v[s], v[e+1]) of a selection, coalesced: "443, 5061-5062". */
static char *intervals_str(const struct bounds *b, const bool *sel)
{
	struct ef_range *r = calloc(b->n, sizeof(*r));
	size_t n = 0;
	char *s;

	if (!r)
		return NULL;
	for (size_t i = 0; i + 1 < b->n; i++) {
		if (!sel[i])
			continue;
		if (n && r[n - 1].hi + 1u == b->v[i])
			r[n - 1].hi = (uint16_t)(b->v[i + 1] - 1);
		else
			r[n++] =
				(struct ef_range){ (uint16_t)b->v[i], (uint16_t)(b->v[i + 1] - 1) };
	}
	s = ef_ranges_str(r, n, n == 1 && r[0].lo == 1 && r[0].hi == 65535);
	free(r);
	return s;
}

/* The cells of one (kind, rule) as lines: local ports per (region, remote
 * interval), remote intervals with the same local ports merged, regions
 * with the same ports merged. */
static void render(const struct group_ctx *g, const struct ef_policy *p, int kind, int rule,
		   struct finding *f)
{
	const struct ef_prule *r = &p->rules[rule];
	char **L = calloc(g->nrg * nr(g), sizeof(*L));
	char **R = calloc(g->nrg * nr(g), sizeof(*R)); /* per (region, first ri of its L) */
	bool *sel = calloc(nl(g) > nr(g) ? nl(g) : nr(g), sizeof(*sel));
	bool *done = calloc(g->nrg * nr(g), sizeof(*done));
	bool *rsel = calloc(g->nrg, sizeof(*rsel));
	char addr[EF_ADDRSTRLEN];
	FILE *out;
	size_t len = 0;

	out = open_memstream(&f->text, &len);
	if (!L || !R || !sel || !done || !rsel || !out)
		goto fail;
	ef_addr_fmt(&g->k->addr, addr, sizeof(addr));
	for (size_t pi = 0; pi < g->nrg; pi++)
		for (size_t ri = 0; ri < nr(g); ri++) {
			bool any = false;

			for (size_t li = 0; li < nl(g); li++) {
				size_t c = cidx(g, pi, ri, li);
				int mine = kind == 0 ? g->cell[1][c] : g->cell[0][c];
				int other = kind == 0 ? g->cell[0][c] : g->cell[1][c];

				sel[li] = mine == rule && other < 0;
				any |= sel[li];
			}
			if (any)
				L[pi * nr(g) + ri] = intervals_str(&g->lb, sel);
		}
	/* per region, remote intervals with the same local ports */
	for (size_t pi = 0; pi < g->nrg; pi++)
		for (size_t ri = 0; ri < nr(g); ri++) {
			const char *l = L[pi * nr(g) + ri];

			if (!l || done[pi * nr(g) + ri])
				continue;
			memset(sel, 0, sizeof(*sel) * nr(g));
			for (size_t rj = ri; rj < nr(g); rj++)
				if (L[pi * nr(g) + rj] && !strcmp(L[pi * nr(g) + rj], l)) {
					sel[rj] = true;
					done[pi * nr(g) + rj] = true;
				}
			R[pi * nr(g) + ri] = intervals_str(&g->rb, sel);
		}
	/* lines: regions with the same (local, remote) ports together */
	memset(done, 0, sizeof(*done) * g->nrg * nr(g));
	for (size_t pi = 0; pi < g->nrg; pi++)
		for (size_t ri = 0; ri < nr(g); ri++) {
			size_t c = pi * nr(g) + ri;
			char *pj;

			if (!R[c] || done[c])
				continue;
			memset(rsel, 0, sizeof(*rsel) * g->nrg);
			for (size_t pj_ = pi; pj_ < g->nrg; pj_++)
				for (size_t rj = 0; rj < nr(g); rj++) {
					size_t d = pj_ * nr(g) + rj;

					if (R[d] && !done[d] && !strcmp(R[d], R[c]) &&
					    !strcmp(L[d], L[c])) {
						done[d] = true;
						rsel[pj_] = true;
					}
				}
			pj = ef_diff_regions_str(g->rg, rsel);
			fprintf(out, "  %s %s %s %s ", kind == 0 ? "+ opens " : "- closes",
				ef_role_names[r->role], ef_diff_dir_name(r->dir),
				ef_proto_name(r->proto));
			if (r->dir == EF_DIR_IN) {
				fprintf(out, "%s to %s %s from %s", L[c],
					ef_service_names[r->service], addr, pj);
				if (strcmp(R[c], "any"))
					fprintf(out, " (remote port %s)", R[c]);
			} else {
				fprintf(out, "%s from %s %s", R[c], ef_service_names[r->service],
					addr);
				if (strcmp(L[c], "any"))
					fprintf(out, " port %s", L[c]);
				fprintf(out, " to %s", pj);
			}
			fprintf(out, "\n");
			f->lines++;
			free(pj);
		}
fail:
	if (out)
		fclose(out);
	for (size_t i = 0; L && R && i < g->nrg * nr(g); i++) {
		free(L[i]);
		free(R[i]);
	}
	free(L);
	free(R);
	free(sel);
	free(done);
	free(rsel);
}

/* Why a rule opens (kind 0, r of b) or closes (kind 1, r of a) on node. */
static char *why(int kind, const struct ef_policy *a, const struct ef_node *na,
		 const struct ef_policy *b, const struct ef_node *nb, const struct ef_prule *r)
{
	const struct ef_policy *other = kind == 0 ? a : b;
	const struct ef_node *nother = kind == 0 ? na : nb;
	const struct ef_prule *o = ef_diff_rule_named(other, r->name);
	struct ef_strv w = { 0 };
	char *j;

	if (!nother)
		ef_strv_add(&w, strdup(kind == 0 ? "new node" : "node removed"));
	if (!o) {
		ef_strv_add(&w, strdup(kind == 0 ? "new rule" : "rule removed"));
	} else {
		/* r credits the cell, so it is not left out on its side */
		if (ef_rule_excluded(other, o))
			ef_strv_add(&w,
				    strdup(kind == 0 ?
						   "no longer left out by settings.exclude_tags" :
						   "now left out by settings.exclude_tags"));
		if (kind == 0)
			ef_diff_match_changes(a, o, b, r, true, &w);
		else
			ef_diff_match_changes(a, r, b, o, true, &w);
	}
	if (na && nb) {
		char *sa = ef_addrs_str(ef_node_service_addrs(na, r->service));
		char *sb = ef_addrs_str(ef_node_service_addrs(nb, r->service));
		char what[64];

		snprintf(what, sizeof(what), "%s addresses", ef_service_names[r->service]);
		ef_diff_changed(&w, what, sa, sb);
	}
	j = ef_strv_join(&w, "; ");
	ef_strv_free(&w);
	return j;
}

static void do_group(struct group_ctx *g, const struct ef_policy *pol[2],
		     const struct ef_node *nd[2], struct finding **fs, size_t *nf)
{
	struct box *bx[2];
	size_t nb[2];

	g->family = ef_addr_family(&g->k->addr);
	for (int s = 0; s < 2; s++)
		nb[s] = ef_diff_boxes(pol[s], nd[s], g->k, &bx[s]);
	memset(&g->lb, 0, sizeof(g->lb));
	memset(&g->rb, 0, sizeof(g->rb));
	for (int s = 0; s < 2; s++) {
		ef_diff_bounds_of(&g->lb, bx[s], nb[s], true);
		ef_diff_bounds_of(&g->rb, bx[s], nb[s], false);
	}
	/* bounds_of sorts and deduplicates each time: the second pass sees all */
	g->nrg = ef_diff_regions_of(bx, nb, g->family, &g->rg);
	g->ncells = g->nrg * nr(g) * nl(g);
	if (g->ncells > EF_DIFF_MAX_CELLS) {
		struct finding *nfs = realloc(*fs, sizeof(*nfs) * (*nf + 1));
		char addr[EF_ADDRSTRLEN];

		if (!nfs)
			goto out;
		*fs = nfs;
		memset(&nfs[*nf], 0, sizeof(nfs[*nf]));
		nfs[*nf].kind = 2;
		nfs[*nf].group = g->gi;
		if (asprintf(&nfs[*nf].text,
			     "  ! not compared: %s %s %s to and from %s: %zu peer prefix regions x "
			     "%zu x %zu port intervals is over the %u cells diff compares\n",
			     ef_role_names[g->k->role], ef_diff_dir_name(g->k->dir),
			     ef_proto_name(g->k->proto),
			     ef_addr_fmt(&g->k->addr, addr, sizeof(addr)), g->nrg, nl(g), nr(g),
			     EF_DIFF_MAX_CELLS) < 0)
			nfs[*nf].text = NULL;
		(*nf)++;
		goto out;
	}
	for (int s = 0; s < 2; s++) {
		g->cell[s] = malloc(sizeof(int) * (g->ncells + 1));
		if (!g->cell[s])
			goto out;
		for (size_t i = 0; i < g->ncells; i++)
			g->cell[s][i] = -1;
		for (size_t i = nb[s]; i-- > 0;) { /* the first covering box wins */
			bool *in = ef_diff_box_regions(&bx[s][i], g->rg, g->nrg, g->family);

			for (size_t pi = 0; in && pi < g->nrg; pi++) {
				if (!in[pi] || g->rg[pi].empty)
					continue;
				for (size_t ri = 0; ri < nr(g); ri++) {
					if (!ef_diff_ranges_have(bx[s][i].rp, bx[s][i].nrp,
								 g->rb.v[ri]))
						continue;
					for (size_t li = 0; li < nl(g); li++)
						if (ef_diff_ranges_have(bx[s][i].lp, bx[s][i].nlp,
									g->lb.v[li]))
							g->cell[s][cidx(g, pi, ri, li)] =
								bx[s][i].rule;
				}
			}
			free(in);
		}
	}
	/* one finding per (kind, crediting rule) */
	for (int kind = 0; kind < 2; kind++) {
		int side = kind == 0 ? 1 : 0;
		const struct ef_policy *p = pol[side];

		for (size_t i = 0; i < p->nrules; i++) {
			bool hit = false;
			struct finding *nfs;

			for (size_t c = 0; c < g->ncells && !hit; c++)
				hit = g->cell[side][c] == (int)i && g->cell[1 - side][c] < 0;
			if (!hit)
				continue;
			nfs = realloc(*fs, sizeof(*nfs) * (*nf + 1));
			if (!nfs)
				goto out;
			*fs = nfs;
			memset(&nfs[*nf], 0, sizeof(nfs[*nf]));
			nfs[*nf].kind = kind;
			nfs[*nf].rule = (int)i;
			nfs[*nf].group = g->gi;
			render(g, p, kind, (int)i, &nfs[*nf]);
			{
				const struct ef_prule *r = &p->rules[i];
				char *w = why(kind, pol[0], nd[0], pol[1], nd[1], r);
				char *t = NULL;

				if (asprintf(&t, "%s           rule %s%s%s%s: %s\n",
					     nfs[*nf].text ? nfs[*nf].text : "", r->name,
					     w && *w ? " (" : "", w ? w : "", w && *w ? ")" : "",
					     r->note ? r->note : "(no note)") >= 0) {
					free(nfs[*nf].text);
					nfs[*nf].text = t;
				}
				free(w);
			}
			(*nf)++;
		}
	}
out:
	for (int s = 0; s < 2; s++) {
		free(bx[s]);
		free(g->cell[s]);
		g->cell[s] = NULL;
	}
	for (size_t i = 0; i < g->nrg; i++)
		free(g->rg[i].kids);
	free(g->rg);
	free(g->lb.v);
	free(g->rb.v);
}

static int finding_cmp(const void *x, const void *y)
{
	const struct finding *a = x, *b = y;

	if (a->kind != b->kind)
		return a->kind - b->kind;
	if (a->rule != b->rule)
		return a->rule - b->rule;
	return a->group < b->group ? -1 : a->group > b->group;
}

static void node_diff(const struct ef_policy *a, const struct ef_policy *b, const char *name,
		      FILE *out, struct ef_diff_count *cnt)
{
	const struct ef_policy *pol[2] = { a, b };
	const struct ef_node *nd[2] = { ef_policy_node(a, name), ef_policy_node(b, name) };
	struct gkey *keys = NULL;
	size_t nkeys = 0, nf = 0;
	struct finding *fs = NULL;
	unsigned opens = 0, closes = 0;

	ef_diff_add_keys(a, nd[0], &keys, &nkeys);
	ef_diff_add_keys(b, nd[1], &keys, &nkeys);
	for (size_t i = 0; i < nkeys; i++) {
		struct group_ctx g = { .k = &keys[i], .gi = i };

		do_group(&g, pol, nd, &fs, &nf);
	}
	if (nf)
		qsort(fs, nf, sizeof(*fs), finding_cmp);
	for (size_t i = 0; i < nf; i++) {
		if (fs[i].kind == 0)
			opens += fs[i].lines;
		else
			closes += fs[i].lines;
	}
	if (!nf) {
		fprintf(out, "node %s: no change in what is allowed\n", name);
	} else {
		fprintf(out, "node %s: opens %u, closes %u\n", name, opens, closes);
		for (size_t i = 0; i < nf; i++)
			fputs(fs[i].text ? fs[i].text : "", out);
	}
	for (size_t i = 0; i < nf; i++)
		free(fs[i].text);
	free(fs);
	free(keys);
	cnt->opens += opens;
	cnt->closes += closes;
}

int ef_policy_diff(const struct ef_policy *a, const struct ef_policy *b, const char *node,
		   FILE *out, struct ef_diff_count *cnt)
{
	struct ef_diff_count c = { 0 };
	struct ef_strv ch = { 0 };

	fprintf(out, "--- %s (policy %s)\n+++ %s (policy %s)\n", a->file, a->name, b->file,
		b->name);
	if (strcmp(a->name, b->name))
		ef_strv_addf(&ch, "name: %s -> %s", a->name, b->name);
	ef_diff_settings_changes(&a->settings, &b->settings, &ch);
	ef_diff_peers_changes(a, b, &ch);
	ef_diff_nodes_changes(a, b, &ch);
	ef_diff_rules_changes(a, b, &ch);
	for (size_t i = 0; i < ch.n; i++)
		fprintf(out, "%s\n", ch.v[i]);
	c.changes = (unsigned)ch.n;
	ef_strv_free(&ch);
	if (c.changes)
		fprintf(out, "\n");
	for (size_t i = 0; i < a->nnodes; i++)
		if (!node || !strcmp(node, a->nodes[i].name))
			node_diff(a, b, a->nodes[i].name, out, &c);
	for (size_t i = 0; i < b->nnodes; i++)
		if (!ef_policy_node(a, b->nodes[i].name) &&
		    (!node || !strcmp(node, b->nodes[i].name)))
			node_diff(a, b, b->nodes[i].name, out, &c);
	fprintf(out, "\n%u opened, %u closed%s\n", c.opens, c.closes,
		c.opens || c.closes ? "" : ": the change allows exactly what it allowed");
	if (cnt)
		*cnt = c;
	return 0;
}
