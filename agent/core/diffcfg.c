// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `edgefw diff`: the changes of the text, one line each (settings, peer
 * sets, nodes, rules). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgefw/parse.h"
#include "describe.h"
#include "diffcfg.h"

const struct ef_prule *ef_diff_rule_named(const struct ef_policy *p, const char *name)
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

const char *ef_diff_dir_name(int dir)
{
	return dir == EF_DIR_IN ? "in" : "out";
}

/* "old -> new" when the strings differ (both taken) */
void ef_diff_changed(struct ef_strv *out, const char *what, char *old, char *new)
{
	if (old && new &&strcmp(old, new))
		ef_strv_addf(out, "%s %s -> %s", what, old, new);
	free(old);
	free(new);
}

static int str_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* A peer set's prefixes as sorted strings ("any" for any). */
static struct ef_strv set_strs(const struct ef_peerset *ps)
{
	struct ef_strv v = { 0 };
	char buf[EF_ADDRSTRLEN + 8];

	if (ps->any)
		ef_strv_add(&v, strdup("any"));
	for (size_t i = 0; !ps->any && i < ps->n; i++)
		ef_strv_add(&v, strdup(ef_prefix_fmt(&ps->pfx[i], buf, sizeof(buf))));
	if (v.n)
		qsort(v.v, v.n, sizeof(*v.v), str_cmp);
	return v;
}

/* "+ x, y" / "- z": what only one of two sorted lists has, shortened */
static void only_in(FILE *f, const char *sign, const struct ef_strv *x, const struct ef_strv *y)
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
static void peer_changed(struct ef_strv *out, const char *what, const struct ef_policy *pa, int sa,
			 const struct ef_policy *pb, int sb)
{
	char *a = ef_peer_str(pa, sa), *b = ef_peer_str(pb, sb);

	if (a && b && strcmp(a, b)) {
		const struct ef_peerset *xa = &pa->peersets[sa], *xb = &pb->peersets[sb];

		if (xa->n <= EF_PEERS_SHOWN && xb->n <= EF_PEERS_SHOWN) {
			ef_strv_addf(out, "%s %s -> %s", what, a, b);
		} else {
			struct ef_strv va = set_strs(xa), vb = set_strs(xb);
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
			ef_strv_addf(out, "%s %s -> %s (%s%s%s)", what, sa_ ? sa_ : "",
				     sb_ ? sb_ : "", plus ? plus : "",
				     plus && *plus && minus && *minus ? "; " : "",
				     minus ? minus : "");
			free(sa_);
			free(sb_);
			free(plus);
			free(minus);
			ef_strv_free(&va);
			ef_strv_free(&vb);
		}
	}
	free(a);
	free(b);
}

/* What the rule matches, compared: interface, direction, service,
 * protocol, ports, local ports; and its peer (whole, with contents, or
 * by reference only). */
void ef_diff_match_changes(const struct ef_policy *pa, const struct ef_prule *a,
			   const struct ef_policy *pb, const struct ef_prule *b, bool peer_contents,
			   struct ef_strv *out)
{
	ef_diff_changed(out, "interface", strdup(ef_role_names[a->role]),
			strdup(ef_role_names[b->role]));
	ef_diff_changed(out, "direction", strdup(ef_diff_dir_name(a->dir)),
			strdup(ef_diff_dir_name(b->dir)));
	ef_diff_changed(out, "service", strdup(ef_service_names[a->service]),
			strdup(ef_service_names[b->service]));
	ef_diff_changed(out, "protocol", strdup(ef_proto_name(a->proto)),
			strdup(ef_proto_name(b->proto)));
	ef_diff_changed(out, "ports", ef_rule_ports_str(a), ef_rule_ports_str(b));
	{
		char *la = ef_rule_lports_str(a), *lb = ef_rule_lports_str(b);

		ef_diff_changed(out, "local_ports", la ? la : strdup("none"),
				lb ? lb : strdup("none"));
	}
	if (peer_contents) {
		peer_changed(out, "peer", pa, a->peerset, pb, b->peerset);
	} else {
		const struct ef_peerset *sa = &pa->peersets[a->peerset],
					*sb = &pb->peersets[b->peerset];

		ef_diff_changed(out, "peer",
				sa->inline_set ? ef_peer_str(pa, a->peerset) : strdup(sa->name),
				sb->inline_set ? ef_peer_str(pb, b->peerset) : strdup(sb->name));
	}
}

