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

#define PORT_END 65536u /* one past the last port */
/* cells of one (interface, direction, protocol, address) compared at most:
 * 2 x 4 bytes each (a million prefixes in a peer set would need gigabytes) */
#define EF_DIFF_MAX_CELLS (32u << 20)
#define EF_PEERS_SHOWN    16 /* prefixes of a changed peer set written out */
#define EF_TERMS_SHOWN    32 /* prefix terms of one opened or closed flow */

static const struct ef_range full_range = { 1, 65535 };

/* ---- small helpers ------------------------------------------------------------ */

struct strv {
	char **v;
	size_t n;
};

static void strv_add(struct strv *s, char *str) /* takes str */
{
	char **nv;

	if (!str)
		return;
	nv = realloc(s->v, sizeof(*nv) * (s->n + 1));
	if (!nv) {
		free(str);
		return;
	}
	s->v = nv;
	s->v[s->n++] = str;
}

__attribute__((format(printf, 2, 3)))
static void strv_addf(struct strv *s, const char *fmt, ...)
{
	char *str = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&str, fmt, ap) < 0)
		str = NULL;
	va_end(ap);
	strv_add(s, str);
}

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* "a; b; c" */
static char *strv_join(const struct strv *s, const char *sep)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		fprintf(f, "%s%s", i ? sep : "", s->v[i]);
	fclose(f);
	return out;
}

static const struct ef_prule *rule_named(const struct ef_policy *p, const char *name)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].name && strcmp(p->rules[i].name, name) == 0)
			return &p->rules[i];
	return NULL;
}

static const struct ef_peerset *set_named(const struct ef_policy *p, const char *name)
{
	for (size_t i = 0; i < p->npeersets; i++)
		if (!p->peersets[i].inline_set && strcmp(p->peersets[i].name, name) == 0)
			return &p->peersets[i];
	return NULL;
}

static const char *dir_name(int dir)
{
	return dir == EF_DIR_IN ? "in" : "out";
}

/* "old -> new" when the strings differ (both taken) */
static void changed(struct strv *out, const char *what, char *old, char *new)
{
	if (old && new && strcmp(old, new))
		strv_addf(out, "%s %s -> %s", what, old, new);
	free(old);
	free(new);
}

static int str_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* A peer set's prefixes as sorted strings ("any" for any). */
static struct strv set_strs(const struct ef_peerset *ps)
{
	struct strv v = { 0 };
	char buf[EF_ADDRSTRLEN + 8];

	if (ps->any)
		strv_add(&v, strdup("any"));
	for (size_t i = 0; !ps->any && i < ps->n; i++)
		strv_add(&v, strdup(ef_prefix_fmt(&ps->pfx[i], buf, sizeof(buf))));
	if (v.n)
		qsort(v.v, v.n, sizeof(*v.v), str_cmp);
	return v;
}

/* "+ x, y" / "- z": what only one of two sorted lists has, shortened */
static void only_in(FILE *f, const char *sign, const struct strv *x, const struct strv *y)
{
	size_t shown = 0, all = 0, j = 0;

	for (size_t i = 0; i < x->n; i++) {
		while (j < y->n && strcmp(y->v[j], x->v[i]) < 0)
			j++;
		if (j < y->n && !strcmp(y->v[j], x->v[i]))
			continue;
		if (shown < EF_PEERS_SHOWN)
			fprintf(f, "%s%s", shown++ ? ", " : sign, x->v[i]);
		all++;
	}
	if (all > shown)
		fprintf(f, ", ... %zu in all", all);
}

/*
 * "old -> new" of two peer sets, compared whole.  Sets longer than a
 * handful of prefixes are written shortened, with what each has that the
 * other has not.
 */
static void peer_changed(struct strv *out, const char *what, const struct ef_policy *pa, int sa,
			 const struct ef_policy *pb, int sb)
{
	char *a = ef_peer_str(pa, sa), *b = ef_peer_str(pb, sb);

	if (a && b && strcmp(a, b)) {
		const struct ef_peerset *xa = &pa->peersets[sa], *xb = &pb->peersets[sb];

		if (xa->n <= EF_PEERS_SHOWN && xb->n <= EF_PEERS_SHOWN) {
			strv_addf(out, "%s %s -> %s", what, a, b);
		} else {
			struct strv va = set_strs(xa), vb = set_strs(xb);
			char *sa_ = ef_peer_str_max(pa, sa, EF_PEERS_SHOWN);
			char *sb_ = ef_peer_str_max(pb, sb, EF_PEERS_SHOWN);
			char *plus = NULL, *minus = NULL;
			size_t lp = 0, lm = 0;
			FILE *fp = open_memstream(&plus, &lp), *fm = open_memstream(&minus, &lm);

			if (fp) {
				only_in(fp, "+ ", &vb, &va);
				fclose(fp);
			}
			if (fm) {
				only_in(fm, "- ", &va, &vb);
				fclose(fm);
			}
			strv_addf(out, "%s %s -> %s (%s%s%s)", what, sa_ ? sa_ : "", sb_ ? sb_ : "",
				  plus ? plus : "", plus && *plus && minus && *minus ? "; " : "",
				  minus ? minus : "");
			free(sa_);
			free(sb_);
			free(plus);
			free(minus);
			strv_free(&va);
			strv_free(&vb);
		}
	}
	free(a);
	free(b);
}

/* What the rule matches, compared: interface, direction, service,
 * protocol, ports, local ports; and its peer (whole, with contents, or
 * by reference only). */
static void match_changes(const struct ef_policy *pa, const struct ef_prule *a,
			  const struct ef_policy *pb, const struct ef_prule *b,
			  bool peer_contents, struct strv *out)
{
	changed(out, "interface", strdup(ef_role_names[a->role]), strdup(ef_role_names[b->role]));
	changed(out, "direction", strdup(dir_name(a->dir)), strdup(dir_name(b->dir)));
	changed(out, "service", strdup(ef_service_names[a->service]),
		strdup(ef_service_names[b->service]));
	changed(out, "protocol", strdup(ef_proto_name(a->proto)), strdup(ef_proto_name(b->proto)));
	changed(out, "ports", ef_rule_ports_str(a), ef_rule_ports_str(b));
	{
		char *la = ef_rule_lports_str(a), *lb = ef_rule_lports_str(b);

		changed(out, "local_ports", la ? la : strdup("none"), lb ? lb : strdup("none"));
	}
	if (peer_contents) {
		peer_changed(out, "peer", pa, a->peerset, pb, b->peerset);
	} else {
		const struct ef_peerset *sa = &pa->peersets[a->peerset], *sb = &pb->peersets[b->peerset];

		changed(out, "peer", sa->inline_set ? ef_peer_str(pa, a->peerset) : strdup(sa->name),
			sb->inline_set ? ef_peer_str(pb, b->peerset) : strdup(sb->name));
	}
}

static char *tags_str(const struct ef_prule *r)
{
	struct strv s = { 0 };
	char *out, *j;

	for (size_t i = 0; i < r->ntags; i++)
		strv_add(&s, strdup(r->tags[i]));
	j = strv_join(&s, ", ");
	if (asprintf(&out, "[%s]", j ? j : "") < 0)
		out = NULL;
	free(j);
	strv_free(&s);
	return out;
}