/* "a, b" */
static char *list_str(char *const *v, size_t n)
{
	struct ef_strv s = { 0 };
	char *j;

	for (size_t i = 0; i < n; i++)
		ef_strv_add(&s, strdup(v[i]));
	j = ef_strv_join(&s, ", ");
	ef_strv_free(&s);
	return j;
}

/* "[a, b]" */
static char *bracketed(char *const *v, size_t n)
{
	char *out, *j = list_str(v, n);

	if (asprintf(&out, "[%s]", j ? j : "") < 0)
		out = NULL;
	free(j);
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

/* "settings.KEY: a -> b (what b means)": yes when b is when, else no */
static void mode_changed(struct ef_strv *out, const char *key, int a, int b, int when,
			 const char *yes, const char *no)
{
	if (a != b)
		ef_strv_addf(out, "settings.%s: %s -> %s%s", key, ef_mode_name(a), ef_mode_name(b),
			     b == when ? yes : no);
}

void ef_diff_settings_changes(const struct ef_settings *a, const struct ef_settings *b,
			      struct ef_strv *out)
{
	mode_changed(out, "mode", a->mode, b->mode, EF_MODE_MONITOR,
		     " (nothing is dropped: drops are reported as would-drop)",
		     " (drops are enforced)");
	mode_changed(out, "egress", a->egress, b->egress, EF_MODE_ENFORCE,
		     " (outbound packets no out rule allows are dropped)",
		     " (outbound packets are no longer dropped)");
	if (a->ping != b->ping)
		ef_strv_addf(
			out,
			"settings.ping: %s -> %s (ICMP echo to and from the service addresses %s)",
			a->ping ? "true" : "false", b->ping ? "true" : "false",
			b->ping ? "opens" : "closes");
	if (a->log_allowed != b->log_allowed)
		ef_strv_addf(out, "settings.log_allowed: %s -> %s",
			     a->log_allowed ? "true" : "false", b->log_allowed ? "true" : "false");
	{
		char *ea = bracketed(a->exclude_tags, a->nexclude_tags),
		     *eb = bracketed(b->exclude_tags, b->nexclude_tags);

		if (ea && eb && strcmp(ea, eb))
			ef_strv_addf(out, "settings.exclude_tags: %s -> %s", ea, eb);
		free(ea);
		free(eb);
	}
	for (int i = 0; i < EF_TO_MAX; i++)
		if (a->timeout_s[i] != b->timeout_s[i])
			ef_strv_addf(out, "settings.timeouts.%s: %u -> %u", ef_timeout_names[i],
				     a->timeout_s[i], b->timeout_s[i]);
#define CMP_U32(field, name)                                                                  \
	do {                                                                                  \
		if (a->field != b->field)                                                     \
			ef_strv_addf(out, "settings." name ": %u -> %u", a->field, b->field); \
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
		ef_strv_addf(out, "settings.syn_flood.mode: %s -> %s",
			     ef_syn_mode_name(a->syn_mode), ef_syn_mode_name(b->syn_mode));
	for (int s = 0; s < EF_SVC_MAX; s++) {
		char *la = limits_str(&a->limits[s]), *lb = limits_str(&b->limits[s]);
		char what[64];

		snprintf(what, sizeof(what), "settings.limits.%s:", ef_service_names[s]);
		ef_diff_changed(out, what, la, lb);
	}
}

void ef_diff_peers_changes(const struct ef_policy *a, const struct ef_policy *b,
			   struct ef_strv *out)
{
	for (size_t i = 0; i < a->npeersets; i++) {
		const struct ef_peerset *sa = &a->peersets[i], *sb;
		char *pa;

		if (sa->inline_set)
			continue;
		sb = set_named(b, sa->name);
		if (!sb) {
			pa = ef_peer_str_max(a, (int)i, EF_PEERS_SHOWN);
			ef_strv_addf(out, "peers: - %s", pa);
			free(pa);
			continue;
		}
		{
			struct ef_strv c = { 0 };
			char what[96];

			snprintf(what, sizeof(what), "peers.%s:", sa->name);
			peer_changed(&c, what, a, (int)i, b, (int)(sb - b->peersets));
			for (size_t k = 0; k < c.n; k++)
				ef_strv_add(out, strdup(c.v[k]));
			ef_strv_free(&c);
		}
	}
	for (size_t i = 0; i < b->npeersets; i++) {
		const struct ef_peerset *sb = &b->peersets[i];

		if (!sb->inline_set && !set_named(a, sb->name)) {
			char *pb = ef_peer_str_max(b, (int)i, EF_PEERS_SHOWN);

			ef_strv_addf(out, "peers: + %s", pb);
			free(pb);
		}
	}
}

void ef_diff_nodes_changes(const struct ef_policy *a, const struct ef_policy *b,
			   struct ef_strv *out)
{
	for (size_t i = 0; i < a->nnodes; i++) {
		const struct ef_node *na = &a->nodes[i], *nb = ef_policy_node(b, na->name);
		char what[128];

		if (!nb) {
			ef_strv_addf(out, "nodes: - %s", na->name);
			continue;
		}
		for (int r = 0; r < EF_ROLE_MAX; r++) {
			snprintf(what, sizeof(what), "nodes.%s.interfaces.%s:", na->name,
				 ef_role_names[r]);
			ef_diff_changed(out, what, list_str(na->ifnames[r], na->nifnames[r]),
					list_str(nb->ifnames[r], nb->nifnames[r]));
		}
		/* as written: xmpp without addresses of its own follows access */
		for (int s = 0; s < EF_SVC_MAX; s++) {
			snprintf(what, sizeof(what), "nodes.%s.addresses.%s:", na->name,
				 ef_service_names[s]);
			ef_diff_changed(out, what, ef_addrs_str(&na->addrs[s]),
					ef_addrs_str(&nb->addrs[s]));
		}
	}
	for (size_t i = 0; i < b->nnodes; i++)
		if (!ef_policy_node(a, b->nodes[i].name))
			ef_strv_addf(out, "nodes: + %s", b->nodes[i].name);
}

void ef_diff_rules_changes(const struct ef_policy *a, const struct ef_policy *b,
			   struct ef_strv *out)
{
	for (size_t i = 0; i < a->nrules; i++)
		if (!ef_diff_rule_named(b, a->rules[i].name))
			ef_strv_addf(out, "rules: - %s", a->rules[i].name);
	for (size_t i = 0; i < b->nrules; i++) {
		const struct ef_prule *rb = &b->rules[i], *ra = ef_diff_rule_named(a, rb->name);
		struct ef_strv c = { 0 };
		char *j;

		if (!ra) {
			ef_strv_addf(out, "rules: + %s", rb->name);
			continue;
		}
		ef_diff_match_changes(a, ra, b, rb, false, &c);
		ef_diff_changed(&c, "tags", bracketed(ra->tags, ra->ntags),
				bracketed(rb->tags, rb->ntags));
		ef_diff_changed(&c, "limits", limits_str(&ra->limits), limits_str(&rb->limits));
		if (ra->log != rb->log)
			ef_strv_addf(&c, "log %s -> %s", ra->log ? "true" : "false",
				     rb->log ? "true" : "false");
		if (!same_str(ra->restates, rb->restates))
			ef_strv_addf(&c, "restates %s -> %s", ra->restates ? ra->restates : "none",
				     rb->restates ? rb->restates : "none");
		if (!same_str(ra->note, rb->note))
			ef_strv_add(&c, strdup("note changed"));
		if (!same_str(ra->ref, rb->ref))
			ef_strv_add(&c, strdup("ref changed"));
		if (c.n) {
			j = ef_strv_join(&c, "; ");
			ef_strv_addf(out, "rules: ~ %s: %s", rb->name, j);
			free(j);
		}
		ef_strv_free(&c);
	}
}