static char *limits_str(const struct ef_limits *l)
{
	char *s;

	if (!l->rate)
		return strdup("none");
	if (asprintf(&s, "%u/s burst %u block %u s", l->rate, l->burst, l->block_s) < 0)
		return NULL;
	return s;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* ---- settings, peers, nodes, rules --------------------------------------------- */

static char *excl_str(const struct ef_settings *s)
{
	struct strv v = { 0 };
	char *j, *out;

	for (size_t i = 0; i < s->nexclude_tags; i++)
		strv_add(&v, strdup(s->exclude_tags[i]));
	j = strv_join(&v, ", ");
	if (asprintf(&out, "[%s]", j ? j : "") < 0)
		out = NULL;
	free(j);
	strv_free(&v);
	return out;
}

static void settings_changes(const struct ef_settings *a, const struct ef_settings *b,
			     struct strv *out)
{
	if (a->mode != b->mode)
		strv_addf(out, "settings.mode: %s -> %s%s", ef_mode_name(a->mode), ef_mode_name(b->mode),
			  b->mode == EF_MODE_MONITOR ? " (nothing is dropped: drops are reported as would-drop)" :
						       " (drops are enforced)");
	if (a->egress != b->egress)
		strv_addf(out, "settings.egress: %s -> %s%s", ef_mode_name(a->egress),
			  ef_mode_name(b->egress),
			  b->egress == EF_MODE_ENFORCE ? " (outbound packets no out rule allows are dropped)" :
							 " (outbound packets are no longer dropped)");
	if (a->ping != b->ping)
		strv_addf(out, "settings.ping: %s -> %s (ICMP echo to and from the service addresses %s)",
			  a->ping ? "true" : "false", b->ping ? "true" : "false",
			  b->ping ? "opens" : "closes");
	if (a->log_allowed != b->log_allowed)
		strv_addf(out, "settings.log_allowed: %s -> %s", a->log_allowed ? "true" : "false",
			  b->log_allowed ? "true" : "false");
	{
		char *ea = excl_str(a), *eb = excl_str(b);

		if (ea && eb && strcmp(ea, eb))
			strv_addf(out, "settings.exclude_tags: %s -> %s", ea, eb);
		free(ea);
		free(eb);
	}
	for (int i = 0; i < EF_TO_MAX; i++)
		if (a->timeout_s[i] != b->timeout_s[i])
			strv_addf(out, "settings.timeouts.%s: %u -> %u", ef_timeout_names[i],
				  a->timeout_s[i], b->timeout_s[i]);
#define CMP_U32(field, name)                                                         \
	do {                                                                         \
		if (a->field != b->field)                                            \
			strv_addf(out, "settings." name ": %u -> %u", a->field, b->field); \
	} while (0)
	CMP_U32(flow_table_size, "flow_table_size");
	CMP_U32(new_flow_table_size, "new_flow_table_size");
	CMP_U32(fragment_table_size, "fragment_table_size");
	CMP_U32(event_rate, "event_limit.rate");
	CMP_U32(event_burst, "event_limit.burst");
	CMP_U32(event_cpu_rate, "event_limit.per_cpu");
	CMP_U32(limit_v6_prefix, "limit_v6_prefix");
	CMP_U32(syn_threshold, "syn_flood.threshold");
	CMP_U32(syn_verified_s, "syn_flood.verified_seconds");
#undef CMP_U32
	if (a->syn_mode != b->syn_mode)
		strv_addf(out, "settings.syn_flood.mode: %s -> %s", ef_syn_mode_name(a->syn_mode),
			  ef_syn_mode_name(b->syn_mode));
	for (int s = 0; s < EF_SVC_MAX; s++) {
		char *la = limits_str(&a->limits[s]), *lb = limits_str(&b->limits[s]);
		char what[64];

		snprintf(what, sizeof(what), "settings.limits.%s:", ef_service_names[s]);
		changed(out, what, la, lb);
	}
}

static void peers_changes(const struct ef_policy *a, const struct ef_policy *b, struct strv *out)
{
	for (size_t i = 0; i < a->npeersets; i++) {
		const struct ef_peerset *sa = &a->peersets[i], *sb;
		char *pa;

		if (sa->inline_set)
			continue;
		sb = set_named(b, sa->name);
		if (!sb) {
			pa = ef_peer_str_max(a, (int)i, EF_PEERS_SHOWN);
			strv_addf(out, "peers: - %s", pa);
			free(pa);
			continue;
		}
		{
			struct strv c = { 0 };
			char what[96];

			snprintf(what, sizeof(what), "peers.%s:", sa->name);
			peer_changed(&c, what, a, (int)i, b, (int)(sb - b->peersets));
			for (size_t k = 0; k < c.n; k++)
				strv_add(out, strdup(c.v[k]));
			strv_free(&c);
		}
	}
	for (size_t i = 0; i < b->npeersets; i++) {
		const struct ef_peerset *sb = &b->peersets[i];

		if (!sb->inline_set && !set_named(a, sb->name)) {
			char *pb = ef_peer_str_max(b, (int)i, EF_PEERS_SHOWN);

			strv_addf(out, "peers: + %s", pb);
			free(pb);
		}
	}
}

static char *ifs_str(const struct ef_node *n, int role)
{
	struct strv v = { 0 };
	char *j;

	for (size_t i = 0; i < n->nifnames[role]; i++)
		strv_add(&v, strdup(n->ifnames[role][i]));
	j = strv_join(&v, ", ");
	strv_free(&v);
	return j;
}

static void nodes_changes(const struct ef_policy *a, const struct ef_policy *b, struct strv *out)
{
	for (size_t i = 0; i < a->nnodes; i++) {
		const struct ef_node *na = &a->nodes[i], *nb = ef_policy_node(b, na->name);
		char what[128];

		if (!nb) {
			strv_addf(out, "nodes: - %s", na->name);
			continue;
		}
		for (int r = 0; r < EF_ROLE_MAX; r++) {
			snprintf(what, sizeof(what), "nodes.%s.interfaces.%s:", na->name, ef_role_names[r]);
			changed(out, what, ifs_str(na, r), ifs_str(nb, r));
		}
		/* as written: xmpp without addresses of its own follows access */
		for (int s = 0; s < EF_SVC_MAX; s++) {
			snprintf(what, sizeof(what), "nodes.%s.addresses.%s:", na->name, ef_service_names[s]);
			changed(out, what, ef_addrs_str(&na->addrs[s]), ef_addrs_str(&nb->addrs[s]));
		}
	}
	for (size_t i = 0; i < b->nnodes; i++)
		if (!ef_policy_node(a, b->nodes[i].name))
			strv_addf(out, "nodes: + %s", b->nodes[i].name);
}

static void rules_changes(const struct ef_policy *a, const struct ef_policy *b, struct strv *out)
{
	for (size_t i = 0; i < a->nrules; i++)
		if (!rule_named(b, a->rules[i].name))
			strv_addf(out, "rules: - %s", a->rules[i].name);
	for (size_t i = 0; i < b->nrules; i++) {
		const struct ef_prule *rb = &b->rules[i], *ra = rule_named(a, rb->name);
		struct strv c = { 0 };
		char *j;

		if (!ra) {
			strv_addf(out, "rules: + %s", rb->name);
			continue;
		}
		match_changes(a, ra, b, rb, false, &c);
		changed(&c, "tags", tags_str(ra), tags_str(rb));
		changed(&c, "limits", limits_str(&ra->limits), limits_str(&rb->limits));
		if (ra->log != rb->log)
			strv_addf(&c, "log %s -> %s", ra->log ? "true" : "false", rb->log ? "true" : "false");
		if (!same_str(ra->restates, rb->restates))
			strv_addf(&c, "restates %s -> %s", ra->restates ? ra->restates : "none",
				  rb->restates ? rb->restates : "none");
		if (!same_str(ra->note, rb->note))
			strv_add(&c, strdup("note changed"));
		if (!same_str(ra->ref, rb->ref))
			strv_add(&c, strdup("ref changed"));
		if (c.n) {
			j = strv_join(&c, "; ");
			strv_addf(out, "rules: ~ %s: %s", rb->name, j);
			free(j);
		}
		strv_free(&c);
	}
}

/* ---- the node's boxes and cells -------------------------------------------------- */

struct box {
	int rule; /* index in the policy's rules */
	const struct ef_range *lp, *rp;
	size_t nlp, nrp;
	const struct ef_peerset *peers;
};

struct gkey {
	int role, dir, proto;
	union ef_addr addr;
};

static bool has_addr(const struct ef_addrlist *al, const union ef_addr *a)
{
	for (size_t i = 0; i < al->n; i++)
		if (ef_addr_eq(&al->a[i], a))
			return true;
	return false;
}

static void add_keys(const struct ef_policy *p, const struct ef_node *n, struct gkey **keys,
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
				       (*keys)[j].proto == key.proto && ef_addr_eq(&(*keys)[j].addr, &key.addr);
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

static size_t boxes(const struct ef_policy *p, const struct ef_node *n, const struct gkey *k,
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
		    r->proto != k->proto || !has_addr(ef_node_service_addrs(n, r->service), &k->addr))
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

/* Port boundaries: every range start and one past every range end. */
struct bounds {
	unsigned *v;
	size_t n;
};

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

static void bounds_of(struct bounds *b, const struct box *bx, size_t nb, bool local)
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

static bool ranges_have(const struct ef_range *r, size_t n, unsigned port)
{
	for (size_t i = 0; i < n; i++)
		if (port >= r[i].lo && port <= r[i].hi)
			return true;
	return false;
}

/* Peer regions: a prefix less the prefixes inside it (prefixes nest or
 * are disjoint, so these partition the address space of one family). */
struct region {
	struct ef_prefix p;
	bool root;
	size_t parent; /* the smallest region whose prefix holds this one */
	size_t *kids;  /* the regions whose parent this is, in address order */
	size_t nkids;
	bool empty;    /* the kids cover it all */
};

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
static size_t regions_of(struct box *const *bx, const size_t *nb, int family,
			 struct region **out)
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
				if (ef_prefix_family(&ps->pfx[k]) != family || prefix_eq(&ps->pfx[k], &root))
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
static bool *box_regions(const struct box *b, const struct region *rg, size_t n, int family)
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

static void exceptions(const struct region *rg, const bool *sel, size_t i, struct strv *x,
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
			strv_add(x, strdup(ef_prefix_fmt(&rg[c].p, buf, sizeof(buf))));
		}
	}
}

static void terms_unsel(const struct region *rg, const bool *sel, size_t i, struct strv *t);

static void terms_sel(const struct region *rg, const bool *sel, size_t i, struct strv *t)
{
	char buf[EF_ADDRSTRLEN + 8], *xs;
	struct strv x = { 0 };
	size_t *ex = NULL, nex = 0;

	exceptions(rg, sel, i, &x, &ex, &nex);
	xs = strv_join(&x, ", ");
	strv_addf(t, "%s%s%s", rg[i].root ? "any" : ef_prefix_fmt(&rg[i].p, buf, sizeof(buf)),
		  nex ? " except " : "", nex && xs ? xs : "");
	free(xs);
	strv_free(&x);
	for (size_t k = 0; k < nex; k++)
		terms_unsel(rg, sel, ex[k], t);
	free(ex);
}

static void terms_unsel(const struct region *rg, const bool *sel, size_t i, struct strv *t)
{
	for (size_t k = 0; k < rg[i].nkids; k++) {
		size_t c = rg[i].kids[k];

		if (region_sel(rg, sel, c))
			terms_sel(rg, sel, c, t);
		else
			terms_unsel(rg, sel, c, t);
	}
}

static char *regions_str(const struct region *rg, const bool *sel)
{
	struct strv t = { 0 };
	char *s;

	if (region_sel(rg, sel, 0)) /* 0 is the root */
		terms_sel(rg, sel, 0, &t);
	else
		terms_unsel(rg, sel, 0, &t);
	if (t.n > EF_TERMS_SHOWN) {
		size_t all = t.n;

		while (t.n > EF_TERMS_SHOWN)
			free(t.v[--t.n]);
		strv_addf(&t, "... %zu prefix terms in all", all);
	}
	s = strv_join(&t, "; ");
	strv_free(&t);
	return s;
}

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
			r[n++] = (struct ef_range){ (uint16_t)b->v[i], (uint16_t)(b->v[i + 1] - 1) };
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

					if (R[d] && !done[d] && !strcmp(R[d], R[c]) && !strcmp(L[d], L[c])) {
						done[d] = true;
						rsel[pj_] = true;
					}
				}
			pj = regions_str(g->rg, rsel);
			fprintf(out, "  %s %s %s %s ", kind == 0 ? "+ opens " : "- closes",
				ef_role_names[r->role], dir_name(r->dir), ef_proto_name(r->proto));
			if (r->dir == EF_DIR_IN) {
				fprintf(out, "%s to %s %s from %s", L[c], ef_service_names[r->service], addr, pj);
				if (strcmp(R[c], "any"))
					fprintf(out, " (remote port %s)", R[c]);
			} else {
				fprintf(out, "%s from %s %s", R[c], ef_service_names[r->service], addr);
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
	const struct ef_prule *o = rule_named(other, r->name);
	struct strv w = { 0 };
	char *j;

	if (!nother)
		strv_add(&w, strdup(kind == 0 ? "new node" : "node removed"));
	if (!o) {
		strv_add(&w, strdup(kind == 0 ? "new rule" : "rule removed"));
	} else {
		/* r credits the cell, so it is not left out on its side */
		if (ef_rule_excluded(other, o))
			strv_add(&w, strdup(kind == 0 ? "no longer left out by settings.exclude_tags" :
							"now left out by settings.exclude_tags"));
		if (kind == 0)
			match_changes(a, o, b, r, true, &w);
		else
			match_changes(a, r, b, o, true, &w);
	}
	if (na && nb) {
		char *sa = ef_addrs_str(ef_node_service_addrs(na, r->service));
		char *sb = ef_addrs_str(ef_node_service_addrs(nb, r->service));
		char what[64];

		snprintf(what, sizeof(what), "%s addresses", ef_service_names[r->service]);
		changed(&w, what, sa, sb);
	}
	j = strv_join(&w, "; ");
	strv_free(&w);
	return j;
}

static void do_group(struct group_ctx *g, const struct ef_policy *pol[2],
		     const struct ef_node *nd[2], struct finding **fs, size_t *nf)
{
	struct box *bx[2];
	size_t nb[2];

	g->family = ef_addr_family(&g->k->addr);
	for (int s = 0; s < 2; s++)
		nb[s] = boxes(pol[s], nd[s], g->k, &bx[s]);
	memset(&g->lb, 0, sizeof(g->lb));
	memset(&g->rb, 0, sizeof(g->rb));
	for (int s = 0; s < 2; s++) {
		bounds_of(&g->lb, bx[s], nb[s], true);
		bounds_of(&g->rb, bx[s], nb[s], false);
	}
	/* bounds_of sorts and deduplicates each time: the second pass sees all */
	g->nrg = regions_of(bx, nb, g->family, &g->rg);
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
			     ef_role_names[g->k->role], dir_name(g->k->dir), ef_proto_name(g->k->proto),
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
			bool *in = box_regions(&bx[s][i], g->rg, g->nrg, g->family);

			for (size_t pi = 0; in && pi < g->nrg; pi++) {
				if (!in[pi] || g->rg[pi].empty)
					continue;
				for (size_t ri = 0; ri < nr(g); ri++) {
					if (!ranges_have(bx[s][i].rp, bx[s][i].nrp, g->rb.v[ri]))
						continue;
					for (size_t li = 0; li < nl(g); li++)
						if (ranges_have(bx[s][i].lp, bx[s][i].nlp, g->lb.v[li]))
							g->cell[s][cidx(g, pi, ri, li)] = bx[s][i].rule;
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

				if (asprintf(&t, "%s           rule %s%s%s%s: %s\n", nfs[*nf].text ? nfs[*nf].text : "",
					     r->name, w && *w ? " (" : "", w ? w : "", w && *w ? ")" : "",
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

	add_keys(a, nd[0], &keys, &nkeys);
	add_keys(b, nd[1], &keys, &nkeys);
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

int ef_policy_diff(const struct ef_policy *a, const struct ef_policy *b,
		   const char *node, FILE *out, struct ef_diff_count *cnt)
{
	struct ef_diff_count c = { 0 };
	struct strv ch = { 0 };

	fprintf(out, "--- %s (policy %s)\n+++ %s (policy %s)\n", a->file, a->name, b->file, b->name);
	if (strcmp(a->name, b->name))
		strv_addf(&ch, "name: %s -> %s", a->name, b->name);
	settings_changes(&a->settings, &b->settings, &ch);
	peers_changes(a, b, &ch);
	nodes_changes(a, b, &ch);
	rules_changes(a, b, &ch);
	for (size_t i = 0; i < ch.n; i++)
		fprintf(out, "%s\n", ch.v[i]);
	c.changes = (unsigned)ch.n;
	strv_free(&ch);
	if (c.changes)
		fprintf(out, "\n");
	for (size_t i = 0; i < a->nnodes; i++)
		if (!node || !strcmp(node, a->nodes[i].name))
			node_diff(a, b, a->nodes[i].name, out, &c);
	for (size_t i = 0; i < b->nnodes; i++)
		if (!ef_policy_node(a, b->nodes[i].name) && (!node || !strcmp(node, b->nodes[i].name)))
			node_diff(a, b, b->nodes[i].name, out, &c);
	fprintf(out, "\n%u opened, %u closed%s\n", c.opens, c.closes,
		c.opens || c.closes ? "" : ": the change allows exactly what it allowed");
	if (cnt)
		*cnt = c;
	return 0;
}
